//! The ingest worker between a real 3-node cluster and a real PostgreSQL: two workers sharing
//! the durable consumer store every event once though batches arrive twice, out of order and
//! past gaps (the hub's resend from the mark closes them); a malformed message is dropped; a
//! batch is acknowledged only after its commit, so one taken while the database is down is
//! stored once it is back.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use async_nats::jetstream;
use common::{EPOCH, Store, batch};
use hallq_hq::ingest::{self, IngestStats};
use hallq_hq::store::Configs;
use hallq_hq::{Batch, NatsCluster, serve, wire};

async fn publish(js: &jetstream::Context, b: &Batch, msg_id: &str) {
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", msg_id);
    js.publish_with_headers(
        wire::subject(&b.hall).unwrap(),
        headers,
        serde_json::to_vec(b).unwrap().into(),
    )
    .await
    .unwrap()
    .await
    .unwrap();
}

async fn mark(s: &Store, hall: &str) -> i64 {
    s.client
        .query_opt(
            "SELECT seq FROM marks WHERE hall = $1 AND epoch = $2",
            &[&hall, &EPOCH],
        )
        .await
        .unwrap()
        .map_or(0, |r| r.get(0))
}

fn add(total: &mut IngestStats, s: IngestStats) {
    total.messages += s.messages;
    total.events += s.events;
    total.duplicates += s.duplicates;
    total.gaps += s.gaps;
    total.refused += s.refused;
}

#[tokio::test]
async fn two_workers_store_every_event_once_whatever_the_order() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let s = Store::start().await;
    let js = jetstream::new(cluster.connect().await.unwrap());
    ingest::consumer(&js).await.unwrap();

    const HALLS: [&str; 3] = ["gz-01", "sz-02", "fs-03"];
    const LAST: i64 = 200;
    // Each hall's 10 batches of 20, each sent twice under different message ids (so the
    // server's dedup does not hide the second), in an order with swaps.
    for hall in HALLS {
        for k in [0, 2, 1, 3, 5, 4, 6, 9, 8, 7] {
            let b = batch(hall, EPOCH, k * 20 + 1, k * 20 + 20);
            publish(&js, &b, &format!("{}-a", b.msg_id())).await;
            publish(&js, &b, &format!("{}-b", b.msg_id())).await;
        }
    }
    js.publish("hallq.uplink.gz-01", "not json".into())
        .await
        .unwrap()
        .await
        .unwrap();
    // A hall publishing as another.
    publish(&js, &batch("sz-02", EPOCH, 1, 5), "spoof").await;
    js.publish(
        "hallq.uplink.gz-01",
        serde_json::to_vec(&batch("sz-02", EPOCH, 1, 5))
            .unwrap()
            .into(),
    )
    .await
    .unwrap()
    .await
    .unwrap();

    let worker = || async {
        let consumer = ingest::consumer(&js).await.unwrap();
        let mut client = s.connect().await;
        let mut total = IngestStats::default();
        loop {
            let got = ingest::ingest(
                &consumer,
                &mut client,
                &Configs::default(),
                25,
                Duration::from_millis(700),
            )
            .await
            .unwrap();
            add(&mut total, got);
            if got.messages == 0 {
                return total;
            }
        }
    };
    let mut total = IngestStats::default();
    // Bounded: each round drains the stream with two workers, then plays the hubs' resend from
    // the mark for halls not complete (a batch given up past a gap).
    for round in 0..10 {
        let (a, b) = tokio::join!(worker(), worker());
        assert!(
            round > 0 || (a.messages > 0 && b.messages > 0),
            "both worked: {a:?} {b:?}"
        );
        add(&mut total, a);
        add(&mut total, b);
        let mut complete = true;
        for hall in HALLS {
            let m = mark(&s, hall).await;
            if m < LAST {
                complete = false;
                let b = batch(hall, EPOCH, m + 1, LAST);
                publish(&js, &b, &format!("{}-resend-{round}", b.msg_id())).await;
            }
        }
        if complete {
            break;
        }
    }
    for hall in HALLS {
        assert_eq!(mark(&s, hall).await, LAST, "{hall}");
        let row = s
            .client
            .query_one(
                "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM events WHERE hall = $1",
                &[&hall],
            )
            .await
            .unwrap();
        let got: (i64, i64, i64, i64) = (row.get(0), row.get(1), row.get(2), row.get(3));
        assert_eq!(got, (LAST, LAST, 1, LAST), "{hall}: each event once");
    }
    assert_eq!(total.events, 3 * LAST as u64, "{total:?}");
    assert!(total.duplicates >= 30, "{total:?}");
    assert_eq!(
        total.refused, 2,
        "the non-batch and the spoofed hall: {total:?}"
    );
    let mut c = ingest::consumer(&js).await.unwrap();
    let info = c.info().await.unwrap();
    assert_eq!((info.num_pending, info.num_ack_pending), (0, 0));
}

#[tokio::test]
async fn a_batch_is_acknowledged_only_after_its_commit() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let mut s = Store::start().await;
    let js = jetstream::new(cluster.connect().await.unwrap());
    let consumer = ingest::consumer(&js).await.unwrap();
    let b = batch("gz-01", EPOCH, 1, 30);
    publish(&js, &b, &b.msg_id()).await;

    s.pg.stop();
    let err = ingest::ingest(
        &consumer,
        &mut s.client,
        &Configs::default(),
        10,
        Duration::from_secs(2),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("PostgreSQL"), "{err}");

    s.pg.start_again().await.unwrap();
    let mut client = s.connect().await;
    // The nak gives it back at once; bounded wait for its redelivery.
    let mut stored = IngestStats::default();
    for _ in 0..20 {
        let got = ingest::ingest(
            &consumer,
            &mut client,
            &Configs::default(),
            10,
            Duration::from_millis(500),
        )
        .await
        .unwrap();
        add(&mut stored, got);
        if stored.events > 0 {
            break;
        }
    }
    assert_eq!(stored.events, 30, "{stored:?}");
    s.client = client;
    assert_eq!(mark(&s, "gz-01").await, 30);
    let mut c = ingest::consumer(&js).await.unwrap();
    let info = c.info().await.unwrap();
    assert_eq!((info.num_pending, info.num_ack_pending), (0, 0));
    assert!(info.num_redelivered <= 1);
}

/// HQ's ingest role with two workers, started on backlogs of many halls already in the stream:
/// every hall's batches are stored by one worker in the stream's order, so none is refused past
/// a gap. With both workers fetching from the shared consumer, a hall's batches split between
/// their fetches and the later ones met their mark unmoved (refused past a gap, delivered again,
/// given up after 5 s: the ingest-rate benchmark never finished).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_of_one_process_store_each_hall_s_backlog_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let s = Store::start().await;
    let js = jetstream::new(cluster.connect().await.unwrap());
    ingest::consumer(&js).await.unwrap();
    // More messages than one fetch takes (100), each hall's spread over all of them.
    const HALLS: usize = 12;
    const BATCHES: i64 = 20;
    const SIZE: i64 = 10;
    for k in 0..BATCHES {
        for h in 0..HALLS {
            let b = batch(
                &format!("gd-gz-{h:02}"),
                EPOCH,
                k * SIZE + 1,
                (k + 1) * SIZE,
            );
            publish(&js, &b, &b.msg_id()).await;
        }
    }
    let cfg = serve::HqConfig::parse(&format!(
        "[nats]\nservers = {:?}\n[postgres]\nconninfo = \"{}\"\n[ingest]\nworkers = 2\n",
        cluster.urls(),
        s.pg.conninfo()
    ))
    .unwrap();
    let running = serve::start(&cfg, serve::Role::Ingest).await.unwrap();
    let last = BATCHES * SIZE;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let done = s
            .count(&format!("SELECT count(*) FROM marks WHERE seq = {last}"))
            .await;
        if done == HALLS as i64 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{done} of {HALLS} halls stored"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    running.stop().await;
    let gaps = s.count("SELECT count(*) FROM gaps").await;
    assert_eq!(gaps, 0, "batches refused past a gap");
    let events = s.count("SELECT count(*) FROM events").await;
    assert_eq!(events, HALLS as i64 * last);
}
