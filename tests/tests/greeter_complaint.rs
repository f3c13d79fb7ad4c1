//! Issue 16 §2 on the floor, against a real `hallq hub` (the example hall's queue): a customer
//! complains to the greeter, whose handheld (greeter-handheld, 720×1440, its 58 mm `[printer]`)
//! takes the complaint on the same form as the counter's (ui/counter/complaint.slint), sends
//! `complaint_open` and prints the 《投诉受理回执》 after the hub's answer; a printer fault is
//! the greeter's line and the case stands.
//!
//! The window is pressed through its accessible labels; the presses go to the greeter's state
//! machine and are sent and printed as the binary does (`hallq_counter::paper::send_printing`
//! with `hallq_counter::complaint::receipt`), into a printer file whose ESC/POS bytes are
//! decoded back. With `HALLQ_SCREENSHOTS=docs` the window is drawn by the software renderer and
//! docs/screenshots/greeter-complaint-zh.png and -en.png are written from it; otherwise Slint's
//! testing backend stands in and no picture is written.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_counter::complaint;
use hallq_counter::floor::{Greeter, GreeterPress};
use hallq_counter::paper::{self, Papers};
use hallq_counter::ui::{self, GreeterWindow};
use hallq_print::{Layout, Printer, escpos};
use hallq_proto::state::Services;
use hallq_proto::{Lang, ReplyBody, ReplyResult};
use hallq_queue::EventKind;
use hallq_tests::{BrokerKind, Hall, example_queue, profile_screen};
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle as _;
use slint::platform::PointerEventButton;

const NUMBER: &str = "13800131234";
const COMPLEX: &str = "复杂业务（终端销售、合约办理）";

fn pictures() -> bool {
    std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs")
}

/// The software renderer when the pictures are wanted, else the testing backend.
fn platform() -> Option<hallq_ui::Snapshotter> {
    if pictures() {
        return Some(hallq_ui::Snapshotter::install().unwrap());
    }
    i_slint_backend_testing::init_no_event_loop();
    None
}

/// Presses `e` as a pointer does; under the software renderer through its accessible action.
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

/// The handheld's printer layout, from its profile.
fn handheld_layout() -> Layout {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware-profiles/greeter-handheld.toml");
    let printer = hallq_profiles::load_file(&path)
        .unwrap()
        .printer
        .expect("the greeter's handheld has a [printer]");
    assert_eq!(printer.width_mm, 58);
    Layout::from_profile(printer.width_mm, "gb18030", printer.cutter).unwrap()
}

/// The texts printed in `file`, decoded from its ESC/POS bytes.
fn printed(file: &Path) -> String {
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    escpos::texts(&escpos::decode(&bytes).unwrap()).join("\n")
}

/// The greeter's handheld, live: its window, its state, its client and its printer.
struct Handheld {
    shots: Option<hallq_ui::Snapshotter>,
    window: GreeterWindow,
    greeter: RefCell<Greeter>,
    pressed: Rc<RefCell<Vec<GreeterPress>>>,
    client: DeviceClient,
    services: Services,
    papers: RefCell<Arc<Papers>>,
    rt: tokio::runtime::Runtime,
}

impl Handheld {
    fn open(hall: &Hall, file: PathBuf) -> Self {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (client, _task) = rt.block_on(hall.device("greeter-1"));
        let services = rt.block_on(hallq_tests::wait_latest(&client, |l| l.services.clone()));
        let shots = platform();
        let window = GreeterWindow::new().unwrap();
        ui::set_language(false);
        let (w, h) = profile_screen("greeter-handheld");
        assert_eq!((w, h), (720, 1440));
        window.window().set_size(slint::PhysicalSize::new(w, h));
        let pressed = Rc::new(RefCell::new(Vec::new()));
        {
            let pressed = Rc::clone(&pressed);
            ui::wire_greeter(&window, move |p| pressed.borrow_mut().push(p));
        }
        let h = Self {
            shots,
            window,
            greeter: RefCell::new(Greeter::default()),
            pressed,
            client,
            services,
            papers: RefCell::new(Arc::new(Papers {
                printer: Printer::File(file),
                layout: handheld_layout(),
                utc_offset_min: 480,
            })),
            rt,
        };
        h.show(Lang::Zh);
        h
    }

    fn show(&self, lang: Lang) {
        let businesses: Vec<(String, String)> = self
            .services
            .services
            .iter()
            .map(|i| (i.business.to_string(), i.name.get(lang).to_owned()))
            .collect();
        let now = hallq_ui::app::wall_clock();
        ui::show_greeter(&self.window, &self.greeter.borrow(), &businesses, now, lang);
    }

    /// The presses to the greeter; each command sent and its receipt printed as the binary
    /// does.
    fn step(&self) -> Vec<hallq_proto::Command> {
        let mut sent = Vec::new();
        let presses: Vec<GreeterPress> = self.pressed.borrow_mut().drain(..).collect();
        for p in presses {
            let Some(cmd) = self.greeter.borrow_mut().press(p, Lang::Zh) else {
                continue;
            };
            sent.push(cmd.clone());
            let print = complaint::receipt(
                &cmd,
                complaint::greeter_channel(),
                None,
                Some(&self.services),
            )
            .map(|what| (Arc::clone(&self.papers.borrow()), what));
            let (reply, printed) = self
                .rt
                .block_on(paper::send_printing(&self.client, cmd, print));
            let mut g = self.greeter.borrow_mut();
            if g.complaint_in_flight() {
                g.complaint_answered(reply.as_ref().map_err(|_| ()));
            } else if let Ok(ReplyBody::Ok(ReplyResult::Recorded { visit })) = reply.map(|r| r.body)
            {
                g.answered(Ok((visit, None)));
            }
            if let Some(p) = printed {
                g.complaint_printed(p);
            }
        }
        self.show(Lang::Zh);
        sent
    }

    fn complain(&self, summary: &str, contact: &str, picture: Option<&str>) {
        click(&self.window, "投诉登记");
        self.step();
        type_into(&self.window, "投诉登记（事由）", summary);
        type_into(&self.window, "回访手机号（选填）", contact);
        if let Some(name) = picture.filter(|_| self.shots.is_some()) {
            let size = profile_screen("greeter-handheld");
            shot(self.shots.as_ref(), size, &format!("{name}-zh"));
            ui::set_language(true);
            self.show(Lang::En);
            shot(self.shots.as_ref(), size, &format!("{name}-en"));
            ui::set_language(false);
            self.show(Lang::Zh);
        }
        click(&self.window, "一般投诉（24 小时）");
        let sent = self.step();
        assert!(
            matches!(
                sent.as_slice(),
                [hallq_proto::Command::ComplaintOpen { .. }]
            ),
            "{sent:?}"
        );
    }

    fn line(&self) -> (String, bool) {
        let a = self.window.global::<ui::GreeterAdapter>();
        (a.get_last().to_string(), a.get_last_is_problem())
    }
}

/// The cases opened, with their business type and who opened them.
fn opened(hall: &Hall) -> Vec<(String, Option<String>, String)> {
    hall.journal()
        .replay()
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::ComplaintOpened {
                complaint,
                business,
                opened_by,
                ..
            } => Some((
                complaint.to_string(),
                business.map(|b| b.to_string()),
                opened_by,
            )),
            _ => None,
        })
        .collect()
}

/// Bounded wait (10 s) for the window to show the services.
fn until(mut ready: impl FnMut() -> bool, what: &str) {
    for _ in 0..100 {
        if ready() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("not reached in 10 s: {what}");
}

#[test]
fn the_greeter_takes_a_complaint_on_the_floor_and_prints_its_receipt_on_58_mm() {
    let hall = Hall::with_sections(BrokerKind::Embedded, &example_queue());
    let _hub = hall.start_hub();
    let file = hall.data_dir().join("greeter-1.escpos");
    let h = Handheld::open(&hall, file.clone());
    until(
        || {
            ElementHandle::find_by_accessible_label(&h.window, COMPLEX)
                .next()
                .is_some()
        },
        "the business types on the handheld",
    );

    // In English the visitor's screen is as wide as the handheld: its longest label wraps and
    // "Check in" lies inside the window (it was cut off at the right edge).
    ui::set_language(true);
    h.show(Lang::En);
    element(&h.window, "Check in", AccessibleRole::Button);
    element(&h.window, "Register a complaint", AccessibleRole::Button);
    for label in [
        "Booked customer: booking code or mobile number",
        "Value tier (staff only, never shown in public)",
    ] {
        element(&h.window, label, AccessibleRole::Text);
    }
    ui::set_language(false);
    h.show(Lang::Zh);

    // The visitor came for a contract: the complaint is about that business type.
    click(&h.window, COMPLEX);
    h.step();
    h.complain("合约分期扣款金额不对", NUMBER, Some("greeter-complaint"));

    let cases = opened(&hall);
    assert_eq!(cases.len(), 1, "{cases:?}");
    let (case, business, by) = &cases[0];
    assert_eq!(
        business.as_deref(),
        Some("complex"),
        "the business type chosen"
    );
    assert_eq!(by, "greeter-1");
    let (line, problem) = h.line();
    assert!(!problem, "{line}");
    assert!(line.contains(&format!("投诉已登记 {case}")), "{line}");

    let paper = printed(&file);
    for part in [
        "投诉受理回执",
        &format!("受理编号 {case}"),
        "受理渠道 营业厅引导员",
        "投诉类别 一般（24 小时内解决）",
        "复杂业务",
        "合约分期扣款金额不对",
        "首次联系",
        "处理结果",
        "值班主管将致电您留下的号码",
    ] {
        assert!(
            paper.contains(part),
            "{part:?} not on the receipt:\n{paper}"
        );
    }
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        !bytes.windows(NUMBER.len()).any(|w| w == NUMBER.as_bytes()),
        "the complainant's number is never printed"
    );

    // A number that is not a mobile: nothing is sent, the greeter is told.
    click(&h.window, "投诉登记");
    h.step();
    type_into(&h.window, "投诉登记（事由）", "等候时间过长");
    type_into(&h.window, "回访手机号（选填）", "12345");
    click(&h.window, "一般投诉（24 小时）");
    assert!(h.step().is_empty(), "nothing sent for a wrong number");
    assert!(h.line().1, "the greeter is told: {:?}", h.line());
    assert_eq!(opened(&hall).len(), 1);

    // The handheld's printer fails: the case is still opened, and the greeter is told the
    // receipt is not.
    *h.papers.borrow_mut() = Arc::new(Papers {
        printer: Printer::File(hall.data_dir().join("no-such-folder/greeter-1.escpos")),
        layout: handheld_layout(),
        utc_offset_min: 480,
    });
    h.complain("等候时间过长", "", None);
    assert_eq!(opened(&hall).len(), 2, "the complaint is not lost");
    let (line, problem) = h.line();
    assert!(
        problem && line.contains("《投诉受理回执》未能打印") && line.contains("已登记"),
        "the greeter is told: {line:?}"
    );
}
