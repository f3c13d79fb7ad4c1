//! The chain page's figures against the halls' own: every region row (halls, offline, waiting,
//! tickets, served, the four KPIs) and the list of halls missing a target equal what
//! `hallq report` folds from each hall's journal, summed per region — on the simulated chain,
//! then again after a hall moves to another region (its months move with it). And the
//! per-region month sums the page reads (`region_months`) equal the halls' month rows summed.
#![allow(clippy::unwrap_used)]

mod chain_fixture;
mod common;

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chain_fixture::{Chain, HALLS};
use hallq_hq::console::Console;
use hallq_hq::user::{self, Scope};
use hallq_journal::Journal;
use hallq_proto::{BusinessDay, Timestamp};
use hallq_report::{DayRange, Report};
use tower::ServiceExt as _;

async fn get(app: &axum::Router, cookie: &str, uri: &str) -> (StatusCode, String) {
    let req = Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let r = app.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 24).await.unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn login(app: &axum::Router) -> String {
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("login=boss&password=correct-horse-9"))
        .unwrap();
    let r = app.clone().oneshot(req).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let c = r.headers()[header::SET_COOKIE].to_str().unwrap();
    c.split(';').next().unwrap().to_owned()
}

/// A CSV table of the page: its rows by their first column.
async fn csv(app: &axum::Router, cookie: &str, uri: &str) -> BTreeMap<String, Vec<String>> {
    let (status, body) = get(app, cookie, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    let mut r = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (
                x[0].to_owned(),
                x.iter().skip(1).map(str::to_owned).collect(),
            )
        })
        .collect()
}

/// The KPIs the page shows, in its order (service-standard compliance from the inspections the
/// simulator recorded; "-" for a hall without any).
const KPIS: [&str; 5] = [
    "satisfaction",
    "within_limit",
    "complaint_resolution",
    "service_standard",
    "wait_service_level",
];

/// What a region row adds up: halls, offline, waiting, tickets, served, each KPI's (num, den).
#[derive(Default)]
struct Want {
    halls: u64,
    offline: u64,
    waiting: u64,
    tickets: u64,
    served: u64,
    kpis: [(u64, u64); 5],
}

impl Want {
    fn add(&mut self, r: &Report, offline: bool, waiting: u64) {
        self.halls += 1;
        self.offline += u64::from(offline);
        self.waiting += waiting;
        self.tickets += r.tickets;
        self.served += r.served;
        for (i, k) in KPIS.iter().enumerate() {
            // A report made without the inspections has no service-standard row.
            if let Some(k) = r.kpi(k) {
                self.kpis[i].0 += k.num;
                self.kpis[i].1 += k.den;
            }
        }
    }

    /// The row as the page's CSV shows it (after the region's name).
    fn row(&self) -> Vec<String> {
        let mut v = vec![
            self.halls.to_string(),
            self.offline.to_string(),
            self.waiting.to_string(),
            self.tickets.to_string(),
            self.served.to_string(),
        ];
        v.extend(self.kpis.iter().map(|(n, d)| pct(*n, *d)));
        v
    }
}

fn pct(num: u64, den: u64) -> String {
    if den == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * num as f64 / den as f64)
    }
}

/// Each hall's report of `month` from its journal, at `now`.
fn reports(chain: &Chain, month: u32, now: Timestamp) -> Vec<Report> {
    let rcfg = common::example_report_config();
    let range = DayRange {
        from: Some(BusinessDay(month * 100 + 1)),
        to: Some(BusinessDay(month * 100 + 31)),
    };
    chain
        .journals
        .iter()
        .map(|(path, _)| {
            let journal = Journal::open_read_only(path).unwrap();
            let mut report =
                hallq_report::read::report(&journal, &rcfg, range, now, &mut |_, _| {}).unwrap();
            // The inspections the simulator recorded, as `hallq report` adds them.
            let (inspections, open_days) = hallq_report::inspections::read(&journal).unwrap();
            report.add_inspections(hallq_report::inspections::figures(
                &common::example_inspections_setup(),
                &inspections,
                &open_days,
                range,
                now,
            ));
            report
        })
        .collect()
}

/// The page's regions, its halls missing a target and its halls offline against the reports:
/// `regions[i]` is hall i's region now; hall 2 is the offline one (chain_fixture).
async fn check(
    chain: &Chain,
    app: &axum::Router,
    cookie: &str,
    targets: &hallq_report::Targets,
    month: u32,
    regions: [&str; 3],
) {
    let now_ms: i64 = chain
        .client
        .query_one("SELECT (extract(epoch FROM now()) * 1000)::bigint", &[])
        .await
        .unwrap()
        .get(0);
    let reports = reports(chain, month, Timestamp(now_ms));
    let mut want: BTreeMap<String, Want> = BTreeMap::new();
    let mut chain_row = Want::default();
    let mut red = BTreeSet::new();
    for (i, r) in reports.iter().enumerate() {
        let (offline, waiting) = (i == 2, 3 + i as u64);
        want.entry(regions[i].to_owned())
            .or_default()
            .add(r, offline, waiting);
        chain_row.add(r, offline, waiting);
        let t = [
            targets.satisfaction_pct,
            targets.within_limit_pct,
            targets.complaint_resolution_pct,
        ];
        let misses = (0..3).any(|k| {
            let x = r.kpi(KPIS[k]).unwrap();
            x.den > 0 && 100.0 * x.num as f64 / (x.den as f64) < t[k]
        });
        if misses {
            red.insert(HALLS[i].0.to_owned());
        }
    }
    let mut rows: BTreeMap<String, Vec<String>> =
        want.iter().map(|(k, w)| (k.clone(), w.row())).collect();
    rows.insert("全连锁".into(), chain_row.row());
    let got = csv(app, cookie, &format!("/?month={month}&csv=regions")).await;
    assert_eq!(got, rows, "month {month}, regions {regions:?}");
    let missing = csv(app, cookie, &format!("/?month={month}&csv=missing")).await;
    assert_eq!(
        missing.keys().cloned().collect::<BTreeSet<_>>(),
        red,
        "month {month}: the halls missing a target"
    );
    for (hall, row) in &missing {
        let i = HALLS.iter().position(|h| h.0 == hall).unwrap();
        assert_eq!(row[1], regions[i], "{hall}'s region");
    }
    let offline = csv(app, cookie, &format!("/?month={month}&csv=offline")).await;
    assert_eq!(
        offline.keys().cloned().collect::<Vec<_>>(),
        [HALLS[2].0],
        "the silent hall"
    );
    assert_eq!(offline[HALLS[2].0][1], regions[2]);
}

/// The per-region month sums the page reads against the halls' month rows, summed.
async fn region_months_are_the_halls(c: &tokio_postgres::Client) {
    let cols = "visits, tickets, served, dissatisfied, neutral, satisfied, very_satisfied, \
                judged, within_limit, sl_judged, sl_within";
    let read = |sql: String| async move {
        c.query(&sql, &[])
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let key: (String, i32) = (r.get(0), r.get(1));
                let v: Vec<i64> = (2..13).map(|i| r.get(i)).collect();
                (key, v)
            })
            .filter(|(_, v)| v.iter().any(|x| *x != 0))
            .collect::<Vec<_>>()
    };
    let sums: Vec<String> = cols
        .split(", ")
        .map(|c| format!("sum(m.{c})::bigint"))
        .collect();
    let from_halls = read(format!(
        "SELECT coalesce(h.region, ''), m.month, {} FROM rollup_months m
         LEFT JOIN halls h USING (hall) GROUP BY 1, 2 ORDER BY 1, 2",
        sums.join(", ")
    ))
    .await;
    let kept = read(format!(
        "SELECT region, month, {cols} FROM region_months_now ORDER BY 1, 2"
    ))
    .await;
    assert!(!kept.is_empty());
    assert_eq!(kept, from_halls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_page_shows_the_halls_own_figures_summed_per_region() {
    let chain = Chain::start().await;
    let c = &chain.client;
    user::add(c, "boss", "总部", &Scope::Chain, "correct-horse-9")
        .await
        .unwrap();
    let cfg = chain.hq_toml();
    let targets = cfg.kpi.clone();
    let app = Console::new(
        cfg.pg_config().unwrap(),
        &cfg,
        chain.pg.connect().await.unwrap(),
    )
    .router();
    let cookie = login(&app).await;
    region_months_are_the_halls(c).await;
    let regions = [HALLS[0].1, HALLS[1].1, HALLS[2].1];
    for month in [202611, 202612] {
        check(&chain, &app, &cookie, &targets, month, regions).await;
    }

    // The second hall moves from gd-gz to sh (its hub's [uplink] region changed): its months
    // go with it.
    let (_, epoch) = &chain.journals[1];
    let mut s = chain_fixture::status(1, epoch, 1, 4);
    s.region = "sh".into();
    chain_fixture::put_status(c, &s, 0).await;
    region_months_are_the_halls(c).await;
    let regions = [HALLS[0].1, "sh", HALLS[2].1];
    for month in [202611, 202612] {
        check(&chain, &app, &cookie, &targets, month, regions).await;
    }
}
