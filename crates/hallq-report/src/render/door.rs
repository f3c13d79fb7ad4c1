//! The door and kiosk tables (touchpoints 2–4 and 9) and the unobserved touchpoints, shared by
//! the terminal and the page.

use super::{Table, pct1};
use crate::door::{HourAcc, KIOSK_STEPS, step_name};
use crate::report::Report;

/// "no door counter" where the range has no door report at all, "no door count" for an hour
/// the counter did not report in: never a conversion of 0 % for want of data.
pub(crate) fn conversion_cell(r: &Report, h: &HourAcc) -> String {
    match h.conversion_pct() {
        Some(p) => format!("{p:.1}%"),
        None if !r.door.has_door() => "no door counter 无客流计数器".into(),
        None if h.door_days == 0 => "no door count 无计数".into(),
        None => "-".into(),
    }
}

/// The section's first line.
pub(crate) fn summary(r: &Report) -> String {
    let t = &r.door.total;
    if !r.door.has_door() {
        return format!(
            "no door counter reported 无客流计数器数据: {} tickets, conversion not known 转化率未知",
            t.tickets
        );
    }
    format!(
        "{} people counted entering 进厅, {} tickets 取号 in the hours counted: conversion 转化率 {}; \
         {} passers-by 路过 (entry rate 进厅率 {}); {} tickets in hours without a door count 无计数时段取号",
        t.entered,
        t.tickets_with_door,
        pct1(t.conversion_pct()),
        t.passed_by,
        pct1(t.entry_rate_pct()),
        t.tickets - t.tickets_with_door,
    )
}

/// Entry → ticket conversion per local hour, and the whole range.
pub(crate) fn conversion(r: &Report) -> Table {
    let row = |label: String, h: &HourAcc| {
        vec![
            label,
            h.entered.to_string(),
            h.passed_by.to_string(),
            pct1(h.entry_rate_pct()),
            h.tickets.to_string(),
            h.tickets_with_door.to_string(),
            conversion_cell(r, h),
        ]
    };
    let mut rows: Vec<Vec<String>> = r
        .door
        .hours
        .iter()
        .map(|(hour, h)| row(format!("{hour:02}:00"), h))
        .collect();
    rows.push(row("all 合计".into(), &r.door.total));
    Table {
        header: vec![
            "hour 时段",
            "entered 进厅",
            "passed by 路过",
            "entry rate 进厅率",
            "tickets 取号",
            "of which counted 计数时段",
            "conversion 转化率",
        ],
        rows,
    }
}

/// The kiosk's sessions and where they ended without a ticket.
pub(crate) fn kiosk(r: &Report) -> Table {
    let k = &r.door.kiosk;
    let share = |n: u64| pct1((k.sessions > 0).then(|| 100.0 * n as f64 / k.sessions as f64));
    let mut rows = vec![vec![
        "sessions started 开始".to_owned(),
        k.sessions.to_string(),
        share(k.sessions),
    ]];
    for (step, n) in KIOSK_STEPS.iter().zip(k.left_at) {
        rows.push(vec![
            format!("left at 离开于: {}", step_name(*step).1),
            n.to_string(),
            share(n),
        ]);
    }
    if k.left_unknown > 0 {
        rows.push(vec![
            "left at another step 其他步骤".into(),
            k.left_unknown.to_string(),
            share(k.left_unknown),
        ]);
    }
    rows.push(vec![
        "chose self-service 选择自助".into(),
        k.self_service.to_string(),
        share(k.self_service),
    ]);
    rows.push(vec![
        "went on to a ticket 继续取号".into(),
        k.went_on().to_string(),
        share(k.went_on()),
    ]);
    Table {
        header: vec!["kiosk 自助终端", "sessions 会话", "of started 占比"],
        rows,
    }
}

/// The touchpoints nothing observed, and why.
pub(crate) fn unobserved(r: &Report) -> Table {
    Table {
        header: vec!["touchpoint 接触点", "why not observed 未观察原因"],
        rows: r
            .unobserved
            .iter()
            .map(|u| vec![format!("{} {}", u.number, u.name), u.why.to_owned()])
            .collect(),
    }
}

/// The tiers' ratio per business type: the calls where a ticket with a tier and one without
/// both waited, who got them, and the longest row of calls won by a tier against the ratio.
pub(crate) fn tier_ratio(r: &Report) -> Table {
    let configured: Vec<String> = r
        .tiers
        .iter()
        .filter_map(|t| t.ratio.map(|n| (t, n)))
        .map(|(t, n)| match n {
            0 => format!("{}: no limit 不限", t.name),
            n => format!("{}: {n}", t.name),
        })
        .collect();
    Table {
        header: vec![
            "business 业务",
            "calls with both waiting 两类同时等候的叫号",
            "to a tier 给等级客户",
            "to no tier 给普通客户",
            "won by a tier's head start 等级提前胜出",
            "longest row 最长连续",
            "configured ratio 配置比例",
            "ratio 比例",
        ],
        rows: r
            .tier_ratio
            .iter()
            .map(|(b, a)| {
                vec![
                    b.clone(),
                    a.contested.to_string(),
                    a.to_tier.to_string(),
                    a.to_plain.to_string(),
                    a.tier_wins.to_string(),
                    a.longest_run.to_string(),
                    if configured.is_empty() {
                        "-".into()
                    } else {
                        configured.join("; ")
                    },
                    if a.beyond_ratio == 0 {
                        "held 守住".into()
                    } else {
                        format!("EXCEEDED 超出 ({})", a.beyond_ratio)
                    },
                ]
            })
            .collect(),
    }
}
