//! [`Journal`]: one connection to the journal file, the hub's (writing) or a report's (reading).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::entry::{CommitStats, Entry};
use crate::error::JournalError;
use crate::schema::{self, Durability, SCHEMA_VERSION};
use crate::write::write_batch;

/// The journal: an SQLite file in WAL mode.
///
/// The hub holds the only writing `Journal` and calls it from one thread of its own (it is
/// `Send`, not shared); reports open their own with [`Journal::open_read_only`], which sees every
/// commit and never blocks the writer.
#[derive(Debug)]
pub struct Journal {
    /// The connection; its statement cache keeps the hot statements prepared.
    pub(crate) conn: Connection,
    /// The file, for error messages.
    path: PathBuf,
    /// Opened for reports: writes are refused before SQLite sees them.
    read_only: bool,
}

/// How many prepared statements the connection keeps: every statement of a commit and of the
/// reads fits, so none is ever re-prepared.
const STATEMENT_CACHE: usize = 64;

impl Journal {
    /// Opens (creating it if needed) the journal at `path` for writing, and migrates it to this
    /// build's schema. Refuses a file written by a newer build ([`JournalError::TooNew`]).
    #[tracing::instrument(skip_all, err, fields(path = %path.as_ref().display()))]
    pub fn open(path: impl AsRef<Path>, durability: Durability) -> Result<Self, JournalError> {
        let path = path.as_ref();
        let mut conn = Connection::open(path)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        schema::prepare(&conn, durability)?;
        schema::migrate(&mut conn, path)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
            read_only: false,
        })
    }

    /// Opens an existing journal for reading (reports), while the hub may be writing it.
    ///
    /// The file must already be at this build's schema: a newer one is
    /// [`JournalError::TooNew`], an older or empty one [`JournalError::NotMigrated`].
    #[tracing::instrument(skip_all, err, fields(path = %path.as_ref().display()))]
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref();
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        schema::prepare_read_only(&conn)?;
        let found = schema::user_version(&conn)?;
        if found > SCHEMA_VERSION {
            return Err(JournalError::TooNew {
                path: path.to_owned(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found < SCHEMA_VERSION {
            return Err(JournalError::NotMigrated {
                path: path.to_owned(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(Self {
            conn,
            path: path.to_owned(),
            read_only: true,
        })
    }

    /// The journal's epoch: 32 hex digits of random, given to the file once at its creation (or
    /// at its first start on schema version 4) and never changed. HQ keys this hall's events by
    /// (hall, epoch, seq), so a replaced file's seqs starting again at 1 are new events, not
    /// duplicates (docs/chain.md).
    pub fn epoch(&self) -> Result<String, JournalError> {
        Ok(self
            .conn
            .prepare_cached("SELECT epoch FROM epoch WHERE one = 1")?
            .query_row([], |r| r.get(0))?)
    }

    /// The file this journal is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `batch` in one transaction (group commit): when this returns `Ok`, every entry is
    /// durable (with [`Durability::Full`]) and the hub may reply and publish. On any error
    /// nothing of the batch is written.
    ///
    /// Event seqs continue from [`Journal::last_seq`] in batch order; each event's business day
    /// is that of the last `day_opened` written before it (in this batch or earlier).
    #[tracing::instrument(skip_all, err, fields(entries = batch.len()))]
    pub fn commit(&mut self, batch: &[Entry]) -> Result<CommitStats, JournalError> {
        if self.read_only {
            return Err(JournalError::ReadOnly);
        }
        // IMMEDIATE takes the write lock at once, so the seq read at the start stays the last.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // A failure drops `tx`, which rolls the whole batch back.
        let stats = write_batch(&tx, batch)?;
        tx.commit()?;
        Ok(stats)
    }

    /// Whether `PRAGMA integrity_check` finds the file sound.
    pub fn integrity_check(&self) -> Result<bool, JournalError> {
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        if rows != ["ok"] {
            tracing::error!(problems = ?rows, "journal integrity check failed");
        }
        Ok(rows == ["ok"])
    }

    /// The connection, for the reports' own queries. Writing through it would bypass the
    /// journal's rules (projections derive from events only): don't. On a read-only journal
    /// SQLite refuses writes anyway (`query_only`).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}
