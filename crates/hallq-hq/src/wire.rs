//! What a hall uploads: a [`Batch`] of events keyed (hall, epoch, seq).

use serde::{Deserialize, Serialize};

/// One journal event as it leaves the hall: its key within the journal, its time, business day
/// and type, and its body (the engine event's JSON), de-identified (docs/chain.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpEvent {
    /// The event's seq in its journal: 1, 2, 3 … without gaps.
    pub seq: i64,
    /// When it happened, ms since the Unix epoch (the hub's clock).
    pub at_ms: i64,
    /// Its business day, `yyyymmdd`, if the hall had opened one.
    pub day: Option<i32>,
    /// The event type (`ticket_issued`, `called` …).
    #[serde(rename = "type")]
    pub kind: String,
    /// The event's JSON.
    pub body: serde_json::Value,
}

/// Consecutive events of one journal (hall, epoch), the unit the sink stores in one
/// transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// The hall's id.
    pub hall: String,
    /// The journal's epoch (`Journal::epoch`).
    pub epoch: String,
    /// The events, in seq order without gaps.
    pub events: Vec<UpEvent>,
}
