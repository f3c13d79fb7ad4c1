//! The live ticket page on the customer's phone (issue 15 §1, docs/phone.md).
//!
//! The ticket's QR code holds `{public_base}/t/{token}`: the [`token`] names the ticket,
//! cannot be made up, and opens it on its business day only. The page ([`routes`]) shows the
//! number, the business, the people ahead, the estimated wait and the documents to bring; when
//! the ticket is called, the counter, large, with a vibration and a beep; after service, the four
//! grades of the evaluator's pad, recorded once. It stays live through server-sent events. While
//! the ticket waits, the customer may ask the page to tell them when their turn is near, at a
//! lead time the hall offers; the page then shows it with the same cue.
//!
//! Its data comes from a [`TicketSource`]: the hub's live state in a hall, HQ's copy of it
//! ([`wire`]: a hall's board sent up, the pages' requests sent down); one implementation of
//! the page for both.

pub mod assets;
pub mod page;
pub mod routes;
pub mod token;
pub mod view;
pub mod wire;

pub use routes::router;
pub use token::{KEY_BYTES, MAC_BYTES, TokenCheck, TokenError, TokenKey};
pub use view::{
    Board, GoneReason, NoticeLead, NoticeView, RateError, TicketSource, TicketState, TicketView,
};

/// The address a ticket's QR code holds: `public_base` (the hub's address on the guest Wi-Fi,
/// or HQ's public one), without its trailing slashes, then `/t/{token}`.
pub fn url(public_base: &str, token: &str) -> String {
    format!("{}/t/{token}", public_base.trim_end_matches('/'))
}
