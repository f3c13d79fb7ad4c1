//! The apps show the hub's time, not their computer's (issue 13 §1.12): the demo's windows
//! showed the wall clock while the simulated hall was at another time.
//!
//! The hub runs in this process on hallq-sim's clock, as `hallq demo` runs it: the example hall
//! at ×60, five hours ahead of the wall. The real `hallq-display` and `hallq-kiosk` binaries run
//! under Xvfb against it. Their headers must move on at the hub's pace; then the test jumps the
//! hub's clock three hours ahead and stops it there, at a time `T` whose minute is not the
//! wall's. What "shows `T`" looks like is taken from the same app started under libfaketime at
//! `T`'s minute: it shows `T` whether it follows the hub or reads its own clock. The app that
//! runs on the machine's clock must show exactly the same header.
//!
//! Needs Xvfb, xdotool, ImageMagick and faketime (`./dev setup` installs them).

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod xwin;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use hallq_hub::config::Role;
use hallq_hub::{Clock as _, HallConfig, SystemClock};
use hallq_proto::{DeviceId, Timestamp, time};
use hallq_sim::{Prepared, SimHall};
use xwin::{Killed, Rect, Shot, Xvfb, app_bin, profile};

/// The hall's offset from UTC (deploy/hall.example.toml).
const OFFSET_MIN: i32 = 480;

/// The example hall's hub on hallq-sim's clock, with the apps' devices set aside.
struct SimulatedHall {
    /// Dropped first: the hub and its broker stop with it.
    _runtime: tokio::runtime::Runtime,
    hall: SimHall,
    secrets: BTreeMap<String, String>,
    _dir: tempfile::TempDir,
}

impl SimulatedHall {
    /// The hub at `speed`, its clock starting at `start`, and a second wall display
    /// `display-ref` registered beside `display-main`.
    fn start(speed: f64, start: Timestamp) -> Self {
        let path = xwin::root().join("deploy/hall.example.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut config = HallConfig::parse_file(&text, &path).unwrap();
        let mut display = config
            .devices
            .iter()
            .find(|d| d.role == Role::Display)
            .unwrap()
            .clone();
        display.id = DeviceId::new("display-ref").unwrap();
        config.devices.push(display);
        let dir = tempfile::tempdir().unwrap();
        let mut prepared = Prepared::new(config, &dir.path().join("data"), 0).unwrap();
        let mut secrets = BTreeMap::new();
        for id in ["display-main", "display-ref", "kiosk-1", "kiosk-2"] {
            let device = DeviceId::new(id).unwrap();
            secrets.insert(id.to_owned(), prepared.secret(&device).unwrap().to_owned());
            prepared.set_aside(device);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let hall = runtime
            .block_on(SimHall::start(prepared, speed, start))
            .unwrap();
        Self {
            _runtime: runtime,
            hall,
            secrets,
            _dir: dir,
        }
    }
}

/// One app of the test: which binary, its device, and where its header is.
struct App {
    bin: &'static str,
    device: &'static str,
    args: Vec<String>,
    title: &'static str,
    position: (u32, u32),
    /// The header's share of the window's height: its design height over the design's.
    header: (u32, u32),
}

impl App {
    /// Starts the app on `x`, its clock faked to start at `fake` (`YYYY-MM-DD HH:MM:SS`, UTC)
    /// if given, and returns it with its window (not one of `taken`).
    fn start(
        &self,
        x: &Xvfb,
        hall: &SimulatedHall,
        fake: Option<&str>,
        taken: &[String],
        logs: &Path,
    ) -> (Killed, String) {
        let log = std::fs::File::create(logs.join(format!("{}.log", self.device))).unwrap();
        let mut command = match fake {
            Some(at) => {
                let mut c = x.command("faketime");
                c.args(["-f", &format!("@{at}")]).arg(app_bin(self.bin));
                c
            }
            None => x.command(app_bin(self.bin).to_str().unwrap()),
        };
        let (px, py) = self.position;
        let child: Child = command
            .args([
                "--broker",
                &format!("127.0.0.1:{}", hall.hall.addr().port()),
                "--hall",
                "demo",
                "--device",
                self.device,
                "--window-position",
                &format!("{px},{py}"),
            ])
            .args(&self.args)
            .env("TZ", "UTC")
            .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
            .env("HALLQ_DEVICE_SECRET", &hall.secrets[self.device])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the app (or faketime: apt-get install faketime) runs");
        let child = Killed(child);
        let window = window_besides(x, self.title, taken).unwrap_or_else(|| {
            let log = std::fs::read_to_string(logs.join(format!("{}.log", self.device)));
            panic!("no window of {} (its log: {log:?})", self.device)
        });
        (child, window)
    }

    /// The header of a grab of this app's window.
    fn header(&self, shot: &Shot) -> Rect {
        let (part, of) = self.header;
        Rect(0, 0, shot.width, shot.height * part as usize / of as usize)
    }
}

/// The window titled `title` that is none of `taken`, once it is mapped (`None` after two minutes: a machine busy elsewhere is slow to start it).
fn window_besides(x: &Xvfb, title: &str, taken: &[String]) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let out = x
            .command("xdotool")
            .args(["search", "--onlyvisible", "--name", title])
            .output()
            .unwrap();
        let found = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .find(|w| !taken.contains(w));
        if found.is_some() || Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Keeps the pictures of a failure where they can be looked at, and says where.
fn keep(shots: &[&Shot]) -> String {
    let dir = std::env::temp_dir().join("hallq-hub-clock");
    let _ = std::fs::create_dir_all(&dir);
    for s in shots {
        let _ = std::fs::copy(&s.path, dir.join(s.path.file_name().unwrap()));
    }
    dir.display().to_string()
}

fn grab(x: &Xvfb, window: &str, dir: &Path, name: &str) -> Shot {
    x.grab(window, &dir.join(format!("{name}.png")))
}

#[test]
fn the_display_and_the_kiosk_show_the_hubs_simulated_time_not_the_walls() {
    const HOUR: i64 = 3_600_000;
    let wall = SystemClock.now();
    let hall = SimulatedHall::start(60.0, Timestamp(wall.0 + 5 * HOUR));
    let x = Xvfb::start(2300, 1600);
    let dir = tempfile::tempdir().unwrap();
    let display = |device, position| App {
        bin: "hallq-display",
        device,
        args: vec![
            "--voice".into(),
            "none".into(),
            "--profile".into(),
            profile("display-1080p").display().to_string(),
            "--window-size".into(),
            "960x540".into(),
        ],
        title: "^hallq wall display$",
        position,
        header: (128, 1080),
    };
    let kiosk = |device, position| App {
        bin: "hallq-kiosk",
        device,
        args: vec![
            "--profile".into(),
            profile("kiosk-portrait-80mm").display().to_string(),
            "--printer".into(),
            format!(
                "file:{}",
                dir.path().join(format!("{device}.escpos")).display()
            ),
            "--window-size".into(),
            "540x960".into(),
        ],
        title: "^hallq kiosk$",
        position,
        header: (160, 1920),
    };
    let apps = [display("display-main", (0, 0)), kiosk("kiosk-1", (0, 560))];
    let refs = [
        display("display-ref", (1000, 0)),
        kiosk("kiosk-2", (600, 560)),
    ];
    let mut running = Vec::new();
    let mut windows = Vec::new();
    for app in &apps {
        let (child, window) = app.start(&x, &hall, None, &windows, dir.path());
        running.push(child);
        windows.push(window);
    }
    std::thread::sleep(Duration::from_secs(3));

    // At ×60 a header shows another minute every real second: 2.5 s later it has moved on.
    for (app, window) in apps.iter().zip(&windows) {
        let first = grab(&x, window, dir.path(), &format!("{}-first", app.device));
        std::thread::sleep(Duration::from_millis(2_500));
        let later = grab(&x, window, dir.path(), &format!("{}-later", app.device));
        assert!(
            later.differing(&first, app.header(&first)) > 0,
            "{}'s clock did not run on at the hub's pace (kept in {})",
            app.device,
            keep(&[&first, &later])
        );
    }

    // The simulator jumps three hours ahead and stops: the hub says so, the apps follow.
    let clock = hall.hall.clock();
    clock.jump_to(Timestamp(clock.now().0 + 3 * HOUR));
    clock.freeze();
    let t = clock.now();
    assert_ne!(
        time::hhmm(t, OFFSET_MIN),
        time::hhmm(SystemClock.now(), OFFSET_MIN),
        "the test cannot tell the hub's minute from the wall's"
    );
    // The references start at T's minute (UTC), a second in: their own clocks show T's minute
    // for the next 59 s, as following the hub would.
    let minute = Timestamp(t.0 - t.0.rem_euclid(60_000) + 1_000);
    let (day, hhmm) = time::local(minute, 0);
    let fake = format!(
        "{}-{:02}-{:02} {:02}:{:02}:01",
        day.0 / 10_000,
        day.0 / 100 % 100,
        day.0 % 100,
        hhmm / 60,
        hhmm % 60
    );
    let started = Instant::now();
    let mut ref_windows = Vec::new();
    for app in &refs {
        let (child, window) = app.start(&x, &hall, Some(&fake), &windows, dir.path());
        running.push(child);
        windows.push(window.clone());
        ref_windows.push(window);
    }
    std::thread::sleep(Duration::from_secs(3));
    for ((app, window), (reference, ref_window)) in
        apps.iter().zip(&windows).zip(refs.iter().zip(&ref_windows))
    {
        let shown = grab(&x, window, dir.path(), app.device);
        let expected = grab(&x, ref_window, dir.path(), reference.device);
        assert!(
            started.elapsed() < Duration::from_secs(50),
            "the references' own minute may have turned: the machine was too slow"
        );
        let header = app.header(&shown);
        assert_eq!(
            shown.differing(&expected, header),
            0,
            "{}'s header is not that of the hub's time {} (kept in {})",
            app.device,
            time::hhmm(t, OFFSET_MIN),
            keep(&[&shown, &expected])
        );
        assert!(
            shown.inked(header) > 0,
            "{}'s header shows nothing",
            app.device
        );
    }
}
