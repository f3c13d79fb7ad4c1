//! The bench's hall: hall.toml (with `[phone]` on, or not), `hallq hub` as its own process, its devices,
//! and what the hub process used (CPU time and resident memory from /proc).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use hallq_client::{ClientConfig, DeviceClient};
use hallq_hub::secret::{self, Strength};
use hallq_proto::state::Liveness;
use hallq_proto::{DeviceId, HallId, Reply, ReplyBody, ReplyResult};
use hallq_queue::QueueConfig;
use tokio::task::JoinHandle;

/// How long a device or the hub may take to come up.
pub(crate) const WAIT: Duration = Duration::from_secs(20);

/// HQ's side of the bench: where the hall's uplink goes and where HQ serves the pages.
pub(crate) struct AtHq {
    /// A NATS server of HQ's cluster (`nats://127.0.0.1:port`).
    pub(crate) nats: String,
    /// HQ's pages' port.
    pub(crate) page_port: u16,
}

/// A hall in a temporary directory, and its hub process (killed when dropped).
pub(crate) struct Hall {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) hall: HallId,
    pub(crate) port: u16,
    /// The pages' port, with `[phone]`.
    pub(crate) page_port: Option<u16>,
    secrets: BTreeMap<String, String>,
    hub: Option<Child>,
}

impl Hall {
    /// hall.toml: DOMAIN's default hall (five business types, six counters), numbers widened to
    /// 1–9999, open all day, no rate limits; with `phone`, `[phone]` on a free loopback port;
    /// with `hq`, `[uplink]` to HQ's NATS server and the QR codes naming HQ's pages.
    pub(crate) fn create(kiosks: usize, phone: bool, hq: Option<&AtHq>) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new().prefix("hallq-phones-").tempdir()?;
        let (port, page_port) = (free_port()?, free_port()?);
        let hall = HallId::new("phones")?;
        let mut queue = QueueConfig::telecom_default();
        for b in &mut queue.business {
            b.last_number = 9999;
        }
        let mut ids: Vec<(String, &str, Option<u16>)> = (1..=kiosks)
            .map(|k| (format!("kiosk-{k}"), "kiosk", None))
            .collect();
        for c in &queue.counters {
            ids.push((format!("counter-{}", c.number), "counter", Some(c.number.0)));
        }
        ids.push(("display-main".into(), "display", None));
        let mut secrets = BTreeMap::new();
        let mut devices = String::new();
        for (id, role, counter) in ids {
            let s = secret::random();
            let hash = secret::hash(&s, Strength::Random)?;
            devices.push_str(&format!(
                "\n[[devices]]\nid = \"{id}\"\nrole = \"{role}\"\nsecret_hash = \"{hash}\"\n"
            ));
            if let Some(c) = counter {
                devices.push_str(&format!("counter = {c}\n"));
            }
            secrets.insert(id, s);
        }
        let page_port = phone.then_some(page_port);
        let mut phone = if let Some(page_port) = page_port {
            format!("[phone]\nenabled = true\nlisten = \"127.0.0.1:{page_port}\"\n")
        } else {
            String::new()
        };
        if let Some(hq) = hq {
            phone.push_str(&format!(
                "public_base = \"http://127.0.0.1:{}\"\n\n\
                 [uplink]\nservers = [\"{}\"]\nregion = \"bench\"\n",
                hq.page_port, hq.nats
            ));
        }
        phone.push('\n');
        let mut queue_table = toml::Table::new();
        queue_table.insert("queue".into(), toml::Value::try_from(&queue)?);
        let config = format!(
            "[hall]\nid = \"{hall}\"\nname = {{ zh = \"手机页基准厅\", en = \"Phone bench hall\" }}\n\
             open_sign_in = true\n\n\
             [hours]\nopen = \"00:00\"\nclose = \"24:00\"\n\n\
             [broker]\nlisten = \"127.0.0.1:{port}\"\n\n\
             [limits]\ncommands_per_minute = 0\ntickets_per_minute = 0\n\n\
             {phone}[hub]\ndata_dir = \"{}\"\n{devices}\n{}",
            dir.path().join("data").display(),
            toml::to_string(&queue_table)?,
        );
        std::fs::write(dir.path().join("hall.toml"), config)?;
        Ok(Self {
            dir,
            hall,
            port,
            page_port,
            secrets,
            hub: None,
        })
    }

    /// `hallq hub --config hall.toml`, its log in the hall's directory.
    pub(crate) async fn start_hub(&mut self, bin: &Path) -> anyhow::Result<()> {
        let log = std::fs::File::create(self.dir.path().join("hub.log"))?;
        self.hub = Some(
            Process::new(bin)
                .arg("hub")
                .arg("--config")
                .arg(self.dir.path().join("hall.toml"))
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .with_context(|| format!("starting {}", bin.display()))?,
        );
        for port in std::iter::once(self.port).chain(self.page_port) {
            wait_for_port(port).await?;
        }
        Ok(())
    }

    /// The hub's pid.
    pub(crate) fn hub_pid(&self) -> anyhow::Result<u32> {
        self.hub
            .as_ref()
            .map(Child::id)
            .ok_or_else(|| anyhow!("the hub is not running"))
    }

    /// Connects device `id`, waiting (bounded) until it is connected.
    pub(crate) async fn device(
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

impl Drop for Hall {
    fn drop(&mut self) {
        if let Some(mut hub) = self.hub.take() {
            let _ = hub.kill();
            let _ = hub.wait();
        }
    }
}

/// The hub's answer, or why it refused.
pub(crate) fn expect_ok(reply: Reply) -> anyhow::Result<ReplyResult> {
    match reply.body {
        ReplyBody::Ok(r) => Ok(r),
        ReplyBody::Error(e) => bail!("the hub refused a command: {e:?}"),
    }
}

/// Waits (bounded) until the client sees the hub's retained status `online`.
pub(crate) async fn wait_hub_online(client: &DeviceClient) -> anyhow::Result<()> {
    for _ in 0..1000 {
        if client
            .latest()
            .hub
            .is_some_and(|h| h.status == Liveness::Online)
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("the hub did not come online within 20 s")
}

/// User + system CPU time of process `pid` (or `self`), from /proc (ticks of 1/100 s).
pub(crate) fn cpu_time(pid: &str) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    // The command name may hold spaces; utime and stime are the 12th and 13th fields after it.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .map(|f| f.parse::<u64>().unwrap_or(0))
        .sum();
    Ok(Duration::from_millis(10 * ticks))
}

/// VmRSS and VmHWM of process `pid` (or `self`), MiB.
pub(crate) fn memory(pid: &str) -> (f64, f64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The `hallq` binary beside this example's (`target/release/hallq` for
/// `target/release/examples/phone_pages`).
pub(crate) fn default_hub_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("hallq"))
        .ok_or_else(|| anyhow!("no directory above {}", exe.display()))?;
    if !bin.exists() {
        bail!(
            "{} is missing: `cargo build --release -p hallq` first, or pass --hub",
            bin.display()
        );
    }
    Ok(bin)
}

pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn wait_for_port(port: u16) -> anyhow::Result<()> {
    for _ in 0..1000 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("nothing listens on 127.0.0.1:{port} after 20 s")
}
