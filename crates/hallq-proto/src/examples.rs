//! One example of every command kind, in [`Command::KINDS`] order.
//!
//! Tests decode each one back, docs/protocol.md is checked against them, and the simulator and
//! the docs use them as living documentation of the contract.

use crate::command::{CheckIn, Command, IssueTicket, KioskStep, Pin, TicketRef, Touch};
use crate::ids::{
    AnnouncementId, BusinessCode, ComplaintId, CounterNo, Phone, StaffNo, TicketId, Timestamp,
    VisitId,
};
use crate::inspection::InspectionAnswer;
use crate::vocab::{
    ComplaintAnswer, ComplaintCategory, Lang, LocalText, PauseReason, PriorityReason, Score,
    ServiceResult, TransferTarget,
};

fn code(s: &str) -> BusinessCode {
    BusinessCode::new(s).unwrap_or_else(|_| unreachable!("example codes are valid"))
}

fn visit() -> Option<VisitId> {
    VisitId::new("V20261123-0007").ok()
}

fn ticket_id() -> TicketId {
    TicketId::new("20261123-0042").unwrap_or_else(|_| unreachable!("example ids are valid"))
}

fn answer(item: &str, pass: bool, note: Option<&str>) -> InspectionAnswer {
    InspectionAnswer {
        item: item.into(),
        pass,
        note: note.map(Into::into),
    }
}

/// One command of each kind.
pub fn examples() -> Vec<Command> {
    let touch = |business: Option<&str>, resolved| Touch {
        visit: visit(),
        business: business.map(code),
        resolved,
        note: None,
    };
    vec![
        Command::IssueTicket(IssueTicket {
            business: code("basic"),
            priority_reason: Some(PriorityReason::Elderly),
            green_channel: None,
            lang: Lang::Zh,
            phone: Phone::parse("13800131234").ok(),
            session: Some("k1-s0815".into()),
            visit: None,
            tier: None,
        }),
        Command::SessionStarted {
            session: "k1-s0815".into(),
        },
        Command::SelfServiceChosen {
            session: "k1-s0815".into(),
            business: code("basic"),
        },
        Command::SessionAbandoned {
            session: "k1-s0816".into(),
            step: KioskStep::Phone,
        },
        Command::PrintResult {
            ticket: ticket_id(),
            ok: false,
            reprint: false,
            error: Some("paper out".into()),
        },
        Command::Consultation(touch(Some("complex"), Some(true))),
        Command::Wandering(Touch::default()),
        Command::ProductExperience(touch(Some("complex"), None)),
        Command::DocumentPrecheck(touch(Some("basic"), Some(true))),
        Command::SignIn {
            staff: StaffNo::new("E1024").unwrap_or_else(|_| unreachable!()),
            pin: Some(Pin("1234".into())),
        },
        Command::SignOut {},
        Command::OpenCounter { counter: None },
        Command::CloseCounter {
            counter: Some(CounterNo(5)),
        },
        Command::Pause {
            reason: PauseReason::Meal,
            note: None,
        },
        Command::Resume {},
        Command::CallNext {},
        Command::CallTicket {
            ticket: TicketRef("A012".into()),
        },
        Command::Recall {},
        Command::StartService {},
        Command::BackOffice { waiting: true },
        Command::Finish {
            result: ServiceResult::Done,
            note: None,
            missing: vec![],
        },
        Command::NoShow {},
        Command::Transfer {
            to: TransferTarget::Business(code("complex")),
            note: Some("wants a contract phone".into()),
        },
        Command::Requeue {
            ticket: TicketRef("A012".into()),
        },
        Command::CancelTicket {
            ticket: TicketRef("B003".into()),
            reason: Some("customer left".into()),
        },
        Command::Rate {
            score: Score::VerySatisfied,
            ticket: Some(ticket_id()),
        },
        Command::ComplaintOpen {
            category: ComplaintCategory::General,
            summary: "tariff charged twice".into(),
            visit: visit(),
            ticket: Some(TicketRef("A012".into())),
            business: Some(code("basic")),
            responsibility: Some("billing".into()),
            contact: Phone::parse("13900139000").ok(),
        },
        Command::ComplaintUpdate {
            complaint: ComplaintId::new("K20261123-001").unwrap_or_else(|_| unreachable!()),
            note: "called the customer back".into(),
            contacted: true,
        },
        Command::ComplaintResolve {
            complaint: ComplaintId::new("K20261123-001").unwrap_or_else(|_| unreachable!()),
            resolution: "refund issued".into(),
            answer: Some(ComplaintAnswer {
                cause: "套餐变更次月生效，当月仍按原套餐计费".into(),
                solution: "已退还当月差额".into(),
                compensation: Some("赠送 10 元话费".into()),
                promise: "办理变更时当场告知生效时间".into(),
            }),
        },
        Command::ComplaintResultResend {
            complaint: ComplaintId::new("K20261123-002").unwrap_or_else(|_| unreachable!()),
        },
        Command::CallbackDone {
            visit: visit().unwrap_or_else(|| unreachable!()),
            note: Some("explained the 5G plan by phone".into()),
        },
        Command::AnnouncementPost {
            announcement: AnnouncementId::new("upgrade").ok(),
            text: LocalText::new(
                "今晚 22:00 系统升级，届时暂停办理业务",
                "System upgrade tonight at 22:00; counters pause then.",
            ),
            starts_at_ms: None,
            ends_at_ms: Some(Timestamp(1_795_478_400_000)),
            where_to_ask: Some(LocalText::new("咨询台", "information desk")),
        },
        Command::AnnouncementClear {
            announcement: AnnouncementId::new("upgrade").unwrap_or_else(|_| unreachable!()),
        },
        Command::CallAnnounced {
            ticket: TicketId::new("20261123-0042").unwrap_or_else(|_| unreachable!()),
            counter: CounterNo(3),
            recall: 0,
        },
        Command::DoorCount {
            entered: 3,
            passed_by: Some(11),
        },
        Command::InspectionRecord {
            template: "patrol".into(),
            staff: StaffNo::new("E2001").ok(),
            items: vec![
                answer("floor", true, None),
                answer("seats", true, None),
                answer("bins", false, Some("门口垃圾桶已满 / bin at the door full")),
                answer("desk", true, None),
            ],
            note: None,
            visited_at_ms: None,
            shopper: None,
        },
        Command::CorrectionFollowUp {
            correction: "R20261123-001".into(),
            note: "已清空，增设一个垃圾桶待审批 / emptied; a second bin requested".into(),
            staff: None,
        },
        Command::CorrectionClose {
            correction: "R20261123-001".into(),
            note: "门口增设垃圾桶 / a second bin at the door".into(),
            staff: StaffNo::new("E2001").ok(),
        },
        Command::CheckIn(CheckIn {
            code: Some("7KQ2-M9XD".into()),
            ..CheckIn::default()
        }),
    ]
}
