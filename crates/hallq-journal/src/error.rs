//! The journal's one error type.

use std::path::PathBuf;

/// Why the journal could not open, write or read.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The file was written by a newer hallq: this build does not know its schema and must not
    /// write to it.
    #[error(
        "the journal {path:?} has schema version {found}, newer than this hallq supports \
         ({supported}); run the newer hallq or restore a backup / 日志数据库版本过新，请使用新版本程序"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Its `PRAGMA user_version`.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// A read-only open found a database that is not (yet) at this build's schema: it must be
    /// opened once by the hub, which migrates it.
    #[error(
        "the journal {path:?} has schema version {found}, this hallq reads version {supported}; \
         start the hub once to migrate it"
    )]
    NotMigrated {
        /// The database file.
        path: PathBuf,
        /// Its `PRAGMA user_version`.
        found: u32,
        /// The version this build reads.
        supported: u32,
    },
    /// The caller gave one (device, command id) twice, in one batch or across batches. The hub
    /// must answer a redelivery from [`crate::Journal::reply_for`] instead; nothing of the batch
    /// was written.
    #[error("command {command_id:?} of device {device} is already in the journal")]
    Duplicate {
        /// The device.
        device: String,
        /// The command id.
        command_id: String,
    },
    /// A write on a journal opened with [`crate::Journal::open_read_only`].
    #[error("the journal was opened read-only")]
    ReadOnly,
    /// An event could not be turned into JSON or back (a stored body that this build cannot
    /// read, for instance).
    #[error("event JSON at seq {seq:?}: {source}")]
    Json {
        /// The row, when reading.
        seq: Option<i64>,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// SQLite refused.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl JournalError {
    /// Whether SQLite could not write because the disk is full (`SQLITE_FULL`, from `ENOSPC`):
    /// the batch was rolled back whole, and the same connection writes again once space is
    /// freed.
    pub fn is_disk_full(&self) -> bool {
        matches!(
            self,
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DiskFull
        )
    }
}
