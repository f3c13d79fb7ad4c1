//! [`Postgres`]: a PostgreSQL instance in a folder of its own.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::unistd::{Gid, Uid, User, geteuid};

use super::process::{Proc, log_tail};
use super::{PORT_ATTEMPTS, find_binary, free_port, make_dir, port_taken};
use crate::error::HqError;

/// How long initdb, a start and a stop may take.
const START_WAIT: Duration = Duration::from_secs(60);

/// The superuser initdb creates, and the database the store uses.
const USER: &str = "hq";

/// Where Debian puts each major version's server programs; the newest first.
const DEBIAN_BINDIRS: &[&str] = &[
    "/usr/lib/postgresql/17/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/15/bin",
];

/// A PostgreSQL instance: `initdb` into `dir/data` on first start, the server (`postgres`)
/// listening on 127.0.0.1 at a port chosen at start and on a unix socket in `dir`, its log in
/// `dir/postgres.log`. Dropping it stops the server (SIGINT: a fast shutdown).
///
/// PostgreSQL refuses to run as root. Started by root (CI), the launcher runs initdb and the
/// server as the user `postgres` (Debian's package makes it) or else `nobody`, gives that user
/// `dir`, and needs every folder above `dir` to be enterable by others (a fresh temporary
/// folder from `tempfile` is: the system's temporary folder is world-enterable).
#[derive(Debug)]
pub struct Postgres {
    dir: PathBuf,
    bindir: PathBuf,
    port: u16,
    run_as: Option<(Uid, Gid)>,
    proc: Option<Proc>,
}

impl Postgres {
    /// The folder with `initdb` and `postgres`: `$HALLQ_PG_BINDIR`, else `pg_config --bindir`,
    /// else Debian's /usr/lib/postgresql/<major>/bin.
    pub fn bindir() -> Result<PathBuf, HqError> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        if let Some(d) = std::env::var_os("HALLQ_PG_BINDIR") {
            dirs.push(d.into());
        }
        // pg_config comes with libpq-dev or postgresql-common, not always; absent is fine.
        if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
            && out.status.success()
        {
            let d = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if !d.is_empty() {
                dirs.push(d.into());
            }
        }
        dirs.extend(DEBIAN_BINDIRS.iter().map(PathBuf::from));
        let candidates: Vec<PathBuf> = dirs.iter().map(|d| d.join("postgres")).collect();
        let found = find_binary("postgres", &candidates, "postgresql-15")?;
        let bindir = found.parent().map(Path::to_owned).unwrap_or_default();
        find_binary("initdb", &[bindir.join("initdb")], "postgresql-15")?;
        Ok(bindir)
    }

    /// Starts the instance in `dir`, creating it there first if `dir/data` does not exist, and
    /// waits until it takes connections.
    pub async fn start(dir: &Path) -> Result<Self, HqError> {
        let bindir = Self::bindir()?;
        make_dir(dir)?;
        let run_as = unprivileged(dir)?;
        let mut pg = Self {
            dir: dir.to_owned(),
            bindir,
            port: free_port()?,
            run_as,
            proc: None,
        };
        if !pg.data().join("PG_VERSION").exists() {
            pg.initdb()?;
        }
        pg.spawn().await?;
        Ok(pg)
    }

    /// The data folder.
    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The TCP port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A libpq connection string for the store (user and database `hq`, loopback, trusted).
    pub fn conninfo(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user={USER} dbname={USER}",
            self.port
        )
    }

    /// Connects a client; its connection runs on a task of its own until the client drops.
    pub async fn connect(&self) -> Result<tokio_postgres::Client, HqError> {
        crate::store::connect(&self.conninfo()).await
    }

    /// Stops the server cleanly (a fast shutdown: open transactions roll back, committed ones
    /// are on disk) and starts it again on the same data and port (another port if that one was
    /// taken meanwhile: read [`Postgres::conninfo`] again).
    pub async fn restart(&mut self) -> Result<(), HqError> {
        self.stop();
        self.spawn().await
    }

    /// Stops the server cleanly (a fast shutdown); [`Postgres::start_again`] brings it back.
    pub fn stop(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.stop();
        }
    }

    /// Starts a stopped server again on the same data and port (or another, as in `restart`).
    pub async fn start_again(&mut self) -> Result<(), HqError> {
        if self.proc.is_some() {
            return Ok(());
        }
        self.spawn().await
    }

    /// Kills the server at once (SIGKILL) and starts it again: its crash recovery replays the
    /// WAL, as after a power cut.
    pub async fn crash_and_restart(&mut self) -> Result<(), HqError> {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
        self.spawn().await
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bindir.join(program));
        // Messages in English whatever the machine's locale, for the logs and errors we show.
        cmd.env("LC_ALL", "C")
            .env("LANG", "C")
            .current_dir(&self.dir);
        if let Some((uid, gid)) = self.run_as {
            // std drops the supplementary groups when it changes the uid.
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
        }
        cmd
    }

    fn initdb(&self) -> Result<(), HqError> {
        let log = self.dir.join("initdb.log");
        let mut cmd = self.command("initdb");
        // --no-sync: a crash during initdb leaves a folder to delete, not data to lose.
        cmd.arg("-D")
            .arg(self.data())
            .args(["-U", USER, "--auth=trust", "--encoding=UTF8", "--locale=C"])
            .arg("--no-sync");
        Proc::spawn("initdb", cmd, &log, Signal::SIGINT)?.wait_success(START_WAIT)
    }

    /// Starts the server; on a new port if its port was taken meanwhile; again after a moment
    /// if a killed server's last processes still hold its shared memory.
    async fn spawn(&mut self) -> Result<(), HqError> {
        let mut attempt = 1;
        let mut shm_waits = 0;
        loop {
            match self.spawn_on_port().await {
                Err(HqError::Engine { tail, .. })
                    if tail.contains("pre-existing shared memory block") && shm_waits < 25 =>
                {
                    shm_waits += 1;
                    self.proc = None;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) if port_taken(&e) && attempt < PORT_ATTEMPTS => {
                    tracing::warn!(port = self.port, "port taken; starting on another");
                    if let Some(mut p) = self.proc.take() {
                        p.stop();
                    }
                    self.port = free_port()?;
                    attempt += 1;
                }
                done => return done,
            }
        }
    }

    async fn spawn_on_port(&mut self) -> Result<(), HqError> {
        let log = self.dir.join("postgres.log");
        let mut cmd = self.command("postgres");
        cmd.arg("-D")
            .arg(self.data())
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", self.dir.display()))
            .args(["-c", "max_connections=50"]);
        self.proc = Some(Proc::spawn("postgres", cmd, &log, Signal::SIGINT)?);
        let deadline = Instant::now() + START_WAIT;
        let admin = format!(
            "host=127.0.0.1 port={} user={USER} dbname=postgres",
            self.port
        );
        let client = loop {
            if let Some(p) = self.proc.as_mut() {
                p.check_running()?;
            }
            match crate::store::connect(&admin).await {
                Ok(c) => break c,
                Err(e) if Instant::now() >= deadline => {
                    return Err(HqError::Engine {
                        what: "postgres".into(),
                        status: format!("no connection within {}s: {e}", START_WAIT.as_secs()),
                        log: log.clone(),
                        tail: log_tail(&log),
                    });
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&USER])
            .await?
            .is_some();
        if !exists {
            client
                .batch_execute(&format!("CREATE DATABASE {USER}"))
                .await?;
        }
        Ok(())
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.proc.as_ref().and_then(Proc::pid)
    }
}

/// Running as root: the user to run PostgreSQL as, given `dir`; otherwise `None`.
fn unprivileged(dir: &Path) -> Result<Option<(Uid, Gid)>, HqError> {
    if !geteuid().is_root() {
        return Ok(None);
    }
    let user = ["postgres", "nobody"]
        .iter()
        .find_map(|name| User::from_name(name).ok().flatten())
        .ok_or(HqError::NoUnprivilegedUser)?;
    let io = |path: &Path, source| HqError::Io {
        path: path.to_owned(),
        source,
    };
    std::os::unix::fs::chown(dir, Some(user.uid.as_raw()), Some(user.gid.as_raw()))
        .map_err(|e| io(dir, e))?;
    let mut perms = std::fs::metadata(dir)
        .map_err(|e| io(dir, e))?
        .permissions();
    perms.set_mode(0o700);
    std::fs::set_permissions(dir, perms).map_err(|e| io(dir, e))?;
    // Every folder above must let others through (x); a 0700 home or temporary folder does not.
    let absolute = std::fs::canonicalize(dir).map_err(|e| io(dir, e))?;
    for above in absolute.ancestors().skip(1) {
        let mode = std::fs::metadata(above)
            .map_err(|e| io(above, e))?
            .permissions()
            .mode();
        if mode & 0o001 == 0 {
            return Err(HqError::Unreachable {
                path: above.to_owned(),
                user: user.name.clone(),
            });
        }
    }
    Ok(Some((user.uid, user.gid)))
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.stop();
        }
    }
}
