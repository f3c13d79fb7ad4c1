//! `hallq hq serve`: HQ's process — the ingest workers and the web console, together or each
//! alone for scale ([`Role`]) — configured by hq.toml ([`HqConfig`], deploy/hq.example.toml).
//!
//! The ingest side connects to NATS, makes the uplink stream and the shared durable consumer if
//! missing, reads it in one dispatcher and runs `[ingest] workers` workers, each with its own
//! PostgreSQL connection, each storing the batches of its own halls (a worker whose database
//! fails reconnects and goes on; its batch is delivered again), plus the roll-ups' refresh every
//! minute. The web side serves the console ([`crate::console`]).
//! Both migrate the store at start (migrations take turns, so any number of processes may).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use tokio::task::JoinSet;

use crate::error::HqError;
use crate::store::{self, Configs, rollup};

/// What one process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Ingest workers and the console.
    All,
    /// Ingest workers (and the roll-ups' refresh) only.
    Ingest,
    /// The console only.
    Web,
}

impl Role {
    fn ingests(self) -> bool {
        matches!(self, Self::All | Self::Ingest)
    }
    fn serves_web(self) -> bool {
        matches!(self, Self::All | Self::Web)
    }
}

/// hq.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HqConfig {
    /// The chain's NATS cluster.
    pub nats: NatsSettings,
    /// The HQ store.
    pub postgres: PgSettings,
    /// The console.
    #[serde(default)]
    pub web: WebSettings,
    /// The ingest workers.
    #[serde(default)]
    pub ingest: IngestSettings,
    /// The chain's KPI targets (DOMAIN.md's by default), as hall.toml's `[kpi]`.
    #[serde(default)]
    pub kpi: hallq_report::Targets,
    /// The customers' ticket pages (docs/phone.md, "At HQ"); off without `listen`.
    #[serde(default)]
    pub phone: crate::phone::PhoneSettings,
    /// HQ as the booking master of halls (docs/booking.md, "At HQ"); none without `halls`.
    #[serde(default)]
    pub booking: crate::booking::BookingSettings,
}

/// `[nats]`: as a hall's uplink connects, HQ does.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsSettings {
    /// The cluster's URLs (`nats://host:4222`, `tls://…`).
    pub servers: Vec<String>,
    /// A NATS credentials file (JWT and seed), if the cluster uses accounts.
    #[serde(default)]
    pub creds: Option<PathBuf>,
    /// A user name; its password comes from the environment variable `password_env`.
    #[serde(default)]
    pub user: Option<String>,
    /// The variable holding the NATS password.
    #[serde(default = "nats_password_env")]
    pub password_env: String,
    /// The CA that signed the servers' certificates; TLS is then required.
    #[serde(default)]
    pub tls_ca: Option<PathBuf>,
}

fn nats_password_env() -> String {
    "HALLQ_NATS_PASSWORD".into()
}

/// `[postgres]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PgSettings {
    /// libpq's key=value connection string, without the password.
    pub conninfo: String,
    /// The variable holding the password (unset: none, e.g. peer or trust authentication).
    #[serde(default = "pg_password_env")]
    pub password_env: String,
}

fn pg_password_env() -> String {
    "HALLQ_PG_PASSWORD".into()
}

/// `[web]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebSettings {
    /// Where the console listens.
    pub listen: String,
    /// How long a login lasts, minutes.
    pub session_minutes: u32,
    /// The chain's local time (minutes east of UTC): months and "today" are counted in it.
    pub utc_offset_min: i32,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            session_minutes: 8 * 60,
            utc_offset_min: 480,
        }
    }
}

/// `[ingest]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestSettings {
    /// Workers sharing the durable consumer.
    pub workers: u32,
}

impl Default for IngestSettings {
    fn default() -> Self {
        Self { workers: 2 }
    }
}

impl HqConfig {
    /// Reads and validates hq.toml.
    pub fn load(path: &Path) -> Result<Self, HqError> {
        let text = std::fs::read_to_string(path).map_err(|e| HqError::Config {
            path: path.to_owned(),
            reason: format!("无法读取 / cannot be read: {e}"),
        })?;
        Self::parse(&text).map_err(|reason| HqError::Config {
            path: path.to_owned(),
            reason,
        })
    }

    /// Parses and validates hq.toml's text; the error is bilingual.
    pub fn parse(text: &str) -> Result<Self, String> {
        let cfg: Self = toml::from_str(text)
            .map_err(|e| format!("配置文件有误 / hq.toml is not valid: {e}"))?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), String> {
        let n = &self.nats;
        if n.servers.is_empty() {
            return Err("[nats] servers 不能为空 / [nats] servers is empty".into());
        }
        for s in &n.servers {
            let ok = ["nats://", "tls://"].iter().any(|p| s.starts_with(p))
                && s.len() > 7
                && !s.contains(char::is_whitespace);
            if !ok {
                return Err(format!(
                    "[nats] servers: “{s}” 不是 nats:// 或 tls:// 地址 / is not a nats:// or tls:// URL"
                ));
            }
        }
        if n.creds.is_some() && n.user.is_some() {
            return Err(
                "[nats] creds 与 user 只能选一个 / give either creds or user, not both".into(),
            );
        }
        let pg: tokio_postgres::Config = self.postgres.conninfo.parse().map_err(|e| {
            format!("[postgres] conninfo 无效 / [postgres] conninfo is not valid: {e}")
        })?;
        if pg.get_password().is_some() {
            return Err(format!(
                "[postgres] conninfo 中不能写密码，请放在环境变量 {} 中 / no password in conninfo: \
                 put it in the environment variable {}",
                self.postgres.password_env, self.postgres.password_env
            ));
        }
        if self.postgres.password_env.is_empty() || n.password_env.is_empty() {
            return Err("password_env 不能为空 / password_env is empty".into());
        }
        self.listen()?;
        self.phone.listen()?;
        self.booking.check()?;
        self.booking.listen()?;
        let w = &self.web;
        if !(1..=7 * 24 * 60).contains(&w.session_minutes) {
            return Err(
                "[web] session_minutes 须在 1 至 10080 之间 / [web] session_minutes must be 1 to 10080"
                    .into(),
            );
        }
        if !(-12 * 60..=14 * 60).contains(&w.utc_offset_min) {
            return Err(
                "[web] utc_offset_min 须在 -720 至 840 之间 / [web] utc_offset_min must be -720 to 840"
                    .into(),
            );
        }
        if !(1..=64).contains(&self.ingest.workers) {
            return Err(
                "[ingest] workers 须在 1 至 64 之间 / [ingest] workers must be 1 to 64".into(),
            );
        }
        let k = &self.kpi;
        for (key, v) in [
            ("satisfaction_pct", k.satisfaction_pct),
            ("within_limit_pct", k.within_limit_pct),
            ("complaint_resolution_pct", k.complaint_resolution_pct),
            ("wait_service_level_pct", k.wait_service_level_pct),
        ] {
            if !(0.0..=100.0).contains(&v) {
                return Err(format!(
                    "[kpi] {key} 须在 0 至 100 之间 / [kpi] {key} must be 0 to 100"
                ));
            }
        }
        if !(1..=240).contains(&k.wait_target_min) {
            return Err(
                "[kpi] wait_target_min 须在 1 至 240 之间 / [kpi] wait_target_min must be 1 to 240"
                    .into(),
            );
        }
        Ok(())
    }

    /// `[web] listen` as an address.
    pub fn listen(&self) -> Result<SocketAddr, String> {
        self.web.listen.parse().map_err(|_| {
            format!(
                "[web] listen “{}” 不是 地址:端口 / is not an address:port",
                self.web.listen
            )
        })
    }

    /// The PostgreSQL connection settings, the password taken from the environment.
    pub fn pg_config(&self) -> Result<tokio_postgres::Config, HqError> {
        let mut pg: tokio_postgres::Config =
            self.postgres
                .conninfo
                .parse()
                .map_err(|e| HqError::Config {
                    path: PathBuf::from("hq.toml"),
                    reason: format!("[postgres] conninfo: {e}"),
                })?;
        if let Ok(pw) = std::env::var(&self.postgres.password_env)
            && !pw.is_empty()
        {
            pg.password(pw);
        }
        Ok(pg)
    }

    /// Connects to the NATS cluster as configured.
    pub async fn connect_nats(&self) -> Result<async_nats::Client, HqError> {
        let n = &self.nats;
        let nats = |e: &dyn std::fmt::Display| HqError::Nats(e.to_string());
        // No retry at start: a wrong address is said at once (systemd restarts the service);
        // once connected the client reconnects by itself.
        let mut opts = async_nats::ConnectOptions::new().name("hallq-hq");
        if let Some(creds) = &n.creds {
            opts = async_nats::ConnectOptions::with_credentials_file(creds)
                .await
                .map_err(|e| nats(&format!("{}: {e}", creds.display())))?
                .name("hallq-hq");
        }
        if let Some(user) = &n.user {
            let pw = std::env::var(&n.password_env).unwrap_or_default();
            opts = opts.user_and_password(user.clone(), pw);
        }
        if let Some(ca) = &n.tls_ca {
            opts = opts.add_root_certificates(ca.clone()).require_tls(true);
        }
        let servers: Vec<async_nats::ServerAddr> = n
            .servers
            .iter()
            .map(|s| s.parse())
            .collect::<Result<_, _>>()
            .map_err(|e| nats(&e))?;
        opts.connect(servers).await.map_err(|e| nats(&e))
    }
}

/// Connects to PostgreSQL with `pg` (no TLS: the store is on the host or a private network).
pub async fn connect_pg(pg: &tokio_postgres::Config) -> Result<tokio_postgres::Client, HqError> {
    let (client, connection) = pg.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "PostgreSQL connection ended");
        }
    });
    Ok(client)
}

/// How often the roll-ups of open days are brought up to date (docs/chain.md, "Roll-ups").
pub const REFRESH_EVERY: Duration = Duration::from_secs(60);

/// A running HQ process: its tasks, and the console's address if it serves one.
#[derive(Debug)]
pub struct Running {
    /// Where the console listens (`[web] listen`, its port resolved if it was 0).
    pub web: Option<SocketAddr>,
    /// Where the ticket pages listen (`[phone] listen`), if they are served.
    pub phone: Option<SocketAddr>,
    /// Where the booking pages listen (`[booking] listen`), if they are served.
    pub booking: Option<SocketAddr>,
    tasks: JoinSet<()>,
}

impl Running {
    /// Stops every task.
    pub async fn stop(mut self) {
        self.tasks.shutdown().await;
    }
}

/// Starts what `role` runs and returns once it is up: the store migrated, the consumer made
/// and the console listening.
pub async fn start(cfg: &HqConfig, role: Role) -> Result<Running, HqError> {
    let pg = cfg.pg_config()?;
    let mut client = connect_pg(&pg).await?;
    store::migrate(&mut client).await?;
    let mut tasks = JoinSet::new();
    let mut fallback = rollup::unconfigured();
    fallback.targets = cfg.kpi.clone();
    let configs = Configs::new(fallback);
    if role.ingests() {
        let nats = cfg.connect_nats().await?;
        let js = async_nats::jetstream::new(nats.clone());
        let consumer = crate::ingest::consumer_when_ready(&js, crate::ingest::READY_WITHIN).await?;
        let mut queues = Vec::new();
        for worker in 0..cfg.ingest.workers {
            let (tx, rx) = tokio::sync::mpsc::channel(crate::ingest::QUEUE_PER_WORKER);
            queues.push(tx);
            tasks.spawn(ingest_worker(worker, rx, pg.clone(), configs.clone()));
        }
        tasks.spawn(dispatcher(consumer, queues));
        tasks.spawn(refresh_loop(pg.clone(), configs.clone()));
        uplink_tasks(&nats, &pg, &mut tasks);
        // The bookings down to the halls: every ingest process of a chain that is some hall's
        // booking master runs a publisher, one publishes. Without `[booking.halls]` nothing
        // writes the outbox, and no process polls it (the processes share one hq.toml).
        if !cfg.booking.halls.is_empty() {
            tasks.spawn(crate::booking::publish::publisher(pg.clone(), js.clone()));
            // And each hall's booking key, where only that hall reads it.
            if let Some(key_file) = &cfg.booking.key_file {
                let keys = crate::booking::Keys::load(key_file)?;
                let halls = cfg.booking.halls.keys().cloned().collect();
                tasks.spawn(crate::booking::keys_down::hand_down(
                    js.clone(),
                    keys,
                    halls,
                ));
            }
        }
    }
    let mut web = None;
    if role.serves_web() {
        let addr = cfg.listen().map_err(|reason| HqError::Config {
            path: PathBuf::from("hq.toml"),
            reason,
        })?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| HqError::Io {
                path: PathBuf::from(addr.to_string()),
                source,
            })?;
        web = Some(listener.local_addr().map_err(|source| HqError::Io {
            path: PathBuf::from(addr.to_string()),
            source,
        })?);
        let console = crate::console::Console::new(pg.clone(), cfg, client);
        tasks.spawn(console.clone().watch_changes());
        let app = console.router();
        tasks.spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "the console stopped");
            }
        });
    }
    let phone = phone_pages(cfg, &mut tasks).await?;
    let booking = booking_pages(cfg, &pg, &mut tasks).await?;
    Ok(Running {
        web,
        phone,
        booking,
        tasks,
    })
}

/// With `[booking] listen` and halls: the booking pages and API of the halls HQ is booking
/// master of (any role: every process decides in the one database).
async fn booking_pages(
    cfg: &HqConfig,
    pg: &tokio_postgres::Config,
    tasks: &mut JoinSet<()>,
) -> Result<Option<SocketAddr>, HqError> {
    let addr = cfg.booking.listen().map_err(|reason| HqError::Config {
        path: PathBuf::from("hq.toml"),
        reason,
    })?;
    let Some(addr) = addr.filter(|_| !cfg.booking.halls.is_empty()) else {
        return Ok(None);
    };
    let api = std::sync::Arc::new(crate::booking::api::Bookings::new(
        &cfg.booking,
        pg.clone(),
    )?);
    let io = |source| HqError::Io {
        path: PathBuf::from(addr.to_string()),
        source,
    };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(io)?;
    let bound = listener.local_addr().map_err(io)?;
    tracing::info!(addr = %bound, "booking pages listening / 总部预约页已启动");
    tasks.spawn(crate::booking::api::serve(listener, api));
    Ok(Some(bound))
}

/// With `[phone] listen`: the customers' ticket pages, every hall's, on their own listener
/// (any role: each process serves them from memory, fed from NATS).
async fn phone_pages(
    cfg: &HqConfig,
    tasks: &mut JoinSet<()>,
) -> Result<Option<SocketAddr>, HqError> {
    let addr = cfg.phone.listen().map_err(|reason| HqError::Config {
        path: PathBuf::from("hq.toml"),
        reason,
    })?;
    let Some(addr) = addr else {
        return Ok(None);
    };
    let nats = cfg.connect_nats().await?;
    let io = |source| HqError::Io {
        path: PathBuf::from(addr.to_string()),
        source,
    };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(io)?;
    let bound = listener.local_addr().map_err(io)?;
    tracing::info!(addr = %bound, "ticket pages listening / 手机排队页已启动");
    tasks.spawn(crate::phone::serve(nats, listener));
    Ok(Some(bound))
}

/// Runs `role` until `shutdown` completes.
pub async fn run(
    cfg: &HqConfig,
    role: Role,
    shutdown: impl Future<Output = ()>,
) -> Result<(), HqError> {
    let running = start(cfg, role).await?;
    if let Some(addr) = running.web {
        tracing::info!(%addr, "HQ console listening / 总部控制台已启动");
    }
    shutdown.await;
    running.stop().await;
    Ok(())
}

/// HQ's answers to the halls, beside the ingest: the marks responder (`hallq.mark.<hall>` from
/// `marks`) and the live-status subscriber (`hallq.status.<hall>` into `halls` and
/// `hall_status`, which the console reads). Each runs until the NATS connection closes.
fn uplink_tasks(nats: &async_nats::Client, pg: &tokio_postgres::Config, tasks: &mut JoinSet<()>) {
    let (client, config) = (nats.clone(), pg.clone());
    tasks.spawn(async move {
        if let Err(e) = crate::serve_marks(client, &config).await {
            tracing::error!(error = %e, "the marks responder stopped");
        }
    });
    let (client, config) = (nats.clone(), pg.clone());
    tasks.spawn(async move {
        if let Err(e) = crate::serve_status(client, &config).await {
            tracing::error!(error = %e, "the status subscriber stopped");
        }
    });
}

/// The most messages the dispatcher fetches at once: with the workers' queues
/// ([`crate::ingest::QUEUE_PER_WORKER`]) what one process holds unanswered stays a few seconds'
/// work, far inside the ack wait.
const FETCH_MAX: usize = 16;

/// The process's one reader of the shared consumer: hands each message to the worker of its
/// hall ([`crate::ingest::dispatch`]), forever; a consumer that cannot be read (the cluster
/// electing a leader) is asked again a second later.
async fn dispatcher(
    consumer: async_nats::jetstream::consumer::PullConsumer,
    queues: Vec<tokio::sync::mpsc::Sender<async_nats::jetstream::Message>>,
) {
    loop {
        match crate::ingest::dispatch(&consumer, &queues, FETCH_MAX, Duration::from_secs(5)).await {
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "ingest: the consumer cannot be read; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// One ingest worker, forever: stores the batches the dispatcher hands it (its halls'), each
/// answered after its commit; on a database error reconnects (the batch it failed on is
/// delivered again).
async fn ingest_worker(
    worker: u32,
    mut queue: tokio::sync::mpsc::Receiver<async_nats::jetstream::Message>,
    pg: tokio_postgres::Config,
    configs: Configs,
) {
    let mut client: Option<tokio_postgres::Client> = None;
    while let Some(m) = queue.recv().await {
        let c = loop {
            match client.take() {
                Some(c) if !c.is_closed() => break client.insert(c),
                _ => match connect_pg(&pg).await {
                    Ok(c) => break client.insert(c),
                    Err(e) => {
                        tracing::warn!(worker, error = %e, "ingest: no database, retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                },
            }
        };
        let mut stats = crate::ingest::IngestStats::default();
        if let Err(e) = crate::ingest::answer(&m, c, &configs, &mut stats).await {
            tracing::warn!(worker, error = %e, "ingest failed; the batch comes again");
        }
    }
}

/// The roll-ups' refresh every [`REFRESH_EVERY`].
async fn refresh_loop(pg: tokio_postgres::Config, configs: Configs) {
    let mut tick = tokio::time::interval(REFRESH_EVERY);
    loop {
        tick.tick().await;
        let result = match connect_pg(&pg).await {
            Ok(mut c) => rollup::refresh(&mut c, &configs).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "roll-up refresh failed; next in a minute");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        [nats]
        servers = ["nats://127.0.0.1:4222"]
        [postgres]
        conninfo = "host=127.0.0.1 user=hq dbname=hq"
    "#;

    #[test]
    fn a_minimal_hq_toml_takes_the_defaults() {
        let cfg = HqConfig::parse(GOOD).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cfg.web.session_minutes, 480);
        assert_eq!(cfg.ingest.workers, 2);
        assert_eq!(cfg.kpi.satisfaction_pct, 95.0);
        assert_eq!(cfg.kpi.within_limit_pct, 98.0);
        assert_eq!(cfg.kpi.complaint_resolution_pct, 99.0);
    }

    /// Each mistake is refused with a message in both languages that names the key.
    #[test]
    fn bad_hq_toml_is_refused_in_both_languages() {
        let cases = [
            (GOOD.replace("nats://127.0.0.1:4222", "http://x"), "servers"),
            (
                GOOD.replace(r#"["nats://127.0.0.1:4222"]"#, "[]"),
                "servers",
            ),
            (
                GOOD.replace("user=hq", "user=hq password=secret"),
                "password",
            ),
            (format!("{GOOD}\n[web]\nlisten = \"here\"\n"), "listen"),
            (
                format!("{GOOD}\n[phone]\nlisten = \"here\"\n"),
                "[phone] listen",
            ),
            (format!("{GOOD}\n[phone]\nlisten_on = 1\n"), "listen_on"),
            (
                format!("{GOOD}\n[web]\nsession_minutes = 0\n"),
                "session_minutes",
            ),
            (format!("{GOOD}\n[ingest]\nworkers = 0\n"), "workers"),
            (
                format!("{GOOD}\n[kpi]\nsatisfaction_pct = 120.0\n"),
                "satisfaction_pct",
            ),
            (format!("{GOOD}\n[typo]\nx = 1\n"), "typo"),
        ];
        for (text, key) in cases {
            let err = HqConfig::parse(&text).expect_err(key);
            assert!(err.contains(key), "{key}: {err}");
            assert!(err.contains(" / "), "bilingual: {err}");
            assert!(
                err.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "Chinese: {err}"
            );
        }
    }
}
