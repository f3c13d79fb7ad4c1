//! The roll-ups against `hallq report`: a simulated hall's journal (a morning played by the
//! simulator through a real hub, repeated over the days before it, each closed by its daily
//! reset) uploaded to a real PostgreSQL in batches of random sizes, with duplicates, resent
//! overlaps and batches past a gap, rolls up to the figures the report computes on that journal.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::time::Instant;

use common::Store;
use hallq_hq::store::{Configs, Outcome, rollup, sink};
use hallq_hq::{Batch, UpEvent};
use hallq_journal::Journal;
use hallq_proto::{BusinessDay, Timestamp};
use hallq_report::{DayRange, Report};
use hallq_sim::rng::Rng;

const HALL: &str = "sz-futian-02";
const DAY: BusinessDay = BusinessDay(20261124);

fn slice(epoch: &str, events: &[UpEvent], from: i64, to: i64) -> Batch {
    Batch {
        hall: HALL.into(),
        epoch: epoch.into(),
        events: events[(from - 1) as usize..to as usize].to_vec(),
    }
}

/// A sum over the hall's roll-ups in `table` (`rollup_days` or `rollup_months`).
async fn sum_of(s: &Store, table: &str, sql: &str) -> i64 {
    s.client
        .query_one(
            &format!("SELECT coalesce(sum({sql}), 0)::bigint FROM {table} WHERE hall = $1"),
            &[&HALL],
        )
        .await
        .unwrap()
        .get(0)
}

/// A sum over the hall's day roll-ups.
async fn sum(s: &Store, sql: &str) -> i64 {
    sum_of(s, "rollup_days", sql).await
}

/// The store's month roll-ups, and the sums of its day roll-ups per (hall, epoch, month), each
/// as (hall, epoch, month, the figures in `DAY_COLUMNS`' order), sorted.
async fn months_and_days(c: &tokio_postgres::Client) -> (Vec<MonthRow>, Vec<MonthRow>) {
    let cols = rollup::DAY_COLUMNS.join(", ");
    let sums: Vec<String> = rollup::DAY_COLUMNS
        .iter()
        .map(|c| format!("sum({c})::bigint"))
        .collect();
    let read = |sql: String| async move {
        c.query(&sql, &[])
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let figures = (3..3 + rollup::DAY_COLUMNS.len())
                    .map(|i| r.get::<_, i64>(i))
                    .collect();
                (r.get(0), r.get(1), r.get(2), figures)
            })
            .collect::<Vec<MonthRow>>()
    };
    let months = read(format!(
        "SELECT hall, epoch, month, {cols} FROM rollup_months ORDER BY 1, 2, 3"
    ))
    .await;
    let days = read(format!(
        "SELECT hall, epoch, day / 100, {} FROM rollup_days GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        sums.join(", ")
    ))
    .await;
    (months, days)
}

type MonthRow = (String, String, i32, Vec<i64>);

/// Every month roll-up is the sum of its days' roll-ups, and every month with days has one.
async fn assert_months_are_their_days(c: &tokio_postgres::Client) {
    let (months, days) = months_and_days(c).await;
    assert!(!days.is_empty(), "days rolled up");
    assert_eq!(months, days, "the month rows are the sums of their days");
}

/// The report's figures the roll-ups hold, read back from the day rows and from the month rows.
async fn assert_rolled_up(s: &Store, report: &Report) {
    for table in ["rollup_days", "rollup_months"] {
        assert_figures(s, table, report).await;
    }
    assert_business(s, report).await;
}

/// The report's figures from the hall's rows of `table`.
async fn assert_figures(s: &Store, table: &str, report: &Report) {
    let kpi = |k: &str| {
        let k = report.kpi(k).unwrap();
        (k.num as i64, k.den as i64)
    };
    let got = (
        sum_of(s, table, "satisfied + very_satisfied").await,
        sum_of(
            s,
            table,
            "dissatisfied + neutral + satisfied + very_satisfied",
        )
        .await,
    );
    assert_eq!(got, kpi("satisfaction"), "{table} satisfaction");
    let got = (
        sum_of(s, table, "within_limit").await,
        sum_of(s, table, "judged").await,
    );
    assert_eq!(got, kpi("within_limit"), "{table} within limit");
    let got = (
        sum_of(s, table, "sl_within").await,
        sum_of(s, table, "sl_judged").await,
    );
    assert_eq!(got, kpi("wait_service_level"), "{table} wait service level");
    assert_eq!(
        sum_of(s, table, "visits").await,
        report.visits as i64,
        "{table} visits"
    );
    assert_eq!(
        sum_of(s, table, "transferred_visits").await,
        report.transferred as i64
    );
    assert_eq!(
        sum_of(s, table, "tickets").await,
        report.tickets as i64,
        "{table} tickets"
    );
    let ends = ["served", "no_shows", "walked_out", "closed", "still_open"];
    for (i, col) in ends.iter().enumerate() {
        assert_eq!(
            sum_of(s, table, col).await,
            report.ticket_ends[i] as i64,
            "{table} {col}"
        );
    }
    let q = &report.quality;
    for (col, want) in [
        ("short_services", q.short_services),
        ("forgotten_finish", q.forgotten_finish),
        ("missing_ratings", q.missing_ratings),
        ("unknown_business", q.unknown_business),
        ("orphan_events", q.orphan_events),
    ] {
        assert_eq!(sum_of(s, table, col).await, want as i64, "{table} {col}");
    }
    assert_eq!(
        sum_of(s, table, "unread").await,
        0,
        "every stored event read by the fold"
    );
}

/// The report's business table from the hall's business lines.
async fn assert_business(s: &Store, report: &Report) {
    let rows = s
        .client
        .query(
            "SELECT business, sum(tickets)::bigint, sum(served)::bigint, sum(judged)::bigint,
                    sum(within_limit)::bigint, sum(service_sum_ms)::bigint, sum(waits)::bigint,
                    sum(wait_sum_ms)::bigint
             FROM rollup_business WHERE hall = $1 GROUP BY business ORDER BY business",
            &[&HALL],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), report.business.len(), "business types");
    for (r, b) in rows.iter().zip(&report.business) {
        let code: String = r.get(0);
        assert_eq!(code, b.code);
        let v = |i: usize| r.get::<_, i64>(i);
        assert_eq!(
            (v(1), v(2), v(3), v(4)),
            (
                b.tickets as i64,
                b.served as i64,
                b.judged as i64,
                b.within as i64
            ),
            "{code}"
        );
        // The means as the report divides them, from the summed parts.
        let mean_service = (v(3) > 0).then(|| v(5) as f64 / v(3) as f64 / 1e3);
        let mean_wait = (v(6) > 0).then(|| v(7) as f64 / v(6) as f64 / 1e3);
        assert_eq!(mean_service, b.mean_service, "{code} mean service");
        assert_eq!(mean_wait, b.mean_wait, "{code} mean wait");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollups_of_a_journal_uploaded_with_duplicates_and_overlaps_equal_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let (path, cfg) = common::simulated_journal(dir.path(), DAY, 7, 11 * 60 + 30).await;
    let journal = Journal::open_read_only(&path).unwrap();
    let epoch = journal.epoch().unwrap();
    let events = common::events(&journal);
    let last = events.len() as i64;
    let days: std::collections::BTreeSet<i32> = events.iter().filter_map(|e| e.day).collect();
    assert!(days.len() >= 3, "the journal spans days: {days:?}");
    let now = Timestamp(events[events.len() - 1].at_ms + 3_600_000);
    let report =
        hallq_report::read::report(&journal, &cfg, DayRange::default(), now, &mut |_, _| {})
            .unwrap();
    assert!(report.tickets > 50 && report.served > 0, "a real morning");

    let mut s = Store::start().await;
    let mut configs = Configs::default();
    configs.insert(HALL, cfg.clone());
    let mut rng = Rng::new(14, 2);
    let mut mark = 0i64;
    // The journal's last 5 events come last, alone: too few to make the open day due.
    let end = last - 5;
    let (mut duplicates, mut overlaps, mut gaps) = (0, 0, 0);
    while mark < end {
        let from = mark + 1;
        let to = (from + rng.between(1, 150) - 1).min(end);
        let r = sink(&mut s.client, &slice(&epoch, &events, from, to), &configs)
            .await
            .unwrap();
        assert_eq!(r.mark, to);
        mark = to;
        // Now and then: the same batch again (a redelivery), a resend overlapping the mark (the
        // hub resending from an older mark), or a batch from past a gap (out of order).
        if rng.chance(0.2) {
            let r = sink(&mut s.client, &slice(&epoch, &events, from, to), &configs)
                .await
                .unwrap();
            assert_eq!(r.outcome, Outcome::Duplicate);
            duplicates += 1;
        }
        if rng.chance(0.2) && mark < end {
            let back = (mark - rng.between(1, 80)).max(1);
            let ahead = (mark + rng.between(1, 80)).min(end);
            let r = sink(
                &mut s.client,
                &slice(&epoch, &events, back, ahead),
                &configs,
            )
            .await
            .unwrap();
            assert!(matches!(r.outcome, Outcome::Stored { from, .. } if from == mark + 1));
            mark = ahead;
            overlaps += 1;
        }
        if rng.chance(0.1) && mark + 3 <= end {
            let r = sink(
                &mut s.client,
                &slice(&epoch, &events, mark + 2, (mark + 40).min(end)),
                &configs,
            )
            .await
            .unwrap();
            assert!(matches!(r.outcome, Outcome::Gap { .. }));
            gaps += 1;
        }
    }
    sink(
        &mut s.client,
        &slice(&epoch, &events, end + 1, last),
        &configs,
    )
    .await
    .unwrap();
    eprintln!(
        "{last} events over {} days, {duplicates} duplicates, {overlaps} overlaps, {gaps} gaps",
        days.len()
    );
    assert!(
        duplicates > 0 && overlaps > 0 && gaps > 0,
        "each fault played"
    );
    // A day whose reset arrived is rolled up in full by the batch that closed it; the open
    // day's newest events wait for the refresh.
    let closed: Vec<i32> = events
        .iter()
        .filter(|e| e.kind == "day_closed")
        .filter_map(|e| e.day)
        .collect();
    assert!(closed.len() >= 2, "the copied days end with their reset");
    for day in &closed {
        let row = s
            .client
            .query_one(
                "SELECT (SELECT events FROM rollup_days WHERE hall = $1 AND day = $2),
                        (SELECT count(*) FROM events WHERE hall = $1 AND day = $2)",
                &[&HALL, day],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<_, Option<i64>>(0), Some(row.get(1)), "day {day}");
    }
    let open = events[events.len() - 1].day.unwrap();
    assert!(!closed.contains(&open), "the journal's last day is open");
    let refolded = rollup::refresh(&mut s.client, &configs).await.unwrap();
    assert_eq!(
        refolded, 1,
        "the open day's newest events, left for the refresh"
    );
    assert_eq!(rollup::refresh(&mut s.client, &configs).await.unwrap(), 0);
    let stored = s
        .client
        .query_one("SELECT count(*) FROM events WHERE day IS NOT NULL", &[])
        .await
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(
        sum(&s, "events").await,
        stored,
        "every stored event folded once"
    );
    assert_rolled_up(&s, &report).await;
    assert_months_are_their_days(&s.client).await;

    // The cost of refolding, measured (docs/chain.md): the busiest closed day's last 100 events
    // (its reset among them, so the day is refolded) as one batch on a fresh journal holding
    // the rest of that day, against the same batch stored without a day (never folded).
    let busiest = *closed
        .iter()
        .max_by_key(|d| events.iter().filter(|e| e.day == Some(**d)).count())
        .unwrap();
    let day: Vec<UpEvent> = events
        .iter()
        .filter(|e| e.day == Some(busiest))
        .cloned()
        .collect();
    let mut timed = Vec::new();
    for (i, with_day) in [(1, true), (2, false), (3, true), (4, false)] {
        let mut day = day.clone();
        for (k, e) in day.iter_mut().enumerate() {
            e.seq = k as i64 + 1;
            if !with_day {
                e.day = None;
            }
        }
        let hall = format!("bench-{i}");
        let batch = |from: usize, to: usize| Batch {
            hall: hall.clone(),
            epoch: epoch.clone(),
            events: day[from..to].to_vec(),
        };
        let head = day.len() - 100;
        for from in (0..head).step_by(500) {
            sink(
                &mut s.client,
                &batch(from, (from + 500).min(head)),
                &configs,
            )
            .await
            .unwrap();
        }
        let t = Instant::now();
        sink(&mut s.client, &batch(head, day.len()), &configs)
            .await
            .unwrap();
        timed.push((with_day, t.elapsed().as_secs_f64() * 1e3));
    }
    eprintln!(
        "busiest day {busiest}: {} events; its last 100 as one batch: {timed:?} ms (with the \
         refold, without)",
        day.len()
    );
    // What the refold's rewrite of the day's month costs beside it: the same statement alone.
    let month_sql = rollup::months_from_days(
        "hall = $1 AND epoch = $2 AND day BETWEEN $3::int * 100 AND $3::int * 100 + 99",
    );
    let t = Instant::now();
    for _ in 0..20 {
        s.client
            .execute(&month_sql, &[&HALL, &epoch, &(busiest / 100)])
            .await
            .unwrap();
    }
    eprintln!(
        "the month's rewrite from its {} days: {:.2} ms",
        days.len(),
        t.elapsed().as_secs_f64() * 1e3 / 20.0
    );
}

/// The visits rolled up for `day` of [`HALL`].
async fn visits(c: &tokio_postgres::Client, day: i32) -> i64 {
    c.query_one(
        "SELECT visits FROM rollup_days WHERE hall = $1 AND day = $2",
        &[&HALL, &day],
    )
    .await
    .unwrap()
    .get(0)
}

/// A day's events that arrive after the batch that closed it, alone, and then a batch of the next
/// day big enough to be folded at once: the late events are left pending and the refresh rolls
/// them up (a refresh that looked only above the journal's highest fold would miss them).
/// Event `seq` of day `day`: a visit started, or the day's reset.
fn visit(seq: i64, day: i32, kind: &str) -> UpEvent {
    let at_ms = common::T0_MS + seq * 1000;
    let body = match kind {
        "day_closed" => serde_json::json!({"at_ms": at_ms, "type": kind, "day": day,
                                            "reason": "reset"}),
        _ => serde_json::json!({"at_ms": at_ms, "type": kind,
                                "visit": format!("V{day}-{seq:04}")}),
    };
    UpEvent {
        seq,
        at_ms,
        day: Some(day),
        kind: kind.into(),
        body,
    }
}

fn batch(events: Vec<UpEvent>) -> Batch {
    Batch {
        hall: HALL.into(),
        epoch: common::EPOCH.into(),
        events,
    }
}

#[tokio::test]
async fn a_days_late_events_are_rolled_up_by_the_refresh() {
    let mut s = Store::start().await;
    let configs = Configs::default();
    let mut day1: Vec<UpEvent> = (1..=3)
        .map(|k| visit(k, 20261123, "visit_started"))
        .collect();
    day1.push(visit(4, 20261123, "day_closed"));
    sink(&mut s.client, &batch(day1), &configs).await.unwrap();
    // Late, alone: fewer than REFOLD_EVERY, and no reset in it.
    sink(
        &mut s.client,
        &batch(vec![visit(5, 20261123, "visit_started")]),
        &configs,
    )
    .await
    .unwrap();
    let day2: Vec<UpEvent> = (6..=300)
        .map(|k| visit(k, 20261124, "visit_started"))
        .collect();
    sink(&mut s.client, &batch(day2), &configs).await.unwrap();
    assert_eq!(
        visits(&s.client, 20261123).await,
        3,
        "the late visit is not folded yet"
    );
    assert_eq!(visits(&s.client, 20261124).await, 295);
    assert_eq!(rollup::refresh(&mut s.client, &configs).await.unwrap(), 1);
    assert_eq!(visits(&s.client, 20261123).await, 4);
    assert_eq!(rollup::refresh(&mut s.client, &configs).await.unwrap(), 0);
    assert_months_are_their_days(&s.client).await;
}

/// The hall's visits per month, from the month rows.
async fn month_visits(c: &tokio_postgres::Client) -> Vec<(i32, i64)> {
    c.query(
        "SELECT month, visits FROM rollup_months WHERE hall = $1 ORDER BY month",
        &[&HALL],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

/// Days on both sides of a month's end, each closed, then a late event of the first month's
/// last day rolled up by the refresh: each month's row is the sum of its own days, before and
/// after the late event, and the chain's month reads the same visits as its days.
#[tokio::test]
async fn each_months_roll_up_is_the_sum_of_its_days_across_a_months_end() {
    let mut s = Store::start().await;
    let configs = Configs::default();
    let mut events = Vec::new();
    let mut seq = 0;
    for (day, n) in [(20261129, 5), (20261130, 7), (20261201, 11)] {
        for _ in 0..n {
            seq += 1;
            events.push(visit(seq, day, "visit_started"));
        }
        seq += 1;
        events.push(visit(seq, day, "day_closed"));
    }
    sink(&mut s.client, &batch(events), &configs).await.unwrap();
    assert_months_are_their_days(&s.client).await;
    assert_eq!(month_visits(&s.client).await, [(202611, 12), (202612, 11)]);
    sink(
        &mut s.client,
        &batch(vec![visit(seq + 1, 20261130, "visit_started")]),
        &configs,
    )
    .await
    .unwrap();
    assert_eq!(rollup::refresh(&mut s.client, &configs).await.unwrap(), 1);
    assert_months_are_their_days(&s.client).await;
    assert_eq!(month_visits(&s.client).await, [(202611, 13), (202612, 11)]);
}

/// How far the roll-up of `day` of [`HALL`] is folded.
async fn folded_to(c: &tokio_postgres::Client, day: i32) -> i64 {
    c.query_one(
        "SELECT folded_to FROM rollup_days WHERE hall = $1 AND day = $2",
        &[&HALL, &day],
    )
    .await
    .unwrap()
    .get(0)
}

/// A hall catching up uploads an open day in many big batches back to back: the day is folded
/// at its first batch, not again at each next one while that fold is fresh (they wait in
/// `rollup_pending`), again once the fold is older than `REFOLD_AGAIN_AFTER_S`, and in full
/// when its reset arrives.
#[tokio::test]
async fn a_backlog_s_open_day_is_not_refolded_at_every_batch() {
    let mut s = Store::start().await;
    let configs = Configs::default();
    let day = 20261124;
    let visits = |from: i64, to: i64| -> Vec<UpEvent> {
        (from..=to)
            .map(|k| visit(k, day, "visit_started"))
            .collect()
    };
    sink(&mut s.client, &batch(visits(1, 300)), &configs)
        .await
        .unwrap();
    assert_eq!(folded_to(&s.client, day).await, 300, "folded at first");
    sink(&mut s.client, &batch(visits(301, 600)), &configs)
        .await
        .unwrap();
    assert_eq!(
        folded_to(&s.client, day).await,
        300,
        "a fresh fold is not redone for the next batch"
    );
    // The fold grown old: the next batch refolds.
    s.client
        .execute(
            &format!(
                "UPDATE rollup_days SET updated_at = now() - interval '{} seconds'",
                rollup::REFOLD_AGAIN_AFTER_S + 1
            ),
            &[],
        )
        .await
        .unwrap();
    sink(&mut s.client, &batch(visits(601, 900)), &configs)
        .await
        .unwrap();
    assert_eq!(
        folded_to(&s.client, day).await,
        900,
        "an old fold is redone"
    );
    let mut closing = visits(901, 1200);
    closing.push(visit(1201, day, "day_closed"));
    sink(&mut s.client, &batch(closing), &configs)
        .await
        .unwrap();
    assert_eq!(
        folded_to(&s.client, day).await,
        1201,
        "the reset folds it all"
    );
    assert_eq!(rollup::refresh(&mut s.client, &configs).await.unwrap(), 0);
    assert_months_are_their_days(&s.client).await;
}
