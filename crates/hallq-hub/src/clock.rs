//! The hub is the only clock (ARCHITECTURE.md): every `now` the engine sees comes from here.

use std::time::Instant;

use hallq_proto::Timestamp;

/// A source of the hub's time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> Timestamp;

    /// How fast it runs now: its milliseconds per real millisecond (1 for the wall's, the
    /// speed of a simulated one, 0 while it stands still). The hub publishes it so that the
    /// apps' clocks run on at its pace between its messages.
    fn rate(&self) -> f64 {
        1.0
    }
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

    fn rate(&self) -> f64 {
        self.speed
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

    /// While held, the hub's time runs at the monotonic count's pace, not the clock's.
    fn rate(&self) -> f64 {
        if self.behind_ms().is_some() {
            1.0
        } else {
            self.inner.rate()
        }
    }
}

/// When `state/hub` must say the hub's time again, as pure state: the apps run their clocks on
/// from the last one said at its rate, so it is said again when that no longer gives the hub's
/// time (the clock jumped, was held or released, or changed pace), and at every turn of the
/// hub's minute otherwise, at most once a real second. Every minute keeps the retained status
/// no more than a minute of the hub's time old, so an app that connects shows the right minute
/// from the next turn on, and any drift between machines is undone each minute.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClockNews {
    /// What was said last: the hub's time, its rate, and the monotonic count when it was said.
    said: Option<(Timestamp, f64, u64)>,
}

/// How far (hub milliseconds) the hub's time may stray from what the apps run on before it is
/// said again, beyond the pace's own share of the reading's jitter.
const STRAY_MS: f64 = 1_000.0;

/// The least time between two statuses said for the minute's turn alone, real milliseconds: a
/// simulated hall at ×600 turns ten minutes a second.
const MINUTE_NEWS_EVERY_MS: u64 = 1_000;

impl ClockNews {
    /// Whether the hub's time `now`, running at `rate`, read at the monotonic count `mono_ms`,
    /// must be said (and if so, it is taken as said).
    pub fn due(&mut self, now: Timestamp, rate: f64, mono_ms: u64) -> bool {
        let due = match self.said {
            None => true,
            Some((then, was, at)) => {
                let real = mono_ms.saturating_sub(at) as f64;
                let expected = then.0 as f64 + real * was;
                let strayed = (now.0 as f64 - expected).abs() > STRAY_MS + 20.0 * rate.max(was);
                let turned = now.0.div_euclid(60_000) != then.0.div_euclid(60_000)
                    && mono_ms.saturating_sub(at) >= MINUTE_NEWS_EVERY_MS;
                rate != was || strayed || turned
            }
        };
        if due {
            self.said = Some((now, rate, mono_ms));
        }
        due
    }

    /// Takes `now` as said (a status published for another reason carried it).
    pub fn said(&mut self, now: Timestamp, rate: f64, mono_ms: u64) {
        self.said = Some((now, rate, mono_ms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_795_399_200_000;

    #[test]
    fn the_hubs_time_is_said_at_start_at_each_minute_and_when_it_jumps_or_changes_pace() {
        let mut news = ClockNews::default();
        let t = T - T.rem_euclid(60_000); // a minute's turn
        assert!(news.due(Timestamp(t + 1_000), 60.0, 0), "at start");
        // At ×60, 0.5 s later the time is where the apps run it: nothing to say.
        assert!(!news.due(Timestamp(t + 31_000), 60.0, 500));
        // The minute turns (1 s later): said.
        assert!(news.due(Timestamp(t + 61_000), 60.0, 1_000));
        // The simulator jumps an hour ahead: said at once.
        assert!(news.due(Timestamp(t + 3_661_000), 60.0, 1_010));
        // The clock stands still: its pace changed.
        assert!(news.due(Timestamp(t + 3_661_600), 0.0, 1_020));
        assert!(!news.due(Timestamp(t + 3_661_600), 0.0, 9_000));
    }

    #[test]
    fn a_fast_clock_turning_minutes_is_said_at_most_once_a_second() {
        let mut news = ClockNews::default();
        assert!(news.due(Timestamp(T), 600.0, 0));
        // ×600 turns a minute every 100 ms: not said again within the second.
        let said: Vec<u64> = (1..=20_u64)
            .map(|i| i * 100)
            .filter(|&ms| news.due(Timestamp(T + i64::try_from(ms).unwrap() * 600), 600.0, ms))
            .collect();
        assert_eq!(said, vec![1_000, 2_000]);
    }

    #[test]
    fn a_hall_clock_is_said_once_a_minute_and_when_set() {
        let mut news = ClockNews::default();
        let t = T - T.rem_euclid(60_000);
        assert!(news.due(Timestamp(t), 1.0, 0));
        assert!(!news.due(Timestamp(t + 30_000), 1.0, 30_000));
        assert!(news.due(Timestamp(t + 60_000), 1.0, 60_000));
        // NTP steps the clock 5 s ahead.
        assert!(news.due(Timestamp(t + 70_000), 1.0, 65_000));
        // A held clock runs at the monotonic pace, 1: nothing new while it does.
        assert!(!news.due(Timestamp(t + 71_000), 1.0, 66_000));
    }

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
