//! The summary printed at the end of a simulated day: the plan in one line, the simulator's
//! figures beside the journal's, then what only one side knows.

use std::fmt::Write as _;

use crate::figures::{Comparison, Figures, JournalExtras};
use crate::hall::DayReport;
use crate::plan::Plan;

/// The summary text and the comparison behind it.
pub fn summary(
    plan: &Plan,
    report: &DayReport,
    journal: &Figures,
    extras: &JournalExtras,
    speed: f64,
) -> (String, Comparison) {
    let cmp = Comparison::new(&report.figures, journal);
    let b = &report.book;
    let day = plan.day.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "── 模拟营业日 hall day {}-{:02}-{:02} · seed {} · ×{speed} ──",
        day / 10_000,
        day / 100 % 100,
        day % 100,
        plan.seed
    );
    let _ = writeln!(s, "plan 计划: {}", plan.describe());
    for note in &plan.notes {
        let _ = writeln!(s, "  note: {note}");
    }
    let _ = writeln!(
        s,
        "played 运行: {}–{} simulated in {:.1} s real{}",
        plan.hhmm(plan.starts_at),
        plan.hhmm(report.ended_at),
        report.wall.as_secs_f64(),
        if report.stopped_early {
            " (stopped before everyone was served / 提前停止)"
        } else {
            ", everyone served or gone"
        }
    );
    s.push('\n');
    s.push_str(&cmp.render());
    s.push('\n');
    let refused: Vec<String> = b.refused.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let _ = writeln!(
        s,
        "simulator 模拟器: {} commands, refused: {}, no reply: {}",
        b.commands,
        if refused.is_empty() {
            "none".into()
        } else {
            refused.join(", ")
        },
        b.no_reply
    );
    let heard = report
        .display
        .as_ref()
        .map_or("no display".to_string(), |d| {
            format!(
                "the display heard {} and saw {} boards ({} out of order, {} missed)",
                d.calls, d.boards, d.revisions_backwards, d.lagged
            )
        });
    let _ = writeln!(
        s,
        "  calls {} (recalls {}), {heard}; transfers {}",
        b.calls, b.recalls, b.transfers
    );
    if !report.leds.is_empty() {
        let states: u64 = report.leds.iter().map(|(_, h)| h.counter_states).sum();
        let backwards: u64 = report.leds.iter().map(|(_, h)| h.revisions_backwards).sum();
        let _ = writeln!(
            s,
            "  {} LED strips saw {states} counter states ({backwards} out of order)",
            report.leds.len()
        );
    }
    let _ = writeln!(
        s,
        "  no-shows: skipped by the clerk {}, by the hub's time-out {}; left without telling {}, told too late {}",
        b.no_show_by_clerk, b.no_show_by_hub, b.left_silently, b.cancel_too_late
    );
    let _ = writeln!(
        s,
        "  no-shows who had left 已离开的过号 {}",
        b.no_shows_who_had_left
    );
    let _ = writeln!(
        s,
        "  no ticket: self-service 自助 {}, gave up at the kiosk {}, settled at the door {}, turned away after closing {}",
        b.self_service, b.abandoned, b.resolved_at_door, b.turned_away
    );
    let _ = writeln!(
        s,
        "  greeter touchpoints {}, door reports {}, announcements {}, complaints contacted {}",
        b.greeter_touches, b.door_reports, b.announcements, b.complaints.1
    );
    // The door's and the kiosk's truth, as `key value` pairs the report's figures are checked
    // against (tests/tests/report.rs in hallq-tests).
    let left: Vec<String> = b
        .abandoned_at
        .iter()
        .map(|(step, n)| format!("left_at_{step} {n}"))
        .collect();
    let _ = writeln!(
        s,
        "  door and kiosk 门口与自助终端: door_entered {} door_passed_by {} kiosk_sessions {} kiosk_self_service {} {}",
        b.door_entered,
        b.door_passed_by,
        b.kiosk_sessions,
        b.self_service,
        left.join(" ")
    );
    let _ = writeln!(
        s,
        "  inspections 服务检查 {}: items passed {} of {}; corrections opened {}, closed {}",
        b.inspections.0, b.inspections.2, b.inspections.1, b.corrections.0, b.corrections.1
    );
    let tps: Vec<String> = extras.touchpoints.iter().map(u8::to_string).collect();
    let _ = writeln!(
        s,
        "journal 日志: {} visits, {} events, touchpoints recorded: {} ({} of 16)",
        extras.visits,
        extras.events,
        tps.join(" "),
        extras.touchpoints.len()
    );
    (s, cmp)
}
