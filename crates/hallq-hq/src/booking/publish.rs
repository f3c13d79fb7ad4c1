//! Down to the hall: the booking outbox published to JetStream (docs/booking.md, "At HQ").
//!
//! Each committed change waits in `booking_outbox` (written in the booking's own transaction)
//! until JetStream acknowledges it on `hallq.booking.<hall>` in the stream `HALLQ_BOOKINGS`;
//! only then is it marked with its stream sequence. One HQ process publishes at a time (a
//! session advisory lock), in the outbox's order, so a hall gets its changes in the order they
//! were committed. A crash between the publish and the mark publishes the change again under
//! the same message id (`hq-booking-<outbox id>`), which JetStream's duplicate window drops;
//! the hub deduplicates by stream sequence besides.

use std::time::Duration;

use async_nats::jetstream::{self, stream};
use tokio_postgres::Client;

use crate::error::HqError;

/// How long the stream keeps a change: the longest horizon rules allow (90 days) and a day, so
/// a hub offline for as long as any booking of it can still matter gets every change when back.
pub const KEEP: Duration = Duration::from_secs(91 * 24 * 3600);

/// The advisory lock the publishing process holds ("hqbkpub" in ASCII).
const PUBLISH_LOCK: i64 = 0x0068_7162_6b70_7562;

/// How often an idle publisher looks at the outbox.
pub const POLL: Duration = Duration::from_millis(250);

/// The bookings stream (made if missing): every hall's subject, 3 replicas on file storage,
/// kept [`KEEP`], a two-minute duplicate window.
pub async fn stream(js: &jetstream::Context) -> Result<stream::Stream, HqError> {
    js.get_or_create_stream(stream::Config {
        name: hallq_wire::BOOKINGS_STREAM.into(),
        subjects: vec![hallq_wire::BOOKING_SUBJECTS.into()],
        num_replicas: 3,
        storage: stream::StorageType::File,
        max_age: KEEP,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .map_err(|e| HqError::Nats(format!("stream {}: {e}", hallq_wire::BOOKINGS_STREAM)))
}

/// Publishes what the outbox holds unsent, in order, each marked with its stream sequence once
/// acknowledged; returns how many. The caller holds the publishing lock ([`publisher`]).
pub async fn publish_pending(db: &Client, js: &jetstream::Context) -> Result<usize, HqError> {
    let rows = db
        .query(
            "SELECT id, hall, body::text FROM booking_outbox WHERE stream_seq IS NULL
             ORDER BY id LIMIT 256",
            &[],
        )
        .await?;
    for row in &rows {
        let (id, hall, body): (i64, &str, &str) = (row.get(0), row.get(1), row.get(2));
        let subject = hallq_wire::booking_subject(hall)
            .map_err(|e| HqError::BadInput(format!("outbox {id}: {e}")))?;
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", format!("hq-booking-{id}").as_str());
        let ack = js
            .publish_with_headers(subject, headers, body.to_owned().into())
            .await
            .map_err(|e| HqError::Nats(format!("publishing booking change {id}: {e}")))?
            .await
            .map_err(|e| HqError::Nats(format!("booking change {id} not acknowledged: {e}")))?;
        db.execute(
            "UPDATE booking_outbox SET stream_seq = $2, published_at = now() WHERE id = $1",
            &[&id, &(ack.sequence as i64)],
        )
        .await?;
    }
    Ok(rows.len())
}

/// Runs the publisher forever: takes the publishing lock when no other HQ process holds it,
/// then publishes the outbox as it fills. Any failure (the database, the cluster) drops the
/// connection, and with it the lock, and starts again a second later.
pub async fn publisher(pg: tokio_postgres::Config, js: jetstream::Context) {
    loop {
        if let Err(e) = publish_while_holding(&pg, &js).await {
            tracing::warn!(error = %e, "booking publisher: retrying / 预约下发重试");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn publish_while_holding(
    pg: &tokio_postgres::Config,
    js: &jetstream::Context,
) -> Result<(), HqError> {
    let db = crate::serve::connect_pg(pg).await?;
    loop {
        let held: bool = db
            .query_one("SELECT pg_try_advisory_lock($1)", &[&PUBLISH_LOCK])
            .await?
            .get(0);
        if held {
            break;
        }
        tokio::time::sleep(POLL * 4).await;
    }
    stream(js).await?;
    loop {
        if publish_pending(&db, js).await? == 0 {
            tokio::time::sleep(POLL).await;
        }
    }
}

/// Per hall: changes committed, and published to the stream (the console's "sent").
pub async fn counts(db: &Client) -> Result<Vec<(String, i64, i64)>, HqError> {
    Ok(db
        .query(
            "SELECT hall, count(*), count(stream_seq) FROM booking_outbox GROUP BY hall ORDER BY hall",
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}
