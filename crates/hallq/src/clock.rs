//! Hall-local time for people: the engine counts Unix milliseconds, people read `10:42`.

use hallq_proto::{BusinessDay, Timestamp};

/// The demo hall's offset from UTC (China Standard Time, no daylight saving).
pub(crate) const UTC_OFFSET_SECS: i64 = 8 * 3600;

/// Days from 1970-01-01 to the civil date `y-m-d` (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The instant of local `hh:mm` on business day `day`.
pub(crate) fn at(day: BusinessDay, hh: i64, mm: i64) -> Timestamp {
    let (y, m, d) = (
        i64::from(day.0 / 10_000),
        i64::from(day.0 / 100 % 100),
        i64::from(day.0 % 100),
    );
    let secs = days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 - UTC_OFFSET_SECS;
    Timestamp(secs * 1000)
}

/// `HH:MM` of `t` in hall-local time.
pub(crate) fn hhmm(t: Timestamp) -> String {
    let local = t.0.div_euclid(1000) + UTC_OFFSET_SECS;
    let mins = local.div_euclid(60).rem_euclid(24 * 60);
    format!("{:02}:{:02}", mins / 60, mins % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_round_trip() {
        let day = BusinessDay(20261123);
        let t = at(day, 9, 5);
        assert_eq!(hhmm(t), "09:05");
        // 2026-11-23 01:05 UTC.
        assert_eq!(t.0, 1_795_395_900_000);
    }
}
