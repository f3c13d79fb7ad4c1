//! Roll-ups: per hall journal × business day × business type, the figures of `hallq report`,
//! computed by the report's own fold ([`hallq_report::Fold`]) and written by the sink in the
//! transaction that stores the day's events.
//!
//! **The fold's state between batches (chosen here, measured in docs/chain.md):** a day's rows
//! are refolded from that day's stored events, inside the sink's transaction, and replaced. The
//! fold keeps its live state (today's visits and tickets, the counters, the queues) in private
//! maps built for speed, not serialisable, and hands a visit to its accumulators only when the
//! day closes; carrying that state between batches would mean serialising the fold's insides or
//! a second, mergeable implementation of every figure. A row that is a function of the stored
//! events cannot count a duplicate or a resent overlap twice: what was stored once is folded as
//! it is, however often it arrived.
//!
//! Refolding a whole day for every batch would cost the square of the day's length when a hub
//! uploads a few events at a time, so the sink refolds a day when the batch closes it (its
//! `day_closed`), or when [`REFOLD_EVERY`] of its events have been stored since its last fold
//! and that fold is older than [`REFOLD_AGAIN_AFTER_S`] (a hall catching up sends a day in big
//! batches back to back);
//! the open day's newest events (fewer than that) wait for the next fold or for [`refresh`],
//! to be run every minute by HQ's process: the sink notes such a day in `rollup_pending`.
//! `folded_to` in each row says how far it is.
//!
//! Each refold also rewrites the day's month in `rollup_months` (schema v6) as the sum of the
//! month's day rows, in the same transaction: the chain's pages read a row per hall and month.
//! The store's triggers (schema v7) add what the month changed by to its region as a delta row,
//! which [`fold_regions`] folds into the region's month later: an insert, so refolds of halls of
//! one region never wait for each other.
//!
//! Days are independent: the fold forgets every visit and ticket at the daily reset, whose
//! events belong to the day they close (the journal's `day` column is the day of the last
//! `day_opened`), so the sum of the days' rows is the figure of the range. What crosses days
//! is not rolled up here: complaints (a case runs 24–72 h and its KPIs depend on the time they
//! are read at) and call-backs come from their events; counters' open time, the hour grid,
//! staff and fairness are not stored yet.

use std::collections::HashMap;

use hallq_queue::Event;
use hallq_report::{Fold, ReportConfig, Targets};
use tokio_postgres::{Client, Transaction};

use crate::error::HqError;

/// The report configuration of each hall the roll-ups are folded with (business types and
/// their limits, the waiting-time target, the local time). HQ takes them from the halls'
/// configuration (issue 14 §3: HQ publishes it); a hall HQ has none for is folded with
/// the fallback given to [`Configs::new`].
#[derive(Debug, Clone)]
pub struct Configs {
    halls: HashMap<String, ReportConfig>,
    fallback: ReportConfig,
}

impl Default for Configs {
    fn default() -> Self {
        Self::new(unconfigured())
    }
}

impl Configs {
    /// No hall's configuration yet; `fallback` for every hall.
    pub fn new(fallback: ReportConfig) -> Self {
        Self {
            halls: HashMap::new(),
            fallback,
        }
    }

    /// Hall `hall` is configured as `cfg`.
    pub fn insert(&mut self, hall: &str, cfg: ReportConfig) {
        self.halls.insert(hall.to_owned(), cfg);
    }

    /// The configuration hall `hall`'s events are folded with.
    pub fn get(&self, hall: &str) -> &ReportConfig {
        self.halls.get(hall).unwrap_or(&self.fallback)
    }
}

/// A hall HQ has no configuration for: China's time, the default targets, no business types
/// (the report then judges every ticket against the strictest limit, 15 min, and counts it as
/// of an unknown business type, so the roll-up shows the configuration is missing).
pub fn unconfigured() -> ReportConfig {
    ReportConfig {
        hall_name: String::new(),
        utc_offset_min: 480,
        business: Vec::new(),
        counters: Vec::new(),
        targets: Targets::default(),
        priority: hallq_report::config::PriorityRule::default(),
        rating_timeout_secs: 30,
        short_service_secs: 20,
        forgotten_finish_factor: 3,
        booking: None,
        tiers: Vec::new(),
    }
}

/// One business type's line of a day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusinessLine {
    /// The business type's code.
    pub business: String,
    /// Tickets that ended with it.
    pub tickets: i64,
    /// Served.
    pub served: i64,
    /// Served and judged against its limit.
    pub judged: i64,
    /// Of which within it.
    pub within_limit: i64,
    /// Handling times of the judged services, summed.
    pub service_sum_ms: i64,
    /// Waits to the first call …
    pub waits: i64,
    /// … summed.
    pub wait_sum_ms: i64,
}

/// A day's roll-up: the columns of `rollup_days` and the day's `rollup_business` lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayRollup {
    /// `[events, unread, visits, transferred_visits, tickets, served, no_shows, walked_out,
    /// closed, still_open, dissatisfied, neutral, satisfied, very_satisfied, judged,
    /// within_limit, sl_judged, sl_within, short_services, forgotten_finish, missing_ratings,
    /// unknown_business, orphan_events]`, in [`DAY_COLUMNS`]' order.
    pub figures: [i64; 23],
    /// Per business type.
    pub business: Vec<BusinessLine>,
}

/// The columns of `rollup_days` after its key, in [`DayRollup::figures`]' order.
pub const DAY_COLUMNS: [&str; 23] = [
    "events",
    "unread",
    "visits",
    "transferred_visits",
    "tickets",
    "served",
    "no_shows",
    "walked_out",
    "closed",
    "still_open",
    "dissatisfied",
    "neutral",
    "satisfied",
    "very_satisfied",
    "judged",
    "within_limit",
    "sl_judged",
    "sl_within",
    "short_services",
    "forgotten_finish",
    "missing_ratings",
    "unknown_business",
    "orphan_events",
];

/// An open day is refolded once this many of its events are stored since its last fold (and
/// when its `day_closed` arrives): refolding a busy day costs ~4× a 100-event batch's insert
/// (docs/chain.md), so a day costs a few dozen folds of itself however its hub splits the
/// upload.
pub const REFOLD_EVERY: i64 = 200;

/// An open day folded less than this many seconds ago is not refolded for [`REFOLD_EVERY`]
/// more events: a hall catching up sends a day in batches of hundreds back to back, and
/// refolding the growing day at each one folded each event ~4 times (docs/BENCHMARKS.md,
/// the catch-up); its reset, or the refresh, folds it in full.
pub const REFOLD_AGAIN_AFTER_S: i64 = 10;

/// How far a day is rolled up: the last seq folded, and whether that fold is fresh (younger
/// than [`REFOLD_AGAIN_AFTER_S`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Folded {
    /// The journal's last seq the day's row reflects.
    pub to: i64,
    /// Folded less than [`REFOLD_AGAIN_AFTER_S`] ago.
    pub fresh: bool,
}

/// Whether the sink refolds a day now: its batch closes it, or `last` (the day's newest seq
/// stored) is [`REFOLD_EVERY`] past the last fold (none: 0) and that fold is not fresh.
pub fn due(closes: bool, last: i64, folded: Option<Folded>) -> bool {
    closes
        || match folded {
            None => last >= REFOLD_EVERY,
            Some(f) => !f.fresh && last - f.to >= REFOLD_EVERY,
        }
}

fn n(x: u64) -> i64 {
    i64::try_from(x).unwrap_or(i64::MAX)
}

/// Folds one business day's event bodies (in seq order, as stored: de-identified) with the
/// report's fold. A body the engine's event type cannot read (a kind newer than this build)
/// is counted `unread` and skipped, as the report skips kinds it does not know.
pub fn fold_day<'a>(cfg: &ReportConfig, bodies: impl IntoIterator<Item = &'a str>) -> DayRollup {
    let mut fold = Fold::new(cfg);
    let (mut events, mut unread) = (0u64, 0u64);
    for body in bodies {
        events += 1;
        match event(body) {
            Some(e) => fold.apply(&e),
            None => unread += 1,
        }
    }
    let part = fold.into_part();
    let m = part.measures();
    let q = &m.quality;
    let e = &m.ticket_ends;
    let r = &m.ratings;
    let figures = [
        events,
        unread,
        m.visits,
        m.transferred_visits,
        m.tickets,
        e[0],
        e[1],
        e[2],
        e[3],
        e[4],
        r[0],
        r[1],
        r[2],
        r[3],
        m.judged,
        m.within_limit,
        m.sl_judged,
        m.sl_within,
        q.short_services,
        q.forgotten_finish,
        q.missing_ratings,
        q.unknown_business,
        q.orphan_events,
    ]
    .map(n);
    let business = m
        .business
        .iter()
        .map(|(code, b)| BusinessLine {
            business: code.clone(),
            tickets: n(b.tickets),
            served: n(b.served),
            judged: n(b.judged),
            within_limit: n(b.within),
            service_sum_ms: b.service_sum_ms,
            waits: n(b.waits),
            wait_sum_ms: b.wait_sum_ms,
        })
        .collect();
    DayRollup { figures, business }
}

/// A stored body as the engine's event. The free-text fields the hall kept
/// ([`crate::wire::FREE_TEXT`]) are required by some kinds and change no figure: they are put
/// back empty.
pub(crate) fn event(body: &str) -> Option<Event> {
    let mut v: serde_json::Value = serde_json::from_str(body).ok()?;
    let obj = v.as_object_mut()?;
    for field in ["summary", "note", "resolution"] {
        obj.entry(field)
            .or_insert_with(|| serde_json::Value::String(String::new()));
    }
    serde_json::from_value(v).ok()
}

/// How far day `day` of journal (`hall`, `epoch`) is rolled up (`None`: not at all).
pub(crate) async fn folded_to(
    tx: &Transaction<'_>,
    hall: &str,
    epoch: &str,
    day: i32,
) -> Result<Option<Folded>, HqError> {
    Ok(tx
        .query_opt(
            "SELECT folded_to, updated_at > now() - $4::bigint * interval '1 second'
             FROM rollup_days WHERE hall = $1 AND epoch = $2 AND day = $3",
            &[&hall, &epoch, &day, &REFOLD_AGAIN_AFTER_S],
        )
        .await?
        .map(|r| Folded {
            to: r.get(0),
            fresh: r.get(1),
        }))
}

/// Notes that day `day` of journal (`hall`, `epoch`) has stored events up to `seq` not rolled
/// up yet, for [`refresh`].
pub(crate) async fn pending(
    tx: &Transaction<'_>,
    (hall, epoch, day): (&str, &str, i32),
    seq: i64,
) -> Result<(), HqError> {
    tx.execute(
        "INSERT INTO rollup_pending (hall, epoch, day, seq) VALUES ($1, $2, $3, $4)
         ON CONFLICT (hall, epoch, day) DO UPDATE SET seq = excluded.seq",
        &[&hall, &epoch, &day, &seq],
    )
    .await?;
    Ok(())
}

/// Refolds business day `day` of journal (`hall`, `epoch`) from all its stored events and
/// replaces its roll-up rows, in `tx`, which holds the journal's mark locked: batches of one
/// journal take turns here too. Nothing of the day is pending after it.
pub(crate) async fn refold(
    tx: &Transaction<'_>,
    (hall, epoch, day): (&str, &str, i32),
    cfg: &ReportConfig,
) -> Result<(), HqError> {
    let rows = tx
        .query(
            "SELECT seq, body::text FROM events WHERE hall = $1 AND epoch = $2 AND day = $3
             ORDER BY seq",
            &[&hall, &epoch, &day],
        )
        .await?;
    let to: i64 = rows.last().map_or(0, |r| r.get(0));
    let bodies: Vec<String> = rows.iter().map(|r| r.get(1)).collect();
    let r = fold_day(cfg, bodies.iter().map(String::as_str));
    tx.execute(
        "DELETE FROM rollup_days WHERE hall = $1 AND epoch = $2 AND day = $3",
        &[&hall, &epoch, &day],
    )
    .await?;
    tx.execute(
        "DELETE FROM rollup_pending WHERE hall = $1 AND epoch = $2 AND day = $3",
        &[&hall, &epoch, &day],
    )
    .await?;
    let cols = DAY_COLUMNS.join(", ");
    let params: Vec<String> = (5..5 + DAY_COLUMNS.len())
        .map(|i| format!("${i}"))
        .collect();
    let mut values: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
        vec![&hall, &epoch, &day, &to];
    values.extend(
        r.figures
            .iter()
            .map(|x| x as &(dyn tokio_postgres::types::ToSql + Sync)),
    );
    tx.execute(
        &format!(
            "INSERT INTO rollup_days (hall, epoch, day, folded_to, {cols})
             VALUES ($1, $2, $3, $4, {})",
            params.join(", ")
        ),
        &values,
    )
    .await?;
    sum_month(tx, (hall, epoch, day)).await?;
    if r.business.is_empty() {
        return Ok(());
    }
    let col = |f: fn(&BusinessLine) -> i64| r.business.iter().map(f).collect::<Vec<i64>>();
    let codes: Vec<&str> = r.business.iter().map(|b| b.business.as_str()).collect();
    tx.execute(
        "INSERT INTO rollup_business (hall, epoch, day, business, tickets, served, judged,
                                      within_limit, service_sum_ms, waits, wait_sum_ms)
         SELECT $1, $2, $3, u.* FROM unnest($4::text[], $5::bigint[], $6::bigint[],
             $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[]) AS u",
        &[
            &hall,
            &epoch,
            &day,
            &codes,
            &col(|b| b.tickets),
            &col(|b| b.served),
            &col(|b| b.judged),
            &col(|b| b.within_limit),
            &col(|b| b.service_sum_ms),
            &col(|b| b.waits),
            &col(|b| b.wait_sum_ms),
        ],
    )
    .await?;
    Ok(())
}

/// The statement that rewrites the `rollup_months` rows of the (hall journal, month)s that
/// `filter` (a condition on `rollup_days`) selects as the sums of their days' rows.
pub fn months_from_days(filter: &str) -> String {
    let cols = DAY_COLUMNS.join(", ");
    let sums: Vec<String> = DAY_COLUMNS.iter().map(|c| format!("sum({c})")).collect();
    let set: Vec<String> = DAY_COLUMNS
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO rollup_months (hall, epoch, month, {cols})
         SELECT hall, epoch, day / 100, {} FROM rollup_days WHERE {filter}
         GROUP BY hall, epoch, day / 100
         ON CONFLICT (hall, epoch, month) DO UPDATE SET {}, updated_at = now()",
        sums.join(", "),
        set.join(", ")
    )
}

/// Rewrites the month row of day `day` of journal (`hall`, `epoch`) from its days' rows, in the
/// refold's transaction. Summing the month's (at most 31) day rows again, rather than adding the
/// difference of the day's old and new rows, keeps the month a function of the days whatever
/// happened before; measured in docs/chain.md ("Roll-ups"): ~4 ms beside the day's refold's
/// 55–90 ms, so the difference would save little.
async fn sum_month(
    tx: &Transaction<'_>,
    (hall, epoch, day): (&str, &str, i32),
) -> Result<(), HqError> {
    let month = day / 100;
    tx.execute(
        &months_from_days(
            "hall = $1 AND epoch = $2 AND day BETWEEN $3::int * 100 AND $3::int * 100 + 99",
        ),
        &[&hall, &epoch, &month],
    )
    .await?;
    Ok(())
}

/// Rolls up the stored events the sink left for later (an open day's newest, fewer than
/// [`REFOLD_EVERY`]): every day in `rollup_pending`, each in a transaction that holds its
/// journal's mark as the sink does; then folds the regions' month deltas ([`fold_regions`]).
/// To be run every minute by HQ's process, so an open day's roll-up is at most that late.
/// Returns the days refolded.
pub async fn refresh(client: &mut Client, configs: &Configs) -> Result<u64, HqError> {
    let stale = client
        .query(
            "SELECT hall, epoch, day FROM rollup_pending ORDER BY 1, 2, 3",
            &[],
        )
        .await?;
    let mut days = 0;
    for row in stale {
        let (hall, epoch, day): (String, String, i32) = (row.get(0), row.get(1), row.get(2));
        let tx = client.transaction().await?;
        tx.execute(
            "SELECT 1 FROM marks WHERE hall = $1 AND epoch = $2 FOR UPDATE",
            &[&hall, &epoch],
        )
        .await?;
        // A sink may have folded it meanwhile.
        let still = tx
            .query_opt(
                "SELECT 1 FROM rollup_pending WHERE hall = $1 AND epoch = $2 AND day = $3",
                &[&hall, &epoch, &day],
            )
            .await?
            .is_some();
        if still {
            refold(&tx, (&hall, &epoch, day), configs.get(&hall)).await?;
            days += 1;
        }
        tx.commit().await?;
    }
    super::inspections::refresh(client, configs).await?;
    fold_regions(client).await?;
    Ok(days)
}

/// Folds the regions' month deltas the refolds and the halls' moves left (schema v7) into
/// `region_months`, in a short transaction of its own; a fold already running elsewhere makes
/// this one a no-op. Readers add the deltas not folded yet (`region_months_now`), so this only
/// keeps them few. Returns the delta rows folded.
pub async fn fold_regions(client: &Client) -> Result<i64, HqError> {
    Ok(client
        .query_one("SELECT region_months_fold()", &[])
        .await?
        .get(0))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use hallq_inspect::InspectionEvent;
    use hallq_inspect::register::CheckedItem;
    use hallq_proto::Timestamp;
    use hallq_queue::{Event, EventKind};

    /// An inspection as the hub journals it, after the uplink took its notes out.
    fn up(inspection: InspectionEvent) -> String {
        let e = Event {
            at_ms: Timestamp(1_795_390_000_000),
            kind: EventKind::Inspection { inspection },
        };
        let body = serde_json::to_value(&e).unwrap();
        hallq_wire::deidentify(body).to_string()
    }

    #[test]
    fn inspections_stripped_of_their_notes_are_read_at_hq() {
        let recorded = up(InspectionEvent::Recorded {
            inspection: "I20261207-1".into(),
            template: "patrol".into(),
            kind: hallq_inspect::InspectionKind::Cleaning,
            by: "E1001".into(),
            device: "supervisor-1".into(),
            items: vec![CheckedItem {
                item: "floor".into(),
                critical: true,
                pass: false,
                note: Some("王先生 slipped on water".into()),
            }],
            note: Some("see 王先生".into()),
            visited_at_ms: None,
            shopper: Some("王先生's visit firm".into()),
        });
        assert!(!recorded.contains("王先生"), "{recorded}");
        let read = super::event(&recorded);
        assert!(
            matches!(
                read,
                Some(Event {
                    kind: EventKind::Inspection { .. },
                    ..
                })
            ),
            "{recorded} → {read:?}"
        );
    }
}
