//! Staffing (弹性排班): counters needed per hour of the week to reach the waiting-time target.
//!
//! The model is **Erlang C** (M/M/c): arrivals at the measured rate of that hour of the week,
//! each holding a counter for the measured mean time from call to leaving the counter, served
//! first come first served by `c` interchangeable counters. It is the standard of the field for
//! "how many positions to meet a service level", needs only the two measured means, and its
//! errors lean to the safe side here: it lets nobody walk out (walk-outs shorten real queues),
//! and it assumes exponential handling times, more variable than a hall's, which lengthens the
//! waits it predicts. What it does not see: counters with different skills (it pools them, as a
//! hall of 一窗通办 counters is). Hour by hour it would not see the load carried from one hour
//! into the next either: [`day_flow`] walks each day's hours in order and gives Erlang C the
//! modified offered load (Jennings, Mandelbaum, Massey and Whitt 1996; the standard way to
//! staff a time-varying queue for a time-stable service level), and, to check the hall's own
//! staffing against what it measured, the queue its open counters left to the next hour.

/// One hour of a day as the time-varying check takes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HourLoad {
    /// Tickets arriving in the hour.
    pub per_hour: f64,
    /// Mean time a ticket holds a counter, seconds (`None`: nothing measured).
    pub hold_secs: Option<f64>,
    /// Counters open on average.
    pub open: f64,
}

/// An hour of the day as it flows from the hour before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HourFlow {
    /// The offered load the counters must carry, Erlangs: the modified offered load (the
    /// customers being served in a hall with a counter for everyone), which lags the arrivals
    /// by the holding time, the largest it reaches in the hour.
    pub load: f64,
    /// Customers still queued when the hour began, with the counters actually open (fluid):
    /// what the hours before left.
    pub backlog: f64,
}

/// Walks a day's hours in order, carrying from each into the next: the load still being
/// served (the modified offered load m(t), dm/dt = λ(t) − m(t)/h, exact for each hour's
/// constant rate) and the queue the counters actually open did not clear (a fluid queue:
/// arrivals beyond their capacity wait into the next hour).
pub fn day_flow(hours: &[HourLoad]) -> Vec<HourFlow> {
    let mut m = 0.0_f64;
    let mut queue = 0.0_f64;
    hours
        .iter()
        .map(|h| {
            let flow = HourFlow {
                load: m,
                backlog: queue,
            };
            let Some(hold) = h.hold_secs.filter(|&x| x > 0.0) else {
                return flow;
            };
            let a = h.per_hour * hold / 3600.0;
            let end = a + (m - a) * (-3600.0 / hold).exp();
            let load = m.max(end);
            m = end;
            let capacity = h.open * 3600.0 / hold;
            queue = (queue + h.per_hour - capacity).max(0.0);
            HourFlow { load, ..flow }
        })
        .collect()
}

/// The probability that an arrival must wait, with `c` counters and an offered load of `a`
/// Erlangs (arrival rate × mean holding time). 1 when the counters cannot keep up.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    if f64::from(c) <= a {
        return 1.0;
    }
    // Erlang B by its stable recursion, then C from B.
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let c = f64::from(c);
    c * b / (c - a * (1.0 - b))
}

/// The share of arrivals called within `target_secs`, with `c` counters, `per_hour` arrivals
/// an hour and `hold_secs` mean holding time.
pub fn service_level(c: u32, per_hour: f64, hold_secs: f64, target_secs: f64) -> f64 {
    if per_hour <= 0.0 {
        return 1.0;
    }
    let a = per_hour * hold_secs / 3600.0;
    if f64::from(c) <= a {
        return 0.0;
    }
    let p_wait = erlang_c(c, a);
    1.0 - p_wait * (-(f64::from(c) - a) * target_secs / hold_secs).exp()
}

/// The fewest counters that call `level` (0–1) of arrivals within `target_secs`; `None` past
/// 99 counters.
pub fn counters_needed(per_hour: f64, hold_secs: f64, target_secs: f64, level: f64) -> Option<u32> {
    if per_hour <= 0.0 {
        return Some(0);
    }
    (1..100).find(|&c| service_level(c, per_hour, hold_secs, target_secs) >= level)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_matches_the_textbook_value() {
        // Two Erlangs on three servers: C = 4/9.
        assert!((erlang_c(3, 2.0) - 4.0 / 9.0).abs() < 1e-12);
        // One server: C = ρ.
        assert!((erlang_c(1, 0.5) - 0.5).abs() < 1e-12);
        assert_eq!(erlang_c(2, 2.0), 1.0, "saturated");
    }

    #[test]
    fn more_counters_never_lower_the_service_level() {
        let levels: Vec<f64> = (1..10)
            .map(|c| service_level(c, 30.0, 600.0, 300.0))
            .collect();
        assert!(levels.windows(2).all(|w| w[1] >= w[0]), "{levels:?}");
    }

    #[test]
    fn counters_needed_is_the_first_that_reaches_the_level() {
        // 30 an hour × 10 min = 5 Erlangs: at least 6 counters, and the first that reaches
        // 80 % within 5 min.
        let c = counters_needed(30.0, 600.0, 300.0, 0.8).unwrap();
        assert!(c >= 6);
        assert!(service_level(c, 30.0, 600.0, 300.0) >= 0.8);
        assert!(service_level(c - 1, 30.0, 600.0, 300.0) < 0.8);
        assert_eq!(counters_needed(0.0, 600.0, 300.0, 0.8), Some(0));
    }
}
