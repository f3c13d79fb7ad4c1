//! The journal's shared-memory index made immutable under a running hub (issue 13, §2.7):
//! `chattr +i journal.db-shm`. SQLite maps that file and writes its pages in place; once the
//! file is immutable, the next write to a page the kernel wrote back faults and the process dies
//! of SIGBUS, with no log line. A real `hallq hub` on a filesystem that has the flag (ext4) must
//! instead stop serving with one clear line in both languages and its storage exit code, refuse
//! to start while the flag is set, and serve again, with every acknowledged ticket, once it is
//! cleared (`chattr -i`). Needs root (CI runs as root) and e2fsprogs' `chattr`.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_proto::{ReplyBody, ReplyResult};
use hallq_tests::{BrokerKind, Hall, hallq_bin, ticket};

/// The exit code of a hub that stopped serving because its journal can no longer keep what it
/// acknowledges (sysexits' EX_IOERR).
const STORAGE_EXIT: i32 = 74;

/// `chattr` on `path`; whether it worked, and what it said.
fn chattr(flag: &str, path: &Path) -> Result<(), String> {
    let out = Command::new("chattr")
        .arg(flag)
        .arg(path)
        .output()
        .map_err(|e| format!("chattr: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A file made immutable, made mutable again with the test (else its folder cannot be removed).
struct Immutable(PathBuf);

impl Immutable {
    fn set(path: &Path) -> Self {
        chattr("+i", path).unwrap();
        Self(path.to_owned())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = chattr("-i", &self.0);
    }
}

/// Whether `chattr +i` works in `dir` (root, on a filesystem with the flag); in CI it must.
#[allow(clippy::print_stderr, reason = "a skipped test says why")]
fn immutable_possible(dir: &Path) -> bool {
    let probe = dir.join("probe");
    std::fs::write(&probe, b"probe").unwrap();
    let worked = chattr("+i", &probe);
    let _ = chattr("-i", &probe);
    std::fs::remove_file(&probe).unwrap();
    match worked {
        Ok(()) => true,
        Err(why) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must be able to set the immutable flag in the test's folder (root, ext4): {why}"
            );
            eprintln!(
                "cannot set the immutable flag in {} ({why}): skipping; run as root on ext4",
                dir.display()
            );
            false
        }
    }
}

/// The ticket number issued, or `None` when the hub did not issue one.
async fn issue(kiosk: &DeviceClient) -> Option<String> {
    match kiosk.send(ticket("basic")).await {
        Ok(r) => match r.body {
            ReplyBody::Ok(ReplyResult::TicketIssued(t)) => Some(t.number.to_string()),
            _ => None,
        },
        Err(_) => None,
    }
}

/// Runs `hallq hub` for `hall`, which must exit by itself (bounded, 20 s): its exit code and its
/// log.
fn hub_that_exits(hall: &Hall) -> (Option<i32>, String) {
    let log = hall.dir.path().join("refused.log");
    let mut child = Command::new(hallq_bin())
        .arg("hub")
        .arg("--config")
        .arg(&hall.config_path)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    for _ in 0..400 {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), std::fs::read_to_string(&log).unwrap());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!(
        "the hub started with an immutable journal file\n{}",
        std::fs::read_to_string(&log).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_made_immutable_under_the_hub_stops_it_with_a_clear_error_not_sigbus() {
    let hall = Hall::unlimited(BrokerKind::Embedded);
    std::fs::create_dir_all(hall.data_dir()).unwrap();
    if !immutable_possible(&hall.data_dir()) {
        return;
    }
    let mut hub = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let mut acked = Vec::new();
    for _ in 0..5 {
        acked.push(issue(&kiosk).await.unwrap());
    }

    let shm = hall.data_dir().join("journal.db-shm");
    let flag = Immutable::set(&shm);
    // The kernel writes the map's dirty pages back: the next write to one faults.
    assert!(Command::new("sync").arg(&shm).status().unwrap().success());
    let mut one_try = hall.client_config("kiosk-2");
    one_try.attempts = 1;
    let (kiosk2, _k2) = DeviceClient::connect(&one_try);
    for _ in 0..10 {
        match issue(&kiosk2).await {
            Some(n) => acked.push(n),
            None => break,
        }
    }
    let status = tokio::task::block_in_place(|| hub.wait_exit());
    let log = hall.hub_log();
    let status = status.unwrap_or_else(|| panic!("the hub kept serving\n{log}"));
    assert_eq!(
        status.code(),
        Some(STORAGE_EXIT),
        "{status:?} (a signal: {:?})\n{log}",
        std::os::unix::process::ExitStatusExt::signal(&status)
    );
    assert!(
        log.contains("journal.db-shm") && log.contains("chattr -i") && log.contains("不可修改"),
        "{log}"
    );

    // While the flag is set, the hub refuses to start, and says why.
    let (code, stderr) = tokio::task::block_in_place(|| hub_that_exits(&hall));
    assert_eq!(code, Some(STORAGE_EXIT), "{stderr}");
    assert!(
        stderr.contains("journal.db-shm")
            && stderr.contains("chattr -i")
            && stderr.contains("不可修改"),
        "{stderr}"
    );

    // Cleared, it serves again, after every ticket it acknowledged.
    drop(flag);
    let _hub = hall.start_hub();
    hallq_tests::wait_hub_online(&kiosk).await;
    let next = issue(&kiosk).await.unwrap();
    let last = acked.last().unwrap();
    assert!(
        next.as_str() > last.as_str(),
        "{next} follows every acknowledged ticket (the last {last})"
    );
}
