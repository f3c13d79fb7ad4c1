//! The embedded broker, black box: a real rmqtt on 127.0.0.1 and real rumqttc 0.25 clients, the
//! way the hall's devices and the hub will talk to it.
#![allow(clippy::unwrap_used)]
#![allow(clippy::print_stdout)]

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use hallq_hub::broker::{self, ACL_LOG_FILTER, Broker, BrokerConfig, BrokerUser};
use hallq_hub::secret::{self, Strength};
use hallq_proto::topic::Topics;
use hallq_proto::{DeviceId, HallId};
use rumqttc::{
    AsyncClient, ConnAck, ConnectReturnCode, ConnectionError, Event, EventLoop, LastWill,
    MqttOptions, NetworkOptions, Packet, Publish, QoS, SubscribeReasonCode,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Every login of the test hall has this password: the tests are about the broker's rules.
/// A device secret as `secret::random` makes them: 22 characters.
const PASSWORD: &str = "s3cret-of-the-hall-0123";
/// How long any single expected thing may take before the test fails.
const WAIT: Duration = Duration::from_secs(10);
/// How long to watch for something that must not happen.
const QUIET: Duration = Duration::from_millis(300);

fn hall() -> HallId {
    HallId::new("hall-1").unwrap()
}

fn topics() -> Topics {
    Topics::new(&hall())
}

fn device(id: &str) -> DeviceId {
    DeviceId::new(id).unwrap()
}

/// One Argon2id hash shared by all logins.
fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| secret::hash(PASSWORD, Strength::Random).unwrap())
        .clone()
}

fn config(listen: SocketAddr) -> BrokerConfig {
    let user = |name: &str| BrokerUser::new(name, password_hash());
    BrokerConfig {
        listen,
        tls: None,
        hall: hall(),
        hub_user: user("hub"),
        users: vec![user("kiosk-1"), user("kiosk-2"), user("display-1")],
        hold_devices: false,
    }
}

async fn start_broker() -> Broker {
    broker::start(config("127.0.0.1:0".parse().unwrap()))
        .await
        .unwrap()
}

/// A connected rumqttc client whose event loop runs on its own task and forwards what arrives.
struct Client {
    client: AsyncClient,
    incoming: mpsc::UnboundedReceiver<Packet>,
    event_loop: JoinHandle<()>,
}

struct Login<'a> {
    client_id: &'a str,
    credentials: Option<(&'a str, &'a str)>,
    will: Option<LastWill>,
}

impl<'a> Login<'a> {
    fn as_user(name: &'a str) -> Self {
        Self {
            client_id: name,
            credentials: Some((name, PASSWORD)),
            will: None,
        }
    }
}

async fn connect(port: u16, login: Login<'_>) -> Result<Client, ConnectionError> {
    let mut options = MqttOptions::new(login.client_id, "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(5));
    if let Some((user, password)) = login.credentials {
        options.set_credentials(user, password);
    }
    if let Some(will) = login.will {
        options.set_last_will(will);
    }
    let (client, mut event_loop) = AsyncClient::new(options, 256);
    let mut network = NetworkOptions::new();
    network.set_tcp_nodelay(true);
    event_loop.set_network_options(network);

    wait_for_connack(&mut event_loop).await?;
    let (tx, incoming) = mpsc::unbounded_channel();
    let event_loop = tokio::spawn(async move {
        // No reconnection: a test that loses its connection should see it, not retry.
        while let Ok(event) = event_loop.poll().await {
            if let Event::Incoming(packet) = event
                && tx.send(packet).is_err()
            {
                break;
            }
        }
    });
    Ok(Client {
        client,
        incoming,
        event_loop,
    })
}

async fn wait_for_connack(event_loop: &mut EventLoop) -> Result<(), ConnectionError> {
    let deadline = Instant::now() + WAIT;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(remaining, event_loop.poll()).await {
            Err(_) => panic!("no CONNACK within {WAIT:?}"),
            Ok(Err(e)) => return Err(e),
            Ok(Ok(Event::Incoming(Packet::ConnAck(ConnAck { code, .. })))) => {
                assert_eq!(code, ConnectReturnCode::Success);
                return Ok(());
            }
            Ok(Ok(_)) => {}
        }
    }
}

impl Client {
    async fn user(port: u16, name: &str) -> Self {
        connect(port, Login::as_user(name)).await.unwrap()
    }

    /// Subscribes at QoS 1 and returns what the broker granted.
    async fn subscribe(&mut self, filter: &str) -> SubscribeReasonCode {
        self.client
            .subscribe(filter, QoS::AtLeastOnce)
            .await
            .unwrap();
        let ack = self
            .next(|p| match p {
                Packet::SubAck(ack) => Some(ack.return_codes[0]),
                _ => None,
            })
            .await;
        ack.unwrap_or_else(|| panic!("no SUBACK for {filter}"))
    }

    async fn subscribe_ok(&mut self, filter: &str) {
        let code = self.subscribe(filter).await;
        assert_eq!(
            code,
            SubscribeReasonCode::Success(QoS::AtLeastOnce),
            "{filter}"
        );
    }

    /// Publishes at QoS 1 and waits for the broker's PUBACK.
    async fn publish(&mut self, topic: &str, payload: &str, retain: bool) {
        self.client
            .publish(topic, QoS::AtLeastOnce, retain, payload.as_bytes().to_vec())
            .await
            .unwrap();
        let acked = self
            .next(|p| matches!(p, Packet::PubAck(_)).then_some(()))
            .await;
        assert!(acked.is_some(), "no PUBACK for {topic}");
    }

    async fn next_publish(&mut self, within: Duration) -> Option<Publish> {
        tokio::time::timeout(
            within,
            self.next(|p| match p {
                Packet::Publish(p) => Some(p.clone()),
                _ => None,
            }),
        )
        .await
        .ok()
        .flatten()
    }

    /// The next packet `pick` accepts, skipping the others; `None` if the connection ended.
    async fn next<T>(&mut self, pick: impl Fn(&Packet) -> Option<T>) -> Option<T> {
        let found = tokio::time::timeout(WAIT, async {
            while let Some(packet) = self.incoming.recv().await {
                if let Some(found) = pick(&packet) {
                    return Some(found);
                }
            }
            None
        });
        found.await.unwrap_or(None)
    }

    /// Whether the event loop stopped because the connection ended.
    async fn connection_ends(&mut self) -> bool {
        tokio::time::timeout(WAIT, &mut self.event_loop)
            .await
            .is_ok()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.event_loop.abort();
    }
}

fn payload(p: &Publish) -> &str {
    std::str::from_utf8(&p.payload).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retained_message_reaches_a_late_subscriber() {
    let broker = start_broker().await;
    let mut hub = Client::user(broker.port(), "hub").await;
    hub.publish(&topics().board(), "board rev 7", true).await;

    let mut display = Client::user(broker.port(), "display-1").await;
    display.subscribe_ok(&topics().all_state()).await;
    let board = display
        .next_publish(WAIT)
        .await
        .expect("the retained board");
    assert_eq!(board.topic, topics().board());
    assert_eq!(payload(&board), "board rev 7");
    assert!(board.retain, "delivered as retained");
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_will_is_published_when_a_client_dies() {
    let broker = start_broker().await;
    let mut hub = Client::user(broker.port(), "hub").await;
    hub.subscribe_ok(&topics().all_presence()).await;

    let presence = topics().presence(&device("kiosk-1"));
    let kiosk = connect(
        broker.port(),
        Login {
            will: Some(LastWill::new(&presence, "offline", QoS::AtLeastOnce, true)),
            ..Login::as_user("kiosk-1")
        },
    )
    .await
    .unwrap();
    // Dropping the event loop closes the socket without DISCONNECT, as a power cut would.
    drop(kiosk);

    let will = hub.next_publish(WAIT).await.expect("the kiosk's will");
    assert_eq!(will.topic, presence);
    assert_eq!(payload(&will), "offline");

    // The will was retained: a device that comes later sees the kiosk is offline.
    let mut late = Client::user(broker.port(), "hub").await;
    late.subscribe_ok(&topics().all_presence()).await;
    let seen = late.next_publish(WAIT).await.expect("the retained will");
    assert_eq!((payload(&seen), seen.retain), ("offline", true));
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_refused() {
    let broker = start_broker().await;
    for (client_id, user) in [("kiosk-1", "kiosk-1"), ("nobody", "nobody")] {
        let refused = connect(
            broker.port(),
            Login {
                client_id,
                credentials: Some((user, "not-the-password")),
                will: None,
            },
        )
        .await;
        assert!(
            matches!(
                refused,
                Err(ConnectionError::ConnectionRefused(
                    ConnectReturnCode::BadUserNamePassword
                ))
            ),
            "{user}: {:?}",
            refused.err()
        );
    }
    // The right password still works, so the refusal was about the password.
    Client::user(broker.port(), "kiosk-1").await;
    broker.shutdown().await;
}

// The default, single-threaded runtime: the broker needs no particular flavour.
#[tokio::test]
async fn anonymous_is_refused() {
    let broker = start_broker().await;
    let refused = connect(
        broker.port(),
        Login {
            client_id: "anonymous",
            credentials: None,
            will: None,
        },
    )
    .await;
    assert!(
        matches!(
            refused,
            Err(ConnectionError::ConnectionRefused(
                ConnectReturnCode::NotAuthorized
            ))
        ),
        "{:?}",
        refused.err()
    );
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_must_use_its_id_as_client_id() {
    let broker = start_broker().await;
    // kiosk-1's login taking kiosk-2's session would kick kiosk-2 off the broker.
    let refused = connect(
        broker.port(),
        Login {
            client_id: "kiosk-2",
            ..Login::as_user("kiosk-1")
        },
    )
    .await;
    assert!(
        matches!(
            refused,
            Err(ConnectionError::ConnectionRefused(
                ConnectReturnCode::NotAuthorized
            ))
        ),
        "{:?}",
        refused.err()
    );
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_will_outside_the_devices_presence_is_refused() {
    let broker = start_broker().await;
    // rmqtt publishes wills without asking the ACL: a forged retained board must not get in.
    for topic in [topics().board(), topics().presence(&device("kiosk-2"))] {
        let refused = connect(
            broker.port(),
            Login {
                will: Some(LastWill::new(&topic, "forged", QoS::AtLeastOnce, true)),
                ..Login::as_user("kiosk-1")
            },
        )
        .await;
        assert!(
            matches!(
                refused,
                Err(ConnectionError::ConnectionRefused(
                    ConnectReturnCode::NotAuthorized
                ))
            ),
            "{topic}: {:?}",
            refused.err()
        );
    }
    let mut display = Client::user(broker.port(), "display-1").await;
    display.subscribe_ok(&topics().all_state()).await;
    assert!(display.next_publish(QUIET).await.is_none());
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_cannot_publish_to_another_devices_cmd_topic() {
    let broker = start_broker().await;
    let mut hub = Client::user(broker.port(), "hub").await;
    hub.subscribe_ok(&topics().all_cmds()).await;

    let mut kiosk = Client::user(broker.port(), "kiosk-1").await;
    // Acknowledged (MQTT 3.1.1 cannot refuse a publish) but dropped, and the kiosk stays on.
    kiosk
        .publish(&topics().cmd(&device("kiosk-2")), "forged", false)
        .await;
    kiosk
        .publish(&topics().presence(&device("kiosk-2")), "forged", true)
        .await;
    kiosk.publish(&topics().board(), "forged", true).await;
    kiosk
        .publish(&topics().cmd(&device("kiosk-1")), "own", false)
        .await;

    // One client's messages arrive in order: had the forged one passed, it would come first.
    let first = hub
        .next_publish(WAIT)
        .await
        .expect("the kiosk's own command");
    assert_eq!(first.topic, topics().cmd(&device("kiosk-1")));
    assert_eq!(payload(&first), "own");
    assert!(hub.next_publish(QUIET).await.is_none());

    // Nor did the forged retained messages land in the retained store.
    let mut display = Client::user(broker.port(), "display-1").await;
    display.subscribe_ok(&topics().all_state()).await;
    assert!(display.next_publish(QUIET).await.is_none());
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_cannot_subscribe_to_other_replies() {
    let broker = start_broker().await;
    let mut kiosk = Client::user(broker.port(), "kiosk-1").await;
    let t = topics();
    for filter in [
        t.reply(&device("kiosk-2")),
        "hallq/v1/hall-1/reply/+".to_owned(),
        t.everything(),
        t.all_cmds(),
        "#".to_owned(),
        "hallq/v1/hall-2/state/#".to_owned(),
    ] {
        assert_eq!(
            kiosk.subscribe(&filter).await,
            SubscribeReasonCode::Failure,
            "{filter}"
        );
    }
    kiosk.subscribe_ok(&t.reply(&device("kiosk-1"))).await;

    let mut hub = Client::user(broker.port(), "hub").await;
    hub.publish(&t.reply(&device("kiosk-2")), "for kiosk-2", false)
        .await;
    hub.publish(&t.reply(&device("kiosk-1")), "for kiosk-1", false)
        .await;
    let reply = kiosk.next_publish(WAIT).await.expect("its own reply");
    assert_eq!(payload(&reply), "for kiosk-1");
    assert!(kiosk.next_publish(QUIET).await.is_none());
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_user_can_publish_state_and_read_commands() {
    let broker = start_broker().await;
    let t = topics();
    let kiosk_id = device("kiosk-1");
    let mut hub = Client::user(broker.port(), "hub").await;
    hub.subscribe_ok(&t.all_cmds()).await;
    let mut kiosk = Client::user(broker.port(), "kiosk-1").await;
    kiosk.subscribe_ok(&t.reply(&kiosk_id)).await;
    kiosk.subscribe_ok(&t.all_state()).await;
    kiosk.subscribe_ok("hallq/v1/hall-1/event/#").await;

    kiosk
        .publish(&t.cmd(&kiosk_id), "take a ticket", false)
        .await;
    let cmd = hub.next_publish(WAIT).await.expect("the command");
    assert_eq!(
        (cmd.topic.as_str(), payload(&cmd)),
        (t.cmd(&kiosk_id).as_str(), "take a ticket")
    );

    hub.publish(&t.reply(&kiosk_id), "ticket A001", false).await;
    hub.publish(&t.board(), "board", true).await;
    hub.publish(&t.call(), "A001 to counter 3", false).await;
    let mut got = Vec::new();
    for _ in 0..3 {
        let p = kiosk
            .next_publish(WAIT)
            .await
            .expect("a message from the hub");
        got.push((p.topic.clone(), payload(&p).to_owned()));
    }
    assert_eq!(
        got,
        [
            (t.reply(&kiosk_id), "ticket A001".to_owned()),
            (t.board(), "board".to_owned()),
            (t.call(), "A001 to counter 3".to_owned()),
        ]
    );

    // The hub is not a superuser: another hall's tree is closed to it too.
    assert_eq!(
        hub.subscribe("hallq/v1/hall-2/cmd/+").await,
        SubscribeReasonCode::Failure
    );
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_on_the_same_port_works() {
    let first = start_broker().await;
    let port = first.port();
    assert_ne!(port, 0, "the real bound port is reported");
    let mut hub = Client::user(port, "hub").await;
    hub.publish(&topics().hub(), "online", true).await;

    first.shutdown().await;
    assert!(hub.connection_ends().await, "shutdown closes open sessions");

    // At once, on the same port, with the old connections in TIME_WAIT.
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let second = broker::start(config(addr)).await.unwrap();
    assert_eq!(second.port(), port);
    let mut kiosk = Client::user(port, "kiosk-1").await;
    kiosk.subscribe_ok(&topics().all_state()).await;
    // A new broker starts empty: the hub republishes its state when it starts.
    assert!(kiosk.next_publish(QUIET).await.is_none());
    second.shutdown().await;

    // And again, with nothing connected this time.
    let third = broker::start(config(addr)).await.unwrap();
    Client::user(port, "display-1").await;
    third.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qos1_round_trip_is_fast() {
    const MESSAGES: usize = 200;
    let broker = start_broker().await;
    let mut hub = Client::user(broker.port(), "hub").await;
    let topic = topics().call();
    hub.subscribe_ok(&topic).await;

    let mut rtts = Vec::with_capacity(MESSAGES);
    for i in 0..MESSAGES {
        let sent = Instant::now();
        hub.client
            .publish(&topic, QoS::AtLeastOnce, false, i.to_string().into_bytes())
            .await
            .unwrap();
        let echo = hub.next_publish(WAIT).await.expect("the echo");
        rtts.push(sent.elapsed());
        assert_eq!(payload(&echo), i.to_string());
    }
    rtts.sort();
    let at = |q: f64| rtts[((rtts.len() as f64 * q) as usize).min(rtts.len() - 1)];
    println!(
        "QoS 1 round trip through the embedded broker ({MESSAGES} messages, client → broker → same client): \
         p50 {:?}, p99 {:?}, max {:?}",
        at(0.50),
        at(0.99),
        rtts[rtts.len() - 1]
    );
    broker.shutdown().await;
}

/// A `tracing` writer into memory, to read what the hub's log would hold.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acl_config_is_kept_out_of_the_log_by_the_filter() {
    let captured = Captured::default();
    let writer = captured.clone();
    // As the hub will: INFO, plus the broker's filter. Installs the log → tracing bridge too.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
            "info,{ACL_LOG_FILTER}"
        )))
        .with_writer(move || writer.clone())
        .try_init()
        .unwrap();

    let broker = start_broker().await;
    broker.shutdown().await;

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // The retainer logs its config at INFO the same way: seeing it proves the bridge works.
    assert!(log.contains("RetainerPlugin cfg"), "{log}");
    assert!(!log.contains("AclPlugin cfg"), "{log}");
    assert!(!log.contains("argon2id"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_devices_get_in_once_the_broker_is_opened() {
    let mut config = config("127.0.0.1:0".parse().unwrap());
    config.hold_devices = true;
    let broker = broker::start(config).await.unwrap();
    let port = broker.port();
    // The hub's own login is never held.
    let hub = tokio::time::timeout(WAIT, Client::user(port, "hub")).await;
    assert!(hub.is_ok(), "the hub's login was held");
    let device = tokio::spawn(async move { Client::user(port, "kiosk-1").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !device.is_finished(),
        "a device got in before the broker was opened"
    );
    broker.open_to_devices();
    let device = tokio::time::timeout(WAIT, device).await;
    assert!(
        matches!(device, Ok(Ok(_))),
        "the held device did not get in"
    );
    broker.shutdown().await;
}
