//! A journal with history: one simulated day repeated over the days before it, for measuring
//! what a long journal costs the hub (its start, its reports).
//!
//! Simulating a year through MQTT would take hours; copying one simulated day is seconds and
//! gives every past day the real shape: the same tables, indexes, row sizes and mix of events.
//! Each copy `k` days back has its times moved `k` days earlier (every `…_ms` column, and the
//! `at_ms` of each event's and reply's JSON), its business day renamed in every id and JSON
//! text (visit `V20261123-0001`, ticket, complaint), and its command ids suffixed so that they
//! stay unique. The other times a JSON body holds are moved with it: a complaint's due times
//! (HQ's console sorts the chain's complaints by time left) and an announcement's window
//! ([`BODY_TIMES`]).
//!
//! Each copy ends as a real past day ends: with the daily reset's events (open visits and
//! counters closed, clerks signed out, `day_closed`), decided by the engine from the source
//! day's state at the next reset time. The copies are written oldest first, and the source day
//! last with its original rows, so the journal's `seq` order is time order as the hub's would
//! be. A complaint the source day left open is open in every copy too: a year of them is a
//! harsher start than a real hall's.

use std::path::Path;

use hallq_hub::HallConfig;
use hallq_journal::{Durability, Entry, Journal};
use hallq_proto::{BusinessDay, Timestamp, time};
use hallq_queue::{Command, Engine, Event};
use rusqlite::Connection;

use crate::SimError;

/// What [`extend_backwards`] wrote.
#[derive(Debug, Clone, Copy)]
pub struct History {
    /// Days in the new journal, the source day included.
    pub days: u32,
    /// Events in the new journal.
    pub events: i64,
    /// The new journal's size in bytes.
    pub bytes: u64,
}

/// The tables copied, in an order that satisfies their references (a command before its
/// events).
const TABLES: [&str; 8] = [
    "commands",
    "events",
    "refusals",
    "presence",
    "visits",
    "tickets",
    "ratings",
    "complaints",
];

/// Writes a new journal at `dst` holding `days` days: `days - 1` copies of the one day in the
/// journal at `src` on the days before it, each closed by the daily reset, then that day
/// itself. `dst` must not exist; `config` is the hall's (its queue and its reset time).
pub fn extend_backwards(
    src: &Path,
    dst: &Path,
    days: u32,
    config: &HallConfig,
) -> Result<History, SimError> {
    if dst.exists() {
        return Err(SimError::Config(format!(
            "{} exists: a history is written to a new file",
            dst.display()
        )));
    }
    let offset = config.hall.utc_offset_min;
    let day = source_day(src)?;
    let closing = closing_events(src, config, day)?;
    // The journal makes the file with its schema and writes the resets; the copying is SQL.
    let mut journal = Journal::open(dst, Durability::Normal)?;
    let mut conn = Connection::open(dst)?;
    conn.execute("ATTACH DATABASE ?1 AS src", [src.to_string_lossy()])?;
    let columns: Vec<(&str, Vec<String>)> = TABLES
        .iter()
        .map(|t| Ok((*t, columns(&conn, t)?)))
        .collect::<Result<_, rusqlite::Error>>()?;
    let noon = time::at(day, 12 * 60, offset);
    for k in (0..days).rev() {
        let shift_ms = i64::from(k) * 86_400_000;
        let past = time::local(noon.plus_secs(-i64::from(k) * 86_400), offset).0;
        let tx = conn.transaction()?;
        for (table, cols) in &columns {
            let mut stmt = tx.prepare(&copy_sql(table, cols, k))?;
            // A statement takes parameters up to the highest it names.
            let values = [shift_ms, i64::from(day.0), i64::from(past.0)];
            for (i, v) in values.iter().enumerate().take(stmt.parameter_count()) {
                stmt.raw_bind_parameter(i + 1, v)?;
            }
            stmt.raw_execute()?;
        }
        tx.commit()?;
        if k > 0 {
            let events = closing
                .iter()
                .map(|e| moved(e, day, past, shift_ms))
                .collect::<Result<_, _>>()?;
            journal.commit(&[Entry::Internal { events }])?;
        }
    }
    conn.execute("DETACH DATABASE src", [])?;
    drop(conn);
    let events = journal.last_seq()?;
    drop(journal);
    let bytes = std::fs::metadata(dst).map(|m| m.len()).unwrap_or(0);
    Ok(History {
        days,
        events,
        bytes,
    })
}

/// What the daily reset after the source day decides: the engine rebuilt from that day, then
/// closed at the next reset time, as the hub's writer does. The next day's opening is not
/// among them: each copy holds its own.
fn closing_events(
    src: &Path,
    config: &HallConfig,
    day: BusinessDay,
) -> Result<Vec<Event>, SimError> {
    let offset = config.hall.utc_offset_min;
    let events = Journal::open_read_only(src)?.replay()?;
    let mut engine = Engine::new(config.queue.clone())
        .map_err(|e| SimError::Config(format!("the hall's queue: {e}")))?;
    for e in &events {
        engine.replay(e);
    }
    let next_day = time::local(time::at(day, 12 * 60, offset).plus_secs(86_400), offset).0;
    let reset_at = time::at(next_day, config.hours.daily_reset.minutes(), offset);
    engine
        .apply(&Command::CloseDay, reset_at)
        .map_err(|e| SimError::Config(format!("closing the copied day: {e}")))
}

/// `event` of the source day `from` as it happened on `to`, `shift_ms` earlier.
fn moved(
    event: &Event,
    from: BusinessDay,
    to: BusinessDay,
    shift_ms: i64,
) -> Result<Event, SimError> {
    let text = serde_json::to_string(event)?.replace(&from.0.to_string(), &to.0.to_string());
    let mut moved: Event = serde_json::from_str(&text)?;
    moved.at_ms = Timestamp(moved.at_ms.0 - shift_ms);
    Ok(moved)
}

/// The one business day the source journal holds.
fn source_day(src: &Path) -> Result<BusinessDay, SimError> {
    let conn = Connection::open_with_flags(src, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let (first, last): (Option<u32>, Option<u32>) = conn.query_row(
        "SELECT min(day), max(day) FROM events WHERE day IS NOT NULL",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    match (first, last) {
        (Some(a), Some(b)) if a == b => Ok(BusinessDay(a)),
        _ => Err(SimError::Config(format!(
            "{} must hold exactly one business day to be copied",
            src.display()
        ))),
    }
}

fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

/// The times inside an event's or a command's JSON besides its `at_ms`, moved with the copy's
/// day. `json_replace` leaves a body without the path as it is.
const BODY_TIMES: [&str; 4] = [
    "$.due_ms",
    "$.first_contact_due_ms",
    "$.announcement.starts_at_ms",
    "$.announcement.ends_at_ms",
];

/// `INSERT … SELECT` copying `table` from `src` as copy `k` (0: the source day itself).
/// Parameters: ?1 the shift in ms, ?2 the source day (YYYYMMDD), ?3 the copy's day.
fn copy_sql(table: &str, cols: &[String], k: u32) -> String {
    let renamed = |c: &str| format!("replace({c}, CAST(?2 AS TEXT), CAST(?3 AS TEXT))");
    let exprs: Vec<String> = cols
        .iter()
        .map(|c| match c.as_str() {
            // Row numbers are given afresh, in insertion order.
            "seq" | "id" => "NULL".to_owned(),
            c if k == 0 => c.to_owned(),
            "day" => "CASE WHEN day IS NULL THEN NULL ELSE ?3 END".to_owned(),
            "command_id" => format!("command_id || '~{k}'"),
            "body" | "reply" => {
                let moved: Vec<String> = BODY_TIMES
                    .iter()
                    .map(|p| format!("'{p}', json_extract({c}, '{p}') - ?1"))
                    .collect();
                format!(
                    "json_replace(json_set({}, '$.at_ms', json_extract({c}, '$.at_ms') - ?1), {})",
                    renamed(c),
                    moved.join(", ")
                )
            }
            c if c.ends_with("_ms") => format!("{c} - ?1"),
            "visit" | "ticket" | "complaint" => renamed(c),
            c => c.to_owned(),
        })
        .collect();
    let order = match table {
        "events" => " ORDER BY seq",
        "refusals" | "presence" => " ORDER BY id",
        _ => "",
    };
    format!(
        "INSERT INTO main.{table} ({}) SELECT {} FROM src.{table}{order}",
        cols.join(", "),
        exprs.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_moves_times_renames_ids_and_keeps_seq_fresh() {
        let cols: Vec<String> = ["seq", "at_ms", "day", "visit", "command_id", "body", "type"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let sql = copy_sql("events", &cols, 3);
        assert!(sql.starts_with("INSERT INTO main.events (seq, at_ms, day, visit"));
        assert!(sql.contains("SELECT NULL, at_ms - ?1, CASE WHEN day IS NULL"));
        assert!(sql.contains("command_id || '~3'"));
        assert!(sql.contains("replace(visit, CAST(?2 AS TEXT), CAST(?3 AS TEXT))"));
        assert!(sql.ends_with("FROM src.events ORDER BY seq"));
        assert!(sql.contains("'$.due_ms', json_extract(body, '$.due_ms') - ?1"));
        assert_eq!(
            copy_sql("events", &cols, 0),
            "INSERT INTO main.events (seq, at_ms, day, visit, command_id, body, type) \
             SELECT NULL, at_ms, day, visit, command_id, body, type FROM src.events ORDER BY seq"
        );
    }

    /// A complaint opened on the source day is due on its copy's day, not the source's: HQ's
    /// console sorts the chain's open complaints by time left.
    #[test]
    fn a_copied_complaint_is_due_on_its_copy_s_day() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "ATTACH ':memory:' AS src;
             CREATE TABLE src.events (seq INTEGER PRIMARY KEY, at_ms INTEGER, day INTEGER, body TEXT);
             CREATE TABLE main.events (seq INTEGER PRIMARY KEY, at_ms INTEGER, day INTEGER, body TEXT);
             INSERT INTO src.events VALUES (1, 1000, 20261123,
               '{\"type\":\"complaint_opened\",\"at_ms\":1000,\"complaint\":\"C20261123-1\",\"first_contact_due_ms\":5000,\"due_ms\":9000}');
             INSERT INTO src.events VALUES (2, 2000, 20261123, '{\"type\":\"ticket_issued\",\"at_ms\":2000}');",
        )
        .unwrap();
        let cols = columns(&conn, "events").unwrap();
        conn.execute(&copy_sql("events", &cols, 1), (100, 20261123, 20261122))
            .unwrap();
        let bodies: Vec<serde_json::Value> = conn
            .prepare("SELECT body FROM main.events ORDER BY seq")
            .unwrap()
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|b| serde_json::from_str(&b.unwrap()).unwrap())
            .collect();
        assert_eq!(bodies[0]["at_ms"], 900);
        assert_eq!(bodies[0]["first_contact_due_ms"], 4900);
        assert_eq!(bodies[0]["due_ms"], 8900);
        assert_eq!(bodies[0]["complaint"], "C20261122-1");
        assert_eq!(
            bodies[1],
            serde_json::json!({"type": "ticket_issued", "at_ms": 1900}),
            "a body without those times gains none"
        );
    }
}
