//! The sink's rate against PostgreSQL's own batched insert of the same rows (the floor), on a
//! PostgreSQL the example starts itself in a temporary folder (docs/BENCHMARKS.md).
//!
//! `cargo run --release -p hallq-hq --example sink_throughput -- [halls] [events per hall]
//! [batch] [connections]` (defaults 100 2000 500 2). Prints one table.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::Instant;

use hallq_hq::store::{Configs, Outcome, migrate, sink};
use hallq_hq::{Batch, Postgres, UpEvent};

/// 2026-11-23 09:00 in Beijing, in ms.
const T0_MS: i64 = 1_795_395_600_000;

fn arg(n: usize, default: i64) -> i64 {
    std::env::args()
        .nth(n)
        .map_or(default, |a| a.parse().unwrap())
}

/// Hall `h`'s events `from..=to`, shaped like a ticket_issued body (~230 bytes).
fn batch(h: i64, from: i64, to: i64) -> Batch {
    Batch {
        hall: format!("hall-{h:05}"),
        epoch: format!("{h:032x}"),
        events: (from..=to)
            .map(|seq| UpEvent {
                seq,
                at_ms: T0_MS + seq * 7_000,
                day: Some(20261123),
                kind: "ticket_issued".into(),
                body: serde_json::json!({
                    "at_ms": T0_MS + seq * 7_000, "type": "ticket_issued",
                    "ticket": format!("20261123-{seq:04}"), "visit": format!("V20261123-{seq:04}"),
                    "number": format!("A{:03}", seq % 1000), "seq": seq, "business": "basic",
                    "priority": "ordinary", "lang": "zh", "notify": false
                }),
            })
            .collect(),
    }
}

/// Every batch, split among `connections` workers by hall, in seq order per hall.
fn work(halls: i64, events: i64, size: i64, connections: i64) -> Vec<Vec<Batch>> {
    let mut per = vec![Vec::new(); connections as usize];
    for start in (1..=events).step_by(size as usize) {
        for h in 0..halls {
            let end = (start + size - 1).min(events);
            per[(h % connections) as usize].push(batch(h, start, end));
        }
    }
    per
}

#[tokio::main]
async fn main() {
    let (halls, events, size, connections) = (arg(1, 100), arg(2, 2000), arg(3, 500), arg(4, 2));
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let mut c = pg.connect().await.unwrap();
    migrate(&mut c).await.unwrap();
    // The floor's table: the same shape, key and partition, no marks, no lock.
    c.batch_execute(
        "CREATE TABLE floor_events (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
             PRIMARY KEY (hall, epoch, seq, at)) PARTITION BY RANGE (at);
         CREATE TABLE floor_events_202611 PARTITION OF floor_events
             FOR VALUES FROM ('2026-11-01 00:00+00') TO ('2026-12-01 00:00+00');",
    )
    .await
    .unwrap();
    let rows = halls * events;

    // The floor: each batch one INSERT … SELECT FROM unnest, conflicts doing nothing.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for batches in work(halls, events, size, connections) {
        let c = pg.connect().await.unwrap();
        tasks.push(tokio::spawn(async move {
            for b in batches {
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
    let floor = started.elapsed().as_secs_f64();

    // The sink: mark locked, events inserted, mark moved, in one transaction per batch.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for batches in work(halls, events, size, connections) {
        let mut c = pg.connect().await.unwrap();
        tasks.push(tokio::spawn(async move {
            let mut stored = 0;
            for b in batches {
                match sink(&mut c, &b, &Configs::default()).await.unwrap().outcome {
                    Outcome::Stored { inserted, .. } => stored += inserted,
                    other => panic!("{other:?}"),
                }
            }
            stored
        }));
    }
    let mut stored = 0;
    for t in tasks {
        stored += t.await.unwrap();
    }
    let sunk = started.elapsed().as_secs_f64();
    assert_eq!(stored, rows as u64);

    println!(
        "{halls} halls × {events} events, batches of {size}, {connections} connections, {rows} rows"
    );
    println!("| path | seconds | rows/s | of the floor |");
    println!("|---|---:|---:|---:|");
    println!(
        "| PostgreSQL batched insert (floor) | {floor:.2} | {:.0} | 100 % |",
        rows as f64 / floor
    );
    println!(
        "| sink (mark locked, insert, mark moved, one transaction per batch) | {sunk:.2} | {:.0} | {:.0} % |",
        rows as f64 / sunk,
        100.0 * floor / sunk
    );
}
