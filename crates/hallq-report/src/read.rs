//! Reading the journal: the events of a range of business days, streamed in seq order through
//! one read transaction (the hub may go on writing: WAL gives the report a snapshot), each
//! folded and dropped. Nothing here computes a figure.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use hallq_journal::Journal;
use hallq_proto::{BusinessDay, Timestamp};

use crate::config::ReportConfig;
use crate::error::ReportError;
use crate::event::{COLUMNS, Ev, RowError};
use crate::fold::Fold;
use crate::part::Part;
use crate::report::Report;

/// Which business days to report; both ends included, `None` open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayRange {
    /// First day.
    pub from: Option<BusinessDay>,
    /// Last day.
    pub to: Option<BusinessDay>,
}

/// The first and last seq of the events in `range`; `None` when it holds none.
pub fn seq_range(journal: &Journal, range: DayRange) -> Result<Option<(i64, i64)>, ReportError> {
    let db = journal.connection();
    let (lo, hi): (Option<i64>, Option<i64>) = if range.from.is_none() && range.to.is_none() {
        // Two subqueries: SQLite answers a lone min() or max() of the rowid from the b-tree's
        // ends, but `SELECT min(seq), max(seq)` scans the whole table (a year: the journal).
        db.query_row(
            "SELECT (SELECT min(seq) FROM events), (SELECT max(seq) FROM events)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
    } else {
        // Through the `events_day` index: a range of it, not the table.
        let from = range.from.map_or(0, |d| d.0);
        let to = range.to.map_or(u32::MAX, |d| d.0);
        db.query_row(
            "SELECT min(seq), max(seq) FROM events WHERE day BETWEEN ?1 AND ?2",
            [from, to],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
    };
    Ok(lo.zip(hi))
}

/// The events the fold reads, chosen by their columns alone: print results, announcements
/// and sign-ins change no figure, nor do touchpoints without a visit other than the door
/// counter's and the kiosk's (3, 4 and 9: the door and kiosk figures, [`crate::door`]). Each
/// row is read as [`Ev::from_row`] reads it. Written as
/// comparisons: SQLite makes a `NOT IN (…)` list a temporary index probed for every row (and a
/// `CASE` on `visit` measured slower than this).
fn folded_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM events
         WHERE seq BETWEEN ?1 AND ?2
           AND CASE type WHEN 'touched' THEN visit IS NOT NULL OR touchpoint IN (3, 4, 9)
                         WHEN 'ticket_printed' THEN 0 WHEN 'announcement_posted' THEN 0
                         WHEN 'announcement_cleared' THEN 0 WHEN 'signed_in' THEN 0
                         WHEN 'signed_out' THEN 0 ELSE 1 END
         ORDER BY seq"
    )
}

/// How often the progress callback hears of the read (events).
pub const PROGRESS_EVERY: u64 = 20_000;

/// Reads the events of `range` from `journal` and computes the report for `now`. `progress`
/// gets (events read, events in the range) every [`PROGRESS_EVERY`] events and at the end.
#[tracing::instrument(skip_all, err)]
pub fn report(
    journal: &Journal,
    cfg: &ReportConfig,
    range: DayRange,
    now: Timestamp,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report, ReportError> {
    let Some((lo, hi)) = seq_range(journal, range)? else {
        progress(0, 0);
        return Ok(Fold::new(cfg).finish(now));
    };
    let total = u64::try_from(hi - lo + 1).unwrap_or(0);
    let carried = carried_complaints(journal, cfg, lo)?;
    let bookings = carried_bookings(journal, cfg, range)?;
    let mut part = fold_range(journal, cfg, lo, hi, &mut |done| {
        progress(done, total);
    })?;
    part.carry_in(carried);
    part.carry_in_bookings(bookings);
    progress(total, total);
    Ok(part.report(cfg, now))
}

/// The report of [`report`], read by `threads` folds of consecutive ranges of business days at
/// once, each on its own read-only connection to the journal at `path`, then joined. The
/// ranges are cut at daily resets, where the hall holds no open visit, ticket or counter, so
/// the figures are those of one fold (a test compares them).
#[tracing::instrument(skip_all, err)]
pub fn report_parallel(
    path: &Path,
    cfg: &ReportConfig,
    range: DayRange,
    now: Timestamp,
    threads: usize,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Report, ReportError> {
    let journal = Journal::open_read_only(path)?;
    let Some((lo, hi)) = seq_range(&journal, range)? else {
        progress(0, 0);
        return Ok(Fold::new(cfg).finish(now));
    };
    let total = u64::try_from(hi - lo + 1).unwrap_or(0);
    let ranges = split(&journal, lo, hi, threads.max(1))?;
    let carried = carried_complaints(&journal, cfg, lo)?;
    let bookings = carried_bookings(&journal, cfg, range)?;
    drop(journal);
    let done = AtomicU64::new(0);
    let parts = std::thread::scope(|s| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|&(a, b)| {
                let done = &done;
                s.spawn(move || {
                    let journal = Journal::open_read_only(path)?;
                    let mut last = 0;
                    fold_range(&journal, cfg, a, b, &mut |n| {
                        done.fetch_add(n - last, Ordering::Relaxed);
                        last = n;
                    })
                })
            })
            .collect();
        while !handles.iter().all(|h| h.is_finished()) {
            progress(done.load(Ordering::Relaxed), total);
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(ReportError::Options("a fold's thread panicked".into()))
                })
            })
            .collect::<Result<Vec<Part>, ReportError>>()
    })?;
    progress(total, total);
    let mut parts = parts.into_iter();
    let Some(mut all) = parts.next() else {
        return Ok(Fold::new(cfg).finish(now));
    };
    for p in parts {
        all.join(p);
    }
    all.carry_in(carried);
    all.carry_in_bookings(bookings);
    Ok(all.report(cfg, now))
}

/// The complaint cases opened before seq `lo` and not resolved before it: still open when the
/// range begins, they belong in its report. Read through the complaint index (complaint events
/// only, a few a day), not the journal before the range.
pub fn carried_complaints(
    journal: &Journal,
    cfg: &ReportConfig,
    lo: i64,
) -> Result<Vec<crate::complaints::ComplaintCase>, ReportError> {
    let mut stmt = journal.connection().prepare(&format!(
        "SELECT {COLUMNS} FROM events INDEXED BY events_complaint
         WHERE complaint IS NOT NULL AND seq < ?1
           AND type IN ('complaint_opened', 'complaint_updated', 'complaint_resolved')
         ORDER BY seq"
    ))?;
    let mut rows = stmt.query([lo])?;
    let mut fold = Fold::new(cfg);
    while let Some(row) = rows.next()? {
        fold_row(&mut fold, row)?;
    }
    Ok(fold
        .into_part()
        .complaints
        .into_values()
        .filter(|c| c.resolved.is_none())
        .collect())
}

/// The book's events of the days before `range` that its bookings can have been made on (the
/// booking horizon, `[booking] horizon_days`): a report of some days counts the bookings for
/// them however early they were made. Read through the day index, a week or so of events; the
/// figures take from them only the bookings for the range's days.
pub fn carried_bookings(
    journal: &Journal,
    cfg: &ReportConfig,
    range: DayRange,
) -> Result<Vec<(i64, hallq_booking::BookingEvent)>, ReportError> {
    let Some(from) = range.from else {
        return Ok(Vec::new());
    };
    let horizon = cfg
        .booking
        .as_ref()
        .map_or(hallq_booking::SlotRules::default().horizon_days, |r| {
            r.horizon_days
        });
    let day = |n: i64| {
        let (y, m, d) = hallq_proto::time::civil_from_days(n);
        i64::from(u32::try_from(y).unwrap_or(0) * 10_000 + m * 100 + d)
    };
    let first = hallq_proto::time::day_number(from);
    let mut stmt = journal.connection().prepare(
        "SELECT seq, at_ms, body FROM events INDEXED BY events_day
         WHERE day BETWEEN ?1 AND ?2 AND type = 'booking' ORDER BY seq",
    )?;
    let mut rows = stmt.query([day(first - i64::from(horizon)), day(first - 1)])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let (seq, at): (i64, i64) = (row.get(0)?, row.get(1)?);
        let body: String = row.get(2)?;
        let kind: hallq_queue::EventKind =
            serde_json::from_str(&body).map_err(|source| ReportError::Event { seq, source })?;
        if let hallq_queue::EventKind::Booking { booking } = kind {
            out.push((at, booking));
        }
    }
    Ok(out)
}

/// Up to `n` consecutive seq ranges covering `lo..=hi`, each ending at a daily reset (but the
/// last), of about equal size.
fn split(journal: &Journal, lo: i64, hi: i64, n: usize) -> Result<Vec<(i64, i64)>, ReportError> {
    let mut stmt = journal.connection().prepare(
        "SELECT seq FROM events
         WHERE type IN ('day_opened', 'day_closed') AND type = 'day_closed'
           AND seq BETWEEN ?1 AND ?2 ORDER BY seq",
    )?;
    let closes = stmt
        .query_map([lo, hi], |r| r.get::<_, i64>(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    let mut ranges = Vec::new();
    let mut start = lo;
    for k in 1..n {
        let target = lo + (hi - lo) * k as i64 / n as i64;
        if let Some(&end) = closes
            .iter()
            .find(|&&c| c >= target && c >= start && c < hi)
        {
            ranges.push((start, end));
            start = end + 1;
        }
    }
    ranges.push((start, hi));
    Ok(ranges)
}

/// Folds the events `lo..=hi`; `progress` gets the seqs done so far in the range.
fn fold_range(
    journal: &Journal,
    cfg: &ReportConfig,
    lo: i64,
    hi: i64,
    progress: &mut dyn FnMut(u64),
) -> Result<Part, ReportError> {
    let mut fold = Fold::new(cfg);
    let db = journal.connection();
    let mut stmt = db.prepare(&folded_sql())?;
    let mut rows = stmt.query([lo, hi])?;
    let mut next_progress = PROGRESS_EVERY;
    let mut n: u32 = 0;
    while let Some(row) = rows.next()? {
        fold_row(&mut fold, row)?;
        n = n.wrapping_add(1);
        if n.is_multiple_of(1024) {
            // Progress counts seqs, the skipped ones too: the range's size is known up front.
            let seq: i64 = row.get(0)?;
            let done = u64::try_from(seq - lo + 1).unwrap_or(0);
            if done >= next_progress {
                progress(done);
                next_progress = done + PROGRESS_EVERY;
            }
        }
    }
    progress(u64::try_from(hi - lo + 1).unwrap_or(0));
    let mut part = fold.into_part();
    // Every row of the range, the ones the fold skipped by their columns too: the summary says
    // how many of the journal's rows the figures come from.
    let rows: i64 = db.query_row(
        "SELECT count(*) FROM events WHERE seq BETWEEN ?1 AND ?2",
        [lo, hi],
        |r| r.get(0),
    )?;
    part.rows = u64::try_from(rows).unwrap_or(0);
    Ok(part)
}

/// Folds the event of `row`; an event the fold cannot read stops it with the row's seq.
fn fold_row(fold: &mut Fold<'_>, row: &rusqlite::Row<'_>) -> Result<(), ReportError> {
    // The seq is read only where it is needed: an error's message (and the caller's progress).
    let event = |source| match row.get::<_, i64>(0) {
        Ok(seq) => ReportError::Event { seq, source },
        Err(e) => ReportError::Sql(e),
    };
    let ev = Ev::from_row(row).map_err(|e| match e {
        RowError::Sql(e) => ReportError::Sql(e),
        RowError::Content(e) => event(e),
    })?;
    fold.fold(&ev)
        .map_err(|e| event(<serde_json::Error as serde::de::Error>::custom(e)))
}
