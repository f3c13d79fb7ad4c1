//! Personal data (PIPL): sealed before the journal sees it, counted without being read, purged
//! when its retention ends.
//!
//! The one personal value a hall keeps is a mobile number: given at the kiosk for a "your turn is
//! near" notice, or taken by a clerk for a complaint's call back. [`Vault`] seals it with
//! ChaCha20-Poly1305 (ring's AEAD) under a 256-bit key from a key file outside the database, with
//! the value's kind and owner (ticket or complaint) as associated data, so a sealed value copied
//! onto another row does not open. A second key of the same file makes the value's blind index
//! (HMAC-SHA256): equal numbers give equal hashes, which is all the per-number daily cap needs,
//! and without the key file the hashes cannot be tested against the 10⁹ possible numbers.
//!
//! Whoever has the journal without the key file has no number. Whoever has both has them all:
//! keep the key file out of the journal's backups (`[privacy] key_file`, docs/security.md).

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use hallq_journal::{PersonalKind, Sealed};
use hallq_proto::{BusinessDay, Timestamp};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::Deserialize;

/// The key file's first line: what it is and its format's version.
const KEY_HEADER: &str = "hallq personal-data key v1";

/// Bytes of key material in the file: 32 for the AEAD, 32 for the blind index.
const KEY_BYTES: usize = 64;

/// `[privacy]` of hall.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacySection {
    /// The key file that seals personal data; made (mode 0600) at the hub's first start if
    /// missing. Default: `personal.key` in `[hub] data_dir`. Keep it out of the journal's backups.
    pub key_file: Option<PathBuf>,
    /// Days a mobile number for a "your turn is near" notice is kept (default 30).
    pub notice_retention_days: u32,
    /// Days a complainant's number is kept, with the complaint record: at least 3 years (1095).
    pub complaint_retention_days: u32,
}

impl Default for PrivacySection {
    fn default() -> Self {
        Self {
            key_file: None,
            notice_retention_days: 30,
            complaint_retention_days: MIN_COMPLAINT_RETENTION_DAYS,
        }
    }
}

/// Complaint records are kept at least 3 years (DOMAIN.md).
pub const MIN_COMPLAINT_RETENTION_DAYS: u32 = 3 * 365;

impl PrivacySection {
    /// The key file, given the hub's data directory.
    pub fn key_path(&self, data_dir: &Path) -> PathBuf {
        self.key_file
            .clone()
            .unwrap_or_else(|| data_dir.join("personal.key"))
    }

    /// How long values of `kind` are kept, in days.
    pub fn retention_days(&self, kind: PersonalKind) -> u32 {
        match kind {
            PersonalKind::NoticePhone => self.notice_retention_days,
            PersonalKind::ComplaintContact => self.complaint_retention_days,
        }
    }

    /// What is wrong with the section, in Chinese and English.
    pub fn check(&self) -> Result<(), String> {
        if self.notice_retention_days == 0 {
            return Err(
                "[privacy] notice_retention_days must be at least 1 / 取号手机号保存天数至少为 1"
                    .into(),
            );
        }
        if self.complaint_retention_days < MIN_COMPLAINT_RETENTION_DAYS {
            return Err(format!(
                "[privacy] complaint_retention_days {} is under 3 years ({MIN_COMPLAINT_RETENTION_DAYS} days): complaint records are kept at least 3 years / 投诉记录至少保存 3 年",
                self.complaint_retention_days
            ));
        }
        Ok(())
    }
}

/// Why the vault could not be opened, or a value not sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The key file could not be read or made.
    #[error("key file {path}: {source} / 密钥文件无法读写")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The key file is not one hallq made.
    #[error("key file {path} is not a hallq key ({why}) / 密钥文件格式错误")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: &'static str,
    },
    /// Others than its owner may read the key file.
    #[error(
        "key file {path} can be read by other users (mode {mode:o}); run chmod 600 on it / 密钥文件权限过宽，请执行 chmod 600"
    )]
    Exposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The system's random generator failed.
    #[error("no randomness from the system / 系统随机数不可用")]
    Random,
    /// A sealed value did not open: another key, or tampered with.
    #[error("a sealed value does not open with this key / 个人信息无法解密")]
    Open,
}

/// The keys that seal personal data.
pub struct Vault {
    aead: LessSafeKey,
    index: hmac::Key,
    rng: SystemRandom,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(***)")
    }
}

impl Vault {
    /// Opens the key file at `path`, making a new key there (mode 0600) if there is none.
    /// Refuses a file that others may read. Returns whether the key was made now.
    pub fn open_or_create(path: &Path) -> Result<(Self, bool), VaultError> {
        let (key, made) = key_file(path, KEY_HEADER, KEY_BYTES)?;
        let key: [u8; KEY_BYTES] = key.try_into().map_err(|_| VaultError::Format {
            path: path.to_owned(),
            why: "the key has the wrong length",
        })?;
        Ok((Self::from_key(&key), made))
    }

    fn from_key(key: &[u8; KEY_BYTES]) -> Self {
        let (seal, index) = key.split_at(32);
        // 32 bytes is ChaCha20-Poly1305's key length: `new` cannot fail here.
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, seal).unwrap_or_else(|_| {
            unreachable!("a 32-byte key fits ChaCha20-Poly1305");
        });
        Self {
            aead: LessSafeKey::new(unbound),
            index: hmac::Key::new(hmac::HMAC_SHA256, index),
            rng: SystemRandom::new(),
        }
    }

    /// The blind index of `value` for `kind`: hex of HMAC-SHA256 under the index key.
    pub fn blind(&self, kind: PersonalKind, value: &str) -> String {
        let mut ctx = hmac::Context::with_key(&self.index);
        ctx.update(kind.as_str().as_bytes());
        ctx.update(b"\0");
        ctx.update(value.as_bytes());
        ctx.sign()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The key a booking knows its customer by (hallq-booking's `PersonKey`): the blind index
    /// of the number in a domain of its own, so that it matches no notice's or complaint's
    /// hash. Never the number; without the key file, not testable against the numbers.
    pub fn person_key(&self, phone: &hallq_proto::Phone) -> String {
        let mut ctx = hmac::Context::with_key(&self.index);
        ctx.update(b"booking_person\0");
        ctx.update(phone.expose().as_bytes());
        ctx.sign()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// 64 random bits from the system (booking codes).
    pub fn random_u64(&self) -> Result<u64, VaultError> {
        let mut bytes = [0u8; 8];
        self.rng.fill(&mut bytes).map_err(|_| VaultError::Random)?;
        Ok(u64::from_le_bytes(bytes))
    }

    /// Seals `value`, bound to `kind` and `owner`.
    pub fn seal(
        &self,
        kind: PersonalKind,
        owner: &str,
        day: BusinessDay,
        at: Timestamp,
        value: &str,
    ) -> Result<Sealed, VaultError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| VaultError::Random)?;
        let mut sealed = value.as_bytes().to_vec();
        self.aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(kind, owner)),
                &mut sealed,
            )
            .map_err(|_| VaultError::Open)?;
        Ok(Sealed {
            kind,
            owner: owner.to_owned(),
            day,
            at,
            blind: self.blind(kind, value),
            nonce: nonce.to_vec(),
            sealed,
        })
    }

    /// Seals a secret that is no customer's (HQ's booking key for this hall, `crate::booking::hqkey`)
    /// under the same key, bound to `label`: the nonce, then the sealed bytes.
    pub fn seal_secret(&self, label: &str, plain: &[u8]) -> Result<Vec<u8>, VaultError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| VaultError::Random)?;
        let mut sealed = plain.to_vec();
        self.aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(secret_aad(label)),
                &mut sealed,
            )
            .map_err(|_| VaultError::Open)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens what [`Self::seal_secret`] sealed with `label`.
    pub fn open_secret(&self, label: &str, blob: &[u8]) -> Result<Vec<u8>, VaultError> {
        if blob.len() < NONCE_LEN {
            return Err(VaultError::Open);
        }
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| VaultError::Open)?;
        let mut buf = sealed.to_vec();
        let plain = self
            .aead
            .open_in_place(nonce, Aad::from(secret_aad(label)), &mut buf)
            .map_err(|_| VaultError::Open)?;
        Ok(plain.to_vec())
    }

    /// Opens a sealed value: the one way back to a number, for the notice that needs it.
    pub fn open(&self, s: &Sealed) -> Result<String, VaultError> {
        let nonce = Nonce::try_assume_unique_for_key(&s.nonce).map_err(|_| VaultError::Open)?;
        let mut buf = s.sealed.clone();
        let plain = self
            .aead
            .open_in_place(nonce, Aad::from(aad(s.kind, &s.owner)), &mut buf)
            .map_err(|_| VaultError::Open)?;
        String::from_utf8(plain.to_vec()).map_err(|_| VaultError::Open)
    }
}

/// The key of `len` bytes in the file at `path` (its first line `header`, then the key in
/// base64), or a new random one written there (mode 0600, its folder made) if there is no
/// file. A file others may read is refused. Returns the key and whether it was made now. The
/// hub keeps the personal-data key and the phone pages' token key (`crate::phone`) this way.
pub fn key_file(path: &Path, header: &str, len: usize) -> Result<(Vec<u8>, bool), VaultError> {
    let io = |source| VaultError::Io {
        path: path.to_owned(),
        source,
    };
    let format = |why| VaultError::Format {
        path: path.to_owned(),
        why,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            check_mode(path)?;
            let mut lines = text.lines();
            if lines.next() != Some(header) {
                return Err(format("no header line"));
            }
            let key = base64::engine::general_purpose::STANDARD
                .decode(lines.next().unwrap_or_default().trim())
                .map_err(|_| format("the key is not base64"))?;
            if key.len() != len {
                return Err(format("the key has the wrong length"));
            }
            Ok((key, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = vec![0u8; len];
            SystemRandom::new()
                .fill(&mut key)
                .map_err(|_| VaultError::Random)?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            let text = format!(
                "{header}\n{}\n",
                base64::engine::general_purpose::STANDARD.encode(&key)
            );
            write_private(path, text.as_bytes()).map_err(io)?;
            Ok((key, true))
        }
        Err(e) => Err(io(e)),
    }
}

/// A secret's associated data: apart from every personal value's (those start with their kind).
fn secret_aad(label: &str) -> Vec<u8> {
    let mut aad = b"secret\0".to_vec();
    aad.extend_from_slice(label.as_bytes());
    aad
}

fn aad(kind: PersonalKind, owner: &str) -> Vec<u8> {
    let mut aad = kind.as_str().as_bytes().to_vec();
    aad.push(0);
    aad.extend_from_slice(owner.as_bytes());
    aad
}

/// Writes `bytes` to a new file (never over one) only its owner can read, flushed to the disk:
/// the vault's key, and the hall's booking key from HQ sealed by it (crate::booking::hqkey).
#[cfg(unix)]
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(unix)]
fn check_mode(path: &Path) -> Result<(), VaultError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|source| VaultError::Io {
            path: path.to_owned(),
            source,
        })?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(VaultError::Exposed {
            path: path.to_owned(),
            mode: mode & 0o777,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_: &Path) -> Result<(), VaultError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: BusinessDay = BusinessDay(20261130);
    const NUMBER: &str = "13800131234";

    fn vault(dir: &Path) -> Vault {
        Vault::open_or_create(&dir.join("personal.key")).unwrap().0
    }

    #[test]
    fn a_sealed_number_opens_only_with_its_key_kind_and_owner() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        let s = v
            .seal(PersonalKind::NoticePhone, "t1", DAY, Timestamp(1), NUMBER)
            .unwrap();
        assert_eq!(v.open(&s).unwrap(), NUMBER);
        assert!(!s.sealed.windows(11).any(|w| w == NUMBER.as_bytes()));
        assert!(!s.blind.contains(NUMBER));
        // Moved to another owner or kind, it does not open.
        let moved = Sealed {
            owner: "t2".into(),
            ..s.clone()
        };
        assert!(matches!(v.open(&moved), Err(VaultError::Open)));
        let other_kind = Sealed {
            kind: PersonalKind::ComplaintContact,
            ..s.clone()
        };
        assert!(v.open(&other_kind).is_err());
        // Tampered with, it does not open.
        let mut tampered = s.clone();
        tampered.sealed[0] ^= 1;
        assert!(v.open(&tampered).is_err());
        // Another hall's key does not open it.
        let other = tempfile::tempdir().unwrap();
        assert!(vault(other.path()).open(&s).is_err());
    }

    #[test]
    fn the_key_file_is_made_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/personal.key");
        let (v, made) = Vault::open_or_create(&path).unwrap();
        assert!(made);
        let s = v
            .seal(PersonalKind::NoticePhone, "t1", DAY, Timestamp(1), NUMBER)
            .unwrap();
        let (again, made) = Vault::open_or_create(&path).unwrap();
        assert!(!made, "an existing key is kept");
        assert_eq!(again.open(&s).unwrap(), NUMBER);
        assert_eq!(
            again.blind(PersonalKind::NoticePhone, NUMBER),
            v.blind(PersonalKind::NoticePhone, NUMBER)
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = Vault::open_or_create(&path).unwrap_err();
            assert!(matches!(err, VaultError::Exposed { .. }));
            assert!(err.to_string().contains("chmod 600"), "{err}");
        }
    }

    #[test]
    fn a_foreign_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("personal.key");
        write_private(&path, b"not a key\n").unwrap();
        let err = Vault::open_or_create(&path).unwrap_err();
        assert!(matches!(err, VaultError::Format { .. }), "{err}");
    }

    #[test]
    fn equal_numbers_share_a_blind_index_per_kind() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        let a = v.blind(PersonalKind::NoticePhone, NUMBER);
        assert_eq!(a, v.blind(PersonalKind::NoticePhone, NUMBER));
        assert_ne!(a, v.blind(PersonalKind::NoticePhone, "13800131235"));
        assert_ne!(a, v.blind(PersonalKind::ComplaintContact, NUMBER));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn complaint_records_are_kept_at_least_three_years() {
        let mut p = PrivacySection::default();
        assert_eq!(p.retention_days(PersonalKind::NoticePhone), 30);
        p.check().unwrap();
        p.complaint_retention_days = 364;
        let err = p.check().unwrap_err();
        assert!(err.contains("3 年"), "{err}");
        p.complaint_retention_days = 2000;
        p.notice_retention_days = 0;
        assert!(p.check().is_err());
    }
}
