//! Known answers for the definitions the field test found misleading (issue 13): each figure
//! worked out on paper from the events above it, as in known_answers.rs.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod common;

use common::{Script, at, config, v};
use hallq_proto::{Priority, Touchpoint};
use hallq_queue::EventKind as E;
use hallq_queue::VisitOutcome;
use hallq_report::Outcome;

/// A touch at `tp` for `visit`, as the greeter or the kiosk records it.
fn touch(s: &mut Script, visit: &str, tp: Touchpoint, min: f64) {
    s.push(
        at(min),
        E::Touched {
            visit: Some(v(visit)),
            touchpoint: tp,
            what: "kiosk".into(),
            business: None,
            resolved: Some(true),
            count: None,
        },
    );
}

#[test]
fn overtakes_count_the_tickets_that_walked_out_and_the_delay_is_per_overtake() {
    let mut s = Script::default();
    s.open_counter(1, at(0.0));
    s.arrive("V-o1", at(0.0))
        .issue("T-o1", "V-o1", "basic", Priority::Ordinary, at(0.0))
        .arrive("V-o2", at(1.0))
        .issue("T-o2", "V-o2", "basic", Priority::Ordinary, at(1.0))
        .arrive("V-c", at(3.0))
        .issue("T-c", "V-c", "basic", Priority::Care, at(3.0))
        // The care ticket passes both ordinary ones and holds the only counter 10 min.
        .call("T-c", "V-c", 1, at(4.0))
        .start("T-c", "V-c", 1, at(4.5))
        .finish("T-c", "V-c", 1, "basic", at(14.0))
        .end("V-c", VisitOutcome::Served, at(14.0))
        // The second ordinary ticket gives up meanwhile.
        .cancel("T-o2", "V-o2", at(15.0))
        .end("V-o2", VisitOutcome::WalkedOut, at(15.0))
        .call("T-o1", "V-o1", 1, at(15.0))
        .start("T-o1", "V-o1", 1, at(16.0))
        .finish("T-o1", "V-o1", 1, "basic", at(20.0))
        .end("V-o1", VisitOutcome::Served, at(20.0));
    let r = s.report(&config(), at(600.0));
    let f = &r.fairness;
    assert_eq!(
        (f.ordinary, f.overtaken, f.overtaken_left, f.overtakes),
        (2, 2, 1, 2),
        "both ordinary tickets were overtaken, one then walked out"
    );
    // 10 min at the one counter for each of the two overtakes: 10 min per overtake.
    assert_eq!(f.mean_delay_min, Some(10.0));
    let care = &f.classes[0];
    assert_eq!(care.overtakes, 2);
    assert_eq!(
        care.max_head_start_min,
        Some(3.0),
        "the first ordinary ticket was queued 3 min before the care one"
    );
    assert_eq!(care.configured_min, 30);
    assert!(care.held());
    let green = &f.classes[1];
    assert_eq!(
        (
            green.overtakes,
            green.max_head_start_min,
            green.configured_min
        ),
        (0, None, 20)
    );
    let text = hallq_report::render::text::render(&r, common::CST);
    assert!(text.contains("held 守住"), "{text}");
}

#[test]
fn a_visit_without_a_ticket_departs_at_its_last_touch_not_at_the_hubs_time_out() {
    let mut s = Script::default();
    s.arrive("V-s", at(0.0));
    touch(&mut s, "V-s", Touchpoint::SelfService, 1.0);
    touch(&mut s, "V-s", Touchpoint::SelfService, 3.0);
    // The hub ends the visit 30 min (`visit_idle_end_min`) after its last touch.
    s.end("V-s", VisitOutcome::NoTicket, at(33.0));
    let r = s.report(&config(), at(600.0));
    assert_eq!(r.outcome(Outcome::NoTicket), 1);
    assert_eq!(
        r.stay.p50,
        Some(3 * 60),
        "arrival → the last touch, not → the time-out"
    );
    let tp = |n: u8| r.touchpoints.iter().find(|t| t.number == n).unwrap();
    assert_eq!(tp(9).mean_secs, Some(2.0 * 60.0), "self-service 1 → 3 min");
    assert_eq!(tp(9).ended_without_ticket, 1);
    assert_eq!(tp(2).mean_secs, Some(60.0));
}

#[test]
fn the_rating_prompt_after_a_finish_is_not_idle_time() {
    use hallq_proto::{CounterNo, Score};
    let mut s = Script::default();
    s.open_counter(1, at(0.0));
    s.arrive("V-a", at(0.0))
        .issue("T-a", "V-a", "basic", Priority::Ordinary, at(0.0))
        .call("T-a", "V-a", 1, at(0.0))
        .start("T-a", "V-a", 1, at(2.0))
        .arrive("V-b", at(3.0))
        .issue("T-b", "V-b", "basic", Priority::Ordinary, at(3.0))
        .arrive("V-c", at(3.0))
        .issue("T-c", "V-c", "basic", Priority::Ordinary, at(3.0))
        .finish("T-a", "V-a", 1, "basic", at(5.0))
        // The customer rates after 15 s; the clerk calls the next 2 min later: 2 min idle.
        .rate("T-a", "V-a", 1, Score::Satisfied, at(5.25))
        .end("V-a", VisitOutcome::Served, at(5.25))
        .call("T-b", "V-b", 1, at(7.25))
        .start("T-b", "V-b", 1, at(8.0))
        .finish("T-b", "V-b", 1, "basic", at(10.0));
    // Nobody rates: the prompt ends unrated after its 30 s, then 1 min idle.
    s.push(
        at(10.5),
        E::RatingSkipped {
            ticket: common::t("T-b"),
            visit: v("V-b"),
            counter: CounterNo(1),
        },
    )
    .call("T-c", "V-c", 1, at(11.5))
    .start("T-c", "V-c", 1, at(12.0))
    .finish("T-c", "V-c", 1, "basic", at(15.0))
    // The last prompt is left to time out (30 s) while nobody waits.
    .close_counter(1, at(20.0));
    let r = s.report(&config(), at(600.0));
    let c1 = r.counters.iter().find(|c| c.counter == 1).unwrap();
    assert!(
        (c1.idle_while_waiting_min - 3.0).abs() < 1e-9,
        "2 min after the rating, 1 min after the unrated prompt: {c1:?}"
    );
}

#[test]
fn a_prompt_that_is_never_answered_ends_at_its_time_out() {
    let mut s = Script::default();
    s.open_counter(1, at(0.0));
    s.arrive("V-a", at(0.0))
        .issue("T-a", "V-a", "basic", Priority::Ordinary, at(0.0))
        .call("T-a", "V-a", 1, at(0.0))
        .start("T-a", "V-a", 1, at(2.0))
        .arrive("V-b", at(3.0))
        .issue("T-b", "V-b", "basic", Priority::Ordinary, at(3.0))
        .finish("T-a", "V-a", 1, "basic", at(5.0))
        // No rating and no prompt's end in the events: the prompt lasts its 30 s.
        .call("T-b", "V-b", 1, at(8.0));
    let r = s.report(&config(), at(600.0));
    let c1 = r.counters.iter().find(|c| c.counter == 1).unwrap();
    assert!((c1.idle_while_waiting_min - 2.5).abs() < 1e-9, "{c1:?}");
}

#[test]
fn no_shows_after_long_waits_beyond_the_short_waits_rate_are_estimated_silent_walk_outs() {
    let mut s = Script::default();
    // Four tickets called within the 15 min target, one a no-show: the hall's rate is 1 in 4.
    // Four called after 30 min, three no-shows: 3 − 4 × ¼ = 2 estimated silent walk-outs.
    for (i, (wait, shows)) in [
        (5.0, true),
        (5.0, true),
        (5.0, true),
        (5.0, false),
        (30.0, true),
        (30.0, false),
        (30.0, false),
        (30.0, false),
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("n{i}");
        if shows {
            s.served(&name, "basic", 1, f64::from(i as u32), wait, 5.0, None);
            continue;
        }
        let (vis, tic) = (format!("V-{name}"), format!("T-{name}"));
        let from = f64::from(i as u32);
        s.arrive(&vis, at(from))
            .issue(&tic, &vis, "basic", Priority::Ordinary, at(from))
            .call(&tic, &vis, 1, at(from + wait))
            .no_show(&tic, &vis, 1, at(from + wait + 2.0))
            .end(&vis, VisitOutcome::NoShow, at(from + wait + 2.0));
    }
    let r = s.report(&config(), at(600.0));
    let w = &r.silent_walkouts;
    assert_eq!((w.short, w.long), ((4, 1), (4, 3)));
    assert_eq!(w.estimate, Some(2.0));
    let text = hallq_report::render::text::render(&r, common::CST);
    assert!(text.contains("an estimated 2.0 of them"), "{text}");
}

#[test]
fn a_transferred_ticket_is_judged_on_all_its_handling_and_its_wait_after_the_transfer_counts() {
    let mut s = Script::default();
    s.arrive("V-t", at(0.0))
        .issue("T-t", "V-t", "basic", Priority::Ordinary, at(0.0))
        .call("T-t", "V-t", 1, at(1.0))
        .start("T-t", "V-t", 1, at(2.0))
        // 6 min of basic handling, then a transfer to a consultation (limit 10 min) …
        .transfer("T-t", "V-t", 1, "consult", at(8.0))
        // … a 7 min wait for the next call, and 6 min more: 12 min of handling in all.
        .call("T-t", "V-t", 1, at(15.0))
        .start("T-t", "V-t", 1, at(16.0))
        .finish("T-t", "V-t", 1, "consult", at(22.0))
        .end("V-t", VisitOutcome::Served, at(22.0));
    let r = s.report(&config(), at(600.0));
    assert_eq!(r.service.p50, Some(12 * 60), "both segments");
    let k = r.kpi("within_limit").unwrap();
    assert_eq!(
        (k.num, k.den),
        (0, 1),
        "12 min is over the consultation's 10"
    );
    assert_eq!(r.wait.p50, Some(60), "the wait to the first call");
    assert_eq!(r.wait_after_transfer.p50, Some(7 * 60));
    assert_eq!(r.walk.p50, Some(60), "the walk to the last call's counter");
    let consult = r.business.iter().find(|b| b.code == "consult").unwrap();
    assert_eq!((consult.within, consult.judged), (0, 1));
}

#[test]
fn staffing_carries_the_load_of_a_busy_hour_into_the_next() {
    let mut s = Script::default();
    s.open_counter(1, at(0.0));
    // 36 tickets 09:00–09:59 and 3 at 10:00–10:59, each holding a counter 20 min.
    for i in 0..36 {
        let from = f64::from(i) * 1.6;
        s.served(&format!("p{i}"), "basic", 1, from, 0.0, 19.0, None);
    }
    for i in 0..3 {
        let from = 60.0 + f64::from(i) * 15.0;
        s.served(&format!("q{i}"), "basic", 1, from, 0.0, 19.0, None);
    }
    s.close_counter(1, at(180.0));
    let r = s.report(&config(), at(600.0));
    let hour = |h: usize| {
        r.hours
            .iter()
            .find(|x| x.weekday == 0 && x.hour == h)
            .unwrap()
    };
    let (target, level) = (15.0 * 60.0, 0.8);
    // 12 Erlangs offered from 09:00; at 10:00 the customers of the busy hour are still being
    // served: m = 12 (1 − e⁻³) Erlangs, not the hour's own 1.
    let carried = 12.0 * (1.0 - (-3.0_f64).exp());
    let needed = |erlangs: f64| {
        hallq_report::staffing::counters_needed(erlangs * 3.0, 1200.0, target, level)
    };
    assert_eq!(hour(9).needed, needed(carried));
    assert_eq!(hour(10).needed, needed(carried));
    assert!(
        hour(10).needed.unwrap() > needed(1.0).unwrap() + 8,
        "the hour alone would need {:?}",
        needed(1.0)
    );
    // One counter open: 3 an hour served of 36, the rest queue into 10:00, whose promise is
    // then nil; every ticket here was called at once.
    assert_eq!(hour(10).sl_promised_pct, Some(0.0));
    assert_eq!(hour(9).sl_measured_pct, Some(100.0));
    assert_eq!(hour(10).sl_measured_pct, Some(100.0));
}

#[test]
fn the_html_page_labels_each_weekday_once_draws_one_day_as_a_day_and_speaks_both_languages() {
    use hallq_proto::ComplaintCategory;
    let mut s = Script::default();
    s.open_counter(1, at(0.0));
    s.served("a", "basic", 1, 0.0, 3.0, 5.0, None);
    s.complaint("K1", ComplaintCategory::General, "basic", "hall", at(10.0))
        .complaint_update("K1", true, at(20.0));
    s.close_counter(1, at(120.0));
    let r = s.report(&config(), at(60.0));
    let page = hallq_report::render::html::page(&r, "hall").unwrap();
    let svgs: Vec<&str> = page
        .split("<svg")
        .skip(1)
        .map(|s| &s[..s.find("</svg>").unwrap()])
        .collect();
    assert_eq!(svgs.len(), 4);
    let (heat, staffing) = (svgs[2], svgs[3]);
    assert!(
        heat.contains("客流热力图"),
        "the heat map is the third chart"
    );
    for d in ["Mon 一", "Tue 二", "Sun 日"] {
        assert_eq!(heat.matches(d).count(), 1, "{d} once");
    }
    // A Monday alone: the staffing chart spans that day, its hours labelled.
    assert!(
        staffing.contains("09:00") || staffing.contains("10:00"),
        "{staffing}"
    );
    assert!(!staffing.contains("Tue 二"), "not the week: {staffing}");
    assert!(page.contains("yes 已联系"), "contacted, in words");
    assert!(!page.contains("<td>true</td>"));
    assert!(
        page.contains("≥\u{a0}95%"),
        "a target cell that does not wrap"
    );
    for zh in [
        "优先公平",
        "普通号被优先号超过",
        "服务过短",
        "规范服务达标率",
        "不报告",
    ] {
        assert!(page.contains(zh), "{zh}");
    }
}
