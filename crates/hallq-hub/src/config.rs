//! `hall.toml`: everything a hall's hub needs to know, with defaults, environment overrides and
//! validation that says what is wrong in Chinese and English.
//!
//! Order of precedence: built-in defaults → the file → `HALLQ_*` environment variables.
//! deploy/hall.example.toml documents every key.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use hallq_profiles::Profiles;
use hallq_proto::{CounterNo, DeviceId, HallId, LocalText, StaffNo};
use hallq_queue::QueueConfig;
use hallq_queue::config::Targets;
use serde::Deserialize;

/// The hall's configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HallConfig {
    /// Who the hall is.
    pub hall: HallSection,
    /// When it issues tickets and when the business day turns.
    #[serde(default)]
    pub hours: Hours,
    /// The broker: embedded, or an external one.
    #[serde(default)]
    pub broker: BrokerSection,
    /// The hub process itself.
    #[serde(default)]
    pub hub: HubSection,
    /// The published targets the reports measure against.
    #[serde(default)]
    pub kpi: Targets,
    /// Personal data: where its key is, how long it is kept.
    #[serde(default)]
    pub privacy: crate::privacy::PrivacySection,
    /// Flood limits per device and per mobile number.
    #[serde(default)]
    pub limits: crate::limits::LimitsSection,
    /// Business types, counters and queueing rules; DOMAIN.md's default hall if omitted.
    #[serde(default = "QueueConfig::telecom_default")]
    pub queue: QueueConfig,
    /// The devices allowed to connect, with their roles. Revoked entries of the file are not
    /// here but in `revoked_devices`: whatever looks a device up (the broker's logins and ACL,
    /// the hub's commands and presence) cannot find them.
    #[serde(default)]
    pub devices: Vec<DeviceConfig>,
    /// The file's `[[devices]]` entries with `revoked` set (`hallq device revoke`), kept for the
    /// record and so that their ids are not given again by accident. Set by [`HallConfig::parse`].
    #[serde(skip)]
    pub revoked_devices: Vec<DeviceConfig>,
    /// The clerks who may sign in. Empty: nobody signs in, unless `[hall] open_sign_in` makes
    /// it a demo hall where any staff number does.
    #[serde(default)]
    pub staff: Vec<StaffConfig>,
    /// Green-channel codes (绿色通道) and who holds them.
    #[serde(default)]
    pub green_channel: Vec<GreenChannelCode>,
    /// Membership codes (会员码) that give a customer's ticket a value tier (issue 16 §4); taken
    /// at the kiosk in the same field as a green-channel code.
    #[serde(default)]
    pub membership: Vec<MembershipCode>,
    /// The link to headquarters; none (the default): the hall talks to no one beyond itself.
    #[serde(default)]
    pub uplink: Option<crate::uplink::UplinkSection>,
    /// The live ticket page on the customer's phone; off by default.
    #[serde(default)]
    pub phone: crate::phone::PhoneSection,
    /// "Your turn is near" (docs/notify.md): off unless `[notify] enabled`.
    #[serde(default)]
    pub notify: crate::notify::NotifySection,
    /// Appointments (预约, docs/booking.md); none (the default): the hall takes no bookings.
    #[serde(default)]
    pub booking: Option<crate::booking::BookingSection>,
    /// Service-standard inspections (服务监督): the hall's checklists, DOMAIN.md's default set
    /// when it names none (`crate::inspect`).
    #[serde(default)]
    pub inspections: hallq_inspect::InspectionsSection,
    /// The firmware profiles of `hub.profiles_dir`, once [`HallConfig::load_profiles`] has read
    /// them: what each device may send. Not part of the file.
    #[serde(skip)]
    pub profiles: Option<Profiles>,
}

/// Who the hall is.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HallSection {
    /// The hall's id: a level of the topic tree.
    pub id: HallId,
    /// Its name, on the board and the printed ticket.
    pub name: LocalText,
    /// Minutes east of UTC of the hall's local time (China: 480). Local time decides the
    /// business day, opening hours and the reports' hours.
    #[serde(default = "default_offset")]
    pub utc_offset_min: i32,
    /// A demo or test hall: with no `[[staff]]` listed, any staff number signs in without a PIN.
    /// Off, a hall with no staff list refuses every sign-in (`staff_not_configured`). `hallq
    /// demo` sets it.
    #[serde(default)]
    pub open_sign_in: bool,
}

fn default_offset() -> i32 {
    480
}

/// A local time of day, `"HH:MM"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct TimeOfDay(pub u32);

impl TimeOfDay {
    /// Minutes after midnight.
    pub fn minutes(self) -> u32 {
        self.0
    }
}

impl TryFrom<String> for TimeOfDay {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a time HH:MM / 时间格式应为 HH:MM");
        let (h, m) = s.split_once(':').ok_or_else(bad)?;
        let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        // "24:00" is the end of the day, for a hall that closes at midnight.
        if (h > 23 || m > 59) && (h, m) != (24, 0) {
            return Err(bad());
        }
        Ok(Self(h * 60 + m))
    }
}

/// Opening hours and the daily reset.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Hours {
    /// First ticket of the day.
    pub open: TimeOfDay,
    /// Last ticket of the day (counters serve those still waiting).
    pub close: TimeOfDay,
    /// When the business day turns: live tickets are closed and numbers restart.
    pub daily_reset: TimeOfDay,
}

impl Default for Hours {
    fn default() -> Self {
        Self {
            open: TimeOfDay(8 * 60 + 30),
            close: TimeOfDay(17 * 60 + 30),
            daily_reset: TimeOfDay(3 * 60),
        }
    }
}

/// The broker.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrokerSection {
    /// An external broker, `mqtt://host:port` (Eclipse Mosquitto); the embedded one if none.
    pub external: Option<String>,
    /// Where the embedded broker listens for plain MQTT.
    pub listen: SocketAddr,
    /// Whether devices may use plain MQTT. `false` (a hall on TLS only) keeps the plain listener
    /// at `listen`'s port on loopback, for the hub's own connection: see [`Self::plain_listen`].
    pub plain: bool,
    /// Where the embedded broker listens for MQTT over TLS (`0.0.0.0:8883`); none if unset.
    pub tls_listen: Option<SocketAddr>,
    /// The broker's certificate, PEM (`hallq tls init` writes `server.pem`).
    pub tls_cert: Option<PathBuf>,
    /// Its private key, PEM (`server.key`, readable by the hub's user only).
    pub tls_key: Option<PathBuf>,
    /// The hub's own MQTT user name.
    pub hub_user: String,
    /// The hub's own MQTT password. Prefer `HALLQ_HUB_SECRET` to writing it here.
    pub hub_secret: Option<Secret>,
}

impl Default for BrokerSection {
    fn default() -> Self {
        Self {
            external: None,
            listen: SocketAddr::from(([0, 0, 0, 0], 1883)),
            plain: true,
            tls_listen: None,
            tls_cert: None,
            tls_key: None,
            hub_user: "hallq-hub".into(),
            hub_secret: None,
        }
    }
}

impl BrokerSection {
    /// Where the embedded broker's plain listener binds: `listen`, or with `plain = false`
    /// 127.0.0.1 at `listen`'s port. The hub reaches its own broker there (it connects to
    /// 127.0.0.1); a device on the network finds nothing.
    pub fn plain_listen(&self) -> SocketAddr {
        if self.plain || self.listen.ip().is_loopback() {
            return self.listen;
        }
        SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, self.listen.port()))
    }

    /// The TLS keys come together, and only for the embedded broker.
    fn check(&self) -> Result<(), String> {
        let tls_keys =
            self.tls_listen.is_some() || self.tls_cert.is_some() || self.tls_key.is_some();
        if self.external.is_some() && (tls_keys || !self.plain) {
            return Err(
                "[broker] tls_listen, tls_cert, tls_key and plain are for the embedded broker; \
                 configure Mosquitto's TLS in its own files (deploy/mosquitto/hallq-tls.conf) / \
                 使用外部代理时，TLS 在 Mosquitto 的配置中设置"
                    .into(),
            );
        }
        if tls_keys
            && (self.tls_listen.is_none() || self.tls_cert.is_none() || self.tls_key.is_none())
        {
            return Err(
                "[broker] tls_listen, tls_cert and tls_key go together (`hallq tls init` \
                 makes the files) / tls_listen、tls_cert、tls_key 须同时设置"
                    .into(),
            );
        }
        if !self.plain && self.tls_listen.is_none() {
            return Err(
                "[broker] plain = false needs tls_listen: devices could not connect at all \
                 / 关闭明文监听须同时开启 TLS 监听（tls_listen）"
                    .into(),
            );
        }
        if let Some(tls) = self.tls_listen
            && tls.port() != 0
            && tls.port() == self.plain_listen().port()
        {
            return Err(format!(
                "[broker] tls_listen {tls} takes the plain listener's port / TLS 端口与明文端口相同"
            ));
        }
        Ok(())
    }
}

/// A secret from the configuration: never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How durable a commit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurabilityLevel {
    /// `synchronous=FULL`: a commit survives a power cut (the default: halls lose power).
    #[default]
    Full,
    /// `synchronous=NORMAL`: a commit survives a crash of the hub, not of the machine.
    Normal,
}

/// The hub process.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HubSection {
    /// Where the journal and other state live; in hall.toml, relative to the file's folder.
    pub data_dir: PathBuf,
    /// Where the Prometheus metrics endpoint listens; none to disable.
    pub metrics_listen: Option<SocketAddr>,
    /// Commit durability.
    pub durability: DurabilityLevel,
    /// Most commands committed together in one transaction (group commit).
    pub batch_max: usize,
    /// Logs as JSON lines instead of text.
    pub log_json: bool,
    /// The folder of firmware profiles the devices' `profile` keys name; in hall.toml, relative
    /// to the file's folder. Read only when some device names a profile.
    pub profiles_dir: PathBuf,
    /// Start a new journal although the data directory holds what an earlier one left (its
    /// personal-data key, its WAL): `hallq hub --new-journal`, never from the file.
    #[serde(skip)]
    pub new_journal: bool,
}

impl Default for HubSection {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./hallq-data"),
            metrics_listen: None,
            durability: DurabilityLevel::Full,
            batch_max: 256,
            log_json: false,
            profiles_dir: PathBuf::from("firmware-profiles"),
            new_journal: false,
        }
    }
}

/// What a device is for: the device kinds of the role table and the firmware profiles
/// (`hallq_profiles::DeviceKind`), named `role` in hall.toml.
pub use hallq_profiles::DeviceKind as Role;

/// A device allowed in the hall.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    /// Its id: MQTT client id and user name.
    pub id: DeviceId,
    /// Its role.
    pub role: Role,
    /// The counter it belongs to (counter terminal, evaluator, LED strip).
    pub counter: Option<CounterNo>,
    /// Its firmware profile (a file of `hub.profiles_dir`): its kind must be the role, and the
    /// device may send only the commands it lists. None: the role alone decides.
    pub profile: Option<String>,
    /// The argon2 hash (PHC string) of its secret; the broker checks it. Never the secret.
    pub secret_hash: Option<String>,
    /// The same secret hashed as Eclipse Mosquitto's password file holds it (`$7$…`,
    /// PBKDF2-SHA512, as `mosquitto_passwd` writes it), for `hallq device mosquitto`. Never the
    /// secret. Devices registered before `hallq device add` have none until `hallq device rotate`.
    pub mosquitto_hash: Option<String>,
    /// When the device was revoked (RFC 3339, `hallq device revoke`): it can no longer log in
    /// and the hub treats it as unknown. The entry stays, without hashes, for the record.
    pub revoked: Option<String>,
}

/// A clerk.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffConfig {
    /// The staff number (工号).
    pub number: StaffNo,
    /// The clerk's name, for the reports.
    pub name: Option<String>,
    /// The argon2 hash (PHC string) of the clerk's PIN; none lets the clerk sign in without one.
    pub pin_hash: Option<String>,
    /// When the PIN was set (`YYYY-MM-DD`, `hallq staff set-pin` writes it): `hallq audit` names
    /// the PINs older than `[limits] pin_max_age_days`, so staff change them regularly.
    pub pin_set: Option<String>,
}

/// A green-channel code.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GreenChannelCode {
    /// The code the customer enters or scans.
    pub code: Secret,
    /// Who holds such codes (recorded with the ticket as who granted the priority).
    pub label: String,
}

/// A membership code: the customers who show it get the value tier `tier` (a level of
/// `[[queue.tiers]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipCode {
    /// The code the customer enters or scans.
    pub code: Secret,
    /// What kind of card it is (recorded with the ticket as who granted the tier).
    pub label: String,
    /// The tier's level.
    pub tier: u8,
}

/// A configuration the hub cannot start with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source} / 无法读取配置文件")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML of this schema.
    #[error("{path}: {message} / 配置文件格式错误")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// An environment override is not valid.
    #[error("environment variable {name}: {message} / 环境变量无效")]
    Env {
        /// The variable.
        name: &'static str,
        /// Why.
        message: String,
    },
    /// The queue rules are not valid.
    #[error("[queue]: {0}")]
    Queue(#[from] hallq_queue::ConfigError),
    /// The firmware profiles cannot be loaded.
    #[error(
        "firmware profiles of {} ([hub] profiles_dir, HALLQ_PROFILES_DIR) / 固件配置无法加载:\n{source}",
        dir.display()
    )]
    Profiles {
        /// The folder.
        dir: PathBuf,
        /// What is wrong there.
        source: hallq_profiles::ProfileError,
    },
    /// Something else is inconsistent.
    #[error("{0}")]
    Invalid(String),
}

impl HallConfig {
    /// Reads `path`, applies `HALLQ_*` overrides from the environment, loads the firmware
    /// profiles the devices name, and validates.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config = Self::parse_file(&text, path).map_err(|message| ConfigError::Parse {
            path: path.to_owned(),
            message,
        })?;
        config.apply_env(|name| std::env::var(name).ok())?;
        config.load_profiles()?;
        config.validate()?;
        Ok(config)
    }

    /// Reads the firmware profiles of `hub.profiles_dir` into `profiles`. Nothing is read when
    /// no device names a profile, so such a hall does not depend on the folder.
    pub fn load_profiles(&mut self) -> Result<(), ConfigError> {
        self.profiles = Some(self.read_profiles()?);
        Ok(())
    }

    fn read_profiles(&self) -> Result<Profiles, ConfigError> {
        if self.devices.iter().all(|d| d.profile.is_none()) {
            return Ok(Profiles::default());
        }
        Profiles::load_dir(&self.hub.profiles_dir).map_err(|source| ConfigError::Profiles {
            dir: self.hub.profiles_dir.clone(),
            source,
        })
    }

    /// Parses the text of the file at `path` (no environment, no validation): as [`Self::parse`],
    /// with the file's relative paths taken from the file's folder ([`Self::resolve_paths`]).
    pub fn parse_file(text: &str, path: &Path) -> Result<Self, String> {
        let mut config = Self::parse(text)?;
        config.resolve_paths(path.parent().unwrap_or(Path::new("")));
        Ok(config)
    }

    /// Makes the relative paths of the file (data directory, firmware profiles, TLS files, the
    /// personal-data key) relative to `base`, the file's folder, so that a hall.toml finds what
    /// lies beside it whatever the working directory (systemd starts the hub in `/`). Paths that
    /// come from the environment or the command line stay as given: relative to where the
    /// command runs.
    pub fn resolve_paths(&mut self, base: &Path) {
        let at = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(p.strip_prefix(".").unwrap_or(p));
            }
        };
        at(&mut self.hub.data_dir);
        at(&mut self.hub.profiles_dir);
        let uplink_ca = self.uplink.as_mut().and_then(|u| u.tls_ca.as_mut());
        for p in [
            &mut self.broker.tls_cert,
            &mut self.broker.tls_key,
            &mut self.privacy.key_file,
        ]
        .into_iter()
        .flatten()
        .chain(uplink_ca)
        {
            at(p);
        }
    }

    /// Parses TOML text (no environment, no validation). Revoked devices are set aside into
    /// `revoked_devices` here, the one place that decides which devices exist for the hub.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut config: Self = toml::from_str(text).map_err(|e| e.to_string())?;
        let (revoked, active) = std::mem::take(&mut config.devices)
            .into_iter()
            .partition(|d| d.revoked.is_some());
        config.devices = active;
        config.revoked_devices = revoked;
        Ok(config)
    }

    /// Applies the environment overrides, reading variables through `var`:
    /// `HALLQ_DATA_DIR`, `HALLQ_BROKER` (external broker URL, or `embedded`), `HALLQ_LISTEN`,
    /// `HALLQ_HUB_SECRET`, `HALLQ_METRICS_LISTEN`, `HALLQ_LOG_JSON` (`1`/`true`),
    /// `HALLQ_PROFILES_DIR`, `HALLQ_UPLINK_PASSWORD` (taken when hall.toml has `[uplink]`).
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let parse_addr = |name: &'static str, v: String| {
            v.parse::<SocketAddr>().map_err(|e| ConfigError::Env {
                name,
                message: e.to_string(),
            })
        };
        if let Some(v) = var("HALLQ_DATA_DIR") {
            self.hub.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("HALLQ_BROKER") {
            self.broker.external = (v != "embedded").then_some(v);
        }
        if let Some(v) = var("HALLQ_LISTEN") {
            self.broker.listen = parse_addr("HALLQ_LISTEN", v)?;
        }
        if let Some(v) = var("HALLQ_HUB_SECRET") {
            self.broker.hub_secret = Some(Secret(v));
        }
        if let Some(v) = var("HALLQ_METRICS_LISTEN") {
            self.hub.metrics_listen = Some(parse_addr("HALLQ_METRICS_LISTEN", v)?);
        }
        if let Some(v) = var("HALLQ_LOG_JSON") {
            self.hub.log_json = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let (Some(v), Some(uplink)) = (var("HALLQ_UPLINK_PASSWORD"), self.uplink.as_mut()) {
            uplink.password = Some(Secret(v));
        }
        if let Some(v) = var("HALLQ_PROFILES_DIR") {
            self.hub.profiles_dir = PathBuf::from(v);
            // Read from the new folder when next asked.
            self.profiles = None;
        }
        Ok(())
    }

    /// Checks everything that would otherwise fail later, with a message a hall's engineer can
    /// act on. Firmware profiles not yet loaded are read from `hub.profiles_dir` for the check.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.queue.validate()?;
        let invalid = |m: String| Err(ConfigError::Invalid(m));
        if !(-720..=840).contains(&self.hall.utc_offset_min) {
            return invalid(format!(
                "[hall] utc_offset_min {} is not a time zone / 时区偏移无效",
                self.hall.utc_offset_min
            ));
        }
        if self.hours.open >= self.hours.close {
            return invalid(
                "[hours] open must be before close / 开始取号时间须早于停止取号时间".into(),
            );
        }
        self.privacy.check().map_err(ConfigError::Invalid)?;
        self.limits.check().map_err(ConfigError::Invalid)?;
        if self.hub.batch_max == 0 {
            return invalid("[hub] batch_max must be at least 1 / batch_max 至少为 1".into());
        }
        self.broker.check().map_err(ConfigError::Invalid)?;
        self.phone.check().map_err(ConfigError::Invalid)?;
        if let Some(uplink) = &self.uplink {
            uplink.check().map_err(ConfigError::Invalid)?;
        }
        self.notify
            .check(&self.queue)
            .map_err(ConfigError::Invalid)?;
        if let Some(booking) = &self.booking {
            booking.rules(self).map_err(ConfigError::Invalid)?;
        }
        self.inspections
            .validate()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        if let Some(url) = &self.broker.external {
            parse_broker_url(url).map_err(ConfigError::Invalid)?;
        }
        let mut ids = HashSet::new();
        for d in self.devices.iter().chain(&self.revoked_devices) {
            if !ids.insert(&d.id) {
                return invalid(format!("device {} is listed twice / 设备重复", d.id));
            }
        }
        for d in &self.devices {
            match (d.role.needs_counter(), d.counter) {
                (true, None) => {
                    return invalid(format!(
                        "device {} ({:?}) must name its counter / 设备须指定所属窗口",
                        d.id, d.role
                    ));
                }
                (true, Some(c)) if self.queue.counter(c).is_none() => {
                    return invalid(format!(
                        "device {} names unknown counter {c} / 窗口不存在",
                        d.id
                    ));
                }
                (false, Some(_)) => {
                    return invalid(format!(
                        "device {} ({:?}) belongs to no counter; remove `counter` / 该设备不属于窗口",
                        d.id, d.role
                    ));
                }
                _ => {}
            }
            if d.id.as_str() == self.broker.hub_user {
                return invalid(format!(
                    "device {} takes the hub's user name / 设备名与中枢用户名冲突",
                    d.id
                ));
            }
        }
        self.check_profiles()?;
        let mut staff = HashSet::new();
        for s in &self.staff {
            if !staff.insert(&s.number) {
                return invalid(format!(
                    "staff number {} is listed twice / 工号重复",
                    s.number
                ));
            }
        }
        let mut codes = HashSet::new();
        for g in &self.green_channel {
            if g.code.0.trim().is_empty() || !codes.insert(&g.code.0) {
                return invalid(
                    "[[green_channel]] codes must be unique and not empty / 绿色通道码须唯一且非空"
                        .into(),
                );
            }
        }
        // One field at the kiosk takes both kinds of code: a code may be in both lists (a
        // diamond card gives the green channel and its tier), but once in each.
        let mut members = HashSet::new();
        for m in &self.membership {
            if m.code.0.trim().is_empty() || !members.insert(&m.code.0) {
                return invalid(
                    "[[membership]] codes must be unique and not empty / 会员码须唯一且非空".into(),
                );
            }
            if self.queue.tier(m.tier).is_none() {
                return invalid(format!(
                    "[[membership]] {:?} names value tier {}, which [[queue.tiers]] lacks / 会员码对应的客户等级未配置",
                    m.label, m.tier
                ));
            }
        }
        Ok(())
    }

    /// Each device's profile exists and is of the device's role (part of [`Self::validate`]).
    pub(crate) fn check_profiles(&self) -> Result<(), ConfigError> {
        let read;
        let profiles = match &self.profiles {
            Some(p) => p,
            None => {
                read = self.read_profiles()?;
                &read
            }
        };
        for d in &self.devices {
            let Some(name) = &d.profile else { continue };
            let Some(p) = profiles.get(name) else {
                return Err(ConfigError::Invalid(format!(
                    "device {}: no firmware profile {name:?} in {} / 设备的固件配置 {name} 不存在",
                    d.id,
                    self.hub.profiles_dir.display()
                )));
            };
            if p.kind() != d.role {
                return Err(ConfigError::Invalid(format!(
                    "device {}: its profile {name} is for {} ({}), but its role is {} / 设备角色为{}，其固件配置 {name} 却是{}",
                    d.id,
                    p.kind().en(),
                    p.kind(),
                    d.role,
                    d.role.zh(),
                    p.kind().zh()
                )));
            }
        }
        Ok(())
    }

    /// The device `id`, if registered and not revoked.
    pub fn device(&self, id: &DeviceId) -> Option<&DeviceConfig> {
        self.devices.iter().find(|d| &d.id == id)
    }
}

/// Host and port of an external broker's `mqtt://host[:port]` (1883 if omitted), read as every
/// device reads a broker address. The hub reaches its broker in the clear (on loopback, or a
/// hall network where the broker's own listener does TLS for the devices): `mqtts://` is refused.
pub fn parse_broker_url(url: &str) -> Result<(String, u16), String> {
    let addr = hallq_client::BrokerAddr::parse(url).map_err(|e| e.to_string())?;
    if addr.tls {
        return Err(format!(
            "broker URL {url:?}: the hub reaches an external broker over plain MQTT (mqtt://), \
             TLS from the hub is not supported / 集线器连接外部代理仅支持 mqtt://，不支持 TLS"
        ));
    }
    Ok((addr.host, addr.port))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        [hall]
        id = "demo"
        name = { zh = "演示营业厅", en = "Demo Hall" }
    "#;

    #[test]
    fn the_file_s_relative_paths_are_taken_from_its_folder() {
        let text = format!(
            "{MINIMAL}\n[broker]\ntls_listen = \"0.0.0.0:8883\"\ntls_cert = \"tls/server.pem\"\n\
             tls_key = \"/etc/k.pem\"\n[privacy]\nkey_file = \"keys/personal.key\"\n"
        );
        let c = HallConfig::parse_file(&text, Path::new("/etc/hallq/hall.toml")).unwrap();
        assert_eq!(c.hub.data_dir, PathBuf::from("/etc/hallq/hallq-data"));
        assert_eq!(
            c.hub.profiles_dir,
            PathBuf::from("/etc/hallq/firmware-profiles")
        );
        assert_eq!(
            c.broker.tls_cert,
            Some(PathBuf::from("/etc/hallq/tls/server.pem"))
        );
        assert_eq!(c.broker.tls_key, Some(PathBuf::from("/etc/k.pem")));
        assert_eq!(
            c.privacy.key_file,
            Some(PathBuf::from("/etc/hallq/keys/personal.key"))
        );
        // A file named without a folder: its paths stay relative to the working directory.
        let c = HallConfig::parse_file(MINIMAL, Path::new("hall.toml")).unwrap();
        assert_eq!(c.hub.data_dir, PathBuf::from("hallq-data"));
    }

    #[test]
    fn a_minimal_file_gets_every_default() {
        let c = HallConfig::parse(MINIMAL).unwrap();
        c.validate().unwrap();
        assert_eq!(c.hall.utc_offset_min, 480);
        assert_eq!(c.hours.open.minutes(), 8 * 60 + 30);
        assert_eq!(c.hub.data_dir, PathBuf::from("./hallq-data"));
        assert_eq!(c.hub.durability, DurabilityLevel::Full);
        assert_eq!(c.queue.business.len(), 5);
        assert_eq!(c.kpi.satisfaction_pct, 95.0);
    }

    #[test]
    fn a_partial_section_keeps_the_other_defaults() {
        let c = HallConfig::parse(&format!(
            "{MINIMAL}\n[broker]\nlisten = \"127.0.0.1:1999\"\n"
        ))
        .unwrap();
        assert_eq!(c.broker.hub_user, "hallq-hub");
        assert_eq!(c.broker.listen.port(), 1999);
    }

    #[test]
    fn unknown_keys_are_refused_with_their_place() {
        let err = HallConfig::parse(&format!("{MINIMAL}\n[hub]\ndata_dri = \"x\"\n")).unwrap_err();
        assert!(err.contains("data_dri"), "{err}");
    }

    #[test]
    fn environment_overrides_the_file() {
        let mut c = HallConfig::parse(MINIMAL).unwrap();
        let env = |k: &str| match k {
            "HALLQ_DATA_DIR" => Some("/srv/hallq".to_string()),
            "HALLQ_BROKER" => Some("mqtt://10.0.0.2:1884".to_string()),
            "HALLQ_HUB_SECRET" => Some("s3cret".to_string()),
            _ => None,
        };
        c.apply_env(env).unwrap();
        assert_eq!(c.hub.data_dir, PathBuf::from("/srv/hallq"));
        assert_eq!(c.broker.external.as_deref(), Some("mqtt://10.0.0.2:1884"));
        assert_eq!(format!("{:?}", c.broker.hub_secret), "Some(Secret(***))");
        let bad = |k: &str| (k == "HALLQ_LISTEN").then(|| "nowhere".to_string());
        assert!(matches!(
            c.apply_env(bad),
            Err(ConfigError::Env {
                name: "HALLQ_LISTEN",
                ..
            })
        ));
    }

    #[test]
    fn a_counter_device_without_its_counter_is_refused() {
        let text = format!("{MINIMAL}\n[[devices]]\nid = \"counter-3\"\nrole = \"counter\"\n");
        let err = HallConfig::parse(&text)
            .unwrap()
            .validate()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("counter-3") && err.contains("须指定所属窗口"),
            "{err}"
        );
    }

    #[test]
    fn a_device_naming_an_unknown_counter_is_refused() {
        let text = format!(
            "{MINIMAL}\n[[devices]]\nid = \"counter-9\"\nrole = \"counter\"\ncounter = 9\n"
        );
        assert!(HallConfig::parse(&text).unwrap().validate().is_err());
    }

    /// The repository's firmware-profiles/, whatever the working directory.
    fn profiles_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../firmware-profiles")
    }

    #[test]
    fn a_hall_whose_devices_name_no_profile_reads_no_profile_folder() {
        let mut c = HallConfig::parse(&format!(
            "{MINIMAL}\n[hub]\nprofiles_dir = \"/nowhere\"\n[[devices]]\nid = \"kiosk-1\"\nrole = \"kiosk\"\n"
        ))
        .unwrap();
        c.validate().unwrap();
        c.load_profiles().unwrap();
        assert!(c.profiles.unwrap().is_empty());
    }

    #[test]
    fn a_device_needs_an_existing_profile_of_its_role() {
        let device = |role: &str, profile: &str| {
            let mut c = HallConfig::parse(&format!(
                "{MINIMAL}\n[[devices]]\nid = \"dev-1\"\nrole = \"{role}\"\nprofile = \"{profile}\"\n"
            ))
            .unwrap();
            c.apply_env(|k| {
                (k == "HALLQ_PROFILES_DIR").then(|| profiles_dir().display().to_string())
            })
            .unwrap();
            c.validate().map_err(|e| e.to_string())
        };
        device("kiosk", "kiosk-compact-58mm").unwrap();
        device("supervisor", "supervisor-console").unwrap();
        let err = device("kiosk", "kiosk-9000").unwrap_err();
        assert!(
            err.contains("kiosk-9000") && err.contains("不存在"),
            "{err}"
        );
        let err = device("supervisor", "counter-pc").unwrap_err();
        assert!(
            err.contains("dev-1")
                && err.contains("is for a counter terminal (counter), but its role is supervisor")
                && err.contains("设备角色为值班主管终端"),
            "{err}"
        );
        let mut c = HallConfig::parse(&format!(
            "{MINIMAL}\n[hub]\nprofiles_dir = \"/nowhere\"\n[[devices]]\nid = \"d\"\nrole = \"display\"\nprofile = \"display-4k\"\n"
        ))
        .unwrap();
        let err = c.load_profiles().unwrap_err().to_string();
        assert!(
            err.contains("/nowhere") && err.contains("HALLQ_PROFILES_DIR"),
            "{err}"
        );
    }

    #[test]
    fn bad_times_and_urls_are_refused() {
        assert!(
            HallConfig::parse(&format!(
                "{MINIMAL}\n[hours]\nopen = \"25:00\"\nclose = \"17:00\"\ndaily_reset = \"03:00\"\n"
            ))
            .is_err()
        );
        assert!(parse_broker_url("tcp://x:1").is_err());
        assert!(
            parse_broker_url("mqtts://x:8883")
                .unwrap_err()
                .contains("TLS")
        );
        assert_eq!(
            parse_broker_url("mqtt://localhost").unwrap(),
            ("localhost".into(), 1883)
        );
        assert_eq!(
            parse_broker_url("mqtt://127.0.0.1:1884").unwrap(),
            ("127.0.0.1".into(), 1884)
        );
    }
}

#[cfg(test)]
mod example_tests {
    use super::*;

    #[test]
    fn the_example_hall_toml_is_valid_and_documents_every_section() {
        let text = include_str!("../../../deploy/hall.example.toml");
        assert_eq!(
            HallConfig::parse(text).unwrap().hub.profiles_dir,
            PathBuf::from("firmware-profiles")
        );
        // Found beside the file (deploy/firmware-profiles links to the repository's), from any
        // working directory: tests run in the crate's folder.
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/hall.example.toml");
        let mut c = HallConfig::parse_file(text, &path).unwrap();
        c.load_profiles().unwrap();
        c.validate().unwrap();
        assert!(c.devices.iter().all(|d| d.profile.is_some()));
        for section in [
            "[hall]",
            "[hours]",
            "[broker]",
            "[hub]",
            "[kpi]",
            "[queue]",
            "[queue.priority]",
            "[queue.recall]",
            "[[queue.business]]",
            "[[queue.counters]]",
            "[[staff]]",
            "[[green_channel]]",
            "[[membership]]",
            "[[queue.tiers]]",
            "[[devices]]",
            "[[inspections.templates]]",
            "service_standard_pct",
        ] {
            assert!(text.contains(section), "{section} is not documented");
        }
        assert!(c.devices.iter().all(|d| {
            d.secret_hash
                .as_deref()
                .is_some_and(|h| h.starts_with("$argon2id$"))
        }));
    }
}

#[cfg(test)]
mod broker_tls_tests {
    use super::*;

    const HALL: &str =
        "[hall]\nid = \"demo\"\nname = { zh = \"演示营业厅\", en = \"Demo Hall\" }\n";

    fn broker(section: &str) -> Result<BrokerSection, String> {
        let c = HallConfig::parse(&format!("{HALL}\n[broker]\n{section}"))?;
        c.broker.check().map(|()| c.broker)
    }

    #[test]
    fn tls_only_keeps_the_plain_listener_on_loopback() {
        let b = broker(
            "listen = \"0.0.0.0:1883\"\nplain = false\ntls_listen = \"0.0.0.0:8883\"\n\
             tls_cert = \"tls/server.pem\"\ntls_key = \"tls/server.key\"\n",
        )
        .unwrap();
        assert_eq!(b.plain_listen(), "127.0.0.1:1883".parse().unwrap());
        let b = broker(
            "listen = \"[::]:1883\"\nplain = false\ntls_listen = \"[::]:8883\"\n\
             tls_cert = \"c\"\ntls_key = \"k\"\n",
        )
        .unwrap();
        assert_eq!(b.plain_listen(), "127.0.0.1:1883".parse().unwrap());
        let b =
            broker("tls_listen = \"0.0.0.0:8883\"\ntls_cert = \"c\"\ntls_key = \"k\"\n").unwrap();
        assert!(b.plain, "plain stays on by default");
        assert_eq!(b.plain_listen(), "0.0.0.0:1883".parse().unwrap());
    }

    #[test]
    fn tls_settings_that_cannot_work_are_refused() {
        for (section, says) in [
            ("tls_listen = \"0.0.0.0:8883\"\n", "go together"),
            ("tls_cert = \"c\"\ntls_key = \"k\"\n", "go together"),
            ("plain = false\n", "needs tls_listen"),
            (
                "external = \"mqtt://127.0.0.1:1883\"\nhub_secret = \"s\"\nplain = false\n",
                "embedded broker",
            ),
            (
                "listen = \"0.0.0.0:8883\"\ntls_listen = \"0.0.0.0:8883\"\ntls_cert = \"c\"\ntls_key = \"k\"\n",
                "port",
            ),
        ] {
            let err = broker(section).unwrap_err();
            assert!(err.contains(says), "{section}: {err}");
        }
    }
}
