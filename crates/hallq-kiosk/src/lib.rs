//! The ticket kiosk: where a visit starts.
//!
//! A customer chooses a business type, is offered self-service first where it exists (channel
//! diversion), says whether they need priority service or show a green-channel code, may leave a
//! mobile number for a "your turn is near" notice, and takes a printed ticket. Every step is a
//! touchpoint the hub journals.
//!
//! Parts:
//! - [`controller`]: the kiosk's flow as a pure state machine. It knows nothing of Slint, MQTT,
//!   the printer or the clock: inputs (a touch, the hub's state, a reply, a print result, the
//!   time) go in, the screen to show and the effects to carry out (a command to send, a ticket
//!   to print) come out. Tested without a display.
//! - [`checkin`]: a booked customer's check-in (the code or number keyed, the hub's answer).
//! - [`view`]: what the screen shows, as plain data picked in the customer's language.
//! - [`ui`]: the Slint view (`ui/kiosk/`) and its adapter: the view data into the
//!   `KioskAdapter` global, the global's callbacks into the controller's actions.
//! - [`runtime`]: the task that owns the controller, feeds it the device client's updates,
//!   replies, print results and the time, and carries out its effects.
//! - [`sample`]: the example hall's services and a ticket, for tests and screenshots.
//!
//! The `hallq-kiosk` binary (`main.rs`) puts them together: the firmware profile, the printer,
//! the device client, the runtime on tokio and the window on Slint's event loop.

pub mod checkin;
pub mod controller;
pub mod runtime;
pub mod sample;
pub mod ui;
pub mod view;

pub use controller::{Action, Effect, Input, Kiosk, KioskTimings, Screen};
pub use runtime::{KioskHandle, PrintFn, PrintJob, Runtime, ShowFn};
pub use view::KioskView;
