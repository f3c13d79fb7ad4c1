//! The counter terminal (窗口终端) and the evaluator pad (评价器).
//!
//! The clerk signs in with staff number and PIN, opens the counter, calls the next customer of
//! the counter's skills (or a number), recalls, marks a no-show, starts the service, marks a
//! wait on the back office, finishes with a result, transfers, pauses and resumes, and opens a
//! complaint. The screen shows what the hub says the counter is doing, the queues it serves,
//! the handling-time limit with a warning as it nears, and today's count.
//!
//! Parts:
//! - [`controller`]: the terminal as a pure state machine (presses and the hub's state in,
//!   commands out); tested without a display.
//! - [`view`]: what the screen shows, as plain data.
//! - [`checkin`]: the greeter's check-in of a booked customer.
//! - [`complaint`]: the complaint form's rules and receipt, the counter's and the greeter's.
//! - [`feed`]: the hub's updates and replies as the desk's inputs.
//! - [`inspect`]: service-standard inspections on the console and the handheld (checklists due,
//!   a checklist done item by item, corrections followed up and closed), a pure state machine.
//! - [`inspect_visit`]: a checklist recorded at any time (a mystery shopper's visit): its time,
//!   shopper and note on the whole.
//! - [`outcome`]: what the supervisor's console says after a command.
//! - [`result_sms`]: a written result whose SMS failed, red on the console, with its resend.
//! - [`paper`]: the complaint receipt and the list of documents still needed, printed on the
//!   counter's printer after the hub's answer.
//! - [`ui`]: the Slint views (`ui/counter/`) and their adapters; [`inspect_ui`] the
//!   inspections' adapter.
//! - [`words`]: Chinese words kept whole where a long queue name wraps.
//!
//! The `hallq-counter` binary connects them to the hall's broker.

pub mod checkin;
pub mod complaint;
pub mod controller;
pub mod feed;
pub mod floor;
pub mod inspect;
pub mod inspect_ui;
pub mod inspect_visit;
pub mod outcome;
pub mod paper;
pub mod result_sms;
pub mod ui;
pub mod view;
pub mod words;

pub use controller::{Action, Desk, Effect, Input, Problem};
pub use view::{DeskView, Limit, Mode};
