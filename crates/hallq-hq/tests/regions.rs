//! The regions' month sums (schema v7) under sinks of one region's halls at once: a sink never
//! waits for another hall's open transaction, and whatever the interleaving, a region's month is
//! its halls' month rows summed — before and after the deltas are folded.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{EPOCH, Store, batch};
use hallq_hq::store::rollup::{self, DAY_COLUMNS};
use hallq_hq::store::{Configs, Outcome, sink};

const REGION: &str = "gd-gz";

/// The counts the region rows keep.
const COLS: &str = "visits, tickets, served, dissatisfied, neutral, satisfied, very_satisfied, \
                    judged, within_limit, sl_judged, sl_within";

/// (region, month) → the counts, from `sql` (region, month, then [`COLS`]); rows all zero left out.
async fn rows(c: &tokio_postgres::Client, sql: &str) -> Vec<((String, i32), Vec<i64>)> {
    c.query(sql, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| ((r.get(0), r.get(1)), (2..13).map(|i| r.get(i)).collect()))
        .filter(|(_, v): &(_, Vec<i64>)| v.iter().any(|x| *x != 0))
        .collect()
}

/// The halls' month rows summed per region they are in now.
async fn from_halls(c: &tokio_postgres::Client) -> Vec<((String, i32), Vec<i64>)> {
    let sums: Vec<String> = COLS
        .split(", ")
        .map(|c| format!("sum(m.{c})::bigint"))
        .collect();
    rows(
        c,
        &format!(
            "SELECT coalesce(h.region, ''), m.month, {} FROM rollup_months m
             LEFT JOIN halls h USING (hall) GROUP BY 1, 2 ORDER BY 1, 2",
            sums.join(", ")
        ),
    )
    .await
}

/// Asserts the regions' months (with their deltas, then folded) are their halls' months summed;
/// returns the delta rows the fold took.
async fn assert_regions_are_their_halls(c: &tokio_postgres::Client) -> i64 {
    let halls = from_halls(c).await;
    assert!(!halls.is_empty());
    let now = rows(
        c,
        &format!("SELECT region, month, {COLS} FROM region_months_now ORDER BY 1, 2"),
    )
    .await;
    assert_eq!(now, halls, "region_months_now is the halls' months summed");
    let folded = rollup::fold_regions(c).await.unwrap();
    let kept = rows(
        c,
        &format!("SELECT region, month, {COLS} FROM region_months ORDER BY 1, 2"),
    )
    .await;
    assert_eq!(
        kept, halls,
        "region_months, folded, is the halls' months summed"
    );
    let left: i64 = c
        .query_one("SELECT count(*) FROM region_month_deltas", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "the fold took every delta");
    folded
}

/// Hall a1's refold is open (its month row rewritten, as the sink's refold does, not committed)
/// when a sink refolds a2 of the same region: a2's batch is committed meanwhile, not held behind
/// a1's transaction — with the region's month row updated in every refold's transaction it
/// waited on that row, and the chain fault run's halls of one region stalled behind each other.
#[tokio::test]
async fn a_sink_never_waits_for_another_hall_s_open_refold_of_the_same_region() {
    let s = Store::start().await;
    s.client
        .execute(
            "INSERT INTO halls (hall, region) VALUES ('a1', $1), ('a2', $1)",
            &[&REGION],
        )
        .await
        .unwrap();
    let mut a = s.connect().await;
    let tx = a.transaction().await.unwrap();
    let cols = DAY_COLUMNS.join(", ");
    let zeros = vec!["7"; DAY_COLUMNS.len()].join(", ");
    tx.batch_execute(&format!(
        "INSERT INTO rollup_days (hall, epoch, day, folded_to, {cols})
         VALUES ('a1', '{EPOCH}', 20261123, 1, {zeros});"
    ))
    .await
    .unwrap();
    tx.execute(&rollup::months_from_days("hall = 'a1'"), &[])
        .await
        .unwrap();

    // a2's first 200 events: a refold is due, and its month row is written.
    let mut b = s.connect().await;
    let b_pid: i32 = b
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    let a2 = batch("a2", EPOCH, 1, rollup::REFOLD_EVERY);
    let mut task = tokio::spawn(async move { sink(&mut b, &a2, &Configs::default()).await });
    let deadline = Instant::now() + Duration::from_secs(120);
    let report = loop {
        if task.is_finished() {
            break (&mut task).await.unwrap().unwrap();
        }
        let blocked_by: Vec<i32> = s
            .client
            .query_one("SELECT pg_blocking_pids($1)", &[&b_pid])
            .await
            .unwrap()
            .get(0);
        if !blocked_by.is_empty() {
            let waits: String = s
                .client
                .query_one(
                    "SELECT query FROM pg_stat_activity WHERE pid = $1",
                    &[&b_pid],
                )
                .await
                .unwrap()
                .get(0);
            panic!("a2's sink waits for a1's open transaction (pids {blocked_by:?}) at: {waits}");
        }
        assert!(
            Instant::now() < deadline,
            "a2's sink neither ended nor waited"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(matches!(report.outcome, Outcome::Stored { .. }));
    let a2_months: i64 = s
        .count("SELECT count(*) FROM rollup_months WHERE hall = 'a2'")
        .await;
    assert_eq!(
        a2_months, 1,
        "a2's refold wrote its month while a1's was open"
    );
    tx.commit().await.unwrap();
    let folded = assert_regions_are_their_halls(&s.client).await;
    assert!(folded > 0, "the refolds left deltas to fold");
}

/// Five sinks store batches of five halls at once (four of one region, the fifth without a
/// status yet), each followed by a refold's writes of two months, while folds run, the fifth
/// hall's first status makes it a hall of the region and another hall moves out: every batch
/// is stored, and the regions' months are their halls' months summed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sinks_of_one_region_at_once_keep_its_months_its_halls_sums() {
    let s = Store::start().await;
    s.client
        .execute(
            "INSERT INTO halls (hall, region)
             SELECT 'h' || i, $1 FROM generate_series(1, 4) i",
            &[&REGION],
        )
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 1..=5 {
        let mut c = s.connect().await;
        tasks.push(tokio::spawn(async move {
            let hall = format!("h{i}");
            let n = rollup::REFOLD_EVERY;
            let cols = DAY_COLUMNS.join(", ");
            for round in 0..4 {
                // The sink's refold of the day (its test events count no ticket) …
                let b = batch(&hall, EPOCH, round * n + 1, (round + 1) * n);
                let r = sink(&mut c, &b, &Configs::default()).await.unwrap();
                assert!(matches!(r.outcome, Outcome::Stored { .. }), "{hall}: {r:?}");
                // … and a refold's writes with counts, on other days of two months.
                let tx = c.transaction().await.unwrap();
                for day in [20261124 + round as i32, 20261201 + round as i32] {
                    let v = vec![(i as i64 * 10 + round + 1).to_string(); DAY_COLUMNS.len()];
                    tx.batch_execute(&format!(
                        "INSERT INTO rollup_days (hall, epoch, day, folded_to, {cols})
                         VALUES ('{hall}', '{EPOCH}', {day}, 1, {});",
                        v.join(", ")
                    ))
                    .await
                    .unwrap();
                    tx.execute(
                        &rollup::months_from_days(&format!(
                            "hall = '{hall}' AND day / 100 = {}",
                            day / 100
                        )),
                        &[],
                    )
                    .await
                    .unwrap();
                }
                tx.commit().await.unwrap();
            }
        }));
    }
    let c = s.connect().await;
    tasks.push(tokio::spawn(async move {
        for _ in 0..10 {
            rollup::fold_regions(&c).await.unwrap();
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        c.execute(
            "INSERT INTO halls (hall, region) VALUES ('h5', $1)",
            &[&REGION],
        )
        .await
        .unwrap();
        c.execute("UPDATE halls SET region = 'sh' WHERE hall = 'h4'", &[])
            .await
            .unwrap();
    }));
    for t in tasks {
        t.await.unwrap();
    }
    assert_regions_are_their_halls(&s.client).await;
}
