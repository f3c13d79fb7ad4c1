//! The engine's commands: what the hub asks of the queue after it has decoded, validated and
//! authorized a device's command and resolved which counter it is for.

use hallq_proto::command::TicketRef;
use hallq_proto::{
    AnnouncementId, BusinessCode, BusinessDay, ComplaintAnswer, ComplaintCategory, ComplaintId,
    CounterNo, Lang, LocalText, PauseReason, Priority, PriorityReason, Score, ServiceResult,
    StaffNo, TicketId, Timestamp, Touchpoint, TransferTarget, VisitId,
};

/// Which visit a touchpoint belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitRef {
    /// A visit already started (the greeter's handheld carries its id).
    Existing(VisitId),
    /// A new visit starts with this touchpoint.
    New,
    /// No visit: counts at the door, which no person can be tied to.
    Anonymous,
}

/// A command for the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Start the business day `day`: ticket numbers restart and the hall issues tickets.
    OpenDay {
        /// The new day.
        day: BusinessDay,
    },
    /// The daily reset: every live ticket and visit is closed, counters are closed.
    CloseDay,
    /// Issue a ticket.
    IssueTicket {
        /// The business type.
        business: BusinessCode,
        /// Its priority, after the hub checked any green-channel code.
        priority: Priority,
        /// Why priority was given (care).
        reason: Option<PriorityReason>,
        /// Who granted the priority (the greeter's device, or the green-channel code's holder
        /// class); recorded with the ticket.
        granted_by: Option<String>,
        /// The customer's language.
        lang: Lang,
        /// Whether a "your turn is near" notice was asked for (the number itself is kept apart).
        notify: bool,
        /// A visit a greeter already started.
        visit: Option<VisitId>,
        /// The customer's value tier (a level of `[[queue.tiers]]`), after the hub checked the
        /// membership code or the greeter set it.
        tier: Option<u8>,
    },
    /// Record a touchpoint that changes no queue (greeter, kiosk session, door, complaint).
    Touch {
        /// The visit.
        visit: VisitRef,
        /// Which touchpoint.
        touchpoint: Touchpoint,
        /// The business concerned.
        business: Option<BusinessCode>,
        /// Whether the matter was settled on the spot.
        resolved: Option<bool>,
        /// For door counts: how many people.
        count: Option<u32>,
        /// What happened, in a word (`consultation`, `self_service_chosen`, `door_entered`, …).
        what: String,
    },
    /// The kiosk printed a ticket or failed to.
    PrintResult {
        /// The ticket.
        ticket: TicketId,
        /// Whether the printer took it.
        ok: bool,
        /// Whether it was a reprint.
        reprint: bool,
    },
    /// The wall display spoke a call of `ticket` to `counter`.
    CallAnnounced {
        /// The ticket called.
        ticket: TicketId,
        /// The counter it was called to.
        counter: CounterNo,
        /// 0 for the first call, then the recall count.
        recall: u32,
    },
    /// A clerk signs in; the counter opens.
    SignIn {
        /// The counter.
        counter: CounterNo,
        /// The clerk.
        staff: StaffNo,
    },
    /// The clerk signs out; the counter closes.
    SignOut {
        /// The counter.
        counter: CounterNo,
    },
    /// Open the counter for calling.
    OpenCounter {
        /// The counter.
        counter: CounterNo,
    },
    /// Close the counter.
    CloseCounter {
        /// The counter.
        counter: CounterNo,
    },
    /// Pause the counter.
    Pause {
        /// The counter.
        counter: CounterNo,
        /// Why.
        reason: PauseReason,
    },
    /// Resume after a pause.
    Resume {
        /// The counter.
        counter: CounterNo,
    },
    /// Call the next ticket by the counter's skills.
    CallNext {
        /// The counter.
        counter: CounterNo,
    },
    /// Call a specific waiting ticket.
    CallTicket {
        /// The counter.
        counter: CounterNo,
        /// The ticket.
        ticket: TicketRef,
    },
    /// Call the ticket being called again.
    Recall {
        /// The counter.
        counter: CounterNo,
    },
    /// The called customer arrived.
    StartService {
        /// The counter.
        counter: CounterNo,
    },
    /// The service waits on the back office, or stops waiting.
    BackOffice {
        /// The counter.
        counter: CounterNo,
        /// Start or end of the wait.
        waiting: bool,
    },
    /// The service ends.
    Finish {
        /// The counter.
        counter: CounterNo,
        /// The result.
        result: ServiceResult,
        /// With "needs more documents": which of the business type's documents are missing
        /// (positions in its list), for the list printed for the customer (《补充材料清单》).
        missing: Vec<u8>,
    },
    /// The called customer did not come.
    NoShow {
        /// The counter.
        counter: CounterNo,
    },
    /// Send the ticket at the counter elsewhere.
    Transfer {
        /// The counter.
        counter: CounterNo,
        /// Where to.
        to: TransferTarget,
        /// A note for the next clerk.
        note: Option<String>,
    },
    /// Put a skipped ticket back in its queue.
    Requeue {
        /// The ticket.
        ticket: TicketRef,
    },
    /// Withdraw a waiting ticket: the customer left.
    Cancel {
        /// The ticket.
        ticket: TicketRef,
    },
    /// The customer rated the service just finished at `counter`.
    Rate {
        /// The counter whose evaluator was pressed.
        counter: CounterNo,
        /// The rating.
        score: Score,
    },
    /// Open a complaint case (touchpoint 15).
    ComplaintOpen {
        /// General (24 h) or complex (72 h).
        category: ComplaintCategory,
        /// What it is about.
        summary: String,
        /// The visit it arose in.
        visit: Option<VisitId>,
        /// The ticket it arose from.
        ticket: Option<TicketRef>,
        /// The business type, for the hot-spot analysis.
        business: Option<BusinessCode>,
        /// Who is responsible, for the hot-spot analysis.
        responsibility: Option<String>,
        /// Who opened it (a device or a staff number).
        opened_by: String,
    },
    /// Record progress on an open complaint.
    ComplaintUpdate {
        /// The case.
        complaint: ComplaintId,
        /// What was done.
        note: String,
        /// Whether the customer was contacted.
        contacted: bool,
    },
    /// Resolve an open complaint.
    ComplaintResolve {
        /// The case.
        complaint: ComplaintId,
        /// How.
        resolution: String,
        /// The written result told to the customer (cause, solution, compensation, promise).
        answer: Option<ComplaintAnswer>,
    },
    /// The call-back owed for the visit's open consultation was made.
    CallbackDone {
        /// The visit of the consultation.
        visit: VisitId,
        /// What the customer was told.
        note: String,
    },
    /// Post (or replace) an announcement.
    AnnouncementPost {
        /// Its id; the engine assigns one if none.
        id: Option<AnnouncementId>,
        /// The text.
        text: LocalText,
        /// When it takes effect; now if none.
        starts_at: Option<Timestamp>,
        /// When it ends; the daily reset if none.
        ends_at: Option<Timestamp>,
        /// Where to ask.
        where_to_ask: Option<LocalText>,
    },
    /// Remove an announcement.
    AnnouncementClear {
        /// Its id.
        id: AnnouncementId,
    },
    /// Time passed: apply time-outs (automatic no-show, rating prompt, idle visits, expired
    /// announcements).
    Tick,
    /// The customer rated a ticket served today from its live page on their phone (issue 15):
    /// once per ticket, whether or not the evaluator's prompt is still open.
    RateTicket {
        /// The ticket served.
        ticket: TicketId,
        /// The rating.
        score: Score,
    },
    /// Issue the ticket of a booked customer who checked in on time (issue 15 §3): queued by
    /// the booking's bounded head start (docs/booking.md, "The ordering rule"). A check-in later
    /// than the slot's `late_min` is refused: that customer takes an ordinary ticket.
    IssueBooked {
        /// The business type booked.
        business: BusinessCode,
        /// The slot and the hall's rule at the check-in.
        slot: BookedSlot,
        /// Priority (care) as for any customer; it applies on top of the booking's head start.
        priority: Priority,
        /// Why priority was given.
        reason: Option<PriorityReason>,
        /// The customer's language.
        lang: Lang,
        /// A visit a greeter already started.
        visit: Option<VisitId>,
    },
}

/// A booked slot as the queue takes it: its start and the hall's rule when the customer
/// checked in (`[booking] head_start_min`, `late_min`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookedSlot {
    /// The slot's start.
    pub start: Timestamp,
    /// The booked customer is queued as if they had come this long before the start (at most
    /// [`crate::MAX_BOOKING_HEAD_START_MIN`]).
    pub head_start_min: u32,
    /// A check-in later than this after the start is no longer the booking's.
    pub late_min: u32,
}
