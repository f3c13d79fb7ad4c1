//! What the hub hands the journal to write, and what a commit reports back.

use hallq_proto::{CommandId, DeviceId, ErrorCode, Timestamp};
use hallq_queue::Event;

use crate::personal::{AuditRecord, PersonalKind, Sealed};

/// One thing to write. A batch of them is one transaction ([`crate::Journal::commit`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A command the hub decided (the engine applied it, or refused it), with the reply sent.
    Command {
        /// The device that sent it.
        device: DeviceId,
        /// Its idempotency key: with `device`, unique in the journal.
        command_id: CommandId,
        /// Its kind as on the wire (`issue_ticket`, `call_next`…).
        kind: String,
        /// When the hub decided it.
        at: Timestamp,
        /// Whether it succeeded, or the stable code it was refused with.
        ok: Result<(), ErrorCode>,
        /// The exact reply JSON published: a redelivery gets these bytes again.
        reply_json: String,
        /// The events the engine produced for it, in order; none for a refusal.
        events: Vec<Event>,
    },
    /// Events of the hub's own clock: `Tick` results, the scheduled day open and close.
    Internal {
        /// The events, in order.
        events: Vec<Event>,
    },
    /// A command refused before it reached the engine: undecodable, unknown device, forbidden.
    Refusal {
        /// When it arrived.
        at: Timestamp,
        /// The device, if it could be told.
        device: Option<DeviceId>,
        /// The command id, if it could be read (it may not be a valid [`CommandId`]).
        command_id: Option<String>,
        /// Why.
        code: ErrorCode,
        /// For engineers; never personal data.
        detail: String,
        /// The payload's size: the payload itself is not kept (it may hold a phone number).
        payload_bytes: usize,
    },
    /// A device came online (birth) or went offline (will, or a clean disconnect).
    Presence {
        /// When the hub saw it.
        at: Timestamp,
        /// The device.
        device: DeviceId,
        /// Online or offline.
        online: bool,
    },
    /// A personal value, sealed by the hub, in the same transaction as the command it came with.
    Personal(Sealed),
    /// Delete the personal values of `kind` given before `before` (their retention ended), and
    /// audit it.
    Purge {
        /// Which values.
        kind: PersonalKind,
        /// Given before this.
        before: Timestamp,
        /// When the purge runs.
        at: Timestamp,
    },
    /// A line of the audit trail.
    Audit(AuditRecord),
}

/// What one commit wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommitStats {
    /// `Entry::Command`s written.
    pub commands: usize,
    /// Event rows appended.
    pub events: usize,
    /// `Entry::Refusal`s written.
    pub refusals: usize,
    /// `Entry::Presence`s written.
    pub presence: usize,
    /// Personal values written.
    pub personal: usize,
    /// Personal values deleted by `Entry::Purge`s.
    pub purged: usize,
    /// The seq of the first event written, if any.
    pub first_seq: Option<i64>,
    /// The journal's last seq after the commit (unchanged when no event was written; 0 when
    /// the journal has none).
    pub last_seq: i64,
}
