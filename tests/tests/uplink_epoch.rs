//! A hall whose journal file is replaced (a new disk) uploads its new events: a real `hallq hub`
//! with `[uplink]` has part of its day at HQ, is stopped, its journal moved away, and started
//! again on a fresh journal (`--new-journal`) (a new epoch, seqs from 1 again); HQ then holds both journals
//! complete and once, none of the new events taken for a duplicate of an old one, and the
//! hall's roll-ups (which the console sums over the hall) count both.
#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "tests: a panic is a failed test"
)]

use std::time::Duration;

use hallq_hq::ingest;
use hallq_hq::store::Configs;
use hallq_journal::Journal;
use hallq_tests::{at_hq, ticket};

/// Waits (bounded: 60 s) until HQ's mark of `journal` is its last seq.
async fn wait_at_hq(db: &tokio_postgres::Client, journal: &Journal) {
    let epoch = journal.epoch().unwrap();
    let last = at_hq::last_seq(journal);
    let mut mark = 0;
    for _ in 0..600 {
        mark = at_hq::hq_mark(db, "testhall", &epoch).await;
        if mark == last {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("HQ's mark {mark} of epoch {epoch} never reached the journal's {last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hall_s_new_journal_is_uploaded_beside_its_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let at_hq::UplinkRig {
        hall,
        consumer,
        mut db,
        pg,
        cluster: _cluster,
    } = at_hq::UplinkRig::start(dir.path()).await;
    for _ in 0..2 {
        let consumer = consumer.clone();
        let mut client = pg.connect().await.unwrap();
        tokio::spawn(async move {
            let configs = Configs::default();
            loop {
                let wait = Duration::from_millis(200);
                if ingest::ingest(&consumer, &mut client, &configs, 10, wait)
                    .await
                    .is_err()
                {
                    tokio::time::sleep(wait).await;
                }
            }
        });
    }

    // Part of the day reaches HQ from the first journal.
    let hub = hall.start_hub();
    let (kiosk, task) = hall.device("kiosk-1").await;
    for _ in 0..12 {
        kiosk.send(ticket("basic")).await.unwrap();
    }
    wait_at_hq(&db, &hall.journal()).await;
    drop(kiosk);
    task.abort();
    assert!(hub.terminate(), "the hub stops cleanly");

    // A new disk: the journal moved away, the hub starts on a fresh one.
    let data = hall.data_dir();
    let old_dir = hall.dir.path().join("old-disk");
    std::fs::create_dir_all(&old_dir).unwrap();
    for entry in std::fs::read_dir(&data).unwrap().flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with("journal.db") {
            std::fs::rename(entry.path(), old_dir.join(&name)).unwrap();
        }
    }
    let old = Journal::open_read_only(old_dir.join("journal.db")).unwrap();
    // On purpose, as its operator would (the hub refuses to start over by itself).
    let hub = hall.start_hub_with(&["--new-journal"]);
    let (kiosk, _task) = hall.device("kiosk-1").await;
    for _ in 0..7 {
        kiosk.send(ticket("basic")).await.unwrap();
    }
    let new = hall.journal();
    assert_ne!(new.epoch().unwrap(), old.epoch().unwrap(), "a new epoch");
    assert!(
        at_hq::last_seq(&new) < at_hq::last_seq(&old),
        "the new journal's seqs start again below the old one's last"
    );
    wait_at_hq(&db, &new).await;
    assert!(hub.terminate(), "the hub stops cleanly");

    // Both journals at HQ, each complete and once, each rolling up to its own report.
    let configs = Configs::default();
    at_hq::assert_journal_at_hq(&mut db, "testhall", &old, &configs).await;
    at_hq::assert_journal_at_hq(&mut db, "testhall", &hall.journal(), &configs).await;
    // The hall's figures (summed over its journals, as the console reads them) count both:
    // each journal's tickets, which the checks above found equal to its report's.
    let tickets = |epoch: Option<String>| {
        let db = &db;
        async move {
            db.query_one(
                "SELECT coalesce(sum(tickets), 0)::bigint FROM rollup_days
                 WHERE hall = 'testhall' AND ($1::text IS NULL OR epoch = $1)",
                &[&epoch],
            )
            .await
            .unwrap()
            .get::<_, i64>(0)
        }
    };
    let (before, after) = (
        tickets(Some(old.epoch().unwrap())).await,
        tickets(Some(hall.journal().epoch().unwrap())).await,
    );
    assert!(
        before > 0 && after > 0,
        "tickets in both: {before}, {after}"
    );
    assert_eq!(
        tickets(None).await,
        before + after,
        "the hall counts both journals"
    );
}
