//! Known answers for the door and the kiosk as touchpoints (issue 16 §5, docs/reports.md "The
//! door and the kiosk"): a day written by hand with the door counter's reports, the kiosk's
//! sessions and the tickets, every figure worked out on paper, read from the events and from a
//! real SQLite journal's rows; and the same day without a door counter.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod common;

use common::{DAY, Script, at, config, v};
use hallq_journal::{Durability, Entry, Journal};
use hallq_proto::{Priority, Touchpoint};
use hallq_queue::EventKind as E;
use hallq_report::{DayRange, Report};

/// A touch without a visit, as the hub journals the door counter's and the kiosk's.
fn anonymous(s: &mut Script, min: f64, touchpoint: Touchpoint, what: &str, count: Option<u32>) {
    s.push(
        at(min),
        E::Touched {
            visit: None,
            touchpoint,
            what: what.into(),
            business: None,
            resolved: None,
            count,
        },
    );
}

/// A customer who arrives at `min` and takes a basic ticket at once.
fn ticket(s: &mut Script, name: &str, min: f64) {
    let (vis, tic) = (format!("V-{name}"), format!("T-{name}"));
    s.arrive(&vis, at(min));
    s.issue(&tic, &vis, "basic", Priority::Ordinary, at(min));
}

/// The day (minutes after 09:00):
/// - 09:xx: the door reports at 09:10 (6 in, 10 passing by) and 09:40 (4 in, 5 passing by);
///   tickets at 09:05, 09:20, 09:30, 09:50: conversion 4 / 10 = 40 %, entry rate 10 / 25.
/// - 10:xx: one report at 10:30, 5 in, the passers-by not counted; 5 tickets: 100 %; no entry
///   rate.
/// - 11:xx: no report (the counter was off), 2 tickets: "no door count", not 0 %.
/// - All: 15 in, 11 tickets, 9 of them in hours counted: 60 %; 15 passers-by, entry rate
///   10 / (10 + 15) = 40 %.
/// - The kiosk: 6 sessions; one left at choosing the business, two at the phone number, one
///   took self-service (a visit at touchpoint 9); the other two went on to a ticket.
fn day(door: bool) -> Script {
    let mut s = Script::default();
    s.push(at(-30.0), E::DayOpened { day: DAY });
    if door {
        anonymous(&mut s, 10.0, Touchpoint::Entering, "door_entered", Some(6));
        anonymous(
            &mut s,
            10.0,
            Touchpoint::FrontOfHall,
            "door_passed_by",
            Some(10),
        );
        anonymous(&mut s, 40.0, Touchpoint::Entering, "door_entered", Some(4));
        anonymous(
            &mut s,
            40.0,
            Touchpoint::FrontOfHall,
            "door_passed_by",
            Some(5),
        );
        anonymous(&mut s, 90.0, Touchpoint::Entering, "door_entered", Some(5));
    }
    for (i, min) in [5.0, 20.0, 30.0, 50.0].into_iter().enumerate() {
        ticket(&mut s, &format!("a{i}"), min);
    }
    for i in 0..5 {
        ticket(&mut s, &format!("b{i}"), 61.0 + 10.0 * f64::from(i));
    }
    ticket(&mut s, "c0", 125.0);
    ticket(&mut s, "c1", 130.0);
    for k in 0..6 {
        anonymous(
            &mut s,
            1.0 + f64::from(k),
            Touchpoint::SelfService,
            "session_started",
            None,
        );
    }
    for (min, step) in [(2.0, "choose_business"), (3.0, "phone"), (4.0, "phone")] {
        anonymous(
            &mut s,
            min,
            Touchpoint::SelfService,
            &format!("session_abandoned:{step}"),
            None,
        );
    }
    s.push(
        at(5.0),
        E::Touched {
            visit: Some(v("V-self")),
            touchpoint: Touchpoint::SelfService,
            what: "self_service_chosen".into(),
            business: Some(common::b("basic")),
            resolved: Some(true),
            count: None,
        },
    );
    s.push(at(600.0), E::DayClosed { day: DAY });
    s
}

fn check_door(r: &Report) {
    let d = &r.door;
    assert!(d.has_door());
    let hour = |h: u8| d.hours.iter().find(|(x, _)| *x == h).unwrap().1;
    let nine = hour(9);
    assert_eq!(
        (
            nine.entered,
            nine.passed_by,
            nine.tickets,
            nine.tickets_with_door
        ),
        (10, 15, 4, 4)
    );
    assert_eq!(nine.conversion_pct(), Some(40.0));
    assert_eq!(nine.entry_rate_pct(), Some(40.0));
    let ten = hour(10);
    assert_eq!((ten.entered, ten.tickets), (5, 5));
    assert_eq!(ten.conversion_pct(), Some(100.0));
    assert_eq!(
        ten.entry_rate_pct(),
        None,
        "the passers-by were not counted"
    );
    let eleven = hour(11);
    assert_eq!(
        (eleven.tickets, eleven.door_days, eleven.days_without_door),
        (2, 0, 1)
    );
    assert_eq!(eleven.conversion_pct(), None, "no door count: not 0 %");
    let t = d.total;
    assert_eq!((t.entered, t.tickets, t.tickets_with_door), (15, 11, 9));
    assert_eq!(t.conversion_pct(), Some(60.0));
    assert_eq!(t.entry_rate_pct(), Some(40.0));

    let tp = |n: u8| r.touchpoints.iter().find(|t| t.number == n).unwrap();
    assert_eq!(tp(4).counted, Some(15));
    assert_eq!(tp(3).counted, Some(15));
    assert_eq!(
        tp(2).counted,
        Some(9),
        "tickets in the hours the door counted"
    );
    assert!(
        tp(2).counted_what.contains("60.0%"),
        "{}",
        tp(2).counted_what
    );
    let unobserved: Vec<u8> = r.unobserved.iter().map(|u| u.number).collect();
    assert!(
        unobserved.contains(&1) && unobserved.contains(&5),
        "{unobserved:?}"
    );
    assert!(
        !unobserved.contains(&3) && !unobserved.contains(&4) && !unobserved.contains(&9),
        "the door and the kiosk observed them: {unobserved:?}"
    );
}

fn check_kiosk(r: &Report) {
    let k = r.door.kiosk;
    assert_eq!(k.sessions, 6);
    // choose_business, self_service_offer, priority, phone, confirm.
    assert_eq!(k.left_at, [1, 0, 0, 2, 0]);
    assert_eq!((k.left(), k.self_service, k.went_on()), (3, 1, 2));
    let tp9 = r.touchpoints.iter().find(|t| t.number == 9).unwrap();
    assert_eq!(
        (tp9.reached, tp9.counted),
        (1, Some(6)),
        "one visit, six sessions"
    );
}

#[test]
fn conversion_per_hour_and_the_kiosk_loss_by_step() {
    let r = day(true).report(&config(), at(700.0));
    check_door(&r);
    check_kiosk(&r);
    let text = hallq_report::render::text::render(&r, common::CST);
    assert!(
        text.contains("the door and the kiosk 门口与自助终端"),
        "{text}"
    );
    assert!(text.contains("no door count 无计数"), "{text}");
    assert!(
        text.contains("left at 离开于: phone number 手机号"),
        "{text}"
    );
    let html = hallq_report::render::html::page(&r, "t").unwrap();
    assert!(html.contains("<h2>The door and the kiosk 门口与自助终端</h2>"));
    assert!(html.contains("Touchpoints not observed 未观察的接触点"));
    let files = hallq_report::render::csv::files(&r);
    let file = |name: &str| &files.iter().find(|(n, _)| *n == name).unwrap().1;
    let hours = file("door_hours.csv");
    assert!(
        hours.contains("\r\n9,10,15,40.000,4,4,1,0,40.000\r\n"),
        "{hours}"
    );
    assert!(hours.contains("\r\n11,0,0,,2,0,0,1,\r\n"), "{hours}");
    assert!(
        hours.contains("\r\nall,15,15,40.000,11,9,2,1,60.000\r\n"),
        "{hours}"
    );
    let steps = file("kiosk_steps.csv");
    assert!(steps.contains("left_at_phone,2\r\n"), "{steps}");
    assert!(steps.contains("went_on,2\r\n"), "{steps}");
    assert!(file("touchpoints_unobserved.csv").contains("\r\n5,"));
}

#[test]
fn the_journal_rows_give_the_same_door_and_kiosk_figures() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let mut writer = Journal::open(&path, Durability::Normal).unwrap();
    let events = day(true).events;
    writer
        .commit(&[Entry::Internal {
            events: events.clone(),
        }])
        .unwrap();
    let journal = Journal::open_read_only(&path).unwrap();
    let r = hallq_report::read::report(
        &journal,
        &config(),
        DayRange::default(),
        at(700.0),
        &mut |_, _| {},
    )
    .unwrap();
    check_door(&r);
    check_kiosk(&r);
    assert_eq!(
        r.events,
        events.len() as u64,
        "the door's and kiosk's rows are read"
    );
}

#[test]
fn a_hall_without_a_door_counter_says_so_instead_of_zero() {
    let r = day(false).report(&config(), at(700.0));
    assert!(!r.door.has_door());
    assert_eq!(r.door.total.tickets, 11);
    assert_eq!(r.door.total.conversion_pct(), None);
    let tp = |n: u8| r.touchpoints.iter().find(|t| t.number == n).unwrap();
    assert_eq!(
        (tp(2).counted, tp(3).counted, tp(4).counted),
        (None, None, None)
    );
    let why = |n: u8| r.unobserved.iter().find(|u| u.number == n).unwrap().why;
    assert!(why(4).contains("no door counter"), "{}", why(4));
    assert!(why(3).contains("no door counter"), "{}", why(3));
    let text = hallq_report::render::text::render(&r, common::CST);
    assert!(text.contains("no door counter 无客流计数器"), "{text}");
    let files = hallq_report::render::csv::files(&r);
    let summary = &files.iter().find(|(n, _)| *n == "summary.csv").unwrap().1;
    assert!(summary.contains("door_counter,none\r\n"), "{summary}");
    assert!(summary.contains("door_conversion_pct,\r\n"), "{summary}");
}
