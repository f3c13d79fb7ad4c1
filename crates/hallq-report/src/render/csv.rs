//! The report as CSV files (RFC 4180, UTF-8), one per table, for spreadsheets and for tests:
//! [`files`] returns them as (name, text); the CLI writes them.

use super::weekday;
use crate::report::Report;

/// A field, quoted when it needs to be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = header.join(",");
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

/// The columns of [`staff_cells`].
const STAFF_COLUMNS: [&str; 7] = [
    "staff",
    "served",
    "mean_service_secs",
    "within_pct",
    "rated",
    "satisfied_pct",
    "dissatisfied",
];

/// A clerk's figures, as staff.csv and staff_months.csv have them.
fn staff_cells(s: &crate::report::StaffRow) -> Vec<String> {
    vec![
        s.staff.clone(),
        s.served.to_string(),
        f3(s.mean_service),
        f3(s.within_pct),
        s.rated.to_string(),
        f3(s.satisfied_pct),
        s.dissatisfied.to_string(),
    ]
}

fn f3(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| format!("{v:.3}"))
}

/// Every table: (file name, CSV text).
pub fn files(r: &Report) -> Vec<(&'static str, String)> {
    let mut summary: Vec<(String, String)> = vec![
        ("journal_rows".into(), r.rows.to_string()),
        ("events_read".into(), r.events.to_string()),
        ("visits".into(), r.visits.to_string()),
        ("tickets".into(), r.tickets.to_string()),
        ("served".into(), r.served.to_string()),
        ("transferred_visits".into(), r.transferred.to_string()),
    ];
    for (name, n) in ["served", "no_show", "walked_out", "closed", "open"]
        .iter()
        .zip(r.ticket_ends)
    {
        summary.push((format!("tickets_{name}"), n.to_string()));
    }
    let w = &r.silent_walkouts;
    summary.push((
        "no_show_silent_walkouts_est".into(),
        w.estimate.map_or(String::new(), |e| format!("{e:.1}")),
    ));
    summary.push(("called_within_target".into(), w.short.0.to_string()));
    summary.push(("no_show_within_target".into(), w.short.1.to_string()));
    summary.push(("called_after_target".into(), w.long.0.to_string()));
    summary.push(("no_show_after_target".into(), w.long.1.to_string()));
    for (o, n) in &r.outcomes {
        summary.push((format!("visits_{}", o.key()), n.to_string()));
    }
    for (name, score) in ["dissatisfied", "neutral", "satisfied", "very_satisfied"]
        .iter()
        .zip(r.ratings)
    {
        summary.push((format!("ratings_{name}"), score.to_string()));
    }
    for (name, d) in [
        ("wait", &r.wait),
        ("wait_after_transfer", &r.wait_after_transfer),
        ("walk", &r.walk),
        ("service", &r.service),
        ("stay", &r.stay),
    ] {
        summary.push((format!("{name}_count"), d.count.to_string()));
        summary.push((format!("{name}_mean_secs"), f3(d.mean)));
        summary.push((format!("{name}_p50_secs"), opt(d.p50)));
        summary.push((format!("{name}_p90_secs"), opt(d.p90)));
        summary.push((format!("{name}_max_secs"), f3(d.max)));
    }
    let c = &r.complaints;
    summary.push(("complaints_opened".into(), c.opened.to_string()));
    summary.push(("complaints_resolved".into(), c.resolved.to_string()));
    summary.push(("complaints_open".into(), c.open.len().to_string()));
    summary.push((
        "complaints_open_opened_before".into(),
        c.carried_open.to_string(),
    ));
    let f = &r.fairness;
    summary.push(("ordinary_tickets".into(), f.ordinary.to_string()));
    summary.push(("ordinary_overtaken".into(), f.overtaken.to_string()));
    summary.push((
        "ordinary_overtaken_left".into(),
        f.overtaken_left.to_string(),
    ));
    summary.push(("overtakes".into(), f.overtakes.to_string()));
    summary.push(("overtake_mean_delay_min".into(), f3(f.mean_delay_min)));
    for (key, c) in ["care", "green_channel"].iter().zip(&f.classes) {
        summary.push((format!("overtakes_{key}"), c.overtakes.to_string()));
        summary.push((
            format!("head_start_max_used_min_{key}"),
            f3(c.max_head_start_min),
        ));
        summary.push((
            format!("head_start_configured_min_{key}"),
            c.configured_min.to_string(),
        ));
    }
    let d = &r.door.total;
    let k = &r.door.kiosk;
    summary.push((
        "door_counter".into(),
        if r.door.has_door() { "yes" } else { "none" }.into(),
    ));
    for (key, n) in [
        ("door_entered", d.entered),
        ("door_passed_by", d.passed_by),
        ("door_tickets", d.tickets),
        ("door_tickets_counted", d.tickets_with_door),
        ("kiosk_sessions", k.sessions),
        ("kiosk_left", k.left()),
        ("kiosk_self_service", k.self_service),
        ("kiosk_went_on", k.went_on()),
    ] {
        summary.push((key.into(), n.to_string()));
    }
    summary.push(("door_conversion_pct".into(), f3(d.conversion_pct())));
    summary.push(("door_entry_rate_pct".into(), f3(d.entry_rate_pct())));
    let booking = super::appointments::csv_parts(r);
    summary.extend(booking.summary);
    let q = &r.quality;
    for (k, v) in [
        ("quality_short_services", q.short_services),
        ("quality_forgotten_finish", q.forgotten_finish),
        ("quality_missing_ratings", q.missing_ratings),
        ("quality_unknown_business", q.unknown_business),
        ("quality_visits_without_start", q.visits_without_start),
        ("quality_orphan_events", q.orphan_events),
    ] {
        summary.push((k.into(), v.to_string()));
    }
    let mut files = vec![
        (
            "summary.csv",
            csv(
                &["measure", "value"],
                summary.into_iter().map(|(k, v)| vec![k, v]),
            ),
        ),
        (
            "kpis.csv",
            csv(
                &[
                    "kpi",
                    "numerator",
                    "denominator",
                    "pct",
                    "target_pct",
                    "met",
                    "note",
                ],
                r.kpis.iter().map(|k| {
                    vec![
                        k.key.into(),
                        k.num.to_string(),
                        k.den.to_string(),
                        f3(k.pct()),
                        format!("{}", k.target_pct),
                        opt(k.met()),
                        k.note.clone(),
                    ]
                }),
            ),
        ),
        (
            "business.csv",
            csv(
                &[
                    "business",
                    "name",
                    "limit_min",
                    "tickets",
                    "served",
                    "mean_wait_secs",
                    "mean_service_secs",
                    "within",
                    "judged",
                ],
                r.business.iter().map(|b| {
                    vec![
                        b.code.clone(),
                        b.name.clone(),
                        opt(b.limit_min),
                        b.tickets.to_string(),
                        b.served.to_string(),
                        f3(b.mean_wait),
                        f3(b.mean_service),
                        b.within.to_string(),
                        b.judged.to_string(),
                    ]
                }),
            ),
        ),
        (
            "touchpoints.csv",
            csv(
                &[
                    "touchpoint",
                    "name",
                    "reached",
                    "went_on",
                    "lost_here",
                    "ended_without_ticket",
                    "mean_secs",
                    "low_rating_pct",
                    "counted",
                    "counted_what",
                ],
                r.touchpoints.iter().map(|t| {
                    vec![
                        t.number.to_string(),
                        t.name.clone(),
                        t.reached.to_string(),
                        t.went_on.to_string(),
                        t.lost_here.to_string(),
                        t.ended_without_ticket.to_string(),
                        f3(t.mean_secs),
                        f3(t.low_rating_pct),
                        opt(t.counted),
                        t.counted_what.clone(),
                    ]
                }),
            ),
        ),
        (
            "touchpoints_unobserved.csv",
            csv(
                &["touchpoint", "name", "why"],
                r.unobserved
                    .iter()
                    .map(|u| vec![u.number.to_string(), u.name.clone(), u.why.to_owned()]),
            ),
        ),
        (
            "door_hours.csv",
            csv(
                &[
                    "hour",
                    "entered",
                    "passed_by",
                    "entry_rate_pct",
                    "tickets",
                    "tickets_counted",
                    "door_days",
                    "days_without_door",
                    "conversion_pct",
                ],
                r.door
                    .hours
                    .iter()
                    .map(|(h, a)| (h.to_string(), a))
                    .chain([("all".to_owned(), &r.door.total)])
                    .map(|(hour, h)| {
                        vec![
                            hour,
                            h.entered.to_string(),
                            h.passed_by.to_string(),
                            f3(h.entry_rate_pct()),
                            h.tickets.to_string(),
                            h.tickets_with_door.to_string(),
                            h.door_days.to_string(),
                            h.days_without_door.to_string(),
                            // Empty without a door count: never a conversion of 0 % for want
                            // of data (`door_counter` in summary.csv says whether any reported).
                            f3(h.conversion_pct()),
                        ]
                    }),
            ),
        ),
        (
            "kiosk_steps.csv",
            csv(&["step", "sessions"], {
                let k = &r.door.kiosk;
                let mut rows = vec![vec!["started".to_owned(), k.sessions.to_string()]];
                for (step, n) in crate::door::KIOSK_STEPS.iter().zip(k.left_at) {
                    rows.push(vec![
                        format!("left_at_{}", crate::door::step_name(*step).0),
                        n.to_string(),
                    ]);
                }
                rows.push(vec!["left_at_unknown".into(), k.left_unknown.to_string()]);
                rows.push(vec!["self_service".into(), k.self_service.to_string()]);
                rows.push(vec!["went_on".into(), k.went_on().to_string()]);
                rows
            }),
        ),
        (
            "hours.csv",
            csv(
                &[
                    "weekday",
                    "hour",
                    "arrivals_per_day",
                    "tickets_per_day",
                    "period",
                    "hold_secs",
                    "counters_needed",
                    "counters_open",
                    "sl_promised_at_open_pct",
                    "sl_measured_pct",
                ],
                r.hours.iter().map(|h| {
                    vec![
                        weekday(h.weekday).into(),
                        h.hour.to_string(),
                        format!("{:.3}", h.arrivals),
                        format!("{:.3}", h.tickets),
                        h.period.label().into(),
                        f3(h.hold_secs),
                        opt(h.needed),
                        format!("{:.3}", h.open),
                        f3(h.sl_promised_pct),
                        f3(h.sl_measured_pct),
                    ]
                }),
            ),
        ),
        (
            "staff.csv",
            csv(&STAFF_COLUMNS, r.staff.iter().map(staff_cells)),
        ),
        (
            "staff_months.csv",
            csv(
                &[&["month"], &STAFF_COLUMNS[..], &["below_target"]].concat(),
                r.staff_months.iter().map(|m| {
                    let mut cells = vec![m.month.to_string()];
                    cells.extend(staff_cells(&m.row));
                    cells.push(opt(m.below));
                    cells
                }),
            ),
        ),
        (
            "counters.csv",
            csv(
                &["counter", "served", "open_hours", "idle_while_waiting_min"],
                r.counters.iter().map(|c| {
                    vec![
                        c.counter.to_string(),
                        c.served.to_string(),
                        format!("{:.3}", c.open_h),
                        format!("{:.3}", c.idle_while_waiting_min),
                    ]
                }),
            ),
        ),
        (
            "complaints_open.csv",
            csv(
                &[
                    "complaint",
                    "complex",
                    "business",
                    "opened_month",
                    "hours_left",
                    "contacted",
                ],
                c.open.iter().map(|o| {
                    vec![
                        o.id.clone(),
                        o.complex.to_string(),
                        o.business.clone(),
                        o.opened_month.to_string(),
                        format!("{:.2}", o.hours_left),
                        o.contacted.to_string(),
                    ]
                }),
            ),
        ),
        ("complaints_answered.csv", {
            // The page's table, column for column.
            let answered = super::answered_complaints(r, super::Medium::Html);
            csv(&answered.header, answered.rows)
        }),
        (
            "complaint_hot_spots.csv",
            csv(
                &["month", "business", "responsibility", "complaints"],
                c.hot_spots.iter().map(|(m, b, resp, n)| {
                    vec![m.to_string(), b.clone(), resp.clone(), n.to_string()]
                }),
            ),
        ),
        ("quality_examples.csv", {
            // The page's table, column for column.
            let examples = super::quality_examples(r);
            csv(&examples.header, examples.rows)
        }),
    ];
    // The appointment tables as the page shows them (only when there are figures).
    for (name, t) in booking.files {
        files.push((name, csv(&t.header, t.rows)));
    }
    if let Some(i) = &r.inspections {
        files.extend(inspection_files(i));
    }
    // The value tiers, in figures a spreadsheet reads (only when the hall has tiers).
    if !r.tiers.is_empty() {
        let f3 = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.3}"));
        files.push((
            "tiers.csv",
            csv(
                &[
                    "level",
                    "tickets",
                    "called",
                    "mean_wait_min",
                    "answer_target_min",
                    "within_target",
                    "served",
                    "rated",
                    "satisfied",
                    "overtakes",
                    "head_start_max_used_min",
                    "head_start_configured_min",
                    "beyond_bound",
                    "ratio",
                    "ratio_wins",
                    "beyond_ratio",
                ],
                r.tiers.iter().map(|t| {
                    vec![
                        t.level.to_string(),
                        t.acc.tickets.to_string(),
                        t.acc.called.to_string(),
                        f3(t.mean_wait_min()),
                        t.target_min.to_string(),
                        t.acc.within_target.to_string(),
                        t.acc.served.to_string(),
                        t.acc.rated.to_string(),
                        t.acc.satisfied.to_string(),
                        t.acc.overtakes.to_string(),
                        f3(t.max_head_start_min()),
                        t.configured_min.map_or(String::new(), |m| m.to_string()),
                        t.acc.beyond_bound.to_string(),
                        opt(t.ratio),
                        t.acc.ratio_wins.to_string(),
                        t.acc.beyond_ratio.to_string(),
                    ]
                }),
            ),
        ));
        files.push((
            "tier_ratio.csv",
            csv(
                &[
                    "business",
                    "contested_calls",
                    "to_tier",
                    "to_no_tier",
                    "tier_wins",
                    "longest_run",
                    "beyond_ratio",
                ],
                r.tier_ratio.iter().map(|(b, a)| {
                    vec![
                        b.clone(),
                        a.contested.to_string(),
                        a.to_tier.to_string(),
                        a.to_plain.to_string(),
                        a.tier_wins.to_string(),
                        a.longest_run.to_string(),
                        a.beyond_ratio.to_string(),
                    ]
                }),
            ),
        ));
    }
    files
}

/// The inspections section (服务监督), when the report has it: compliance per month and type
/// (an empty `kind` is the month's whole), the scheduled checklists, the open corrections.
fn inspection_files(i: &crate::inspections::Section) -> Vec<(&'static str, String)> {
    let tally = |t: &hallq_inspect::score::Tally| {
        vec![
            t.inspections.to_string(),
            t.critical_failed.to_string(),
            t.items_checked.to_string(),
            t.items_passed.to_string(),
            f3(t.compliance_pct()),
        ]
    };
    let months = i.months.iter().flat_map(|m| {
        let whole = std::iter::once((m.month.clone(), String::new(), tally(&m.total)));
        let kinds = m
            .by_kind
            .iter()
            .map(|(k, t)| (m.month.clone(), k.as_str().to_owned(), tally(t)));
        whole.chain(kinds).map(|(month, kind, cells)| {
            let mut row = vec![month, kind];
            row.extend(cells);
            row
        })
    });
    vec![
        (
            "inspections_months.csv",
            csv(
                &[
                    "month",
                    "kind",
                    "inspections",
                    "critical_failed",
                    "items_checked",
                    "items_passed",
                    "compliance_pct",
                ],
                months,
            ),
        ),
        (
            "inspections_schedule.csv",
            csv(
                &["checklist", "kept", "late", "missed", "overdue_now"],
                i.schedule.iter().map(|r| {
                    vec![
                        r.template.clone(),
                        r.kept.to_string(),
                        r.late.to_string(),
                        r.missed.to_string(),
                        r.overdue_now.to_string(),
                    ]
                }),
            ),
        ),
        (
            "corrections_open.csv",
            csv(
                &[
                    "correction",
                    "checklist",
                    "item",
                    "note",
                    "opened_ms",
                    "due_ms",
                ],
                i.open.iter().map(|c| {
                    vec![
                        c.id.clone(),
                        c.template.clone(),
                        c.item.clone(),
                        c.note.clone(),
                        c.opened.0.to_string(),
                        c.due.0.to_string(),
                    ]
                }),
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_or_quotes_are_quoted() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("plain"), "plain");
    }
}
