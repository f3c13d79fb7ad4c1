//! Laying a [`crate::Report`] out: terminal tables, CSV files, an HTML page with SVG charts.
//!
//! The tables the terminal and the page both show are defined once here, one function per
//! table returning a `Table`; [`text`] and [`html`] only lay them out, each under its own
//! titles. Where the two show a table differently (a word in a header, a column only the
//! terminal has), the table's function says so with `Medium::pick` or a `match`.

pub mod csv;
pub mod html;
pub mod text;

use crate::report::{Durations, Period, Report};

/// Seconds as minutes with one decimal, or `-`.
pub(crate) fn min1(secs: Option<f64>) -> String {
    secs.map_or("-".into(), |s| format!("{:.1}", s / 60.0))
}

/// Whole seconds (a percentile) as minutes with one decimal, or `-`.
pub(crate) fn min1_whole(secs: Option<u64>) -> String {
    min1(secs.map(|s| s as f64))
}

/// A percentage with one decimal, or `-`.
pub(crate) fn pct1(p: Option<f64>) -> String {
    p.map_or("-".into(), |p| format!("{p:.1}%"))
}

/// The weekday's short name, Monday = 0.
pub(crate) fn weekday(d: usize) -> &'static str {
    [
        "Mon 一", "Tue 二", "Wed 三", "Thu 四", "Fri 五", "Sat 六", "Sun 日",
    ][d % 7]
}

/// Where a table is shown: the few places the terminal and the page word a table differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Medium {
    /// The terminal ([`text`]).
    Text,
    /// The HTML page ([`html`]).
    Html,
}

impl Medium {
    /// `text` on the terminal, `html` on the page.
    fn pick<T>(self, text: T, html: T) -> T {
        match self {
            Self::Text => text,
            Self::Html => html,
        }
    }
}

/// A table's header and rows of cells, before it is laid out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    /// The column names.
    pub(crate) header: Vec<&'static str>,
    /// The rows, one cell per column.
    pub(crate) rows: Vec<Vec<String>>,
}

/// Visits per outcome; the terminal adds each outcome's share of the visits.
pub(crate) fn outcomes(r: &Report, m: Medium) -> Table {
    let share = m == Medium::Text;
    let mut header = vec![m.pick("outcome 结果", "outcome"), "visits"];
    if share {
        header.push("share");
    }
    let rows = r
        .outcomes
        .iter()
        .map(|(o, n)| {
            let mut row = vec![o.label().to_owned(), n.to_string()];
            if share {
                row.push(pct1(
                    (r.visits > 0).then(|| 100.0 * *n as f64 / r.visits as f64),
                ));
            }
            row
        })
        .collect();
    Table { header, rows }
}

/// Wait, walk, service and stay: count, mean, p50, p90 and max in minutes.
pub(crate) fn durations(r: &Report, m: Medium) -> Table {
    let row = |label: &str, d: &Durations| {
        vec![
            label.to_owned(),
            d.count.to_string(),
            min1(d.mean),
            min1_whole(d.p50),
            min1_whole(d.p90),
            min1(d.max),
        ]
    };
    Table {
        header: vec![
            m.pick("duration 时长 (min)", "duration (min)"),
            "n",
            "mean",
            "p50",
            "p90",
            "max",
        ],
        rows: vec![
            row(m.pick("wait 等候 (ticket→call)", "wait 等候"), &r.wait),
            row(
                m.pick("walk 走到窗口 (call→start)", "walk 走到窗口"),
                &r.walk,
            ),
            row(
                m.pick("service 办理 (start→finish)", "service 办理"),
                &r.service,
            ),
            row(
                m.pick("stay 停留 (arrival→departure)", "stay 停留"),
                &r.stay,
            ),
        ],
    }
}

/// The column of [`kpis`] that says whether the target is met.
pub(crate) const KPI_VERDICT_COLUMN: usize = 4;

/// Each KPI against its target, in the order of [`Report::kpis`].
pub(crate) fn kpis(r: &Report) -> Table {
    Table {
        header: vec!["KPI", "count", "value", "target", "", "note"],
        rows: r
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
            .collect(),
    }
}

/// Each business type: its limit, tickets, served, mean wait and service, share within limit.
pub(crate) fn business(r: &Report, m: Medium) -> Table {
    Table {
        header: vec![
            "business",
            "limit",
            "tickets",
            "served",
            m.pick("wait", "wait min"),
            m.pick("service", "service min"),
            "within",
        ],
        rows: r
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
            .collect(),
    }
}

/// The touchpoint map: reach, loss and time per touchpoint (the terminal pads the numbers so
/// the names line up).
pub(crate) fn touchpoints(r: &Report, m: Medium) -> Table {
    Table {
        header: vec![
            "touchpoint",
            "reached",
            "went on",
            "lost here",
            m.pick("ended, no ticket", "ended without ticket"),
            m.pick("min", "mean min"),
            "low rated",
        ],
        rows: r
            .touchpoints
            .iter()
            .map(|t| {
                vec![
                    match m {
                        Medium::Text => format!("{:>2} {}", t.number, t.name),
                        Medium::Html => format!("{} {}", t.number, t.name),
                    },
                    t.reached.to_string(),
                    t.went_on.to_string(),
                    t.lost_here.to_string(),
                    t.ended_without_ticket.to_string(),
                    min1(t.mean_secs),
                    pct1(t.low_rating_pct),
                ]
            })
            .collect(),
    }
}

/// Load and staffing per weekday and hour, the hours the hall is closed and no counter is
/// open left out.
pub(crate) fn hours(r: &Report) -> Table {
    Table {
        header: vec![
            "hour", "arrivals", "tickets", "period", "hold min", "needed", "open",
        ],
        rows: r
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
            .collect(),
    }
}

/// Each member of staff: served, handling time, within limit, ratings.
pub(crate) fn staff(r: &Report, m: Medium) -> Table {
    Table {
        header: vec![
            m.pick("staff", "staff 工号"),
            "served",
            "handling min",
            "within",
            "rated",
            "satisfied",
            "不满意",
        ],
        rows: r
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
            .collect(),
    }
}

/// The clerks due for retraining, in a sentence: who, and the months below target.
pub(crate) fn retraining(r: &Report) -> String {
    let head = format!(
        "Retraining 复训 (below the satisfaction or within-limit target {} calendar months running, \
         months with at least {} services judged)",
        crate::report::RETRAINING_MONTHS,
        crate::report::MIN_SERVED_TO_JUDGE
    );
    if r.retraining.is_empty() {
        return format!("{head}: none 无");
    }
    let who: Vec<String> = r
        .retraining
        .iter()
        .map(|t| {
            let months: Vec<String> = t
                .months
                .iter()
                .map(|m| format!("{}-{:02}", m / 100, m % 100))
                .collect();
            format!("{} ({})", t.staff, months.join(", "))
        })
        .collect();
    format!("{head}: {}", who.join("; "))
}

/// Each counter: served, hours open, minutes idle while customers waited.
pub(crate) fn counters(r: &Report, m: Medium) -> Table {
    Table {
        header: vec![
            "counter 窗口",
            "served",
            "open h",
            "idle while waiting (min)",
        ],
        rows: r
            .counters
            .iter()
            .map(|c| {
                vec![
                    match m {
                        Medium::Text => format!("counter {}", c.counter),
                        Medium::Html => c.counter.to_string(),
                    },
                    c.served.to_string(),
                    format!("{:.1}", c.open_h),
                    format!("{:.1}", c.idle_while_waiting_min),
                ]
            })
            .collect(),
    }
}

/// The complaints still open: kind, business, hours left, whether the customer was contacted
/// (`yes`/`NO` on the terminal, `true`/`false` on the page).
pub(crate) fn open_complaints(r: &Report, m: Medium) -> Table {
    Table {
        header: vec![
            "open complaint",
            "kind",
            "business",
            "hours left",
            "contacted",
        ],
        rows: r
            .complaints
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
                    match m {
                        Medium::Text => if o.contacted { "yes" } else { "NO" }.into(),
                        Medium::Html => o.contacted.to_string(),
                    },
                ]
            })
            .collect(),
    }
}

/// Complaints per month, business and responsibility.
pub(crate) fn complaint_hot_spots(r: &Report, m: Medium) -> Table {
    Table {
        header: vec![
            m.pick("month 月份", "month"),
            "business",
            m.pick("responsibility 责任", "responsibility"),
            "complaints",
        ],
        rows: r
            .complaints
            .hot_spots
            .iter()
            .map(|(month, b, resp, n)| {
                vec![
                    format!("{}-{:02}", month / 100, month % 100),
                    b.clone(),
                    resp.clone(),
                    n.to_string(),
                ]
            })
            .collect(),
    }
}

/// Examples of the data-quality problems: problem, ticket, detail (the page's table and
/// `quality_examples.csv`; the terminal lists them as lines).
pub(crate) fn quality_examples(r: &Report) -> Table {
    Table {
        header: vec!["problem", "ticket", "detail"],
        rows: r
            .quality
            .examples
            .iter()
            .map(|(what, ticket, detail)| vec![(*what).into(), ticket.clone(), detail.clone()])
            .collect(),
    }
}
