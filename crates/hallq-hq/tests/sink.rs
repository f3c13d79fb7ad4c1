//! The sink against a real PostgreSQL: every event stored once however often and however
//! concurrently its batch arrives, gaps reported with nothing stored, the mark kept through a
//! restart and a crash of the server, a new epoch counted apart.
#![allow(clippy::unwrap_used)]

mod common;

use common::{EPOCH, Store, batch};
use hallq_hq::HqError;
use hallq_hq::store::{Configs, Outcome, sink};

const HALL: &str = "gz-tianhe-01";

/// Rows of (hall, epoch) and their distinct seqs, and the mark.
async fn stored(s: &Store, hall: &str, epoch: &str) -> (i64, i64, i64) {
    let row = s
        .client
        .query_one(
            "SELECT count(*), count(DISTINCT seq),
                    coalesce((SELECT seq FROM marks WHERE hall = $1 AND epoch = $2), -1)
             FROM events WHERE hall = $1 AND epoch = $2",
            &[&hall, &epoch],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

#[tokio::test]
async fn a_batch_sent_twice_is_stored_once() {
    let mut s = Store::start().await;
    let b = batch(HALL, EPOCH, 1, 50);
    let first = sink(&mut s.client, &b, &Configs::default()).await.unwrap();
    assert_eq!(
        first.outcome,
        Outcome::Stored {
            from: 1,
            to: 50,
            inserted: 50
        }
    );
    assert_eq!(first.mark, 50);
    let again = sink(&mut s.client, &b, &Configs::default()).await.unwrap();
    assert_eq!(again.outcome, Outcome::Duplicate);
    assert_eq!(again.mark, 50);
    assert_eq!(stored(&s, HALL, EPOCH).await, (50, 50, 50));
    // The bodies arrive as they were sent.
    let body: String = s
        .client
        .query_one(
            "SELECT body->>'ticket' FROM events WHERE hall = $1 AND seq = 7",
            &[&HALL],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(body, "A007");
}

#[tokio::test]
async fn a_batch_sent_by_two_tasks_at_once_is_stored_once() {
    let s = Store::start().await;
    // Several rounds, each with a new hall, so the two tasks also race on its first mark row.
    for round in 0..10 {
        let hall = format!("hall-{round}");
        let b = batch(&hall, EPOCH, 1, 200);
        let (mut c1, mut c2) = (s.connect().await, s.connect().await);
        let (b1, b2) = (b.clone(), b.clone());
        let t1 =
            tokio::spawn(async move { sink(&mut c1, &b1, &Configs::default()).await.unwrap() });
        let t2 =
            tokio::spawn(async move { sink(&mut c2, &b2, &Configs::default()).await.unwrap() });
        let (r1, r2) = (t1.await.unwrap(), t2.await.unwrap());
        let mut outcomes = [r1.outcome, r2.outcome];
        outcomes.sort_by_key(|o| matches!(o, Outcome::Duplicate));
        assert_eq!(
            outcomes,
            [
                Outcome::Stored {
                    from: 1,
                    to: 200,
                    inserted: 200
                },
                Outcome::Duplicate
            ],
            "round {round}"
        );
        assert_eq!(stored(&s, &hall, EPOCH).await, (200, 200, 200));
    }
}

#[tokio::test]
async fn a_gap_is_reported_and_nothing_of_the_batch_is_stored() {
    let mut s = Store::start().await;
    s.put(HALL, EPOCH, 1, 10).await;
    // 11..=20 lost on the way: 21..=30 arrives first.
    let r = s.put(HALL, EPOCH, 21, 30).await;
    let Outcome::Gap {
        expected,
        got,
        stalled_ms,
    } = r.outcome
    else {
        panic!("not a gap: {:?}", r.outcome);
    };
    assert_eq!((expected, got), (11, 21));
    assert!(
        (0..60_000).contains(&stalled_ms),
        "the mark moved a moment ago: {stalled_ms} ms"
    );
    assert_eq!(r.mark, 10);
    assert_eq!(stored(&s, HALL, EPOCH).await, (10, 10, 10));
    assert_eq!(
        s.count("SELECT count(*) FROM gaps WHERE expected = 11 AND got = 21")
            .await,
        1,
        "the gap is recorded for HQ staff"
    );
    // The hub resends from the mark: the whole tail, in one batch, is taken.
    let r = s.put(HALL, EPOCH, 11, 30).await;
    assert_eq!(
        r.outcome,
        Outcome::Stored {
            from: 11,
            to: 30,
            inserted: 20
        }
    );
    assert_eq!(stored(&s, HALL, EPOCH).await, (30, 30, 30));
}

#[tokio::test]
async fn an_overlapping_batch_stores_only_its_new_tail() {
    let mut s = Store::start().await;
    s.put(HALL, EPOCH, 1, 10).await;
    let r = s.put(HALL, EPOCH, 5, 15).await;
    assert_eq!(
        r.outcome,
        Outcome::Stored {
            from: 11,
            to: 15,
            inserted: 5
        }
    );
    // A late batch from before the mark changes nothing.
    let r = s.put(HALL, EPOCH, 3, 8).await;
    assert_eq!(r.outcome, Outcome::Duplicate);
    assert_eq!(stored(&s, HALL, EPOCH).await, (15, 15, 15));
}

#[tokio::test]
async fn a_replaced_journal_with_a_new_epoch_is_stored_beside_the_old() {
    let mut s = Store::start().await;
    let new_epoch = "fedcba9876543210fedcba9876543210";
    s.put(HALL, EPOCH, 1, 40).await;
    // The hall's disk was replaced: its journal starts again at seq 1.
    let r = s.put(HALL, new_epoch, 1, 25).await;
    assert_eq!(
        r.outcome,
        Outcome::Stored {
            from: 1,
            to: 25,
            inserted: 25
        }
    );
    assert_eq!(stored(&s, HALL, EPOCH).await, (40, 40, 40));
    assert_eq!(stored(&s, HALL, new_epoch).await, (25, 25, 25));
}

#[tokio::test]
async fn the_mark_survives_a_restart_and_a_crash_of_postgres() {
    let mut s = Store::start().await;
    s.put(HALL, EPOCH, 1, 100).await;
    s.pg.restart().await.unwrap();
    s.client = s.connect().await;
    assert_eq!(stored(&s, HALL, EPOCH).await, (100, 100, 100));
    let r = s.put(HALL, EPOCH, 1, 100).await;
    assert_eq!(r.outcome, Outcome::Duplicate, "after a restart");

    s.put(HALL, EPOCH, 101, 150).await;
    s.pg.crash_and_restart().await.unwrap();
    s.client = s.connect().await;
    assert_eq!(stored(&s, HALL, EPOCH).await, (150, 150, 150));
    let r = s.put(HALL, EPOCH, 120, 160).await;
    assert_eq!(
        r.outcome,
        Outcome::Stored {
            from: 151,
            to: 160,
            inserted: 10
        },
        "after a crash"
    );
}

#[tokio::test]
async fn events_are_filed_under_their_month() {
    let mut s = Store::start().await;
    let mut b = batch(HALL, EPOCH, 1, 3);
    b.events[0].at_ms = 1_798_761_599_000; // 2026-12-31 23:59:59 UTC
    b.events[1].at_ms = 1_798_761_600_000; // 2027-01-01 00:00:00 UTC
    b.events[2].at_ms = 1_798_761_601_000;
    sink(&mut s.client, &b, &Configs::default()).await.unwrap();
    let rows = s
        .client
        .query(
            "SELECT tableoid::regclass::text, count(*) FROM events GROUP BY 1 ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(
        got,
        [
            ("events_202612".to_owned(), 1),
            ("events_202701".to_owned(), 2)
        ]
    );
}

#[tokio::test]
async fn bad_batches_are_refused_and_nothing_is_stored() {
    let mut s = Store::start().await;
    let mut holes = batch(HALL, EPOCH, 1, 5);
    holes.events.remove(2);
    let mut zero = batch(HALL, EPOCH, 0, 3);
    zero.hall = HALL.into();
    let mut no_hall = batch(HALL, EPOCH, 1, 3);
    no_hall.hall = String::new();
    let mut no_epoch = batch(HALL, EPOCH, 1, 3);
    no_epoch.epoch = String::new();
    let mut empty = batch(HALL, EPOCH, 1, 3);
    empty.events.clear();
    let mut broken_clock = batch(HALL, EPOCH, 1, 3);
    broken_clock.events[1].at_ms = 0;
    let mut long_hall = batch(HALL, EPOCH, 1, 3);
    long_hall.hall = "h".repeat(65);
    for (what, b) in [
        ("holes", holes),
        ("seq 0", zero),
        ("no hall", no_hall),
        ("no epoch", no_epoch),
        ("no events", empty),
        ("broken clock", broken_clock),
        ("long hall id", long_hall),
    ] {
        let err = sink(&mut s.client, &b, &Configs::default())
            .await
            .unwrap_err();
        assert!(matches!(err, HqError::BadBatch { .. }), "{what}: {err}");
    }
    assert_eq!(s.count("SELECT count(*) FROM events").await, 0);
    assert_eq!(s.count("SELECT count(*) FROM marks").await, 0);
}
