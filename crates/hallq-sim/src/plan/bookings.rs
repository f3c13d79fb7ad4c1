//! Who books (issue 15 §3): a share of the day's customers book a slot around their arrival, and
//! keep it on time, come late or do not come (the scenario's [`BookingShares`]).
//!
//! The model: a customer who would take an ordinary ticket at a kiosk for a bookable business
//! type books with the scenario's `share`. The slot is the one that puts their planned arrival
//! in a window of the slot's length: for an on-time customer (and an absent one) from 25 minutes
//! before its start to 5 minutes after; for a late one from 25 to 55 minutes after it (the
//! hall's late limit is 15 by default: both stay 10 minutes clear of it, so that the kiosk's
//! own queue never makes an on-time customer late or the reverse). Arrivals stay as the
//! Poisson process drew them: booking moves nobody. A slot the rules do not offer (outside the
//! hours, too close to the start of the day to be booked) or one the plan has already filled is
//! not booked: that customer walks in. Each customer draws from their own stream of the seed,
//! so bookings change no other draw of the plan.

use std::collections::BTreeMap;

use hallq_booking::SlotRules;
use hallq_proto::{BusinessCode, BusinessDay, Timestamp};

use super::{AtKiosk, Customer, Entry, MIN, SimConfig, Wish};
use crate::rng::Rng;

/// How a booked customer keeps the booking: the simulator's truth, which the report's figures
/// are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keeping {
    /// Checks in between 25 minutes before the slot and 5 after.
    OnTime,
    /// Checks in 25 to 55 minutes after the slot's start: a walk-in.
    Late,
    /// Does not come.
    Absent,
}

/// A customer's booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedBooking {
    /// The slot's start, local minutes after midnight.
    pub start_min: u32,
    /// The slot's start.
    pub start: Timestamp,
    /// How it is kept.
    pub keeping: Keeping,
    /// The mobile number booked with (made up: 139 and the customer's number).
    pub mobile: String,
}

/// The demo hall's `[booking]` (`hallq demo`): basic 3 a half-hour, complex 2, repair and
/// enterprise 1, consultations not bookable (they take minutes); the rules' defaults otherwise.
/// The simulator serves it on a free local port with the demo's code sender
/// ([`crate::Prepared::new`]).
pub fn demo_section() -> hallq_hub::booking::BookingSection {
    let capacity = [
        ("basic", 3),
        ("complex", 2),
        ("repair", 1),
        ("enterprise", 1),
    ]
    .into_iter()
    .filter_map(|(code, n)| Some((BusinessCode::new(code).ok()?, n)))
    .collect();
    hallq_hub::booking::BookingSection {
        capacity,
        otp: hallq_hub::booking::otp::OtpChoice::Log,
        ..Default::default()
    }
}

/// The booking rules of the hall, if it takes bookings.
pub(crate) fn rules(config: &SimConfig) -> Option<SlotRules> {
    let hall = &config.hall;
    hall.booking.as_ref()?.rules(hall).ok()
}

/// Gives some of `customers` a booking; bookings are made before `starts_at`.
pub(super) fn book(
    config: &SimConfig,
    customers: &mut [Customer],
    day: BusinessDay,
    starts_at: Timestamp,
    seed: u64,
    notes: &mut Vec<String>,
) {
    let Some(rules) = rules(config) else {
        return;
    };
    let shares = config.scenario.bookings;
    if shares.share <= 0.0 {
        return;
    }
    let mut taken: BTreeMap<(BusinessCode, u32), u32> = BTreeMap::new();
    let mut full = 0;
    for c in customers.iter_mut() {
        let mut rng = Rng::new(seed, 3_000_000 + u64::from(c.n));
        let at_kiosk = matches!(
            c.entry,
            Entry::Kiosk {
                outcome: AtKiosk::Ticket { .. },
                ..
            }
        );
        let Some(capacity) = rules.capacity_of(&c.business) else {
            continue;
        };
        if !at_kiosk || c.wish != Wish::Ordinary || !rng.chance(shares.share) {
            continue;
        }
        let keeping = match rng.weighted(&[
            shares.late,
            shares.absent,
            (1.0 - shares.late - shares.absent).max(0.0),
        ]) {
            0 => Keeping::Late,
            1 => Keeping::Absent,
            _ => Keeping::OnTime,
        };
        // The window's latest arrival after the slot's start, minutes.
        let latest = match keeping {
            Keeping::Late => 55,
            Keeping::OnTime | Keeping::Absent => 5,
        };
        let Some(start_min) = slot_for(&rules, day, c.arrives_at, latest) else {
            continue;
        };
        let start = rules.start_of(day, start_min);
        let offered = rules.starts().any(|s| s == start_min);
        let bookable = start.0 - starts_at.0 >= i64::from(rules.book_until_min) * MIN * 1000;
        if !offered || !bookable {
            continue;
        }
        let n = taken.entry((c.business.clone(), start_min)).or_default();
        if *n >= capacity {
            full += 1;
            continue;
        }
        *n += 1;
        c.booking = Some(PlannedBooking {
            start_min,
            start,
            keeping,
            mobile: format!("139{:08}", c.n),
        });
    }
    if full > 0 {
        notes.push(format!(
            "{full} customers would have booked a full slot: they walk in"
        ));
    }
}

/// The slot start (local minutes) that puts `arrives` within `latest − slot` (exclusive) to
/// `latest` (inclusive) minutes after it.
fn slot_for(rules: &SlotRules, day: BusinessDay, arrives: Timestamp, latest: i64) -> Option<u32> {
    let midnight = rules.start_of(day, 0).0;
    let minute_ms = MIN * 1000;
    let slot_ms = i64::from(rules.slot_min) * minute_ms;
    // The earliest grid point at or after `arrives − latest`, counted from the opening.
    let from = arrives.0 - latest * minute_ms - midnight - i64::from(rules.open_min) * minute_ms;
    let k = from.div_euclid(slot_ms) + i64::from(from.rem_euclid(slot_ms) != 0);
    let start = i64::from(rules.open_min) + k * i64::from(rules.slot_min);
    u32::try_from(start).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slot_puts_the_arrival_in_its_window() {
        let rules = SlotRules {
            open_min: 8 * 60 + 30,
            ..SlotRules::default()
        };
        let day = BusinessDay(20261123);
        let at = |min: u32| rules.start_of(day, min);
        // Arriving 10:04: on time for 10:00 (−25 … +5], late for 09:30 (+25 … +55].
        assert_eq!(slot_for(&rules, day, at(604), 5), Some(600));
        assert_eq!(slot_for(&rules, day, at(604), 55), Some(570));
        // 10:05 is still 10:00's; 10:06 is 10:30's (24 min early).
        assert_eq!(slot_for(&rules, day, at(605), 5), Some(600));
        assert_eq!(slot_for(&rules, day, at(606), 5), Some(630));
        // 09:55 late: 09:00 (+55); 09:56: 09:30 (+26).
        assert_eq!(slot_for(&rules, day, at(595), 55), Some(540));
        assert_eq!(slot_for(&rules, day, at(596), 55), Some(570));
    }
}
