//! The hall's time on a device: the hub's. The hub is the hall's only clock; its `state/hub`
//! says its time and pace (`clock`: `now_ms`, `rate`) when it comes online, at every turn of its
//! minute, and whenever its time jumps or changes pace (docs/protocol.md, `state/hub`). An app
//! runs on from the last one at that pace between messages, on its own monotonic clock, so its
//! header shows the hub's time: in a hall the same as the wall's, in a simulated hall
//! (`hallq demo`) the simulated time at the simulator's speed. Before the first status with a
//! clock (or from a hub before that field) an app shows its own wall clock.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use hallq_client::{DeviceClient, Update};
use hallq_proto::Timestamp;
use hallq_proto::state::{HubClock, HubStatus};
use tokio::sync::broadcast::error::RecvError;

/// A clock that follows the hub's statuses, as pure state over a local monotonic count.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Following {
    /// The latest hub time taken, its rate, and the local count (ms) it was taken at.
    last: Option<(Timestamp, f64, u64)>,
}

impl Following {
    /// The hub said `clock` when the local count read `local_ms`.
    ///
    /// A status a little behind the time shown already is no news and is left: the retained
    /// status an app finds on connecting was said up to a minute of the hub's time ago (the hub
    /// says it at every minute's turn, at most once a real second), so taking it would turn a
    /// right clock back. A new pace, a time ahead (the simulator jumps), or one far behind (a
    /// hub started again on another clock) is taken as it is.
    pub fn observe(&mut self, clock: HubClock, local_ms: u64) {
        let rate = if clock.rate.is_finite() && clock.rate >= 0.0 {
            clock.rate
        } else {
            1.0
        };
        if let (Some(shown), Some((_, was, _))) = (self.now(local_ms), self.last) {
            let behind = (shown.0 - clock.now_ms.0) as f64;
            if rate == was && behind >= 0.0 && behind <= 90_000.0 + 2_000.0 * rate {
                return;
            }
        }
        self.last = Some((clock.now_ms, rate, local_ms));
    }

    /// The hub's time when the local count reads `local_ms`; `None` before the first status.
    pub fn now(&self, local_ms: u64) -> Option<Timestamp> {
        let (hub, rate, seen) = self.last?;
        let ran = local_ms.saturating_sub(seen) as f64 * rate;
        Some(Timestamp(hub.0.saturating_add(ran as i64)))
    }
}

/// The app's view of the hall's time, shared by its tasks: [`HallClock::follow`] feeds it the
/// hub's statuses; [`HallClock::now`] reads it.
#[derive(Debug, Clone)]
pub struct HallClock {
    following: Arc<Mutex<Following>>,
    origin: Instant,
}

impl Default for HallClock {
    fn default() -> Self {
        Self {
            following: Arc::default(),
            origin: Instant::now(),
        }
    }
}

impl HallClock {
    /// A clock fed by `client`'s hub statuses, from a task on the current tokio runtime.
    pub fn follow(client: &DeviceClient) -> Self {
        let clock = Self::default();
        let fed = clock.clone();
        let client = client.clone();
        tokio::spawn(async move {
            // Subscribed before the present is read: nothing falls between.
            let mut updates = client.updates();
            if let Some(status) = &client.latest().hub {
                fed.observe(status);
            }
            loop {
                match updates.recv().await {
                    Ok(Update::Hub(status)) => fed.observe(&status),
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => {
                        if let Some(status) = &client.latest().hub {
                            fed.observe(status);
                        }
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        });
        clock
    }

    /// Takes the hub's time from `status`, if it says it.
    pub fn observe(&self, status: &HubStatus) {
        if let Some(clock) = status.clock {
            let local = self.local_ms();
            let mut following = self
                .following
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let shown = following.now(local);
            following.observe(clock, local);
            // What was shown and what is now, to measure how far behind an app ran.
            tracing::debug!(
                said_ms = clock.now_ms.0,
                rate = clock.rate,
                shown_ms = ?shown.map(|t| t.0),
                now_ms = ?following.now(local).map(|t| t.0),
                "the hub said its time"
            );
        }
    }

    /// The hall's time now: the hub's, or the device's own clock before the hub has said it.
    pub fn now(&self) -> Timestamp {
        let local = self.local_ms();
        self.following
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .now(local)
            .unwrap_or_else(crate::app::wall_clock)
    }

    fn local_ms(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(now_ms: i64, rate: f64) -> HubClock {
        HubClock {
            now_ms: Timestamp(now_ms),
            rate,
        }
    }

    #[test]
    fn a_simulated_hall_runs_on_from_the_hubs_last_time_at_its_pace() {
        let mut c = Following::default();
        assert_eq!(c.now(1_000), None, "nothing heard yet");
        c.observe(said(50_000_000, 120.0), 1_000);
        // One real second later: two simulated minutes on.
        assert_eq!(c.now(2_000), Some(Timestamp(50_120_000)));
        // The retained status of a minute ago, found on reconnecting, does not turn it back.
        c.observe(said(50_060_000, 120.0), 2_000);
        assert_eq!(c.now(2_000), Some(Timestamp(50_120_000)));
        // The simulator jumps to the morning: the clock follows.
        c.observe(said(80_000_000, 120.0), 3_000);
        assert_eq!(c.now(3_500), Some(Timestamp(80_060_000)));
        // It stops: the clock stands where the hub says, even a little behind what it ran to.
        c.observe(said(80_050_000, 0.0), 3_500);
        assert_eq!(c.now(9_000), Some(Timestamp(80_050_000)));
    }

    #[test]
    fn a_hub_started_again_far_behind_is_followed_and_a_bad_rate_is_the_walls() {
        let mut c = Following::default();
        c.observe(said(50_000_000, 1.0), 0);
        c.observe(said(40_000_000, 1.0), 10);
        assert_eq!(c.now(1_010), Some(Timestamp(40_001_000)));
        c.observe(said(60_000_000, f64::NAN), 1_010);
        assert_eq!(c.now(2_010), Some(Timestamp(60_001_000)));
    }

    #[test]
    fn before_the_hub_says_its_time_the_device_shows_its_own() {
        let clock = HallClock::default();
        let before = crate::app::wall_clock();
        let shown = clock.now();
        assert!(shown >= before && shown.0 - before.0 < 60_000, "{shown:?}");
        let status = HubStatus {
            v: 1,
            status: hallq_proto::state::Liveness::Online,
            hall: hallq_proto::HallId::new("demo").unwrap(),
            at_ms: Some(Timestamp(5)),
            version: "0.1.0".into(),
            reason: None,
            clock_behind_ms: None,
            storage: None,
            notices: None,
            uplink: None,
            clock: Some(said(1_000_000, 0.0)),
            config: None,
            config_refused: None,
        };
        clock.observe(&status);
        assert_eq!(clock.now(), Timestamp(1_000_000));
    }
}
