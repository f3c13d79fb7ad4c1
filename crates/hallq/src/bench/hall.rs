//! The bench's hall: its logins, hall.toml, the processes it starts (`hallq hub`, Mosquitto) and
//! what they did between two moments (CPU time from /proc, the hub's commit counters).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::Duration;

/// The bench's own clients on Mosquitto, each its own login (see [`BenchHall::floor_user`]).
pub(super) const BENCH_CLIENTS: [&str; 2] = ["bench-floor", "bench-echo"];

use anyhow::{Context as _, anyhow, bail, ensure};
use hallq_client::{ClientConfig, DeviceClient};
use hallq_hub::secret::{self, Strength};
use hallq_proto::state::Liveness;
use hallq_proto::{DeviceId, HallId};
use hallq_queue::QueueConfig;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::task::JoinHandle;

use super::{BrokerKind, Durability, HUB_USER, LAST_NUMBER, WAIT};

/// Every login of the bench hall: a random secret per device, hashed once for all the halls of
/// the run (argon2 is slow on purpose).
#[derive(Debug)]
pub(super) struct Logins {
    /// (device id, role, counter, secret, argon2 hash).
    pub(super) devices: Vec<(String, &'static str, Option<u16>, String, String)>,
    /// The hub's MQTT password: set in hall.toml, so that Mosquitto's password file and the
    /// floor's client can use it.
    pub(super) hub_secret: String,
}

impl Logins {
    pub(super) fn new(kiosks: usize) -> anyhow::Result<Self> {
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
                let secret = secret::random();
                let hash = secret::hash(&secret, Strength::Random)?;
                anyhow::Ok((id, role, counter, secret, hash))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            devices,
            hub_secret: secret::random(),
        })
    }
}

/// A hall in a temporary directory: hall.toml, the journal, the logs, Mosquitto's files, and the
/// processes started for it (stopped when it is dropped).
#[derive(Debug)]
pub(super) struct BenchHall {
    /// Everything of this hall lives here and goes with it (unless `--keep`).
    pub(super) dir: tempfile::TempDir,
    /// Its hall.toml, for `hallq hub --config`.
    pub(super) config_path: PathBuf,
    /// The hall's id: the level of the topic tree, and of Mosquitto's ACL.
    pub(super) hall: HallId,
    /// The broker's port, on 127.0.0.1.
    pub(super) port: u16,
    /// The port the bench's clients connect to: `port`, or rmqtt's loopback listener behind the
    /// hub's gate (`--without-gate`).
    pub(super) connect_port: u16,
    /// The hub's Prometheus endpoint: commits and entries give the group-commit batch sizes.
    pub(super) metrics_port: u16,
    /// Each device's secret; hall.toml holds only their argon2 hashes.
    pub(super) secrets: BTreeMap<String, String>,
    /// The hub's MQTT password; the bench's own clients log in with it too (see
    /// [`BenchHall::floor_user`]).
    pub(super) hub_secret: String,
    /// Which broker: the login of the floor's clients depends on it ([`BenchHall::floor_user`]).
    pub(super) kind: BrokerKind,
    /// The private Mosquitto, over that broker.
    pub(super) mosquitto: Option<Child>,
    /// `hallq hub`, while it runs.
    pub(super) hub: Option<Child>,
}

impl BenchHall {
    /// The login of the bench's client `id` (one of [`BENCH_CLIENTS`]): the hub's on the
    /// embedded broker, which lets it use other client ids; on Mosquitto, whose hallq.conf makes
    /// a login its client id (another client of the hub's login would push the hub off), a
    /// bench-only login named as the client, with the hub's password, on the bench's topics only.
    pub(super) fn floor_user<'a>(&self, id: &'a str) -> &'a str {
        match self.kind {
            BrokerKind::Embedded => HUB_USER,
            BrokerKind::Mosquitto => id,
        }
    }

    pub(super) fn create(
        kind: BrokerKind,
        logins: &Logins,
        durability: Durability,
    ) -> anyhow::Result<Self> {
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
            "[hall]\nid = \"{hall}\"\nname = {{ zh = \"基准营业厅\", en = \"Bench Hall\" }}\n\
             open_sign_in = true\n\n\
             [hours]\nopen = \"00:00\"\nclose = \"24:00\"\n\n\
             [broker]\nlisten = \"127.0.0.1:{port}\"\nhub_secret = \"{hub_secret}\"\n{external}\n\
             [limits]\ncommands_per_minute = 0\ntickets_per_minute = 0\n\n\
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
            connect_port: port,
            metrics_port,
            secrets,
            hub_secret,
            kind,
            mosquitto: None,
            hub: None,
        })
    }

    /// Mosquitto from deploy/mosquitto/, as tests/lib.rs starts it: this hall's id, port,
    /// passwords (hashed by `mosquitto_passwd -U`) and a private persistence directory.
    pub(super) fn start_mosquitto(&mut self) -> anyhow::Result<()> {
        let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/mosquitto");
        let dir = self.dir.path().join("mosquitto");
        std::fs::create_dir_all(&dir)?;
        let read = |name: &str| {
            std::fs::read_to_string(deploy.join(name))
                .with_context(|| format!("reading {}", deploy.join(name).display()))
        };
        let mut acl =
            read("hallq.acl")?.replace("hallq/v1/demo/", &format!("hallq/v1/{}/", self.hall));
        acl.push_str("\n# the bench's own clients (not a hall's)\n");
        for user in BENCH_CLIENTS {
            acl.push_str(&format!(
                "user {user}\ntopic readwrite hallq/v1/{}/bench/#\n",
                self.hall
            ));
        }
        std::fs::write(dir.join("hallq.acl"), acl)?;
        let mut passwords: String = self
            .secrets
            .iter()
            .map(|(user, secret)| format!("{user}:{secret}\n"))
            .collect();
        passwords.push_str(&format!("{HUB_USER}:{}\n", self.hub_secret));
        for user in BENCH_CLIENTS {
            passwords.push_str(&format!("{user}:{}\n", self.hub_secret));
        }
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
    pub(super) fn start_hub(&mut self) -> anyhow::Result<()> {
        let log = std::fs::File::create(self.dir.path().join("hub.log"))?;
        self.hub = Some(
            Process::new(std::env::current_exe()?)
                .arg("hub")
                .arg("--config")
                .arg(&self.config_path)
                // The broker's start line names rmqtt's loopback port ([`BenchHall::inner_port`]).
                .env("RUST_LOG", "warn,hallq_hub::broker=info")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .context("starting hallq hub")?,
        );
        Ok(())
    }

    /// The loopback port of rmqtt's own listener, behind the hub's gate, from the hub's log line
    /// "embedded broker listening … inner=127.0.0.1:PORT" (the embedded broker only).
    pub(super) fn inner_port(&self) -> anyhow::Result<u16> {
        let log = std::fs::read_to_string(self.dir.path().join("hub.log"))?;
        log.lines()
            .filter(|l| l.contains("embedded broker listening"))
            .find_map(|l| {
                let rest = &l[l.find("inner=")? + "inner=".len()..];
                let addr = rest.split_whitespace().next()?;
                addr.parse::<std::net::SocketAddr>().ok().map(|a| a.port())
            })
            .ok_or_else(|| anyhow!("the hub's log names no inner broker port"))
    }

    /// SIGTERM, as systemd stops the hub; SIGKILL if it is not gone within 10 s.
    pub(super) async fn stop_hub(&mut self) {
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
    pub(super) async fn device(
        &self,
        id: &str,
        watch_state: bool,
    ) -> anyhow::Result<(DeviceClient, JoinHandle<()>)> {
        let mut config = ClientConfig::new(
            "127.0.0.1",
            self.connect_port,
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

/// What the hub and the machine had done at one moment: CPU time of each process, and the hub's
/// commit counters.
#[derive(Debug, Clone, Copy)]
pub(super) struct Probe {
    hub_cpu: Duration,
    /// Mosquitto's; `None` for the embedded broker, which is inside the hub.
    broker_cpu: Option<Duration>,
    bench_cpu: Duration,
    /// The hub's `hallq_commits_total`, `…_commit_entries_total`, `…_commit_seconds_sum`.
    commits: f64,
    entries: f64,
    commit_secs: f64,
}

/// What happened between two probes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Delta {
    pub(super) hub_cpu: Duration,
    pub(super) broker_cpu: Option<Duration>,
    pub(super) bench_cpu: Duration,
    pub(super) commits: f64,
    pub(super) entries: f64,
    pub(super) commit_secs: f64,
}

impl Probe {
    pub(super) async fn take(hall: &BenchHall) -> anyhow::Result<Self> {
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

    pub(super) async fn delta(&self, hall: &BenchHall) -> anyhow::Result<Delta> {
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
pub(super) fn cpu_time(pid: &str) -> anyhow::Result<Duration> {
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
pub(super) async fn hub_metrics(port: u16) -> anyhow::Result<BTreeMap<String, f64>> {
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

/// A free TCP port on the loopback interface.
pub(super) fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Waits (bounded) until something accepts connections on the port.
pub(super) async fn wait_for_port(port: u16) -> anyhow::Result<()> {
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
pub(super) async fn wait_hub_online(client: &DeviceClient) -> anyhow::Result<()> {
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
pub(super) fn mosquitto_installed() -> bool {
    Process::new("mosquitto")
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}
