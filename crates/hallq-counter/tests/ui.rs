//! The counter terminal and the evaluator pad under Slint's testing backend, driven by the
//! labels a screen reader (and a clerk) sees, with the real controller behind the adapter.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::cell::RefCell;
use std::rc::Rc;

use hallq_counter::ui::{self, CounterWindow, EvaluatorWindow, Pad};
use hallq_counter::{Desk, DeskView, Effect, Input};
use hallq_proto::state::{Activity, CounterState, TicketAtCounter};
use hallq_proto::{
    BusinessCode, Command, CounterNo, LocalText, Priority, Score, ServiceResult, StaffNo, TicketId,
    TicketNo, Timestamp,
};
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle as _;

const T0: i64 = 1_796_002_860_000;

struct Rig {
    window: CounterWindow,
    desk: Rc<RefCell<Desk>>,
    sent: Rc<RefCell<Vec<Command>>>,
}

impl Rig {
    fn new(staff: bool, activity: Activity) -> Self {
        i_slint_backend_testing::init_no_event_loop();
        let window = CounterWindow::new().unwrap();
        ui::set_language(false);
        let desk = Rc::new(RefCell::new(Desk::new(CounterNo(3))));
        let sent = Rc::new(RefCell::new(Vec::new()));
        let (d, s, w) = (Rc::clone(&desk), Rc::clone(&sent), window.as_weak());
        ui::wire(
            &window,
            move |a| {
                for Effect::Send(c) in d.borrow_mut().handle(Input::Action(a)) {
                    s.borrow_mut().push(c);
                }
                let view = DeskView::of(&d.borrow(), Timestamp(T0), hallq_proto::Lang::Zh);
                ui::show(&w.upgrade().unwrap(), &view, "10:41", false);
            },
            |_| {},
        );
        let rig = Self { window, desk, sent };
        let mut s = CounterState::closed(
            CounterNo(3),
            LocalText::new("3 号窗口", "Counter 3"),
            vec![BusinessCode::new("basic").unwrap()],
        );
        s.rev = 1;
        s.staff = staff.then(|| StaffNo::new("E1001").unwrap());
        s.open = staff;
        s.activity = activity;
        rig.input(Input::HubReachable(true));
        rig.input(Input::Counter(Box::new(s)));
        rig
    }

    fn input(&self, input: Input) {
        self.desk.borrow_mut().handle(input);
        let view = DeskView::of(&self.desk.borrow(), Timestamp(T0), hallq_proto::Lang::Zh);
        ui::show(&self.window, &view, "10:41", false);
    }

    fn press(&self, label: &str) {
        let button = ElementHandle::find_by_accessible_label(&self.window, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::Button));
        match button {
            Some(b) => b.invoke_accessible_default_action(),
            None => panic!("no button {label:?}"),
        }
    }

    fn type_into(&self, label: &str, text: &str) {
        let field = ElementHandle::find_by_accessible_label(&self.window, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::TextInput))
            .unwrap_or_else(|| panic!("no field {label:?}"));
        field.set_accessible_value(text);
    }

    fn sent(&self) -> Vec<Command> {
        let out = std::mem::take(&mut *self.sent.borrow_mut());
        // The answer arrives: the next press may go.
        self.input(Input::Answered(Ok(None)));
        out
    }
}

fn ticket() -> TicketAtCounter {
    TicketAtCounter {
        ticket: TicketId::new("20261130-0012").unwrap(),
        number: TicketNo("A012".into()),
        business: BusinessCode::new("basic").unwrap(),
        priority: Priority::Ordinary,
        called_at_ms: Timestamp(T0),
        recalls: 0,
        note: None,
    }
}

#[test]
fn a_clerk_signs_in_with_staff_number_and_pin() {
    let rig = Rig::new(false, Activity::Idle);
    rig.type_into("工号", "E1001");
    rig.type_into("密码", "2468");
    rig.press("登录");
    let sent = rig.sent();
    assert!(
        matches!(&sent[..], [Command::SignIn { staff, pin: Some(p) }] if staff.as_str() == "E1001" && p.0 == "2468"),
        "{sent:?}"
    );
}

#[test]
fn enter_in_the_sign_in_form_moves_on_and_then_signs_in() {
    use slint::platform::{Key, PointerEventButton, WindowEvent};
    let rig = Rig::new(false, Activity::Idle);
    rig.window
        .window()
        .set_size(slint::PhysicalSize::new(1920, 1080));
    let field = |label: &str| {
        ElementHandle::find_by_accessible_label(&rig.window, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::TextInput))
            .unwrap_or_else(|| panic!("no field {label:?}"))
    };
    let key = |text: slint::SharedString| {
        rig.window
            .window()
            .dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
        rig.window
            .window()
            .dispatch_event(WindowEvent::KeyReleased { text });
    };
    let typed = |s: &str| {
        for c in s.chars() {
            key(c.to_string().into());
        }
    };
    let enter = || key(Key::Return.into());
    field("工号").mock_single_click(PointerEventButton::Left);
    typed("E1001");
    enter();
    assert!(
        rig.sent().is_empty(),
        "Enter after the staff number goes to the PIN"
    );
    typed("2468");
    enter();
    let sent = rig.sent();
    assert!(
        matches!(&sent[..], [Command::SignIn { staff, pin: Some(p) }] if staff.as_str() == "E1001" && p.0 == "2468"),
        "{sent:?}"
    );
}

#[test]
fn an_open_counter_calls_the_next_customer() {
    let rig = Rig::new(true, Activity::Idle);
    rig.press("呼叫下一位 (F1)");
    assert_eq!(rig.sent(), vec![Command::CallNext {}]);
}

#[test]
fn a_called_number_is_shown_recalled_and_skipped() {
    let rig = Rig::new(true, Activity::Calling(ticket()));
    let shown = ElementHandle::find_by_accessible_label(&rig.window, "当前号码")
        .find_map(|e| e.accessible_value().filter(|v| !v.is_empty()));
    assert_eq!(shown.as_deref(), Some("A012"));
    rig.press("重呼 (F2)");
    assert_eq!(rig.sent(), vec![Command::Recall {}]);
    rig.press("过号 (F5)");
    assert_eq!(rig.sent(), vec![Command::NoShow {}]);
}

#[test]
fn a_service_finishes_with_its_result() {
    let rig = Rig::new(
        true,
        Activity::Serving {
            ticket: ticket(),
            since_ms: Timestamp(T0),
            limit_min: 15,
            back_office: false,
        },
    );
    rig.press("成交");
    assert_eq!(
        rig.sent(),
        vec![Command::Finish {
            result: ServiceResult::Sale,
            note: None,
            missing: vec![],
        }]
    );
}

#[test]
fn a_pause_names_its_reason() {
    let rig = Rig::new(true, Activity::Idle);
    rig.press("用餐");
    assert_eq!(
        rig.sent(),
        vec![Command::Pause {
            reason: hallq_proto::PauseReason::Meal,
            note: None
        }]
    );
}

#[test]
fn the_evaluator_sends_the_key_pressed() {
    i_slint_backend_testing::init_no_event_loop();
    let pad = EvaluatorWindow::new().unwrap();
    ui::set_language(false);
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = Rc::clone(&got);
    ui::wire_pad(&pad, move |s| g.borrow_mut().push(s));
    ui::show_pad(&pad, Pad::Asking, "A012", "3 号窗口");
    for label in ["非常满意", "不满意"] {
        ElementHandle::find_by_accessible_label(&pad, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .unwrap()
            .invoke_accessible_default_action();
    }
    assert_eq!(
        *got.borrow(),
        vec![Score::VerySatisfied, Score::Dissatisfied]
    );
}

#[test]
fn the_supervisor_records_first_contact_progress_and_resolution_of_complaints() {
    use hallq_counter::floor::Supervisor;
    use hallq_counter::ui::SupervisorWindow;
    use hallq_proto::state::{ComplaintCase, Complaints};
    use hallq_proto::{ComplaintCategory, ComplaintId};

    i_slint_backend_testing::init_no_event_loop();
    let window = SupervisorWindow::new().unwrap();
    // After the window: the bundled translation is chosen for the windows that exist.
    ui::set_language(false);
    let supervisor = Rc::new(RefCell::new(Supervisor::default()));
    let sent = Rc::new(RefCell::new(Vec::new()));
    let case = |id: &str, contacted: bool| ComplaintCase {
        complaint: ComplaintId::new(id).unwrap(),
        category: ComplaintCategory::Complex,
        opened_at_ms: Timestamp(T0),
        first_contact_due_ms: Timestamp(T0 + 2 * 3_600_000),
        due_ms: Timestamp(T0 + 72 * 3_600_000),
        contacted,
    };
    supervisor.borrow_mut().complaints(Complaints {
        undelivered: Vec::new(),
        v: 1,
        rev: 1,
        at_ms: Timestamp(T0),
        cases: vec![case("K20261130-001", false), case("K20261130-002", true)],
        callbacks: Vec::new(),
    });
    let (s, out, w) = (Rc::clone(&supervisor), Rc::clone(&sent), window.as_weak());
    ui::wire_supervisor(&window, move |press| {
        let mut s = s.borrow_mut();
        if let Some(cmd) = s.press(press) {
            out.borrow_mut().push(cmd);
            s.answered(Ok(()));
        }
        ui::show_supervisor(
            &w.upgrade().unwrap(),
            &s,
            Timestamp(T0),
            hallq_proto::Lang::Zh,
        );
    });
    window
        .window()
        .set_size(slint::PhysicalSize::new(1920, 1080));
    ui::show_supervisor(
        &window,
        &supervisor.borrow(),
        Timestamp(T0),
        hallq_proto::Lang::Zh,
    );
    let buttons = |label: &str| {
        ElementHandle::find_by_accessible_label(&window, label)
            .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .collect::<Vec<_>>()
    };
    let note = |text: &str| {
        ElementHandle::find_by_accessible_label(&window, "处理备注或结果")
            .find(|e| e.accessible_role() == Some(AccessibleRole::TextInput))
            .unwrap()
            .set_accessible_value(text);
    };

    // The uncontacted case: one press records the first contact.
    assert_eq!(
        buttons("已联系客户").len(),
        1,
        "only the case not yet contacted"
    );
    buttons("已联系客户")[0].invoke_accessible_default_action();
    // The contacted one: progress needs a note; a resolution needs its written result (the
    // cause, the solution and the promise; the compensation may stay empty).
    buttons("记录进展")[0].invoke_accessible_default_action();
    note("已电话回访，核查中");
    buttons("记录进展")[0].invoke_accessible_default_action();
    buttons("办结")[1].invoke_accessible_default_action();
    buttons("办结并告知客户")[0].invoke_accessible_default_action();
    let part = |label: &str, text: &str| {
        ElementHandle::find_by_accessible_label(&window, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::TextInput))
            .unwrap_or_else(|| panic!("no field {label:?}"))
            .set_accessible_value(text);
    };
    part("原因", "计费系统未及时同步套餐变更");
    part("解决方案", "多收费用已退回");
    buttons("办结并告知客户")[0].invoke_accessible_default_action();
    part("后续承诺", "今后变更当日生效");
    buttons("办结并告知客户")[0].invoke_accessible_default_action();

    let sent = sent.borrow();
    let first = ComplaintId::new("K20261130-001").unwrap();
    let second = ComplaintId::new("K20261130-002").unwrap();
    assert_eq!(
        *sent,
        vec![
            Command::ComplaintUpdate {
                complaint: first,
                note: "已联系客户 / customer contacted".into(),
                contacted: true,
            },
            Command::ComplaintUpdate {
                complaint: second.clone(),
                note: "已电话回访，核查中".into(),
                contacted: false,
            },
            Command::ComplaintResolve {
                complaint: second,
                resolution: "多收费用已退回".into(),
                answer: Some(hallq_proto::ComplaintAnswer {
                    cause: "计费系统未及时同步套餐变更".into(),
                    solution: "多收费用已退回".into(),
                    compensation: None,
                    promise: "今后变更当日生效".into(),
                }),
            },
        ],
        "nothing is sent without its note"
    );
}
