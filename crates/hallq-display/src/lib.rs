//! The wall display (综合屏) of a hall, and the emulator of a counter's LED strip (窗口屏).
//!
//! The wall display shows the latest calls large with their counter ("A012 → 3 号窗口"), the
//! calls before them, the waiting count and estimated wait per business type, the clock, the
//! hall's announcements as a red marquee and the hub's maintenance notices; a new call stands
//! out for a few seconds, and every call is spoken. While the hub is away it says so
//! ("系统维护中，请联系工作人员") over the last board, and speaks nothing.
//!
//! Parts:
//! - [`controller`]: the display as a pure state machine. Inputs (the board, the hub's status,
//!   the connection, call events, an announcement played, the time) go in; what to show and
//!   the effects (speak a call, report it spoken to the hub) come out. Tested without a display.
//! - [`view`]: what the screen shows, as plain data, Chinese first with English beneath.
//! - [`led`]: the counter LED strip: what it says and how a text fits its cells.
//! - [`ui`]: the Slint views (`ui/display/`) and their adapters.
//! - [`runtime`]: the task that owns the controller, feeds it the device client's updates and
//!   the time, and carries out its effects through an injected voice.
//! - [`sample`]: a busy morning's board, call and counter, for tests and screenshots.
//!
//! The `hallq-display` binary (`main.rs`) puts them together; `hallq-display --led N` runs the
//! LED strip of counter N instead.

pub mod controller;
pub mod led;
pub mod runtime;
pub mod sample;
pub mod ui;
pub mod view;

pub use controller::{Announcement, Display, DisplayTimings, Effect, Input};
pub use runtime::{AnnounceFn, Played, Runtime, ShowFn};
pub use view::DisplayView;
