//! HQ's one-time codes in PostgreSQL (`booking_otp`, schema v10): the store under hallq-booking's
//! `OtpGuard`, whose rules are the hub's, so that a code asked at one HQ process is taken at any
//! other, once, and the per-number share is counted for all of them together.
//!
//! Each change is one transaction on the number's row, read `FOR UPDATE`: two processes taking
//! the same code at once are serialised on it, and the second finds the code gone. Rows whose
//! `purge_after` has passed are deleted on the way, skipping rows another change holds (a purge
//! never waits, so it cannot deadlock with a change).

use std::sync::Arc;

use hallq_booking::web::otp::{LiveCode, OtpChange, OtpError, OtpRecord, OtpStore};
use hallq_proto::Timestamp;
use tokio_postgres::Client;

use super::pool::Pool;

/// The records in `booking_otp`, through the booking API's connections.
#[derive(Debug)]
pub struct PgOtpStore {
    /// The booking API's pool: a code is asked or taken in a customer's request, like a booking.
    pool: Arc<Pool>,
}

impl PgOtpStore {
    /// The store on `pool`'s database.
    pub fn new(pool: Arc<Pool>) -> Self {
        Self { pool }
    }
}

#[async_trait::async_trait]
impl OtpStore for PgOtpStore {
    async fn change(&self, slot: &str, now: Timestamp, change: OtpChange) -> Result<(), OtpError> {
        let mut db = self.pool.get().await.map_err(|_| OtpError::Unavailable)?;
        match apply(db.client_mut(), slot, now, change).await {
            Ok(outcome) => outcome,
            Err(error) => {
                tracing::warn!(%error, "one-time codes: the store failed / 验证码存储失败");
                Err(OtpError::Unavailable)
            }
        }
    }
}

/// Purges, then applies `change` to the row of `slot` in one transaction; the outer `Err` is
/// the database's (nothing changed), the inner the rules' answer.
async fn apply(
    db: &mut Client,
    slot: &str,
    now: Timestamp,
    change: OtpChange,
) -> Result<Result<(), OtpError>, tokio_postgres::Error> {
    db.execute(
        "DELETE FROM booking_otp WHERE slot IN (
             SELECT slot FROM booking_otp WHERE purge_after < $1 FOR UPDATE SKIP LOCKED)",
        &[&now.0],
    )
    .await?;
    let tx = db.transaction().await?;
    // The row first made if missing, so that two first requests for a number meet on it.
    tx.execute(
        "INSERT INTO booking_otp (slot, purge_after) VALUES ($1, 0) ON CONFLICT DO NOTHING",
        &[&slot],
    )
    .await?;
    let row = tx
        .query_one(
            "SELECT sent, code_hash, expires, attempts_left FROM booking_otp
             WHERE slot = $1 FOR UPDATE",
            &[&slot],
        )
        .await?;
    let sent: Vec<i64> = row.get(0);
    let live = match (
        row.get::<_, Option<String>>(1),
        row.get::<_, Option<i64>>(2),
        row.get::<_, Option<i32>>(3),
    ) {
        (Some(hash), Some(expires), Some(left)) => Some(LiveCode {
            hash,
            expires: Timestamp(expires),
            attempts_left: u32::try_from(left).unwrap_or(0),
        }),
        _ => None,
    };
    let mut record = OtpRecord {
        sent: sent.into_iter().map(Timestamp).collect(),
        live,
    };
    let outcome = change(&mut record);
    if record.is_empty() {
        tx.execute("DELETE FROM booking_otp WHERE slot = $1", &[&slot])
            .await?;
    } else {
        let sent: Vec<i64> = record.sent.iter().map(|t| t.0).collect();
        let live = record.live.as_ref();
        tx.execute(
            "UPDATE booking_otp SET sent = $2, code_hash = $3, expires = $4, attempts_left = $5,
                 purge_after = $6 WHERE slot = $1",
            &[
                &slot,
                &sent,
                &live.map(|l| l.hash.as_str()),
                &live.map(|l| l.expires.0),
                &live.map(|l| i32::try_from(l.attempts_left).unwrap_or(i32::MAX)),
                &record.purge_after().0,
            ],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(outcome)
}
