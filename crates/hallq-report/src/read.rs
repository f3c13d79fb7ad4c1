//! Reading the journal: the events of a range of business days, streamed in seq order through
//! one read transaction (the hub may go on writing: WAL gives the report a snapshot), each
//! folded and dropped. Nothing here computes a figure.

use hallq_journal::Journal;
use hallq_proto::{BusinessDay, Timestamp};
use hallq_queue::Event;

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
    let mut stmt =
        db.prepare("SELECT seq, body FROM events WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq")?;
    let mut rows = stmt.query([lo, hi])?;
    let mut read = 0u64;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let body = row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
        let event: Event =
            serde_json::from_str(body).map_err(|source| ReportError::Event { seq, source })?;
        fold.apply(&event);
        read += 1;
        if read.is_multiple_of(PROGRESS_EVERY) {
            progress(read, total);
        }
    }
    progress(read, total);
    Ok(fold.finish(now))
}
