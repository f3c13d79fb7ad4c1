//! Secrets and their Argon2id hashes (PHC strings in hall.toml). Secrets themselves are never
//! stored or logged.
//!
//! Two strengths, because the hall has two kinds of secret:
//!
//! | kind | examples | parameters | one check costs |
//! |---|---|---|---|
//! | [`Strength::Memorable`] | a clerk's 6-digit PIN, a typed password | Argon2's recommended m = 19 MiB, t = 2 | ~20 ms and 19 MiB |
//! | [`Strength::Random`] | a device's secret from [`random`], the hub's own login | m = 64 KiB, t = 1 | ~0.1 ms and 64 KiB |
//!
//! A memory-hard hash is what makes guessing a *memorable* secret from a stolen hall.toml slow.
//! A secret of 128 random bits cannot be guessed at any speed, so its hash only has to be one
//! way; the cheap parameters let a hall of hundreds of devices log in at once without the hub
//! holding 19 MiB per login. [`hash`] refuses the cheap parameters for a secret shorter than
//! [`random`] makes.
//!
//! [`Verifier`] runs checks off the async workers and bounds the memory they take together: a
//! reconnect storm of a thousand devices must not become a thousand Argon2 arenas (measured
//! before it: 1,000 logins left the hub at 0.46–2.5 GB).

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

/// Characters of a secret from [`random`]: 22 of base64, 132 bits.
pub const RANDOM_LEN: usize = 22;

/// Which parameters a hash is made with (see the module's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// A secret a person chose or remembers: Argon2's recommended m = 19 MiB, t = 2, p = 1.
    Memorable,
    /// A machine-made secret of at least [`RANDOM_LEN`] characters: m = 64 KiB, t = 1, p = 1.
    Random,
}

impl Strength {
    fn params(self) -> Params {
        match self {
            Self::Memorable => Params::default(),
            Self::Random => Params::new(64, 1, 1, None).unwrap_or_else(|_| Params::default()),
        }
    }
}

/// Why a secret could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The cheap parameters were asked for a secret too short to be random.
    #[error(
        "a secret of {len} characters is too short for the cheap hash of random secrets (at least {RANDOM_LEN}); hash it as memorable / 密码太短，不能按随机密钥处理"
    )]
    TooShortForRandom {
        /// The secret's length in characters.
        len: usize,
    },
    /// Argon2 refused (it does not for the parameters here).
    #[error("cannot hash the secret: {0}")]
    Argon2(argon2::password_hash::Error),
}

/// Hashes `secret` into an Argon2id PHC string with a fresh random salt.
pub fn hash(secret: &str, strength: Strength) -> Result<String, HashError> {
    let len = secret.chars().count();
    if strength == Strength::Random && len < RANDOM_LEN {
        return Err(HashError::TooShortForRandom { len });
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, strength.params())
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(HashError::Argon2)
}

/// Whether `hash` is a PHC string this module can verify against: Argon2, good parameters, a
/// hash part. `Err` says what is wrong, for a start-up error rather than a refused login.
pub fn check(phc: &str) -> Result<(), String> {
    let hash = PasswordHash::new(phc)
        .map_err(|e| format!("the password hash is not a PHC string: {e}"))?;
    Algorithm::try_from(hash.algorithm)
        .map_err(|_| format!("the password hash is {}, not Argon2", hash.algorithm))?;
    Params::try_from(&hash)
        .map_err(|e| format!("the password hash has bad Argon2 parameters: {e}"))?;
    if hash.hash.is_none() {
        return Err("the password hash has no hash part".to_owned());
    }
    Ok(())
}

/// Whether `secret` matches the PHC-format Argon2 `hash`, on this thread. A malformed hash
/// matches nothing.
pub fn verify(secret: &str, hash: &str) -> bool {
    verify_bytes(secret.as_bytes(), hash)
}

fn verify_bytes(secret: &[u8], hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(secret, &h).is_ok())
}

/// The memory an Argon2 check of `hash` takes, in KiB (its `m` parameter); `None` if malformed.
fn memory_kib(hash: &str) -> Option<u32> {
    let parsed = PasswordHash::new(hash).ok()?;
    Params::try_from(&parsed).ok().map(|p| p.m_cost())
}

/// Whether `phc` was made with the [`Strength::Memorable`] parameters: the hash of a secret a
/// person chose or typed, not of one from [`random`]. A device's secret should be random.
pub fn is_memorable(phc: &str) -> bool {
    memory_kib(phc).is_some_and(|kib| kib >= Params::DEFAULT_M_COST)
}

/// Runs Argon2 checks on one thread of its own, with at most `budget` KiB of Argon2 memory in use
/// at once. A check bigger than the whole budget runs alone. Clones share the budget and the
/// thread.
///
/// One thread, not tokio's blocking pool: glibc gives each thread that allocates its own malloc
/// arena and, once a 19 MiB block has been freed, raises its mmap threshold so that the next ones
/// come from those arenas, which keep them. Checks spread over the pool's threads left a 19 MiB
/// block in each arena for good (the hub grew from 34 to 188 MiB over its first 100 logins with
/// memorable secrets, docs/BENCHMARKS.md); on one thread the same block is reused.
#[derive(Debug, Clone)]
pub struct Verifier {
    memory: Arc<Semaphore>,
    budget_kib: u32,
    /// The checks' thread; `None` if it could not be started (the blocking pool then runs them).
    jobs: Option<std::sync::mpsc::Sender<Job>>,
}

/// One check for the verifier's thread: the secret, the hash, and where the answer goes.
type Job = (Vec<u8>, String, tokio::sync::oneshot::Sender<bool>);

impl Verifier {
    /// The hub's budget: one [`Strength::Memorable`] check (19 MiB) and some room, or some 300
    /// [`Strength::Random`] ones.
    pub const HUB_BUDGET_KIB: u32 = 20 * 1024;

    /// A verifier with `budget_kib` KiB of Argon2 memory.
    pub fn new(budget_kib: u32) -> Self {
        let budget_kib = budget_kib.max(1);
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("hallq-argon2".into())
            .spawn(move || {
                // Ends when every clone of the verifier is gone.
                while let Ok((secret, hash, answer)) = rx.recv() {
                    let _ = answer.send(verify_bytes(&secret, &hash));
                }
            });
        if let Err(error) = &thread {
            tracing::warn!(%error, "no thread for Argon2 checks: they run on the blocking pool");
        }
        Self {
            memory: Arc::new(Semaphore::new(budget_kib as usize)),
            budget_kib,
            jobs: thread.ok().map(|_| tx),
        }
    }

    /// Whether `secret` matches `hash`, waiting for memory if other checks hold it.
    pub async fn verify(&self, secret: Vec<u8>, hash: String) -> bool {
        let Some(kib) = memory_kib(&hash) else {
            return false;
        };
        let Ok(_permit) = self.memory.acquire_many(kib.min(self.budget_kib)).await else {
            return false;
        };
        if let Some(jobs) = &self.jobs {
            let (answer, answered) = tokio::sync::oneshot::channel();
            if jobs.send((secret, hash, answer)).is_ok() {
                return answered.await.unwrap_or(false);
            }
            return false;
        }
        tokio::task::spawn_blocking(move || verify_bytes(&secret, &hash))
            .await
            .unwrap_or(false)
    }
}

/// A fresh random secret from the OS's generator: [`RANDOM_LEN`] characters of base64.
pub fn random() -> String {
    SaltString::generate(&mut OsRng).as_str()[..RANDOM_LEN].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_secret_only() {
        for (secret, strength) in [
            ("123456", Strength::Memorable),
            (random().as_str(), Strength::Random),
        ] {
            let h = hash(secret, strength).unwrap();
            assert!(h.starts_with("$argon2id$"), "{h}");
            check(&h).unwrap();
            assert!(verify(secret, &h));
            assert!(!verify(&format!("{secret}x"), &h));
        }
        assert!(!verify("1234", "not a hash"));
    }

    #[test]
    fn the_strengths_use_their_parameters() {
        let memorable = hash("123456", Strength::Memorable).unwrap();
        assert!(memorable.contains("m=19456,t=2,p=1"), "{memorable}");
        let random = hash(&random(), Strength::Random).unwrap();
        assert!(random.contains("m=64,t=1,p=1"), "{random}");
        assert_eq!(memory_kib(&memorable), Some(19456));
        assert_eq!(memory_kib(&random), Some(64));
    }

    #[test]
    fn memorable_hashes_are_told_from_random_ones() {
        assert!(is_memorable(
            &hash("change-me", Strength::Memorable).unwrap()
        ));
        assert!(!is_memorable(&hash(&random(), Strength::Random).unwrap()));
        assert!(!is_memorable("junk"));
    }

    #[test]
    fn a_short_secret_is_refused_the_cheap_hash() {
        let err = hash("123456", Strength::Random).unwrap_err();
        assert!(matches!(err, HashError::TooShortForRandom { len: 6 }));
        assert!(err.to_string().contains("密码太短"), "{err}");
    }

    #[test]
    fn check_names_what_is_wrong() {
        assert!(check("secret").unwrap_err().contains("PHC"));
        let scrypt = "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E";
        assert!(check(scrypt).unwrap_err().contains("not Argon2"));
        check(&hash(&random(), Strength::Random).unwrap()).unwrap();
    }

    #[test]
    fn random_secrets_differ_and_have_their_length() {
        assert_ne!(random(), random());
        assert_eq!(random().len(), RANDOM_LEN);
    }

    #[tokio::test]
    async fn the_verifier_checks_and_survives_bad_hashes() {
        let verifier = Verifier::new(Verifier::HUB_BUDGET_KIB);
        let secret = random();
        let h = hash(&secret, Strength::Random).unwrap();
        assert!(
            verifier
                .verify(secret.clone().into_bytes(), h.clone())
                .await
        );
        assert!(!verifier.verify(b"wrong".to_vec(), h).await);
        assert!(!verifier.verify(secret.into_bytes(), "junk".into()).await);
    }

    #[tokio::test]
    async fn a_check_bigger_than_the_budget_still_runs() {
        let verifier = Verifier::new(16);
        let h = hash("123456", Strength::Memorable).unwrap();
        assert!(verifier.verify(b"123456".to_vec(), h).await);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn checks_wait_for_memory_held_by_others() {
        let verifier = Verifier::new(100);
        // Hold 80 KiB: a 64 KiB check must wait until it is given back.
        let held = verifier
            .memory
            .clone()
            .acquire_many_owned(80)
            .await
            .unwrap();
        let secret = random();
        let h = hash(&secret, Strength::Random).unwrap();
        let v = verifier.clone();
        let check = tokio::spawn(async move { v.verify(secret.into_bytes(), h).await });
        // A check takes a fraction of a millisecond: one that did not wait would be done.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(!check.is_finished(), "the check ran without its memory");
        drop(held);
        assert!(check.await.unwrap());
    }
}
