//! Hall-local time: the hub counts Unix milliseconds; people and business days count local dates
//! and hours. The hall's offset from UTC comes from its configuration (China: +480 minutes, no
//! daylight saving).

use crate::ids::{BusinessDay, Timestamp};

const DAY_MS: i64 = 86_400_000;

/// Days from 1970-01-01 to the civil date `y-m-d` (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let (m, d) = (i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(y, m, d)` of day number `z` since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The local calendar day and minute of the day of `t`.
pub fn local(t: Timestamp, utc_offset_min: i32) -> (BusinessDay, u32) {
    let local_ms = t.0 + i64::from(utc_offset_min) * 60_000;
    let days = local_ms.div_euclid(DAY_MS);
    let minute = (local_ms.rem_euclid(DAY_MS) / 60_000) as u32;
    let (y, m, d) = civil_from_days(days);
    (BusinessDay((y as u32) * 10_000 + m * 100 + d), minute)
}

/// The business day `t` belongs to when the day turns at `reset_min` local minutes after
/// midnight: before the reset, it is still the previous day.
pub fn business_day(t: Timestamp, utc_offset_min: i32, reset_min: u32) -> BusinessDay {
    local(t.plus_secs(-i64::from(reset_min) * 60), utc_offset_min).0
}

/// Days since 1970-01-01 of calendar day `day`.
pub fn day_number(day: BusinessDay) -> i64 {
    days_from_civil(i64::from(day.0 / 10_000), day.0 / 100 % 100, day.0 % 100)
}

/// `YYYY-MM-DD` of calendar day `day`.
pub fn iso_date(day: BusinessDay) -> String {
    format!(
        "{}-{:02}-{:02}",
        day.0 / 10_000,
        day.0 / 100 % 100,
        day.0 % 100
    )
}

/// `YYYY-MM-DD HH:MM` of `t`, local.
pub fn iso_minute(t: Timestamp, utc_offset_min: i32) -> String {
    format!(
        "{} {}",
        iso_date(local(t, utc_offset_min).0),
        hhmm(t, utc_offset_min)
    )
}

/// The instant of local `minute` (after midnight) on calendar day `day`.
pub fn at(day: BusinessDay, minute: u32, utc_offset_min: i32) -> Timestamp {
    let local_ms = day_number(day) * DAY_MS + i64::from(minute) * 60_000;
    Timestamp(local_ms - i64::from(utc_offset_min) * 60_000)
}

/// `HH:MM` of `t`, local.
pub fn hhmm(t: Timestamp, utc_offset_min: i32) -> String {
    let (_, minute) = local(t, utc_offset_min);
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CST: i32 = 480;

    #[test]
    fn local_time_round_trips() {
        let day = BusinessDay(20261123);
        let t = at(day, 9 * 60 + 5, CST);
        assert_eq!(t.0, 1_795_395_900_000, "2026-11-23 01:05 UTC");
        assert_eq!(local(t, CST), (day, 9 * 60 + 5));
        assert_eq!(hhmm(t, CST), "09:05");
    }

    #[test]
    fn dates_cross_months_years_and_leap_days() {
        for (y, m, d) in [
            (2024, 2, 29),
            (2026, 12, 31),
            (2027, 1, 1),
            (1970, 1, 1),
            (2000, 3, 1),
        ] {
            assert_eq!(civil_from_days(days_from_civil(y, m, d)), (y, m, d));
        }
    }

    #[test]
    fn the_business_day_turns_at_the_reset_not_at_midnight() {
        let reset = 3 * 60;
        let before = at(BusinessDay(20261124), 2 * 60 + 59, CST);
        let after = at(BusinessDay(20261124), 3 * 60, CST);
        assert_eq!(business_day(before, CST, reset), BusinessDay(20261123));
        assert_eq!(business_day(after, CST, reset), BusinessDay(20261124));
    }
}
