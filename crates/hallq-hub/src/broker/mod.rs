//! The hall's embedded MQTT broker: rmqtt 0.24.0 inside the hub's tokio runtime.
//!
//! Every device of the hall is an MQTT client of this broker, so it is where the hall's first
//! line of security lives: who may connect, and which topics each login may touch. Every rmqtt
//! default that was measured to be a trap (ARCHITECTURE.md, "Decisions already measured") is
//! handled here and nowhere else:
//!
//! | trap | what this module does |
//! |---|---|
//! | Nagle is on for accepted sockets | the listener sets `TCP_NODELAY` on every accepted socket |
//! | `SO_REUSEADDR` is unset | set, so a hub restarting on its port does not hit `EADDRINUSE` |
//! | `busy_check_enable` refuses clients when the CPU is busy | turned off |
//! | 16 unacknowledged messages per session: the hub's group commit never exceeds 16 | 256, as Mosquitto's `max_inflight_messages` |
//! | retained messages need a plugin, and expire | `rmqtt-retainer` (RAM) with `retained_message_ttl = "0s"` |
//! | `rmqtt-acl` logs its whole config at INFO | the hub installs [`ACL_LOG_FILTER`]; the config holds no secret anyway |
//! | `run()` never returns | the server runs on its own task; [`Broker::shutdown`] aborts it |
//! | a TLS handshake may take 30 s, and a connection that finishes it and then sends nothing is never timed out | the [`crate::gate`] owns the TLS port and ends TLS itself: handshake and CONNECT within [`HANDSHAKE_TIMEOUT`] |
//! | a plain connection that never sends its first packet is never timed out | the [`crate::gate`] owns the plain port: a CONNECT within [`HANDSHAKE_TIMEOUT`], at most [`CONNECTIONS_PER_ADDRESS`] per address (on each port) |
//!
//! TLS: beside (or, with the plain listener on loopback, instead of) plain MQTT, the broker
//! can listen for MQTT over TLS ([`BrokerTls`]) with the certificate `hallq tls init` makes,
//! signed by the hall's own CA. The gate ends TLS (rustls on ring, read from the PEM files at
//! start), not rmqtt's TLS listener, whose time limit ends with the TLS handshake; it offers TLS
//! 1.2 and 1.3 only and asks no client certificate: devices still log in with their password,
//! now inside the tunnel.
//!
//! Authentication: `rmqtt-acl` 0.24 can only compare a password in its rules with the one a
//! client sends, byte for byte, so using it for passwords would put every device's secret in
//! plain text in the broker's config (and in its INFO log). Instead the hub keeps an Argon2id PHC
//! string per login ([`secret::hash`] makes one) and an authentication hook of this module
//! verifies it. The ACL plugin still guards every connect, publish and subscribe with rules
//! generated from the logins, deny by default: an unknown or anonymous client is refused twice.
//!
//! Who may do what, in the hall `h` (topics from [`hallq_proto::topic::Topics`]):
//!
//! | login | publish | subscribe |
//! |---|---|---|
//! | the hub | `hallq/v1/h/#` | `hallq/v1/h/#` |
//! | device `d` | `…/cmd/d`, `…/presence/d` | `…/reply/d`, `…/state/#`, `…/event/#` |
//! | supervisor console `d` | as a device | as a device, and `…/presence/+` (its device panel) |
//! | monitor `d` | nothing | `hallq/v1/h/#` (a person watching the hall) |
//!
//! A device (a monitor too) must also connect with its id as client id: a client id names a
//! session, and a login that could pick another device's client id could kick that device off
//! the broker.
//!
//! Last wills: rmqtt 0.24 publishes a client's will without asking the ACL, so a kiosk could
//! leave a forged retained board behind by connecting with a will on `…/state/board` and pulling
//! its cable. The authentication hook therefore checks the will at CONNECT: a device's will may
//! only be its own presence topic, the hub's only a topic of its hall; a monitor may leave none.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hallq_profiles::DeviceKind;
use hallq_proto::HallId;
use rmqtt::context::ServerContext;
use rmqtt::hook::{Priority, Type};
use rmqtt::net::Builder;
use rmqtt::server::MqttServer;
use rmqtt::types::{Message, Reason};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::secret::{self, Verifier};

mod hooks;
mod rules;
#[cfg(test)]
mod tests;

use hooks::{Authenticator, RefusedPublishLogger, RetainedCommandRefuser};
use rules::{Account, Role, accounts, acl_config};

/// The tracing filter directive the hub must install (e.g. appended to its `EnvFilter`).
///
/// `rmqtt-acl` logs its whole configuration at INFO when it starts. Here that config holds only
/// usernames and topics, but it is still the hall's security policy, and a future change that
/// put a secret in it must not leak into the journal of the machine. rmqtt logs through the
/// `log` crate; with tracing-subscriber's default `tracing-log` bridge this directive applies.
pub const ACL_LOG_FILTER: &str = "rmqtt_acl=warn";

/// The plugin names rmqtt looks the inline configuration up by (each crate's package name).
const ACL_PLUGIN: &str = "rmqtt-acl";
const RETAINER_PLUGIN: &str = "rmqtt-retainer";

/// The retainer keeps retained messages in RAM and never expires them: without
/// `retained_message_ttl = "0s"` a retained message lives only for the listener's message expiry
/// (5 minutes), and a display that reboots after that would find no board. RAM is enough: the
/// hub republishes its state from the journal when it starts, and devices their birth.
const RETAINER_CONFIG: &str = r#"
storage = { type = "ram" }
max_retained_messages = 0
max_payload_size = "1MB"
retained_message_ttl = "0s"
"#;

/// Our authentication hook runs before the ACL plugin's (priority 10) so that a wrong password
/// ends the chain before any ACL rule is consulted.
const AUTH_PRIORITY: Priority = 100;

/// QoS 1 messages the broker sends a session before it waits for their PUBACKs. rmqtt's default
/// is 16, and the hub acknowledges a command only after its journal commit: 16 was the largest
/// group commit the hub could ever make, capping it at ~3,300 durable commands/s here, against
/// ~9,000 over Mosquitto with its `max_inflight_messages 256` (`hallq bench`, docs/BENCHMARKS.md).
/// 256 matches Mosquitto's setting and the hub's own rumqttc window.
const MAX_INFLIGHT: std::num::NonZeroU16 = std::num::NonZeroU16::new(256).expect("not zero");

/// The longest a device's CONNECT is held while the hub starts; then it is refused (MQTT 3.1.1
/// has "server unavailable", which rmqtt 0.24's hooks cannot give: "not authorized") and the
/// device retries.
const HOLD_LIMIT: Duration = Duration::from_secs(10);

/// How long a new connection has to send its CONNECT, over TLS its TLS handshake included
/// (rmqtt's default is 30 s). The hold of [`HOLD_LIMIT`] comes after this check, not within it.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections one address may hold on the plain listener (a hall's device has one; a few
/// more cover reconnects whose old socket is not closed yet). 127.0.0.1 is not capped.
pub const CONNECTIONS_PER_ADDRESS: usize = 16;

/// How long [`Broker::shutdown`] waits for the open sessions to close their sockets.
const SESSION_CLOSE_GRACE: Duration = Duration::from_secs(2);

/// One login of the broker.
#[derive(Clone)]
pub struct BrokerUser {
    /// The MQTT username. A device's is its device id, because its ACL rules are built from it.
    pub username: String,
    /// An Argon2id PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), made by
    /// [`secret::hash`] or any Argon2 tool. The broker never holds a device's password.
    pub password_hash: String,
    /// What a device's login may read and write (not used for the hub's own login).
    pub access: Access,
}

impl BrokerUser {
    /// A login with an already hashed password and a device's ordinary rights.
    pub fn new(username: impl Into<String>, password_hash: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password_hash: password_hash.into(),
            access: Access::Device,
        }
    }

    /// The login of a device of role `kind`.
    pub fn device(
        username: impl Into<String>,
        password_hash: impl Into<String>,
        kind: DeviceKind,
    ) -> Self {
        Self {
            access: Access::of(kind),
            ..Self::new(username, password_hash)
        }
    }
}

/// What a device's login may do on the broker, by its role. Both brokers' rules are built from
/// it: the embedded one's here, Mosquitto's ACL in [`crate::mosquitto`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// Write its own commands and presence; read its own replies, the state and the events.
    #[default]
    Device,
    /// A device that also reads every device's presence: the supervisor console's device panel
    /// shows which device is down.
    Supervisor,
    /// Read the hall's whole tree and write nothing: a person watching (`mosquitto_sub`), who
    /// must not have to borrow the hub's login and fight the hub for its session.
    Monitor,
}

impl Access {
    /// The access of a device of role `kind`.
    pub fn of(kind: DeviceKind) -> Self {
        match kind {
            DeviceKind::Supervisor => Self::Supervisor,
            DeviceKind::Monitor => Self::Monitor,
            _ => Self::Device,
        }
    }
}

impl fmt::Debug for BrokerUser {
    /// The hash is left out: it is not the password, but it is what an offline guess starts from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BrokerUser")
            .field("username", &self.username)
            .field("password_hash", &"<redacted>")
            .field("access", &self.access)
            .finish()
    }
}

/// What the broker needs to start.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// Where to listen for plain MQTT. Port 0 picks a free port; [`Broker::port`] tells which.
    /// A hall that runs TLS only puts this on loopback, for the hub's own connection.
    pub listen: SocketAddr,
    /// Where to listen for MQTT over TLS, and with which certificate; none if `None`.
    pub tls: Option<BrokerTls>,
    /// The hall whose topic tree the ACL rules guard. Topics of other halls are refused to all.
    pub hall: HallId,
    /// The hub's own login: it may publish and subscribe anywhere under `hallq/v1/{hall}/`.
    pub hub_user: BrokerUser,
    /// Every registered device's login. Each username must be a valid [`DeviceId`].
    pub users: Vec<BrokerUser>,
    /// Hold every device's CONNECT until [`Broker::open_to_devices`] (the hub's own login is
    /// never held). The hub sets it: a device that got in before the hub had subscribed would
    /// send commands to no one, and wait out its reply time-out before resending.
    pub hold_devices: bool,
}

/// The TLS listener of the broker.
#[derive(Debug, Clone)]
pub struct BrokerTls {
    /// Where to listen (8883 by convention). Port 0 picks a free port; [`Broker::tls_port`]
    /// tells which.
    pub listen: SocketAddr,
    /// The broker's certificate chain, PEM: its own certificate first (`server.pem`).
    pub cert: PathBuf,
    /// Its private key, PEM (PKCS#8, `server.key`).
    pub key: PathBuf,
}

/// Why the broker could not start.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// A login in the config cannot be used; the message says which and why.
    #[error("broker login {username:?}: {reason}")]
    InvalidUser {
        /// The login's username.
        username: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A password could not be hashed.
    #[error(transparent)]
    Hash(secret::HashError),
    /// The listening socket could not be set up (port in use, no permission, bad address).
    #[error("cannot listen on {addr}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS or rmqtt said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The TLS certificate or key cannot be read or do not match.
    #[error(
        "cannot use the TLS certificate {cert} with the key {key} / 无法使用 TLS 证书或私钥（`hallq tls init` 可生成）"
    )]
    Tls {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rmqtt or rustls said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An rmqtt plugin refused its generated configuration or failed to start.
    #[error("cannot start the broker plugin {plugin}")]
    Plugin {
        /// The plugin's name.
        plugin: &'static str,
        /// What rmqtt said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A running broker. Dropping it stops accepting connections; [`Broker::shutdown`] also closes
/// the sessions that are open.
pub struct Broker {
    /// The address actually bound: with port 0 in the config, the only way to learn the port.
    local_addr: SocketAddr,
    /// The TLS listener's bound address, if it has one.
    tls_addr: Option<SocketAddr>,
    /// rmqtt's own plain listener, on loopback behind the gate: the hub connects there.
    inner_addr: SocketAddr,
    /// The gate's accept loop. `None` once aborted.
    gate: Option<JoinHandle<()>>,
    /// The TLS gate's accept loop, if the broker listens for TLS. `None` once aborted.
    tls_gate: Option<JoinHandle<()>>,
    /// rmqtt's context, kept to reach the open sessions at shutdown.
    scx: ServerContext,
    /// The task running rmqtt's accept loop; it owns the listening socket. `None` once aborted.
    server: Option<JoinHandle<()>>,
    /// Whether devices may log in (see [`BrokerConfig::hold_devices`]).
    open: watch::Sender<bool>,
    /// The logins the authentication hook checks, replaced whole by
    /// [`Broker::set_device_logins`].
    accounts: Logins,
    /// The hall and the hub's login, to build the logins again.
    hall: HallId,
    hub_user: BrokerUser,
}

/// Every login by username, shared by the broker and its authentication hook. A reload swaps
/// the map; a check in progress keeps the one it started with.
type Logins = Arc<std::sync::RwLock<Arc<HashMap<String, Account>>>>;

impl fmt::Debug for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Broker")
            .field("local_addr", &self.local_addr)
            .field("tls_addr", &self.tls_addr)
            .field("running", &self.server.is_some())
            .finish()
    }
}

/// Starts the broker on the current tokio runtime and returns once its socket is listening.
///
/// The listening socket is bound and in the listen state before this returns, so a client may
/// connect at once. The plugins (retainer, ACL, authentication) are running by then too.
#[tracing::instrument(skip_all, err, fields(listen = %config.listen, hall = %config.hall))]
pub async fn start(config: BrokerConfig) -> Result<Broker, BrokerError> {
    let accounts: Logins = Arc::new(std::sync::RwLock::new(Arc::new(accounts(
        &config.hall,
        &config.hub_user,
        &config.users,
    )?)));
    let acl = acl_config(&config)?;
    let (open, _) = watch::channel(!config.hold_devices);

    let scx = ServerContext::new()
        // Refuses connections whenever the machine looks busy: a hall hub on two cores is
        // busy exactly when every device reconnects at once, which is when they must get in.
        .busy_check_enable(false)
        .plugins_config_map_add(ACL_PLUGIN, acl)
        .plugins_config_map_add(RETAINER_PLUGIN, RETAINER_CONFIG)
        .build()
        .await;

    rmqtt_retainer::register(&scx, true, false)
        .await
        .map_err(|e| BrokerError::Plugin {
            plugin: RETAINER_PLUGIN,
            source: e.into(),
        })?;
    rmqtt_acl::register(&scx, true, false)
        .await
        .map_err(|e| BrokerError::Plugin {
            plugin: ACL_PLUGIN,
            source: e.into(),
        })?;
    let hooks = scx.extends.hook_mgr().register();
    hooks
        .add_priority(
            Type::ClientAuthenticate,
            AUTH_PRIORITY,
            Box::new(Authenticator {
                accounts: Arc::clone(&accounts),
                verifier: Verifier::new(Verifier::HUB_BUDGET_KIB),
                open: open.subscribe(),
            }),
        )
        .await;
    hooks
        .add_priority(
            Type::MessagePublishCheckAcl,
            AUTH_PRIORITY,
            Box::new(RetainedCommandRefuser),
        )
        .await;
    hooks
        .add(Type::MessageDropped, Box::new(RefusedPublishLogger))
        .await;
    hooks.start().await;

    let listen_error = |addr: SocketAddr| {
        move |source: rmqtt::Error| BrokerError::Listen {
            addr,
            source: source.into(),
        }
    };
    // rmqtt listens on loopback; the gate takes the hall's port and passes connections on.
    let inner = SocketAddr::from(([127, 0, 0, 1], 0));
    let listener = listener_builder("hallq", inner)
        .handshake_timeout(HANDSHAKE_TIMEOUT)
        .bind()
        .and_then(|l| l.tcp())
        .map_err(listen_error(inner))?;
    let inner_addr = listener.local_addr().map_err(listen_error(inner))?;
    let gate_listener = bind_gate(config.listen).map_err(|e| BrokerError::Listen {
        addr: config.listen,
        source: e.into(),
    })?;
    let local_addr = gate_listener
        .local_addr()
        .map_err(|e| BrokerError::Listen {
            addr: config.listen,
            source: e.into(),
        })?;
    let gate_limits = crate::gate::GateLimits {
        handshake: HANDSHAKE_TIMEOUT,
        per_address: CONNECTIONS_PER_ADDRESS,
        max_connect: MAX_PACKET_BYTES as usize,
    };
    let gate = crate::gate::serve(gate_listener, inner_addr, gate_limits, None);
    // rmqtt keys listener configs by id; the bound port is unique and, unlike the configured
    // port, never 0.
    let server = MqttServer::new(scx.clone()).listener_by_id(listener, inner_addr.port());

    // The TLS port is the gate's too: it ends TLS and reads the CONNECT inside, within the same
    // time limit, and passes the connection on to rmqtt's plain listener.
    let mut tls_addr = None;
    let mut tls_gate = None;
    if let Some(tls) = &config.tls {
        let acceptor = tls_acceptor(tls)?;
        let listener = bind_gate(tls.listen).map_err(|e| BrokerError::Listen {
            addr: tls.listen,
            source: e.into(),
        })?;
        let addr = listener.local_addr().map_err(|e| BrokerError::Listen {
            addr: tls.listen,
            source: e.into(),
        })?;
        tls_gate = Some(crate::gate::serve(
            listener,
            inner_addr,
            gate_limits,
            Some(acceptor),
        ));
        tls_addr = Some(addr);
    }
    let server = server.build();
    let server = tokio::spawn(async move {
        // In rmqtt 0.24 `run()` loops on accept forever; it returns only on a setup error.
        if let Err(error) = server.run().await {
            tracing::error!(%error, "the embedded broker stopped");
        }
    });
    tracing::info!(%local_addr, inner = %inner_addr, tls = ?tls_addr, "embedded broker listening");
    Ok(Broker {
        local_addr,
        tls_addr,
        inner_addr,
        gate: Some(gate),
        tls_gate,
        scx,
        server: Some(server),
        open,
        accounts,
        hall: config.hall,
        hub_user: config.hub_user,
    })
}

/// The gate's listening socket on the hall's plain port, with `SO_REUSEADDR` as rmqtt's own
/// listeners have it (a hub restarted at once must not meet `EADDRINUSE`).
fn bind_gate(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// The TLS side of the gate: the broker's certificate chain and key from their PEM files, TLS 1.2
/// and 1.3 (as Mosquitto's `tls_version tlsv1.2`), no client certificate (devices log in with
/// their password inside the tunnel). rustls runs on ring, named explicitly: aws-lc-rs is linked
/// too (rmqtt-net), and with two providers rustls picks no default.
fn tls_acceptor(tls: &BrokerTls) -> Result<tokio_rustls::TlsAcceptor, BrokerError> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let refused = |source: Box<dyn std::error::Error + Send + Sync>| BrokerError::Tls {
        cert: tls.cert.clone(),
        key: tls.key.clone(),
        source,
    };
    let certs = CertificateDer::pem_file_iter(&tls.cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| refused(e.into()))?;
    if certs.is_empty() {
        return Err(refused(
            "no CERTIFICATE block in the certificate file".into(),
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&tls.key).map_err(|e| refused(e.into()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| refused(e.into()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| refused(e.into()))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// A listener's settings.
fn listener_builder(name: &str, addr: SocketAddr) -> Builder {
    Builder::new()
        .name(name)
        .laddr(addr)
        // Off by default: every small QoS 1 packet would wait for the peer's delayed ACK
        // (~40 ms per hop, measured).
        .nodelay(true)
        // Unset by default: a hub restarted right after a stop would fail to bind while the
        // old connections sit in TIME_WAIT. SO_REUSEPORT stays unset: two hubs must not share.
        .reuseaddr(Some(true))
        .max_inflight(MAX_INFLIGHT)
        // rmqtt takes packets of up to 1 MiB by default. A command is at most 8 KiB and the hub's
        // largest state message a few KiB: a client sending more is cut off at the broker,
        // before the payload is passed on. Mosquitto's hallq.conf has 64 KiB of payload.
        .max_packet_size(MAX_PACKET_BYTES)
        .allow_anonymous(false)
}

/// The largest MQTT packet a client of the embedded broker may send (see [`listener_builder`]).
const MAX_PACKET_BYTES: u32 = 128 * 1024;

impl Broker {
    /// Lets the devices in: the CONNECTs held until now go on to their checks.
    pub fn open_to_devices(&self) {
        self.open.send_replace(true);
    }

    /// The port the broker listens on.
    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    /// The address the broker listens on for plain MQTT.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The loopback port of rmqtt's own listener, behind the gate: for the hub's connection,
    /// which need not pass through it.
    pub fn hub_port(&self) -> u16 {
        self.inner_addr.port()
    }

    /// The port of the TLS listener, if the broker has one.
    pub fn tls_port(&self) -> Option<u16> {
        self.tls_addr.map(|a| a.port())
    }

    /// Stops accepting, releases the port, and closes every open session.
    ///
    /// This does not wait for rmqtt's `run()`, which never returns: it aborts the task that
    /// runs it, and awaiting the aborted task guarantees the listening socket has been dropped,
    /// so a new broker can bind the same port as soon as this returns. The sessions then get a
    /// `Closed` message and drop their sockets; clients see the connection end (without
    /// DISCONNECT, so they reconnect) and their wills are published to whoever is still on.
    ///
    /// A few rmqtt background tasks (the retainer's expiry sweep, persistent sessions' expiry
    /// timers) outlive this; they hold memory, not sockets.
    pub async fn shutdown(mut self) {
        for gate in [self.gate.take(), self.tls_gate.take()]
            .into_iter()
            .flatten()
        {
            gate.abort();
            let _ = gate.await;
        }
        if let Some(server) = self.server.take() {
            server.abort();
            // Cancelled is the expected outcome; a panic inside rmqtt is logged, not re-raised.
            if let Err(error) = server.await
                && !error.is_cancelled()
            {
                tracing::error!(%error, "the embedded broker task failed");
            }
        }
        let open = self.close_sessions().await;
        let deadline = tokio::time::Instant::now() + SESSION_CLOSE_GRACE;
        while self.open_sessions().await > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tracing::info!(local_addr = %self.local_addr, closed_sessions = open, "embedded broker stopped");
    }

    /// Replaces the devices' logins while running (a reload of hall.toml): a device no longer
    /// listed (revoked) or with another password hash (rotated) cannot log in with what it had,
    /// and its open session is closed and forgotten at once, so the old secret stops working
    /// now, not at the next restart. Returns the devices that are new.
    ///
    /// The ACL rules are fixed when the broker starts (rmqtt-acl 0.24 reads them once): a device
    /// that is new can log in, but the rules let it do nothing until the hub restarts.
    pub async fn set_device_logins(
        &self,
        users: &[BrokerUser],
    ) -> Result<Vec<String>, BrokerError> {
        let now = Arc::new(accounts(&self.hall, &self.hub_user, users)?);
        let old = std::mem::replace(
            &mut *self
                .accounts
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            Arc::clone(&now),
        );
        for (name, account) in old.iter().filter(|(_, a)| a.role == Role::Device) {
            if now
                .get(name)
                .is_none_or(|a| a.password_hash != account.password_hash)
            {
                self.kick(name).await;
            }
        }
        let mut added: Vec<String> = now
            .iter()
            .filter(|(name, a)| a.role == Role::Device && !old.contains_key(*name))
            .map(|(name, _)| name.clone())
            .collect();
        added.sort();
        Ok(added)
    }

    /// Closes `client_id`'s session, if it has one, and forgets it (its subscriptions and
    /// queued messages): a device put out starts from nothing if it ever comes back.
    async fn kick(&self, client_id: &str) {
        let shared = self.scx.extends.shared().await;
        let ids: Vec<_> = shared
            .iter()
            .map(|entry| entry.id())
            .filter(|id| &*id.client_id == client_id)
            .collect();
        for id in ids {
            match shared.entry(id).try_lock().await {
                Ok(mut entry) => match entry.kick(true, true, true).await {
                    Ok(_) => tracing::info!(client_id, "session closed: its login changed"),
                    Err(error) => tracing::warn!(client_id, %error, "cannot close the session"),
                },
                Err(error) => tracing::warn!(client_id, %error, "cannot close the session"),
            }
        }
    }

    /// Tells every connected session to close; returns how many were told.
    async fn close_sessions(&self) -> usize {
        let shared = self.scx.extends.shared().await;
        let mut told = 0;
        for entry in shared.iter() {
            if let Some(tx) = entry.tx().filter(|tx| !tx.is_closed())
                && tx
                    .unbounded_send(Message::Closed(Reason::from_static("hub broker shutdown")))
                    .is_ok()
            {
                told += 1;
            }
        }
        told
    }

    /// How many sessions still have a live connection task.
    async fn open_sessions(&self) -> usize {
        let shared = self.scx.extends.shared().await;
        shared
            .iter()
            .filter(|entry| entry.tx().is_some_and(|tx| !tx.is_closed()))
            .count()
    }
}

impl Drop for Broker {
    /// A broker dropped without [`Broker::shutdown`] (a failed test, an early return) still
    /// stops accepting, so its port does not stay taken for the life of the process.
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
        for gate in [self.gate.take(), self.tls_gate.take()]
            .into_iter()
            .flatten()
        {
            gate.abort();
        }
    }
}
