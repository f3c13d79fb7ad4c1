//! `--at-hq`: the pages served at HQ instead of the hub (docs/phone.md, "At HQ"). HQ's side is
//! a real 3-node NATS cluster (`hallq_hq::NatsCluster`, as HQ's tests start it) and HQ's pages
//! (`hallq_hq::phone::serve`, as `hallq hq serve` runs them with `[phone] listen`) in this
//! process, on the cluster's third node; the hub's uplink goes to the first. The board's
//! messages on `hallq.pages.<hall>` are counted on the wire by a subscriber of their own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::StreamExt as _;
use tokio::task::JoinHandle;

use crate::hall::{AtHq, free_port};

/// HQ for the bench: its cluster, its pages, the board's messages counted.
pub(crate) struct Hq {
    pub(crate) at: AtHq,
    pub(crate) wire: Arc<Wire>,
    tasks: Vec<JoinHandle<()>>,
    _cluster: hallq_hq::NatsCluster,
    _dir: tempfile::TempDir,
}

/// The board's messages as they went by.
#[derive(Debug, Default)]
pub(crate) struct Wire {
    pub(crate) messages: AtomicU64,
    pub(crate) bytes: AtomicU64,
    pub(crate) largest: AtomicUsize,
    /// Per ticket id: when a message saying it is called first went by (µs since the epoch).
    pub(crate) called: Mutex<HashMap<String, i64>>,
}

impl Wire {
    /// (messages, bytes) so far.
    pub(crate) fn now(&self) -> (u64, u64) {
        (
            self.messages.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        )
    }
}

impl Hq {
    /// Starts the cluster and HQ's pages for hall `hall`.
    pub(crate) async fn start(hall: &str) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("hallq-phones-hq-")
            .tempdir()?;
        let cluster = hallq_hq::NatsCluster::start(&dir.path().join("nats")).await?;
        let urls = cluster.urls();
        let page_port = free_port()?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", page_port)).await?;
        let nats = async_nats::connect(urls[2].as_str()).await?;
        let mut tasks = vec![tokio::spawn(hallq_hq::phone::serve(nats, listener))];
        let watcher = async_nats::connect(urls[1].as_str()).await?;
        let mut boards = watcher.subscribe(format!("hallq.pages.{hall}")).await?;
        let wire = Arc::new(Wire::default());
        let out = Arc::clone(&wire);
        tasks.push(tokio::spawn(async move {
            let _keep = watcher;
            while let Some(m) = boards.next().await {
                out.messages.fetch_add(1, Ordering::Relaxed);
                out.bytes
                    .fetch_add(m.payload.len() as u64, Ordering::Relaxed);
                out.largest.fetch_max(m.payload.len(), Ordering::Relaxed);
                let at = crate::unix_us();
                let Ok(part) = serde_json::from_slice::<hallq_phone::wire::UpPart>(&m.payload)
                else {
                    continue;
                };
                let mut called = out.called.lock().unwrap_or_else(|p| p.into_inner());
                for t in part.tickets {
                    if matches!(t.view.state, hallq_phone::TicketState::Called { .. }) {
                        called.entry(t.ticket.to_string()).or_insert(at);
                    }
                }
            }
        }));
        Ok(Self {
            at: AtHq {
                nats: urls[0].clone(),
                page_port,
            },
            wire,
            tasks,
            _cluster: cluster,
            _dir: dir,
        })
    }

    /// Waits (bounded) until HQ serves the page at `url` (its hall's board came).
    pub(crate) async fn wait_page(&self, url: &str) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if client
                .get(format!("{url}/live"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("HQ did not serve {url} within 60 s")
    }
}

impl Drop for Hq {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// The last of `urls`, which HQ serves once the whole board is there.
pub(crate) fn last(urls: &[(String, String)]) -> anyhow::Result<&str> {
    urls.last()
        .map(|(_, u)| u.as_str())
        .context("no page to open")
}
