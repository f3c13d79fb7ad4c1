//! The HQ store's schema on a real PostgreSQL: a fresh database gets the latest version,
//! migrating again is a no-op, HQ processes starting together take turns, and a database from
//! a newer hallq is refused untouched.
#![allow(clippy::unwrap_used)]

use hallq_hq::store::{SCHEMA_VERSION, migrate, schema_version};
use hallq_hq::{HqError, Postgres};

async fn tables(c: &tokio_postgres::Client) -> Vec<String> {
    c.query(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[tokio::test]
async fn a_fresh_database_gets_the_latest_schema_once() {
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let mut c = pg.connect().await.unwrap();
    assert_eq!(schema_version(&c).await.unwrap(), 0);
    migrate(&mut c).await.unwrap();
    assert_eq!(schema_version(&c).await.unwrap(), SCHEMA_VERSION);
    assert_eq!(
        tables(&c).await,
        [
            "booking",
            "booking_handover",
            "booking_otp",
            "booking_outbox",
            "booking_slot",
            "config_published",
            "events",
            "gaps",
            "hall_config",
            "hall_status",
            "halls",
            "hq_schema",
            "marks",
            "region_month_deltas",
            "region_months",
            "rollup_business",
            "rollup_days",
            "rollup_inspections",
            "rollup_inspections_pending",
            "rollup_months",
            "rollup_pending",
            "sessions",
            "users"
        ]
    );
    migrate(&mut c).await.unwrap();
    assert_eq!(schema_version(&c).await.unwrap(), SCHEMA_VERSION);
}

#[tokio::test]
async fn hq_processes_starting_together_migrate_once() {
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let mut c = pg.connect().await.unwrap();
        tasks.push(tokio::spawn(async move { migrate(&mut c).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let c = pg.connect().await.unwrap();
    assert_eq!(schema_version(&c).await.unwrap(), SCHEMA_VERSION);
}

#[tokio::test]
async fn a_database_from_a_newer_hallq_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let mut c = pg.connect().await.unwrap();
    c.batch_execute(
        "CREATE TABLE hq_schema (one integer PRIMARY KEY, version integer NOT NULL);
         INSERT INTO hq_schema VALUES (1, 99);
         CREATE TABLE from_the_future (x integer);",
    )
    .await
    .unwrap();
    let err = migrate(&mut c).await.unwrap_err();
    assert!(
        matches!(err, HqError::TooNew { found: 99, supported } if supported == SCHEMA_VERSION),
        "{err}"
    );
    assert!(err.to_string().contains("newer"), "{err}");
    assert_eq!(tables(&c).await, ["from_the_future", "hq_schema"]);
    assert_eq!(schema_version(&c).await.unwrap(), 99);
}

/// A store at schema version 1 (as this session's first HQ build left it) with events in it:
/// migrated to version 2 it keeps them, gets the roll-up tables, and the next batch of a day
/// rolls up the whole day, the events stored at version 1 included.
#[tokio::test]
async fn a_version_1_store_is_migrated_with_its_events_kept() {
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let mut c = pg.connect().await.unwrap();
    c.batch_execute(include_str!("../sql/v1.sql"))
        .await
        .unwrap();
    c.batch_execute(
        "CREATE TABLE hq_schema (one integer PRIMARY KEY CHECK (one = 1), version integer NOT NULL);
         INSERT INTO hq_schema VALUES (1, 1);
         SELECT events_month('2026-11-01');
         INSERT INTO marks (hall, epoch, seq) VALUES ('h', 'e', 2);
         INSERT INTO events (hall, epoch, seq, at, day, type, body) VALUES
           ('h', 'e', 1, '2026-11-24 01:00Z', 20261124, 'visit_started',
            '{\"at_ms\": 1795482000000, \"type\": \"visit_started\", \"visit\": \"V20261124-0001\"}'),
           ('h', 'e', 2, '2026-11-24 01:01Z', 20261124, 'visit_started',
            '{\"at_ms\": 1795482060000, \"type\": \"visit_started\", \"visit\": \"V20261124-0002\"}');",
    )
    .await
    .unwrap();
    migrate(&mut c).await.unwrap();
    assert_eq!(schema_version(&c).await.unwrap(), SCHEMA_VERSION);
    let n: i64 = c
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 2);
    let batch = hallq_hq::Batch {
        hall: "h".into(),
        epoch: "e".into(),
        events: vec![hallq_hq::UpEvent {
            seq: 3,
            at_ms: 1_795_482_120_000,
            day: Some(20261124),
            kind: "visit_started".into(),
            body: serde_json::json!({"at_ms": 1_795_482_120_000_i64, "type": "visit_started",
                                     "visit": "V20261124-0003"}),
        }],
    };
    hallq_hq::store::sink(&mut c, &batch, &hallq_hq::store::Configs::default())
        .await
        .unwrap();
    assert_eq!(
        c.query_one("SELECT count(*) FROM rollup_days", &[])
            .await
            .unwrap()
            .get::<_, i64>(0),
        0,
        "not due"
    );
    // Three events of an open day: not yet due at the sink, rolled up by the refresh.
    let configs = hallq_hq::store::Configs::default();
    hallq_hq::store::rollup::refresh(&mut c, &configs)
        .await
        .unwrap();
    let row = c
        .query_one("SELECT events, unread, visits FROM rollup_days", &[])
        .await
        .unwrap();
    assert_eq!(
        (
            row.get::<_, i64>(0),
            row.get::<_, i64>(1),
            row.get::<_, i64>(2)
        ),
        (3, 0, 3)
    );
}

/// A store at schema version 3 with a hall's events migrates to version 4 keeping them: the
/// console's users and sessions are added, a login that is not a plain word is refused by the
/// table itself, and the complaint events' index is there.
#[tokio::test]
async fn a_version_3_store_is_migrated_to_the_consoles_users() {
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let mut c = pg.connect().await.unwrap();
    for v in [
        include_str!("../sql/v1.sql"),
        include_str!("../sql/v2.sql"),
        include_str!("../sql/v3.sql"),
    ] {
        c.batch_execute(v).await.unwrap();
    }
    c.batch_execute(
        "CREATE TABLE hq_schema (one integer PRIMARY KEY CHECK (one = 1), version integer NOT NULL);
         INSERT INTO hq_schema VALUES (1, 3);
         SELECT events_month('2026-11-01');
         INSERT INTO events (hall, epoch, seq, at, day, type, body) VALUES
           ('h', 'e', 1, '2026-11-24 01:00Z', 20261124, 'complaint_opened', '{}');
         INSERT INTO halls (hall, region, name) VALUES ('h', 'gd', 'x');",
    )
    .await
    .unwrap();
    migrate(&mut c).await.unwrap();
    assert_eq!(schema_version(&c).await.unwrap(), SCHEMA_VERSION);
    let n: i64 = c
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    let bad = c
        .execute(
            "INSERT INTO users (login, role, password_hash) VALUES ('a b', 'hq', 'x')",
            &[],
        )
        .await;
    assert!(bad.is_err(), "a login with a space");
    let bad = c
        .execute(
            "INSERT INTO users (login, role, scope, password_hash) VALUES ('r', 'region', '', 'x')",
            &[],
        )
        .await;
    assert!(bad.is_err(), "a regional manager without a region");
    let idx: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'events_complaints'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(idx, 1);
}

/// A store at schema version 4 with day roll-ups of two months migrates to version 6 with a
/// month roll-up for each (hall journal, month), the sum of its days.
#[tokio::test]
async fn a_version_4_store_gets_the_month_roll_ups_of_its_days() {
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let mut c = pg.connect().await.unwrap();
    for v in [
        include_str!("../sql/v1.sql"),
        include_str!("../sql/v2.sql"),
        include_str!("../sql/v3.sql"),
        include_str!("../sql/v4.sql"),
    ] {
        c.batch_execute(v).await.unwrap();
    }
    let cols = hallq_hq::store::rollup::DAY_COLUMNS.join(", ");
    c.batch_execute(&format!(
        "CREATE TABLE hq_schema (one integer PRIMARY KEY CHECK (one = 1), version integer NOT NULL);
         INSERT INTO hq_schema VALUES (1, 4);
         INSERT INTO rollup_days (hall, epoch, day, folded_to, {cols})
         SELECT 'h', 'e', d, 1, d % 100, 0, 10 * (d % 100), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 1
         FROM unnest(ARRAY[20261129, 20261130, 20261201]) d;"
    ))
    .await
    .unwrap();
    migrate(&mut c).await.unwrap();
    assert_eq!(schema_version(&c).await.unwrap(), SCHEMA_VERSION);
    let rows: Vec<(i32, i64, i64, i64)> = c
        .query(
            "SELECT month, events, visits, orphan_events FROM rollup_months
             WHERE hall = 'h' AND epoch = 'e' ORDER BY month",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(rows, [(202611, 59, 590, 2), (202612, 1, 10, 1)]);
}

/// A store at schema version 6 with the month roll-ups of halls in two regions (and of one HQ
/// has no status from) migrates to version 7 with each region's month sums; from then on a
/// month row written, a hall made from its first status, a hall moved and a month row removed
/// each keep them the sum of the region's halls' rows.
#[tokio::test]
async fn a_version_6_store_gets_its_regions_month_sums_and_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let mut c = pg.connect().await.unwrap();
    for v in [
        include_str!("../sql/v1.sql"),
        include_str!("../sql/v2.sql"),
        include_str!("../sql/v3.sql"),
        include_str!("../sql/v4.sql"),
        include_str!("../sql/v5.sql"),
        include_str!("../sql/v6.sql"),
    ] {
        c.batch_execute(v).await.unwrap();
    }
    let cols = hallq_hq::store::rollup::DAY_COLUMNS.join(", ");
    // Month rows with tickets = t, served = 1, satisfied = 2 (the other columns 0).
    let month_row = |hall: &str, month: i32, t: i64| {
        let mut v: Vec<String> = hallq_hq::store::rollup::DAY_COLUMNS
            .iter()
            .map(|c| match *c {
                "tickets" => t.to_string(),
                "served" => "1".into(),
                "satisfied" => "2".into(),
                _ => "0".into(),
            })
            .collect();
        v.insert(0, format!("'{hall}', 'e', {month}"));
        format!(
            "INSERT INTO rollup_months (hall, epoch, month, {cols}) VALUES ({})
             ON CONFLICT (hall, epoch, month) DO UPDATE SET tickets = excluded.tickets",
            v.join(", ")
        )
    };
    c.batch_execute(&format!(
        "CREATE TABLE hq_schema (one integer PRIMARY KEY CHECK (one = 1), version integer NOT NULL);
         INSERT INTO hq_schema VALUES (1, 6);
         INSERT INTO halls (hall, region) VALUES ('a1', 'a'), ('a2', 'a'), ('b1', 'b');
         {}; {}; {}; {}; {};",
        month_row("a1", 202611, 10),
        month_row("a1", 202612, 20),
        month_row("a2", 202612, 300),
        month_row("b1", 202612, 4000),
        month_row("x1", 202612, 50000),
    ))
    .await
    .unwrap();
    migrate(&mut c).await.unwrap();
    assert_eq!(schema_version(&c).await.unwrap(), SCHEMA_VERSION);
    let r = |s: &str, m: i32, t: i64, n: i64| (s.to_owned(), m, t, n, 2 * n);
    assert_eq!(
        region_months(&c).await,
        [
            r("", 202612, 50000, 1),
            r("a", 202611, 10, 1),
            r("a", 202612, 320, 2),
            r("b", 202612, 4000, 1)
        ]
    );
    // The sink rewriting a month (an update) and writing a new one (an insert).
    c.batch_execute(&format!(
        "{}; {};",
        month_row("a2", 202612, 301),
        month_row("b1", 202701, 7)
    ))
    .await
    .unwrap();
    // x1's first status makes it a hall of b; a1 moves to b.
    c.batch_execute(
        "INSERT INTO halls (hall, region) VALUES ('x1', 'b');
         UPDATE halls SET region = 'b' WHERE hall = 'a1';
         DELETE FROM rollup_months WHERE hall = 'b1' AND month = 202701;",
    )
    .await
    .unwrap();
    assert_eq!(
        region_months(&c).await,
        [
            r("a", 202612, 301, 1),
            r("b", 202611, 10, 1),
            r("b", 202612, 54020, 3)
        ]
    );
}

/// The region month rows that are not all zero: (region, month, tickets, served, satisfied).
async fn region_months(c: &tokio_postgres::Client) -> Vec<(String, i32, i64, i64, i64)> {
    c.query(
        "SELECT region, month, tickets, served, satisfied FROM region_months_now
         WHERE (tickets, served, satisfied) <> (0, 0, 0) ORDER BY 1, 2",
        &[],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
    .collect()
}

#[tokio::test]
async fn a_version_7_store_s_inspections_are_rolled_up_by_the_refresh() {
    use hallq_inspect::register::CheckedItem;
    use hallq_inspect::{InspectionEvent, InspectionKind};
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let mut c = pg.connect().await.unwrap();
    for v in [
        include_str!("../sql/v1.sql"),
        include_str!("../sql/v2.sql"),
        include_str!("../sql/v3.sql"),
        include_str!("../sql/v4.sql"),
        include_str!("../sql/v5.sql"),
        include_str!("../sql/v6.sql"),
        include_str!("../sql/v7.sql"),
    ] {
        c.batch_execute(v).await.unwrap();
    }
    c.batch_execute(
        "CREATE TABLE hq_schema (one integer PRIMARY KEY CHECK (one = 1), version integer NOT NULL);
         INSERT INTO hq_schema VALUES (1, 7);
         SELECT events_month('2026-12-01');
         INSERT INTO marks (hall, epoch, seq) VALUES ('h', 'e', 2);",
    )
    .await
    .unwrap();
    // A patrol of 4 items with a wet floor (critical: 0 of 4) and the seats (2 of 2), stored
    // at v7 on 2 December (local time, UTC+8).
    let item = |item: &str, critical, pass| CheckedItem {
        item: item.into(),
        critical,
        pass,
        note: None,
    };
    let recorded = |n: u32, kind, items| hallq_queue::EventKind::Inspection {
        inspection: InspectionEvent::Recorded {
            inspection: format!("I20261202-{n}"),
            template: "t".into(),
            kind,
            by: "E1".into(),
            device: "greeter-1".into(),
            items,
            note: None,
            visited_at_ms: None,
            shopper: None,
        },
    };
    let events = [
        recorded(
            1,
            InspectionKind::Cleaning,
            vec![
                item("floor", true, false),
                item("seats", false, true),
                item("bins", false, true),
                item("desk", false, true),
            ],
        ),
        recorded(
            2,
            InspectionKind::Facility,
            vec![item("sound", true, true), item("clean", false, true)],
        ),
    ];
    for (i, e) in events.iter().enumerate() {
        let seq = i as i64 + 1;
        let body = serde_json::to_string(e).unwrap();
        c.execute(
            "INSERT INTO events (hall, epoch, seq, at, day, type, body)
             VALUES ('h', 'e', $1, '2026-12-02 02:00:00+00', 20261202, 'inspection', $2::text::jsonb)",
            &[&seq, &body],
        )
        .await
        .unwrap();
    }
    migrate(&mut c).await.unwrap();
    let pending: i64 = c
        .query_one("SELECT count(*) FROM rollup_inspections_pending", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        pending, 1,
        "the journal with inspections waits for the refresh"
    );
    hallq_hq::store::rollup::refresh(&mut c, &hallq_hq::store::Configs::default())
        .await
        .unwrap();
    let rows: Vec<(i32, String, i64, i64, i64, i64)> = c
        .query(
            "SELECT month, kind, inspections, critical_failed, items_checked, items_passed
             FROM rollup_inspections ORDER BY kind",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect();
    assert_eq!(
        rows,
        [
            (202612, "cleaning".to_owned(), 1, 1, 4, 0),
            (202612, "facility".to_owned(), 1, 0, 2, 2),
        ]
    );
    let pending: i64 = c
        .query_one("SELECT count(*) FROM rollup_inspections_pending", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(pending, 0);
}
