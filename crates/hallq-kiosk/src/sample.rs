//! A hall as the example configuration (deploy/hall.example.toml) describes it: its services
//! with their waits, documents and self-service offer, and a ticket. The UI tests and the
//! screenshots in docs/screenshots/ show the kiosk with these, so the pictures look like a real
//! morning rather than placeholder text.

use hallq_proto::reply::TicketIssued;
use hallq_proto::state::{OpeningHours, ServiceInfo, Services};
use hallq_proto::{
    BusinessClass, BusinessCode, LocalText, Priority, TicketId, TicketNo, Timestamp, VisitId,
};

/// 09:41 on 2026-11-30, Beijing time.
pub const MORNING: Timestamp = Timestamp(1_796_002_860_000);

fn text(zh: &str, en: &str) -> LocalText {
    LocalText::new(zh, en)
}

/// One business type as the hub publishes it.
fn service(
    code: &str,
    name: LocalText,
    prefix: &str,
    class: BusinessClass,
    waiting: u32,
    wait: Option<u32>,
    documents: Vec<LocalText>,
) -> ServiceInfo {
    ServiceInfo {
        business: BusinessCode::new(code).expect("a valid code"),
        name,
        prefix: prefix.into(),
        class,
        waiting,
        estimated_wait_min: wait,
        counters_open: u32::from(wait.is_some()) * 2,
        limit_min: if class == BusinessClass::Complex {
            30
        } else {
            15
        },
        documents,
        document_help: vec![],
        self_service: None,
    }
}

fn id_card() -> LocalText {
    text("本人有效身份证件原件", "Your original ID card")
}

/// The example hall's five business types on a busy morning; repair has no counter open.
pub fn services() -> Services {
    let mut basic = service(
        "basic",
        text(
            "基础业务（套餐变更、话费充值）",
            "Basic services (plan change, top-up)",
        ),
        "A",
        BusinessClass::Basic,
        7,
        Some(12),
        vec![id_card()],
    );
    basic.self_service = Some(text(
        "话费充值、账单查询可在自助终端或手机营业厅 App 办理，无需排队",
        "Top-up and bill queries need no queue: use the self-service terminal or the app",
    ));
    Services {
        v: 1,
        rev: 1,
        at_ms: MORNING,
        open: true,
        hall_name: text("中国移动 人民路营业厅", "China Mobile, Renmin Road Hall"),
        services: vec![
            service(
                "consult",
                text("咨询", "Consultation"),
                "C",
                BusinessClass::Consultation,
                0,
                Some(0),
                vec![],
            ),
            basic,
            service(
                "complex",
                text(
                    "复杂业务（终端销售、合约办理）",
                    "Complex services (handsets, contracts)",
                ),
                "B",
                BusinessClass::Complex,
                3,
                Some(18),
                vec![
                    id_card(),
                    text("银行卡（合约分期）", "Bank card (for instalment contracts)"),
                ],
            ),
            service(
                "repair",
                text("故障报修", "Fault repair"),
                "D",
                BusinessClass::Repair,
                2,
                None,
                vec![
                    id_card(),
                    text("故障设备及购机凭证", "The faulty device and its receipt"),
                ],
            ),
            service(
                "enterprise",
                text("集团客户", "Enterprise customers"),
                "V",
                BusinessClass::Enterprise,
                1,
                Some(5),
                vec![
                    text("经办人身份证原件", "The agent's original ID card"),
                    text(
                        "单位介绍信（加盖公章）",
                        "Company authorisation letter with seal",
                    ),
                ],
            ),
        ],
        hours: Some(OpeningHours {
            open: "08:30".into(),
            close: "17:30".into(),
        }),
        booking: false,
        tiers: vec![],
    }
}

/// The ticket the hub issues for the `n`th business type of [`services`], with `priority`.
pub fn ticket(n: usize, priority: Priority) -> TicketIssued {
    let all = services();
    let s = &all.services[n % all.services.len()];
    TicketIssued {
        ticket: TicketId::new("20261130-0042").expect("a valid id"),
        number: TicketNo(format!("{}012", s.prefix)),
        visit: VisitId::new("V20261130-0042").expect("a valid id"),
        business: s.business.clone(),
        business_name: s.name.clone(),
        priority,
        issued_at_ms: MORNING,
        people_ahead: s.waiting,
        estimated_wait_min: s.estimated_wait_min,
        documents: s.documents.clone(),
        page_url: None,
    }
}
