//! Reading: the dedupe answer, the replay on start, and the few projection queries the hub and
//! the tests need. Every query here is answered from an index (see the query-plan test below).

use hallq_proto::{BusinessDay, CommandId, CounterNo, DeviceId, Timestamp};
use hallq_queue::Event;
use rusqlite::{OptionalExtension, Row, params};

use crate::error::JournalError;
use crate::journal::Journal;

// The day marks are found through the partial index `events_day_marks`, which SQLite uses only
// when the query repeats the index's condition.

/// The seq and business day of the last `day_opened`.
pub(crate) const LAST_DAY_OPENED: &str = "SELECT seq, day FROM events
     WHERE type IN ('day_opened', 'day_closed') AND type = 'day_opened'
     ORDER BY seq DESC LIMIT 1";
/// The last `day_closed` before a seq.
pub(crate) const LAST_DAY_CLOSED_BEFORE: &str = "SELECT seq FROM events
     WHERE type IN ('day_opened', 'day_closed') AND type = 'day_closed' AND seq < ?1
     ORDER BY seq DESC LIMIT 1";
/// The complaints still open.
pub(crate) const OPEN_COMPLAINTS: &str =
    "SELECT complaint FROM complaints WHERE resolved_at_ms IS NULL ORDER BY opened_at_ms";
/// A complaint's events before a seq.
/// The consultation events of the call-backs still owed that were asked before a seq.
pub(crate) const OPEN_CALLBACK_EVENTS_BEFORE: &str = "SELECT e.seq, e.body FROM callbacks c
     JOIN events e ON e.seq = c.asked_seq
     WHERE c.done_at_ms IS NULL AND c.asked_seq < ?1";
pub(crate) const COMPLAINT_EVENTS_BEFORE: &str =
    "SELECT seq, body FROM events WHERE complaint = ?1 AND seq < ?2 ORDER BY seq";
/// Every inspection event, in order (the partial index of v5).
pub(crate) const INSPECTION_EVENTS: &str =
    "SELECT seq, body FROM events WHERE type = 'inspection' ORDER BY seq";
/// The events from a seq on.
pub(crate) const EVENTS_FROM: &str =
    "SELECT seq, body FROM events WHERE seq >= ?1 ORDER BY seq LIMIT ?2";

/// A row of the `tickets` projection. Enumerations are their serde names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct TicketRow {
    pub ticket: String,
    pub visit: String,
    pub day: Option<BusinessDay>,
    pub number: String,
    /// Its business type now (a transfer changes it).
    pub business: String,
    /// The business type it was issued for.
    pub origin_business: String,
    pub priority: String,
    pub reason: Option<String>,
    pub granted_by: Option<String>,
    pub lang: String,
    pub notify: bool,
    pub issued_at: Timestamp,
    /// The first call: the queueing wait ends here.
    pub first_called_at: Option<Timestamp>,
    /// The counter of the first call.
    pub called_counter: Option<CounterNo>,
    /// Recalls over the ticket's whole life.
    pub recalls: u32,
    /// The first service start.
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// Where it was last called or served.
    pub counter: Option<CounterNo>,
    pub staff: Option<String>,
    pub result: Option<String>,
    pub handling_secs: Option<u32>,
    pub transfers: u32,
    /// `waiting`, `called`, `serving`, `served`, `skipped`, `cancelled` or `closed`.
    pub status: String,
    /// `None` before any print result; `Some(true)` once a print succeeded.
    pub printed: Option<bool>,
    pub reprints: u32,
}

/// A row of the `visits` projection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct VisitRow {
    pub visit: String,
    pub day: Option<BusinessDay>,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    /// The serde name of the [`hallq_queue::VisitOutcome`]; `None` while open.
    pub outcome: Option<String>,
}

/// A row of the `ratings` projection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct RatingRow {
    pub ticket: String,
    pub visit: String,
    pub counter: CounterNo,
    pub staff: String,
    /// The serde name of the [`hallq_proto::Score`].
    pub score: String,
    pub at: Timestamp,
}

/// A row of the `complaints` projection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ComplaintRow {
    pub complaint: String,
    pub opened_at: Timestamp,
    pub category: String,
    pub summary: String,
    pub visit: Option<String>,
    pub ticket: Option<String>,
    pub business: Option<String>,
    pub responsibility: Option<String>,
    pub opened_by: String,
    pub first_contact_due: Timestamp,
    pub due: Timestamp,
    pub contacted_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub resolution: Option<String>,
    pub updates: u32,
}

fn ts(row: &Row<'_>, col: &str) -> rusqlite::Result<Timestamp> {
    row.get(col).map(Timestamp)
}

fn opt_ts(row: &Row<'_>, col: &str) -> rusqlite::Result<Option<Timestamp>> {
    Ok(row.get::<_, Option<i64>>(col)?.map(Timestamp))
}

fn opt_counter(row: &Row<'_>, col: &str) -> rusqlite::Result<Option<CounterNo>> {
    Ok(row.get::<_, Option<u16>>(col)?.map(CounterNo))
}

fn opt_day(row: &Row<'_>) -> rusqlite::Result<Option<BusinessDay>> {
    Ok(row.get::<_, Option<u32>>("day")?.map(BusinessDay))
}

impl TicketRow {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            ticket: r.get("ticket")?,
            visit: r.get("visit")?,
            day: opt_day(r)?,
            number: r.get("number")?,
            business: r.get("business")?,
            origin_business: r.get("origin_business")?,
            priority: r.get("priority")?,
            reason: r.get("reason")?,
            granted_by: r.get("granted_by")?,
            lang: r.get("lang")?,
            notify: r.get("notify")?,
            issued_at: ts(r, "issued_at_ms")?,
            first_called_at: opt_ts(r, "first_called_at_ms")?,
            called_counter: opt_counter(r, "called_counter")?,
            recalls: r.get("recalls")?,
            started_at: opt_ts(r, "started_at_ms")?,
            finished_at: opt_ts(r, "finished_at_ms")?,
            counter: opt_counter(r, "counter")?,
            staff: r.get("staff")?,
            result: r.get("result")?,
            handling_secs: r.get("handling_secs")?,
            transfers: r.get("transfers")?,
            status: r.get("status")?,
            printed: r.get("printed")?,
            reprints: r.get("reprints")?,
        })
    }
}

/// Parses a stored event body.
fn event(seq: i64, body: &str) -> Result<Event, JournalError> {
    serde_json::from_str(body).map_err(|source| JournalError::Json {
        seq: Some(seq),
        source,
    })
}

impl Journal {
    /// The reply stored for `device`'s command `command_id`: what a redelivery gets.
    pub fn reply_for(
        &self,
        device: &DeviceId,
        command_id: &CommandId,
    ) -> Result<Option<String>, JournalError> {
        Ok(self
            .conn
            .prepare_cached("SELECT reply FROM commands WHERE device = ?1 AND command_id = ?2")?
            .query_row(params![device.as_str(), command_id.as_str()], |r| r.get(0))
            .optional()?)
    }

    /// The last event's seq; 0 in an empty journal.
    pub fn last_seq(&self) -> Result<i64, JournalError> {
        Ok(self
            .conn
            .prepare_cached("SELECT coalesce(max(seq), 0) FROM events")?
            .query_row([], |r| r.get(0))?)
    }

    /// Where [`Journal::replay`] starts: the last `day_closed` before the last `day_opened`
    /// (the counters' state is reset there, and everything after it still counts), or the
    /// journal's start when there is none. `None` when the journal has no events.
    pub fn replay_start(&self) -> Result<Option<i64>, JournalError> {
        if self.last_seq()? == 0 {
            return Ok(None);
        }
        let last_open: Option<i64> = self
            .conn
            .prepare_cached(LAST_DAY_OPENED)?
            .query_row([], |r| r.get(0))
            .optional()?;
        let before = last_open.unwrap_or(i64::MAX);
        let closed: Option<i64> = self
            .conn
            .prepare_cached(LAST_DAY_CLOSED_BEFORE)?
            .query_row([before], |r| r.get(0))
            .optional()?;
        Ok(Some(closed.unwrap_or(1)))
    }

    /// The events that rebuild the live engine on start, in the order to apply them: first every
    /// event of each complaint still open that began before the replay start and the
    /// consultation of each call-back still owed from before it (both outlive days), then every
    /// event from the replay start on ([`Journal::replay_start`]).
    ///
    /// The replay starts at the `day_closed` before the last `day_opened` rather than at the
    /// `day_opened` itself, so that clerks who signed in before the hall opened are still signed
    /// in after a restart. The engine's state is a fold over these events: applied to a fresh
    /// `Engine` with the same configuration, they give the state the hub had.
    ///
    /// It reads only what it returns, through indexes, however long the journal.
    pub fn replay(&self) -> Result<Vec<Event>, JournalError> {
        let Some(start) = self.replay_start()? else {
            return Ok(Vec::new());
        };
        let mut prefix: Vec<(i64, String)> = Vec::new();
        let open: Vec<String> = self
            .conn
            .prepare_cached(OPEN_COMPLAINTS)?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut stmt = self.conn.prepare_cached(COMPLAINT_EVENTS_BEFORE)?;
        for complaint in &open {
            let rows = stmt.query_map(params![complaint, start], |r| Ok((r.get(0)?, r.get(1)?)))?;
            for row in rows {
                prefix.push(row?);
            }
        }
        let rows = self
            .conn
            .prepare_cached(OPEN_CALLBACK_EVENTS_BEFORE)?
            .query_map([start], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<(i64, String)>, _>>()?;
        prefix.extend(rows);
        prefix.sort_unstable_by_key(|(seq, _)| *seq);
        let mut out = Vec::with_capacity(prefix.len());
        for (seq, body) in &prefix {
            out.push(event(*seq, body)?);
        }
        for (seq, e) in self.events_from(start, usize::MAX)? {
            debug_assert!(seq >= start);
            out.push(e);
        }
        Ok(out)
    }

    /// Every inspection event of the journal, in order: the hub's register of inspections and
    /// open corrections is their fold (a correction outlives days, a monthly checklist is due a
    /// month after the last). A partial index reads only them, however long the journal.
    pub fn inspection_events(&self) -> Result<Vec<Event>, JournalError> {
        let mut stmt = self.conn.prepare_cached(INSPECTION_EVENTS)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, body) = row?;
            out.push(event(seq, &body)?);
        }
        Ok(out)
    }

    /// Up to `limit` events from `seq` on, with their seqs, in order: for an uplink that sends the
    /// journal onward, and for checks.
    pub fn events_from(&self, seq: i64, limit: usize) -> Result<Vec<(i64, Event)>, JournalError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(EVENTS_FROM)?;
        let rows = stmt.query_map(params![seq, limit], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, body) = row?;
            out.push((seq, event(seq, &body)?));
        }
        Ok(out)
    }

    /// How many event rows the journal holds (a check that seqs have no gaps: it equals
    /// [`Journal::last_seq`]).
    pub fn event_count(&self) -> Result<i64, JournalError> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM events")?
            .query_row([], |r| r.get(0))?)
    }

    /// Tickets issued on `day`.
    pub fn ticket_count(&self, day: BusinessDay) -> Result<u32, JournalError> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM tickets WHERE day = ?1")?
            .query_row([day.0], |r| r.get(0))?)
    }

    /// The tickets issued on `day`, in issue order.
    pub fn tickets_of_day(&self, day: BusinessDay) -> Result<Vec<TicketRow>, JournalError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT * FROM tickets WHERE day = ?1 ORDER BY issued_at_ms, ticket")?;
        let rows = stmt.query_map([day.0], TicketRow::from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Ticket `id` from the projection.
    pub fn ticket_row(&self, id: &str) -> Result<Option<TicketRow>, JournalError> {
        Ok(self
            .conn
            .prepare_cached("SELECT * FROM tickets WHERE ticket = ?1")?
            .query_row([id], TicketRow::from_row)
            .optional()?)
    }

    /// Visit `id` from the projection.
    pub fn visit_row(&self, id: &str) -> Result<Option<VisitRow>, JournalError> {
        Ok(self
            .conn
            .prepare_cached("SELECT * FROM visits WHERE visit = ?1")?
            .query_row([id], |r| {
                Ok(VisitRow {
                    visit: r.get("visit")?,
                    day: opt_day(r)?,
                    started_at: ts(r, "started_at_ms")?,
                    ended_at: opt_ts(r, "ended_at_ms")?,
                    outcome: r.get("outcome")?,
                })
            })
            .optional()?)
    }

    /// The rating of ticket `id`.
    pub fn rating_row(&self, id: &str) -> Result<Option<RatingRow>, JournalError> {
        Ok(self
            .conn
            .prepare_cached("SELECT * FROM ratings WHERE ticket = ?1")?
            .query_row([id], |r| {
                Ok(RatingRow {
                    ticket: r.get("ticket")?,
                    visit: r.get("visit")?,
                    counter: CounterNo(r.get("counter")?),
                    staff: r.get("staff")?,
                    score: r.get("score")?,
                    at: ts(r, "at_ms")?,
                })
            })
            .optional()?)
    }

    /// Complaint `id` from the projection.
    pub fn complaint_row(&self, id: &str) -> Result<Option<ComplaintRow>, JournalError> {
        Ok(self
            .conn
            .prepare_cached("SELECT * FROM complaints WHERE complaint = ?1")?
            .query_row([id], |r| {
                Ok(ComplaintRow {
                    complaint: r.get("complaint")?,
                    opened_at: ts(r, "opened_at_ms")?,
                    category: r.get("category")?,
                    summary: r.get("summary")?,
                    visit: r.get("visit")?,
                    ticket: r.get("ticket")?,
                    business: r.get("business")?,
                    responsibility: r.get("responsibility")?,
                    opened_by: r.get("opened_by")?,
                    first_contact_due: ts(r, "first_contact_due_ms")?,
                    due: ts(r, "due_ms")?,
                    contacted_at: opt_ts(r, "contacted_at_ms")?,
                    resolved_at: opt_ts(r, "resolved_at_ms")?,
                    resolution: r.get("resolution")?,
                    updates: r.get("updates")?,
                })
            })
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    /// The plan SQLite picks for `sql`, one line per step.
    fn plan(conn: &Connection, sql: &str, params: &[&dyn rusqlite::ToSql]) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt
            .query_map(params, |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        rows.join("\n")
    }

    #[test]
    fn replay_queries_use_indexes_and_never_scan_the_journal() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(include_str!("../sql/v1.sql")).unwrap();
        let checks: [(&str, &[&dyn rusqlite::ToSql]); 5] = [
            (LAST_DAY_OPENED, &[]),
            (LAST_DAY_CLOSED_BEFORE, &[&1]),
            (OPEN_COMPLAINTS, &[]),
            (COMPLAINT_EVENTS_BEFORE, &[&"K1", &1]),
            (EVENTS_FROM, &[&1, &10]),
        ];
        for (sql, params) in checks {
            let p = plan(&conn, sql, params);
            // The one scan allowed is of the partial index that holds only open complaints.
            for step in p.lines().filter(|s| s.starts_with("SCAN")) {
                assert_eq!(
                    step, "SCAN complaints USING INDEX complaints_open",
                    "{sql}\n{p}"
                );
            }
            assert!(!p.contains("TEMP B-TREE"), "{sql}\n{p}");
            if sql.contains("day_opened") {
                assert!(p.contains("INDEX events_day_marks"), "{sql}\n{p}");
            }
            if sql.contains("complaint = ?1") {
                assert!(p.contains("INDEX events_complaint"), "{sql}\n{p}");
            }
        }
    }

    #[test]
    fn the_inspection_events_are_read_through_their_partial_index() {
        let conn = Connection::open_in_memory().unwrap();
        for v in [
            include_str!("../sql/v1.sql"),
            include_str!("../sql/v2.sql"),
            include_str!("../sql/v3.sql"),
            include_str!("../sql/v4.sql"),
            include_str!("../sql/v5.sql"),
        ] {
            conn.execute_batch(v).unwrap();
        }
        let p = plan(&conn, INSPECTION_EVENTS, &[]);
        assert_eq!(p, "SCAN events USING INDEX events_inspection", "{p}");
    }
}
