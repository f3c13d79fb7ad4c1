//! HQ as the booking master of its halls (issue 15 §3, docs/booking.md "At HQ").
//!
//! A hall under HQ sells its appointments at HQ: a phone on mobile data reaches HQ, and HQ is
//! up when a hall's link is down. One master per hall: HQ decides every booking of such a hall
//! in one PostgreSQL transaction, so a slot is never sold twice however many HQ processes serve
//! the page; the hall's hub receives each committed change and journals it.
//!
//! Parts:
//! - [`BookingSettings`]: `[booking]` of hq.toml — where the page listens, HQ's booking key,
//!   the one-time codes, and each hall's rules (`[booking.halls.<hall>]`, hallq-booking's
//!   [`SlotRules`]).
//! - [`store`]: the book in PostgreSQL (schema v8): book, change, cancel, the slots' counts,
//!   each change into the outbox in its own transaction.
//! - [`api`]: the page and JSON API under `/book/<hall>` (the hub's shapes, hallq-booking's
//!   `web`), on `[booking] listen`; [`pool`], its PostgreSQL connections.
//! - [`otp`]: the one-time codes in PostgreSQL (schema v10), shared by every HQ process.
//! - [`publish`]: the outbox published to the stream `HALLQ_BOOKINGS`, one subject per hall,
//!   for the hall's hub to journal.
//! - [`handover`]: a hall's open bookings counted in when it switches to HQ (schema v11), and
//!   its days refused until then.
//! - [`keys_down`]: each hall's key put where only that hall reads it (`bookingkey.<hall>`),
//!   so that its kiosk finds HQ's bookings by mobile number.
//! - [`Keys`]: who booked, without the number: HMAC-SHA256 under the hall's booking key
//!   `k_h = HMAC(HQ's booking key, "booking|" + hall)`.

pub mod api;
pub mod handover;
pub mod keys_down;
pub mod otp;
pub mod pool;
pub mod publish;
pub mod store;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hallq_booking::web::otp::{LogOtpSender, OtpSender};
use hallq_booking::{PersonKey, SlotRules};
use hallq_proto::{BusinessCode, LocalText, Phone};
use ring::hmac;
use serde::Deserialize;

use crate::error::HqError;

/// `[booking]` of hq.toml. Without `halls` HQ is no hall's booking master.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BookingSettings {
    /// Where the booking pages and API listen (`/book/<hall>`); none: not served.
    pub listen: Option<String>,
    /// HQ's booking key: a file of at least 32 random bytes, made (mode 0600) if missing. Each
    /// hall's key is derived from it; keep it out of backups that leave HQ.
    pub key_file: Option<PathBuf>,
    /// How one-time codes go out: `"sms"` (the default) through the chain's SMS gateway
    /// (`[booking.smpp]` or `[booking.webhook]`, as hall.toml's `[notify.smpp]`/`[notify.webhook]`),
    /// `"log"` only into HQ's log (demo and tests; customers would get no code).
    pub otp: OtpChoice,
    /// The SMPP gateway, for `otp = "sms"`.
    pub smpp: Option<hallq_notify::smpp::SmppConfig>,
    /// The webhook, for `otp = "sms"` without `smpp`.
    pub webhook: Option<hallq_notify::webhook::WebhookConfig>,
    /// One-time codes sent to one number per hour (default 5).
    pub otp_per_hour: u32,
    /// Wrong tries of one code before it is void (default 5).
    pub otp_attempts: u32,
    /// How long a one-time code holds, in seconds (default 300).
    pub otp_ttl_secs: u32,
    /// The halls HQ is booking master of, by hall id.
    pub halls: BTreeMap<String, HallBooking>,
    /// The console shows a hall's booking line red once the hall has not journaled a change
    /// HQ sent it for this long, in seconds (default 600: a hub's link may blink; ten minutes
    /// behind is a hall whose kiosk may miss a customer's booking).
    pub behind_alert_s: u32,
}

impl Default for BookingSettings {
    fn default() -> Self {
        Self {
            listen: None,
            key_file: None,
            otp: OtpChoice::Sms,
            smpp: None,
            webhook: None,
            otp_per_hour: 5,
            otp_attempts: 5,
            otp_ttl_secs: 300,
            halls: BTreeMap::new(),
            behind_alert_s: 600,
        }
    }
}

/// Which sender `[booking] otp` chooses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtpChoice {
    /// By SMS through the chain's gateway.
    #[default]
    Sms,
    /// The demo's: the code only in HQ's log.
    Log,
}

/// `[booking.halls.<hall>]`: one hall's bookings at HQ.
///
/// Chosen (docs/booking.md): the rules are HQ's own per-hall configuration, not read from the
/// hall's published configuration (whose `[booking]` says only who sells, and from when); they
/// are hallq-booking's [`SlotRules`], the same type the hub derives from its hall.toml, so
/// the same code decides them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HallBooking {
    /// The hall's name, for the page.
    pub name: LocalText,
    /// The bookable business types' names, by code (a type without one shows its code).
    #[serde(default)]
    pub business: BTreeMap<BusinessCode, LocalText>,
    /// The slots, capacities and limits.
    pub rules: SlotRules,
}

impl BookingSettings {
    /// What is wrong with the section, in Chinese and English.
    pub fn check(&self) -> Result<(), String> {
        if !self.halls.is_empty() && self.key_file.is_none() {
            return Err(
                "[booking] key_file 未设置 / [booking] needs key_file (HQ's booking key)".into(),
            );
        }
        if self.otp_per_hour == 0 || self.otp_attempts == 0 || self.otp_ttl_secs < 60 {
            return Err("[booking] otp_per_hour 与 otp_attempts 至少为 1，otp_ttl_secs 至少 60 / otp_per_hour and otp_attempts must be at least 1, otp_ttl_secs at least 60".into());
        }
        if self.listen.is_some() && !self.halls.is_empty() {
            self.otp_sender("")?;
        }
        for (hall, h) in &self.halls {
            let ok = !hall.is_empty()
                && hall.len() <= 64
                && hall
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(format!(
                    "[booking.halls.{hall}] 营业厅编号无效 / is not a hall id (letters, digits, - and _)"
                ));
            }
            h.rules
                .validate()
                .map_err(|e| format!("[booking.halls.{hall}.rules] 预约规则无效 / {e}"))?;
        }
        Ok(())
    }

    /// `listen` as an address, if set.
    pub fn listen(&self) -> Result<Option<std::net::SocketAddr>, String> {
        self.listen
            .as_deref()
            .map(|l| {
                l.parse().map_err(|_| {
                    format!("[booking] listen “{l}” 不是 地址:端口 / is not an address:port")
                })
            })
            .transpose()
    }
}

impl BookingSettings {
    /// The one-time codes' sender `otp` chooses, its SMS signed with `hall` (the hall's name).
    pub fn otp_sender(&self, hall: &str) -> Result<Box<dyn OtpSender>, String> {
        Ok(match self.otp {
            OtpChoice::Log => Box::new(LogOtpSender),
            OtpChoice::Sms => {
                let channel = match (&self.smpp, &self.webhook) {
                    (Some(smpp), _) => hallq_notify::SmsChannel::Smpp(
                        hallq_notify::smpp::SmppChannel::new(smpp.clone()),
                    ),
                    (None, Some(hook)) => hallq_notify::SmsChannel::Webhook(
                        hallq_notify::webhook::WebhookChannel::new(hook.clone())
                            .map_err(|e| format!("[booking.webhook] 无效 / is not usable: {e}"))?,
                    ),
                    (None, None) => {
                        return Err("[booking] otp = \"sms\"（默认）须配置 [booking.smpp] 或 [booking.webhook] / otp = \"sms\" (the default) needs [booking.smpp] or [booking.webhook] (or otp = \"log\" for a demo)".into());
                    }
                };
                Box::new(SmsSender {
                    channel,
                    hall: hall.to_owned(),
                    valid_min: self.otp_ttl_secs / 60,
                })
            }
        })
    }
}

/// HQ's SMS sender: one SMS per code through the chain's gateway, signed with the hall's
/// name, one attempt (the customer waits on the page and asks again). The code is never logged.
#[derive(Debug)]
struct SmsSender {
    channel: hallq_notify::SmsChannel,
    /// The hall's short name, the SMS's signature.
    hall: String,
    /// A code's life, in minutes, as the text says it.
    valid_min: u32,
}

#[async_trait::async_trait]
impl OtpSender for SmsSender {
    async fn send(&self, phone: &Phone, code: &str) -> Result<(), String> {
        let text = hallq_notify::text::otp_text(&self.hall, code, self.valid_min);
        self.channel
            .send_sms(phone.expose(), &text)
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(to = %phone.masked(), "one-time code sent by SMS / 验证码短信已发送");
        Ok(())
    }
}

/// The bytes of HQ's booking key.
const KEY_BYTES: usize = 32;

/// The booking keys of HQ's halls, derived from HQ's booking key.
#[derive(Debug)]
pub struct Keys {
    /// HQ's key; each hall's is derived from it.
    master: hmac::Key,
}

impl Keys {
    /// The keys under HQ's booking key read from `path`, which is made if missing.
    pub fn load(path: &Path) -> Result<Self, HqError> {
        let io = |source| HqError::Io {
            path: path.to_owned(),
            source,
        };
        if !path.exists() {
            let mut bytes = [0u8; KEY_BYTES];
            ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
                .map_err(|_| HqError::BadInput("no random bytes for the booking key".into()))?;
            write_private(path, &bytes).map_err(io)?;
            tracing::info!(path = %path.display(), "made HQ's booking key / 已生成总部预约密钥");
        }
        let bytes = std::fs::read(path).map_err(io)?;
        if bytes.len() < KEY_BYTES {
            return Err(HqError::Config {
                path: path.to_owned(),
                reason: format!("预约密钥太短 / the booking key is shorter than {KEY_BYTES} bytes"),
            });
        }
        Ok(Self::from_bytes(&bytes))
    }

    /// The keys under HQ's booking key `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self {
            master: hmac::Key::new(hmac::HMAC_SHA256, bytes),
        }
    }

    /// The hall's booking key `k_h = HMAC(HQ's key, "booking|" + hall)`: what the hall is given
    /// to hash a number typed at its kiosk the same way.
    pub fn hall_key(&self, hall: &str) -> [u8; 32] {
        let tag = hmac::sign(&self.master, format!("booking|{hall}").as_bytes());
        let mut key = [0u8; 32];
        key.copy_from_slice(tag.as_ref());
        key
    }

    /// The key of the one-time codes (`HMAC(HQ's key, "otp")`): the same at every HQ process,
    /// so a code asked at one is found at another; neither the hall's nor the person's key.
    pub fn otp_key(&self) -> [u8; 32] {
        let tag = hmac::sign(&self.master, b"otp");
        let mut key = [0u8; 32];
        key.copy_from_slice(tag.as_ref());
        key
    }

    /// Who `phone` is at `hall`'s book: HMAC-SHA256 of the number under the hall's key, in the
    /// `booking_person` domain as the hub's, hex. Never the number.
    pub fn person(&self, hall: &str, phone: &Phone) -> PersonKey {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.hall_key(hall));
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(b"booking_person\0");
        ctx.update(phone.expose().as_bytes());
        let hex: String = ctx
            .sign()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        PersonKey::new(hex).unwrap_or_else(|_| unreachable!("64 hex digits are a person key"))
    }
}

/// Writes `bytes` to a new file only its owner can read.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_a_different_person_at_each_hall_and_never_in_the_key() {
        let keys = Keys::from_bytes(&[7; 32]);
        let phone = Phone::parse("13900000001").unwrap();
        let a = String::from(keys.person("gz-01", &phone));
        let b = String::from(keys.person("gz-02", &phone));
        assert_ne!(a, b);
        assert_eq!(a, String::from(keys.person("gz-01", &phone)));
        assert!(!a.contains("13900000001"));
        let other = Keys::from_bytes(&[8; 32]);
        assert_ne!(a, String::from(other.person("gz-01", &phone)));
    }

    #[test]
    fn bad_booking_settings_are_refused_in_both_languages() {
        let parse = |t: &str| toml::from_str::<BookingSettings>(t).unwrap();
        let no_key = parse(
            "[halls.gz-01]\nname = { zh = \"天河\", en = \"Tianhe\" }\n[halls.gz-01.rules]\ncapacity = { basic = 1 }\n",
        );
        assert!(no_key.check().unwrap_err().contains("key_file"));
        let bad_rules = parse(
            "key_file = \"k\"\n[halls.gz-01]\nname = { zh = \"天河\", en = \"Tianhe\" }\n[halls.gz-01.rules]\nhead_start_min = 90\n",
        );
        let err = bad_rules.check().unwrap_err();
        assert!(
            err.contains("head_start_min") && err.contains("预约规则无效"),
            "{err}"
        );
        let bad_id = parse(
            "key_file = \"k\"\n[halls.\"a b\"]\nname = { zh = \"x\", en = \"x\" }\n[halls.\"a b\".rules]\n",
        );
        assert!(bad_id.check().unwrap_err().contains("hall id"));
    }
}
