//! Every state of the wall display, in Chinese (with English beneath) and in English, drawn by
//! Slint's software renderer at the profile's 1920×1080 with no X server; the 4K display's
//! layout scaled; and the counter LED strip. Each picture must hold a screen's worth of text,
//! and Chinese must be drawn as much as English (without a CJK font Slint draws nothing where the
//! Chinese should be, and the picture would be nearly blank).
//!
//! `HALLQ_SCREENSHOTS=docs` writes the pictures of [`SAMPLE_ONLY`] to docs/screenshots/ (the
//! others there come from the live apps); the rest go to a temporary folder.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::path::PathBuf;

use hallq_display::DisplayView;
use hallq_display::controller::{Display, DisplayTimings, Input};
use hallq_display::led::{LedInput, LedStrip};
use hallq_display::sample::{self, MORNING};
use hallq_display::ui::{self, DisplayWindow, LedWindow};
use hallq_proto::state::{Activity, Liveness};
use hallq_proto::{Lang, PauseReason, Timestamp};
use hallq_ui::{Picture, Snapshotter};
use slint::ComponentHandle as _;

const WIDTH: u32 = 1920;
const HEIGHT: u32 = 1080;

fn live(board: hallq_proto::state::Board) -> Display {
    let mut d = Display::new(DisplayTimings::default());
    d.handle(Input::Hub(Liveness::Online), 0);
    d.handle(Input::Connected(true), 0);
    d.handle(Input::Board(board), 0);
    d
}

/// Each state of the display, named.
fn states() -> Vec<(&'static str, Display)> {
    let mut out = Vec::new();
    // A12 was just called: it stands out, in the flash's lit phase.
    let mut d = live(sample::board(1));
    d.handle(Input::Call(sample::call_event("A012", 3, 0)), 100);
    out.push(("new-call", d));

    out.push(("board", live(sample::board(1))));
    out.push(("announcement", live(sample::board_no_kiosk(1))));
    out.push(("morning", live(sample::board_empty(1))));

    let mut closed = sample::board(1);
    closed.open = false;
    out.push(("not-issuing", live(closed)));

    let mut d = live(sample::board_with_notices(1));
    d.handle(Input::Hub(Liveness::Offline), 1);
    out.push(("hub-away", d));

    let mut d = Display::new(DisplayTimings::default());
    d.handle(Input::Hub(Liveness::Online), 0);
    d.handle(Input::Connected(true), 0);
    out.push(("connecting", d));
    out
}

/// The pictures of docs/screenshots/ only this test draws: the others there are taken from the
/// live apps (tests/tests/live_screens.rs), and the apps' screens this test draws under their
/// names (or in English where the app has no language switch) go to a temporary folder.
const SAMPLE_ONLY: &[&str] = &[
    "display-morning-zh.png",
    "display-morning-en.png",
    "display-not-issuing-zh.png",
    "display-not-issuing-en.png",
    "display-connecting-zh.png",
    "display-connecting-en.png",
];

/// Where picture `name` goes: docs/screenshots/ with `HALLQ_SCREENSHOTS=docs` if it is one of
/// [`SAMPLE_ONLY`], else a temporary folder.
fn out_path(name: &str) -> PathBuf {
    if std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs") && SAMPLE_ONLY.contains(&name) {
        return PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../docs/screenshots")
            .join(name);
    }
    let dir = std::env::temp_dir().join(format!("hallq-display-shots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn take(
    shots: &Snapshotter,
    window: &DisplayWindow,
    d: &Display,
    lang: Lang,
    size: (u32, u32),
) -> Picture {
    ui::select_language(window, lang == Lang::En);
    ui::show(window, &DisplayView::of(d, lang, MORNING, 480));
    shots.take(size.0, size.1)
}

#[test]
fn every_display_state_renders_in_chinese_and_english() {
    let shots = Snapshotter::install().unwrap();
    let window = DisplayWindow::new().unwrap();
    window
        .window()
        .set_size(slint::PhysicalSize::new(WIDTH, HEIGHT));
    let all = states();
    assert_eq!(all.len(), 7, "one picture per state");
    for (name, d) in &all {
        let zh = take(&shots, &window, d, Lang::Zh, (WIDTH, HEIGHT));
        let en = take(&shots, &window, d, Lang::En, (WIDTH, HEIGHT));
        zh.save(&out_path(&format!("display-{name}-zh.png")))
            .unwrap();
        en.save(&out_path(&format!("display-{name}-en.png")))
            .unwrap();
        let (zi, ei) = (zh.inked(), en.inked());
        // The header alone is 1920×128 of brand blue over the dark field.
        let header = (WIDTH * 128) as usize;
        assert!(zi > header + 50_000, "{name} (zh) is nearly blank: {zi}");
        assert!(ei > header + 50_000, "{name} (en) is nearly blank: {ei}");
        assert!(
            zi * 3 > ei,
            "{name}: Chinese drew {zi} pixels against English {ei}: is a CJK font installed?"
        );
        assert!(
            zh.differing(&en) > 5_000,
            "{name}: the English screen looks like the Chinese one"
        );
    }
}

/// The new call's card at the top left: lit, then dim on the flash's off phase, then plain.
#[test]
fn a_new_call_flashes_and_then_settles() {
    let shots = Snapshotter::install().unwrap();
    let window = DisplayWindow::new().unwrap();
    let mut d = live(sample::board(1));
    d.handle(Input::Call(sample::call_event("A012", 3, 0)), 1_000);
    // Pixels of the lit and the dim amber: only a fresh card has them.
    let amber = |p: &Picture, c: [u8; 3]| p.rgb.chunks_exact(3).filter(|q| *q == c).count();
    let (lit_c, dim_c) = ([0xff, 0xd2, 0x4a], [0xb7, 0x86, 0x0f]);
    let lit = take(&shots, &window, &d, Lang::Zh, (WIDTH, HEIGHT));
    d.handle(Input::Tick, 1_600);
    let dim = take(&shots, &window, &d, Lang::Zh, (WIDTH, HEIGHT));
    d.handle(Input::Tick, 9_100);
    let plain = take(&shots, &window, &d, Lang::Zh, (WIDTH, HEIGHT));
    // A card is at least 900 × 160.
    assert!(amber(&lit, lit_c) > 100_000, "lit: an amber card");
    assert!(amber(&dim, dim_c) > 100_000, "off phase: a dim amber card");
    assert!(
        amber(&dim, lit_c) < 60_000,
        "off phase: only the numbers stay amber"
    );
    assert_eq!(amber(&plain, dim_c), 0, "after 8 s: no card stands out");
    assert!(
        amber(&plain, lit_c) < 60_000,
        "after 8 s: only the numbers are amber"
    );
}

#[test]
fn the_4k_display_draws_the_same_layout_scaled() {
    let (w, h) = (3840, 2160);
    let shots = Snapshotter::install().unwrap();
    let window = DisplayWindow::new().unwrap();
    ui::fit(&window, w, h);
    window.window().set_size(slint::PhysicalSize::new(w, h));
    let d = live(sample::board_no_kiosk(1));
    let pic = take(&shots, &window, &d, Lang::Zh, (w, h));
    pic.save(&out_path("display-4k-announcement-zh.png"))
        .unwrap();
    // The marquee is the bottom 96 design pixels: at 4K, 192 rows of red.
    let row = |y: u32| {
        let i = ((y * w + w / 2) * 3) as usize;
        [pic.rgb[i], pic.rgb[i + 1], pic.rgb[i + 2]]
    };
    assert_eq!(
        row(h - 4),
        [0xc8, 0x1e, 0x1e],
        "the marquee reaches the bottom"
    );
    assert_eq!(
        row(h - 188),
        [0xc8, 0x1e, 0x1e],
        "and is twice as tall as at 1080p"
    );
    assert_ne!(
        row(h - 196),
        [0xc8, 0x1e, 0x1e],
        "with the notice strip above it"
    );
    assert!(pic.inked() > 4 * (WIDTH * 128) as usize);
}

#[test]
fn the_led_strip_shows_the_number_served_in_dot_matrix_red() {
    let shots = Snapshotter::install().unwrap();
    let window = LedWindow::new().unwrap();
    let mut led = LedStrip::new(3);
    led.handle(LedInput::Hub(Liveness::Online));
    led.handle(LedInput::Connected(true));
    let calling = sample::counter_calling(3, "A012");
    let mut paused = calling.clone();
    paused.rev = 2;
    paused.activity = Activity::Paused {
        reason: PauseReason::Meal,
        since_ms: Timestamp(MORNING.0),
    };
    // 8 cells of 64 px and a 24 px bezel: 560 × 176.
    let (w, h) = (8 * 64 + 48, 128 + 48);
    let mut reds = Vec::new();
    for (name, state, lang) in [
        ("calling-zh", calling.clone(), Lang::Zh),
        ("paused-zh", paused.clone(), Lang::Zh),
        ("paused-en", paused, Lang::En),
    ] {
        let mut led = led.clone();
        led.handle(LedInput::Counter(state));
        ui::show_led(&window, 3, &led.view(lang, 8));
        let pic = shots.take(w, h);
        pic.save(&out_path(&format!("led-{name}.png"))).unwrap();
        let lit = pic
            .rgb
            .chunks_exact(3)
            .filter(|p| p[0] > 0xe0 && p[1] < 0x80 && p[2] < 0x60)
            .count();
        reds.push((name, lit));
    }
    for (name, lit) in &reds {
        assert!(*lit > 2_000, "{name}: too few lit dots ({lit})");
    }
}
