//! "Your turn is near" (issue 15 §2): when a customer who asked to be told gets a notice, and
//! the channels it goes out on.
//!
//! - [`rule`]: the trigger rule, a pure function of the ticket's place in the queue (people
//!   ahead, the stall-aware estimate, its call).
//! - [`channel`]: [`NoticeChannel`], one interface for SMS over SMPP 3.4 ([`smpp`]) or an HTTPS
//!   webhook ([`webhook`]), and the live ticket page's channel (the phone page's to implement).
//! - [`retry`]: attempts with a limit and a doubling pause, a result for each.
//! - [`text`]: what the notices say, and the text of a resolved complaint's written result.
//!
//! The hub decides and journals (hallq-hub's `notify` module); this crate knows no journal, no
//! broker and no key: it gets a number only for the send it is making.

pub mod channel;
pub mod retry;
pub mod rule;
pub mod smpp;
pub mod text;
pub mod webhook;

pub use channel::{ChannelKind, NoticeChannel, Outgoing, SendError, SmsChannel};
pub use retry::{Attempt, RetryPolicy, deliver_with_retry, retry};
pub use rule::{Lead, Notice, NoticeKind, Observation, Place, Watch, decide};
