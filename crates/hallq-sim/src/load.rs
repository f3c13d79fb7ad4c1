//! The load mode: K emulated devices against one hub and its embedded broker, each sending
//! commands at a set rate, to find how many one hub and one broker carry on this machine.
//!
//! Why this shape: a hub serves exactly one hall (the hall is a level of every topic, and the
//! hub is its only writer), and a hall's devices talk to their own hub's broker. So "how many
//! does one hub and one broker carry" is "how many devices of one hall, sending how fast": K
//! devices of one hall against one hub. Many hubs on one shared broker is the chain's question
//! (headquarters' uplink, ARCHITECTURE.md "Beyond one hall"), not a hall's.
//!
//! The hub runs as its own process (`hallq hub`, given its binary) so that its resident memory
//! (VmRSS, VmHWM from /proc/<pid>/status) and CPU time are its own; without a binary it runs in
//! this process, and the memory shown is then the hub's and the emulators' together.
//!
//! The devices are door counters by default (`door_count`: a journaled touchpoint and a reply,
//! with no queue state to publish), or kiosks (`session_started`). They log in in waves (each
//! login is an Argon2 verification on the hub) and then each sends at the set rate, waiting for
//! each reply before its next command; the round trip is measured at the device: command
//! published → broker → hub (journal commit, `synchronous=FULL`) → broker → reply.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use hallq_client::{ClientConfig, DeviceClient};
use hallq_hub::secret::{self, Strength};
use hallq_hub::{HallConfig, RunOptions};
use hallq_proto::{Command, DeviceId, HallId, ReplyBody};
use tokio::task::JoinHandle;

use crate::SimError;
use crate::rng::Rng;

/// Which kind of device the load is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadRole {
    /// Door counters sending `door_count`.
    Door,
    /// Kiosks sending `session_started`. Each kiosk offline puts a maintenance notice on the
    /// board, so a hall of many kiosks has a large board while they log in.
    Kiosk,
}

/// How to load the hub.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Devices.
    pub devices: usize,
    /// Commands per device per second.
    pub rate: f64,
    /// How long the devices send, after all have logged in.
    pub duration: Duration,
    /// Whether every device also receives the hall's retained state and call events.
    pub watch_state: bool,
    /// The kind of device.
    pub role: LoadRole,
    /// The `hallq` binary, to run the hub as its own process; `None`: in this process.
    pub hub_binary: Option<PathBuf>,
    /// Logins started together.
    pub login_wave: usize,
    /// Seed of the devices' phases.
    pub seed: u64,
}

/// What the load run measured.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Devices configured.
    pub devices: usize,
    /// Devices connected when the sending started.
    pub connected: usize,
    /// Devices still connected at the end.
    pub connected_at_end: usize,
    /// Real seconds for every device to log in.
    pub login_secs: f64,
    /// Commands sent.
    pub sent: u64,
    /// Commands answered ok.
    pub ok: u64,
    /// Refusals by code.
    pub refused: BTreeMap<String, u64>,
    /// Commands without a reply after every retry.
    pub no_reply: u64,
    /// Real seconds of sending.
    pub secs: f64,
    /// Round trips in microseconds, sorted.
    pub rtt_us: Vec<u64>,
    /// Whose memory `rss_kib` is: "hub process" or "this process (hub and devices)".
    pub rss_of: String,
    /// Resident memory at the end (VmRSS), KiB.
    pub rss_kib: Option<u64>,
    /// Peak resident memory (VmHWM), KiB.
    pub hwm_kib: Option<u64>,
    /// The hub's CPU use while sending, percent of one core (hub process only).
    pub hub_cpu_pct: Option<f64>,
    /// This process's (the devices') resident memory, KiB.
    pub devices_rss_kib: Option<u64>,
}

impl LoadReport {
    /// Commands answered per second.
    pub fn per_sec(&self) -> f64 {
        if self.secs > 0.0 {
            self.ok as f64 / self.secs
        } else {
            0.0
        }
    }

    /// The round trip at quantile `q`, in ms.
    pub fn rtt_ms(&self, q: f64) -> Option<f64> {
        let n = self.rtt_us.len();
        (n > 0).then(|| {
            let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
            self.rtt_us[rank - 1] as f64 / 1000.0
        })
    }
}

/// The hub under load: a child process, or a task of this process.
enum Hub {
    Process(Child),
    InProcess {
        stop: tokio::sync::oneshot::Sender<()>,
        task: JoinHandle<Result<(), hallq_hub::HubError>>,
    },
}

/// Runs the load and reports what it measured.
pub async fn run(opts: &LoadOptions) -> Result<LoadReport, SimError> {
    if opts.devices == 0 || opts.rate.is_nan() || opts.rate <= 0.0 {
        return Err(SimError::Config(
            "--devices and --rate must be above 0".into(),
        ));
    }
    let dir = tempfile::tempdir().map_err(|source| SimError::Io {
        what: "making a temporary directory".into(),
        source,
    })?;
    // Every load device shares one secret, hashed once. The broker still verifies it at every
    // login, as it would a thousand different ones.
    let secret = secret::random();
    let hash = secret::hash(&secret, Strength::Random)?;
    let ids: Vec<DeviceId> = (1..=opts.devices)
        .map(|i| {
            let prefix = match opts.role {
                LoadRole::Door => "door",
                LoadRole::Kiosk => "kiosk",
            };
            DeviceId::new(format!("{prefix}-{i:05}"))
                .unwrap_or_else(|_| unreachable!("generated ids are valid"))
        })
        .collect();
    let port = free_port()?;
    let toml = hall_toml(&ids, opts.role, &hash, port, &dir.path().join("data"));
    let config_path = dir.path().join("hall.toml");
    std::fs::write(&config_path, &toml).map_err(|source| SimError::Io {
        what: format!("writing {}", config_path.display()),
        source,
    })?;
    let mut hub = start_hub(opts, &config_path, &toml, dir.path(), port).await?;
    let result = drive(opts, &ids, &secret, port, &hub).await;
    let rss = match &hub {
        Hub::Process(c) => proc_status(c.id()),
        Hub::InProcess { .. } => proc_status_self(),
    };
    stop_hub(&mut hub).await;
    let mut report = result?;
    (report.rss_kib, report.hwm_kib) = rss;
    report.rss_of = match hub {
        Hub::Process(_) => "hub process".into(),
        Hub::InProcess { .. } => "this process (hub and devices)".into(),
    };
    report.devices_rss_kib = proc_status_self().0;
    Ok(report)
}

async fn drive(
    opts: &LoadOptions,
    ids: &[DeviceId],
    secret: &str,
    port: u16,
    hub: &Hub,
) -> Result<LoadReport, SimError> {
    let hall = HallId::new("load").unwrap_or_else(|_| unreachable!("a valid hall id"));
    let mut clients = Vec::with_capacity(ids.len());
    let mut tasks = Vec::with_capacity(ids.len());
    let login = Instant::now();
    for wave in ids.chunks(opts.login_wave.max(1)) {
        let mut fresh = Vec::new();
        for id in wave {
            let mut c = ClientConfig::new("127.0.0.1", port, hall.clone(), id.clone());
            c.secret = Some(secret.to_owned());
            c.watch_state = opts.watch_state;
            c.reply_timeout = Duration::from_secs(10);
            c.attempts = 3;
            c.keep_alive = Duration::from_secs(30);
            let (client, task) = DeviceClient::connect(&c);
            fresh.push(client.clone());
            clients.push(client);
            tasks.push(task);
        }
        for c in &fresh {
            let mut rx = c.connected();
            let _ = tokio::time::timeout(Duration::from_secs(60), rx.wait_for(|up| *up)).await;
        }
    }
    let login_secs = login.elapsed().as_secs_f64();
    let connected = clients.iter().filter(|c| *c.connected().borrow()).count();

    let cpu_before = hub_cpu_ticks(hub);
    let start = Instant::now();
    let end = tokio::time::Instant::now() + opts.duration;
    let period = Duration::from_secs_f64(1.0 / opts.rate);
    let mut senders: Vec<JoinHandle<Sent>> = Vec::with_capacity(clients.len());
    for (i, client) in clients.iter().enumerate() {
        let client = client.clone();
        let role = opts.role;
        let phase = Rng::new(opts.seed, i as u64).unit();
        senders.push(tokio::spawn(async move {
            send_loop(client, role, period, phase, end).await
        }));
    }
    let mut report = LoadReport {
        devices: ids.len(),
        connected,
        login_secs,
        ..LoadReport::default()
    };
    for s in senders {
        if let Ok(sent) = s.await {
            report.sent += sent.sent;
            report.ok += sent.ok;
            report.no_reply += sent.no_reply;
            for (k, v) in sent.refused {
                *report.refused.entry(k).or_default() += v;
            }
            report.rtt_us.extend(sent.rtt_us);
        }
    }
    report.secs = start.elapsed().as_secs_f64();
    report.hub_cpu_pct = match (cpu_before, hub_cpu_ticks(hub)) {
        // Linux counts CPU time in ticks of 1/100 s (USER_HZ).
        (Some(a), Some(b)) => Some((b - a) as f64 / report.secs),
        _ => None,
    };
    report.rtt_us.sort_unstable();
    report.connected_at_end = clients.iter().filter(|c| *c.connected().borrow()).count();
    for c in &clients {
        let _ = tokio::time::timeout(Duration::from_millis(200), c.disconnect()).await;
    }
    for t in tasks {
        t.abort();
    }
    Ok(report)
}

/// What one device sent.
#[derive(Debug, Default)]
struct Sent {
    sent: u64,
    ok: u64,
    no_reply: u64,
    refused: BTreeMap<String, u64>,
    rtt_us: Vec<u64>,
}

async fn send_loop(
    client: DeviceClient,
    role: LoadRole,
    period: Duration,
    phase: f64,
    end: tokio::time::Instant,
) -> Sent {
    let mut out = Sent::default();
    let first = tokio::time::Instant::now() + period.mul_f64(phase);
    let mut tick = tokio::time::interval_at(first, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let device = client.device().to_string();
    for n in 0u64..u64::MAX {
        tokio::select! {
            _ = tick.tick() => {}
            _ = tokio::time::sleep_until(end) => break,
        }
        if tokio::time::Instant::now() >= end {
            break;
        }
        let cmd = match role {
            LoadRole::Door => Command::DoorCount {
                entered: 1,
                passed_by: None,
            },
            LoadRole::Kiosk => Command::SessionStarted {
                session: format!("{device}-{n}"),
            },
        };
        let sent_at = Instant::now();
        out.sent += 1;
        match client.send(cmd).await {
            Ok(reply) => {
                out.rtt_us.push(sent_at.elapsed().as_micros() as u64);
                match reply.body {
                    ReplyBody::Ok(_) => out.ok += 1,
                    ReplyBody::Error(e) => {
                        *out.refused.entry(format!("{:?}", e.code)).or_default() += 1;
                    }
                }
            }
            Err(_) => out.no_reply += 1,
        }
    }
    out
}

fn hall_toml(ids: &[DeviceId], role: LoadRole, hash: &str, port: u16, data: &Path) -> String {
    let role = match role {
        LoadRole::Door => "door_counter",
        LoadRole::Kiosk => "kiosk",
    };
    let mut s = format!(
        "[hall]\nid = \"load\"\nname = {{ zh = \"负载测试厅\", en = \"Load test hall\" }}\n\n\
         [hours]\nopen = \"00:00\"\nclose = \"24:00\"\ndaily_reset = \"04:00\"\n\n\
         [broker]\nlisten = \"127.0.0.1:{port}\"\n\n\
         [limits]\ncommands_per_minute = 0\ntickets_per_minute = 0\n\n[hub]\ndata_dir = \"{}\"\n",
        data.display()
    );
    for id in ids {
        s.push_str(&format!(
            "\n[[devices]]\nid = \"{id}\"\nrole = \"{role}\"\nsecret_hash = \"{hash}\"\n"
        ));
    }
    s
}

fn free_port() -> Result<u16, SimError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|source| SimError::Io {
            what: "finding a free port".into(),
            source,
        })
}

async fn start_hub(
    opts: &LoadOptions,
    path: &Path,
    toml: &str,
    dir: &Path,
    port: u16,
) -> Result<Hub, SimError> {
    let io = |what: &str| {
        let what = what.to_owned();
        move |source| SimError::Io { what, source }
    };
    let hub = match &opts.hub_binary {
        Some(bin) => {
            let log = std::fs::File::create(dir.join("hub.log")).map_err(io("creating hub.log"))?;
            let child = std::process::Command::new(bin)
                .arg("hub")
                .arg("--config")
                .arg(path)
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .map_err(io("starting the hub"))?;
            Hub::Process(child)
        }
        None => {
            let mut config = HallConfig::parse(toml).map_err(SimError::Config)?;
            config.validate()?;
            config.hub.data_dir = dir.join("data");
            let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
            let task = tokio::spawn(hallq_hub::run(config, RunOptions::wall_clock(), async {
                let _ = stop_rx.await;
            }));
            Hub::InProcess { stop, task }
        }
    };
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(hub);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut hub = hub;
    stop_hub(&mut hub).await;
    Err(SimError::NotReady(format!(
        "the hub did not listen on port {port} within 15 s (log: {})",
        dir.join("hub.log").display()
    )))
}

async fn stop_hub(hub: &mut Hub) {
    match hub {
        Hub::Process(child) => {
            // SIGTERM, as systemd stops it; SIGKILL if it does not go.
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            for _ in 0..100 {
                if matches!(child.try_wait(), Ok(Some(_))) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        Hub::InProcess { stop, task } => {
            let (tx, _) = tokio::sync::oneshot::channel();
            let _ = std::mem::replace(stop, tx).send(());
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }
}

/// VmRSS and VmHWM of process `pid`, KiB.
fn proc_status(pid: u32) -> (Option<u64>, Option<u64>) {
    read_status(&format!("/proc/{pid}/status"))
}

/// This process's resident memory now and at its peak (VmRSS, VmHWM), KiB.
pub fn proc_status_self() -> (Option<u64>, Option<u64>) {
    read_status("/proc/self/status")
}

fn read_status(path: &str) -> (Option<u64>, Option<u64>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The hub process's CPU time so far (user + system), in clock ticks.
fn hub_cpu_ticks(hub: &Hub) -> Option<u64> {
    let Hub::Process(child) = hub else {
        return None;
    };
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.id())).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after ')'.
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// The header of the result table.
pub const HEADER: &str = "devices  connected  login s   rate/dev  cmds/s   ok      refused  no-reply  rtt p50 ms  p90 ms  p99 ms  max ms  hub CPU %  RSS MiB (peak)";

/// One row of the result table: `connected` is at the start / at the end of the sending, the
/// CPU is the hub process's in percent of one core, the memory is `rss_of`'s after the run
/// (VmRSS) with its peak (VmHWM).
pub fn row(o: &LoadOptions, r: &LoadReport) -> String {
    let ms = |q| r.rtt_ms(q).map_or("-".into(), |v| format!("{v:.2}"));
    let refused: u64 = r.refused.values().sum();
    let rss = match (r.rss_kib, r.hwm_kib) {
        (Some(a), Some(b)) => format!("{:.1} ({:.1})", a as f64 / 1024.0, b as f64 / 1024.0),
        _ => "-".into(),
    };
    format!(
        "{:<8} {:<10} {:<9.1} {:<9} {:<8.1} {:<7} {:<8} {:<9} {:<11} {:<7} {:<7} {:<7} {:<10} {rss}",
        o.devices,
        format!("{}/{}", r.connected, r.connected_at_end),
        r.login_secs,
        o.rate,
        r.per_sec(),
        r.ok,
        refused,
        r.no_reply,
        ms(0.5),
        ms(0.9),
        ms(0.99),
        ms(1.0),
        r.hub_cpu_pct.map_or("-".into(), |p| format!("{p:.0}")),
    )
}

/// The result table, one row per run, and whose memory it shows.
pub fn render(rows: &[(LoadOptions, LoadReport)]) -> String {
    let mut s = format!("{HEADER}\n");
    for (o, r) in rows {
        s.push_str(&row(o, r));
        s.push('\n');
    }
    if let Some((_, r)) = rows.first() {
        s.push_str(&format!("memory: {}\n", r.rss_of));
    }
    s
}
