//! The device registry as a file: hall.toml's `[[devices]]` tables, edited in place by
//! `hallq device add / revoke / rotate` with every comment and the layout of the rest of the
//! file kept (`toml_edit`).
//!
//! Pure: text in, text out. Reading and writing the file, the clock and the secret are the
//! command's; whether the edited file still makes a valid hall is [`crate::HallConfig`]'s
//! validation, run on the result before it is written.
//!
//! A revoked device keeps its entry, for the record and so that its id is not given to a new
//! device by accident: `revoked = "<RFC 3339 time>"` is added and both hashes are removed, so
//! no broker can let it in again even if the rest of the hall ignored `revoked`. Adding a revoked
//! id again needs `reuse`, which turns the same entry into the new device.

use std::fmt;

use hallq_proto::{CounterNo, DeviceId, Timestamp};
use toml_edit::{DocumentMut, Item, Table, value};

use crate::config::Role;
use crate::secret::{self, HashError, Strength};

/// Why the registry could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The file is not TOML.
    #[error("hall.toml is not valid TOML: {0} / 配置文件格式错误")]
    Parse(String),
    /// `devices` is there, but not as `[[devices]]` tables.
    #[error("`devices` must be written as [[devices]] tables / 设备须以 [[devices]] 表列出")]
    NotTables,
    /// The id is registered and active.
    #[error("device {0} is already registered / 设备 {0} 已登记")]
    Exists(DeviceId),
    /// The id belonged to a device that was revoked.
    #[error(
        "device {id} was revoked at {at}; to give its id to a new device, add it with --reuse / 设备 {id} 已于 {at} 吊销；如确需重新使用该编号，请加 --reuse"
    )]
    Revoked {
        /// The id.
        id: DeviceId,
        /// When it was revoked.
        at: String,
    },
    /// No device has this id.
    #[error("no device {0} in hall.toml / 配置中没有设备 {0}")]
    Unknown(DeviceId),
    /// The role needs a counter and none was given.
    #[error(
        "device {id}: a {role} belongs to a counter; give --counter N / {zh}须指定所属窗口 (--counter)"
    )]
    NeedsCounter {
        /// The id.
        id: DeviceId,
        /// Its role.
        role: Role,
        /// The role in Chinese.
        zh: &'static str,
    },
    /// A counter was given to a role that has none.
    #[error(
        "device {id}: a {role} belongs to no counter; leave out --counter / {zh}不属于窗口，请去掉 --counter"
    )]
    NoCounter {
        /// The id.
        id: DeviceId,
        /// Its role.
        role: Role,
        /// The role in Chinese.
        zh: &'static str,
    },
    /// A hash could not be made.
    #[error(transparent)]
    Hash(#[from] HashError),
}

/// A device to register.
#[derive(Debug, Clone)]
pub struct NewDevice {
    /// Its id: MQTT client id and user name.
    pub id: DeviceId,
    /// Its role.
    pub role: Role,
    /// Its counter, for the roles that have one.
    pub counter: Option<CounterNo>,
    /// Its firmware profile.
    pub profile: Option<String>,
}

/// The two hashes of one device secret the registry stores: one per broker.
#[derive(Clone)]
pub struct Hashes {
    /// Argon2id ([`Strength::Random`]), for the embedded broker.
    pub secret_hash: String,
    /// `$7$` PBKDF2-SHA512, for Mosquitto's password file ([`crate::mosquitto`]).
    pub mosquitto_hash: String,
}

impl Hashes {
    /// Both hashes of a machine-made `secret` ([`secret::random`]).
    pub fn of(secret: &str) -> Result<Self, HashError> {
        Ok(Self {
            secret_hash: secret::hash(secret, Strength::Random)?,
            mosquitto_hash: crate::mosquitto::hash(secret),
        })
    }
}

impl fmt::Debug for Hashes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hashes(<redacted>)")
    }
}

/// hall.toml, open for editing its devices.
#[derive(Debug, Clone)]
pub struct Registry {
    doc: DocumentMut,
}

impl Registry {
    /// Parses hall.toml's text. Only TOML syntax is checked here.
    pub fn parse(text: &str) -> Result<Self, RegistryError> {
        let doc = text
            .parse::<DocumentMut>()
            .map_err(|e| RegistryError::Parse(e.to_string()))?;
        Ok(Self { doc })
    }

    /// Registers `device` with `hashes`: a new `[[devices]]` table after the last one, or, with
    /// `reuse`, the entry of a revoked device of the same id rewritten as this one.
    pub fn add(
        &mut self,
        device: &NewDevice,
        hashes: &Hashes,
        reuse: bool,
    ) -> Result<(), RegistryError> {
        let (zh, role) = (device.role.zh(), device.role);
        match (role.needs_counter(), device.counter) {
            (true, None) => {
                return Err(RegistryError::NeedsCounter {
                    id: device.id.clone(),
                    role,
                    zh,
                });
            }
            (false, Some(_)) => {
                return Err(RegistryError::NoCounter {
                    id: device.id.clone(),
                    role,
                    zh,
                });
            }
            _ => {}
        }
        if let Some(entry) = self.entry_mut(&device.id)? {
            match revoked_at(entry) {
                None => return Err(RegistryError::Exists(device.id.clone())),
                Some(at) if !reuse => {
                    return Err(RegistryError::Revoked {
                        id: device.id.clone(),
                        at,
                    });
                }
                Some(_) => {
                    entry.remove("revoked");
                    describe(entry, device, hashes);
                    return Ok(());
                }
            }
        }
        let mut entry = Table::new();
        // A blank line before each entry, as the example file has them.
        entry.decor_mut().set_prefix("\n");
        entry.insert("id", value(device.id.as_str()));
        describe(&mut entry, device, hashes);
        match self
            .doc
            .entry("devices")
            .or_insert(Item::ArrayOfTables(toml_edit::ArrayOfTables::new()))
        {
            Item::ArrayOfTables(tables) => tables.push(entry),
            _ => return Err(RegistryError::NotTables),
        }
        Ok(())
    }

    /// Revokes the device `id` at `at` (RFC 3339): `revoked` is set and both hashes removed.
    pub fn revoke(&mut self, id: &DeviceId, at: &str) -> Result<(), RegistryError> {
        let entry = self
            .entry_mut(id)?
            .ok_or_else(|| RegistryError::Unknown(id.clone()))?;
        if let Some(at) = revoked_at(entry) {
            return Err(RegistryError::Revoked { id: id.clone(), at });
        }
        entry.remove("secret_hash");
        entry.remove("mosquitto_hash");
        entry.insert("revoked", value(at));
        Ok(())
    }

    /// Gives the active device `id` the hashes of a new secret, replacing both old ones.
    pub fn rotate(&mut self, id: &DeviceId, hashes: &Hashes) -> Result<(), RegistryError> {
        let entry = self
            .entry_mut(id)?
            .ok_or_else(|| RegistryError::Unknown(id.clone()))?;
        if let Some(at) = revoked_at(entry) {
            return Err(RegistryError::Revoked { id: id.clone(), at });
        }
        set_hashes(entry, hashes);
        Ok(())
    }

    /// Gives the clerk `number` a new PIN (its hash) set on `date` (`YYYY-MM-DD`): the
    /// `[[staff]]` entry of that number, or a new one after the last (with `name`, if given).
    pub fn set_pin(
        &mut self,
        number: &str,
        name: Option<&str>,
        pin_hash: &str,
        date: &str,
    ) -> Result<(), RegistryError> {
        let tables = match self
            .doc
            .entry("staff")
            .or_insert(Item::ArrayOfTables(toml_edit::ArrayOfTables::new()))
        {
            Item::ArrayOfTables(tables) => tables,
            _ => return Err(RegistryError::NotTables),
        };
        let found = tables
            .iter()
            .position(|t| t.get("number").and_then(Item::as_str) == Some(number));
        let entry = match found {
            Some(i) => tables.get_mut(i).ok_or(RegistryError::NotTables)?,
            None => {
                let mut entry = Table::new();
                entry.decor_mut().set_prefix("\n");
                entry.insert("number", value(number));
                tables.push(entry);
                let last = tables.len() - 1;
                tables.get_mut(last).ok_or(RegistryError::NotTables)?
            }
        };
        if let Some(name) = name {
            entry.insert("name", value(name));
        }
        entry.insert("pin_hash", value(pin_hash));
        entry.insert("pin_set", value(date));
        Ok(())
    }

    /// The `[[devices]]` table of `id`, if any.
    fn entry_mut(&mut self, id: &DeviceId) -> Result<Option<&mut Table>, RegistryError> {
        match self.doc.get_mut("devices") {
            None => Ok(None),
            Some(Item::ArrayOfTables(tables)) => Ok(tables
                .iter_mut()
                .find(|t| t.get("id").and_then(Item::as_str) == Some(id.as_str()))),
            Some(_) => Err(RegistryError::NotTables),
        }
    }
}

impl fmt::Display for Registry {
    /// The edited file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.doc.fmt(f)
    }
}

/// When the entry was revoked, if it was.
fn revoked_at(entry: &Table) -> Option<String> {
    entry
        .get("revoked")
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
}

/// Writes the device's role, counter, profile and hashes into its entry (keys in that order
/// for a new entry; an existing key keeps its place).
fn describe(entry: &mut Table, device: &NewDevice, hashes: &Hashes) {
    entry.insert("role", value(device.role.as_str()));
    match device.counter {
        Some(c) => {
            entry.insert("counter", value(i64::from(c.0)));
        }
        None => {
            entry.remove("counter");
        }
    }
    match &device.profile {
        Some(p) => {
            entry.insert("profile", value(p.as_str()));
        }
        None => {
            entry.remove("profile");
        }
    }
    set_hashes(entry, hashes);
}

fn set_hashes(entry: &mut Table, hashes: &Hashes) {
    entry.insert("secret_hash", value(hashes.secret_hash.as_str()));
    entry.insert("mosquitto_hash", value(hashes.mosquitto_hash.as_str()));
}

/// `t` as RFC 3339 in the hall's local time, to the second: `2025-06-01T09:30:00+08:00`.
pub fn rfc3339(t: Timestamp, utc_offset_min: i32) -> String {
    let local_s = t.0.div_euclid(1000) + i64::from(utc_offset_min) * 60;
    let (days, secs) = (local_s.div_euclid(86_400), local_s.rem_euclid(86_400));
    let (y, m, d) = hallq_proto::time::civil_from_days(days);
    let sign = if utc_offset_min < 0 { '-' } else { '+' };
    let off = utc_offset_min.unsigned_abs();
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        off / 60,
        off % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HallConfig;

    const HALL: &str = r#"# The hall's configuration.
[hall]
id = "demo"   # the topic level
name = { zh = "演示营业厅", en = "Demo Hall" }

# The devices allowed in the hall.
[[devices]]
id = "kiosk-1"      # by the door
role = "kiosk"
secret_hash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"

[[devices]]
id = "counter-1"
role = "counter"
counter = 1         # window 1
secret_hash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"

# The clerks.
[[staff]]
number = "1001"
"#;

    fn hashes() -> Hashes {
        Hashes::of(&secret::random()).unwrap()
    }

    #[test]
    fn a_pin_is_set_on_its_clerk_or_a_new_one_and_the_file_keeps_its_comments() {
        let mut r = Registry::parse(HALL).unwrap();
        r.set_pin("1001", None, "$argon2id$hash-a", "2026-11-30")
            .unwrap();
        r.set_pin("1002", Some("李娜"), "$argon2id$hash-b", "2026-11-30")
            .unwrap();
        let text = r.to_string();
        assert!(text.starts_with("# The hall's configuration."), "{text}");
        assert!(
            text.contains("# The clerks.\n[[staff]]\nnumber = \"1001\""),
            "{text}"
        );
        let config = HallConfig::parse(&text).unwrap();
        assert_eq!(config.staff.len(), 2);
        assert_eq!(
            config.staff[0].pin_hash.as_deref(),
            Some("$argon2id$hash-a")
        );
        assert_eq!(config.staff[0].pin_set.as_deref(), Some("2026-11-30"));
        assert_eq!(config.staff[1].number.as_str(), "1002");
        assert_eq!(config.staff[1].name.as_deref(), Some("李娜"));
        // Again: the entry is updated, not doubled.
        r.set_pin("1001", None, "$argon2id$hash-c", "2026-12-01")
            .unwrap();
        let config = HallConfig::parse(&r.to_string()).unwrap();
        assert_eq!(config.staff.len(), 2);
        assert_eq!(config.staff[0].pin_set.as_deref(), Some("2026-12-01"));
    }

    fn device(id: &str, role: Role, counter: Option<u16>) -> NewDevice {
        NewDevice {
            id: DeviceId::new(id).unwrap(),
            role,
            counter: counter.map(CounterNo),
            profile: None,
        }
    }

    #[test]
    fn an_added_device_is_appended_after_the_last_and_every_comment_is_kept() {
        let mut r = Registry::parse(HALL).unwrap();
        let h = hashes();
        let new = NewDevice {
            profile: Some("evaluator-4key".into()),
            ..device("evaluator-1", Role::Evaluator, Some(1))
        };
        r.add(&new, &h, false).unwrap();
        let text = r.to_string();
        let expected_entry = format!(
            "\n[[devices]]\nid = \"evaluator-1\"\nrole = \"evaluator\"\ncounter = 1\nprofile = \"evaluator-4key\"\nsecret_hash = \"{}\"\nmosquitto_hash = \"{}\"\n",
            h.secret_hash, h.mosquitto_hash
        );
        // The old text is untouched, the new entry sits between the last device and the staff.
        let (before, after) = HALL.split_once("\n# The clerks.").unwrap();
        assert_eq!(
            text,
            format!("{before}{expected_entry}\n# The clerks.{after}")
        );
        let mut c = HallConfig::parse(&text).unwrap();
        // Tests run in the crate's folder: point at the repository's profiles.
        c.hub.profiles_dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../firmware-profiles");
        c.validate().unwrap();
        let d = c.device(&new.id).unwrap();
        assert_eq!(d.secret_hash.as_deref(), Some(h.secret_hash.as_str()));
        assert_eq!(d.mosquitto_hash.as_deref(), Some(h.mosquitto_hash.as_str()));
    }

    #[test]
    fn a_revoked_device_keeps_its_entry_without_hashes_and_is_unknown_to_the_hub() {
        let mut r = Registry::parse(HALL).unwrap();
        let id = DeviceId::new("kiosk-1").unwrap();
        r.revoke(&id, "2025-06-01T09:30:00+08:00").unwrap();
        let text = r.to_string();
        assert!(text.contains(
            "[[devices]]\nid = \"kiosk-1\"      # by the door\nrole = \"kiosk\"\nrevoked = \"2025-06-01T09:30:00+08:00\"\n\n[[devices]]"
        ), "{text}");
        assert!(
            text.contains(
                "# The hall's configuration.\n[hall]\nid = \"demo\"   # the topic level\n"
            )
        );
        assert!(text.contains("counter = 1         # window 1\n"));
        let c = HallConfig::parse(&text).unwrap();
        c.validate().unwrap();
        assert!(c.device(&id).is_none(), "a revoked device is unknown");
        assert_eq!(c.devices.len(), 1);
        assert_eq!(c.revoked_devices[0].id, id);
        assert!(c.revoked_devices[0].secret_hash.is_none());
        assert!(matches!(
            r.revoke(&id, "later"),
            Err(RegistryError::Revoked { .. })
        ));
        assert!(matches!(
            r.revoke(&DeviceId::new("nobody").unwrap(), "now"),
            Err(RegistryError::Unknown(_))
        ));
    }

    #[test]
    fn a_revoked_id_is_given_again_only_with_reuse() {
        let mut r = Registry::parse(HALL).unwrap();
        let id = DeviceId::new("kiosk-1").unwrap();
        r.revoke(&id, "2025-06-01T09:30:00+08:00").unwrap();
        let again = device("kiosk-1", Role::Greeter, None);
        let err = r.add(&again, &hashes(), false).unwrap_err().to_string();
        assert!(
            err.contains("2025-06-01T09:30:00+08:00") && err.contains("--reuse"),
            "{err}"
        );
        let h = hashes();
        r.add(&again, &h, true).unwrap();
        let c = HallConfig::parse(&r.to_string()).unwrap();
        c.validate().unwrap();
        let d = c.device(&id).unwrap();
        assert_eq!(d.role, Role::Greeter);
        assert_eq!(d.secret_hash.as_deref(), Some(h.secret_hash.as_str()));
        assert!(c.revoked_devices.is_empty());
        assert_eq!(c.devices.len(), 2, "the entry was reused, not doubled");
    }

    #[test]
    fn an_id_both_revoked_and_active_is_refused_by_the_hub() {
        let text = format!(
            "{HALL}\n[[devices]]\nid = \"kiosk-1\"\nrole = \"kiosk\"\nrevoked = \"2025-06-01T09:30:00+08:00\"\n"
        );
        let err = HallConfig::parse(&text).unwrap().validate().unwrap_err();
        assert!(err.to_string().contains("kiosk-1 is listed twice"), "{err}");
    }

    #[test]
    fn an_active_id_cannot_be_added_twice() {
        let mut r = Registry::parse(HALL).unwrap();
        let err = r
            .add(
                &device("counter-1", Role::Counter, Some(1)),
                &hashes(),
                true,
            )
            .unwrap_err();
        assert!(matches!(err, RegistryError::Exists(_)), "{err}");
    }

    #[test]
    fn counters_are_required_exactly_for_the_roles_that_have_one() {
        let mut r = Registry::parse(HALL).unwrap();
        for (role, counter, ok) in [
            (Role::Counter, None, false),
            (Role::Evaluator, None, false),
            (Role::LedStrip, None, false),
            (Role::Kiosk, Some(1), false),
            (Role::Display, None, true),
            (Role::LedStrip, Some(2), true),
        ] {
            let d = device(
                &format!("d-{}", role.as_str().replace('_', "-")),
                role,
                counter,
            );
            assert_eq!(
                r.add(&d, &hashes(), false).is_ok(),
                ok,
                "{role:?} {counter:?}"
            );
        }
        let err = r
            .add(&device("e-9", Role::Evaluator, None), &hashes(), false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--counter") && err.contains("须指定所属窗口"),
            "{err}"
        );
    }

    #[test]
    fn rotate_replaces_both_hashes_of_an_active_device_only() {
        let mut r = Registry::parse(HALL).unwrap();
        let id = DeviceId::new("counter-1").unwrap();
        let h = hashes();
        r.rotate(&id, &h).unwrap();
        let text = r.to_string();
        assert!(text.contains("counter = 1         # window 1\n"), "{text}");
        let c = HallConfig::parse(&text).unwrap();
        let d = c.device(&id).unwrap();
        assert_eq!(d.secret_hash.as_deref(), Some(h.secret_hash.as_str()));
        assert_eq!(d.mosquitto_hash.as_deref(), Some(h.mosquitto_hash.as_str()));
        r.revoke(&id, "2025-06-01T09:30:00+08:00").unwrap();
        assert!(matches!(
            r.rotate(&id, &h),
            Err(RegistryError::Revoked { .. })
        ));
    }

    #[test]
    fn a_file_without_devices_gets_its_first_entry() {
        let mut r =
            Registry::parse("[hall]\nid = \"x\"\nname = { zh = \"甲\", en = \"X\" }\n").unwrap();
        r.add(&device("kiosk-1", Role::Kiosk, None), &hashes(), false)
            .unwrap();
        let c = HallConfig::parse(&r.to_string()).unwrap();
        assert_eq!(c.devices.len(), 1);
        assert!(matches!(
            Registry::parse("devices = 3\n").unwrap().add(
                &device("k", Role::Kiosk, None),
                &hashes(),
                false
            ),
            Err(RegistryError::NotTables)
        ));
    }

    #[test]
    fn hashes_are_never_shown() {
        assert_eq!(format!("{:?}", hashes()), "Hashes(<redacted>)");
    }

    #[test]
    fn times_are_rfc3339_in_the_hall_s_offset() {
        // 2025-06-01T01:30:00Z
        let t = Timestamp(1_748_741_400_000);
        assert_eq!(rfc3339(t, 480), "2025-06-01T09:30:00+08:00");
        assert_eq!(rfc3339(t, 0), "2025-06-01T01:30:00+00:00");
        assert_eq!(rfc3339(t, -90), "2025-06-01T00:00:00-01:30");
        assert_eq!(rfc3339(t, -120), "2025-05-31T23:30:00-02:00");
    }
}
