//! The console's users and sessions (schema v4): who may see what, and for how long.
//!
//! A user is HQ staff (the whole chain), a regional manager (the halls of one region) or a
//! hall manager (one hall): [`Scope`]. Passwords are stored as Argon2id PHC strings (the
//! parameters the hub uses for a typed secret: 19 MiB, t = 2). A login gives the browser a
//! random 256-bit token in a cookie; the store keeps only its BLAKE2b hash and its expiry, so a
//! copy of the `sessions` table opens no session.

use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use blake2::{Blake2b512, Digest};
use tokio_postgres::Client;

use crate::error::HqError;

/// What a user sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// HQ staff: every region and hall.
    Chain,
    /// A regional manager: the halls of this region.
    Region(String),
    /// A hall manager: this hall.
    Hall(String),
}

impl Scope {
    /// The role's name as stored (`hq`, `region`, `hall`) and its scope ("" for the chain).
    pub fn stored(&self) -> (&'static str, &str) {
        match self {
            Self::Chain => ("hq", ""),
            Self::Region(r) => ("region", r),
            Self::Hall(h) => ("hall", h),
        }
    }

    /// From the stored role and scope; `None` for a role this build does not know.
    pub fn from_stored(role: &str, scope: &str) -> Option<Self> {
        match role {
            "hq" => Some(Self::Chain),
            "region" => Some(Self::Region(scope.to_owned())),
            "hall" => Some(Self::Hall(scope.to_owned())),
            _ => None,
        }
    }

    /// Whether this user may see hall `hall` of region `region`.
    pub fn sees_hall(&self, hall: &str, region: &str) -> bool {
        match self {
            Self::Chain => true,
            Self::Region(r) => r == region,
            Self::Hall(h) => h == hall,
        }
    }

    /// Whether this user may see region `region` as a whole.
    pub fn sees_region(&self, region: &str) -> bool {
        match self {
            Self::Chain => true,
            Self::Region(r) => r == region,
            Self::Hall(_) => false,
        }
    }
}

/// A signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The login name.
    pub login: String,
    /// The name shown.
    pub name: String,
    /// What the user sees.
    pub scope: Scope,
}

/// The longest password taken (Argon2 hashes any length; a megabyte typed into a form is not a
/// password).
const MAX_PASSWORD: usize = 200;

/// A login name: 1–64 of letters, digits, `.`, `_`, `-` (as the table's check says).
pub fn valid_login(login: &str) -> bool {
    (1..=64).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn bad(zh: &str, en: &str) -> HqError {
    HqError::BadInput(format!("{zh} / {en}"))
}

/// Adds user `login` (or replaces its password, name and scope) with `password`, hashed.
pub async fn add(
    client: &Client,
    login: &str,
    name: &str,
    scope: &Scope,
    password: &str,
) -> Result<(), HqError> {
    if !valid_login(login) {
        return Err(bad(
            "登录名须为 1 至 64 个字母、数字或 . _ -",
            "a login is 1 to 64 letters, digits, '.', '_' or '-'",
        ));
    }
    if name.chars().count() > 200 {
        return Err(bad(
            "姓名过长（最多 200 字）",
            "the name is too long (200 at most)",
        ));
    }
    if password.chars().count() < 10 || password.len() > MAX_PASSWORD {
        return Err(bad(
            "密码须为 10 至 200 个字符",
            "a password is 10 to 200 characters",
        ));
    }
    let (role, target) = scope.stored();
    if role != "hq" && (target.is_empty() || target.len() > 64) {
        return Err(bad(
            "区域经理和厅经理须指定区域或营业厅（--scope）",
            "a regional or hall manager needs a region or hall (--scope)",
        ));
    }
    let salt = SaltString::generate(&mut OsRng);
    let hash = argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| {
            HqError::BadInput(format!("密码无法散列 / the password cannot be hashed: {e}"))
        })?
        .to_string();
    client
        .execute(
            "INSERT INTO users (login, name, role, scope, password_hash) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (login) DO UPDATE SET name = excluded.name, role = excluded.role,
                 scope = excluded.scope, password_hash = excluded.password_hash",
            &[&login, &name, &role, &target, &hash],
        )
        .await?;
    // A changed password or scope ends the sessions opened with the old one.
    client
        .execute("DELETE FROM sessions WHERE login = $1", &[&login])
        .await?;
    Ok(())
}

/// The token's stored form.
fn token_hash(token: &str) -> String {
    Blake2b512::digest(token.as_bytes())
        .iter()
        .take(32)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks `password` for `login` and opens a session lasting `lifetime`: its token (for the
/// cookie) and the user; `None` if the login or the password is wrong (which one is not told).
pub async fn login(
    client: &Client,
    login: &str,
    password: &str,
    lifetime: Duration,
) -> Result<Option<(String, User)>, HqError> {
    if !valid_login(login) || password.len() > MAX_PASSWORD {
        return Ok(None);
    }
    let Some(row) = client
        .query_opt(
            "SELECT name, role, scope, password_hash FROM users WHERE login = $1",
            &[&login],
        )
        .await?
    else {
        return Ok(None);
    };
    let (name, role, scope, hash): (String, String, String, String) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    let ok = PasswordHash::new(&hash).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    });
    let Some(scope) = Scope::from_stored(&role, &scope).filter(|_| ok) else {
        return Ok(None);
    };
    let mut raw = [0u8; 32];
    OsRng.fill_bytes(&mut raw);
    let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let secs = lifetime.as_secs_f64();
    client
        .execute("DELETE FROM sessions WHERE expires_at < now()", &[])
        .await?;
    client
        .execute(
            "INSERT INTO sessions (token_hash, login, expires_at)
             VALUES ($1, $2, now() + $3::float8 * interval '1 second')",
            &[&token_hash(&token), &login, &secs],
        )
        .await?;
    Ok(Some((
        token,
        User {
            login: login.to_owned(),
            name,
            scope,
        },
    )))
}

/// The user of session `token`, if it exists and has not expired.
pub async fn session(client: &Client, token: &str) -> Result<Option<User>, HqError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let row = client
        .query_opt(
            "SELECT u.login, u.name, u.role, u.scope FROM sessions s JOIN users u USING (login)
             WHERE s.token_hash = $1 AND s.expires_at > now()",
            &[&token_hash(token)],
        )
        .await?;
    Ok(row.and_then(|r| {
        let scope = Scope::from_stored(r.get(2), r.get(3))?;
        Some(User {
            login: r.get(0),
            name: r.get(1),
            scope,
        })
    }))
}

/// Ends session `token`.
pub async fn logout(client: &Client, token: &str) -> Result<(), HqError> {
    client
        .execute(
            "DELETE FROM sessions WHERE token_hash = $1",
            &[&token_hash(token)],
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_see_their_own() {
        let region = Scope::Region("gd".into());
        assert!(region.sees_hall("gz-01", "gd") && !region.sees_hall("sh-01", "sh"));
        assert!(region.sees_region("gd") && !region.sees_region("sh"));
        let hall = Scope::Hall("gz-01".into());
        assert!(hall.sees_hall("gz-01", "gd") && !hall.sees_hall("gz-02", "gd"));
        assert!(!hall.sees_region("gd"));
        assert!(Scope::Chain.sees_hall("x", "y") && Scope::Chain.sees_region("y"));
    }

    #[test]
    fn logins_are_short_plain_words() {
        assert!(valid_login("li.wei_2-x"));
        for bad in ["", "a b", "张三", "x'--", &"a".repeat(65)] {
            assert!(!valid_login(bad), "{bad:?}");
        }
    }
}
