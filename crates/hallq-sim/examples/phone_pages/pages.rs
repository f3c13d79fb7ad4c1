//! The phones: one real HTTP connection per open ticket page to the hub's page port, each
//! following `GET /t/{token}/events` (server-sent events) as the page's script does, and noting
//! when its ticket's page first says "called".

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::unix_us;

/// What the pages saw, shared by their tasks.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// Pages whose stream has sent its first event (the present state).
    pub(crate) open: AtomicUsize,
    /// Pages refused or dropped.
    pub(crate) failed: AtomicUsize,
    /// Events received after the first, by every page: the fan-out's work.
    pub(crate) updates: AtomicU64,
    /// Per ticket id: when its page first said `called` (µs since the epoch).
    pub(crate) called: Mutex<HashMap<String, i64>>,
}

/// The open pages.
pub(crate) struct Phones {
    pub(crate) seen: Arc<Seen>,
    tasks: Vec<JoinHandle<()>>,
}

impl Phones {
    /// Opens a page's event stream for each `(ticket id, page URL)`, `wave` at a time (a phone
    /// opens its page once; 2,000 opening in the same millisecond would measure the listen
    /// backlog), and waits (bounded) until every one has its first event.
    pub(crate) async fn open(pages: &[(String, String)], wave: usize) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(20))
            .build()?;
        let seen = Arc::new(Seen::default());
        let gate = Arc::new(Semaphore::new(wave.max(1)));
        let mut tasks = Vec::with_capacity(pages.len());
        for (ticket, url) in pages {
            let permit = Arc::clone(&gate).acquire_owned().await?;
            let (client, seen) = (client.clone(), Arc::clone(&seen));
            let (ticket, url) = (ticket.clone(), format!("{url}/events"));
            tasks.push(tokio::spawn(async move {
                follow(client, url, ticket, seen, permit).await;
            }));
        }
        for _ in 0..3000 {
            let done = seen.open.load(Ordering::Relaxed) + seen.failed.load(Ordering::Relaxed);
            if done >= pages.len() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(Self { seen, tasks })
    }

    /// Closes every page.
    pub(crate) fn close(self) {
        for t in self.tasks {
            t.abort();
        }
    }
}

/// One page: its stream, event by event, until it ends.
async fn follow(
    client: reqwest::Client,
    url: String,
    ticket: String,
    seen: Arc<Seen>,
    permit: tokio::sync::OwnedSemaphorePermit,
) {
    let mut permit = Some(permit);
    let mut response = match client.get(&url).send().await {
        Ok(r) if r.status().is_success() => r,
        _ => {
            seen.failed.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    let mut buf: Vec<u8> = Vec::new();
    let mut first = true;
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(c)) => c,
            _ => break,
        };
        let at = unix_us();
        buf.extend_from_slice(&chunk);
        // An event ends with a blank line; a keep-alive is a comment and carries no data.
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = buf.drain(..end + 2).collect();
            let text = String::from_utf8_lossy(&event);
            let Some(data) = text.lines().find_map(|l| l.strip_prefix("data:")) else {
                continue;
            };
            let state = serde_json::from_str::<serde_json::Value>(data.trim())
                .ok()
                .and_then(|v| v.get("state")?.as_str().map(str::to_owned));
            if first {
                // The present state, sent at once: not an update.
                first = false;
                seen.open.fetch_add(1, Ordering::Relaxed);
                permit.take();
                continue;
            }
            seen.updates.fetch_add(1, Ordering::Relaxed);
            if state.as_deref() == Some("called") {
                let mut called = seen.called.lock().unwrap_or_else(|p| p.into_inner());
                called.entry(ticket.clone()).or_insert(at);
            }
        }
    }
    if first {
        seen.failed.fetch_add(1, Ordering::Relaxed);
    }
}
