//! The report as terminal tables (UTF-8; Chinese characters are two columns wide).

use std::fmt::Write as _;

use hallq_proto::time;

use super::{Medium, Table};
use crate::report::Report;

/// Open complaints listed on the terminal.
const OPEN_SHOWN: usize = 20;

/// Display width: CJK characters take two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if c.is_ascii() || c == '\u{a0}' { 1 } else { 2 })
        .sum()
}

/// `s` padded on the right to `w` columns.
fn left(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

/// `s` padded on the left to `w` columns.
fn right(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

/// A table: a header row and rows, the first column left-aligned, the rest right-aligned.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let mut w: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            w[i] = w[i].max(width(c));
        }
    }
    let line = |cells: Vec<String>| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate().take(cols) {
            if i == 0 {
                s.push_str(&left(c, w[i]));
            } else {
                s.push_str("  ");
                s.push_str(&right(c, w[i]));
            }
        }
        s.trim_end().to_owned() + "\n"
    };
    let mut out = line(header.iter().map(|h| (*h).to_owned()).collect());
    out.push_str(&line(w.iter().map(|n| "-".repeat(*n)).collect()));
    for r in rows {
        out.push_str(&line(r.clone()));
    }
    out
}

/// A shared [`Table`] laid out by [`table`].
fn laid_out(t: &Table) -> String {
    table(&t.header, &t.rows)
}

/// The whole report as text.
pub fn render(r: &Report, utc_offset_min: i32) -> String {
    let mut s = String::new();
    let day = |t: hallq_proto::Timestamp| time::iso_minute(t, utc_offset_min);
    let _ = writeln!(s, "══ 营业厅报表 hall report: {} ══", r.hall);
    match r.span {
        Some((a, b)) => {
            let _ = writeln!(
                s,
                "journal rows {} from {} to {}, of which {} read 读取 (the rest change no figure: prints, announcements, sign-ins); report time {}",
                r.rows,
                day(a),
                day(b),
                r.events,
                day(r.now)
            );
        }
        None => {
            let _ = writeln!(s, "no events in the range / 范围内没有记录");
        }
    }
    let _ = writeln!(
        s,
        "\n── visits 到访 ──  {} visits, {} tickets, {} served, {} with a transfer 转办",
        r.visits, r.tickets, r.served, r.transferred
    );
    s.push_str(&laid_out(&super::outcomes(r, Medium::Text)));
    let _ = writeln!(s, "{}", super::silent_walkouts(r));
    s.push('\n');
    s.push_str(&laid_out(&super::durations(r, Medium::Text)));
    let _ = writeln!(s, "\n── KPIs 指标 ──");
    s.push_str(&laid_out(&super::kpis(r)));
    let _ = writeln!(s, "\n── business types 业务类型 ──");
    s.push_str(&laid_out(&super::business(r, Medium::Text)));
    let _ = writeln!(s, "\n── touchpoint map 接触点 ──");
    s.push_str(&laid_out(&super::touchpoints(r, Medium::Text)));
    let _ = writeln!(
        s,
        "\n── the door and the kiosk 门口与自助终端 (touchpoints 2–4, 9) ──  {}",
        super::door::summary(r)
    );
    s.push_str(&laid_out(&super::door::conversion(r)));
    s.push('\n');
    s.push_str(&laid_out(&super::door::kiosk(r)));
    if !r.unobserved.is_empty() {
        s.push('\n');
        s.push_str(&laid_out(&super::door::unobserved(r)));
    }
    let _ = writeln!(
        s,
        "\n── load and staffing 客流与排班 (per day of that weekday; Erlang C) ──"
    );
    s.push_str(&laid_out(&super::hours(r)));
    let _ = writeln!(s, "\n── staff 员工 (工号) ──");
    s.push_str(&laid_out(&super::staff(r, Medium::Text)));
    let _ = writeln!(s, "{}", super::retraining(r));
    s.push('\n');
    s.push_str(&laid_out(&super::counters(r, Medium::Text)));
    let c = &r.complaints;
    let _ = writeln!(s, "\n── complaints 投诉 ──  {}", super::complaint_counts(r));
    let mut open = super::open_complaints(r, Medium::Text);
    // The most urgent first; the rest are in the CSV file.
    open.rows.truncate(OPEN_SHOWN);
    if !open.rows.is_empty() {
        s.push_str(&laid_out(&open));
        if c.open.len() > OPEN_SHOWN {
            let _ = writeln!(
                s,
                "… and {} more (complaints_open.csv)",
                c.open.len() - OPEN_SHOWN
            );
        }
    }
    let mut answered = super::answered_complaints(r, Medium::Text);
    // The latest; all of them are in the CSV file.
    let older = answered.rows.len().saturating_sub(OPEN_SHOWN);
    answered.rows.drain(..older);
    if !answered.rows.is_empty() {
        if older > 0 {
            let _ = writeln!(
                s,
                "… {older} resolved before these (complaints_answered.csv)"
            );
        }
        s.push_str(&laid_out(&answered));
    }
    let hot_spots = super::complaint_hot_spots(r, Medium::Text);
    if !hot_spots.rows.is_empty() {
        s.push_str(&laid_out(&hot_spots));
    }
    let _ = writeln!(
        s,
        "\n── priority fairness 优先公平 ──  {}",
        super::fairness(r)
    );
    s.push_str(&laid_out(&super::fairness_classes(r)));
    if !r.tiers.is_empty() {
        let _ = writeln!(
            s,
            "\n── value tiers 客户价值分层 ──  waits against each tier's answer target, satisfaction, and the tier's head start against its bound 各等级等候、满意度及提前量上限"
        );
        s.push_str(&laid_out(&super::tiers(r)));
        if !r.tier_ratio.is_empty() {
            let _ = writeln!(
                s,
                "the tiers' ratio 等级比例: calls in a row a tier's head start may win while a ticket it overtook waits 等级提前连续胜出次数上限"
            );
            s.push_str(&laid_out(&super::door::tier_ratio(r)));
        }
    }
    let _ = write!(s, "\n── appointments 预约 ──  ");
    match super::appointments::figures(r) {
        None => {
            let _ = writeln!(s, "{}", super::appointments::absent(r).unwrap_or_default());
        }
        Some(a) => {
            use super::appointments as ap;
            let _ = writeln!(s, "{}", ap::summary(a));
            s.push_str(&laid_out(&ap::bookings(a)));
            s.push_str(&laid_out(&ap::punctuality(a)));
            s.push_str(&laid_out(&ap::waits(a)));
            s.push_str(&laid_out(&ap::head_start(a)));
            // Only the slots that took bookings: the rest are in appointment_slots.csv.
            let mut slots = ap::slots(a);
            slots.rows.retain(|row| row[2] != "0");
            s.push_str(&laid_out(&slots));
        }
    }
    if let Some(i) = super::inspections::section(r) {
        use super::inspections as ins;
        let _ = writeln!(
            s,
            "\n── service-standard inspections 服务监督 ──  {}",
            ins::summary(i)
        );
        s.push_str(&laid_out(&ins::months(i)));
        s.push_str(&laid_out(&ins::schedule(i)));
        let _ = writeln!(s, "{}", ins::corrections(i));
        let open = ins::open_corrections(i, r.now);
        if !open.rows.is_empty() {
            s.push_str(&laid_out(&open));
        }
    }
    let q = &r.quality;
    let _ = writeln!(s, "\n── data quality 数据质量 ──  {}", super::quality(r));
    for (what, ticket, detail) in &q.examples {
        let _ = writeln!(s, "  {what}: {ticket} ({detail})");
    }
    let _ = writeln!(s, "\n── notes 说明 ──");
    for n in &r.notes {
        let _ = writeln!(s, "  - {n}");
    }
    s
}
