//! Laying a [`crate::Report`] out: terminal tables, CSV files, an HTML page with SVG charts.
//!
//! The tables the terminal and the page both show are defined once here, one function per
//! table returning a `Table`; [`text`] and [`html`] only lay them out, each under its own
//! titles. Where the two show a table differently (a word in a header, a column only the
//! terminal has), the table's function says so with `Medium::pick` or a `match`.

mod appointments;
pub mod csv;
mod door;
pub mod html;
mod inspections;
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
/// Public with [`Table`], [`kpis`] and [`business`] for HQ's console, which shows a hall's
/// month in the report's own tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
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
pub struct Table {
    /// The column names.
    pub header: Vec<&'static str>,
    /// The rows, one cell per column.
    pub rows: Vec<Vec<String>>,
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

/// The estimate of silent walk-outs among the no-shows, in a sentence.
pub(crate) fn silent_walkouts(r: &Report) -> String {
    let w = &r.silent_walkouts;
    format!(
        "no-shows 过号 {}: an estimated {} of them were customers who had left without telling \
         anyone 估计未告知离开 (not recorded, estimated: tickets called within {} min no-showed \
         {} of {}, after longer waits {} of {}; the excess over the short waits' rate)",
        r.ticket_ends[1],
        w.estimate.map_or("-".into(), |e| format!("{e:.1}")),
        w.threshold_min,
        w.short.1,
        w.short.0,
        w.long.1,
        w.long.0,
    )
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
                m.pick(
                    "wait after transfer 转办后等候 (transfer→call)",
                    "wait after transfer 转办后等候",
                ),
                &r.wait_after_transfer,
            ),
            row(
                m.pick("walk 走到窗口 (call→start)", "walk 走到窗口"),
                &r.walk,
            ),
            row(
                m.pick(
                    "service 办理 (start→finish, all segments)",
                    "service 办理 (all segments)",
                ),
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
pub const KPI_VERDICT_COLUMN: usize = 4;

/// Each KPI against its target, in the order of [`Report::kpis`].
pub fn kpis(r: &Report) -> Table {
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
                    // A no-break space: the page's cell does not wrap it.
                    format!("≥\u{a0}{:.0}%", k.target_pct),
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
pub fn business(r: &Report, m: Medium) -> Table {
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
            "counted by a device 设备计数",
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
                    t.counted
                        .map_or(String::new(), |n| format!("{n} {}", t.counted_what)),
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
            "hour",
            "arrivals",
            "tickets",
            "period",
            "hold min",
            "needed",
            "open",
            "SL promised at open",
            "SL measured",
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
                    pct1(h.sl_promised_pct),
                    pct1(h.sl_measured_pct),
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

/// The complaints still open: kind, business, the month opened, hours left, whether the
/// customer was contacted.
pub(crate) fn open_complaints(r: &Report, m: Medium) -> Table {
    Table {
        header: vec![
            "open complaint",
            "kind",
            "business",
            m.pick("opened", "opened 受理"),
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
                    format!("{}-{:02}", o.opened_month / 100, o.opened_month % 100),
                    format!("{:.1}", o.hours_left),
                    if o.contacted {
                        "yes 已联系"
                    } else {
                        "NO 未联系"
                    }
                    .into(),
                ]
            })
            .collect(),
    }
}

/// The complaint section's first line: opened, resolved, open, and the cases carried in.
pub(crate) fn complaint_counts(r: &Report) -> String {
    let c = &r.complaints;
    format!(
        "opened in the range 范围内受理 {}, resolved 已解决 {}; open now 未结 {} (of them opened \
         before the range 往期受理 {})",
        c.opened,
        c.resolved,
        c.open.len(),
        c.carried_open,
    )
}

/// The complaints resolved in the range with the written result the customer was told (原因、
/// 解决方案、补偿措施、后续承诺); a resolution without one is marked, as the hall code asks
/// for one.
pub(crate) fn answered_complaints(r: &Report, m: Medium) -> Table {
    Table {
        header: vec![
            "resolved complaint",
            "business",
            m.pick("responsibility 责任", "responsibility"),
            m.pick("resolved 解决", "resolved"),
            m.pick("cause 原因", "cause"),
            m.pick("solution 解决方案", "solution"),
            m.pick("compensation 补偿", "compensation"),
            m.pick("promise 后续承诺", "promise"),
        ],
        rows: r
            .complaints
            .answered
            .iter()
            .map(|a| {
                let mut row = vec![
                    a.id.clone(),
                    a.business.clone(),
                    a.responsibility.clone(),
                    a.resolved_local.clone(),
                ];
                match &a.answer {
                    Some(w) => row.extend([
                        w.cause.clone(),
                        w.solution.clone(),
                        w.compensation.clone().unwrap_or_else(|| "none 无".into()),
                        w.promise.clone(),
                    ]),
                    None => row
                        .extend(["NO written result 无书面答复", "-", "-", "-"].map(String::from)),
                }
                row
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

/// The fairness section's sentence: overtaken tickets (those that left uncalled among them),
/// overtakes, the estimated delay per overtake, and the waits side by side.
pub(crate) fn fairness(r: &Report) -> String {
    let f = &r.fairness;
    format!(
        "{} of {} ordinary tickets overtaken by a priority ticket of their business type \
         (普通号被优先号超过; {} of them left uncalled 未叫离开), {} overtakes 次; estimated delay \
         {} min per overtake 每次估计延误 (the priority ticket's counter time shared over the \
         counters serving that business); wait p90 等候 ordinary 普通 {} min, priority 优先 {} min",
        f.overtaken,
        f.ordinary,
        f.overtaken_left,
        f.overtakes,
        f.mean_delay_min.map_or("-".into(), |d| format!("{d:.1}")),
        min1_whole(f.ordinary_wait.p90),
        min1_whole(f.priority_wait.p90),
    )
}

/// Each priority class against its head start: overtakes, the largest head start actually
/// taken, the configured one, and whether the bound held.
pub(crate) fn fairness_classes(r: &Report) -> Table {
    Table {
        header: vec![
            "priority 优先级",
            "overtakes 超过",
            "largest head start used 实际最大提前 (min)",
            "configured 配置 (min)",
            "bound 上限",
        ],
        rows: r
            .fairness
            .classes
            .iter()
            .map(|c| {
                vec![
                    c.label.to_owned(),
                    c.overtakes.to_string(),
                    c.max_head_start_min
                        .map_or("-".into(), |m| format!("{m:.1}")),
                    c.configured_min.to_string(),
                    if c.held() {
                        "held 守住"
                    } else {
                        "EXCEEDED 超出"
                    }
                    .into(),
                ]
            })
            .collect(),
    }
}

/// The value tiers beside the fairness figures: each tier's waits against its answer target,
/// its satisfaction, and its head start against the configured bound.
pub(crate) fn tiers(r: &Report) -> Table {
    let pct = |p: Option<f64>| p.map_or("-".into(), |p| format!("{p:.1}"));
    Table {
        header: vec![
            "tier 客户等级",
            "tickets 取号",
            "mean wait 平均等候 (min)",
            "longest 最长 (min)",
            "answer target 应答目标 (min)",
            "within 达标 (%)",
            "rated 评价",
            "satisfied 满意 (%)",
            "overtakes 超过",
            "largest head start used 实际最大提前 (min)",
            "configured 配置 (min)",
            "bound 上限",
            "ratio 比例",
            "wins by head start 提前胜出",
            "ratio held 比例",
        ],
        rows: r
            .tiers
            .iter()
            .map(|t| {
                let tiered = t.configured_min.is_some();
                vec![
                    t.name.clone(),
                    t.acc.tickets.to_string(),
                    t.mean_wait_min().map_or("-".into(), |m| format!("{m:.1}")),
                    if t.acc.called > 0 {
                        format!("{:.1}", t.acc.max_wait_ms as f64 / 6e4)
                    } else {
                        "-".into()
                    },
                    t.target_min.to_string(),
                    pct(t.within_target_pct()),
                    t.acc.rated.to_string(),
                    pct(t.satisfied_pct()),
                    if tiered {
                        t.acc.overtakes.to_string()
                    } else {
                        "-".into()
                    },
                    t.max_head_start_min()
                        .map_or("-".into(), |m| format!("{m:.1}")),
                    t.configured_min.map_or("-".into(), |m| m.to_string()),
                    match (tiered, t.held()) {
                        (false, _) => "-",
                        (true, true) => "held 守住",
                        (true, false) => "EXCEEDED 超出",
                    }
                    .into(),
                    match t.ratio {
                        None => "-".into(),
                        Some(0) => "no limit 不限".into(),
                        Some(n) => n.to_string(),
                    },
                    if tiered {
                        t.acc.ratio_wins.to_string()
                    } else {
                        "-".into()
                    },
                    match (tiered, t.ratio_held()) {
                        (false, _) => "-",
                        (true, true) => "held 守住",
                        (true, false) => "EXCEEDED 超出",
                    }
                    .into(),
                ]
            })
            .collect(),
    }
}

/// The data-quality section's sentence.
pub(crate) fn quality(r: &Report) -> String {
    let q = &r.quality;
    format!(
        "short services 服务过短 {}, finish forgotten 疑似未结束 {}, served without rating 未评价 {}, \
         unknown business 未知业务 {}, visits without arrival 无到店记录 {}, events of unseen \
         tickets 未见取号的事件 {}; flagged services are left out of the handling-time figures \
         标记的服务不计入办理时长",
        q.short_services,
        q.forgotten_finish,
        q.missing_ratings,
        q.unknown_business,
        q.visits_without_start,
        q.orphan_events
    )
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
