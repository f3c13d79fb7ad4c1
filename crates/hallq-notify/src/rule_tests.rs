use proptest::prelude::*;

use super::*;

const MIN: i64 = 60_000;

fn lead() -> Lead {
    Lead {
        people_ahead: 3,
        minutes: 10,
        stall_after_min: 10,
    }
}

fn waiting(ahead: u32, estimate: Option<u32>, now_min: i64, quiet_min: i64) -> Observation {
    Observation {
        place: Place::Waiting {
            ahead,
            estimate_min: estimate,
        },
        now: Timestamp(now_min * MIN),
        quiet_since: Timestamp((now_min - quiet_min) * MIN),
    }
}

fn at(place: Place) -> Observation {
    Observation {
        place,
        now: Timestamp(0),
        quiet_since: Timestamp(0),
    }
}

#[test]
fn near_fires_once_when_few_are_ahead_then_called_once() {
    let mut w = Watch::default();
    assert_eq!(decide(&mut w, lead(), waiting(8, Some(40), 0, 0)), None);
    assert_eq!(decide(&mut w, lead(), waiting(5, Some(25), 5, 1)), None);
    assert_eq!(
        decide(&mut w, lead(), waiting(3, Some(15), 9, 1)),
        Some(Notice::Near {
            ahead: 3,
            estimate_min: Some(15)
        })
    );
    assert_eq!(decide(&mut w, lead(), waiting(2, Some(10), 12, 1)), None);
    assert_eq!(
        decide(&mut w, lead(), at(Place::Called(CounterNo(3)))),
        Some(Notice::Called {
            counter: CounterNo(3)
        })
    );
    // A recall is no second notice.
    assert_eq!(
        decide(&mut w, lead(), at(Place::Called(CounterNo(3)))),
        None
    );
    assert_eq!(decide(&mut w, lead(), at(Place::Away)), None);
    assert_eq!(decide(&mut w, lead(), at(Place::Gone)), None);
    assert!(w.finished);
}

#[test]
fn near_fires_on_the_estimate_when_it_comes_first() {
    let mut w = Watch::default();
    assert_eq!(decide(&mut w, lead(), waiting(9, Some(30), 0, 0)), None);
    assert_eq!(
        decide(&mut w, lead(), waiting(6, Some(9), 4, 2)),
        Some(Notice::Near {
            ahead: 6,
            estimate_min: Some(9)
        })
    );
}

#[test]
fn the_customers_lead_time_replaces_the_business_types() {
    let mut w = Watch {
        lead_min: Some(30),
        ..Watch::default()
    };
    assert_eq!(decide(&mut w, lead(), waiting(9, Some(45), 0, 0)), None);
    assert!(matches!(
        decide(&mut w, lead(), waiting(8, Some(28), 3, 1)),
        Some(Notice::Near { .. })
    ));
}

#[test]
fn a_stalled_queue_does_not_fire_on_its_stale_estimate() {
    let mut w = Watch::default();
    assert_eq!(decide(&mut w, lead(), waiting(9, Some(30), 0, 0)), None);
    // The estimate reads 8 minutes, but nobody was called for 40: 8 + (40 - 10) = 38.
    assert_eq!(decide(&mut w, lead(), waiting(6, Some(8), 40, 40)), None);
    assert!(!w.near);
    // The people-ahead rule is a fact, and still fires in a stall.
    assert_eq!(
        decide(&mut w, lead(), waiting(3, Some(4), 45, 45)),
        Some(Notice::Near {
            ahead: 3,
            estimate_min: Some(39)
        })
    );
}

#[test]
fn the_same_estimate_fires_when_the_queue_moves() {
    let mut w = Watch::default();
    assert_eq!(decide(&mut w, lead(), waiting(9, Some(30), 0, 0)), None);
    assert!(decide(&mut w, lead(), waiting(6, Some(8), 40, 2)).is_some());
}

#[test]
fn zero_minutes_turns_the_estimate_rule_off() {
    let lead = Lead {
        minutes: 0,
        ..lead()
    };
    let mut w = Watch::default();
    assert_eq!(decide(&mut w, lead, waiting(9, Some(5), 0, 0)), None);
    assert_eq!(decide(&mut w, lead, waiting(5, Some(0), 1, 0)), None);
    assert!(decide(&mut w, lead, waiting(3, Some(0), 2, 0)).is_some());
}

#[test]
fn no_counter_means_no_estimate_to_fire_on() {
    let mut w = Watch::default();
    assert_eq!(decide(&mut w, lead(), waiting(9, None, 0, 0)), None);
    assert_eq!(decide(&mut w, lead(), waiting(9, None, 1, 0)), None);
}

#[test]
fn a_ticket_near_at_once_gets_no_near_notice_but_its_call() {
    let mut w = Watch::default();
    assert_eq!(decide(&mut w, lead(), waiting(1, Some(2), 0, 0)), None);
    assert!(w.near);
    assert!(matches!(
        decide(&mut w, lead(), at(Place::Called(CounterNo(1)))),
        Some(Notice::Called { .. })
    ));
}

#[test]
fn a_ticket_gone_before_its_turn_gets_nothing_more() {
    let mut w = Watch::default();
    assert_eq!(decide(&mut w, lead(), waiting(9, Some(30), 0, 0)), None);
    assert_eq!(decide(&mut w, lead(), at(Place::Gone)), None);
    assert_eq!(decide(&mut w, lead(), waiting(0, Some(0), 5, 0)), None);
    assert_eq!(
        decide(&mut w, lead(), at(Place::Called(CounterNo(2)))),
        None
    );
}

fn place() -> impl Strategy<Value = Place> {
    prop_oneof![
        4 => (0u32..20, proptest::option::of(0u32..60))
            .prop_map(|(ahead, estimate_min)| Place::Waiting { ahead, estimate_min }),
        1 => (1u16..9).prop_map(|c| Place::Called(CounterNo(c))),
        1 => Just(Place::Away),
        1 => Just(Place::Gone),
    ]
}

proptest! {
    /// Whatever the queue does: at most one "near" and one "called" per ticket, none after it
    /// is gone, and a "near" only when the rule's condition held with the stall-aware estimate.
    #[test]
    fn at_most_once_each_and_never_after_gone(
        steps in proptest::collection::vec((place(), 0i64..5, 0i64..60), 1..40),
        n in 0u32..6, m in 0u32..30, stall in 0u32..20,
    ) {
        let lead = Lead { people_ahead: n, minutes: m, stall_after_min: stall };
        let mut w = Watch::default();
        let (mut near, mut called, mut gone) = (0, 0, false);
        let mut now = 0i64;
        for (place, step, quiet) in steps {
            now += step * MIN;
            let obs = Observation {
                place,
                now: Timestamp(now),
                quiet_since: Timestamp(now - quiet * MIN),
            };
            let fired = decide(&mut w, lead, obs);
            if gone {
                prop_assert_eq!(fired, None);
            }
            match fired {
                Some(Notice::Near { ahead, estimate_min }) => {
                    near += 1;
                    let Place::Waiting { estimate_min: raw, .. } = place else {
                        return Err(TestCaseError::fail("near while not waiting"));
                    };
                    let eff = effective_estimate(raw, obs.now, obs.quiet_since, stall);
                    prop_assert_eq!(estimate_min, eff);
                    prop_assert!(ahead <= n || eff.is_some_and(|e| m > 0 && e <= m));
                }
                Some(Notice::Called { counter }) => {
                    called += 1;
                    prop_assert_eq!(place, Place::Called(counter));
                }
                None => {}
            }
            gone |= place == Place::Gone;
        }
        prop_assert!(near <= 1 && called <= 1);
    }

    /// The estimate the rule reads never falls as the quiet grows, and is the queue's own until
    /// the grace ends.
    #[test]
    fn the_estimate_grows_with_the_quiet(
        e in 0u32..100, q1 in 0i64..200, dq in 0i64..200, stall in 0u32..30,
    ) {
        let now = Timestamp(1_000 * MIN);
        let a = effective_estimate(Some(e), now, Timestamp(now.0 - q1 * MIN), stall);
        let b = effective_estimate(Some(e), now, Timestamp(now.0 - (q1 + dq) * MIN), stall);
        prop_assert!(b >= a && a >= Some(e));
        if q1 <= i64::from(stall) {
            prop_assert_eq!(a, Some(e));
        }
    }
}
