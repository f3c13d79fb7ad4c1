//! [`Proc`]: one engine process, stopped by a signal when dropped.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

use crate::error::HqError;

/// How long an engine has to stop on its stop signal before it is killed.
const STOP_WAIT: Duration = Duration::from_secs(20);

/// A running engine process with its log file.
#[derive(Debug)]
pub(crate) struct Proc {
    /// What it is, for errors ("nats-server n2", "postgres").
    pub(crate) what: String,
    child: Option<Child>,
    pub(crate) log: PathBuf,
    /// The signal that stops it cleanly (PostgreSQL: SIGINT, a fast shutdown).
    stop_signal: Signal,
}

impl Proc {
    /// Starts `cmd` with stdout and stderr appended to `log`.
    pub(crate) fn spawn(
        what: &str,
        mut cmd: Command,
        log: &Path,
        stop_signal: Signal,
    ) -> Result<Self, HqError> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|source| HqError::Io {
                path: log.to_owned(),
                source,
            })?;
        let err = file.try_clone().map_err(|source| HqError::Io {
            path: log.to_owned(),
            source,
        })?;
        cmd.stdin(Stdio::null()).stdout(file).stderr(err);
        // A process group of its own, which `kill` kills whole; and a Ctrl-C meant for the demo
        // reaches the demo, which stops its engines in order.
        cmd.process_group(0);
        let child = cmd.spawn().map_err(|source| HqError::Spawn {
            what: what.to_owned(),
            source,
        })?;
        Ok(Self {
            what: what.to_owned(),
            child: Some(child),
            log: log.to_owned(),
            stop_signal,
        })
    }

    /// Its process id, while it runs.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// An error if it has exited: its status and the end of its log.
    pub(crate) fn check_running(&mut self) -> Result<(), HqError> {
        let Some(child) = self.child.as_mut() else {
            return Err(self.failed("stopped"));
        };
        match child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => {
                self.child = None;
                Err(self.failed(&format!("exited with {status}")))
            }
            Err(e) => Err(self.failed(&format!("cannot be waited for: {e}"))),
        }
    }

    /// Waits (at most `limit`) for a program that is meant to finish, such as initdb, and
    /// fails unless it exited with status 0.
    pub(crate) fn wait_success(mut self, limit: Duration) -> Result<(), HqError> {
        let deadline = Instant::now() + limit;
        let Some(child) = self.child.as_mut() else {
            return Err(self.failed("not started"));
        };
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => {
                    self.child = None;
                    return Ok(());
                }
                Ok(Some(status)) => {
                    self.child = None;
                    return Err(self.failed(&format!("exited with {status}")));
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Ok(None) => {
                    self.kill();
                    return Err(self.failed(&format!("not done in {}s", limit.as_secs())));
                }
                Err(e) => return Err(self.failed(&format!("cannot be waited for: {e}"))),
            }
        }
    }

    /// [`HqError::Engine`] for this process.
    pub(crate) fn failed(&self, status: &str) -> HqError {
        HqError::Engine {
            what: self.what.clone(),
            status: status.to_owned(),
            log: self.log.clone(),
            tail: log_tail(&self.log),
        }
    }

    /// Stops it: its stop signal, a bounded wait, then SIGKILL.
    pub(crate) fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(pid) = i32::try_from(child.id()) {
            let _ = kill(Pid::from_raw(pid), self.stop_signal);
        }
        let deadline = Instant::now() + STOP_WAIT;
        while Instant::now() < deadline {
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        tracing::warn!(what = %self.what, "did not stop in time; killing it");
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Kills it at once (SIGKILL) with every process it started (its process group), as a
    /// crash or a power cut would: for fault tests. Waits (bounded) until none of the group is
    /// left: PostgreSQL's backends outliving a killed postmaster hold its shared memory, and a
    /// new postmaster refuses to start (seen in the sink's restart test).
    pub(crate) fn kill(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let Ok(pgid) = i32::try_from(child.id()).map(Pid::from_raw) else {
            let _ = child.kill();
            let _ = child.wait();
            return;
        };
        let _ = killpg(pgid, Signal::SIGKILL);
        let _ = child.wait();
        let deadline = Instant::now() + STOP_WAIT;
        // ESRCH: no process of the group is left.
        while killpg(pgid, None) != Err(Errno::ESRCH) && Instant::now() < deadline {
            let _ = killpg(pgid, Signal::SIGKILL);
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The last lines of a log file, for an error message.
pub(crate) fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}
