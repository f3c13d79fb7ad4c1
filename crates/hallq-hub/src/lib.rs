//! The hall hub: the one process per hall that owns the queue, the journal and the clock.
//!
//! Parts:
//! - [`broker`]: the embedded MQTT broker every device of the hall connects to.
//! - [`registry`]: hall.toml's `[[devices]]` edited in place (`hallq device add/revoke/rotate`).
//! - [`datadir`]: the data directory's lock, and the journal file watched and never started
//!   over by accident.
//! - [`mosquitto`]: Mosquitto's password hash and its `hallq.passwd` / `hallq.acl` from the registry.
//! - [`uplink`]: the journal to headquarters (`[uplink]`), beside the writer and never on its path.
//! - [`hqconfig`]: headquarters' configuration documents, taken or refused by the writer.
//! - [`phone`]: the live ticket page on the customer's phone (`[phone]`).
//! - [`notify`]: "your turn is near" (`[notify]`): the rule after each commit, the sender beside.
//! - [`complaint_sms`]: a resolved complaint's written result by SMS on `[notify]`'s channel.
//! - [`booking`]: appointments of a standalone hall: the book in the writer, the page and API.
//! - [`inspect`]: service-standard inspections: the register in the writer, `state/inspections`.

pub mod booking;
pub mod broker;
mod checkin;
pub mod clock;
pub mod complaint_ledger;
pub mod complaint_sms;
pub mod config;
pub mod datadir;
pub mod gate;
pub mod hqconfig;
pub mod hub;
pub mod inspect;
pub mod limits;
pub mod metrics;
pub mod mosquitto;
pub mod notify;
pub mod page_notice;
pub mod phone;
mod plan;
pub mod privacy;
pub mod publish;
pub mod registry;
pub mod reload;
pub mod secret;
pub mod uplink;
pub mod writer;

pub use clock::{Clock, ScaledClock, SystemClock};
pub use config::HallConfig;
pub use hub::{HubError, RunOptions, run};
