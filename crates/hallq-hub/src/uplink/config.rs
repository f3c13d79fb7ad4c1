//! `[uplink]` in hall.toml: the hall's link to headquarters. Absent, the hub opens no
//! connection anywhere beyond its hall and behaves as a hall without HQ always has.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::config::Secret;

/// The most events one batch may carry: a batch is one NATS message, and NATS refuses messages
/// over 1 MiB by default (an event is ~300–500 bytes as JSON).
pub const BATCH_MAX_LIMIT: usize = 2000;

/// The longest region HQ stores.
const MAX_REGION: usize = 64;

/// The link to HQ (docs/chain.md, docs/config.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UplinkSection {
    /// HQ's NATS servers, `nats://host:port` (or `tls://host:port`). The hub connects to these
    /// only, never to servers the cluster announces: a hall reaches HQ through the addresses its
    /// network lets it reach.
    pub servers: Vec<String>,
    /// The hall's region at HQ (e.g. `gd-gz`): HQ groups its halls by it.
    #[serde(default)]
    pub region: String,
    /// HQ's user name for this hall, if HQ's servers ask for one.
    #[serde(default)]
    pub user: Option<String>,
    /// Its password. Prefer `HALLQ_UPLINK_PASSWORD` to writing it here.
    #[serde(default)]
    pub password: Option<Secret>,
    /// The CA that signed HQ's server certificates (PEM); set, the link must be TLS. In hall.toml,
    /// relative to the file's folder.
    #[serde(default)]
    pub tls_ca: Option<PathBuf>,
    /// Most events per batch.
    #[serde(default = "default_batch_max")]
    pub batch_max: usize,
    /// The longest a new event waits before it is sent, in ms (the writer's commits wake the
    /// uplink sooner).
    #[serde(default = "default_interval_ms")]
    pub interval_ms: u64,
    /// How often the hall's live status goes to HQ while nothing changes, in seconds.
    #[serde(default = "default_status_interval_s")]
    pub status_interval_s: u64,
}

fn default_batch_max() -> usize {
    500
}

fn default_interval_ms() -> u64 {
    2_000
}

fn default_status_interval_s() -> u64 {
    5
}

impl UplinkSection {
    /// The longest a new event waits.
    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms)
    }

    /// How often the live status is sent.
    pub fn status_interval(&self) -> Duration {
        Duration::from_secs(self.status_interval_s)
    }

    /// Whether the link must be TLS: a CA is given or a server is `tls://`.
    pub fn tls(&self) -> bool {
        self.tls_ca.is_some() || self.servers.iter().any(|s| s.starts_with("tls://"))
    }

    /// Everything that would otherwise fail later, in both languages. (The hall's id becomes a
    /// NATS subject token at HQ; a `HallId` is one already: lowercase letters, digits, `-`, `_`.)
    pub fn check(&self) -> Result<(), String> {
        if self.servers.is_empty() {
            return Err(
                "[uplink] servers lists no server: name HQ's NATS servers (nats://host:4222) / \
                 [uplink] servers 未列出总部服务器"
                    .into(),
            );
        }
        for s in &self.servers {
            check_server(s)?;
        }
        if self.region.len() > MAX_REGION
            || self
                .region
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(format!(
                "[uplink] region {:?} must be at most {MAX_REGION} bytes without spaces / 区域代码不超过 {MAX_REGION} 字节且不含空格",
                self.region
            ));
        }
        match (&self.user, &self.password) {
            (Some(u), Some(_)) if !u.is_empty() => {}
            (None, None) => {}
            _ => {
                return Err("[uplink] user and password go together (the password from \
                     HALLQ_UPLINK_PASSWORD) / 总部连接的用户名与密码须同时设置"
                    .into());
            }
        }
        if !(1..=BATCH_MAX_LIMIT).contains(&self.batch_max) {
            return Err(format!(
                "[uplink] batch_max {} must be 1 to {BATCH_MAX_LIMIT} / 每批事件数须在 1 到 {BATCH_MAX_LIMIT} 之间",
                self.batch_max
            ));
        }
        if !(50..=60_000).contains(&self.interval_ms) {
            return Err(format!(
                "[uplink] interval_ms {} must be 50 to 60000 / 上传间隔须在 50 到 60000 毫秒之间",
                self.interval_ms
            ));
        }
        if !(1..=60).contains(&self.status_interval_s) {
            return Err(format!(
                "[uplink] status_interval_s {} must be 1 to 60 / 状态上报间隔须在 1 到 60 秒之间",
                self.status_interval_s
            ));
        }
        Ok(())
    }
}

/// A server address as the NATS client takes it: `nats://` or `tls://`, a host, a port.
fn check_server(s: &str) -> Result<(), String> {
    let bad = || {
        format!(
            "[uplink] server {s:?} is not nats://host:port or tls://host:port / 总部服务器地址格式应为 nats://主机:端口"
        )
    };
    let rest = s
        .strip_prefix("nats://")
        .or_else(|| s.strip_prefix("tls://"))
        .ok_or_else(bad)?;
    // user:password@ in the URL would put a secret in hall.toml's servers: refused.
    if rest.contains('@') {
        return Err(format!(
            "[uplink] server {s:?}: put the user in `user` and the password in HALLQ_UPLINK_PASSWORD, not in the address / 用户名和密码不要写在服务器地址中"
        ));
    }
    let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    if host.is_empty() || port == 0 || host.contains('/') {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::HallConfig;

    const HALL: &str =
        "[hall]\nid = \"gz-01\"\nname = { zh = \"广州一厅\", en = \"Guangzhou 1\" }\n";

    fn load(section: &str) -> Result<HallConfig, String> {
        let c = HallConfig::parse(&format!("{HALL}\n[uplink]\n{section}"))?;
        c.validate().map_err(|e| e.to_string())?;
        Ok(c)
    }

    #[test]
    fn a_hall_without_uplink_has_none() {
        let c = HallConfig::parse(HALL).unwrap();
        c.validate().unwrap();
        assert!(c.uplink.is_none());
    }

    #[test]
    fn an_uplink_gets_its_defaults() {
        let c = load(
            "servers = [\"nats://10.0.0.1:4222\", \"nats://10.0.0.2:4222\"]\nregion = \"gd-gz\"\n",
        )
        .unwrap();
        let u = c.uplink.unwrap();
        assert_eq!(u.batch_max, 500);
        assert_eq!(u.interval_ms, 2000);
        assert_eq!(u.status_interval_s, 5);
        assert!(!u.tls());
    }

    #[test]
    fn bad_uplinks_are_refused_in_both_languages() {
        for (section, says) in [
            ("servers = []\n", "servers lists no server"),
            ("servers = [\"http://x:1\"]\n", "nats://host:port"),
            ("servers = [\"nats://x\"]\n", "nats://host:port"),
            (
                "servers = [\"nats://u:p@x:4222\"]\n",
                "HALLQ_UPLINK_PASSWORD",
            ),
            (
                "servers = [\"nats://x:4222\"]\nregion = \"gd gz\"\n",
                "region",
            ),
            (
                "servers = [\"nats://x:4222\"]\nuser = \"gz-01\"\n",
                "go together",
            ),
            (
                "servers = [\"nats://x:4222\"]\nbatch_max = 0\n",
                "batch_max",
            ),
            (
                "servers = [\"nats://x:4222\"]\nbatch_max = 100000\n",
                "batch_max",
            ),
            (
                "servers = [\"nats://x:4222\"]\ninterval_ms = 0\n",
                "interval_ms",
            ),
            (
                "servers = [\"nats://x:4222\"]\nstatus_interval_s = 0\n",
                "status_interval_s",
            ),
            (
                "servers = [\"nats://x:4222\"]\nserver = \"x\"\n",
                "unknown field",
            ),
        ] {
            let err = load(section).unwrap_err();
            assert!(err.contains(says), "{section}: {err}");
            if says != "unknown field" {
                assert!(
                    err.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "{err}"
                );
            }
        }
    }

    #[test]
    fn the_password_comes_from_the_environment_and_the_ca_from_beside_the_file() {
        let mut c = HallConfig::parse_file(
            &format!("{HALL}\n[uplink]\nservers = [\"tls://hq:4222\"]\nuser = \"gz-01\"\ntls_ca = \"hq-ca.pem\"\n"),
            std::path::Path::new("/etc/hallq/hall.toml"),
        )
        .unwrap();
        assert!(c.validate().is_err(), "no password yet");
        c.apply_env(|k| (k == "HALLQ_UPLINK_PASSWORD").then(|| "pw".to_string()))
            .unwrap();
        c.validate().unwrap();
        let u = c.uplink.unwrap();
        assert_eq!(
            u.tls_ca,
            Some(std::path::PathBuf::from("/etc/hallq/hq-ca.pem"))
        );
        assert!(u.tls());
        assert_eq!(format!("{:?}", u.password), "Some(Secret(***))");
    }
}
