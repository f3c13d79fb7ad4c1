//! The inspections' screenshots (docs/screenshots/inspect-*.png, issue 16 §1) from the live apps
//! on the demo's day: the example hall's real hub with every simulated device of `hallq demo`
//! (the simulator's hall, its inspector doing the day's cleanings and patrols, a failed item now
//! and then becoming a correction) plays a Friday (the self-inspection's weekday) from before
//! opening until it is stopped at 10:50: the hub's clock stands where the last simulated device
//! finished (about 11:15), whether or not a checklist is overdue then. Then the real `hallq-counter`
//! processes open under Xvfb as devices of their own, their clocks set to the hub's with
//! libfaketime: the duty supervisor's console at 1920×1080 and the greeter's handheld at
//! 720×1440, each in Chinese and in English (`--lang en`). The test presses them with real
//! pointer clicks (xdotool) where their buttons are drawn, and reads the windows from the X
//! server: the floor page's red switch, the inspections page with the day's due and overdue
//! checklists and open corrections, a checklist's form, and the mystery shopper's visit form
//! (记录一次暗访).
//!
//! `HALLQ_SCREENSHOTS=docs cargo nextest run -p hallq-tests -E 'binary(inspect_screens)'` writes
//! the pictures into docs/screenshots/; otherwise the test checks the screens are reached, their
//! sizes and their language, and writes nothing. Needs Xvfb, xdotool and faketime.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod xwin;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hallq_hub::config::{DeviceConfig, Role};
use hallq_hub::{Clock as _, HallConfig};
use hallq_proto::{BusinessDay, DeviceId, time};
use hallq_sim::{Plan, PlayOptions, Prepared, Scenario, SimConfig, SimHall};
use xwin::{Killed, Rect, Shot, Xvfb, app_bin};

/// Friday 11 December 2026: the manager's self-inspection falls due on it (the default set).
const DAY: BusinessDay = BusinessDay(20261211);
/// Where the day stops, hall time: the cleaning before opening and the first patrol behind it,
/// the second patrol coming.
const UNTIL_MIN: u32 = 10 * 60 + 50;
/// The apps' devices (set aside from the simulator), their role, profile and `--lang`, and
/// where their windows go on the test's screen.
struct App {
    id: &'static str,
    role: Role,
    profile: &'static str,
    lang: &'static str,
    place: (i32, i32),
}
const APPS: &[App] = &[
    App {
        id: "console-zh",
        role: Role::Supervisor,
        profile: "supervisor-console",
        lang: "zh",
        place: (0, 0),
    },
    App {
        id: "console-en",
        role: Role::Supervisor,
        profile: "supervisor-console",
        lang: "en",
        place: (0, 1080),
    },
    App {
        id: "handheld-zh",
        role: Role::Greeter,
        profile: "greeter-handheld",
        lang: "zh",
        place: (1920, 0),
    },
    App {
        id: "handheld-en",
        role: Role::Greeter,
        profile: "greeter-handheld",
        lang: "en",
        place: (2640, 0),
    },
];
const SCREEN: (u32, u32) = (3360, 2160);
/// Theme.brand, Theme.alert.
const BRAND: [u8; 3] = [0x0b, 0x4e, 0xa2];
const ALERT: [u8; 3] = [0xc8, 0x1e, 0x1e];
/// How long one wait may take: a bound for a stuck app, not a measure of speed.
const PATIENCE: Duration = Duration::from_secs(60);

fn for_docs() -> bool {
    std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs")
}

/// The running apps.
struct Apps {
    x: Xvfb,
    windows: BTreeMap<&'static str, String>,
    _children: Vec<Killed>,
}

impl Apps {
    /// Keeps `shot` as docs/screenshots/`name`.png when the pictures are for the docs.
    fn keep(&self, shot: &Shot, name: &str) {
        if for_docs() {
            shot.save(&xwin::root().join(format!("docs/screenshots/{name}.png")));
        }
    }

    /// Fails, keeping `shots` where they can be looked at.
    fn fail(&self, what: &str, shots: &[&Shot]) -> ! {
        let dir = std::env::temp_dir().join("hallq-inspect-screens-failed");
        let _ = std::fs::create_dir_all(&dir);
        for (i, s) in shots.iter().enumerate() {
            s.save(&dir.join(format!("{i}.png")));
        }
        panic!("{what} (pictures in {})", dir.display());
    }

    /// `app`'s window once `pick` accepts it and it has stayed the same for over a second.
    fn settled(&self, app: &str, what: &str, pick: impl Fn(&Shot) -> bool) -> Shot {
        let w = &self.windows[app];
        let started = Instant::now();
        let mut last = self.x.look(w);
        let mut since = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(150));
            let now = self.x.look(w);
            if now.differing(&last, now.all()) > 0 || !pick(&now) {
                since = Instant::now();
            } else if since.elapsed() > Duration::from_millis(1_300) {
                return now;
            }
            if started.elapsed() > PATIENCE {
                self.fail(&format!("{app}: {what}: not shown"), &[&last, &now]);
            }
            last = now;
        }
    }

    /// Clicks (`x`, `y`) of `app`'s window and returns the window once it has changed from
    /// `before` by more than `pixels` and settled; a click lost to a loaded machine is tried
    /// again only when the window showed no change at all for 20 s.
    fn press(
        &self,
        app: &str,
        what: &str,
        before: &Shot,
        (x, y): (u32, u32),
        pixels: usize,
    ) -> Shot {
        let w = &self.windows[app];
        for _ in 0..3 {
            self.x.click(w, x, y);
            let clicked = Instant::now();
            while clicked.elapsed() < Duration::from_secs(20) {
                let now = self.x.look(w);
                if now.differing(before, now.all()) > pixels {
                    return self.settled(app, what, |s| s.differing(before, s.all()) > pixels);
                }
                std::thread::sleep(Duration::from_millis(150));
            }
        }
        self.fail(
            &format!("{app}: {what}: the click changed nothing"),
            &[before],
        );
    }
}

/// The buttons drawn in Theme.brand whose left border crosses column `x` between `top` and
/// `bottom`: each `(first row, last row)`, top to bottom (a filled button and a framed one both
/// have a brand-coloured left edge as high as the button).
fn buttons_at(s: &Shot, x: usize, top: usize, bottom: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut run: Option<usize> = None;
    for y in top..bottom.min(s.height) {
        match (s.at(x, y) == BRAND, run) {
            (true, None) => run = Some(y),
            (false, Some(start)) => {
                if y - start >= 30 {
                    out.push((start, y - 1));
                }
                run = None;
            }
            _ => {}
        }
    }
    out
}

/// The example hall with the apps' devices, its day's plan made before they are added (so no
/// simulated clerk or inspector uses them), ready to start.
fn prepared(dir: &std::path::Path) -> (Prepared, Arc<Plan>, BTreeMap<&'static str, String>) {
    let toml = xwin::root().join("deploy/hall.example.toml");
    let hall = HallConfig::load(&toml).unwrap();
    let mut config = SimConfig {
        hall,
        scenario: Scenario::default(),
    };
    let plan = Arc::new(Plan::generate(&config, 7, DAY));
    for app in APPS {
        config.hall.devices.push(DeviceConfig {
            id: DeviceId::new(app.id).unwrap(),
            role: app.role,
            counter: None,
            profile: Some(app.profile.to_owned()),
            secret_hash: None,
            mosquitto_hash: None,
            revoked: None,
        });
    }
    let mut prepared = Prepared::new(config.hall, dir, 0).unwrap();
    let mut secrets = BTreeMap::new();
    for app in APPS {
        let id = DeviceId::new(app.id).unwrap();
        secrets.insert(app.id, prepared.secret(&id).unwrap().to_owned());
        prepared.set_aside(id);
    }
    (prepared, plan, secrets)
}

#[test]
fn the_inspection_screens_of_the_demo_s_day_from_the_live_console_and_handheld() {
    let counter_app = app_bin("hallq-counter"); // built before the day's clock starts
    let dir = tempfile::tempdir().unwrap();
    let (prepared, plan, secrets) = prepared(&dir.path().join("hall"));
    let offset = prepared.config.hall.utc_offset_min;
    let hall_id = prepared.config.hall.id.to_string();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = rt
        .block_on(SimHall::start(
            prepared,
            600.0,
            plan.starts_at.plus_secs(-3600),
        ))
        .unwrap();
    let options = PlayOptions {
        until: Some(time::at(DAY, UNTIL_MIN, offset)),
        ..PlayOptions::default()
    };
    let day = rt.block_on(sim.play(Arc::clone(&plan), options)).unwrap();
    let (recorded, ..) = day.book.inspections;
    assert!(
        recorded >= 2,
        "the cleaning before opening and a patrol by 10:50: {recorded}"
    );
    // The hub's clock stands at the stop: the apps' is set to it.
    let hub_ms = sim.clock().now();
    #[allow(
        clippy::disallowed_methods,
        reason = "the apps' clocks are set to the hub's stopped one: its offset from the real one"
    )]
    let real_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let fake = format!("{:+}", (hub_ms.0 - real_ms) / 1000);
    let state = sim
        .client("display-main")
        .and_then(|c| c.latest().inspections)
        .expect("the hub's state/inspections");
    let overdue = state
        .checklists
        .iter()
        .filter(|c| c.status == hallq_proto::inspection::DueStatus::Overdue)
        .count();

    let x = Xvfb::start(SCREEN.0, SCREEN.1);
    let broker = format!("127.0.0.1:{}", sim.addr().port());
    let mut children = Vec::new();
    let mut pids = Vec::new();
    for App { id, role, lang, .. } in APPS {
        let mut cmd = x.command("faketime");
        cmd.args(["-f", &fake])
            .arg(&counter_app)
            .args(["--broker", &broker, "--hall", &hall_id, "--device", id])
            .arg(if *role == Role::Supervisor {
                "--supervisor"
            } else {
                "--greeter"
            })
            .args(["--lang", lang])
            .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
            .env("HALLQ_DEVICE_SECRET", &secrets[id])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd
            .spawn()
            .expect("faketime runs (apt-get install faketime)");
        pids.push((*id, child.id()));
        children.push(Killed(child));
    }
    let mut windows = BTreeMap::new();
    for (id, faketime) in pids {
        let children_of = format!("/proc/{faketime}/task/{faketime}/children");
        let started = Instant::now();
        let window = loop {
            let app = std::fs::read_to_string(&children_of)
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse().ok());
            if let Some(w) = app.and_then(|pid| x.window_of(pid)) {
                break w;
            }
            assert!(started.elapsed() < PATIENCE, "{id} opened no window");
            std::thread::sleep(Duration::from_millis(100));
        };
        let (left, top) = APPS.iter().find(|a| a.id == id).unwrap().place;
        x.move_to(&window, left, top);
        windows.insert(id, window);
    }
    for (id, w) in &windows {
        let size = if id.starts_with("console") {
            (1920, 1080)
        } else {
            (720, 1440)
        };
        assert_eq!(x.size(w), size, "{id}'s window at its profile's size");
    }
    let apps = Apps {
        x,
        windows,
        _children: children,
    };

    let pages: Vec<(Shot, Shot)> = ["zh", "en"]
        .into_iter()
        .map(|lang| (console(&apps, lang, overdue), handheld(&apps, lang)))
        .collect();
    // The same pages in the other language: their words differ everywhere.
    for (what, zh, en) in [
        ("console", &pages[0].0, &pages[1].0),
        ("handheld", &pages[0].1, &pages[1].1),
    ] {
        if zh.differing(en, zh.all()) < 20_000 {
            apps.fail(
                &format!("the {what} in English looks like the Chinese"),
                &[zh, en],
            );
        }
    }
    drop(apps);
    rt.block_on(sim.stop()).unwrap();
}

/// The console in `lang`: the floor page with its switch, the inspections page, a checklist's
/// form and the mystery shopper's visit. Returns the inspections page.
fn console(apps: &Apps, lang: &str, overdue: usize) -> Shot {
    let app = if lang == "zh" {
        "console-zh"
    } else {
        "console-en"
    };
    // The header's switch, right: red while a checklist is overdue.
    let switch = Rect(1430, 20, 460, 60);
    let floor = apps.settled(app, "the floor page", |s| {
        s.inked(Rect(0, 110, 1920, 970)) > 20_000
            && (overdue == 0 || s.count(switch, ALERT) > 10_000)
    });
    if lang == "zh" {
        apps.keep(&floor, "inspect-console-floor-zh");
    }
    let page = apps.press(app, "the inspections page", &floor, (1650, 50), 50_000);
    // The checklists' card, left: each checklist's start button under its line, and below them
    // the button for a visit.
    let starts = buttons_at(&page, 61, 200, 1060);
    if starts.len() < 6 {
        apps.fail(
            &format!("{app}: {} buttons on the checklists' card", starts.len()),
            &[&page],
        );
    }
    apps.keep(&page, &format!("inspect-console-{lang}"));
    let (top, bottom) = starts[0];
    let form = apps.press(
        app,
        "a checklist's form",
        &page,
        (170, (top + bottom) as u32 / 2),
        20_000,
    );
    apps.keep(&form, &format!("inspect-console-form-{lang}"));
    // The last button of the card: 记录一次暗访 / Record a visit.
    let (top, bottom) = *buttons_at(&form, 61, 200, 1060).last().unwrap();
    let visit = apps.press(
        app,
        "the visit's form",
        &form,
        (170, (top + bottom) as u32 / 2),
        20_000,
    );
    apps.keep(&visit, &format!("inspect-console-visit-{lang}"));
    page
}

/// The handheld in `lang`: its inspections (the floor's checklists only), a checklist's form.
/// Returns its checklists' page.
fn handheld(apps: &Apps, lang: &str) -> Shot {
    let app = if lang == "zh" {
        "handheld-zh"
    } else {
        "handheld-en"
    };
    let floor = apps.settled(app, "the greeter's floor", |s| s.inked(s.all()) > 50_000);
    // Its checks button: bottom right, beside the next visitor's.
    let page = apps.press(app, "the greeter's checklists", &floor, (590, 1360), 50_000);
    apps.keep(&page, &format!("inspect-greeter-{lang}"));
    let starts = buttons_at(&page, 46, 150, 1300);
    if starts.is_empty() {
        apps.fail(&format!("{app}: no checklist to start"), &[&page]);
    }
    if lang == "zh" {
        let (top, bottom) = starts[0];
        let form = apps.press(
            app,
            "a checklist's form",
            &page,
            (150, (top + bottom) as u32 / 2),
            20_000,
        );
        apps.keep(&form, "inspect-greeter-form-zh");
    }
    page
}
