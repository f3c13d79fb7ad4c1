//! Power-cut honesty: a writer process is SIGKILLed mid-write, again and again; every commit it
//! acknowledged is in the journal afterwards, with no gap in seq and a sound file.
//!
//! The writer is `examples/writer.rs`, compiled into this test binary and run as a separate
//! process by re-executing the binary with only the `writer_child` test selected. That way it
//! is always built with the test, whichever way the test is invoked.
#![allow(clippy::unwrap_used)]

#[path = "../examples/writer.rs"]
#[allow(dead_code, unreachable_pub)]
mod writer;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use hallq_journal::{Durability, Journal};
use hallq_proto::{CommandId, DeviceId};

/// Tells the child which file to write.
const CHILD_ENV: &str = "HALLQ_JOURNAL_CRASH_WRITER";

/// The child: writes until killed. Ignored unless the parent starts it.
#[test]
#[ignore = "runs only as the child process of acknowledged_commits_survive_sigkill"]
fn writer_child() {
    if let Some(path) = std::env::var_os(CHILD_ENV) {
        writer::run(&PathBuf::from(path), None).unwrap();
    }
}

#[test]
fn acknowledged_commits_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let mut acked = Vec::new();

    for round in 0..8 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "writer_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let want = 120 + round * 41;
        let mut got = 0;
        for line in lines {
            if let Some(seq) = line.unwrap().strip_prefix("acked ") {
                acked.push(seq.parse::<i64>().unwrap());
                got += 1;
                if got == want {
                    break;
                }
            }
        }
        assert_eq!(got, want, "round {round}: the writer stopped by itself");
        // SIGKILL, in the middle of whatever batch it is writing.
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "round {round}: {status:?}");
    }

    // Acknowledged seqs only ever grow: a restarted writer continues after the last commit.
    assert!(acked.windows(2).all(|w| w[0] < w[1]));
    let acked_set: BTreeSet<i64> = acked.iter().copied().collect();

    let journal = Journal::open(&path, Durability::Full).unwrap();
    assert!(journal.integrity_check().unwrap());
    let last = journal.last_seq().unwrap();
    assert!(last >= *acked.last().unwrap());
    assert_eq!(journal.event_count().unwrap(), last, "a gap in seq");
    let seqs: Vec<i64> = journal
        .events_from(1, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|(seq, _)| seq)
        .collect();
    assert_eq!(seqs, (1..=last).collect::<Vec<_>>());
    let device = DeviceId::new(writer::DEVICE).unwrap();
    for seq in &acked_set {
        let id = CommandId::new(writer::command_id(*seq)).unwrap();
        assert!(
            journal.reply_for(&device, &id).unwrap().is_some(),
            "acknowledged command {id} lost"
        );
    }
    // Every command in the file has its event: no half-written batch.
    let commands: i64 = journal
        .connection()
        .query_row("SELECT count(*) FROM commands", [], |r| r.get(0))
        .unwrap();
    assert_eq!(commands, last);
}
