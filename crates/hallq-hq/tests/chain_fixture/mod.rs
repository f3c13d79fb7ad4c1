//! A small chain for the console's tests: halls of different regions, each a morning played by
//! the simulator through a real hub (its own seed), extended over the days before it and
//! uploaded through the sink to a real PostgreSQL; `halls` and `hall_status` filled from real
//! `LiveStatus` values, as the uplink's status subscriber fills them.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use hallq_hq::store::{Configs, rollup, sink};
use hallq_hq::{Batch, LiveStatus, Postgres, UpEvent};
use hallq_journal::Journal;
use hallq_proto::BusinessDay;
use tempfile::TempDir;

/// The chain's halls: (id, region, name, seed).
pub(crate) const HALLS: [(&str, &str, &str, u64); 3] = [
    ("gz-tianhe-01", "gd-gz", "天河营业厅", 7),
    ("gz-yuexiu-02", "gd-gz", "越秀营业厅", 8),
    ("sh-pudong-01", "sh", "浦东营业厅", 9),
];

/// The day each hall's morning is played; the two days before it are copied from it, so the
/// journals span November and December.
pub(crate) const DAY: BusinessDay = BusinessDay(20261201);

/// A store holding the chain.
pub(crate) struct Chain {
    pub(crate) client: tokio_postgres::Client,
    pub(crate) pg: Postgres,
    /// Each hall's journal (path) and epoch.
    pub(crate) journals: Vec<(PathBuf, String)>,
    /// The halls' folders, and PostgreSQL's (its own: as root the launcher gives it away).
    pub(crate) dir: TempDir,
    pub(crate) pg_dir: TempDir,
}

/// The journal's events as the hub uploads them: de-identified, keyed by seq.
pub(crate) fn events(journal: &Journal) -> Vec<UpEvent> {
    crate::common::events(journal)
}

/// The hall's live status as its hub would send it (`waiting` people, the journal's last seq).
pub(crate) fn status(i: usize, epoch: &str, last_seq: i64, waiting: u32) -> LiveStatus {
    let (hall, region, name, _) = HALLS[i];
    LiveStatus {
        hall: hall.into(),
        region: region.into(),
        name: name.into(),
        sent_ms: 1_796_086_800_000,
        day: Some(DAY.0 as i32),
        epoch: epoch.into(),
        last_seq,
        uplink_behind: 0,
        waiting,
        longest_wait_s: 60 * u32::from(waiting > 0) * 7,
        counters_open: 4,
        devices_offline: 0,
        config: None,
        bookings: None,
    }
}

/// Stores `s` as the status subscriber does: the hall (region, name) and its newest status,
/// received `age_s` seconds ago by HQ's clock.
pub(crate) async fn put_status(c: &tokio_postgres::Client, s: &LiveStatus, age_s: i64) {
    c.execute(
        "INSERT INTO halls (hall, region, name) VALUES ($1, $2, $3)
         ON CONFLICT (hall) DO UPDATE SET region = excluded.region, name = excluded.name",
        &[&s.hall, &s.region, &s.name],
    )
    .await
    .unwrap();
    c.execute(
        "INSERT INTO hall_status (hall, status, sent_at, received_at)
         VALUES ($1, $2::text::jsonb, to_timestamp($3::bigint / 1000.0),
                 now() - $4::float8 * interval '1 second')
         ON CONFLICT (hall) DO UPDATE SET status = excluded.status, sent_at = excluded.sent_at,
             received_at = excluded.received_at",
        &[
            &s.hall,
            &serde_json::to_string(s).unwrap(),
            &s.sent_ms,
            &(age_s as f64),
        ],
    )
    .await
    .unwrap();
}

impl Chain {
    /// Plays every hall, uploads its journal in batches of 300 and fills its status: the first
    /// two halls online (status just received), the third offline (silent for 5 minutes).
    pub(crate) async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pg_dir = tempfile::tempdir().unwrap();
        let pg = Postgres::start(pg_dir.path()).await.unwrap();
        let mut client = pg.connect().await.unwrap();
        hallq_hq::store::migrate(&mut client).await.unwrap();
        let mut configs = Configs::default();
        let mut journals = Vec::new();
        let mut statuses = Vec::new();
        for (i, (hall, _, _, seed)) in HALLS.iter().enumerate() {
            let hall_dir = dir.path().join(hall);
            std::fs::create_dir_all(&hall_dir).unwrap();
            let (path, cfg) =
                crate::common::simulated_journal(&hall_dir, DAY, *seed, 10 * 60 + 30).await;
            configs.insert(hall, cfg);
            let j = Journal::open_read_only(&path).unwrap();
            let epoch = j.epoch().unwrap();
            let evs = events(&j);
            for chunk in evs.chunks(300) {
                let batch = Batch {
                    hall: (*hall).into(),
                    epoch: epoch.clone(),
                    events: chunk.to_vec(),
                };
                sink(&mut client, &batch, &configs).await.unwrap();
            }
            let last = evs.last().map_or(0, |e| e.seq);
            statuses.push(status(i, &epoch, last, 3 + i as u32));
            journals.push((path, epoch));
        }
        // After every hall is played, so that under load no hall's "just heard from" is already
        // a minute old when a test looks (seen: the first hall offline in a busy run).
        for (i, s) in statuses.iter().enumerate() {
            put_status(&client, s, if i == 2 { 300 } else { 0 }).await;
        }
        rollup::refresh(&mut client, &configs).await.unwrap();
        Self {
            client,
            pg,
            journals,
            dir,
            pg_dir,
        }
    }

    /// The hq.toml of a console on this store (no NATS needed for the web role).
    pub(crate) fn hq_toml(&self) -> hallq_hq::serve::HqConfig {
        let text = format!(
            "[nats]\nservers = [\"nats://127.0.0.1:1\"]\n[postgres]\nconninfo = \"{}\"\n\
             [web]\nlisten = \"127.0.0.1:0\"\nsession_minutes = 30\n",
            self.pg.conninfo()
        );
        hallq_hq::serve::HqConfig::parse(&text).unwrap()
    }
}
