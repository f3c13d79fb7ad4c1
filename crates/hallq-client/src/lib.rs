//! The device side of the hallq contract, for kiosks, counters, displays, the simulator and tests.
//!
//! A [`DeviceClient`] is a cheap, cloneable handle in front of an event-loop task that owns the
//! MQTT connection (the rumqttc model). It:
//! - publishes the device's retained **birth** on every connect and sets its retained **will**;
//! - sends commands with an idempotency key and waits for the hub's **reply** with that id;
//! - keeps every unanswered command in an **outbox** and republishes it, with the same id, after a
//!   reconnect or a reply time-out. rumqttc forgets in-flight publishes when the broker restarts
//!   without the session (ARCHITECTURE.md), so the outbox is what makes a command survive; the hub
//!   dedupes by id, so a retry never issues a second ticket;
//! - turns the hub's retained state, call events and presence into typed [`Update`]s.
//!
//! Parts: [`ClientConfig`], [`DeviceClient`], [`Update`], [`ClientError`]; [`tls`]: the broker's
//! address ([`BrokerAddr`]) and the hall's CA a device pins over `mqtts://` ([`TlsTrust`]).

pub mod tls;

pub use tls::{BrokerAddr, TlsError, TlsTrust};

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hallq_proto::inspection::Inspections;
use hallq_proto::state::{
    Board, CallEvent, Complaints, CounterState, HubStatus, Liveness, Presence, Services,
};
use hallq_proto::topic::{self, Topic, Topics};
use hallq_proto::{Command, CommandEnvelope, CommandId, DeviceId, HallId, Reply, SCHEMA_VERSION};
use rumqttc::{AsyncClient, Event, EventLoop, LastWill, MqttOptions, NetworkOptions, Packet, QoS};
use tokio::sync::{broadcast, oneshot, watch};
use tokio::task::JoinHandle;

/// How a device reaches its hall.
#[derive(Clone)]
pub struct ClientConfig {
    /// The broker's host.
    pub host: String,
    /// The broker's port.
    pub port: u16,
    /// The hall.
    pub hall: HallId,
    /// This device; also its MQTT username and client id.
    pub device: DeviceId,
    /// The device's secret, if the broker asks for one.
    pub secret: Option<String>,
    /// The firmware profile it runs, announced in its birth.
    pub profile: Option<String>,
    /// Its software version, announced in its birth.
    pub version: String,
    /// MQTT keep-alive: how soon the broker notices the device is gone and sends its will.
    pub keep_alive: Duration,
    /// How long to wait for a reply before republishing the command (same id).
    pub reply_timeout: Duration,
    /// How many times `send` republishes before it gives up (the command stays in the outbox
    /// and goes again on the next reconnect).
    pub attempts: u32,
    /// Whether to receive the hall's retained state and call events as [`Update`]s.
    pub watch_state: bool,
    /// Whether to receive every device's presence as [`Update::Presence`] (and in
    /// [`Latest::presence`]): the supervisor console's device panel. The broker lets only a
    /// supervisor console's login read it.
    pub watch_presence: bool,
    /// Connect over TLS, trusting only this CA (the hall's, from `hallq tls init`); plain MQTT
    /// if `None`.
    pub tls: Option<TlsTrust>,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("hall", &self.hall)
            .field("device", &self.device)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("profile", &self.profile)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// A configuration with the usual timings: keep-alive 5 s, reply time-out 2 s, 3 attempts.
    pub fn new(host: impl Into<String>, port: u16, hall: HallId, device: DeviceId) -> Self {
        Self {
            host: host.into(),
            port,
            hall,
            device,
            secret: None,
            profile: None,
            version: env!("CARGO_PKG_VERSION").to_string(),
            keep_alive: Duration::from_secs(5),
            reply_timeout: Duration::from_secs(2),
            attempts: 3,
            watch_state: true,
            watch_presence: false,
            tls: None,
        }
    }
}

/// Something the hub published that a device shows.
#[derive(Debug, Clone)]
pub enum Update {
    /// The board.
    Board(Box<Board>),
    /// The services on offer.
    Services(Box<Services>),
    /// One counter's state.
    Counter(Box<CounterState>),
    /// The open complaint cases.
    Complaints(Box<Complaints>),
    /// The checklists due and overdue, and the open corrections.
    Inspections(Box<Inspections>),
    /// The hub's status.
    Hub(HubStatus),
    /// A call to announce.
    Call(CallEvent),
    /// A device's presence.
    Presence(Presence),
    /// A reply nobody was waiting for: one without a readable id (the hub could not read the
    /// command's), or to a command sent with [`DeviceClient::publish_raw`].
    Reply(Box<Reply>),
}

/// What went wrong on the device side.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The hub did not answer in time; the command stays in the outbox.
    #[error("no reply from the hub for command {0} (it stays in the outbox)")]
    NoReply(CommandId),
    /// The client's event loop has stopped.
    #[error("the MQTT client has stopped")]
    Closed,
    /// The MQTT client refused the request.
    #[error("MQTT client: {0}")]
    Mqtt(#[from] rumqttc::ClientError),
}

/// The latest retained state seen.
#[derive(Debug, Default, Clone)]
pub struct Latest {
    /// The board.
    pub board: Option<Board>,
    /// The services on offer.
    pub services: Option<Services>,
    /// Each counter's state.
    pub counters: BTreeMap<u16, CounterState>,
    /// The hub's status.
    pub hub: Option<HubStatus>,
    /// The open complaint cases.
    pub complaints: Option<Complaints>,
    /// The checklists due and overdue, and the open corrections.
    pub inspections: Option<Inspections>,
    /// Each device's latest birth or will, by device id (with [`ClientConfig::watch_presence`]).
    pub presence: BTreeMap<String, Presence>,
}

impl Latest {
    /// The retained state as the updates that brought it, so a screen that starts after the
    /// client can take in the present through the same path as what follows.
    pub fn into_updates(self) -> Vec<Update> {
        let mut out: Vec<Update> = self.hub.into_iter().map(Update::Hub).collect();
        out.extend(self.board.map(|b| Update::Board(Box::new(b))));
        out.extend(self.services.map(|s| Update::Services(Box::new(s))));
        out.extend(
            self.counters
                .into_values()
                .map(|c| Update::Counter(Box::new(c))),
        );
        out.extend(self.complaints.map(|c| Update::Complaints(Box::new(c))));
        out.extend(self.inspections.map(|i| Update::Inspections(Box::new(i))));
        out.extend(self.presence.into_values().map(Update::Presence));
        out
    }
}

/// The shared state behind a [`DeviceClient`] handle.
#[derive(Debug)]
struct Inner {
    mqtt: AsyncClient,
    topics: Topics,
    device: DeviceId,
    /// Unanswered commands by id, with their payload: republished after every reconnect.
    outbox: Mutex<BTreeMap<String, Vec<u8>>>,
    /// Waiters for replies, by command id.
    waiters: Mutex<HashMap<String, oneshot::Sender<Reply>>>,
    /// The next command number.
    seq: AtomicU64,
    /// A random number per start, so ids stay unique across restarts of the device.
    boot: u64,
    updates: broadcast::Sender<Update>,
    /// The latest retained state seen, so a screen can draw the present at any moment (a
    /// broadcast receiver only sees what arrives after it subscribed).
    latest: Mutex<Latest>,
    connected: watch::Sender<bool>,
    reply_timeout: Duration,
    attempts: u32,
}

/// A device's connection to its hall. Clone it freely.
#[derive(Debug, Clone)]
pub struct DeviceClient {
    inner: Arc<Inner>,
}

impl DeviceClient {
    /// Connects in the background and returns at once; the task keeps reconnecting until
    /// [`DeviceClient::disconnect`] or until the handle is aborted.
    pub fn connect(config: &ClientConfig) -> (Self, JoinHandle<()>) {
        let topics = Topics::new(&config.hall);
        let mut opts = MqttOptions::new(config.device.as_str(), &config.host, config.port);
        opts.set_keep_alive(config.keep_alive);
        // A persistent session (docs/protocol.md): replies sent during a short disconnection arrive
        // on return, and the subscriptions survive.
        opts.set_clean_session(false);
        opts.set_max_packet_size(64 * 1024, 64 * 1024);
        if let Some(tls) = &config.tls {
            opts.set_transport(tls.transport());
        }
        if let Some(secret) = &config.secret {
            opts.set_credentials(config.device.as_str(), secret);
        }
        let will = presence_json(&config.device, Liveness::Offline, None, None);
        opts.set_last_will(LastWill::new(
            topics.presence(&config.device),
            will,
            QoS::AtLeastOnce,
            true,
        ));
        let (mqtt, mut eventloop) = AsyncClient::new(opts, 256);
        let mut net = NetworkOptions::new();
        net.set_tcp_nodelay(true);
        eventloop.set_network_options(net);
        let (updates, _) = broadcast::channel(1024);
        let (connected, _) = watch::channel(false);
        let inner = Arc::new(Inner {
            mqtt,
            topics,
            device: config.device.clone(),
            outbox: Mutex::new(BTreeMap::new()),
            waiters: Mutex::new(HashMap::new()),
            seq: AtomicU64::new(1),
            boot: std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
                & 0xFFFF_FFFF,
            updates,
            latest: Mutex::new(Latest::default()),
            connected,
            reply_timeout: config.reply_timeout,
            attempts: config.attempts.max(1),
        });
        let task = tokio::spawn(run_loop(Arc::clone(&inner), eventloop, config.clone()));
        (Self { inner }, task)
    }

    /// This device.
    pub fn device(&self) -> &DeviceId {
        &self.inner.device
    }

    /// A fresh idempotency key: `{device}-{boot}-{n}`.
    pub fn next_id(&self) -> CommandId {
        let n = self.inner.seq.fetch_add(1, Ordering::Relaxed);
        CommandId::new(format!("{}-{:08x}-{n}", self.inner.device, self.inner.boot))
            .unwrap_or_else(|_| unreachable!("device ids are short"))
    }

    /// Sends `cmd` with a fresh id and waits for the hub's reply.
    pub async fn send(&self, cmd: Command) -> Result<Reply, ClientError> {
        self.send_with_id(self.next_id(), cmd).await
    }

    /// Sends `cmd` with the given id (a retry of a command whose reply was lost) and waits for
    /// the reply, republishing on time-out.
    pub async fn send_with_id(&self, id: CommandId, cmd: Command) -> Result<Reply, ClientError> {
        let payload = CommandEnvelope::new(id.clone(), self.inner.device.clone(), cmd).to_json();
        self.send_raw(id, payload.into_bytes()).await
    }

    /// Publishes an already-encoded payload under `id` and waits for the reply (for tests that
    /// send what a broken device would).
    pub async fn send_raw(&self, id: CommandId, payload: Vec<u8>) -> Result<Reply, ClientError> {
        let key = id.as_str().to_owned();
        let inner = &self.inner;
        lock(&inner.outbox).insert(key.clone(), payload.clone());
        let (tx, mut rx) = oneshot::channel();
        lock(&inner.waiters).insert(key.clone(), tx);
        let topic = inner.topics.cmd(&inner.device);
        for _ in 0..inner.attempts {
            let published = inner
                .mqtt
                .publish(topic.clone(), QoS::AtLeastOnce, false, payload.clone())
                .await;
            if let Err(e) = published {
                // The connection task has gone: nothing will carry this command any more, and
                // a caller retrying must not pile up entries that no connect will republish.
                lock(&inner.waiters).remove(&key);
                lock(&inner.outbox).remove(&key);
                return Err(e.into());
            }
            match tokio::time::timeout(inner.reply_timeout, &mut rx).await {
                Ok(Ok(reply)) => return Ok(reply),
                Ok(Err(_)) => return Err(ClientError::Closed),
                Err(_) => tracing::debug!(command = %id, "no reply yet; republishing"),
            }
        }
        lock(&inner.waiters).remove(&key);
        Err(ClientError::NoReply(id))
    }

    /// Publishes a raw payload on any topic (for tests of what the broker and hub refuse).
    pub async fn publish_raw(&self, topic: String, payload: Vec<u8>) -> Result<(), ClientError> {
        Ok(self
            .inner
            .mqtt
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .await?)
    }

    /// Commands still waiting for a reply.
    pub fn outbox_len(&self) -> usize {
        lock(&self.inner.outbox).len()
    }

    /// The hub's state and events as they arrive.
    pub fn updates(&self) -> broadcast::Receiver<Update> {
        self.inner.updates.subscribe()
    }

    /// The latest retained state seen so far.
    pub fn latest(&self) -> Latest {
        lock(&self.inner.latest).clone()
    }

    /// Whether the device is connected to the broker, as it changes.
    pub fn connected(&self) -> watch::Receiver<bool> {
        self.inner.connected.subscribe()
    }

    /// Publishes `offline` presence and disconnects cleanly (no will is sent).
    pub async fn disconnect(&self) -> Result<(), ClientError> {
        let inner = &self.inner;
        let offline = presence_json(&inner.device, Liveness::Offline, None, None);
        inner
            .mqtt
            .publish(
                inner.topics.presence(&inner.device),
                QoS::AtLeastOnce,
                true,
                offline,
            )
            .await?;
        Ok(inner.mqtt.disconnect().await?)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means another task panicked mid-update of a plain map; the map itself
    // is still usable.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn presence_json(
    device: &DeviceId,
    status: Liveness,
    profile: Option<&str>,
    version: Option<&str>,
) -> Vec<u8> {
    let p = Presence {
        v: SCHEMA_VERSION,
        device: device.clone(),
        status,
        profile: profile.map(str::to_owned),
        version: version.map(str::to_owned),
    };
    serde_json::to_vec(&p).unwrap_or_default()
}

/// Owns the connection: polls the event loop, (re)subscribes, publishes the birth, republishes
/// the outbox after each connect, and routes what arrives.
async fn run_loop(inner: Arc<Inner>, mut eventloop: EventLoop, config: ClientConfig) {
    let mut backoff = Duration::from_millis(100);
    // A device that never gets in (a wrong CA, a plain client at the TLS port) must say why
    // once, not on every retry, and not stay silent because it was never connected.
    let mut last_error = String::new();
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                backoff = Duration::from_millis(100);
                last_error.clear();
                on_connect(&inner, &config);
                inner.connected.send_replace(true);
            }
            Ok(Event::Incoming(Packet::Publish(p))) => route(&inner, &p.topic, &p.payload),
            Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect)) => {
                inner.connected.send_replace(false);
                return;
            }
            Ok(_) => {}
            Err(e) => {
                let error = e.to_string();
                if inner.connected.send_replace(false) {
                    tracing::warn!(device = %inner.device, %error, "lost the broker; reconnecting");
                } else if error != last_error {
                    tracing::warn!(device = %inner.device, %error, "cannot reach the broker; retrying");
                }
                last_error = error;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Everything a fresh session needs. Uses `try_` calls: this runs inside the task that polls
/// the event loop, which must never wait on its own request queue.
fn on_connect(inner: &Inner, config: &ClientConfig) {
    let t = &inner.topics;
    let mut subs = vec![t.reply(&inner.device)];
    if config.watch_state {
        // What the broker's ACL lets a device read: the retained state and the call events.
        subs.extend([t.all_state(), t.call()]);
    }
    if config.watch_presence {
        subs.push(t.all_presence());
    }
    for s in subs {
        if let Err(e) = inner.mqtt.try_subscribe(s, QoS::AtLeastOnce) {
            tracing::warn!(error = %e, "subscribe failed");
        }
    }
    let birth = presence_json(
        &inner.device,
        Liveness::Online,
        config.profile.as_deref(),
        Some(&config.version),
    );
    let _ = inner
        .mqtt
        .try_publish(t.presence(&inner.device), QoS::AtLeastOnce, true, birth);
    let pending: Vec<Vec<u8>> = lock(&inner.outbox).values().cloned().collect();
    for payload in pending {
        let _ = inner
            .mqtt
            .try_publish(t.cmd(&inner.device), QoS::AtLeastOnce, false, payload);
    }
}

fn route(inner: &Inner, topic_name: &str, payload: &[u8]) {
    let Some((_, what)) = topic::parse(topic_name) else {
        return;
    };
    let update = match what {
        Topic::Reply(_) => {
            let Ok(reply) = serde_json::from_slice::<Reply>(payload) else {
                tracing::warn!(topic = topic_name, "unreadable reply");
                return;
            };
            let waiter = reply.id.as_ref().and_then(|id| {
                lock(&inner.outbox).remove(id.as_str());
                lock(&inner.waiters).remove(id.as_str())
            });
            match waiter {
                Some(tx) => {
                    let _ = tx.send(reply);
                }
                None => {
                    let _ = inner.updates.send(Update::Reply(Box::new(reply)));
                }
            }
            return;
        }
        Topic::Board => serde_json::from_slice(payload)
            .ok()
            .map(|b| Update::Board(Box::new(b))),
        Topic::Services => serde_json::from_slice(payload)
            .ok()
            .map(|s| Update::Services(Box::new(s))),
        Topic::Counter(_) => serde_json::from_slice(payload)
            .ok()
            .map(|c| Update::Counter(Box::new(c))),
        Topic::Complaints => serde_json::from_slice(payload)
            .ok()
            .map(|c| Update::Complaints(Box::new(c))),
        Topic::Inspections => serde_json::from_slice(payload)
            .ok()
            .map(|i| Update::Inspections(Box::new(i))),
        Topic::Hub => serde_json::from_slice(payload).ok().map(Update::Hub),
        Topic::Call => serde_json::from_slice(payload).ok().map(Update::Call),
        Topic::Presence(_) => serde_json::from_slice(payload).ok().map(Update::Presence),
        Topic::Cmd(_) => None,
    };
    match update {
        Some(u) => {
            {
                let mut latest = lock(&inner.latest);
                match &u {
                    Update::Board(b) => latest.board = Some((**b).clone()),
                    Update::Services(s) => latest.services = Some((**s).clone()),
                    Update::Counter(c) => {
                        latest.counters.insert(c.counter.0, (**c).clone());
                    }
                    Update::Hub(h) => latest.hub = Some(h.clone()),
                    Update::Complaints(c) => latest.complaints = Some((**c).clone()),
                    Update::Inspections(i) => latest.inspections = Some((**i).clone()),
                    Update::Presence(p) => {
                        latest.presence.insert(p.device.to_string(), p.clone());
                    }
                    _ => {}
                }
            }
            let _ = inner.updates.send(u);
        }
        None if !payload.is_empty() => {
            tracing::warn!(topic = topic_name, "unreadable state message")
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_send_after_the_connection_task_has_gone_fails_and_keeps_nothing() {
        // Nothing listens on port 9 of loopback; the connection task is stopped at once.
        let config = ClientConfig::new(
            "127.0.0.1",
            9,
            HallId::new("test-hall").unwrap(),
            DeviceId::new("kiosk-1").unwrap(),
        );
        let (client, task) = DeviceClient::connect(&config);
        task.abort();
        let _ = task.await;
        for _ in 0..3 {
            let sent = client
                .send(Command::SessionStarted {
                    session: "s".into(),
                })
                .await;
            assert!(matches!(sent, Err(ClientError::Mqtt(_))), "{sent:?}");
        }
        assert_eq!(
            client.outbox_len(),
            0,
            "no command is kept that nothing will carry"
        );
        assert!(lock(&client.inner.waiters).is_empty());
    }
}
