//! HQ's book against a real PostgreSQL (schema v8): the last places of a slot sold exactly once
//! to many connections at once, the per-person limit under concurrency, a change that keeps the
//! old slot when the new one is full, a cancellation that frees its place, and each committed
//! change (and only those) in the outbox.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Store, T0_MS};
use hallq_booking::{BookingCode, BookingError, BookingStatus, MasterChange, PersonKey, SlotRules};
use hallq_hq::booking::store::{Failed, HallBook, Slot};
use hallq_proto::{BusinessCode, BusinessDay, Timestamp};

const HALL: &str = "gz-tianhe-01";
/// The day after T0 (2026-11-23, a Monday).
const DAY: BusinessDay = BusinessDay(20261124);

fn rules(capacity: u32) -> SlotRules {
    SlotRules {
        capacity: [(BusinessCode::new("basic").unwrap(), capacity)].into(),
        ..SlotRules::default()
    }
}

fn person(n: u32) -> PersonKey {
    PersonKey::new(format!("{n:016x}{n:016x}")).unwrap()
}

fn basic() -> BusinessCode {
    BusinessCode::new("basic").unwrap()
}

fn slot(start_min: u32) -> Slot {
    Slot {
        business: basic(),
        day: DAY,
        start_min,
    }
}

fn refusal(r: Result<hallq_booking::Booking, Failed>) -> BookingError {
    match r {
        Err(Failed::Book(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

const NOW: Timestamp = Timestamp(T0_MS);

#[tokio::test]
async fn twenty_four_connections_for_the_last_three_places_sell_exactly_three() {
    let s = Store::start().await;
    let rules = rules(5);
    let book = HallBook {
        hall: HALL,
        rules: &rules,
    };
    // Two places sold already.
    let mut c = s.connect().await;
    for n in 0..2 {
        let code = BookingCode::from_random(u64::from(n) + 1000);
        book.book(&mut c, NOW, &code, &person(n), &slot(600))
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for n in 0..24u32 {
        let mut c = s.connect().await;
        let rules = rules.clone();
        tasks.push(tokio::spawn(async move {
            let book = HallBook {
                hall: HALL,
                rules: &rules,
            };
            let code = BookingCode::from_random(u64::from(n) + 1);
            book.book(&mut c, NOW, &code, &person(100 + n), &slot(600))
                .await
        }));
    }
    let (mut won, mut full) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(b) => {
                assert_eq!(b.status, BookingStatus::Booked);
                won += 1;
            }
            Err(Failed::Book(BookingError::SlotFull)) => full += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!((won, full), (3, 21));
    assert_eq!(
        s.count("SELECT taken::bigint FROM booking_slot WHERE day = 20261124 AND start_min = 600")
            .await,
        5
    );
    assert_eq!(s.count("SELECT count(*) FROM booking").await, 5);
    assert_eq!(s.count("SELECT count(*) FROM booking_outbox").await, 5);
    let slots = book.slots(&s.client, &basic(), DAY, NOW).await.unwrap();
    let ten = slots.iter().find(|v| v.start_min == 600).unwrap();
    assert_eq!((ten.booked, ten.open), (5, false));
    assert!(
        slots
            .iter()
            .filter(|v| v.start_min != 600)
            .all(|v| v.open && v.booked == 0)
    );
}

#[tokio::test]
async fn one_person_booking_five_slots_at_once_gets_the_daily_limit_and_no_more() {
    let s = Store::start().await;
    let rules = rules(5);
    let mut tasks = Vec::new();
    for n in 0..5u32 {
        let mut c = s.connect().await;
        let rules = rules.clone();
        tasks.push(tokio::spawn(async move {
            let book = HallBook {
                hall: HALL,
                rules: &rules,
            };
            let code = BookingCode::from_random(u64::from(n) + 1);
            book.book(&mut c, NOW, &code, &person(1), &slot(600 + 30 * n))
                .await
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap().map_err(|e| e.to_string()));
    }
    let won = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(won, 2, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .filter_map(|o| o.as_ref().err())
            .all(|e| e.contains("at most 2 bookings"))
    );
    // The refused ones took no place.
    assert_eq!(
        s.count("SELECT sum(taken)::bigint FROM booking_slot").await,
        2
    );
    assert_eq!(s.count("SELECT count(*) FROM booking_outbox").await, 2);
}

#[tokio::test]
async fn a_change_to_a_full_slot_keeps_the_old_one_and_a_cancel_frees_its_place() {
    let s = Store::start().await;
    let rules = rules(1);
    let book = HallBook {
        hall: HALL,
        rules: &rules,
    };
    let mut c = s.connect().await;
    let (a, b) = (BookingCode::from_random(1), BookingCode::from_random(2));
    book.book(&mut c, NOW, &a, &person(1), &slot(600))
        .await
        .unwrap();
    book.book(&mut c, NOW, &b, &person(2), &slot(630))
        .await
        .unwrap();
    // The slot is full: a booking elsewhere is refused, and nothing is stored for it.
    let third = BookingCode::from_random(3);
    assert_eq!(
        refusal(book.book(&mut c, NOW, &third, &person(3), &slot(600)).await),
        BookingError::SlotFull
    );
    assert_eq!(
        refusal(book.change(&mut c, NOW, &a, &person(1), DAY, 630).await),
        BookingError::SlotFull
    );
    assert_eq!(
        refusal(book.change(&mut c, NOW, &a, &person(2), DAY, 660).await),
        BookingError::NotYours,
        "someone else's code"
    );
    assert_eq!(
        refusal(book.change(&mut c, NOW, &a, &person(1), DAY, 601).await),
        BookingError::NoSuchSlot
    );
    let moved = book
        .change(&mut c, NOW, &a, &person(1), DAY, 660)
        .await
        .unwrap();
    assert_eq!(moved.start_min, 660);
    let cancelled = book.cancel(&mut c, NOW, &b, &person(2)).await.unwrap();
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert_eq!(
        refusal(book.cancel(&mut c, NOW, &b, &person(2)).await),
        BookingError::NotOpen
    );
    let taken = |start: u32| {
        format!(
            "SELECT taken::bigint FROM booking_slot WHERE day = 20261124 AND start_min = {start}"
        )
    };
    assert_eq!(s.count(&taken(600)).await, 0);
    assert_eq!(s.count(&taken(630)).await, 0);
    assert_eq!(s.count(&taken(660)).await, 1);
    // The freed places sell again.
    book.book(&mut c, NOW, &third, &person(3), &slot(600))
        .await
        .unwrap();
    // The outbox: booked a, booked b, a moved, b cancelled, booked third — in that order,
    // with the revisions the hub reads.
    let rows = s
        .client
        .query("SELECT body::text FROM booking_outbox ORDER BY id", &[])
        .await
        .unwrap();
    let changes: Vec<MasterChange> = rows
        .iter()
        .map(|r| serde_json::from_str(r.get::<_, &str>(0)).unwrap())
        .collect();
    let seen: Vec<(String, u32, u32)> = changes
        .iter()
        .map(|c| (c.code.to_string(), c.start_min, c.rev))
        .collect();
    assert_eq!(
        seen,
        [
            (a.to_string(), 600, 1),
            (b.to_string(), 630, 1),
            (a.to_string(), 660, 2),
            (b.to_string(), 630, 2),
            (third.to_string(), 600, 1),
        ]
    );
}

#[tokio::test]
async fn the_rules_refuse_before_anything_is_stored() {
    let s = Store::start().await;
    let rules = rules(1);
    let book = HallBook {
        hall: HALL,
        rules: &rules,
    };
    let mut c = s.connect().await;
    let code = BookingCode::from_random(1);
    let cases = [
        (
            BusinessCode::new("broadband").unwrap(),
            DAY,
            600,
            "not_bookable",
        ),
        (basic(), BusinessDay(20261123), 540, "too_late"),
        (basic(), BusinessDay(20261201), 600, "beyond_horizon"),
        (basic(), DAY, 17 * 60 + 30, "no_such_slot"),
    ];
    for (business, day, start, code_text) in cases {
        let e = refusal(
            book.book(
                &mut c,
                NOW,
                &code,
                &person(1),
                &Slot {
                    business: business.clone(),
                    day,
                    start_min: start,
                },
            )
            .await,
        );
        assert_eq!(e.code(), code_text);
    }
    assert_eq!(
        refusal(book.cancel(&mut c, NOW, &code, &person(1)).await),
        BookingError::UnknownBooking
    );
    // A code the chain has already is refused, and the caller draws another.
    book.book(&mut c, NOW, &code, &person(1), &slot(600))
        .await
        .unwrap();
    let other = HallBook {
        hall: "gz-other",
        rules: &rules,
    };
    assert_eq!(
        refusal(other.book(&mut c, NOW, &code, &person(1), &slot(600)).await),
        BookingError::CodeTaken
    );
    // …and another hall's code is no booking here.
    assert_eq!(
        refusal(other.cancel(&mut c, NOW, &code, &person(1)).await),
        BookingError::UnknownBooking
    );
    assert_eq!(s.count("SELECT count(*) FROM booking").await, 1);
    assert_eq!(s.count("SELECT count(*) FROM booking_outbox").await, 1);
    assert_eq!(
        s.count("SELECT coalesce(sum(taken), 0)::bigint FROM booking_slot")
            .await,
        1
    );
}
