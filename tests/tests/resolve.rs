//! Issue 16 §2–§4 at the people's screens, against a real `hallq hub` (the example hall's queue):
//!
//! - the counter terminal (counter-pc, 1920×1080, its 80 mm `[printer]`) prints the complaint
//!   receipt when the clerk opens a complaint, and tells the clerk when it cannot (the case
//!   stands); it prints the list of documents still needed when the clerk ticks what is missing;
//! - the supervisor's console (1920×1080) resolves a case with the written result, which reaches
//!   the complainant through a real SMPP server (tests/smsc) and is journaled without the number;
//! - the greeter's handheld (720×1440) sets a value tier on the ticket it issues, which the
//!   journal keeps and the public board does not show.
//!
//! The windows are pressed through their accessible labels; the desk sends and prints as the
//! terminal's binary does (`hallq_counter::paper`), into a printer file whose ESC/POS bytes are
//! decoded back. With `HALLQ_SCREENSHOTS=docs` the windows are drawn by the software renderer
//! and the new screens are written to docs/screenshots/ (counter-documents-*, supervisor-
//! resolve-*, greeter-tier-zh), from these live windows at their profiles' sizes; otherwise
//! Slint's testing backend stands in and no picture is written.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_counter::feed::desk_input;
use hallq_counter::floor::{Greeter, GreeterPress, Supervisor, SupervisorPress};
use hallq_counter::paper::{self, Papers};
use hallq_counter::ui::{self, CounterWindow, GreeterWindow, SupervisorWindow};
use hallq_counter::{Action, Desk, DeskView, Effect, Input, Problem};
use hallq_print::{Layout, Printer, escpos};
use hallq_proto::{
    Command, ComplaintCategory, CounterNo, Lang, Phone, ReplyBody, ReplyResult, ServiceResult,
    StaffNo,
};
use hallq_queue::EventKind;
use hallq_tests::smsc::{PASSWORD, SYSTEM_ID, Smsc};
use hallq_tests::{BrokerKind, Hall, example_queue, profile_screen, ticket};
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle as _;
use slint::platform::PointerEventButton;

const NUMBER: &str = "13800131234";

/// The platform of this test's windows: the software renderer when the pictures are wanted
/// (`HALLQ_SCREENSHOTS=docs`), else the testing backend. Call it before creating a window.
fn platform() -> Option<hallq_ui::Snapshotter> {
    if pictures() {
        return Some(hallq_ui::Snapshotter::install().unwrap());
    }
    i_slint_backend_testing::init_no_event_loop();
    None
}

/// Whether the pictures are wanted (`HALLQ_SCREENSHOTS=docs`).
fn pictures() -> bool {
    std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs")
}

/// Presses `e` as a pointer does; under the software renderer (pictures), whose clock Slint's
/// mock pointer events would move backwards, through its accessible action.
fn press(e: &ElementHandle) {
    if pictures() {
        e.invoke_accessible_default_action();
    } else {
        e.mock_single_click(PointerEventButton::Left);
    }
}

/// Draws the window as it is now into docs/screenshots/`name`.png, when pictures are wanted.
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

/// The counter-pc profile's printer layout.
fn counter_layout() -> Layout {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware-profiles/counter-pc.toml");
    let printer = hallq_profiles::load_file(&path)
        .unwrap()
        .printer
        .expect("counter-pc has a [printer]");
    Layout::from_profile(printer.width_mm, "gb18030", printer.cutter).unwrap()
}

/// The texts printed in `file`, decoded from its ESC/POS bytes.
fn printed(file: &Path) -> String {
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    escpos::texts(&escpos::decode(&bytes).unwrap()).join("\n")
}

/// The element labelled `label` with `role`: it must lie inside the window.
fn element(
    window: &impl slint::ComponentHandle,
    label: &str,
    role: AccessibleRole,
) -> ElementHandle {
    let e = ElementHandle::find_by_accessible_label(window, label)
        .find(|e| e.accessible_role() == Some(role))
        .unwrap_or_else(|| panic!("no {role:?} {label:?}"));
    let (p, s) = (e.absolute_position(), e.size());
    let w = window.window().size().to_logical(1.0);
    assert!(
        p.x >= 0.0 && p.y >= 0.0 && p.x + s.width <= w.width && p.y + s.height <= w.height,
        "{label:?} at {p:?} size {s:?} is not inside the {w:?} window"
    );
    e
}

fn click(window: &impl slint::ComponentHandle, label: &str) {
    press(&element(window, label, AccessibleRole::Button));
}

fn type_into(window: &impl slint::ComponentHandle, label: &str, text: &str) {
    element(window, label, AccessibleRole::TextInput).set_accessible_value(text);
}

/// Bounded wait (10 s) for `ready`.
fn until(mut ready: impl FnMut() -> bool, what: &str) {
    for _ in 0..100 {
        if ready() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("not reached in 10 s: {what}");
}

/// The clerk's terminal of counter 1 with its printer.
struct Terminal {
    shots: Option<hallq_ui::Snapshotter>,
    desk: RefCell<Desk>,
    window: CounterWindow,
    pressed: Rc<RefCell<Vec<Action>>>,
    client: DeviceClient,
    papers: RefCell<Arc<Papers>>,
    rt: tokio::runtime::Runtime,
}

impl Terminal {
    /// Signs counter 1's clerk in, opens it, calls and serves the next ticket, and opens the
    /// terminal's window at the profile's 1920×1080, printing to `file`.
    fn serving(hall: &Hall, file: PathBuf) -> Self {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (client, _task) = rt.block_on(hall.device("counter-1"));
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
        let shots = platform();
        let window = CounterWindow::new().unwrap();
        ui::set_language(false);
        let (w, h) = profile_screen("counter-pc");
        window.window().set_size(slint::PhysicalSize::new(w, h));
        let pressed = Rc::new(RefCell::new(Vec::new()));
        {
            let pressed = Rc::clone(&pressed);
            ui::wire(&window, move |a| pressed.borrow_mut().push(a), |_| {});
        }
        let t = Self {
            shots,
            desk: RefCell::new(Desk::new(CounterNo(1))),
            window,
            pressed,
            client,
            papers: RefCell::new(Arc::new(Papers {
                printer: Printer::File(file),
                layout: counter_layout(),
                utc_offset_min: 480,
            })),
            rt,
        };
        until(
            || {
                t.refresh();
                t.window.global::<ui::DeskAdapter>().get_mode() == ui::DeskMode::Serving
            },
            "the terminal shows the service",
        );
        t
    }

    fn refresh(&self) {
        self.refresh_in(Lang::Zh);
    }

    /// The desk's view in `lang`, the window's labels too.
    fn refresh_in(&self, lang: Lang) {
        for input in self
            .client
            .latest()
            .into_updates()
            .into_iter()
            .filter_map(desk_input)
        {
            self.desk.borrow_mut().handle(input);
        }
        let view = DeskView::of(&self.desk.borrow(), hallq_ui::app::wall_clock(), lang);
        ui::show(&self.window, &view, "10:41", lang == Lang::En);
    }

    /// The presses to the desk; each command sent and its paper printed as the binary does.
    fn handle_presses(&self) -> Vec<Command> {
        let mut sent = Vec::new();
        let presses: Vec<Action> = self.pressed.borrow_mut().drain(..).collect();
        for a in presses {
            let effects = self.desk.borrow_mut().handle(Input::Action(a));
            for Effect::Send(cmd) in effects {
                sent.push(cmd.clone());
                let print = self
                    .desk
                    .borrow()
                    .to_print(&cmd)
                    .map(|p| (Arc::clone(&self.papers.borrow()), p));
                for input in self.rt.block_on(paper::send(&self.client, cmd, print)) {
                    self.desk.borrow_mut().handle(input);
                }
            }
        }
        self.refresh();
        sent
    }

    fn complaint(&self, summary: &str, contact: &str) -> Vec<Command> {
        click(&self.window, "投诉登记");
        type_into(&self.window, "投诉登记（事由）", summary);
        type_into(&self.window, "回访手机号（选填）", contact);
        click(&self.window, "一般投诉（24 小时）");
        self.handle_presses()
    }
}

fn complaints_opened(hall: &Hall) -> Vec<String> {
    hall.journal()
        .replay()
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::ComplaintOpened { complaint, .. } => Some(complaint.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_counter_prints_the_complaint_receipt_and_tells_the_clerk_when_it_cannot() {
    let hall = Hall::with_sections(BrokerKind::Embedded, &example_queue());
    let _hub = hall.start_hub();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (kiosk, _k) = rt.block_on(hall.device("kiosk-1"));
    let r = rt.block_on(kiosk.send(ticket("complex"))).unwrap();
    assert!(matches!(r.body, ReplyBody::Ok(_)), "{r:?}");
    let file = hall.data_dir().join("counter-1.escpos");
    let t = Terminal::serving(&hall, file.clone());

    let sent = t.complaint("合约分期扣款金额不对", NUMBER);
    assert!(
        matches!(sent.as_slice(), [Command::ComplaintOpen { .. }]),
        "{sent:?}"
    );
    let a = t.window.global::<ui::DeskAdapter>();
    assert_eq!(a.get_problem(), "", "printed: no problem");
    assert!(a.get_info().contains("投诉已登记"), "{:?}", a.get_info());
    let cases = complaints_opened(&hall);
    assert_eq!(cases.len(), 1);
    let paper = printed(&file);
    for line in [
        "投诉受理回执",
        &format!("受理编号 {}", cases[0]),
        "受理渠道 营业厅 1 号窗口",
        "投诉类别 一般（24 小时内解决）",
        "业务类型 复杂业务（终端销售、合约办理）",
        "合约分期扣款金额不对",
        "首次联系",
        "处理结果",
    ] {
        assert!(
            paper.contains(line),
            "{line:?} not on the receipt:\n{paper}"
        );
    }
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        !bytes.windows(NUMBER.len()).any(|w| w == NUMBER.as_bytes()),
        "the complainant's number is never printed"
    );

    // The printer goes away: the case is still opened, and the clerk is told the receipt is not.
    *t.papers.borrow_mut() = Arc::new(Papers {
        printer: Printer::File(hall.data_dir().join("no-such-folder/counter-1.escpos")),
        layout: counter_layout(),
        utc_offset_min: 480,
    });
    t.complaint("等候时间过长", "");
    assert_eq!(
        complaints_opened(&hall).len(),
        2,
        "the complaint is not lost"
    );
    assert!(
        a.get_problem().contains("《投诉受理回执》未能打印") && a.get_problem().contains("已登记"),
        "the clerk is told: {:?}",
        a.get_problem()
    );
    // Dismissed, it is gone.
    click(&t.window, "知道了");
    t.handle_presses();
    assert_eq!(a.get_problem(), "");
}

#[test]
fn needs_documents_prints_the_documents_ticked_with_how_to_get_them() {
    let hall = Hall::with_sections(BrokerKind::Embedded, &example_queue());
    let _hub = hall.start_hub();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (kiosk, _k) = rt.block_on(hall.device("kiosk-1"));
    let r = rt.block_on(kiosk.send(ticket("complex"))).unwrap();
    let ReplyBody::Ok(ReplyResult::TicketIssued(issued)) = r.body else {
        panic!("{r:?}")
    };
    let file = hall.data_dir().join("counter-1.escpos");
    let t = Terminal::serving(&hall, file.clone());

    // The complex business's three documents, as boxes once "needs documents" is pressed.
    click(&t.window, "需补资料");
    for doc in [
        "本人有效身份证件原件",
        "本人身份证复印件",
        "银行卡（合约分期）",
    ] {
        let b = element(&t.window, doc, AccessibleRole::Checkbox);
        assert_eq!(b.accessible_checked(), Some(false), "{doc} starts unticked");
    }
    press(&element(
        &t.window,
        "本人身份证复印件",
        AccessibleRole::Checkbox,
    ));
    assert_eq!(
        element(&t.window, "本人身份证复印件", AccessibleRole::Checkbox).accessible_checked(),
        Some(true)
    );
    let size = profile_screen("counter-pc");
    shot(t.shots.as_ref(), size, "counter-documents-zh");
    if t.shots.is_some() {
        t.refresh_in(Lang::En);
        shot(t.shots.as_ref(), size, "counter-documents-en");
        t.refresh_in(Lang::Zh);
    }
    click(&t.window, "办结并打印补充材料清单");
    let sent = t.handle_presses();
    assert!(
        matches!(
            sent.as_slice(),
            [Command::Finish { result: ServiceResult::NeedsDocuments, missing, .. }] if missing == &[1]
        ),
        "{sent:?}"
    );
    let a = t.window.global::<ui::DeskAdapter>();
    assert_eq!(a.get_problem(), "");

    let paper = printed(&file);
    for line in [
        "补充材料清单",
        issued.number.0.as_str(),
        "本人身份证复印件",
        "身份证复印件可在厅内自助复印机免费打印",
    ] {
        assert!(paper.contains(line), "{line:?} not on the list:\n{paper}");
    }
    assert!(
        !paper.contains("银行卡"),
        "only what was ticked is listed:\n{paper}"
    );
    let journaled: Vec<String> = hall
        .journal()
        .replay()
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::ServiceFinished { missing, .. } => Some(missing),
            _ => None,
        })
        .flatten()
        .map(|d| d.zh)
        .collect();
    assert_eq!(journaled, ["本人身份证复印件"], "touchpoint 14's result");
}

#[test]
fn the_written_result_reaches_the_complainant_by_sms_and_the_journal_never_has_the_number() {
    let smsc = Smsc::start(0);
    let notify = format!(
        "[notify]\nenabled = true\n\n\
         [notify.smpp]\nhost = \"127.0.0.1\"\nport = {}\nsystem_id = \"{SYSTEM_ID}\"\n\
         password = \"{PASSWORD}\"\nsource_addr = \"10086\"\ntimeout_secs = 5\n\n\
         [notify.retry]\nattempts = 3\nbackoff_ms = 200\nmax_backoff_ms = 400\n\n",
        smsc.port
    );
    let hall = Hall::with_sections(
        BrokerKind::Embedded,
        &format!("{notify}{}", example_queue()),
    );
    let _hub = hall.start_hub();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (counter, _c) = rt.block_on(hall.device("counter-1"));
    let (client, _s) = rt.block_on(hall.device("supervisor-1"));
    rt.block_on(counter.send(Command::SignIn {
        staff: StaffNo::new("E1001").unwrap(),
        pin: None,
    }))
    .unwrap();
    let opened = rt
        .block_on(counter.send(Command::ComplaintOpen {
            category: ComplaintCategory::General,
            summary: "套餐变更后仍按原套餐扣费".into(),
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
    until(
        || {
            for u in client.latest().into_updates() {
                s.feed(u);
            }
            ui::show_supervisor(&window, &s, now, Lang::Zh);
            s.cases(now, Lang::Zh).len() == 1
        },
        "the case on the console",
    );

    click(&window, "办结");
    for (label, text) in [
        ("原因", "套餐变更未在当月生效"),
        ("解决方案", "已退还多扣费用 38 元"),
        ("补偿措施（选填）", "赠送 5 GB 流量"),
        ("后续承诺", "今后套餐变更当日生效"),
    ] {
        type_into(&window, label, text);
    }
    shot(shots.as_ref(), (w, h), "supervisor-resolve-zh");
    if shots.is_some() {
        ui::set_language(true);
        ui::show_supervisor(&window, &s, now, Lang::En);
        shot(shots.as_ref(), (w, h), "supervisor-resolve-en");
        ui::set_language(false);
        ui::show_supervisor(&window, &s, now, Lang::Zh);
    }
    click(&window, "办结并告知客户");
    let presses: Vec<SupervisorPress> = pressed.borrow_mut().drain(..).collect();
    assert_eq!(presses.len(), 1, "{presses:?}");
    for p in presses {
        let cmd = s.press(p).expect("a whole written result is sent");
        assert!(
            matches!(
                &cmd,
                Command::ComplaintResolve {
                    answer: Some(_),
                    ..
                }
            ),
            "{cmd:?}"
        );
        let reply = rt.block_on(client.send(cmd)).unwrap();
        s.answered(match reply.body {
            ReplyBody::Ok(_) => Ok(()),
            ReplyBody::Error(e) => Err(Problem::Refused(e.code)),
        });
    }
    ui::show_supervisor(&window, &s, now, Lang::Zh);
    let a = window.global::<ui::SupervisorAdapter>();
    assert!(!a.get_last_is_problem(), "{:?}", a.get_last());

    until(|| !smsc.submitted().is_empty(), "the SMS at the SMSC");
    let sms = smsc.submitted();
    assert_eq!(sms.len(), 1, "{sms:?}");
    assert_eq!(sms[0].destination, NUMBER);
    for part in [
        complaint.as_str(),
        "原因：套餐变更未在当月生效",
        "解决方案：已退还多扣费用 38 元",
        "补偿措施：赠送 5 GB 流量",
        "后续承诺：今后套餐变更当日生效",
    ] {
        assert!(
            sms[0].text.contains(part),
            "{part:?} not in {:?}",
            sms[0].text
        );
    }
    let sent = || {
        hall.journal()
            .replay()
            .unwrap()
            .into_iter()
            .filter(|e| matches!(e.kind, EventKind::ComplaintResultSent { .. }))
            .collect::<Vec<_>>()
    };
    until(|| !sent().is_empty(), "the attempt journaled");
    let events = sent();
    assert!(
        matches!(
            &events[..],
            [e] if matches!(&e.kind, EventKind::ComplaintResultSent { complaint: c, channel, attempt: 1, result, last: true, .. }
                if c == &complaint && channel == "smpp" && result == "sent")
        ),
        "{events:?}"
    );
    let json = serde_json::to_string(&events).unwrap();
    assert!(!json.contains(NUMBER), "never the number: {json}");
}

#[test]
fn the_greeter_sets_a_value_tier_that_the_board_never_shows() {
    let hall = Hall::with_sections(BrokerKind::Embedded, &example_queue());
    let _hub = hall.start_hub();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (client, _g) = rt.block_on(hall.device("greeter-1"));
    let (display, _d) = rt.block_on(hall.device("display-main"));
    let services = rt.block_on(hallq_tests::wait_latest(&client, |l| l.services.clone()));
    let tiers: Vec<(u8, String)> = services
        .tiers
        .iter()
        .map(|t| (t.level, t.name.zh.clone()))
        .collect();
    assert_eq!(
        tiers.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        [5, 6, 7],
        "the example hall's tiers reach the greeter"
    );
    let businesses: Vec<(String, String)> = services
        .services
        .iter()
        .map(|i| (i.business.to_string(), i.name.zh.clone()))
        .collect();

    let shots = platform();
    let window = GreeterWindow::new().unwrap();
    ui::set_language(false);
    let (w, h) = profile_screen("greeter-handheld");
    assert_eq!((w, h), (720, 1440));
    window.window().set_size(slint::PhysicalSize::new(w, h));
    let pressed = Rc::new(RefCell::new(Vec::<GreeterPress>::new()));
    {
        let pressed = Rc::clone(&pressed);
        ui::wire_greeter(&window, move |p| pressed.borrow_mut().push(p));
    }
    let mut g = Greeter::default();
    let now = hallq_ui::app::wall_clock();
    let mut issued = None;
    let mut step = |g: &mut Greeter, pressed: &Rc<RefCell<Vec<GreeterPress>>>| {
        let presses: Vec<GreeterPress> = pressed.borrow_mut().drain(..).collect();
        for p in presses {
            if let Some(cmd) = g.press(p, Lang::Zh) {
                let reply = rt.block_on(client.send(cmd.clone())).unwrap();
                if let ReplyBody::Ok(ReplyResult::TicketIssued(t)) = &reply.body {
                    issued = Some((cmd, t.clone()));
                    g.answered(Ok((Some(t.visit.clone()), Some(t.number.to_string()))));
                }
            }
        }
        ui::show_greeter(&window, g, &businesses, now, Lang::Zh);
        ui::show_tiers(&window, &tiers, g.tier());
    };
    step(&mut g, &pressed);
    click(&window, "复杂业务（终端销售、合约办理）");
    step(&mut g, &pressed);
    // The tier picker and the ticket buttons sit below the business list: the greeter scrolls.
    window
        .window()
        .dispatch_event(slint::platform::WindowEvent::PointerScrolled {
            position: slint::LogicalPosition::new(360.0, 600.0),
            delta_x: 0.0,
            delta_y: -3000.0,
        });
    click(&window, "五星钻卡客户");
    step(&mut g, &pressed);
    assert_eq!(g.tier(), Some(7));
    assert_eq!(window.global::<ui::GreeterAdapter>().get_tier(), "7");
    shot(shots.as_ref(), (w, h), "greeter-tier-zh");
    click(&window, "普通取号");
    step(&mut g, &pressed);
    let (cmd, t) = issued.expect("a ticket issued");
    assert!(
        matches!(&cmd, Command::IssueTicket(i) if i.tier == Some(7)),
        "{cmd:?}"
    );
    let tier = hall
        .journal()
        .replay()
        .unwrap()
        .into_iter()
        .find_map(|e| match e.kind {
            EventKind::TicketIssued { ticket, tier, .. } if ticket == t.ticket => tier,
            _ => None,
        });
    assert_eq!(tier.map(|m| m.level), Some(7), "the journal keeps the tier");

    // Called at counter 1: the board the wall display reads shows the number, never a tier.
    let (counter, _c) = rt.block_on(hall.device("counter-1"));
    for cmd in [
        Command::SignIn {
            staff: StaffNo::new("E1001").unwrap(),
            pin: None,
        },
        Command::OpenCounter { counter: None },
        Command::CallNext {},
    ] {
        let r = rt.block_on(counter.send(cmd)).unwrap();
        assert!(matches!(r.body, ReplyBody::Ok(_)), "{r:?}");
    }
    let board = rt.block_on(hallq_tests::wait_latest(&display, |l| {
        l.board.clone().filter(|b| {
            serde_json::to_string(b)
                .unwrap()
                .contains(t.number.0.as_str())
        })
    }));
    let json = serde_json::to_string(&board).unwrap();
    for secret in ["钻卡", "五星", "tier", "尊敬"] {
        assert!(!json.contains(secret), "{secret:?} on the board: {json}");
    }
}
