//! Slip printing for hallq: the queue ticket a customer takes away from the kiosk, and the two
//! papers staff hand over (the complaint receipt and the list of documents still needed), as
//! ESC/POS bytes for a thermal printer.
//!
//! The kiosk gets a [`TicketIssued`](hallq_proto::reply::TicketIssued) from the hub, builds a
//! [`TicketSlip`] from it, encodes it for its printer's [`Layout`] and sends the bytes to a
//! [`Printer`]. Everything up to the bytes is pure (no IO, no clock): the hub's issue time and
//! the hall's UTC offset come in with the slip. IO lives only in [`target`], blocking std IO that
//! the app calls from a blocking task.
//!
//! Parts:
//! - [`slip`]: [`TicketSlip`], what goes on paper, built from the hub's reply, and no more.
//! - [`layout`]: [`PaperWidth`] (58 / 80 mm), [`CodePage`] (GB18030 or CP437) and [`Layout`].
//! - [`text`]: printed width (a Chinese character takes two columns) and line wrapping.
//! - [`compose`]: the slip as printer-neutral blocks: which line, which size, which language.
//! - [`receipt`]: [`ComplaintReceipt`], the complaint receipt (《投诉受理回执》) built from the
//!   hub's reply to `complaint_open`, and its blocks.
//! - [`documents`]: [`DocumentList`], the list of documents still needed (《补充材料清单》) when a
//!   service ends with "needs more documents", and its blocks.
//! - [`escpos`]: [`escpos::encode`] to ESC/POS bytes, and [`escpos::decode`], an interpreter of
//!   the same subset that tests (and a curious engineer) use to read printed bytes back.
//! - [`render`]: decoded ops to a 1-bit PNG as the paper would look, with a real CJK font.
//! - [`target`]: [`Printer`] — raw TCP port 9100, a device node such as `/dev/usb/lp0`, or a file.
//! - [`error`]: [`PrintError`], whose messages are Chinese and English.

pub mod compose;
pub mod documents;
pub mod error;
pub mod escpos;
pub mod layout;
pub mod receipt;
pub mod render;
pub mod slip;
pub mod target;
pub mod text;

pub use documents::DocumentList;
pub use error::PrintError;
pub use layout::{CodePage, Layout, PaperWidth};
pub use receipt::ComplaintReceipt;
pub use slip::TicketSlip;
pub use target::Printer;
