//! The report as one self-contained HTML page: the tables, and SVG charts drawn by plotters
//! (its SVG backend, no font files: the browser lays out the text) inlined in the page. No
//! script, no external file: it can be mailed or printed as it is.

use std::fmt::Write as _;

use plotters::prelude::*;

use super::{KPI_VERDICT_COLUMN, Medium, Table, weekday};
use crate::error::ReportError;
use crate::report::Report;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn chart_err(chart: &'static str) -> impl Fn(&dyn std::fmt::Display) -> ReportError {
    move |e| ReportError::Chart {
        chart,
        detail: e.to_string(),
    }
}

/// Runs `draw` on an SVG canvas of `size` and returns the SVG text.
fn svg(
    chart: &'static str,
    size: (u32, u32),
    draw: impl FnOnce(
        &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    ) -> Result<(), Box<dyn std::error::Error>>,
) -> Result<String, ReportError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| chart_err(chart)(&e))?;
        draw(&root).map_err(|e| chart_err(chart)(&e))?;
        root.present().map_err(|e| chart_err(chart)(&e))?;
    }
    Ok(out)
}

/// The bars' colour.
const BAR: RGBColor = RGBColor(70, 130, 180);

/// One bar per `(x, height)` over a segmented axis, drawn in the order given (plotters'
/// `Histogram` gathers its bars in a hash map, so the page's SVG came out in another order on
/// every run).
fn bars_of(
    bars: impl IntoIterator<Item = (u32, u64)>,
    colour: RGBColor,
) -> impl Iterator<Item = Rectangle<(SegmentValue<u32>, u64)>> {
    bars.into_iter().map(move |(x, height)| {
        let mut bar = Rectangle::new(
            [
                (SegmentValue::Exact(x), 0),
                (SegmentValue::Exact(x + 1), height),
            ],
            colour.filled(),
        );
        bar.set_margin(0, 0, 1, 1);
        bar
    })
}

fn wait_chart(r: &Report) -> Result<String, ReportError> {
    let max = r.wait_per_minute.iter().copied().max().unwrap_or(0).max(1);
    let bars: Vec<(u32, u64)> = r
        .wait_per_minute
        .iter()
        .enumerate()
        .map(|(m, n)| (m as u32, *n))
        .collect();
    svg("wait", (820, 300), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "wait ticket → call 等候时间 (tickets per minute; 60 = 60 min or more)",
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d((0u32..61u32).into_segmented(), 0u64..max + max / 10 + 1)?;
        chart
            .configure_mesh()
            .x_desc("minutes")
            .y_desc("tickets")
            .draw()?;
        chart.draw_series(bars_of(bars, BAR))?;
        Ok(())
    })
}

fn heat_map(r: &Report) -> Result<String, ReportError> {
    let max = r
        .hours
        .iter()
        .map(|h| h.arrivals)
        .fold(0.0, f64::max)
        .max(1e-9);
    svg("heat map", (820, 280), |root| {
        // Segmented axes: one label at the middle of each row (weekday) and column (hour).
        let mut chart = ChartBuilder::on(root)
            .caption(
                "arrivals per hour and weekday 客流热力图 (mean per day)",
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(60)
            // An i32 range is discrete with both ends: 0..23 is 24 hours, 0..6 seven days.
            .build_cartesian_2d(
                (0i32..23i32).into_segmented(),
                (0i32..6i32).into_segmented(),
            )?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(24)
            .y_labels(7)
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(h) => h.to_string(),
                _ => String::new(),
            })
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(y) if (0..7).contains(y) => {
                    weekday((6 - *y) as usize).to_owned()
                }
                _ => String::new(),
            })
            .draw()?;
        chart.draw_series(r.hours.iter().map(|h| {
            let v = h.arrivals / max;
            let color = RGBColor(255, (250.0 - 190.0 * v) as u8, (240.0 - 220.0 * v) as u8);
            let (x, y) = (h.hour as i32, 6 - h.weekday as i32);
            Rectangle::new(
                [
                    (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                ],
                color.filled(),
            )
        }))?;
        Ok(())
    })
}

/// The hours of the week the staffing chart shows: whole days, from the first with tickets or
/// a counter open to the last (a one-day report shows that day, not the week).
fn staffing_span(r: &Report) -> (i32, i32) {
    let active: Vec<usize> = r
        .hours
        .iter()
        .enumerate()
        .filter(|(_, h)| h.tickets > 0.0 || h.open > 0.0 || h.needed.is_some_and(|n| n > 0))
        .map(|(i, _)| i)
        .collect();
    match (active.first(), active.last()) {
        (Some(&a), Some(&b)) => ((a / 24 * 24) as i32, ((b / 24 + 1) * 24) as i32),
        _ => (0, 168),
    }
}

fn staffing_chart(r: &Report) -> Result<String, ReportError> {
    let (from, to) = staffing_span(r);
    let one_day = to - from <= 24;
    let needed: Vec<(i32, f64)> = r
        .hours
        .iter()
        .enumerate()
        .map(|(i, h)| (i as i32, f64::from(h.needed.unwrap_or(0))))
        .filter(|(i, _)| (from..to).contains(i))
        .collect();
    let open: Vec<(i32, f64)> = r
        .hours
        .iter()
        .enumerate()
        .map(|(i, h)| (i as i32, h.open))
        .filter(|(i, _)| (from..to).contains(i))
        .collect();
    let highest = needed.iter().chain(&open).map(|p| p.1).fold(1.0, f64::max);
    // Head room above the lines for the legend.
    let top = (highest * 1.35).ceil() + 1.0;
    let caption = if one_day {
        format!(
            "counters needed (Erlang C, load carried over) and open 弹性排班, {}",
            weekday((from / 24) as usize)
        )
    } else {
        format!(
            "counters needed (Erlang C, load carried over) and open 弹性排班, {} → {}",
            weekday((from / 24) as usize),
            weekday(((to - 1) / 24) as usize)
        )
    };
    svg("staffing", (820, 320), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(caption, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(from..to, 0f64..top)?;
        chart
            .configure_mesh()
            .x_labels(if one_day {
                13
            } else {
                ((to - from) / 24 + 1) as usize
            })
            .x_label_formatter(&|x| {
                if one_day {
                    format!("{:02}:00", x.rem_euclid(24))
                } else {
                    weekday((*x / 24).clamp(0, 6) as usize).to_owned()
                }
            })
            .y_desc("counters")
            .draw()?;
        chart
            .draw_series(LineSeries::new(needed, RED.stroke_width(2)))?
            .label("needed 需要")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
        chart
            .draw_series(LineSeries::new(open, BLUE.stroke_width(2)))?
            .label("open 实开")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    })
}

fn touchpoint_chart(r: &Report) -> Result<String, ReportError> {
    let max = r
        .touchpoints
        .iter()
        .map(|t| t.reached)
        .max()
        .unwrap_or(0)
        .max(1);
    svg("touchpoints", (820, 300), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "touchpoints 接触点: visits reaching each (blue), lost there (red)",
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d((1u32..17u32).into_segmented(), 0u64..max + max / 10 + 1)?;
        chart.configure_mesh().x_desc("touchpoint").draw()?;
        chart.draw_series(bars_of(
            r.touchpoints
                .iter()
                .map(|t| (u32::from(t.number), t.reached)),
            BAR,
        ))?;
        chart.draw_series(bars_of(
            r.touchpoints
                .iter()
                .map(|t| (u32::from(t.number), t.lost_here)),
            RED,
        ))?;
        Ok(())
    })
}

/// A shared [`Table`] as a `<table>`, every header and cell escaped.
fn table(out: &mut String, t: &Table) {
    table_with_classes(out, t, |_, _| None);
}

/// As [`table`], a cell given `class="…"` where `class(row, column)` names one (an empty name
/// still writes the attribute).
fn table_with_classes(
    out: &mut String,
    t: &Table,
    class: impl Fn(usize, usize) -> Option<&'static str>,
) {
    out.push_str("<table><tr>");
    for h in &t.header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr>");
    for (i, row) in t.rows.iter().enumerate() {
        out.push_str("<tr>");
        for (j, cell) in row.iter().enumerate() {
            match class(i, j) {
                Some(class) => {
                    let _ = write!(out, "<td class=\"{class}\">{}</td>", esc(cell));
                }
                None => {
                    let _ = write!(out, "<td>{}</td>", esc(cell));
                }
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>\n");
}

/// The page.
pub fn page(r: &Report, title: &str) -> Result<String, ReportError> {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>{t}</title><style>\
         body{{font-family:sans-serif;max-width:900px;margin:1em auto;color:#222}}\
         table{{border-collapse:collapse;margin:.5em 0 1.5em}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}\
         td:first-child,th:first-child{{text-align:left}}td{{white-space:nowrap}}td:last-child{{white-space:normal}}.miss{{color:#b00;font-weight:bold}}.met{{color:#070}}\
         </style></head><body><h1>{t}</h1>",
        t = esc(title)
    );
    let _ = writeln!(
        s,
        "<p>{} visits 到访, {} tickets 取号, {} served 办结; journal 日志: {} rows, of which {} read by the report 报表读取 (the rest change no figure: prints, announcements, sign-ins).</p>",
        r.visits, r.tickets, r.served, r.rows, r.events
    );
    s.push_str("<h2>KPIs 指标</h2>");
    // The verdict is coloured: `met` green, `miss` red.
    table_with_classes(&mut s, &super::kpis(r), |row, column| {
        (column == KPI_VERDICT_COLUMN).then(|| match r.kpis[row].met() {
            Some(true) => "met",
            Some(false) => "miss",
            None => "",
        })
    });
    s.push_str("<h2>Visits 到访</h2>");
    table(&mut s, &super::outcomes(r, Medium::Html));
    let _ = write!(s, "<p>{}.</p>", esc(&super::silent_walkouts(r)));
    table(&mut s, &super::durations(r, Medium::Html));
    s.push_str(&wait_chart(r)?);
    s.push_str("<h2>Touchpoint map 接触点</h2>");
    s.push_str(&touchpoint_chart(r)?);
    table(&mut s, &super::touchpoints(r, Medium::Html));
    let _ = write!(
        s,
        "<h2>The door and the kiosk 门口与自助终端</h2><p>Touchpoints 2–4 and 9: {}.</p>",
        esc(&super::door::summary(r))
    );
    table(&mut s, &super::door::conversion(r));
    table(&mut s, &super::door::kiosk(r));
    if !r.unobserved.is_empty() {
        s.push_str("<h3>Touchpoints not observed 未观察的接触点</h3>");
        table(&mut s, &super::door::unobserved(r));
    }
    s.push_str("<h2>Load and staffing 客流与弹性排班</h2>");
    s.push_str(&heat_map(r)?);
    s.push_str(&staffing_chart(r)?);
    s.push_str("<p>Counters needed 需要窗口数: Erlang C (M/M/c) from each hour's measured tickets and mean counter time, with the load carried from the hour before (modified offered load), for the waiting-time target 等候目标; it ignores walk-outs and skills, so it errs on the safe side 偏于保守. SL promised at open 按实开承诺: the share called within the target the model promises with the counters that were open and the queue the hours before left; SL measured 实测: the share that was.</p>");
    table(&mut s, &super::hours(r));
    s.push_str("<h2>Business types 业务类型</h2>");
    table(&mut s, &super::business(r, Medium::Html));
    s.push_str("<h2>Staff 员工</h2>");
    table(&mut s, &super::staff(r, Medium::Html));
    let _ = write!(s, "<p>{}</p>", esc(&super::retraining(r)));
    table(&mut s, &super::counters(r, Medium::Html));
    let _ = write!(
        s,
        "<h2>Complaints 投诉</h2><p>{}.</p>",
        esc(&super::complaint_counts(r))
    );
    table(&mut s, &super::open_complaints(r, Medium::Html));
    table(&mut s, &super::answered_complaints(r, Medium::Html));
    table(&mut s, &super::complaint_hot_spots(r, Medium::Html));
    let _ = write!(
        s,
        "<h2>Priority fairness 优先公平</h2><p>{}.</p>",
        esc(&super::fairness(r))
    );
    table(&mut s, &super::fairness_classes(r));
    if !r.tiers.is_empty() {
        s.push_str(
            "<h2>Value tiers 客户价值分层</h2><p>Waits against each tier's answer target, satisfaction, and the tier's head start against its bound 各等级等候、满意度及提前量上限.</p>",
        );
        table(&mut s, &super::tiers(r));
        if !r.tier_ratio.is_empty() {
            s.push_str("<p>The tiers' ratio 等级比例: calls in a row a tier's head start may win while a ticket it overtook waits 等级提前连续胜出次数上限.</p>");
            table(&mut s, &super::door::tier_ratio(r));
        }
    }
    s.push_str("<h2>Appointments 预约</h2>");
    match super::appointments::figures(r) {
        None => {
            let _ = write!(
                s,
                "<p>{}.</p>",
                esc(super::appointments::absent(r).unwrap_or_default())
            );
        }
        Some(a) => {
            use super::appointments as ap;
            let _ = write!(s, "<p>{}.</p>", esc(&ap::summary(a)));
            for t in [
                ap::bookings(a),
                ap::punctuality(a),
                ap::waits(a),
                ap::head_start(a),
                ap::slots(a),
            ] {
                table(&mut s, &t);
            }
        }
    }
    if let Some(i) = super::inspections::section(r) {
        use super::inspections as ins;
        let _ = write!(
            s,
            "<h2>Service-standard inspections 服务监督</h2><p>{}.</p>",
            esc(&ins::summary(i))
        );
        table(&mut s, &ins::months(i));
        table(&mut s, &ins::schedule(i));
        let _ = write!(s, "<p>{}.</p>", esc(&ins::corrections(i)));
        table(&mut s, &ins::open_corrections(i, r.now));
    }
    let _ = write!(
        s,
        "<h2>Data quality 数据质量</h2><p>{}.</p>",
        esc(&super::quality(r))
    );
    table(&mut s, &super::quality_examples(r));
    s.push_str("<h2>Notes 说明</h2><ul>");
    for n in &r.notes {
        let _ = write!(s, "<li>{}</li>", esc(n));
    }
    s.push_str("</ul></body></html>\n");
    Ok(s)
}
