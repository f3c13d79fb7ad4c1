//! A complaint's written result by SMS when the SMS does not get through (issue 16 §2), against
//! real `hallq hub` processes and a real SMPP server (tests/smsc):
//!
//! - the server refuses (stopped: its port refuses connections) until the retries are spent: the
//!   supervisor's console (1920×1080, pressed through its accessible labels) shows the case's
//!   line in red, "结果短信未送达，请电话告知", with "重发"; the server takes messages again, the
//!   supervisor resends (`complaint_result_resend`, idempotent by command id), the result is
//!   delivered once and the line clears;
//! - the hub is SIGKILLed during the retries: started again with the server up, it delivers
//!   the result exactly once, counting its attempts on; a hub restarted after a delivered result
//!   sends nothing again.
//!
//! With `HALLQ_SCREENSHOTS=docs` the console is drawn by the software renderer and
//! docs/screenshots/supervisor-undelivered-zh.png and -en.png are written from it.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_counter::floor::{Supervisor, SupervisorPress};
use hallq_counter::ui::{self, SupervisorWindow};
use hallq_proto::{
    Command, CommandId, ComplaintAnswer, ComplaintCategory, ComplaintId, ErrorCode, Lang, Phone,
    ReplyBody, ReplyResult, StaffNo,
};
use hallq_queue::EventKind;
use hallq_tests::smsc::{PASSWORD, SYSTEM_ID, Smsc};
use hallq_tests::{BrokerKind, Hall, example_queue, profile_screen};
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle as _;
use slint::platform::PointerEventButton;

const NUMBER: &str = "13800131234";

fn pictures() -> bool {
    std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs")
}

fn platform() -> Option<hallq_ui::Snapshotter> {
    if pictures() {
        return Some(hallq_ui::Snapshotter::install().unwrap());
    }
    i_slint_backend_testing::init_no_event_loop();
    None
}

fn shot(shots: Option<&hallq_ui::Snapshotter>, (w, h): (u32, u32), name: &str) {
    let Some(shots) = shots else { return };
    let picture = shots.take(w, h);
    assert!(
        picture.inked() > 10_000,
        "{name}: drawn (is a CJK font installed?)"
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/screenshots")
        .join(format!("{name}.png"));
    picture.save(&path).unwrap();
}

/// Bounded wait (30 s) for `ready`.
fn until(mut ready: impl FnMut() -> bool, what: &str) {
    for _ in 0..300 {
        if ready() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("not reached in 30 s: {what}");
}

/// `[notify]` on the SMSC at `port`, with `attempts` tries `backoff_ms` apart.
fn notify(port: u16, attempts: u32, backoff_ms: u64) -> String {
    format!(
        "[notify]\nenabled = true\n\n\
         [notify.smpp]\nhost = \"127.0.0.1\"\nport = {port}\nsystem_id = \"{SYSTEM_ID}\"\n\
         password = \"{PASSWORD}\"\nsource_addr = \"10086\"\ntimeout_secs = 2\n\n\
         [notify.retry]\nattempts = {attempts}\nbackoff_ms = {backoff_ms}\nmax_backoff_ms = {backoff_ms}\n\n"
    )
}

/// A stopped SMSC: its port known, refusing connections until restarted.
fn smsc_down() -> Smsc {
    let mut smsc = Smsc::start(0);
    smsc.stop();
    smsc
}

/// Opens a general complaint with the number at counter 1 and resolves it with a written result
/// from the supervisor's console; returns the case.
fn complain_and_resolve(
    rt: &tokio::runtime::Runtime,
    counter: &DeviceClient,
    supervisor: &DeviceClient,
    summary: &str,
) -> ComplaintId {
    let opened = rt
        .block_on(counter.send(Command::ComplaintOpen {
            category: ComplaintCategory::General,
            summary: summary.into(),
            visit: None,
            ticket: None,
            business: None,
            responsibility: None,
            contact: Some(Phone::parse(NUMBER).unwrap()),
        }))
        .unwrap();
    let ReplyBody::Ok(ReplyResult::Complaint { complaint, .. }) = opened.body else {
        panic!("{opened:?}")
    };
    let resolved = rt
        .block_on(supervisor.send(Command::ComplaintResolve {
            complaint: complaint.clone(),
            resolution: "已退费".into(),
            answer: Some(ComplaintAnswer {
                cause: "套餐变更未在当月生效".into(),
                solution: "已退还多扣费用 38 元".into(),
                compensation: None,
                promise: "今后套餐变更当日生效".into(),
            }),
        }))
        .unwrap();
    assert!(matches!(resolved.body, ReplyBody::Ok(_)), "{resolved:?}");
    complaint
}

/// The journal's attempts for `complaint`: (attempt, result, last).
fn attempts(hall: &Hall, complaint: &ComplaintId) -> Vec<(u32, String, bool)> {
    hall.journal()
        .replay()
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::ComplaintResultSent {
                complaint: c,
                attempt,
                result,
                last,
                ..
            } if &c == complaint => Some((attempt, result, last)),
            _ => None,
        })
        .collect()
}

fn signed_in_counter(rt: &tokio::runtime::Runtime, hall: &Hall) -> DeviceClient {
    let (counter, _c) = rt.block_on(hall.device("counter-1"));
    let r = rt
        .block_on(counter.send(Command::SignIn {
            staff: StaffNo::new("E1001").unwrap(),
            pin: None,
        }))
        .unwrap();
    assert!(matches!(r.body, ReplyBody::Ok(_)), "{r:?}");
    counter
}

/// The SMS texts delivered about `complaint`.
fn delivered(smsc: &Smsc, complaint: &ComplaintId) -> usize {
    smsc.submitted()
        .iter()
        .filter(|s| s.text.contains(complaint.as_str()))
        .count()
}

#[test]
fn a_failed_result_sms_is_red_on_the_console_and_the_resend_delivers_it_once() {
    let smsc = smsc_down();
    let hall = Hall::with_sections(
        BrokerKind::Embedded,
        &format!("{}{}", notify(smsc.port, 2, 100), example_queue()),
    );
    let _hub = hall.start_hub();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let counter = signed_in_counter(&rt, &hall);
    let (client, _s) = rt.block_on(hall.device("supervisor-1"));
    let case = complain_and_resolve(&rt, &counter, &client, "套餐变更后仍按原套餐扣费");
    until(
        || attempts(&hall, &case).iter().any(|(_, _, last)| *last),
        "the tries spent",
    );
    assert_eq!(
        attempts(&hall, &case),
        [(1, "failed".into(), false), (2, "failed".into(), true)]
    );

    let shots = platform();
    let window = SupervisorWindow::new().unwrap();
    ui::set_language(false);
    let (w, h) = profile_screen("supervisor-console");
    window.window().set_size(slint::PhysicalSize::new(w, h));
    let pressed = Rc::new(RefCell::new(Vec::<SupervisorPress>::new()));
    {
        let pressed = Rc::clone(&pressed);
        ui::wire_supervisor(&window, move |p| pressed.borrow_mut().push(p));
    }
    let mut s = Supervisor::default();
    let now = hallq_ui::app::wall_clock();
    let refresh = |s: &mut Supervisor, lang: Lang| {
        for u in client.latest().into_updates() {
            s.feed(u);
        }
        ui::show_supervisor(&window, s, now, lang);
    };
    until(
        || {
            refresh(&mut s, Lang::Zh);
            !s.undelivered(Lang::Zh).is_empty()
        },
        "the undelivered result on the console",
    );
    let line = ElementHandle::find_by_accessible_label(&window, "结果短信未送达")
        .find(|e| e.accessible_role() == Some(AccessibleRole::Text))
        .expect("the case's red line");
    assert_eq!(line.accessible_value().as_deref(), Some(case.as_str()));
    let rows = window.global::<ui::SupervisorAdapter>().get_undelivered();
    let row = slint::Model::row_data(&rows, 0).unwrap();
    assert_eq!(
        row.text.as_str(),
        format!("{case} · 结果短信未送达，请电话告知"),
        "the line says what to do"
    );
    assert!(row.resend, "the number is still sealed");
    shot(shots.as_ref(), (w, h), "supervisor-undelivered-zh");
    if shots.is_some() {
        ui::set_language(true);
        refresh(&mut s, Lang::En);
        shot(shots.as_ref(), (w, h), "supervisor-undelivered-en");
        ui::set_language(false);
        refresh(&mut s, Lang::Zh);
    }

    // The server takes messages again; the supervisor resends.
    let smsc = smsc.restart();
    let resend = ElementHandle::find_by_accessible_label(&window, "重发")
        .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .expect("a resend button");
    if pictures() {
        resend.invoke_accessible_default_action();
    } else {
        resend.mock_single_click(PointerEventButton::Left);
    }
    let presses: Vec<SupervisorPress> = pressed.borrow_mut().drain(..).collect();
    assert_eq!(presses, [SupervisorPress::Resend(case.to_string())]);
    let cmd = s.press(presses[0].clone()).expect("a resend is sent");
    // Sent twice with the same command id (a QoS 1 redelivery): one resend.
    let id = CommandId::new("supervisor-1-resend-1".to_owned()).unwrap();
    let first = rt
        .block_on(client.send_with_id(id.clone(), cmd.clone()))
        .unwrap();
    let again = rt.block_on(client.send_with_id(id, cmd)).unwrap();
    assert!(
        matches!(first.body, ReplyBody::Ok(ReplyResult::Done)),
        "{first:?}"
    );
    assert_eq!(first, again, "the redelivery gets the first answer");
    s.answered(Ok(()));

    until(|| delivered(&smsc, &case) == 1, "the result delivered");
    until(
        || {
            refresh(&mut s, Lang::Zh);
            s.undelivered(Lang::Zh).is_empty()
        },
        "the line cleared",
    );
    let resends = hall
        .journal()
        .replay()
        .unwrap()
        .into_iter()
        .filter(|e| matches!(&e.kind, EventKind::ComplaintResultResend { complaint, by } if complaint == &case && by == "supervisor-1"))
        .count();
    assert_eq!(resends, 1, "journaled once");
    assert_eq!(
        attempts(&hall, &case).last(),
        Some(&(1, "sent".into(), true))
    );
    assert!(
        ElementHandle::find_by_accessible_label(&window, "重发")
            .next()
            .is_none(),
        "no resend left"
    );

    // A delivered result is not resent: the hub says why.
    let refused = rt
        .block_on(client.send(Command::ComplaintResultResend {
            complaint: case.clone(),
        }))
        .unwrap();
    assert!(
        matches!(&refused.body, ReplyBody::Error(e) if e.code == ErrorCode::NoUndeliveredResult),
        "{refused:?}"
    );
    assert_eq!(delivered(&smsc, &case), 1, "delivered once");
}

#[test]
fn a_hub_killed_during_the_retries_delivers_the_result_once_after_its_restart() {
    let smsc = smsc_down();
    let hall = Hall::with_sections(
        BrokerKind::Embedded,
        &format!("{}{}", notify(smsc.port, 8, 1500), example_queue()),
    );
    let hub = hall.start_hub();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let case = {
        let counter = signed_in_counter(&rt, &hall);
        let (client, _s) = rt.block_on(hall.device("supervisor-1"));
        complain_and_resolve(&rt, &counter, &client, "宽带报装后一直未上门")
    };
    until(|| !attempts(&hall, &case).is_empty(), "an attempt failed");
    hub.kill9();
    let before = attempts(&hall, &case);
    assert!(
        !before.is_empty() && before.iter().all(|(_, r, last)| r == "failed" && !last),
        "attempts, none the last: {before:?}"
    );
    let tried = before.len() as u32;

    let smsc = smsc.restart();
    let hub = hall.start_hub();
    until(
        || delivered(&smsc, &case) == 1,
        "the result delivered after the restart",
    );
    until(
        || attempts(&hall, &case).iter().any(|(_, _, last)| *last),
        "the delivery journaled",
    );
    let after = attempts(&hall, &case);
    assert_eq!(
        after.last(),
        Some(&(tried + 1, "sent".into(), true)),
        "the count goes on from the attempts journaled: {after:?}"
    );
    assert!(hub.terminate(), "the hub stops cleanly");

    // Started again after the delivery: nothing is resent. A later case's result, sent after
    // the start, marks that any resend of the first would have gone out before it.
    let _hub = hall.start_hub();
    let counter = signed_in_counter(&rt, &hall);
    let (client, _s) = rt.block_on(hall.device("supervisor-1"));
    let marker = complain_and_resolve(&rt, &counter, &client, "营业厅空调温度过低");
    until(|| delivered(&smsc, &marker) == 1, "the later case's result");
    assert_eq!(delivered(&smsc, &case), 1, "the first result was sent once");
    assert_eq!(smsc.submitted().len(), 2, "{:?}", smsc.submitted());
}
