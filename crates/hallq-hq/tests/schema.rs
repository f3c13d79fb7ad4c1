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
            "config_published",
            "events",
            "gaps",
            "hall_config",
            "hall_status",
            "halls",
            "hq_schema",
            "marks",
            "rollup_business",
            "rollup_days",
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
