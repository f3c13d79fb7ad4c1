//! The board as text, for a terminal: what the wall display shows, in the same order.

use std::fmt::Write as _;

use hallq_proto::state::{Activity, Board, CounterState};

use hallq_proto::time::hhmm;

/// Columns a string takes in a terminal: CJK and full-width characters take two.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| match u32::from(c) {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

/// `s` padded with spaces to `cols` terminal columns.
fn pad(s: &str, cols: usize) -> String {
    format!("{s}{}", " ".repeat(cols.saturating_sub(width(s))))
}

/// Renders the board and the counters as the hall would see them.
pub(crate) fn render(board: &Board, counters: &[CounterState], utc_offset_min: i32) -> String {
    let mut out = String::new();
    let rule = "━".repeat(78);
    let state = if board.open {
        "营业中 open"
    } else {
        "已停止取号 closed"
    };
    let _ = writeln!(out, "{rule}");
    let _ = writeln!(
        out,
        " {} · {}   {}   {}",
        board.hall_name.zh,
        board.hall_name.en,
        hhmm(board.at_ms, utc_offset_min),
        state,
    );
    let _ = writeln!(out, "{rule}");
    match board.calls.first() {
        Some(c) => {
            let again = if c.recall > 0 {
                format!("  (重呼 recall {})", c.recall)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                " ▶ 请 {} 号到 {} 号窗口办理   Number {} to counter {}{again}",
                c.number, c.counter, c.number, c.counter
            );
        }
        None => {
            let _ = writeln!(out, " ▶ —");
        }
    }
    let recent: Vec<String> = board
        .calls
        .iter()
        .skip(1)
        .take(6)
        .map(|c| format!("{}→{}", c.number, c.counter))
        .collect();
    let _ = writeln!(
        out,
        "   最近 recent: {}",
        if recent.is_empty() {
            "—".into()
        } else {
            recent.join("  ")
        }
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        " {} {} {} 窗口 open",
        pad("业务 business", 40),
        pad("等候 waiting", 13),
        pad("预计 est. wait", 16),
    );
    for q in &board.queues {
        let est = estimate(q.estimated_wait_min);
        let name = format!("{} {}", q.prefix, q.name.zh);
        let _ = writeln!(
            out,
            " {} {} {} {}",
            pad(&name, 40),
            pad(&q.waiting.to_string(), 13),
            pad(&est, 16),
            q.counters_open
        );
    }
    let _ = writeln!(out);
    for a in &board.announcements {
        let _ = writeln!(out, " 【公告】{} / {}", a.text.zh, a.text.en);
    }
    for n in &board.notices {
        let _ = writeln!(out, " 【提示】{} / {}", n.text.zh, n.text.en);
    }
    let line: Vec<String> = counters.iter().map(counter_cell).collect();
    for chunk in line.chunks(3) {
        let cells: Vec<String> = chunk.iter().map(|c| pad(c, 26)).collect();
        let _ = writeln!(out, " {}", cells.join(""));
    }
    out
}

fn counter_cell(c: &CounterState) -> String {
    let who = c.staff.as_ref().map_or("-", |s| s.as_str());
    let what = if !c.open {
        "关闭 closed".to_string()
    } else {
        match &c.activity {
            Activity::Idle => "空闲 idle".to_string(),
            Activity::Paused { .. } => "暂停 paused".to_string(),
            Activity::Calling(t) => format!("呼叫 {}", t.number),
            Activity::Serving {
                ticket,
                back_office,
                ..
            } => {
                format!(
                    "办理 {}{}",
                    ticket.number,
                    if *back_office { " ⏳" } else { "" }
                )
            }
        }
    };
    format!("[{}] {} {}", c.counter, who, what)
}

/// A queue's estimated wait as the wall display says it: none without an open counter, no
/// wait at 0 (not "0 min", which reads as a figure nobody could meet).
fn estimate(minutes: Option<u32>) -> String {
    match minutes {
        None => "暂无窗口 none".to_string(),
        Some(0) => "无需等候 no wait".to_string(),
        Some(m) => format!("{m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_with_no_wait_says_so_as_the_wall_display_does() {
        assert_eq!(estimate(Some(0)), "无需等候 no wait");
        assert_eq!(estimate(Some(14)), "14 min");
        assert_eq!(estimate(None), "暂无窗口 none");
    }

    #[test]
    fn cjk_text_takes_two_columns() {
        assert_eq!(width("A012"), 4);
        assert_eq!(width("基础业务"), 8);
        assert_eq!(width(&pad("咨询", 6)), 6);
    }
}
