//! [`HqError`]: everything HQ's library can fail with.

use std::path::PathBuf;

/// An HQ error. The engine launcher's errors name the binary, the Debian package or the log to
/// read; a person running the demo or a test sees them as they are.
#[derive(Debug, thiserror::Error)]
pub enum HqError {
    /// An engine's program is not installed.
    #[error("{binary} not found (looked in {looked}); install the Debian package {package}")]
    Missing {
        /// The program.
        binary: String,
        /// Where it was looked for.
        looked: String,
        /// The Debian package that has it.
        package: &'static str,
    },
    /// A program could not be started.
    #[error("could not start {what}: {source}")]
    Spawn {
        /// What was started.
        what: String,
        /// Why not.
        source: std::io::Error,
    },
    /// An engine stopped, or never came up; the end of its log says why.
    #[error("{what} failed ({status}); the end of its log {log}:\n{tail}")]
    Engine {
        /// Which engine.
        what: String,
        /// Its exit status, or what was waited for.
        status: String,
        /// Its log file.
        log: PathBuf,
        /// The log's last lines.
        tail: String,
    },
    /// A file or folder of the launcher's could not be made or read.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why not.
        source: std::io::Error,
    },
    /// Running as root, the launcher found no unprivileged user to run PostgreSQL as.
    #[error(
        "PostgreSQL refuses to run as root and neither the user postgres nor nobody exists; \
         run as an ordinary user"
    )]
    NoUnprivilegedUser,
    /// Running as root, the PostgreSQL folder is below a folder its user cannot enter.
    #[error(
        "PostgreSQL runs as {user}, who cannot reach {path}: give its folders o+x, or use a \
         temporary folder"
    )]
    Unreachable {
        /// The folder the user cannot pass.
        path: PathBuf,
        /// The unprivileged user.
        user: String,
    },
    /// A NATS request or connection failed.
    #[error("NATS: {0}")]
    Nats(String),
    /// A PostgreSQL statement or connection failed.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// The HQ database was migrated by a newer hallq; it is left untouched.
    #[error("the HQ database is at schema version {found}, newer than this hallq's {supported}")]
    TooNew {
        /// Its version.
        found: i32,
        /// Ours.
        supported: i32,
    },
    /// A batch that cannot be stored as it is (not a gap: a malformed upload).
    #[error("bad batch from hall {hall}: {reason}")]
    BadBatch {
        /// The hall it claims to come from.
        hall: String,
        /// What is wrong.
        reason: String,
    },
    /// hq.toml cannot be used: what is wrong, in Chinese and English.
    #[error("{path}: {reason}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong (bilingual).
        reason: String,
    },
    /// A value a person gave (a user to add, a login) is not valid: why, in Chinese and English.
    #[error("{0}")]
    BadInput(String),
}
