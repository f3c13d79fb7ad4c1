//! Customer value tiers (客户价值分层, issue 16 §4): better service for the high tiers without
//! letting anyone else wait without bound.
//!
//! A tier is configuration (`[[queue.tiers]]`, star levels 1–7 as the operators use them):
//! its name, the greeting the counter terminal shows, an answer target, which counters may
//! serve it, and its place in the queue. The place is the same kind of rule as priority's
//! (see [`crate::config::PriorityRule`]):
//!
//! - **a bounded head start**: a tier ticket is queued as if taken `head_start_min` earlier,
//!   at most [`MAX_TIER_HEAD_START_MIN`]; so it goes ahead of an ordinary ticket taken less
//!   than that before it, and never ahead of one that has waited longer;
//! - **a ratio**: at most `ratio` calls in a row from one business type's queue go to tickets
//!   ahead only by their tier while a ticket they overtook waits; the next call takes the
//!   ticket that is first without tiers (0: the head start alone rules).
//!
//! The tier is set on the ticket by a membership code at the kiosk (`[[membership]]` in
//! hall.toml, checked by the hub like a green-channel code) or by the greeter. It is recorded
//! in the journal with the head start it got ([`TierMark`]), so a replay orders the ticket as
//! it was whatever the configuration says later. Nothing public shows it: the board, the LED
//! strip and the voice carry numbers only; the counter terminal gets the tier's greeting.

use std::collections::HashSet;

use hallq_proto::{CounterNo, LocalText};
use serde::{Deserialize, Serialize};

use crate::config::ConfigError;

/// The longest head start a value tier may have, in minutes: a tier ticket never goes ahead
/// of a customer who has waited longer than this (priority's head start comes on top for a
/// tier customer who is also elderly, say).
pub const MAX_TIER_HEAD_START_MIN: u32 = 30;

/// The highest tier level (the operators' seven star levels).
pub const MAX_TIER_LEVEL: u8 = 7;

/// A value tier (e.g. 五星 five stars).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueTier {
    /// Its level, 1 to [`MAX_TIER_LEVEL`]: how commands and the journal name it.
    pub level: u8,
    /// Its name, for staff and the reports (never shown in public).
    pub name: LocalText,
    /// What the counter terminal shows when it calls such a customer, instead of a level.
    pub greeting: LocalText,
    /// Minutes within which such a customer should be called (the answer target), for the
    /// reports.
    pub answer_target_min: u32,
    /// The head start in the queue, minutes; at most [`MAX_TIER_HEAD_START_MIN`].
    #[serde(default)]
    pub head_start_min: u32,
    /// Calls in a row this tier's head start may win while a ticket it overtook waits; 0: no
    /// limit beyond the head start.
    #[serde(default)]
    pub ratio: u32,
    /// The counters that may serve it (a VIP counter, say); empty: any counter with the skill.
    #[serde(default)]
    pub counters: Vec<CounterNo>,
}

impl ValueTier {
    /// Its head start, ms.
    pub fn head_start_ms(&self) -> i64 {
        i64::from(self.head_start_min) * 60_000
    }

    /// Whether counter `no` may serve it.
    pub fn served_at(&self, no: CounterNo) -> bool {
        self.counters.is_empty() || self.counters.contains(&no)
    }
}

/// A ticket's tier as the journal keeps it: the level and the head start it got when issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierMark {
    /// The tier's level.
    pub level: u8,
    /// The head start it was queued with, minutes.
    pub head_start_min: u32,
}

impl TierMark {
    /// The head start, ms.
    pub fn head_start_ms(&self) -> i64 {
        i64::from(self.head_start_min) * 60_000
    }
}

/// Checks the tiers: levels unique and in range, head starts bounded, counters known.
pub(crate) fn validate(tiers: &[ValueTier], counters: &[CounterNo]) -> Result<(), ConfigError> {
    let mut levels = HashSet::new();
    for t in tiers {
        let bad = |why: String| ConfigError::BadTier(t.level, why);
        if t.level == 0 || t.level > MAX_TIER_LEVEL {
            return Err(bad(format!("level must be 1 to {MAX_TIER_LEVEL}")));
        }
        if !levels.insert(t.level) {
            return Err(bad("defined twice".into()));
        }
        if t.head_start_min > MAX_TIER_HEAD_START_MIN {
            return Err(bad(format!(
                "head_start_min is at most {MAX_TIER_HEAD_START_MIN}"
            )));
        }
        if t.greeting.zh.trim().is_empty() || t.name.zh.trim().is_empty() {
            return Err(bad("name and greeting need Chinese text".into()));
        }
        if let Some(c) = t.counters.iter().find(|c| !counters.contains(c)) {
            return Err(bad(format!("unknown counter {c}")));
        }
    }
    Ok(())
}

/// DOMAIN.md's example: the operators' star levels, three of them configured (for the demo
/// and the tests; a hall configures its own or none).
pub fn star_levels() -> Vec<ValueTier> {
    let tier =
        |level: u8, zh: &str, en: &str, greet: (&str, &str), target, head, ratio| ValueTier {
            level,
            name: LocalText::new(zh, en),
            greeting: LocalText::new(greet.0, greet.1),
            answer_target_min: target,
            head_start_min: head,
            ratio,
            counters: Vec::new(),
        };
    vec![
        tier(
            5,
            "五星客户",
            "Five-star customer",
            (
                "尊敬的五星客户，您好！",
                "Welcome, valued five-star customer.",
            ),
            10,
            10,
            3,
        ),
        tier(
            6,
            "五星金卡客户",
            "Five-star gold customer",
            ("尊敬的金卡客户，您好！", "Welcome, valued gold customer."),
            8,
            15,
            3,
        ),
        tier(
            7,
            "五星钻卡客户",
            "Five-star diamond customer",
            (
                "尊敬的钻卡客户，您好！",
                "Welcome, valued diamond customer.",
            ),
            5,
            20,
            2,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_start_beyond_the_bound_is_refused() {
        let mut t = star_levels();
        t[0].head_start_min = MAX_TIER_HEAD_START_MIN + 1;
        assert!(matches!(validate(&t, &[]), Err(ConfigError::BadTier(5, _))));
    }

    #[test]
    fn levels_are_unique_in_range_and_counters_known() {
        let mut t = star_levels();
        t[1].level = 5;
        assert!(validate(&t, &[]).is_err());
        let mut t = star_levels();
        t[0].level = 8;
        assert!(validate(&t, &[]).is_err());
        let mut t = star_levels();
        t[0].counters = vec![CounterNo(9)];
        assert!(validate(&t, &[CounterNo(1)]).is_err());
        t[0].counters = vec![CounterNo(1)];
        validate(&t, &[CounterNo(1)]).unwrap();
    }
}
