//! What a check-in means for the queue.
//!
//! The rule (documented for the hall in docs/booking.md, applied by the queue engine's
//! `IssueBooked` and property-tested there): a booked customer who checks in no later than
//! `late_min` after the slot's start is queued as if their ticket had been taken at
//! `start − head_start_min`, or at the check-in if that is earlier (a booking never costs a
//! place). Checking in earlier than `early_min` before the start is refused with the time
//! check-in opens. Against a walk-in who takes a ticket at the same moment as the check-in, the
//! booking's advantage is therefore at most `late_min + head_start_min` (checking in at the
//! last allowed minute); against a walk-in who came before `start − head_start_min`, none.
//! Later than that, the booking is a walk-in, and the customer is told so.

use hallq_proto::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{BookingError, SlotRules};

/// The outcome of a check-in, as the queue takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Arrival {
    /// In time: `queue_at` is the slot's start less the head start; the queue orders the ticket
    /// by the earlier of it and the check-in. `callable_from` (the later of the two) is kept for
    /// the record: the queue does not hold the ticket back (a free counter serves whoever waits).
    Booked {
        /// The moment the ticket is ordered by among the business's queue.
        queue_at: Timestamp,
        /// When the booked time less the head start was reached, or the check-in if later.
        callable_from: Timestamp,
    },
    /// Too late for the booking: an ordinary walk-in, queued from the check-in.
    Late {
        /// The check-in, which is the ticket's queue time.
        queue_at: Timestamp,
    },
}

impl Arrival {
    /// The moment the ticket is ordered by.
    pub fn queue_at(&self) -> Timestamp {
        match *self {
            Self::Booked { queue_at, .. } | Self::Late { queue_at } => queue_at,
        }
    }
}

/// The most a booking can gain over a walk-in who takes a ticket at the moment it checks in.
pub fn bound_min(rules: &SlotRules) -> u32 {
    rules.late_min + rules.head_start_min
}

/// Classifies a check-in at `now` for a slot starting at `start`. Earlier than `early_min`
/// before the start is refused: the customer is told when to come back.
pub fn classify(
    rules: &SlotRules,
    start: Timestamp,
    now: Timestamp,
) -> Result<Arrival, BookingError> {
    let opens = start.plus_secs(-i64::from(rules.early_min) * 60);
    if now < opens {
        return Err(BookingError::TooEarly(opens));
    }
    if now > start.plus_secs(i64::from(rules.late_min) * 60) {
        return Ok(Arrival::Late { queue_at: now });
    }
    let queue_at = start.plus_secs(-i64::from(rules.head_start_min) * 60);
    Ok(Arrival::Booked {
        queue_at,
        callable_from: queue_at.max(now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60;

    fn rules() -> SlotRules {
        SlotRules {
            early_min: 60,
            late_min: 15,
            head_start_min: 10,
            ..SlotRules::default()
        }
    }

    #[test]
    fn an_early_arrival_waits_until_its_window_opens() {
        let start = Timestamp(1_000_000_000);
        let a = classify(&rules(), start, start.plus_secs(-40 * MIN)).unwrap();
        assert_eq!(
            a,
            Arrival::Booked {
                queue_at: start.plus_secs(-10 * MIN),
                callable_from: start.plus_secs(-10 * MIN),
            }
        );
    }

    #[test]
    fn an_arrival_on_time_is_queued_from_its_booked_time_less_the_head_start() {
        let start = Timestamp(1_000_000_000);
        let now = start.plus_secs(5 * MIN);
        let a = classify(&rules(), start, now).unwrap();
        assert_eq!(a.queue_at(), start.plus_secs(-10 * MIN));
        assert_eq!(
            a,
            Arrival::Booked {
                queue_at: start.plus_secs(-10 * MIN),
                callable_from: now
            }
        );
    }

    #[test]
    fn late_beyond_the_limit_is_a_walk_in_and_too_early_is_told_when_to_come() {
        let start = Timestamp(1_000_000_000);
        let late = start.plus_secs(15 * MIN + 1);
        assert_eq!(
            classify(&rules(), start, late).unwrap(),
            Arrival::Late { queue_at: late }
        );
        assert_eq!(
            classify(&rules(), start, start.plus_secs(-61 * MIN)),
            Err(BookingError::TooEarly(start.plus_secs(-60 * MIN)))
        );
    }

    #[test]
    fn the_advantage_over_a_walk_in_of_the_same_moment_never_exceeds_the_bound() {
        let start = Timestamp(1_000_000_000);
        let r = rules();
        for offset in (-60 * MIN..=30 * MIN).step_by(30) {
            let now = start.plus_secs(offset);
            let gained = now.secs_since(classify(&r, start, now).unwrap().queue_at());
            assert!(
                gained <= i64::from(bound_min(&r)) * MIN,
                "at {offset}s: {gained}s"
            );
        }
    }
}
