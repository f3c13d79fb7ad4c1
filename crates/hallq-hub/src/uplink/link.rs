//! [`run`]: the uplink task (the module's text in `uplink/mod.rs` says what it guarantees).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::connection::State;
use async_nats::{Client, ConnectOptions, Event, ServerAddr};
use futures_util::StreamExt;
use hallq_journal::{Journal, JournalError};
use hallq_proto::Timestamp;
use hallq_proto::state::UplinkState;
use hallq_wire::{Batch, GapNotice, LiveStatus, MarkReply, MarkRequest, UpEvent};
use tokio::sync::{mpsc, watch};

use super::{Floor, UplinkSection};
use crate::clock::Clock;
use crate::config::HallConfig;
use crate::datadir::JOURNAL_FILE;
use crate::metrics::Metrics;

/// How long a mark request or a batch's acknowledgement may take before the hub takes the link
/// for broken and asks the mark again.
const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// The most bytes of event bodies one batch carries, below NATS' 1 MiB message limit whatever
/// `batch_max` says.
const BATCH_BYTES: usize = 512 * 1024;

/// After a failure, the first pause before trying again; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The uplink's state changes reach the hub's retained status at most this often while only
/// `behind` moves (the link coming or going, and catching up, go at once).
const STATUS_EVERY: Duration = Duration::from_secs(2);

/// What the uplink task needs from the hub.
pub struct Uplink {
    /// The hall: its id, name and data directory, and `[uplink]`.
    pub config: Arc<HallConfig>,
    /// The hub's clock, for the status's times.
    pub clock: Arc<dyn Clock>,
    /// The writer's [`Floor`] after each batch.
    pub floor: watch::Receiver<Floor>,
    /// Where the uplink's gauges go.
    pub metrics: Arc<Metrics>,
    /// Hands a changed [`UplinkState`] to the writer, which publishes `state/hub` with it. Never
    /// blocks: a full writer queue drops the update, and the next one carries the news.
    pub report: Box<dyn Fn(UplinkState) + Send + Sync>,
    /// Hands HQ's configuration documents to the writer (configuration down). Never blocks: a
    /// dropped offer is made again at the next fetch.
    pub offer: Arc<dyn Fn(crate::hqconfig::Offer) + Send + Sync>,
    /// With `[booking]`: hands HQ's booking key for the hall to the writer
    /// (`crate::booking::hqkey`). Never blocks, like `offer`.
    pub booking_key: Option<Arc<dyn Fn(hallq_wire::HallBookingKey) + Send + Sync>>,
    /// With `[phone]` on: the ticket pages' board for HQ, and where HQ's pages' requests go.
    pub pages: Option<super::Pages>,
    /// With `[booking] master = "hq"`: where the bookings from HQ go (the writer).
    pub bookings: Option<super::bookings::Hand>,
}

impl std::fmt::Debug for Uplink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uplink").finish_non_exhaustive()
    }
}

/// Where the link stands.
struct Link {
    section: UplinkSection,
    hall: String,
    epoch: String,
    /// The last seq HQ acknowledged; `None`: ask HQ's mark before sending.
    acked: Option<i64>,
    /// The journal's last seq, as last read.
    last_seq: i64,
    last_ack: Option<Timestamp>,
    /// No attempt before this instant (after a failure).
    retry_at: Option<Instant>,
    backoff: Duration,
    /// What the retained status last said, and when.
    reported: Option<(UplinkState, Instant)>,
    /// When the live status was last sent, and what it said of the floor, the link and the
    /// bookings journaled.
    status_sent: Option<(Instant, Floor, bool, Option<u64>)>,
    /// With HQ as booking master: the last stream sequence of HQ's bookings journaled.
    bookings_seq: Option<super::bookings::Journaled>,
    /// This run of the uplink (random) and how many times it has started again from HQ's
    /// mark: part of each batch's `Nats-Msg-Id` (see [`publish`]).
    run: String,
    round: u64,
    /// Where the current round started sending from (HQ's mark + 1), and when.
    round_from: Option<(i64, Instant)>,
    /// A gap notice came in the quiet after a round started: the mark is asked again then.
    gap_recheck: Option<Instant>,
}

/// A gap notice for a seq the current round already resends from waits until this long after
/// the round started, and then the mark is asked once for all such notices: with several
/// ingest workers, every batch of the old round that was past the gap is given up in turn, and
/// restarting at each notice resent the backlog over and over (the fault run, docs/chain.md).
/// Asking the mark then, rather than ignoring the notice, still mends a batch of this round
/// that was lost.
const GAP_QUIET: Duration = Duration::from_secs(10);

/// Runs the uplink until `stop` turns true. Failures (HQ away, a refused batch, a journal read)
/// are logged and retried; the hall is never told to stop serving.
pub async fn run(mut uplink: Uplink, mut stop: watch::Receiver<bool>) {
    let Some(section) = uplink.config.uplink.clone() else {
        return;
    };
    let hall = uplink.config.hall.id.to_string();
    let path = uplink.config.hub.data_dir.join(JOURNAL_FILE);
    let opened = tokio::task::spawn_blocking(move || -> Result<_, JournalError> {
        let j = Journal::open_read_only(&path)?;
        let epoch = j.epoch()?;
        Ok((j, epoch))
    })
    .await;
    let (journal, epoch) = match opened {
        Ok(Ok(opened)) => opened,
        Ok(Err(error)) => {
            tracing::error!(%error, "the uplink cannot read the journal: nothing goes to HQ / 总部上传无法读取日志");
            return;
        }
        Err(_) => return,
    };
    let journal = Arc::new(Mutex::new(journal));
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let client = match connect(&section, &hall, events_tx).await {
        Ok(c) => c,
        Err(error) => {
            tracing::error!(%error, "the uplink cannot start: nothing goes to HQ / 总部连接无法启动");
            return;
        }
    };
    tracing::info!(servers = ?section.servers, %epoch, "uplink to HQ started / 总部上传已启动");
    let down = tokio::spawn(super::down::watch(
        client.clone(),
        hall.clone(),
        section.region.clone(),
        Arc::clone(&uplink.offer),
        uplink.booking_key.clone(),
        stop.clone(),
    ));
    let pages = uplink.pages.take().map(|p| {
        tokio::spawn(super::pages::run(
            client.clone(),
            hall.clone(),
            p,
            stop.clone(),
        ))
    });
    let mut bookings_seq = None;
    let bookings = match uplink.bookings.take() {
        Some(hand) => {
            let journaled = match read(&journal, super::bookings::journaled_seq).await {
                Ok(seq) => {
                    let j = Arc::new(std::sync::atomic::AtomicU64::new(seq));
                    bookings_seq = Some(Arc::clone(&j));
                    j
                }
                Err(error) => {
                    // Not reported rather than reported wrong: the console says so.
                    tracing::warn!(%error, "the journaled bookings cannot be read; not reported to HQ");
                    Arc::default()
                }
            };
            Some(tokio::spawn(super::bookings::run(
                client.clone(),
                hall.clone(),
                hand,
                journaled,
                stop.clone(),
            )))
        }
        None => None,
    };
    let mut gaps = match hallq_wire::gap_subject(&hall) {
        Ok(subject) => client.subscribe(subject).await.ok(),
        Err(_) => None,
    };
    let mut floor = uplink.floor.clone();
    // Whether the writer is still there to tell of new events (it stops before the uplink only
    // when it stopped serving).
    let mut writer_there = true;
    let mut link = Link {
        hall,
        epoch,
        acked: None,
        last_seq: 0,
        last_ack: None,
        retry_at: None,
        backoff: FIRST_BACKOFF,
        reported: None,
        status_sent: None,
        bookings_seq,
        run: crate::secret::random(),
        round: 0,
        round_from: None,
        gap_recheck: None,
        section,
    };
    loop {
        let connected = client.connection_state() == State::Connected;
        let ready = link.retry_at.is_none_or(|at| Instant::now() >= at);
        let work = connected && ready && link.acked.is_none_or(|a| a < link.last_seq);
        let wait = if work {
            Duration::ZERO
        } else {
            link.section.interval().min(link.section.status_interval())
        };
        tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => break,
            Some(event) = events.recv() => {
                if matches!(event, Event::Connected) {
                    // Whatever was in flight may or may not have reached HQ: ask.
                    link.acked = None;
                    link.retry_at = None;
                }
                tracing::info!(%event, "uplink / 总部连接");
            }
            Some(m) = next_gap(&mut gaps) => {
                if let Ok(gap) = serde_json::from_slice::<GapNotice>(&m.payload)
                    && gap.epoch == link.epoch
                {
                    if let Some((from, at)) = link.round_from
                        && from <= gap.expected
                        && at.elapsed() < GAP_QUIET
                    {
                        tracing::debug!(expected = gap.expected, "HQ gave up a batch past a gap this round resends: its mark is asked again after the quiet");
                        link.gap_recheck.get_or_insert(at + GAP_QUIET);
                    } else {
                        tracing::warn!(expected = gap.expected, "HQ gave up a batch past a gap: resending from its mark / 总部报告缺口，从其位置重新上传");
                        link.acked = None;
                    }
                }
            }
            changed = floor.changed(), if writer_there => writer_there = changed.is_ok(),
            () = tokio::time::sleep(wait) => {}
        }
        if link.gap_recheck.is_some_and(|at| Instant::now() >= at) {
            link.gap_recheck = None;
            link.acked = None;
        }
        let journal = Arc::clone(&journal);
        link.last_seq = match read(&journal, |j| j.last_seq()).await {
            Ok(seq) => seq,
            Err(error) => {
                tracing::warn!(%error, "the uplink cannot read the journal");
                link.failed();
                continue;
            }
        };
        let connected = client.connection_state() == State::Connected;
        if connected && link.retry_at.is_none_or(|at| Instant::now() >= at) {
            if link.acked.is_none() {
                ask_mark(&client, &mut link).await;
            } else if link.acked.is_some_and(|a| a < link.last_seq) {
                send_batch(&client, &journal, &mut link, &uplink).await;
            }
        }
        report(&uplink, &mut link, connected);
        let now = uplink.clock.now();
        let current = floor.borrow().clone();
        send_status(&client, &mut link, &uplink.config, current, now, connected).await;
    }
    // Pending acknowledgements and statuses are not waited for: the mark says at the next start.
    down.abort();
    if let Some(p) = pages {
        p.abort();
    }
    if let Some(b) = bookings {
        b.abort();
    }
    drop(client);
}

async fn next_gap(gaps: &mut Option<async_nats::Subscriber>) -> Option<async_nats::Message> {
    match gaps {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}

/// The NATS client, connecting in the background and again after every loss, to the configured
/// servers only.
async fn connect(
    section: &UplinkSection,
    hall: &str,
    events: mpsc::UnboundedSender<Event>,
) -> Result<Client, String> {
    let servers = section
        .servers
        .iter()
        .map(|s| s.parse::<ServerAddr>().map_err(|e| format!("{s}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let inbox = hallq_wire::inbox_prefix(hall).map_err(|e| e.to_string())?;
    let mut options = ConnectOptions::new()
        .name(format!("hallq-hub-{hall}"))
        .custom_inbox_prefix(inbox)
        .ignore_discovered_servers()
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connection_timeout(Duration::from_secs(5))
        // A link that goes silent (a cable, a firewall) is found within two pings.
        .ping_interval(Duration::from_secs(10))
        .reconnect_delay_callback(|attempts| {
            let ms = 250u64.saturating_mul(1 << attempts.min(5));
            Duration::from_millis(ms.min(5_000))
        })
        .event_callback(move |event| {
            let events = events.clone();
            async move {
                let _ = events.send(event);
            }
        });
    if let (Some(user), Some(password)) = (&section.user, &section.password) {
        options = options.user_and_password(user.clone(), password.0.clone());
    }
    if let Some(ca) = &section.tls_ca {
        options = options.add_root_certificates(ca.clone());
    }
    if section.tls() {
        options = options.require_tls(true);
    }
    options.connect(servers).await.map_err(|e| e.to_string())
}

/// Runs `f` on the journal in a blocking thread: SQLite never runs on the async threads.
async fn read<T: Send + 'static>(
    journal: &Arc<Mutex<Journal>>,
    f: impl FnOnce(&Journal) -> Result<T, JournalError> + Send + 'static,
) -> Result<T, String> {
    let journal = Arc::clone(journal);
    tokio::task::spawn_blocking(move || {
        let j = journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&j).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

impl Link {
    fn failed(&mut self) {
        self.retry_at = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    fn succeeded(&mut self) {
        self.retry_at = None;
        self.backoff = FIRST_BACKOFF;
    }

    fn state(&self, connected: bool) -> UplinkState {
        UplinkState {
            connected,
            behind: self.last_seq - self.acked.unwrap_or(0).min(self.last_seq),
            last_ack_ms: self.last_ack,
        }
    }
}

/// Asks HQ for its mark of this journal; from there on, `acked` is it.
async fn ask_mark(client: &Client, link: &mut Link) {
    let Ok(subject) = hallq_wire::mark_subject(&link.hall) else {
        return;
    };
    let body = serde_json::to_vec(&MarkRequest {
        epoch: link.epoch.clone(),
    })
    .unwrap_or_default();
    let answer = tokio::time::timeout(ANSWER_WAIT, client.request(subject, body.into())).await;
    let reply = match answer {
        Ok(Ok(m)) => serde_json::from_slice::<MarkReply>(&m.payload).map_err(|e| e.to_string()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer".into()),
    };
    match reply {
        Ok(MarkReply { error: None, seq }) => {
            tracing::info!(
                mark = seq,
                "HQ holds the journal up to its mark / 总部已存至"
            );
            link.acked = Some(seq);
            link.round += 1;
            link.round_from = Some((seq + 1, Instant::now()));
            link.gap_recheck = None;
            link.succeeded();
        }
        Ok(MarkReply { error: Some(e), .. }) | Err(e) => {
            tracing::warn!(error = %e, "HQ did not say its mark; asking again later / 未取得总部位置，稍后重试");
            link.failed();
        }
    }
}

/// Reads the events after `acked`, sends them as one batch and waits for JetStream's
/// acknowledgement; on any failure, asks the mark again before the next batch.
async fn send_batch(client: &Client, journal: &Arc<Mutex<Journal>>, link: &mut Link, u: &Uplink) {
    let Some(acked) = link.acked else { return };
    let max = link.section.batch_max;
    let events = match read(journal, move |j| events_from(j, acked + 1, max)).await {
        Ok(e) if !e.is_empty() => e,
        Ok(_) => return,
        Err(error) => {
            tracing::warn!(%error, "the uplink cannot read the journal");
            link.failed();
            return;
        }
    };
    let batch = Batch {
        hall: link.hall.clone(),
        epoch: link.epoch.clone(),
        events,
    };
    let last = batch.events.last().map_or(acked, |e| e.seq);
    let count = batch.events.len() as u64;
    let msg_id = format!("{}:{}.{}", batch.msg_id(), link.run, link.round);
    match publish(client, &batch, &msg_id).await {
        Ok(()) => {
            link.acked = Some(last);
            link.last_ack = Some(u.clock.now());
            link.succeeded();
            if let Some(m) = &u.metrics.uplink {
                m.sent.inc_by(count);
                let unix_s = link.last_ack.map_or(0, |t| t.0 / 1000);
                m.last_ack.set(unix_s);
            }
        }
        Err(error) => {
            tracing::warn!(%error, first = acked + 1, last, "a batch did not reach HQ; asking its mark again / 批次未送达总部");
            link.acked = None;
            link.failed();
        }
    }
}

/// Publishes `batch` with `msg_id`. The id names the batch's events *and* the round it is sent
/// in: a batch sent again from HQ's mark (after a gap, a reconnect or a restart) must reach HQ
/// even when the same events were sent, and given up, within the stream's duplicate window —
/// with the events alone as id the server would drop the resend as a duplicate and the gap
/// would stay open until the window passed (seen in the chain demo with two ingest workers).
async fn publish(client: &Client, batch: &Batch, msg_id: &str) -> Result<(), String> {
    let subject = hallq_wire::subject(&batch.hall).map_err(|e| e.to_string())?;
    let payload = serde_json::to_vec(batch).map_err(|e| e.to_string())?;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", msg_id);
    let mut js = async_nats::jetstream::new(client.clone());
    js.set_timeout(ANSWER_WAIT);
    let ack = js
        .publish_with_headers(subject, headers, payload.into())
        .await
        .map_err(|e| e.to_string())?;
    ack.await.map(|_| ()).map_err(|e| e.to_string())
}

/// Up to `max` events from `from` on, as they leave the hall: the journal's columns, the body
/// de-identified; fewer if their bodies pass [`BATCH_BYTES`].
fn events_from(j: &Journal, from: i64, max: usize) -> Result<Vec<UpEvent>, JournalError> {
    let mut stmt = j.connection().prepare_cached(
        "SELECT seq, at_ms, day, type, body FROM events WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
    )?;
    let limit = i64::try_from(max).unwrap_or(i64::MAX);
    let mut rows = stmt.query([from, limit])?;
    let mut out = Vec::new();
    let mut bytes = 0;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let body: String = r.get(4)?;
        bytes += body.len();
        if bytes > BATCH_BYTES && !out.is_empty() {
            break;
        }
        let body = serde_json::from_str(&body).map_err(|source| JournalError::Json {
            seq: Some(seq),
            source,
        })?;
        out.push(UpEvent {
            seq,
            at_ms: r.get(1)?,
            day: r.get(2)?,
            kind: r.get(3)?,
            body: hallq_wire::deidentify(body),
        });
    }
    Ok(out)
}

/// Tells the writer (hence `state/hub`) and the metrics where the link stands: at once when it
/// comes or goes or catches up, else at most every [`STATUS_EVERY`].
fn report(u: &Uplink, link: &mut Link, connected: bool) {
    let state = link.state(connected);
    if let Some(m) = &u.metrics.uplink {
        m.connected.set(i64::from(connected));
        m.behind.set(state.behind);
    }
    let due = match &link.reported {
        None => true,
        Some((was, at)) => {
            was.connected != state.connected
                || (was.behind == 0) != (state.behind == 0)
                || (*was != state && at.elapsed() >= STATUS_EVERY)
        }
    };
    if due {
        (u.report)(state);
        link.reported = Some((state, Instant::now()));
    }
}

/// Sends the hall's [`LiveStatus`] when the floor or the link changed (at most once a second)
/// and every `status_interval_s` anyway. Plain NATS: a lost one is replaced by the next.
async fn send_status(
    client: &Client,
    link: &mut Link,
    config: &HallConfig,
    floor: Floor,
    now: Timestamp,
    connected: bool,
) {
    if !connected {
        return;
    }
    let behind_zero = link.state(connected).behind == 0;
    let bookings = link
        .bookings_seq
        .as_ref()
        .map(|s| s.load(std::sync::atomic::Ordering::Relaxed));
    let due = match &link.status_sent {
        None => true,
        Some((at, was, was_zero, was_bookings)) => {
            let changed = *was != floor || *was_zero != behind_zero || *was_bookings != bookings;
            at.elapsed() >= link.section.status_interval()
                || (changed && at.elapsed() >= Duration::from_secs(1))
        }
    };
    if !due {
        return;
    }
    let Ok(subject) = hallq_wire::status_subject(&link.hall) else {
        return;
    };
    let longest = floor
        .oldest_waiting
        .map_or(0, |t| (now.0 - t.0).max(0) / 1000);
    let status = LiveStatus {
        hall: link.hall.clone(),
        region: link.section.region.clone(),
        name: config.hall.name.zh.clone(),
        sent_ms: now.0,
        day: floor.day,
        epoch: link.epoch.clone(),
        last_seq: link.last_seq,
        uplink_behind: link.state(connected).behind,
        waiting: floor.waiting,
        longest_wait_s: u32::try_from(longest).unwrap_or(u32::MAX),
        counters_open: floor.counters_open,
        devices_offline: floor.devices_offline,
        config: Some(floor.config.clone()),
        bookings: bookings.map(|seq| hallq_wire::BookingsReport { seq }),
    };
    let body = serde_json::to_vec(&status).unwrap_or_default();
    if let Err(error) = client.publish(subject, body.into()).await {
        tracing::debug!(%error, "live status not sent");
        return;
    }
    link.status_sent = Some((Instant::now(), floor, behind_zero, bookings));
}
