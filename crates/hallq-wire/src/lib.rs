//! What a hall sends to headquarters and what HQ answers (docs/chain.md, "The uplink's wire
//! format"): shared by the hub's uplink and HQ, and kept apart from both so that the hub does not
//! build HQ's engines (PostgreSQL) and HQ does not build the hub's.
//!
//! - [`Batch`] of de-identified [`UpEvent`]s keyed (hall, epoch, seq): one JetStream message on
//!   [`subject`] with its [`Batch::msg_id`].
//! - [`MarkRequest`] / [`MarkReply`] on [`mark_subject`]: HQ's high-water mark of a hall's
//!   journal, asked by the hub before it sends.
//! - [`GapNotice`] on [`gap_subject`]: HQ refused a batch past a gap; the hub asks the mark.
//! - [`LiveStatus`] on [`status_subject`]: the hall's floor, every few seconds.
//! - [`deidentify`]: what never leaves the hall.
//! - [`ConfigDoc`], [`Scope`], [`ConfigReport`]: configuration down (HQ's documents per scope in
//!   the KV bucket [`CONFIG_BUCKET`], and what a hall has in force).
//! - [`HallBookingKey`]: the hall's booking key, `bookingkey.<hall>` in the same bucket.

use serde::{Deserialize, Serialize};

mod booking_doc;
mod booking_key;
mod config;

pub use booking_doc::{BookingDoc, BookingMaster};
pub use booking_key::{BOOKING_KEY_BYTES, HallBookingKey, booking_key_key, booking_key_subject};

pub use config::{
    AnnouncementDoc, BadScope, BusinessDoc, BusinessInForce, CONFIG_BUCKET, ConfigDoc,
    ConfigReport, KpiDoc, LocalTime, Refusal, Scope, Text,
};

/// A hall id that cannot be one NATS subject token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "hall id {hall:?}: a hall id for the uplink has no '.', '*', '>' or spaces / 营业厅编号不能含 . * > 或空格"
)]
pub struct BadHallId {
    /// The id, cut to 64 characters.
    pub hall: String,
}

/// The stream the halls' batches go to.
pub const STREAM: &str = "HALLQ_UPLINK";

/// The subjects of [`STREAM`]: one per hall, `hallq.uplink.<hall>`.
pub const SUBJECTS: &str = "hallq.uplink.>";

/// The event fields written by people in free text (a complaint's summary, a note, a
/// resolution, a responsibility, a complaint's written answer, a mystery shopper's name or
/// organisation). The hub already blanks phone numbers in them, but a name or an address typed
/// by a clerk would still identify a person: they stay in the hall, like the sealed numbers.
/// Every other field is an id, a code, a number, a flag or a time.
pub const FREE_TEXT: &[&str] = &[
    "summary",
    "note",
    "resolution",
    "responsibility",
    "answer",
    "shopper",
];

/// One journal event as it leaves the hall: its key within the journal, its time, business day
/// and type, and its body (the engine event's JSON) de-identified by [`deidentify`].
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

impl Batch {
    /// The batch's JetStream message id, `<hall>:<epoch>:<first>-<last>`: a resend of the same
    /// events within the stream's duplicate window is dropped by the server (a saving; the sink
    /// is the guarantee).
    pub fn msg_id(&self) -> String {
        let first = self.events.first().map_or(0, |e| e.seq);
        let last = self.events.last().map_or(0, |e| e.seq);
        format!("{}:{}:{first}-{last}", self.hall, self.epoch)
    }
}

/// The subject prefix of the halls' live status: `hallq.status.<hall>`, plain NATS (not a
/// stream): a status is worth only its newest value, and a lost one is replaced seconds later.
pub const STATUS_SUBJECTS: &str = "hallq.status.>";

/// A hall's live status (issue 14 §2), sent by its hub on change and every few seconds on
/// `hallq.status.<hall>`. Counts only: nothing in it names a customer. HQ stores the newest per
/// hall (table `hall_status`) with its own clock beside `sent_ms`, and shows a hall silent for a
/// minute as offline since the last one received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveStatus {
    /// The hall's id (as in its batches).
    pub hall: String,
    /// Its region, from the hall's `[uplink]` settings (e.g. `gd-gz`); "" if none.
    pub region: String,
    /// Its name as people say it (`hall.toml`'s hall name).
    pub name: String,
    /// The hub's clock when it sent this, ms since the Unix epoch.
    pub sent_ms: i64,
    /// The business day open at the hall (`yyyymmdd`), if any.
    pub day: Option<i32>,
    /// The journal's epoch and its last seq: how far the hall's own record goes.
    pub epoch: String,
    pub last_seq: i64,
    /// Events written at the hall and not yet acknowledged by HQ (last seq − HQ's mark).
    pub uplink_behind: i64,
    /// Tickets waiting now, and the longest of their waits in seconds.
    pub waiting: u32,
    pub longest_wait_s: u32,
    /// Counters open (signed in) now.
    pub counters_open: u32,
    /// Registered devices that are offline now.
    pub devices_offline: u32,
    /// The configuration in force (configuration down); absent from a hub before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ConfigReport>,
    /// Where HQ is the hall's booking master: how far the hall has journaled HQ's bookings.
    /// Absent from other halls and from hubs before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bookings: Option<BookingsReport>,
}

/// How far a hall has journaled the booking changes HQ sent it (docs/chain.md, "Live status").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingsReport {
    /// The last sequence of the stream [`BOOKINGS_STREAM`] whose change is in the hall's
    /// journal (read from the journal, so it survives a restart); 0 before the first.
    pub seq: u64,
}

/// The subject a hall's live status is sent on, `hallq.status.<hall>` (the same hall ids as
/// [`subject`]).
pub fn status_subject(hall: &str) -> Result<String, BadHallId> {
    token(hall).map(|h| format!("hallq.status.{h}"))
}

/// The subject a hall's batches are published on, `hallq.uplink.<hall>`. A hall id with a
/// character NATS gives a meaning in subjects (`.`, `*`, `>`, white space) is refused.
pub fn subject(hall: &str) -> Result<String, BadHallId> {
    token(hall).map(|h| format!("hallq.uplink.{h}"))
}

/// The stream HQ sends each hall its bookings on, where HQ is the hall's booking master
/// (docs/booking.md, "At HQ"): every committed booking, change and cancellation, in order.
pub const BOOKINGS_STREAM: &str = "HALLQ_BOOKINGS";

/// The subjects of [`BOOKINGS_STREAM`]: one per hall, `hallq.booking.<hall>`.
pub const BOOKING_SUBJECTS: &str = "hallq.booking.*";

/// The subject HQ publishes a hall's booking changes on, `hallq.booking.<hall>`.
pub fn booking_subject(hall: &str) -> Result<String, BadHallId> {
    token(hall).map(|h| format!("hallq.booking.{h}"))
}

/// The durable consumer a hall's hub reads its bookings with, `booking-<hall>`.
pub fn booking_consumer(hall: &str) -> Result<String, BadHallId> {
    token(hall).map(|h| format!("booking-{h}"))
}

/// The subjects HQ answers mark requests on: `hallq.mark.<hall>`, plain NATS request/reply.
pub const MARK_SUBJECTS: &str = "hallq.mark.*";

/// The subject a hub asks HQ's mark of its journal on, `hallq.mark.<hall>`.
pub fn mark_subject(hall: &str) -> Result<String, BadHallId> {
    token(hall).map(|h| format!("hallq.mark.{h}"))
}

/// The prefix of the inboxes a hall's hub receives its answers on (JetStream's acknowledgements,
/// HQ's marks, the configuration reads), `_INBOX.<hall>`: the NATS server lets each hall
/// subscribe to its own `_INBOX.<hall>.>` only, so no hall can read another's answers.
pub fn inbox_prefix(hall: &str) -> Result<String, BadHallId> {
    token(hall).map(|h| format!("_INBOX.{h}"))
}

/// The subjects HQ's ingest tells halls of gaps on: `hallq.gap.<hall>`.
pub const GAP_SUBJECTS: &str = "hallq.gap.*";

/// The subject HQ tells a hall of a gap in its upload on, `hallq.gap.<hall>`.
pub fn gap_subject(hall: &str) -> Result<String, BadHallId> {
    token(hall).map(|h| format!("hallq.gap.{h}"))
}

/// The subjects the halls' ticket-page boards come on: `hallq.pages.<hall>`, plain NATS, in
/// numbered parts (whole now and then, the changes in between; an HQ process that missed one asks
/// for the whole board again). Every HQ process serving the pages subscribes (no queue group):
/// each serves every hall's pages from memory.
pub const PAGES_SUBJECTS: &str = "hallq.pages.*";

/// The subject a hall's hub sends its ticket pages' board on, `hallq.pages.<hall>`
/// (docs/phone.md, "At HQ").
pub fn pages_subject(hall: &str) -> Result<String, BadHallId> {
    token(hall).map(|h| format!("hallq.pages.{h}"))
}

/// The subject a page at HQ sends its hall a rating or a notice on, `hallq.pagedown.<hall>`
/// (NATS request/reply: the hall's hub answers on HQ's inbox); HQ asks there for a hall's whole
/// board too (unanswered: the board comes on the pages' subject).
pub fn page_down_subject(hall: &str) -> Result<String, BadHallId> {
    token(hall).map(|h| format!("hallq.pagedown.{h}"))
}

/// The hall id of a subject `<prefix>.<hall>` (`hallq.mark.gz-01` → `gz-01`), if it is one.
pub fn hall_of(subject: &str) -> Option<&str> {
    let (_, hall) = subject.rsplit_once('.')?;
    token(hall).ok().map(|_| hall)
}

/// `hall`, if it is one subject token.
fn token(hall: &str) -> Result<&str, BadHallId> {
    let bad = hall.is_empty()
        || hall
            .chars()
            .any(|c| matches!(c, '.' | '*' | '>') || c.is_whitespace() || c.is_control());
    if bad {
        return Err(BadHallId {
            hall: hall.chars().take(64).collect(),
        });
    }
    Ok(hall)
}

/// A hub's question on [`mark_subject`]: how far HQ holds this journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkRequest {
    /// The journal's epoch.
    pub epoch: String,
}

/// HQ's answer to a [`MarkRequest`]: every seq from 1 to `seq` is stored (0: none yet), or why
/// HQ cannot say now (its database is away): the hub asks again later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkReply {
    /// The high-water mark of (hall, epoch).
    #[serde(default)]
    pub seq: i64,
    /// Set when HQ could not read the mark; `seq` then means nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Sent by HQ's ingest on [`gap_subject`] when it gave up a batch of the hall's that started
/// past the mark: the hub resends from `expected` without waiting for its next question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapNotice {
    /// The journal's epoch.
    pub epoch: String,
    /// mark + 1: where the hub resends from.
    pub expected: i64,
}

/// An event body without its [`FREE_TEXT`] fields (at any depth). Applied by the hub before
/// upload and again by HQ's ingest, so a hub of an older build cannot put free text into HQ.
pub fn deidentify(mut body: serde_json::Value) -> serde_json::Value {
    strip(&mut body);
    body
}

fn strip(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| !FREE_TEXT.contains(&k.as_str()));
            map.values_mut().for_each(strip);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Free text goes, whatever event carries it; ids, codes, numbers and times stay.
    #[test]
    fn free_text_stays_in_the_hall() {
        let events = [
            json!({"type": "complaint_opened", "complaint": "C20261123-0001",
                   "category": "general", "summary": "王先生 charged twice, call …",
                   "visit": "V20261123-0007", "responsibility": "张三 at counter 2",
                   "opened_by": "E1001", "first_contact_due_ms": 1, "due_ms": 2}),
            json!({"type": "complaint_updated", "complaint": "C20261123-0001",
                   "note": "called 王先生 back", "contacted": true}),
            json!({"type": "complaint_resolved", "complaint": "C20261123-0001",
                   "resolution": "refunded to 王先生",
                   "answer": {"cause": "张三 misread the plan", "solution": "refunded 王先生",
                              "promise": "王先生 is told the date"}}),
            json!({"type": "callback_made", "visit": "V20261123-0007", "note": "told 王先生"}),
            json!({"type": "ticket_transferred", "ticket": "20261123-0042",
                   "visit": "V20261123-0007", "counter": 2, "to": {"counter": 3},
                   "note": "王先生 needs the manager"}),
        ];
        for e in events {
            let kind = e["type"].clone();
            let out = deidentify(e).to_string();
            assert!(!out.contains("王先生") && !out.contains("张三"), "{out}");
            assert!(out.contains(&kind.to_string()), "{out}");
        }
        let issued = json!({"type": "ticket_issued", "ticket": "20261123-0042",
                            "visit": "V20261123-0007", "number": "A042", "seq": 42,
                            "business": "basic", "priority": "ordinary", "lang": "zh",
                            "notify": true});
        assert_eq!(
            deidentify(issued.clone()),
            issued,
            "nothing personal to take"
        );
    }

    #[test]
    fn a_hall_id_that_is_not_one_subject_token_is_refused() {
        assert_eq!(subject("gz-01").unwrap(), "hallq.uplink.gz-01");
        for bad in ["", "gz.01", "gz*", "gz>", "gz 01"] {
            assert!(subject(bad).is_err(), "{bad:?}");
            assert!(mark_subject(bad).is_err(), "{bad:?}");
            assert!(status_subject(bad).is_err(), "{bad:?}");
        }
        assert_eq!(mark_subject("gz-01").unwrap(), "hallq.mark.gz-01");
        assert_eq!(gap_subject("gz-01").unwrap(), "hallq.gap.gz-01");
        assert_eq!(status_subject("gz-01").unwrap(), "hallq.status.gz-01");
        assert_eq!(pages_subject("gz-01").unwrap(), "hallq.pages.gz-01");
        assert_eq!(page_down_subject("gz-01").unwrap(), "hallq.pagedown.gz-01");
        assert_eq!(hall_of("hallq.pages.gz-01"), Some("gz-01"));
        for bad in ["", "gz.01", "gz*", "gz>", "gz 01"] {
            assert!(pages_subject(bad).is_err(), "{bad:?}");
            assert!(page_down_subject(bad).is_err(), "{bad:?}");
        }
        assert_eq!(hall_of("hallq.mark.gz-01"), Some("gz-01"));
        assert_eq!(hall_of("hallq.mark."), None);
        assert_eq!(hall_of("nodots"), None);
    }

    #[test]
    fn a_batch_names_its_events_in_its_msg_id() {
        let b = Batch {
            hall: "gz-01".into(),
            epoch: "ab".into(),
            events: (5..=9)
                .map(|seq| UpEvent {
                    seq,
                    at_ms: 0,
                    day: None,
                    kind: "x".into(),
                    body: json!({}),
                })
                .collect(),
        };
        assert_eq!(b.msg_id(), "gz-01:ab:5-9");
    }
}
