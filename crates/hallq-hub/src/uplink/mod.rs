//! The uplink: the hall's journal to headquarters, exactly once (docs/chain.md, issue 14).
//!
//! A tokio task beside the writer and never on its path: it reads the journal through its own
//! read-only connection (WAL lets it read while the writer writes), so a hall serves its
//! customers the same whether HQ is there or not. It keeps one number, `acked`: the last seq
//! HQ has acknowledged. It learns it from HQ's mark ([`hallq_wire::MarkRequest`] on
//! `hallq.mark.<hall>`) at start, after every reconnect, after a failed publish and on a gap
//! notice, and moves it on with every batch JetStream acknowledges. The batches go one at a
//! time, each waiting for its acknowledgement, so HQ receives a hall's events in order. Nothing
//! is written to the journal: the journal and HQ's mark decide what is sent, never the hub's
//! memory of what it sent.
//!
//! Parts:
//! - [`UplinkSection`]: `[uplink]` in hall.toml.
//! - [`Floor`]: what the writer tells the uplink after each batch (the journal's last seq and
//!   the floor's counts), for the live status.
//! - [`run`]: the task.
//! - [`bookings`]: with `[booking] master = "hq"`, the hall's bookings from HQ's stream, each
//!   journaled once and acknowledged after the commit.
//! - [`Pages`]: with `[phone]` on, the ticket pages' board to HQ and their requests back
//!   (`pages.rs`).

pub mod bookings;
mod config;
mod down;
mod link;
mod pages;

use hallq_proto::Timestamp;

pub use config::{BATCH_MAX_LIMIT, UplinkSection};
pub use link::{Uplink, run};
pub use pages::Pages;

/// What the writer publishes for the uplink after each batch, on a `watch` channel: it wakes the
/// uplink when the journal grows and carries the floor's counts for the live status. Only what
/// changes with the queue is here (the longest wait is computed when sent, from the oldest
/// ticket's issue time), so the channel changes with commands, not with every tick.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Floor {
    /// HQ's configuration in force (configuration down), for the live status.
    pub config: hallq_wire::ConfigReport,
    /// The journal's last seq.
    pub last_seq: i64,
    /// The business day open (`yyyymmdd`).
    pub day: Option<i32>,
    /// Tickets waiting.
    pub waiting: u32,
    /// When the ticket waiting longest was issued.
    pub oldest_waiting: Option<Timestamp>,
    /// Counters open.
    pub counters_open: u32,
    /// Registered devices offline.
    pub devices_offline: u32,
}
