//! `hallq device …`: the hall's devices, and their firmware profiles (firmware-profiles/README.md).
//!
//! - `check FILE…` resolves and validates each profile (a folder: every profile directly in it)
//!   and prints `OK` or its problems; it fails if any profile is invalid.
//! - `add`, `revoke`, `rotate` edit hall.toml's `[[devices]]` in place (comments and layout kept,
//!   `hallq_hub::registry`), check the result as the hub would, write it atomically and record
//!   the action in the journal's audit trail. A new secret is printed once and stored nowhere:
//!   only its two hashes (Argon2id for the embedded broker, `$7$` for Mosquitto) are.
//! - `list` prints the registry without any hash.
//! - `mosquitto` writes `hallq.passwd` and `hallq.acl` for Eclipse Mosquitto from the same registry.
//!
//! A running hub takes a revoke or a rotation when it reloads hall.toml (`systemctl reload
//! hallq-hub`, SIGHUP); a device just added works from its restart (the embedded broker's topic
//! rules are set when it starts). With Mosquitto, its files are regenerated and Mosquitto reloaded.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the verdict per file, the registry and a new secret are these commands' output"
)]

use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use hallq_hub::config::{DeviceConfig, DurabilityLevel, Role};
use hallq_hub::registry::{Hashes, NewDevice, Registry};
use hallq_hub::{HallConfig, mosquitto, registry, secret};
use hallq_proto::{CounterNo, DeviceId, Timestamp};

/// Options of `hallq device`.
#[derive(Debug, clap::Args)]
pub(crate) struct DeviceArgs {
    #[command(subcommand)]
    command: DeviceCmd,
}

/// Where hall.toml is.
#[derive(Debug, clap::Args)]
struct ConfigArg {
    /// The hall's configuration, edited in place (deploy/hall.example.toml documents it).
    #[arg(long, env = "HALLQ_CONFIG", default_value = "hall.toml")]
    config: PathBuf,
}

#[derive(Debug, clap::Subcommand)]
enum DeviceCmd {
    /// Validate firmware profiles: packages, substitutions, every key and rule. Prints OK per
    /// file or its problems (in English and Chinese); exits non-zero if any is invalid. A folder
    /// checks every `*.toml` directly in it (not its packages/).
    Check {
        /// Profile files or folders of profiles.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Register a device in hall.toml with a new random secret, printed once: put it into the
    /// device. Only its hashes are stored. Takes effect at the hub's restart.
    Add {
        /// The device id (its MQTT client id and user name): 1 to 32 of a-z 0-9 - _.
        #[arg(value_parser = parse_id)]
        id: DeviceId,
        /// kiosk, greeter, counter, evaluator, led_strip, display, supervisor, door_counter, or
        /// monitor (a read-only login to watch the hall's whole tree, for a person).
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The counter (window number) of a counter terminal, evaluator or LED strip.
        #[arg(long)]
        counter: Option<u16>,
        /// Its firmware profile: a file of `[hub] profiles_dir` without `.toml`.
        #[arg(long)]
        profile: Option<String>,
        /// Give the id of a revoked device to this new device (its entry is reused).
        #[arg(long)]
        reuse: bool,
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Revoke a device: its hashes are removed, so it can no longer log in, and the hub treats
    /// it as unknown. The entry stays, marked `revoked`, for the record. Takes effect when the
    /// running hub reloads hall.toml (`systemctl reload hallq-hub`: its session is closed at
    /// once), and with Mosquitto once `hallq device mosquitto` has rewritten its files and
    /// Mosquitto is reloaded.
    Revoke {
        /// The device id.
        #[arg(value_parser = parse_id)]
        id: DeviceId,
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Give a device a new secret (printed once); both of its hashes are replaced. The new one
    /// works, and the old one stops working, when the running hub reloads hall.toml (`systemctl
    /// reload hallq-hub`), and with Mosquitto once `hallq device mosquitto` has rewritten its
    /// files and Mosquitto is reloaded.
    Rotate {
        /// The device id.
        #[arg(value_parser = parse_id)]
        id: DeviceId,
        #[command(flatten)]
        config: ConfigArg,
    },
    /// List the registered devices: id, role, counter, profile and status. Never a hash.
    List {
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Write Eclipse Mosquitto's `hallq.passwd` (the hub and every active device) and
    /// `hallq.acl` (the hall's rules) into DIR, from the registry. The hub's password comes from
    /// HALLQ_HUB_SECRET, `[broker] hub_secret` or `--hub-secret-stdin`.
    Mosquitto {
        #[command(flatten)]
        config: ConfigArg,
        /// The folder to write into (e.g. /etc/mosquitto).
        #[arg(long)]
        out: PathBuf,
        /// Read the hub's MQTT password from the first line of standard input.
        #[arg(long)]
        hub_secret_stdin: bool,
        /// Write only hallq.acl (it holds no secret and needs no hub password).
        #[arg(long, conflicts_with = "hub_secret_stdin")]
        acl_only: bool,
    },
}

fn parse_id(s: &str) -> Result<DeviceId, String> {
    DeviceId::new(s).map_err(|_| {
        format!("{s:?} is not a device id: 1 to 32 of a-z 0-9 - _ / 设备编号只能由 1–32 个 a-z 0-9 - _ 组成")
    })
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::ALL
        .into_iter()
        .find(|r| r.as_str() == s)
        .ok_or_else(|| {
            let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
            format!("{s:?} is not a role; one of {} / 角色无效", all.join(", "))
        })
}

/// Runs `hallq device …`.
pub(crate) fn run(args: &DeviceArgs) -> anyhow::Result<()> {
    match &args.command {
        DeviceCmd::Check { files } => check(files),
        DeviceCmd::Add {
            id,
            role,
            counter,
            profile,
            reuse,
            config,
        } => {
            let device = NewDevice {
                id: id.clone(),
                role: *role,
                counter: counter.map(CounterNo),
                profile: profile.clone(),
            };
            let detail = format!(
                "role={}{}{}{}",
                role.as_str(),
                counter.map(|c| format!(" counter={c}")).unwrap_or_default(),
                profile
                    .as_ref()
                    .map(|p| format!(" profile={p}"))
                    .unwrap_or_default(),
                if *reuse { " reuse" } else { "" }
            );
            let fresh = secret::random();
            let hashes = Hashes::of(&fresh)?;
            let edit = |r: &mut Registry, _: &HallConfig| r.add(&device, &hashes, *reuse);
            let audited = change(&config.config, edit, "device_added", id.as_str(), &detail)?;
            show_secret(id, &fresh, "registered / 已登记", RESTART);
            audited
        }
        DeviceCmd::Revoke { id, config } => {
            let now = now();
            let mut at = String::new();
            let edit = |r: &mut Registry, c: &HallConfig| {
                at = registry::rfc3339(now, c.hall.utc_offset_min);
                r.revoke(id, &at)
            };
            let audited = change(&config.config, edit, "device_revoked", id.as_str(), "")?;
            println!(
                "{id} revoked / 设备 {id} 已吊销 ({at}).\n\
                 The running hub puts it out when it reloads hall.toml (systemctl reload \
                 hallq-hub); with Mosquitto, also regenerate its files (hallq device mosquitto) \
                 and reload it.\n\
                 中枢重新加载配置后立即生效 (systemctl reload hallq-hub)；使用 Mosquitto 时还须重新生成\
                 其文件 (hallq device mosquitto) 并重新加载。"
            );
            audited
        }
        DeviceCmd::Rotate { id, config } => {
            let fresh = secret::random();
            let hashes = Hashes::of(&fresh)?;
            let edit = |r: &mut Registry, _: &HallConfig| r.rotate(id, &hashes);
            let audited = change(&config.config, edit, "device_rotated", id.as_str(), "")?;
            show_secret(id, &fresh, "has a new secret / 已更换密钥", RELOAD);
            audited
        }
        DeviceCmd::List { config } => list(&config.config),
        DeviceCmd::Mosquitto {
            config,
            out,
            hub_secret_stdin,
            acl_only,
        } => write_mosquitto(&config.config, out, *hub_secret_stdin, *acl_only),
    }
}

/// The wall clock: a staff action beside the hub is dated like the hub's own.
pub(crate) fn now() -> Timestamp {
    hallq_hub::Clock::now(&hallq_hub::SystemClock)
}

/// Prints a new secret, the one time it is ever shown.
fn show_secret(id: &DeviceId, fresh: &str, what: &str, when: (&str, &str)) {
    println!("{id} {what}.");
    println!("secret / 密钥: {fresh}");
    println!(
        "This secret is shown only this once and is stored nowhere: put it into the device now \
         (its MQTT password; user name and client id: {id}). {}\n\
         此密钥仅显示这一次，任何地方都不保存：请立即写入设备（MQTT 密码；用户名与客户端 ID 均为 {id}）。{}",
        when.0, when.1
    );
}

/// When a rotated secret holds: at the running hub's next reload of hall.toml.
const RELOAD: (&str, &str) = (
    "It works, and the old one stops working, once the hub reloads hall.toml (systemctl reload \
     hallq-hub).",
    "中枢重新加载配置后生效，旧密钥随即失效 (systemctl reload hallq-hub)。",
);

/// When a new device can work: after the hub's restart (the embedded broker's rules for it are
/// set at start).
const RESTART: (&str, &str) = (
    "It works once the hub restarts (systemctl restart hallq-hub).",
    "重启中枢后生效 (systemctl restart hallq-hub)。",
);

/// Reads hall.toml, applies `edit` to its registry, checks the result as the hub would check it
/// at start, writes it in place, and records `action` in the audit trail. Returns the audit's
/// outcome separately: by then the file is written (and a new secret must still be shown).
pub(crate) fn change(
    path: &Path,
    edit: impl FnOnce(&mut Registry, &HallConfig) -> Result<(), registry::RegistryError>,
    action: &str,
    subject: &str,
    detail: &str,
) -> anyhow::Result<anyhow::Result<()>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} / 无法读取配置文件", path.display()))?;
    let before = HallConfig::parse_file(&text, path)
        .map_err(|m| anyhow::anyhow!("{}: {m} / 配置文件格式错误", path.display()))?;
    let mut registry = Registry::parse(&text)?;
    edit(&mut registry, &before)?;
    let edited = registry.to_string();
    let after = checked(&edited, path).with_context(|| {
        format!(
            "{} would not be valid; nothing was changed / 修改后的配置无效，未作任何修改",
            path.display()
        )
    })?;
    write_atomically(path, edited.as_bytes(), NewFile::PRIVATE)?;
    Ok(audit(&after, action, subject, detail))
}

/// `text`, the file at `path`, as the hub would load it: its paths from its folder, environment
/// overrides, firmware profiles, validation.
fn checked(text: &str, path: &Path) -> anyhow::Result<HallConfig> {
    let mut config = HallConfig::parse_file(text, path).map_err(anyhow::Error::msg)?;
    config.apply_env(|name| std::env::var(name).ok())?;
    config.load_profiles()?;
    config.validate()?;
    Ok(config)
}

/// Records a staff action on a device or a staff number in the journal's audit trail
/// (`[hub] data_dir`/journal.db), if the journal is there.
///
/// A journal is never created here: a command run with the wrong `--config` (or a `data_dir`
/// that points elsewhere) would leave an empty journal in a folder the hub never reads, and a
/// hall's first journal is the hub's to make. Without one the change stands (a hall is
/// provisioned before its hub first runs) and the command says that it has no audit line.
fn audit(config: &HallConfig, action: &str, subject: &str, detail: &str) -> anyhow::Result<()> {
    let dir = &config.hub.data_dir;
    let path = dir.join("journal.db");
    if !path.is_file() {
        println!(
            "note: no journal at {path}: this change has no audit line. That is expected before \
             the hub first runs in this hall; otherwise check --config and [hub] data_dir.\n\
             注意：{path} 处没有日志库，本次修改未写入审计记录。中枢尚未在本营业厅运行过时属正常；\
             否则请检查 --config 与 [hub] data_dir。",
            path = path.display()
        );
        return Ok(());
    }
    let durability = match config.hub.durability {
        DurabilityLevel::Full => hallq_journal::Durability::Full,
        DurabilityLevel::Normal => hallq_journal::Durability::Normal,
    };
    let record = hallq_journal::AuditRecord {
        at: now(),
        actor: format!("cli:{}", operator()),
        action: action.to_owned(),
        subject: Some(subject.to_owned()),
        detail: detail.to_owned(),
    };
    let result = hallq_journal::Journal::open(&path, durability)
        .and_then(|mut journal| journal.record_audit(&record));
    // Run as root beside a hub that runs as its own user: files SQLite created here must stay
    // the hub's, or it could not open its journal any more.
    give_to_owner_of(
        dir,
        &["journal.db", "journal.db-wal", "journal.db-shm"].map(|f| dir.join(f)),
    );
    result.with_context(|| {
        format!(
            "the change is made, but its audit line could not be written to {} / 修改已生效，但审计记录写入失败",
            path.display()
        )
    })
}

/// Who runs the command: the person behind sudo if any.
fn operator() -> String {
    ["SUDO_USER", "USER", "LOGNAME"]
        .into_iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Gives each existing file of `files` the owner and group of `dir` (best effort: only root
/// can, and only root needs to).
fn give_to_owner_of(dir: &Path, files: &[PathBuf]) {
    let Ok(owner) = std::fs::metadata(dir) else {
        return;
    };
    for f in files {
        if let Ok(m) = std::fs::metadata(f)
            && (m.uid(), m.gid()) != (owner.uid(), owner.gid())
        {
            let _ = std::os::unix::fs::chown(f, Some(owner.uid()), Some(owner.gid()));
        }
    }
}

/// Mode and group of a file that did not exist before.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewFile {
    /// Its permission bits.
    mode: u32,
    /// Its group, if not the writer's.
    gid: Option<u32>,
}

impl NewFile {
    /// Readable by its owner only: hall.toml when it is new.
    pub(crate) const PRIVATE: Self = Self {
        mode: 0o600,
        gid: None,
    };
    /// Readable by all: the ACL holds no secret.
    pub(crate) const PUBLIC: Self = Self {
        mode: 0o644,
        gid: None,
    };
}

/// Replaces `path` with `bytes` so that a reader sees the old file or the new one, never half:
/// a file beside it, synced, renamed over it. The old file's mode and owner are kept; a new file
/// gets `new`'s.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8], new: NewFile) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(
        ".{}.hallq-{}.tmp",
        name.unwrap_or_default(),
        std::process::id()
    ));
    let old = std::fs::metadata(path).ok();
    let mode = old
        .as_ref()
        .map_or(new.mode, |m| m.permissions().mode() & 0o7777);
    let owner = match &old {
        Some(m) => Some((Some(m.uid()), Some(m.gid()))),
        None => new.gid.map(|g| (None, Some(g))),
    };
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        if let Some((uid, gid)) = owner {
            // Only root can give a file away; anyone else keeps their own files anyway.
            let _ = std::os::unix::fs::fchown(&file, uid, gid);
        }
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::anyhow!("cannot write {}: {e} / 无法写入文件", path.display())
    })
}

/// The id of the group `name` in /etc/group, if there is one.
fn group_id(name: &str) -> Option<u32> {
    let groups = std::fs::read_to_string("/etc/group").ok()?;
    groups.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next() == Some(name))
            .then(|| fields.nth(1)?.parse().ok())
            .flatten()
    })
}

/// `hallq device list`.
fn list(path: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} / 无法读取配置文件", path.display()))?;
    let config = HallConfig::parse(&text)
        .map_err(|m| anyhow::anyhow!("{}: {m} / 配置文件格式错误", path.display()))?;
    println!(
        "{:<20} {:<13} {:>7}  {:<22} status / 状态",
        "id / 编号", "role / 角色", "counter", "profile / 固件配置"
    );
    for d in config.devices.iter().chain(&config.revoked_devices) {
        println!(
            "{:<20} {:<13} {:>7}  {:<22} {}",
            d.id.as_str(),
            d.role.as_str(),
            d.counter
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into()),
            d.profile.as_deref().unwrap_or("-"),
            status(d)
        );
    }
    Ok(())
}

/// A device's status for `list`.
fn status(d: &DeviceConfig) -> String {
    match (&d.revoked, &d.secret_hash, &d.mosquitto_hash) {
        (Some(at), _, _) => format!("revoked at {at} / 已吊销"),
        (None, None, _) => "no secret: cannot log in / 无密钥，无法登录".into(),
        (None, Some(_), None) => format!(
            "active, no Mosquitto hash (hallq device rotate {}) / 在用，缺 Mosquitto 哈希",
            d.id
        ),
        (None, Some(_), Some(_)) => "active / 在用".into(),
    }
}

/// `hallq device mosquitto`.
fn write_mosquitto(
    path: &Path,
    out: &Path,
    hub_secret_stdin: bool,
    acl_only: bool,
) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} / 无法读取配置文件", path.display()))?;
    let config = checked(&text, path).with_context(|| path.display().to_string())?;
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create {} / 无法创建目录", out.display()))?;
    let acl_path = out.join("hallq.acl");
    let devices = config
        .devices
        .iter()
        .map(|d| (&d.id, hallq_hub::broker::Access::of(d.role)));
    let acl = mosquitto::acl(&config.hall.id, &config.broker.hub_user, devices);
    if acl_only {
        write_atomically(&acl_path, acl.as_bytes(), NewFile::PUBLIC)?;
        println!("{} written / 已写入", acl_path.display());
        return Ok(());
    }
    let hub_secret = if hub_secret_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        config
            .broker
            .hub_secret
            .as_ref()
            .map(|s| s.0.clone())
            .unwrap_or_default()
    };
    anyhow::ensure!(
        !hub_secret.is_empty(),
        "the hub's MQTT password is needed: set HALLQ_HUB_SECRET or give --hub-secret-stdin / \
         需要中枢的 MQTT 密码：请设置 HALLQ_HUB_SECRET 或使用 --hub-secret-stdin"
    );
    let hub_hash = mosquitto::hash(&hub_secret);
    let mut logins = vec![(config.broker.hub_user.as_str(), hub_hash.as_str())];
    let mut missing = Vec::new();
    for d in &config.devices {
        match &d.mosquitto_hash {
            Some(h) => {
                mosquitto::check(h).map_err(|e| {
                    anyhow::anyhow!("device {}: {e} / 设备的 Mosquitto 哈希无效", d.id)
                })?;
                logins.push((d.id.as_str(), h.as_str()));
            }
            None => missing.push(&d.id),
        }
    }
    let passwd_path = out.join("hallq.passwd");
    // Mosquitto reads its password file after dropping root for its own user: a new file is
    // root's and readable by the group `mosquitto` (as `chown root:mosquitto; chmod 640`).
    let passwd_file = NewFile {
        mode: 0o640,
        gid: group_id("mosquitto"),
    };
    let passwd = mosquitto::passwd(logins.iter().copied());
    write_atomically(&passwd_path, passwd.as_bytes(), passwd_file)?;
    write_atomically(&acl_path, acl.as_bytes(), NewFile::PUBLIC)?;
    println!(
        "{} written: the hub and {} device(s); {} revoked left out / 已写入：中枢与 {} 台设备，{} 台已吊销设备未列入",
        passwd_path.display(),
        logins.len() - 1,
        config.revoked_devices.len(),
        logins.len() - 1,
        config.revoked_devices.len()
    );
    println!("{} written / 已写入", acl_path.display());
    for id in &missing {
        println!(
            "NOTE  {id} has no Mosquitto hash (registered before `hallq device add`) and cannot log \
             in to Mosquitto: give it a new secret with `hallq device rotate {id}`, then run this again. \
             / 设备 {id} 没有 Mosquitto 哈希，无法登录 Mosquitto：请用 `hallq device rotate {id}` 更换密钥后重新生成。"
        );
    }
    println!(
        "Then reload Mosquitto (systemctl reload mosquitto). / 然后重新加载 Mosquitto (systemctl reload mosquitto)。"
    );
    Ok(())
}

fn check(paths: &[PathBuf]) -> anyhow::Result<()> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(profiles_in(path)?);
        } else {
            files.push(path.clone());
        }
    }
    let mut bad = 0;
    for file in &files {
        match hallq_profiles::load_file(file) {
            Ok(p) => println!(
                "OK    {}  ({} {} · {})",
                file.display(),
                p.kind(),
                p.device.model,
                p.device.vendor
            ),
            Err(e) => {
                bad += 1;
                eprintln!("FAIL  {e}");
            }
        }
    }
    anyhow::ensure!(
        bad == 0,
        "{bad} of {} profiles are invalid / {bad} 个固件配置无效",
        files.len()
    );
    Ok(())
}

/// The profile files directly in `dir`, sorted.
fn profiles_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
