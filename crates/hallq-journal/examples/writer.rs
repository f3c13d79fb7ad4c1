//! A journal writer that never stops: it commits batches of commands (1 to 37 per batch, one
//! event each) with `synchronous=FULL` and prints `acked {seq}` for every event once its commit
//! has returned, as the hub replies only after its commit.
//!
//! It is the victim of the crash test (`tests/crash.rs`), which runs it as a real process and
//! SIGKILLs it mid-write. By hand:
//!
//! ```text
//! cargo run -p hallq-journal --example writer -- /tmp/journal.sqlite & sleep 1; kill -9 $!
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use hallq_journal::{Durability, Entry, Journal, JournalError};
use hallq_proto::{CommandId, DeviceId, Timestamp, Touchpoint};
use hallq_queue::{Event, EventKind};

/// The device every command comes from.
pub const DEVICE: &str = "writer";

/// The command id of the command whose event is `seq`.
pub fn command_id(seq: i64) -> String {
    format!("c{seq}")
}

/// Commits batches to the journal at `path` until killed (or until `batches` are done).
pub fn run(path: &Path, batches: Option<u64>) -> Result<(), JournalError> {
    let mut journal = Journal::open(path, Durability::Full)?;
    let device = DeviceId::new(DEVICE).unwrap_or_else(|_| unreachable!("a valid id"));
    let mut next = journal.last_seq()? + 1;
    let mut out = std::io::stdout().lock();
    let mut done = 0;
    while batches.is_none_or(|b| done < b) {
        let size = 1 + next % 37;
        let batch: Vec<Entry> = (next..next + size)
            .map(|seq| Entry::Command {
                device: device.clone(),
                command_id: CommandId::new(command_id(seq))
                    .unwrap_or_else(|_| unreachable!("a valid id")),
                kind: "touch".into(),
                at: Timestamp(seq),
                ok: Ok(()),
                reply_json: format!(r#"{{"v":1,"id":"c{seq}","ok":true}}"#),
                events: vec![Event {
                    at_ms: Timestamp(seq),
                    kind: EventKind::Touched {
                        visit: None,
                        touchpoint: Touchpoint::Entering,
                        what: "door_entered".into(),
                        business: None,
                        resolved: None,
                        count: Some(1),
                    },
                }],
            })
            .collect();
        let stats = journal.commit(&batch)?;
        debug_assert_eq!(stats.first_seq, Some(next));
        for seq in next..=stats.last_seq {
            // A closed pipe means the test stopped listening: the process is about to die.
            let _ = writeln!(out, "acked {seq}");
        }
        let _ = out.flush();
        next = stats.last_seq + 1;
        done += 1;
    }
    Ok(())
}

#[allow(dead_code)]
fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: writer <journal.sqlite> [batches]");
        return ExitCode::FAILURE;
    };
    let batches = args.next().and_then(|b| b.parse().ok());
    match run(Path::new(&path), batches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("writer: {e}");
            ExitCode::FAILURE
        }
    }
}
