//! HQ's ingest rate from many halls' backlogs (issue 14 §7): HALLS halls each with the same
//! played day of the example hall (its real events, de-identified as the hub sends them, under
//! the hall's own id) published into the uplink stream of a real 3-node NATS cluster in batches
//! of BATCH, in each hall's order, before any worker runs; then HQ's ingest role
//! (`serve::start`) with 1, 2 and 4 workers, each run on its own halls, timed from its start
//! until every hall's mark is its last seq. The floor, in the same run: the same rows by
//! PostgreSQL's own batched insert (one `INSERT … SELECT FROM unnest` per batch, two connections)
//! into a table of the same shape. The process's RSS (VmRSS, and its peak VmHWM) after each run
//! is HQ's with the events it published still held.
//!
//! `cargo run --release -p hallq-hq --example ingest_rate -- [halls] [batch]` (defaults 20 500).
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use hallq_hq::serve::{self, HqConfig, Role};
use hallq_hq::wire::{self, Batch, UpEvent};
use hallq_hq::{NatsCluster, Postgres};
use hallq_journal::Journal;

mod common;

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .map_or(default, |a| a.parse().unwrap())
}

/// The journal's events as the hub uploads them.
fn events(path: &std::path::Path) -> Vec<UpEvent> {
    let journal = Journal::open_read_only(path).unwrap();
    let mut stmt = journal
        .connection()
        .prepare("SELECT seq, at_ms, day, type, body FROM events ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| {
        let body: String = r.get(4)?;
        Ok(UpEvent {
            seq: r.get(0)?,
            at_ms: r.get(1)?,
            day: r.get(2)?,
            kind: r.get(3)?,
            body: wire::deidentify(serde_json::from_str(&body).unwrap()),
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Every hall's batches, `run`'s halls named `r{run}-h{i}`.
fn batches(run: usize, halls: usize, day: &[UpEvent], size: usize) -> Vec<Batch> {
    let mut out = Vec::new();
    for chunk in day.chunks(size) {
        for h in 0..halls {
            out.push(Batch {
                hall: format!("r{run}-h{h}"),
                epoch: format!("{:032x}", run * 1000 + h),
                events: chunk.to_vec(),
            });
        }
    }
    out
}

/// This process's VmRSS and VmHWM, MiB.
fn rss() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .map_or(0.0, |v| v.parse::<f64>().unwrap() / 1024.0)
    };
    (kb("VmRSS:"), kb("VmHWM:"))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (halls, size) = (arg(1, 20), arg(2, 500));
    let dir = tempfile::tempdir().unwrap();
    common::play_day(&dir.path().join("day")).await;
    let day = events(&dir.path().join("day").join("journal.db"));
    eprintln!("day played: {} events", day.len());
    let rows = halls * day.len();
    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let pg = Postgres::start(&dir.path().join("pg")).await.unwrap();
    let mut db = pg.connect().await.unwrap();
    hallq_hq::store::migrate(&mut db).await.unwrap();
    let nats = cluster.connect().await.unwrap();
    let js = async_nats::jetstream::new(nats);
    hallq_hq::ingest::stream(&js).await.unwrap();

    // The floor: the same rows, same shape, one INSERT … unnest per batch on two connections.
    db.batch_execute(
        "CREATE TABLE floor_events (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
             PRIMARY KEY (hall, epoch, seq, at)) PARTITION BY RANGE (at);
         CREATE TABLE floor_events_2026 PARTITION OF floor_events
             FOR VALUES FROM ('2026-01-01 00:00+00') TO ('2027-01-01 00:00+00');",
    )
    .await
    .unwrap();
    let all = batches(0, halls, &day, size);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for part in 0..2 {
        let c = pg.connect().await.unwrap();
        let mine: Vec<Batch> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == part)
            .map(|(_, b)| b.clone())
            .collect();
        tasks.push(tokio::spawn(async move {
            for b in mine {
                let seqs: Vec<i64> = b.events.iter().map(|e| e.seq).collect();
                let ats: Vec<i64> = b.events.iter().map(|e| e.at_ms).collect();
                let days: Vec<Option<i32>> = b.events.iter().map(|e| e.day).collect();
                let types: Vec<&str> = b.events.iter().map(|e| e.kind.as_str()).collect();
                let bodies: Vec<String> = b.events.iter().map(|e| e.body.to_string()).collect();
                c.execute(
                    "INSERT INTO floor_events (hall, epoch, seq, at, day, type, body)
                     SELECT $1, $2, s, 'epoch'::timestamptz + a * interval '1 millisecond', d, t, j::jsonb
                     FROM unnest($3::bigint[], $4::bigint[], $5::integer[], $6::text[], $7::text[])
                          AS u (s, a, d, t, j)
                     ON CONFLICT DO NOTHING",
                    &[&b.hall, &b.epoch, &seqs, &ats, &days, &types, &bodies],
                )
                .await
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let floor_s = started.elapsed().as_secs_f64();
    eprintln!("floor: {floor_s:.2} s");
    drop(all);

    let hq = |workers: usize| {
        HqConfig::parse(&format!(
            "[nats]\nservers = {:?}\n[postgres]\nconninfo = \"{}\"\n[ingest]\nworkers = {workers}\n",
            cluster.urls(),
            pg.conninfo()
        ))
        .unwrap()
    };
    let last = day.last().unwrap().seq;
    let mut lines = Vec::new();
    for (run, workers) in [(1, 1), (2, 2), (3, 4)] {
        // The backlogs, in the stream before any worker runs.
        let publish = Instant::now();
        let mut acks = Vec::new();
        for b in batches(run, halls, &day, size) {
            let mut headers = async_nats::HeaderMap::new();
            headers.insert("Nats-Msg-Id", b.msg_id().as_str());
            let payload = serde_json::to_vec(&b).unwrap();
            acks.push(
                js.publish_with_headers(wire::subject(&b.hall).unwrap(), headers, payload.into())
                    .await
                    .unwrap(),
            );
        }
        for a in acks {
            a.await.unwrap();
        }
        let publish_s = publish.elapsed().as_secs_f64();
        eprintln!("run {run}: published in {publish_s:.2} s");
        let started = Instant::now();
        let running = serve::start(&hq(workers), Role::Ingest).await.unwrap();
        let pattern = format!("r{run}-%");
        loop {
            let done: i64 = db
                .query_one(
                    "SELECT count(*) FROM marks WHERE hall LIKE $1 AND seq = $2",
                    &[&pattern, &last],
                )
                .await
                .unwrap()
                .get(0);
            if done == halls as i64 {
                break;
            }
            if started.elapsed().as_millis() % 5000 < 20 {
                let marks: i64 = db
                    .query_one(
                        "SELECT coalesce(sum(seq), 0)::bigint FROM marks WHERE hall LIKE $1",
                        &[&pattern],
                    )
                    .await
                    .unwrap()
                    .get(0);
                eprintln!("run {run}: {marks} of {rows} events at HQ");
            }
            assert!(started.elapsed() < Duration::from_secs(900), "not done");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let ingest_s = started.elapsed().as_secs_f64();
        let (now, peak) = rss();
        running.stop().await;
        let gaps: i64 = db
            .query_one("SELECT count(*) FROM gaps WHERE hall LIKE $1", &[&pattern])
            .await
            .unwrap()
            .get(0);
        lines.push(format!(
            "| {workers} | {rows} | {publish_s:.1} | {ingest_s:.2} | {:.0} | {:.0} % | {gaps} | {now:.0} / {peak:.0} |",
            rows as f64 / ingest_s,
            100.0 * floor_s / ingest_s
        ));
    }
    println!(
        "{halls} halls × {} events (one played day each), batches of {size}; floor: {rows} rows in {floor_s:.2} s = {:.0} rows/s",
        day.len(),
        rows as f64 / floor_s
    );
    println!(
        "| workers | events | published in s | ingested in s | events/s | of the floor | batches refused past a gap | RSS / peak MiB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for l in lines {
        println!("{l}");
    }
}
