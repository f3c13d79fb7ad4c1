//! Metrics in the Prometheus text format on a small HTTP endpoint: queue lengths, waits,
//! commands, refusals, commit latency, devices online.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hallq_queue::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A monotonically growing count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// The count.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Upper bounds (seconds) of the commit-latency histogram's buckets.
const BUCKETS: [f64; 10] = [
    0.000_5, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0,
];

/// Queue figures per business type, refreshed after each batch.
#[derive(Debug, Default, Clone)]
struct QueueGauge {
    business: String,
    waiting: u32,
    estimated_wait_min: Option<u32>,
}

/// The hub's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Command payloads received.
    pub commands: Counter,
    /// Commands refused (decode, device, role, or the queue's rules).
    pub refusals: Counter,
    /// Redelivered or retried commands answered from the dedupe store.
    pub duplicates: Counter,
    commits: Counter,
    commit_entries: Counter,
    /// Commit latency histogram: counts per bucket, then the sum in microseconds.
    latency: Mutex<([u64; BUCKETS.len() + 1], u64)>,
    queues: Mutex<Vec<QueueGauge>>,
    devices_online: AtomicU64,
}

impl Metrics {
    /// Records a commit's duration and size.
    pub fn observe_commit(&self, took: Duration, entries: usize) {
        if entries == 0 {
            return;
        }
        self.commits.inc();
        self.commit_entries
            .0
            .fetch_add(entries as u64, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        let mut h = self
            .latency
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let i = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        h.0[i] += 1;
        h.1 += took.as_micros() as u64;
    }

    /// Refreshes the queue gauges from the engine.
    pub fn set_queue(&self, engine: &Engine) {
        let q = engine
            .queues()
            .into_iter()
            .map(|q| QueueGauge {
                business: q.business.to_string(),
                waiting: q.waiting,
                estimated_wait_min: q.estimated_wait_min,
            })
            .collect();
        *self
            .queues
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = q;
    }

    /// Sets the number of devices online.
    pub fn set_devices_online(&self, n: usize) {
        self.devices_online.store(n as u64, Ordering::Relaxed);
    }

    /// The metrics in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let counter = |s: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}");
        };
        counter(
            &mut s,
            "hallq_commands_total",
            "Command payloads received.",
            self.commands.get(),
        );
        counter(
            &mut s,
            "hallq_refusals_total",
            "Commands refused.",
            self.refusals.get(),
        );
        counter(
            &mut s,
            "hallq_duplicates_total",
            "Redelivered commands answered from the dedupe store.",
            self.duplicates.get(),
        );
        counter(
            &mut s,
            "hallq_commits_total",
            "Journal commits.",
            self.commits.get(),
        );
        counter(
            &mut s,
            "hallq_commit_entries_total",
            "Entries written by journal commits.",
            self.commit_entries.get(),
        );
        let (buckets, sum_us) = *self
            .latency
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = writeln!(
            s,
            "# HELP hallq_commit_seconds Journal commit latency.\n# TYPE hallq_commit_seconds histogram"
        );
        let mut acc = 0;
        for (i, b) in BUCKETS.iter().enumerate() {
            acc += buckets[i];
            let _ = writeln!(s, "hallq_commit_seconds_bucket{{le=\"{b}\"}} {acc}");
        }
        acc += buckets[BUCKETS.len()];
        let _ = writeln!(s, "hallq_commit_seconds_bucket{{le=\"+Inf\"}} {acc}");
        let _ = writeln!(
            s,
            "hallq_commit_seconds_sum {}\nhallq_commit_seconds_count {acc}",
            sum_us as f64 / 1e6
        );
        let _ = writeln!(
            s,
            "# HELP hallq_waiting Tickets waiting, per business type.\n# TYPE hallq_waiting gauge"
        );
        let queues = self
            .queues
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        for q in &queues {
            let _ = writeln!(
                s,
                "hallq_waiting{{business=\"{}\"}} {}",
                q.business, q.waiting
            );
        }
        let _ = writeln!(
            s,
            "# HELP hallq_estimated_wait_minutes Estimated wait for a ticket taken now.\n# TYPE hallq_estimated_wait_minutes gauge"
        );
        for q in &queues {
            if let Some(m) = q.estimated_wait_min {
                let _ = writeln!(
                    s,
                    "hallq_estimated_wait_minutes{{business=\"{}\"}} {m}",
                    q.business
                );
            }
        }
        let _ = writeln!(
            s,
            "# HELP hallq_devices_online Devices connected.\n# TYPE hallq_devices_online gauge\nhallq_devices_online {}",
            self.devices_online.load(Ordering::Relaxed)
        );
        s
    }
}

/// Serves `GET /metrics` (any path, in fact) on `listener` until the task is aborted.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else {
            continue;
        };
        let metrics = Arc::clone(&metrics);
        tokio::spawn(async move {
            let mut buf = [0u8; 1024];
            // The request itself does not matter; read what the client sent so it sees a reply.
            let _ = tokio::time::timeout(Duration::from_secs(2), socket.read(&mut buf)).await;
            let body = metrics.render();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_has_counters_and_a_histogram() {
        let m = Metrics::default();
        m.commands.inc();
        m.commands.inc();
        m.observe_commit(Duration::from_micros(700), 3);
        let text = m.render();
        assert!(text.contains("hallq_commands_total 2"));
        assert!(text.contains("hallq_commit_seconds_bucket{le=\"0.0005\"} 0"));
        assert!(text.contains("hallq_commit_seconds_bucket{le=\"0.001\"} 1"));
        assert!(text.contains("hallq_commit_seconds_count 1"));
        assert!(text.contains("hallq_commit_entries_total 3"));
    }
}
