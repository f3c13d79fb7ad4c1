//! The console's view of configuration down: the hall page's line (revision published, in
//! force, a refusal's reason), the chain page's list of halls behind or refusing, and the
//! business types a hall has in force for the report tables (names and limits).

use hallq_proto::BusinessCode;
use hallq_report::config::BusinessInfo;
use tokio_postgres::Client;

use super::data::Hall;
use super::view::{Cell, Lang, Tbl};
use crate::config::HallConfigView;
use crate::error::HqError;

/// The hall page's line: "published rev N, in force rev M", and the reason of a refusal.
pub(crate) fn hall_line(l: Lang, v: &HallConfigView) -> Vec<Cell> {
    let in_force = v.in_force.as_ref().map_or(0, |r| r.rev);
    let mut line = vec![
        Cell::new(format!(
            "{} {}, {} {}",
            l.t("配置：已发布版本", "configuration: published rev"),
            v.published,
            l.t("生效版本", "in force rev"),
            in_force
        ))
        .red(v.behind()),
    ];
    if let Some(r) = v.refusing() {
        let reason = match l {
            Lang::Zh => &r.reason.zh,
            Lang::En => &r.reason.en,
        };
        line.push(
            Cell::new(format!(
                "{} {}: {reason}",
                l.t("营业厅拒绝了版本", "the hall refused rev"),
                r.rev
            ))
            .red(true),
        );
    }
    line
}

/// The business types `v` reports in force, as the report's tables name them; empty if the
/// hall never reported (the tables then show codes only).
pub(crate) fn business(v: &HallConfigView) -> Vec<BusinessInfo> {
    v.in_force
        .iter()
        .flat_map(|r| &r.business)
        .filter_map(|b| {
            Some(BusinessInfo {
                code: BusinessCode::new(b.code.clone()).ok()?,
                name_zh: b.name.zh.clone(),
                class: serde_json::from_value(serde_json::Value::String(b.class.clone())).ok()?,
                limit_min: b.limit_min,
            })
        })
        .collect()
}

/// The chain page's table: the halls (of `halls`) whose configuration in force is behind what
/// HQ published, or that refused it.
pub(crate) async fn behind_table(db: &Client, l: Lang, halls: &[Hall]) -> Result<Tbl, HqError> {
    let ids: Vec<&str> = halls.iter().map(|h| h.hall.as_str()).collect();
    let rows = db
        .query(
            "SELECT h.hall, h.name, h.region,
                    (SELECT coalesce(max(p.rev), 0) FROM config_published p
                      WHERE p.scope IN ('chain', 'region:' || h.region, 'hall:' || h.hall)),
                    coalesce(c.rev, 0), c.refused_rev, c.refused_reason::text
               FROM halls h LEFT JOIN hall_config c ON c.hall = h.hall
              WHERE h.hall = ANY($1) ORDER BY h.hall",
            &[&ids],
        )
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let (published, in_force): (i64, i64) = (r.get(3), r.get(4));
        let refused: Option<i64> = r.get(5);
        let reason: Option<String> = r.get(6);
        let refusing = refused.is_some_and(|f| f >= published && published > in_force);
        if published <= in_force {
            continue;
        }
        let why = if refusing {
            reason
                .and_then(|t| serde_json::from_str::<hallq_wire::Text>(&t).ok())
                .map(|t| match l {
                    Lang::Zh => t.zh,
                    Lang::En => t.en,
                })
                .unwrap_or_default()
        } else {
            l.t("尚未生效", "not yet in force").into()
        };
        let hall: String = r.get(0);
        out.push(vec![
            Cell::new(hall.clone()).link(format!("/hall/{}", super::pages::enc(&hall))),
            Cell::new(r.get::<_, String>(1)),
            Cell::new(super::data::region_label(&r.get::<_, String>(2)).to_owned()),
            Cell::new(published.to_string()),
            Cell::new(in_force.to_string()),
            Cell::new(why).red(refusing),
        ]);
    }
    Ok(Tbl {
        name: "config",
        heading: format!(
            "{} ({})",
            l.t("配置未生效的营业厅", "Halls behind on configuration"),
            out.len()
        ),
        header: [
            l.t("营业厅", "hall"),
            l.t("名称", "name"),
            l.t("区域", "region"),
            l.t("已发布版本", "published rev"),
            l.t("生效版本", "in force rev"),
            l.t("状态", "status"),
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: out,
        note: Some(
            l.t(
                "营业厅离线时，重新连接后取得最新配置；被拒绝的版本须由总部修改后重新发布",
                "a hall offline takes the latest when it reconnects; a refused revision must be corrected and published again",
            )
            .into(),
        ),
    })
}
