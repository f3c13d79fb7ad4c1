//! The greeter's and the supervisor's logic without a display.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use hallq_proto::Timestamp;
use hallq_proto::state::{Activity, CounterState};

use super::*;

fn code(s: &str) -> BusinessCode {
    BusinessCode::new(s).unwrap()
}

#[test]
fn a_visitors_touches_and_ticket_join_the_visit_the_hub_opened() {
    let mut g = Greeter::default();
    let first = g.touch(DoorTouch::Wandering).unwrap();
    assert!(matches!(&first, Command::Wandering(t) if t.visit.is_none()));
    assert!(
        g.touch(DoorTouch::ProductExperience).is_none(),
        "one at a time"
    );
    let visit = VisitId::new("V20261130-0007").unwrap();
    g.answered(Ok((Some(visit.clone()), None)));

    g.choose(code("complex"));
    let c = g
        .touch(DoorTouch::Consultation { resolved: false })
        .unwrap();
    assert!(
        matches!(&c, Command::Consultation(t) if t.visit.as_ref() == Some(&visit) && t.resolved == Some(false) && t.business == Some(code("complex")))
    );
    g.answered(Ok((Some(visit.clone()), None)));
    let ticket = g.ticket(Some(PriorityReason::Elderly), Lang::Zh).unwrap();
    assert!(
        matches!(&ticket, Command::IssueTicket(t) if t.visit.as_ref() == Some(&visit) && t.priority_reason == Some(PriorityReason::Elderly))
    );
    g.answered(Ok((Some(visit), Some("B007".into()))));
    assert_eq!(g.last, Some(Ok("B007".into())));

    g.next_visitor();
    assert!(g.visit.is_none() && g.business.is_none());
    assert!(g.ticket(None, Lang::Zh).is_none(), "no business chosen yet");
}

#[test]
fn the_supervisor_names_the_counter_and_keeps_the_newest_state() {
    let mut s = Supervisor::default();
    let cmd = s.set_open(CounterNo(4), true).unwrap();
    assert_eq!(
        cmd,
        Command::OpenCounter {
            counter: Some(CounterNo(4))
        }
    );
    assert!(s.set_open(CounterNo(4), false).is_none(), "in flight");
    s.answered(Ok(()));

    let mut c = CounterState::closed(
        CounterNo(4),
        LocalText::new("4 号窗口", "Counter 4"),
        vec![],
    );
    c.rev = 5;
    c.open = true;
    s.counter(c.clone());
    let mut older = c.clone();
    older.rev = 4;
    older.open = false;
    s.counter(older);
    assert!(s.counters()[0].open);
    c.rev = 6;
    c.activity = Activity::Paused {
        reason: hallq_proto::PauseReason::Meal,
        since_ms: Timestamp(0),
    };
    s.counter(c.clone());
    assert_eq!(s.counters()[0].doing.zh, "用餐");

    // The hub returns (a new run, counting from lower): its first state is taken.
    s.hub(Liveness::Offline);
    s.hub(Liveness::Online);
    c.rev = 2;
    c.activity = Activity::Idle;
    s.counter(c);
    assert_ne!(s.counters()[0].doing.zh, "用餐");
}

#[test]
fn an_announcement_needs_text_and_takes_one_language_for_both_if_given_one() {
    let mut s = Supervisor::default();
    assert!(s.post("  ", "", "").is_none());
    let cmd = s.post("今晚 22:00 系统升级", "", "咨询台").unwrap();
    assert!(
        matches!(&cmd, Command::AnnouncementPost { text, where_to_ask: Some(w), .. } if text.en == "今晚 22:00 系统升级" && w.zh == "咨询台")
    );
}

#[test]
fn devices_offline_are_listed_first() {
    let mut s = Supervisor::default();
    for (id, up) in [
        ("kiosk-2", false),
        ("display-main", true),
        ("kiosk-1", true),
    ] {
        s.presence(&Presence {
            v: 1,
            device: DeviceId::new(id).unwrap(),
            status: if up {
                Liveness::Online
            } else {
                Liveness::Offline
            },
            profile: None,
            version: None,
        });
    }
    let ids: Vec<String> = s.devices().iter().map(|(d, _)| d.to_string()).collect();
    assert_eq!(ids, ["kiosk-2", "display-main", "kiosk-1"]);
}

#[test]
fn a_complaint_counts_down_to_its_next_limit_and_says_when_it_is_overdue() {
    use hallq_proto::state::{ComplaintCase, Complaints};
    use hallq_proto::{ComplaintCategory, ComplaintId};
    let t0 = 1_796_002_860_000;
    let case = |id: &str, contacted: bool| ComplaintCase {
        complaint: ComplaintId::new(id).unwrap(),
        category: ComplaintCategory::Complex,
        opened_at_ms: Timestamp(t0),
        first_contact_due_ms: Timestamp(t0 + 2 * 3_600_000),
        due_ms: Timestamp(t0 + 72 * 3_600_000),
        contacted,
    };
    let mut s = Supervisor::default();
    s.complaints(Complaints {
        undelivered: Vec::new(),
        v: 1,
        rev: 1,
        at_ms: Timestamp(t0),
        cases: vec![case("K20261130-001", false), case("K20261130-002", true)],
        callbacks: Vec::new(),
    });
    let at = |mins: i64| s.cases(Timestamp(t0 + mins * 60_000), Lang::Zh);
    let now = at(40);
    assert_eq!(now[0].text, "K20261130-001 · 首次联系 剩余 1 小时 20 分");
    assert!(!now[0].overdue);
    assert_eq!(now[1].text, "K20261130-002 · 进展反馈 剩余 71 小时 20 分");
    let late = at(125);
    assert!(late[0].overdue, "{}", late[0].text);
    assert_eq!(late[0].text, "K20261130-001 · 首次联系 已超时 5 分钟");
    assert_eq!(
        s.cases(Timestamp(t0 + 125 * 60_000), Lang::En)[0].text,
        "K20261130-001 · first contact overdue by 5 min"
    );
}

/// A board with these queues: (code, name, waiting, estimated wait, counters open).
fn board_with(queues: &[(&str, &str, u32, Option<u32>, u32)]) -> Board {
    Board {
        v: 1,
        rev: 1,
        at_ms: Timestamp(0),
        hall: hallq_proto::HallId::new("demo").unwrap(),
        hall_name: LocalText::new("演示营业厅", "Demo Hall"),
        business_day: hallq_proto::BusinessDay(20261130),
        open: true,
        calls: Vec::new(),
        queues: queues
            .iter()
            .map(
                |&(c, name, waiting, wait, open)| hallq_proto::state::QueueInfo {
                    business: code(c),
                    name: LocalText::new(name, c),
                    prefix: "A".into(),
                    waiting,
                    estimated_wait_min: wait,
                    counters_open: open,
                },
            )
            .collect(),
        announcements: Vec::new(),
        notices: Vec::new(),
        kiosks_online: Some(1),
    }
}

#[test]
fn a_queue_with_people_waiting_and_no_counter_open_stands_out() {
    let mut s = Supervisor::default();
    assert!(s.queues().is_empty(), "nothing before the board");
    s.board(board_with(&[
        ("basic", "基础业务", 6, Some(12), 2),
        ("complex", "复杂业务", 3, None, 0),
        ("consult", "咨询", 0, None, 0),
        ("repair", "故障报修", 0, Some(0), 3),
    ]));
    let q = s.queues();
    assert_eq!(q[3].status.zh, "等候 0 人 · 无需等候 · 3 个窗口");
    assert_eq!(q[0].status.zh, "等候 6 人 · 约 12 分钟 · 2 个窗口");
    assert_eq!(q[0].status.en, "6 waiting · about 12 min · 2 counters");
    assert_eq!(q[1].status.en, "3 waiting · no estimate · no counter open");
    assert_eq!(
        q.iter().map(|q| q.unserved).collect::<Vec<_>>(),
        [false, true, false, false],
        "only a queue with people in it and nobody to serve them"
    );
}

#[test]
fn a_complaint_update_needs_a_note_unless_it_records_the_first_contact() {
    let mut s = Supervisor::default();
    assert!(
        s.update("K20261130-001", "  ", false).is_none(),
        "progress needs a note"
    );
    assert!(
        s.resolve("K20261130-001", &answer("", "退费", ""))
            .is_none(),
        "a written result needs its cause"
    );
    assert!(
        s.last_line(Lang::Zh)
            .is_some_and(|(l, problem)| problem && l.contains("原因")),
        "the console says which part is missing"
    );
    assert!(
        s.update("", "x", true).is_none(),
        "no case, nothing to send"
    );
    let contact = s.update("K20261130-001", "", true).unwrap();
    assert!(
        matches!(&contact, Command::ComplaintUpdate { contacted: true, note, .. } if note.contains("contacted"))
    );
    assert!(
        s.resolve("K20261130-001", &answer("计费错误", "退费", ""))
            .is_none(),
        "one at a time"
    );
    s.answered(Ok(()));
    let Some(Command::ComplaintResolve {
        resolution,
        answer: Some(a),
        ..
    }) = s.resolve("K20261130-001", &answer(" 计费错误 ", " 退费 ", " "))
    else {
        panic!("a whole written result is sent");
    };
    assert_eq!(resolution, "退费", "the solution is the case's line");
    assert_eq!(
        (a.cause.as_str(), a.compensation, a.promise.as_str()),
        ("计费错误", None, "下月起按新套餐计费"),
        "trimmed, and an empty compensation is none"
    );
}

/// A written result with `cause`, `solution` and `compensation` typed, and a promise.
fn answer(cause: &str, solution: &str, compensation: &str) -> ComplaintAnswer {
    ComplaintAnswer {
        cause: cause.into(),
        solution: solution.into(),
        compensation: Some(compensation.into()),
        promise: "下月起按新套餐计费".into(),
    }
}

#[test]
fn a_call_back_owed_counts_down_from_24_hours_and_is_recorded_in_one_press() {
    use hallq_proto::state::{CallbackCase, Complaints};
    let t0 = 1_796_002_860_000;
    let owed = |visit: &str, asked_min: i64| CallbackCase {
        visit: VisitId::new(visit).unwrap(),
        business: Some(code("complex")),
        asked_at_ms: Timestamp(t0 + asked_min * 60_000),
        due_ms: Timestamp(t0 + asked_min * 60_000 + 24 * 3_600_000),
    };
    let mut s = Supervisor::default();
    s.board(board_with(&[("complex", "复杂业务", 0, None, 1)]));
    s.complaints(Complaints {
        undelivered: Vec::new(),
        v: 1,
        rev: 1,
        at_ms: Timestamp(t0),
        cases: Vec::new(),
        callbacks: vec![owed("V20261130-0009", 10), owed("V20261129-0031", -25 * 60)],
    });
    let lines = s.callbacks(Timestamp(t0 + 20 * 60_000), Lang::Zh);
    assert_eq!(
        lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
        [
            "V20261129-0031 · 复杂业务 · 回电已超时 1 小时 20 分",
            "V20261130-0009 · 复杂业务 · 回电剩余 23 小时 50 分",
        ],
        "oldest first, named by the board"
    );
    assert_eq!(
        lines.iter().map(|l| l.overdue).collect::<Vec<_>>(),
        [true, false]
    );
    assert_eq!(
        s.press(SupervisorPress::CalledBack {
            visit: "V20261130-0009".into()
        }),
        Some(Command::CallbackDone {
            visit: VisitId::new("V20261130-0009").unwrap(),
            note: None,
        })
    );
}

#[test]
fn a_greeters_call_back_does_not_change_the_visitor_being_helped() {
    let mut g = Greeter::default();
    let now = VisitId::new("V20261130-0012").unwrap();
    g.touch(DoorTouch::Wandering).unwrap();
    g.answered(Ok((Some(now.clone()), None)));
    let earlier = VisitId::new("V20261130-0003").unwrap();
    assert_eq!(
        g.press(GreeterPress::CalledBack(earlier.clone()), Lang::Zh),
        Some(Command::CallbackDone {
            visit: earlier.clone(),
            note: None,
        })
    );
    assert!(g.touch(DoorTouch::Wandering).is_none(), "one at a time");
    // The hub answers with the earlier visit: the greeter still helps the one in front of them.
    g.answered(Ok((Some(earlier), None)));
    assert_eq!(g.visit, Some(now.clone()));
    g.touch(DoorTouch::ProductExperience).unwrap();
    g.answered(Ok((Some(now.clone()), None)));
    assert_eq!(g.visit, Some(now));
    // The hall's call-backs outlast the visitor.
    g.complaints(Complaints {
        undelivered: Vec::new(),
        v: 1,
        rev: 1,
        at_ms: Timestamp(0),
        cases: Vec::new(),
        callbacks: vec![hallq_proto::state::CallbackCase {
            visit: VisitId::new("V20261130-0003").unwrap(),
            business: None,
            asked_at_ms: Timestamp(0),
            due_ms: Timestamp(86_400_000),
        }],
    });
    g.next_visitor();
    assert!(g.visit.is_none());
    assert_eq!(
        g.callbacks(Timestamp(0), Lang::Zh, ToString::to_string)
            .len(),
        1
    );
    // A new run of the hub counts again: its first state, no newer than the kept one, replaces
    // it.
    g.hub(Liveness::Online);
    g.complaints(Complaints {
        undelivered: Vec::new(),
        v: 1,
        rev: 1,
        at_ms: Timestamp(0),
        cases: Vec::new(),
        callbacks: Vec::new(),
    });
    assert!(
        g.callbacks(Timestamp(0), Lang::Zh, ToString::to_string)
            .is_empty()
    );
}

#[test]
fn the_console_says_when_the_hub_is_away_or_its_clock_is_behind() {
    let mut s = Supervisor::default();
    let away = s.hub_notice().unwrap();
    assert!(away.zh.contains("未连接"), "{away:?}");
    s.hub(Liveness::Online);
    assert_eq!(s.hub_notice(), None);
    s.clock_behind_ms = Some(61 * 60_000 - 1);
    let behind = s.hub_notice().unwrap();
    assert!(behind.zh.contains("落后 61 分钟"), "{behind:?}");
    assert!(behind.en.contains("61 min behind"), "{behind:?}");
    s.clock_behind_ms = None;
    assert_eq!(s.hub_notice(), None);
}

#[test]
fn the_console_says_when_the_hub_cannot_write_its_journal_until_it_can() {
    use hallq_proto::state::Storage;
    let mut s = Supervisor::default();
    s.hub(Liveness::Online);
    s.clock_behind_ms = Some(5 * 60_000);
    s.storage = Some(Storage::Full);
    let full = s.hub_notice().unwrap();
    assert!(
        full.zh.contains("磁盘已满") && full.en.contains("disk is full"),
        "{full:?}"
    );
    s.storage = Some(Storage::Failing);
    let failing = s.hub_notice().unwrap();
    assert!(failing.zh.contains("无法写入"), "{failing:?}");
    s.storage = None;
    assert!(s.hub_notice().unwrap().zh.contains("落后 5 分钟"));
}

#[test]
fn the_console_has_a_line_for_the_link_to_hq_when_the_hall_has_one() {
    use hallq_proto::state::UplinkState;
    let mut s = Supervisor::default();
    s.hub(Liveness::Online);
    assert_eq!(s.uplink_line(), None, "a hall without [uplink]");
    let link = |connected, behind| UplinkState {
        connected,
        behind,
        last_ack_ms: None,
    };
    s.uplink = Some(link(true, 0));
    let (up, ok) = s.uplink_line().unwrap();
    assert!(ok && up.zh.contains("已全部上传") && up.en.contains("everything uploaded"));
    s.uplink = Some(link(false, 412));
    let (down, ok) = s.uplink_line().unwrap();
    assert!(!ok, "{down:?}");
    assert!(
        down.zh.contains("中断") && down.zh.contains("待上传 412 条"),
        "{down:?}"
    );
    assert!(
        down.en.contains("HQ link down: 412 events to upload"),
        "{down:?}"
    );
    assert!(down.zh.contains("未收到总部配置"), "{down:?}");
}

#[test]
fn the_console_names_hq_s_revision_in_force_and_one_the_hall_refused() {
    use hallq_proto::state::{ConfigInForce, ConfigRefused, HubClock, HubStatus, UplinkState};
    let mut s = Supervisor::default();
    s.set_utc_offset_min(480);
    // 2026-11-23 02:31 UTC: 10:31 in the hall.
    let since = hallq_proto::Timestamp(1_763_865_060_000);
    let status = |config, config_refused| HubStatus {
        v: 1,
        status: Liveness::Online,
        hall: hallq_proto::HallId::new("h1").unwrap(),
        at_ms: Some(since),
        version: "t".into(),
        reason: None,
        clock_behind_ms: None,
        uplink: Some(UplinkState {
            connected: true,
            behind: 0,
            last_ack_ms: None,
        }),
        clock: Some(HubClock {
            now_ms: since,
            rate: 1.0,
        }),
        storage: None,
        config,
        config_refused,
        notices: None,
    };
    let rev12 = ConfigInForce {
        rev: 12,
        since_ms: since,
    };
    s.feed(hallq_client::Update::Hub(status(Some(rev12), None)));
    let (line, ok) = s.uplink_line().unwrap();
    assert!(ok, "{line:?}");
    assert!(
        line.zh.contains("总部配置第 12 版（10:31 起生效）"),
        "{line:?}"
    );
    assert!(
        line.en
            .contains("HQ configuration rev 12 (in force since 10:31)"),
        "{line:?}"
    );
    // Revision 13 removes a business type with tickets waiting: the hall keeps 12, and says why.
    let refused = ConfigRefused {
        rev: 13,
        reason: LocalText::new(
            "业务类型 C 仍有人排队",
            "business type C has tickets waiting",
        ),
    };
    s.feed(hallq_client::Update::Hub(status(
        Some(rev12),
        Some(refused),
    )));
    let (line, ok) = s.uplink_line().unwrap();
    assert!(!ok, "a refused revision is shown as a problem: {line:?}");
    assert!(
        line.zh.contains("第 12 版") && line.zh.contains("第 13 版未采用：业务类型 C 仍有人排队"),
        "{line:?}"
    );
    assert!(
        line.en
            .contains("rev 13 not taken: business type C has tickets waiting"),
        "{line:?}"
    );
}

#[test]
fn the_console_says_when_customer_notices_failed_after_their_retries() {
    use hallq_proto::state::{FailedNotice, NoticeFailures};
    let mut s = Supervisor::default();
    s.hub(Liveness::Online);
    assert_eq!(s.hub_notice(), None);
    s.notices = Some(NoticeFailures {
        failed: 2,
        last: FailedNotice {
            number: hallq_proto::TicketNo("A012".into()),
            kind: "called".into(),
            channel: "smpp".into(),
            error: "SMS gateway unreachable / 短信网关无法连接".into(),
            at_ms: Timestamp(0),
        },
    });
    let line = s.hub_notice().unwrap();
    assert!(
        line.zh.contains("2 条短信通知发送失败") && line.zh.contains("A012"),
        "{line:?}"
    );
    assert!(line.en.contains("A012 call notice"), "{line:?}");
    // A clock behind is more urgent, and said first.
    s.clock_behind_ms = Some(60_000);
    assert!(s.hub_notice().unwrap().zh.contains("落后"));
}
