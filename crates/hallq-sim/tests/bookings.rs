//! A simulated morning of the example hall with the demo's `[booking]`: the customers book on
//! the hub's booking API and check in at the kiosks, some late, some not at all; the report's
//! appointment figures, read from the journal, are the simulator's truth.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::sync::Arc;

use hallq_proto::{BusinessDay, time};
use hallq_report::appointments::{Class, Section};
use hallq_report::{DayRange, ReportConfig};
use hallq_sim::plan::Keeping;
use hallq_sim::{Plan, PlayOptions, Prepared, Scenario, SimConfig, SimHall};

/// Monday 7 December 2026.
const DAY: BusinessDay = BusinessDay(20261207);
/// The morning is played until 12:30, hall time.
const UNTIL_MIN: u32 = 12 * 60 + 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_morning_books_checks_in_and_the_report_shows_the_simulators_truth() {
    let toml =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/hall.example.toml");
    let mut hall = hallq_hub::HallConfig::load(&toml).unwrap();
    hall.booking = Some(hallq_sim::plan::demo_section());
    let offset = hall.hall.utc_offset_min;
    let rules = hall.booking.as_ref().unwrap().rules(&hall).unwrap();
    let mut cfg = ReportConfig::from_queue("x", &hall.queue, offset);
    cfg.booking = Some(rules.clone());
    let config = SimConfig {
        hall,
        scenario: Scenario::default(),
    };
    let plan = Arc::new(Plan::generate(&config, 11, DAY));
    let booked = plan
        .customers
        .iter()
        .filter(|c| c.booking.is_some())
        .count();
    assert!(booked >= 10, "the plan books {booked}");
    let dir = tempfile::tempdir().unwrap();
    let prepared = Prepared::new(config.hall.clone(), dir.path(), 0).unwrap();
    let sim = SimHall::start(prepared, 600.0, plan.starts_at.plus_secs(-3600))
        .await
        .unwrap();
    let until = time::at(DAY, UNTIL_MIN, offset);
    let played = sim
        .play(
            Arc::clone(&plan),
            PlayOptions {
                until: Some(until),
                ..PlayOptions::default()
            },
        )
        .await;
    let journal_path = sim.journal_path();
    sim.stop().await.unwrap();
    let day = played.unwrap();
    let truth = &day.book.bookings;
    assert!(truth.refused.is_empty(), "{:?}", truth.refused);
    assert_eq!(truth.made.len(), booked, "every planned booking was made");

    // The simulator's truth, by the slot's window at the end of the morning.
    let late_min = i64::from(rules.late_min);
    let window_closed = |start_min: u32| {
        rules
            .start_of(DAY, start_min)
            .plus_secs((late_min + 1) * 60)
            < day.ended_at
    };
    let on_time = truth.checked_in.values().filter(|(_, l)| !*l).count() as u64;
    let late = truth.checked_in.values().filter(|(_, l)| *l).count() as u64;
    let mut no_show = 0;
    let mut open = 0;
    let mut drifted = 0;
    for (n, (start_min, keeping)) in &truth.made {
        if let Some(&(at, was_late)) = truth.checked_in.get(n) {
            // The hub judged late exactly the customers who came later than the limit.
            let start = rules.start_of(DAY, *start_min);
            assert_eq!(
                was_late,
                at > start.plus_secs(late_min * 60),
                "customer {n}: slot {start_min}, checked in {}",
                plan.hhmm(at)
            );
            // As planned, unless the loaded machine kept a customer from the kiosk in time.
            drifted += u32::from(was_late != (*keeping == Keeping::Late));
        } else if window_closed(*start_min) {
            no_show += 1;
        } else {
            open += 1;
        }
    }
    eprintln!(
        "bookings {}: on time {on_time}, late {late}, no-show {no_show}, open {open}; \
         {drifted} check-ins not as planned (the clock ran ahead of the machine)",
        truth.made.len()
    );
    assert!(on_time + late > 0 && no_show > 0, "{truth:?}");
    // Every absent customer whose window closed is among the no-shows.
    let absent_closed = truth
        .made
        .values()
        .filter(|(s, k)| *k == Keeping::Absent && window_closed(*s))
        .count() as u64;
    assert!(absent_closed <= no_show && absent_closed > 0);

    let journal = hallq_journal::Journal::open_read_only(&journal_path).unwrap();
    let r = hallq_report::read::report(&journal, &cfg, DayRange::default(), until, &mut |_, _| {})
        .unwrap();
    let Section::Figures(a) = &r.appointments else {
        panic!("no appointment figures: {:?}", r.appointments);
    };
    let t = &a.total;
    assert_eq!(t.made, truth.made.len() as u64);
    assert_eq!(t.cancelled, 0);
    assert_eq!(
        (t.on_time, t.late, t.no_show, t.open),
        (on_time, late, no_show, open)
    );
    // Each check-in's ticket, with its arrival; the booked tickets are the on-time ones.
    assert_eq!(a.checked_in_tickets, on_time + late);
    assert_eq!(a.with_arrival, on_time + late);
    let tickets = |class| {
        a.waits
            .iter()
            .filter(|w| w.class == class)
            .map(|w| w.acc.tickets)
            .sum::<u64>()
    };
    assert_eq!(
        (tickets(Class::Booked), tickets(Class::Late)),
        (on_time, late)
    );
    // The booked customers took no head start beyond the bound.
    assert!(a.held(), "{:?}", a.max_head_start_min);
    // Places: every booking made holds one (none cancelled).
    assert_eq!(t.places, t.made);
}
