//! Events: what happened, one journal row each. The engine's state is a fold over them.

use hallq_proto::state::Announcement;
use hallq_proto::{
    AnnouncementId, BusinessCode, BusinessDay, ComplaintAnswer, ComplaintCategory, ComplaintId,
    CounterNo, Lang, LocalText, PauseReason, Priority, PriorityReason, Score, ServiceResult,
    StaffNo, TicketId, TicketNo, Timestamp, Touchpoint, TransferTarget, VisitId,
};
use serde::{Deserialize, Serialize};

/// One thing that happened, at the hub's time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When (the hub's clock).
    pub at_ms: Timestamp,
    /// What.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// How a visit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitOutcome {
    /// Served at a counter.
    Served,
    /// Called and did not come.
    NoShow,
    /// Left while waiting, and told staff.
    WalkedOut,
    /// Still open at the daily reset.
    ClosedByReset,
    /// Never took a ticket (guided at the door, or self-service).
    NoTicket,
}

/// The booking a ticket was issued for: carried by the event so that a replay orders the
/// ticket exactly as it was, whatever the rules say later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookedTime {
    /// The booked slot's start.
    pub start: Timestamp,
    /// The time the ticket is queued since: the earlier of the check-in and the start less the
    /// booking's head start.
    pub queue_at: Timestamp,
}

/// Why a ticket left the queue without being served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// The daily reset closed it.
    DailyReset,
}

/// What happened. Each kind names its touchpoint through [`EventKind::touchpoint`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum EventKind {
    /// A business day began.
    DayOpened { day: BusinessDay },
    /// The daily reset ran.
    DayClosed { day: BusinessDay },
    /// A visit began (touchpoint 2, arrival).
    VisitStarted { visit: VisitId },
    /// A touchpoint that changes no queue.
    Touched {
        visit: Option<VisitId>,
        touchpoint: Touchpoint,
        what: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        business: Option<BusinessCode>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolved: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count: Option<u32>,
    },
    /// A ticket was issued (touchpoint 11 begins).
    TicketIssued {
        ticket: TicketId,
        visit: VisitId,
        number: TicketNo,
        /// The number without its prefix, for the number range.
        seq: u32,
        business: BusinessCode,
        priority: Priority,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<PriorityReason>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        granted_by: Option<String>,
        lang: Lang,
        notify: bool,
        /// A booked customer's on-time check-in: the slot and the queue time it gave
        /// (docs/booking.md). Absent for walk-ins.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        booked: Option<BookedTime>,
        /// The customer's value tier and the head start it gave (issue 16 §4). Absent for
        /// customers without one, and from journals written before tiers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tier: Option<crate::tiers::TierMark>,
    },
    /// The kiosk printed the ticket, or failed to.
    TicketPrinted {
        ticket: TicketId,
        visit: VisitId,
        ok: bool,
        reprint: bool,
    },
    /// The wall display spoke a call; `recall` as in the call.
    CallAnnounced {
        ticket: TicketId,
        visit: VisitId,
        counter: CounterNo,
        recall: u32,
    },
    /// A ticket was called; `recall` is 0 for the first call.
    TicketCalled {
        ticket: TicketId,
        visit: VisitId,
        counter: CounterNo,
        staff: StaffNo,
        recall: u32,
        /// Whether the clerk picked this ticket by hand rather than by call-next.
        by_hand: bool,
    },
    /// Service began (touchpoint 12).
    ServiceStarted {
        ticket: TicketId,
        visit: VisitId,
        counter: CounterNo,
        staff: StaffNo,
    },
    /// The service began or stopped waiting on the back office (touchpoint 13).
    BackOffice {
        ticket: TicketId,
        visit: VisitId,
        counter: CounterNo,
        waiting: bool,
    },
    /// The service ended (touchpoint 14).
    ServiceFinished {
        ticket: TicketId,
        visit: VisitId,
        counter: CounterNo,
        staff: StaffNo,
        business: BusinessCode,
        result: ServiceResult,
        /// Seconds from service start to finish: the handling time.
        handling_secs: u32,
        /// With "needs more documents": the documents listed as missing for the customer
        /// (《补充材料清单》), as the business type named them then.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        missing: Vec<LocalText>,
    },
    /// The called customer did not come; the ticket is skipped.
    NoShow {
        ticket: TicketId,
        visit: VisitId,
        counter: CounterNo,
        recalls: u32,
        auto: bool,
    },
    /// The ticket went to another queue or counter (touchpoint 11 again).
    TicketTransferred {
        ticket: TicketId,
        visit: VisitId,
        counter: CounterNo,
        to: TransferTarget,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// A skipped ticket went back in its queue.
    TicketRequeued { ticket: TicketId, visit: VisitId },
    /// A waiting ticket was withdrawn.
    TicketCancelled { ticket: TicketId, visit: VisitId },
    /// A live ticket was closed without service.
    TicketClosed {
        ticket: TicketId,
        visit: VisitId,
        reason: CloseReason,
    },
    /// The customer rated the service.
    Rated {
        ticket: TicketId,
        visit: VisitId,
        counter: CounterNo,
        staff: StaffNo,
        score: Score,
    },
    /// The evaluator's prompt ended without a rating (timed out, or the counter called on).
    RatingSkipped {
        ticket: TicketId,
        visit: VisitId,
        counter: CounterNo,
    },
    /// The visit ended (touchpoint 16).
    VisitEnded {
        visit: VisitId,
        outcome: VisitOutcome,
    },
    /// A complaint case was opened (touchpoint 15).
    ComplaintOpened {
        complaint: ComplaintId,
        category: ComplaintCategory,
        summary: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visit: Option<VisitId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ticket: Option<TicketId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        business: Option<BusinessCode>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        responsibility: Option<String>,
        opened_by: String,
        /// The first contact is due by then (2 h).
        first_contact_due_ms: Timestamp,
        /// The solution (general, 24 h) or progress feedback (complex, 72 h) is due by then.
        due_ms: Timestamp,
    },
    /// Progress on a complaint.
    ComplaintUpdated {
        complaint: ComplaintId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visit: Option<VisitId>,
        note: String,
        contacted: bool,
    },
    /// A complaint was resolved.
    ComplaintResolved {
        complaint: ComplaintId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visit: Option<VisitId>,
        resolution: String,
        /// The written result told to the customer; none from before it was asked for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer: Option<ComplaintAnswer>,
    },
    /// The call-back owed for a consultation not answered on the spot was made (touchpoint 7,
    /// usually after the visit ended).
    CallbackMade { visit: VisitId, note: String },
    /// An announcement was posted or replaced.
    AnnouncementPosted { announcement: Announcement },
    /// An announcement was removed (by hand, at its end, or at the daily reset).
    AnnouncementCleared { announcement: AnnouncementId },
    /// A clerk signed in.
    SignedIn { counter: CounterNo, staff: StaffNo },
    /// A clerk signed out.
    SignedOut { counter: CounterNo, staff: StaffNo },
    /// A counter opened for calling.
    CounterOpened { counter: CounterNo },
    /// A counter closed.
    CounterClosed { counter: CounterNo },
    /// A counter paused.
    CounterPaused {
        counter: CounterNo,
        reason: PauseReason,
    },
    /// A counter resumed.
    CounterResumed { counter: CounterNo },
    /// The hub took headquarters' configuration revision `rev` (configuration down,
    /// docs/chain.md): `doc` is the merged document as JSON, what the hub runs on from here and
    /// again after a restart. The queue's own state does not change.
    ConfigApplied { rev: u64, doc: String },
    /// The hub refused headquarters' configuration revision `rev`, and why; it keeps its last
    /// good configuration.
    ConfigRefused { rev: u64, reason: LocalText },
    /// The customer agreed, when giving a mobile number at the kiosk (or on the ticket page),
    /// that it is used for this ticket's notices ("your turn is near", the call), and only for
    /// them (PIPL). `via` is the device or page it was given on. The number itself is never an
    /// event: it is sealed in the journal's `personal` table.
    NoticeConsented {
        ticket: TicketId,
        visit: VisitId,
        via: String,
        /// The lead time chosen on the ticket page (`ahead-3`, `min-10`); none at the kiosk,
        /// whose notices follow the hall's N and M.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lead: Option<String>,
    },
    /// One attempt to send a notice to a ticket's customer (docs/notify.md): `kind` is `near`
    /// or `called`, `channel` `smpp`, `webhook` or `page`, `attempt` counts from 1, `result` is
    /// `sent` or `failed` (then `error` says why, without the number); `last` is set on the
    /// attempt that ended the tries (sent, or the retry limit reached).
    NoticeSent {
        ticket: TicketId,
        kind: String,
        channel: String,
        attempt: u32,
        result: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        last: bool,
    },
    /// One attempt to send a resolved complaint's written result (原因、解决方案、补偿措施、
    /// 后续承诺) to the number the complainant left (docs/notify.md): `channel` `smpp` or
    /// `webhook`, `attempt` from 1, `result` `sent` or `failed` (then `error` says why, without
    /// the number); `last` on the attempt that ended the tries.
    ComplaintResultSent {
        complaint: ComplaintId,
        channel: String,
        attempt: u32,
        result: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        last: bool,
    },
    /// The supervisor asked that a resolved complaint's written result be sent again after its
    /// SMS failed for good (`complaint_result_resend`, by device `by`): a new round of attempts,
    /// which a hub restarted before its last one resumes.
    ComplaintResultResend { complaint: ComplaintId, by: String },
    /// The hall's book of appointments changed (issue 15 §3, docs/booking.md): the hub holds
    /// the book of a standalone hall and decides its commands in its single writer. The queue's
    /// own state does not change; a check-in on time issues its ticket through the queue.
    Booking {
        booking: hallq_booking::BookingEvent,
    },
    /// The hub hands its open bookings to HQ, which sells the hall's bookings from business day
    /// `from` on (docs/booking.md "At HQ", the import at the switch): every booking still
    /// booked whose slot had not begun, journaled once at the writer's first tick of `from`
    /// (or later, had the hub been down), so it reaches HQ through the uplink like any event.
    /// The hub's own book does not change.
    BookingHandover {
        from: BusinessDay,
        bookings: Vec<hallq_booking::Booking>,
    },
    /// A service-standard inspection was recorded, or one of its corrections changed (issue 16
    /// §1, docs/protocol.md "Inspections"): the hub holds the register beside the queue, in the
    /// same writer and journal. Touchpoint 5, the hall's environment, observed by inspection
    /// rather than per visit. The queue's own state does not change.
    Inspection {
        inspection: hallq_inspect::InspectionEvent,
    },
}

impl EventKind {
    /// The customer touchpoint (DOMAIN.md's 16) this event records; `None` for the hall's own
    /// operations (days, counters, sign-ins), which belong to no visit.
    pub fn touchpoint(&self) -> Option<Touchpoint> {
        use EventKind as E;
        Some(match self {
            E::VisitStarted { .. } => Touchpoint::Arrival,
            E::Touched { touchpoint, .. } => *touchpoint,
            E::CallbackMade { .. } => Touchpoint::Consultation,
            E::TicketIssued { .. }
            | E::TicketPrinted { .. }
            | E::TicketCalled { .. }
            | E::CallAnnounced { .. }
            | E::NoShow { .. }
            | E::TicketTransferred { .. }
            | E::TicketRequeued { .. }
            | E::TicketCancelled { .. } => Touchpoint::Queueing,
            E::ServiceStarted { .. } => Touchpoint::Communication,
            E::BackOffice { .. } => Touchpoint::WaitingDuringHandling,
            E::ServiceFinished {
                result: ServiceResult::Sale,
                ..
            } => Touchpoint::Purchase,
            E::ServiceFinished { .. } => Touchpoint::HandlingResult,
            E::ComplaintOpened { .. }
            | E::ComplaintUpdated { .. }
            | E::ComplaintResolved { .. } => Touchpoint::Complaint,
            E::Inspection { .. } => Touchpoint::Environment,
            E::TicketClosed { .. }
            | E::Rated { .. }
            | E::RatingSkipped { .. }
            | E::VisitEnded { .. } => Touchpoint::Departure,
            E::DayOpened { .. }
            | E::DayClosed { .. }
            | E::SignedIn { .. }
            | E::SignedOut { .. }
            | E::CounterOpened { .. }
            | E::CounterClosed { .. }
            | E::CounterPaused { .. }
            | E::CounterResumed { .. }
            | E::AnnouncementPosted { .. }
            | E::AnnouncementCleared { .. }
            | E::ConfigApplied { .. }
            | E::ConfigRefused { .. }
            // Messages to the customer, not steps of the visit: the reports' trails stay as
            // they were.
            | E::NoticeConsented { .. }
            | E::NoticeSent { .. }
            | E::ComplaintResultSent { .. }
            | E::ComplaintResultResend { .. }
            | E::Booking { .. }
            | E::BookingHandover { .. } => return None,
        })
    }

    /// The visit this event belongs to.
    pub fn visit(&self) -> Option<&VisitId> {
        use EventKind as E;
        match self {
            E::VisitStarted { visit }
            | E::VisitEnded { visit, .. }
            | E::CallbackMade { visit, .. } => Some(visit),
            E::Touched { visit, .. }
            | E::ComplaintOpened { visit, .. }
            | E::ComplaintUpdated { visit, .. }
            | E::ComplaintResolved { visit, .. } => visit.as_ref(),
            E::TicketIssued { visit, .. }
            | E::TicketPrinted { visit, .. }
            | E::TicketCalled { visit, .. }
            | E::CallAnnounced { visit, .. }
            | E::ServiceStarted { visit, .. }
            | E::BackOffice { visit, .. }
            | E::ServiceFinished { visit, .. }
            | E::NoShow { visit, .. }
            | E::TicketTransferred { visit, .. }
            | E::TicketRequeued { visit, .. }
            | E::TicketCancelled { visit, .. }
            | E::TicketClosed { visit, .. }
            | E::Rated { visit, .. }
            | E::RatingSkipped { visit, .. } => Some(visit),
            _ => None,
        }
    }

    /// The ticket this event concerns.
    pub fn ticket(&self) -> Option<&TicketId> {
        use EventKind as E;
        match self {
            E::TicketIssued { ticket, .. }
            | E::TicketPrinted { ticket, .. }
            | E::TicketCalled { ticket, .. }
            | E::CallAnnounced { ticket, .. }
            | E::ServiceStarted { ticket, .. }
            | E::BackOffice { ticket, .. }
            | E::ServiceFinished { ticket, .. }
            | E::NoShow { ticket, .. }
            | E::TicketTransferred { ticket, .. }
            | E::TicketRequeued { ticket, .. }
            | E::TicketCancelled { ticket, .. }
            | E::TicketClosed { ticket, .. }
            | E::Rated { ticket, .. }
            | E::RatingSkipped { ticket, .. } => Some(ticket),
            E::ComplaintOpened { ticket, .. } => ticket.as_ref(),
            E::NoticeConsented { ticket, .. } | E::NoticeSent { ticket, .. } => Some(ticket),
            _ => None,
        }
    }

    /// The counter this event concerns.
    pub fn counter(&self) -> Option<CounterNo> {
        use EventKind as E;
        match self {
            E::TicketCalled { counter, .. }
            | E::CallAnnounced { counter, .. }
            | E::ServiceStarted { counter, .. }
            | E::BackOffice { counter, .. }
            | E::ServiceFinished { counter, .. }
            | E::NoShow { counter, .. }
            | E::TicketTransferred { counter, .. }
            | E::Rated { counter, .. }
            | E::RatingSkipped { counter, .. }
            | E::SignedIn { counter, .. }
            | E::SignedOut { counter, .. }
            | E::CounterOpened { counter }
            | E::CounterClosed { counter }
            | E::CounterPaused { counter, .. }
            | E::CounterResumed { counter } => Some(*counter),
            _ => None,
        }
    }

    /// The clerk this event concerns.
    pub fn staff(&self) -> Option<&StaffNo> {
        use EventKind as E;
        match self {
            E::TicketCalled { staff, .. }
            | E::ServiceStarted { staff, .. }
            | E::ServiceFinished { staff, .. }
            | E::Rated { staff, .. }
            | E::SignedIn { staff, .. }
            | E::SignedOut { staff, .. } => Some(staff),
            _ => None,
        }
    }
}
