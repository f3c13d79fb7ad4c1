//! The hall hub: the one process per hall that owns the queue, the journal and the clock.
//!
//! Parts:
//! - [`broker`]: the embedded MQTT broker every device of the hall connects to.

pub mod broker;
pub mod clock;
pub mod config;
pub mod hub;
pub mod metrics;
mod plan;
pub mod publish;
pub mod secret;
pub mod writer;

pub use clock::{Clock, ScaledClock, SystemClock};
pub use config::HallConfig;
pub use hub::{HubError, RunOptions, run};
