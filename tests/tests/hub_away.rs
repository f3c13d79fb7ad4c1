//! The apps while their hub is away: the real `hallq-counter` binary under Xvfb, connected to a
//! real hub that is then killed. The clerk must still be able to switch the terminal's language
//! (the live screenshots found the counter stuck in Chinese while the hub was away), and what
//! the window shows must be what a full redraw of it shows.
//!
//! Needs Xvfb, xdotool and ImageMagick (`./dev setup` installs them).

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod xwin;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use hallq_tests::{BrokerKind, Hall};
use xwin::{Killed, Rect, Shot, Xvfb, app_bin};

/// Keeps the pictures of a failure where they can be looked at, and says where.
/// The app's log (each press, answer, view shown and frame drawn) is kept beside them.
fn keep(name: &str, shots: &[(&str, &Shot)], log: &Path) -> String {
    let dir = std::env::temp_dir().join(format!("hallq-hub-away-{name}"));
    let _ = std::fs::create_dir_all(&dir);
    for (file, s) in shots {
        s.save(&dir.join(format!("{file}.png")));
    }
    let _ = std::fs::copy(log, dir.join("app.log"));
    dir.display().to_string()
}

#[test]
fn the_counter_switches_language_while_its_hub_is_away() {
    let hall = Hall::new(BrokerKind::Embedded);
    let hub = hall.start_hub();
    let x = Xvfb::start(1920, 1080);
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("counter.log");
    let _app = Killed(
        x.command(app_bin("hallq-counter").to_str().unwrap())
            .args(["--broker", &format!("127.0.0.1:{}", hall.port)])
            .args(["--hall", &hall.hall.to_string(), "--device", "counter-3"])
            .args(["--counter", "3"])
            .env("HALLQ_DEVICE_SECRET", &hall.secrets["counter-3"])
            .env("RUST_LOG", "warn,hallq_counter=debug,hallq_ui=debug")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let window = x.window("^hallq counter$");
    // The clerk signs in (as in the redraw test) and takes a break (F7), as the live
    // screenshots' clerk did; then the hub goes away.
    let signed_in = x.sign_in_counter(&window, "E1003");
    x.key(&window, "F7");
    let wait = Duration::from_secs(120);
    // The break's screen counts its minutes and seconds: it is seen once it differs from the
    // signed-in screen (it never holds still).
    let paused = x
        .changed(&window, &signed_in, Rect(0, 110, 1920, 970), wait)
        .unwrap_or_else(|| {
            panic!(
                "the break never showed (kept in {})",
                keep(
                    "counter",
                    &[("signed-in", &signed_in), ("now", &x.look(&window))],
                    &log,
                )
            )
        });
    hub.kill9();
    let body = Rect(0, 110, 1920, 970);
    let away = x
        .settled_change(&window, &paused, body, wait)
        .expect("the counter never showed that its hub is away");

    // The language button, top right.
    x.click(&window, 1790, 55);
    let shown = x.settled_change(&window, &away, away.all(), wait);
    let dir = tempfile::tempdir().unwrap();
    x.full_redraw(&window);
    let redrawn = x.grab(&window, &dir.path().join("redrawn.png"));
    assert!(
        redrawn.differing(&away, body) > 0 && redrawn.differing(&away, Rect(1700, 0, 220, 110)) > 0,
        "the hub-away screen did not change language, not even in a full redraw (kept in {})",
        keep("counter", &[("away", &away), ("redrawn", &redrawn)], &log)
    );
    let shown = shown.expect("the window never changed after the language button was pressed");
    // The header's clock, which may turn a minute between the look and the redraw, aside.
    let clock = Rect(1500, 0, 200, 110);
    assert_eq!(
        shown.differing(&redrawn, shown.all()) - shown.differing(&redrawn, clock),
        0,
        "pixels of the window differ from its full redraw (kept in {})",
        keep(
            "counter",
            &[("away", &away), ("shown", &shown), ("redrawn", &redrawn)],
            &log,
        )
    );
}
