//! A hall's month as `hallq report` shows it: the month's roll-up (`rollup_months`) and its
//! business types' day lines summed, put into the report's accumulators ([`Measures`]), the
//! month's complaint cases folded from their events, and [`Report::build`] — so the KPI and
//! business tables are the report's own ([`hallq_report::render::kpis`],
//! [`hallq_report::render::business`]), not a second copy.
//!
//! The service-standard KPI comes from the month's inspection roll-up (schema v9) through the
//! report's own [`Report::add_inspections`].
//!
//! What the roll-ups do not hold is left out and said so: the wait and service distributions
//! (their means are in the business table), the touchpoint map, the hours, staff, counters,
//! fairness and consultation call-backs; `hallq report` on the hall's journal has them.

use hallq_proto::Timestamp;
use hallq_report::measures::{BusinessAcc, Measures};
use hallq_report::{Report, ReportConfig};
use tokio_postgres::Client;

use super::data;
use crate::error::HqError;
use crate::store::rollup::DAY_COLUMNS;

fn u(x: Option<i64>) -> u64 {
    x.unwrap_or(0).max(0) as u64
}

/// Hall `hall`'s report of month `yyyymm` from the roll-ups, at `now`, with `cfg` (the chain's
/// targets and local time).
pub(crate) async fn report(
    db: &Client,
    hall: &str,
    month: u32,
    now: Timestamp,
    cfg: &ReportConfig,
) -> Result<Report, HqError> {
    let (from, to) = data::month_days(month);
    let cols: Vec<String> = DAY_COLUMNS
        .iter()
        .map(|c| format!("sum({c})::bigint"))
        .collect();
    let row = db
        .query_one(
            &format!(
                "SELECT {} FROM rollup_months WHERE hall = $1 AND month = $2",
                cols.join(", ")
            ),
            &[&hall, &(month as i32)],
        )
        .await?;
    let f = |name: &str| {
        let i = DAY_COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
        u(row.get::<_, Option<i64>>(i))
    };
    let mut m = Measures::default();
    m.visits = f("visits");
    m.transferred_visits = f("transferred_visits");
    m.tickets = f("tickets");
    m.served = f("served");
    m.ticket_ends = [
        f("served"),
        f("no_shows"),
        f("walked_out"),
        f("closed"),
        f("still_open"),
    ];
    m.ratings = [
        f("dissatisfied"),
        f("neutral"),
        f("satisfied"),
        f("very_satisfied"),
    ];
    m.judged = f("judged");
    m.within_limit = f("within_limit");
    m.sl_judged = f("sl_judged");
    m.sl_within = f("sl_within");
    m.quality.short_services = f("short_services");
    m.quality.forgotten_finish = f("forgotten_finish");
    m.quality.missing_ratings = f("missing_ratings");
    m.quality.unknown_business = f("unknown_business");
    m.quality.orphan_events = f("orphan_events");
    let rows = db
        .query(
            "SELECT business, sum(tickets)::bigint, sum(served)::bigint, sum(judged)::bigint,
                    sum(within_limit)::bigint, sum(service_sum_ms)::bigint, sum(waits)::bigint,
                    sum(wait_sum_ms)::bigint
             FROM rollup_business WHERE hall = $1 AND day BETWEEN $2 AND $3
             GROUP BY business ORDER BY business",
            &[&hall, &from, &to],
        )
        .await?;
    for r in rows {
        let v = |i: usize| r.get::<_, Option<i64>>(i);
        m.business.insert(
            r.get(0),
            BusinessAcc {
                tickets: u(v(1)),
                served: u(v(2)),
                judged: u(v(3)),
                within: u(v(4)),
                service_sum_ms: v(5).unwrap_or(0),
                waits: u(v(6)),
                wait_sum_ms: v(7).unwrap_or(0),
            },
        );
    }
    let offset = cfg.utc_offset_min;
    let scope = crate::user::Scope::Hall(hall.to_owned());
    let cases = data::complaint_cases(db, &scope, data::month_start_ms(month, offset), offset)
        .await?
        .remove(hall)
        .unwrap_or_default();
    let cases = data::opened_in(&cases, month, offset);
    let events = f("events");
    let mut report = Report::build(cfg, &m, &cases, &[], now, (events, events), None);
    let lines = data::inspection_lines(db, hall, month).await?;
    if !lines.is_empty() {
        report.add_inspections(inspections(cfg, &lines));
    }
    Ok(report)
}

/// The report's inspections section from a month's inspection lines (schema v9): the
/// compliance KPI and its types; the schedule and the corrections are not rolled up (`hallq
/// report` in the hall has them).
fn inspections(
    cfg: &ReportConfig,
    lines: &[(String, hallq_inspect::score::Tally)],
) -> hallq_report::inspections::Section {
    let mut total = hallq_inspect::score::Tally::default();
    let mut by_kind: Vec<(hallq_inspect::InspectionKind, hallq_inspect::score::Tally)> = lines
        .iter()
        .filter_map(|(kind, t)| {
            total.merge(t);
            let kind = hallq_inspect::InspectionKind::ALL
                .into_iter()
                .find(|k| k.as_str() == kind)?;
            Some((kind, *t))
        })
        .collect();
    by_kind.sort_by_key(|(k, _)| *k);
    hallq_report::inspections::Section {
        target_pct: cfg.targets.service_standard_pct,
        utc_offset_min: cfg.utc_offset_min,
        total,
        by_kind,
        months: Vec::new(),
        schedule: Vec::new(),
        corrections_opened: 0,
        corrections_closed: (0, 0),
        open: Vec::new(),
        open_late: 0,
    }
}
