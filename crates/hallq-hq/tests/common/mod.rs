//! Helpers shared by HQ's tests: a migrated store on a real PostgreSQL, and batches.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use hallq_hq::{Batch, Postgres, UpEvent};
use tempfile::TempDir;

/// 2026-11-23 09:00 in Beijing, in ms.
pub(crate) const T0_MS: i64 = 1_795_395_600_000;

/// A running PostgreSQL with the HQ schema, and a client. Fields drop in order: the client,
/// then the server, then its folder.
pub(crate) struct Store {
    pub(crate) client: tokio_postgres::Client,
    pub(crate) pg: Postgres,
    pub(crate) dir: TempDir,
}

impl Store {
    pub(crate) async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pg = Postgres::start(dir.path()).await.unwrap();
        let mut client = pg.connect().await.unwrap();
        hallq_hq::store::migrate(&mut client).await.unwrap();
        Self { client, pg, dir }
    }

    /// Stores `batch(hall, epoch, first, last)` through the sink, with no hall configuration.
    pub(crate) async fn put(
        &mut self,
        hall: &str,
        epoch: &str,
        first: i64,
        last: i64,
    ) -> hallq_hq::store::SinkReport {
        hallq_hq::store::sink(
            &mut self.client,
            &batch(hall, epoch, first, last),
            &hallq_hq::store::Configs::default(),
        )
        .await
        .unwrap()
    }

    /// Another connection to the same database.
    pub(crate) async fn connect(&self) -> tokio_postgres::Client {
        self.pg.connect().await.unwrap()
    }

    /// A single number from `sql`.
    pub(crate) async fn count(&self, sql: &str) -> i64 {
        self.client.query_one(sql, &[]).await.unwrap().get(0)
    }
}

/// Events `from..=to` of journal (`hall`, `epoch`), a minute apart from [`T0_MS`].
pub(crate) fn batch(hall: &str, epoch: &str, from: i64, to: i64) -> Batch {
    Batch {
        hall: hall.into(),
        epoch: epoch.into(),
        events: (from..=to)
            .map(|seq| UpEvent {
                seq,
                at_ms: T0_MS + seq * 60_000,
                day: Some(20261123),
                kind: "ticket_issued".into(),
                body: serde_json::json!({ "type": "ticket_issued", "ticket": format!("A{seq:03}") }),
            })
            .collect(),
    }
}

pub(crate) const EPOCH: &str = "0123456789abcdef0123456789abcdef";

/// The evaluator pad's time to rate in the simulated journals. At ×1000 the example hall's
/// 30 s are 30 ms of real time, less than a loaded machine's round trip from the prompt to the
/// press: a busy run got a month without one rating (and the console's KPI comparison nothing
/// to compare). Five simulated minutes are 300 ms. A report over these journals must be made
/// with it too (the fold gives a rating to the prompt that was open).
pub(crate) const RATING_TIMEOUT_SECS: u32 = 300;

/// The report configuration of the simulated journals' hall (deploy/hall.example.toml, with
/// [`RATING_TIMEOUT_SECS`]), as `hallq report` builds it.
pub(crate) fn example_report_config() -> hallq_report::ReportConfig {
    let toml =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/hall.example.toml");
    let hall = hallq_hub::HallConfig::load(&toml).unwrap();
    let mut cfg = hallq_report::ReportConfig::from_queue("x", &hall.queue, 480);
    cfg.rating_timeout_secs = RATING_TIMEOUT_SECS;
    cfg
}

/// What `hallq report` reads the inspections with for the example hall (its templates, hours
/// and target; crates/hallq/src/report_cmd.rs).
pub(crate) fn example_inspections_setup() -> hallq_report::inspections::Setup {
    let toml =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/hall.example.toml");
    let hall = hallq_hub::HallConfig::load(&toml).unwrap();
    hallq_report::inspections::Setup {
        templates: hall.inspections.templates.clone(),
        hours: hallq_report::inspections::Hours {
            open_min: hall.hours.open.minutes(),
            close_min: hall.hours.close.minutes(),
            utc_offset_min: hall.hall.utc_offset_min,
        },
        target_pct: hall.kpi.service_standard_pct,
    }
}

/// Plays 09:00 to `until_min` (minutes after midnight, hall time) of `day` at ×1000 with `seed`
/// in `dir`, and extends the journal backwards over 3 days; returns its path and the report
/// configuration `hallq report` builds from the same hall.toml and
/// [`RATING_TIMEOUT_SECS`] (crates/hallq/src/report_cmd.rs).
pub(crate) async fn simulated_journal(
    dir: &std::path::Path,
    day: hallq_proto::BusinessDay,
    seed: u64,
    until_min: u32,
) -> (std::path::PathBuf, hallq_report::ReportConfig) {
    use hallq_sim::{Plan, PlayOptions, Prepared, Scenario, SimConfig, SimHall};
    use std::sync::Arc;
    let toml =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/hall.example.toml");
    let mut hall = hallq_hub::HallConfig::load(&toml).unwrap();
    hallq_sim::hall::with_green_code(&mut hall);
    hall.queue.rating_timeout_secs = RATING_TIMEOUT_SECS;
    let offset = hall.hall.utc_offset_min;
    let mut cfg = hallq_report::ReportConfig::from_queue(&hall.hall.name.zh, &hall.queue, offset);
    cfg.targets = hallq_report::Targets { ..hall.kpi.clone() };
    let config = SimConfig {
        hall,
        scenario: Scenario::default(),
    };
    let plan = Arc::new(Plan::generate(&config, seed, day));
    let day_dir = dir.join("day");
    let prepared = Prepared::new(config.hall.clone(), &day_dir, 0).unwrap();
    let sim = SimHall::start(prepared, 1000.0, plan.starts_at.plus_secs(-3600))
        .await
        .unwrap();
    let played = sim
        .play(
            Arc::clone(&plan),
            PlayOptions {
                until: Some(hallq_proto::time::at(day, until_min, offset)),
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
pub(crate) fn events(journal: &hallq_journal::Journal) -> Vec<UpEvent> {
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
            body: hallq_hq::wire::deidentify(serde_json::from_str(&body).unwrap()),
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}
