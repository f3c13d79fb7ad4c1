//! A simulated day of the example hall with its inspections (issue 16 §1): the greeter does the
//! cleaning before opening, a patrol every 2 hours and the facility checks of the day, the
//! supervisor the self-inspection on its weekday; a failed item's correction is followed up and
//! closed. The report's service-standard figures, read from the journal, are the simulator's
//! truth, and realistic: most checklists kept, compliance near the 95 % target.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::sync::Arc;

use hallq_proto::{BusinessDay, time};
use hallq_report::DayRange;
use hallq_report::inspections::{Hours, Setup, figures, read};
use hallq_sim::{Plan, PlayOptions, Prepared, Scenario, SimConfig, SimHall};

/// Friday 11 December 2026: the self-inspection's weekday in the default set.
const DAY: BusinessDay = BusinessDay(20261211);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_day_records_its_inspections_and_the_report_shows_the_simulators_truth() {
    let toml =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/hall.example.toml");
    let hall = hallq_hub::HallConfig::load(&toml).unwrap();
    let offset = hall.hall.utc_offset_min;
    let setup = Setup {
        templates: hall.inspections.templates.clone(),
        hours: Hours {
            open_min: hall.hours.open.minutes(),
            close_min: hall.hours.close.minutes(),
            utc_offset_min: offset,
        },
        target_pct: 95.0,
    };
    let config = SimConfig {
        hall,
        scenario: Scenario::default(),
    };
    let plan = Arc::new(Plan::generate(&config, 7, DAY));
    let dir = tempfile::tempdir().unwrap();
    let prepared = Prepared::new(config.hall.clone(), dir.path(), 0).unwrap();
    let sim = SimHall::start(prepared, 600.0, plan.starts_at.plus_secs(-3600))
        .await
        .unwrap();
    let played = sim.play(Arc::clone(&plan), PlayOptions::default()).await;
    let journal_path = sim.journal_path();
    sim.stop().await.unwrap();
    let day = played.unwrap();
    let (recorded, checked, passed) = day.book.inspections;
    let (opened, closed) = day.book.corrections;
    eprintln!(
        "inspections {recorded}, items {passed}/{checked}, corrections opened {opened} closed {closed}"
    );
    // Before opening, the patrols of a 9-hour day, the self-inspection of a Friday.
    assert!(recorded >= 5, "{recorded} inspections");
    assert!(
        day.book
            .refused
            .keys()
            .all(|k| !k.contains("checklist") && !k.contains("correction")),
        "{:?}",
        day.book.refused
    );

    let journal = hallq_journal::Journal::open_read_only(&journal_path).unwrap();
    let (events, open_days) = read(&journal).unwrap();
    let s = figures(
        &setup,
        &events,
        &open_days,
        DayRange::default(),
        time::at(DAY, 24 * 60 - 1, offset),
    );
    assert_eq!(s.total.inspections, u64::from(recorded));
    assert_eq!(s.total.items_checked, u64::from(checked));
    assert_eq!(s.total.items_passed, u64::from(passed));
    assert_eq!(s.corrections_opened, u64::from(opened));
    assert_eq!(s.corrections_closed.0, u64::from(closed));
    let pct = s.total.compliance_pct().unwrap();
    assert!((80.0..=100.0).contains(&pct), "compliance {pct} %");
    let patrol = s.schedule.iter().find(|r| r.template == "patrol").unwrap();
    assert!(patrol.kept + patrol.late >= 3, "{patrol:?}");
}
