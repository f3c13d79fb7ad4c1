//! The console's view of configuration down: the hall page's line (revision published, in
//! force, a refusal's reason), the chain page's list of halls behind or refusing, and the
//! business types a hall has in force for the report tables (names and limits).

use hallq_proto::BusinessCode;
use hallq_report::config::BusinessInfo;
use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

use super::view::{Cell, Lang, Tbl};
use crate::config::HallConfigView;
use crate::error::HqError;
use crate::user::Scope;

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

/// The chain page's table: the halls in `scope` whose configuration in force is behind what HQ
/// published, or that refused it (chosen in SQL: the chain page does not list every hall).
pub(crate) async fn behind_table(db: &Client, l: Lang, scope: &Scope) -> Result<Tbl, HqError> {
    let (cond, param) = super::data::scope_sql(scope, "h.hall", 1);
    let params: Vec<&(dyn ToSql + Sync)> = match &param {
        Some(p) => vec![p],
        None => vec![],
    };
    let rows = db
        .query(
            &format!(
                "WITH p AS (SELECT scope, max(rev) AS rev FROM config_published GROUP BY scope)
                 SELECT * FROM (
                     SELECT h.hall, h.name, h.region,
                            greatest(coalesce(pc.rev, 0), coalesce(pr.rev, 0),
                                     coalesce(ph.rev, 0)) AS published,
                            coalesce(c.rev, 0) AS in_force, c.refused_rev,
                            c.refused_reason::text
                       FROM halls h LEFT JOIN hall_config c ON c.hall = h.hall
                       LEFT JOIN p pc ON pc.scope = 'chain'
                       LEFT JOIN p pr ON pr.scope = 'region:' || h.region
                       LEFT JOIN p ph ON ph.scope = 'hall:' || h.hall
                      WHERE {cond}) x
                  WHERE published > in_force ORDER BY hall"
            ),
            &params,
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
