//! The apps as a hall sees them on an X server: the real `hallq-counter` and `hallq-display`
//! binaries under Xvfb (winit on X11, Slint's software renderer), connected to a real hub. What
//! the window shows after the clock moves on and the language is switched must be what a full
//! redraw of the same window shows: the field test found the header clock minutes behind and
//! half the labels still in Chinese until the window was resized.
//!
//! Each app starts under libfaketime a few seconds before a minute turns, so its clock changes
//! while the test watches. The window is grabbed with ImageMagick's `import`; the full redraw is
//! forced by resizing the window and back (a new buffer repaints everything).
//!
//! Needs Xvfb, xdotool, ImageMagick and faketime (`./dev setup` installs them).

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use hallq_tests::{BrokerKind, Hall};

/// The binary `bin` of package `package`, built with this test's profile if needed.
fn app_bin(package: &str, bin: &str) -> PathBuf {
    static LOCK: OnceLock<std::sync::Mutex<()>> = OnceLock::new();
    let _one_at_a_time = LOCK.get_or_init(Default::default).lock().unwrap();
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap().to_owned();
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", package, "--bin", bin]);
    if release {
        build.arg("--release");
    }
    assert!(build.status().unwrap().success(), "building {bin} failed");
    profile_dir.join(bin)
}

/// An X server of its own (Xvfb picks a free display number), ended with the test.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start(width: u32, height: u32) -> Self {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0"])
            .arg(format!("{width}x{height}x24"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb runs (apt-get install xvfb)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let n: u32 = line.trim().parse().expect("Xvfb names its display");
        Self {
            child,
            display: format!(":{n}"),
        }
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("DISPLAY", &self.display);
        c
    }

    /// Runs `program args` on this display and returns its standard output.
    fn run(&self, program: &str, args: &[&str]) -> String {
        let out = self.command(program).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The id of the window titled `title`, once it is mapped.
    fn window(&self, title: &str) -> String {
        let out = self.run(
            "timeout",
            &[
                "60",
                "xdotool",
                "search",
                "--sync",
                "--onlyvisible",
                "--name",
                title,
            ],
        );
        out.lines().next().unwrap().to_owned()
    }

    /// The window's pixels as RGB rows.
    fn grab(&self, window: &str, dir: &Path, name: &str) -> Shot {
        let path = dir.join(format!("{name}.png"));
        self.run(
            "import",
            &["-window", window, &format!("png24:{}", path.display())],
        );
        Shot::read(&path)
    }

    /// Resizes the window by a pixel and back: a new buffer, painted in full.
    fn full_redraw(&self, window: &str, width: u32, height: u32) {
        for h in [height - 1, height] {
            self.run(
                "xdotool",
                &[
                    "windowsize",
                    "--sync",
                    window,
                    &width.to_string(),
                    &h.to_string(),
                ],
            );
            std::thread::sleep(Duration::from_millis(1500));
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A grabbed window.
struct Shot {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
    path: PathBuf,
}

impl Shot {
    fn read(path: &Path) -> Self {
        let decoder = png::Decoder::new(BufReader::new(std::fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let channels = info.color_type.samples();
        let rgb = buf[..info.buffer_size()]
            .chunks_exact(channels)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        Self {
            width: info.width as usize,
            height: info.height as usize,
            rgb,
            path: path.to_owned(),
        }
    }

    /// How many pixels of the rows `rows` differ from `other`'s.
    fn differing(&self, other: &Shot, rows: std::ops::Range<usize>) -> usize {
        assert_eq!((self.width, self.height), (other.width, other.height));
        fn span<'a>(s: &'a Shot, rows: &std::ops::Range<usize>) -> &'a [u8] {
            &s.rgb[rows.start * s.width * 3..rows.end.min(s.height) * s.width * 3]
        }
        span(self, &rows)
            .chunks_exact(3)
            .zip(span(other, &rows).chunks_exact(3))
            .filter(|(a, b)| a != b)
            .count()
    }
}

/// An app started under libfaketime at `hh:mm:ss` hall time (UTC+8) today, its clock running.
fn start_app(x: &Xvfb, bin: &Path, args: &[&str], secret: &str, at: &str) -> Child {
    x.command("faketime")
        .args(["-f", &format!("@2026-12-07 {at}")])
        .arg(bin)
        .args(args)
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .env("HALLQ_DEVICE_SECRET", secret)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("faketime runs (apt-get install faketime)")
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until `seconds` have passed since `since` (the app's clock turning a minute).
fn wait_past(since: Instant, seconds: u64) {
    let left = Duration::from_secs(seconds).saturating_sub(since.elapsed());
    std::thread::sleep(left);
}

#[test]
fn the_counter_repaints_its_clock_and_every_label_when_the_language_changes() {
    let hall = Hall::new(BrokerKind::Embedded);
    let _hub = hall.start_hub();
    let bin = app_bin("hallq-counter", "hallq-counter");
    let x = Xvfb::start(1920, 1080);
    let dir = tempfile::tempdir().unwrap();
    let port = hall.port.to_string();
    let hall_id = hall.hall.to_string();
    // 02:59:50 UTC is 10:59:50 in the hall: the header turns to 11:00 ten seconds in.
    let started = Instant::now();
    let _app = Killed(start_app(
        &x,
        &bin,
        &[
            "--broker",
            &format!("127.0.0.1:{port}"),
            "--hall",
            &hall_id,
            "--device",
            "counter-3",
            "--counter",
            "3",
        ],
        &hall.secrets["counter-3"],
        "02:59:48",
    ));
    let window = x.window("^hallq counter$");
    std::thread::sleep(Duration::from_secs(3));
    // The clerk signs in (the form is centred: the staff number field, then the button).
    x.run(
        "xdotool",
        &["mousemove", "--window", &window, "960", "514", "click", "1"],
    );
    x.run("xdotool", &["type", "--window", &window, "E1003"]);
    x.run(
        "xdotool",
        &["mousemove", "--window", &window, "960", "803", "click", "1"],
    );
    std::thread::sleep(Duration::from_secs(3));
    let before = x.grab(&window, dir.path(), "before");
    // The minute turns; then the clerk switches to English (the header's button, top right).
    wait_past(started, 16);
    x.run(
        "xdotool",
        &["mousemove", "--window", &window, "1790", "55", "click", "1"],
    );
    std::thread::sleep(Duration::from_secs(3));
    let shown = x.grab(&window, dir.path(), "shown");
    x.full_redraw(&window, 1920, 1080);
    let redrawn = x.grab(&window, dir.path(), "redrawn");

    assert!(
        redrawn.differing(&before, 0..110) > 0,
        "the clock did not move on in a full redraw either: {}",
        redrawn.path.display()
    );
    assert!(
        redrawn.differing(&before, 110..1080) > 0,
        "the language did not change in a full redraw either: {}",
        redrawn.path.display()
    );
    let stale = shown.differing(&redrawn, 0..1080);
    if stale > 0 {
        let keep = std::env::temp_dir().join("hallq-redraw-counter");
        let _ = std::fs::create_dir_all(&keep);
        for s in [&before, &shown, &redrawn] {
            let _ = std::fs::copy(&s.path, keep.join(s.path.file_name().unwrap()));
        }
        panic!(
            "{stale} pixels of the window differ from its full redraw (kept in {})",
            keep.display()
        );
    }
}

#[test]
fn the_wall_display_repaints_its_clock() {
    let hall = Hall::new(BrokerKind::Embedded);
    let _hub = hall.start_hub();
    let bin = app_bin("hallq-display", "hallq-display");
    let x = Xvfb::start(1920, 1080);
    let dir = tempfile::tempdir().unwrap();
    let profile =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware-profiles/display-1080p.toml");
    let started = Instant::now();
    let _app = Killed(start_app(
        &x,
        &bin,
        &[
            "--broker",
            &format!("127.0.0.1:{}", hall.port),
            "--hall",
            hall.hall.as_str(),
            "--device",
            "display-main",
            "--voice",
            "none",
            "--profile",
            profile.to_str().unwrap(),
        ],
        &hall.secrets["display-main"],
        "02:59:50",
    ));
    let window = x.window("^hallq wall display$");
    std::thread::sleep(Duration::from_secs(4));
    let before = x.grab(&window, dir.path(), "before");
    wait_past(started, 16);
    let shown = x.grab(&window, dir.path(), "shown");
    x.full_redraw(&window, 1920, 1080);
    let redrawn = x.grab(&window, dir.path(), "redrawn");

    assert!(
        redrawn.differing(&before, 0..1080) > 0,
        "the clock did not move on in a full redraw either: {}",
        redrawn.path.display()
    );
    let stale = shown.differing(&redrawn, 0..1080);
    if stale > 0 {
        let keep = std::env::temp_dir().join("hallq-redraw-display");
        let _ = std::fs::create_dir_all(&keep);
        for s in [&before, &shown, &redrawn] {
            let _ = std::fs::copy(&s.path, keep.join(s.path.file_name().unwrap()));
        }
        panic!(
            "{stale} pixels of the window differ from its full redraw (kept in {})",
            keep.display()
        );
    }
}
