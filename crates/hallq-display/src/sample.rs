//! A hall as the example configuration (deploy/hall.example.toml) describes it, on a busy
//! morning: the board with its calls, queues, an announcement and a notice; a call event; a
//! counter's state. The UI tests and the screenshots in docs/screenshots/ show the display and
//! the LED strip with these, so the pictures look like a real morning.

use hallq_proto::state::{
    Activity, Announcement, Board, CallEntry, CallEvent, CounterState, Notice, NoticeKind,
    QueueInfo, TicketAtCounter,
};
use hallq_proto::{
    AnnouncementId, BusinessCode, BusinessDay, CounterNo, DeviceId, HallId, LocalText, Priority,
    TicketId, TicketNo, Timestamp,
};

/// 09:41 on 2026-11-30, Beijing time.
pub const MORNING: Timestamp = Timestamp(1_796_002_860_000);

fn text(zh: &str, en: &str) -> LocalText {
    LocalText::new(zh, en)
}

fn code(s: &str) -> BusinessCode {
    BusinessCode::new(s).expect("a valid business code")
}

/// One call on the board, `secs_ago` before [`MORNING`].
pub fn call(number: &str, counter: u16, business: &str, secs_ago: i64, recall: u32) -> CallEntry {
    CallEntry {
        number: TicketNo(number.into()),
        counter: CounterNo(counter),
        business: code(business),
        at_ms: MORNING.plus_secs(-secs_ago),
        recall,
    }
}

fn queue(
    business: &str,
    name: LocalText,
    prefix: &str,
    waiting: u32,
    wait: Option<u32>,
) -> QueueInfo {
    QueueInfo {
        business: code(business),
        name,
        prefix: prefix.into(),
        waiting,
        estimated_wait_min: wait,
        counters_open: u32::from(wait.is_some()) * 2,
    }
}

/// The example hall's five business types on a busy morning; repair has no counter open.
pub fn queues() -> Vec<QueueInfo> {
    vec![
        queue("consult", text("咨询", "Consultation"), "C", 0, Some(0)),
        queue(
            "basic",
            text(
                "基础业务（套餐变更、话费充值）",
                "Basic services (plan change, top-up)",
            ),
            "A",
            7,
            Some(12),
        ),
        queue(
            "complex",
            text(
                "复杂业务（终端销售、合约办理）",
                "Complex services (handsets, contracts)",
            ),
            "B",
            3,
            Some(18),
        ),
        queue("repair", text("故障报修", "Fault repair"), "D", 2, None),
        queue(
            "enterprise",
            text("集团客户", "Enterprise customers"),
            "V",
            1,
            Some(5),
        ),
    ]
}

/// Tonight's system upgrade, asked about at the information desk.
pub fn upgrade() -> Announcement {
    Announcement {
        id: AnnouncementId::new("upgrade").expect("a valid id"),
        text: text(
            "今晚 22:00 系统升级，届时暂停办理业务",
            "System upgrade tonight at 22:00; counters pause then.",
        ),
        // 22:00 the same day, until 06:00 the next.
        starts_at_ms: MORNING.plus_secs(12 * 3600 + 19 * 60),
        ends_at_ms: Some(MORNING.plus_secs(20 * 3600 + 19 * 60)),
        where_to_ask: Some(text("咨询台", "information desk")),
    }
}

/// Kiosk 2 is offline: DOMAIN.md's maintenance notice.
pub fn kiosk_down() -> Notice {
    Notice {
        kind: NoticeKind::DeviceMaintenance,
        device: Some(DeviceId::new("kiosk-2").expect("a valid id")),
        counter: None,
        text: NoticeKind::maintenance_text(),
    }
}

/// The board of a busy morning at `rev`: eleven calls (a recall among them), the queues, no
/// announcement and no notice.
pub fn board(rev: u64) -> Board {
    Board {
        v: 1,
        rev,
        at_ms: MORNING,
        hall: HallId::new("demo").expect("a valid id"),
        hall_name: text("中国移动 人民路营业厅", "China Mobile, Renmin Road Hall"),
        business_day: BusinessDay(20261130),
        open: true,
        calls: vec![
            call("A012", 3, "basic", 5, 0),
            call("B003", 5, "complex", 40, 1),
            call("C021", 1, "consult", 95, 0),
            call("A011", 2, "basic", 160, 0),
            call("V002", 6, "enterprise", 230, 0),
            call("A010", 4, "basic", 300, 0),
            call("C020", 1, "consult", 410, 0),
            call("B002", 5, "complex", 520, 0),
            call("A009", 3, "basic", 600, 0),
            call("D004", 4, "repair", 700, 0),
            call("A008", 2, "basic", 820, 0),
        ],
        queues: queues(),
        announcements: vec![],
        notices: vec![],
        kiosks_online: Some(2),
    }
}

/// [`board`] with tonight's upgrade announced and kiosk 2 under maintenance, kiosk 1 working.
pub fn board_with_notices(rev: u64) -> Board {
    let mut b = board(rev);
    b.announcements = vec![upgrade()];
    b.notices = vec![kiosk_down()];
    b.kiosks_online = Some(1);
    b
}

/// [`board_with_notices`] with no kiosk left to issue tickets.
pub fn board_no_kiosk(rev: u64) -> Board {
    let mut b = board_with_notices(rev);
    b.kiosks_online = Some(0);
    b
}

/// The board as the hall opens: no call yet, nobody waiting.
pub fn board_empty(rev: u64) -> Board {
    let mut b = board(rev);
    b.calls.clear();
    for q in &mut b.queues {
        q.waiting = 0;
        q.estimated_wait_min = q.estimated_wait_min.map(|_| 0);
    }
    b
}

/// The hub's call event for `number` at `counter`.
pub fn call_event(number: &str, counter: u16, recall: u32) -> CallEvent {
    let number = TicketNo(number.into());
    CallEvent {
        v: 1,
        ticket: TicketId::new(format!("20261130-{}", &number.0[1..])).expect("a valid id"),
        speech: hallq_proto::speech::call(&number, CounterNo(counter)),
        number,
        business: code("basic"),
        counter: CounterNo(counter),
        recall,
        at_ms: MORNING,
    }
}

/// Counter `n` calling `number`.
pub fn counter_calling(n: u16, number: &str) -> CounterState {
    let mut c = CounterState::closed(
        CounterNo(n),
        text(&format!("{n} 号窗口"), &format!("Counter {n}")),
        vec![code("basic")],
    );
    c.rev = 1;
    c.open = true;
    c.online = true;
    c.activity = Activity::Calling(TicketAtCounter {
        ticket: TicketId::new("20261130-0012").expect("a valid id"),
        number: TicketNo(number.into()),
        business: code("basic"),
        priority: Priority::Ordinary,
        called_at_ms: MORNING,
        recalls: 0,
        note: None,
    });
    c
}
