//! Each hall's booking key handed to its hall (docs/booking.md, "At HQ"): HQ knows a booking's
//! customer by a hash of the number under `k_h` ([`super::Keys`]); the hall's hub needs `k_h`
//! to hash a number typed at its kiosk the same way, or check-in by number would not find the
//! bookings HQ sold.
//!
//! Chosen: HQ puts it itself, for every hall it sells for (`[booking.halls]`), when an ingest
//! process starts and until each is in place, as `bookingkey.<hall>` in the configuration
//! bucket (hallq-wire's [`HallBookingKey`]); nothing for the operator to publish. Not in the
//! hall's configuration document: that is journaled, uploaded, stored and shown in the clear.
//! Only the hall's own NATS user may read the key (deploy/nats/hallq-hq.conf). The log names
//! the halls, never a key.

use std::time::Duration;

use async_nats::jetstream::{self, kv};
use hallq_wire::{CONFIG_BUCKET, HallBookingKey, booking_key_key};

use super::Keys;
use crate::error::HqError;

/// After a failure (the cluster not up yet), the next try.
const RETRY: Duration = Duration::from_secs(2);

/// Puts each of `halls`' keys until every one is in place, then returns.
pub async fn hand_down(js: jetstream::Context, keys: Keys, halls: Vec<String>) {
    loop {
        match put_keys(&js, &keys, &halls).await {
            Ok(put) => {
                if put > 0 {
                    tracing::info!(
                        put,
                        halls = halls.len(),
                        "halls' booking keys handed down / 各厅预约密钥已下发"
                    );
                }
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "halls' booking keys not handed down yet: retrying / 预约密钥下发重试")
            }
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// Puts the key of each of `halls` whose value in the bucket is missing or another; returns
/// how many it put.
pub async fn put_keys(
    js: &jetstream::Context,
    keys: &Keys,
    halls: &[String],
) -> Result<usize, HqError> {
    let store = crate::bus::key_value(js, CONFIG_BUCKET, crate::config::HISTORY).await?;
    let mut put = 0;
    for hall in halls {
        let want = HallBookingKey::new(hall, &keys.hall_key(hall));
        let name = booking_key_key(hall);
        let have = store
            .entry(&name)
            .await
            .map_err(|e| HqError::Nats(format!("reading {name}: {e}")))?
            .filter(|e| e.operation == kv::Operation::Put)
            .and_then(|e| serde_json::from_slice::<HallBookingKey>(&e.value).ok());
        if have.as_ref() == Some(&want) {
            continue;
        }
        let body = serde_json::to_vec(&want).map_err(|e| HqError::BadInput(e.to_string()))?;
        store
            .put(&name, body.into())
            .await
            .map_err(|e| HqError::Nats(format!("putting {name}: {e}")))?;
        put += 1;
    }
    Ok(put)
}
