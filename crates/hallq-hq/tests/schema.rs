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
    assert_eq!(tables(&c).await, ["events", "gaps", "hq_schema", "marks"]);
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
