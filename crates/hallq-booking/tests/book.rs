//! The book against the rules: a slot is never sold twice over its capacity, a person's
//! daily limit holds, changes are atomic, check-ins are ordered by the bounded rule, windows
//! close into no-shows.
#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::collections::BTreeMap;

use hallq_booking::{
    Arrival, Book, BookingCode, BookingCommand, BookingError, BookingEvent, BookingStatus,
    PersonKey, SlotRules,
};
use hallq_proto::{BusinessCode, BusinessDay, Timestamp, time};
use proptest::prelude::*;

const TODAY: BusinessDay = BusinessDay(20261207); // a Monday
const TOMORROW: BusinessDay = BusinessDay(20261208);
const NINE: u32 = 9 * 60;

fn basic() -> BusinessCode {
    BusinessCode::new("basic").unwrap()
}

fn rules() -> SlotRules {
    SlotRules {
        capacity: BTreeMap::from([(basic(), 2)]),
        closed_weekdays: vec![7],
        ..SlotRules::default()
    }
}

fn person(n: u32) -> PersonKey {
    PersonKey::new(format!("{n:016x}")).unwrap()
}

fn code(n: u64) -> BookingCode {
    BookingCode::from_random(n)
}

/// Local 08:00 today: before every slot, well ahead of the booking deadline.
fn morning() -> Timestamp {
    time::at(TODAY, 8 * 60, rules().utc_offset_min)
}

fn book(n: u64, who: u32, day: BusinessDay, start_min: u32) -> BookingCommand {
    BookingCommand::Book {
        code: code(n),
        person: person(who),
        business: basic(),
        day,
        start_min,
    }
}

/// Decides and applies; returns the events.
fn run(
    b: &mut Book,
    r: &SlotRules,
    now: Timestamp,
    c: &BookingCommand,
) -> Result<Vec<BookingEvent>, BookingError> {
    let events = b.decide(r, now, c)?;
    for e in &events {
        b.apply(e);
    }
    Ok(events)
}

#[test]
fn the_last_place_of_a_slot_is_sold_once() {
    let (r, mut b) = (rules(), Book::new());
    run(&mut b, &r, morning(), &book(1, 1, TOMORROW, NINE)).unwrap();
    run(&mut b, &r, morning(), &book(2, 2, TOMORROW, NINE)).unwrap();
    assert_eq!(
        run(&mut b, &r, morning(), &book(3, 3, TOMORROW, NINE)),
        Err(BookingError::SlotFull)
    );
    assert_eq!(b.held(&basic(), TOMORROW, NINE), 2);
    let slots = b.slots(&r, &basic(), TOMORROW, morning());
    let nine = slots.iter().find(|s| s.start_min == NINE).unwrap();
    assert!(!nine.open && nine.booked == 2, "{nine:?}");
}

#[test]
fn a_cancelled_place_can_be_booked_again_and_a_change_keeps_the_old_slot_when_the_new_is_full() {
    let (r, mut b) = (rules(), Book::new());
    for (n, who, start) in [(1, 1, NINE), (2, 2, NINE), (3, 3, NINE + 30)] {
        run(&mut b, &r, morning(), &book(n, who, TOMORROW, start)).unwrap();
    }
    let change = BookingCommand::Change {
        code: code(3),
        person: person(3),
        day: TOMORROW,
        start_min: NINE,
    };
    assert_eq!(
        run(&mut b, &r, morning(), &change),
        Err(BookingError::SlotFull)
    );
    assert_eq!(b.get(&code(3)).unwrap().start_min, NINE + 30, "kept");
    let cancel = BookingCommand::Cancel {
        code: code(1),
        person: person(9),
    };
    assert_eq!(
        run(&mut b, &r, morning(), &cancel),
        Err(BookingError::NotYours)
    );
    let cancel = BookingCommand::Cancel {
        code: code(1),
        person: person(1),
    };
    run(&mut b, &r, morning(), &cancel).unwrap();
    run(&mut b, &r, morning(), &change).unwrap();
    assert_eq!(b.held(&basic(), TOMORROW, NINE), 2);
    assert_eq!(b.held(&basic(), TOMORROW, NINE + 30), 0);
}

#[test]
fn the_hall_s_days_hours_horizon_and_deadline_bound_what_can_be_booked() {
    let (r, b) = (rules(), Book::new());
    let try_book = |day, start, now| b.decide(&r, now, &book(1, 1, day, start));
    assert_eq!(
        try_book(BusinessDay(20261213), NINE, morning()),
        Err(BookingError::ClosedDay(BusinessDay(20261213))),
        "a Sunday"
    );
    assert_eq!(
        try_book(TOMORROW, 8 * 60, morning()),
        Err(BookingError::NoSuchSlot)
    );
    assert_eq!(
        try_book(TOMORROW, NINE + 10, morning()),
        Err(BookingError::NoSuchSlot)
    );
    assert_eq!(
        try_book(TOMORROW, 17 * 60 + 30, morning()),
        Err(BookingError::NoSuchSlot)
    );
    assert_eq!(
        try_book(BusinessDay(20261215), NINE, morning()),
        Err(BookingError::BeyondHorizon(7))
    );
    assert!(
        try_book(BusinessDay(20261214), NINE, morning()).is_ok(),
        "day 7"
    );
    let eight_forty = time::at(TODAY, 8 * 60 + 40, r.utc_offset_min);
    assert_eq!(
        try_book(TODAY, NINE, eight_forty),
        Err(BookingError::TooLate(30))
    );
    assert!(try_book(TODAY, NINE, morning()).is_ok());
    let consult = BookingCommand::Book {
        code: code(1),
        person: person(1),
        business: BusinessCode::new("consult").unwrap(),
        day: TOMORROW,
        start_min: NINE,
    };
    assert!(matches!(
        b.decide(&r, morning(), &consult),
        Err(BookingError::NotBookable(_))
    ));
}

#[test]
fn a_person_holds_at_most_the_daily_limit_and_a_cancelled_booking_does_not_count() {
    let (r, mut b) = (rules(), Book::new());
    run(&mut b, &r, morning(), &book(1, 1, TOMORROW, NINE)).unwrap();
    run(&mut b, &r, morning(), &book(2, 1, TOMORROW, NINE + 60)).unwrap();
    assert_eq!(
        run(&mut b, &r, morning(), &book(3, 1, TOMORROW, NINE + 120)),
        Err(BookingError::PersonLimit(2))
    );
    run(&mut b, &r, morning(), &book(3, 1, TODAY, NINE + 120)).unwrap();
    let cancel = BookingCommand::Cancel {
        code: code(2),
        person: person(1),
    };
    run(&mut b, &r, morning(), &cancel).unwrap();
    run(&mut b, &r, morning(), &book(4, 1, TOMORROW, NINE + 120)).unwrap();
}

#[test]
fn check_ins_are_early_on_time_or_late_and_closed_windows_become_no_shows() {
    let (r, mut b) = (rules(), Book::new());
    for n in 1..=2 {
        run(&mut b, &r, morning(), &book(n, n as u32, TODAY, 10 * 60)).unwrap();
    }
    run(&mut b, &r, morning(), &book(3, 3, TODAY, 11 * 60)).unwrap();
    let at = |m: u32| time::at(TODAY, m, r.utc_offset_min);
    let check_in = |n| BookingCommand::CheckIn { code: code(n) };

    assert_eq!(
        run(&mut b, &r, at(8 * 60 + 30), &check_in(1)),
        Err(BookingError::TooEarly(at(9 * 60)))
    );
    let early = run(&mut b, &r, at(9 * 60 + 20), &check_in(1)).unwrap();
    assert!(matches!(
        early[0],
        BookingEvent::CheckedIn { arrival: Arrival::Booked { queue_at, callable_from }, .. }
            if queue_at == at(9 * 60 + 50) && callable_from == at(9 * 60 + 50)
    ));
    assert_eq!(
        run(&mut b, &r, at(9 * 60 + 21), &check_in(1)),
        Err(BookingError::NotOpen)
    );

    // 10:16 closes the 10:00 window: booking 2 never came.
    let closed = run(&mut b, &r, at(10 * 60 + 16), &BookingCommand::CloseWindows).unwrap();
    assert_eq!(closed, vec![BookingEvent::NoShow { code: code(2) }]);
    assert_eq!(
        b.held(&basic(), TODAY, 10 * 60),
        1,
        "the no-show's place is released"
    );
    let late = run(&mut b, &r, at(10 * 60 + 40), &check_in(2)).unwrap();
    assert!(matches!(
        late[0],
        BookingEvent::CheckedIn { arrival: Arrival::Late { queue_at }, .. } if queue_at == at(10 * 60 + 40)
    ));
    assert!(matches!(
        b.get(&code(2)).unwrap().status,
        BookingStatus::CheckedIn { .. }
    ));

    // A walk-in at 10:30 has booking 3 (11:00, queued from 10:50) ahead of it within 30 min.
    assert_eq!(b.due(&r, &basic(), at(10 * 60 + 30), at(11 * 60)), 1);
    assert_eq!(b.due(&r, &basic(), at(10 * 60 + 30), at(10 * 60 + 45)), 0);
}

#[test]
fn a_no_show_or_a_check_in_no_longer_counts_as_due_ahead_of_walk_ins() {
    let (r, mut b) = (rules(), Book::new());
    run(&mut b, &r, morning(), &book(1, 1, TODAY, 10 * 60)).unwrap();
    run(&mut b, &r, morning(), &book(2, 2, TODAY, 10 * 60)).unwrap();
    let at = |m: u32| time::at(TODAY, m, r.utc_offset_min);
    // At 10:05 both are due (queued from 09:50) and have not come.
    let window = (at(9 * 60 + 25), at(10 * 60 + 5));
    assert_eq!(b.due(&r, &basic(), window.0, window.1), 2);
    assert_eq!(
        b.due_times(&r, &basic(), window.0, window.1),
        vec![at(9 * 60 + 50); 2]
    );
    // One checks in: queued, so no longer expected.
    let check_in = BookingCommand::CheckIn { code: code(1) };
    run(&mut b, &r, at(10 * 60 + 5), &check_in).unwrap();
    assert_eq!(b.due(&r, &basic(), window.0, window.1), 1);
    // 10:16: the other's window closed: a no-show, whose counter time is released.
    run(&mut b, &r, at(10 * 60 + 16), &BookingCommand::CloseWindows).unwrap();
    assert_eq!(b.due(&r, &basic(), window.0, at(10 * 60 + 16)), 0);
}

/// One step of a random day at the booking page and the kiosk.
#[derive(Debug, Clone)]
enum Step {
    Book {
        n: u64,
        who: u32,
        day: u32,
        slot: u32,
    },
    Change {
        n: u64,
        who: u32,
        day: u32,
        slot: u32,
    },
    Cancel {
        n: u64,
        who: u32,
    },
    CheckIn {
        n: u64,
    },
    Close,
    Later {
        min: u32,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..40u64, 0..6u32, 0..3u32, 0..4u32).prop_map(|(n, who, day, slot)| Step::Book { n, who, day, slot }),
        1 => (0..40u64, 0..6u32, 0..3u32, 0..4u32).prop_map(|(n, who, day, slot)| Step::Change { n, who, day, slot }),
        1 => (0..40u64, 0..6u32).prop_map(|(n, who)| Step::Cancel { n, who }),
        1 => (0..40u64).prop_map(|n| Step::CheckIn { n }),
        1 => Just(Step::Close),
        1 => (1..90u32).prop_map(|min| Step::Later { min }),
    ]
}

proptest! {
    /// Whatever customers do, in whatever order: no slot holds more than its capacity, nobody
    /// holds more than the daily limit on a day, the counts the book keeps equal a recount, and
    /// a check-in's advantage over a walk-in of the same moment stays within the bound.
    #[test]
    fn no_sequence_oversells_a_slot_or_breaks_a_limit(steps in proptest::collection::vec(step(), 1..120)) {
        let r = SlotRules { capacity: BTreeMap::from([(basic(), 3)]), ..rules() };
        let mut b = Book::new();
        let mut now = morning();
        let day = |d: u32| [TODAY, TOMORROW, BusinessDay(20261209)][d as usize];
        let start = |s: u32| NINE + 30 * s;
        for s in steps {
            let c = match s {
                Step::Book { n, who, day: d, slot } => book(n, who, day(d), start(slot)),
                Step::Change { n, who, day: d, slot } => BookingCommand::Change {
                    code: code(n), person: person(who), day: day(d), start_min: start(slot),
                },
                Step::Cancel { n, who } => BookingCommand::Cancel { code: code(n), person: person(who) },
                Step::CheckIn { n } => BookingCommand::CheckIn { code: code(n) },
                Step::Close => BookingCommand::CloseWindows,
                Step::Later { min } => { now = now.plus_secs(i64::from(min) * 60); continue; }
            };
            for e in b.decide(&r, now, &c).unwrap_or_default() {
                if let BookingEvent::CheckedIn { at, arrival, .. } = &e {
                    let gained = at.secs_since(arrival.queue_at());
                    prop_assert!(gained <= i64::from(r.late_min + r.head_start_min) * 60);
                }
                b.apply(&e);
            }
            let mut slots: BTreeMap<(BusinessDay, u32), u32> = BTreeMap::new();
            let mut people: BTreeMap<(PersonKey, BusinessDay), u32> = BTreeMap::new();
            for k in b.bookings().filter(|k| k.holds_place()) {
                *slots.entry((k.day, k.start_min)).or_default() += 1;
                *people.entry((k.person.clone(), k.day)).or_default() += 1;
            }
            for (&(d, s), &n) in &slots {
                prop_assert!(n <= 3, "slot {d} {s} holds {n}");
                prop_assert_eq!(n, b.held(&basic(), d, s), "the book's count is a recount");
            }
            for ((p, d), &n) in &people {
                prop_assert!(n <= r.per_person_daily, "{p:?} holds {n} on {d}");
            }
        }
    }
}
