//! Reading the journal: the events of a range of business days, streamed in seq order through
//! one read transaction (the hub may go on writing: WAL gives the report a snapshot), each
//! folded and dropped. Nothing here computes a figure.

use hallq_journal::Journal;
use hallq_proto::{BusinessDay, Timestamp};
use hallq_queue::{Event, EventKind};

use crate::config::ReportConfig;
use crate::error::ReportError;
use crate::fold::Fold;
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
        db.query_row("SELECT min(seq), max(seq) FROM events", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
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

/// The events the fold reads, chosen by their columns alone: the door counter's counts
/// (touchpoints without a visit: two in five events of a day), print results, announcements
/// and sign-ins change no figure, and parsing JSON is most of a report's time (BENCHMARKS.md).
const FOLDED: &str = "SELECT seq, at_ms, body FROM events
     WHERE seq BETWEEN ?1 AND ?2
       AND NOT (type = 'touched' AND visit IS NULL)
       AND type NOT IN ('ticket_printed', 'announcement_posted', 'announcement_cleared',
                        'signed_in', 'signed_out')
     ORDER BY seq";

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
    let mut fold = Fold::new(cfg);
    let Some((lo, hi)) = seq_range(journal, range)? else {
        progress(0, 0);
        return Ok(fold.finish(now));
    };
    // seqs have no gaps: the range's size is its count.
    let total = u64::try_from(hi - lo + 1).unwrap_or(0);
    let db = journal.connection();
    let mut stmt = db.prepare(FOLDED)?;
    let mut rows = stmt.query([lo, hi])?;
    let mut next_progress = PROGRESS_EVERY;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let at_ms: i64 = row.get(1)?;
        let body = row.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?;
        // The body's kind alone, its time from the column (the same value): serde buffers a
        // flattened struct's whole map first, which costs a third of the parse.
        let kind: EventKind =
            serde_json::from_str(body).map_err(|source| ReportError::Event { seq, source })?;
        fold.apply(&Event {
            at_ms: Timestamp(at_ms),
            kind,
        });
        // Progress counts seqs, the skipped ones too: the range's size is known up front.
        let done = u64::try_from(seq - lo + 1).unwrap_or(0);
        if done >= next_progress {
            progress(done, total);
            next_progress = done + PROGRESS_EVERY;
        }
    }
    progress(total, total);
    Ok(fold.finish(now))
}
