//! Known answers of the inspections section (issue 16 §1): a week of a hall's inspections, with
//! every figure computed by hand below. The hall opens 08:30–17:30 China time, on the default
//! checklists; 2026-11-30 is a Monday.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::collections::BTreeSet;

use hallq_inspect::template::default_set;
use hallq_inspect::{CheckedItem, InspectionEvent, InspectionKind};
use hallq_proto::{BusinessDay, Timestamp, time};
use hallq_report::DayRange;
use hallq_report::inspections::{Hours, ScheduleRow, Setup, figures};

fn at(day: u32, h: u32, m: u32) -> Timestamp {
    time::at(BusinessDay(day), h * 60 + m, 480)
}

/// Items `(code, critical, pass)`.
fn recorded(template: &str, kind: InspectionKind, items: &[(&str, bool, bool)]) -> InspectionEvent {
    InspectionEvent::Recorded {
        inspection: format!("I-{template}"),
        template: template.into(),
        kind,
        by: "E2001".into(),
        device: "supervisor-1".into(),
        items: items
            .iter()
            .map(|&(item, critical, pass)| CheckedItem {
                item: item.into(),
                critical,
                pass,
                note: (!pass).then(|| "found".into()),
            })
            .collect(),
        note: None,
        visited_at_ms: None,
        shopper: None,
    }
}

fn opened(id: &str, template: &str, item: &str, due: Timestamp) -> InspectionEvent {
    InspectionEvent::CorrectionOpened {
        correction: id.into(),
        inspection: format!("I-{template}"),
        template: template.into(),
        item: item.into(),
        note: "found".into(),
        due_ms: due,
    }
}

/// The week:
/// - Mon 30 Nov 10:20 patrol, the bins failed: 3 of 4; correction R1 due Thu 3 Dec 10:20,
///   closed Fri 4 Dec 09:00 (late).
/// - Tue 1 Dec 08:00 cleaning before opening, the kiosks (critical) failed: 0 of 4; correction
///   R2 due Fri 4 Dec 08:00, still open.
/// - Tue 1 Dec 18:00 deep clean after closing, all passed: 3 of 3.
/// - Wed 2 Dec 15:00 mystery shopper, the one-time notification failed: 5 of 6; correction R3
///   due Sat 5 Dec 15:00, still open.
/// - Thu 3 Dec 11:00 the manager's self-inspection, all passed: 5 of 5.
fn week() -> Vec<(Timestamp, InspectionEvent)> {
    use InspectionKind as K;
    vec![
        (
            at(20261130, 10, 20),
            recorded(
                "patrol",
                K::Cleaning,
                &[
                    ("floor", true, true),
                    ("seats", false, true),
                    ("bins", false, false),
                    ("desk", false, true),
                ],
            ),
        ),
        (
            at(20261130, 10, 20),
            opened("R1", "patrol", "bins", at(20261203, 10, 20)),
        ),
        (
            at(20261201, 8, 0),
            recorded(
                "clean-open",
                K::Cleaning,
                &[
                    ("floor", false, true),
                    ("leaflets", false, true),
                    ("devices", true, false),
                    ("water", false, true),
                ],
            ),
        ),
        (
            at(20261201, 8, 0),
            opened("R2", "clean-open", "devices", at(20261204, 8, 0)),
        ),
        (
            at(20261201, 18, 0),
            recorded(
                "clean-close",
                K::Cleaning,
                &[
                    ("deep", false, true),
                    ("power", true, true),
                    ("locked", true, true),
                ],
            ),
        ),
        (
            at(20261202, 15, 0),
            recorded(
                "mystery-shopper",
                K::MysteryShopper,
                &[
                    ("greeting", false, true),
                    ("answer", false, true),
                    ("notice", false, false),
                    ("time", false, true),
                    ("farewell", false, true),
                    ("real-name", true, true),
                ],
            ),
        ),
        (
            at(20261202, 15, 0),
            opened("R3", "mystery-shopper", "notice", at(20261205, 15, 0)),
        ),
        (
            at(20261203, 11, 0),
            recorded(
                "self-weekly",
                K::SelfInspection,
                &[
                    ("environment", false, true),
                    ("dress", false, true),
                    ("conduct", false, true),
                    ("notice", false, true),
                    ("real-name", true, true),
                ],
            ),
        ),
        (
            at(20261204, 9, 0),
            InspectionEvent::CorrectionClosed {
                correction: "R1".into(),
                note: "emptied".into(),
                by: "E2001".into(),
            },
        ),
    ]
}

fn setup() -> Setup {
    Setup {
        templates: default_set(),
        hours: Hours {
            open_min: 8 * 60 + 30,
            close_min: 17 * 60 + 30,
            utc_offset_min: 480,
        },
        target_pct: 95.0,
    }
}

/// Tickets were issued Monday to Friday and on Monday 7 December: the weekend was closed.
fn open_days() -> BTreeSet<BusinessDay> {
    [20261130, 20261201, 20261202, 20261203, 20261204, 20261207]
        .into_iter()
        .map(BusinessDay)
        .collect()
}

#[test]
fn compliance_by_month_and_type_counts_a_failed_critical_item_as_failing_its_inspection() {
    let now = at(20261207, 12, 0);
    let s = figures(&setup(), &week(), &open_days(), DayRange::default(), now);
    // 22 items checked; passed 3 + 0 (critical failure) + 3 + 5 + 5 = 16.
    assert_eq!(
        (
            s.total.inspections,
            s.total.critical_failed,
            s.total.items_checked,
            s.total.items_passed
        ),
        (5, 1, 22, 16)
    );
    let pct = s.total.compliance_pct().unwrap();
    assert!((pct - 16.0 * 100.0 / 22.0).abs() < 1e-9, "{pct}");
    // November: the patrol, 3 of 4. December: 0/4 + 3/3 cleaning, 5/6 mystery, 5/5 self.
    let months: Vec<_> = s
        .months
        .iter()
        .map(|m| {
            (
                m.month.as_str(),
                m.total.items_passed,
                m.total.items_checked,
            )
        })
        .collect();
    assert_eq!(months, [("2026-11", 3, 4), ("2026-12", 13, 18)]);
    let dec: Vec<_> = s.months[1]
        .by_kind
        .iter()
        .map(|(k, t)| (*k, t.items_passed, t.items_checked))
        .collect();
    assert_eq!(
        dec,
        [
            (InspectionKind::Cleaning, 3, 7),
            (InspectionKind::SelfInspection, 5, 5),
            (InspectionKind::MysteryShopper, 5, 6),
        ]
    );
    let kinds: Vec<_> = s
        .by_kind
        .iter()
        .map(|(k, t)| (*k, t.inspections, t.items_passed, t.items_checked))
        .collect();
    assert_eq!(
        kinds,
        [
            (InspectionKind::Cleaning, 3, 6, 11),
            (InspectionKind::SelfInspection, 1, 5, 5),
            (InspectionKind::MysteryShopper, 1, 5, 6),
        ],
        "no facility check this week"
    );
    // Corrections: 3 opened, 1 closed (late: due Thursday, closed Friday); R2 and R3 open
    // and both past their deadline on Monday the 7th.
    assert_eq!(s.corrections_opened, 3);
    assert_eq!(s.corrections_closed, (1, 1));
    let open: Vec<_> = s.open.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(open, ["R2", "R3"]);
    assert_eq!(s.open_late, 2);
}

#[test]
fn scheduled_checklists_are_judged_from_the_first_inspection_on_open_days() {
    let now = at(20261207, 12, 0);
    let s = figures(&setup(), &week(), &open_days(), DayRange::default(), now);
    let row = |code: &str| -> (u64, u64, u64, u64) {
        let r: &ScheduleRow = s.schedule.iter().find(|r| r.template == code).unwrap();
        (r.kept, r.late, r.missed, r.overdue_now)
    };
    // Before opening, deadline 08:45, judged from Tue 1 Dec (Monday's fell before the first
    // inspection): kept Tuesday; missed Wed, Thu, Fri; the weekend closed; Monday 7th overdue.
    assert_eq!(row("clean-open"), (1, 0, 3, 1));
    // Patrols, every 2 h from 08:30: Monday 30th kept at 10:20, then 12:20, 14:20 and 16:20
    // missed; Tuesday to Friday four missed a day (10:30, 12:30, 14:30, 16:30); Monday 7th's
    // 10:30 overdue at noon.
    assert_eq!(row("patrol"), (1, 0, 19, 1));
    // After closing, deadline 18:30: Mon 30th missed, Tue kept at 18:00, Wed to Fri missed.
    assert_eq!(row("clean-close"), (1, 0, 4, 0));
    // Seats by Monday's closing: the week of 30 November missed (the 7th's not yet due).
    assert_eq!(row("seats-weekly"), (0, 0, 1, 0));
    // The water filter by the 5th: December's overdue, still within its month.
    assert_eq!(row("water-filter"), (0, 0, 0, 1));
    // The self-inspection by Friday: done Thursday.
    assert_eq!(row("self-weekly"), (1, 0, 0, 0));
    assert!(s.schedule.iter().all(|r| r.template != "mystery-shopper"));
}

#[test]
fn a_range_of_days_counts_its_own_inspections_and_lists_every_open_correction() {
    let now = at(20261207, 12, 0);
    let range = DayRange {
        from: Some(BusinessDay(20261201)),
        to: Some(BusinessDay(20261203)),
    };
    let s = figures(&setup(), &week(), &open_days(), range, now);
    assert_eq!((s.total.items_passed, s.total.items_checked), (13, 18));
    assert_eq!(s.corrections_opened, 2, "R2 and R3; R1 was opened before");
    assert_eq!(s.corrections_closed, (0, 0));
    assert_eq!(s.open.len(), 2);
}

#[test]
fn the_report_shows_the_fourth_kpi_and_the_section() {
    let now = at(20261207, 12, 0);
    let s = figures(&setup(), &week(), &open_days(), DayRange::default(), now);
    let cfg = hallq_report::ReportConfig::from_queue(
        "测试营业厅",
        &hallq_queue::QueueConfig::telecom_default(),
        480,
    );
    let mut report = hallq_report::Fold::new(&cfg).finish(now);
    report.add_inspections(s);
    let k = report.kpi("service_standard").unwrap();
    assert_eq!(
        (k.num, k.den, k.target_pct, k.met()),
        (16, 22, 95.0, Some(false))
    );
    let text = hallq_report::render::text::render(&report, 480);
    for line in [
        "服务规范达标率 72.7% (target 目标 ≥ 95%): 16 of 22 items passed in 5 inspections",
        "corrections 整改: opened in the range 新增 3, closed 已关闭 1 (late 逾期 1); open now 未关闭 2, of them past their deadline 已超期 2",
        "R2",
        "LATE 超期",
    ] {
        assert!(text.contains(line), "{line:?} not in\n{text}");
    }
    let page = hallq_report::render::html::page(&report, "t").unwrap();
    assert!(page.contains("Service-standard inspections 服务监督"));
    let files = hallq_report::render::csv::files(&report);
    let file = |name: &str| &files.iter().find(|(n, _)| *n == name).unwrap().1;
    let months = file("inspections_months.csv");
    assert!(months.contains("2026-12,,4,1,18,13,72.222\r\n"), "{months}");
    assert!(
        months.contains("2026-12,mystery_shopper,1,0,6,5,83.333\r\n"),
        "{months}"
    );
    assert!(file("inspections_schedule.csv").contains("patrol,1,0,19,1\r\n"));
    assert_eq!(
        file("corrections_open.csv").lines().count(),
        3,
        "a header and R2, R3"
    );
}
