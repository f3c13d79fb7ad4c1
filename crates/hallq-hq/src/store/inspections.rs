//! The fourth KPI's roll-up, service-standard compliance (服务规范达标率, schema v9): per hall
//! journal × month × inspection type, the counts of `hallq_inspect::score::Tally` (inspections,
//! with a failed critical item, items checked, items passed), computed by hallq-report's own
//! inspections code ([`hallq_report::inspections::figures`]) from the month's stored
//! `inspection` events — what `hallq report` shows for the same journal, not a second
//! implementation.
//!
//! **Why by month and not by business day like the other roll-ups:** the report counts an
//! inspection in its local month, and the daily cleaning before opening is journaled before the
//! day's `day_opened` (in the previous business day by the journal's `day` column): summing days
//! would move the 1st's morning cleaning into the month before. Inspections are a handful a day,
//! so the sink rewrites the months a batch's inspections fall in from all of those months'
//! inspection events (through their own index), in the batch's transaction.

use std::collections::BTreeSet;

use hallq_inspect::InspectionEvent;
use hallq_proto::{BusinessDay, Timestamp, time};
use hallq_report::inspections::{self, Hours, Setup};
use hallq_report::{DayRange, ReportConfig};
use tokio_postgres::{Client, Transaction};

use crate::error::HqError;
use crate::store::rollup;

/// One row of `rollup_inspections`: a month (`yyyymm`, local) and an inspection type's counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionLine {
    /// `yyyymm`, local time.
    pub month: i32,
    /// The inspection type, as the journal names it (`cleaning`, `facility`, …).
    pub kind: String,
    /// The counts.
    pub tally: hallq_inspect::score::Tally,
}

/// The month (`yyyymm`, local time `offset_min`) of `at_ms`.
pub fn month_of(at_ms: i64, offset_min: i32) -> i32 {
    (time::local(Timestamp(at_ms), offset_min).0.0 / 100) as i32
}

/// The lines of `events` (a journal's inspection events with their times, in order), by
/// hallq-report's inspections code: its months' tallies per inspection type.
pub fn lines(events: &[(Timestamp, InspectionEvent)], offset_min: i32) -> Vec<InspectionLine> {
    let setup = Setup {
        // The schedule is not rolled up (it is judged at the report's time): no checklists.
        templates: Vec::new(),
        hours: Hours {
            open_min: 0,
            close_min: 24 * 60,
            utc_offset_min: offset_min,
        },
        target_pct: 95.0,
    };
    // Every event counts: a range without ends, read at a time after all of them.
    let now = Timestamp(events.last().map_or(0, |(at, _)| at.0) + 86_400_000);
    let section = inspections::figures(&setup, events, &BTreeSet::new(), DayRange::default(), now);
    section
        .months
        .iter()
        .flat_map(|m| {
            // "YYYY-MM" → yyyymm.
            let month = m.month.replace('-', "").parse::<i32>().unwrap_or(0);
            m.by_kind.iter().map(move |(kind, tally)| InspectionLine {
                month,
                kind: kind.as_str().to_owned(),
                tally: *tally,
            })
        })
        .collect()
}

/// The inspection event of a stored `inspection` body (`{"type":"inspection","inspection":
/// {…}}`, its notes stripped by the hall: every note is optional when read).
fn inspection(body: &str) -> Option<InspectionEvent> {
    let mut v: serde_json::Value = serde_json::from_str(body).ok()?;
    serde_json::from_value(v.get_mut("inspection")?.take()).ok()
}

/// The UTC start (ms) of local month `yyyymm`.
fn month_start_ms(month: i32, offset_min: i32) -> i64 {
    let day = BusinessDay(u32::try_from(month).unwrap_or(0) * 100 + 1);
    time::at(day, 0, offset_min).0
}

/// The month after `yyyymm`.
fn next_month(month: i32) -> i32 {
    if month % 100 == 12 {
        (month / 100 + 1) * 100 + 1
    } else {
        month + 1
    }
}

/// Rewrites the `rollup_inspections` rows of journal (`hall`, `epoch`) for `months` (`yyyymm`,
/// local; none: every month it has inspections in) from its stored inspection events, with the
/// hall's local time from `cfg`. Run in the sink's transaction, which holds the journal's mark.
pub(crate) async fn refold(
    db: &Transaction<'_>,
    (hall, epoch): (&str, &str),
    months: Option<&BTreeSet<i32>>,
    cfg: &ReportConfig,
) -> Result<(), HqError> {
    let offset = cfg.utc_offset_min;
    let bounds = months.and_then(|m| {
        let (first, last) = (*m.first()?, *m.last()?);
        Some((
            month_start_ms(first, offset),
            month_start_ms(next_month(last), offset),
        ))
    });
    // Without months, every inspection of the journal (NULL bounds).
    let (from, to) = (bounds.map(|b| b.0), bounds.map(|b| b.1));
    let rows = db
        .query(
            "SELECT (extract(epoch FROM at) * 1000)::bigint, body::text FROM events
             WHERE hall = $1 AND epoch = $2 AND type = 'inspection'
               AND ($3::bigint IS NULL
                    OR at >= 'epoch'::timestamptz + $3::bigint * interval '1 millisecond')
               AND ($4::bigint IS NULL
                    OR at < 'epoch'::timestamptz + $4::bigint * interval '1 millisecond')
             ORDER BY seq",
            &[&hall, &epoch, &from, &to],
        )
        .await?;
    let events: Vec<(Timestamp, InspectionEvent)> = rows
        .iter()
        .filter_map(|r| Some((Timestamp(r.get(0)), inspection(r.get(1))?)))
        .collect();
    let lines: Vec<InspectionLine> = lines(&events, offset)
        .into_iter()
        .filter(|l| months.is_none_or(|m| m.contains(&l.month)))
        .collect();
    match months {
        Some(m) => {
            let m: Vec<i32> = m.iter().copied().collect();
            db.execute(
                "DELETE FROM rollup_inspections WHERE hall = $1 AND epoch = $2
                 AND month = ANY($3)",
                &[&hall, &epoch, &m],
            )
            .await?;
        }
        None => {
            db.execute(
                "DELETE FROM rollup_inspections WHERE hall = $1 AND epoch = $2",
                &[&hall, &epoch],
            )
            .await?;
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    fn n(x: u64) -> i64 {
        i64::try_from(x).unwrap_or(i64::MAX)
    }
    let col = |f: fn(&InspectionLine) -> i64| lines.iter().map(f).collect::<Vec<i64>>();
    let months: Vec<i32> = lines.iter().map(|l| l.month).collect();
    let kinds: Vec<&str> = lines.iter().map(|l| l.kind.as_str()).collect();
    db.execute(
        "INSERT INTO rollup_inspections (hall, epoch, month, kind, inspections, critical_failed,
                                         items_checked, items_passed)
         SELECT $1, $2, u.* FROM unnest($3::integer[], $4::text[], $5::bigint[], $6::bigint[],
             $7::bigint[], $8::bigint[]) AS u",
        &[
            &hall,
            &epoch,
            &months,
            &kinds,
            &col(|l| n(l.tally.inspections)),
            &col(|l| n(l.tally.critical_failed)),
            &col(|l| n(l.tally.items_checked)),
            &col(|l| n(l.tally.items_passed)),
        ],
    )
    .await?;
    Ok(())
}

/// Rolls up the inspections of the hall journals stored before schema v9
/// (`rollup_inspections_pending`), each in a transaction holding its journal's mark as the sink
/// does. Run by [`rollup::refresh`]. Returns the journals rolled up.
pub(crate) async fn refresh(
    client: &mut Client,
    configs: &rollup::Configs,
) -> Result<u64, HqError> {
    let pending = client
        .query(
            "SELECT hall, epoch FROM rollup_inspections_pending ORDER BY 1, 2",
            &[],
        )
        .await?;
    let mut n = 0;
    for row in pending {
        let (hall, epoch): (String, String) = (row.get(0), row.get(1));
        let tx = client.transaction().await?;
        tx.execute(
            "SELECT 1 FROM marks WHERE hall = $1 AND epoch = $2 FOR UPDATE",
            &[&hall, &epoch],
        )
        .await?;
        refold(
            &tx,
            (hall.as_str(), epoch.as_str()),
            None,
            configs.get(&hall),
        )
        .await?;
        tx.execute(
            "DELETE FROM rollup_inspections_pending WHERE hall = $1 AND epoch = $2",
            &[&hall, &epoch],
        )
        .await?;
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}
