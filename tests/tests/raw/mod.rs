//! A bare MQTT client for the security tests (roles.rs, attacks.rs): what an attacker or a broken
//! device has, rumqttc without hallq-client's birth, will, outbox or retries. It never
//! reconnects: a refused CONNECT or a dropped connection is what these tests look for.
//!
//! Also the hall's monitor: a login with the hub's credentials that sees every message of the
//! hall, so a test can show that a denied publish never reached anyone.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    reason = "test helpers shared by two test files, each using a part"
)]

use std::time::Duration;

use hallq_tests::{BrokerKind, Hall};
use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, LastWill, MqttOptions, NetworkOptions,
    Packet, Publish, QoS, SubscribeReasonCode,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long any wait of these tests lasts at most: generous, for a loaded two-core machine.
pub const WAIT: Duration = Duration::from_secs(20);

/// The hub's MQTT password in the test halls of these files (the embedded broker is given it in
/// hall.toml; Mosquitto's harness already uses the same).
pub const HUB_SECRET: &str = "hub-test-secret";

/// What the connection's task saw.
#[derive(Debug)]
pub enum Seen {
    /// The broker accepted the CONNECT.
    Connected,
    /// The broker refused the CONNECT with this code.
    Refused(ConnectReturnCode),
    /// A subscription's answer.
    SubAck(Vec<SubscribeReasonCode>),
    /// A message.
    Message(Publish),
    /// The connection ended (dropped by the broker, or an I/O error).
    Closed(String),
}

/// One bare connection.
#[derive(Debug)]
pub struct Raw {
    pub client: AsyncClient,
    seen: mpsc::UnboundedReceiver<Seen>,
    task: JoinHandle<()>,
}

/// How to log in.
#[derive(Debug, Clone, Default)]
pub struct Login {
    pub client_id: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub will: Option<(String, Vec<u8>)>,
    /// The largest packet this client sends or takes (rumqttc refuses bigger ones itself).
    pub max_packet: Option<usize>,
}

impl Login {
    /// Device `id` with its own secret.
    pub fn device(hall: &Hall, id: &str) -> Self {
        Self {
            client_id: id.into(),
            username: Some(id.into()),
            password: hall.secrets.get(id).cloned(),
            ..Self::default()
        }
    }

    /// A reader of everything in `hall`, publishing nothing: the hall's first monitor login
    /// ([`hallq_tests::monitor_login`]).
    pub fn monitor(hall: &Hall) -> Self {
        let (id, password) = hallq_tests::monitor_login(hall, 0);
        Self {
            client_id: id.clone(),
            username: Some(id),
            password: Some(password),
            ..Self::default()
        }
    }

    /// A writer anywhere in `hall`, as the hub ([`hallq_tests::writer_login`]).
    pub fn writer(hall: &Hall) -> Self {
        let (client_id, user, password) = hallq_tests::writer_login(hall);
        Self {
            client_id,
            username: Some(user),
            password: Some(password),
            ..Self::default()
        }
    }
}

impl Raw {
    /// Connects (clean session, no retries) and returns at once; see [`Raw::connack`].
    pub fn connect(port: u16, login: &Login) -> Self {
        let mut opts = MqttOptions::new(login.client_id.clone(), "127.0.0.1", port);
        opts.set_keep_alive(Duration::from_secs(5));
        opts.set_clean_session(true);
        if let Some(user) = &login.username {
            opts.set_credentials(user.clone(), login.password.clone().unwrap_or_default());
        }
        if let Some((topic, payload)) = &login.will {
            opts.set_last_will(LastWill::new(
                topic.clone(),
                payload.clone(),
                QoS::AtLeastOnce,
                true,
            ));
        }
        let max = login.max_packet.unwrap_or(1024 * 1024);
        opts.set_max_packet_size(max, max);
        let (client, mut eventloop) = AsyncClient::new(opts, 64);
        let mut net = NetworkOptions::new();
        net.set_tcp_nodelay(true);
        eventloop.set_network_options(net);
        let (tx, seen) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            loop {
                let event = match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => Seen::Connected,
                    Ok(Event::Incoming(Packet::SubAck(s))) => Seen::SubAck(s.return_codes),
                    Ok(Event::Incoming(Packet::Publish(p))) => Seen::Message(p),
                    Ok(_) => continue,
                    Err(ConnectionError::ConnectionRefused(code)) => {
                        let _ = tx.send(Seen::Refused(code));
                        return;
                    }
                    Err(e) => {
                        let _ = tx.send(Seen::Closed(e.to_string()));
                        return;
                    }
                };
                if tx.send(event).is_err() {
                    return;
                }
            }
        });
        Self { client, seen, task }
    }

    /// Connects and waits for the CONNACK; panics if refused.
    pub async fn connected(port: u16, login: &Login) -> Self {
        let mut raw = Self::connect(port, login);
        match raw.connack().await {
            Ok(()) => raw,
            Err(e) => panic!("{} could not connect: {e}", login.client_id),
        }
    }

    /// Waits for the broker's answer to the CONNECT: `Err` tells how it was refused.
    pub async fn connack(&mut self) -> Result<(), String> {
        match self.next().await {
            Some(Seen::Connected) => Ok(()),
            Some(Seen::Refused(code)) => Err(format!("refused: {code:?}")),
            Some(Seen::Closed(e)) => Err(format!("closed: {e}")),
            other => panic!("before the CONNACK: {other:?}"),
        }
    }

    /// The next thing seen, within [`WAIT`]; `None` when the connection's task has ended.
    pub async fn next(&mut self) -> Option<Seen> {
        tokio::time::timeout(WAIT, self.seen.recv())
            .await
            .expect("something is seen within the wait")
    }

    /// Subscribes at QoS 1 and returns the broker's answer for the filter.
    pub async fn subscribe(&mut self, filter: &str) -> SubscribeReasonCode {
        self.client
            .subscribe(filter, QoS::AtLeastOnce)
            .await
            .unwrap();
        loop {
            match self.next().await {
                Some(Seen::SubAck(codes)) => return codes[0],
                Some(Seen::Message(_)) => {} // retained state arriving for earlier filters
                other => panic!("waiting for the SUBACK of {filter}: {other:?}"),
            }
        }
    }

    /// Publishes at QoS 1; `false` when the connection's task has already ended (the broker
    /// closed the connection) and nothing could be queued.
    pub async fn try_publish(
        &self,
        topic: &str,
        payload: impl Into<Vec<u8>>,
        retain: bool,
    ) -> bool {
        self.client
            .publish(topic, QoS::AtLeastOnce, retain, payload.into())
            .await
            .is_ok()
    }

    /// Publishes at QoS 1.
    pub async fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>, retain: bool) {
        self.client
            .publish(topic, QoS::AtLeastOnce, retain, payload.into())
            .await
            .unwrap();
    }

    /// Every message up to and including the first that `last` accepts; panics if the
    /// connection ends first or nothing comes within the wait.
    pub async fn messages_until(&mut self, mut last: impl FnMut(&Publish) -> bool) -> Vec<Publish> {
        let mut out = Vec::new();
        loop {
            match self.next().await {
                Some(Seen::Message(p)) => {
                    let done = last(&p);
                    out.push(p);
                    if done {
                        return out;
                    }
                }
                Some(Seen::SubAck(_)) => {}
                other => panic!("waiting for a message: {other:?}"),
            }
        }
    }

    /// Waits until the connection ends; returns why.
    pub async fn closed(&mut self) -> String {
        loop {
            match self.next().await {
                Some(Seen::Closed(why)) => return why,
                None => return "task ended".into(),
                Some(_) => {}
            }
        }
    }

    /// Ends the connection without a DISCONNECT, as a pulled cable does: the will goes out.
    pub fn cut(self) {
        self.task.abort();
    }
}

/// A hall for these tests: its hub's password known (for the monitor), and `sections` (TOML
/// tables such as `[limits]`) added to its hall.toml.
pub fn hall(kind: BrokerKind, sections: &str) -> Hall {
    let hall = Hall::new(kind);
    let mut text = std::fs::read_to_string(&hall.config_path).unwrap();
    if kind == BrokerKind::Embedded {
        text = text.replacen(
            "[broker]\n",
            &format!("[broker]\nhub_secret = \"{HUB_SECRET}\"\n"),
            1,
        );
    }
    assert_eq!(hall.hub_secret, HUB_SECRET, "the harness's hub password");
    text = text.replacen("[hub]\n", &format!("{sections}[hub]\n"), 1);
    std::fs::write(&hall.config_path, text).unwrap();
    hall
}

/// A unique text to find a message by.
pub fn marker(what: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{what}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Whether a message's payload holds `text`.
pub fn holds(p: &Publish, text: &str) -> bool {
    String::from_utf8_lossy(&p.payload).contains(text)
}

/// How the journal recorded command `id` of `device` as refused: its code from `refusals`
/// (refused before the engine: decoding, identity, flood limits), or else from `commands` with
/// `ok = 0` (refused by the role table or the queue's rules, kept as the command's answer for
/// a retry). `None`: the journal has no refusal of it.
pub fn journaled_refusal(hall: &Hall, device: &str, id: &str) -> Option<(&'static str, String)> {
    let journal = hall.journal();
    let conn = journal.connection();
    let refusal = conn
        .query_row(
            "SELECT code FROM refusals WHERE device = ?1 AND command_id = ?2 ORDER BY id LIMIT 1",
            [device, id],
            |r| r.get::<_, String>(0),
        )
        .ok();
    if let Some(code) = refusal {
        return Some(("refusals", code));
    }
    conn.query_row(
        "SELECT error_code FROM commands WHERE device = ?1 AND command_id = ?2 AND ok = 0",
        [device, id],
        |r| r.get::<_, String>(0),
    )
    .ok()
    .map(|code| ("commands", code))
}

/// The codes of every row of `refusals` for `device`, in order.
pub fn refusal_codes(hall: &Hall, device: &str) -> Vec<String> {
    let journal = hall.journal();
    let conn = journal.connection();
    let mut stmt = conn
        .prepare("SELECT code FROM refusals WHERE device = ?1 ORDER BY id")
        .unwrap();
    stmt.query_map([device], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}
