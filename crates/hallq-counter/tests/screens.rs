//! The counter terminal and the evaluator pad, drawn by Slint's software renderer with no
//! display: every mode of the terminal in Chinese and English, and the pad's three states.
//! `HALLQ_SCREENSHOTS=docs` writes those of [`SAMPLE_ONLY`] to docs/screenshots/ (the others
//! there come from the live apps); the rest go to a temporary folder.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::path::PathBuf;

use hallq_counter::floor::{DoorTouch, Greeter, GreeterPress, Supervisor};
use hallq_counter::ui::{
    self, CounterWindow, EvaluatorWindow, GreeterWindow, Pad, SupervisorWindow,
};
use hallq_counter::{Desk, DeskView, Input, Problem};
use hallq_proto::state::{
    Activity, Board, ComplaintCase, Complaints, CounterState, Liveness, Presence, QueueInfo,
    ServiceInfo, Services, TicketAtCounter,
};
use hallq_proto::{
    BusinessClass, BusinessCode, ComplaintCategory, ComplaintId, CounterNo, DeviceId, ErrorCode,
    Lang, LocalText, PauseReason, Priority, PriorityReason, StaffNo, TicketId, TicketNo, Timestamp,
    VisitId,
};
use hallq_ui::Snapshotter;
use slint::ComponentHandle as _;

const T0: i64 = 1_796_002_860_000;

/// The pictures of docs/screenshots/ only this test draws: the others there are taken from the
/// live apps (tests/tests/live_screens.rs), and the apps' screens this test draws under their
/// names (or in English where the app has no language switch) go to a temporary folder.
const SAMPLE_ONLY: &[&str] = &[
    "counter-closed-zh.png",
    "counter-closed-en.png",
    "counter-offline-en.png",
];

/// Where picture `name` goes: docs/screenshots/ with `HALLQ_SCREENSHOTS=docs` if it is one of
/// [`SAMPLE_ONLY`], else a temporary folder.
fn out_path(name: &str) -> PathBuf {
    if std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs") && SAMPLE_ONLY.contains(&name) {
        return PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs/screenshots")
            .join(name);
    }
    let dir = std::env::temp_dir().join(format!("hallq-counter-shots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn counter_state(staff: bool, open: bool, activity: Activity) -> CounterState {
    let mut s = CounterState::closed(
        CounterNo(3),
        LocalText::new("3 号窗口", "Counter 3"),
        ["consult", "basic", "complex", "repair"]
            .map(|c| BusinessCode::new(c).unwrap())
            .to_vec(),
    );
    s.rev = 1;
    s.staff = staff.then(|| StaffNo::new("A1024").unwrap());
    s.open = open;
    s.activity = activity;
    s.served_today = 23;
    s
}

fn desk(staff: bool, open: bool, activity: Activity) -> Desk {
    let s = counter_state(staff, open, activity);
    let mut d = Desk::new(CounterNo(3));
    d.handle(Input::HubReachable(true));
    d.handle(Input::Counter(Box::new(s)));
    d.handle(Input::Services(Box::new(services())));
    d
}

/// The hall's business types, as the hub publishes them.
fn services() -> Services {
    let info = |code: &str, zh: &str, en: &str| ServiceInfo {
        business: BusinessCode::new(code).unwrap(),
        name: LocalText::new(zh, en),
        prefix: "A".into(),
        class: BusinessClass::Basic,
        waiting: 0,
        estimated_wait_min: None,
        counters_open: 1,
        limit_min: 15,
        documents: vec![],
        document_help: vec![],
        self_service: None,
    };
    Services {
        v: 1,
        rev: 1,
        at_ms: Timestamp(T0),
        open: true,
        hall_name: LocalText::new("演示营业厅", "Demo Hall"),
        services: vec![
            info("consult", "咨询", "Consultation"),
            info(
                "basic",
                "基础业务（套餐变更、话费充值）",
                "Basic services (plan change, top-up)",
            ),
            info(
                "complex",
                "复杂业务（终端销售、合约办理）",
                "Complex services (handsets, contracts)",
            ),
            info("repair", "故障报修", "Fault repair"),
        ],
        hours: None,
        booking: false,
        tiers: vec![],
    }
}

fn ticket() -> TicketAtCounter {
    TicketAtCounter {
        ticket: TicketId::new("20261130-0012").unwrap(),
        number: TicketNo("B012".into()),
        business: BusinessCode::new("complex").unwrap(),
        priority: Priority::Care,
        called_at_ms: Timestamp(T0),
        recalls: 1,
        note: Some("客户想办 5G 合约 / wants a 5G contract".into()),
    }
}

#[test]
fn every_terminal_mode_and_the_pad_render_in_both_languages() {
    let shots = Snapshotter::install().unwrap();
    let window = CounterWindow::new().unwrap();
    window
        .window()
        .set_size(slint::PhysicalSize::new(1920, 1080));
    let serving = Activity::Serving {
        ticket: ticket(),
        since_ms: Timestamp(T0),
        limit_min: 30,
        back_office: false,
    };
    let mut refused = desk(true, true, Activity::Calling(ticket()));
    refused.handle(Input::Answered(Err(Problem::Refused(
        ErrorCode::NoShowTooEarly,
    ))));
    let mut offline = desk(true, true, Activity::Idle);
    offline.handle(Input::HubReachable(false));
    let cases = [
        ("signed-out", desk(false, false, Activity::Idle), 0),
        ("closed", desk(true, false, Activity::Idle), 0),
        ("idle", desk(true, true, Activity::Idle), 0),
        ("calling", desk(true, true, Activity::Calling(ticket())), 45),
        ("serving", desk(true, true, serving), 25 * 60),
        (
            "paused",
            desk(
                true,
                true,
                Activity::Paused {
                    reason: PauseReason::Meal,
                    since_ms: Timestamp(T0),
                },
            ),
            600,
        ),
        ("refused", refused, 30),
        ("offline", offline, 0),
    ];
    for (name, d, secs) in &cases {
        let mut pics = Vec::new();
        for (lang, english) in [("zh", false), ("en", true)] {
            ui::set_language(english);
            let view = DeskView::of(d, Timestamp(T0 + secs * 1000), ui::lang(english));
            ui::show(&window, &view, "10:41", english);
            let pic = shots.take(1920, 1080);
            pic.save(&out_path(&format!("counter-{name}-{lang}.png")))
                .unwrap();
            assert!(
                pic.inked() > 1920 * 110 + 8_000,
                "{name} ({lang}) is nearly blank"
            );
            pics.push(pic);
        }
        assert!(
            pics[0].inked() * 3 > pics[1].inked(),
            "{name}: is a CJK font installed?"
        );
        assert!(
            pics[0].differing(&pics[1]) > 2_000,
            "{name}: not translated"
        );
    }
    drop(window);

    let pad = EvaluatorWindow::new().unwrap();
    pad.window().set_size(slint::PhysicalSize::new(1280, 800));
    for (name, mode) in [
        ("asking", Pad::Asking),
        ("thanks", Pad::Thanks),
        ("idle", Pad::Idle),
    ] {
        for (lang, english) in [("zh", false), ("en", true)] {
            ui::set_language(english);
            ui::show_pad(&pad, mode, "B012", "3 号窗口");
            let pic = shots.take(1280, 800);
            pic.save(&out_path(&format!("evaluator-{name}-{lang}.png")))
                .unwrap();
            assert!(
                pic.inked() > 5_000,
                "evaluator {name} ({lang}) is nearly blank"
            );
        }
    }
    drop(pad);

    // The greeter's handheld, a visitor consulted and given a ticket.
    let greeter_window = GreeterWindow::new().unwrap();
    greeter_window
        .window()
        .set_size(slint::PhysicalSize::new(720, 1440));
    let mut g = Greeter::default();
    g.press(
        GreeterPress::Choose(BusinessCode::new("complex").unwrap()),
        Lang::Zh,
    );
    g.press(
        GreeterPress::Touch(DoorTouch::Consultation { resolved: true }),
        Lang::Zh,
    );
    g.answered(Ok((Some(VisitId::new("V20261130-0007").unwrap()), None)));
    g.press(
        GreeterPress::Ticket(Some(PriorityReason::Elderly)),
        Lang::Zh,
    );
    g.answered(Ok((None, Some("B007".into()))));
    // An earlier visitor's question, left open: the call-back is owed.
    g.complaints(Complaints {
        undelivered: Vec::new(),
        v: 1,
        rev: 1,
        at_ms: Timestamp(T0),
        cases: Vec::new(),
        callbacks: vec![hallq_proto::state::CallbackCase {
            visit: VisitId::new("V20261130-0003").unwrap(),
            business: Some(BusinessCode::new("complex").unwrap()),
            asked_at_ms: Timestamp(T0 - 2 * 3_600_000),
            due_ms: Timestamp(T0 + 22 * 3_600_000),
        }],
    });
    let businesses: Vec<(String, String)> = services()
        .services
        .iter()
        .map(|i| (i.business.to_string(), i.name.zh.clone()))
        .collect();
    let greeter_shots = |g: &Greeter, name: &str| {
        for (lang, english) in [("zh", false), ("en", true)] {
            ui::set_language(english);
            ui::show_greeter(
                &greeter_window,
                g,
                &businesses,
                Timestamp(T0),
                ui::lang(english),
            );
            let pic = shots.take(720, 1440);
            pic.save(&out_path(&format!("{name}-{lang}.png"))).unwrap();
            assert!(
                pic.inked() > 50_000,
                "the greeter's screen {name} ({lang}) is nearly blank"
            );
        }
    };
    greeter_shots(&g, "greeter");
    // Between visitors: the call-backs owed, to be made now.
    g.press(GreeterPress::NextVisitor, Lang::Zh);
    greeter_shots(&g, "greeter-between-visitors");
    drop(greeter_window);

    // The supervisor's console with counters, an announcement and devices.
    let console = SupervisorWindow::new().unwrap();
    console
        .window()
        .set_size(slint::PhysicalSize::new(1920, 1080));
    let mut s = Supervisor::default();
    for (n, mut state) in [
        (1, counter_state(true, true, Activity::Calling(ticket()))),
        (2, counter_state(false, false, Activity::Idle)),
        (3, counter_state(true, true, Activity::Idle)),
        (4, counter_state(false, false, Activity::Idle)),
        (5, counter_state(true, true, Activity::Calling(ticket()))),
        (6, counter_state(false, false, Activity::Idle)),
    ] {
        state.counter = CounterNo(n);
        state.name = LocalText::new(format!("{n} 号窗口"), format!("Counter {n}"));
        s.counter(state);
    }
    // The example hall's devices (deploy/hall.example.toml), one kiosk down.
    let mut devices: Vec<(String, bool)> = [
        ("kiosk-1", true),
        ("kiosk-2", false),
        ("greeter-1", true),
        ("supervisor-1", true),
        ("display-main", true),
        ("door-1", true),
    ]
    .map(|(id, up)| (id.to_owned(), up))
    .to_vec();
    for n in 1..=6 {
        for kind in ["counter", "evaluator", "led"] {
            devices.push((format!("{kind}-{n}"), true));
        }
    }
    for (id, up) in &devices {
        s.presence(&Presence {
            v: 1,
            device: DeviceId::new(id.as_str()).unwrap(),
            status: if *up {
                Liveness::Online
            } else {
                Liveness::Offline
            },
            profile: None,
            version: None,
        });
    }
    s.complaints(Complaints {
        undelivered: Vec::new(),
        v: 1,
        rev: 1,
        at_ms: Timestamp(T0),
        cases: vec![ComplaintCase {
            complaint: ComplaintId::new("K20261130-001").unwrap(),
            category: ComplaintCategory::General,
            opened_at_ms: Timestamp(T0 - 40 * 60_000),
            first_contact_due_ms: Timestamp(T0 + 80 * 60_000),
            due_ms: Timestamp(T0 + 23 * 3_600_000),
            contacted: false,
        }],
        callbacks: vec![hallq_proto::state::CallbackCase {
            visit: VisitId::new("V20261130-0009").unwrap(),
            business: Some(BusinessCode::new("complex").unwrap()),
            asked_at_ms: Timestamp(T0 - 3 * 3_600_000),
            due_ms: Timestamp(T0 + 21 * 3_600_000),
        }],
    });
    s.board(Board {
        v: 1,
        rev: 1,
        at_ms: Timestamp(T0),
        hall: hallq_proto::HallId::new("demo").unwrap(),
        hall_name: LocalText::new("演示营业厅", "Demo Hall"),
        business_day: hallq_proto::BusinessDay(20261130),
        open: true,
        calls: Vec::new(),
        queues: [
            ("consult", "咨询", "Consultation", 1, Some(3), 1),
            (
                "basic",
                "基础业务（套餐变更、话费充值）",
                "Basic services (plan change, top-up)",
                6,
                Some(12),
                1,
            ),
            (
                "complex",
                "复杂业务（终端销售、合约办理）",
                "Complex services (handsets, contracts)",
                3,
                None,
                0,
            ),
            ("repair", "故障报修", "Fault repair", 0, Some(0), 1),
            ("enterprise", "集团客户", "Enterprise customers", 1, None, 0),
        ]
        .into_iter()
        .map(|(code, zh, en, waiting, wait, open)| QueueInfo {
            business: BusinessCode::new(code).unwrap(),
            name: LocalText::new(zh, en),
            prefix: "A".into(),
            waiting,
            estimated_wait_min: wait,
            counters_open: open,
        })
        .collect(),
        announcements: Vec::new(),
        notices: Vec::new(),
        kiosks_online: Some(1),
    });
    for (lang, english) in [("zh", false), ("en", true)] {
        ui::set_language(english);
        ui::show_supervisor(&console, &s, Timestamp(T0), ui::lang(english));
        let pic = shots.take(1920, 1080);
        pic.save(&out_path(&format!("supervisor-{lang}.png")))
            .unwrap();
        assert!(
            pic.inked() > 1920 * 100 + 20_000,
            "the supervisor's console ({lang}) is nearly blank"
        );
    }
}
