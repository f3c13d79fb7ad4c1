//! Configuration down, HQ's side (docs/chain.md, "Configuration down"): reading and checking a
//! document file ([`read_file`]), publishing it for a scope in the KV bucket and recording the
//! revision ([`publish`]), the revision published for a hall ([`published_rev`]), and what a
//! hall reports it has in force ([`store_report`], from its live status).

use std::path::Path;

use async_nats::jetstream;
use hallq_queue::QueueConfig;
use hallq_queue::config::BusinessType;
use hallq_wire::{CONFIG_BUCKET, ConfigDoc, ConfigReport, Scope};
use tokio_postgres::Client;

use crate::error::HqError;

/// Values kept per key in the bucket: the latest is what the halls read, the rest a record
/// (`config_published` holds every one).
pub(crate) const HISTORY: i64 = 16;

/// Reads and checks a document file (TOML, the sections of docs/chain.md): a file that cannot
/// be read, has an unknown key, or a value the halls would refuse anyway is an error in Chinese
/// and English, naming the file.
pub fn read_file(path: &Path) -> Result<ConfigDoc, HqError> {
    let bad = |reason: String| HqError::Config {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| bad(format!("cannot be read: {e} / 无法读取")))?;
    let doc = parse(&text).map_err(bad)?;
    Ok(doc)
}

/// Parses and checks a document's TOML text.
pub fn parse(text: &str) -> Result<ConfigDoc, String> {
    let doc: ConfigDoc = toml::from_str(text)
        .map_err(|e| format!("not a configuration document / 不是有效的配置文件: {e}"))?;
    check(&doc)?;
    Ok(doc)
}

/// What is wrong with `doc` before any hall sees it: [`ConfigDoc::check`], an empty document,
/// and its business list as the engine validates one (classes, prefixes, number ranges).
pub fn check(doc: &ConfigDoc) -> Result<(), String> {
    if *doc == ConfigDoc::default() {
        return Err(
            "the document sets nothing (kpi, limits, business, announcements) / 配置文件没有任何内容"
                .into(),
        );
    }
    doc.check()?;
    if let Some(list) = &doc.business {
        let mut queue = QueueConfig::telecom_default();
        queue.counters.clear();
        queue.business = list
            .iter()
            .map(|b| {
                serde_json::from_value::<BusinessType>(b.queue_json()).map_err(|e| {
                    format!(
                        "business type {}: {e} / 业务类型 {} 无效（class 须为 consultation、basic、complex、repair 或 enterprise）",
                        b.code, b.code
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        queue.validate().map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Puts `doc` under `scope`'s key and records it in `config_published`; returns the bucket's
/// revision. The bucket is made if missing. The put comes first: it is what the halls read; a
/// record that then fails is an error saying the document is out (publishing again is safe).
pub async fn publish(
    js: &jetstream::Context,
    db: &Client,
    scope: &Scope,
    doc: &ConfigDoc,
    by: &str,
) -> Result<u64, HqError> {
    check(doc).map_err(HqError::BadInput)?;
    let body = serde_json::to_vec(doc).map_err(|e| HqError::BadInput(e.to_string()))?;
    let store = crate::bus::key_value(js, CONFIG_BUCKET, HISTORY).await?;
    let rev = store
        .put(scope.key(), body.clone().into())
        .await
        .map_err(|e| HqError::Nats(format!("publishing {scope}: {e}")))?;
    let json = String::from_utf8(body).unwrap_or_default();
    db.execute(
        "INSERT INTO config_published (scope, rev, doc, published_by)
         VALUES ($1, $2, $3::text::jsonb, $4) ON CONFLICT DO NOTHING",
        &[&scope.to_string(), &(rev as i64), &json, &by],
    )
    .await
    .map_err(|e| {
        HqError::BadInput(format!(
            "published as revision {rev}, but not recorded at HQ ({e}): publish again / 已发布（版本 {rev}）但总部未能记录，请重新发布"
        ))
    })?;
    Ok(rev)
}

/// [`publish`] with HQ's own cluster and store, as `hallq hq config publish` does: the store is
/// migrated first (its table records the revision).
pub async fn publish_with(
    cfg: &crate::serve::HqConfig,
    scope: &Scope,
    doc: &ConfigDoc,
    by: &str,
) -> Result<u64, HqError> {
    let mut db = crate::serve::connect_pg(&cfg.pg_config()?).await?;
    crate::store::migrate(&mut db).await?;
    let nats = cfg.connect_nats().await?;
    let js = jetstream::new(nats.clone());
    let rev = publish(&js, &db, scope, doc, by).await?;
    nats.flush().await.ok();
    Ok(rev)
}

/// The revision published for a hall: the highest of its scopes' documents (0: none).
pub async fn published_rev(db: &Client, hall: &str, region: &str) -> Result<i64, HqError> {
    Ok(db
        .query_one(
            "SELECT coalesce(max(rev), 0) FROM config_published
             WHERE scope IN ('chain', 'region:' || $2, 'hall:' || $1)",
            &[&hall, &region],
        )
        .await?
        .get(0))
}

/// Stores what `hall` reports in force (its live status's `config`); the hall's row in `halls`
/// exists (the status subscriber makes it first).
pub async fn store_report(db: &Client, hall: &str, r: &ConfigReport) -> Result<(), HqError> {
    let business = serde_json::to_string(&r.business).unwrap_or_else(|_| "[]".into());
    let refused_rev = r.refused.as_ref().map(|f| f.rev as i64);
    let reason = r
        .refused
        .as_ref()
        .and_then(|f| serde_json::to_string(&f.reason).ok());
    db.execute(
        "INSERT INTO hall_config (hall, rev, business, refused_rev, refused_reason, reported_at)
         VALUES ($1, $2, $3::text::jsonb, $4, $5::text::jsonb, now())
         ON CONFLICT (hall) DO UPDATE SET rev = EXCLUDED.rev, business = EXCLUDED.business,
             refused_rev = EXCLUDED.refused_rev, refused_reason = EXCLUDED.refused_reason,
             reported_at = EXCLUDED.reported_at",
        &[&hall, &(r.rev as i64), &business, &refused_rev, &reason],
    )
    .await?;
    Ok(())
}

/// A hall's configuration as HQ knows it, for the console.
#[derive(Debug, Clone, Default)]
pub struct HallConfigView {
    /// The revision published for it (0: none).
    pub published: i64,
    /// What it reported in force, if it ever did.
    pub in_force: Option<ConfigReport>,
}

impl HallConfigView {
    /// Whether the hall is behind what HQ published (or has never reported).
    pub fn behind(&self) -> bool {
        self.published > self.in_force.as_ref().map_or(0, |r| r.rev as i64)
    }

    /// The refusal of the revision published, if the hall refused it.
    pub fn refusing(&self) -> Option<&hallq_wire::Refusal> {
        let r = self.in_force.as_ref()?.refused.as_ref()?;
        (r.rev as i64 >= self.published).then_some(r)
    }
}

/// `hall`'s published revision and reported configuration.
pub async fn hall_view(db: &Client, hall: &str, region: &str) -> Result<HallConfigView, HqError> {
    let published = published_rev(db, hall, region).await?;
    let row = db
        .query_opt(
            "SELECT rev, business::text, refused_rev, refused_reason::text FROM hall_config
             WHERE hall = $1",
            &[&hall],
        )
        .await?;
    let in_force = row.map(|r| {
        let refused = r
            .get::<_, Option<i64>>(2)
            .zip(r.get::<_, Option<String>>(3))
            .and_then(|(rev, reason)| {
                Some(hallq_wire::Refusal {
                    rev: rev as u64,
                    reason: serde_json::from_str(&reason).ok()?,
                })
            });
        ConfigReport {
            rev: r.get::<_, i64>(0) as u64,
            refused,
            business: serde_json::from_str(&r.get::<_, String>(1)).unwrap_or_default(),
        }
    });
    Ok(HallConfigView {
        published,
        in_force,
    })
}
