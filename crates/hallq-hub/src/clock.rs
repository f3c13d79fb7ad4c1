//! The hub is the only clock (ARCHITECTURE.md): every `now` the engine sees comes from here.

use std::time::Instant;

use hallq_proto::Timestamp;

/// A source of the hub's time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(
        clippy::disallowed_methods,
        reason = "this is the hub's one reading of the wall clock"
    )]
    fn now(&self) -> Timestamp {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A simulated clock for test mode: starts at a chosen instant and runs `speed` times faster
/// than real time (a hall day in seconds for the simulator).
#[derive(Debug, Clone)]
pub struct ScaledClock {
    /// The real instant the simulated time started.
    origin: Instant,
    /// The simulated time at `origin`.
    start: Timestamp,
    /// Simulated milliseconds per real millisecond.
    speed: f64,
}

impl ScaledClock {
    /// A clock reading `start` now and running `speed` times faster than real time.
    pub fn new(start: Timestamp, speed: f64) -> Self {
        Self {
            origin: Instant::now(),
            start,
            speed: speed.max(0.0),
        }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> Timestamp {
        let real_ms = self.origin.elapsed().as_secs_f64() * 1000.0;
        Timestamp(self.start.0 + (real_ms * self.speed) as i64)
    }
}
