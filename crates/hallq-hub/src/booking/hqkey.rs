//! HQ's booking key for this hall, `k_h` (docs/booking.md, "At HQ"): what lets check-in by
//! mobile number find the bookings HQ sold.
//!
//! HQ knows a customer by HMAC-SHA256 of the number under `k_h` (domain `booking_person`, as
//! the hub's own [`crate::privacy::Vault::person_key`] under the hall's personal-data key). HQ
//! puts `k_h` in the configuration bucket as `bookingkey.<hall>`, which only the hall's own NATS
//! user may read; the uplink fetches it and the writer takes it here. At check-in by number the
//! writer matches both hashes.
//!
//! Kept across restarts without HQ: sealed by the vault (ChaCha20-Poly1305 under the hall's
//! personal-data key) in [`FILE`] in the data directory, so the kiosk finds HQ's bookings by
//! number while the link is down. Never in the journal or the log: the journal's audit trail
//! says a key is in force and its fingerprint (a hash of it that does not give it away).

use std::path::{Path, PathBuf};

use hallq_booking::PersonKey;
use hallq_journal::{AuditRecord, Entry};
use hallq_proto::{Phone, Timestamp};
use hallq_wire::{BOOKING_KEY_BYTES, HallBookingKey};
use ring::hmac;

use crate::config::HallConfig;
use crate::privacy::{Vault, VaultError};

/// The sealed key's file in `[hub] data_dir`.
pub const FILE: &str = "hq-booking.key";

/// The sealed file's first line.
const HEADER: &str = "hallq HQ booking key v1 (sealed)";

/// What the seal is bound to: a sealed key copied into another sealed value's place does not
/// open.
const LABEL: &str = "hq_booking_key";

/// `k_h`, ready to hash numbers.
pub struct HqKey {
    /// HMAC-SHA256 under `k_h`.
    key: hmac::Key,
    /// The key's bytes, to tell a new key from the one in force.
    bytes: [u8; BOOKING_KEY_BYTES],
}

impl std::fmt::Debug for HqKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HqKey({})", self.fingerprint())
    }
}

impl HqKey {
    /// The key of `bytes`.
    pub fn from_bytes(bytes: [u8; BOOKING_KEY_BYTES]) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, &bytes),
            bytes,
        }
    }

    /// Who `phone` is in HQ's book of this hall: the hash HQ stores (`hallq_hq::booking::Keys::person`).
    pub fn person(&self, phone: &Phone) -> Option<PersonKey> {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(b"booking_person\0");
        ctx.update(phone.expose().as_bytes());
        let hex: String = ctx
            .sign()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        PersonKey::new(hex).ok()
    }

    /// 16 hex digits of SHA-256 over a domain and the key: what the audit trail and the log say
    /// (equal keys, equal fingerprints; the key cannot be had from it).
    pub fn fingerprint(&self) -> String {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(b"hallq booking key fingerprint\0");
        ctx.update(&self.bytes);
        ctx.finish().as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The sealed key in `path`, if there is one. A file that does not open (the personal-data
    /// key was replaced, or the file damaged) is an error: the caller logs it and waits for HQ.
    pub fn load(path: &Path, vault: &Vault) -> Result<Option<Self>, VaultError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(VaultError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let format = |why| VaultError::Format {
            path: path.to_owned(),
            why,
        };
        let mut lines = text.lines();
        if lines.next() != Some(HEADER) {
            return Err(format("no header line"));
        }
        let blob = hex_bytes(lines.next().unwrap_or_default().trim())
            .ok_or_else(|| format("the sealed key is not hex"))?;
        let plain = vault.open_secret(LABEL, &blob)?;
        let bytes: [u8; BOOKING_KEY_BYTES] = plain
            .try_into()
            .map_err(|_| format("the key has the wrong length"))?;
        Ok(Some(Self::from_bytes(bytes)))
    }

    /// Seals the key into `path` (mode 0600), replacing what is there only once the new file is
    /// complete on disk.
    pub fn store(&self, path: &Path, vault: &Vault) -> Result<(), VaultError> {
        let io = |source| VaultError::Io {
            path: path.to_owned(),
            source,
        };
        let blob = vault.seal_secret(LABEL, &self.bytes)?;
        let hex: String = blob.iter().map(|b| format!("{b:02x}")).collect();
        let tmp = path.with_extension("key.new");
        let _ = std::fs::remove_file(&tmp);
        crate::privacy::write_private(&tmp, format!("{HEADER}\n{hex}\n").as_bytes()).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}

/// The sealed key's path for `config`.
pub fn path(config: &HallConfig) -> PathBuf {
    config.hub.data_dir.join(FILE)
}

/// At start: the key kept on disk, if any, in force (HQ may be out of reach).
pub(crate) fn restore(keeper: &mut super::Keeper, vault: &Vault, config: &HallConfig) {
    match HqKey::load(&path(config), vault) {
        Ok(Some(key)) => {
            tracing::info!(fingerprint = %key.fingerprint(), "HQ's booking key kept from before in force / 沿用已保存的总部预约密钥");
            keeper.set_hq_key(Some(key));
        }
        Ok(None) => {}
        Err(error) => {
            tracing::error!(%error, "HQ's booking key kept on disk does not open: waiting for HQ to hand it again / 已保存的总部预约密钥无法读取，等待总部重新下发")
        }
    }
}

/// Takes the key the uplink fetched: refused (logged) if it is for another hall or not a key;
/// nothing if it is the key in force; else sealed to disk, put in force, and the audit line to
/// journal returned.
pub(crate) fn take(
    keeper: Option<&mut super::Keeper>,
    vault: &Vault,
    config: &HallConfig,
    offered: &HallBookingKey,
    now: Timestamp,
) -> Option<Entry> {
    let keeper = keeper?;
    if offered.hall != config.hall.id.as_str() {
        tracing::error!(for_hall = %offered.hall, "HQ's booking key is for another hall: not taken / 总部预约密钥不属于本厅，未采用");
        return None;
    }
    let Some(bytes) = offered.bytes() else {
        tracing::error!(
            "HQ's booking key is not 64 hex digits: not taken / 总部预约密钥格式错误，未采用"
        );
        return None;
    };
    if keeper.hq_key().is_some_and(|k| k.bytes == bytes) {
        return None;
    }
    let key = HqKey::from_bytes(bytes);
    let fingerprint = key.fingerprint();
    if let Err(error) = key.store(&path(config), vault) {
        // In force for this run all the same; the next fetch tries to keep it again.
        tracing::error!(%error, "HQ's booking key could not be kept on disk / 总部预约密钥无法保存");
    }
    tracing::info!(%fingerprint, "HQ's booking key in force: check-in by number finds HQ's bookings / 总部预约密钥已生效");
    keeper.set_hq_key(Some(key));
    Some(Entry::Audit(AuditRecord {
        at: now,
        actor: "hub".into(),
        action: "hq_booking_key".into(),
        subject: Some("booking".into()),
        detail: format!("HQ's booking key for this hall in force, fingerprint {fingerprint}"),
    }))
}

/// Bytes of a hex text; none if it is not hex.
fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_kept_sealed_and_opens_only_with_the_halls_vault() {
        let dir = tempfile::tempdir().unwrap();
        let (vault, _) = Vault::open_or_create(&dir.path().join("personal.key")).unwrap();
        let path = dir.path().join(FILE);
        assert!(HqKey::load(&path, &vault).unwrap().is_none());
        let key = HqKey::from_bytes([0x5a; BOOKING_KEY_BYTES]);
        key.store(&path, &vault).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&"5a".repeat(8)), "sealed, not in the clear");
        let back = HqKey::load(&path, &vault).unwrap().unwrap();
        let phone = Phone::parse("13900000001").unwrap();
        assert_eq!(back.person(&phone), key.person(&phone));
        assert_eq!(back.fingerprint(), key.fingerprint());
        assert!(!format!("{back:?}").contains(&"5a".repeat(4)));
        let (other, _) = Vault::open_or_create(&dir.path().join("other.key")).unwrap();
        assert!(HqKey::load(&path, &other).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
    }
}
