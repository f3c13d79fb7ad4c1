//! A small chain for the console's tests: halls of different regions, each a morning played by
//! the simulator through a real hub (its own seed), extended over the days before it and
//! uploaded through the sink to a real PostgreSQL; `halls` and `hall_status` filled from real
//! `LiveStatus` values, as the uplink's status subscriber fills them.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hallq_hq::store::{Configs, rollup, sink};
use hallq_hq::{Batch, LiveStatus, Postgres, UpEvent, wire};
use hallq_journal::Journal;
use hallq_proto::{BusinessDay, time};
use hallq_report::{ReportConfig, Targets};
use hallq_sim::{Plan, PlayOptions, Prepared, Scenario, SimConfig, SimHall};
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

/// Plays 09:00–10:30 of [`DAY`] at ×1000 with `seed`, extends the journal over 3 days; returns
/// its path and the report configuration `hallq report` builds from the same hall.toml.
async fn journal(dir: &Path, seed: u64) -> (PathBuf, ReportConfig) {
    let toml = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/hall.example.toml");
    let mut hall = hallq_hub::HallConfig::load(&toml).unwrap();
    hallq_sim::hall::with_green_code(&mut hall);
    let offset = hall.hall.utc_offset_min;
    let mut cfg = ReportConfig::from_queue(&hall.hall.name.zh, &hall.queue, offset);
    cfg.targets = Targets { ..hall.kpi.clone() };
    let config = SimConfig {
        hall,
        scenario: Scenario::default(),
    };
    let plan = Arc::new(Plan::generate(&config, seed, DAY));
    let day_dir = dir.join("day");
    let prepared = Prepared::new(config.hall.clone(), &day_dir, 0).unwrap();
    let sim = SimHall::start(prepared, 1000.0, plan.starts_at.plus_secs(-3600))
        .await
        .unwrap();
    let played = sim
        .play(
            Arc::clone(&plan),
            PlayOptions {
                until: Some(time::at(DAY, 10 * 60 + 30, offset)),
                ..PlayOptions::default()
            },
        )
        .await;
    sim.stop().await.unwrap();
    played.unwrap();
    let path = dir.join("journal.db");
    hallq_sim::history::extend_backwards(&day_dir.join("journal.db"), &path, 3, &config.hall)
        .unwrap();
    (path, cfg)
}

/// The journal's events as the hub uploads them: de-identified, keyed by seq.
pub(crate) fn events(journal: &Journal) -> Vec<UpEvent> {
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
            let (path, cfg) = journal(&hall_dir, *seed).await;
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
