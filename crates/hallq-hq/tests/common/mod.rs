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
