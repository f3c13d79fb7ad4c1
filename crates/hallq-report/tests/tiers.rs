//! Known answers for the value tiers (issue 16 §4, docs/reports.md "Value tiers"): a journal
//! written by hand, the figures worked out on paper, read both from the events and from a real
//! SQLite journal's rows.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod common;

use common::{DAY, Script, at, b, config, t, v};
use hallq_journal::{Durability, Entry, Journal};
use hallq_proto::{Lang, LocalText, Priority, Score, TicketNo};
use hallq_queue::tiers::{TierMark, ValueTier};
use hallq_queue::{EventKind as E, VisitOutcome};
use hallq_report::{DayRange, Report, ReportConfig};

/// The hall of the known answers with two tiers: five stars (answer within 10 min, head start
/// 10 min) and seven stars (5 min, 20 min).
fn tiered() -> ReportConfig {
    let tier = |level, answer_target_min, head_start_min| ValueTier {
        level,
        name: LocalText::new(format!("{level}星"), format!("{level} stars")),
        greeting: LocalText::new("您好", "Welcome"),
        answer_target_min,
        head_start_min,
        ratio: 0,
        counters: Vec::new(),
    };
    ReportConfig {
        tiers: vec![tier(5, 10, 10), tier(7, 5, 20)],
        ..config()
    }
}

/// A ticket of `tier` issued at `min`.
fn issue(s: &mut Script, name: &str, priority: Priority, tier: Option<TierMark>, min: f64) {
    let (vis, tic) = (format!("V-{name}"), format!("T-{name}"));
    s.arrive(&vis, at(min - 0.5));
    s.push(
        at(min),
        E::TicketIssued {
            ticket: t(&tic),
            visit: v(&vis),
            number: TicketNo(tic.clone()),
            seq: 1,
            business: b("basic"),
            priority,
            reason: None,
            granted_by: None,
            lang: Lang::Zh,
            notify: false,
            booked: None,
            tier,
        },
    );
}

/// Called at `call`, served 5 min, rated `score`.
fn serve(s: &mut Script, name: &str, call: f64, score: Option<Score>) {
    let (vis, tic) = (format!("V-{name}"), format!("T-{name}"));
    s.call(&tic, &vis, 1, at(call))
        .start(&tic, &vis, 1, at(call + 0.5))
        .finish(&tic, &vis, 1, "basic", at(call + 5.0));
    if let Some(score) = score {
        s.rate(&tic, &vis, 1, score, at(call + 5.2));
    }
    s.end(&vis, VisitOutcome::Served, at(call + 5.5));
}

/// The day:
/// - o1 ordinary, no tier, 09:00; o2 at 09:02; o3 at 09:30;
/// - g1 five stars (10 min) at 09:06: called at 09:08, before o1 and o2 (queued 6 and 4 min
///   before it): 2 overtakes, largest head start 6 min; waited 2 min (target 10: within);
///   rated 满意;
/// - d1 seven stars (20 min), elderly (priority: 30 min in `config()`), at 09:40: called at
///   09:50 before o3 (queued 10 min before it, which priority alone explains: the tier's part
///   is 10 − 30 < 0, so no tier overtake) — a wait of 10 min against a 5 min target: not
///   within; rated 一般;
/// - d2 seven stars at 09:45, called 10:10 after o3? no: o3 is called at 09:56, d2 at 10:10,
///   nothing left to overtake; waited 25 min; not rated;
/// - o1 called 09:14 (waited 14 min, within the hall's 15), o2 at 09:20 (18: not), o3 at 09:56
///   (26: not); o1 rated 非常满意, o2 不满意.
fn day() -> Script {
    let mut s = Script::default();
    s.push(at(-30.0), E::DayOpened { day: DAY });
    let five = Some(TierMark {
        level: 5,
        head_start_min: 10,
    });
    let seven = Some(TierMark {
        level: 7,
        head_start_min: 20,
    });
    issue(&mut s, "o1", Priority::Ordinary, None, 0.0);
    issue(&mut s, "o2", Priority::Ordinary, None, 2.0);
    issue(&mut s, "g1", Priority::Ordinary, five, 6.0);
    serve(&mut s, "g1", 8.0, Some(Score::Satisfied));
    serve(&mut s, "o1", 14.0, Some(Score::VerySatisfied));
    serve(&mut s, "o2", 20.0, Some(Score::Dissatisfied));
    issue(&mut s, "o3", Priority::Ordinary, None, 30.0);
    issue(&mut s, "d1", Priority::Care, seven, 40.0);
    issue(&mut s, "d2", Priority::Ordinary, seven, 45.0);
    serve(&mut s, "d1", 50.0, Some(Score::Neutral));
    serve(&mut s, "o3", 56.0, None);
    serve(&mut s, "d2", 70.0, None);
    s.push(at(600.0), E::DayClosed { day: DAY });
    s
}

fn check(r: &Report) {
    let levels: Vec<u8> = r.tiers.iter().map(|t| t.level).collect();
    assert_eq!(levels, vec![7, 5, 0], "highest first, then no tier");
    let (seven, five, none) = (&r.tiers[0], &r.tiers[1], &r.tiers[2]);

    assert_eq!((five.acc.tickets, five.acc.called), (1, 1));
    assert_eq!(five.mean_wait_min(), Some(2.0));
    assert_eq!((five.target_min, five.acc.within_target), (10, 1));
    assert_eq!((five.acc.rated, five.acc.satisfied), (1, 1));
    assert_eq!(five.acc.overtakes, 2);
    assert_eq!(five.max_head_start_min(), Some(6.0));
    assert_eq!(five.configured_min, Some(10));
    assert!(five.held());

    assert_eq!((seven.acc.tickets, seven.acc.called), (2, 2));
    assert_eq!(seven.mean_wait_min(), Some((10.0 + 25.0) / 2.0));
    assert_eq!((seven.target_min, seven.acc.within_target), (5, 0));
    assert_eq!((seven.acc.rated, seven.acc.satisfied), (1, 0));
    assert_eq!(seven.acc.overtakes, 0, "priority's part is not the tier's");
    assert_eq!(seven.max_head_start_min(), None);
    assert_eq!(seven.configured_min, Some(20));
    assert!(seven.held());

    assert_eq!((none.acc.tickets, none.acc.called), (3, 3));
    assert_eq!(none.mean_wait_min(), Some((14.0 + 18.0 + 26.0) / 3.0));
    assert_eq!((none.target_min, none.acc.within_target), (15, 1));
    assert_eq!((none.acc.rated, none.acc.satisfied), (2, 1));
    assert_eq!(none.configured_min, None);

    // Beside the fairness figures: d1 is an elderly customer's ticket that went before o3 by
    // 10 min, within care's 30 (its tier's 20 are the tier's, not care's).
    let care = &r.fairness.classes[0];
    assert_eq!(care.overtakes, 1);
    assert!(care.held());

    // The ratio: g1's call (o1, o2 waiting) went to a tier and was won by its head start;
    // d1's (o3 waiting) went to a tier, but by priority, not by the tier; o3's (d2 waiting)
    // went to no tier. The other calls had one kind waiting only.
    let basic = r.tier_ratio.iter().find(|(b, _)| b == "basic").unwrap().1;
    assert_eq!(
        (basic.contested, basic.to_tier, basic.to_plain),
        (3, 2, 1),
        "{basic:?}"
    );
    assert_eq!(
        (basic.tier_wins, basic.longest_run, basic.beyond_ratio),
        (1, 1, 0)
    );
    assert_eq!((five.acc.ratio_wins, seven.acc.ratio_wins), (1, 0));
    assert_eq!(
        five.ratio,
        Some(0),
        "no ratio configured: the head start alone rules"
    );
    assert!(five.ratio_held() && seven.ratio_held());
}

/// Five-star tickets g1–g3 (head start 10 min, ratio 2) taken after o1 and o2, called in the
/// order `calls` (name, minute).
fn ratio_day(calls: &[(&str, f64)]) -> Report {
    let five = Some(TierMark {
        level: 5,
        head_start_min: 10,
    });
    let mut s = Script::default();
    s.push(at(-30.0), E::DayOpened { day: DAY });
    issue(&mut s, "o1", Priority::Ordinary, None, 0.0);
    issue(&mut s, "o2", Priority::Ordinary, None, 1.0);
    issue(&mut s, "g1", Priority::Ordinary, five, 5.0);
    issue(&mut s, "g2", Priority::Ordinary, five, 6.0);
    issue(&mut s, "g3", Priority::Ordinary, five, 7.0);
    for (name, min) in calls {
        serve(&mut s, name, *min, None);
    }
    s.push(at(600.0), E::DayClosed { day: DAY });
    let mut cfg = tiered();
    cfg.tiers[0].ratio = 2;
    s.report(&cfg, at(700.0))
}

#[test]
fn three_tier_calls_in_a_row_exceed_a_ratio_of_two() {
    // g1, g2, g3 each called while o1 and o2 waited: three wins in a row, the third beyond 2.
    let r = ratio_day(&[
        ("g1", 10.0),
        ("g2", 11.0),
        ("g3", 12.0),
        ("o1", 13.0),
        ("o2", 14.0),
    ]);
    let basic = r.tier_ratio.iter().find(|(b, _)| b == "basic").unwrap().1;
    assert_eq!(
        (basic.contested, basic.to_tier, basic.to_plain),
        (3, 3, 0),
        "o1's call had no tier ticket waiting"
    );
    assert_eq!(
        (basic.tier_wins, basic.longest_run, basic.beyond_ratio),
        (3, 3, 1)
    );
    let five = r.tiers.iter().find(|t| t.level == 5).unwrap();
    assert_eq!((five.ratio, five.acc.ratio_wins), (Some(2), 3));
    assert!(!five.ratio_held());
    let text = hallq_report::render::text::render(&r, common::CST);
    assert!(text.contains("EXCEEDED 超出 (1)"), "{text}");
    let csv = hallq_report::render::csv::files(&r);
    let ratio = &csv.iter().find(|(n, _)| *n == "tier_ratio.csv").unwrap().1;
    assert!(ratio.contains("\r\nbasic,3,3,0,3,3,1\r\n"), "{ratio}");
}

#[test]
fn an_ordinary_call_between_tier_wins_keeps_the_ratio() {
    // g1, g2 (a row of 2), then o1 (ends it), then g3 over o2 (a row of 1): held.
    let r = ratio_day(&[
        ("g1", 10.0),
        ("g2", 11.0),
        ("o1", 12.0),
        ("g3", 13.0),
        ("o2", 14.0),
    ]);
    let basic = r.tier_ratio.iter().find(|(b, _)| b == "basic").unwrap().1;
    assert_eq!((basic.contested, basic.to_tier, basic.to_plain), (4, 3, 1));
    assert_eq!(
        (basic.tier_wins, basic.longest_run, basic.beyond_ratio),
        (3, 2, 0)
    );
    let five = r.tiers.iter().find(|t| t.level == 5).unwrap();
    assert!(five.ratio_held());
    let html = hallq_report::render::html::page(&r, "t").unwrap();
    assert!(html.contains("The tiers' ratio 等级比例"), "{html}");
}

#[test]
fn waits_satisfaction_and_the_head_start_by_tier() {
    let r = day().report(&tiered(), at(700.0));
    check(&r);
    let text = hallq_report::render::text::render(&r, common::CST);
    assert!(text.contains("value tiers 客户价值分层"), "{text}");
    assert!(text.contains("7星 7 stars"), "{text}");
}

#[test]
fn the_journal_rows_give_the_same_tier_figures() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    let mut writer = Journal::open(&path, Durability::Normal).unwrap();
    writer
        .commit(&[Entry::Internal {
            events: day().events,
        }])
        .unwrap();
    let journal = Journal::open_read_only(&path).unwrap();
    let r = hallq_report::read::report(
        &journal,
        &tiered(),
        DayRange::default(),
        at(700.0),
        &mut |_, _| {},
    )
    .unwrap();
    check(&r);
}

#[test]
fn a_head_start_beyond_the_tier_is_shown_exceeded() {
    // A journal whose five-star ticket went 12 min ahead of an ordinary one (a configuration
    // with a larger head start then, say): the report says so rather than hiding it.
    let mut s = Script::default();
    s.push(at(-30.0), E::DayOpened { day: DAY });
    let five = Some(TierMark {
        level: 5,
        head_start_min: 10,
    });
    issue(&mut s, "o1", Priority::Ordinary, None, 0.0);
    issue(&mut s, "g1", Priority::Ordinary, five, 12.0);
    serve(&mut s, "g1", 13.0, None);
    serve(&mut s, "o1", 19.0, None);
    s.push(at(600.0), E::DayClosed { day: DAY });
    let r = s.report(&tiered(), at(700.0));
    let five = r.tiers.iter().find(|t| t.level == 5).unwrap();
    assert_eq!(five.max_head_start_min(), Some(12.0));
    assert!(!five.held());
    let table = hallq_report::render::text::render(&r, common::CST);
    assert!(table.contains("EXCEEDED"), "{table}");
}

#[test]
fn a_hall_without_tiers_has_no_tier_section() {
    let r = day().report(&config(), at(700.0));
    // The journal holds tiers the configuration no longer has: they are still shown.
    assert_eq!(
        r.tiers.iter().map(|t| t.level).collect::<Vec<_>>(),
        vec![7, 5, 0]
    );
    let mut plain = Script::default();
    plain.served("a", "basic", 1, 0.0, 3.0, 5.0, None);
    let r = plain.report(&config(), at(60.0));
    assert!(r.tiers.is_empty());
    assert!(!hallq_report::render::text::render(&r, common::CST).contains("value tiers"));
}
