//! The inspections' screens (issue 16 §1) of the duty supervisor's console and the greeter's
//! handheld, live: the example hall's real `hallq hub` process, its clock set to 10:41 of a
//! business day (the cleaning before opening is then overdue and the first patrol due), each
//! app's window at its profile's real resolution, fed by a real device client as the app's
//! binary feeds it, drawn by the software renderer, and pressed through its accessible labels
//! (a pointer click at the button's place: a button off the screen or under another is not
//! pressed).
//!
//! The console records a patrol with a failed item, sees its correction appear, and closes it;
//! it records a mystery shopper's visit, told afterwards, with its time, shopper and findings
//! (the greeter's handheld neither offers it nor may send it), which `hallq report` counts under
//! `mystery_shopper`; the handheld records the cleaning before opening. Each picture drawn here is
//! checked not to be blank; the docs' pictures of these screens (docs/screenshots/inspect-*.png)
//! come from the real app processes on the demo's day (tests/tests/inspect_screens.rs).

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, Instant};

use hallq_client::{DeviceClient, Update};
use hallq_counter::Problem;
use hallq_counter::floor::{Greeter, Supervisor};
use hallq_counter::inspect::{Inspect, InspectPress, Role};
use hallq_counter::inspect_ui::{show_inspect, wire_inspect};
use hallq_counter::ui::{self, GreeterWindow, InspectAdapter, SupervisorWindow};
use hallq_proto::inspection::{DueStatus, InspectionAnswer};
use hallq_proto::{Command, Lang, ReplyBody, ReplyResult, Timestamp};
use hallq_tests::{Hall, HubProcess, profile_screen};
use hallq_ui::HallClock;
use hallq_ui::snapshot::{Picture, Snapshotter};
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle;

/// How long the hub may take to publish what a test waits for.
const PATIENCE: Duration = Duration::from_secs(20);

/// The example hall's hub at 10:41 of a business day, and a device client of it.
fn hall_at_10_41() -> (Hall, HubProcess) {
    let hall = Hall::example("");
    let hub = hall.start_hub_with(&["--test-start", "10:41", "--test-speed", "1"]);
    (hall, hub)
}

/// Sends `cmd` and expects it done.
fn ok(rt: &tokio::runtime::Runtime, client: &DeviceClient, cmd: Command) -> ReplyResult {
    let kind = cmd.kind();
    match rt.block_on(client.send(cmd)).unwrap().body {
        ReplyBody::Ok(r) => r,
        other => panic!("{kind}: {other:?}"),
    }
}

/// Feeds the hub's updates to a floor role's own part and shows it.
type ShowRole<W> = Box<dyn Fn(&W, &[Update], Timestamp, Lang)>;

/// One floor app's screen: its window, its role's own part, its inspections, the presses not
/// yet handled.
struct Screen<W: ComponentHandle> {
    window: W,
    size: (u32, u32),
    snap: Snapshotter,
    inspect: RefCell<Inspect>,
    pressed: Rc<RefCell<Vec<InspectPress>>>,
    client: DeviceClient,
    rt: tokio::runtime::Runtime,
    clock: HallClock,
    lang: Cell<Lang>,
    /// Feeds the hub's updates to the role's own part and shows it.
    role: ShowRole<W>,
}

impl<W> Screen<W>
where
    W: ComponentHandle + i_slint_backend_testing::ElementRoot,
    for<'a> InspectAdapter<'a>: slint::Global<'a, W>,
{
    fn new(
        snap: Snapshotter,
        window: W,
        profile: &str,
        role: Role,
        client: DeviceClient,
        rt: tokio::runtime::Runtime,
        show_role: ShowRole<W>,
    ) -> Self {
        let size = profile_screen(profile);
        window
            .window()
            .set_size(slint::PhysicalSize::new(size.0, size.1));
        let pressed = Rc::new(RefCell::new(Vec::new()));
        {
            let pressed = Rc::clone(&pressed);
            wire_inspect(&window, move |p| pressed.borrow_mut().push(p));
        }
        let clock = {
            let _in = rt.enter();
            HallClock::follow(&client)
        };
        ui::set_language(false);
        Self {
            window,
            size,
            snap,
            inspect: RefCell::new(Inspect::new(role)),
            pressed,
            client,
            rt,
            clock,
            lang: Cell::new(Lang::Zh),
            role: show_role,
        }
    }

    fn adapter(&self) -> InspectAdapter<'_> {
        self.window.global::<InspectAdapter<'_>>()
    }

    /// Takes in the hub's present state and redraws, as the app does at every update.
    fn refresh(&self) {
        let updates = self.client.latest().into_updates();
        for u in &updates {
            match u {
                Update::Inspections(i) => self.inspect.borrow_mut().inspections((**i).clone()),
                Update::Hub(h) => self.inspect.borrow_mut().hub(h.status),
                _ => {}
            }
        }
        let (now, lang) = (self.clock.now(), self.lang.get());
        (self.role)(&self.window, &updates, now, lang);
        show_inspect(&self.window, &self.inspect.borrow(), now, lang);
    }

    /// Refreshes until `done` holds of the inspections.
    fn until(&self, what: &str, done: impl Fn(&Inspect) -> bool) {
        let start = Instant::now();
        loop {
            self.refresh();
            if done(&self.inspect.borrow()) {
                return;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "{what}: not within {PATIENCE:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Hands the presses to the inspections, sends their commands and gives them the answers.
    fn handle_presses(&self) {
        let presses: Vec<InspectPress> = self.pressed.borrow_mut().drain(..).collect();
        for p in presses {
            // As the app does: a visit's time is read against the hall's time now.
            self.inspect.borrow_mut().tick(self.clock.now());
            let cmd = self.inspect.borrow_mut().press(p);
            if let Some(cmd) = cmd {
                let reply = self.rt.block_on(self.client.send(cmd));
                let answer = match reply {
                    Ok(r) => match r.body {
                        ReplyBody::Ok(r) => Ok(r),
                        ReplyBody::Error(e) => Err(Problem::Refused(e.code)),
                    },
                    Err(_) => Err(Problem::NoAnswer),
                };
                self.inspect.borrow_mut().answered(answer);
            }
        }
        self.refresh();
    }

    /// The button whose label `pick` accepts: it must lie inside the window.
    fn button(&self, what: &str, pick: impl Fn(&str) -> bool) -> ElementHandle {
        let b = all_buttons(&self.window)
            .into_iter()
            .find(|e| {
                e.accessible_role() == Some(AccessibleRole::Button)
                    && e.size().height > 0.0
                    && pick(&e.accessible_label().unwrap_or_default())
            })
            .unwrap_or_else(|| panic!("no button {what}"));
        let (p, s) = (b.absolute_position(), b.size());
        let (w, h) = (self.size.0 as f32, self.size.1 as f32);
        assert!(
            p.x >= 0.0 && p.y >= 0.0 && p.x + s.width <= w + 0.5 && p.y + s.height <= h + 0.5,
            "{what} at {p:?} size {s:?} is not inside the {w}×{h} screen"
        );
        b
    }

    /// Presses the button labelled `label` and handles what it did. Through its accessible
    /// action: a pointer click advances Slint's mock clock, which the headless platform's real
    /// one then finds ahead of it.
    fn click(&self, label: &str) {
        let b = self.button(label, |l| l == label);
        assert_eq!(
            b.accessible_enabled(),
            Some(true),
            "{label:?} is not enabled"
        );
        b.invoke_accessible_default_action();
        self.handle_presses();
    }

    /// Types `text` into the field labelled `label` and handles what it did.
    fn type_into(&self, label: &str, text: &str) {
        ElementHandle::find_by_accessible_label(&self.window, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::TextInput))
            .unwrap_or_else(|| panic!("no field {label:?}"))
            .set_accessible_value(text);
        self.handle_presses();
    }

    /// Whether a text element shows exactly `text`.
    fn shows(&self, text: &str) -> bool {
        ElementHandle::find_by_accessible_label(&self.window, text)
            .any(|e| e.accessible_role() == Some(AccessibleRole::Text) && e.size().height > 0.0)
    }

    /// Draws the window (`name` says which screen, for a failure).
    fn picture(&self, name: &str) -> Picture {
        let p = self.snap.take(self.size.0, self.size.1);
        assert!(p.inked() > 10_000, "{name}: the window is blank");
        p
    }

    /// Switches the screen's language, as the app starts with `--lang`.
    fn language(&self, lang: Lang) {
        ui::set_language(lang == Lang::En);
        self.lang.set(lang);
        self.refresh();
    }
}

/// Every button of `root`.
fn all_buttons(root: &impl i_slint_backend_testing::ElementRoot) -> Vec<ElementHandle> {
    i_slint_backend_testing::ElementQuery::from_root(root)
        .match_descendants()
        .match_accessible_role(AccessibleRole::Button)
        .find_all()
}

/// Pixels of the alert red (Theme.alert, #c81e1e) in `p`.
fn red(p: &Picture) -> usize {
    p.rgb
        .chunks_exact(3)
        .filter(|c| c[0] == 0xc8 && c[1] == 0x1e && c[2] == 0x1e)
        .count()
}

#[test]
fn the_supervisor_records_a_failed_patrol_on_the_console_and_closes_its_correction() {
    let (hall, _hub) = hall_at_10_41();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (client, _task) = rt.block_on(hall.device("supervisor-1"));
    let (greeter, _g) = rt.block_on(hall.device("greeter-1"));
    // The morning so far: the seats checked with a loose seat found, the water filter with its
    // dispenser dirty (two corrections open); the cleaning before opening not done (overdue).
    for (template, failed, found) in [
        ("seats-weekly", "sound", "3 号座椅松动 / seat 3 loose"),
        ("water-filter", "clean", "水杯已用完 / no cups left"),
    ] {
        let items = match template {
            "seats-weekly" => ["sound", "clean"],
            _ => ["in-date", "clean"],
        };
        ok(
            &rt,
            &greeter,
            Command::InspectionRecord {
                template: template.into(),
                staff: None,
                items: items
                    .iter()
                    .map(|i| InspectionAnswer {
                        item: (*i).into(),
                        pass: *i != failed,
                        note: (*i == failed).then(|| found.into()),
                    })
                    .collect(),
                note: None,
                visited_at_ms: None,
                shopper: None,
            },
        );
    }

    let snap = Snapshotter::install().unwrap();
    let window = SupervisorWindow::new().unwrap();
    let floor = RefCell::new(Supervisor::default());
    let console = Screen::new(
        snap,
        window,
        "supervisor-console",
        Role::Supervisor,
        client,
        rt,
        Box::new(move |w: &SupervisorWindow, updates: &[Update], now, lang| {
            let mut s = floor.borrow_mut();
            for u in updates {
                s.feed(u.clone());
            }
            ui::show_supervisor(w, &s, now, lang);
        }),
    );
    console.until("the checklists and the two corrections", |i| {
        i.corrections(Timestamp(0), Lang::Zh).len() == 2
            && i.checklists(Timestamp(0), Lang::Zh).len() >= 5
    });
    assert_eq!((console.size.0, console.size.1), (1920, 1080));

    // The floor page says in its header how many inspections are overdue, in red: at least the
    // cleaning before opening (the weekly self-inspection too at a weekend).
    let overdue = console.inspect.borrow().overdue();
    assert!(overdue >= 1);
    let switch = format!("服务检查 · {overdue} 项逾期");
    let floor_page = console.picture("inspect-console-floor-zh");
    console.button("the switch to the inspections", |l| l == switch);
    assert!(red(&floor_page) > 20_000, "the overdue switch is not red");
    console.click(&switch);
    assert!(console.adapter().get_showing());
    let due = console
        .inspect
        .borrow()
        .checklists(console.clock.now(), Lang::Zh);
    let cleaning = due.iter().find(|l| l.template == "clean-open").unwrap();
    assert_eq!(cleaning.status, DueStatus::Overdue, "{due:?}");
    assert!(
        cleaning.text.starts_with("营业前清洁 · 巡检逾期 1 小时 5"),
        "{:?}",
        cleaning.text
    );
    assert_eq!(
        due[0].status,
        DueStatus::Overdue,
        "the overdue first: {due:?}"
    );
    assert!(
        console.shows(&cleaning.text),
        "the overdue line is not on the screen"
    );

    // The patrol, item by item: the bin at the door full.
    console.click("开始检查：营业中巡检（每2小时）");
    assert_eq!(console.adapter().get_form_name(), "营业中巡检（每2小时）");
    assert_eq!(console.adapter().get_missing(), "还有 4 项未检查");
    for item in ["地面无垃圾、无积水", "等候区座椅整齐", "填单台用品齐全"] {
        console.click(&format!("合格：{item}"));
    }
    console.click("不合格：垃圾桶未满");
    assert_eq!(console.adapter().get_missing(), "还有 1 项不合格未写明情况");
    let submit = console.button("submit", |l| l == "提交检查");
    assert!(
        !submit.accessible_enabled().unwrap_or(true),
        "sent with a failure undescribed"
    );
    console.type_into("不合格情况：垃圾桶未满", "门口垃圾桶已满");
    assert_eq!(console.adapter().get_missing(), "");
    console.picture("inspect-console-form-zh");
    console.click("提交检查");
    let said = console.adapter().get_last().to_string();
    assert!(!console.adapter().get_last_is_problem(), "{said}");
    assert!(
        said.starts_with("营业中巡检（每2小时）已记录（I")
            && said.contains("4 项中 3 项合格；已生成整改项 R"),
        "{said}"
    );
    assert_eq!(
        console.adapter().get_form_name(),
        "",
        "the form is put away"
    );

    // Its correction appears, with what was found.
    let id = said.rsplit("整改项 ").next().unwrap().to_owned();
    console.until("the patrol's correction", |i| {
        i.corrections(Timestamp(0), Lang::Zh)
            .iter()
            .any(|c| c.correction == id)
    });
    let line = console
        .inspect
        .borrow()
        .corrections(console.clock.now(), Lang::Zh)
        .into_iter()
        .find(|c| c.correction == id)
        .unwrap();
    // Due in 3 days ("需3日内优化"), give or take the app's clock following the hub's.
    assert!(
        ["2 天 23 小时", "3 天 0 小时"].iter().any(|left| line.text
            == format!("{id} · 垃圾桶未满：门口垃圾桶已满 · 整改剩余 {left}")),
        "{:?}",
        line.text
    );
    assert!(!line.late);
    assert!(console.shows(&line.text));
    console.picture("inspect-console-zh");

    // A follow-up, then closed.
    console.type_into("跟进或整改说明", "已通知保洁 / cleaner told");
    console.click(&format!("记录跟进 {id}"));
    assert_eq!(
        console.adapter().get_last(),
        format!("整改项 {id}：已记录跟进情况")
    );
    console.type_into(
        "跟进或整改说明",
        "门口增设垃圾桶 / a second bin at the door",
    );
    console.click(&format!("关闭整改 {id}"));
    assert_eq!(console.adapter().get_last(), format!("整改项 {id} 已关闭"));
    console.until("the correction gone", |i| {
        i.corrections(Timestamp(0), Lang::Zh)
            .iter()
            .all(|c| c.correction != id)
    });

    // In English: the same page, every answer a sentence.
    console.language(Lang::En);
    console.button("the English switch", |l| l == "Back to the floor");
    assert!(console.shows(&format!("Correction {id} closed")));
    console.picture("inspect-console-en");
    console.click("Inspect: Patrol while open (every 2 h)");
    console.click("Fail: Floor free of litter and water");
    console.type_into(
        "Found: Floor free of litter and water",
        "wet floor at the door",
    );
    for item in [
        "Waiting seats in order",
        "Bins not full",
        "Form desk stocked",
    ] {
        console.click(&format!("Pass: {item}"));
    }
    console.picture("inspect-console-form-en");
    console.click("Submit inspection");
    let said = console.adapter().get_last().to_string();
    assert!(
        said.contains("3 of 4 items passed; a critical item failed, so the inspection fails"),
        "{said}"
    );
}

#[test]
fn the_greeter_records_the_cleaning_before_opening_on_the_handheld() {
    let (hall, _hub) = hall_at_10_41();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (client, _task) = rt.block_on(hall.device("greeter-1"));
    let snap = Snapshotter::install().unwrap();
    let window = GreeterWindow::new().unwrap();
    let greeter = RefCell::new(Greeter::default());
    let handheld = Screen::new(
        snap,
        window,
        "greeter-handheld",
        Role::Greeter,
        client,
        rt,
        Box::new(move |w: &GreeterWindow, updates: &[Update], now, lang| {
            let mut g = greeter.borrow_mut();
            for u in updates {
                if let Update::Hub(h) = u {
                    g.hub(h.status);
                }
            }
            ui::show_greeter(w, &g, &[], now, lang);
        }),
    );
    assert_eq!(handheld.size, (720, 1440));
    handheld.until("the floor's checklists", |i| {
        i.checklists(Timestamp(0), Lang::Zh).len() >= 4
    });
    let shown: Vec<String> = handheld
        .inspect
        .borrow()
        .checklists(Timestamp(0), Lang::Zh)
        .into_iter()
        .map(|l| l.template)
        .collect();
    assert!(
        !shown.iter().any(|t| t == "self-weekly"),
        "the manager's self-inspection on the greeter's: {shown:?}"
    );
    assert_eq!(
        handheld.inspect.borrow().anytime(Lang::Zh),
        [],
        "a mystery shopper's visit is the supervisor's to record"
    );

    // The cleaning before opening overdue (the water filter too, after its day of the month).
    let overdue = handheld.inspect.borrow().overdue();
    assert!(overdue >= 1);
    handheld.click(&format!("检查 · {overdue} 项逾期"));
    handheld.picture("inspect-greeter-zh");
    handheld.click("开始检查：营业前清洁");
    let items: Vec<String> = handheld
        .inspect
        .borrow()
        .form()
        .unwrap()
        .items
        .iter()
        .map(|i| i.text.zh.clone())
        .collect();
    assert!(items.len() >= 4, "{items:?}");
    for item in &items {
        handheld.click(&format!("合格：{item}"));
    }
    handheld.picture("inspect-greeter-form-zh");
    handheld.click("提交检查");
    let said = handheld.adapter().get_last().to_string();
    assert!(!handheld.adapter().get_last_is_problem(), "{said}");
    assert_eq!(
        said.split_once('（').map(|(a, _)| a),
        Some("营业前清洁已记录"),
        "{said}"
    );
    assert!(
        said.ends_with(&format!("{n} 项中 {n} 项合格", n = items.len())),
        "{said}"
    );
    // Done: no longer overdue.
    handheld.until("the cleaning done", |i| i.overdue() == overdue - 1);
    handheld.language(Lang::En);
    handheld.picture("inspect-greeter-en");
}

/// `hallq report`'s inspections_months.csv of `hall` on the hub's day at `now`: `(kind,
/// [inspections, critical failed, items checked, items passed])` per row (kind "" is the
/// month's whole).
fn report_kinds(hall: &Hall, now: Timestamp) -> Vec<(String, [i64; 4])> {
    let csv = hall.dir.path().join("csv");
    // The hub's business day and time (its test clock, not the machine's): no ticket opened
    // the day in the journal, and the report leaves out what is after its time.
    use hallq_proto::time;
    let day = time::iso_date(time::local(now, 480).0);
    let at = time::iso_minute(now.plus_secs(120), 480);
    let out = std::process::Command::new(hallq_tests::hallq_bin())
        .current_dir(hall.dir.path())
        .args(["report", "--config"])
        .arg(&hall.config_path)
        .args([
            "--hall", "demo", "--from", &day, "--to", &day, "--at", &at, "--csv",
        ])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(csv.join("inspections_months.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let n = |i: usize| c[i].parse::<i64>().unwrap();
            (c[1].to_owned(), [n(2), n(3), n(4), n(5)])
        })
        .collect()
}

#[test]
fn the_supervisor_records_a_mystery_shopper_s_visit_and_the_report_counts_it() {
    let (hall, _hub) = hall_at_10_41();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (client, _task) = rt.block_on(hall.device("supervisor-1"));
    let (greeter, _g) = rt.block_on(hall.device("greeter-1"));

    // The greeter's handheld may not send one: refused, in words that say whose it is.
    let items = [
        "greeting",
        "answer",
        "notice",
        "time",
        "farewell",
        "real-name",
    ];
    let from_greeter = Command::InspectionRecord {
        template: "mystery-shopper".into(),
        staff: None,
        items: items
            .iter()
            .map(|i| InspectionAnswer {
                item: (*i).into(),
                pass: true,
                note: None,
            })
            .collect(),
        note: None,
        visited_at_ms: None,
        shopper: Some("暗访组 / visit team".into()),
    };
    match rt.block_on(greeter.send(from_greeter)).unwrap().body {
        ReplyBody::Error(e) => {
            assert_eq!(e.code, hallq_proto::ErrorCode::Forbidden);
            assert!(
                e.zh.contains("由值班主管在主管台记录") && e.en.contains("duty supervisor"),
                "{e:?}"
            );
        }
        other => panic!("a greeter recorded a visit: {other:?}"),
    }

    let snap = Snapshotter::install().unwrap();
    let window = SupervisorWindow::new().unwrap();
    let floor = RefCell::new(Supervisor::default());
    let console = Screen::new(
        snap,
        window,
        "supervisor-console",
        Role::Supervisor,
        client,
        rt,
        Box::new(move |w: &SupervisorWindow, updates: &[Update], now, lang| {
            let mut s = floor.borrow_mut();
            for u in updates {
                s.feed(u.clone());
            }
            ui::show_supervisor(w, &s, now, lang);
        }),
    );
    console.until("the checklists recorded at any time", |i| {
        !i.anytime(Lang::Zh).is_empty()
    });
    assert_eq!(console.size, (1920, 1080));
    let overdue = console.inspect.borrow().overdue();
    console.click(&format!("服务检查 · {overdue} 项逾期"));

    // Told at 10:41 of a visit this morning: its time, who made it, item by item, the whole.
    console.click("记录一次暗访");
    assert_eq!(console.adapter().get_form_name(), "暗访");
    assert!(console.adapter().get_form_visit());
    assert_eq!(console.adapter().get_missing(), "还需填写暗访人员或机构");
    console.type_into("暗访人员或机构", "省公司服务质量部 暗访二组");
    // A time ahead of the hall's clock is not a visit that happened.
    console.type_into("到访时间", "23:50");
    assert_eq!(console.adapter().get_missing(), "到访时间不能晚于现在");
    console.type_into("到访时间", "09:40");
    assert_eq!(console.adapter().get_missing(), "还有 6 项未检查");
    let texts: Vec<(String, bool)> = console
        .inspect
        .borrow()
        .form()
        .unwrap()
        .items
        .iter()
        .map(|i| (i.text.zh.clone(), i.critical))
        .collect();
    assert!(
        texts.contains(&("实名制核验".into(), true)),
        "the items with their critical flags: {texts:?}"
    );
    for (text, _) in &texts {
        if text == "一次性告知材料" {
            console.click(&format!("不合格：{text}"));
            console.type_into(
                &format!("不合格情况：{text}"),
                "未一次性告知携带户口本 / household register not told",
            );
        } else {
            console.click(&format!("合格：{text}"));
        }
    }
    console.type_into(
        "暗访情况及建议",
        "接待热情，但材料告知不全；建议柜台张贴告知卡 / warm welcome, documents told piecemeal; a card at each counter",
    );
    assert_eq!(console.adapter().get_missing(), "");
    console.picture("inspect-console-visit-zh");
    console.click("提交检查");
    let said = console.adapter().get_last().to_string();
    assert!(!console.adapter().get_last_is_problem(), "{said}");
    assert!(
        said.starts_with("暗访已记录（I") && said.contains("6 项中 5 项合格；已生成整改项 R"),
        "{said}"
    );
    // Its failure is a correction due in 3 days, followed up like the others.
    let id = said.rsplit("整改项 ").next().unwrap().to_owned();
    console.until("the visit's correction", |i| {
        i.corrections(Timestamp(0), Lang::Zh)
            .iter()
            .any(|c| c.correction == id)
    });
    let line = console
        .inspect
        .borrow()
        .corrections(console.clock.now(), Lang::Zh)
        .into_iter()
        .find(|c| c.correction == id)
        .unwrap();
    assert!(
        line.text.starts_with(&format!(
            "{id} · 一次性告知材料：未一次性告知携带户口本 / household register not told · 整改剩余 "
        )),
        "{:?}",
        line.text
    );

    // In English: another visit, every item passed.
    console.language(Lang::En);
    console.click("Record a visit");
    assert_eq!(console.adapter().get_form_name(), "Mystery shopper visit");
    console.type_into("Visit time", "10:05");
    console.type_into("Shopper's name or organisation", "Quality dept., team 2");
    let texts: Vec<String> = console
        .inspect
        .borrow()
        .form()
        .unwrap()
        .items
        .iter()
        .map(|i| i.text.en.clone())
        .collect();
    for text in &texts {
        console.click(&format!("Pass: {text}"));
    }
    console.type_into("The case and suggestions", "All to standard.");
    console.picture("inspect-console-visit-en");
    console.click("Submit inspection");
    let said = console.adapter().get_last().to_string();
    assert!(
        said.starts_with("Mystery shopper visit recorded (I")
            && said.ends_with("6 of 6 items passed"),
        "{said}"
    );

    // The report counts both under the mystery shopper: 11 of 12 items.
    let kinds = report_kinds(&hall, console.clock.now());
    let visits = kinds
        .iter()
        .find(|(k, _)| k == "mystery_shopper")
        .unwrap_or_else(|| panic!("{kinds:?}"));
    assert_eq!(visits.1, [2, 0, 12, 11], "{kinds:?}");
}
