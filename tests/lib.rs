//! Helpers shared by hallq's end-to-end tests. They run things the way a hall does: the real
//! `hallq` binary as a separate process, a real broker (the hub's embedded one, or Eclipse
//! Mosquitto started from the files in deploy/mosquitto/), a real SQLite journal in a temporary
//! directory, and devices as real MQTT clients.

#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "test harness: a panic is a failed test"
)]

pub mod at_hq;
pub mod booking_api;
pub mod console;
pub mod phone_page;
pub mod smsc;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use hallq_client::{ClientConfig, DeviceClient, Update};
use hallq_hub::broker::Access;
use hallq_hub::config::Role;
use hallq_hub::secret::{self, Strength};
use hallq_journal::Journal;
use hallq_proto::state::Liveness;
use hallq_proto::{DeviceId, HallId};
use tokio::task::JoinHandle;

/// The `hallq` binary of this build, built first if needed.
///
/// Cargo builds another package's binary only when asked, so the first call runs
/// `cargo build -p hallq` with the profile these tests were built with; later calls reuse it.
pub fn hallq_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test knows its own path");
        // target/<profile>/deps/<test> → target/<profile>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("test runs from target/");
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let mut build = cargo_build();
        build.args(["-p", "hallq", "--bin", "hallq"]);
        if release {
            build.arg("--release");
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "building hallq failed");
        profile_dir.join("hallq")
    })
}

/// `cargo build --quiet` as the shell that started the tests would run it: without the
/// variables cargo and nextest give a test. Build scripts ask cargo to build again when a
/// variable they read changes — ring's reads `CARGO_PKG_NAME` and `CARGO_PKG_VERSION_*`, which
/// are the test package's here and unset in the shell — so a build from inside a test rebuilt
/// ring and all that uses it, and the next `cargo nextest run` rebuilt them back (minutes each
/// time). The library path nextest sets does the same.
pub fn cargo_build() -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet"]);
    let given = |k: &str| {
        [
            "CARGO_PKG_",
            "CARGO_MANIFEST_",
            "CARGO_CRATE_",
            "CARGO_BIN_",
            "NEXTEST",
        ]
        .iter()
        .any(|p| k.starts_with(p))
            || [
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "OUT_DIR",
                "LD_LIBRARY_PATH",
            ]
            .contains(&k)
    };
    for (k, _) in std::env::vars_os() {
        if k.to_str().is_some_and(given) {
            build.env_remove(k);
        }
    }
    build
}

/// An ordinary ticket request for `business`, as a kiosk sends it.
pub fn ticket(business: &str) -> hallq_proto::Command {
    hallq_proto::Command::IssueTicket(hallq_proto::command::IssueTicket {
        business: hallq_proto::BusinessCode::new(business).unwrap(),
        priority_reason: None,
        green_channel: None,
        lang: hallq_proto::Lang::Zh,
        phone: None,
        session: None,
        visit: None,
        tier: None,
    })
}

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The `n`th of the hall's read-only monitor logins (registry role `monitor`, docs/protocol.md
/// §10): `(id, secret)`, the id its username and its client id. It reads the hall's whole tree,
/// publishes nothing, and leaves the hub's own login and session alone. There are
/// [`MONITORS`]`.len()` of them, for tests that watch with two clients at once.
pub fn monitor_login(hall: &Hall, n: usize) -> (String, String) {
    let id = MONITORS[n];
    (id.to_owned(), hall.secrets[id].clone())
}

/// The test hall's monitor logins (see [`monitor_login`]), registered beside [`DEVICES`].
pub const MONITORS: &[&str] = &["monitor-1", "monitor-2"];

/// A login that may publish anywhere in the hall, as the hub's does, for tests that forge what
/// no device may send: `(client id, user, password)`. It watches nothing (that is
/// [`monitor_login`]'s job). On the embedded broker it is the hub's own login under another client
/// id; on Mosquitto, where a login is its client id and a second client of the hub's login would
/// push the hub off, a test-only login ([`WRITER_USER`], with the hub's password).
pub fn writer_login(hall: &Hall) -> (String, String, String) {
    let (client, user) = match hall.kind {
        BrokerKind::Embedded => ("tests-writer", "hallq-hub"),
        BrokerKind::Mosquitto => (WRITER_USER, WRITER_USER),
    };
    (client.to_owned(), user.to_owned(), hall.hub_secret.clone())
}

/// The test-only writer of the Mosquitto halls (see [`writer_login`]).
pub const WRITER_USER: &str = "hallq-tests-writer";

/// Which broker the hall runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerKind {
    /// The hub's embedded rmqtt.
    Embedded,
    /// Eclipse Mosquitto from Debian, configured from deploy/mosquitto/.
    Mosquitto,
}

/// The devices of the test hall: (id, role, counter).
pub const DEVICES: &[(&str, &str, Option<u16>)] = &[
    ("kiosk-1", "kiosk", None),
    ("kiosk-2", "kiosk", None),
    ("greeter-1", "greeter", None),
    ("counter-1", "counter", Some(1)),
    ("counter-2", "counter", Some(2)),
    ("counter-3", "counter", Some(3)),
    ("evaluator-1", "evaluator", Some(1)),
    ("evaluator-3", "evaluator", Some(3)),
    ("display-main", "display", None),
    ("supervisor-1", "supervisor", None),
    ("door-1", "door_counter", None),
];

/// A test hall: its configuration, its data directory and its broker.
#[derive(Debug)]
pub struct Hall {
    /// Everything of this hall lives here, and goes with it.
    pub dir: tempfile::TempDir,
    /// Its hall.toml.
    pub config_path: PathBuf,
    /// The broker's port.
    pub port: u16,
    /// The hall's id.
    pub hall: HallId,
    /// Each device's secret (the config holds only their hashes).
    pub secrets: BTreeMap<String, String>,
    /// Which broker.
    pub kind: BrokerKind,
    /// The hub's MQTT password.
    pub hub_secret: String,
    mosquitto: Option<Child>,
}

/// The repository's folder (the tests crate sits in it).
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The example hall's queue (deploy/hall.example.toml): its business types and counters, as
/// hall.toml sections ending in a blank line, for [`Hall::with_sections`].
pub fn example_queue() -> String {
    let example = std::fs::read_to_string(repo().join("deploy/hall.example.toml")).unwrap();
    let start = example.find("\n[queue]").unwrap();
    let end = example.find("\n# Clerks who may sign in").unwrap();
    format!("{}\n\n", &example[start..end])
}

/// The screen of the firmware profile `name` (firmware-profiles/NAME.toml), in pixels.
pub fn profile_screen(name: &str) -> (u32, u32) {
    let path = repo()
        .join("firmware-profiles")
        .join(format!("{name}.toml"));
    let screen = hallq_profiles::load_file(&path).unwrap().screen.unwrap();
    (screen.width_px, screen.height_px)
}

impl Hall {
    /// A hall with the default queue, open all day, on a fresh broker port, with the default
    /// flood limits (hall.toml `[limits]`).
    pub fn new(kind: BrokerKind) -> Self {
        Self::with_sections(kind, "")
    }

    /// The example hall, as deploy/hall.example.toml has it (hall `demo`, every device's secret
    /// "change-me"), on this hall's port and data directory, with clerks E1001–E1004 listed
    /// without PINs, a kiosk allowed a morning's tickets at once, and `extra` (TOML sections)
    /// appended.
    pub fn example(extra: &str) -> Self {
        let mut hall = Self::new(BrokerKind::Embedded);
        let root = repo();
        let example = std::fs::read_to_string(root.join("deploy/hall.example.toml")).unwrap();
        let mut config = String::new();
        for line in example.lines() {
            let line = match line.split_whitespace().next() {
                Some("listen") => format!("listen = \"127.0.0.1:{}\"", hall.port),
                Some("data_dir") => {
                    format!("data_dir = {:?}", hall.data_dir().display().to_string())
                }
                Some("profiles_dir") => format!(
                    "profiles_dir = {:?}",
                    root.join("firmware-profiles").display().to_string()
                ),
                // A test takes more tickets from its one kiosk in a minute than a customer would.
                Some("ticket_burst") => "ticket_burst = 40".into(),
                _ => line.to_owned(),
            };
            config.push_str(&line);
            config.push('\n');
        }
        for n in 1..=4 {
            config.push_str(&format!("\n[[staff]]\nnumber = \"E100{n}\"\n"));
        }
        config.push_str(extra);
        std::fs::write(&hall.config_path, config).unwrap();
        hall.hall = HallId::new("demo").unwrap();
        hall.secrets.clear();
        for line in example.lines() {
            if let Some(id) = line
                .strip_prefix("id = \"")
                .and_then(|l| l.strip_suffix('"'))
            {
                hall.secrets.insert(id.to_owned(), "change-me".to_owned());
            }
        }
        hall
    }

    /// A hall whose devices may send as fast as they can: for tests that load the hub on
    /// purpose (a flood of tickets from one kiosk is what the limits refuse).
    pub fn unlimited(kind: BrokerKind) -> Self {
        Self::with_sections(
            kind,
            "[limits]\ncommands_per_minute = 0\ntickets_per_minute = 0\n\
             tickets_per_phone_per_day = 0\nrefusals_journaled_per_minute = 0\n\n",
        )
    }

    /// A hall with `sections` (TOML tables such as `[limits]`, ending in a blank line) added to
    /// its hall.toml.
    pub fn with_sections(kind: BrokerKind, sections: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let hall = HallId::new("testhall").unwrap();
        let hub_secret = "hub-test-secret".to_string();
        let mut secrets = BTreeMap::new();
        let mut devices = String::new();
        let monitors = MONITORS.iter().map(|id| (*id, "monitor", None));
        for (id, role, counter) in DEVICES.iter().copied().chain(monitors) {
            let secret = secret::random();
            let hash = secret::hash(&secret, Strength::Random).unwrap();
            devices.push_str(&format!(
                "\n[[devices]]\nid = \"{id}\"\nrole = \"{role}\"\nsecret_hash = \"{hash}\"\n"
            ));
            if let Some(c) = counter {
                devices.push_str(&format!("counter = {c}\n"));
            }
            secrets.insert(id.to_string(), secret);
        }
        let external = match kind {
            BrokerKind::Embedded => String::new(),
            BrokerKind::Mosquitto => {
                format!("external = \"mqtt://127.0.0.1:{port}\"\nhub_secret = \"{hub_secret}\"\n")
            }
        };
        let config = format!(
            "[hall]\nid = \"{hall}\"\nname = {{ zh = \"测试营业厅\", en = \"Test Hall\" }}\n\
             open_sign_in = true\n\n\
             [hours]\nopen = \"00:00\"\nclose = \"24:00\"\ndaily_reset = \"04:00\"\n\n\
             [broker]\nlisten = \"127.0.0.1:{port}\"\n{external}\n{sections}\
             [hub]\ndata_dir = \"{}\"\n{devices}",
            dir.path().join("data").display()
        );
        let config_path = dir.path().join("hall.toml");
        std::fs::write(&config_path, config).unwrap();
        let mut hall = Self {
            dir,
            config_path,
            port,
            hall,
            secrets,
            kind,
            hub_secret,
            mosquitto: None,
        };
        if kind == BrokerKind::Mosquitto {
            hall.start_mosquitto();
        }
        hall
    }

    /// Starts Mosquitto from deploy/mosquitto/, with this hall's id, port and passwords.
    fn start_mosquitto(&mut self) {
        let dir = self.dir.path().join("mosquitto");
        std::fs::create_dir_all(&dir).unwrap();
        // The ACL `hallq device mosquitto` writes for this hall's devices (deploy's hallq.acl is
        // the one of the example hall).
        let monitors = MONITORS.iter().map(|id| (*id, "monitor"));
        let devices: Vec<(DeviceId, Access)> = DEVICES
            .iter()
            .map(|(id, role, _)| (*id, *role))
            .chain(monitors)
            .map(|(id, role)| {
                let kind = Role::ALL.into_iter().find(|r| r.as_str() == role).unwrap();
                (DeviceId::new(id).unwrap(), Access::of(kind))
            })
            .collect();
        let mut acl = hallq_hub::mosquitto::acl(
            &self.hall,
            "hallq-hub",
            devices.iter().map(|(d, a)| (d, *a)),
        );
        acl.push_str(&format!(
            "\n# tests only: writes everything, as the hub's login\nuser {WRITER_USER}\ntopic write hallq/v1/{}/#\n",
            self.hall
        ));
        std::fs::write(dir.join("hallq.acl"), acl).unwrap();
        let mut passwords: String = self
            .secrets
            .iter()
            .map(|(u, p)| format!("{u}:{p}\n"))
            .collect();
        passwords.push_str(&format!("hallq-hub:{}\n", self.hub_secret));
        passwords.push_str(&format!("{WRITER_USER}:{}\n", self.hub_secret));
        std::fs::write(dir.join("hallq.passwd"), passwords).unwrap();
        let ok = Command::new("mosquitto_passwd")
            .arg("-U")
            .arg(dir.join("hallq.passwd"))
            .status()
            .expect("mosquitto_passwd runs (apt-get install mosquitto)");
        assert!(ok.success());
        self.run_mosquitto(&dir);
    }

    /// Starts Mosquitto from deploy/mosquitto/hallq.conf on this hall's port, with the
    /// `hallq.passwd` and `hallq.acl` found in `dir` (e.g. written by `hallq device mosquitto`).
    pub fn run_mosquitto(&mut self, dir: &Path) {
        let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/mosquitto");
        // hallq.conf as Debian's stock mosquitto.conf includes it: after its persistence lines.
        let stock = format!(
            "persistence true\npersistence_location {}/\n",
            dir.display()
        );
        let conf = std::fs::read_to_string(deploy.join("hallq.conf"))
            .unwrap()
            .replace(
                "listener 1883",
                &format!("listener {} 127.0.0.1", self.port),
            )
            .replace("/etc/mosquitto/", &format!("{}/", dir.display()));
        let conf = format!("{stock}{conf}");
        std::fs::write(dir.join("mosquitto.conf"), conf).unwrap();
        let log = dir.join("mosquitto.log");
        let mut child = Command::new("mosquitto")
            .arg("-c")
            .arg(dir.join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("mosquitto runs (apt-get install mosquitto)");
        if !port_opens(self.port) {
            let status = child.try_wait();
            panic!(
                "Mosquitto does not listen on port {} ({status:?}):\n{}",
                self.port,
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        self.mosquitto = Some(child);
    }

    /// SIGHUP to the Mosquitto of [`Hall::run_mosquitto`]: it reads its password and ACL files
    /// again, as `systemctl reload mosquitto` makes it.
    pub fn reload_mosquitto(&self) {
        if let Some(m) = &self.mosquitto {
            Command::new("kill")
                .arg("-HUP")
                .arg(m.id().to_string())
                .status()
                .unwrap();
        }
    }

    /// The hub's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts `hallq hub` for this hall as a separate process.
    pub fn start_hub(&self) -> HubProcess {
        self.start_hub_with(&[])
    }

    /// Starts `hallq hub` with extra arguments (e.g. the test clock).
    pub fn start_hub_with(&self, extra: &[&str]) -> HubProcess {
        self.start_hub_env(extra, &[])
    }

    /// Starts `hallq hub` with extra arguments and environment variables (e.g. libfaketime's
    /// `LD_PRELOAD` and `FAKETIME`, for a hub whose system clock is wrong).
    pub fn start_hub_env(&self, extra: &[&str], env: &[(&str, &str)]) -> HubProcess {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("hub.log"))
            .unwrap();
        let child = Command::new(hallq_bin())
            .arg("hub")
            .arg("--config")
            .arg(&self.config_path)
            .args(extra)
            .env("RUST_LOG", "warn,hallq_hub=info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        if self.kind == BrokerKind::Embedded {
            wait_for_port(self.port);
        }
        HubProcess { child: Some(child) }
    }

    /// A client configuration for device `id`.
    pub fn client_config(&self, id: &str) -> ClientConfig {
        let mut c = ClientConfig::new(
            "127.0.0.1",
            self.port,
            self.hall.clone(),
            DeviceId::new(id).unwrap(),
        );
        c.secret = self.secrets.get(id).cloned();
        c.reply_timeout = Duration::from_secs(2);
        c.attempts = 5;
        c
    }

    /// Connects device `id` and waits until the hub is online for it.
    pub async fn device(&self, id: &str) -> (DeviceClient, JoinHandle<()>) {
        let (client, task) = DeviceClient::connect(&self.client_config(id));
        wait_hub_online(&client).await;
        (client, task)
    }

    /// The journal, read-only (the hub may be running).
    pub fn journal(&self) -> Journal {
        Journal::open_read_only(self.data_dir().join("journal.db")).unwrap()
    }

    /// Asserts that every acknowledged ticket is in the journal once and that every ticket
    /// comes from one accepted `issue_ticket` command; `when` names the moment in failures.
    pub fn assert_acknowledged_once(
        &self,
        acked: &std::collections::BTreeSet<hallq_proto::TicketId>,
        when: &str,
    ) {
        let journal = self.journal();
        let conn = journal.connection();
        for t in acked {
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM tickets WHERE ticket = ?1",
                    [t.as_str()],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                n, 1,
                "{when}: acknowledged ticket {t} is in the journal once"
            );
        }
        let tickets: i64 = conn
            .query_row("SELECT count(*) FROM tickets", [], |r| r.get(0))
            .unwrap();
        let issuing: i64 = conn
            .query_row(
                "SELECT count(*) FROM commands WHERE kind = 'issue_ticket' AND ok = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            tickets, issuing,
            "{when}: one ticket per accepted command, none twice"
        );
    }

    /// The hub's log so far, for failure messages.
    pub fn hub_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("hub.log")).unwrap_or_default()
    }

    /// Stops this hall's Mosquitto with `signal` and starts it again on the same port and files.
    /// `"TERM"` is `systemctl restart mosquitto`: it writes its persistence file as it stops.
    /// `"KILL"` is a crash: it comes back with whatever it saved last (retained messages and
    /// sessions as they were then).
    pub fn restart_mosquitto(&mut self, signal: &str) {
        if let Some(mut m) = self.mosquitto.take() {
            Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(m.id().to_string())
                .status()
                .unwrap();
            let _ = m.wait();
        }
        let dir = self.dir.path().join("mosquitto");
        self.run_mosquitto(&dir);
    }

    /// Restarts this hall's Mosquitto with `extra` appended to its configuration (e.g. the
    /// TLS listener of deploy/mosquitto/hallq-tls.conf), and waits for `extra_port` as well.
    pub fn restart_mosquitto_with(&mut self, extra: &str, extra_port: u16) {
        if let Some(mut m) = self.mosquitto.take() {
            let _ = m.kill();
            let _ = m.wait();
        }
        let dir = self.dir.path().join("mosquitto");
        let conf = std::fs::read_to_string(dir.join("mosquitto.conf")).unwrap();
        std::fs::write(dir.join("mosquitto.conf"), format!("{conf}\n{extra}\n")).unwrap();
        let log = std::fs::File::create(dir.join("mosquitto.log")).unwrap();
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(dir.join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("mosquitto runs (apt-get install mosquitto)");
        self.mosquitto = Some(child);
        wait_for_port(self.port);
        wait_for_port(extra_port);
    }
}

impl Drop for Hall {
    fn drop(&mut self) {
        if let Some(mut m) = self.mosquitto.take() {
            let _ = m.kill();
            let _ = m.wait();
        }
    }
}

/// A running `hallq hub`.
#[derive(Debug)]
pub struct HubProcess {
    child: Option<Child>,
}

impl HubProcess {
    /// SIGKILL: no chance to clean up, as in a crash or a power cut of the process.
    pub fn kill9(mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Waits (bounded, 20 s) for the hub to exit by itself; `None` if it is still running.
    pub fn wait_exit(&mut self) -> Option<std::process::ExitStatus> {
        let c = self.child.as_mut()?;
        for _ in 0..400 {
            if let Some(status) = c.try_wait().unwrap() {
                self.child = None;
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// SIGSTOP: the hub (and its embedded broker) freezes, as under a long stall; nothing is
    /// answered until [`HubProcess::resume`].
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// SIGHUP, as `systemctl reload hallq-hub`: the hub reads hall.toml's registry again.
    pub fn reload(&self) {
        self.signal("-HUP");
    }

    /// SIGCONT after [`HubProcess::pause`].
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, sig: &str) {
        if let Some(c) = &self.child {
            Command::new("kill")
                .arg(sig)
                .arg(c.id().to_string())
                .status()
                .unwrap();
        }
    }

    /// SIGTERM, as systemd stops it; returns whether it exited with success.
    pub fn terminate(mut self) -> bool {
        let Some(mut c) = self.child.take() else {
            return false;
        };
        Command::new("kill")
            .arg("-TERM")
            .arg(c.id().to_string())
            .status()
            .unwrap();
        for _ in 0..200 {
            if let Some(status) = c.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = c.kill();
        false
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Waits (bounded) until something accepts connections on the port.
pub fn wait_for_port(port: u16) {
    assert!(port_opens(port), "nothing listens on port {port}");
}

/// Whether something accepts connections on the port within a few seconds.
fn port_opens(port: u16) -> bool {
    for _ in 0..300 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Waits (bounded) until the client sees the hub online.
pub async fn wait_hub_online(client: &DeviceClient) {
    let mut updates = client.updates();
    if client
        .latest()
        .hub
        .is_some_and(|h| h.status == Liveness::Online)
    {
        return;
    }
    let wait = async {
        loop {
            match updates.recv().await {
                Ok(Update::Hub(h)) if h.status == Liveness::Online => return,
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => panic!("client stopped"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .expect("the hub comes online within 20 s");
}

/// Waits (bounded) for the first update that `pick` accepts. It listens from the moment it is
/// called, not from the first poll, so a future made before an action sees that action's update.
/// An update published before the call is missed: for state, use [`wait_latest`].
pub fn wait_for<T>(
    client: &DeviceClient,
    mut pick: impl FnMut(&Update) -> Option<T>,
) -> impl Future<Output = T> {
    let mut updates = client.updates();
    async move {
        let wait = async {
            loop {
                match updates.recv().await {
                    Ok(u) => {
                        if let Some(t) = pick(&u) {
                            return t;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => panic!("client stopped"),
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .expect("the update arrives within 10 s")
    }
}

/// Waits (bounded) until the client's latest retained state satisfies `pick`.
pub async fn wait_latest<T>(
    client: &DeviceClient,
    mut pick: impl FnMut(&hallq_client::Latest) -> Option<T>,
) -> T {
    for _ in 0..200 {
        if let Some(t) = pick(&client.latest()) {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the state did not arrive within 10 s: {:?}",
        client.latest()
    );
}

/// Whether Mosquitto is installed; the Mosquitto tests must run in CI, where `.ci/run` installs
/// it, so they fail rather than skip when it is missing and `CI` is set.
pub fn mosquitto_available() -> bool {
    let found = Command::new("mosquitto")
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found && std::env::var_os("CI").is_some() {
        panic!("mosquitto is not installed, and CI must run the Mosquitto tests");
    }
    if !found {
        eprintln!("mosquitto is not installed: skipping (./dev setup installs it)");
    }
    found
}
