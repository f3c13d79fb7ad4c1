//! The data directory's guards: one hub at a time, and never a journal that silently starts over.
//!
//! - [`DataDirLock`]: an exclusive OS lock (`flock`, through `std::fs::File::try_lock`) on
//!   `hub.lock` in the data directory, held for the hub's whole run. Two hubs on one directory
//!   would both write the journal and issue the same ticket ids. The kernel drops the lock when
//!   the process ends, however it ends, so a crash leaves nothing to clean up; the file only
//!   names the holder (pid, start time) for the second hub's error.
//! - [`FileIdentity`]: the journal file's device and inode, taken when it is opened. If the file
//!   is deleted or replaced while the hub runs, SQLite keeps writing into the unlinked inode and
//!   every acknowledged command is lost at the next start: the writer checks it after each batch
//!   and the hub stops serving instead.
//! - [`check_writable`]: the journal's files must stay writable in place. SQLite maps
//!   `journal.db-shm` (the WAL's index) into the hub's memory and writes it there; a file made
//!   immutable or append-only (`chattr +i`/`+a`) makes the next such write fault, and the hub
//!   would die of SIGBUS with no word. The writer checks the flags before each batch (an
//!   `statx` per file, by path: opening and closing the file would drop SQLite's POSIX locks) and
//!   stops serving instead; the hub refuses
//!   to start on such a file.
//! - [`check_journal_present`]: a data directory that holds what an earlier journal left (the
//!   personal-data key, the WAL) but no journal is refused at start, unless a new journal is
//!   asked for (`hallq hub --new-journal`): starting over there would restart the ticket numbers
//!   at A001 beside the lost journal's key.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

use hallq_proto::Timestamp;

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "hub.lock";

/// The journal's file name in the data directory.
pub const JOURNAL_FILE: &str = "journal.db";

/// Why the data directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// Another hub holds the lock.
    #[error(
        "the data directory {dir} is in use by another hub ({holder}): stop that hub first, or give this one its own [hub] data_dir / 数据目录 {dir} 正被另一个中枢使用（{holder}）：请先停止该中枢，或为本中枢另设 data_dir"
    )]
    InUse {
        /// The data directory.
        dir: PathBuf,
        /// Who holds it, as its lock file says.
        holder: String,
    },
    /// No journal, but the data an earlier journal left.
    #[error(
        "no journal ({journal}) but the data of an earlier one is there ({found}): the journal was lost or moved. Put it back from a backup, or start a new journal on purpose with `hallq hub --new-journal` (ticket numbers start again at A001) / 没有日志文件（{journal}），但有先前日志留下的数据（{found}）：日志已丢失或被移走。请从备份恢复；如确需新建日志，请用 hallq hub --new-journal（票号将从 A001 重新开始）"
    )]
    JournalMissing {
        /// The journal's path.
        journal: PathBuf,
        /// What was found instead.
        found: String,
    },
    /// A journal file cannot be written in place ([`check_writable`]).
    #[error("{0}")]
    Unwritable(String),
    /// The directory or its lock file cannot be used.
    #[error("data directory {dir}: {source} / 数据目录无法使用")]
    Io {
        /// The data directory.
        dir: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
}

/// The data directory, locked for this process until dropped.
#[derive(Debug)]
pub struct DataDirLock {
    /// Holds the lock: closing it releases it.
    _file: File,
}

impl DataDirLock {
    /// Makes `dir` if needed and locks it, writing this process's pid and start time `now` into
    /// the lock file. Refuses ([`DataDirError::InUse`]) if another process holds it.
    pub fn acquire(dir: &Path, now: Timestamp) -> Result<Self, DataDirError> {
        let io = |source| DataDirError::Io {
            dir: dir.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(LOCK_FILE))
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(DataDirError::InUse {
                    dir: dir.to_owned(),
                    holder: holder(&text),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // Only the holder writes the file, and only now: it names who holds the lock.
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(
            file,
            "pid={}\nstarted={}\n",
            std::process::id(),
            utc_second(now)
        )
        .map_err(io)?;
        Ok(Self { _file: file })
    }
}

/// The holder as the lock file names it: "pid 1234, started 2026-12-06 10:30:05 UTC".
fn holder(text: &str) -> String {
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    match (field("pid"), field("started")) {
        (Some(pid), Some(started)) => format!("pid {pid}, started {started}"),
        (Some(pid), None) => format!("pid {pid}"),
        // The other hub has locked but not yet written: it is starting this very moment.
        _ => "a hub that is starting".into(),
    }
}

/// `2026-12-06 10:30:05 UTC`.
fn utc_second(t: Timestamp) -> String {
    format!(
        "{}:{:02} UTC",
        hallq_proto::time::iso_minute(t, 0),
        t.0.div_euclid(1000).rem_euclid(60)
    )
}

/// The journal's files beside `journal`: its write-ahead log and its shared-memory index.
fn journal_files(journal: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = journal.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [journal.to_owned(), with("-wal"), with("-shm")]
}

/// Whether the journal's files (those that exist) can be written in place: none is immutable
/// or append-only. `Err` names the first that is not, and the fix, in both languages. A
/// filesystem without these flags (the ioctl refused) has nothing to check.
pub fn check_writable(journal: &Path) -> Result<(), String> {
    use rustix::fs::{AtFlags, CWD, StatxAttributes, StatxFlags};
    for path in journal_files(journal) {
        // By path, with statx, never by opening the file: closing any descriptor of the
        // journal's files would drop every POSIX lock this process holds on them, SQLite's
        // included, and let another connection write under the hub.
        let Ok(st) = rustix::fs::statx(CWD, &path, AtFlags::empty(), StatxFlags::BASIC_STATS)
        else {
            continue;
        };
        let known = st.stx_attributes_mask;
        let flags = st.stx_attributes & known;
        let (what, zh, flag) = if flags.contains(StatxAttributes::IMMUTABLE) {
            ("immutable", "不可修改", "i")
        } else if flags.contains(StatxAttributes::APPEND) {
            ("append-only", "仅可追加", "a")
        } else {
            continue;
        };
        let path = path.display();
        return Err(format!(
            "the journal's file {path} was made {what} (chattr +{flag}): the hub can no longer write its journal and stops serving; clear the flag with `chattr -{flag} {path}` and start the hub again / 日志文件 {path} 被设为{zh}（chattr +{flag}）：中枢无法写入日志，停止服务；请用 chattr -{flag} {path} 解除后重新启动"
        ));
    }
    Ok(())
}

/// A file's identity: its device and inode. A file deleted and made again, or replaced by a
/// rename, has another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileIdentity {
    dev: u64,
    ino: u64,
}

impl FileIdentity {
    /// The identity of the file at `path`.
    pub fn of(path: &Path) -> std::io::Result<Self> {
        let meta = std::fs::metadata(path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            Ok(Self {
                dev: meta.dev(),
                ino: meta.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            // No inode to compare: only a missing file is seen.
            let _ = meta;
            Ok(Self { dev: 0, ino: 0 })
        }
    }

    /// Whether the file at `path` is still this one; `Err` says, in both languages, what
    /// happened to it.
    pub fn check(&self, path: &Path) -> Result<(), String> {
        match Self::of(path) {
            Ok(now) if now == *self => Ok(()),
            Ok(_) => Err(format!(
                "the journal {} was replaced by another file while the hub ran / 运行中日志文件 {} 被替换",
                path.display(),
                path.display()
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
                "the journal {} was deleted while the hub ran / 运行中日志文件 {} 被删除",
                path.display(),
                path.display()
            )),
            Err(e) => Err(format!(
                "the journal {} cannot be checked: {e} / 无法检查日志文件 {}",
                path.display(),
                path.display()
            )),
        }
    }
}

/// Refuses to start a new journal at `journal` when files an earlier journal left are there:
/// `others` (the personal-data key, wherever it is kept) and the journal's own WAL and shared
/// memory. Nothing to refuse when the journal exists, or when `new_journal` says to start one.
pub fn check_journal_present(
    journal: &Path,
    others: &[&Path],
    new_journal: bool,
) -> Result<(), DataDirError> {
    if new_journal || journal.exists() {
        return Ok(());
    }
    let sidecar = |suffix: &str| {
        let mut name = journal.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    let (wal, shm) = (sidecar("-wal"), sidecar("-shm"));
    let found: Vec<String> = others
        .iter()
        .copied()
        .chain([wal.as_path(), shm.as_path()])
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    Err(DataDirError::JournalMissing {
        journal: journal.to_owned(),
        found: found.join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_is_named_from_the_lock_file() {
        assert_eq!(
            holder("pid=42\nstarted=2026-12-06 10:30:05 UTC\n"),
            "pid 42, started 2026-12-06 10:30:05 UTC"
        );
        assert_eq!(holder(""), "a hub that is starting");
        assert_eq!(utc_second(Timestamp(65_000)), "1970-01-01 00:01:05 UTC");
    }

    #[test]
    fn a_second_lock_on_the_directory_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::acquire(dir.path(), Timestamp(0)).unwrap();
        let err = DataDirLock::acquire(dir.path(), Timestamp(0)).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("pid {}", std::process::id())),
            "{text}"
        );
        drop(first);
        DataDirLock::acquire(dir.path(), Timestamp(0)).unwrap();
    }

    #[test]
    fn a_journal_missing_beside_an_earlier_key_is_refused_unless_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join(JOURNAL_FILE);
        let key = dir.path().join("personal.key");
        check_journal_present(&journal, &[&key], false).unwrap();
        std::fs::write(&key, "k").unwrap();
        let err = check_journal_present(&journal, &[&key], false).unwrap_err();
        assert!(err.to_string().contains("personal.key"), "{err}");
        check_journal_present(&journal, &[&key], true).unwrap();
        std::fs::write(&journal, "").unwrap();
        check_journal_present(&journal, &[&key], false).unwrap();
    }

    #[test]
    fn a_deleted_or_replaced_file_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "a").unwrap();
        let id = FileIdentity::of(&path).unwrap();
        id.check(&path).unwrap();
        let other = dir.path().join("g");
        std::fs::write(&other, "b").unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert!(id.check(&path).unwrap_err().contains("replaced"));
        std::fs::remove_file(&path).unwrap();
        assert!(id.check(&path).unwrap_err().contains("deleted"));
    }
}
