//! `hallq bench`: how long a command takes through the hall, and how many commands the hub makes
//! durable per second, measured end to end on this machine and printed as a table
//! (STYLE.md habit 11: a benchmark is a command, not a timed test; results go in
//! docs/BENCHMARKS.md).
//!
//! For each broker (the hub's embedded rmqtt, and a private Eclipse Mosquitto started from
//! deploy/mosquitto/ on a free loopback port), in one run:
//!
//! 1. **The floor**: one client publishes QoS 1 to a topic it is itself subscribed to, one message
//!    at a time: the bare broker round trip (two hops), nothing of hallq in it. Beside it, the
//!    same through an echo client (four hops, the shape of a command and its reply, no hub).
//! 2. **The hub round trip**: a kiosk sends `issue_ticket` and the clock runs until (a) its reply
//!    arrives and (b) the wall display receives the retained board that counts the ticket. First
//!    one command at a time, then with many in flight from several kiosks, where the commands per
//!    second are measured too: each reply follows the journal commit with `synchronous=FULL`.
//!
//! The hub runs as its own process (`hallq hub`, this very binary), as in a hall: its own runtime
//! and threads, its CPU time read from /proc apart from the load generator's, and `perf` can attach
//! to it alone. Each hall is a temporary directory holding hall.toml (DOMAIN's default hall with
//! number ranges widened to 9999, open all day), the journal, the logs and Mosquitto's files.
//!
//! Which board counts a ticket: while only tickets are issued, the tickets waiting on the board
//! add up to the tickets issued today, and a ticket's id ends in its daily serial
//! (docs/protocol.md). So the board that reflects ticket `n` is the first one whose waiting total
//! reaches `n`: exact, whatever the batching.
//!
//! Parts: [`BenchArgs`] and [`run`]; a running hall with its devices ([`Session`]); the
//! measurements ([`bare_round_trips`], [`serial`], [`concurrent`]); the display's board watcher
//! ([`BoardWatch`]); the hall's files and processes ([`hall`]); the table ([`report`]).

#![allow(
    clippy::print_stdout,
    reason = "the results table is this command's output"
)]

mod hall;
mod report;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure};
use hallq_client::{DeviceClient, Update};
use hallq_proto::command::IssueTicket;
use hallq_proto::topic::Topics;
use hallq_proto::{BusinessCode, Command, HallId, Lang, Reply, ReplyBody, ReplyResult};
use hallq_queue::QueueConfig;
use rumqttc::{AsyncClient, Event, MqttOptions, NetworkOptions, Packet, QoS};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use hall::{BenchHall, Logins, Probe, mosquitto_installed, wait_for_port, wait_hub_online};
use report::{Label, Phase, print_results};

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
    /// Also measure the floor and the serial round trips with every client connected straight
    /// to rmqtt's loopback listener, behind the hub's connection gate (embedded broker only): a
    /// second hall in the same run, the same hub binary; the difference is the gate's hop.
    #[arg(long)]
    without_gate: bool,
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
        (1..=1_000_000).contains(&args.floor)
            && (1..=20_000).contains(&args.serial)
            && args.commands >= 1,
        "--floor must be 1 to 1,000,000, --serial 1 to 20,000, --commands at least 1"
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
    let mut session = Session::open(kind, args, logins, true).await?;
    let result = session.floor_and_serial(args).await;
    session.close(args.keep, result.is_err()).await;
    phases.extend(result?);
    if args.without_gate && kind == BrokerKind::Embedded {
        let mut session = Session::open(kind, args, logins, false).await?;
        let result = session.floor_and_serial(args).await;
        session.close(args.keep, result.is_err()).await;
        phases.extend(result?.into_iter().map(Phase::without_gate));
    }
    for &inflight in &args.inflight {
        let mut session = Session::open(kind, args, logins, true).await?;
        let result = session.concurrent(inflight, args.commands).await;
        session.close(args.keep, result.is_err()).await;
        phases.extend(result?);
    }
    Ok(phases)
}

/// A hall with its hub running, the wall display watching the board, the counters signed in and
/// the kiosks connected and warmed up.
#[derive(Debug)]
struct Session {
    /// Which broker, for the table.
    kind: BrokerKind,
    /// The files and processes; dropping it stops them.
    hall: BenchHall,
    /// The wall display's boards, to time command → board.
    board: BoardWatch,
    /// The devices that send the measured commands.
    kiosks: Vec<DeviceClient>,
    /// Every connected device with its event-loop task, to disconnect them at the end.
    devices: Vec<(DeviceClient, JoinHandle<()>)>,
}

impl Session {
    /// Without `gate`, every client connects to rmqtt's own loopback listener, which the hub
    /// names in its log, instead of the hall's port.
    async fn open(
        kind: BrokerKind,
        args: &BenchArgs,
        logins: &Logins,
        gate: bool,
    ) -> anyhow::Result<Self> {
        let mut hall = BenchHall::create(kind, logins, args.durability)?;
        if kind == BrokerKind::Mosquitto {
            hall.start_mosquitto()?;
            wait_for_port(hall.port).await?;
        }
        hall.start_hub()?;
        if kind == BrokerKind::Embedded {
            wait_for_port(hall.port).await?;
        }
        if !gate {
            hall.connect_port = hall.inner_port()?;
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
    let mut opts = MqttOptions::new(id, "127.0.0.1", hall.connect_port);
    opts.set_credentials(hall.floor_user(id), hall.hub_secret.clone());
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
    let (client, mut rx, task) = bare_client(hall, hall::BENCH_CLIENTS[0]);
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
        let (echo, mut echo_rx, echo_task) = bare_client(hall, hall::BENCH_CLIENTS[1]);
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
        tier: None,
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
    /// The latest total, for a serial sender to wait on.
    total: watch::Receiver<u64>,
    /// Updates the display's broadcast channel dropped before the watcher read them.
    lagged: Arc<AtomicUsize>,
    /// The watcher.
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
