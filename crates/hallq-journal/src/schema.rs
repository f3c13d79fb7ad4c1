//! Opening a connection: pragmas, schema versions and their migrations.
//!
//! The shape of mozilla application-services' `sql-support`: [`prepare`] sets the pragmas of
//! every connection, the schema lives in `sql/*.sql`, and [`migrate`] reads `PRAGMA
//! user_version` and walks [`upgrade_from`] one version at a time inside one transaction. A file
//! newer than [`SCHEMA_VERSION`] is refused, never touched.
//!
//! A fresh (or zero-byte) file is version 0 and takes the same path as an old one: every step
//! from 0 up. So the steps that upgrade a hall's real journal are the ones every test runs.
//!
//! **Adding version 2.** Write `sql/v2.sql` with only the change from v1 (`ALTER TABLE …`,
//! `CREATE INDEX …`, a backfill `UPDATE … FROM events` if a projection gains a column), add
//! `1 => tx.execute_batch(V2)?` to [`upgrade_from`] and set [`SCHEMA_VERSION`] to 2. Then
//! freeze v1 as a fixture: `tests/fixtures/v1.sql` holding `sql/v1.sql` plus a few rows of
//! each table and `PRAGMA user_version = 1;`, and add `migration_from_v1_fixture` to
//! `tests/schema.rs`: build a file from the fixture with `Connection::execute_batch`, open it
//! with [`crate::Journal::open`], and check that the rows are all there, the new columns hold
//! what v2 expects and `replay()` still works. The fixture is never regenerated from the
//! current schema: it stands for the files already in the halls.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::JournalError;

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = 5;

/// Schema version 1: the first.
const V1: &str = include_str!("../sql/v1.sql");

/// Schema version 2: personal data kept apart and sealed, and the audit trail.
const V2: &str = include_str!("../sql/v2.sql");

/// Schema version 3: the call-backs owed for consultations not answered on the spot.
const V3: &str = include_str!("../sql/v3.sql");

/// Schema version 4: the journal's epoch, the random id HQ keys its events by with the seq.
const V4: &str = include_str!("../sql/v4.sql");

/// Schema version 5: an index of the inspection events, which the hub reads at every start.
const V5: &str = include_str!("../sql/v5.sql");

/// How long a connection waits on another's lock before failing. Readers never block the writer
/// in WAL mode; this covers checkpoints and a report opening while the hub migrates.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The size in bytes the WAL file is cut back to after a checkpoint.
const WAL_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// How much a journal fsyncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `synchronous=FULL`: a commit is on disk when `commit` returns, even through a power cut.
    /// Halls lose power; this is the default.
    #[default]
    Full,
    /// `synchronous=NORMAL`: a commit survives a crash of the process, but the last commits may
    /// be lost in a power cut. For tests, simulations and load generators.
    Normal,
}

/// Sets the pragmas of the hub's connection.
pub(crate) fn prepare(conn: &Connection, durability: Durability) -> Result<(), JournalError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // `journal_mode` answers with the mode it got; a file on a filesystem without shared memory
    // stays in another mode, which still works, only without concurrent readers.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(%mode, "the journal could not switch to WAL mode");
    }
    let sync = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    // `journal_size_limit`: a report holding a long read can make the WAL grow past its usual
    // few megabytes; once checkpointed, the file is cut back to this size.
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {sync};
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA journal_size_limit = {WAL_SIZE_LIMIT};"
    ))?;
    Ok(())
}

/// Sets the pragmas of a report's connection.
pub(crate) fn prepare_read_only(conn: &Connection) -> Result<(), JournalError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch("PRAGMA query_only = ON; PRAGMA foreign_keys = ON;")?;
    Ok(())
}

/// The file's schema version.
pub(crate) fn user_version(conn: &Connection) -> Result<u32, JournalError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings the file at `path` to [`SCHEMA_VERSION`], or refuses it if it is newer.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), JournalError> {
    // IMMEDIATE: two processes opening one file at once must not both migrate it.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = user_version(&tx)?;
    if found > SCHEMA_VERSION {
        return Err(JournalError::TooNew {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    for from in found..SCHEMA_VERSION {
        tracing::info!(from, to = from + 1, "migrating the journal");
        upgrade_from(&tx, from)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Takes the schema from `version` to `version + 1`.
fn upgrade_from(tx: &Transaction<'_>, version: u32) -> Result<(), JournalError> {
    match version {
        0 => tx.execute_batch(V1)?,
        1 => tx.execute_batch(V2)?,
        2 => tx.execute_batch(V3)?,
        3 => tx.execute_batch(V4)?,
        4 => tx.execute_batch(V5)?,
        // Reached only if SCHEMA_VERSION was raised without a step: a bug, caught by every test.
        v => unreachable!("no migration from schema version {v}"),
    }
    Ok(())
}
