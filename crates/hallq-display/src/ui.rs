//! The Slint side: the compiled views (`ui/display/display.slint` and `led.slint`) and their
//! adapters. [`show`] copies a [`DisplayView`] into the `DisplayAdapter` global, [`show_led`] a
//! fitted strip into `LedAdapter`. Nothing here decides anything; the wall display takes no
//! touches, so there is nothing to wire back.

use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use crate::led::Fitted;
use crate::view::{self, DisplayView};

hallq_ui::generated_ui!();

pub use generated::{
    Bi, CallRow, DisplayAdapter, DisplayState, DisplayWindow, LedAdapter, LedGlyph, LedWindow,
    MarqueeRow, QueueRow, Repaint, Theme,
};

/// The screen the layout is drawn for, in pixels: the 55" Full HD display.
pub const DESIGN_SIZE: (u32, u32) = (1920, 1080);

/// Shows `view` in `window`. A new minute on the clock, another language or state repaints the
/// whole window (`Repaint` in ui/common/widgets.slint: what is set once a minute was left
/// unpainted while the board changed around it).
pub fn show(window: &DisplayWindow, view: &DisplayView) {
    let a = window.global::<DisplayAdapter>();
    let state = a.get_state();
    let rare = (a.get_clock(), a.get_english());
    a.set_state(match view.state {
        view::DisplayState::Connecting => DisplayState::Connecting,
        view::DisplayState::Live => DisplayState::Live,
        view::DisplayState::HubAway => DisplayState::HubAway,
    });
    a.set_english(view.english);
    a.set_hall_name(bi(&view.hall_name));
    a.set_clock(view.clock.as_str().into());
    a.set_open(view.open);
    a.set_latest(model(view.latest.iter().map(call)));
    a.set_recent(model(view.recent.iter().map(call)));
    a.set_flash(view.flash);
    a.set_queues(model(view.queues.iter().map(|q| QueueRow {
        prefix: q.prefix.as_str().into(),
        name: bi(&q.name),
        waiting: count(q.waiting),
        wait_min: q.wait_min.map_or(-1, count),
    })));
    a.set_marquee(model(view.marquee.iter().map(|m| MarqueeRow {
        text: bi(&m.text),
        from: m.from.as_str().into(),
        until: m.until.as_str().into(),
        ask: bi(&m.ask),
    })));
    a.set_notice(bi(&view.notice));
    if rare != (a.get_clock(), a.get_english()) || state != a.get_state() {
        let r = window.global::<Repaint>();
        r.set_phase(!r.get_phase());
    }
}

/// Sizes the window to a `width` × `height` screen (from the display's firmware profile) and
/// scales the layout to fill it: every length in the view is in units of the design screen.
pub fn fit(window: &DisplayWindow, width: u32, height: u32) {
    let scale = (width as f32 / DESIGN_SIZE.0 as f32).min(height as f32 / DESIGN_SIZE.1 as f32);
    window.global::<Theme>().set_scale(scale);
    window
        .window()
        .set_size(slint::LogicalSize::new(width as f32, height as f32));
}

/// Selects the display's first language: Chinese (with English beneath), or English alone.
/// Call it once the window exists.
pub fn select_language(window: &DisplayWindow, english: bool) {
    let lang = if english { "" } else { "zh" };
    if let Err(e) = slint::select_bundled_translation(lang) {
        tracing::warn!(error = ?e, "no bundled translation for the display");
    }
    window.global::<DisplayAdapter>().set_english(english);
}

/// Starts or stops the marquee's scrolling (off in tests and screenshots, so they are still).
pub fn scroll(window: &DisplayWindow, on: bool) {
    window.global::<DisplayAdapter>().set_scroll(on);
}

/// Shows the fitted strip of counter `counter` in `window`.
pub fn show_led(window: &LedWindow, counter: u16, strip: &Fitted) {
    let a = window.global::<LedAdapter>();
    a.set_cells(count(u32::try_from(strip.cells).unwrap_or(u32::MAX)));
    a.set_counter(i32::from(counter));
    a.set_line(strip.line().into());
    a.set_glyphs(model(strip.glyphs.iter().map(|g| LedGlyph {
        text: g.text.as_str().into(),
        cell: count(u32::try_from(g.cell).unwrap_or(u32::MAX)),
        cells: count(u32::try_from(g.cells).unwrap_or(u32::MAX)),
    })));
}

fn call(c: &view::CallLine) -> CallRow {
    CallRow {
        number: c.number.as_str().into(),
        counter: i32::from(c.counter),
        recall: count(c.recall),
        fresh: c.fresh,
    }
}

fn bi(b: &view::Bi) -> Bi {
    Bi {
        main: SharedString::from(b.main.as_str()),
        second: SharedString::from(b.second.as_str()),
    }
}

fn model<T: Clone + 'static>(items: impl Iterator<Item = T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items.collect::<Vec<_>>()))
}

fn count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
