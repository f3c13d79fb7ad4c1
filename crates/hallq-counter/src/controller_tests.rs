//! The counter terminal without a display: presses in, commands out; what it shows follows the
//! hub's counter state.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use hallq_proto::state::{Activity, CounterState, TicketAtCounter};
use hallq_proto::{BusinessCode, LocalText, Priority, StaffNo, TicketId, TicketNo, Timestamp};

use hallq_proto::Lang;

use super::*;
use crate::view::{DeskView, Limit, Mode};

const T0: i64 = 1_796_002_860_000;

fn state(rev: u64, staff: bool, open: bool, activity: Activity) -> CounterState {
    let mut s = CounterState::closed(
        CounterNo(3),
        LocalText::new("3 号窗口", "Counter 3"),
        vec![BusinessCode::new("basic").unwrap()],
    );
    s.rev = rev;
    s.staff = staff.then(|| StaffNo::new("A1024").unwrap());
    s.open = open;
    s.activity = activity;
    s
}

fn ticket() -> TicketAtCounter {
    TicketAtCounter {
        ticket: TicketId::new("20261130-0012").unwrap(),
        number: TicketNo("A012".into()),
        business: BusinessCode::new("basic").unwrap(),
        priority: Priority::Care,
        called_at_ms: Timestamp(T0),
        recalls: 1,
        note: None,
    }
}

fn desk(activity: Activity) -> Desk {
    let mut d = Desk::new(CounterNo(3));
    d.handle(Input::HubReachable(true));
    d.handle(Input::Counter(Box::new(state(1, true, true, activity))));
    d
}

fn press(d: &mut Desk, a: Action) -> Vec<Command> {
    d.handle(Input::Action(a))
        .into_iter()
        .map(|Effect::Send(c)| c)
        .collect()
}

#[test]
fn an_idle_counter_calls_next_and_a_second_press_waits_for_the_answer() {
    let mut d = desk(Activity::Idle);
    assert_eq!(press(&mut d, Action::CallNext), vec![Command::CallNext {}]);
    assert!(press(&mut d, Action::CallNext).is_empty(), "in flight");
    d.handle(Input::Answered(Ok(None)));
    assert_eq!(press(&mut d, Action::CallNext), vec![Command::CallNext {}]);
}

#[test]
fn buttons_that_make_no_sense_in_the_state_send_nothing() {
    let mut idle = desk(Activity::Idle);
    for a in [
        Action::Recall,
        Action::NoShow,
        Action::Start,
        Action::Finish(ServiceResult::Done),
    ] {
        assert!(press(&mut idle, a.clone()).is_empty(), "{a:?} while idle");
    }
    let mut calling = desk(Activity::Calling(ticket()));
    assert!(press(&mut calling, Action::CallNext).is_empty());
    assert!(press(&mut calling, Action::SignOut).is_empty());
    assert_eq!(
        press(&mut calling, Action::NoShow),
        vec![Command::NoShow {}]
    );
}

#[test]
fn nothing_is_sent_while_the_hub_is_away() {
    let mut d = desk(Activity::Idle);
    d.handle(Input::HubReachable(false));
    assert!(press(&mut d, Action::CallNext).is_empty());
    assert_eq!(
        DeskView::of(&d, Timestamp(T0), Lang::Zh).mode,
        Mode::Offline
    );
}

#[test]
fn a_refusal_is_shown_in_the_clerks_language_until_dismissed() {
    let mut d = desk(Activity::Calling(ticket()));
    press(&mut d, Action::NoShow);
    d.handle(Input::Answered(Err(Problem::Refused(
        ErrorCode::NoShowTooEarly,
    ))));
    let v = DeskView::of(&d, Timestamp(T0), Lang::Zh);
    assert_eq!(v.problem, ErrorCode::NoShowTooEarly.message().zh);
    press(&mut d, Action::Dismiss);
    assert_eq!(DeskView::of(&d, Timestamp(T0), Lang::Zh).problem, "");
}

#[test]
fn the_handling_time_warns_near_and_past_the_limit() {
    let serving = |secs: i64| {
        let d = desk(Activity::Serving {
            ticket: ticket(),
            since_ms: Timestamp(T0),
            limit_min: 15,
            back_office: false,
        });
        DeskView::of(&d, Timestamp(T0 + secs * 1000), Lang::Zh)
    };
    assert_eq!(serving(60).limit, Limit::Fine);
    assert_eq!(serving(12 * 60).limit, Limit::Near);
    assert_eq!(serving(15 * 60).limit, Limit::Over);
    let v = serving(60);
    assert_eq!(
        (v.mode, v.number.as_str(), v.priority.as_str()),
        (Mode::Serving, "A012", "优先服务")
    );
}

#[test]
fn sign_in_sends_the_staff_number_and_pin_and_a_transfer_its_note() {
    let mut d = Desk::new(CounterNo(3));
    d.handle(Input::HubReachable(true));
    d.handle(Input::Counter(Box::new(state(
        1,
        false,
        false,
        Activity::Idle,
    ))));
    assert_eq!(
        DeskView::of(&d, Timestamp(T0), Lang::Zh).mode,
        Mode::SignedOut
    );
    let sent = press(
        &mut d,
        Action::SignIn {
            staff: " A1024 ".into(),
            pin: Pin("2468".into()),
        },
    );
    assert!(
        matches!(&sent[..], [Command::SignIn { staff, pin: Some(p) }] if staff.as_str() == "A1024" && p.0 == "2468"),
        "{sent:?}"
    );
    let mut d = desk(Activity::Calling(ticket()));
    let sent = press(
        &mut d,
        Action::Transfer {
            to: TransferTarget::Business(BusinessCode::new("complex").unwrap()),
            note: "wants a handset".into(),
        },
    );
    assert!(
        matches!(&sent[..], [Command::Transfer { to: TransferTarget::Business(b), note: Some(n) }] if b.as_str() == "complex" && n == "wants a handset"),
        "{sent:?}"
    );
}

#[test]
fn an_older_counter_state_never_replaces_a_newer_one() {
    let mut d = desk(Activity::Calling(ticket()));
    d.handle(Input::Counter(Box::new(state(
        0,
        true,
        true,
        Activity::Idle,
    ))));
    assert_eq!(
        DeskView::of(&d, Timestamp(T0), Lang::Zh).mode,
        Mode::Calling
    );
}

#[test]
fn the_desk_shows_the_open_complaints_counting_down() {
    use hallq_proto::state::{ComplaintCase, Complaints};
    use hallq_proto::{ComplaintCategory, ComplaintId};
    let mut d = desk(Activity::Idle);
    d.handle(Input::Complaints(Box::new(Complaints {
        undelivered: Vec::new(),
        v: 1,
        rev: 1,
        at_ms: Timestamp(T0),
        cases: vec![ComplaintCase {
            complaint: ComplaintId::new("K20261130-001").unwrap(),
            category: ComplaintCategory::General,
            opened_at_ms: Timestamp(T0),
            first_contact_due_ms: Timestamp(T0 + 2 * 3_600_000),
            due_ms: Timestamp(T0 + 24 * 3_600_000),
            contacted: true,
        }],
        callbacks: Vec::new(),
    })));
    let v = DeskView::of(&d, Timestamp(T0 + 3_600_000), Lang::En);
    assert_eq!(v.cases.len(), 1);
    assert_eq!(v.cases[0].text, "K20261130-001 · solution 23 h 0 min left");
}

#[test]
fn after_the_hub_returns_its_new_runs_counter_state_is_taken_whatever_its_rev() {
    let mut d = desk(Activity::Calling(ticket()));
    d.handle(Input::Counter(Box::new(state(
        900,
        true,
        true,
        Activity::Calling(ticket()),
    ))));
    d.handle(Input::HubReachable(false));
    d.handle(Input::HubReachable(true));
    // The new run counts from lower: its first state replaces what was shown.
    d.handle(Input::Counter(Box::new(state(
        3,
        true,
        true,
        Activity::Idle,
    ))));
    assert_eq!(DeskView::of(&d, Timestamp(T0), Lang::Zh).mode, Mode::Idle);
    // And the rule holds again within the run.
    d.handle(Input::Counter(Box::new(state(
        2,
        true,
        true,
        Activity::Calling(ticket()),
    ))));
    assert_eq!(DeskView::of(&d, Timestamp(T0), Lang::Zh).mode, Mode::Idle);
}

#[test]
fn the_clerks_day_shows_average_handling_and_shares() {
    let mut s = state(2, true, true, Activity::Idle);
    s.clerk_today = Some(hallq_proto::state::ClerkToday {
        served: 3,
        handling_secs: 1200,
        within_limit: 2,
        rated: 2,
        satisfied: 2,
    });
    let mut d = Desk::new(CounterNo(3));
    d.handle(Input::HubReachable(true));
    d.handle(Input::Counter(Box::new(s)));
    let c = DeskView::of(&d, Timestamp(T0), Lang::Zh).clerk.unwrap();
    assert_eq!(
        (
            c.served,
            c.avg_handling.as_str(),
            c.within_limit.as_str(),
            c.satisfied.as_str()
        ),
        (3, "06:40", "67 %", "100 % (2)")
    );
}

#[test]
fn a_ticket_can_go_to_another_counter_the_terminal_has_seen() {
    let mut d = desk(Activity::Calling(ticket()));
    let mut other = state(1, true, true, Activity::Idle);
    other.counter = CounterNo(5);
    d.handle(Input::Counter(Box::new(other)));
    let v = DeskView::of(&d, Timestamp(T0), Lang::Zh);
    assert!(
        v.businesses
            .iter()
            .any(|(code, name)| code == "counter:5" && name == "→ 5 号窗口"),
        "{:?}",
        v.businesses
    );
    assert!(
        !v.businesses.iter().any(|(code, _)| code == "counter:3"),
        "not to itself"
    );
    let sent = press(
        &mut d,
        Action::Transfer {
            to: TransferTarget::Counter(CounterNo(5)),
            note: String::new(),
        },
    );
    assert_eq!(
        sent,
        vec![Command::Transfer {
            to: TransferTarget::Counter(CounterNo(5)),
            note: None
        }]
    );
}

#[test]
fn a_typed_pin_never_shows_in_a_log_line() {
    let a = Action::SignIn {
        staff: "E1001".into(),
        pin: Pin("2468".into()),
    };
    assert!(!format!("{a:?}").contains("2468"), "{a:?}");
}

#[test]
fn a_complaint_carries_the_call_back_number_and_a_bad_one_is_caught_here() {
    let mut d = desk(Activity::Serving {
        ticket: ticket(),
        since_ms: Timestamp(T0),
        limit_min: 15,
        back_office: false,
    });
    let complaint = |contact: &str| Action::Complaint {
        category: ComplaintCategory::General,
        summary: "charged twice".into(),
        contact: TypedNumber(contact.into()),
    };
    // A number that is not one: nothing sent, the clerk told.
    assert!(press(&mut d, complaint("1380013")).is_empty());
    assert_eq!(d.problem, Some(Problem::BadNumber));
    assert!(Problem::BadNumber.message().zh.contains("手机号"));
    // Spaces and dashes as people type them.
    let sent = press(&mut d, complaint("138 0013-1234"));
    match &sent[..] {
        [
            Command::ComplaintOpen {
                contact, ticket, ..
            },
        ] => {
            assert_eq!(
                contact.as_ref().map(hallq_proto::Phone::expose),
                Some("13800131234")
            );
            assert!(ticket.is_some(), "about the ticket being served");
        }
        other => panic!("{other:?}"),
    }
    d.handle(Input::Answered(Ok(None)));
    // No number: none sent.
    match &press(&mut d, complaint(" "))[..] {
        [Command::ComplaintOpen { contact, .. }] => assert!(contact.is_none()),
        other => panic!("{other:?}"),
    }
    // A typed number never shows in a log line.
    assert!(!format!("{:?}", complaint("13800131234")).contains("13800131234"));
}

/// The hub's services with basic's two documents, the second with its help.
fn services_with_documents() -> Services {
    use hallq_proto::state::ServiceInfo;
    Services {
        v: 1,
        rev: 1,
        at_ms: Timestamp(T0),
        open: true,
        hall_name: LocalText::new("示范营业厅", "Demo hall"),
        services: vec![ServiceInfo {
            business: BusinessCode::new("basic").unwrap(),
            name: LocalText::new("基础业务", "Basic"),
            prefix: "A".into(),
            class: hallq_proto::BusinessClass::Basic,
            waiting: 0,
            estimated_wait_min: None,
            counters_open: 1,
            limit_min: 15,
            documents: vec![
                LocalText::new("本人有效身份证件原件", "Your original ID card"),
                LocalText::new("本人身份证复印件", "A copy of your ID card"),
            ],
            document_help: vec![
                None,
                Some(LocalText::new(
                    "身份证复印件可在厅内自助复印机免费打印",
                    "Copy it free at the hall's copier",
                )),
            ],
            self_service: None,
        }],
        hours: None,
        booking: false,
        tiers: vec![],
    }
}

fn serving() -> Activity {
    Activity::Serving {
        ticket: ticket(),
        since_ms: Timestamp(T0),
        limit_min: 15,
        back_office: false,
    }
}

#[test]
fn a_finish_with_missing_documents_prints_them_with_their_help_at_the_replys_time() {
    let mut d = desk(serving());
    d.handle(Input::Services(Box::new(services_with_documents())));
    let view = DeskView::of(&d, Timestamp(T0), Lang::Zh);
    assert_eq!(view.documents, ["本人有效身份证件原件", "本人身份证复印件"]);
    let sent = press(&mut d, Action::FinishMissing(vec![1]));
    let [cmd] = sent.as_slice() else {
        panic!("{sent:?}")
    };
    assert!(matches!(
        cmd,
        Command::Finish { result: ServiceResult::NeedsDocuments, missing, .. } if missing == &[1]
    ));
    let Some(ToPrint::Documents(list)) = d.to_print(cmd) else {
        panic!("a list to print")
    };
    assert_eq!(list.number, TicketNo("A012".into()));
    assert_eq!(list.counter, CounterNo(3));
    assert_eq!(list.missing.len(), 1);
    assert_eq!(list.missing[0].document.zh, "本人身份证复印件");
    assert_eq!(
        list.missing[0].how.as_ref().map(|h| h.zh.as_str()),
        Some("身份证复印件可在厅内自助复印机免费打印")
    );
    let at = Timestamp(T0 + 60_000);
    let reply = hallq_proto::Reply::ok(
        hallq_proto::CommandId::new("counter-3-0001").unwrap(),
        at,
        hallq_proto::ReplyResult::Counter(state(2, true, true, Activity::Idle)),
    );
    let Some(crate::paper::Paper::Documents(list)) = ToPrint::Documents(list).paper(&reply, 480)
    else {
        panic!("the answer makes the list")
    };
    assert_eq!((list.at, list.utc_offset_min), (at, 480));
    // Nothing ticked, or another result: no paper.
    let plain = Command::Finish {
        result: ServiceResult::NeedsDocuments,
        note: None,
        missing: vec![],
    };
    assert!(d.to_print(&plain).is_none());
}

#[test]
fn a_paper_that_does_not_print_is_the_clerks_problem_until_dismissed() {
    let mut d = desk(serving());
    d.handle(Input::Answered(Ok(Some("投诉已登记 K1".into()))));
    d.handle(Input::Printed(Err(crate::paper::not_printed(
        &hallq_print::ComplaintReceipt::title(),
        &LocalText::new("打印机缺纸", "out of paper"),
    ))));
    let view = DeskView::of(&d, Timestamp(T0), Lang::Zh);
    assert!(
        view.problem.contains("《投诉受理回执》未能打印") && view.problem.contains("打印机缺纸"),
        "{}",
        view.problem
    );
    let en = DeskView::of(&d, Timestamp(T0), Lang::En);
    assert!(
        en.problem.contains("complaint receipt did not print"),
        "{}",
        en.problem
    );
    press(&mut d, Action::Dismiss);
    assert_eq!(DeskView::of(&d, Timestamp(T0), Lang::Zh).problem, "");
}

#[test]
fn a_clerk_with_nothing_finished_has_no_average_yet() {
    let mut s = state(2, true, true, Activity::Idle);
    s.clerk_today = Some(hallq_proto::state::ClerkToday::default());
    let mut d = Desk::new(CounterNo(3));
    d.handle(Input::HubReachable(true));
    d.handle(Input::Counter(Box::new(s)));
    let c = DeskView::of(&d, Timestamp(T0), Lang::Zh).clerk.unwrap();
    assert_eq!(
        (c.avg_handling.as_str(), c.within_limit.as_str()),
        ("—", "—")
    );
}

#[test]
fn a_call_the_hub_skipped_by_itself_is_said_until_the_next_press() {
    let mut d = desk(Activity::Calling(ticket()));
    d.handle(Input::Counter(Box::new(state(
        2,
        true,
        true,
        Activity::Idle,
    ))));
    let v = DeskView::of(&d, Timestamp(T0), Lang::Zh);
    assert_eq!(v.info, "A012 呼叫后未到，已由系统自动过号");
    let en = DeskView::of(&d, Timestamp(T0), Lang::En);
    assert_eq!(
        en.info,
        "A012 did not come after the call: the hub skipped it"
    );
    assert_eq!(press(&mut d, Action::CallNext).len(), 1);
    assert_eq!(DeskView::of(&d, Timestamp(T0), Lang::Zh).info, "");
}

#[test]
fn a_call_the_clerk_ended_is_not_said_to_be_skipped_by_the_hub() {
    // The clerk's own no-show: its answer may come before or after the new state.
    for answer_first in [true, false] {
        let mut d = desk(Activity::Calling(ticket()));
        assert_eq!(press(&mut d, Action::NoShow).len(), 1);
        if answer_first {
            d.handle(Input::Answered(Ok(None)));
        }
        d.handle(Input::Counter(Box::new(state(
            2,
            true,
            true,
            Activity::Idle,
        ))));
        d.handle(Input::Answered(Ok(None)));
        assert_eq!(
            DeskView::of(&d, Timestamp(T0), Lang::Zh).info,
            "",
            "{answer_first}"
        );
    }
    // A call that goes on (a recall's new state) is not skipped either.
    let mut d = desk(Activity::Calling(ticket()));
    let mut again = ticket();
    again.recalls = 2;
    d.handle(Input::Counter(Box::new(state(
        2,
        true,
        true,
        Activity::Calling(again),
    ))));
    assert_eq!(DeskView::of(&d, Timestamp(T0), Lang::Zh).info, "");
}
