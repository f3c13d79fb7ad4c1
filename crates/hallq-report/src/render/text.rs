//! The report as terminal tables (UTF-8; Chinese characters are two columns wide).

use std::fmt::Write as _;

use hallq_proto::time;

use super::{min1, pct1, weekday};
use crate::report::{Durations, Period, Report};

/// Open complaints listed on the terminal.
const OPEN_SHOWN: usize = 20;

/// Display width: CJK characters take two columns.
fn width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
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

fn durations_row(label: &str, d: &Durations) -> Vec<String> {
    let whole = |s: Option<u64>| min1(s.map(|s| s as f64));
    vec![
        label.to_owned(),
        d.count.to_string(),
        min1(d.mean),
        whole(d.p50),
        whole(d.p90),
        min1(d.max),
    ]
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
                "events {} from {} to {}; report time {}",
                r.events,
                day(a),
                day(b),
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
    let rows: Vec<Vec<String>> = r
        .outcomes
        .iter()
        .map(|(o, n)| {
            vec![
                o.label().to_owned(),
                n.to_string(),
                pct1((r.visits > 0).then(|| 100.0 * *n as f64 / r.visits as f64)),
            ]
        })
        .collect();
    s.push_str(&table(&["outcome 结果", "visits", "share"], &rows));
    s.push('\n');
    s.push_str(&table(
        &["duration 时长 (min)", "n", "mean", "p50", "p90", "max"],
        &[
            durations_row("wait 等候 (ticket→call)", &r.wait),
            durations_row("walk 走到窗口 (call→start)", &r.walk),
            durations_row("service 办理 (start→finish)", &r.service),
            durations_row("stay 停留 (arrival→departure)", &r.stay),
        ],
    ));
    let _ = writeln!(s, "\n── KPIs 指标 ──");
    let rows: Vec<Vec<String>> = r
        .kpis
        .iter()
        .map(|k| {
            vec![
                k.label.clone(),
                format!("{}/{}", k.num, k.den),
                pct1(k.pct()),
                format!("≥ {:.0}%", k.target_pct),
                match k.met() {
                    Some(true) => "met 达标".into(),
                    Some(false) => "MISSED 未达标".into(),
                    None => "-".into(),
                },
                k.note.clone(),
            ]
        })
        .collect();
    s.push_str(&table(
        &["KPI", "count", "value", "target", "", "note"],
        &rows,
    ));
    let _ = writeln!(s, "\n── business types 业务类型 ──");
    let rows: Vec<Vec<String>> = r
        .business
        .iter()
        .map(|b| {
            vec![
                format!("{} {}", b.code, b.name),
                b.limit_min.map_or("?".into(), |l| format!("{l} min")),
                b.tickets.to_string(),
                b.served.to_string(),
                min1(b.mean_wait),
                min1(b.mean_service),
                pct1((b.judged > 0).then(|| 100.0 * b.within as f64 / b.judged as f64)),
            ]
        })
        .collect();
    s.push_str(&table(
        &[
            "business", "limit", "tickets", "served", "wait", "service", "within",
        ],
        &rows,
    ));
    let _ = writeln!(s, "\n── touchpoint map 接触点 ──");
    let rows: Vec<Vec<String>> = r
        .touchpoints
        .iter()
        .map(|t| {
            vec![
                format!("{:>2} {}", t.number, t.name),
                t.reached.to_string(),
                t.went_on.to_string(),
                t.lost_here.to_string(),
                t.ended_without_ticket.to_string(),
                min1(t.mean_secs),
                pct1(t.low_rating_pct),
            ]
        })
        .collect();
    s.push_str(&table(
        &[
            "touchpoint",
            "reached",
            "went on",
            "lost here",
            "ended, no ticket",
            "min",
            "low rated",
        ],
        &rows,
    ));
    let _ = writeln!(
        s,
        "\n── load and staffing 客流与排班 (per day of that weekday; Erlang C) ──"
    );
    let rows: Vec<Vec<String>> = r
        .hours
        .iter()
        .filter(|h| h.period != Period::Closed || h.open > 0.0)
        .map(|h| {
            vec![
                format!("{} {:02}:00", weekday(h.weekday), h.hour),
                format!("{:.1}", h.arrivals),
                format!("{:.1}", h.tickets),
                h.period.label().to_owned(),
                min1(h.hold_secs),
                h.needed.map_or("99+".into(), |n| n.to_string()),
                format!("{:.1}", h.open),
            ]
        })
        .collect();
    s.push_str(&table(
        &[
            "hour", "arrivals", "tickets", "period", "hold min", "needed", "open",
        ],
        &rows,
    ));
    let _ = writeln!(s, "\n── staff 员工 (工号) ──");
    let rows: Vec<Vec<String>> = r
        .staff
        .iter()
        .map(|x| {
            vec![
                x.staff.clone(),
                x.served.to_string(),
                min1(x.mean_service),
                pct1(x.within_pct),
                x.rated.to_string(),
                pct1(x.satisfied_pct),
                x.dissatisfied.to_string(),
            ]
        })
        .collect();
    s.push_str(&table(
        &[
            "staff",
            "served",
            "handling min",
            "within",
            "rated",
            "satisfied",
            "不满意",
        ],
        &rows,
    ));
    let rows: Vec<Vec<String>> = r
        .counters
        .iter()
        .map(|c| {
            vec![
                format!("counter {}", c.counter),
                c.served.to_string(),
                format!("{:.1}", c.open_h),
                format!("{:.1}", c.idle_while_waiting_min),
            ]
        })
        .collect();
    s.push('\n');
    s.push_str(&table(
        &[
            "counter 窗口",
            "served",
            "open h",
            "idle while waiting (min)",
        ],
        &rows,
    ));
    let c = &r.complaints;
    let _ = writeln!(
        s,
        "\n── complaints 投诉 ──  opened {}, resolved {}, open {}",
        c.opened,
        c.resolved,
        c.open.len()
    );
    let rows: Vec<Vec<String>> = c
        .open
        .iter()
        .map(|o| {
            vec![
                o.id.clone(),
                if o.complex {
                    "complex 72 h"
                } else {
                    "general 24 h"
                }
                .into(),
                o.business.clone(),
                format!("{:.1}", o.hours_left),
                if o.contacted { "yes" } else { "NO" }.into(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        s.push_str(&table(
            &[
                "open complaint",
                "kind",
                "business",
                "hours left",
                "contacted",
            ],
            &rows,
        ));
        if c.open.len() > OPEN_SHOWN {
            let _ = writeln!(
                s,
                "… and {} more (complaints_open.csv)",
                c.open.len() - OPEN_SHOWN
            );
        }
    }
    let rows: Vec<Vec<String>> = c
        .hot_spots
        .iter()
        .map(|(m, b, resp, n)| {
            vec![
                format!("{}-{:02}", m / 100, m % 100),
                b.clone(),
                resp.clone(),
                n.to_string(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        s.push_str(&table(
            &[
                "month 月份",
                "business",
                "responsibility 责任",
                "complaints",
            ],
            &rows,
        ));
    }
    let f = &r.fairness;
    let _ = writeln!(
        s,
        "\n── priority fairness 优先公平 ──  {} of {} ordinary tickets overtaken by priority ones ({} overtakes); estimated delay {} min each; wait p90 ordinary {} min, priority {} min",
        f.overtaken,
        f.ordinary,
        f.overtakes,
        f.mean_delay_min.map_or("-".into(), |d| format!("{d:.1}")),
        min1(f.ordinary_wait.p90.map(|s| s as f64)),
        min1(f.priority_wait.p90.map(|s| s as f64)),
    );
    let q = &r.quality;
    let _ = writeln!(
        s,
        "\n── data quality 数据质量 ──  short services {}, finish forgotten {}, served without rating {}, unknown business {}, visits without arrival {}, events of unseen tickets {}",
        q.short_services,
        q.forgotten_finish,
        q.missing_ratings,
        q.unknown_business,
        q.visits_without_start,
        q.orphan_events
    );
    for (what, ticket, detail) in &q.examples {
        let _ = writeln!(s, "  {what}: {ticket} ({detail})");
    }
    let _ = writeln!(s, "\n── notes 说明 ──");
    for n in &r.notes {
        let _ = writeln!(s, "  - {n}");
    }
    s
}
