//! Simulated time. [`SimClock`] is the hub's clock in test mode: like the hub's `ScaledClock` it
//! runs `speed` times faster than real time, and it can also be moved forward once, before the
//! day starts, so that logging every device in (Argon2, real CPU time) does not eat the
//! simulated morning. [`SimTime`] is the devices' view of it: now, hall-local minutes, and
//! sleeping until a simulated instant.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hallq_hub::Clock;
use hallq_proto::{Timestamp, time};

/// A scaled clock that can jump forward.
#[derive(Debug)]
pub struct SimClock {
    /// The real instant and the simulated time it stood for; moved by [`SimClock::jump_to`].
    anchor: Mutex<(Instant, Timestamp)>,
    /// Simulated milliseconds per real millisecond.
    speed: f64,
    /// Stopped by [`SimClock::freeze`]: the clock reads the anchor's time from then on.
    frozen: std::sync::atomic::AtomicBool,
}

impl SimClock {
    /// A clock reading `start` now and running `speed` times faster than real time.
    pub fn new(start: Timestamp, speed: f64) -> Self {
        Self {
            anchor: Mutex::new((Instant::now(), start)),
            speed: speed.max(0.0),
            frozen: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Simulated seconds per real second.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Moves the clock forward to `t`; never backward (the hub's time only grows).
    pub fn jump_to(&self, t: Timestamp) {
        let mut a = self
            .anchor
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Self::read(&a, self.speed);
        if t > now {
            *a = (Instant::now(), t);
        }
    }

    /// Stops the clock where it stands. A day cut short (`--until`) is compared with the
    /// journal after the hub has stopped: time running on while it stops would let the hub
    /// time out tickets the simulator's count, taken at the cut, still holds open.
    pub fn freeze(&self) {
        let mut a = self
            .anchor
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !self.frozen.swap(true, std::sync::atomic::Ordering::SeqCst) {
            *a = (Instant::now(), Self::read(&a, self.speed));
        }
    }

    /// Starts a frozen clock again from where it stands: the bookings made before the day
    /// (HTTP requests, each a journal commit: real time on a loaded machine) take no simulated
    /// time, so they never eat into the morning.
    pub fn thaw(&self) {
        let mut a = self
            .anchor
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.frozen.swap(false, std::sync::atomic::Ordering::SeqCst) {
            *a = (Instant::now(), a.1);
        }
    }

    fn read(anchor: &(Instant, Timestamp), speed: f64) -> Timestamp {
        let real_ms = anchor.0.elapsed().as_secs_f64() * 1000.0;
        Timestamp(anchor.1.0 + (real_ms * speed) as i64)
    }
}

impl Clock for SimClock {
    fn now(&self) -> Timestamp {
        let a = self
            .anchor
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.frozen.load(std::sync::atomic::Ordering::SeqCst) {
            return a.1;
        }
        Self::read(&a, self.speed)
    }

    fn rate(&self) -> f64 {
        if self.frozen.load(std::sync::atomic::Ordering::SeqCst) {
            0.0
        } else {
            self.speed
        }
    }
}

/// Simulated time as the devices see it.
#[derive(Debug, Clone)]
pub struct SimTime {
    /// The hub's clock.
    pub clock: Arc<SimClock>,
    /// The hall's offset from UTC.
    pub utc_offset_min: i32,
}

impl SimTime {
    /// Now, simulated.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The hall-local minute of the day.
    pub fn minute(&self) -> u32 {
        time::local(self.now(), self.utc_offset_min).1
    }

    /// `HH:MM` now.
    pub fn hhmm(&self) -> String {
        time::hhmm(self.now(), self.utc_offset_min)
    }

    /// The real time that `secs` simulated seconds take.
    pub fn real(&self, secs: f64) -> Duration {
        Duration::from_secs_f64((secs / self.clock.speed().max(1e-9)).clamp(0.0, 3600.0))
    }

    /// Sleeps until simulated time `t` (at once if it has passed).
    pub async fn sleep_until(&self, t: Timestamp) {
        // The clock is read again after each sleep: a timer may wake a little early.
        for _ in 0..1000 {
            let ms = t.0 - self.now().0;
            if ms <= 0 {
                return;
            }
            tokio::time::sleep(
                self.real(ms as f64 / 1000.0)
                    .max(Duration::from_micros(200)),
            )
            .await;
        }
    }

    /// Sleeps `secs` of simulated time.
    pub async fn sleep(&self, secs: i64) {
        self.sleep_until(self.now().plus_secs(secs)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_runs_fast_and_only_jumps_forward() {
        let c = SimClock::new(Timestamp(1_000_000), 1000.0);
        std::thread::sleep(Duration::from_millis(20));
        let t = c.now();
        assert!(t.0 >= 1_000_000 + 20_000, "{t:?}");
        c.jump_to(Timestamp(5_000_000));
        assert!(c.now().0 >= 5_000_000);
        c.jump_to(Timestamp(2_000_000));
        assert!(c.now().0 >= 5_000_000, "never backward");
    }

    #[test]
    fn a_frozen_clock_stands_still() {
        let clock = SimClock::new(Timestamp(1_000_000), 1000.0);
        std::thread::sleep(Duration::from_millis(5));
        clock.freeze();
        let at = clock.now();
        assert!(at.0 >= 1_005_000, "it ran before: {at:?}");
        std::thread::sleep(Duration::from_millis(5));
        clock.freeze();
        assert_eq!(clock.now(), at);
    }

    #[test]
    fn a_thawed_clock_runs_on_from_where_it_stood() {
        let clock = SimClock::new(Timestamp(1_000_000), 1000.0);
        clock.freeze();
        let at = clock.now();
        // A second frozen: a thousand simulated seconds that must not be counted.
        std::thread::sleep(Duration::from_secs(1));
        clock.thaw();
        let after = clock.now();
        assert!(
            after >= at && after.0 < at.0 + 1_000_000,
            "{at:?} → {after:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
        assert!(clock.now().0 >= after.0 + 20_000, "it runs again");
    }
}
