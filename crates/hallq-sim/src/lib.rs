//! The hallq simulator: a hall day planned from a seed and acted out over MQTT by device
//! emulators against a real hub on an accelerated clock, with the simulator's ground truth
//! checked against the hub's journal; and the load generator that finds how many devices one
//! hub and its broker carry.
//!
//! Parts:
//! - [`rng`]: a small deterministic generator and the distributions a day needs.
//! - [`scenario`]: [`Scenario`], what kind of day (arrivals per hour, business mix, handling
//!   times, behaviours, staffing), with defaults from DOMAIN.md and an optional TOML file.
//! - [`plan`]: [`Plan::generate`], the whole day decided in advance; pure and unit-tested.
//! - [`clock`]: [`SimClock`], the hub's scaled clock in test mode, and the devices' [`SimTime`].
//! - `emulate`: the device emulators (kiosk, greeter, counter terminal, evaluator, supervisor,
//!   door counter, display and LED strip watchers), real MQTT clients through `hallq-client`.
//! - `floor`: who holds a ticket and whether they come when called.
//! - [`ledger`]: the ground truth, what the devices did and what the hub accepted.
//! - [`figures`]: the day's figures from the ground truth and from the journal, compared.
//! - [`hall`]: [`SimHall`], a hub with the hall's devices connected, to play a plan on.
//! - [`report`]: the summary text.
//! - [`load`]: the load mode: many devices against one hub, commands per second, latency, RSS.
//! - [`timings`]: each device's keep-alive and retries: the hook for the firmware profiles.

pub mod clock;
mod emulate;
pub mod figures;
mod floor;
pub mod hall;
pub mod history;
pub mod ledger;
pub mod load;
pub mod plan;
pub mod report;
pub mod restart;
pub mod rng;
pub mod scenario;
pub mod timings;

pub use clock::{SimClock, SimTime};
pub use emulate::watcher::Heard;
pub use figures::{Comparison, Figures, JournalExtras};
pub use hall::{DayReport, PlayOptions, Prepared, Progress, ProgressFn, SimHall};
pub use ledger::BookingTruth;
pub use plan::{Plan, SimConfig};
pub use scenario::Scenario;

/// What can stop a simulation.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The configuration or an option is not usable.
    #[error("{0}")]
    Config(String),
    /// The hall's configuration is not valid.
    #[error("hall configuration: {0}")]
    HallConfig(#[from] hallq_hub::config::ConfigError),
    /// A file or directory could not be used.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// An event could not be written or read as JSON.
    #[error("event JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Hashing a secret failed.
    #[error("hashing a secret: {0}")]
    Hash(#[from] hallq_hub::secret::HashError),
    /// The hub failed.
    #[error("hub: {0}")]
    Hub(#[from] hallq_hub::HubError),
    /// The journal could not be read.
    #[error("journal: {0}")]
    Journal(#[from] hallq_journal::JournalError),
    /// A query of the journal failed.
    #[error("journal query: {0}")]
    Sql(#[from] rusqlite::Error),
    /// Something did not come up in time.
    #[error("{0}")]
    NotReady(String),
}
