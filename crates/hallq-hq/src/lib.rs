//! hallq headquarters (HQ): the chain of halls above the hall (issue 14, docs/chain.md).
//!
//! Every hall's journal flows up to HQ exactly once: at-least-once transport over NATS
//! JetStream, an idempotent sink in PostgreSQL keyed (hall, journal epoch, seq), and a
//! high-water mark per hall and epoch from which the hub resends after any doubt.
//!
//! Parts:
//! - [`engines`]: starts the chain's engines for the demo and the tests — a 3-node nats-server
//!   cluster with JetStream ([`NatsCluster`]) and a PostgreSQL instance ([`Postgres`]) — as real
//!   processes in folders of their own, on loopback ports chosen at run time.
//! - [`store`]: the HQ store — its versioned schema ([`store::migrate`]) and the sink
//!   ([`store::sink`]) that stores one batch in one transaction and reports gaps, and the
//!   roll-ups ([`store::rollup`]) per hall × business day × business type, folded by
//!   hallq-report's own fold.
//! - [`booking`]: HQ as the booking master of its halls — the book in PostgreSQL, the page and
//!   API, the changes sent down to each hall's hub.
//! - [`bus`]: JetStream helpers for what async-nats cannot do against nats-server 2.9 (a KV
//!   bucket).
//! - [`config`]: configuration down, HQ's side — checking and publishing documents per scope,
//!   and what each hall reports in force.
//! - [`ingest`]: the ingest worker, JetStream → sink, acknowledging after commit.
//! - [`wire`]: what a hall uploads, a [`Batch`] of de-identified [`UpEvent`]s (crate
//!   `hallq-wire`, shared with the hub).
//! - [`serve_marks`] and [`serve_status`]: HQ's side of the halls' uplink beside the ingest —
//!   answering a hub's question for its mark, and storing the halls' live status.
//! - [`serve`]: `hallq hq serve`, HQ's process: hq.toml, the ingest workers and the console.
//! - [`console`]: the web console (axum, maud, SSE), its pages by role, CSV of every table.
//! - [`user`]: the console's users (HQ staff, regional and hall managers) and sessions.
//! - [`HqError`]: the one error type.

pub mod booking;
pub mod bus;
pub mod config;
pub mod console;
pub mod engines;
mod error;
mod halls;
pub mod ingest;
pub mod phone;
pub mod serve;
pub mod store;
pub mod user;
/// What a hall uploads and HQ answers: the crate `hallq-wire`, shared with the hub.
pub use hallq_wire as wire;

pub use engines::{NatsCluster, Postgres};
pub use error::HqError;
pub use halls::{serve_marks, serve_status};
pub use wire::{Batch, LiveStatus, UpEvent};
