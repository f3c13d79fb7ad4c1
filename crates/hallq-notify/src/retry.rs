//! Retries with a limit and a growing pause, and a result for every attempt.

use std::time::Duration;

use serde::Deserialize;

use crate::channel::{NoticeChannel, Outgoing, SendError};

/// How often and how patiently a notice is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub attempts: u32,
    /// The pause after the first failure, in milliseconds; doubled after each further one.
    pub backoff_ms: u64,
    /// The longest pause, in milliseconds.
    pub max_backoff_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            backoff_ms: 2_000,
            max_backoff_ms: 60_000,
        }
    }
}

impl RetryPolicy {
    /// The pause after failed attempt `attempt` (1-based): `backoff_ms × 2^(attempt−1)`, capped.
    pub fn pause_after(&self, attempt: u32) -> Duration {
        let factor = 1u64
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u64::MAX);
        Duration::from_millis(
            self.backoff_ms
                .saturating_mul(factor)
                .min(self.max_backoff_ms),
        )
    }
}

/// One attempt and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// 1-based.
    pub attempt: u32,
    /// Sent, or why not.
    pub result: Result<(), SendError>,
    /// Whether this was the last attempt (sent, or the limit reached).
    pub last: bool,
}

/// Tries `notice` on `channel` up to the policy's limit, pausing between failures; `report` is
/// told of every attempt as it ends (the hub journals each). Returns the last attempt.
pub async fn deliver_with_retry(
    channel: &dyn NoticeChannel,
    notice: &Outgoing,
    policy: RetryPolicy,
    report: impl FnMut(&Attempt),
) -> Attempt {
    retry(policy, || channel.deliver(notice), report).await
}

/// Makes `send` up to the policy's limit, pausing between failures; `report` is told of every
/// attempt as it ends. For a text that is not a ticket's notice (a complaint's written result,
/// sent with [`SmsChannel::send_sms`](crate::SmsChannel::send_sms)). Returns the last attempt.
pub async fn retry<F, Fut>(
    policy: RetryPolicy,
    mut send: F,
    mut report: impl FnMut(&Attempt),
) -> Attempt
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), SendError>>,
{
    let attempts = policy.attempts.max(1);
    let mut attempt = 1;
    loop {
        let result = send().await;
        let last = result.is_ok() || attempt >= attempts || result == Err(SendError::NoNumber);
        let a = Attempt {
            attempt,
            result,
            last,
        };
        report(&a);
        if a.last {
            return a;
        }
        tokio::time::sleep(policy.pause_after(attempt)).await;
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use hallq_proto::TicketId;

    use super::*;
    use crate::channel::ChannelKind;
    use crate::rule::NoticeKind;

    /// Fails its first `fails` attempts (a unit test of the retry loop, not of a channel).
    #[derive(Debug)]
    struct Flaky {
        fails: u32,
        tried: AtomicU32,
    }

    #[async_trait::async_trait]
    impl NoticeChannel for Flaky {
        fn kind(&self) -> ChannelKind {
            ChannelKind::Webhook
        }
        async fn deliver(&self, _: &Outgoing) -> Result<(), SendError> {
            let n = self.tried.fetch_add(1, Ordering::SeqCst);
            if n < self.fails {
                Err(SendError::Timeout)
            } else {
                Ok(())
            }
        }
    }

    fn notice() -> Outgoing {
        Outgoing {
            ticket: TicketId::new("20261130-0001").expect("a ticket id"),
            kind: NoticeKind::Near,
            phone: Some("13800131234".into()),
            text: "t".into(),
        }
    }

    const FAST: RetryPolicy = RetryPolicy {
        attempts: 3,
        backoff_ms: 1,
        max_backoff_ms: 4,
    };

    #[tokio::test]
    async fn a_failure_is_retried_until_it_goes_through() {
        let ch = Flaky {
            fails: 2,
            tried: AtomicU32::new(0),
        };
        let mut seen = Vec::new();
        let last = deliver_with_retry(&ch, &notice(), FAST, |a| seen.push(a.clone())).await;
        assert_eq!(last.attempt, 3);
        assert!(last.result.is_ok() && last.last);
        let results: Vec<_> = seen.iter().map(|a| a.result.is_ok()).collect();
        assert_eq!(results, [false, false, true]);
    }

    #[tokio::test]
    async fn the_limit_ends_the_tries() {
        let ch = Flaky {
            fails: 10,
            tried: AtomicU32::new(0),
        };
        let mut seen = 0;
        let last = deliver_with_retry(&ch, &notice(), FAST, |_| seen += 1).await;
        assert_eq!((seen, last.attempt), (3, 3));
        assert_eq!(last.result, Err(SendError::Timeout));
        assert_eq!(ch.tried.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn the_pause_doubles_up_to_its_cap() {
        let p = RetryPolicy {
            attempts: 9,
            backoff_ms: 1_000,
            max_backoff_ms: 5_000,
        };
        let ms: Vec<u128> = (1..=5).map(|a| p.pause_after(a).as_millis()).collect();
        assert_eq!(ms, [1_000, 2_000, 4_000, 5_000, 5_000]);
        assert_eq!(p.pause_after(200).as_millis(), 5_000);
    }
}
