//! The report as one self-contained HTML page: the tables, and SVG charts drawn by plotters
//! (its SVG backend, no font files: the browser lays out the text) inlined in the page. No
//! script, no external file: it can be mailed or printed as it is.

use std::fmt::Write as _;

use plotters::prelude::*;

use super::{min1, pct1, weekday};
use crate::error::ReportError;
use crate::report::{Period, Report};

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
        let mut chart = ChartBuilder::on(root)
            .caption(
                "arrivals per hour and weekday 客流热力图 (mean per day)",
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(0i32..24i32, 0i32..7i32)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(24)
            .y_labels(7)
            .y_label_formatter(&|y| weekday((6 - *y).clamp(0, 6) as usize).to_owned())
            .draw()?;
        chart.draw_series(r.hours.iter().map(|h| {
            let v = h.arrivals / max;
            let color = RGBColor(255, (250.0 - 190.0 * v) as u8, (240.0 - 220.0 * v) as u8);
            let (x, y) = (h.hour as i32, 6 - h.weekday as i32);
            Rectangle::new([(x, y), (x + 1, y + 1)], color.filled())
        }))?;
        Ok(())
    })
}

fn staffing_chart(r: &Report) -> Result<String, ReportError> {
    let needed: Vec<(i32, f64)> = r
        .hours
        .iter()
        .enumerate()
        .map(|(i, h)| (i as i32, f64::from(h.needed.unwrap_or(0))))
        .collect();
    let open: Vec<(i32, f64)> = r
        .hours
        .iter()
        .enumerate()
        .map(|(i, h)| (i as i32, h.open))
        .collect();
    let top = needed
        .iter()
        .chain(&open)
        .map(|p| p.1)
        .fold(1.0, f64::max)
        .ceil()
        + 1.0;
    svg("staffing", (820, 320), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "counters needed (Erlang C) and open 弹性排班, Monday 00:00 → Sunday 24:00",
                ("sans-serif", 16),
            )
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(0i32..168i32, 0f64..top)?;
        chart
            .configure_mesh()
            .x_labels(8)
            .x_label_formatter(&|x| weekday((*x / 24).clamp(0, 6) as usize).to_owned())
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

fn table(out: &mut String, header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    out.push_str("<table><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr>");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            let _ = write!(out, "<td>{}</td>", esc(&c));
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
         td:first-child,th:first-child{{text-align:left}}.miss{{color:#b00;font-weight:bold}}.met{{color:#070}}\
         </style></head><body><h1>{t}</h1>",
        t = esc(title)
    );
    let _ = writeln!(
        s,
        "<p>{} visits, {} tickets, {} served, {} events read.</p>",
        r.visits, r.tickets, r.served, r.events
    );
    s.push_str("<h2>KPIs 指标</h2><table><tr><th>KPI</th><th>count</th><th>value</th><th>target</th><th></th><th>note</th></tr>");
    for k in &r.kpis {
        let (class, word) = match k.met() {
            Some(true) => ("met", "met 达标"),
            Some(false) => ("miss", "MISSED 未达标"),
            None => ("", "-"),
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}/{}</td><td>{}</td><td>≥ {:.0}%</td><td class=\"{class}\">{word}</td><td>{}</td></tr>",
            esc(&k.label),
            k.num,
            k.den,
            pct1(k.pct()),
            k.target_pct,
            esc(&k.note)
        );
    }
    s.push_str("</table>\n<h2>Visits 到访</h2>");
    table(
        &mut s,
        &["outcome", "visits"],
        r.outcomes
            .iter()
            .map(|(o, n)| vec![o.label().into(), n.to_string()]),
    );
    let whole = |v: Option<u64>| min1(v.map(|v| v as f64));
    table(
        &mut s,
        &["duration (min)", "n", "mean", "p50", "p90", "max"],
        [
            ("wait 等候", &r.wait),
            ("walk 走到窗口", &r.walk),
            ("service 办理", &r.service),
            ("stay 停留", &r.stay),
        ]
        .into_iter()
        .map(|(l, d)| {
            vec![
                l.into(),
                d.count.to_string(),
                min1(d.mean),
                whole(d.p50),
                whole(d.p90),
                min1(d.max),
            ]
        }),
    );
    s.push_str(&wait_chart(r)?);
    s.push_str("<h2>Touchpoint map 接触点</h2>");
    s.push_str(&touchpoint_chart(r)?);
    table(
        &mut s,
        &[
            "touchpoint",
            "reached",
            "went on",
            "lost here",
            "ended without ticket",
            "mean min",
            "low rated",
        ],
        r.touchpoints.iter().map(|t| {
            vec![
                format!("{} {}", t.number, t.name),
                t.reached.to_string(),
                t.went_on.to_string(),
                t.lost_here.to_string(),
                t.ended_without_ticket.to_string(),
                min1(t.mean_secs),
                pct1(t.low_rating_pct),
            ]
        }),
    );
    s.push_str("<h2>Load and staffing 客流与弹性排班</h2>");
    s.push_str(&heat_map(r)?);
    s.push_str(&staffing_chart(r)?);
    s.push_str("<p>Counters needed: Erlang C (M/M/c) from each hour's measured tickets and mean counter time, for the waiting-time target. It ignores walk-outs and skills, so it errs on the safe side.</p>");
    table(
        &mut s,
        &[
            "hour", "arrivals", "tickets", "period", "hold min", "needed", "open",
        ],
        r.hours
            .iter()
            .filter(|h| h.period != Period::Closed || h.open > 0.0)
            .map(|h| {
                vec![
                    format!("{} {:02}:00", weekday(h.weekday), h.hour),
                    format!("{:.1}", h.arrivals),
                    format!("{:.1}", h.tickets),
                    h.period.label().into(),
                    min1(h.hold_secs),
                    h.needed.map_or("99+".into(), |n| n.to_string()),
                    format!("{:.1}", h.open),
                ]
            }),
    );
    s.push_str("<h2>Business types 业务类型</h2>");
    table(
        &mut s,
        &[
            "business",
            "limit",
            "tickets",
            "served",
            "wait min",
            "service min",
            "within",
        ],
        r.business.iter().map(|b| {
            vec![
                format!("{} {}", b.code, b.name),
                b.limit_min.map_or("?".into(), |l| format!("{l} min")),
                b.tickets.to_string(),
                b.served.to_string(),
                min1(b.mean_wait),
                min1(b.mean_service),
                pct1((b.judged > 0).then(|| 100.0 * b.within as f64 / b.judged as f64)),
            ]
        }),
    );
    s.push_str("<h2>Staff 员工</h2>");
    table(
        &mut s,
        &[
            "staff 工号",
            "served",
            "handling min",
            "within",
            "rated",
            "satisfied",
            "不满意",
        ],
        r.staff.iter().map(|x| {
            vec![
                x.staff.clone(),
                x.served.to_string(),
                min1(x.mean_service),
                pct1(x.within_pct),
                x.rated.to_string(),
                pct1(x.satisfied_pct),
                x.dissatisfied.to_string(),
            ]
        }),
    );
    table(
        &mut s,
        &[
            "counter 窗口",
            "served",
            "open h",
            "idle while waiting (min)",
        ],
        r.counters.iter().map(|c| {
            vec![
                c.counter.to_string(),
                c.served.to_string(),
                format!("{:.1}", c.open_h),
                format!("{:.1}", c.idle_while_waiting_min),
            ]
        }),
    );
    let c = &r.complaints;
    let _ = write!(
        s,
        "<h2>Complaints 投诉</h2><p>opened {}, resolved {}, open {}.</p>",
        c.opened,
        c.resolved,
        c.open.len()
    );
    table(
        &mut s,
        &[
            "open complaint",
            "kind",
            "business",
            "hours left",
            "contacted",
        ],
        c.open.iter().map(|o| {
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
                o.contacted.to_string(),
            ]
        }),
    );
    table(
        &mut s,
        &["month", "business", "responsibility", "complaints"],
        c.hot_spots.iter().map(|(m, b, resp, n)| {
            vec![
                format!("{}-{:02}", m / 100, m % 100),
                b.clone(),
                resp.clone(),
                n.to_string(),
            ]
        }),
    );
    let f = &r.fairness;
    let _ = write!(
        s,
        "<h2>Priority fairness 优先公平</h2><p>{} of {} ordinary tickets were overtaken by a priority ticket ({} overtakes); estimated delay {} min each. Wait p90: ordinary {} min, priority {} min.</p>",
        f.overtaken,
        f.ordinary,
        f.overtakes,
        f.mean_delay_min.map_or("-".into(), |d| format!("{d:.1}")),
        whole(f.ordinary_wait.p90),
        whole(f.priority_wait.p90)
    );
    let q = &r.quality;
    let _ = write!(
        s,
        "<h2>Data quality 数据质量</h2><p>short services {}, finish forgotten {}, served without rating {}, unknown business {}, visits without arrival {}, events of unseen tickets {}. Flagged services are left out of the handling-time figures.</p>",
        q.short_services,
        q.forgotten_finish,
        q.missing_ratings,
        q.unknown_business,
        q.visits_without_start,
        q.orphan_events
    );
    table(
        &mut s,
        &["problem", "ticket", "detail"],
        q.examples
            .iter()
            .map(|(w, t, d)| vec![(*w).into(), t.clone(), d.clone()]),
    );
    s.push_str("<h2>Notes 说明</h2><ul>");
    for n in &r.notes {
        let _ = write!(s, "<li>{}</li>", esc(n));
    }
    s.push_str("</ul></body></html>\n");
    Ok(s)
}
