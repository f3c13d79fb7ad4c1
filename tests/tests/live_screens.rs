//! The apps' screenshots (docs/screenshots/counter-*, evaluator-*, greeter-*, supervisor-*,
//! display-*, led-*), taken from the live apps: each app binary a real process with a real window
//! under Xvfb, at its profile's size, connected to a running hub (`hallq hub` with the example
//! hall of deploy/hall.example.toml on its test clock from 10:12, clerks E1001–E1004 listed
//! without PINs) through which a morning's tickets are taken and called. The clerk of counter 1
//! works the counter terminal with its keys (F1 call, F5 no-show, F3 start, F4 finish, F7 pause),
//! the customer rates on the pad with a touch, the supervisor posts an announcement, a greeter
//! leaves a consultation open (a call-back owed) and a clerk opens a complaint. The supervisor's
//! console is shown in Chinese and in English (`--lang en`).
//!
//! Two tests, which nextest runs at once, each with a hub and an X server of its own: the
//! counter terminal, the pad and the LED strips through the clerk's morning (the long one: every
//! state of the terminal in both languages), and the wall displays, the greeter and the console.
//!
//! Nothing is waited for by the clock. The apps start at once, each window known by its process
//! (`_NET_WM_PID`) and moved to its own place on one large screen, so that no window covers
//! another. The test waits for the hub's state (the counter's activity), then reads the window
//! straight from the X server until it shows what it must (a new call in amber, the switch's
//! label in the other language) and has stayed still, but for its timers, for more than the
//! apps' 1 s tick. A click on the counter's language switch is repeated only when nothing below
//! its header changed for 20 s (the words change as soon as the app handles a click): a late
//! click is never doubled, which would switch back. Each wait is bounded (60 s) and a failure
//! keeps its pictures.
//!
//! The apps' clocks are set to the hub's test clock with libfaketime, so their headers show the
//! hall's time of the pictures.
//!
//! Part of every test run. `HALLQ_SCREENSHOTS=docs cargo nextest run -p hallq-tests -E
//! 'binary(live_screens)'` also writes the pictures to docs/screenshots/ (how the ones there were
//! made); otherwise no picture is written and only the checks run (the screens reached, their
//! sizes, the language). Needs Xvfb, xdotool and faketime.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod xwin;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use hallq_client::DeviceClient;
use hallq_hub::secret::{self, Strength};
use hallq_proto::state::{Activity, CounterState};
use hallq_proto::{Command, LocalText, ReplyBody, StaffNo};
use hallq_tests::{Hall, HubProcess};
use xwin::{Killed, Rect, Shot, Xvfb, app_bin, profile};

/// The example hall's secret of every device ("change-me").
const SECRET: &str = "change-me";

/// Devices this test adds to the example hall: a second wall display (the 4K profile), one in
/// English, an English LED strip, a second supervisor login that posts the announcement, a
/// console in English, a second greeter who leaves a consultation open, and a display login the
/// test watches the hub through.
const EXTRA: &[(&str, &str, &str)] = &[
    ("display-4k", "display", "display-4k"),
    ("display-en", "display", "display-1080p"),
    ("led-1-en", "led_strip", "led-strip-8"),
    ("supervisor-2", "supervisor", ""),
    ("supervisor-en", "supervisor", "supervisor-console"),
    ("greeter-2", "greeter", ""),
    ("display-watch", "display", ""),
];

/// The example hall, as deploy/hall.example.toml has it, on this test's port and data directory,
/// with four clerks listed (no PIN) and the extra devices.
fn example_hall() -> Hall {
    // The test's own devices get a random secret (a short one is refused for a device).
    let extra = secret::random();
    let hash = secret::hash(&extra, Strength::Random).unwrap();
    let mut devices = String::new();
    for (id, role, profile) in EXTRA {
        devices.push_str(&format!(
            "\n[[devices]]\nid = \"{id}\"\nrole = \"{role}\"\nsecret_hash = \"{hash}\"\n"
        ));
        if !profile.is_empty() {
            devices.push_str(&format!("profile = \"{profile}\"\n"));
        }
        if *role == "led_strip" {
            devices.push_str("counter = 1\n");
        }
    }
    let mut hall = Hall::example(&devices);
    assert_eq!(
        hall.secrets.values().next().map(String::as_str),
        Some(SECRET)
    );
    for (id, _, _) in EXTRA {
        hall.secrets.insert((*id).to_owned(), extra.clone());
    }
    hall
}

async fn send_ok(client: &DeviceClient, cmd: Command) {
    let kind = cmd.kind();
    let reply = client.send(cmd).await.unwrap();
    assert!(matches!(reply.body, ReplyBody::Ok(_)), "{kind}: {reply:?}");
}

fn ticket(business: &str) -> Command {
    hallq_tests::ticket(business)
}

/// Whether the pictures are for docs/screenshots/ (`HALLQ_SCREENSHOTS=docs`); otherwise the
/// test only checks what the screens show and writes no picture (but those of a failure).
fn for_docs() -> bool {
    std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs")
}

/// How long any one wait may take before the test fails: a bound for an app that is stuck, far
/// above what a loaded 2-core machine needs (a few seconds), not a measure of speed.
const PATIENCE: Duration = Duration::from_secs(60);
/// How long a window must stay unchanged to count as drawn: more than the apps' 1 s tick, at
/// which the counter terminal fills in what came from the hub.
const STILL: Duration = Duration::from_millis(1_300);
/// How long a click that changed nothing on the screen is given before it counts as lost: the
/// counter's words change as soon as it handles the click, its switch's label at its next tick.
const LOST: Duration = Duration::from_secs(20);

/// The counter terminal below its header; its header's English/中文 switch (the point clicked,
/// and the label around it); the foot of the ticket's card, whose timers count seconds (how long
/// ago the ticket was called, how long it has been served).
const BODY: Rect = Rect(0, 120, 1920, 960);
const LANGUAGE: (u32, u32) = (1790, 55);
const LABEL: Rect = Rect(1700, 14, 200, 84);
const TIMER: Rect = Rect(30, 500, 540, 260);
/// The line over the paused terminal's resume key, whose timer counts the break's seconds.
const PAUSED: Rect = Rect(590, 130, 740, 110);

/// Where each window goes on the test's screen (6000×4320), side by side: the 4K display, the
/// 1080p displays right of it, the counter terminal and the console below it, then the
/// greeter's handheld, the pad and the two LED strips; the English console below the Chinese.
const SCREEN: (u32, u32) = (6000, 4320);
const PLACES: &[(&str, (i32, i32))] = &[
    ("display-4k", (0, 0)),
    ("display-main", (3840, 0)),
    ("display-en", (3840, 1080)),
    ("counter-1", (0, 2160)),
    ("supervisor-1", (1920, 2160)),
    ("supervisor-en", (1920, 3240)),
    ("greeter-1", (3840, 2160)),
    ("evaluator-1", (4560, 2160)),
    ("led-1", (4560, 2960)),
    ("led-1-en", (5120, 2960)),
];

/// The running apps and what they are looked at with.
struct Apps {
    secrets: BTreeMap<String, String>,
    x: Xvfb,
    broker: String,
    /// libfaketime's offset for the apps: the hub's test clock minus the real one, in seconds.
    offset: String,
    children: Vec<Killed>,
    /// Where the pictures of the docs go, when they are for the docs.
    dir: PathBuf,
    /// The counter's language switch as it is drawn in Chinese (it reads "English").
    zh_label: Option<Vec<u8>>,
}

impl Apps {
    /// Starts `bin args` as device `device`; returns the process (libfaketime's, whose child is
    /// the app).
    fn spawn(&mut self, bin: &str, device: &str, args: &[&str]) -> u32 {
        let child = self
            .x
            .command("faketime")
            .args(["-f", &self.offset])
            .arg(app_bin(bin))
            .args([
                "--broker",
                &self.broker,
                "--hall",
                "demo",
                "--device",
                device,
            ])
            .args(args)
            .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
            .env("HALLQ_DEVICE_SECRET", &self.secrets[device])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("faketime runs (apt-get install faketime)");
        let pid = child.id();
        self.children.push(Killed(child));
        pid
    }

    /// The window of the app `faketime` runs as its child (the window's `_NET_WM_PID`), once it
    /// is mapped, moved to `device`'s place.
    fn window(&self, faketime: u32, device: &str) -> String {
        let children = format!("/proc/{faketime}/task/{faketime}/children");
        let started = Instant::now();
        while started.elapsed() < PATIENCE {
            let app = std::fs::read_to_string(&children)
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse().ok());
            if let Some(w) = app.and_then(|pid| self.x.window_of(pid)) {
                let (_, (x, y)) = PLACES.iter().find(|(d, _)| *d == device).unwrap();
                self.x.move_to(&w, *x, *y);
                return w;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{device} opened no window");
    }

    /// Keeps `shot` as `name`.png in the docs' folder, when the pictures are for the docs.
    fn keep(&self, shot: &Shot, name: &str) {
        if for_docs() {
            shot.save(&self.dir.join(format!("{name}.png")));
        }
    }

    /// Fails the test, saving `shots` where they can be looked at and saying where.
    fn fail(&self, what: &str, shots: &[&Shot]) -> ! {
        let dir = std::env::temp_dir().join("hallq-live-screens-failed");
        let _ = std::fs::create_dir_all(&dir);
        for (i, s) in shots.iter().enumerate() {
            s.save(&dir.join(format!("{i}.png")));
        }
        panic!("{what} (pictures in {})", dir.display());
    }

    /// Looks at `window` until `pick` accepts what it shows, and returns that look.
    fn until(&self, window: &str, what: &str, pick: impl Fn(&Shot) -> bool) -> Shot {
        let started = Instant::now();
        loop {
            let s = self.x.look(window);
            if pick(&s) {
                return s;
            }
            if started.elapsed() > PATIENCE {
                self.fail(&format!("{what}: not shown"), &[&s]);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Looks at `window` until `rect` (but for `moving`, which may tick) has stayed the same for
    /// [`STILL`]: the app has drawn all it was sent.
    fn still(&self, window: &str, rect: Rect, moving: &[Rect]) -> Shot {
        let changed = |a: &Shot, b: &Shot| {
            a.differing(b, rect) > moving.iter().map(|m| a.differing(b, *m)).sum::<usize>()
        };
        let started = Instant::now();
        let mut last = self.x.look(window);
        let mut since = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(150));
            let now = self.x.look(window);
            if started.elapsed() > PATIENCE {
                self.fail("the window never stopped changing", &[&last, &now]);
            }
            if changed(&last, &now) {
                (last, since) = (now, Instant::now());
            } else if since.elapsed() >= STILL {
                return now;
            }
        }
    }

    /// `window` once it shows what `pick` accepts and has drawn everything with it.
    fn settled(&self, window: &str, what: &str, pick: impl Fn(&Shot) -> bool) -> Shot {
        let first = self.until(window, what, &pick);
        let s = self.still(window, first.all(), &[]);
        if !pick(&s) {
            self.fail(&format!("{what}: shown, then gone"), &[&s]);
        }
        s
    }

    /// The counter terminal drawn, but for its timers.
    fn counter_still(&self, window: &str) -> Shot {
        self.still(window, Rect(0, 0, 1920, 1080), &[TIMER, PAUSED])
    }

    /// The counter terminal in Chinese, then in English (its header's switch), then back; both
    /// kept as `counter-{name}-{zh,en}`. The two must differ and both hold a screen's text.
    fn counter_pair(&mut self, window: &str, name: &str) -> [Shot; 2] {
        let zh = self.counter_still(window);
        // The app starts in Chinese: the first look is the Chinese switch.
        let label = self.zh_label.get_or_insert_with(|| zh.crop(LABEL)).clone();
        if differing_bytes(&zh.crop(LABEL), &label) > 100 {
            self.fail(&format!("counter {name}: not in Chinese"), &[&zh]);
        }
        let en = self.switch_language(window, &zh, true);
        let back = self.switch_language(window, &en, false);
        for (a, b, what) in [
            (&zh, &en, "the English screen looks like the Chinese one"),
            (&en, &back, "the switch back to Chinese did not take"),
        ] {
            if a.differing(b, BODY) <= 2_000 {
                self.fail(&format!("counter {name}: {what}"), &[a, b]);
            }
        }
        for s in [&zh, &en] {
            if s.inked(BODY) <= 8_000 {
                self.fail(&format!("counter {name} is nearly blank"), &[s]);
            }
        }
        self.keep(&zh, &format!("counter-{name}-zh"));
        self.keep(&en, &format!("counter-{name}-en"));
        [zh, en]
    }

    /// Clicks the counter terminal's language switch and returns the window once its switch
    /// reads the other language (set at the app's tick with every value it fills in) and it has
    /// drawn everything. The click is repeated only when the screen proves it was lost: nothing
    /// below the header changed for [`LOST`] (the words change as soon as the app handles a
    /// click). A click taken late is never doubled, which would switch back.
    fn switch_language(&self, window: &str, before: &Shot, english: bool) -> Shot {
        let zh_label = self.zh_label.as_ref().unwrap();
        let shows = |s: &Shot| (differing_bytes(&s.crop(LABEL), zh_label) > 100) == english;
        for _ in 0..3 {
            self.x.click(window, LANGUAGE.0, LANGUAGE.1);
            let clicked = Instant::now();
            loop {
                let s = self.x.look(window);
                if shows(&s) {
                    let s = self.counter_still(window);
                    if !shows(&s) {
                        self.fail("the language switched back by itself", &[before, &s]);
                    }
                    return s;
                }
                let taken = before.differing(&s, BODY) > 2_000;
                if !taken && clicked.elapsed() > LOST {
                    break;
                }
                if clicked.elapsed() > PATIENCE {
                    self.fail(
                        "the words changed, the language switch did not",
                        &[before, &s],
                    );
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        self.fail("three clicks on the language switch were lost", &[before]);
    }
}

/// How many pixels of two crops of one rectangle differ.
fn differing_bytes(a: &[u8], b: &[u8]) -> usize {
    a.chunks_exact(3)
        .zip(b.chunks_exact(3))
        .filter(|(p, q)| p != q)
        .count()
        + a.len().abs_diff(b.len()) / 3
}

/// Waits (bounded) until counter `n`'s state at the hub satisfies `pick`.
async fn until_counter(
    watch: &DeviceClient,
    n: u16,
    what: &str,
    pick: impl Fn(&CounterState) -> bool,
) {
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        if watch.latest().counters.get(&n).is_some_and(&pick) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "counter {n}: no {what}: {:?}",
        watch.latest().counters.get(&n)
    );
}

/// The lit red of the display's marquee (an announcement).
const MARQUEE: [u8; 3] = [0xc8, 0x1e, 0x1e];
/// The lit amber of a call that just came (the display's new call).
const FRESH: [u8; 3] = [0xff, 0xd2, 0x4a];

/// The LED strip's lit dots.
fn lit(s: &Shot) -> usize {
    s.rgb
        .chunks_exact(3)
        .filter(|p| p[0] > 0xe0 && p[1] < 0x80 && p[2] < 0x60)
        .count()
}

/// The example hall's hub on its test clock from 10:12, through which a morning's tickets were
/// taken (counters 2–4 open with a clerk each, people waiting for every business type, the first
/// three called), watched by the test, with the apps' X server beside it.
///
/// Its fields end in their order: the apps first, the hub before its data directory, the
/// runtime the clients run in last.
struct Morning {
    apps: Apps,
    /// The devices of the morning, kept connected: counters 2 to 4, then the kiosk.
    devices: Vec<(DeviceClient, tokio::task::JoinHandle<()>)>,
    watch: DeviceClient,
    /// Taken when the test kills it.
    hub: Option<HubProcess>,
    hall: Hall,
    rt: tokio::runtime::Runtime,
}

impl Morning {
    fn start() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = if for_docs() {
            xwin::root().join("docs/screenshots")
        } else {
            tmp.path().join("unused")
        };
        for app in ["hallq-counter", "hallq-display"] {
            app_bin(app); // built before the hub's clock starts
        }
        let hall = example_hall();
        let hub = hall.start_hub_with(&["--test-start", "10:12", "--test-speed", "1"]);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let connect = |id: &str| {
            let _in_runtime = rt.enter();
            let (client, task) = DeviceClient::connect(&hall.client_config(id));
            rt.block_on(hallq_tests::wait_hub_online(&client));
            (client, task)
        };
        let (watch, _) = connect("display-watch");
        let hub_ms = rt.block_on(hallq_tests::wait_latest(&watch, |l| {
            l.board.as_ref().map(|b| b.at_ms)
        }));
        #[allow(
            clippy::disallowed_methods,
            reason = "the apps' clocks are set to the hub's test clock: its offset from the real one"
        )]
        let real_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let offset = (hub_ms.0 - real_ms) / 1000;

        let mut devices = vec![];
        for n in 2..=4 {
            let (counter, task) = connect(&format!("counter-{n}"));
            let staff = StaffNo::new(format!("E100{n}")).unwrap();
            rt.block_on(send_ok(&counter, Command::SignIn { staff, pin: None }));
            devices.push((counter, task));
        }
        let (kiosk, kiosk_task) = connect("kiosk-2");
        for business in [
            "basic",
            "complex",
            "basic",
            "consult",
            "basic",
            "repair",
            "complex",
            "basic",
            "enterprise",
            "consult",
            "basic",
            "complex",
            "basic",
        ] {
            rt.block_on(send_ok(&kiosk, ticket(business)));
        }
        for (counter, _) in &devices {
            rt.block_on(send_ok(counter, Command::CallNext {}));
        }
        devices.push((kiosk, kiosk_task));
        // The tempdir is dropped here: only the docs' folder is ever written to.
        let apps = Apps {
            secrets: hall.secrets.clone(),
            x: Xvfb::start(SCREEN.0, SCREEN.1),
            broker: format!("127.0.0.1:{}", hall.port),
            offset: format!("{offset:+}"),
            children: Vec::new(),
            dir,
            zh_label: None,
        };
        Self {
            apps,
            devices,
            watch,
            hub: Some(hub),
            hall,
            rt,
        }
    }

    /// Starts the apps (`bin`, device, arguments) all at once, each window known by its process,
    /// not by the order they open in; returns their windows by device, each checked to be at
    /// its profile's size and apart from the others.
    fn open(&mut self, apps: &[(&str, &str, Vec<&str>)]) -> BTreeMap<String, String> {
        let started: Vec<(&str, u32)> = apps
            .iter()
            .map(|(bin, device, args)| (*device, self.apps.spawn(bin, device, args)))
            .collect();
        let windows: BTreeMap<String, String> = started
            .into_iter()
            .map(|(device, pid)| (device.to_owned(), self.apps.window(pid, device)))
            .collect();
        // Each at its profile's size (the pad and the strip at their windows' own), and none
        // over another: a look sees only its window, a click reaches it.
        for (device, window) in &windows {
            let size = match device.as_str() {
                "display-4k" => (3840, 2160),
                "greeter-1" => (720, 1440),
                "evaluator-1" | "led-1" | "led-1-en" => continue,
                _ => (1920, 1080),
            };
            assert_eq!(self.apps.x.size(window), size, "window of {device}");
        }
        apart(&self.apps.x, windows.values());
        windows
    }
}

/// The counter terminal worked by the clerk of counter 1 with its keys, the pad the customer
/// rates on, and the counter's LED strip (Chinese and English).
#[test]
fn the_counter_terminal_the_pad_and_the_led_strip_through_a_clerk_s_morning() {
    let mut m = Morning::start();
    let led = profile("led-strip-8");
    let led = led.to_str().unwrap();
    let windows = m.open(&[
        (
            "hallq-display",
            "led-1",
            vec!["--led", "1", "--profile", led],
        ),
        (
            "hallq-display",
            "led-1-en",
            vec!["--led", "1", "--lang", "en", "--profile", led],
        ),
        ("hallq-counter", "counter-1", vec!["--counter", "1"]),
        (
            "hallq-counter",
            "evaluator-1",
            vec!["--evaluator", "--counter", "1"],
        ),
    ]);
    let (led_zh, led_en, counter, pad) = (
        &windows["led-1"],
        &windows["led-1-en"],
        &windows["counter-1"],
        &windows["evaluator-1"],
    );
    let apps = &mut m.apps;

    // The clerk of counter 1 arrives: the sign-in form, then the staff number and Enter twice
    // (to the PIN, which the example's clerks have none of, and to sign in).
    apps.settled(counter, "the sign-in form", |s| s.inked(BODY) > 8_000);
    let [signed_out, _] = apps.counter_pair(counter, "signed-out");
    apps.x.click(counter, 960, 514);
    apps.x.type_text(counter, "E1001");
    apps.x.key(counter, "Return");
    apps.x.key(counter, "Return");
    m.rt.block_on(until_counter(&m.watch, 1, "clerk", |c| {
        c.staff.is_some() && c.open
    }));
    // The desk, not the form with the number typed in it.
    apps.until(counter, "the clerk signed in", |s| {
        s.differing(&signed_out, BODY) > 5_000
    });
    let [idle, _] = apps.counter_pair(counter, "idle");
    let pad_idle = apps.settled(pad, "the pad at rest", |s| s.inked(s.all()) > 5_000);
    apps.keep(&pad_idle, "evaluator-idle-zh");

    // F1: the clerk calls the next; the LED shows the number.
    apps.x.key(counter, "F1");
    m.rt.block_on(until_counter(&m.watch, 1, "call", |c| {
        matches!(c.activity, Activity::Calling(_))
    }));
    let led_calling = apps.until(led_zh, "the strip's dots lit", |s| lit(s) > 2_000);
    apps.keep(&led_calling, "led-calling-zh");
    apps.until(counter, "the call", |s| s.differing(&idle, BODY) > 5_000);
    let [calling, _] = apps.counter_pair(counter, "calling");

    // F5 at once: a no-show too early is refused, and the terminal says so.
    apps.x.key(counter, "F5");
    apps.until(counter, "the refusal", |s| {
        s.differing(&calling, BODY) > 1_000
    });
    apps.counter_pair(counter, "refused");

    // F3: the customer came; service starts.
    apps.x.key(counter, "F3");
    m.rt.block_on(until_counter(&m.watch, 1, "service", |c| {
        matches!(c.activity, Activity::Serving { .. })
    }));
    apps.until(counter, "the service", |s| {
        s.differing(&calling, BODY) > 5_000
    });
    apps.counter_pair(counter, "serving");

    // F4: done; the pad asks the customer, who touches a grade.
    apps.x.key(counter, "F4");
    m.rt.block_on(until_counter(&m.watch, 1, "rating prompt", |c| {
        c.awaiting_rating.is_some()
    }));
    let asking = apps.settled(pad, "the pad asking", |s| {
        s.differing(&pad_idle, s.all()) > 5_000
    });
    apps.keep(&asking, "evaluator-asking-zh");
    apps.x.click(pad, 330, 300);
    m.rt.block_on(until_counter(&m.watch, 1, "rating", |c| {
        c.awaiting_rating.is_none()
    }));
    // Thanks for 3 s, then the pad is at rest again: looked at, not waited still.
    let thanks = apps.until(pad, "the pad's thanks", |s| {
        s.differing(&asking, s.all()) > 5_000 && s.differing(&pad_idle, s.all()) > 5_000
    });
    apps.keep(&thanks, "evaluator-thanks-zh");

    // F7: a break.
    let done = apps.counter_still(counter);
    apps.x.key(counter, "F7");
    m.rt.block_on(until_counter(&m.watch, 1, "pause", |c| {
        matches!(c.activity, Activity::Paused { .. })
    }));
    apps.until(counter, "the break", |s| {
        s.differing(&done, BODY) > 2_000 && s.differing(&idle, BODY) > 2_000
    });
    let [paused, _] = apps.counter_pair(counter, "paused");
    for (window, name) in [(led_zh, "led-paused-zh"), (led_en, "led-paused-en")] {
        let s = apps.until(window, name, |s| {
            lit(s) > 2_000 && s.differing(&led_calling, s.all()) > 500
        });
        apps.keep(&s, name);
    }

    // The hub goes away: the terminal is offline. Only in Chinese: with the hub away the
    // terminal ignores its language switch (three clicks in a row did nothing), so
    // counter-offline-en stays the sample-data picture.
    m.hub.take().unwrap().kill9();
    let offline = apps.settled(counter, "the terminal offline", |s| {
        s.differing(&paused, s.all()) > 500
    });
    apps.keep(&offline, "counter-offline-zh");
}

/// The wall displays (1080p in Chinese and in English, 4K), the greeter's handheld and the
/// supervisor's console through the morning: the board, a new call, an announcement, the hub
/// gone.
#[test]
fn the_wall_displays_the_greeter_and_the_console_show_the_morning() {
    let mut m = Morning::start();
    let display_1080 = profile("display-1080p");
    let display_4k = profile("display-4k");
    let (display_1080, display_4k) = (display_1080.to_str().unwrap(), display_4k.to_str().unwrap());
    let windows = m.open(&[
        (
            "hallq-display",
            "display-main",
            vec!["--voice", "none", "--profile", display_1080],
        ),
        (
            "hallq-display",
            "display-en",
            vec!["--voice", "none", "--lang", "en", "--profile", display_1080],
        ),
        (
            "hallq-display",
            "display-4k",
            vec!["--voice", "none", "--profile", display_4k],
        ),
        ("hallq-counter", "greeter-1", vec!["--greeter"]),
        ("hallq-counter", "supervisor-1", vec!["--supervisor"]),
        (
            "hallq-counter",
            "supervisor-en",
            vec!["--supervisor", "--lang", "en"],
        ),
    ]);
    let (display, display_en, display_4k, greeter, console, console_en) = (
        &windows["display-main"],
        &windows["display-en"],
        &windows["display-4k"],
        &windows["greeter-1"],
        &windows["supervisor-1"],
        &windows["supervisor-en"],
    );
    let apps = &m.apps;

    // The floor as the greeter and the supervisor see it.
    let greeter_zh = apps.settled(greeter, "the greeter's floor", |s| {
        s.inked(s.all()) > 50_000
    });
    apps.keep(&greeter_zh, "greeter-zh");
    // A consultation left open at the door and a complaint at counter 2: the greeter lists the
    // call-back owed between visitors, the console both.
    let (door, _door_task) = {
        let _in_runtime = m.rt.enter();
        DeviceClient::connect(&m.hall.client_config("greeter-2"))
    };
    m.rt.block_on(hallq_tests::wait_hub_online(&door));
    m.rt.block_on(send_ok(
        &door,
        Command::Consultation(hallq_proto::command::Touch {
            business: Some(hallq_proto::BusinessCode::new("complex").unwrap()),
            resolved: Some(false),
            ..Default::default()
        }),
    ));
    m.rt.block_on(send_ok(
        &m.devices[0].0,
        Command::ComplaintOpen {
            category: hallq_proto::ComplaintCategory::General,
            summary: "话费扣费有疑问".into(),
            visit: None,
            ticket: None,
            business: None,
            responsibility: None,
            contact: None,
        },
    ));
    let between = apps.settled(greeter, "the call-back owed on the greeter", |s| {
        s.differing(&greeter_zh, s.all()) > 5_000
    });
    apps.keep(&between, "greeter-between-visitors-zh");
    let console_zh = apps.settled(console, "the supervisor's console", |s| {
        s.inked(Rect(0, 110, 1920, 970)) > 20_000
    });
    apps.keep(&console_zh, "supervisor-zh");
    let console_en = apps.settled(console_en, "the supervisor's console in English", |s| {
        s.inked(Rect(0, 110, 1920, 970)) > 20_000 && s.differing(&console_zh, s.all()) > 20_000
    });
    apps.keep(&console_en, "supervisor-en");
    let board = apps.settled(display, "the board", |s| s.inked(s.all()) > 50_000);
    apps.keep(&board, "display-board-zh");
    let board_en = apps.settled(display_en, "the English board", |s| {
        s.differing(&board, s.all()) > 5_000
    });
    apps.keep(&board_en, "display-board-en");

    // The clerk of counter 1 signs in and calls the next: the display shows the call
    // standing out.
    let (counter, _task) = {
        let _in_runtime = m.rt.enter();
        DeviceClient::connect(&m.hall.client_config("counter-1"))
    };
    m.rt.block_on(hallq_tests::wait_hub_online(&counter));
    let staff = StaffNo::new("E1001").unwrap();
    m.rt.block_on(send_ok(&counter, Command::SignIn { staff, pin: None }));
    m.rt.block_on(send_ok(&counter, Command::CallNext {}));
    for (window, name) in [
        (display, "display-new-call-zh"),
        (display_en, "display-new-call-en"),
    ] {
        // A new call stands out in amber.
        let s = apps.until(window, name, |s| s.count(s.all(), FRESH) > 20_000);
        apps.keep(&s, name);
    }

    // The supervisor posts an announcement: red over the bottom of every display.
    let (supervisor, _task2) = {
        let _in_runtime = m.rt.enter();
        DeviceClient::connect(&m.hall.client_config("supervisor-2"))
    };
    m.rt.block_on(hallq_tests::wait_hub_online(&supervisor));
    m.rt.block_on(send_ok(
        &supervisor,
        Command::AnnouncementPost {
            announcement: None,
            text: LocalText::new(
                "今日 14:00–15:00 系统升级，宽带业务暂停办理",
                "Broadband services pause 14:00–15:00 today for a system upgrade",
            ),
            starts_at_ms: None,
            ends_at_ms: None,
            where_to_ask: Some(LocalText::new("咨询台", "the information desk")),
        },
    ));
    for (window, name, height) in [
        (display, "display-announcement-zh", 1080),
        (display_en, "display-announcement-en", 1080),
        (display_4k, "display-4k-announcement-zh", 2160),
    ] {
        // The marquee reaches the bottom.
        let s = apps.until(window, name, |s| s.at(s.width / 2, height - 4) == MARQUEE);
        apps.keep(&s, name);
    }

    // The hub goes away: the display says so.
    m.hub.take().unwrap().kill9();
    // The away card's red above its title: the scrolling marquee and a new minute alone change
    // more than 50,000 pixels of the board (a picture of the live board was once kept as this).
    let away_card = |s: &Shot| s.at(s.width / 2, s.height * 290 / 1080) == MARQUEE;
    let away = apps.until(display, "the hub away", |s| {
        s.differing(&board, s.all()) > 50_000 && away_card(s)
    });
    apps.keep(&away, "display-hub-away-zh");
    let away_en = apps.until(display_en, "the hub away in English", |s| {
        s.differing(&board_en, s.all()) > 50_000
            && s.differing(&away, s.all()) > 5_000
            && away_card(s)
    });
    apps.keep(&away_en, "display-hub-away-en");
}

/// Asserts that no two of `windows` overlap and that each is on the screen.
fn apart<'a>(x: &Xvfb, windows: impl Iterator<Item = &'a String>) {
    let rects: Vec<(i64, i64, i64, i64)> = windows
        .map(|w| {
            let out = x.run("xdotool", &["getwindowgeometry", "--shell", w]);
            let field = |name: &str| -> i64 {
                out.lines()
                    .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
                    .and_then(|v| v.parse().ok())
                    .unwrap()
            };
            (field("X"), field("Y"), field("WIDTH"), field("HEIGHT"))
        })
        .collect();
    for (i, a) in rects.iter().enumerate() {
        assert!(
            a.0 + a.2 <= i64::from(SCREEN.0) && a.1 + a.3 <= i64::from(SCREEN.1),
            "{a:?} is off the screen"
        );
        for b in &rects[i + 1..] {
            let overlap = a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3;
            assert!(!overlap, "windows {a:?} and {b:?} overlap");
        }
    }
}
