//! The open complaints, soonest limit first: each case's next limit (first contact 2 h, then the
//! solution 24 h or the progress feedback 72 h) and its time left, from the cases folded by
//! hallq-report's fold ([`super::data::complaint_cases`]).

use std::collections::BTreeMap;

use hallq_proto::Timestamp;
use hallq_report::complaints::ComplaintCase;

use super::data;
use super::pages::{enc, now_month};
use super::view::{Cell, Lang, Page, Tbl, local_time, time_left};
use super::{Console, Fail};
use crate::user::User;

/// The open complaints' table: each case's next limit (first contact 2 h, then the solution
/// 24 h or the progress feedback 72 h), its time left, soonest first.
pub(super) fn complaint_rows(
    c: &Console,
    l: Lang,
    halls: &[(String, String, Vec<ComplaintCase>)],
    now: Timestamp,
) -> (Vec<String>, Vec<Vec<Cell>>) {
    let mut open: Vec<(i64, &str, &str, &ComplaintCase, &str)> = Vec::new();
    for (hall, region, cases) in halls {
        for k in cases.iter().filter(|k| k.resolved.is_none()) {
            let (due, limit) = if k.contacted.is_none() {
                (
                    k.first_contact_due.0,
                    l.t("首次联系 2 小时", "first contact 2 h"),
                )
            } else if k.complex {
                (k.due.0, l.t("进展反馈 72 小时", "progress feedback 72 h"))
            } else {
                (k.due.0, l.t("解决 24 小时", "solution 24 h"))
            };
            open.push((due - now.0, hall, region, k, limit));
        }
    }
    open.sort_by_key(|o| o.0);
    let header = [
        l.t("剩余时间", "time left"),
        l.t("时限", "limit"),
        l.t("营业厅", "hall"),
        l.t("区域", "region"),
        l.t("投诉", "complaint"),
        l.t("类别", "category"),
        l.t("业务", "business"),
        l.t("受理时间", "opened"),
        l.t("到期", "due"),
    ]
    .map(str::to_owned)
    .to_vec();
    let rows = open
        .iter()
        .map(|(left, hall, region, k, limit)| {
            vec![
                Cell::new(time_left(*left)).red(*left < 0),
                Cell::new(*limit),
                Cell::new(*hall).link(format!("/hall/{}", enc(hall))),
                Cell::new(data::region_label(region)),
                Cell::new(&k.id),
                Cell::new(if k.complex {
                    l.t("复杂", "complex")
                } else {
                    l.t("一般", "general")
                }),
                Cell::new(k.business.clone().unwrap_or_else(|| "-".into())),
                Cell::new(local_time(k.opened.0, c.offset_min)),
                Cell::new(local_time(now.0 + left, c.offset_min)),
            ]
        })
        .collect();
    (header, rows)
}

/// Every open complaint the user may see, soonest limit first.
pub(crate) async fn complaints(
    c: &Console,
    u: &User,
    l: Lang,
    now: Timestamp,
) -> Result<Page, Fail> {
    let db = c.db().await?;
    let halls = data::halls(&db, &u.scope, now_month(c, now), now, c.offset_min).await?;
    let regions: BTreeMap<&str, &str> = halls
        .iter()
        .map(|h| (h.hall.as_str(), h.region.as_str()))
        .collect();
    let cases = data::complaint_cases(
        &db,
        &u.scope,
        now.0 - data::OPEN_COMPLAINTS_DAYS * 86_400_000,
        c.offset_min,
    )
    .await?;
    let list: Vec<(String, String, Vec<ComplaintCase>)> = cases
        .into_iter()
        .map(|(h, k)| {
            let r = regions.get(h.as_str()).copied().unwrap_or("").to_owned();
            (h, r, k)
        })
        .collect();
    let (header, rows) = complaint_rows(c, l, &list, now);
    Ok(Page {
        title: l.t("未结投诉（按剩余时间）", "Open complaints, by time left").into(),
        lines: vec![vec![Cell::new(l.t(
            "首次联系 2 小时内；一般投诉 24 小时内解决；复杂投诉 72 小时内反馈进展。投诉内容留在厅内，总部只看类别、业务与时间。",
            "first contact within 2 h; a general complaint solved within 24 h; a complex one given progress feedback within 72 h. The complaint's text stays in the hall: HQ sees category, business and times.",
        ))]],
        links: vec![],
        tables: vec![Tbl { name: "complaints", heading: l.t("未结投诉", "Open complaints").into(), header, rows, note: None }],
        live: None,
    })
}
