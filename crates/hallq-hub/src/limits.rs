//! Flood and replay limits per device (`[limits]` of hall.toml).
//!
//! A kiosk stands in public reach: whoever gets at its network port (or its secret) must not be
//! able to pull a hundred tickets a minute, fill the journal, or send a stranger a hundred "your
//! turn is near" messages. The hub keeps a token bucket per device for all its commands and one
//! for its tickets, on the hub's clock; a command over either is refused `rate_limited` and
//! journaled. Refusals are journaled one by one up to a budget per device, then counted, so that
//! a flood cannot fill the disk either. A number given for notices gets at most
//! `tickets_per_phone_per_day` tickets a day (`phone_limit`).
//!
//! A redelivered command (same device and id) is answered from the dedupe store before any
//! limit is asked: a retry never costs a token.

use std::collections::HashMap;

use hallq_proto::{DeviceId, Timestamp};
use serde::Deserialize;

/// `[limits]` of hall.toml. A rate of 0 turns that limit off.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsSection {
    /// Commands a device may send per minute, sustained …
    pub commands_per_minute: u32,
    /// … and at once after a quiet spell.
    pub command_burst: u32,
    /// Tickets one kiosk or greeter may issue per minute, sustained …
    pub tickets_per_minute: u32,
    /// … and at once (a queue at the door at opening time).
    pub ticket_burst: u32,
    /// Tickets a day with the same mobile number for the notice.
    pub tickets_per_phone_per_day: u32,
    /// Refusals journaled one by one per device per minute; beyond that they are counted and
    /// the count is journaled with the next one.
    pub refusals_journaled_per_minute: u32,
    /// Wrong PINs in a row for one staff number before its sign-in is locked; 0 never locks.
    pub pin_attempts: u32,
    /// How long a locked staff number stays locked, in minutes.
    pub pin_lockout_min: u32,
    /// Days after which a staff PIN is due for a change (`hallq audit` names it); 0 never.
    pub pin_max_age_days: u32,
}

impl Default for LimitsSection {
    fn default() -> Self {
        Self {
            commands_per_minute: 120,
            command_burst: 60,
            tickets_per_minute: 6,
            ticket_burst: 10,
            tickets_per_phone_per_day: 3,
            refusals_journaled_per_minute: 60,
            pin_attempts: 5,
            pin_lockout_min: 15,
            pin_max_age_days: 90,
        }
    }
}

impl LimitsSection {
    /// No limit at all: for load benchmarks, which are floods on purpose.
    pub fn off() -> Self {
        Self {
            commands_per_minute: 0,
            command_burst: 0,
            tickets_per_minute: 0,
            ticket_burst: 0,
            tickets_per_phone_per_day: 0,
            refusals_journaled_per_minute: 0,
            pin_attempts: 0,
            pin_lockout_min: 0,
            pin_max_age_days: 0,
        }
    }

    /// What is wrong with the section, in Chinese and English.
    pub fn check(&self) -> Result<(), String> {
        for (name, rate, burst) in [
            (
                "commands_per_minute / command_burst",
                self.commands_per_minute,
                self.command_burst,
            ),
            (
                "tickets_per_minute / ticket_burst",
                self.tickets_per_minute,
                self.ticket_burst,
            ),
        ] {
            if rate > 0 && burst == 0 {
                return Err(format!(
                    "[limits] {name}: a burst of 0 refuses everything; give at least 1 / 突发上限至少为 1"
                ));
            }
        }
        Ok(())
    }
}

/// A token bucket: `burst` tokens, refilled at `per_minute`, on the hub's clock.
#[derive(Debug, Clone)]
struct Bucket {
    tokens: f64,
    at_ms: i64,
}

impl Bucket {
    fn take(&mut self, now: Timestamp, per_minute: u32, burst: u32) -> bool {
        let elapsed = (now.0 - self.at_ms).max(0) as f64;
        self.at_ms = self.at_ms.max(now.0);
        self.tokens =
            (self.tokens + elapsed * f64::from(per_minute) / 60_000.0).min(f64::from(burst));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Which bucket a command draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lane {
    /// Every command.
    Commands,
    /// `issue_ticket`.
    Tickets,
    /// Refusals worth a journal row.
    Refusals,
}

/// The hub's buckets, one per device and lane (indexed by `Lane as usize`), made as a device
/// first draws on them: looking a device up costs no allocation.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: HashMap<DeviceId, [Option<Bucket>; 3]>,
    /// Refusals of a device not journaled one by one since its last journaled one.
    unjournaled: HashMap<DeviceId, u64>,
}

impl Limiter {
    /// Takes a token of `lane` for `device`; false if there is none (the command is refused).
    /// A lane whose rate is 0 in `limits` always has one.
    pub fn allow(
        &mut self,
        limits: &LimitsSection,
        device: &DeviceId,
        lane: Lane,
        now: Timestamp,
    ) -> bool {
        let (per_minute, burst) = match lane {
            Lane::Commands => (limits.commands_per_minute, limits.command_burst),
            Lane::Tickets => (limits.tickets_per_minute, limits.ticket_burst),
            Lane::Refusals => (
                limits.refusals_journaled_per_minute,
                limits.refusals_journaled_per_minute,
            ),
        };
        if per_minute == 0 {
            return true;
        }
        let lanes = match self.buckets.get_mut(device) {
            Some(lanes) => lanes,
            None => self.buckets.entry(device.clone()).or_default(),
        };
        // A bucket starts full; a device quiet for a while finds it full again.
        lanes[lane as usize]
            .get_or_insert(Bucket {
                tokens: f64::from(burst),
                at_ms: now.0,
            })
            .take(now, per_minute, burst)
    }

    /// Whether a refusal of `device` gets a journal row of its own. `Some(n)`: yes, and `n`
    /// refusals before it went unjournaled (to be said in its detail); `None`: only counted.
    pub fn journal_refusal(
        &mut self,
        limits: &LimitsSection,
        device: &DeviceId,
        now: Timestamp,
    ) -> Option<u64> {
        if self.allow(limits, device, Lane::Refusals, now) {
            Some(self.unjournaled.remove(device).unwrap_or(0))
        } else {
            *self.unjournaled.entry(device.clone()).or_insert(0) += 1;
            None
        }
    }

    /// Forgets buckets that are full again (devices quiet for long), so the map does not grow
    /// with every device id ever seen.
    pub fn forget_idle(&mut self, now: Timestamp) {
        const IDLE_MS: i64 = 10 * 60 * 1000;
        self.buckets
            .retain(|_, lanes| lanes.iter().flatten().any(|b| now.0 - b.at_ms < IDLE_MS));
    }
}

/// Wrong PINs per staff number, and the numbers locked because of them: a counter terminal in
/// the wrong hands cannot try a clerk's PIN more than `pin_attempts` times per lockout, and a
/// locked sign-in is refused before any PIN is hashed.
#[derive(Debug, Default)]
pub struct PinGuard {
    /// Wrong PINs in a row, and until when the number is locked.
    failures: HashMap<String, (u32, Option<Timestamp>)>,
}

impl PinGuard {
    /// Whether `staff` is locked now.
    pub fn locked(&mut self, limits: &LimitsSection, staff: &str, now: Timestamp) -> bool {
        if limits.pin_attempts == 0 {
            return false;
        }
        match self.failures.get(staff) {
            Some((_, Some(until))) if now < *until => true,
            Some((_, Some(_))) => {
                // The lockout is over: a fresh count.
                self.failures.remove(staff);
                false
            }
            _ => false,
        }
    }

    /// A wrong PIN for `staff`; returns whether it is locked from now on.
    pub fn failed(&mut self, limits: &LimitsSection, staff: &str, now: Timestamp) -> bool {
        if limits.pin_attempts == 0 {
            return false;
        }
        let entry = self.failures.entry(staff.to_owned()).or_insert((0, None));
        entry.0 += 1;
        if entry.0 >= limits.pin_attempts {
            entry.1 = Some(Timestamp(
                now.0 + i64::from(limits.pin_lockout_min) * 60_000,
            ));
            return true;
        }
        false
    }

    /// A good PIN: the count starts over.
    pub fn succeeded(&mut self, staff: &str) {
        self.failures.remove(staff);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(s: &str) -> DeviceId {
        DeviceId::new(s).unwrap()
    }

    const T0: i64 = 1_795_395_600_000;

    fn at(ms: i64) -> Timestamp {
        Timestamp(T0 + ms)
    }

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let limits = LimitsSection::default();
        let mut l = Limiter::default();
        let k = dev("kiosk-1");
        // 100 tickets asked within a second: the burst gets through, no more.
        let granted = (0..100)
            .filter(|i| l.allow(&limits, &k, Lane::Tickets, at(i * 10)))
            .count();
        assert_eq!(granted, limits.ticket_burst as usize);
        // Ten seconds later, one more token (6 a minute).
        assert!(l.allow(&limits, &k, Lane::Tickets, at(11_000)));
        assert!(!l.allow(&limits, &k, Lane::Tickets, at(11_100)));
        // A whole minute: 6 in all.
        let later = (0..60)
            .filter(|s| l.allow(&limits, &k, Lane::Tickets, at(11_100 + s * 1000)))
            .count();
        assert!((5..=7).contains(&later), "{later}");
    }

    #[test]
    fn devices_and_lanes_have_buckets_of_their_own() {
        let limits = LimitsSection::default();
        let mut l = Limiter::default();
        for i in 0..limits.ticket_burst {
            assert!(l.allow(&limits, &dev("kiosk-1"), Lane::Tickets, at(i.into())));
        }
        assert!(!l.allow(&limits, &dev("kiosk-1"), Lane::Tickets, at(20)));
        assert!(l.allow(&limits, &dev("kiosk-2"), Lane::Tickets, at(20)));
        assert!(l.allow(&limits, &dev("kiosk-1"), Lane::Commands, at(20)));
    }

    #[test]
    fn a_rate_of_zero_is_no_limit() {
        let limits = LimitsSection::off();
        let mut l = Limiter::default();
        assert!((0..10_000).all(|i| l.allow(&limits, &dev("k"), Lane::Tickets, at(i))));
    }

    #[test]
    fn a_flood_of_refusals_is_counted_not_journaled_row_by_row() {
        let limits = LimitsSection::default();
        let mut l = Limiter::default();
        let k = dev("kiosk-1");
        let rows = (0..1000)
            .filter(|i| l.journal_refusal(&limits, &k, at(*i)).is_some())
            .count();
        assert_eq!(rows, limits.refusals_journaled_per_minute as usize);
        // A second later one more row, which says how many went unjournaled.
        assert_eq!(
            l.journal_refusal(&limits, &k, at(1_500)),
            Some(1000 - u64::from(limits.refusals_journaled_per_minute))
        );
    }

    #[test]
    fn wrong_pins_lock_the_staff_number_for_the_lockout_then_count_afresh() {
        let limits = LimitsSection::default();
        let mut g = PinGuard::default();
        for i in 0..4 {
            assert!(!g.failed(&limits, "E1001", at(i)));
        }
        assert!(!g.locked(&limits, "E1001", at(5)));
        // A good PIN starts the count over.
        g.succeeded("E1001");
        for i in 0..4 {
            assert!(!g.failed(&limits, "E1001", at(10 + i)));
        }
        assert!(
            g.failed(&limits, "E1001", at(20)),
            "the fifth in a row locks"
        );
        assert!(g.locked(&limits, "E1001", at(21)));
        assert!(
            !g.locked(&limits, "E1002", at(21)),
            "only that staff number"
        );
        let over = 20 + i64::from(limits.pin_lockout_min) * 60_000;
        assert!(g.locked(&limits, "E1001", at(over - 1)));
        assert!(!g.locked(&limits, "E1001", at(over)));
        assert!(!g.failed(&limits, "E1001", at(over + 1)), "a fresh count");
        // Off.
        let mut g = PinGuard::default();
        assert!((0..100).all(|i| !g.failed(&LimitsSection::off(), "E1", at(i))));
    }

    #[test]
    fn a_burst_of_zero_with_a_rate_is_refused_by_the_check() {
        let limits = LimitsSection {
            ticket_burst: 0,
            ..LimitsSection::default()
        };
        assert!(limits.check().unwrap_err().contains("突发"));
        LimitsSection::default().check().unwrap();
        LimitsSection::off().check().unwrap();
    }
}
