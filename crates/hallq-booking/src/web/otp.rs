//! One-time codes (验证码) that prove a booking's number is the customer's, for every booking
//! master (the hub of a standalone hall, HQ).
//!
//! Sending is behind [`OtpSender`]: the hub's SMS sender (hallq-hub `booking::otp`) sends the
//! code through the hall's SMS channel; [`LogOtpSender`] is the demo's: it writes the code to
//! the log with the number masked, and sends nothing; never a hall's choice.
//!
//! [`OtpGuard`] holds the rules, once for every booking master: at most `per_hour` codes per
//! number per hour, at most `attempts` wrong tries per code, a code used once is gone (a replay
//! is refused), and a code expires after `ttl`. A code the channel failed to send is not a code:
//! it does not count against the hour's share and cannot be used. Each number's state is an
//! [`OtpRecord`] kept by an [`OtpStore`], keyed by an HMAC of (hall, number) — never the number —
//! with the code itself only as an HMAC:
//! - [`MemoryOtpStore`], the hub's: one process, under a key drawn at start (a restart voids
//!   every code, and leaves nothing to leak);
//! - HQ's in PostgreSQL (hallq-hq `booking::otp`), under a key every HQ process derives from HQ's
//!   booking key, so a code asked at one process is taken at any, once.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
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
    /// The store of codes could not be read or written: nothing was sent, taken or counted.
    #[error("the one-time codes cannot be checked just now; try again later")]
    Unavailable,
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
            Self::Unavailable => "otp_unavailable",
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
            Self::Unavailable => "验证码暂时无法核验，请稍后再试",
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

/// The window of the per-number share, in seconds.
const HOUR_SECS: i64 = 3600;

/// A live code as a store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveCode {
    /// HMAC of the code under the guard's key (hex): the code itself is never stored.
    pub hash: String,
    /// When it stops holding.
    pub expires: Timestamp,
    /// Wrong tries it still takes; at zero it is void.
    pub attempts_left: u32,
}

/// What is kept of one number (at one hall): the whole state the rules need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OtpRecord {
    /// When codes were sent to it in the last hour; a send in flight holds its place.
    pub sent: Vec<Timestamp>,
    /// Its live code.
    pub live: Option<LiveCode>,
}

impl OtpRecord {
    /// When the record holds nothing any more: its last send out of the hour, its code expired.
    /// A store may forget it after that.
    pub fn purge_after(&self) -> Timestamp {
        let sent = self.sent.iter().max().map(|t| t.plus_secs(HOUR_SECS));
        let live = self.live.as_ref().map(|l| l.expires);
        sent.max(live).unwrap_or(Timestamp(0))
    }

    /// Nothing to keep.
    pub fn is_empty(&self) -> bool {
        self.sent.is_empty() && self.live.is_none()
    }
}

/// A change of one record by the rules; its outcome is the guard's answer.
pub type OtpChange = Box<dyn FnOnce(&mut OtpRecord) -> Result<(), OtpError> + Send>;

/// Where the records live. The rules are [`OtpGuard`]'s; a store only keeps records and makes
/// each change atomic.
#[async_trait::async_trait]
pub trait OtpStore: Send + Sync + std::fmt::Debug {
    /// Reads the record of `slot` (empty if none), applies `change` to it and keeps what the
    /// change left — whether it answers `Ok` or `Err` (a wrong try counts) — with no other
    /// change of `slot` in between, in any process sharing the store. An empty record need not
    /// be kept. Records whose [`OtpRecord::purge_after`] is before `now` may be forgotten.
    /// `Err(OtpError::Unavailable)` if the store failed: then nothing was changed.
    async fn change(&self, slot: &str, now: Timestamp, change: OtpChange) -> Result<(), OtpError>;
}

/// The hub's store: the records in this process's memory.
#[derive(Debug, Default)]
pub struct MemoryOtpStore {
    records: Mutex<HashMap<String, OtpRecord>>,
}

#[async_trait::async_trait]
impl OtpStore for MemoryOtpStore {
    async fn change(&self, slot: &str, now: Timestamp, change: OtpChange) -> Result<(), OtpError> {
        let mut records = self
            .records
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget the numbers that hold nothing: the map does not grow with every number seen.
        records.retain(|_, r| r.purge_after() >= now);
        let mut record = records.remove(slot).unwrap_or_default();
        let outcome = change(&mut record);
        if !record.is_empty() {
            records.insert(slot.to_owned(), record);
        }
        outcome
    }
}

/// The codes in flight.
#[derive(Debug)]
pub struct OtpGuard {
    limits: OtpLimits,
    key: hmac::Key,
    rng: SystemRandom,
    store: Arc<dyn OtpStore>,
}

impl OtpGuard {
    /// A guard in this process's memory, under a fresh key (the hub's).
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
            store: Arc::new(MemoryOtpStore::default()),
        }
    }

    /// A guard over `store`, under `key`: every process sharing the store must have the same
    /// key, or their numbers and codes would not meet.
    pub fn with_store(limits: OtpLimits, key: &[u8], store: Arc<dyn OtpStore>) -> Self {
        Self {
            limits,
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
            rng: SystemRandom::new(),
            store,
        }
    }

    /// The record's key: HMAC of (hall, number), hex.
    fn slot(&self, hall: &str, phone: &Phone) -> String {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(b"otp_slot\0");
        ctx.update(hall.as_bytes());
        ctx.update(b"\0");
        ctx.update(phone.expose().as_bytes());
        hex(ctx.sign().as_ref())
    }

    /// What is kept of `code` for `slot`.
    fn code_hash(&self, slot: &str, code: &str) -> String {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(b"otp_code\0");
        ctx.update(slot.as_bytes());
        ctx.update(b"\0");
        ctx.update(code.as_bytes());
        hex(ctx.sign().as_ref())
    }

    /// Draws a code for `phone` at `hall` at `now` and sends it, unless the number had its
    /// share this hour. A new code replaces the number's previous one once it is sent; a code
    /// that could not be sent is forgotten, and its place in the hour's share is given back.
    /// (The hub's guard serves one hall: it passes `""`.)
    pub async fn issue(
        &self,
        hall: &str,
        phone: &Phone,
        now: Timestamp,
        sender: &dyn OtpSender,
    ) -> Result<(), OtpError> {
        let mut random = [0u8; 4];
        self.rng.fill(&mut random).map_err(|_| OtpError::NotSent)?;
        let code = format!("{:06}", u32::from_le_bytes(random) % 1_000_000);
        let slot = self.slot(hall, phone);
        let per_hour = self.limits.per_hour as usize;
        // The place is taken before the send (nothing is held over it), so that requests at
        // once, at any process, cannot pass the share together.
        self.store
            .change(
                &slot,
                now,
                Box::new(move |r| {
                    r.sent.retain(|t| now.secs_since(*t) < HOUR_SECS);
                    if r.sent.len() >= per_hour {
                        return Err(OtpError::Flood);
                    }
                    r.sent.push(now);
                    Ok(())
                }),
            )
            .await?;
        let sent = sender.send(phone, &code).await;
        match sent {
            Ok(()) => {
                let live = LiveCode {
                    hash: self.code_hash(&slot, &code),
                    expires: now.plus_secs(i64::from(self.limits.ttl_secs)),
                    attempts_left: self.limits.attempts,
                };
                self.store
                    .change(
                        &slot,
                        now,
                        Box::new(move |r| {
                            r.live = Some(live);
                            Ok(())
                        }),
                    )
                    .await
            }
            Err(why) => {
                tracing::warn!(%why, "a one-time code was not sent / 验证码发送失败");
                let given_back = self
                    .store
                    .change(
                        &slot,
                        now,
                        Box::new(move |r| {
                            if let Some(i) = r.sent.iter().position(|t| *t == now) {
                                r.sent.remove(i);
                            }
                            Ok(())
                        }),
                    )
                    .await;
                if given_back.is_err() {
                    tracing::warn!(
                        "the failed send's place could not be given back / 未能退回发送次数"
                    );
                }
                Err(OtpError::NotSent)
            }
        }
    }

    /// Takes `code` for `phone` at `hall` at `now`: right, it is used up (a replay finds none,
    /// at any process sharing the store).
    pub async fn take(
        &self,
        hall: &str,
        phone: &Phone,
        code: &str,
        now: Timestamp,
    ) -> Result<(), OtpError> {
        let slot = self.slot(hall, phone);
        let given = self.code_hash(&slot, code.trim());
        self.store
            .change(
                &slot,
                now,
                Box::new(move |r| {
                    let Some(live) = r.live.as_mut() else {
                        return Err(OtpError::NoCode);
                    };
                    if live.expires < now {
                        r.live = None;
                        return Err(OtpError::NoCode);
                    }
                    if live.attempts_left == 0 {
                        return Err(OtpError::Exhausted);
                    }
                    if same(&live.hash, &given) {
                        r.live = None;
                        Ok(())
                    } else {
                        live.attempts_left -= 1;
                        if live.attempts_left == 0 {
                            Err(OtpError::Exhausted)
                        } else {
                            Err(OtpError::Wrong)
                        }
                    }
                }),
            )
            .await
    }
}

/// Every byte compared whatever the first difference (no early exit to time).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
        g.issue("", &phone(), now, &kept)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let code = kept.last();
        assert_eq!(code.len(), 6);
        assert_eq!(g.take("", &phone(), &code, now).await, Ok(()));
        assert_eq!(
            g.take("", &phone(), &code, now).await,
            Err(OtpError::NoCode)
        );
    }

    #[tokio::test]
    async fn a_number_gets_its_share_of_codes_an_hour_and_no_more() {
        let (g, kept, now) = (guard(), Kept::default(), Timestamp(1_000_000));
        for _ in 0..3 {
            assert_eq!(g.issue("", &phone(), now, &kept).await, Ok(()));
        }
        assert_eq!(
            g.issue("", &phone(), now, &kept).await,
            Err(OtpError::Flood)
        );
        let other = Phone::parse("13912345678").unwrap_or_else(|_| unreachable!());
        assert_eq!(
            g.issue("", &other, now, &kept).await,
            Ok(()),
            "another number is not held back"
        );
        assert_eq!(
            g.issue("", &phone(), now.plus_secs(3600), &kept).await,
            Ok(())
        );
    }

    #[tokio::test]
    async fn wrong_tries_void_the_code_and_an_old_code_expires() {
        let (g, kept, now) = (guard(), Kept::default(), Timestamp(1_000_000));
        g.issue("", &phone(), now, &kept)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let code = kept.last();
        let wrong = if code == "000000" { "000001" } else { "000000" };
        assert_eq!(g.take("", &phone(), wrong, now).await, Err(OtpError::Wrong));
        assert_eq!(
            g.take("", &phone(), wrong, now).await,
            Err(OtpError::Exhausted)
        );
        assert_eq!(
            g.take("", &phone(), &code, now).await,
            Err(OtpError::Exhausted),
            "void even if right"
        );
        g.issue("", &phone(), now, &kept)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let code = kept.last();
        assert_eq!(
            g.take("", &phone(), &code, now.plus_secs(301)).await,
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
            assert_eq!(
                g.issue("", &phone(), now, &Down).await,
                Err(OtpError::NotSent)
            );
        }
        assert_eq!(
            g.take("", &phone(), "000000", now).await,
            Err(OtpError::NoCode),
            "no code lives after a failed send"
        );
        for _ in 0..3 {
            assert_eq!(
                g.issue("", &phone(), now, &kept).await,
                Ok(()),
                "the failed sends took none of the hour's three codes"
            );
        }
        assert_eq!(
            g.issue("", &phone(), now, &kept).await,
            Err(OtpError::Flood)
        );
        let code = kept.last();
        assert_eq!(
            g.issue("", &phone(), now, &Down).await,
            Err(OtpError::Flood)
        );
        assert_eq!(
            g.take("", &phone(), &code, now).await,
            Ok(()),
            "the last sent code still holds"
        );
    }

    #[tokio::test]
    async fn a_code_serves_its_hall_only_and_the_store_keeps_neither_number_nor_code() {
        let store = Arc::new(MemoryOtpStore::default());
        let limits = OtpLimits {
            per_hour: 3,
            attempts: 2,
            ttl_secs: 300,
        };
        let g = OtpGuard::with_store(limits, &[9; 32], store.clone());
        let (kept, now) = (Kept::default(), Timestamp(1_000_000));
        g.issue("gz-01", &phone(), now, &kept)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let code = kept.last();
        {
            let records = store.records.lock().unwrap_or_else(|e| e.into_inner());
            let seen = format!("{records:?}");
            assert!(
                !seen.contains("13812345678") && !seen.contains(&code),
                "{seen}"
            );
        }
        assert_eq!(
            g.take("gz-02", &phone(), &code, now).await,
            Err(OtpError::NoCode)
        );
        assert_eq!(g.take("gz-01", &phone(), &code, now).await, Ok(()));
        // An hour and five minutes on, the record holds nothing and is forgotten.
        g.take("gz-01", &phone(), &code, now.plus_secs(3900))
            .await
            .ok();
        assert!(
            store
                .records
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_empty()
        );
    }
}
