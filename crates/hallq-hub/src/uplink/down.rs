//! Configuration down: fetching headquarters' documents for this hall (docs/chain.md,
//! "Configuration down"). Runs beside the uplink on its connection and hands every fetch to the
//! writer as an [`Offer`]; the writer decides (a revision decided already changes nothing, so a
//! fetch may be handed over any number of times). With `[booking]`, HQ's booking key for the
//! hall (`bookingkey.<hall>`, docs/booking.md "At HQ") is fetched at the same moments and handed
//! over the same way (the writer takes a key it has already as nothing).

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::Client;
use async_nats::connection::State;
use async_nats::jetstream::{self, kv};
use futures_util::StreamExt;
use hallq_wire::{CONFIG_BUCKET, HallBookingKey, Scope};
use tokio::sync::watch;

use crate::hqconfig::Offer;

/// A fetch at least this often even when no put woke the hub (a wake-up lost while the link was
/// away is made up for at the reconnect; this is the last resort).
const POLL: Duration = Duration::from_secs(60);

/// After a failed fetch (HQ's bucket not there yet, a timeout), the next try.
const RETRY: Duration = Duration::from_secs(5);

/// Fetches the documents of `hall`'s scopes (the chain, `region`, the hall) at start, at every
/// reconnect, whenever HQ puts one of them (a plain subscription to their subjects wakes it: no
/// consumer per hall on the server), and every [`POLL`]; hands each to `offer`, and the hall's
/// booking key to `booking_key` if given. Runs until `stop` turns true.
pub(super) async fn watch(
    client: Client,
    hall: String,
    region: String,
    offer: Arc<dyn Fn(Offer) + Send + Sync>,
    booking_key: Option<Arc<dyn Fn(HallBookingKey) + Send + Sync>>,
    mut stop: watch::Receiver<bool>,
) {
    let scopes = Scope::of_hall(&hall, &region);
    let mut subjects: Vec<String> = scopes.iter().map(Scope::subject).collect();
    if booking_key.is_some() {
        subjects.push(hallq_wire::booking_key_subject(&hall));
    }
    let mut wakes = Vec::new();
    for s in subjects {
        match client.subscribe(s).await {
            Ok(sub) => wakes.push(sub),
            Err(error) => tracing::warn!(%error, "cannot subscribe to HQ's configuration"),
        }
    }
    let mut wakes = futures_util::stream::select_all(wakes);
    let js = jetstream::new(client.clone());
    let mut store: Option<kv::Store> = None;
    let mut was_connected = false;
    let mut next = Instant::now();
    loop {
        let mut woken = false;
        tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => break,
            Some(_) = wakes.next() => woken = true,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        let connected = client.connection_state() == State::Connected;
        let reconnected = connected && !was_connected;
        was_connected = connected;
        if !connected || !(woken || reconnected || Instant::now() >= next) {
            continue;
        }
        next = Instant::now() + RETRY;
        if store.is_none() {
            store = js.get_key_value(CONFIG_BUCKET).await.ok();
        }
        let Some(kv) = &store else { continue };
        if let Some(hand) = &booking_key {
            match fetch_key(kv, &hall).await {
                Ok(Some(key)) => hand(key),
                Ok(None) => {}
                Err(error) => tracing::debug!(%error, "HQ's booking key not fetched; trying again"),
            }
        }
        match fetch(kv, &scopes).await {
            Ok(Some(o)) => {
                offer(o);
                next = Instant::now() + POLL;
            }
            Ok(None) => next = Instant::now() + POLL,
            Err(error) => {
                tracing::debug!(%error, "HQ's configuration not fetched; trying again");
            }
        }
    }
}

/// The documents of `scopes` and the hall's revision (the highest of their entries'); `None`
/// if HQ never published for any of them.
async fn fetch(kv: &kv::Store, scopes: &[Scope]) -> Result<Option<Offer>, String> {
    let mut rev = 0;
    let mut docs = Vec::new();
    for s in scopes {
        let entry = tokio::time::timeout(Duration::from_secs(10), kv.entry(s.key()))
            .await
            .map_err(|_| "no answer".to_owned())?
            .map_err(|e| e.to_string())?;
        let value = entry.map(|e| {
            rev = rev.max(e.revision);
            (e.operation == kv::Operation::Put).then(|| e.value.to_vec())
        });
        docs.push((s.to_string(), value.flatten()));
    }
    Ok((rev > 0).then_some(Offer { rev, docs }))
}

/// HQ's booking key for `hall`, if HQ put one.
async fn fetch_key(kv: &kv::Store, hall: &str) -> Result<Option<HallBookingKey>, String> {
    let entry = tokio::time::timeout(
        Duration::from_secs(10),
        kv.entry(hallq_wire::booking_key_key(hall)),
    )
    .await
    .map_err(|_| "no answer".to_owned())?
    .map_err(|e| e.to_string())?;
    let Some(entry) = entry.filter(|e| e.operation == kv::Operation::Put) else {
        return Ok(None);
    };
    serde_json::from_slice(&entry.value)
        .map(Some)
        .map_err(|e| format!("HQ's booking key cannot be read: {e}"))
}
