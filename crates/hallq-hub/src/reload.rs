//! Taking a changed hall.toml while the hub runs (`systemctl reload hallq-hub`, i.e. SIGHUP):
//! the registry of who may do what — the devices (added, revoked, rotated, their role, counter
//! and profile), the clerks and their PINs, the green-channel codes. A stolen kiosk revoked with
//! `hallq device revoke` is put out at once, without stopping the hall.
//!
//! Everything else (the hall, the queue and its counters, hours, the broker's listeners, limits,
//! privacy) is read at start only: a reload keeps the running hub's, and says so.

use std::collections::{BTreeMap, BTreeSet};

use hallq_proto::DeviceId;

use crate::config::{DeviceConfig, HallConfig};

/// A reload: the configuration to run with from now on, and what changed.
#[derive(Debug)]
pub struct Reload {
    /// The running configuration with the file's registry.
    pub config: HallConfig,
    /// Devices no longer allowed (revoked, or gone from the file).
    pub removed: Vec<DeviceId>,
    /// Devices with a new secret.
    pub rotated: Vec<DeviceId>,
    /// Devices whose role, counter or profile changed.
    pub changed: Vec<DeviceId>,
    /// Devices that are new.
    pub added: Vec<DeviceId>,
    /// Clerks added, removed, or with a new PIN.
    pub staff: Vec<String>,
    /// Whether the green-channel or membership codes changed.
    pub green_channel: bool,
}

impl Reload {
    /// Takes the registry of `file` (a freshly loaded hall.toml, profiles read) into a copy of
    /// `running`. Refused if the file is of another hall or the result would not validate: the
    /// hub then goes on with what it has.
    pub fn between(running: &HallConfig, file: HallConfig) -> Result<Self, String> {
        if file.hall.id != running.hall.id {
            return Err(format!(
                "the file is hall {}'s, the hub runs hall {} / 配置文件的营业厅与运行中的不符",
                file.hall.id, running.hall.id
            ));
        }
        let mut config = running.clone();
        config.devices = file.devices;
        config.revoked_devices = file.revoked_devices;
        config.staff = file.staff;
        config.green_channel = file.green_channel;
        config.membership = file.membership;
        config.profiles = file.profiles;
        config.validate().map_err(|e| e.to_string())?;
        config.check_profiles().map_err(|e| e.to_string())?;

        let before = by_id(&running.devices);
        let after = by_id(&config.devices);
        let removed = before
            .keys()
            .filter(|id| !after.contains_key(*id))
            .map(|id| (*id).clone())
            .collect();
        let added = after
            .keys()
            .filter(|id| !before.contains_key(*id))
            .map(|id| (*id).clone())
            .collect();
        let (mut rotated, mut changed) = (Vec::new(), Vec::new());
        for (id, new) in &after {
            let Some(old) = before.get(id) else { continue };
            if old.secret_hash != new.secret_hash {
                rotated.push((*id).clone());
            }
            if (old.role, old.counter, &old.profile) != (new.role, new.counter, &new.profile) {
                changed.push((*id).clone());
            }
        }
        let pins = |c: &HallConfig| -> BTreeMap<String, Option<String>> {
            c.staff
                .iter()
                .map(|s| (s.number.to_string(), s.pin_hash.clone()))
                .collect()
        };
        let (old_pins, new_pins) = (pins(running), pins(&config));
        let staff = old_pins
            .keys()
            .chain(new_pins.keys())
            .filter(|n| old_pins.get(*n) != new_pins.get(*n))
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let codes = |c: &HallConfig| -> BTreeSet<(String, String, Option<u8>)> {
            let green = c
                .green_channel
                .iter()
                .map(|g| (g.code.0.clone(), g.label.clone(), None));
            let members = c
                .membership
                .iter()
                .map(|m| (m.code.0.clone(), m.label.clone(), Some(m.tier)));
            green.chain(members).collect()
        };
        let green_channel = codes(running) != codes(&config);
        Ok(Self {
            config,
            removed,
            rotated,
            changed,
            added,
            staff,
            green_channel,
        })
    }

    /// Whether anything changed at all.
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty()
            && self.rotated.is_empty()
            && self.changed.is_empty()
            && self.added.is_empty()
            && self.staff.is_empty()
            && !self.green_channel
    }

    /// One line for the log and the audit trail (no secret, no hash).
    pub fn summary(&self) -> String {
        let list = |ids: &[DeviceId]| {
            ids.iter()
                .map(DeviceId::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut parts = Vec::new();
        for (label, ids) in [
            ("removed", &self.removed),
            ("rotated", &self.rotated),
            ("changed", &self.changed),
            ("added", &self.added),
        ] {
            if !ids.is_empty() {
                parts.push(format!("{label}: {}", list(ids)));
            }
        }
        if !self.staff.is_empty() {
            parts.push(format!("staff: {}", self.staff.join(" ")));
        }
        if self.green_channel {
            parts.push("green-channel or membership codes".into());
        }
        if parts.is_empty() {
            "no change to devices, staff or codes".into()
        } else {
            parts.join("; ")
        }
    }
}

fn by_id(devices: &[DeviceConfig]) -> BTreeMap<&DeviceId, &DeviceConfig> {
    devices.iter().map(|d| (&d.id, d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HALL: &str = r#"
        [hall]
        id = "demo"
        name = { zh = "演示营业厅", en = "Demo Hall" }
        [hours]
        open = "08:30"
        close = "17:30"
        daily_reset = "03:00"
        [[devices]]
        id = "kiosk-1"
        role = "kiosk"
        secret_hash = "HASH-K1"
        [[devices]]
        id = "kiosk-2"
        role = "kiosk"
        secret_hash = "HASH-K2"
        [[devices]]
        id = "counter-1"
        role = "counter"
        counter = 1
        secret_hash = "HASH-C1"
        [[staff]]
        number = "E1001"
        pin_hash = "PIN-1"
    "#;

    fn hall(text: &str) -> HallConfig {
        let mut c = HallConfig::parse(text).unwrap();
        c.load_profiles().unwrap();
        c
    }

    #[test]
    fn the_registry_is_taken_and_what_changed_is_named() {
        let running = hall(HALL);
        let file = HALL
            .replace(
                "id = \"kiosk-2\"\n        role = \"kiosk\"\n        secret_hash = \"HASH-K2\"",
                "id = \"kiosk-2\"\n        role = \"kiosk\"\n        revoked = \"2026-11-30T08:00:00Z\"",
            )
            .replace("HASH-K1", "HASH-K1-NEW")
            .replace("PIN-1", "PIN-2")
            + "\n[[devices]]\nid = \"kiosk-3\"\nrole = \"kiosk\"\nsecret_hash = \"HASH-K3\"\n";
        let r = Reload::between(&running, hall(&file)).unwrap();
        let ids = |v: &[DeviceId]| v.iter().map(|d| d.to_string()).collect::<Vec<_>>();
        assert_eq!(ids(&r.removed), ["kiosk-2"]);
        assert_eq!(ids(&r.rotated), ["kiosk-1"]);
        assert_eq!(ids(&r.added), ["kiosk-3"]);
        assert!(r.changed.is_empty());
        assert_eq!(r.staff, ["E1001"]);
        assert!(
            r.config
                .device(&DeviceId::new("kiosk-2").unwrap())
                .is_none()
        );
        assert_eq!(
            r.summary(),
            "removed: kiosk-2; rotated: kiosk-1; added: kiosk-3; staff: E1001"
        );
        assert!(!r.summary().contains("HASH"), "no hash in the log");
    }

    #[test]
    fn settings_read_at_start_only_are_kept_and_another_halls_file_is_refused() {
        let running = hall(HALL);
        let later = HALL.replace("close = \"17:30\"", "close = \"18:00\"");
        let r = Reload::between(&running, hall(&later)).unwrap();
        assert!(r.is_empty(), "{}", r.summary());
        assert_eq!(
            r.config.hours.close.minutes(),
            17 * 60 + 30,
            "hours: at restart"
        );
        let other = HALL.replace("id = \"demo\"", "id = \"other\"");
        assert!(Reload::between(&running, hall(&other)).is_err());
    }

    #[test]
    fn a_file_that_would_not_validate_is_refused() {
        let running = hall(HALL);
        // A counter terminal for a counter the running queue does not have.
        let bad = HALL.replace("counter = 1", "counter = 99");
        assert!(Reload::between(&running, hall(&bad)).is_err());
    }
}
