//! Laying a [`crate::Report`] out: terminal tables, CSV files, an HTML page with SVG charts.

pub mod csv;
pub mod html;
pub mod text;

/// Seconds as minutes with one decimal, or `-`.
pub(crate) fn min1(secs: Option<f64>) -> String {
    secs.map_or("-".into(), |s| format!("{:.1}", s / 60.0))
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
