//! Replies: the hub's answer to each command, on `…/reply/{device}`, with the command's id.
//!
//! ```json
//! {"v":1,"id":"k1-000042","at_ms":1795400000000,"ok":{"kind":"ticket_issued", …}}
//! {"v":1,"id":"k1-000043","at_ms":1795400000000,"error":{"code":"unknown_business","zh":"…","en":"…"}}
//! ```
//!
//! A redelivered command is answered with the very reply it got the first time.

use serde::{Deserialize, Serialize};

use crate::SCHEMA_VERSION;
use crate::error::ErrorInfo;
use crate::ids::{
    AnnouncementId, BusinessCode, CommandId, ComplaintId, CounterNo, TicketId, TicketNo, Timestamp,
    VisitId,
};
use crate::state::CounterState;
use crate::vocab::{LocalText, Priority};

/// A reply with its envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// Schema version.
    pub v: u32,
    /// The id of the command answered; `null` when the payload had no readable id.
    pub id: Option<CommandId>,
    /// When the hub decided (the hub's clock).
    pub at_ms: Timestamp,
    /// The answer.
    #[serde(flatten)]
    pub body: ReplyBody,
}

impl Reply {
    /// A successful reply.
    pub fn ok(id: CommandId, at: Timestamp, result: ReplyResult) -> Self {
        Self {
            v: SCHEMA_VERSION,
            id: Some(id),
            at_ms: at,
            body: ReplyBody::Ok(result),
        }
    }

    /// An error reply.
    pub fn error(id: Option<CommandId>, at: Timestamp, error: impl Into<ErrorInfo>) -> Self {
        Self {
            v: SCHEMA_VERSION,
            id,
            at_ms: at,
            body: ReplyBody::Error(error.into()),
        }
    }

    /// The JSON payload to publish.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Success or failure, as `"ok": {…}` or `"error": {…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyBody {
    /// The command was carried out.
    Ok(ReplyResult),
    /// The command was refused; nothing changed.
    Error(ErrorInfo),
}

/// What a successful command produced, by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReplyResult {
    /// A ticket was issued: everything the kiosk prints and shows.
    TicketIssued(TicketIssued),
    /// A ticket was called (call next, call ticket, recall).
    Called {
        /// The ticket.
        ticket: TicketId,
        /// Its number.
        number: TicketNo,
        /// Its business type.
        business: BusinessCode,
        /// Its priority.
        priority: Priority,
        /// The calling counter.
        counter: CounterNo,
        /// How many times it was recalled so far.
        recalls: u32,
        /// The greeting of the customer's value tier, for the clerk's screen only (never a
        /// level: the tier itself is shown nowhere). Absent for customers without a tier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        greeting: Option<LocalText>,
    },
    /// A counter command was carried out; the counter's new state.
    Counter(CounterState),
    /// A touchpoint was recorded; the visit it belongs to (new if none was given).
    Recorded {
        /// The visit, when the touchpoint belongs to one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visit: Option<VisitId>,
    },
    /// A rating was recorded for this ticket.
    Rated {
        /// The ticket rated.
        ticket: TicketId,
    },
    /// A complaint case was opened or changed.
    Complaint {
        /// The case.
        complaint: ComplaintId,
        /// When the first contact is due (2 h after opening).
        first_contact_due_ms: Timestamp,
        /// When the solution (general) or progress feedback (complex) is due.
        due_ms: Timestamp,
        /// Whether the case is resolved.
        resolved: bool,
    },
    /// An announcement was posted or cleared.
    Announcement {
        /// Its id.
        id: AnnouncementId,
    },
    /// A checklist was recorded (`inspection_record`).
    Inspection {
        /// Its id (`I{day}-{n}`).
        inspection: String,
        /// Items checked and passed, as recorded (before the critical rule of the report).
        items_passed: u32,
        /// Items checked.
        items_checked: u32,
        /// Whether a critical item failed: the whole inspection fails (docs/reports.md).
        critical_failed: bool,
        /// A correction for each failed item, with its deadline.
        corrections: Vec<crate::inspection::CorrectionOpened>,
    },
    /// A correction was followed up or closed.
    Correction {
        /// The correction.
        correction: String,
        /// Whether it is closed now.
        closed: bool,
    },
    /// Done, with nothing more to say.
    Done,
    /// A booked customer checked in (`check_in`): the ticket to print, and what they are told.
    CheckedIn {
        /// The booking code.
        booking: String,
        /// The booked slot's start.
        slot_start_ms: Timestamp,
        /// Later than the hall's limit: the ticket is a walk-in's, queued from the check-in.
        late: bool,
        /// What the kiosk shows and the greeter says (on time, or late and queued as a walk-in).
        note: LocalText,
        /// The ticket, as `ticket_issued` has it.
        ticket: TicketIssued,
    },
}

/// The kiosk's ticket: printed, and shown on screen with the documents to have ready.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketIssued {
    /// The ticket's id (for print results, reprints and the QR code).
    pub ticket: TicketId,
    /// The number printed and called.
    pub number: TicketNo,
    /// The visit it belongs to.
    pub visit: VisitId,
    /// The business type.
    pub business: BusinessCode,
    /// The business type's name.
    pub business_name: LocalText,
    /// Its priority.
    pub priority: Priority,
    /// When it was issued (the hub's clock).
    pub issued_at_ms: Timestamp,
    /// Tickets of this business type called before it, as things stand.
    pub people_ahead: u32,
    /// Estimated minutes until it is called; `null` when no counter serves it now.
    pub estimated_wait_min: Option<u32>,
    /// One-time notification (一次性告知): documents to have ready.
    pub documents: Vec<LocalText>,
    /// The ticket's live page on the customer's phone, when the hall serves it (`[phone]`):
    /// what the QR code holds instead of the bare ticket id. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
}
