//! Bookings down from HQ, where HQ is the hall's booking master (`[booking] master = "hq"`,
//! docs/booking.md "At HQ"): a durable pull consumer of the hall's own (`booking-<hall>`) on
//! `hallq.booking.<hall>` in HQ's stream `HALLQ_BOOKINGS`. Each change goes to the writer,
//! which journals it under the command id `hq-booking-<stream sequence>`; the message is
//! acknowledged only once that commit is done. A change delivered again (the ack lost, the hub
//! restarted before it) is found in the journal by its command id and journaled no second
//! time, so each is applied once; a hub offline for days gets every change when back, in order.
//!
//! How far the journal has them ([`journaled_seq`], then each commit) goes up in the hall's live
//! status, for HQ's console ("bookings: N sent, M in the hall's journal").

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_nats::Client;
use async_nats::jetstream::{self, AckKind, consumer};
use futures_util::StreamExt;
use hallq_journal::{Journal, JournalError};
use tokio::sync::{oneshot, watch};

/// A change from HQ on its way to the writer.
#[derive(Debug)]
pub struct FromHq {
    /// Its stream sequence: the command id `hq-booking-<seq>`.
    pub seq: u64,
    /// The booking as HQ now has it.
    pub change: hallq_booking::MasterChange,
    /// Told `true` once the change is in the journal (then the message is acknowledged).
    pub done: oneshot::Sender<bool>,
}

/// Hands a change to the writer; `false` if the writer is gone.
pub type Hand = Arc<dyn Fn(FromHq) -> bool + Send + Sync>;

/// How long a delivered change may wait for its acknowledgement before JetStream sends it
/// again (the writer commits in milliseconds; a hub under a full disk retries).
const ACK_WAIT: Duration = Duration::from_secs(30);

/// After a failure (HQ's stream not there yet, the link away), the next try.
const RETRY: Duration = Duration::from_secs(2);

/// The last stream sequence whose change is in the journal, as the live status reports it.
pub type Journaled = Arc<AtomicU64>;

/// The last stream sequence of HQ's bookings in `journal`: the highest `hq-booking-<seq>`
/// command id (every change delivered is journaled as a command, with or without events); 0
/// before the first.
pub(super) fn journaled_seq(journal: &Journal) -> Result<u64, JournalError> {
    let prefix = format!("{}-", crate::booking::HQ_DEVICE);
    let seq: i64 = journal.connection().query_row(
        "SELECT coalesce(max(CAST(substr(command_id, length(?2) + 1) AS INTEGER)), 0)
         FROM commands WHERE device = ?1",
        [crate::booking::HQ_DEVICE, prefix.as_str()],
        |r| r.get(0),
    )?;
    Ok(u64::try_from(seq).unwrap_or(0))
}

/// Reads the hall's bookings from HQ until `stop` turns true; `journaled` follows each commit.
pub(super) async fn run(
    client: Client,
    hall: String,
    hand: Hand,
    journaled: Journaled,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => return,
            result = read(&client, &hall, &hand, &journaled) => {
                if let Err(error) = result {
                    tracing::debug!(%error, "bookings from HQ not read; trying again");
                }
            }
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            () = tokio::time::sleep(RETRY) => {}
        }
    }
}

/// Opens the consumer and hands every change on, one at a time, each acknowledged after its
/// commit; returns on the first failure.
async fn read(
    client: &Client,
    hall: &str,
    hand: &Hand,
    journaled: &Journaled,
) -> Result<(), String> {
    let js = jetstream::new(client.clone());
    let name = hallq_wire::booking_consumer(hall).map_err(|e| e.to_string())?;
    let subject = hallq_wire::booking_subject(hall).map_err(|e| e.to_string())?;
    let stream = js
        .get_stream(hallq_wire::BOOKINGS_STREAM)
        .await
        .map_err(|e| e.to_string())?;
    let consumer: consumer::PullConsumer = stream
        .get_or_create_consumer(
            &name,
            consumer::pull::Config {
                durable_name: Some(name.clone()),
                filter_subject: subject,
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: ACK_WAIT,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let mut batch = consumer
            .fetch()
            .max_messages(64)
            .expires(Duration::from_secs(5))
            .messages()
            .await
            .map_err(|e| e.to_string())?;
        while let Some(m) = batch.next().await {
            let m = m.map_err(|e| e.to_string())?;
            let seq = m.info().map_err(|e| e.to_string())?.stream_sequence;
            let change = match serde_json::from_slice::<hallq_booking::MasterChange>(&m.payload) {
                Ok(c) => c,
                Err(error) => {
                    // Never a change HQ made: taken off the stream, said in the log.
                    tracing::error!(seq, %error, "a booking message from HQ does not read; dropped / 总部预约消息无法解析");
                    m.ack_with(AckKind::Term).await.map_err(|e| e.to_string())?;
                    continue;
                }
            };
            let (done, committed) = oneshot::channel();
            if !hand(FromHq { seq, change, done }) {
                return Err("the writer is gone".into());
            }
            match committed.await {
                Ok(true) => {
                    journaled.fetch_max(seq, Ordering::Relaxed);
                    m.double_ack().await.map_err(|e| e.to_string())?;
                }
                // Not journaled (a failed commit): not acknowledged; it comes again.
                _ => return Err(format!("booking change {seq} not journaled")),
            }
        }
    }
}
