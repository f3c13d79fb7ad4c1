//! Staffing (弹性排班): counters needed per hour of the week to reach the waiting-time target.
//!
//! The model is **Erlang C** (M/M/c): arrivals at the measured rate of that hour of the week,
//! each holding a counter for the measured mean time from call to leaving the counter, served
//! first come first served by `c` interchangeable counters. It is the standard of the field for
//! "how many positions to meet a service level", needs only the two measured means, and its
//! errors lean to the safe side here: it lets nobody walk out (walk-outs shorten real queues),
//! and it assumes exponential handling times, more variable than a hall's, which lengthens the
//! waits it predicts. What it does not see: counters with different skills (it pools them, as a
//! hall of 一窗通办 counters is) and queues that carry over from one hour to the next.

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
