//! The console's pages as data ([`Page`]): the chain, a region, a hall, the complaints, the
//! comparison. Each takes the user (its scope limits every read), the language and the month.

use std::collections::BTreeMap;

use hallq_proto::Timestamp;
use hallq_report::render::{self, Medium};

use super::data::{self, Hall, Kpi, Sums};
use super::view::{Cell, Lang, Page, Tbl, local_time, month_label, pct};
use super::{Console, Fail};
use crate::user::{Scope, User};

/// The most halls listed in the chain page's red and offline lists (the region pages list all).
pub(super) const LIST_MAX: usize = 200;

fn kpi_name(l: Lang, k: Kpi) -> &'static str {
    match k {
        Kpi::Satisfaction => l.t("满意率", "satisfaction"),
        Kpi::WithinLimit => l.t("及时率", "within limit"),
        Kpi::ComplaintResolution => l.t("投诉解决率", "complaints resolved"),
        Kpi::ServiceStandard => l.t("服务规范达标率", "service standard"),
        Kpi::WaitServiceLevel => l.t("等候达标率", "wait service level"),
    }
}

/// The KPI cells of `s`, red where a target is missed, live under `key:<kpi>`.
pub(super) fn kpi_cells(c: &Console, s: &Sums, key: &str) -> Vec<Cell> {
    Kpi::ALL
        .iter()
        .map(|k| {
            Cell::new(pct(s.pct(*k)))
                .red(s.misses(*k, &c.targets) == Some(true))
                .live(format!("{key}:{}", k.key()))
        })
        .collect()
}

pub(super) fn kpi_headers(l: Lang) -> Vec<String> {
    Kpi::ALL
        .iter()
        .map(|k| kpi_name(l, *k).to_owned())
        .collect()
}

pub(super) fn targets_line(c: &Console, l: Lang) -> Vec<Cell> {
    let t = &c.targets;
    vec![Cell::new(format!(
        "{}: {} ≥ {:.0}%, {} ≥ {:.0}%, {} ≥ {:.0}%, {} ≥ {:.0}%, {} ≥ {:.0}% ({} {} min)",
        l.t("目标", "targets"),
        kpi_name(l, Kpi::Satisfaction),
        t.satisfaction_pct,
        kpi_name(l, Kpi::WithinLimit),
        t.within_limit_pct,
        kpi_name(l, Kpi::ComplaintResolution),
        t.complaint_resolution_pct,
        kpi_name(l, Kpi::ServiceStandard),
        t.service_standard_pct,
        kpi_name(l, Kpi::WaitServiceLevel),
        t.wait_service_level_pct,
        l.t("叫号等候", "called within"),
        t.wait_target_min
    ))]
}

/// Links to the month before and after.
pub(super) fn month_links(base: &str, month: u32) -> Vec<(String, String)> {
    let next = if month % 100 == 12 {
        (month / 100 + 1) * 100 + 1
    } else {
        month + 1
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    vec![
        (
            format!("← {}", month_label(data::previous_month(month))),
            format!("{base}{sep}month={}", data::previous_month(month)),
        ),
        (
            format!("{} →", month_label(next)),
            format!("{base}{sep}month={next}"),
        ),
    ]
}

fn status_text(l: Lang, h: &Hall, now_ms: i64, offset: i32) -> (String, bool) {
    offline_text(l, h.offline_since(now_ms), offset)
}

/// A hall's status as text, from since when it is offline (`None`: online; `Some(0)`: never
/// heard from), and whether it is shown red.
pub(super) fn offline_text(l: Lang, offline_since: Option<i64>, offset: i32) -> (String, bool) {
    match offline_since {
        None => (l.t("在线", "online").to_owned(), false),
        Some(0) => (l.t("从未连接", "never connected").to_owned(), true),
        Some(at) => (
            format!(
                "{} {}",
                l.t("离线，自", "offline since"),
                local_time(at, offset)
            ),
            true,
        ),
    }
}

/// The live-floor cells of hall `h` (waiting, longest wait, counters open, devices offline,
/// events not yet at HQ, status), live under `hall:<id>:…`.
fn floor_cells(l: Lang, h: &Hall, now_ms: i64, offset: i32) -> Vec<Cell> {
    let k = |s: &str| format!("hall:{}:{s}", h.hall);
    let (text, red) = status_text(l, h, now_ms, offset);
    let s = h.status.as_ref().map(|(s, _)| s);
    let n = |f: fn(&crate::wire::LiveStatus) -> String| s.map_or("-".into(), f);
    vec![
        Cell::new(text).red(red).live(k("status")),
        Cell::new(n(|s| s.waiting.to_string())).live(k("waiting")),
        Cell::new(n(|s| {
            format!("{}:{:02}", s.longest_wait_s / 60, s.longest_wait_s % 60)
        }))
        .live(k("longest")),
        Cell::new(n(|s| s.counters_open.to_string())).live(k("counters")),
        Cell::new(n(|s| s.devices_offline.to_string())).live(k("devices")),
        Cell::new(n(|s| s.uplink_behind.to_string())).live(k("behind")),
    ]
}

fn floor_headers(l: Lang) -> Vec<String> {
    [
        l.t("状态", "status"),
        l.t("正在等候", "waiting"),
        l.t("最长等候", "longest wait"),
        l.t("开放窗口", "counters open"),
        l.t("离线设备", "devices offline"),
        l.t("待上传事件", "events not yet at HQ"),
    ]
    .map(str::to_owned)
    .to_vec()
}

/// A region: its KPIs, and every hall with its live floor and KPIs.
pub(crate) async fn region(
    c: &Console,
    u: &User,
    l: Lang,
    region: &str,
    month: u32,
    now: Timestamp,
) -> Result<Page, Fail> {
    if !u.scope.sees_region(region) {
        return Err(Fail::forbidden());
    }
    let db = c.db().await?;
    let scope = Scope::Region(region.to_owned());
    let halls = data::halls(&db, &scope, month, now, c.offset_min).await?;
    if halls.is_empty() {
        return Err(Fail::not_found());
    }
    let mut sums = Sums::default();
    halls.iter().for_each(|h| sums.add(&h.sums));
    let mut header: Vec<String> = [l.t("营业厅", "hall"), l.t("名称", "name")]
        .map(str::to_owned)
        .to_vec();
    header.extend(floor_headers(l));
    header.extend([l.t("取号", "tickets").to_owned()]);
    header.extend(kpi_headers(l));
    let rows = halls
        .iter()
        .map(|h| {
            let mut r = vec![
                Cell::new(&h.hall)
                    .red(h.sums.misses_any(&c.targets))
                    .link(format!("/hall/{}?month={month}", enc(&h.hall))),
                Cell::new(&h.name),
            ];
            r.extend(floor_cells(l, h, now.0, c.offset_min));
            r.push(Cell::new(h.sums.tickets.to_string()).live(format!("hall:{}:tickets", h.hall)));
            r.extend(kpi_cells(c, &h.sums, &format!("hall:{}", h.hall)));
            r
        })
        .collect();
    let mut line = vec![Cell::new(format!("{}:", l.t("本区域", "This region")))];
    for (i, k) in Kpi::ALL.into_iter().enumerate() {
        let sep = if i + 1 < Kpi::ALL.len() { "," } else { "" };
        line.push(
            Cell::new(format!("{} {}{sep}", kpi_name(l, k), pct(sums.pct(k))))
                .red(sums.misses(k, &c.targets) == Some(true)),
        );
    }
    let base = format!("/region/{}", enc(region));
    Ok(Page {
        title: format!(
            "{} {} {}",
            l.t("区域", "Region"),
            region,
            month_label(month)
        ),
        lines: vec![line, targets_line(c, l)],
        links: month_links(&base, month),
        tables: vec![Tbl {
            name: "halls",
            heading: l.t("营业厅", "Halls").into(),
            header,
            rows,
            note: None,
        }],
        live: Some(format!(
            "/live?page=region&id={}&month={month}&lang={}",
            enc(region),
            l.code()
        )),
    })
}

fn report_table(name: &'static str, heading: String, t: render::Table) -> Tbl {
    Tbl {
        name,
        heading,
        header: t.header.iter().map(|h| (*h).to_owned()).collect(),
        rows: t
            .rows
            .into_iter()
            .map(|r| {
                let missed = r
                    .get(render::KPI_VERDICT_COLUMN)
                    .is_some_and(|v| v.starts_with("MISSED"));
                r.into_iter()
                    .map(|x| Cell::new(x).red(name == "kpis" && missed))
                    .collect()
            })
            .collect(),
        note: None,
    }
}

/// A hall: its live floor, its KPIs by month, the month's report tables, its open complaints.
pub(crate) async fn hall(
    c: &Console,
    u: &User,
    l: Lang,
    hall: &str,
    month: Option<u32>,
    now: Timestamp,
) -> Result<Page, Fail> {
    let db = c.db().await?;
    let found = data::halls(
        &db,
        &Scope::Hall(hall.to_owned()),
        month.unwrap_or(now_month(c, now)),
        now,
        c.offset_min,
    )
    .await?;
    let Some(h) = found.into_iter().next() else {
        return Err(if matches!(u.scope, Scope::Chain) {
            Fail::not_found()
        } else {
            Fail::forbidden()
        });
    };
    if !u.scope.sees_hall(&h.hall, &h.region) {
        return Err(Fail::forbidden());
    }
    let months = data::hall_months(&db, hall).await?;
    let month = month
        .or(months.first().copied())
        .unwrap_or(now_month(c, now));
    let mut month_rows = Vec::new();
    for m in &months {
        let s = data::halls(&db, &Scope::Hall(hall.to_owned()), *m, now, c.offset_min)
            .await?
            .into_iter()
            .next()
            .map(|h| h.sums)
            .unwrap_or_default();
        let mut r = vec![
            Cell::new(month_label(*m)).link(format!("/hall/{}?month={m}", enc(hall))),
            Cell::new(s.tickets.to_string()),
            Cell::new(s.served.to_string()),
        ];
        r.extend(kpi_cells(c, &s, &format!("month:{m}")));
        month_rows.push(r);
    }
    let mut month_header: Vec<String> = [
        l.t("月份", "month"),
        l.t("取号", "tickets"),
        l.t("办结", "served"),
    ]
    .map(str::to_owned)
    .to_vec();
    month_header.extend(kpi_headers(l));
    let config = crate::config::hall_view(&db, hall, &h.region).await?;
    let mut cfg = crate::store::rollup::unconfigured();
    cfg.business = super::config::business(&config);
    cfg.targets = c.targets.clone();
    cfg.utc_offset_min = c.offset_min;
    cfg.hall_name = h.name.clone();
    let report = super::month::report(&db, hall, month, now, &cfg).await?;
    let inspections = inspections_table(c, l, &data::inspection_lines(&db, hall, month).await?);
    let cases = data::complaint_cases(
        &db,
        &Scope::Hall(hall.to_owned()),
        now.0 - data::OPEN_COMPLAINTS_DAYS * 86_400_000,
        c.offset_min,
    )
    .await?
    .remove(hall)
    .unwrap_or_default();
    let (ch, crow) =
        super::complaints::complaint_rows(c, l, &[(h.hall.clone(), h.region.clone(), cases)], now);
    let reported = h
        .status
        .as_ref()
        .and_then(|(s, _)| s.bookings.map(|b| b.seq));
    let booking_line = super::bookings::line(&db, hall, reported, c.booking_halls.contains(hall))
        .await?
        .map(|b| vec![b.cell(l, hall, now.0, c.booking_alert_ms, c.offset_min)]);
    let base = format!("/hall/{}", enc(hall));
    Ok(Page {
        title: format!("{} {} {}", l.t("营业厅", "Hall"), h.hall, h.name),
        lines: vec![
            vec![Cell::new(format!("{}: {}", l.t("区域", "region"), data::region_label(&h.region)))],
            targets_line(c, l),
            super::config::hall_line(l, &config),
        ]
        .into_iter()
        .chain(booking_line)
        .collect(),
        links: month_links(&base, month),
        tables: vec![
            Tbl { name: "floor", heading: l.t("现场实况", "Live floor").into(), header: floor_headers(l), rows: vec![floor_cells(l, &h, now.0, c.offset_min)], note: None },
            Tbl { name: "months", heading: l.t("各月指标", "KPIs by month").into(), header: month_header, rows: month_rows, note: None },
            report_table("kpis", format!("{} {}", l.t("指标", "KPIs"), month_label(month)), render::kpis(&report)),
            report_table("business", format!("{} {}", l.t("业务类型", "Business types"), month_label(month)), render::business(&report, Medium::Html)),
            Tbl { heading: format!("{} {}", l.t("服务监督", "Service-standard inspections"), month_label(month)), ..inspections },
            Tbl {
                name: "complaints",
                heading: l.t("未结投诉", "Open complaints").into(),
                header: ch,
                rows: crow,
                note: Some(l.t(
                    "表格与 hallq report 相同，取自汇总数据；等候分布、接触点、时段、员工与回访需在厅内运行 hallq report",
                    "the tables are hallq report's, from the roll-ups; wait distributions, touchpoints, hours, staff and call-backs: run hallq report in the hall",
                ).into()),
            },
        ],
        live: Some(format!("/live?page=hall&id={}&lang={}", enc(hall), l.code())),
    })
}

/// A hall's month of inspections per type (the service-standard roll-up, schema v9): the
/// compliance of each type and of all, red below the target.
fn inspections_table(c: &Console, l: Lang, lines: &[(String, hallq_inspect::score::Tally)]) -> Tbl {
    use hallq_inspect::InspectionKind;
    use hallq_inspect::score::Tally;
    let target = c.targets.service_standard_pct;
    let row = |name: String, t: &Tally| {
        let pct_now = t.compliance_pct();
        vec![
            Cell::new(name),
            Cell::new(t.inspections.to_string()),
            Cell::new(t.critical_failed.to_string()),
            Cell::new(t.items_checked.to_string()),
            Cell::new(t.items_passed.to_string()),
            Cell::new(pct(pct_now)).red(pct_now.is_some_and(|p| p < target)),
        ]
    };
    let mut total = Tally::default();
    let mut rows = Vec::new();
    for kind in InspectionKind::ALL {
        let Some((_, t)) = lines.iter().find(|(k, _)| k == kind.as_str()) else {
            continue;
        };
        total.merge(t);
        let n = kind.name();
        rows.push(row(l.t(&n.zh, &n.en).to_owned(), t));
    }
    if !rows.is_empty() {
        rows.push(row(l.t("合计", "all").to_owned(), &total));
    }
    Tbl {
        name: "inspections",
        heading: String::new(),
        header: [
            l.t("检查类型", "inspection type"),
            l.t("检查次数", "inspections"),
            l.t("关键项不合格", "critical failed"),
            l.t("检查项", "items checked"),
            l.t("合格项", "items passed"),
            l.t("服务规范达标率", "service standard"),
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
        note: Some(format!(
            "{} ≥ {target:.0}%; {}",
            l.t("目标", "target"),
            l.t(
                "关键项不合格则该次检查全部项目计为不合格",
                "a failed critical item fails every item of its inspection",
            )
        )),
    }
}

/// Halls ranked by KPI `kpi` in `month`, beside their value and rank the month before.
pub(crate) async fn compare(
    c: &Console,
    u: &User,
    l: Lang,
    kpi: Kpi,
    month: u32,
    now: Timestamp,
) -> Result<Page, Fail> {
    if matches!(u.scope, Scope::Hall(_)) {
        return Err(Fail::forbidden());
    }
    let db = c.db().await?;
    let this = data::halls(&db, &u.scope, month, now, c.offset_min).await?;
    let prev_month = data::previous_month(month);
    let before = data::halls(&db, &u.scope, prev_month, now, c.offset_min).await?;
    let rank = |halls: &[Hall]| -> BTreeMap<String, (usize, f64)> {
        let mut v: Vec<(&str, f64)> = halls
            .iter()
            .filter_map(|h| h.sums.pct(kpi).map(|p| (h.hall.as_str(), p)))
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        v.into_iter()
            .enumerate()
            .map(|(i, (h, p))| (h.to_owned(), (i + 1, p)))
            .collect()
    };
    let (now_rank, prev_rank) = (rank(&this), rank(&before));
    let mut list: Vec<&Hall> = this.iter().collect();
    list.sort_by_key(|h| {
        (
            now_rank.get(&h.hall).map_or(usize::MAX, |r| r.0),
            h.hall.clone(),
        )
    });
    let target = kpi.target(&c.targets);
    let rows = list
        .iter()
        .map(|h| {
            let cur = now_rank.get(&h.hall);
            let old = prev_rank.get(&h.hall);
            vec![
                Cell::new(cur.map_or("-".into(), |r| r.0.to_string())),
                Cell::new(&h.hall).link(format!("/hall/{}?month={month}", enc(&h.hall))),
                Cell::new(&h.name),
                Cell::new(data::region_label(&h.region)),
                Cell::new(pct(cur.map(|r| r.1))).red(cur.is_some_and(|r| r.1 < target)),
                Cell::new(old.map_or("-".into(), |r| r.0.to_string())),
                Cell::new(pct(old.map(|r| r.1))).red(old.is_some_and(|r| r.1 < target)),
                Cell::new(match (cur, old) {
                    (Some(a), Some(b)) => format!("{:+.1}", a.1 - b.1),
                    _ => "-".into(),
                }),
            ]
        })
        .collect();
    let links = Kpi::ALL
        .iter()
        .map(|k| {
            (
                kpi_name(l, *k).to_owned(),
                format!("/compare?kpi={}&month={month}", k.key()),
            )
        })
        .chain(month_links(&format!("/compare?kpi={}", kpi.key()), month))
        .collect();
    Ok(Page {
        title: format!(
            "{}: {} {}",
            l.t("营业厅对比", "Halls compared"),
            kpi_name(l, kpi),
            month_label(month)
        ),
        lines: vec![vec![Cell::new(format!(
            "{} ≥ {target:.0}%",
            l.t("目标", "target")
        ))]],
        links,
        tables: vec![Tbl {
            name: "ranking",
            heading: l
                .t(
                    "排名（本月与上月）",
                    "Ranking, this month and the month before",
                )
                .into(),
            header: vec![
                l.t("排名", "rank").to_owned(),
                l.t("营业厅", "hall").to_owned(),
                l.t("名称", "name").to_owned(),
                l.t("区域", "region").to_owned(),
                month_label(month),
                l.t("上月排名", "rank before").to_owned(),
                month_label(prev_month),
                l.t("变化（百分点）", "change (points)").to_owned(),
            ],
            rows,
            note: None,
        }],
        live: None,
    })
}

/// The current month in the chain's local time.
pub(crate) fn now_month(c: &Console, now: Timestamp) -> u32 {
    hallq_proto::time::local(now, c.offset_min).0.0 / 100
}

/// `s` for a URL path segment or query value: letters, digits and `-_.~` as they are, every
/// other byte percent-encoded.
pub(crate) fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
