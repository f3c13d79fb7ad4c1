//! The trigger rule: when a waiting ticket whose customer asked to be told gets its notices.
//!
//! A pure function of what the hub sees after each change of the live queue ([`decide`]):
//!
//! - **near**: once, when the people ahead are at most `people_ahead` (N) or the estimated wait
//!   is at most `minutes` (M, or the customer's own lead time), whichever comes first;
//! - **called**: once, at the ticket's first call, with its counter;
//! - nothing after the ticket is served, withdrawn or closed.
//!
//! **Stalls.** The queue's estimate is a rate (handling time over the counters serving), and
//! stays low while nobody is called at all (a counter stuck on a long case, clerks away). So the
//! minutes rule reads the estimate plus the quiet time beyond `stall_after_min`: each minute the
//! queue goes on without a call past that grace adds a minute ([`effective_estimate`]). The
//! people-ahead count is a fact, never stale, and still fires.
//!
//! A ticket already near when it is issued gets no "near" notice: its customer is at the kiosk
//! reading the same figures on the screen and the slip.

use hallq_proto::{CounterNo, Timestamp};
use serde::{Deserialize, Serialize};

/// Which notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// "Your turn is near."
    Near,
    /// "Called: please go to counter K."
    Called,
}

impl NoticeKind {
    /// As in the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Near => "near",
            Self::Called => "called",
        }
    }
}

/// When "near" fires, for one business type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lead {
    /// N: fire when at most this many people are ahead.
    pub people_ahead: u32,
    /// M: fire when the (stall-aware) estimate is at most this many minutes; 0: never on the
    /// estimate, only on N.
    pub minutes: u32,
    /// Minutes without a call of the ticket's queue before the estimate grows with the quiet.
    pub stall_after_min: u32,
}

impl Default for Lead {
    fn default() -> Self {
        Self {
            people_ahead: 3,
            minutes: 10,
            stall_after_min: 10,
        }
    }
}

/// Where the ticket is, as the rule needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In a queue, with `ahead` people before it and the queue's estimate (`None`: no counter
    /// serves it now).
    Waiting {
        /// People ahead.
        ahead: u32,
        /// The queue's estimated minutes, as the board shows them.
        estimate_min: Option<u32>,
    },
    /// Called (or recalled) to a counter.
    Called(CounterNo),
    /// Being served, or skipped as a no-show (it may be re-queued): nothing to say now.
    Away,
    /// Served, withdrawn or closed: its notices are over.
    Gone,
}

/// What the hub sees of one ticket now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    /// Where the ticket is.
    pub place: Place,
    /// The hub's time.
    pub now: Timestamp,
    /// Since when the ticket's queue has been quiet: the later of its last call and the
    /// ticket's issue.
    pub quiet_since: Timestamp,
}

/// One ticket's notices so far. Made when its customer asks to be told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watch {
    /// "near" was sent, or is not owed (it was near at once).
    pub near: bool,
    /// "called" was sent.
    pub called: bool,
    /// The ticket is gone: nothing more.
    pub finished: bool,
    /// Observed at least once (its first look decides whether it was near at once).
    pub seen: bool,
    /// The customer's own lead time in minutes, over the business type's M.
    pub lead_min: Option<u32>,
}

/// A notice to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Near, with the figures that made it fire.
    Near {
        /// People ahead.
        ahead: u32,
        /// The stall-aware estimate.
        estimate_min: Option<u32>,
    },
    /// Called to `counter`.
    Called {
        /// The counter.
        counter: CounterNo,
    },
}

impl Notice {
    /// Its kind.
    pub fn kind(self) -> NoticeKind {
        match self {
            Self::Near { .. } => NoticeKind::Near,
            Self::Called { .. } => NoticeKind::Called,
        }
    }
}

/// The estimate the minutes rule reads: the queue's own, plus every whole minute of quiet past
/// `stall_after_min`. `None` stays `None` (no counter serves the queue: no estimate to trust).
pub fn effective_estimate(
    estimate_min: Option<u32>,
    now: Timestamp,
    quiet_since: Timestamp,
    stall_after_min: u32,
) -> Option<u32> {
    let quiet_min =
        u32::try_from(now.0.saturating_sub(quiet_since.0).max(0) / 60_000).unwrap_or(u32::MAX);
    let stalled = quiet_min.saturating_sub(stall_after_min);
    estimate_min.map(|e| e.saturating_add(stalled))
}

/// The rule: updates `watch` and returns the notice due now, if any.
pub fn decide(watch: &mut Watch, lead: Lead, obs: Observation) -> Option<Notice> {
    if watch.finished {
        return None;
    }
    let first = !watch.seen;
    watch.seen = true;
    match obs.place {
        Place::Gone => {
            watch.finished = true;
            None
        }
        Place::Away => None,
        Place::Called(counter) => {
            // Called: "near" is moot from here on.
            watch.near = true;
            if watch.called {
                return None;
            }
            watch.called = true;
            Some(Notice::Called { counter })
        }
        Place::Waiting {
            ahead,
            estimate_min,
        } => {
            if watch.near {
                return None;
            }
            let minutes = watch.lead_min.unwrap_or(lead.minutes);
            let estimate =
                effective_estimate(estimate_min, obs.now, obs.quiet_since, lead.stall_after_min);
            // M = 0 turns the minutes rule off: with services measured at nothing (a counter
            // that starts and finishes at once) every estimate is 0.
            let near =
                ahead <= lead.people_ahead || estimate.is_some_and(|e| minutes > 0 && e <= minutes);
            if !near {
                return None;
            }
            watch.near = true;
            (!first).then_some(Notice::Near {
                ahead,
                estimate_min: estimate,
            })
        }
    }
}

#[cfg(test)]
#[path = "rule_tests.rs"]
mod tests;
