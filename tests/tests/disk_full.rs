//! The journal's disk fills (issue 13, §2.7), on a real small filesystem: the hub's data
//! directory is a tmpfs of its own, mounted with `size=` (as root; CI runs as root), and a file of
//! the test's takes the rest of it. A real `hallq hub` process must then refuse what it cannot
//! write with a clear error (never an `ok` for a ticket it did not record), keep every ticket it
//! acknowledged, say so once in its log and in its retained status (`storage: full`, which the
//! supervisor's console shows in both languages) until writing works again, not die, and serve
//! again as soon as space is freed, without a restart (SQLite rolls a failed transaction back
//! and the connection stays usable; the hub rebuilds its queue from what was written). A restart
//! afterwards finds every acknowledged ticket.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_proto::state::{Liveness, Storage};
use hallq_proto::{ErrorCode, Lang, ReplyBody, ReplyResult, TicketId};
use hallq_tests::console::supervisor_notice;
use hallq_tests::{BrokerKind, Hall};

/// A tmpfs mounted at a directory for the test's life.
struct Mount(PathBuf);

impl Mount {
    /// Mounts a tmpfs of `size` (mount's `size=`, such as `4m`) at `dir`, or `None` when this
    /// process may not mount (not root). In CI it must be able to.
    #[allow(clippy::print_stderr, reason = "a skipped test says why")]
    fn tmpfs(dir: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .output()
            .unwrap();
        if out.status.success() {
            return Some(Self(dir.to_owned()));
        }
        let why = String::from_utf8_lossy(&out.stderr);
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to mount a tmpfs (it runs as root): {why}"
        );
        eprintln!("cannot mount a tmpfs here ({why}): skipping; run as root");
        None
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        // Lazily: a hub killed a moment ago may still hold its files.
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Writes zeros to `path` until the filesystem has no room left.
fn fill(path: &Path) {
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 16 * 1024];
    loop {
        if f.write_all(&block).and_then(|()| f.sync_all()).is_err() {
            break;
        }
    }
    // The last bytes that did fit, too: nothing is left.
    while f.write_all(&[0]).and_then(|()| f.sync_all()).is_ok() {}
}

/// What a ticket command came back with.
enum Outcome {
    Issued(TicketId),
    Refused(hallq_proto::ErrorInfo),
}

async fn issue(kiosk: &DeviceClient) -> Outcome {
    match kiosk.send(hallq_tests::ticket("basic")).await.unwrap().body {
        ReplyBody::Ok(ReplyResult::TicketIssued(t)) => Outcome::Issued(t.ticket),
        ReplyBody::Error(e) => Outcome::Refused(e),
        ReplyBody::Ok(other) => panic!("not a ticket: {other:?}"),
    }
}

/// Waits until the hub's retained status says `storage` (its journal written or not).
async fn hub_storage(client: &DeviceClient, storage: Option<Storage>) {
    let mut updates = client.updates();
    let wait = async {
        loop {
            if client
                .latest()
                .hub
                .is_some_and(|h| h.status == Liveness::Online && h.storage == storage)
            {
                return;
            }
            let _ = updates.recv().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .unwrap_or_else(|_| panic!("state/hub never said storage {storage:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_whose_disk_fills_refuses_what_it_cannot_write_and_serves_again_when_freed() {
    let hall = Hall::unlimited(BrokerKind::Embedded);
    let Some(_mount) = Mount::tmpfs(&hall.data_dir(), "3m") else {
        return;
    };
    let hub = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let mut acked = BTreeSet::new();
    for _ in 0..20 {
        match issue(&kiosk).await {
            Outcome::Issued(t) => {
                acked.insert(t);
            }
            Outcome::Refused(e) => panic!("refused with room on the disk: {e:?}"),
        }
    }

    // The disk fills. Commits that fit in the journal's pages already on disk may still
    // succeed (and count as acknowledged); the first that needs a new block must be refused.
    let filler = hall.data_dir().join("filler");
    fill(&filler);
    let mut refused = None;
    for _ in 0..2_000 {
        match issue(&kiosk).await {
            Outcome::Issued(t) => {
                acked.insert(t);
            }
            Outcome::Refused(e) => {
                refused = Some(e);
                break;
            }
        }
    }
    let refused = refused.unwrap_or_else(|| {
        panic!(
            "2,000 tickets on a full disk, none refused\n{}",
            hall.hub_log()
        )
    });
    assert_eq!(refused.code, ErrorCode::Internal, "{refused:?}");
    assert!(
        refused.zh.contains("磁盘已满") && refused.en.contains("disk is full"),
        "the refusal says why, in both languages: {refused:?}"
    );
    // The hub's status says its journal's disk is full, and the supervisor's console shows it.
    hub_storage(&kiosk, Some(Storage::Full)).await;
    let zh = supervisor_notice(&kiosk, Lang::Zh);
    assert!(zh.contains("磁盘已满"), "{zh:?}");
    let en = supervisor_notice(&kiosk, Lang::En);
    assert!(en.contains("disk is full"), "{en:?}");
    // Still full: still refused, and the hub is alive.
    for _ in 0..5 {
        assert!(
            matches!(issue(&kiosk).await, Outcome::Refused(_)),
            "a ticket was issued on a full disk"
        );
    }
    let log = hall.hub_log();
    assert!(
        log.contains("disk full") && log.contains("磁盘已满"),
        "the hub's log says the disk is full:\n{log}"
    );
    assert_eq!(
        log.matches("disk full").count(),
        1,
        "said once, not at every refused command:\n{log}"
    );
    assert!(!log.contains("panicked"), "{log}");

    // Space is freed: the next command is served, by the same process.
    std::fs::remove_file(&filler).unwrap();
    match issue(&kiosk).await {
        Outcome::Issued(t) => {
            acked.insert(t);
        }
        Outcome::Refused(e) => panic!("still refused once space was freed: {e:?}"),
    }
    hub_storage(&kiosk, None).await;
    assert_eq!(
        supervisor_notice(&kiosk, Lang::Zh),
        "",
        "writing works again"
    );
    let log = hall.hub_log();
    assert!(
        log.contains("journal is written again"),
        "the hub's log says it writes again:\n{log}"
    );
    hall.assert_acknowledged_once(&acked, "after the disk was freed");

    // And a restart finds every acknowledged ticket, the queue going on from them.
    hub.kill9();
    let _hub = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-2").await;
    match issue(&kiosk).await {
        Outcome::Issued(t) => {
            assert!(!acked.contains(&t), "ticket {t} issued twice");
            acked.insert(t);
        }
        Outcome::Refused(e) => panic!("refused after the restart: {e:?}"),
    }
    hall.assert_acknowledged_once(&acked, "after a restart");
}
