//! The HQ store in PostgreSQL: [`migrate`] its schema, [`sink`] a batch, its [`rollup`]s and
//! the service-standard KPI's ([`inspections`]).

pub mod inspections;
pub mod rollup;
mod schema;
mod sink;

pub use rollup::Configs;
pub use schema::{SCHEMA_VERSION, migrate, schema_version};
pub use sink::{Outcome, SinkReport, sink};

use crate::error::HqError;

/// Connects to PostgreSQL (`conninfo` in libpq's form) without TLS: HQ's database is on the
/// same host or a private network. The connection runs on a task of its own until the client
/// drops.
pub async fn connect(conninfo: &str) -> Result<tokio_postgres::Client, HqError> {
    let (client, connection) = tokio_postgres::connect(conninfo, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "PostgreSQL connection ended");
        }
    });
    Ok(client)
}
