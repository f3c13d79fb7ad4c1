//! [`sink`]: one batch of one hall journal into the store, exactly once.
//!
//! In one transaction: lock the journal's mark (`SELECT … FOR UPDATE`), then
//! - a batch that starts above mark + 1 is a **gap**: nothing is stored, the gap is recorded
//!   and reported, and the hub resends from mark + 1 (the events in between are in its journal);
//! - a batch entirely at or below the mark is a **duplicate**: nothing is stored;
//! - otherwise the events above the mark are inserted (conflicts do nothing) and the mark moves
//!   to the batch's last seq: a batch that overlaps the mark stores only its new tail.
//!
//! So the mark only ever moves forward over a prefix without holes, batches can arrive twice,
//! late or out of order from any number of workers, and each event is stored once. Refusing a
//! batch past a gap, rather than keeping it for later, keeps every hall's events stored in seq
//! order, which the roll-ups need: after inserting, the sink refolds the business days the new
//! events belong to (when due: the day closed, or enough new events) and rewrites their roll-up
//! rows ([`super::rollup`]) before the commit, so a batch stored once is counted once and a
//! duplicate, stored never, is counted never.

use tokio_postgres::Client;

use super::rollup::{self, Configs};
use crate::error::HqError;
use crate::wire::Batch;

/// The longest hall id or epoch the store takes.
const MAX_ID: usize = 64;

/// Event times the store takes: from 2000-01-01 up to 2100-01-01 (ms since the Unix epoch). A
/// hub clock outside is a broken clock, not an event to file under its month.
const AT_RANGE: std::ops::Range<i64> = 946_684_800_000..4_102_444_800_000;

/// What [`sink`] did with a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Events `from..=to` are stored (`inserted` of them by this call) and the mark is `to`.
    Stored {
        /// The first seq stored (mark + 1 before the call).
        from: i64,
        /// The last seq stored.
        to: i64,
        /// Rows inserted: `to - from + 1`, unless rows were already there.
        inserted: u64,
    },
    /// Every event of the batch was stored before; nothing changed.
    Duplicate,
    /// The batch starts at `got`, past `expected` (mark + 1): nothing stored. The hub resends
    /// from `expected`.
    Gap {
        /// mark + 1.
        expected: i64,
        /// The batch's first seq.
        got: i64,
        /// How long the mark has not moved, in ms: a mark that moves is being filled by
        /// another worker, and the batch only has to wait its turn.
        stalled_ms: i64,
    },
}

/// [`sink`]'s answer: what it did, and the journal's mark after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SinkReport {
    /// What happened to the batch.
    pub outcome: Outcome,
    /// The high-water mark of (hall, epoch) after the call: every seq up to it is stored.
    pub mark: i64,
}

/// Stores `batch` exactly once (see the module's text) and refolds the roll-ups of the days it
/// added events to that are due ([`rollup::due`]), with the hall's configuration in `configs`. When this returns `Ok` the
/// outcome is committed, and the transport may acknowledge the batch; on `Err` nothing of it
/// is stored.
pub async fn sink(
    client: &mut Client,
    batch: &Batch,
    configs: &Configs,
) -> Result<SinkReport, HqError> {
    validate(batch)?;
    let first = batch.events[0].seq;
    let last = first + batch.events.len() as i64 - 1;
    let seqs: Vec<i64> = batch.events.iter().map(|e| e.seq).collect();
    let ats: Vec<i64> = batch.events.iter().map(|e| e.at_ms).collect();
    let days: Vec<Option<i32>> = batch.events.iter().map(|e| e.day).collect();
    let types: Vec<&str> = batch.events.iter().map(|e| e.kind.as_str()).collect();
    let bodies: Vec<String> = batch.events.iter().map(|e| e.body.to_string()).collect();

    ensure_months(client, &ats).await?;

    let tx = client.transaction().await?;
    tx.execute(
        "INSERT INTO marks (hall, epoch) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[&batch.hall, &batch.epoch],
    )
    .await?;
    // The row lock makes concurrent batches of one journal take turns; other journals' batches
    // run in parallel.
    let row = tx
        .query_one(
            "SELECT seq, (extract(epoch FROM now() - updated_at) * 1000)::bigint
             FROM marks WHERE hall = $1 AND epoch = $2 FOR UPDATE",
            &[&batch.hall, &batch.epoch],
        )
        .await?;
    let (mark, stalled_ms): (i64, i64) = (row.get(0), row.get(1));
    if first > mark + 1 {
        tx.execute(
            "INSERT INTO gaps (hall, epoch, expected, got) VALUES ($1, $2, $3, $4)",
            &[&batch.hall, &batch.epoch, &(mark + 1), &first],
        )
        .await?;
        tx.commit().await?;
        // Debug only: with several ingest workers a batch often overtakes the one before it
        // by a moment, and comes again; the ingest warns when it gives a batch up.
        tracing::debug!(hall = %batch.hall, epoch = %batch.epoch, expected = mark + 1, got = first,
            "gap in a hall's upload: batch refused");
        return Ok(SinkReport {
            outcome: Outcome::Gap {
                expected: mark + 1,
                got: first,
                stalled_ms,
            },
            mark,
        });
    }
    if last <= mark {
        tx.commit().await?;
        return Ok(SinkReport {
            outcome: Outcome::Duplicate,
            mark,
        });
    }
    let inserted = tx
        .execute(
            "INSERT INTO events (hall, epoch, seq, at, day, type, body)
             SELECT $1, $2, s, 'epoch'::timestamptz + a * interval '1 millisecond', d, t, b::jsonb
             FROM unnest($3::bigint[], $4::bigint[], $5::integer[], $6::text[], $7::text[])
                  AS u (s, a, d, t, b)
             WHERE s > $8
             ON CONFLICT DO NOTHING",
            &[
                &batch.hall,
                &batch.epoch,
                &seqs,
                &ats,
                &days,
                &types,
                &bodies,
                &mark,
            ],
        )
        .await?;
    // The days of the events above the mark, each once (a batch holds one day, or two across
    // a daily reset), with their newest seq and whether the batch closes them. Events before
    // the hall's first day opened have none and fold into none.
    let mut days: Vec<(i32, i64, bool)> = Vec::new();
    for e in batch.events.iter().filter(|e| e.seq > mark) {
        let Some(day) = e.day else { continue };
        let closes = e.kind == "day_closed";
        match days.last_mut() {
            Some(d) if d.0 == day => {
                d.1 = e.seq;
                d.2 |= closes;
            }
            _ => days.push((day, e.seq, closes)),
        }
    }
    let cfg = configs.get(&batch.hall);
    // The local months of the batch's inspections: their service-standard roll-up is rewritten.
    let months: std::collections::BTreeSet<i32> = batch
        .events
        .iter()
        .filter(|e| e.seq > mark && e.kind == "inspection")
        .map(|e| super::inspections::month_of(e.at_ms, cfg.utc_offset_min))
        .collect();
    if !months.is_empty() {
        let journal = (batch.hall.as_str(), batch.epoch.as_str());
        super::inspections::refold(&tx, journal, Some(&months), cfg).await?;
    }
    for (day, to, closes) in days {
        let done = rollup::folded_to(&tx, &batch.hall, &batch.epoch, day).await?;
        let key = (batch.hall.as_str(), batch.epoch.as_str(), day);
        if rollup::due(closes, to, done) {
            rollup::refold(&tx, key, cfg).await?;
        } else {
            rollup::pending(&tx, key, to).await?;
        }
    }
    // A hall's open bookings handed to HQ at its switch: counted in with the event, once.
    for e in batch
        .events
        .iter()
        .filter(|e| e.seq > mark && e.kind == crate::booking::handover::EVENT)
    {
        crate::booking::handover::import(&tx, &batch.hall, &e.body, e.at_ms).await?;
    }
    tx.execute(
        "UPDATE marks SET seq = $3, updated_at = now() WHERE hall = $1 AND epoch = $2",
        &[&batch.hall, &batch.epoch, &last],
    )
    .await?;
    tx.commit().await?;
    Ok(SinkReport {
        outcome: Outcome::Stored {
            from: mark + 1,
            to: last,
            inserted,
        },
        mark: last,
    })
}

/// Makes the month partitions the batch's events fall in, each in a short transaction of its
/// own; months that exist cost one query for the whole batch.
async fn ensure_months(client: &Client, ats: &[i64]) -> Result<(), HqError> {
    let missing = client
        .query(
            "SELECT m::text FROM (
                 SELECT DISTINCT date_trunc('month',
                     ('epoch'::timestamptz + a * interval '1 millisecond') AT TIME ZONE 'UTC')::date AS m
                 FROM unnest($1::bigint[]) AS a
             ) months
             WHERE to_regclass(format('events_%s', to_char(m, 'YYYYMM'))) IS NULL",
            &[&ats],
        )
        .await?;
    for row in missing {
        client
            .execute(
                "SELECT events_month($1::text::date)",
                &[&row.get::<_, String>(0)],
            )
            .await?;
    }
    Ok(())
}

/// Refuses a batch that cannot be a slice of one journal.
fn validate(batch: &Batch) -> Result<(), HqError> {
    let bad = |reason: String| HqError::BadBatch {
        hall: batch.hall.chars().take(MAX_ID).collect(),
        reason,
    };
    if batch.hall.is_empty() || batch.hall.len() > MAX_ID {
        return Err(bad(format!("the hall id must be 1 to {MAX_ID} bytes")));
    }
    if batch.epoch.is_empty() || batch.epoch.len() > MAX_ID {
        return Err(bad(format!("the epoch must be 1 to {MAX_ID} bytes")));
    }
    let Some(first) = batch.events.first() else {
        return Err(bad("no events".into()));
    };
    if first.seq < 1 {
        return Err(bad(format!("seq {} is below 1", first.seq)));
    }
    for (i, e) in batch.events.iter().enumerate() {
        if e.seq != first.seq + i as i64 {
            return Err(bad(format!(
                "seqs must follow each other: {} after {}",
                e.seq,
                batch.events[i - 1].seq
            )));
        }
        if !AT_RANGE.contains(&e.at_ms) {
            return Err(bad(format!("event {} has time {} ms", e.seq, e.at_ms)));
        }
        if e.kind.is_empty() {
            return Err(bad(format!("event {} has no type", e.seq)));
        }
    }
    Ok(())
}
