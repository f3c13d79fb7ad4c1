//! Writing a batch: one IMMEDIATE transaction, prepared statements from the connection's cache.

use hallq_proto::{BusinessDay, ComplaintId};
use hallq_queue::{Event, EventKind};
use rusqlite::{Connection, OptionalExtension, ffi, params};
use serde::Deserialize;

use crate::entry::{CommitStats, Entry};
use crate::error::JournalError;
use crate::personal::{self, AuditRecord};
use crate::project::{project, tag};
use crate::read::LAST_DAY_OPENED;

/// Where the journal stands, read inside the writing transaction so that the journal keeps no
/// state of its own that a rollback would have to undo.
pub(crate) struct Cursor {
    /// The last seq written (0 in an empty journal).
    pub(crate) seq: i64,
    /// The business day of the last `day_opened`.
    pub(crate) day: Option<BusinessDay>,
}

impl Cursor {
    pub(crate) fn read(conn: &Connection) -> Result<Self, JournalError> {
        let seq = conn
            .prepare_cached("SELECT coalesce(max(seq), 0) FROM events")?
            .query_row([], |r| r.get(0))?;
        let day = conn
            .prepare_cached(LAST_DAY_OPENED)?
            .query_row([], |r| r.get::<_, Option<u32>>(1))
            .optional()?
            .flatten()
            .map(BusinessDay);
        Ok(Self { seq, day })
    }
}

/// Writes `batch` through `conn`, which is inside a transaction.
pub(crate) fn write_batch(conn: &Connection, batch: &[Entry]) -> Result<CommitStats, JournalError> {
    let mut cur = Cursor::read(conn)?;
    let mut stats = CommitStats::default();
    for entry in batch {
        match entry {
            Entry::Command {
                device,
                command_id,
                kind,
                at,
                ok,
                reply_json,
                events,
            } => {
                let code = match ok {
                    Ok(()) => None,
                    Err(code) => Some(tag(code)?),
                };
                let inserted = conn
                    .prepare_cached(
                        "INSERT INTO commands (device, command_id, kind, at_ms, ok, error_code,
                             reply)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute(params![
                        device.as_str(),
                        command_id.as_str(),
                        kind,
                        at.0,
                        ok.is_ok(),
                        code,
                        reply_json,
                    ]);
                match inserted {
                    Err(rusqlite::Error::SqliteFailure(e, _))
                        if e.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
                    {
                        return Err(JournalError::Duplicate {
                            device: device.to_string(),
                            command_id: command_id.to_string(),
                        });
                    }
                    other => other?,
                };
                stats.commands += 1;
                for (idx, event) in events.iter().enumerate() {
                    let origin = Some((device.as_str(), command_id.as_str(), idx));
                    append(conn, &mut cur, &mut stats, event, origin)?;
                }
            }
            Entry::Internal { events } => {
                for event in events {
                    append(conn, &mut cur, &mut stats, event, None)?;
                }
            }
            Entry::Refusal {
                at,
                device,
                command_id,
                code,
                detail,
                payload_bytes,
            } => {
                conn.prepare_cached(
                    "INSERT INTO refusals (at_ms, device, command_id, code, detail, payload_bytes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    at.0,
                    device.as_ref().map(|d| d.as_str()),
                    command_id,
                    tag(code)?,
                    detail,
                    i64::try_from(*payload_bytes).unwrap_or(i64::MAX),
                ])?;
                stats.refusals += 1;
            }
            Entry::Presence { at, device, online } => {
                conn.prepare_cached(
                    "INSERT INTO presence (at_ms, device, online) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![at.0, device.as_str(), online])?;
                stats.presence += 1;
            }
            Entry::Personal(sealed) => {
                personal::insert(conn, sealed)?;
                stats.personal += 1;
            }
            Entry::Purge { kind, before, at } => {
                let n = personal::purge(conn, *kind, *before)?;
                stats.purged += n;
                if n > 0 {
                    personal::audit(
                        conn,
                        &AuditRecord {
                            at: *at,
                            actor: "hub".into(),
                            action: "personal_purged".into(),
                            subject: Some(kind.as_str().into()),
                            detail: format!("{n} given before {} ms (retention ended)", before.0),
                        },
                    )?;
                }
            }
            Entry::Audit(record) => personal::audit(conn, record)?,
        }
    }
    stats.last_seq = cur.seq;
    Ok(stats)
}

/// The serde tag of a serialized event, read back from its JSON so that a new event kind needs
/// no change here.
#[derive(Deserialize)]
struct Tag<'a> {
    #[serde(rename = "type", borrow)]
    ty: &'a str,
}

/// The complaint an event concerns.
fn complaint_of(kind: &EventKind) -> Option<&ComplaintId> {
    match kind {
        EventKind::ComplaintOpened { complaint, .. }
        | EventKind::ComplaintUpdated { complaint, .. }
        | EventKind::ComplaintResolved { complaint, .. } => Some(complaint),
        _ => None,
    }
}

/// Appends `event` as the next seq and updates the projections.
fn append(
    conn: &Connection,
    cur: &mut Cursor,
    stats: &mut CommitStats,
    event: &Event,
    origin: Option<(&str, &str, usize)>,
) -> Result<(), JournalError> {
    let json = |source| JournalError::Json { seq: None, source };
    let body = serde_json::to_string(event).map_err(json)?;
    let ty = serde_json::from_str::<Tag<'_>>(&body).map_err(json)?.ty;
    if let EventKind::DayOpened { day } = event.kind {
        cur.day = Some(day);
    }
    cur.seq += 1;
    let kind = &event.kind;
    let (device, command_id, idx) = match origin {
        Some((d, c, i)) => (Some(d), Some(c), Some(i64::try_from(i).unwrap_or(i64::MAX))),
        None => (None, None, None),
    };
    conn.prepare_cached(
        "INSERT INTO events (seq, at_ms, day, type, touchpoint, visit, ticket, counter, staff,
             complaint, device, command_id, idx, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        cur.seq,
        event.at_ms.0,
        cur.day.map(|d| d.0),
        ty,
        kind.touchpoint().map(|t| t.number()),
        kind.visit().map(|v| v.as_str()),
        kind.ticket().map(|t| t.as_str()),
        kind.counter().map(|c| c.0),
        kind.staff().map(|s| s.as_str()),
        complaint_of(kind).map(|c| c.as_str()),
        device,
        command_id,
        idx,
        body,
    ])?;
    project(conn, event, cur.seq, cur.day)?;
    stats.events += 1;
    stats.first_seq.get_or_insert(cur.seq);
    Ok(())
}
