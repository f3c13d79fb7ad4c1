//! Checking secrets against their argon2 hashes (PHC strings in hall.toml). Secrets themselves are
//! never stored or logged.

use argon2::password_hash::{PasswordHash, PasswordVerifier};

/// Whether `secret` matches the PHC-format argon2 `hash`. A malformed hash matches nothing.
pub fn verify(secret: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(secret.as_bytes(), &h)
            .is_ok()
    })
}

/// A fresh random secret from the OS's generator: 22 characters of base64, 128 bits.
pub fn random() -> String {
    use argon2::password_hash::{SaltString, rand_core::OsRng};
    SaltString::generate(&mut OsRng).as_str().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_secret_only() {
        let h = crate::broker::hash_password("1234").unwrap();
        assert!(h.starts_with("$argon2"));
        assert!(verify("1234", &h));
        assert!(!verify("1235", &h));
        assert!(!verify("1234", "not a hash"));
    }

    #[test]
    fn random_secrets_differ() {
        assert_ne!(random(), random());
        assert!(random().len() >= 22);
    }
}
