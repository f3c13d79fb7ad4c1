//! The appointment figures (issue 15 §3) of a small hand-made journal, computed by hand below
//! and asserted exactly; read from a real SQLite journal, a day range carrying in the bookings
//! made the day before; and a hall without bookings says so.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod common;

use common::{CST, DAY, Script, at, at_day, b, config, t, v};
use hallq_booking::{
    Arrival, Booking, BookingCode, BookingEvent, BookingStatus, PersonKey, SlotRules,
};
use hallq_journal::{Durability, Entry, Journal};
use hallq_proto::{BusinessDay, Lang, Priority, TicketNo, Timestamp};
use hallq_queue::{BookedTime, EventKind as E, VisitOutcome};
use hallq_report::appointments::{Appointments, Class, Section};
use hallq_report::render::{csv, html, text};
use hallq_report::{DayRange, ReportConfig};

/// Slots 09:00, 09:30, 10:00 and 10:30; basic takes 2 a slot; late 15 min, head start 10.
fn rules() -> SlotRules {
    SlotRules {
        utc_offset_min: CST,
        open_min: 9 * 60,
        close_min: 11 * 60,
        capacity: [(b("basic"), 2)].into_iter().collect(),
        late_min: 15,
        head_start_min: 10,
        ..SlotRules::default()
    }
}

fn booking_cfg() -> ReportConfig {
    let mut cfg = config();
    cfg.booking = Some(rules());
    cfg
}

fn code(n: u32) -> BookingCode {
    BookingCode::parse(&format!("B{n}000000")).unwrap()
}

/// Minutes after 09:00 of the booked day as a slot's start in minutes after midnight.
fn slot(min_after_nine: u32) -> u32 {
    9 * 60 + min_after_nine
}

fn book(s: &mut Script, n: u32, day: BusinessDay, start_min: u32, at: Timestamp) {
    s.push(
        at,
        E::Booking {
            booking: BookingEvent::Booked {
                booking: Booking {
                    code: code(n),
                    person: PersonKey::new(format!("person{n}abcdefghijk")).unwrap(),
                    business: b("basic"),
                    day,
                    start_min,
                    booked_at: at,
                    status: BookingStatus::Booked,
                },
            },
        },
    );
}

/// A check-in as the hub journals it: the arrival, the ticket (booked when on time), the
/// book's `checked_in` naming the ticket.
fn check_in(s: &mut Script, n: u32, start: Timestamp, now: Timestamp, late: bool) {
    let (visit, ticket) = (format!("V-B{n}"), format!("T-B{n}"));
    let queue_at = Timestamp(start.0 - 10 * 60_000).min(now);
    s.arrive(&visit, now);
    s.push(
        now,
        E::TicketIssued {
            ticket: t(&ticket),
            visit: v(&visit),
            number: TicketNo(format!("A{n}")),
            seq: n,
            business: b("basic"),
            priority: Priority::Ordinary,
            reason: None,
            granted_by: None,
            lang: Lang::Zh,
            notify: false,
            booked: (!late).then_some(BookedTime { start, queue_at }),
            tier: None,
        },
    );
    let arrival = if late {
        Arrival::Late { queue_at: now }
    } else {
        Arrival::Booked {
            queue_at,
            callable_from: queue_at.max(now),
        }
    };
    s.push(
        now,
        E::Booking {
            booking: BookingEvent::CheckedIn {
                code: code(n),
                at: now,
                arrival,
                ticket: Some(t(&ticket)),
            },
        },
    );
}

/// Called at `call`, served for 4 minutes (5 for the walk-ins' numbers below: see the test).
fn serve(s: &mut Script, who: &str, call: f64, done: f64) {
    let (visit, ticket) = (format!("V-{who}"), format!("T-{who}"));
    s.call(&ticket, &visit, 1, at(call))
        .start(&ticket, &visit, 1, at(call + 0.5))
        .finish(&ticket, &visit, 1, "basic", at(done))
        .end(&visit, VisitOutcome::Served, at(done + 0.2));
}

fn walk_in(s: &mut Script, who: &str, issued: f64) {
    let visit = format!("V-{who}");
    s.arrive(&visit, at(issued)).issue(
        &format!("T-{who}"),
        &visit,
        "basic",
        Priority::Ordinary,
        at(issued),
    );
}

/// Two days: on Sunday the 22nd six bookings are made for Monday (one cancelled); on Monday
/// one is moved, four check in (one late), one does not come, and a seventh is booked for
/// Wednesday. Times are minutes after 09:00 of Monday.
fn journal() -> Vec<Script> {
    let mut sunday = Script::default();
    let prev = BusinessDay(DAY.0 - 1);
    sunday.push(at_day(-1, -60.0), E::DayOpened { day: prev });
    for (n, start) in [(1, 30), (2, 60), (3, 60), (4, 90), (5, 0), (6, 0)] {
        book(&mut sunday, n, DAY, slot(start), at_day(-1, f64::from(n)));
    }
    sunday.push(
        at_day(-1, 10.0),
        E::Booking {
            booking: BookingEvent::Cancelled { code: code(5) },
        },
    );
    sunday.push(at_day(-1, 9.0 * 60.0), E::DayClosed { day: prev });

    let mut monday = Script::default();
    let start = |m: u32| at(f64::from(m));
    monday.push(at(-60.0), E::DayOpened { day: DAY });
    monday.push(
        at(-30.0),
        E::Booking {
            booking: BookingEvent::Changed {
                code: code(6),
                day: DAY,
                start_min: slot(90),
            },
        },
    );
    walk_in(&mut monday, "W1", 0.0);
    // Booked for Wednesday: made in the period, for a later day.
    book(&mut monday, 7, BusinessDay(DAY.0 + 2), slot(0), at(0.5));
    serve(&mut monday, "W1", 5.0, 10.0);
    check_in(&mut monday, 1, start(30), at(20.0), false);
    serve(&mut monday, "B1", 22.0, 30.0);
    check_in(&mut monday, 6, start(90), at(45.0), false);
    walk_in(&mut monday, "W2", 55.0);
    walk_in(&mut monday, "W3", 60.0);
    check_in(&mut monday, 2, start(60), at(65.0), false);
    serve(&mut monday, "B6", 66.0, 70.0);
    // B2 goes before W2 and W3, who took their tickets 10 and 5 minutes before its check-in.
    serve(&mut monday, "B2", 70.0, 75.0);
    serve(&mut monday, "W2", 75.0, 80.0);
    check_in(&mut monday, 3, start(60), at(80.0), true);
    serve(&mut monday, "W3", 80.0, 85.0);
    serve(&mut monday, "B3", 85.0, 90.0);
    monday.push(
        at(106.0),
        E::Booking {
            booking: BookingEvent::NoShow { code: code(4) },
        },
    );
    monday.push(at(9.0 * 60.0), E::DayClosed { day: DAY });
    vec![sunday, monday]
}

fn written(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("journal.db");
    let mut w = Journal::open(&path, Durability::Normal).unwrap();
    for s in journal() {
        w.commit(&[Entry::Internal { events: s.events }]).unwrap();
    }
    path
}

fn figures(r: &hallq_report::Report) -> &Appointments {
    match &r.appointments {
        Section::Figures(a) => a,
        other => panic!("no figures: {other:?}"),
    }
}

fn wait(a: &Appointments, class: Class) -> (u64, u64, Option<f64>, Option<f64>) {
    let w = a
        .waits
        .iter()
        .find(|w| w.business == "basic" && w.class == class)
        .unwrap();
    (
        w.acc.tickets,
        w.acc.called,
        w.mean_wait_min().map(|m| (m * 1000.0).round() / 1000.0),
        w.within_target_pct().map(|p| (p * 10.0).round() / 10.0),
    )
}

/// Monday's figures, as computed by hand in the comments.
fn assert_monday(a: &Appointments) {
    let basic = &a.rows[0];
    assert_eq!(basic.business, "basic");
    // For Monday: B1–B6 (B5 cancelled, B6 moved); on time B1, B2, B6; late B3; absent B4.
    assert_eq!(
        (
            basic.made,
            basic.cancelled,
            basic.changed,
            basic.on_time,
            basic.late,
            basic.no_show,
            basic.open
        ),
        (6, 1, 1, 3, 1, 1, 0)
    );
    // B7 is for Wednesday.
    assert_eq!(a.later_days, 1);
    // Places: 09:30 B1; 10:00 B2, B3; 10:30 B4, B6 = 5 of 4 slots × 2 on one open day.
    assert_eq!((basic.places, basic.capacity), (5, 8));
    assert_eq!(basic.utilisation_pct(), Some(62.5));
    let slots: Vec<(u32, u64, u64)> = a
        .slots
        .iter()
        .map(|s| (s.start_min, s.booked, s.capacity))
        .collect();
    assert_eq!(
        slots,
        [
            (slot(0), 0, 2),
            (slot(30), 1, 2),
            (slot(60), 2, 2),
            (slot(90), 2, 2)
        ]
    );
    // Check-in − start: B6 −45, B1 −10, B2 +5, B3 +20 (over the 15 min limit).
    let buckets: Vec<u64> = a.punctuality.iter().map(|(_, n)| *n).collect();
    assert_eq!(buckets, [1, 0, 1, 1, 0, 1]);
    assert_eq!(a.punctuality_median_min, Some(-10.0));
    // Waits (min): booked B1 2, B6 21, B2 5 → mean 28/3, 2 of 3 within the 15 min target;
    // late B3 5; walk-ins W1 5, W2 20, W3 20 → mean 15, 1 of 3 within.
    assert_eq!(wait(a, Class::Booked), (3, 3, Some(9.333), Some(66.7)));
    assert_eq!(wait(a, Class::Late), (1, 1, Some(5.0), Some(100.0)));
    assert_eq!(wait(a, Class::WalkIn), (3, 3, Some(15.0), Some(33.3)));
    // B2's call overtook W2 and W3, the largest head start 10 min, within 15 + 10.
    assert_eq!(
        (
            a.overtakes,
            a.max_head_start_min,
            a.bound_min,
            a.beyond_bound
        ),
        (2, Some(10.0), 25, 0)
    );
    assert!(a.held());
    // Each check-in's ticket has its visit's arrival.
    assert_eq!((a.checked_in_tickets, a.with_arrival), (4, 4));
}

#[test]
fn a_hand_made_journal_gives_the_appointment_figures_computed_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let path = written(dir.path());
    let cfg = booking_cfg();
    let now = at_day(3, 0.0);
    let journal = Journal::open_read_only(&path).unwrap();
    // Monday alone: the bookings made on Sunday are carried in.
    let monday = DayRange {
        from: Some(DAY),
        to: Some(DAY),
    };
    let r = hallq_report::read::report(&journal, &cfg, monday, now, &mut |_, _| {}).unwrap();
    let a = figures(&r);
    assert_monday(a);
    assert_eq!((a.first_day, a.last_day), (DAY, DAY));
    // Made on Monday: B7 only.
    assert_eq!(a.made_in_period, 1);
    // The same folded by two threads, cut at Sunday's reset.
    let whole = DayRange::default();
    let one = hallq_report::read::report(&journal, &cfg, whole, now, &mut |_, _| {}).unwrap();
    let two =
        hallq_report::read::report_parallel(&path, &cfg, whole, now, 2, &mut |_, _| {}).unwrap();
    assert_eq!(one.appointments, two.appointments);
    let a = figures(&one);
    // Both days: all seven made in the period, Sunday's slots offered too (none booked).
    assert_eq!(a.made_in_period, 7);
    assert_eq!((a.rows[0].places, a.rows[0].capacity), (5, 16));
    // The renderings carry the section.
    let text = text::render(&r, CST);
    assert!(text.contains("appointments 预约"), "{text}");
    assert!(text.contains("62.5%"), "{text}");
    let page = html::page(&r, "x").unwrap();
    assert!(page.contains("<h2>Appointments 预约</h2>"));
    let files = csv::files(&r);
    let summary = &files.iter().find(|(n, _)| *n == "summary.csv").unwrap().1;
    assert!(summary.contains("bookings_no_show,1"), "{summary}");
    assert!(files.iter().any(|(n, _)| *n == "appointment_slots.csv"));
}

#[test]
fn a_booked_ticket_beyond_its_bound_is_shown_exceeded() {
    // A walk-in from 08:30 still waits when a customer booked for 09:00 checks in at 09:10
    // and is called first: 40 minutes ahead, over the bound of 25.
    let mut s = Script::default();
    walk_in(&mut s, "W1", -30.0);
    check_in(&mut s, 1, at(0.0), at(10.0), false);
    serve(&mut s, "B1", 11.0, 15.0);
    let r = s.report(&booking_cfg(), at(60.0));
    let a = figures(&r);
    assert_eq!(
        (a.overtakes, a.max_head_start_min, a.beyond_bound),
        (1, Some(40.0), 1)
    );
    assert!(!a.held());
    assert!(text::render(&r, CST).contains("EXCEEDED 超出"));
}

#[test]
fn a_hall_without_bookings_says_so_instead_of_zeros() {
    let mut s = Script::default();
    s.served("a", "basic", 1, 0.0, 5.0, 8.0, None);
    let r = s.report(&config(), at(60.0));
    assert_eq!(r.appointments, Section::Off);
    let text = text::render(&r, CST);
    assert!(text.contains("takes no bookings"), "{text}");
    assert!(!text.contains("made 预约"), "{text}");
    assert!(html::page(&r, "x").unwrap().contains("本厅未开通预约"));
    let files = csv::files(&r);
    assert!(!files.iter().any(|(n, _)| n.starts_with("appointment")));
    // Bookings configured, none made: said as such.
    let r = s.report(&booking_cfg(), at(60.0));
    assert_eq!(r.appointments, Section::NoneBooked);
    assert!(text::render(&r, CST).contains("none was made"));
}
