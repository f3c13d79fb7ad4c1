//! The chain page (`/`): the regions with their KPIs against the targets, the halls missing one,
//! the halls offline. It reads a row per region — the month's sums kept per region by the store
//! (`region_months_now`: `region_months` and its deltas not folded yet, schema v7) and the
//! halls' live status counted in SQL — and the red and offline halls through `LIMIT`ed
//! queries, never every hall of the chain (10,000 halls:
//! docs/BENCHMARKS.md, the chain at scale). Its figures are those a fold of every hall gives:
//! tests/chain_page.rs compares them with the journals' reports.

use std::collections::BTreeMap;

use hallq_proto::Timestamp;
use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

use super::data::{self, Kpi, OFFLINE_AFTER_MS, Sums};
use super::pages::{
    LIST_MAX, enc, kpi_cells, kpi_headers, month_links, offline_text, targets_line,
};
use super::view::{Cell, Lang, Page, Tbl, month_label};
use super::{Console, Fail};
use crate::error::HqError;
use crate::user::{Scope, User};

/// Whether a hall whose status row is `s` was last heard from before `$1` (ms): offline as
/// [`data::Hall::offline_since`] counts it, whose received ms are `received_at` rounded to the
/// millisecond (half up) — so "rounded < $1" is "received_at < $1 ms − 0.5 ms", compared as
/// timestamps (microseconds) rather than by converting every row's time to ms.
const SILENT: &str =
    "s.received_at < 'epoch'::timestamptz + ($1::bigint * 1000 - 500) * interval '1 microsecond'";

/// A region's row: halls, offline now, people waiting now, the month's sums.
#[derive(Debug, Clone, Copy, Default)]
struct Region {
    halls: i64,
    offline: i64,
    waiting: i64,
    sums: Sums,
}

impl Region {
    fn add(&mut self, o: &Self) {
        self.halls += o.halls;
        self.offline += o.offline;
        self.waiting += o.waiting;
        self.sums.add(&o.sums);
    }
}

/// A hall of the red or offline list.
struct Listed {
    hall: String,
    region: String,
    name: String,
    sums: Sums,
    /// When HQ last heard from it, ms; 0 if never.
    heard_ms: i64,
}

/// The halls in `scope` as a query's rows (hall, region, name): the registered ones, and for HQ
/// staff also those HQ has events of but no status from (region ""), as the other pages list
/// them. The scope's parameter is `$n`.
fn scoped_halls(scope: &Scope, n: usize) -> String {
    let (cond, _) = data::scope_sql(scope, "h.hall", n);
    let unregistered = if matches!(scope, Scope::Chain) {
        "UNION ALL SELECT DISTINCT m.hall, ''::text, ''::text FROM marks m
         WHERE NOT EXISTS (SELECT 1 FROM halls x WHERE x.hall = m.hall)"
    } else {
        ""
    };
    format!("SELECT h.hall, h.region, h.name FROM halls h WHERE {cond} {unregistered}")
}

/// The scope's parameter, if it has one.
fn scope_param(scope: &Scope) -> Option<String> {
    data::scope_sql(scope, "", 1).1
}

/// Per region in `scope`: its halls, those offline at `now_ms`, and the people waiting in them.
async fn live(
    db: &Client,
    scope: &Scope,
    now_ms: i64,
) -> Result<BTreeMap<String, Region>, HqError> {
    let cutoff = now_ms - OFFLINE_AFTER_MS;
    let p = scope_param(scope);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&cutoff];
    if let Some(p) = &p {
        params.push(p);
    }
    // `waiting` is the stored LiveStatus's (a column generated from it, schema v7).
    let rows = db
        .query(
            &format!(
                "SELECT a.region, count(*)::bigint,
                        count(*) FILTER (WHERE s.received_at IS NULL OR {SILENT})::bigint,
                        coalesce(sum(s.waiting), 0)::bigint
                 FROM ({}) a LEFT JOIN hall_status s USING (hall) GROUP BY a.region",
                scoped_halls(scope, 2)
            ),
            &params,
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let region = Region {
                halls: r.get(1),
                offline: r.get(2),
                waiting: r.get(3),
                sums: Sums::default(),
            };
            (r.get(0), region)
        })
        .collect())
}

/// The month's sums per region in `scope`, from `region_months_now`.
async fn region_sums(
    db: &Client,
    scope: &Scope,
    month: u32,
) -> Result<BTreeMap<String, Sums>, HqError> {
    let month = month as i32;
    let p = scope_param(scope);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&month];
    let cond = match &p {
        Some(p) => {
            params.push(p);
            "region = $2"
        }
        None => "TRUE",
    };
    let rows = db
        .query(
            &format!(
                "SELECT region, tickets, served, visits, satisfied + very_satisfied,
                        dissatisfied + neutral + satisfied + very_satisfied, within_limit,
                        judged, sl_within, sl_judged
                 FROM region_months_now WHERE month = $1 AND {cond}"
            ),
            &params,
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), sums(r, 1))).collect())
}

/// The sums in columns `from..from + 9` of `r` (tickets, served, visits, satisfied, rated,
/// within, judged, sl_within, sl_judged).
fn sums(r: &tokio_postgres::Row, from: usize) -> Sums {
    let v = |i: usize| r.get::<_, i64>(from + i);
    Sums {
        tickets: v(0),
        served: v(1),
        visits: v(2),
        satisfied: v(3),
        rated: v(4),
        within: v(5),
        judged: v(6),
        sl_within: v(7),
        sl_judged: v(8),
        ..Sums::default()
    }
}

/// The regions of `halls` (a hall without a `halls` row is in region "").
async fn regions_of(db: &Client, halls: &[&str]) -> Result<BTreeMap<String, String>, HqError> {
    let rows = db
        .query(
            "SELECT hall, region FROM halls WHERE hall = ANY($1)",
            &[&halls],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The halls in `scope` missing a target in `month` (at most [`LIST_MAX`], by region and hall)
/// and how many there are: those whose month's sums miss satisfaction or within-limit, chosen
/// in SQL by the same arithmetic as [`Sums::misses`], and `by_folded` (their complaint
/// resolution or service-standard compliance misses: computed beforehand).
async fn red(
    c: &Console,
    db: &Client,
    scope: &Scope,
    month: u32,
    by_folded: &[&str],
) -> Result<(Vec<Listed>, usize), HqError> {
    let (cond, p) = data::scope_sql(scope, "m.hall", 5);
    let month = month as i32;
    let t = &c.targets;
    let limit = LIST_MAX as i64;
    let mut params: Vec<&(dyn ToSql + Sync)> =
        vec![&month, &t.satisfaction_pct, &t.within_limit_pct, &by_folded];
    if let Some(p) = &p {
        params.push(p);
    }
    params.push(&limit);
    let limit_at = params.len();
    // Summed as int (a hall's month counts are far below 2^31): sum(int) adds in bigint, where
    // sum(bigint) adds in numeric, which took most of this query's time over 10,000 halls.
    let rows = db
        .query(
            &format!(
                "WITH s AS (
                     SELECT m.hall, sum(tickets::int) AS tickets, sum(served::int) AS served,
                            sum(visits::int) AS visits,
                            sum((satisfied + very_satisfied)::int) AS sat,
                            sum((dissatisfied + neutral + satisfied + very_satisfied)::int)
                                AS rated,
                            sum(within_limit::int) AS within, sum(judged::int) AS judged,
                            sum(sl_within::int) AS slw, sum(sl_judged::int) AS slj
                     FROM rollup_months m WHERE m.month = $1 AND {cond} GROUP BY m.hall),
                 r AS (
                     SELECT * FROM s
                     WHERE (rated > 0 AND 100.0::float8 * sat / rated < $2)
                        OR (judged > 0 AND 100.0::float8 * within / judged < $3)
                        OR hall = ANY($4)
                     UNION ALL
                     SELECT x, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM unnest($4::text[]) x
                     WHERE NOT EXISTS (SELECT 1 FROM s WHERE s.hall = x))
                 SELECT r.hall, coalesce(h.region, ''), coalesce(h.name, ''), r.tickets,
                        r.served, r.visits, r.sat, r.rated, r.within, r.judged, r.slw, r.slj,
                        count(*) OVER ()
                 FROM r LEFT JOIN halls h USING (hall) ORDER BY 2, 1 LIMIT ${limit_at}"
            ),
            &params,
        )
        .await?;
    let total = rows.first().map_or(0, |r| r.get::<_, i64>(12) as usize);
    let listed = rows
        .iter()
        .map(|r| Listed {
            hall: r.get(0),
            region: r.get(1),
            name: r.get(2),
            sums: sums(r, 3),
            heard_ms: 0,
        })
        .collect();
    Ok((listed, total))
}

/// The halls in `scope` offline at `now_ms` (at most [`LIST_MAX`], by region and hall) and how
/// many there are.
async fn offline(db: &Client, scope: &Scope, now_ms: i64) -> Result<(Vec<Listed>, usize), HqError> {
    let cutoff = now_ms - OFFLINE_AFTER_MS;
    let limit = LIST_MAX as i64;
    let p = scope_param(scope);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&cutoff, &limit];
    if let Some(p) = &p {
        params.push(p);
    }
    let rows = db
        .query(
            &format!(
                "SELECT a.hall, a.region, a.name,
                        (extract(epoch FROM s.received_at) * 1000)::bigint, count(*) OVER ()
                 FROM ({}) a LEFT JOIN hall_status s USING (hall)
                 WHERE s.received_at IS NULL OR {SILENT}
                 ORDER BY 2, 1 LIMIT $2",
                scoped_halls(scope, 3)
            ),
            &params,
        )
        .await?;
    let total = rows.first().map_or(0, |r| r.get::<_, i64>(4) as usize);
    let listed = rows
        .iter()
        .map(|r| Listed {
            hall: r.get(0),
            region: r.get(1),
            name: r.get(2),
            sums: Sums::default(),
            heard_ms: r.get::<_, Option<i64>>(3).unwrap_or(0),
        })
        .collect();
    Ok((listed, total))
}

/// The chain page: regions with their KPIs against the targets, the halls missing one, the
/// halls offline. A regional manager sees their region only.
pub(crate) async fn chain(
    c: &Console,
    u: &User,
    l: Lang,
    month: u32,
    now: Timestamp,
) -> Result<Page, Fail> {
    if matches!(u.scope, Scope::Hall(_)) {
        return Err(Fail::forbidden());
    }
    let db = c.db().await?;
    let mut regions = live(&db, &u.scope, now.0).await?;
    for (region, s) in region_sums(&db, &u.scope, month).await? {
        // A region none of whose halls is left holds only zeros: it is not listed.
        if let Some(r) = regions.get_mut(&region) {
            r.sums = s;
        }
    }
    // Complaint resolution depends on the time now (a case still within its limit is not
    // judged): folded from the month's complaint events per hall, as the other pages do.
    let complaints = data::complaint_counts(&db, &u.scope, month, now, c.offset_min).await?;
    // Service-standard compliance: per hall from its inspections' roll-up (schema v9), a few
    // rows per hall that inspected this month.
    let inspected = data::inspection_sums(&db, &u.scope, month).await?;
    let mut ids: Vec<&str> = complaints.keys().map(String::as_str).collect();
    ids.extend(inspected.keys().map(String::as_str));
    ids.sort_unstable();
    ids.dedup();
    let region_of = regions_of(&db, &ids).await?;
    let folded = |hall: &str| {
        let (resolved, complaints_judged) = complaints.get(hall).copied().unwrap_or_default();
        let (items_passed, items_checked) = inspected.get(hall).copied().unwrap_or_default();
        Sums {
            resolved,
            complaints_judged,
            items_passed,
            items_checked,
            ..Sums::default()
        }
    };
    let mut by_folded = Vec::new();
    for &hall in &ids {
        let s = folded(hall);
        let region = region_of.get(hall).map_or("", String::as_str);
        if let Some(r) = regions.get_mut(region) {
            r.sums.add(&s);
        }
        if s.misses(Kpi::ComplaintResolution, &c.targets) == Some(true)
            || s.misses(Kpi::ServiceStandard, &c.targets) == Some(true)
        {
            by_folded.push(hall);
        }
    }
    let mut total = Region::default();
    regions.values().for_each(|r| total.add(r));
    let (mut red, red_n) = red(c, &db, &u.scope, month, &by_folded).await?;
    for h in &mut red {
        h.sums.add(&folded(h.hall.as_str()));
    }
    let (offline, offline_n) = offline(&db, &u.scope, now.0).await?;
    let behind = super::config::behind_table(&db, l, &u.scope).await?;

    let mut header: Vec<String> = [
        l.t("区域", "region"),
        l.t("营业厅", "halls"),
        l.t("离线", "offline"),
        l.t("正在等候", "waiting now"),
        l.t("取号", "tickets"),
        l.t("办结", "served"),
    ]
    .map(str::to_owned)
    .to_vec();
    header.extend(kpi_headers(l));
    let row = |name: Cell, key: &str, r: &Region| {
        let mut cells = vec![
            name,
            Cell::new(r.halls.to_string()).live(format!("{key}:halls")),
            Cell::new(r.offline.to_string())
                .red(r.offline > 0)
                .live(format!("{key}:offline")),
            Cell::new(r.waiting.to_string()).live(format!("{key}:waiting")),
            Cell::new(r.sums.tickets.to_string()).live(format!("{key}:tickets")),
            Cell::new(r.sums.served.to_string()).live(format!("{key}:served")),
        ];
        cells.extend(kpi_cells(c, &r.sums, key));
        cells
    };
    let mut rows: Vec<Vec<Cell>> = regions
        .iter()
        .map(|(name, r)| {
            let label = Cell::new(data::region_label(name)).red(r.sums.misses_any(&c.targets));
            let label = if name.is_empty() {
                label
            } else {
                label.link(format!("/region/{}?month={month}", enc(name)))
            };
            row(label, &format!("region:{name}"), r)
        })
        .collect();
    if matches!(u.scope, Scope::Chain) {
        rows.push(row(
            Cell::new(l.t("全连锁", "whole chain")),
            "chain",
            &total,
        ));
    }
    let hall_link =
        |h: &Listed| Cell::new(&h.hall).link(format!("/hall/{}?month={month}", enc(&h.hall)));
    let mut red_header: Vec<String> = [
        l.t("营业厅", "hall"),
        l.t("名称", "name"),
        l.t("区域", "region"),
    ]
    .map(str::to_owned)
    .to_vec();
    red_header.extend(kpi_headers(l));
    let red_rows = red
        .iter()
        .map(|h| {
            let mut r = vec![
                hall_link(h),
                Cell::new(&h.name),
                Cell::new(data::region_label(&h.region)),
            ];
            r.extend(kpi_cells(c, &h.sums, &format!("hall:{}", h.hall)));
            r
        })
        .collect();
    let off_rows = offline
        .iter()
        .map(|h| {
            vec![
                hall_link(h),
                Cell::new(&h.name),
                Cell::new(data::region_label(&h.region)),
                Cell::new(offline_text(l, Some(h.heard_ms), c.offset_min).0).red(true),
            ]
        })
        .collect();
    let more = |n: usize| {
        (n > LIST_MAX).then(|| format!("{} {LIST_MAX} / {n}", l.t("仅列出前", "first listed:")))
    };
    Ok(Page {
        title: format!("{} {}", l.t("连锁总览", "The chain"), month_label(month)),
        lines: vec![targets_line(c, l)],
        links: month_links("/", month),
        tables: vec![
            Tbl {
                name: "regions",
                heading: l.t("各区域", "Regions").into(),
                header,
                rows,
                note: Some(
                    l.t(
                        "红色：未达标；数字实时更新",
                        "red: target missed; the numbers update live",
                    )
                    .into(),
                ),
            },
            Tbl {
                name: "missing",
                heading: format!(
                    "{} ({red_n})",
                    l.t("未达标的营业厅", "Halls missing a target"),
                ),
                header: red_header,
                rows: red_rows,
                note: more(red_n),
            },
            Tbl {
                name: "offline",
                heading: format!("{} ({offline_n})", l.t("离线的营业厅", "Halls offline"),),
                header: [
                    l.t("营业厅", "hall"),
                    l.t("名称", "name"),
                    l.t("区域", "region"),
                    l.t("状态", "status"),
                ]
                .map(str::to_owned)
                .to_vec(),
                rows: off_rows,
                note: Some(
                    l.t(
                        "一分钟没有消息的营业厅视为离线",
                        "a hall silent for a minute is offline",
                    )
                    .into(),
                ),
            },
            behind,
        ],
        live: Some(format!("/live?page=chain&month={month}&lang={}", l.code())),
    })
}
