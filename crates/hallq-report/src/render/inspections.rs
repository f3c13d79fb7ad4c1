//! The inspections section's tables (服务监督), shared by the terminal and the page.

use hallq_inspect::InspectionKind;
use hallq_inspect::score::Tally;
use hallq_proto::time;

use super::{Table, pct1};
use crate::inspections::Section;
use crate::report::Report;

/// The section, if the report has it.
pub(crate) fn section(r: &Report) -> Option<&Section> {
    r.inspections.as_ref()
}

fn kind_name(k: InspectionKind) -> String {
    let n = k.name();
    format!("{} {}", n.en, n.zh)
}

fn met(t: &Tally, target: f64) -> String {
    match t.compliance_pct() {
        Some(p) if p >= target => "yes 达标".into(),
        Some(_) => "NO 未达标".into(),
        None => "-".into(),
    }
}

fn tally_cells(t: &Tally, target: f64) -> Vec<String> {
    vec![
        t.inspections.to_string(),
        t.critical_failed.to_string(),
        t.items_checked.to_string(),
        t.items_passed.to_string(),
        pct1(t.compliance_pct()),
        met(t, target),
    ]
}

const TALLY_HEADER: [&str; 6] = [
    "inspections",
    "critical failed",
    "items",
    "passed",
    "compliance 达标率",
    "≥ target",
];

/// The section's first line: the KPI against its target, and the rule.
pub(crate) fn summary(s: &Section) -> String {
    format!(
        "服务规范达标率 {} (target 目标 ≥ {:.0}%): {} of {} items passed in {} inspections; \
         {} with a failed critical item, every item of which counts as failed 关键项不合格则该次检查全部项目计为不合格",
        pct1(s.total.compliance_pct()),
        s.target_pct,
        s.total.items_passed,
        s.total.items_checked,
        s.total.inspections,
        s.total.critical_failed,
    )
}

/// Per month, and per inspection type within it.
pub(crate) fn months(s: &Section) -> Table {
    let mut header = vec!["month 月份", "type 类型"];
    header.extend(TALLY_HEADER);
    let mut rows = Vec::new();
    for m in &s.months {
        let mut row = vec![m.month.clone(), "all 全部".into()];
        row.extend(tally_cells(&m.total, s.target_pct));
        rows.push(row);
        for (k, t) in &m.by_kind {
            let mut row = vec![String::new(), kind_name(*k)];
            row.extend(tally_cells(t, s.target_pct));
            rows.push(row);
        }
    }
    Table { header, rows }
}

/// The scheduled checklists: kept, late, missed, overdue now.
pub(crate) fn schedule(s: &Section) -> Table {
    Table {
        header: vec![
            "checklist 检查表",
            "kept 按时",
            "late 逾期完成",
            "missed 未做",
            "overdue now 当前逾期",
        ],
        rows: s
            .schedule
            .iter()
            .map(|r| {
                vec![
                    format!("{} {}", r.template, r.name_zh),
                    r.kept.to_string(),
                    r.late.to_string(),
                    r.missed.to_string(),
                    r.overdue_now.to_string(),
                ]
            })
            .collect(),
    }
}

/// The corrections' line: opened, closed, closed late, open, open and late.
pub(crate) fn corrections(s: &Section) -> String {
    format!(
        "corrections 整改: opened in the range 新增 {}, closed 已关闭 {} (late 逾期 {}); open now 未关闭 {}, of them past their deadline 已超期 {}",
        s.corrections_opened,
        s.corrections_closed.0,
        s.corrections_closed.1,
        s.open.len(),
        s.open_late
    )
}

/// The open corrections, oldest first.
pub(crate) fn open_corrections(s: &Section, now: hallq_proto::Timestamp) -> Table {
    Table {
        header: vec![
            "open correction 整改项",
            "checklist / item",
            "found 问题",
            "due 期限",
            "late 超期",
        ],
        rows: s
            .open
            .iter()
            .map(|c| {
                vec![
                    c.id.clone(),
                    format!("{} / {}", c.template, c.item),
                    c.note.clone(),
                    time::iso_minute(c.due, s.utc_offset_min),
                    if now > c.due { "LATE 超期" } else { "" }.into(),
                ]
            })
            .collect(),
    }
}
