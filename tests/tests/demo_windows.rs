//! The demo's windows as a newcomer sees them on one screen (issue 13 §1.12): the wall display,
//! the kiosk and the counter terminal side by side, each its profile's shape, none over another,
//! all within the screen, and staying so once the hall is busy. The wall display's window used
//! to open at 1921×1081 over the others with its board drawn small in a corner, and to grow
//! further as the board came (Slint's SLINT_SCALE_FACTOR under X11, which the demo used to
//! shrink the windows; the apps now lay their design out at `--window-size`).
//!
//! Needs Xvfb and xdotool (`./dev setup` installs them).

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod xwin;

use std::process::Stdio;
use std::time::Duration;

use hallq_tests::hallq_bin;
use xwin::{Killed, Xvfb, app_bin};

/// A window's place on the screen: left, top, width, height.
fn geometry(x: &Xvfb, window: &str) -> (i64, i64, i64, i64) {
    let out = x.run("xdotool", &["getwindowgeometry", "--shell", window]);
    let field = |name: &str| -> i64 {
        out.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {out}"))
    };
    (field("X"), field("Y"), field("WIDTH"), field("HEIGHT"))
}

#[test]
fn the_demo_s_windows_stand_side_by_side_on_one_screen_and_keep_their_size() {
    // The apps beside the hallq binary, where the demo looks for them.
    let _ = app_bin("hallq-display");
    let x = Xvfb::start(1920, 1080);
    let dir = tempfile::tempdir().unwrap();
    let _demo = Killed(
        x.command(hallq_bin().to_str().unwrap())
            .args(["demo", "--speed", "60", "--port", "0", "--data-dir"])
            .arg(dir.path().join("demo"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let apps = [
        ("^hallq wall display$", 16.0 / 9.0),
        ("^hallq kiosk$", 9.0 / 16.0),
        ("^hallq counter$", 16.0 / 9.0),
    ];
    let windows: Vec<String> = apps.iter().map(|(title, _)| x.window(title)).collect();
    // Looked at twice: once the windows are up, and after the busy morning has filled the
    // board for a while (the display's window grew as the board came).
    for look in 0..2 {
        std::thread::sleep(Duration::from_secs(if look == 0 { 5 } else { 20 }));
        let places: Vec<_> = windows.iter().map(|w| geometry(&x, w)).collect();
        for ((title, shape), &(left, top, width, height)) in apps.iter().zip(&places) {
            assert!(
                left >= 0 && top >= 0 && left + width <= 1920 && top + height <= 1080,
                "{title} at {left},{top} {width}×{height} is not within the 1920×1080 screen"
            );
            let ratio = width as f64 / height as f64;
            assert!(
                (ratio / shape - 1.0).abs() < 0.02,
                "{title} is {width}×{height}, not its profile's shape"
            );
        }
        for (i, a) in places.iter().enumerate() {
            for (j, b) in places.iter().enumerate().skip(i + 1) {
                let apart =
                    a.0 + a.2 <= b.0 || b.0 + b.2 <= a.0 || a.1 + a.3 <= b.1 || b.1 + b.3 <= a.1;
                assert!(apart, "{} {a:?} and {} {b:?} overlap", apps[i].0, apps[j].0);
            }
        }
    }
}
