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
    // The same events folded without the journal give the same report, but for the complaint
    // opened the day before and still open, which the journal's report carries in.
    let direct = days[1].report(&cfg, now);
    assert_eq!(one.complaints.carried_open, 1);
    assert_eq!(
        hallq_report::Report {
            complaints: direct.complaints.clone(),
            ..one
        },
        direct
    );

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

/// A day with every kind of event the fold reads, and some it skips: priority tickets that
/// overtake, a no-show re-queued, a walk-out, a transfer to a business type and one to a
/// counter, a ticket closed by the reset, paused counters, a door count (a touchpoint without a
/// visit the door figures read), and a complaint whose free text needs JSON escapes.
fn every_kind() -> Script {
    use hallq_proto::{CounterNo, PauseReason, Priority, Touchpoint, TransferTarget};
    use hallq_queue::VisitOutcome;
    use hallq_queue::event::CloseReason;
    let mut s = Script::default();
    let (t, v, b) = (common::t, common::v, common::b);
    s.push(at_day(0, -60.0), EventKind::DayOpened { day: DAY });
    for c in 1..=3 {
        s.open_counter(c, at_day(0, 0.0));
    }
    s.push(
        at_day(0, 0.5),
        EventKind::Touched {
            visit: None,
            touchpoint: Touchpoint::Entering,
            what: "door_entered".into(),
            business: None,
            resolved: None,
            count: Some(3),
        },
    );
    s.served("a", "basic", 1, 1.0, 4.0, 6.0, Some(Score::VerySatisfied));
    s.arrive("V-o", at_day(0, 2.0))
        .issue("T-o", "V-o", "basic", Priority::Ordinary, at_day(0, 2.5))
        .arrive("V-p", at_day(0, 3.0))
        .issue("T-p", "V-p", "basic", Priority::Care, at_day(0, 3.5))
        .call("T-p", "V-p", 2, at_day(0, 4.0))
        .no_show("T-p", "V-p", 2, at_day(0, 7.0));
    s.push(
        at_day(0, 8.0),
        EventKind::TicketRequeued {
            ticket: t("T-p"),
            visit: v("V-p"),
        },
    );
    s.call("T-p", "V-p", 2, at_day(0, 9.0))
        .start("T-p", "V-p", 2, at_day(0, 9.5))
        .finish("T-p", "V-p", 2, "basic", at_day(0, 20.0))
        .rate("T-p", "V-p", 2, Score::Dissatisfied, at_day(0, 20.2))
        .end("V-p", VisitOutcome::Served, at_day(0, 20.5));
    s.push(
        at_day(0, 21.0),
        EventKind::CounterPaused {
            counter: CounterNo(3),
            reason: PauseReason::Meal,
        },
    );
    s.call("T-o", "V-o", 1, at_day(0, 22.0))
        .start("T-o", "V-o", 1, at_day(0, 23.0))
        .transfer("T-o", "V-o", 1, "complex", at_day(0, 30.0));
    s.push(
        at_day(0, 31.0),
        EventKind::CounterResumed {
            counter: CounterNo(3),
        },
    );
    s.call("T-o", "V-o", 3, at_day(0, 40.0))
        .start("T-o", "V-o", 3, at_day(0, 41.0));
    s.push(
        at_day(0, 45.0),
        EventKind::TicketTransferred {
            ticket: t("T-o"),
            visit: v("V-o"),
            counter: CounterNo(3),
            to: TransferTarget::Counter(CounterNo(2)),
            note: Some("a \"note\"".into()),
        },
    );
    s.call("T-o", "V-o", 2, at_day(0, 50.0))
        .start("T-o", "V-o", 2, at_day(0, 51.0))
        .finish("T-o", "V-o", 2, "complex", at_day(0, 70.0))
        .end("V-o", VisitOutcome::Served, at_day(0, 71.0));
    s.arrive("V-w", at_day(0, 60.0))
        .issue("T-w", "V-w", "basic", Priority::Ordinary, at_day(0, 60.5))
        .cancel("T-w", "V-w", at_day(0, 80.0))
        .end("V-w", VisitOutcome::WalkedOut, at_day(0, 80.0));
    s.push(
        at_day(0, 81.0),
        EventKind::ComplaintOpened {
            complaint: hallq_proto::ComplaintId::new("K-1").unwrap(),
            category: ComplaintCategory::General,
            summary: "waited \"forever\", 太久".into(),
            visit: Some(v("V-w")),
            ticket: Some(t("T-w")),
            business: Some(b("basic")),
            responsibility: Some("hall \\ \"front\" 前台".into()),
            opened_by: "supervisor-1".into(),
            first_contact_due_ms: at_day(0, 201.0),
            due_ms: at_day(1, 81.0),
        },
    );
    s.complaint_update("K-1", true, at_day(0, 90.0))
        .complaint_resolved("K-1", at_day(0, 100.0));
    s.arrive("V-r", at_day(0, 90.0)).issue(
        "T-r",
        "V-r",
        "complex",
        Priority::GreenChannel,
        at_day(0, 91.0),
    );
    s.close_counter(3, at_day(0, 300.0));
    s.push(
        at_day(0, 600.0),
        EventKind::TicketClosed {
            ticket: t("T-r"),
            visit: v("V-r"),
            reason: CloseReason::DailyReset,
        },
    )
    .end("V-r", VisitOutcome::ClosedByReset, at_day(0, 600.0));
    s.push(at_day(0, 600.0), EventKind::DayClosed { day: DAY });
    s
}

#[test]
fn every_kind_of_event_read_from_its_journal_row_gives_the_report_of_the_event_itself() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let day = every_kind();
    let mut writer = Journal::open(&path, Durability::Normal).unwrap();
    writer
        .commit(&[Entry::Internal {
            events: day.events.clone(),
        }])
        .unwrap();
    drop(writer);
    let journal = Journal::open_read_only(&path).unwrap();
    let cfg = config();
    let now = at_day(0, 120.0);
    let read = hallq_report::read::report(&journal, &cfg, DayRange::default(), now, &mut |_, _| {})
        .unwrap();
    let direct = day.report(&cfg, now);
    assert_eq!(read.visits, 5);
    assert_eq!(read.outcome(Outcome::Served), 3);
    assert_eq!(read.outcome(Outcome::WalkedOut), 1);
    assert_eq!(read.outcome(Outcome::ClosedByReset), 1);
    assert_eq!(read.complaints.resolved, 1);
    // Every event of the day is read, the door count too (the door figures).
    assert_eq!(read.events, day.events.len() as u64);
    assert_eq!(read.door.total.entered, 3);
    assert_eq!(read, direct);
}

#[test]
fn the_summary_counts_every_row_of_the_journal_and_says_how_many_it_read() {
    use hallq_proto::{CounterNo, StaffNo};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let mut day = every_kind();
    // Kinds that change no figure, skipped by their columns: a print and a sign-in.
    let close = day.events.pop().unwrap();
    day.push(
        at_day(0, 1.6),
        EventKind::TicketPrinted {
            ticket: common::t("T-a"),
            visit: common::v("V-a"),
            ok: true,
            reprint: false,
        },
    )
    .push(
        at_day(0, 599.0),
        EventKind::SignedIn {
            counter: CounterNo(1),
            staff: StaffNo::new("E1").unwrap(),
        },
    );
    day.events.push(close);
    let mut writer = Journal::open(&path, Durability::Normal).unwrap();
    writer
        .commit(&[Entry::Internal {
            events: day.events.clone(),
        }])
        .unwrap();
    drop(writer);
    let journal = Journal::open_read_only(&path).unwrap();
    let cfg = config();
    let now = at_day(0, 120.0);
    let read = hallq_report::read::report(&journal, &cfg, DayRange::default(), now, &mut |_, _| {})
        .unwrap();
    let rows = day.events.len() as u64;
    // The print and the sign-in are rows the report does not read (the door count it reads).
    assert_eq!((read.rows, read.events), (rows, rows - 2));
    let csv = hallq_report::render::csv::files(&read);
    let summary = &csv.iter().find(|(n, _)| *n == "summary.csv").unwrap().1;
    assert!(
        summary.contains(&format!("journal_rows,{rows}\r\n")),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("events_read,{}\r\n", rows - 2)),
        "{summary}"
    );
    let text = hallq_report::render::text::render(&read, common::CST);
    assert!(
        text.contains(&format!("journal rows {rows} "))
            && text.contains(&format!("of which {} read", rows - 2)),
        "{text}"
    );
    // Folded without the journal, every event given is a row and is read.
    let direct = day.report(&cfg, now);
    assert_eq!((direct.rows, direct.events), (rows, rows));
}

#[test]
fn a_range_lists_the_complaints_open_at_its_end_whenever_they_were_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let mut days = three_days();
    // A second case on the first day is never resolved.
    let close = days[0].events.pop().unwrap();
    days[0].complaint(
        "K2",
        ComplaintCategory::General,
        "complex",
        "hall",
        at_day(0, 200.0),
    );
    days[0].events.push(close);
    let mut writer = Journal::open(&path, Durability::Normal).unwrap();
    for d in &days {
        writer
            .commit(&[Entry::Internal {
                events: d.events.clone(),
            }])
            .unwrap();
    }
    drop(writer);
    let cfg = config();
    let now = at_day(5, 0.0);
    let day = |k: u32| DayRange {
        from: Some(BusinessDay(DAY.0 + k)),
        to: Some(BusinessDay(DAY.0 + k)),
    };
    let journal = Journal::open_read_only(&path).unwrap();
    // The 24th: K1 (contacted that day, resolved the next) and K2 are both open at its end.
    let second = hallq_report::read::report(&journal, &cfg, day(1), now, &mut |_, _| {}).unwrap();
    let open: Vec<(&str, bool)> = second
        .complaints
        .open
        .iter()
        .map(|o| (o.id.as_str(), o.contacted))
        .collect();
    assert_eq!(
        open,
        vec![("K2", false), ("K1", true)],
        "most overdue first"
    );
    assert_eq!(second.complaints.open[0].opened_month, 202611);
    assert_eq!(
        (second.complaints.opened, second.complaints.carried_open),
        (0, 2),
        "opened earlier: listed, not counted as opened in the range"
    );
    // The 25th resolves K1: only K2, overdue, is left; folded in parallel, the same.
    let third = hallq_report::read::report(&journal, &cfg, day(2), now, &mut |_, _| {}).unwrap();
    let ids: Vec<&str> = third
        .complaints
        .open
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(ids, vec!["K2"]);
    assert!(third.complaints.open[0].hours_left < 0.0, "overdue");
    let text = hallq_report::render::text::render(&third, common::CST);
    assert!(text.contains("K2"), "{text}");
    let parallel =
        hallq_report::read::report_parallel(&path, &cfg, day(2), now, 2, &mut |_, _| {}).unwrap();
    assert_eq!(parallel, third);
}

#[test]
fn a_months_report_lists_overdue_cases_of_earlier_months_and_the_written_results_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let nov = DAY;
    let dec = BusinessDay(20261202);
    let dec_at = |min: f64| at_day(9, min);
    let mut s = Script::default();
    // 23 November: a general case (24 h) never resolved, and one resolved the same day.
    s.push(at_day(0, -60.0), EventKind::DayOpened { day: nov });
    s.complaint(
        "K-NOV",
        ComplaintCategory::General,
        "basic",
        "billing",
        at_day(0, 30.0),
    );
    s.complaint(
        "K-DONE",
        ComplaintCategory::General,
        "basic",
        "staff",
        at_day(0, 40.0),
    );
    s.complaint_resolved("K-DONE", at_day(0, 90.0));
    s.push(at_day(0, 600.0), EventKind::DayClosed { day: nov });
    // 2 December: a complex case opened and answered in writing.
    s.push(dec_at(-60.0), EventKind::DayOpened { day: dec });
    s.complaint(
        "K-DEC",
        ComplaintCategory::Complex,
        "complex",
        "network",
        dec_at(10.0),
    );
    let answer = hallq_proto::ComplaintAnswer {
        cause: "基站检修导致信号中断".into(),
        solution: "检修已完成，信号恢复".into(),
        compensation: Some("减免当月月租 20 元".into()),
        promise: "检修前短信提前告知".into(),
    };
    s.complaint_answered("K-DEC", answer.clone(), dec_at(120.0));
    s.push(dec_at(600.0), EventKind::DayClosed { day: dec });
    let mut writer = Journal::open(&path, Durability::Normal).unwrap();
    writer
        .commit(&[Entry::Internal {
            events: s.events.clone(),
        }])
        .unwrap();
    drop(writer);

    let journal = Journal::open_read_only(&path).unwrap();
    let december = DayRange {
        from: Some(BusinessDay(20261201)),
        to: Some(BusinessDay(20261231)),
    };
    let now = at_day(10, 0.0);
    let r = hallq_report::read::report(&journal, &config(), december, now, &mut |_, _| {}).unwrap();
    let c = &r.complaints;
    // November's overdue case is listed with its month; the one resolved in November is not.
    let open: Vec<(&str, u32)> = c
        .open
        .iter()
        .map(|o| (o.id.as_str(), o.opened_month))
        .collect();
    assert_eq!(open, vec![("K-NOV", 202611)]);
    assert!(
        c.open[0].hours_left < -24.0 * 8.0,
        "overdue since 24 November"
    );
    assert_eq!((c.opened, c.carried_open), (1, 1));
    // December's own case counts in its hot spots and shows its written result.
    assert_eq!(
        c.hot_spots,
        vec![(202612, "complex".to_owned(), "network".to_owned(), 1)]
    );
    let answered: Vec<_> = c
        .answered
        .iter()
        .map(|a| (a.id.as_str(), a.answer.as_ref()))
        .collect();
    assert_eq!(answered, vec![("K-DEC", Some(&answer))]);
    assert_eq!(c.answered[0].resolved_local, "2026-12-02 11:00");
    let text = hallq_report::render::text::render(&r, common::CST);
    for part in [
        "K-NOV",
        "2026-11",
        "基站检修导致信号中断",
        "减免当月月租 20 元",
        "检修前短信提前告知",
    ] {
        assert!(
            text.contains(part),
            "{part} missing from the text report:\n{text}"
        );
    }
    let html = hallq_report::render::html::page(&r, "测试厅").unwrap();
    assert!(html.contains("检修已完成，信号恢复"), "{html}");

    // November's report: the case resolved without a written result is marked so.
    let november = DayRange {
        from: Some(BusinessDay(20261101)),
        to: Some(BusinessDay(20261130)),
    };
    let r = hallq_report::read::report(&journal, &config(), november, now, &mut |_, _| {}).unwrap();
    let text = hallq_report::render::text::render(&r, common::CST);
    assert!(
        text.contains("K-DONE") && text.contains("NO written result 无书面答复"),
        "{text}"
    );
}
