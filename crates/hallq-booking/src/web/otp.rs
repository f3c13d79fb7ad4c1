//! One-time codes (验证码) that prove a booking's number is the customer's, for every booking
//! master (the hub of a standalone hall, HQ).
//!
//! Sending is behind [`OtpSender`]: the hub's SMS sender (hallq-hub `booking::otp`) sends the
//! code through the hall's SMS channel; [`LogOtpSender`] is the demo's: it writes the code to
//! the log with the number masked, and sends nothing; never a hall's choice.
//!
//! [`OtpGuard`] keeps the codes in memory, keyed by an HMAC of the number under a key drawn at
//! start (no number in clear, and nothing to leak after a restart, which voids every code):
//! at most `per_hour` codes per number per hour, at most `attempts` wrong tries per code, a code
//! used once is gone (a replay is refused), and a code expires after `ttl`. A code the channel
//! failed to send is not a code: it does not count against the hour's share and cannot be used.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use hallq_proto::{Phone, Timestamp};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// Sends a one-time code to a number.
#[async_trait::async_trait]
pub trait OtpSender: Send + Sync + std::fmt::Debug {
    /// Sends `code` to `phone`; `Err` says why not (for the log, never with the number).
    async fn send(&self, phone: &Phone, code: &str) -> Result<(), String>;
}

/// The demo's sender: logs the code with the number masked. Sends no SMS.
#[derive(Debug, Default)]
pub struct LogOtpSender;

#[async_trait::async_trait]
impl OtpSender for LogOtpSender {
    async fn send(&self, phone: &Phone, code: &str) -> Result<(), String> {
        tracing::warn!(
            to = %phone.masked(),
            code,
            "DEMO one-time code sender: no SMS is sent; the code is only in this log / 演示用验证码（未发送短信）"
        );
        if let Ok(mut outbox) = DEMO_OUTBOX.lock() {
            outbox.insert(phone.expose().to_owned(), code.to_owned());
        }
        Ok(())
    }
}

/// The demo sender's last code per number, in this process's memory: the simulator's customers
/// (`hallq demo`, in the hub's process) read theirs here as a phone reads its SMS. Only the
/// demo sender writes it, one entry per number (the simulator's made-up ones).
static DEMO_OUTBOX: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());

/// Takes the last code the demo sender ([`LogOtpSender`]) sent to `mobile` in this process.
pub fn take_demo_code(mobile: &str) -> Option<String> {
    DEMO_OUTBOX.lock().ok()?.remove(mobile)
}

/// Why a code was not sent or not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OtpError {
    /// Too many codes for this number this hour.
    #[error("too many codes for this number; try again later")]
    Flood,
    /// No code was asked for this number, it expired, or it was used.
    #[error("no valid code for this number: ask for a new one")]
    NoCode,
    /// The code is wrong.
    #[error("the code is wrong")]
    Wrong,
    /// Too many wrong tries: the code is void.
    #[error("too many wrong tries: ask for a new code")]
    Exhausted,
    /// The SMS channel failed: no code was made, none counted.
    #[error(
        "the SMS with the code could not be sent (it does not count against your codes); try again later"
    )]
    NotSent,
}

impl OtpError {
    /// The stable code of the JSON error.
    pub fn code(self) -> &'static str {
        match self {
            Self::Flood => "otp_flood",
            Self::NoCode => "otp_missing",
            Self::Wrong => "otp_wrong",
            Self::Exhausted => "otp_exhausted",
            Self::NotSent => "otp_not_sent",
        }
    }

    /// What the customer reads, in Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Flood => "验证码发送过于频繁，请一小时后再试",
            Self::NoCode => "验证码无效或已过期，请重新获取",
            Self::Wrong => "验证码错误",
            Self::Exhausted => "验证码错误次数过多，请重新获取",
            Self::NotSent => "验证码短信发送失败，本次不计入发送次数，请稍后再试",
        }
    }
}

/// The limits of [`OtpGuard`].
#[derive(Debug, Clone, Copy)]
pub struct OtpLimits {
    /// Codes per number per hour.
    pub per_hour: u32,
    /// Wrong tries per code.
    pub attempts: u32,
    /// A code's life, in seconds.
    pub ttl_secs: u32,
}

#[derive(Debug, Default)]
struct Entry {
    /// When codes were sent in the last hour.
    sent: Vec<Timestamp>,
    /// The live code, when it expires, wrong tries so far.
    live: Option<(String, Timestamp, u32)>,
}

/// The codes in flight.
#[derive(Debug)]
pub struct OtpGuard {
    limits: OtpLimits,
    key: hmac::Key,
    rng: SystemRandom,
    entries: Mutex<HashMap<String, Entry>>,
}

impl OtpGuard {
    /// A guard with a fresh key.
    pub fn new(limits: OtpLimits) -> Self {
        let rng = SystemRandom::new();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng).unwrap_or_else(|_| {
            // The system's randomness failed: a fixed key still keeps numbers out of memory
            // dumps' plain text, and the codes themselves would fail to draw next.
            hmac::Key::new(hmac::HMAC_SHA256, b"hallq-otp")
        });
        Self {
            limits,
            key,
            rng,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, phone: &Phone) -> String {
        hmac::sign(&self.key, phone.expose().as_bytes())
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Draws a code for `phone` at `now` and sends it, unless the number had its share this
    /// hour. A new code replaces the number's previous one once it is sent; a code that could
    /// not be sent is forgotten, and its place in the hour's share is given back.
    pub async fn issue(
        &self,
        phone: &Phone,
        now: Timestamp,
        sender: &dyn OtpSender,
    ) -> Result<(), OtpError> {
        let mut random = [0u8; 4];
        self.rng.fill(&mut random).map_err(|_| OtpError::NotSent)?;
        let code = format!("{:06}", u32::from_le_bytes(random) % 1_000_000);
        let slot = self.slot(phone);
        {
            let mut entries = self.lock();
            // Forget numbers quiet for an hour: the map does not grow with every number ever seen.
            entries.retain(|_, e| {
                e.sent.retain(|t| now.secs_since(*t) < 3600);
                !e.sent.is_empty() || e.live.as_ref().is_some_and(|l| l.1 > now)
            });
            let entry = entries.entry(slot.clone()).or_default();
            if entry.sent.len() >= self.limits.per_hour as usize {
                return Err(OtpError::Flood);
            }
            // The place is taken before the send (the lock is not held over it), so that
            // requests at once cannot pass the share together.
            entry.sent.push(now);
        }
        let sent = sender.send(phone, &code).await;
        let mut entries = self.lock();
        let entry = entries.entry(slot).or_default();
        match sent {
            Ok(()) => {
                let expires = now.plus_secs(i64::from(self.limits.ttl_secs));
                entry.live = Some((code, expires, 0));
                Ok(())
            }
            Err(why) => {
                if let Some(i) = entry.sent.iter().position(|t| *t == now) {
                    entry.sent.remove(i);
                }
                tracing::warn!(%why, "a one-time code was not sent / 验证码发送失败");
                Err(OtpError::NotSent)
            }
        }
    }

    /// Takes `code` for `phone` at `now`: right, it is used up (a replay finds none).
    pub fn take(&self, phone: &Phone, code: &str, now: Timestamp) -> Result<(), OtpError> {
        let mut entries = self.lock();
        let entry = entries.get_mut(&self.slot(phone)).ok_or(OtpError::NoCode)?;
        let Some((live, expires, wrong)) = entry.live.as_mut() else {
            return Err(OtpError::NoCode);
        };
        if *expires < now {
            entry.live = None;
            return Err(OtpError::NoCode);
        }
        if *wrong >= self.limits.attempts {
            return Err(OtpError::Exhausted);
        }
        // Every byte compared whatever the first difference (no early exit to time).
        let given = code.trim().as_bytes();
        let same = live.len() == given.len()
            && live
                .bytes()
                .zip(given)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same {
            entry.live = None;
            Ok(())
        } else {
            *wrong += 1;
            if *wrong >= self.limits.attempts {
                Err(OtpError::Exhausted)
            } else {
                Err(OtpError::Wrong)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeps what it was asked to send.
    #[derive(Debug, Default)]
    struct Kept(Mutex<Vec<String>>);

    #[async_trait::async_trait]
    impl OtpSender for Kept {
        async fn send(&self, _: &Phone, code: &str) -> Result<(), String> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(code.into());
            Ok(())
        }
    }

    impl Kept {
        fn last(&self) -> String {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .last()
                .cloned()
                .unwrap_or_default()
        }
    }

    fn guard() -> OtpGuard {
        OtpGuard::new(OtpLimits {
            per_hour: 3,
            attempts: 2,
            ttl_secs: 300,
        })
    }

    fn phone() -> Phone {
        Phone::parse("13812345678").unwrap_or_else(|_| unreachable!())
    }

    #[tokio::test]
    async fn a_code_is_taken_once_and_a_replay_is_refused() {
        let (g, kept, now) = (guard(), Kept::default(), Timestamp(1_000_000));
        g.issue(&phone(), now, &kept)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let code = kept.last();
        assert_eq!(code.len(), 6);
        assert_eq!(g.take(&phone(), &code, now), Ok(()));
        assert_eq!(g.take(&phone(), &code, now), Err(OtpError::NoCode));
    }

    #[tokio::test]
    async fn a_number_gets_its_share_of_codes_an_hour_and_no_more() {
        let (g, kept, now) = (guard(), Kept::default(), Timestamp(1_000_000));
        for _ in 0..3 {
            assert_eq!(g.issue(&phone(), now, &kept).await, Ok(()));
        }
        assert_eq!(g.issue(&phone(), now, &kept).await, Err(OtpError::Flood));
        let other = Phone::parse("13912345678").unwrap_or_else(|_| unreachable!());
        assert_eq!(
            g.issue(&other, now, &kept).await,
            Ok(()),
            "another number is not held back"
        );
        assert_eq!(g.issue(&phone(), now.plus_secs(3600), &kept).await, Ok(()));
    }

    #[tokio::test]
    async fn wrong_tries_void_the_code_and_an_old_code_expires() {
        let (g, kept, now) = (guard(), Kept::default(), Timestamp(1_000_000));
        g.issue(&phone(), now, &kept)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let code = kept.last();
        let wrong = if code == "000000" { "000001" } else { "000000" };
        assert_eq!(g.take(&phone(), wrong, now), Err(OtpError::Wrong));
        assert_eq!(g.take(&phone(), wrong, now), Err(OtpError::Exhausted));
        assert_eq!(
            g.take(&phone(), &code, now),
            Err(OtpError::Exhausted),
            "void even if right"
        );
        g.issue(&phone(), now, &kept)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let code = kept.last();
        assert_eq!(
            g.take(&phone(), &code, now.plus_secs(301)),
            Err(OtpError::NoCode)
        );
    }

    /// A gateway that is down: every send fails.
    #[derive(Debug)]
    struct Down;

    #[async_trait::async_trait]
    impl OtpSender for Down {
        async fn send(&self, _: &Phone, _: &str) -> Result<(), String> {
            Err("SMS gateway unreachable / 短信网关无法连接".into())
        }
    }

    #[tokio::test]
    async fn a_code_that_could_not_be_sent_is_not_counted_and_cannot_be_used() {
        let (g, kept, now) = (guard(), Kept::default(), Timestamp(1_000_000));
        for _ in 0..5 {
            assert_eq!(g.issue(&phone(), now, &Down).await, Err(OtpError::NotSent));
        }
        assert_eq!(
            g.take(&phone(), "000000", now),
            Err(OtpError::NoCode),
            "no code lives after a failed send"
        );
        for _ in 0..3 {
            assert_eq!(
                g.issue(&phone(), now, &kept).await,
                Ok(()),
                "the failed sends took none of the hour's three codes"
            );
        }
        assert_eq!(g.issue(&phone(), now, &kept).await, Err(OtpError::Flood));
        let code = kept.last();
        assert_eq!(g.issue(&phone(), now, &Down).await, Err(OtpError::Flood));
        assert_eq!(
            g.take(&phone(), &code, now),
            Ok(()),
            "the last sent code still holds"
        );
    }
}
