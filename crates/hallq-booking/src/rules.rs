//! The slots a hall offers for booking and the limits on them.

use std::collections::BTreeMap;

use hallq_proto::{BusinessCode, BusinessDay, Timestamp, time};
use serde::{Deserialize, Serialize};

use crate::BookingError;

/// A hall's booking rules: in its configuration (`[booking]`), published by HQ where there is
/// one. Every time is hall-local minutes after midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlotRules {
    /// Local time = UTC + this (the hall's).
    pub utc_offset_min: i32,
    /// A slot's length; slots start at the opening and every `slot_min` after it.
    pub slot_min: u32,
    /// The first slot starts here (the hall's opening).
    pub open_min: u32,
    /// The last slot ends here at the latest (the hall's last ticket).
    pub close_min: u32,
    /// How many days ahead a slot can be booked: today is day 0.
    pub horizon_days: u32,
    /// A slot can be booked, changed to or cancelled until this long before it starts.
    pub book_until_min: u32,
    /// Bookings one person may hold for one day (those holding a place: cancelled ones, no-shows
    /// and late check-ins do not count).
    pub per_person_daily: u32,
    /// Days of the week the hall is closed, ISO numbers (1 Monday … 7 Sunday).
    pub closed_weekdays: Vec<u8>,
    /// Days the hall is closed (public holidays), `YYYYMMDD`.
    pub closed_days: Vec<BusinessDay>,
    /// Bookings a slot takes, per business type; a business type not named here is not
    /// bookable. A hall sets these, or derives them from its staffing ([`capacity_from_staffing`]).
    pub capacity: BTreeMap<BusinessCode, u32>,
    /// A check-in this long before the slot starts is taken; the ticket then waits its turn
    /// from the booked time (see [`crate::arrival`]).
    pub early_min: u32,
    /// A check-in later than this after the slot's start is a walk-in, and told so.
    pub late_min: u32,
    /// How far ahead of a walk-in issued at the same moment a booked customer is queued: the
    /// bounded head start, like priority's.
    pub head_start_min: u32,
}

impl Default for SlotRules {
    fn default() -> Self {
        Self {
            utc_offset_min: 480,
            slot_min: 30,
            open_min: 8 * 60 + 30,
            close_min: 17 * 60 + 30,
            horizon_days: 7,
            book_until_min: 30,
            per_person_daily: 2,
            closed_weekdays: Vec::new(),
            closed_days: Vec::new(),
            capacity: BTreeMap::new(),
            early_min: 60,
            late_min: 15,
            head_start_min: 10,
        }
    }
}

/// Rules that cannot work, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("booking rules: {0}")]
pub struct RulesError(pub String);

/// The longest head start rules may give: a booked customer may overtake walk-ins by at most
/// this, whatever the configuration says (the same bound as priority's head starts).
pub const MAX_HEAD_START_MIN: u32 = 60;

/// One slot of one business type on one day, as the booking page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotView {
    /// Its start, local minutes after midnight.
    pub start_min: u32,
    /// Bookings it takes.
    pub capacity: u32,
    /// Places taken (booked, or checked in on time).
    pub booked: u32,
    /// Whether it can still be booked now: in the future beyond `book_until_min`, not full.
    pub open: bool,
}

impl SlotRules {
    /// Checks the rules make sense together.
    pub fn validate(&self) -> Result<(), RulesError> {
        let err = |s: &str| Err(RulesError(s.to_owned()));
        if !(5..=240).contains(&self.slot_min) || !1440u32.is_multiple_of(self.slot_min) {
            return err("slot_min must divide the day and be 5 to 240 minutes");
        }
        if self.close_min > 1440 || self.open_min + self.slot_min > self.close_min {
            return err("open_min and close_min must hold at least one slot within the day");
        }
        if !(1..=90).contains(&self.horizon_days) {
            return err("horizon_days must be 1 to 90");
        }
        if self.per_person_daily == 0 {
            return err("per_person_daily must be at least 1");
        }
        if self.closed_weekdays.iter().any(|d| !(1..=7).contains(d)) {
            return err("closed_weekdays are 1 (Monday) to 7 (Sunday)");
        }
        if self.head_start_min > MAX_HEAD_START_MIN {
            return err(
                "head_start_min must be at most 60: a booking never overtakes without bound",
            );
        }
        if self.late_min >= self.slot_min.max(1) * 4 {
            return err("late_min must be less than four slots");
        }
        Ok(())
    }

    /// Whether the hall takes bookings on `day` at all.
    pub fn is_open_day(&self, day: BusinessDay) -> bool {
        let weekday = (time::day_number(day) + 3).rem_euclid(7) as u8 + 1;
        !self.closed_weekdays.contains(&weekday) && !self.closed_days.contains(&day)
    }

    /// The slots' starts of a day the hall is open.
    pub fn starts(&self) -> impl Iterator<Item = u32> + '_ {
        (self.open_min..=self.close_min - self.slot_min).step_by(self.slot_min as usize)
    }

    /// The instant a slot starts.
    pub fn start_of(&self, day: BusinessDay, start_min: u32) -> Timestamp {
        time::at(day, start_min, self.utc_offset_min)
    }

    /// The capacity of `business`'s slots; `None` if it is not bookable.
    pub fn capacity_of(&self, business: &BusinessCode) -> Option<u32> {
        self.capacity.get(business).copied().filter(|&c| c > 0)
    }

    /// Checks that (`business`, `day`, `start_min`) is a slot that can be booked at `now`, and
    /// gives its capacity. HQ's book (PostgreSQL) asks this before it takes a place.
    pub fn bookable(
        &self,
        business: &BusinessCode,
        day: BusinessDay,
        start_min: u32,
        now: Timestamp,
    ) -> Result<u32, BookingError> {
        let capacity = self
            .capacity_of(business)
            .ok_or_else(|| BookingError::NotBookable(business.clone()))?;
        if !self.is_open_day(day) {
            return Err(BookingError::ClosedDay(day));
        }
        if start_min < self.open_min
            || start_min + self.slot_min > self.close_min
            || !(start_min - self.open_min).is_multiple_of(self.slot_min)
        {
            return Err(BookingError::NoSuchSlot);
        }
        self.still_changeable(day, start_min, now)?;
        let today = time::local(now, self.utc_offset_min).0;
        if time::day_number(day) - time::day_number(today) > i64::from(self.horizon_days) {
            return Err(BookingError::BeyondHorizon(self.horizon_days));
        }
        Ok(capacity)
    }

    /// The slots of `business` on `day` as the booking page shows them at `now`, with the
    /// places `held(start_min)` says each has sold (the hub's book, or HQ's `booking_slot`).
    pub fn slot_views(
        &self,
        business: &BusinessCode,
        day: BusinessDay,
        now: Timestamp,
        held: impl Fn(u32) -> u32,
    ) -> Vec<SlotView> {
        let Some(capacity) = self.capacity_of(business) else {
            return Vec::new();
        };
        if !self.is_open_day(day) {
            return Vec::new();
        }
        self.starts()
            .map(|start_min| {
                let booked = held(start_min);
                SlotView {
                    start_min,
                    capacity,
                    booked,
                    open: booked < capacity && self.bookable(business, day, start_min, now).is_ok(),
                }
            })
            .collect()
    }

    /// Checks a slot is far enough ahead of `now` to be booked, changed or cancelled.
    pub fn still_changeable(
        &self,
        day: BusinessDay,
        start_min: u32,
        now: Timestamp,
    ) -> Result<(), BookingError> {
        let deadline = self
            .start_of(day, start_min)
            .plus_secs(-i64::from(self.book_until_min) * 60);
        if now > deadline {
            Err(BookingError::TooLate(self.book_until_min))
        } else {
            Ok(())
        }
    }
}

/// A capacity per slot from the staffing plan: `counters` serving the business type during the
/// slot, a handling time of `mean_handling_min`, and the `share` of that time the hall gives to
/// bookings (the rest stays for walk-ins). Rounded down: a hall never promises time it has not.
pub fn capacity_from_staffing(
    counters: f64,
    mean_handling_min: f64,
    slot_min: u32,
    share: f64,
) -> u32 {
    if counters <= 0.0 || mean_handling_min <= 0.0 || share <= 0.0 {
        return 0;
    }
    (counters * f64::from(slot_min) / mean_handling_min * share.min(1.0)).floor() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_rules_hold_eighteen_slots_from_opening_to_the_last_ticket() {
        let rules = SlotRules::default();
        rules.validate().unwrap();
        let starts: Vec<u32> = rules.starts().collect();
        assert_eq!(starts.len(), 18);
        assert_eq!(starts.first(), Some(&(8 * 60 + 30)));
        assert_eq!(starts.last(), Some(&(17 * 60)));
    }

    #[test]
    fn rules_that_cannot_work_are_refused_with_their_reason() {
        let bad = |f: fn(&mut SlotRules)| {
            let mut r = SlotRules::default();
            f(&mut r);
            r.validate().unwrap_err().0
        };
        assert!(bad(|r| r.slot_min = 7).contains("slot_min"));
        assert!(bad(|r| r.close_min = r.open_min).contains("close_min"));
        assert!(bad(|r| r.horizon_days = 0).contains("horizon_days"));
        assert!(bad(|r| r.per_person_daily = 0).contains("per_person_daily"));
        assert!(bad(|r| r.closed_weekdays = vec![0]).contains("closed_weekdays"));
        assert!(bad(|r| r.head_start_min = 61).contains("without bound"));
    }

    #[test]
    fn weekdays_and_holidays_close_a_day() {
        let rules = SlotRules {
            closed_weekdays: vec![7],
            closed_days: vec![BusinessDay(20261001)],
            ..SlotRules::default()
        };
        assert!(rules.is_open_day(BusinessDay(20261207)), "a Monday");
        assert!(!rules.is_open_day(BusinessDay(20261206)), "a Sunday");
        assert!(!rules.is_open_day(BusinessDay(20261001)), "National Day");
    }

    #[test]
    fn staffing_gives_whole_bookings_and_never_more_than_the_share() {
        assert_eq!(capacity_from_staffing(2.0, 12.0, 30, 0.5), 2);
        assert_eq!(capacity_from_staffing(3.0, 10.0, 30, 1.0), 9);
        assert_eq!(
            capacity_from_staffing(3.0, 10.0, 30, 2.0),
            9,
            "a share above 1 is 1"
        );
        assert_eq!(capacity_from_staffing(0.0, 10.0, 30, 0.5), 0);
    }
}
