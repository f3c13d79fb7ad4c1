//! A hall's catch-up after days offline (issue 14 §7): a real hub (`hallq_hub::run`, the example
//! hall) whose journal holds DAYS days — one full day played by the simulator at ×3000,
//! copied over the days before it (`hallq_sim::history`), as many days as reach EVENTS — with
//! `[uplink]` to a real 3-node NATS cluster through a `LinkProxy` that is cut before the hub
//! starts; HQ's ingest role (`serve::start`, WORKERS ingest workers) on a real PostgreSQL. The
//! hub runs offline for a while (its reconnect attempts back off as after days without a
//! link), then the link is restored and the clock runs until HQ's mark of the hall's journal
//! is the journal's last seq. HQ's mark is read every 10 ms.
//!
//! `cargo run --release -p hallq-hq --example catch_up -- [events] [batch_max] [workers]
//! [offline_s]` (defaults 28000 500 2 15). Prints one table (docs/BENCHMARKS.md).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use hallq_hq::serve::{self, HqConfig, Role};
use hallq_hq::{NatsCluster, Postgres};
use hallq_hub::RunOptions;
use hallq_hub::uplink::UplinkSection;
use hallq_journal::Journal;
use hallq_proto::Timestamp;
use hallq_sim::SimClock;

mod common;

fn arg(n: usize, default: u64) -> u64 {
    std::env::args()
        .nth(n)
        .map_or(default, |a| a.parse().unwrap())
}

/// HQ's mark of (`hall`, `epoch`), 0 before its first batch.
async fn mark(db: &tokio_postgres::Client, hall: &str, epoch: &str) -> i64 {
    db.query_opt(
        "SELECT seq FROM marks WHERE hall = $1 AND epoch = $2",
        &[&hall, &epoch],
    )
    .await
    .unwrap()
    .map_or(0, |r| r.get(0))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (target, batch_max, workers, offline_s) =
        (arg(1, 28_000), arg(2, 500), arg(3, 2), arg(4, 15));
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    let mut config = common::play_day(&dir.path().join("day")).await;
    let source = dir.path().join("day").join("journal.db");
    let (per_day, last_at): (i64, i64) = Journal::open_read_only(&source)
        .unwrap()
        .connection()
        .query_row("SELECT count(*), max(at_ms) FROM events", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let days = target.div_ceil(per_day as u64).max(1) as u32;
    let hub_dir = dir.path().join("hub");
    std::fs::create_dir_all(&hub_dir).unwrap();
    let history =
        hallq_sim::history::extend_backwards(&source, &hub_dir.join("journal.db"), days, &config)
            .unwrap();
    let prepare_s = t.elapsed().as_secs_f64();

    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let pg = Postgres::start(&dir.path().join("pg")).await.unwrap();
    let hq = HqConfig::parse(&format!(
        "[nats]\nservers = {:?}\n[postgres]\nconninfo = \"{}\"\n[ingest]\nworkers = {workers}\n",
        cluster.urls(),
        pg.conninfo()
    ))
    .unwrap();
    let running = serve::start(&hq, Role::Ingest).await.unwrap();
    let node = cluster.urls()[0]
        .trim_start_matches("nats://")
        .parse()
        .unwrap();
    let proxy = hallq_hq::engines::LinkProxy::start(node).await.unwrap();
    proxy.cut();

    config.hub.data_dir = hub_dir.clone();
    config.uplink = Some(UplinkSection {
        servers: vec![format!("nats://{}", proxy.addr())],
        region: "bench".into(),
        user: None,
        password: None,
        tls_ca: None,
        batch_max: batch_max as usize,
        interval_ms: 2_000,
        status_interval_s: 5,
    });
    let hall = config.hall.id.to_string();
    let epoch = Journal::open_read_only(hub_dir.join("journal.db"))
        .unwrap()
        .epoch()
        .unwrap();
    // The hub's clock a minute after the last day's last event: nothing more happens in the hall.
    let clock = Arc::new(SimClock::new(Timestamp(last_at).plus_secs(60), 1.0));
    let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let options = RunOptions {
        clock,
        ready: Some(ready_tx),
        tick: Duration::from_secs(1),
        reloads: None,
    };
    let hub = tokio::spawn(hallq_hub::run(config, options, async {
        let _ = stop_rx.await;
    }));
    ready_rx.await.unwrap();
    // Offline: the uplink's connection attempts back off to their longest pause.
    tokio::time::sleep(Duration::from_secs(offline_s)).await;
    let db = pg.connect().await.unwrap();
    assert_eq!(
        mark(&db, &hall, &epoch).await,
        0,
        "nothing reached HQ offline"
    );
    let last = Journal::open_read_only(hub_dir.join("journal.db"))
        .unwrap()
        .last_seq()
        .unwrap();

    // The stream's last sequence: when it stops moving, the hub has sent its last batch.
    let js = async_nats::jetstream::new(cluster.connect().await.unwrap());
    let mut stream = js.get_stream(hallq_hq::wire::STREAM).await.unwrap();
    let mut sent = (0.0, 0u64);
    proxy.restore();
    let restored = Instant::now();
    let mut first = None;
    let mut halfway = None;
    loop {
        let m = mark(&db, &hall, &epoch).await;
        let seq = stream.info().await.unwrap().state.last_sequence;
        if seq > sent.1 {
            sent = (restored.elapsed().as_secs_f64(), seq);
        }
        if m > 0 && first.is_none() {
            first = Some((restored.elapsed().as_secs_f64(), m));
        }
        if m * 2 >= last && halfway.is_none() {
            halfway = Some(restored.elapsed().as_secs_f64());
        }
        if m >= last {
            break;
        }
        assert!(
            restored.elapsed() < Duration::from_secs(600),
            "not caught up in 10 min: mark {m} of {last}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let done = restored.elapsed().as_secs_f64();
    let (first_s, first_mark) = first.unwrap();
    let halfway_s = halfway.unwrap();
    let pending: i64 = db
        .query_one("SELECT count(*) FROM rollup_pending", &[])
        .await
        .unwrap()
        .get(0);
    let gaps: i64 = db
        .query_one("SELECT count(*) FROM gaps", &[])
        .await
        .unwrap()
        .get(0);
    let _ = stop.send(());
    hub.await.unwrap().unwrap();
    running.stop().await;
    println!(
        "journal: {days} days × {per_day} events = {} events ({:.0} MB), made in {prepare_s:.0} s; \
         offline {offline_s} s; batch_max {batch_max}; {workers} ingest workers; days pending at the end: {pending}",
        history.events,
        history.bytes as f64 / 1e6
    );
    println!(
        "| events | restore → first batch at HQ s | its mark | → half s | → the hub's last batch in the stream s | batches | batches refused past a gap | → all at HQ (mark = {last}) s | events/s after the first batch |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {last} | {first_s:.2} | {first_mark} | {halfway_s:.2} | {:.2} | {} | {gaps} | {done:.2} | {:.0} |",
        sent.0,
        sent.1,
        (last - first_mark) as f64 / (done - first_s).max(1e-3)
    );
}
