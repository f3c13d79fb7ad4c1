//! The hub's metrics for Prometheus: queue lengths, waits, commands, refusals, commit latency,
//! devices online. `prometheus-client` keeps and formats them, in the Prometheus text format
//! (0.0.4: what every Prometheus scrapes and `promtool check metrics` reads; its OpenMetrics
//! text names a counter's family without `_total`, which promtool 2.42 refuses); axum serves
//! them at `GET /metrics` only.
//!
//! The names are the ones the docs and the dashboards use: `hallq_commands_total`,
//! `hallq_refusals_total`, `hallq_duplicates_total`, `hallq_commits_total`,
//! `hallq_commit_entries_total`, the histogram `hallq_commit_seconds`, the gauges
//! `hallq_waiting{business}`, `hallq_estimated_wait_minutes{business}` and
//! `hallq_devices_online`; with `[uplink]` also `hallq_uplink_connected`,
//! `hallq_uplink_events_behind`, `hallq_uplink_last_ack_seconds` (Unix time of HQ's last
//! acknowledgement) and `hallq_uplink_events_sent_total`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use hallq_queue::Engine;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

/// A monotonically growing count (`prometheus-client` appends `_total` to its name).
pub type Counter = prometheus_client::metrics::counter::Counter;

/// Upper bounds (seconds) of the commit-latency histogram's buckets.
const BUCKETS: [f64; 10] = [
    0.000_5, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0,
];

/// What the endpoint answers with: the Prometheus text format, version 0.0.4.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The label of the per-business gauges.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BusinessLabel {
    business: String,
}

/// The hub's metrics.
#[derive(Debug)]
pub struct Metrics {
    /// Command payloads received.
    pub commands: Counter,
    /// Commands refused (decode, device, role, or the queue's rules).
    pub refusals: Counter,
    /// Redelivered or retried commands answered from the dedupe store.
    pub duplicates: Counter,
    commits: Counter,
    commit_entries: Counter,
    commit_seconds: Histogram,
    waiting: Family<BusinessLabel, Gauge>,
    estimated_wait: Family<BusinessLabel, Gauge>,
    devices_online: Gauge,
    /// The link to HQ's, registered only when hall.toml has `[uplink]`.
    pub uplink: Option<UplinkMetrics>,
    registry: Registry,
}

/// The uplink's metrics.
#[derive(Debug, Default)]
pub struct UplinkMetrics {
    /// 1 while connected to HQ's servers.
    pub connected: Gauge,
    /// Journal events HQ has not acknowledged.
    pub behind: Gauge,
    /// Unix time (s) of HQ's last acknowledgement; 0 before the first.
    pub last_ack: Gauge,
    /// Events sent and acknowledged (resends count again).
    pub sent: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new(false)
    }
}

impl Metrics {
    /// The hub's metrics; the uplink's too when `uplink` (hall.toml has `[uplink]`), so that a
    /// hall without one exposes what it always did.
    pub fn new(uplink: bool) -> Self {
        let (commands, refusals, duplicates) =
            (Counter::default(), Counter::default(), Counter::default());
        let (commits, commit_entries) = (Counter::default(), Counter::default());
        let commit_seconds = Histogram::new(BUCKETS);
        let waiting = Family::<BusinessLabel, Gauge>::default();
        let estimated_wait = Family::<BusinessLabel, Gauge>::default();
        let devices_online = Gauge::default();
        let mut registry = Registry::default();
        registry.register(
            "hallq_commands",
            "Command payloads received",
            commands.clone(),
        );
        registry.register("hallq_refusals", "Commands refused", refusals.clone());
        registry.register(
            "hallq_duplicates",
            "Redelivered commands answered from the dedupe store",
            duplicates.clone(),
        );
        registry.register("hallq_commits", "Journal commits", commits.clone());
        registry.register(
            "hallq_commit_entries",
            "Entries written by journal commits",
            commit_entries.clone(),
        );
        registry.register(
            "hallq_commit_seconds",
            "Journal commit latency",
            commit_seconds.clone(),
        );
        registry.register(
            "hallq_waiting",
            "Tickets waiting, per business type",
            waiting.clone(),
        );
        registry.register(
            "hallq_estimated_wait_minutes",
            "Estimated wait for a ticket taken now",
            estimated_wait.clone(),
        );
        registry.register(
            "hallq_devices_online",
            "Devices connected",
            devices_online.clone(),
        );
        let uplink = uplink.then(|| {
            let u = UplinkMetrics::default();
            registry.register(
                "hallq_uplink_connected",
                "1 while connected to headquarters",
                u.connected.clone(),
            );
            registry.register(
                "hallq_uplink_events_behind",
                "Journal events headquarters has not acknowledged",
                u.behind.clone(),
            );
            registry.register(
                "hallq_uplink_last_ack_seconds",
                "Unix time of headquarters' last acknowledgement",
                u.last_ack.clone(),
            );
            registry.register(
                "hallq_uplink_events_sent",
                "Events sent to headquarters and acknowledged",
                u.sent.clone(),
            );
            u
        });
        Self {
            commands,
            refusals,
            duplicates,
            commits,
            commit_entries,
            commit_seconds,
            waiting,
            estimated_wait,
            devices_online,
            uplink,
            registry,
        }
    }

    /// Records a commit's duration and size.
    pub fn observe_commit(&self, took: Duration, entries: usize) {
        if entries == 0 {
            return;
        }
        self.commits.inc();
        self.commit_entries.inc_by(entries as u64);
        self.commit_seconds.observe(took.as_secs_f64());
    }

    /// Refreshes the queue gauges from the engine: a business type no longer offered, or with
    /// no estimate, has no sample.
    pub fn set_queue(&self, engine: &Engine) {
        self.waiting.clear();
        self.estimated_wait.clear();
        for q in engine.queues() {
            let label = BusinessLabel {
                business: q.business.to_string(),
            };
            if let Some(m) = q.estimated_wait_min {
                self.estimated_wait.get_or_create(&label).set(i64::from(m));
            }
            self.waiting.get_or_create(&label).set(i64::from(q.waiting));
        }
    }

    /// Sets the number of devices online.
    pub fn set_devices_online(&self, n: usize) {
        self.devices_online
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// The metrics in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String fails only if a metric's own encoding does, which ours never do.
        if let Err(error) =
            prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)
        {
            tracing::error!(%error, "cannot encode the metrics");
        }
        text
    }
}

/// Serves `GET /metrics` on `listener` until the task is aborted; any other path is 404.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>) {
    let app = axum::Router::new()
        .route("/metrics", axum::routing::get(scrape))
        .with_state(metrics);
    if let Err(error) = axum::serve(listener, app).await {
        tracing::error!(%error, "the metrics endpoint stopped");
    }
}

async fn scrape(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], metrics.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_has_the_documented_counters_and_a_histogram() {
        let m = Metrics::default();
        m.commands.inc();
        m.commands.inc();
        m.observe_commit(Duration::from_micros(700), 3);
        m.set_devices_online(4);
        let text = m.render();
        assert!(text.contains("hallq_commands_total 2"), "{text}");
        assert!(
            text.contains("hallq_commit_seconds_bucket{le=\"0.0005\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("hallq_commit_seconds_bucket{le=\"0.001\"} 1"),
            "{text}"
        );
        assert!(text.contains("hallq_commit_seconds_count 1"), "{text}");
        assert!(text.contains("hallq_commit_entries_total 3"), "{text}");
        assert!(text.contains("hallq_devices_online 4"), "{text}");
        assert!(
            text.contains("# TYPE hallq_commands_total counter"),
            "the family is named as its samples: {text}"
        );
        assert!(
            !text.contains("hallq_uplink"),
            "no uplink, no uplink metrics"
        );
    }

    #[test]
    fn the_uplink_s_metrics_are_there_with_an_uplink() {
        let m = Metrics::new(true);
        let u = m.uplink.as_ref().unwrap();
        u.connected.set(1);
        u.behind.set(412);
        u.sent.inc_by(88);
        let text = m.render();
        for want in [
            "hallq_uplink_connected 1",
            "hallq_uplink_events_behind 412",
            "hallq_uplink_last_ack_seconds 0",
            "hallq_uplink_events_sent_total 88",
        ] {
            assert!(text.contains(want), "{want}: {text}");
        }
    }
}
