//! How the console lays a page out: a [`Page`] is a title, some lines and [`Tbl`]s; each table
//! is shown as HTML (maud: every value escaped) and exported as CSV from the same rows, so
//! every table has its CSV and both pass the same role check. Cells with a live key are the
//! numbers the page's event stream (SSE) updates in place.

use std::collections::BTreeMap;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::user::{Scope, User};

/// The page's language: Chinese first, English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// 中文.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// `zh` or `en`.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    /// From `zh` / `en`.
    pub(crate) fn from_code(s: &str) -> Option<Self> {
        match s {
            "zh" => Some(Self::Zh),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// `zh` in Chinese, `en` in English.
    pub(crate) fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }
}

/// A table cell.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cell {
    /// What it says (also in CSV).
    pub(crate) text: String,
    /// Shown red: a KPI missing its target, a hall offline, a limit passed.
    pub(crate) red: bool,
    /// A link.
    pub(crate) href: Option<String>,
    /// The key under which the live stream updates it.
    pub(crate) key: Option<String>,
    /// Its red is updated live too (under `<key>!red`), for a state that turns with time.
    pub(crate) live_red: bool,
}

impl Cell {
    /// A plain cell.
    pub(crate) fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }
    /// Red when `red`.
    pub(crate) fn red(mut self, red: bool) -> Self {
        self.red = red;
        self
    }
    /// A link to `href`.
    pub(crate) fn link(mut self, href: String) -> Self {
        self.href = Some(href);
        self
    }
    /// Updated live under `key`.
    pub(crate) fn live(mut self, key: String) -> Self {
        self.key = Some(key);
        self
    }
    /// Updated live under `key`, its red as well.
    pub(crate) fn live_red(mut self, key: String) -> Self {
        self.key = Some(key);
        self.live_red = true;
        self
    }
}

/// A table: its name in `?csv=`, its heading, header and rows.
#[derive(Debug, Clone)]
pub(crate) struct Tbl {
    /// The name in `?csv=NAME` and the CSV file's name.
    pub(crate) name: &'static str,
    /// The heading above it.
    pub(crate) heading: String,
    /// Column names.
    pub(crate) header: Vec<String>,
    /// Rows.
    pub(crate) rows: Vec<Vec<Cell>>,
    /// A line under it (what was left out, what it means).
    pub(crate) note: Option<String>,
}

/// A page.
#[derive(Debug, Clone, Default)]
pub(crate) struct Page {
    /// The title.
    pub(crate) title: String,
    /// Lines above the tables (each a cell, so it can be live or red).
    pub(crate) lines: Vec<Vec<Cell>>,
    /// Links under the title (label, href), e.g. the months.
    pub(crate) links: Vec<(String, String)>,
    /// The tables.
    pub(crate) tables: Vec<Tbl>,
    /// The live stream's URL, if the page has live numbers.
    pub(crate) live: Option<String>,
}

impl Page {
    /// Every live cell's key and text.
    pub(crate) fn live_values(&self) -> BTreeMap<String, String> {
        let cells = self
            .lines
            .iter()
            .flatten()
            .chain(self.tables.iter().flat_map(|t| t.rows.iter().flatten()));
        let mut values = BTreeMap::new();
        for c in cells {
            if let Some(k) = &c.key {
                if c.live_red {
                    values.insert(format!("{k}!red"), if c.red { "1" } else { "0" }.to_owned());
                }
                values.insert(k.clone(), c.text.clone());
            }
        }
        values
    }

    /// Table `name`.
    pub(crate) fn table(&self, name: &str) -> Option<&Tbl> {
        self.tables.iter().find(|t| t.name == name)
    }
}

const CSS: &str = "
body{font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif;margin:0;color:#1c2530;background:#f4f6f8}
header{background:#123a5e;color:#fff;padding:10px 20px;display:flex;gap:18px;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none;font-weight:bold}
header .who{margin-left:auto;font-size:14px}
header form{display:inline}
header button{background:none;border:1px solid #fff;color:#fff;border-radius:3px;cursor:pointer}
main{padding:14px 20px}
h1{font-size:22px;margin:6px 0 10px}
h2{font-size:17px;margin:20px 0 6px}
table{border-collapse:collapse;background:#fff;font-size:14px}
th,td{border:1px solid #d3d9e0;padding:4px 8px;text-align:left;white-space:nowrap}
th{background:#e8edf2}
td.red,span.red{color:#c0171c;font-weight:bold}
.csv{font-size:12px;margin-left:8px}
.line{margin:4px 0}
.links a{margin-right:10px}
.note{font-size:12px;color:#56606b;margin:4px 0}
.err{color:#c0171c;font-weight:bold}
form.login{background:#fff;padding:20px;display:inline-block;border:1px solid #d3d9e0}
form.login label{display:block;margin:8px 0}
";

/// Updates every `[data-k]` element from the page's event stream.
const LIVE_JS: &str = "
(function(){var u=document.body.dataset.live;if(!u)return;var es=new EventSource(u);
es.onmessage=function(m){var v=JSON.parse(m.data);var n=0;
document.querySelectorAll('[data-k]').forEach(function(e){var k=e.dataset.k;
if(k in v&&e.textContent!==v[k]){e.textContent=v[k];n++;}
if((k+'!red') in v){e.parentElement.classList.toggle('red',v[k+'!red']==='1');}});
document.body.dataset.updates=String((+document.body.dataset.updates||0)+1);};})();
";

/// The frame of every page: the bar (pages, language switch, user, log out) and `body`.
pub(crate) fn frame(
    lang: Lang,
    user: Option<&User>,
    title: &str,
    live: Option<&str>,
    here: &str,
    body: Markup,
) -> Markup {
    let other = match lang {
        Lang::Zh => ("English", "en"),
        Lang::En => ("中文", "zh"),
    };
    let sep = if here.contains('?') { '&' } else { '?' };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (lang.t("hallq 总部", "hallq HQ")) }
                style { (PreEscaped(CSS)) }
            }
            body data-live=[live] {
                header {
                    span { (lang.t("hallq 总部", "hallq HQ")) }
                    @if let Some(u) = user {
                        @if !matches!(u.scope, Scope::Hall(_)) {
                            a href="/" { (lang.t("连锁总览", "Chain")) }
                        }
                        a href="/complaints" { (lang.t("投诉", "Complaints")) }
                        @if !matches!(u.scope, Scope::Hall(_)) {
                            a href="/compare" { (lang.t("营业厅对比", "Compare halls")) }
                        }
                    }
                    a id="lang" href={ (here) (sep) "lang=" (other.1) } { (other.0) }
                    @if let Some(u) = user {
                        span.who {
                            (u.name) " (" (u.login) ") "
                            form method="post" action="/logout" {
                                button type="submit" { (lang.t("退出", "Log out")) }
                            }
                        }
                    }
                }
                main { (body) }
                @if live.is_some() { script { (PreEscaped(LIVE_JS)) } }
            }
        }
    }
}

/// A cell's content.
fn cell(c: &Cell) -> Markup {
    let inner = html! {
        @if let Some(h) = &c.href { a href=(h) { (c.text) } } @else { (c.text) }
    };
    match &c.key {
        Some(k) => html! { span data-k=(k) { (inner) } },
        None => inner,
    }
}

/// A page's body: title, links, lines and tables, each table with its CSV link.
pub(crate) fn page_body(lang: Lang, p: &Page, csv_base: &str) -> Markup {
    let sep = if csv_base.contains('?') { '&' } else { '?' };
    html! {
        h1 { (p.title) }
        @if !p.links.is_empty() {
            div.links { @for (label, href) in &p.links { a href=(href) { (label) } } }
        }
        @for line in &p.lines {
            div.line { @for c in line { span class=[c.red.then_some("red")] { (cell(c)) } " " } }
        }
        @for t in &p.tables {
            h2 {
                (t.heading)
                a.csv href={ (csv_base) (sep) "csv=" (t.name) } { "CSV" }
            }
            @if t.rows.is_empty() {
                p.note { (lang.t("（无）", "(none)")) }
            } @else {
                table id=(t.name) {
                    tr { @for h in &t.header { th { (h) } } }
                    @for r in &t.rows {
                        tr { @for c in r { td class=[c.red.then_some("red")] { (cell(c)) } } }
                    }
                }
            }
            @if let Some(n) = &t.note { p.note { (n) } }
        }
    }
}

/// Table `t` as CSV (RFC 4180, UTF-8 with a byte-order mark so that spreadsheet programs read
/// the Chinese as such).
pub(crate) fn csv_bytes(t: &Tbl) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(&t.header)?;
    for r in &t.rows {
        w.write_record(r.iter().map(|c| c.text.as_str()))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// A percentage with one decimal, or `-`.
pub(crate) fn pct(p: Option<f64>) -> String {
    p.map_or("-".into(), |p| format!("{p:.1}%"))
}

/// `ms` as local `YYYY-MM-DD HH:MM`.
pub(crate) fn local_time(ms: i64, offset_min: i32) -> String {
    let (day, minute) = hallq_proto::time::local(hallq_proto::Timestamp(ms), offset_min);
    let d = day.0;
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d / 10000,
        d / 100 % 100,
        d % 100,
        minute / 60,
        minute % 60
    )
}

/// Hours and minutes left (negative: overdue), `+1:05` / `-0:30`.
pub(crate) fn time_left(ms: i64) -> String {
    let sign = if ms < 0 { '-' } else { '+' };
    let m = ms.unsigned_abs() / 60_000;
    format!("{sign}{}:{:02}", m / 60, m % 60)
}

/// `yyyymm` as `YYYY-MM`.
pub(crate) fn month_label(m: u32) -> String {
    format!("{:04}-{:02}", m / 100, m % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_people_say_them() {
        assert_eq!(time_left(65 * 60_000 + 5), "+1:05");
        assert_eq!(time_left(-30 * 60_000), "-0:30");
        // 2026-11-23 09:00 in Beijing.
        assert_eq!(local_time(1_795_395_600_000, 480), "2026-11-23 09:00");
        assert_eq!(month_label(202611), "2026-11");
    }

    #[test]
    fn a_table_exports_as_csv_with_its_text_quoted() {
        let t = Tbl {
            name: "x",
            heading: String::new(),
            header: vec!["厅 hall".into(), "n".into()],
            rows: vec![vec![Cell::new("a,\"b\""), Cell::new("1")]],
            note: None,
        };
        let out = String::from_utf8(csv_bytes(&t).unwrap_or_default()).unwrap_or_default();
        assert_eq!(out, "\u{feff}厅 hall,n\r\n\"a,\"\"b\"\"\",1\r\n");
    }
}
