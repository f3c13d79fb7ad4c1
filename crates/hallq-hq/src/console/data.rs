//! What the console shows, read from the store: halls with their live status, the month's
//! roll-ups summed per hall, and the complaint cases folded from their events by hallq-report's
//! own fold. Every read is limited to the user's [`Scope`] in SQL, not after.

use std::collections::BTreeMap;

use hallq_proto::Timestamp;
use hallq_report::complaints::{ComplaintCase, ComplaintSummary};
use hallq_report::{Fold, ReportConfig, Targets};
use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

use crate::error::HqError;
use crate::store::rollup;
use crate::user::Scope;
use crate::wire::LiveStatus;

/// A hall silent this long is offline (issue 14 §2).
pub(crate) const OFFLINE_AFTER_MS: i64 = 60_000;

/// How far back the complaints page looks for open cases: a case still open after this long is
/// past every limit and is the hall's to close; HQ does not scan years of events for it.
pub(crate) const OPEN_COMPLAINTS_DAYS: i64 = 92;

/// The month's sums of a hall (or of many): counts, so halls and regions add up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Sums {
    /// Tickets.
    pub(crate) tickets: i64,
    /// Served.
    pub(crate) served: i64,
    /// Visits.
    pub(crate) visits: i64,
    /// Ratings 满意 or 非常满意 …
    pub(crate) satisfied: i64,
    /// … of all ratings.
    pub(crate) rated: i64,
    /// Within limit …
    pub(crate) within: i64,
    /// … of those judged.
    pub(crate) judged: i64,
    /// Called within the waiting target …
    pub(crate) sl_within: i64,
    /// … of those judged.
    pub(crate) sl_judged: i64,
    /// Complaints resolved …
    pub(crate) resolved: i64,
    /// … of those judged (opened, less those open and still within their limit).
    pub(crate) complaints_judged: i64,
    /// Inspection items that count as passed (服务规范达标率: none of an inspection with a
    /// failed critical item) …
    pub(crate) items_passed: i64,
    /// … of the items checked.
    pub(crate) items_checked: i64,
}

impl Sums {
    /// Adds `o`.
    pub(crate) fn add(&mut self, o: &Self) {
        self.tickets += o.tickets;
        self.served += o.served;
        self.visits += o.visits;
        self.satisfied += o.satisfied;
        self.rated += o.rated;
        self.within += o.within;
        self.judged += o.judged;
        self.sl_within += o.sl_within;
        self.sl_judged += o.sl_judged;
        self.resolved += o.resolved;
        self.complaints_judged += o.complaints_judged;
        self.items_passed += o.items_passed;
        self.items_checked += o.items_checked;
    }

    /// KPI `k` in percent; `None` with nothing to judge.
    pub(crate) fn pct(&self, k: Kpi) -> Option<f64> {
        let (num, den) = match k {
            Kpi::Satisfaction => (self.satisfied, self.rated),
            Kpi::WithinLimit => (self.within, self.judged),
            Kpi::ComplaintResolution => (self.resolved, self.complaints_judged),
            Kpi::ServiceStandard => (self.items_passed, self.items_checked),
            Kpi::WaitServiceLevel => (self.sl_within, self.sl_judged),
        };
        (den > 0).then(|| 100.0 * num as f64 / den as f64)
    }

    /// Whether KPI `k` misses its target (`None`: nothing to judge).
    pub(crate) fn misses(&self, k: Kpi, t: &Targets) -> Option<bool> {
        self.pct(k).map(|p| p < k.target(t))
    }

    /// Whether any of the four assessed KPIs misses its target.
    pub(crate) fn misses_any(&self, t: &Targets) -> bool {
        Kpi::ASSESSED
            .iter()
            .any(|k| self.misses(*k, t) == Some(true))
    }
}

/// The KPIs the console ranks and colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kpi {
    /// 满意率.
    Satisfaction,
    /// 及时率.
    WithinLimit,
    /// 投诉解决率.
    ComplaintResolution,
    /// 服务规范达标率: inspection items passed / checked.
    ServiceStandard,
    /// 等候达标率.
    WaitServiceLevel,
}

impl Kpi {
    /// The four the operator is assessed on (DOMAIN.md): a hall missing one is shown red.
    pub(crate) const ASSESSED: [Kpi; 4] = [
        Self::Satisfaction,
        Self::WithinLimit,
        Self::ComplaintResolution,
        Self::ServiceStandard,
    ];
    /// Every one, in the order of the tables.
    pub(crate) const ALL: [Kpi; 5] = [
        Self::Satisfaction,
        Self::WithinLimit,
        Self::ComplaintResolution,
        Self::ServiceStandard,
        Self::WaitServiceLevel,
    ];

    /// Its key in URLs and CSV.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::Satisfaction => "satisfaction",
            Self::WithinLimit => "within_limit",
            Self::ComplaintResolution => "complaint_resolution",
            Self::ServiceStandard => "service_standard",
            Self::WaitServiceLevel => "wait_service_level",
        }
    }

    /// From its key.
    pub(crate) fn from_key(k: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.key() == k)
    }

    /// Its target in percent.
    pub(crate) fn target(self, t: &Targets) -> f64 {
        match self {
            Self::Satisfaction => t.satisfaction_pct,
            Self::WithinLimit => t.within_limit_pct,
            Self::ComplaintResolution => t.complaint_resolution_pct,
            Self::ServiceStandard => t.service_standard_pct,
            Self::WaitServiceLevel => t.wait_service_level_pct,
        }
    }
}

/// A hall as the console lists it.
#[derive(Debug, Clone)]
pub(crate) struct Hall {
    /// Its id.
    pub(crate) hall: String,
    /// Its region ("" if it never sent a status).
    pub(crate) region: String,
    /// Its name.
    pub(crate) name: String,
    /// Its newest status and when HQ received it (ms).
    pub(crate) status: Option<(LiveStatus, i64)>,
    /// The month's sums.
    pub(crate) sums: Sums,
}

impl Hall {
    /// Since when the hall is offline (silent for [`OFFLINE_AFTER_MS`]), ms; `None` if online.
    /// A hall that never sent a status is offline since ever: `Some(0)`.
    pub(crate) fn offline_since(&self, now_ms: i64) -> Option<i64> {
        match &self.status {
            Some((_, at)) if now_ms - at <= OFFLINE_AFTER_MS => None,
            Some((_, at)) => Some(*at),
            None => Some(0),
        }
    }
}

/// The scope's condition on a hall id column `col`, with its parameter at `$n`.
pub(crate) fn scope_sql(scope: &Scope, col: &str, n: usize) -> (String, Option<String>) {
    match scope {
        Scope::Chain => ("TRUE".into(), None),
        Scope::Region(r) => (
            format!("{col} IN (SELECT hall FROM halls WHERE region = ${n})"),
            Some(r.clone()),
        ),
        Scope::Hall(h) => (format!("{col} = ${n}"), Some(h.clone())),
    }
}

/// The first and last business day (`yyyymmdd`) of month `yyyymm`.
pub(crate) fn month_days(month: u32) -> (i32, i32) {
    let m = month as i32;
    (m * 100 + 1, m * 100 + 31)
}

/// The month before `yyyymm`.
pub(crate) fn previous_month(month: u32) -> u32 {
    if month % 100 == 1 {
        (month / 100 - 1) * 100 + 12
    } else {
        month - 1
    }
}

/// Whether `yyyymm` is a month.
pub(crate) fn valid_month(month: u32) -> bool {
    (200_001..=209_912).contains(&month) && (1..=12).contains(&(month % 100))
}

/// The halls in `scope` (those HQ has events of but no status from are listed for HQ staff,
/// region ""), with their live status and the sums of `month`.
pub(crate) async fn halls(
    db: &Client,
    scope: &Scope,
    month: u32,
    now: Timestamp,
    offset_min: i32,
) -> Result<Vec<Hall>, HqError> {
    let (cond, param) = scope_sql(scope, "h.hall", 1);
    let params: Vec<&(dyn ToSql + Sync)> = match &param {
        Some(p) => vec![p],
        None => vec![],
    };
    let unregistered = if matches!(scope, Scope::Chain) {
        "UNION SELECT DISTINCT m.hall, ''::text, ''::text, NULL::text, NULL::bigint FROM marks m
         WHERE NOT EXISTS (SELECT 1 FROM halls x WHERE x.hall = m.hall)"
    } else if let Scope::Hall(_) = scope {
        "UNION SELECT DISTINCT m.hall, ''::text, ''::text, NULL::text, NULL::bigint FROM marks m
         WHERE m.hall = $1 AND NOT EXISTS (SELECT 1 FROM halls x WHERE x.hall = m.hall)"
    } else {
        ""
    };
    let rows = db
        .query(
            &format!(
                "SELECT h.hall, h.region, h.name, s.status::text,
                        (extract(epoch FROM s.received_at) * 1000)::bigint
                 FROM halls h LEFT JOIN hall_status s USING (hall) WHERE {cond}
                 {unregistered} ORDER BY 2, 1"
            ),
            &params,
        )
        .await?;
    let mut halls: Vec<Hall> = rows
        .iter()
        .map(|r| {
            let status = r
                .get::<_, Option<String>>(3)
                .and_then(|s| serde_json::from_str::<LiveStatus>(&s).ok())
                .zip(r.get::<_, Option<i64>>(4));
            Hall {
                hall: r.get(0),
                region: r.get(1),
                name: r.get(2),
                status,
                sums: Sums::default(),
            }
        })
        .collect();
    let sums = month_sums(db, scope, month).await?;
    let complaints = complaint_counts(db, scope, month, now, offset_min).await?;
    let inspected = inspection_sums(db, scope, month).await?;
    for h in &mut halls {
        if let Some(s) = sums.get(&h.hall) {
            h.sums = *s;
        }
        if let Some((passed, checked)) = inspected.get(&h.hall) {
            h.sums.items_passed = *passed;
            h.sums.items_checked = *checked;
        }
        if let Some((resolved, judged)) = complaints.get(&h.hall) {
            h.sums.resolved = *resolved;
            h.sums.complaints_judged = *judged;
        }
    }
    Ok(halls)
}

/// The roll-ups of `month` per hall: its month rows (one per journal epoch, summed), not its
/// days (a row per hall instead of 31: docs/BENCHMARKS.md, the chain at scale).
async fn month_sums(
    db: &Client,
    scope: &Scope,
    month: u32,
) -> Result<BTreeMap<String, Sums>, HqError> {
    let (cond, param) = scope_sql(scope, "m.hall", 2);
    let month = month as i32;
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&month];
    if let Some(p) = &param {
        params.push(p);
    }
    let rows = db
        .query(
            &format!(
                "SELECT m.hall, sum(tickets)::bigint, sum(served)::bigint, sum(visits)::bigint,
                        sum(satisfied + very_satisfied)::bigint,
                        sum(dissatisfied + neutral + satisfied + very_satisfied)::bigint,
                        sum(within_limit)::bigint, sum(judged)::bigint,
                        sum(sl_within)::bigint, sum(sl_judged)::bigint
                 FROM rollup_months m WHERE m.month = $1 AND {cond} GROUP BY m.hall"
            ),
            &params,
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let v = |i: usize| r.get::<_, Option<i64>>(i).unwrap_or(0);
            (
                r.get(0),
                Sums {
                    tickets: v(1),
                    served: v(2),
                    visits: v(3),
                    satisfied: v(4),
                    rated: v(5),
                    within: v(6),
                    judged: v(7),
                    sl_within: v(8),
                    sl_judged: v(9),
                    ..Sums::default()
                },
            )
        })
        .collect())
}

/// Per hall in `scope`: the inspection items passed and checked in `month` (the
/// service-standard roll-up, schema v9; every journal epoch and inspection type summed).
pub(crate) async fn inspection_sums(
    db: &Client,
    scope: &Scope,
    month: u32,
) -> Result<BTreeMap<String, (i64, i64)>, HqError> {
    let (cond, param) = scope_sql(scope, "i.hall", 2);
    let month = month as i32;
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&month];
    if let Some(p) = &param {
        params.push(p);
    }
    let rows = db
        .query(
            &format!(
                "SELECT i.hall, sum(items_passed)::bigint, sum(items_checked)::bigint
                 FROM rollup_inspections i WHERE i.month = $1 AND {cond} GROUP BY i.hall"
            ),
            &params,
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect())
}

/// Hall `hall`'s inspection lines of `month`: per inspection type (as the journal names it),
/// its counts summed over the hall's journal epochs.
pub(crate) async fn inspection_lines(
    db: &Client,
    hall: &str,
    month: u32,
) -> Result<Vec<(String, hallq_inspect::score::Tally)>, HqError> {
    let rows = db
        .query(
            "SELECT kind, sum(inspections)::bigint, sum(critical_failed)::bigint,
                    sum(items_checked)::bigint, sum(items_passed)::bigint
             FROM rollup_inspections WHERE hall = $1 AND month = $2 GROUP BY kind",
            &[&hall, &(month as i32)],
        )
        .await?;
    let u = |x: i64| u64::try_from(x).unwrap_or(0);
    Ok(rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                hallq_inspect::score::Tally {
                    inspections: u(r.get(1)),
                    critical_failed: u(r.get(2)),
                    items_checked: u(r.get(3)),
                    items_passed: u(r.get(4)),
                },
            )
        })
        .collect())
}

/// The fold's configuration for complaint events: only the local time matters to them.
fn complaint_cfg(offset_min: i32) -> ReportConfig {
    let mut cfg = rollup::unconfigured();
    cfg.utc_offset_min = offset_min;
    cfg
}

/// The complaint cases of the halls in `scope` whose events are at or after `since_ms`, per
/// hall, folded by hallq-report's fold from their stored events.
pub(crate) async fn complaint_cases(
    db: &Client,
    scope: &Scope,
    since_ms: i64,
    offset_min: i32,
) -> Result<BTreeMap<String, Vec<ComplaintCase>>, HqError> {
    let (cond, param) = scope_sql(scope, "e.hall", 2);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&since_ms];
    if let Some(p) = &param {
        params.push(p);
    }
    let rows = db
        .query(
            &format!(
                "SELECT e.hall, e.body::text FROM events e
                 WHERE e.type IN ('complaint_opened', 'complaint_updated', 'complaint_resolved')
                   AND e.at >= to_timestamp($1::bigint / 1000.0) AND {cond}
                 ORDER BY e.hall, e.epoch, e.seq"
            ),
            &params,
        )
        .await?;
    let cfg = complaint_cfg(offset_min);
    let mut out = BTreeMap::new();
    let mut i = 0;
    while i < rows.len() {
        let hall: String = rows[i].get(0);
        let mut fold = Fold::new(&cfg);
        while i < rows.len() && rows[i].get::<_, String>(0) == hall {
            if let Some(e) = rollup::event(rows[i].get(1)) {
                fold.apply(&e);
            }
            i += 1;
        }
        let part = fold.into_part();
        out.insert(hall, part.complaints().cloned().collect());
    }
    Ok(out)
}

/// The start of month `yyyymm` in ms, local time `offset_min`.
pub(crate) fn month_start_ms(month: u32, offset_min: i32) -> i64 {
    hallq_proto::time::at(hallq_proto::BusinessDay(month * 100 + 1), 0, offset_min).0
}

/// The cases opened in `month` (local time).
pub(crate) fn opened_in(
    cases: &[ComplaintCase],
    month: u32,
    offset_min: i32,
) -> Vec<ComplaintCase> {
    cases
        .iter()
        .filter(|c| hallq_proto::time::local(c.opened, offset_min).0.0 / 100 == month)
        .cloned()
        .collect()
}

/// Per hall: complaints of `month` resolved, and judged (the report's resolution rate).
pub(crate) async fn complaint_counts(
    db: &Client,
    scope: &Scope,
    month: u32,
    now: Timestamp,
    offset_min: i32,
) -> Result<BTreeMap<String, (i64, i64)>, HqError> {
    let cases = complaint_cases(db, scope, month_start_ms(month, offset_min), offset_min).await?;
    Ok(cases
        .into_iter()
        .map(|(hall, cases)| {
            let s = ComplaintSummary::of(&opened_in(&cases, month, offset_min), now, offset_min);
            (hall, (s.resolved as i64, (s.opened - s.pending) as i64))
        })
        .collect())
}

/// The months (`yyyymm`, newest first, at most 12) hall `hall` has roll-ups for: of its
/// business days, or of its inspections (a month of inspections only is a month of the KPI).
pub(crate) async fn hall_months(db: &Client, hall: &str) -> Result<Vec<u32>, HqError> {
    let rows = db
        .query(
            "SELECT month FROM rollup_months WHERE hall = $1
             UNION SELECT month FROM rollup_inspections WHERE hall = $1
             ORDER BY 1 DESC LIMIT 12",
            &[&hall],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get::<_, i32>(0) as u32).collect())
}

/// A region's name for HQ's pages: the id itself, or "未登记 / unregistered" for "".
pub(crate) fn region_label(region: &str) -> &str {
    if region.is_empty() { "—" } else { region }
}
