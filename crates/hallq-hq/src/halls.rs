//! HQ's answers to the halls beside the ingest: [`serve_marks`] tells a hub how far HQ holds its
//! journal, [`serve_status`] stores the halls' live status. Each is an async fn for a server
//! process to spawn; it runs until the NATS connection closes.
//!
//! Both subscribe in a queue group, so several HQ processes share the work, each message going
//! to one of them. Each keeps its own PostgreSQL connection, made again after a failure: a
//! database away for a moment costs the answers of that moment (a hub asks again, a status
//! comes again in seconds), never the task.

use async_nats::{Client, Subscriber};
use futures_util::StreamExt;

use crate::error::HqError;
use crate::wire::{self, LiveStatus, MarkReply, MarkRequest};

/// The queue group of the mark responders.
const MARK_GROUP: &str = "hq-marks";

/// The queue group of the status subscribers.
const STATUS_GROUP: &str = "hq-status";

/// The longest hall id, epoch or region HQ takes (as the sink's ids).
const MAX_ID: usize = 64;

/// The longest hall name HQ takes.
const MAX_NAME: usize = 200;

/// A PostgreSQL connection made when first needed and again after it failed.
struct Db {
    pg: tokio_postgres::Config,
    client: Option<tokio_postgres::Client>,
}

impl Db {
    fn new(pg: &tokio_postgres::Config) -> Self {
        Self {
            pg: pg.clone(),
            client: None,
        }
    }

    async fn client(&mut self) -> Result<&tokio_postgres::Client, HqError> {
        if self
            .client
            .as_ref()
            .is_none_or(tokio_postgres::Client::is_closed)
        {
            self.client = Some(crate::serve::connect_pg(&self.pg).await?);
        }
        self.client
            .as_ref()
            .ok_or_else(|| HqError::Nats("no database connection".into()))
    }
}

async fn subscribe(client: &Client, subjects: &str, group: &str) -> Result<Subscriber, HqError> {
    client
        .queue_subscribe(subjects.to_owned(), group.to_owned())
        .await
        .map_err(|e| HqError::Nats(format!("subscribe {subjects}: {e}")))
}

/// Answers the hubs' [`MarkRequest`]s on `hallq.mark.<hall>` with the mark of (hall, epoch)
/// from the store's `marks` (0 for a journal HQ has nothing of), read from PostgreSQL at
/// `pg`. A request that is not one, or comes without a reply subject, is dropped; when the
/// database cannot be read the reply says so (`error`) and the hub asks again later. Runs until
/// the NATS connection closes.
pub async fn serve_marks(client: Client, pg: &tokio_postgres::Config) -> Result<(), HqError> {
    let mut requests = subscribe(&client, wire::MARK_SUBJECTS, MARK_GROUP).await?;
    let mut db = Db::new(pg);
    while let Some(m) = requests.next().await {
        let Some(reply_to) = m.reply else { continue };
        let Some(hall) = wire::hall_of(&m.subject) else {
            continue;
        };
        let request: MarkRequest = match serde_json::from_slice(&m.payload) {
            Ok(r) => r,
            Err(error) => {
                tracing::warn!(%hall, %error, "not a mark request: dropped");
                continue;
            }
        };
        let answer = match mark(&mut db, hall, &request.epoch).await {
            Ok(seq) => MarkReply { seq, error: None },
            Err(e) => {
                tracing::warn!(%hall, error = %e, "cannot read a hall's mark");
                db.client = None;
                MarkReply {
                    seq: 0,
                    error: Some(e.to_string()),
                }
            }
        };
        let body = serde_json::to_vec(&answer).unwrap_or_default();
        if let Err(e) = client.publish(reply_to, body.into()).await {
            tracing::warn!(%hall, error = %e, "cannot answer a mark request");
        }
    }
    Ok(())
}

async fn mark(db: &mut Db, hall: &str, epoch: &str) -> Result<i64, HqError> {
    let row = db
        .client()
        .await?
        .query_opt(
            "SELECT seq FROM marks WHERE hall = $1 AND epoch = $2",
            &[&hall, &epoch],
        )
        .await?;
    Ok(row.map_or(0, |r| r.get(0)))
}

/// Stores the halls' [`LiveStatus`] messages from `hallq.status.<hall>` in PostgreSQL at
/// `pg`: the hall's region and name in `halls` (made at its first message), the message
/// itself in `hall_status` with HQ's clock as `received_at` — unless a newer one (by the hub's
/// `sent_ms`) is stored already. A message that is not a status, names another hall than its
/// subject, or has ids too long for the store is dropped with a warning. Runs until the NATS
/// connection closes.
pub async fn serve_status(client: Client, pg: &tokio_postgres::Config) -> Result<(), HqError> {
    let mut messages = subscribe(&client, wire::STATUS_SUBJECTS, STATUS_GROUP).await?;
    let mut db = Db::new(pg);
    while let Some(m) = messages.next().await {
        let status = match decode_status(&m.subject, &m.payload) {
            Ok(s) => s,
            Err(reason) => {
                tracing::warn!(subject = %m.subject, %reason, "not a hall's status: dropped");
                continue;
            }
        };
        if let Err(e) = store_status(&mut db, &status).await {
            tracing::warn!(hall = %status.hall, error = %e, "cannot store a hall's status");
            db.client = None;
        }
    }
    Ok(())
}

fn decode_status(subject: &str, payload: &[u8]) -> Result<LiveStatus, String> {
    let status: LiveStatus = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
    let expected = wire::status_subject(&status.hall).map_err(|e| e.to_string())?;
    if subject != expected {
        return Err(format!(
            "hall {} sent on {subject}, not {expected}",
            status.hall
        ));
    }
    if status.hall.len() > MAX_ID || status.region.len() > MAX_ID || status.epoch.len() > MAX_ID {
        return Err(format!("ids longer than {MAX_ID} bytes"));
    }
    if status.name.len() > MAX_NAME {
        return Err(format!("a name longer than {MAX_NAME} bytes"));
    }
    Ok(status)
}

async fn store_status(db: &mut Db, status: &LiveStatus) -> Result<(), HqError> {
    let json = serde_json::to_string(status).unwrap_or_default();
    let client = db.client().await?;
    client
        .execute(
            "INSERT INTO halls (hall, region, name) VALUES ($1, $2, $3)
             ON CONFLICT (hall) DO UPDATE SET region = EXCLUDED.region, name = EXCLUDED.name
             WHERE (halls.region, halls.name) IS DISTINCT FROM (EXCLUDED.region, EXCLUDED.name)",
            &[&status.hall, &status.region, &status.name],
        )
        .await?;
    client
        .execute(
            "INSERT INTO hall_status (hall, status, sent_at, received_at)
             VALUES ($1, $2::text::jsonb, 'epoch'::timestamptz + $3 * interval '1 millisecond', now())
             ON CONFLICT (hall) DO UPDATE
                 SET status = EXCLUDED.status, sent_at = EXCLUDED.sent_at,
                     received_at = EXCLUDED.received_at
                 WHERE hall_status.sent_at <= EXCLUDED.sent_at",
            &[&status.hall, &json, &(status.sent_ms as f64)],
        )
        .await?;
    if let Some(config) = &status.config {
        crate::config::store_report(client, &status.hall, config).await?;
    }
    Ok(())
}
