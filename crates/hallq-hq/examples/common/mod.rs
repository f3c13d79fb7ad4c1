//! What the HQ benchmarks share: a day of the example hall played by the simulator.

use std::sync::Arc;

use hallq_hub::HallConfig;
use hallq_proto::BusinessDay;
use hallq_sim::{Plan, PlayOptions, Prepared, Scenario, SimConfig, SimHall};

/// The day played.
pub(crate) const DAY: BusinessDay = BusinessDay(20261123);

/// Plays the example hall's whole day [`DAY`] at ×3000 into `dir` (its journal is
/// `dir/journal.db`); returns the configuration the hub ran with (its secrets, its data
/// directory `dir`).
pub(crate) async fn play_day(dir: &std::path::Path) -> HallConfig {
    let toml =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/hall.example.toml");
    let hall = HallConfig::load(&toml).unwrap();
    let sim = SimConfig {
        hall,
        scenario: Scenario::default(),
    };
    let plan = Arc::new(Plan::generate(&sim, 7, DAY));
    let prepared = Prepared::new(sim.hall.clone(), dir, 0).unwrap();
    let config = prepared.config.clone();
    let played = SimHall::start(prepared, 3000.0, plan.starts_at.plus_secs(-3600))
        .await
        .unwrap();
    let report = played.play(plan, PlayOptions::default()).await;
    played.stop().await.unwrap();
    report.unwrap();
    config
}
