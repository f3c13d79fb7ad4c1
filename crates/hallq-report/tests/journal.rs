//! The report read from a real SQLite journal: a range of business days selects their events
//! only, and the figures are those of the same events folded directly.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod common;

use common::{DAY, Script, at_day, config};
use hallq_journal::{Durability, Entry, Journal};
use hallq_proto::{BusinessDay, ComplaintCategory, Score};
use hallq_queue::EventKind;
use hallq_report::{DayRange, Outcome};

/// Three business days, 23–25 November: day k has k + 1 served visits.
fn three_days() -> Vec<Script> {
    (0..3)
        .map(|k| {
            let mut s = Script::default();
            let day = BusinessDay(DAY.0 + k as u32);
            s.push(at_day(k, -60.0), EventKind::DayOpened { day });
            for i in 0..=k {
                let name = format!("d{k}-{i}");
                let mut one = Script::default();
                one.served(
                    &name,
                    "basic",
                    1,
                    10.0 * i as f64,
                    5.0,
                    8.0,
                    Some(Score::Satisfied),
                );
                // `served` is written for day 0: move it to day k.
                for mut e in one.events {
                    e.at_ms = e.at_ms.plus_secs(k * 86_400);
                    s.events.push(e);
                }
            }
            // A complaint opened on the first day is contacted on the second and resolved on
            // the third: its case spans ranges folded apart.
            match k {
                0 => {
                    s.complaint(
                        "K1",
                        ComplaintCategory::Complex,
                        "basic",
                        "staff",
                        at_day(0, 100.0),
                    );
                }
                1 => {
                    s.complaint_update("K1", true, at_day(1, 100.0));
                }
                _ => {
                    s.complaint_resolved("K1", at_day(2, 100.0));
                }
            }
            s.push(at_day(k, 18.0 * 60.0), EventKind::DayClosed { day });
            s
        })
        .collect()
}

#[test]
fn a_day_range_reports_the_events_of_those_days_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let days = three_days();
    let mut writer = Journal::open(&path, Durability::Normal).unwrap();
    for d in &days {
        writer
            .commit(&[Entry::Internal {
                events: d.events.clone(),
            }])
            .unwrap();
    }
    // The hub's connection stays open while the report reads.
    let journal = Journal::open_read_only(&path).unwrap();
    let cfg = config();
    let now = at_day(5, 0.0);
    let mut calls = Vec::new();
    let all = hallq_report::read::report(&journal, &cfg, DayRange::default(), now, &mut |a, b| {
        calls.push((a, b))
    })
    .unwrap();
    assert_eq!(all.visits, 1 + 2 + 3);
    assert_eq!(all.outcome(Outcome::Served), 6);
    let events: usize = days.iter().map(|d| d.events.len()).sum();
    assert_eq!(all.events, events as u64);
    assert_eq!(
        calls.last(),
        Some(&(events as u64, events as u64)),
        "progress ends at the total"
    );

    let middle = DayRange {
        from: Some(BusinessDay(DAY.0 + 1)),
        to: Some(BusinessDay(DAY.0 + 1)),
    };
    let one = hallq_report::read::report(&journal, &cfg, middle, now, &mut |_, _| {}).unwrap();
    assert_eq!(one.visits, 2, "the 24th alone");
    assert_eq!(one.events, days[1].events.len() as u64);
    // The same events folded without the journal give the same report.
    assert_eq!(one, days[1].report(&cfg, now));

    let none = DayRange {
        from: Some(BusinessDay(20300101)),
        to: None,
    };
    let empty = hallq_report::read::report(&journal, &cfg, none, now, &mut |_, _| {}).unwrap();
    assert_eq!((empty.visits, empty.events), (0, 0));
    drop(writer);
}

#[test]
fn folding_ranges_of_days_in_parallel_gives_the_report_of_one_fold() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let mut writer = Journal::open(&path, Durability::Normal).unwrap();
    for d in three_days() {
        writer
            .commit(&[Entry::Internal { events: d.events }])
            .unwrap();
    }
    drop(writer);
    let journal = Journal::open_read_only(&path).unwrap();
    let cfg = config();
    let now = at_day(5, 0.0);
    let one = hallq_report::read::report(&journal, &cfg, DayRange::default(), now, &mut |_, _| {})
        .unwrap();
    assert_eq!(
        one.complaints.resolved, 1,
        "the case was followed across the days"
    );
    assert_eq!(
        one.kpi("complaint_first_contact").unwrap().num,
        0,
        "contacted after 2 h"
    );
    for threads in 1..=4 {
        let mut last = (0, 0);
        let many = hallq_report::read::report_parallel(
            &path,
            &cfg,
            DayRange::default(),
            now,
            threads,
            &mut |a, b| last = (a, b),
        )
        .unwrap();
        assert_eq!(many, one, "{threads} thread(s)");
        assert_eq!(last.0, last.1, "progress ends at the total");
    }
}
