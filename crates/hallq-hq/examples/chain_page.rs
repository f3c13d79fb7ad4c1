//! The console's chain at scale (issue 14 §7): synthetic roll-ups of HALLS halls × DAYS days in
//! REGIONS regions, on a PostgreSQL the example starts itself in a temporary folder, their month
//! rows summed from the days by the statement the sink uses (`rollup::months_from_days`); then,
//! in one run, the KPIs per region over all the days, from the month rows and from the day rows,
//! against a bare scan of the day rows (the floor), and the console's chain page and a region's
//! page for one month served through its router, against the same floor and against the reads
//! the chain page made before schema v7 (every hall with its status; docs/BENCHMARKS.md).
//!
//! `cargo run -p hallq-hq --example chain_page -- [halls] [days] [regions]` (defaults 10000 365
//! 30). Prints one table.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, header};
use hallq_hq::Postgres;
use hallq_hq::console::Console;
use hallq_hq::serve::HqConfig;
use hallq_hq::user::{self, Scope};
use tower::ServiceExt as _;

fn arg(n: usize, default: i64) -> i64 {
    std::env::args()
        .nth(n)
        .map_or(default, |a| a.parse().unwrap())
}

/// The best of `n` runs of `f`, ms.
async fn best<F, Fut>(n: usize, mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut best = f64::MAX;
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
    }
    best
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (halls, days, regions) = (arg(1, 10_000), arg(2, 365), arg(3, 30));
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let mut c = pg.connect().await.unwrap();
    hallq_hq::store::migrate(&mut c).await.unwrap();
    let t = Instant::now();
    // Each hall's days from 2026-01-01: figures varied by hall and day so that some miss.
    c.execute(
        "INSERT INTO halls (hall, region, name)
         SELECT format('h%s', h), format('r%s', h % $2), format('厅 %s', h)
         FROM generate_series(1, $1::int) h",
        &[&(halls as i32), &(regions as i32)],
    )
    .await
    .unwrap();
    c.execute(
        "INSERT INTO hall_status (hall, status, sent_at, received_at)
         SELECT format('h%s', h), jsonb_build_object('hall', format('h%s', h), 'region',
                format('r%s', h % $2), 'name', '', 'sent_ms', 0, 'day', 20261215, 'epoch', 'e',
                'last_seq', 1, 'uplink_behind', 0, 'waiting', h % 17, 'longest_wait_s', 300,
                'counters_open', 4, 'devices_offline', 0),
                now(), now() - (h % 200) * interval '1 second'
         FROM generate_series(1, $1::int) h",
        &[&(halls as i32), &(regions as i32)],
    )
    .await
    .unwrap();
    let cols = hallq_hq::store::rollup::DAY_COLUMNS.join(", ");
    c.execute(
        &format!(
            "INSERT INTO rollup_days (hall, epoch, day, folded_to, {cols})
             SELECT format('h%s', h), 'e', to_char(date '2026-01-01' + d, 'YYYYMMDD')::int, 1,
                    400, 0, 100, 3, 110, 100, 4, 3, 1, 2,
                    1, 2 + (h + d) % 3, 20, 30 + (h * d) % 7,
                    100, 97 + (h + d) % 4, 110, 95, 0, 0, 47, 0, 0
             FROM generate_series(1, $1::int) h, generate_series(0, $2::int - 1) d"
        ),
        &[&(halls as i32), &(days as i32)],
    )
    .await
    .unwrap();
    let load_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    c.execute(&hallq_hq::store::rollup::months_from_days("TRUE"), &[])
        .await
        .unwrap();
    let months_s = t.elapsed().as_secs_f64();
    c.batch_execute("ANALYZE").await.unwrap();

    let region_kpis = |table: &str| {
        format!(
            "SELECT h.region, sum(satisfied + very_satisfied)::bigint,
                sum(dissatisfied + neutral + satisfied + very_satisfied)::bigint,
                sum(within_limit)::bigint, sum(judged)::bigint, sum(sl_within)::bigint,
                sum(sl_judged)::bigint
             FROM {table} d JOIN halls h USING (hall) GROUP BY h.region ORDER BY 1"
        )
    };
    let floor_scan = "SELECT sum(tickets)::bigint FROM rollup_days";
    let (from_months, from_days) = (region_kpis("rollup_months"), region_kpis("rollup_days"));
    let kpis = |sql: String| {
        let c = &c;
        async move {
            let rows = c.query(&sql, &[]).await.unwrap();
            assert_eq!(rows.len(), regions as usize);
            rows.iter()
                .map(|r| (1..7).map(|i| r.get::<_, i64>(i)).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        kpis(from_months.clone()).await,
        kpis(from_days.clone()).await,
        "the months' KPIs are the days'"
    );
    // The regions' month rows (schema v7, kept by the store's triggers while the month rows
    // were written) hold the same sums.
    let from_regions = "SELECT region, sum(satisfied + very_satisfied)::bigint,
            sum(dissatisfied + neutral + satisfied + very_satisfied)::bigint,
            sum(within_limit)::bigint, sum(judged)::bigint, sum(sl_within)::bigint,
            sum(sl_judged)::bigint
         FROM region_months_now GROUP BY region ORDER BY 1"
        .to_owned();
    assert_eq!(
        kpis(from_regions).await,
        kpis(from_months.clone()).await,
        "the regions' month rows are their halls'"
    );
    let kpis_ms = best(3, || async {
        kpis(from_months.clone()).await;
    })
    .await;
    let days_kpis_ms = best(3, || async {
        kpis(from_days.clone()).await;
    })
    .await;
    let scan_ms = best(3, || async {
        c.query_one(floor_scan, &[]).await.unwrap();
    })
    .await;

    user::add(&c, "boss", "", &Scope::Chain, "correct-horse-9")
        .await
        .unwrap();
    let cfg = HqConfig::parse(&format!(
        "[nats]\nservers = [\"nats://127.0.0.1:1\"]\n[postgres]\nconninfo = \"{}\"\n",
        pg.conninfo()
    ))
    .unwrap();
    let app = Console::new(cfg.pg_config().unwrap(), &cfg, pg.connect().await.unwrap()).router();
    let login = app
        .clone()
        .oneshot(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("login=boss&password=correct-horse-9"))
                .unwrap(),
        )
        .await
        .unwrap();
    let cookie = login.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = |uri: &'static str| {
        let (app, cookie) = (app.clone(), cookie.clone());
        async move {
            let r = app
                .oneshot(
                    Request::get(uri)
                        .header(header::COOKIE, cookie)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert!(r.status().is_success(), "{uri}: {}", r.status());
            axum::body::to_bytes(r.into_body(), 1 << 26)
                .await
                .unwrap()
                .len()
        }
    };
    let bytes = page("/?month=202612").await;
    let page_ms = best(5, || async {
        page("/?month=202612").await;
    })
    .await;
    let region_bytes = page("/region/r1?month=202612").await;
    let region_ms = best(5, || async {
        page("/region/r1?month=202612").await;
    })
    .await;
    // What the page read before schema v7: the halls with their status, and the month's sums
    // per hall (every hall, decoded and rendered).
    let queries_ms = best(5, || async {
        c.query(
            "SELECT h.hall, h.region, h.name, s.status::text FROM halls h
             LEFT JOIN hall_status s USING (hall)",
            &[],
        )
        .await
        .unwrap();
        c.query(
            "SELECT hall, sum(tickets), sum(satisfied), sum(within_limit), sum(judged)
             FROM rollup_months WHERE month = 202612 GROUP BY hall",
            &[],
        )
        .await
        .unwrap();
    })
    .await;
    println!(
        "| halls × days | day rows | load s | months s | KPIs per region, months ms | from the days ms | floor scan of the days ms | chain page ms | page / floor | the reads before v7 ms | page KB | region page ms | page KB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {halls} × {days} | {} | {load_s:.0} | {months_s:.1} | {kpis_ms:.0} | {days_kpis_ms:.0} | {scan_ms:.0} | {page_ms:.0} | {:.2} | {queries_ms:.0} | {} | {region_ms:.0} | {} |",
        halls * days,
        page_ms / scan_ms,
        bytes / 1024,
        region_bytes / 1024
    );
}
