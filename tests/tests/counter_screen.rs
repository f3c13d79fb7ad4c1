//! The counter terminal's screen against a running hub, at its profile's resolution
//! (firmware-profiles/counter-pc.toml) with counter 1 of the example hall
//! (deploy/hall.example.toml: four queues): the field test could not register a complaint,
//! because its buttons fell below the screen once the clerk's day line appeared.
//!
//! The hub is a real `hallq hub` process; the desk is fed by a real device client as the
//! terminal's binary feeds it (`hallq_counter::feed`); the window is drawn by Slint's testing
//! backend and pressed with pointer events at the buttons' places, so a button off the screen or
//! under another element is not pressed.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use hallq_client::{DeviceClient, Update};
use hallq_counter::feed::{answer, desk_input};
use hallq_counter::floor::{Supervisor, SupervisorPress};
use hallq_counter::ui::{self, CounterWindow, SupervisorWindow};
use hallq_counter::{Action, Desk, DeskView, Effect, Input, Problem};
use hallq_proto::state::{Liveness, Presence};
use hallq_proto::{Command, CounterNo, Lang, ReplyBody, StaffNo};
use hallq_tests::{BrokerKind, Hall, example_queue, profile_screen, ticket};
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle as _;
use slint::Model as _;
use slint::platform::PointerEventButton;

/// The terminal: its desk, its window, and the presses not yet handled.
struct Terminal {
    desk: RefCell<Desk>,
    window: CounterWindow,
    pressed: Rc<RefCell<Vec<Action>>>,
    client: DeviceClient,
    rt: tokio::runtime::Runtime,
}

impl Terminal {
    /// Feeds the client's present state to the desk and redraws.
    fn refresh(&self) {
        for input in self
            .client
            .latest()
            .into_updates()
            .into_iter()
            .filter_map(desk_input)
        {
            self.desk.borrow_mut().handle(input);
        }
        self.show();
    }

    fn show(&self) {
        let view = DeskView::of(&self.desk.borrow(), hallq_ui::app::wall_clock(), Lang::Zh);
        ui::show(&self.window, &view, "10:41", false);
    }

    /// Hands the presses to the desk, sends its commands and gives it the answers.
    fn handle_presses(&self) -> Vec<Command> {
        let mut sent = Vec::new();
        let presses: Vec<Action> = self.pressed.borrow_mut().drain(..).collect();
        for a in presses {
            let effects = self.desk.borrow_mut().handle(Input::Action(a));
            for Effect::Send(cmd) in effects {
                sent.push(cmd.clone());
                let reply = self.rt.block_on(self.client.send(cmd));
                self.desk.borrow_mut().handle(answer(reply));
            }
        }
        self.show();
        sent
    }

    /// The button labelled `label`: it must lie inside the window.
    fn button(&self, label: &str) -> ElementHandle {
        let b = ElementHandle::find_by_accessible_label(&self.window, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .unwrap_or_else(|| panic!("no button {label:?}"));
        let (p, s) = (b.absolute_position(), b.size());
        let w = self.window.window().size().to_logical(1.0);
        assert!(
            p.x >= 0.0 && p.y >= 0.0 && p.x + s.width <= w.width && p.y + s.height <= w.height,
            "{label:?} at {p:?} size {s:?} is not inside the {w:?} window"
        );
        b
    }

    /// Clicks the button labelled `label` at its centre.
    fn click(&self, label: &str) {
        self.button(label)
            .mock_single_click(PointerEventButton::Left);
    }

    fn type_into(&self, label: &str, text: &str) {
        ElementHandle::find_by_accessible_label(&self.window, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::TextInput))
            .unwrap_or_else(|| panic!("no field {label:?}"))
            .set_accessible_value(text);
    }
}

#[test]
fn a_signed_in_clerk_of_counter_1_registers_a_complaint_at_1920_by_1080() {
    let hall = Hall::with_sections(BrokerKind::Embedded, &example_queue());
    let _hub = hall.start_hub();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (client, _task) = rt.block_on(hall.device("counter-1"));
    let (kiosk, _k) = rt.block_on(hall.device("kiosk-1"));
    // A customer waiting in each of the four queues, a clerk signed in and serving one.
    for business in ["basic", "consult", "complex", "repair"] {
        let r = rt.block_on(kiosk.send(ticket(business))).unwrap();
        assert!(matches!(r.body, ReplyBody::Ok(_)), "{r:?}");
    }
    for cmd in [
        Command::SignIn {
            staff: StaffNo::new("E1001").unwrap(),
            pin: None,
        },
        Command::OpenCounter { counter: None },
        Command::CallNext {},
        Command::StartService {},
    ] {
        let r = rt.block_on(client.send(cmd)).unwrap();
        assert!(matches!(r.body, ReplyBody::Ok(_)), "{r:?}");
    }

    i_slint_backend_testing::init_no_event_loop();
    let window = CounterWindow::new().unwrap();
    ui::set_language(false);
    let (w, h) = profile_screen("counter-pc");
    assert_eq!((w, h), (1920, 1080));
    window.window().set_size(slint::PhysicalSize::new(w, h));
    let pressed = Rc::new(RefCell::new(Vec::new()));
    {
        let pressed = Rc::clone(&pressed);
        ui::wire(&window, move |a| pressed.borrow_mut().push(a), |_| {});
    }
    let t = Terminal {
        desk: RefCell::new(Desk::new(CounterNo(1))),
        window,
        pressed,
        client,
        rt,
    };
    // The counter's state with the clerk's day, the queues, the services.
    for _ in 0..100 {
        t.refresh();
        let a = t.window.global::<ui::DeskAdapter>();
        if a.get_clerk_served() >= 0 && a.get_queues().row_count() == 4 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let a = t.window.global::<ui::DeskAdapter>();
    assert!(a.get_clerk_served() >= 0, "the clerk's day is shown");
    assert_eq!(
        a.get_queues().row_count(),
        4,
        "counter 1 serves four queues"
    );
    assert_eq!(a.get_mode(), ui::DeskMode::Serving);

    t.click("投诉登记");
    t.type_into("投诉登记（事由）", "等候时间过长");
    t.type_into("回访手机号（选填）", "13800138000");
    t.button("复杂投诉（72 小时）");
    t.click("一般投诉（24 小时）");
    let sent = t.handle_presses();
    assert!(
        matches!(sent.as_slice(), [Command::ComplaintOpen { .. }]),
        "{sent:?}"
    );
    assert!(
        a.get_info().contains("投诉已登记"),
        "the clerk is told: {:?} {:?}",
        a.get_info(),
        a.get_problem()
    );
    // The case is listed beside the ticket, and the button is still on the screen.
    for _ in 0..100 {
        t.refresh();
        if a.get_cases().row_count() == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(a.get_cases().row_count(), 1);
    t.button("投诉登记");
}

#[test]
fn the_supervisor_console_fits_its_screen_and_says_what_happened() {
    let hall = Hall::with_sections(BrokerKind::Embedded, &example_queue());
    let _hub = hall.start_hub();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (client, _task) = rt.block_on(hall.device("supervisor-1"));

    i_slint_backend_testing::init_no_event_loop();
    let window = SupervisorWindow::new().unwrap();
    ui::set_language(false);
    let (w, h) = profile_screen("supervisor-console");
    assert_eq!((w, h), (1920, 1080));
    window.window().set_size(slint::PhysicalSize::new(w, h));
    let pressed = Rc::new(RefCell::new(Vec::new()));
    {
        let pressed = Rc::clone(&pressed);
        ui::wire_supervisor(&window, move |p| pressed.borrow_mut().push(p));
    }
    let mut s = Supervisor::default();
    // The example hall's devices, half of them up (the presence panel is filled by the hub's
    // presence; here from the example's list).
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/hall.example.toml"),
    )
    .unwrap();
    let ids: Vec<&str> = example
        .lines()
        .filter_map(|l| l.strip_prefix("id = \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    assert!(ids.len() > 20, "{ids:?}");
    for (i, id) in ids.iter().enumerate() {
        s.presence(&Presence {
            v: 1,
            device: hallq_proto::DeviceId::new(*id).unwrap(),
            status: if i % 2 == 0 {
                Liveness::Online
            } else {
                Liveness::Offline
            },
            profile: None,
            version: None,
        });
    }
    let feed = |s: &mut Supervisor| {
        for u in client.latest().into_updates() {
            match u {
                Update::Counter(c) => s.counter(*c),
                Update::Board(b) => s.board(*b),
                Update::Complaints(c) => s.complaints(*c),
                Update::Hub(h) => s.hub(h.status),
                _ => {}
            }
        }
    };
    for _ in 0..100 {
        feed(&mut s);
        if s.counters().len() == 6 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(s.counters().len(), 6, "the example hall's six counters");
    let now = hallq_ui::app::wall_clock();
    ui::show_supervisor(&window, &s, now, Lang::Zh);
    let size = window.window().size();
    assert_eq!(
        (size.width, size.height),
        (w, h),
        "the console keeps its screen's size"
    );

    let inside = |label: &str| {
        let b = ElementHandle::find_by_accessible_label(&window, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .unwrap_or_else(|| panic!("no button {label:?}"));
        let (p, sz) = (b.absolute_position(), b.size());
        assert!(
            p.y >= 0.0 && p.y + sz.height <= h as f32 && p.x + sz.width <= w as f32,
            "{label:?} at {p:?} size {sz:?} is off the {w}×{h} screen"
        );
        b
    };
    // Counter 4 has no clerk: opening it is refused, and the console says why in its terms.
    inside("开启 4 号").mock_single_click(PointerEventButton::Left);
    let answer_all = |s: &mut Supervisor, pressed: &Rc<RefCell<Vec<SupervisorPress>>>| {
        let presses: Vec<SupervisorPress> = pressed.borrow_mut().drain(..).collect();
        for p in presses {
            if let Some(cmd) = s.press(p) {
                let reply = rt.block_on(client.send(cmd));
                s.answered(match reply {
                    Ok(r) => match r.body {
                        ReplyBody::Ok(_) => Ok(()),
                        ReplyBody::Error(e) => Err(Problem::Refused(e.code)),
                    },
                    Err(_) => Err(Problem::NoAnswer),
                });
            }
        }
        ui::show_supervisor(&window, s, now, Lang::Zh);
    };
    answer_all(&mut s, &pressed);
    let a = window.global::<ui::SupervisorAdapter>();
    assert!(a.get_last_is_problem());
    assert!(
        a.get_last().contains("4 号窗口无柜员签到"),
        "{:?}",
        a.get_last()
    );

    // An announcement: the console says it was posted.
    for (label, text) in [
        ("中文内容", "今晚 22:00 系统升级"),
        ("英文内容", "Upgrade at 22:00"),
    ] {
        ElementHandle::find_by_accessible_label(&window, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::TextInput))
            .unwrap_or_else(|| panic!("no field {label:?}"))
            .set_accessible_value(text);
    }
    inside("发布公告").mock_single_click(PointerEventButton::Left);
    answer_all(&mut s, &pressed);
    assert!(!a.get_last_is_problem(), "{:?}", a.get_last());
    assert!(a.get_last().contains("公告已发布"), "{:?}", a.get_last());
}
