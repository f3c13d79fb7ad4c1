//! A small pool of PostgreSQL connections for the booking API and its one-time codes: a
//! transaction needs a connection of its own, and a customer's request should not wait for
//! a connection to be made.

use std::sync::{Arc, Mutex};

use hallq_booking::web::{self, ApiError};
use tokio::sync::Semaphore;

/// The most connections the booking API holds to PostgreSQL at once: requests beyond wait
/// their turn (each transaction is a few statements).
const CONNECTIONS: usize = 8;

/// The pool: at most [`CONNECTIONS`] at once, idle ones kept.
pub struct Pool {
    pg: tokio_postgres::Config,
    idle: Mutex<Vec<tokio_postgres::Client>>,
    permits: Arc<Semaphore>,
}

/// A connection taken from the [`Pool`]; back in it when dropped, unless it closed.
pub struct Pooled<'a> {
    pool: &'a Pool,
    client: Option<tokio_postgres::Client>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Pooled<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pooled")
    }
}

impl Pool {
    /// A pool connecting with `pg` when it has no idle connection.
    pub fn new(pg: tokio_postgres::Config) -> Self {
        Self {
            pg,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(CONNECTIONS)),
        }
    }

    /// A connection, once one of the [`CONNECTIONS`] is free; `503 internal` if none can be made.
    pub async fn get(&self) -> Result<Pooled<'_>, ApiError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| web::internal())?;
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop();
        let client = match idle {
            Some(c) if !c.is_closed() => c,
            _ => crate::serve::connect_pg(&self.pg).await.map_err(|e| {
                tracing::warn!(error = %e, "no database for the booking API / 预约无法连接数据库");
                web::internal()
            })?,
        };
        Ok(Pooled {
            pool: self,
            client: Some(client),
            _permit: permit,
        })
    }
}

impl Pooled<'_> {
    /// The connection.
    pub fn client(&self) -> &tokio_postgres::Client {
        self.client
            .as_ref()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }

    /// The connection, for a transaction.
    pub fn client_mut(&mut self) -> &mut tokio_postgres::Client {
        self.client
            .as_mut()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.client.take()
            && !c.is_closed()
        {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(c);
        }
    }
}
