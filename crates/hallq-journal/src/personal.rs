//! Personal data kept apart (table `personal`), and the audit trail (table `audit`).
//!
//! The journal never sees a personal value in clear: the hub seals it first (hallq-hub's
//! `privacy` module) and hands over a [`Sealed`] record. What this module knows is where the
//! rows go, how many a number has had today (by its keyed hash), and how they are purged.

use hallq_proto::{BusinessDay, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::JournalError;
use crate::journal::Journal;

/// What a personal value is for; each has its own retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonalKind {
    /// A mobile number for a "your turn is near" notice; its owner is the ticket.
    NoticePhone,
    /// A complainant's number for the call back; its owner is the complaint. Kept as long as the
    /// complaint record (at least 3 years).
    ComplaintContact,
}

impl PersonalKind {
    /// Every kind.
    pub const ALL: [Self; 2] = [Self::NoticePhone, Self::ComplaintContact];

    /// The value of the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoticePhone => "notice_phone",
            Self::ComplaintContact => "complaint_contact",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A personal value as the journal keeps it: sealed, with a keyed hash to count by.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    /// What it is for.
    pub kind: PersonalKind,
    /// The ticket or complaint it belongs to (the AEAD binds the value to kind and owner).
    pub owner: String,
    /// The business day it was given.
    pub day: BusinessDay,
    /// When.
    pub at: Timestamp,
    /// A keyed hash of the value (hex), equal for equal values under one key.
    pub blind: String,
    /// The AEAD's nonce.
    pub nonce: Vec<u8>,
    /// The value, encrypted and authenticated.
    pub sealed: Vec<u8>,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealed")
            .field("kind", &self.kind)
            .field("owner", &self.owner)
            .field("day", &self.day)
            .field("sealed_bytes", &self.sealed.len())
            .finish_non_exhaustive()
    }
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// When.
    pub at: Timestamp,
    /// Who: `hub`, or who ran a command (`cli:<user>`).
    pub actor: String,
    /// What: `device_added`, `device_revoked`, `device_rotated`, `personal_purged`, `key_created`.
    pub action: String,
    /// The device, table or record acted on.
    pub subject: Option<String>,
    /// More, for people; never a secret or a personal value.
    pub detail: String,
}

/// Writes a sealed value (inside the commit's transaction). Giving the same owner a value again
/// replaces it: a reprinted ticket does not keep two numbers.
pub(crate) fn insert(conn: &Connection, s: &Sealed) -> Result<(), JournalError> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO personal (kind, owner, day, at_ms, blind, nonce, sealed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        s.kind.as_str(),
        s.owner,
        s.day.0,
        s.at.0,
        s.blind,
        s.nonce,
        s.sealed
    ])?;
    Ok(())
}

/// Deletes the values of `kind` given before `before`; returns how many.
pub(crate) fn purge(
    conn: &Connection,
    kind: PersonalKind,
    before: Timestamp,
) -> Result<usize, JournalError> {
    Ok(conn
        .prepare_cached("DELETE FROM personal WHERE kind = ?1 AND at_ms < ?2")?
        .execute(params![kind.as_str(), before.0])?)
}

/// Appends a line to the audit trail.
pub(crate) fn audit(conn: &Connection, a: &AuditRecord) -> Result<(), JournalError> {
    conn.prepare_cached(
        "INSERT INTO audit (at_ms, actor, action, subject, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![a.at.0, a.actor, a.action, a.subject, a.detail])?;
    Ok(())
}

impl Journal {
    /// How many values of `kind` with this keyed hash were given on `day`.
    pub fn personal_count(
        &self,
        kind: PersonalKind,
        day: BusinessDay,
        blind: &str,
    ) -> Result<u32, JournalError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM personal WHERE kind = ?1 AND day = ?2 AND blind = ?3",
            )?
            .query_row(params![kind.as_str(), day.0, blind], |r| r.get(0))?)
    }

    /// The sealed value of `kind` belonging to `owner`, if it is still kept.
    pub fn personal(
        &self,
        kind: PersonalKind,
        owner: &str,
    ) -> Result<Option<Sealed>, JournalError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT kind, owner, day, at_ms, blind, nonce, sealed FROM personal
                 WHERE kind = ?1 AND owner = ?2",
            )?
            .query_row(params![kind.as_str(), owner], |r| {
                let kind: String = r.get(0)?;
                Ok(Sealed {
                    kind: PersonalKind::parse(&kind).unwrap_or(PersonalKind::NoticePhone),
                    owner: r.get(1)?,
                    day: BusinessDay(r.get(2)?),
                    at: Timestamp(r.get(3)?),
                    blind: r.get(4)?,
                    nonce: r.get(5)?,
                    sealed: r.get(6)?,
                })
            })
            .optional()?)
    }

    /// How many values of `kind` are kept.
    pub fn personal_total(&self, kind: PersonalKind) -> Result<u64, JournalError> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM personal WHERE kind = ?1")?
            .query_row(params![kind.as_str()], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Appends one line to the audit trail in a transaction of its own (for commands run beside
    /// the hub, such as `hallq device add`; the hub's own lines go through [`Journal::commit`]).
    pub fn record_audit(&mut self, record: &AuditRecord) -> Result<(), JournalError> {
        self.commit(&[crate::Entry::Audit(record.clone())])
            .map(|_| ())
    }

    /// The audit trail, oldest first.
    pub fn audit_trail(&self) -> Result<Vec<AuditRecord>, JournalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT at_ms, actor, action, subject, detail FROM audit ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(AuditRecord {
                at: Timestamp(r.get(0)?),
                actor: r.get(1)?,
                action: r.get(2)?,
                subject: r.get(3)?,
                detail: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
