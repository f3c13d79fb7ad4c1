//! Eclipse Mosquitto as the hall's broker: the password hash it reads and the two files it is
//! given, `hallq.passwd` and `hallq.acl`, generated from the same device registry (hall.toml's
//! `[[devices]]`) as the embedded broker's logins and rules.
//!
//! Mosquitto 2's password file holds `user:$7$ITERATIONS$SALT$HASH`: PBKDF2-HMAC-SHA512 over
//! the password with a 12-byte salt, 64 bytes out, salt and hash in standard base64 with padding
//! (checked against `mosquitto_passwd` 2.0.11: same format, its default of 101 iterations). As
//! with [`crate::secret::Strength::Random`], a device's secret has 132 random bits, so the hash
//! needs to be one way, not slow: 101 iterations is `mosquitto_passwd`'s own default.
//!
//! The ACL gives every login what the embedded broker's rules give it (broker.rs): the hub its
//! whole hall, a device (`%u`, its user name = its device id) its own command and presence topics
//! to write, its own replies, the retained state and the call events to read; a supervisor
//! console also every device's presence; a monitor the whole hall to read and nothing to write
//! (Mosquitto applies `pattern` lines to every login, so its own topics are denied by name: a
//! user's `deny` is checked before the patterns). A revoked device is simply not in the password
//! file.

use std::fmt::Write as _;
use std::num::NonZeroU32;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hallq_proto::topic::Topics;
use hallq_proto::{DeviceId, HallId};

use crate::broker::Access;

/// PBKDF2 iterations of a new hash: `mosquitto_passwd`'s default.
pub const ITERATIONS: u32 = 101;

/// Bytes of salt, as `mosquitto_passwd` makes it.
const SALT_LEN: usize = 12;

/// Bytes of PBKDF2-SHA512 output.
const HASH_LEN: usize = 64;

/// The `$7$` prefix: Mosquitto's PBKDF2-SHA512 hash type.
const PREFIX: &str = "$7$";

/// The Mosquitto password hash of `secret` with a fresh random salt, as `mosquitto_passwd -b`
/// would write it after `user:`.
pub fn hash(secret: &str) -> String {
    let mut salt = [0u8; SALT_LEN];
    OsRng.fill_bytes(&mut salt);
    hash_with(secret, &salt, ITERATIONS)
}

fn hash_with(secret: &str, salt: &[u8], iterations: u32) -> String {
    let mut out = [0u8; HASH_LEN];
    let rounds = NonZeroU32::new(iterations).unwrap_or(NonZeroU32::MIN);
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA512,
        rounds,
        salt,
        secret.as_bytes(),
        &mut out,
    );
    format!(
        "{PREFIX}{iterations}${}${}",
        STANDARD.encode(salt),
        STANDARD.encode(out)
    )
}

/// The parts of a `$7$` hash: iterations, salt, hash.
fn parts(phc: &str) -> Result<(u32, Vec<u8>, Vec<u8>), String> {
    let bad = |why: &str| format!("not a Mosquitto $7$ password hash: {why}");
    let rest = phc
        .strip_prefix(PREFIX)
        .ok_or_else(|| bad("no $7$ prefix"))?;
    let mut it = rest.split('$');
    let (Some(iterations), Some(salt), Some(hash), None) =
        (it.next(), it.next(), it.next(), it.next())
    else {
        return Err(bad("expected $7$ITERATIONS$SALT$HASH"));
    };
    let iterations: u32 = iterations
        .parse()
        .ok()
        .filter(|i| *i > 0)
        .ok_or_else(|| bad("bad iterations"))?;
    let salt = STANDARD.decode(salt).map_err(|_| bad("bad salt"))?;
    let hash = STANDARD.decode(hash).map_err(|_| bad("bad hash"))?;
    if salt.is_empty() || hash.len() != HASH_LEN {
        return Err(bad("wrong salt or hash length"));
    }
    Ok((iterations, salt, hash))
}

/// Whether `hash` is a `$7$` hash Mosquitto can use; `Err` says what is wrong.
pub fn check(hash: &str) -> Result<(), String> {
    parts(hash).map(|_| ())
}

/// Whether `secret` matches the `$7$` `hash`. A malformed hash matches nothing.
pub fn verify(secret: &str, hash: &str) -> bool {
    let Ok((iterations, salt, expected)) = parts(hash) else {
        return false;
    };
    let Some(rounds) = NonZeroU32::new(iterations) else {
        return false;
    };
    ring::pbkdf2::verify(
        ring::pbkdf2::PBKDF2_HMAC_SHA512,
        rounds,
        &salt,
        secret.as_bytes(),
        &expected,
    )
    .is_ok()
}

/// The text of `hallq.passwd`: one `user:hash` line per login, in the order given.
pub fn passwd<'a>(logins: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (user, hash) in logins {
        let _ = writeln!(out, "{user}:{hash}");
    }
    out
}

/// A per-device topic as a Mosquitto ACL pattern: the topic hallq-proto builds for a probe
/// device, its id replaced by `%u` (so the tree's spelling stays in hallq-proto).
fn pattern(topic_of: impl Fn(&DeviceId) -> String) -> String {
    const PROBE: &str = "probe";
    let topic = DeviceId::new(PROBE)
        .map(|d| topic_of(&d))
        .unwrap_or_default();
    match topic.strip_suffix(PROBE) {
        Some(prefix) => format!("{prefix}%u"),
        None => topic,
    }
}

/// The filter for a topic's siblings and their children: `a/b/c` gives `a/b/#`.
fn subtree(topic: &str) -> String {
    let parent = topic.rsplit_once('/').map_or(topic, |(parent, _)| parent);
    format!("{parent}/#")
}

/// The text of `hallq.acl` for the hall `hall` whose hub logs in as `hub_user`, with a block for
/// each of `devices` whose access goes beyond a device's (supervisor consoles, monitors).
/// deploy/mosquitto/hallq.acl is this for deploy/hall.example.toml (a test keeps them equal).
pub fn acl<'a>(
    hall: &HallId,
    hub_user: &str,
    devices: impl IntoIterator<Item = (&'a DeviceId, Access)>,
) -> String {
    let topics = Topics::new(hall);
    let mut out = format!(
        "# ACL of the hallq hall `{hall}` for Eclipse Mosquitto, generated from its hall.toml by\n\
         # `hallq device mosquitto --out DIR` (with hallq.passwd): regenerate it rather than edit it.\n\
         # Deny by default: a client may do only what a line below allows.\n\
         \n\
         # The hub: everything under its hall.\n\
         user {hub_user}\n\
         topic readwrite {everything}\n",
        everything = topics.everything(),
    );
    for (device, access) in devices {
        match access {
            Access::Device => {}
            Access::Supervisor => {
                let _ = write!(
                    out,
                    "\n# A supervisor console: also every device's presence (its device panel).\n\
                     user {device}\n\
                     topic read {presence}\n",
                    presence = topics.all_presence(),
                );
            }
            Access::Monitor => {
                let _ = write!(
                    out,
                    "\n# A monitor: reads the whole hall, writes nothing (its own topics, which the\n\
                     # patterns below would open, are denied first).\n\
                     user {device}\n\
                     topic deny {cmd}\n\
                     topic deny {presence}\n\
                     topic read {everything}\n",
                    cmd = topics.cmd(device),
                    presence = topics.presence(device),
                    everything = topics.everything(),
                );
            }
        }
    }
    let _ = write!(
        out,
        "\n# Every device (%u is its user name = its device id): write its own commands and presence, read\n\
         # its own replies and the hall's state and call events. Ids cannot hold + # or /, so %u cannot\n\
         # widen a pattern. A revoked device is not in hallq.passwd: it cannot log in at all.\n\
         pattern write {cmd}\n\
         pattern write {presence}\n\
         pattern read {reply}\n\
         pattern read {state}\n\
         pattern read {events}\n",
        cmd = pattern(|d| topics.cmd(d)),
        presence = pattern(|d| topics.presence(d)),
        reply = pattern(|d| topics.reply(d)),
        state = topics.all_state(),
        events = subtree(&topics.call()),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_the_one_mosquitto_passwd_writes() {
        // `mosquitto_passwd -b pw alice 'Secr+t/abc'` (Mosquitto 2.0.11) wrote this line.
        let written = "$7$101$QemWQJXFRWX610hj$HfMsgp0QbZvLLjQMShBazY1VaSa+M7M06ibnOx54GkGxjEQEzzA1Xe6UxVrbew3/T7Z7Rv9CrsFeLn04qf5JRA==";
        let salt = STANDARD.decode("QemWQJXFRWX610hj").unwrap();
        assert_eq!(hash_with("Secr+t/abc", &salt, 101), written);
        assert!(verify("Secr+t/abc", written));
        assert!(!verify("Secr+t/abd", written));
    }

    #[test]
    fn a_new_hash_has_mosquitto_passwd_s_shape_and_verifies() {
        let secret = crate::secret::random();
        let h = hash(&secret);
        check(&h).unwrap();
        let fields: Vec<&str> = h.split('$').collect();
        assert_eq!(fields[..3], ["", "7", "101"]);
        assert_eq!(fields[3].len(), 16, "12 bytes of salt in base64");
        assert_eq!(fields[4].len(), 88, "64 bytes of hash in base64");
        assert!(verify(&secret, &h));
        assert_ne!(hash(&secret), h, "a fresh salt each time");
    }

    #[test]
    fn malformed_hashes_are_named_and_match_nothing() {
        for bad in [
            "",
            "secret",
            "$6$abc$def",
            "$7$0$QemWQJXFRWX610hj$AAAA",
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA",
        ] {
            assert!(check(bad).is_err(), "{bad}");
            assert!(!verify("x", bad), "{bad}");
        }
    }

    #[test]
    fn the_acl_gives_each_login_what_the_embedded_broker_gives_it() {
        let (kiosk, sup, mon) = (
            DeviceId::new("kiosk-1").unwrap(),
            DeviceId::new("sup-1").unwrap(),
            DeviceId::new("mon-1").unwrap(),
        );
        let devices = [
            (&kiosk, Access::Device),
            (&sup, Access::Supervisor),
            (&mon, Access::Monitor),
        ];
        let text = acl(&HallId::new("h-1").unwrap(), "hub-user", devices);
        let rules: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect();
        assert_eq!(
            rules,
            [
                "user hub-user",
                "topic readwrite hallq/v1/h-1/#",
                "user sup-1",
                "topic read hallq/v1/h-1/presence/+",
                "user mon-1",
                "topic deny hallq/v1/h-1/cmd/mon-1",
                "topic deny hallq/v1/h-1/presence/mon-1",
                "topic read hallq/v1/h-1/#",
                "pattern write hallq/v1/h-1/cmd/%u",
                "pattern write hallq/v1/h-1/presence/%u",
                "pattern read hallq/v1/h-1/reply/%u",
                "pattern read hallq/v1/h-1/state/#",
                "pattern read hallq/v1/h-1/event/#",
            ]
        );
    }

    #[test]
    fn the_checked_in_acl_is_the_generated_one_for_the_demo_hall() {
        let committed = include_str!("../../../deploy/mosquitto/hallq.acl");
        let example =
            crate::HallConfig::parse(include_str!("../../../deploy/hall.example.toml")).unwrap();
        let devices = example.devices.iter().map(|d| (&d.id, Access::of(d.role)));
        assert_eq!(
            acl(&example.hall.id, &example.broker.hub_user, devices),
            committed,
            "regenerate deploy/mosquitto/hallq.acl: `hallq device mosquitto --acl-only`"
        );
    }

    #[test]
    fn the_password_file_has_one_line_per_login() {
        assert_eq!(
            passwd([("hallq-hub", "$7$h"), ("kiosk-1", "$7$k")]),
            "hallq-hub:$7$h\nkiosk-1:$7$k\n"
        );
    }
}
