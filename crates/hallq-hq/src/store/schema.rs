//! The HQ store's schema versions and their migrations.
//!
//! As the journal's (hallq-journal `schema`): the schema lives in `sql/v*.sql`, [`migrate`]
//! reads the version and applies each step above it, in one transaction. A database newer than
//! [`SCHEMA_VERSION`] is refused, never touched. The version is a one-row table `hq_schema`;
//! several HQ processes starting at once take turns through an advisory lock.

use tokio_postgres::Client;

use crate::error::HqError;

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i32 = 11;

/// Schema version 1: events by month, marks, gaps.
const V1: &str = include_str!("../../sql/v1.sql");

/// Schema version 2: the roll-ups per hall journal × business day (× business type).
const V2: &str = include_str!("../../sql/v2.sql");

/// Schema version 3: the chain's halls (region, name) and their live status.
const V3: &str = include_str!("../../sql/v3.sql");

/// Schema version 4: the console's users and sessions; an index of complaint events.
const V4: &str = include_str!("../../sql/v4.sql");

/// Schema version 5: configuration down — the documents HQ published, each hall's in force.
const V5: &str = include_str!("../../sql/v5.sql");

/// Schema version 6: the roll-ups per hall journal × month, summed from the days.
const V6: &str = include_str!("../../sql/v6.sql");

/// Schema version 7: the month's sums per region, kept by triggers, for the chain page.
const V7: &str = include_str!("../../sql/v7.sql");

/// Schema version 8: HQ as the booking master — slots, bookings and their outbox.
const V8: &str = include_str!("../../sql/v8.sql");

/// Schema version 9: the service-standard KPI per hall journal × month × inspection type.
const V9: &str = include_str!("../../sql/v9.sql");

/// Schema version 10: the one-time codes of HQ's booking pages; when each booking change was
/// published.
const V10: &str = include_str!("../../sql/v10.sql");

/// Schema version 11: the halls' bookings handed to HQ at their switch (`booking_handover`).
const V11: &str = include_str!("../../sql/v11.sql");

/// The advisory lock key migrations serialise on (any constant; "hqschema" in ASCII).
const MIGRATION_LOCK: i64 = 0x6871_7363_6865_6d61;

/// The database's schema version; 0 for a database HQ has never migrated.
pub async fn schema_version(client: &Client) -> Result<i32, HqError> {
    let exists = client
        .query_one("SELECT to_regclass('hq_schema') IS NOT NULL", &[])
        .await?
        .get::<_, bool>(0);
    if !exists {
        return Ok(0);
    }
    Ok(client
        .query_one("SELECT version FROM hq_schema", &[])
        .await?
        .get(0))
}

/// Brings the database to [`SCHEMA_VERSION`], or refuses it if it is newer.
pub async fn migrate(client: &mut Client) -> Result<(), HqError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS hq_schema (
             one      integer PRIMARY KEY CHECK (one = 1),
             version  integer NOT NULL
         );
         INSERT INTO hq_schema (one, version) VALUES (1, 0) ON CONFLICT DO NOTHING;",
    )
    .await?;
    let found: i32 = tx
        .query_one("SELECT version FROM hq_schema", &[])
        .await?
        .get(0);
    if found > SCHEMA_VERSION {
        // Dropping `tx` rolls back: nothing was changed.
        return Err(HqError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for from in found..SCHEMA_VERSION {
        tracing::info!(from, to = from + 1, "migrating the HQ store");
        tx.batch_execute(step(from)).await?;
    }
    tx.execute("UPDATE hq_schema SET version = $1", &[&SCHEMA_VERSION])
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The SQL that takes the schema from `version` to `version + 1`.
fn step(version: i32) -> &'static str {
    match version {
        0 => V1,
        1 => V2,
        2 => V3,
        3 => V4,
        4 => V5,
        5 => V6,
        6 => V7,
        7 => V8,
        8 => V9,
        9 => V10,
        10 => V11,
        // Reached only if SCHEMA_VERSION was raised without a step: a bug, caught by every test.
        v => unreachable!("no HQ migration from schema version {v}"),
    }
}
