//! The uplink's resend after a batch given up past a gap reaches HQ at once, not after the
//! stream's duplicate window (two minutes): a real `hallq hub` with `[uplink]` uploads a
//! kiosk's tickets in batches of 5; its first batch is lost on the way (taken from the
//! consumer and acknowledged by the test, never stored), so the next ones are past a gap and two
//! ingest workers give them up; the hub, told so, sends again from HQ's mark 0 — the same
//! events as before, which without the round in the `Nats-Msg-Id` the server dropped as
//! duplicates of the batches sent minutes earlier (stop 19: the chain demo's hall resent from
//! seq 45 for the whole window).
#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "tests: a panic is a failed test"
)]

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hallq_hq::ingest;
use hallq_hq::store::Configs;
use hallq_tests::{at_hq, ticket};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_resent_after_a_gap_is_stored_well_within_the_duplicate_window() {
    let dir = tempfile::tempdir().unwrap();
    let at_hq::UplinkRig {
        hall,
        consumer,
        mut db,
        pg,
        cluster: _cluster,
    } = at_hq::UplinkRig::start(dir.path()).await;

    // The hub uploads the kiosk's tickets; its first batch is lost.
    let hub = hall.start_hub();
    let (kiosk, _task) = hall.device("kiosk-1").await;
    for _ in 0..20 {
        kiosk.send(ticket("basic")).await.unwrap();
    }
    let mut first = consumer
        .fetch()
        .max_messages(1)
        .expires(Duration::from_secs(30))
        .messages()
        .await
        .unwrap();
    let lost = first.next().await.expect("the hub's first batch").unwrap();
    lost.ack().await.unwrap();
    let id = lost
        .headers
        .as_ref()
        .and_then(|h| h.get("Nats-Msg-Id"))
        .map(ToString::to_string);
    eprintln!("lost: {id:?}");
    drop(first);

    // Two workers: the batches after the lost one are given up, the hub resends from mark 0.
    for _ in 0..2 {
        let consumer = consumer.clone();
        let mut client = pg.connect().await.unwrap();
        tokio::spawn(async move {
            let configs = Configs::default();
            loop {
                let got = ingest::ingest(
                    &consumer,
                    &mut client,
                    &configs,
                    10,
                    Duration::from_millis(200),
                )
                .await;
                if got.is_err() {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
    }
    let journal = hall.journal();
    let epoch = journal.epoch().unwrap();
    let last = at_hq::last_seq(&journal);
    assert!(last >= 20, "the tickets are in the journal: {last}");
    // Bounded well inside the duplicate window (120 s): a resend the server drops as a
    // duplicate leaves HQ's mark at 0 until the window has passed.
    let started = Instant::now();
    let mut mark = 0;
    while started.elapsed() < Duration::from_secs(60) {
        mark = at_hq::hq_mark(&db, "testhall", &epoch).await;
        if mark == last {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        mark, last,
        "HQ's mark reaches the journal's last seq well within the duplicate window"
    );
    eprintln!("resent and stored in {:?}", started.elapsed());
    assert!(hub.terminate());
    at_hq::assert_journal_at_hq(&mut db, "testhall", &journal, &Configs::default()).await;
}
