//! The hallq journal: the hall's durable memory in one SQLite file.
//!
//! The hub is its only writer. Before it replies to a command or publishes state, it commits
//! the command, the reply it is about to send and the events the engine produced, in one
//! transaction with the other commands that arrived together (group commit). On start it
//! rebuilds the live queue from [`Journal::replay`]; a redelivered command is answered from
//! [`Journal::reply_for`]. Reports read the same file while the hub runs
//! ([`Journal::open_read_only`]). The crate is synchronous: the hub gives it a thread of its
//! own and never holds it across an `.await`.
//!
//! Parts:
//! - [`Journal`] (`journal`): opening (WAL, `synchronous=FULL` by default, foreign keys, busy
//!   timeout), read-only opening for reports, [`Journal::commit`], the integrity check.
//! - `schema`: pragmas, `PRAGMA user_version` migrations from `sql/*.sql`, refusal of a newer
//!   file; how to add version 2 is written there.
//! - [`Entry`], [`CommitStats`] (`entry`): what a batch holds (decided commands with their reply
//!   and events, hub-clock events, refusals, presence) and what a commit wrote.
//! - `write`: one transaction per batch, seqs without gaps, the business day of each row.
//! - `project`: the `visits`, `tickets`, `ratings` and `complaints` projections, derived from
//!   each event in the same transaction.
//! - `personal`: sealed personal values ([`Sealed`]), their count by keyed hash and purge, and
//!   the audit trail ([`AuditRecord`]).
//! - `read`: the dedupe answer, the replay, and the projection rows ([`TicketRow`] …).
//! - [`JournalError`]: the one error type.
//!
//! The schema (`sql/v1.sql`): append-only `commands` (the dedupe store, keyed by device and
//! command id), `events` (one row per engine event, seq-ordered, with touchpoint, visit, ticket,
//! counter, staff and the event JSON), `refusals`, `presence`; projections `visits`, `tickets`,
//! `ratings`, `complaints`. Version 2 adds `personal` and `audit` ([`personal`]): the only
//! personal data, a mobile number for a "your turn is near" notice or a complainant's call back,
//! is kept apart from the touchpoints, sealed by the hub before the journal sees it, and purged
//! when its retention ends. The events carry only a `notify` flag. Version 4 adds `epoch`: the
//! random id the file gets once at creation ([`Journal::epoch`]), with which HQ tells a replaced
//! journal's seqs from the old one's.

mod entry;
mod error;
mod journal;
mod personal;
mod project;
mod read;
mod schema;
mod write;

pub use entry::{CommitStats, Entry};
pub use error::JournalError;
pub use journal::Journal;
pub use personal::{AuditRecord, PersonalKind, Sealed};
pub use read::{ComplaintRow, RatingRow, TicketRow, VisitRow};
pub use schema::{Durability, SCHEMA_VERSION};

#[cfg(test)]
mod tests {
    /// The hub moves the journal onto a thread of its own.
    #[test]
    fn the_journal_can_move_to_its_thread() {
        fn send<T: Send>() {}
        send::<crate::Journal>();
    }
}
