//! `hallq bench`: how long a command takes through the hall, and how many commands the hub makes
//! durable per second, measured end to end on this machine and printed as a table
//! (STYLE.md habit 11: a benchmark is a command, not a timed test; results go in
//! docs/BENCHMARKS.md).
//!
//! For each broker (the hub's embedded rmqtt, and a private Eclipse Mosquitto started from
//! deploy/mosquitto/ on a free loopback port), in one run:
//!
//! 1. **The floor**: one client publishes QoS 1 to a topic it is itself subscribed to, one message
//!    at a time. That is the bare broker round trip, with nothing of hallq in it.
//! 2. **The hub round trip**: a kiosk sends `issue_ticket` and the clock runs until (a) its reply
//!    arrives and (b) the wall display receives the retained board that counts the ticket. First
//!    one command at a time, then with many in flight from several kiosks, where the commands per
//!    second are measured too: each reply follows the journal commit with `synchronous=FULL`.
//!
//! The hub runs as its own process (`hallq hub`, this very binary), as in a hall: its own runtime
//! and threads, its CPU time read from /proc apart from the load generator's, and `perf` can attach
//! to it alone. The hall is a temporary directory holding hall.toml (DOMAIN's default hall with
//! number ranges widened to 9999, open all day), the journal, the logs and Mosquitto's files.
//!
//! Which board counts a ticket: while only tickets are issued, the tickets waiting on the board
//! add up to the tickets issued today, and a ticket's id ends in its daily serial
//! (docs/protocol.md). So the board that reflects ticket `n` is the first one whose waiting total
//! reaches `n`: exact, whatever the batching.
//!
//! Parts: [`BenchArgs`] and [`run`]; the hall it builds ([`BenchHall`]); the phases (
//! [`bare_round_trips`], [`serial`], [`concurrent`]); the display's board watcher ([`BoardWatch`]); what the hub and
//! the machine did meanwhile ([`Probe`]); the table ([`print_results`]).

#![allow(
    clippy::print_stdout,
    reason = "the results table is this command's output"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail, ensure};
use hallq_client::{ClientConfig, DeviceClient, Update};
use hallq_proto::command::IssueTicket;
use hallq_proto::state::Liveness;
use hallq_proto::topic::Topics;
use hallq_proto::{BusinessCode, Command, DeviceId, HallId, Lang, Reply, ReplyBody, ReplyResult};
use hallq_queue::QueueConfig;
use rumqttc::{AsyncClient, Event, MqttOptions, NetworkOptions, Packet, QoS};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// How long any one expected thing (a reply, a board, a connection) may take.
const WAIT: Duration = Duration::from_secs(10);
/// Unmeasured round trips first: connections, SQLite's cache and the allocator warm up.
const WARMUP: usize = 200;
/// Each business type's last ticket number: DOMAIN's 999 would run out within one run.
const LAST_NUMBER: u32 = 9999;
/// The hub's MQTT login (hall.toml's default).
const HUB_USER: &str = "hallq-hub";
/// The floor's payload size: about an `issue_ticket` command's.
const FLOOR_PAYLOAD: usize = 110;

/// Options of `hallq bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    /// The broker to measure: the hub's embedded one, Eclipse Mosquitto (started privately on
    /// a free loopback port from deploy/mosquitto/), or both in turn.
    #[arg(long, value_enum, default_value = "both")]
    broker: BrokerChoice,
    /// Round trips of the floor (bare broker, one at a time).
    #[arg(long, default_value_t = 5000)]
    floor: usize,
    /// Commands sent one at a time.
    #[arg(long, default_value_t = 2000)]
    serial: usize,
    /// Commands in flight in the concurrent runs, comma-separated: one run each.
    #[arg(long, value_delimiter = ',', default_values_t = [64, 256])]
    inflight: Vec<usize>,
    /// Commands of each concurrent run.
    #[arg(long, default_value_t = 10_000)]
    commands: usize,
    /// Kiosks sharing the commands in flight.
    #[arg(long, default_value_t = 8)]
    kiosks: usize,
    /// The journal's durability: `full` (the default, and the hall's) or `normal`, to see how
    /// much of a round trip is the fsync. Only `full` counts against the targets.
    #[arg(long, value_enum, default_value = "full")]
    durability: Durability,
    /// Keep the hall's directory (journal, hall.toml, logs) and print where it is.
    #[arg(long)]
    keep: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Durability {
    Full,
    Normal,
}

impl Durability {
    fn name(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Normal => "normal",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum BrokerChoice {
    Embedded,
    Mosquitto,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BrokerKind {
    Embedded,
    Mosquitto,
}

impl BrokerKind {
    fn name(self) -> &'static str {
        match self {
            Self::Embedded => "embedded",
            Self::Mosquitto => "mosquitto",
        }
    }
}

/// Runs the benchmark and prints the table.
pub(crate) fn run(args: &BenchArgs) -> anyhow::Result<()> {
    ensure!((1..=64).contains(&args.kiosks), "--kiosks must be 1 to 64");
    ensure!(
        args.inflight.iter().all(|n| (1..=4096).contains(n)),
        "--inflight values must be 1 to 4096"
    );
    ensure!(
        (1..=1_000_000).contains(&args.floor) && (1..=20_000).contains(&args.serial),
        "--floor must be 1 to 1,000,000 and --serial 1 to 20,000"
    );
    let businesses = QueueConfig::telecom_default().business.len();
    let tickets = WARMUP + args.kiosks + args.serial.max(args.commands);
    let capacity = businesses * LAST_NUMBER as usize;
    ensure!(
        tickets <= capacity,
        "{tickets} tickets in one hall would exhaust the {capacity} numbers of its day: lower \
         --commands or --serial"
    );
    let kinds: Vec<BrokerKind> = match args.broker {
        BrokerChoice::Embedded => vec![BrokerKind::Embedded],
        BrokerChoice::Mosquitto => vec![BrokerKind::Mosquitto],
        BrokerChoice::Both => vec![BrokerKind::Embedded, BrokerKind::Mosquitto],
    };
    let logins = Logins::new(args.kiosks)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut results = Vec::new();
    for kind in kinds {
        if kind == BrokerKind::Mosquitto && !mosquitto_installed() {
            println!(
                "mosquitto is not installed: skipping the Mosquitto runs (apt-get install mosquitto)"
            );
            continue;
        }
        println!("measuring over the {} broker …", kind.name());
        results.extend(runtime.block_on(bench_broker(kind, args, &logins))?);
    }
    print_results(args, &results);
    Ok(())
}

/// Everything measured over one broker. Each concurrent run gets a fresh hall, so that each
/// starts from an empty queue: tickets are only issued, never called, and the engine's work per
/// ticket grows with the queue ahead of it (docs/BENCHMARKS.md).
async fn bench_broker(
    kind: BrokerKind,
    args: &BenchArgs,
    logins: &Logins,
) -> anyhow::Result<Vec<Phase>> {
    let mut phases = Vec::new();
    let mut session = Session::open(kind, args, logins).await?;
    let result = session.floor_and_serial(args).await;
    session.close(args.keep, result.is_err()).await;
    phases.extend(result?);
    for &inflight in &args.inflight {
        let mut session = Session::open(kind, args, logins).await?;
        let result = session.concurrent(inflight, args.commands).await;
        session.close(args.keep, result.is_err()).await;
        phases.extend(result?);
    }
    Ok(phases)
}

/// Every login of the bench hall: a random secret per device, hashed once for all the halls of
/// the run (argon2 is slow on purpose).
#[derive(Debug)]
struct Logins {
    /// (device id, role, counter, secret, argon2 hash).
    devices: Vec<(String, &'static str, Option<u16>, String, String)>,
    hub_secret: String,
}

impl Logins {
    fn new(kiosks: usize) -> anyhow::Result<Self> {
        let mut ids: Vec<(String, &'static str, Option<u16>)> = (1..=kiosks)
            .map(|k| (format!("kiosk-{k}"), "kiosk", None))
            .collect();
        for c in &QueueConfig::telecom_default().counters {
            ids.push((format!("counter-{}", c.number), "counter", Some(c.number.0)));
        }
        ids.push(("display-main".into(), "display", None));
        let devices = ids
            .into_iter()
            .map(|(id, role, counter)| {
                let secret = hallq_hub::secret::random();
                let hash = hallq_hub::broker::hash_password(&secret)?;
                anyhow::Ok((id, role, counter, secret, hash))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            devices,
            hub_secret: hallq_hub::secret::random(),
        })
    }
}

/// A hall with its hub running, the wall display watching the board, the counters signed in and
/// the kiosks connected and warmed up.
#[derive(Debug)]
struct Session {
    kind: BrokerKind,
    hall: BenchHall,
    board: BoardWatch,
    kiosks: Vec<DeviceClient>,
    devices: Vec<(DeviceClient, JoinHandle<()>)>,
}

impl Session {
    async fn open(kind: BrokerKind, args: &BenchArgs, logins: &Logins) -> anyhow::Result<Self> {
        let mut hall = BenchHall::create(kind, logins, args.durability)?;
        if kind == BrokerKind::Mosquitto {
            hall.start_mosquitto()?;
            wait_for_port(hall.port).await?;
        }
        hall.start_hub()?;
        if kind == BrokerKind::Embedded {
            wait_for_port(hall.port).await?;
        }
        let display = hall.device("display-main", true).await?;
        wait_hub_online(&display.0).await?;
        let board = BoardWatch::start(&display.0);
        let mut devices = vec![display];
        for counter in &QueueConfig::telecom_default().counters {
            let id = format!("counter-{}", counter.number);
            let (client, task) = hall.device(&id, false).await?;
            let staff = hallq_proto::StaffNo::new(format!("E{:04}", counter.number.0))?;
            expect_ok(client.send(Command::SignIn { staff, pin: None }).await?)?;
            devices.push((client, task));
        }
        let mut kiosks = Vec::new();
        for k in 1..=args.kiosks {
            let (client, task) = hall.device(&format!("kiosk-{k}"), false).await?;
            kiosks.push(client.clone());
            devices.push((client, task));
        }
        let session = Self {
            kind,
            hall,
            board,
            kiosks,
            devices,
        };
        let mut rotation = 0;
        for kiosk in &session.kiosks {
            serial(kiosk, &session.board, 1, &mut rotation).await?;
        }
        serial(&session.kiosks[0], &session.board, WARMUP, &mut rotation).await?;
        Ok(session)
    }

    /// The floor, then commands one at a time.
    async fn floor_and_serial(&mut self, args: &BenchArgs) -> anyhow::Result<Vec<Phase>> {
        let (hall, kind) = (&self.hall, self.kind);
        let mut phases = Vec::new();
        for (label, echo) in [(Label::Floor, false), (Label::Echo, true)] {
            let probe = Probe::take(hall).await?;
            let times = bare_round_trips(hall, args.floor, echo).await?;
            let delta = probe.delta(hall).await?;
            phases.push(Phase::new(kind, label, 1, &times, None, &delta));
        }
        let probe = Probe::take(hall).await?;
        let mut rotation = 0;
        let samples = serial(&self.kiosks[0], &self.board, args.serial, &mut rotation).await?;
        let delta = probe.delta(hall).await?;
        let (reply, board) = self.board.latencies(&samples)?;
        phases.push(Phase::new(kind, Label::Reply, 1, &reply, None, &delta));
        phases.push(Phase::new(kind, Label::Board, 1, &board, None, &delta));
        Ok(phases)
    }

    /// `n` commands with `inflight` always in flight.
    async fn concurrent(&mut self, inflight: usize, n: usize) -> anyhow::Result<Vec<Phase>> {
        let probe = Probe::take(&self.hall).await?;
        let (samples, took) = concurrent(&self.kiosks, &self.board, inflight, n).await?;
        let delta = probe.delta(&self.hall).await?;
        let rate = samples.len() as f64 / took.as_secs_f64();
        let (reply, board) = self.board.latencies(&samples)?;
        Ok(vec![
            Phase::new(
                self.kind,
                Label::Reply,
                inflight,
                &reply,
                Some(rate),
                &delta,
            ),
            Phase::new(
                self.kind,
                Label::Board,
                inflight,
                &board,
                Some(rate),
                &delta,
            ),
        ])
    }

    /// Disconnects the devices, stops the hub and the broker, and keeps the hall's directory if
    /// asked (or shows the hub's log if something failed).
    async fn close(mut self, keep: bool, failed: bool) {
        if self.board.lagged() > 0 {
            println!(
                "note: the display's update channel skipped {} messages; some board times are late",
                self.board.lagged()
            );
        }
        for (client, task) in self.devices.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(1), client.disconnect()).await;
            task.abort();
        }
        self.board.task.abort();
        self.hall.stop_hub().await;
        let dir = &mut self.hall.dir;
        if keep {
            dir.disable_cleanup(true);
            println!("kept: {}", dir.path().display());
        } else if failed {
            let log = std::fs::read_to_string(dir.path().join("hub.log")).unwrap_or_default();
            println!("the hub's log:\n{log}");
        }
    }
}

/// A hall in a temporary directory: hall.toml, the journal, the logs, Mosquitto's files, and the
/// processes started for it (stopped when it is dropped).
#[derive(Debug)]
struct BenchHall {
    dir: tempfile::TempDir,
    config_path: PathBuf,
    hall: HallId,
    /// The broker's port, on 127.0.0.1.
    port: u16,
    /// The hub's Prometheus endpoint: commits and entries give the group-commit batch sizes.
    metrics_port: u16,
    /// Each device's secret; hall.toml holds only their argon2 hashes.
    secrets: BTreeMap<String, String>,
    /// The hub's MQTT password; the floor's client logs in with it, since only the hub's login
    /// may both publish and subscribe a topic.
    hub_secret: String,
    mosquitto: Option<Child>,
    hub: Option<Child>,
}

impl BenchHall {
    fn create(kind: BrokerKind, logins: &Logins, durability: Durability) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new().prefix("hallq-bench-").tempdir()?;
        let (port, metrics_port) = (free_port()?, free_port()?);
        let hall = HallId::new("bench")?;
        let mut queue = QueueConfig::telecom_default();
        for b in &mut queue.business {
            b.last_number = LAST_NUMBER;
        }
        let mut secrets = BTreeMap::new();
        let mut device_toml = String::new();
        for (id, role, counter, secret, hash) in &logins.devices {
            device_toml.push_str(&format!(
                "\n[[devices]]\nid = \"{id}\"\nrole = \"{role}\"\nsecret_hash = \"{hash}\"\n"
            ));
            if let Some(c) = counter {
                device_toml.push_str(&format!("counter = {c}\n"));
            }
            secrets.insert(id.clone(), secret.clone());
        }
        let hub_secret = logins.hub_secret.clone();
        let external = match kind {
            BrokerKind::Embedded => String::new(),
            BrokerKind::Mosquitto => format!("external = \"mqtt://127.0.0.1:{port}\"\n"),
        };
        let mut queue_table = toml::Table::new();
        queue_table.insert("queue".into(), toml::Value::try_from(&queue)?);
        let config = format!(
            "[hall]\nid = \"{hall}\"\nname = {{ zh = \"基准营业厅\", en = \"Bench Hall\" }}\n\n\
             [hours]\nopen = \"00:00\"\nclose = \"24:00\"\n\n\
             [broker]\nlisten = \"127.0.0.1:{port}\"\nhub_secret = \"{hub_secret}\"\n{external}\n\
             [hub]\ndata_dir = \"{}\"\nmetrics_listen = \"127.0.0.1:{metrics_port}\"\n\
             durability = \"{}\"\n{device_toml}\n{}",
            dir.path().join("data").display(),
            durability.name(),
            toml::to_string(&queue_table)?,
        );
        let config_path = dir.path().join("hall.toml");
        std::fs::write(&config_path, config)?;
        Ok(Self {
            dir,
            config_path,
            hall,
            port,
            metrics_port,
            secrets,
            hub_secret,
            mosquitto: None,
            hub: None,
        })
    }

    /// Mosquitto from deploy/mosquitto/, as tests/lib.rs starts it: this hall's id, port,
    /// passwords (hashed by `mosquitto_passwd -U`) and a private persistence directory.
    fn start_mosquitto(&mut self) -> anyhow::Result<()> {
        let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/mosquitto");
        let dir = self.dir.path().join("mosquitto");
        std::fs::create_dir_all(&dir)?;
        let read = |name: &str| {
            std::fs::read_to_string(deploy.join(name))
                .with_context(|| format!("reading {}", deploy.join(name).display()))
        };
        let acl = read("hallq.acl")?.replace("hallq/v1/demo/", &format!("hallq/v1/{}/", self.hall));
        std::fs::write(dir.join("hallq.acl"), acl)?;
        let mut passwords: String = self
            .secrets
            .iter()
            .map(|(user, secret)| format!("{user}:{secret}\n"))
            .collect();
        passwords.push_str(&format!("{HUB_USER}:{}\n", self.hub_secret));
        std::fs::write(dir.join("hallq.passwd"), passwords)?;
        let hashed = Process::new("mosquitto_passwd")
            .arg("-U")
            .arg(dir.join("hallq.passwd"))
            .status()
            .context("running mosquitto_passwd")?;
        ensure!(hashed.success(), "mosquitto_passwd -U failed");
        let conf = read("hallq.conf")?
            .replace(
                "listener 1883",
                &format!("listener {} 127.0.0.1", self.port),
            )
            .replace("/etc/mosquitto/", &format!("{}/", dir.display()))
            .replace("/var/lib/mosquitto/", &format!("{}/", dir.display()));
        std::fs::write(dir.join("mosquitto.conf"), conf)?;
        let log = std::fs::File::create(dir.join("mosquitto.log"))?;
        self.mosquitto = Some(
            Process::new("mosquitto")
                .arg("-c")
                .arg(dir.join("mosquitto.conf"))
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .context("starting mosquitto")?,
        );
        Ok(())
    }

    /// `hallq hub` for this hall: this binary, in its own process.
    fn start_hub(&mut self) -> anyhow::Result<()> {
        let log = std::fs::File::create(self.dir.path().join("hub.log"))?;
        self.hub = Some(
            Process::new(std::env::current_exe()?)
                .arg("hub")
                .arg("--config")
                .arg(&self.config_path)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .context("starting hallq hub")?,
        );
        Ok(())
    }

    /// SIGTERM, as systemd stops the hub; SIGKILL if it is not gone within 10 s.
    async fn stop_hub(&mut self) {
        let Some(mut hub) = self.hub.take() else {
            return;
        };
        let _ = Process::new("kill")
            .arg("-TERM")
            .arg(hub.id().to_string())
            .status();
        for _ in 0..200 {
            if hub.try_wait().ok().flatten().is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = hub.kill();
        let _ = hub.wait();
    }

    /// Connects device `id` and waits (bounded) until it is connected. Load-generating devices
    /// do not watch the state: in a hall they run on their own machines, here they share the
    /// hub's two cores, and parsing every board in 14 clients would measure the clients.
    async fn device(
        &self,
        id: &str,
        watch_state: bool,
    ) -> anyhow::Result<(DeviceClient, JoinHandle<()>)> {
        let mut config = ClientConfig::new(
            "127.0.0.1",
            self.port,
            self.hall.clone(),
            DeviceId::new(id)?,
        );
        config.secret = self.secrets.get(id).cloned();
        config.reply_timeout = WAIT;
        config.attempts = 1;
        config.watch_state = watch_state;
        let (client, task) = DeviceClient::connect(&config);
        let mut connected = client.connected();
        tokio::time::timeout(WAIT, connected.wait_for(|on| *on))
            .await
            .map_err(|_| anyhow!("{id} did not connect within {WAIT:?}"))??;
        Ok((client, task))
    }
}

impl Drop for BenchHall {
    fn drop(&mut self) {
        for child in [self.hub.as_mut(), self.mosquitto.as_mut()]
            .into_iter()
            .flatten()
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One measured command: when it was sent, when its reply arrived, and its ticket's serial.
#[derive(Debug, Clone, Copy)]
struct Sample {
    sent: Instant,
    replied: Instant,
    serial: u64,
}

/// A message that came back to a bare client (with when), or `None` for a SUBACK.
type Arrival = Option<(Instant, Vec<u8>)>;

/// A bare rumqttc client with the hub's login, the only one that may publish and subscribe the
/// same topics; its event loop runs on its own task and forwards what arrives.
fn bare_client(
    hall: &BenchHall,
    id: &str,
) -> (
    AsyncClient,
    mpsc::UnboundedReceiver<Arrival>,
    JoinHandle<()>,
) {
    let mut opts = MqttOptions::new(id, "127.0.0.1", hall.port);
    opts.set_credentials(HUB_USER, hall.hub_secret.clone());
    opts.set_keep_alive(Duration::from_secs(5));
    let (client, mut eventloop) = AsyncClient::new(opts, 64);
    let mut net = NetworkOptions::new();
    net.set_tcp_nodelay(true);
    eventloop.set_network_options(net);
    let (tx, rx) = mpsc::unbounded_channel::<Arrival>();
    let task = tokio::spawn(async move {
        loop {
            let forwarded = match eventloop.poll().await {
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    tx.send(Some((Instant::now(), p.payload.to_vec())))
                }
                Ok(Event::Incoming(Packet::SubAck(_))) => tx.send(None),
                Ok(_) => Ok(()),
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Ok(())
                }
            };
            if forwarded.is_err() {
                return;
            }
        }
    });
    (client, rx, task)
}

/// A topic of the hall for the bench's own clients. Not part of the contract: no device and not
/// the hub subscribes to it.
fn bench_topic(hall: &HallId, name: &str) -> String {
    Topics::new(hall)
        .everything()
        .replace('#', &format!("bench/{name}"))
}

async fn subscribed(
    client: &AsyncClient,
    rx: &mut mpsc::UnboundedReceiver<Arrival>,
    topic: &str,
) -> anyhow::Result<()> {
    client.subscribe(topic, QoS::AtLeastOnce).await?;
    match tokio::time::timeout(WAIT, rx.recv()).await {
        Ok(Some(None)) => Ok(()),
        _ => bail!("the subscription to {topic} was not acknowledged within {WAIT:?}"),
    }
}

/// Bare broker round trips, one at a time, of messages the size of a command.
///
/// Without `echo`, the floor: the client publishes to a topic it is itself subscribed to
/// (client → broker → client, two hops). With `echo`, the shape of a command and its reply
/// without the hub: a second client subscribed to `ping` publishes each message again on `pong`,
/// to which the first is subscribed (four hops, as kiosk → broker → hub → broker → kiosk).
async fn bare_round_trips(hall: &BenchHall, n: usize, echo: bool) -> anyhow::Result<Vec<Duration>> {
    let (client, mut rx, task) = bare_client(hall, "bench-floor");
    let (ping, pong) = if echo {
        (
            bench_topic(&hall.hall, "ping"),
            bench_topic(&hall.hall, "pong"),
        )
    } else {
        (
            bench_topic(&hall.hall, "floor"),
            bench_topic(&hall.hall, "floor"),
        )
    };
    subscribed(&client, &mut rx, &pong).await?;
    let echo = if echo {
        let (echo, mut echo_rx, echo_task) = bare_client(hall, "bench-echo");
        subscribed(&echo, &mut echo_rx, &ping).await?;
        let relay = tokio::spawn({
            let echo = echo.clone();
            async move {
                while let Some(arrival) = echo_rx.recv().await {
                    if let Some((_, payload)) = arrival
                        && echo
                            .publish(pong.clone(), QoS::AtLeastOnce, false, payload)
                            .await
                            .is_err()
                    {
                        return;
                    }
                }
            }
        });
        Some((echo, echo_task, relay))
    } else {
        None
    };
    let mut times = Vec::with_capacity(n);
    for i in 0..WARMUP + n {
        let payload = format!("{i:0width$}", width = FLOOR_PAYLOAD).into_bytes();
        let sent = Instant::now();
        client
            .publish(ping.clone(), QoS::AtLeastOnce, false, payload.clone())
            .await?;
        let arrived = loop {
            match tokio::time::timeout(WAIT, rx.recv()).await {
                Ok(Some(Some((at, p)))) if p == payload => break at,
                Ok(Some(_)) => {}
                _ => bail!("message {i} did not come back within {WAIT:?}"),
            }
        };
        if i >= WARMUP {
            times.push(arrived - sent);
        }
    }
    if let Some((echo, echo_task, relay)) = echo {
        let _ = echo.disconnect().await;
        relay.abort();
        tokio::time::sleep(Duration::from_millis(50)).await;
        echo_task.abort();
    }
    let _ = client.disconnect().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    task.abort();
    Ok(times)
}

/// The day's business types, in rotation, so that no queue grows much longer than the others.
fn ticket(rotation: usize) -> Command {
    let businesses = QueueConfig::telecom_default().business;
    let business: BusinessCode = businesses[rotation % businesses.len()].code.clone();
    Command::IssueTicket(IssueTicket {
        business,
        priority_reason: None,
        green_channel: None,
        lang: Lang::Zh,
        phone: None,
        session: None,
        visit: None,
    })
}

/// The ticket's daily serial, from the `ticket_issued` reply (ids are `{day}-{serial}`).
fn issued_serial(reply: Reply) -> anyhow::Result<u64> {
    match expect_ok(reply)? {
        ReplyResult::TicketIssued(t) => t
            .ticket
            .as_str()
            .rsplit('-')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| anyhow!("ticket id {} has no serial", t.ticket)),
        other => bail!("issue_ticket answered {other:?}"),
    }
}

fn expect_ok(reply: Reply) -> anyhow::Result<ReplyResult> {
    match reply.body {
        ReplyBody::Ok(r) => Ok(r),
        ReplyBody::Error(e) => bail!("the hub refused a command: {e:?}"),
    }
}

/// One command at a time: the next is sent only once the board reflects the last.
async fn serial(
    kiosk: &DeviceClient,
    board: &BoardWatch,
    n: usize,
    rotation: &mut usize,
) -> anyhow::Result<Vec<Sample>> {
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let cmd = ticket(*rotation);
        *rotation += 1;
        let sent = Instant::now();
        let reply = kiosk.send(cmd).await?;
        let replied = Instant::now();
        let serial = issued_serial(reply)?;
        board.wait_total(serial).await?;
        samples.push(Sample {
            sent,
            replied,
            serial,
        });
    }
    Ok(samples)
}

/// `inflight` commands always in flight, spread over the kiosks, until `n` are answered.
/// Returns the samples and the time from the first send to the last reply.
async fn concurrent(
    kiosks: &[DeviceClient],
    board: &BoardWatch,
    inflight: usize,
    n: usize,
) -> anyhow::Result<(Vec<Sample>, Duration)> {
    let left = Arc::new(AtomicUsize::new(n));
    let start = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for w in 0..inflight {
        let kiosk = kiosks[w % kiosks.len()].clone();
        let left = Arc::clone(&left);
        workers.spawn(async move {
            let mut samples = Vec::new();
            while left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| l.checked_sub(1))
                .is_ok()
            {
                let cmd = ticket(left.load(Ordering::Relaxed) + w);
                let sent = Instant::now();
                let reply = kiosk.send(cmd).await?;
                let replied = Instant::now();
                samples.push(Sample {
                    sent,
                    replied,
                    serial: issued_serial(reply)?,
                });
            }
            anyhow::Ok(samples)
        });
    }
    let mut samples = Vec::with_capacity(n);
    while let Some(done) = workers.join_next().await {
        samples.extend(done??);
    }
    let last = samples.iter().map(|s| s.replied).max().unwrap_or(start);
    if let Some(top) = samples.iter().map(|s| s.serial).max() {
        board.wait_total(top).await?;
    }
    Ok((samples, last - start))
}

/// The wall display's view: when each board arrived and how many tickets it counted.
#[derive(Debug)]
struct BoardWatch {
    /// (arrival, tickets waiting) per board, the total kept non-decreasing for the search.
    arrivals: Arc<Mutex<Vec<(Instant, u64)>>>,
    total: watch::Receiver<u64>,
    lagged: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl BoardWatch {
    fn start(display: &DeviceClient) -> Self {
        let mut updates = display.updates();
        let arrivals = Arc::new(Mutex::new(Vec::<(Instant, u64)>::new()));
        let lagged = Arc::new(AtomicUsize::new(0));
        let (tx, total) = watch::channel(0u64);
        let task = tokio::spawn({
            let (arrivals, lagged) = (Arc::clone(&arrivals), Arc::clone(&lagged));
            async move {
                loop {
                    match updates.recv().await {
                        Ok(Update::Board(b)) => {
                            let at = Instant::now();
                            let waiting: u64 = b.queues.iter().map(|q| u64::from(q.waiting)).sum();
                            let mut list = arrivals.lock().unwrap_or_else(|e| e.into_inner());
                            let top = list.last().map_or(waiting, |&(_, t)| t.max(waiting));
                            list.push((at, top));
                            tx.send_replace(top);
                        }
                        Ok(_) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            lagged.fetch_add(n as usize, Ordering::Relaxed);
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                    }
                }
            }
        });
        Self {
            arrivals,
            total,
            lagged,
            task,
        }
    }

    /// Waits (bounded) until a board counting at least `tickets` has arrived.
    async fn wait_total(&self, tickets: u64) -> anyhow::Result<()> {
        let mut total = self.total.clone();
        tokio::time::timeout(WAIT, total.wait_for(|t| *t >= tickets))
            .await
            .map_err(|_| anyhow!("no board counted {tickets} tickets within {WAIT:?}"))??;
        Ok(())
    }

    /// Each sample's command → reply and command → board times.
    fn latencies(&self, samples: &[Sample]) -> anyhow::Result<(Vec<Duration>, Vec<Duration>)> {
        let list = self.arrivals.lock().unwrap_or_else(|e| e.into_inner());
        let mut reply = Vec::with_capacity(samples.len());
        let mut board = Vec::with_capacity(samples.len());
        for s in samples {
            let i = list.partition_point(|&(_, total)| total < s.serial);
            let (at, _) = list
                .get(i)
                .ok_or_else(|| anyhow!("no board counted ticket {}", s.serial))?;
            reply.push(s.replied - s.sent);
            board.push(at.saturating_duration_since(s.sent));
        }
        Ok((reply, board))
    }

    fn lagged(&self) -> usize {
        self.lagged.load(Ordering::Relaxed)
    }
}

/// What the hub and the machine had done at one moment: CPU time of each process, and the hub's
/// commit counters.
#[derive(Debug, Clone, Copy)]
struct Probe {
    hub_cpu: Duration,
    broker_cpu: Option<Duration>,
    bench_cpu: Duration,
    commits: f64,
    entries: f64,
    commit_secs: f64,
}

/// What happened between two probes.
#[derive(Debug, Clone, Copy)]
struct Delta {
    hub_cpu: Duration,
    broker_cpu: Option<Duration>,
    bench_cpu: Duration,
    commits: f64,
    entries: f64,
    commit_secs: f64,
}

impl Probe {
    async fn take(hall: &BenchHall) -> anyhow::Result<Self> {
        let metrics = hub_metrics(hall.metrics_port).await?;
        let get = |name: &str| metrics.get(name).copied().unwrap_or(0.0);
        let pid = |c: &Option<Child>| c.as_ref().map(Child::id);
        Ok(Self {
            hub_cpu: pid(&hall.hub).map_or(Ok(Duration::ZERO), |p| cpu_time(&p.to_string()))?,
            broker_cpu: pid(&hall.mosquitto)
                .map(|p| cpu_time(&p.to_string()))
                .transpose()?,
            bench_cpu: cpu_time("self")?,
            commits: get("hallq_commits_total"),
            entries: get("hallq_commit_entries_total"),
            commit_secs: get("hallq_commit_seconds_sum"),
        })
    }

    async fn delta(&self, hall: &BenchHall) -> anyhow::Result<Delta> {
        let now = Self::take(hall).await?;
        Ok(Delta {
            hub_cpu: now.hub_cpu.saturating_sub(self.hub_cpu),
            broker_cpu: now
                .broker_cpu
                .zip(self.broker_cpu)
                .map(|(a, b)| a.saturating_sub(b)),
            bench_cpu: now.bench_cpu.saturating_sub(self.bench_cpu),
            commits: now.commits - self.commits,
            entries: now.entries - self.entries,
            commit_secs: now.commit_secs - self.commit_secs,
        })
    }
}

/// User + system CPU time of a process (`self` or a pid), from /proc. Linux counts it in clock
/// ticks of 1/100 s (USER_HZ, 100 on every Linux this runs on).
fn cpu_time(pid: &str) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // The command name may hold spaces; the fields after it are plain numbers. utime and stime
    // are fields 14 and 15, the 12th and 13th after the name.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    Ok(Duration::from_millis(10 * fields.iter().sum::<u64>()))
}

/// The hub's counters from its Prometheus endpoint.
async fn hub_metrics(port: u16) -> anyhow::Result<BTreeMap<String, f64>> {
    let fetch = async {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").await?;
        let mut body = String::new();
        s.read_to_string(&mut body).await?;
        anyhow::Ok(body)
    };
    let body = tokio::time::timeout(WAIT, fetch)
        .await
        .map_err(|_| anyhow!("the hub's metrics did not answer within {WAIT:?}"))??;
    Ok(body
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Floor,
    Echo,
    Reply,
    Board,
}

impl Label {
    fn text(self) -> &'static str {
        match self {
            Self::Floor => "floor: publish → own subscription",
            Self::Echo => "bare: → echo client → (4 hops)",
            Self::Reply => "hub: command → reply",
            Self::Board => "hub: command → board at display",
        }
    }
}

/// One line of the table.
#[derive(Debug)]
struct Phase {
    broker: BrokerKind,
    label: Label,
    inflight: usize,
    n: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
    /// Durable commands per second (concurrent runs).
    rate: Option<f64>,
    delta: Delta,
}

impl Phase {
    fn new(
        broker: BrokerKind,
        label: Label,
        inflight: usize,
        times: &[Duration],
        rate: Option<f64>,
        delta: &Delta,
    ) -> Self {
        let mut sorted = times.to_vec();
        sorted.sort_unstable();
        // Nearest rank: the smallest time at least `p` of the samples do not exceed.
        let rank = |p: f64| {
            let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
            sorted.get(i).copied().unwrap_or_default()
        };
        Self {
            broker,
            label,
            inflight,
            n: sorted.len(),
            p50: rank(0.50),
            p99: rank(0.99),
            max: sorted.last().copied().unwrap_or_default(),
            rate,
            delta: *delta,
        }
    }

    /// CPU microseconds per round trip of each process: hub (with the embedded broker inside),
    /// Mosquitto, and this load generator.
    fn cpu_per_op(&self) -> (f64, Option<f64>, f64) {
        let per = |d: Duration| d.as_secs_f64() * 1e6 / self.n.max(1) as f64;
        (
            per(self.delta.hub_cpu),
            self.delta.broker_cpu.map(per),
            per(self.delta.bench_cpu),
        )
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

/// Prints the table, what the hub did meanwhile, and the ratios against the issue's targets.
fn print_results(args: &BenchArgs, phases: &[Phase]) {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    println!();
    println!(
        "hallq bench: {cores} cores; hub `hallq hub` as its own process, journal synchronous={}; \
         issue_ticket from {} kiosks; floor and serial: one at a time",
        args.durability.name().to_uppercase(),
        args.kiosks
    );
    println!();
    println!(
        "{:<10} {:<34} {:>6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} {:>16}",
        "broker",
        "round trip",
        "flight",
        "n",
        "p50 ms",
        "p99 ms",
        "max ms",
        "cmd/s",
        "batch",
        "commit",
        "CPU µs/op h/b/c"
    );
    for p in phases {
        let rate = p.rate.map_or_else(|| "-".into(), |r| format!("{r:.0}"));
        let (batch, commit) =
            if p.delta.commits > 0.0 && p.rate.is_some() || p.label == Label::Reply {
                (
                    format!("{:.1}", p.delta.entries / p.delta.commits),
                    format!("{:.2}", p.delta.commit_secs * 1e3 / p.delta.commits),
                )
            } else {
                ("-".into(), "-".into())
            };
        let (hub, broker, bench) = p.cpu_per_op();
        let broker = broker.map_or_else(|| "in hub".into(), |b| format!("{b:.0}"));
        println!(
            "{:<10} {:<34} {:>6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} {:>16}",
            p.broker.name(),
            p.label.text(),
            p.inflight,
            p.n,
            ms(p.p50),
            ms(p.p99),
            ms(p.max),
            rate,
            batch,
            commit,
            format!("{hub:.0}/{broker}/{bench:.0}"),
        );
    }
    println!();
    println!(
        "batch: journal entries per commit (group commit); commit: mean ms per commit; CPU: per \
         round trip, of the hub process / Mosquitto (\"in hub\" for the embedded broker) / this \
         load generator, from /proc at 10 ms resolution, over the whole phase"
    );
    println!();
    println!(
        "targets: hub round trip p99 ≤ 3 × the floor's p99; ≥ 5,000 durable commands/s with many in flight"
    );
    for kind in [BrokerKind::Embedded, BrokerKind::Mosquitto] {
        let find = |label: Label, inflight: usize| {
            phases
                .iter()
                .find(|p| p.broker == kind && p.label == label && p.inflight == inflight)
        };
        let Some(floor) = find(Label::Floor, 1) else {
            continue;
        };
        let ratio = |p: Option<&Phase>| {
            p.map_or(f64::NAN, |p| {
                p.p99.as_secs_f64() / floor.p99.as_secs_f64().max(1e-9)
            })
        };
        let (reply, board) = (ratio(find(Label::Reply, 1)), ratio(find(Label::Board, 1)));
        let echo = ratio(find(Label::Echo, 1));
        let best = phases
            .iter()
            .filter(|p| p.broker == kind)
            .filter_map(|p| p.rate.map(|r| (r, p.inflight)))
            .fold((0.0, 0), |a, b| if b.0 > a.0 { b } else { a });
        println!(
            "{:<10} one at a time, p99 ÷ floor p99: command → reply {reply:.1}×, command → board \
             {board:.1}× (target 3×: {}); the 4-hop echo without the hub {echo:.1}×",
            kind.name(),
            if board <= 3.0 { "met" } else { "missed" },
        );
        println!(
            "{:<10} throughput: {:.0} durable cmd/s at {} in flight = {:.2} × the 5,000 target ({})",
            "",
            best.0,
            best.1,
            best.0 / 5000.0,
            if best.0 >= 5000.0 { "met" } else { "missed" },
        );
    }
}

/// A free TCP port on the loopback interface.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Waits (bounded) until something accepts connections on the port.
async fn wait_for_port(port: u16) -> anyhow::Result<()> {
    for _ in 0..500 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("nothing listens on 127.0.0.1:{port} after 10 s")
}

/// Waits (bounded) until the client sees the hub's retained status `online`.
async fn wait_hub_online(client: &DeviceClient) -> anyhow::Result<()> {
    for _ in 0..500 {
        if client
            .latest()
            .hub
            .is_some_and(|h| h.status == Liveness::Online)
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("the hub did not come online within 10 s")
}

/// Whether the `mosquitto` broker can be started.
fn mosquitto_installed() -> bool {
    Process::new("mosquitto")
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let times: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let delta = Delta {
            hub_cpu: Duration::ZERO,
            broker_cpu: None,
            bench_cpu: Duration::ZERO,
            commits: 0.0,
            entries: 0.0,
            commit_secs: 0.0,
        };
        let p = Phase::new(BrokerKind::Embedded, Label::Floor, 1, &times, None, &delta);
        assert_eq!(p.p50, Duration::from_millis(50));
        assert_eq!(p.p99, Duration::from_millis(99));
        assert_eq!(p.max, Duration::from_millis(100));
    }
}
