//! The ingest worker: halls' batches from JetStream into the sink, each acknowledged only
//! after its outcome is committed.
//!
//! Workers share one durable pull consumer ([`CONSUMER`]) on the uplink stream, so each message
//! goes to one worker at a time, and one that dies mid-batch leaves its messages unacknowledged:
//! the server delivers them again after the ack wait, and the sink stores each event once. In
//! one process a dispatcher ([`dispatch`]) reads the consumer and hands each hall's batches to
//! one worker ([`worker_of`]), which stores them in the stream's order ([`answer`]). A
//! message is answered by its outcome:
//!
//! | outcome | answer |
//! |---|---|
//! | stored, duplicate | ack |
//! | gap, delivered fewer than [`GAP_RETRIES`] times, or the mark moved in the last [`GAP_STALL_MS`] | nak with a delay growing with the deliveries ([`gap_answer`]): with several workers, the batch before it is often only a moment behind, or a whole backlog ahead of it is being stored by another worker |
//! | gap, delivered that often and the mark still for [`GAP_STALL_MS`], or delivered [`GAP_DELIVERIES_MAX`] times (the mark crawling) | term, and a [`wire::GapNotice`] to the hall: its hub resends from the mark |
//! | not a batch, or a malformed one, or a hall publishing as another | term, logged |
//! | the database failed | nak; the worker returns the error |

use std::time::Duration;

use async_nats::jetstream::{self, AckKind, consumer, stream};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::Client;

use crate::error::HqError;
use crate::store::{Configs, Outcome, sink};
use crate::wire::{self, Batch};

/// The durable consumer the ingest workers share.
pub const CONSUMER: &str = "hq-ingest";

/// How often a batch past a gap is delivered before it may be given up: twice, so that a
/// batch that only overtook the one before it (another worker storing it at that moment) is
/// looked at again once that one is committed. The stall ([`GAP_STALL_MS`]) is what says the
/// gap is real.
pub const GAP_RETRIES: i64 = 2;

/// A batch past a gap is given up only when its journal's mark has not moved for this long.
/// Giving batches up while another worker is still storing the backlog before them made every
/// give-up a resend of the whole backlog, and a storm of them (the fault run and the catch-up
/// benchmark, docs/chain.md).
pub const GAP_STALL_MS: i64 = 5_000;

/// A batch past a gap delivered this often is given up even while its journal's mark moves:
/// the mark is crawling (about 13 s past the gap, at the delays below). A hall whose stream holds
/// hundreds of small batches past a gap got them stored one per redelivery delay, a few events
/// every 3 s, while its mark never stood still for [`GAP_STALL_MS`] (the fault run, after a
/// leader kill, a worker kill and PostgreSQL's restart: 1,591 of 3,805 events at HQ three minutes
/// after the day). Given up, the hall resends from the mark in large batches (its hub takes one
/// resend per round however many notices come).
pub const GAP_DELIVERIES_MAX: i64 = 8;

/// How long a batch past a gap waits before it is delivered again, first; each further
/// delivery waits twice as long, up to [`GAP_DELAY_MAX`]. With a fixed 300 ms, every batch a
/// hall sent past a real gap came back about 17 times before its 5 s stall was over: the fault
/// run's ingest spent 99 of every 100 messages on such batches and a hall's resend waited
/// behind them for minutes.
const GAP_DELAY: Duration = Duration::from_millis(300);

/// The longest wait of a batch past a gap between two deliveries.
const GAP_DELAY_MAX: Duration = Duration::from_secs(3);

/// What becomes of a batch past a gap, delivered `delivered` times, its journal's mark still
/// for `stalled_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapAnswer {
    /// Delivered again after this long.
    Again(Duration),
    /// Given up: the hall is told, and resends from the mark.
    GiveUp,
}

/// The rule of the module's table for a batch past a gap.
pub fn gap_answer(delivered: i64, stalled_ms: i64) -> GapAnswer {
    if delivered >= GAP_RETRIES && (stalled_ms >= GAP_STALL_MS || delivered >= GAP_DELIVERIES_MAX) {
        return GapAnswer::GiveUp;
    }
    // 300 ms, 600 ms, 1.2 s, 2.4 s, then 3 s.
    let doublings = u32::try_from(delivered.clamp(1, 8) - 1).unwrap_or(0);
    GapAnswer::Again((GAP_DELAY * 2u32.pow(doublings)).min(GAP_DELAY_MAX))
}

/// How long a worker may hold a message before the server gives it to another: far longer
/// than a batch's transaction takes (milliseconds; a batch given to a second worker meanwhile
/// is stored once all the same), short enough that a killed worker's batches come back before
/// its halls' marks look stuck (at 30 s, the fault run's halls stalled past their day).
const ACK_WAIT: Duration = Duration::from_secs(15);

/// What one call of [`ingest`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct IngestStats {
    /// Messages taken.
    pub messages: u64,
    /// Events inserted.
    pub events: u64,
    /// Batches already stored.
    pub duplicates: u64,
    /// Batches past a gap (delivered again later, or given up).
    pub gaps: u64,
    /// Messages that were no batch, or a malformed one.
    pub refused: u64,
}

/// The uplink stream (made if missing): every hall's subject, 3 replicas on file storage,
/// work-queue retention (a batch leaves the stream once an ingest worker acknowledged it: the
/// hall's journal, not the stream, keeps the history), a two-minute duplicate window.
pub async fn stream(js: &jetstream::Context) -> Result<stream::Stream, HqError> {
    js.get_or_create_stream(stream::Config {
        name: wire::STREAM.into(),
        subjects: vec![wire::SUBJECTS.into()],
        num_replicas: 3,
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::WorkQueue,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .map_err(|e| HqError::Nats(format!("stream {}: {e}", wire::STREAM)))
}

/// The workers' shared durable consumer (made if missing), explicit acks.
pub async fn consumer(js: &jetstream::Context) -> Result<consumer::PullConsumer, HqError> {
    let s = stream(js).await?;
    s.get_or_create_consumer(
        CONSUMER,
        consumer::pull::Config {
            durable_name: Some(CONSUMER.into()),
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: ACK_WAIT,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| HqError::Nats(format!("consumer {CONSUMER}: {e}")))
}

/// How long [`consumer_when_ready`] waits for JetStream at start.
pub const READY_WITHIN: Duration = Duration::from_secs(120);

/// [`consumer`], asked again every second while JetStream does not answer (a cluster still
/// electing its leaders after a node's start or loss answers "request timed out"), for at most
/// `within`. Two ingest processes started beside a cluster just formed both met that timeout,
/// and one of them exited (the fault run).
pub async fn consumer_when_ready(
    js: &jetstream::Context,
    within: Duration,
) -> Result<consumer::PullConsumer, HqError> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match consumer(js).await {
            Ok(c) => return Ok(c),
            Err(e) if tokio::time::Instant::now() < deadline => {
                tracing::warn!(error = %e, "JetStream not ready, asking again in 1 s / JetStream 尚未就绪，1 秒后重试");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Takes up to `max` messages (waiting at most `wait` for them) and answers each by its
/// outcome ([`answer`]). Returns what it did, or the database's error after naking the message
/// it failed on (the ones after it come back after the ack wait).
pub async fn ingest(
    consumer: &consumer::PullConsumer,
    client: &mut Client,
    configs: &Configs,
    max: usize,
    wait: Duration,
) -> Result<IngestStats, HqError> {
    let nats = |e: &dyn std::fmt::Display| HqError::Nats(e.to_string());
    let mut stats = IngestStats::default();
    let mut messages = consumer
        .fetch()
        .max_messages(max)
        .expires(wait)
        .messages()
        .await
        .map_err(|e| nats(&e))?;
    while let Some(m) = messages.next().await {
        let m = m.map_err(|e| nats(&e))?;
        answer(&m, client, configs, &mut stats).await?;
    }
    Ok(stats)
}

/// Stores one message's batch and answers the message by the outcome (the module's table),
/// counting in `stats`. On a database error the message is naked (delivered again at once) and
/// the error returned.
pub async fn answer(
    m: &jetstream::Message,
    client: &mut Client,
    configs: &Configs,
    stats: &mut IngestStats,
) -> Result<(), HqError> {
    let nats = |e: &dyn std::fmt::Display| HqError::Nats(e.to_string());
    stats.messages += 1;
    let batch = match decode(&m.subject, &m.payload) {
        Ok(b) => b,
        Err(reason) => {
            tracing::warn!(subject = %m.subject, %reason, "not a batch: dropped");
            stats.refused += 1;
            return m.ack_with(AckKind::Term).await.map_err(|e| nats(&e));
        }
    };
    let answer = match sink(client, &batch, configs).await {
        Ok(report) => match report.outcome {
            Outcome::Stored { inserted, .. } => {
                stats.events += inserted;
                AckKind::Ack
            }
            Outcome::Duplicate => {
                stats.duplicates += 1;
                AckKind::Ack
            }
            Outcome::Gap {
                expected,
                stalled_ms,
                ..
            } => {
                stats.gaps += 1;
                let delivered = m.info().map(|i| i.delivered).unwrap_or(GAP_RETRIES);
                match gap_answer(delivered, stalled_ms) {
                    GapAnswer::Again(delay) => AckKind::Nak(Some(delay)),
                    GapAnswer::GiveUp => {
                        tracing::warn!(hall = %batch.hall, epoch = %batch.epoch, expected,
                            delivered, "gap in a hall's upload: batch given up, the hall resends");
                        tell_gap(&m.context.client(), &batch, expected).await;
                        AckKind::Term
                    }
                }
            }
        },
        Err(e @ HqError::BadBatch { .. }) => {
            tracing::warn!(error = %e, "malformed batch: dropped");
            stats.refused += 1;
            AckKind::Term
        }
        Err(e) => {
            // Not stored: delivered again, to this worker or another.
            let _ = m.ack_with(AckKind::Nak(None)).await;
            return Err(e);
        }
    };
    m.ack_with(answer).await.map_err(|e| nats(&e))
}

/// How many messages wait for one worker at most: the dispatcher stops fetching while a
/// worker's queue is full, so a message never waits long enough in it for its ack wait to pass
/// (a batch takes milliseconds to store).
pub const QUEUE_PER_WORKER: usize = 8;

/// The worker of `workers` that stores hall `hall`'s batches: the same one for every batch of
/// the hall (a stable hash of its id), so that a hall's consecutive batches are stored one after
/// the other by one worker, in the stream's order, and never meet a gap that is only the batch
/// before them held in another worker's hands.
pub fn worker_of(hall: &str, workers: usize) -> usize {
    // FNV-1a: stable across runs and builds (the std hasher's is not promised to be).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in hall.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % workers.max(1) as u64) as usize
}

/// Fetches up to `max` messages (waiting at most `wait`) from the shared consumer and hands
/// each to the worker of its hall ([`worker_of`], by the message's subject) through `queues`,
/// in the order the stream gave them. Returns how many it handed on; an error when the
/// consumer cannot be read or every worker is gone.
pub async fn dispatch(
    consumer: &consumer::PullConsumer,
    queues: &[mpsc::Sender<jetstream::Message>],
    max: usize,
    wait: Duration,
) -> Result<u64, HqError> {
    let nats = |e: &dyn std::fmt::Display| HqError::Nats(e.to_string());
    let mut messages = consumer
        .fetch()
        .max_messages(max)
        .expires(wait)
        .messages()
        .await
        .map_err(|e| nats(&e))?;
    let mut handed = 0;
    while let Some(m) = messages.next().await {
        let m = m.map_err(|e| nats(&e))?;
        // A subject that names no hall goes to worker 0, which refuses it.
        let hall = wire::hall_of(&m.subject).unwrap_or("");
        let to = &queues[worker_of(hall, queues.len())];
        to.send(m)
            .await
            .map_err(|_| HqError::Nats("an ingest worker is gone".into()))?;
        handed += 1;
    }
    Ok(handed)
}

/// Tells the hall's hub that its batch past a gap was given up, so that it resends from
/// `expected` now rather than at its next question for the mark. Plain NATS: a notice lost (the
/// hub away) is made up for by the question the hub asks when it reconnects.
async fn tell_gap(client: &async_nats::Client, batch: &Batch, expected: i64) {
    let Ok(subject) = wire::gap_subject(&batch.hall) else {
        return;
    };
    let notice = wire::GapNotice {
        epoch: batch.epoch.clone(),
        expected,
    };
    let body = serde_json::to_vec(&notice).unwrap_or_default();
    if let Err(e) = client.publish(subject, body.into()).await {
        tracing::warn!(hall = %batch.hall, error = %e, "cannot tell a hall of its gap");
    }
}

/// A message's batch, de-identified, or why it is none.
fn decode(subject: &str, payload: &[u8]) -> Result<Batch, String> {
    let mut batch: Batch = serde_json::from_slice(payload).map_err(|e| e.to_string())?;
    // A hall publishes on its own subject only (the server's permissions will say so too).
    let expected = wire::subject(&batch.hall).map_err(|e| e.to_string())?;
    if subject != expected {
        return Err(format!(
            "hall {} published on {subject}, not {expected}",
            batch.hall
        ));
    }
    for e in &mut batch.events {
        e.body = wire::deidentify(std::mem::take(&mut e.body));
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_past_a_gap_is_given_up_when_seen_again_and_the_mark_stalled_or_crawled() {
        assert_eq!(gap_answer(1, 60_000), GapAnswer::Again(GAP_DELAY));
        assert_eq!(
            gap_answer(GAP_DELIVERIES_MAX - 1, GAP_STALL_MS - 1),
            GapAnswer::Again(GAP_DELAY_MAX)
        );
        assert_eq!(gap_answer(GAP_RETRIES, GAP_STALL_MS), GapAnswer::GiveUp);
        // The mark moved a moment ago, but this batch has waited past the gap long enough.
        assert_eq!(gap_answer(GAP_DELIVERIES_MAX, 0), GapAnswer::GiveUp);
    }

    #[test]
    fn every_batch_of_a_hall_goes_to_one_worker_and_halls_spread_over_them() {
        for workers in [1, 2, 4, 7] {
            let mut used = vec![0; workers];
            for i in 0..200 {
                let hall = format!("gd-gz-{i:04}");
                let w = worker_of(&hall, workers);
                assert_eq!(w, worker_of(&hall, workers), "{hall}");
                used[w] += 1;
            }
            // Each worker gets a fair share (200 halls: at least a third of an even share).
            assert!(
                used.iter().all(|n| *n * 3 * workers >= 200),
                "{workers} workers: {used:?}"
            );
        }
    }

    #[test]
    fn a_batch_past_a_gap_comes_back_a_few_times_not_dozens_within_the_stall() {
        // Deliveries of one batch while the mark stands still, until it is given up.
        let (mut waited, mut delivered) = (Duration::ZERO, 1);
        while let GapAnswer::Again(delay) = gap_answer(delivered, waited.as_millis() as i64) {
            waited += delay;
            delivered += 1;
        }
        assert!(delivered <= 6, "{delivered} deliveries");
        assert!(waited.as_millis() as i64 >= GAP_STALL_MS);
    }
}
