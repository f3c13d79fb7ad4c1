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

/// The rule that keeps the hub's time from running backwards, as pure state: fed the clock's
/// reading and a monotonic millisecond count, it gives the hub's time.
///
/// While the clock reads at or after the last time given (the journal's last event, at start),
/// the hub's time is the clock's. When the clock reads earlier (started a day or an hour behind,
/// or stepped back while running), the hub's time goes on from the last time given at the rate
/// of the monotonic count, until the clock catches up. So a business day never reopens, a
/// ticket id is never given twice, and no event is stamped before one already journaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    /// The last time given (at first, the floor).
    last: Timestamp,
    /// While the clock is behind: the time given and the monotonic count when it fell behind.
    anchor: Option<(Timestamp, u64)>,
}

impl Hold {
    /// A hold that never gives a time before `floor`.
    pub fn new(floor: Timestamp) -> Self {
        Self {
            last: floor,
            anchor: None,
        }
    }

    /// The hub's time for the clock's reading `clock` at the monotonic count `mono_ms`.
    pub fn read(&mut self, clock: Timestamp, mono_ms: u64) -> Timestamp {
        if clock >= self.last {
            self.last = clock;
            self.anchor = None;
            return clock;
        }
        let (at, since) = *self.anchor.get_or_insert((self.last, mono_ms));
        let ran = i64::try_from(mono_ms.saturating_sub(since)).unwrap_or(i64::MAX);
        let now = Timestamp(at.0.saturating_add(ran)).max(self.last);
        self.last = now;
        now
    }

    /// How far the clock is behind the hub's time, in milliseconds, as of the last reading;
    /// `None` when it is not.
    pub fn behind_ms(&self, clock: Timestamp) -> Option<i64> {
        self.anchor
            .map(|_| self.last.0 - clock.0)
            .filter(|b| *b > 0)
    }
}

/// A clock that never runs backwards: `inner` held by [`Hold`] over a floor (the journal's last
/// event). The writer reads every `now` through it.
#[derive(Debug)]
pub struct HeldClock {
    inner: std::sync::Arc<dyn Clock>,
    origin: Instant,
    /// The hold, and how far behind the inner clock was at the last reading.
    state: std::sync::Mutex<(Hold, Option<i64>)>,
}

impl HeldClock {
    /// `inner`, never giving a time before `floor`.
    pub fn new(inner: std::sync::Arc<dyn Clock>, floor: Timestamp) -> Self {
        Self {
            inner,
            origin: Instant::now(),
            state: std::sync::Mutex::new((Hold::new(floor), None)),
        }
    }

    /// How far the inner clock was behind the hub's time at the last reading, in milliseconds;
    /// `None` when it was not.
    pub fn behind_ms(&self) -> Option<i64> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .1
    }
}

impl Clock for HeldClock {
    fn now(&self) -> Timestamp {
        let clock = self.inner.now();
        let mono = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = state.0.read(clock, mono);
        let behind = state.0.behind_ms(clock);
        match (state.1, behind) {
            (None, Some(ms)) => tracing::warn!(
                behind_ms = ms,
                "the system clock is behind the hub's last time; the hub's time goes on from there, never backwards: set the clock right / 系统时钟落后于中枢已记录的时间，中枢时间不回退，请校正系统时钟"
            ),
            (Some(_), None) => tracing::info!(
                "the system clock has caught up with the hub's time / 系统时钟已恢复"
            ),
            _ => {}
        }
        state.1 = behind;
        now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_795_399_200_000;

    #[test]
    fn a_clock_that_runs_forward_is_taken_as_it_is() {
        let mut h = Hold::new(Timestamp(T));
        assert_eq!(h.read(Timestamp(T), 0), Timestamp(T));
        assert_eq!(h.read(Timestamp(T + 5_000), 10), Timestamp(T + 5_000));
        assert_eq!(h.behind_ms(Timestamp(T + 5_000)), None);
    }

    #[test]
    fn a_clock_behind_the_floor_goes_on_from_the_floor_in_real_time() {
        let day = 86_400_000;
        let mut h = Hold::new(Timestamp(T));
        // Started a day behind the journal's last event.
        assert_eq!(h.read(Timestamp(T - day), 1_000), Timestamp(T));
        assert_eq!(h.behind_ms(Timestamp(T - day)), Some(day));
        // 3 s later in real time, the clock still a day behind: 3 s later for the hub.
        assert_eq!(
            h.read(Timestamp(T - day + 3_000), 4_000),
            Timestamp(T + 3_000)
        );
        // The clock is set right: the hub takes it again.
        assert_eq!(h.read(Timestamp(T + 60_000), 5_000), Timestamp(T + 60_000));
        assert_eq!(h.behind_ms(Timestamp(T + 60_000)), None);
    }

    #[test]
    fn a_clock_stepped_back_while_running_never_gives_an_earlier_time() {
        let mut h = Hold::new(Timestamp(0));
        assert_eq!(h.read(Timestamp(T), 0), Timestamp(T));
        // Stepped back an hour: the hub's time stands where it was, then runs on.
        let back = T - 3_600_000;
        let mut last = Timestamp(0);
        for (i, mono) in [100_u64, 100, 250, 1_000].into_iter().enumerate() {
            let now = h.read(Timestamp(back + i as i64), mono);
            assert!(now >= last && now >= Timestamp(T), "{now:?} after {last:?}");
            last = now;
        }
        assert_eq!(last, Timestamp(T + 900));
        // A reading between the stepped-back clock and the hub's time changes nothing.
        assert_eq!(h.read(Timestamp(T + 500), 1_000), Timestamp(T + 900));
    }
}
