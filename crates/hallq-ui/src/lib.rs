//! What hallq's Slint apps (kiosk, counter, display) share that is not a view.
//!
//! Parts:
//! - [`app`]: what each app binary does at start: logging and the font check, `--broker` and
//!   `--hall`, the device's client configuration, its wall clock, a macro that includes the
//!   slint-build output with its lint allows.
//! - [`clock`]: the hall's time on a device, the hub's (its `state/hub` says it), running on at
//!   the hub's pace between its messages; the device's own clock before the hub has said it.
//! - [`newest`]: views handed from the apps' tasks to the window's thread, the newest only, so
//!   that no queue of stale views grows when drawing is slower than the views come.
//! - [`repaint`]: how the apps keep their windows painted whole (issue 13 §1.1): a view applied
//!   late, and an item Slint's partial renderer left unpainted; what was found, and the repaint
//!   of the whole window at a new minute, language or screen.
//! - [`fonts`]: the check at start that a CJK font is installed. Without one Slint draws
//!   nothing where Chinese should be (ARCHITECTURE.md), which is easy to miss: the apps say so
//!   in both languages instead.
//! - [`snapshot`]: a headless platform on Slint's software renderer that draws a window into a
//!   pixel buffer and writes it as PNG: how the tests take the screenshots in docs/screenshots/,
//!   with no X server.
//! - [`translations`]: the check that every `@tr` text of a view has its Chinese.

pub mod app;
pub mod clock;
pub mod fonts;
pub mod newest;
pub mod repaint;
pub mod snapshot;
pub mod translations;

pub use clock::HallClock;
pub use newest::Newest;
pub use snapshot::{Picture, Snapshotter};
