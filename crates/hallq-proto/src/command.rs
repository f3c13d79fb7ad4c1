//! Commands: what devices ask of the hub, on `…/cmd/{device}`.
//!
//! On the wire a command is one flat JSON object:
//!
//! ```json
//! {"v":1,"id":"k1-000042","device":"kiosk-1","kind":"issue_ticket","business":"basic"}
//! ```
//!
//! `v`, `id` and `device` form the envelope; `kind` and the remaining fields are the [`Command`].
//! Decoding is strict ([`decode_command`]): a size limit first, then duplicate keys (JSON readers
//! let the last one win, so `{"id":"a","id":"b"}` would be whichever the reader picked), then the
//! schema version, then `deny_unknown_fields`, so a typo is an error reply rather than a silently
//! ignored field.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ErrorCode, ErrorInfo};
use crate::ids::{
    AnnouncementId, BusinessCode, CommandId, ComplaintId, CounterNo, DeviceId, Phone, StaffNo,
    TicketId, Timestamp, VisitId,
};
use crate::inspection::InspectionAnswer;
use crate::vocab::{
    ComplaintAnswer, ComplaintCategory, Lang, LocalText, PauseReason, PriorityReason, Score,
    ServiceResult, TransferTarget,
};
use crate::{MAX_COMMAND_BYTES, SCHEMA_VERSION};

/// A command with its envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandEnvelope {
    /// The schema version the device speaks; always [`SCHEMA_VERSION`] once decoded.
    pub v: u32,
    /// The idempotency key: a redelivered or retried command with the same id gets the first
    /// answer and changes nothing.
    pub id: CommandId,
    /// The sending device; the hub checks it against the topic it came on.
    pub device: DeviceId,
    /// What the device asks.
    pub cmd: Command,
}

impl CommandEnvelope {
    /// Wraps `cmd` for `device` with the idempotency key `id`.
    pub fn new(id: CommandId, device: DeviceId, cmd: Command) -> Self {
        Self {
            v: SCHEMA_VERSION,
            id,
            device,
            cmd,
        }
    }

    /// The JSON payload to publish.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Flat<'a> {
            v: u32,
            id: &'a CommandId,
            device: &'a DeviceId,
            #[serde(flatten)]
            cmd: &'a Command,
        }
        let flat = Flat {
            v: self.v,
            id: &self.id,
            device: &self.device,
            cmd: &self.cmd,
        };
        // Serializing these types cannot fail: every map key is a string.
        serde_json::to_string(&flat).unwrap_or_default()
    }
}

/// A reference to one of today's tickets: its number as printed (`A012`), or its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketRef(pub String);

/// A staff PIN. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pin(pub String);

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(***)")
    }
}

/// Where in the kiosk flow a customer gave up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KioskStep {
    /// On the welcome screen with the business types.
    ChooseBusiness,
    /// While self-service was being offered.
    SelfServiceOffer,
    /// On the priority / green channel question.
    Priority,
    /// On the phone number question.
    Phone,
    /// Before confirming.
    Confirm,
}

/// The fields of a ticket request, from a kiosk or from a greeter on a customer's behalf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueTicket {
    /// The business type chosen.
    pub business: BusinessCode,
    /// Set when the customer asked for priority service; recorded with the ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_reason: Option<PriorityReason>,
    /// A code the customer shows: a green-channel code (VIP card, agreement number) or a
    /// membership code that gives a value tier (hall.toml `[[membership]]`); the hub checks it
    /// against both lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub green_channel: Option<String>,
    /// The customer's value tier (a level of `[[queue.tiers]]`), set by a greeter who checked
    /// the membership; a kiosk may not set it (its customers show a code instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<u8>,
    /// The customer's language, for the printout and the voice.
    #[serde(default)]
    pub lang: Lang,
    /// A mobile number for a "your turn is near" notice. Personal data: encrypted at rest,
    /// never shown unmasked, never logged, never retained on the broker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    /// The kiosk session this ticket closes, to join session touchpoints to the visit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The visit this ticket belongs to, when a greeter already started one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit: Option<VisitId>,
}

/// A touchpoint a greeter records (consultation, wandering, product experience, pre-check).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Touch {
    /// The visit it belongs to; none starts a new visit, whose id the reply returns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit: Option<VisitId>,
    /// The business the visitor asked about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<BusinessCode>,
    /// Whether the matter was settled on the spot (a consultation answered at once, documents
    /// complete). `false` for a consultation means a call-back within 24 h is owed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<bool>,
    /// A short free-text note (no personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Everything a device can ask of the hub, by `kind`.
///
/// Which device may send which kind is set by its role (the hub checks it, see docs/protocol.md).
/// Counter commands act on the sending device's own counter, from the hall config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    // --- kiosk -------------------------------------------------------------------------------
    /// Issue a ticket (kiosk; greeter on a customer's behalf).
    IssueTicket(IssueTicket),
    /// A customer touched the welcome screen.
    SessionStarted {
        /// The kiosk's id for this session.
        session: String,
    },
    /// The customer took the self-service or app offer instead of a ticket (touchpoint 9).
    SelfServiceChosen {
        /// The kiosk session.
        session: String,
        /// The business the offer was for.
        business: BusinessCode,
    },
    /// The customer left the kiosk before a ticket was issued.
    SessionAbandoned {
        /// The kiosk session.
        session: String,
        /// The step they left at.
        step: KioskStep,
    },
    /// The kiosk's printer printed a ticket, or failed to.
    PrintResult {
        /// The ticket printed.
        ticket: TicketId,
        /// Whether the printer took it.
        ok: bool,
        /// Whether this was a reprint.
        #[serde(default)]
        reprint: bool,
        /// The printer's error, for staff.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },

    // --- greeter ------------------------------------------------------------------------------
    /// A consultation at the door (touchpoint 7).
    Consultation(Touch),
    /// A visitor seen wandering, not yet guided (touchpoint 6).
    Wandering(Touch),
    /// A visitor tried products in the experience area (touchpoint 8).
    ProductExperience(Touch),
    /// Documents checked and forms filled while waiting (pre-processing).
    DocumentPrecheck(Touch),

    // --- counter ------------------------------------------------------------------------------
    /// A clerk signs in at the device's counter.
    SignIn {
        /// The staff number (工号).
        staff: StaffNo,
        /// The clerk's PIN, checked against its hash in the hall config.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pin: Option<Pin>,
    },
    /// The clerk signs out.
    SignOut {},
    /// Open a counter for calling: the device's own, or (supervisor) the one named.
    OpenCounter {
        /// The counter; counters omit it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        counter: Option<CounterNo>,
    },
    /// Close a counter: it calls nobody until opened.
    CloseCounter {
        /// The counter; counters omit it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        counter: Option<CounterNo>,
    },
    /// Pause the counter.
    Pause {
        /// Why.
        reason: PauseReason,
        /// A note for the supervisor.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Resume after a pause.
    Resume {},
    /// Call the next ticket this counter serves.
    CallNext {},
    /// Call a specific waiting ticket.
    CallTicket {
        /// The ticket, by number or id.
        ticket: TicketRef,
    },
    /// Call the ticket being called once more.
    Recall {},
    /// The called customer arrived: service starts (touchpoint 12).
    StartService {},
    /// The service waits on the back office or a system, or stops waiting (touchpoint 13).
    BackOffice {
        /// `true` when the wait starts, `false` when it ends.
        waiting: bool,
    },
    /// The service ends with a result (touchpoint 14; 10 for a sale).
    Finish {
        /// The result.
        result: ServiceResult,
        /// A note (no personal data).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// With `needs_documents`: which documents of the business type's list are missing
        /// (positions, from 0), journaled with the result and printed for the customer as the
        /// list of documents still needed (《补充材料清单》).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        missing: Vec<u8>,
    },
    /// The called customer did not come: the ticket is skipped.
    NoShow {},
    /// Send the ticket being served or called to another business type or counter.
    Transfer {
        /// Where it goes.
        to: TransferTarget,
        /// What the next clerk should know.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Put a skipped ticket back in its queue (the customer came back).
    Requeue {
        /// The ticket, by number or id.
        ticket: TicketRef,
    },
    /// Withdraw a waiting ticket: the customer told staff they are leaving.
    CancelTicket {
        /// The ticket, by number or id.
        ticket: TicketRef,
        /// Why, for the reports.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },

    // --- evaluator ----------------------------------------------------------------------------
    /// A rating for the service just finished at the evaluator's counter.
    Rate {
        /// The key pressed.
        score: Score,
        /// The ticket the pad showed (`awaiting_rating.ticket`); when given, the hub refuses the
        /// rating if the counter has moved on, so a retried rating never lands on the next
        /// customer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ticket: Option<TicketId>,
    },

    // --- complaints ---------------------------------------------------------------------------
    /// Open a complaint case (touchpoint 15).
    ComplaintOpen {
        /// General (24 h) or complex (72 h).
        category: ComplaintCategory,
        /// What it is about (no personal data).
        summary: String,
        /// The visit it arose in.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visit: Option<VisitId>,
        /// The ticket it arose from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ticket: Option<TicketRef>,
        /// The business type, for the monthly hot-spot analysis.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        business: Option<BusinessCode>,
        /// Who is responsible (counter, network, billing, …), for the hot-spot analysis.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        responsibility: Option<String>,
        /// The complainant's mobile number for the call back. Personal data: sealed at rest, kept
        /// with the complaint record (at least 3 years), never echoed, logged or published.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contact: Option<Phone>,
    },
    /// Record progress on a complaint; `contacted` marks the first contact (due within 2 h).
    ComplaintUpdate {
        /// The case.
        complaint: ComplaintId,
        /// What was done.
        note: String,
        /// Whether the customer was contacted.
        #[serde(default)]
        contacted: bool,
    },
    /// Close a complaint with its resolution and, as the hall code asks, the written result the
    /// customer is told: cause, solution, compensation, follow-up promise.
    ComplaintResolve {
        /// The case.
        complaint: ComplaintId,
        /// How it was resolved (a line for the supervisor's list).
        resolution: String,
        /// The written result (原因、解决方案、补偿措施、后续承诺), journaled with the
        /// resolution and shown in the report's complaint section.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer: Option<ComplaintAnswer>,
    },
    /// Send a resolved case's written result again after its SMS failed for good
    /// (`state/complaints`' `undelivered`); refused when the number was purged. Idempotent by
    /// command id, like every command: a redelivery sends nothing twice.
    ComplaintResultResend {
        /// The case.
        complaint: ComplaintId,
    },
    /// The call or SMS back owed for a consultation not answered on the spot (a `consultation`
    /// with `resolved: false`) was made: DOMAIN.md's 24 h limit.
    CallbackDone {
        /// The visit of the consultation.
        visit: VisitId,
        /// What the customer was told (no personal data).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },

    // --- supervisor ---------------------------------------------------------------------------
    /// Post a temporary announcement: red background, white text, on every display.
    AnnouncementPost {
        /// An id to replace or clear it later; the hub assigns one if omitted. (Not `id`: that
        /// is the command's own.)
        #[serde(default, skip_serializing_if = "Option::is_none")]
        announcement: Option<AnnouncementId>,
        /// The text.
        text: LocalText,
        /// When it takes effect; now if omitted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        starts_at_ms: Option<Timestamp>,
        /// When it ends; at the daily reset if omitted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ends_at_ms: Option<Timestamp>,
        /// Where to ask (e.g. "咨询台 / information desk").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        where_to_ask: Option<LocalText>,
    },
    /// Remove an announcement.
    AnnouncementClear {
        /// The announcement.
        announcement: AnnouncementId,
    },

    // --- wall display -------------------------------------------------------------------------
    /// The display spoke a call (touchpoint 11: the customer was told where to go).
    CallAnnounced {
        /// The ticket called (the call event's `ticket`).
        ticket: TicketId,
        /// The counter it was called to.
        counter: CounterNo,
        /// 0 for the first call, then the recall count (the call event's `recall`).
        #[serde(default)]
        recall: u32,
    },
    // --- door counter -------------------------------------------------------------------------
    /// People counted at the door since the last report (touchpoints 3 and 4).
    DoorCount {
        /// People who came in.
        entered: u32,
        /// People who passed in front of the hall without entering, if the sensor sees them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        passed_by: Option<u32>,
    },

    // --- supervisor, greeter: service-standard inspections --------------------------------------
    /// A checklist done (服务监督, docs/protocol.md "Inspections"): every item of the hall's
    /// checklist `template` answered once; each failed item opens a correction with a deadline.
    InspectionRecord {
        /// The checklist's code (`state/inspections` lists the scheduled ones).
        template: String,
        /// The inspector's staff number (工号); the device's id if omitted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        staff: Option<StaffNo>,
        /// Every item of the checklist, pass or fail, a failed one with a note.
        items: Vec<InspectionAnswer>,
        /// A note on the whole (a mystery shopper's case and suggestions; no personal data).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// When the visit took place, for a checklist recorded at any time (`on_demand`, a
        /// mystery shopper's visit told afterwards); not in the future, at most 31 days ago.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visited_at_ms: Option<Timestamp>,
        /// Who made the visit: the shopper's name or organisation (free text, kept in the
        /// hall; no customer's data), for an `on_demand` checklist.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shopper: Option<String>,
    },
    /// What was done about a correction so far.
    CorrectionFollowUp {
        /// The correction (`R{day}-{n}`).
        correction: String,
        /// What was done.
        note: String,
        /// Who did it; the device's id if omitted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        staff: Option<StaffNo>,
    },
    /// A correction put right and closed (supervisor).
    CorrectionClose {
        /// The correction.
        correction: String,
        /// How it was put right.
        note: String,
        /// Who closed it; the device's id if omitted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        staff: Option<StaffNo>,
    },

    // --- kiosk, greeter: appointments ---------------------------------------------------------
    /// A booked customer checks in (issue 15 §3, docs/booking.md): a ticket queued by the
    /// booking's head start, or a walk-in's when late, or a refusal saying when to come.
    CheckIn(CheckIn),
}

/// A check-in of a booking: by its code (kiosk or greeter), or (kiosk) by the mobile number it
/// was made with, which the hub turns into the booking's keyed hash and never stores.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckIn {
    /// The booking code as the customer gives it (case, spaces and dashes do not matter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Or the mobile number the booking was made with. Personal data: never stored, logged or
    /// echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    /// Set when the customer asked for priority service (care): it applies on top of the
    /// booking's head start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_reason: Option<PriorityReason>,
    /// The customer's language, for the printout and the voice.
    #[serde(default)]
    pub lang: Lang,
    /// The visit this check-in belongs to, when a greeter already started one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit: Option<VisitId>,
}

impl Command {
    /// Every `kind` of the contract, in documentation order.
    pub const KINDS: [&'static str; 39] = [
        "issue_ticket",
        "session_started",
        "self_service_chosen",
        "session_abandoned",
        "print_result",
        "consultation",
        "wandering",
        "product_experience",
        "document_precheck",
        "sign_in",
        "sign_out",
        "open_counter",
        "close_counter",
        "pause",
        "resume",
        "call_next",
        "call_ticket",
        "recall",
        "start_service",
        "back_office",
        "finish",
        "no_show",
        "transfer",
        "requeue",
        "cancel_ticket",
        "rate",
        "complaint_open",
        "complaint_update",
        "complaint_resolve",
        "complaint_result_resend",
        "callback_done",
        "announcement_post",
        "announcement_clear",
        "call_announced",
        "door_count",
        "inspection_record",
        "correction_follow_up",
        "correction_close",
        "check_in",
    ];

    /// This command's `kind` on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::IssueTicket(_) => "issue_ticket",
            Self::SessionStarted { .. } => "session_started",
            Self::SelfServiceChosen { .. } => "self_service_chosen",
            Self::SessionAbandoned { .. } => "session_abandoned",
            Self::PrintResult { .. } => "print_result",
            Self::Consultation(_) => "consultation",
            Self::Wandering(_) => "wandering",
            Self::ProductExperience(_) => "product_experience",
            Self::DocumentPrecheck(_) => "document_precheck",
            Self::SignIn { .. } => "sign_in",
            Self::SignOut {} => "sign_out",
            Self::OpenCounter { .. } => "open_counter",
            Self::CloseCounter { .. } => "close_counter",
            Self::Pause { .. } => "pause",
            Self::Resume {} => "resume",
            Self::CallNext {} => "call_next",
            Self::CallTicket { .. } => "call_ticket",
            Self::Recall {} => "recall",
            Self::StartService {} => "start_service",
            Self::BackOffice { .. } => "back_office",
            Self::Finish { .. } => "finish",
            Self::NoShow {} => "no_show",
            Self::Transfer { .. } => "transfer",
            Self::Requeue { .. } => "requeue",
            Self::CancelTicket { .. } => "cancel_ticket",
            Self::Rate { .. } => "rate",
            Self::ComplaintOpen { .. } => "complaint_open",
            Self::ComplaintUpdate { .. } => "complaint_update",
            Self::ComplaintResolve { .. } => "complaint_resolve",
            Self::ComplaintResultResend { .. } => "complaint_result_resend",
            Self::CallbackDone { .. } => "callback_done",
            Self::AnnouncementPost { .. } => "announcement_post",
            Self::AnnouncementClear { .. } => "announcement_clear",
            Self::CallAnnounced { .. } => "call_announced",
            Self::DoorCount { .. } => "door_count",
            Self::InspectionRecord { .. } => "inspection_record",
            Self::CorrectionFollowUp { .. } => "correction_follow_up",
            Self::CorrectionClose { .. } => "correction_close",
            Self::CheckIn(_) => "check_in",
        }
    }
}

/// Why a payload could not be decoded into a command. Each maps to an [`ErrorCode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Over [`MAX_COMMAND_BYTES`].
    #[error("payload of {0} bytes is over the limit of {MAX_COMMAND_BYTES}")]
    TooLarge(usize),
    /// Not JSON, not an object, or the envelope is missing a part.
    #[error("malformed command: {0}")]
    Malformed(String),
    /// `v` is a number other than [`SCHEMA_VERSION`] (negative and fractional included); the
    /// number as sent.
    #[error("unsupported schema version {0}")]
    UnsupportedVersion(String),
    /// `kind` names no command.
    #[error("unknown kind {0:?}")]
    UnknownKind(String),
    /// A field is missing, unknown, or of the wrong type or value.
    #[error("invalid field: {0}")]
    InvalidField(String),
}

impl DecodeError {
    /// The stable code for the reply.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::TooLarge(_) => ErrorCode::TooLarge,
            Self::Malformed(_) => ErrorCode::Malformed,
            Self::UnsupportedVersion(_) => ErrorCode::UnsupportedVersion,
            Self::UnknownKind(_) => ErrorCode::UnknownKind,
            Self::InvalidField(_) => ErrorCode::InvalidField,
        }
    }

    /// The error as it travels in a reply (and into the journal's refusals), with this error's
    /// text as the detail, digit runs that could be a phone or ID number cut out: a detail may
    /// repeat what the device sent (a kind, a device id, a number).
    pub fn to_info(&self) -> ErrorInfo {
        ErrorInfo::new(self.code()).with_detail(redact_digits(&self.to_string()))
    }
}

/// A decode failure with whatever could be read of the envelope, so the hub can still address
/// its error reply to the right command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecodable {
    /// The command id, if the payload had a readable one.
    pub id: Option<CommandId>,
    /// What was wrong.
    pub error: DecodeError,
}

/// Decodes a command payload strictly: size, JSON object, envelope, version, kind, fields.
pub fn decode_command(payload: &[u8]) -> Result<CommandEnvelope, Undecodable> {
    let fail = |id: Option<CommandId>, error| Undecodable { id, error };
    if payload.len() > MAX_COMMAND_BYTES {
        return Err(fail(None, DecodeError::TooLarge(payload.len())));
    }
    let mut obj: Map<String, Value> = serde_json::from_slice(payload).map_err(|e| {
        fail(
            None,
            DecodeError::Malformed(format!("not a JSON object: {e}")),
        )
    })?;
    // The map above kept the last of two equal keys. Which `id` (or `business`, or `v`) the
    // device meant cannot be told: the whole command is refused, and its reply names no id.
    serde_json::from_slice::<NoDuplicateKeys>(payload)
        .map_err(|e| fail(None, DecodeError::Malformed(e.to_string())))?;
    let id = match obj.remove("id") {
        Some(Value::String(s)) => {
            CommandId::new(s).map_err(|e| fail(None, DecodeError::Malformed(e.to_string())))?
        }
        _ => {
            return Err(fail(
                None,
                DecodeError::Malformed("missing string field `id`".into()),
            ));
        }
    };
    let id_for = |e| fail(Some(id.clone()), e);
    // Any number but 1 (-1, 0, 1.5, 2) is a version this hub does not speak; only a `v` that is
    // no number at all is a broken envelope.
    match obj.remove("v") {
        Some(Value::Number(n)) if n.as_u64() == Some(u64::from(SCHEMA_VERSION)) => {}
        Some(Value::Number(n)) => {
            return Err(id_for(DecodeError::UnsupportedVersion(n.to_string())));
        }
        _ => {
            return Err(id_for(DecodeError::Malformed(
                "missing number field `v`".into(),
            )));
        }
    }
    let device = match obj.remove("device") {
        Some(Value::String(s)) => {
            DeviceId::new(s).map_err(|e| id_for(DecodeError::InvalidField(e.to_string())))?
        }
        _ => {
            return Err(id_for(DecodeError::Malformed(
                "missing string field `device`".into(),
            )));
        }
    };
    match obj.get("kind") {
        Some(Value::String(k)) if Command::KINDS.contains(&k.as_str()) => {}
        Some(Value::String(k)) => return Err(id_for(DecodeError::UnknownKind(k.clone()))),
        _ => {
            return Err(id_for(DecodeError::Malformed(
                "missing string field `kind`".into(),
            )));
        }
    }
    // A number sent as a JSON number would be echoed by serde's message: refuse it by name.
    for field in ["phone", "contact"] {
        if obj
            .get(field)
            .is_some_and(|p| !p.is_string() && !p.is_null())
        {
            return Err(id_for(DecodeError::InvalidField(format!(
                "`{field}` must be a string"
            ))));
        }
    }
    let cmd = Command::deserialize(Value::Object(obj)).map_err(|e: serde_json::Error| {
        id_for(DecodeError::InvalidField(redact_digits(&e.to_string())))
    })?;
    // The written result is told to the customer: each part says something, none is a novel.
    if let Command::ComplaintResolve {
        answer: Some(a), ..
    } = &cmd
        && let Some(part) = a.invalid_part()
    {
        return Err(id_for(DecodeError::InvalidField(format!(
            "`answer.{part}` must be 1 to {} characters",
            ComplaintAnswer::MAX_PART_CHARS
        ))));
    }
    Ok(CommandEnvelope {
        v: SCHEMA_VERSION,
        id,
        device,
        cmd,
    })
}

/// Reads a JSON document only to refuse an object with the same key twice, at any depth. It
/// builds nothing: the values are read by serde_json's own `Value` beside it.
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDuplicateKeys)
    }
}

impl<'de> serde::de::Visitor<'de> for NoDuplicateKeys {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_none<E>(self) -> Result<Self, E> {
        Ok(self)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self, D::Error> {
        NoDuplicateKeys::deserialize(d)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(self)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "duplicate key `{}`",
                    redact_digits(&key)
                )));
            }
            map.next_value::<NoDuplicateKeys>()?;
        }
        Ok(self)
    }
}

/// Replaces every run of 7 or more digits with `…`: serde's messages repeat the offending value,
/// and a value typed into the wrong field may be a phone or ID number (PIPL). Shorter runs (a
/// counter number, a version) stay, because they help an engineer.
pub fn redact_digits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            run.push(c);
            continue;
        }
        if run.len() >= 7 {
            out.push('…');
        } else {
            out.push_str(&run);
        }
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use super::redact_digits;

    #[test]
    fn long_digit_runs_are_redacted_short_ones_kept() {
        assert_eq!(
            redact_digits("invalid type: integer `13800131234`"),
            "invalid type: integer `…`"
        );
        assert_eq!(
            redact_digits("counter 12 at line 1 column 80"),
            "counter 12 at line 1 column 80"
        );
        assert_eq!(redact_digits("id 110101199003077777 end"), "id … end");
    }
}
