//! Where each resolved complaint's result SMS stands, as the journal tells it (issue 16 §2):
//! the part of [`crate::complaint_sms`] that survives a restart.
//!
//! The journal holds every attempt (`complaint_result_sent`, with `last` on the one that ended
//! the tries) and every resend the supervisor asked for (`complaint_result_resend`). Read in
//! order, they leave each case in one of three rounds:
//! - **trying**: attempts journaled, none the last (or a resend with no attempt yet). A hub
//!   that starts with such a case was stopped during its retries: it tries again with the
//!   attempts left ([`Ledger::interrupted`]).
//! - **failed**: the last attempt failed (retries exhausted, or the number would not open).
//!   The supervisor's console shows it in red (`state/complaints`' `undelivered`), with a resend
//!   while the number is still sealed ([`Ledger::undelivered`]).
//! - **sent**: delivered; forgotten, as a case never sent by SMS is never known here.
//!
//! Pure: the writer feeds it the events it commits, and asks it.

use std::collections::{BTreeMap, HashMap};

use hallq_proto::{ComplaintAnswer, ComplaintId, Timestamp};
use hallq_queue::{Event, EventKind};

/// One case's result SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// Being tried: this many attempts of the round journaled, none the last.
    Trying {
        /// Attempts journaled in this round.
        tried: u32,
    },
    /// The last attempt failed, at this time.
    Failed {
        /// When the tries ended.
        at: Timestamp,
    },
}

/// Every case whose result SMS is being tried or failed for good, with the written result to
/// send again.
#[derive(Debug, Default, Clone)]
pub struct Ledger {
    rounds: BTreeMap<ComplaintId, Round>,
    /// The written result of each case that may still be sent: from its resolution until it
    /// is delivered (or known to have no number).
    answers: HashMap<ComplaintId, ComplaintAnswer>,
}

impl Ledger {
    /// The ledger `events` (the journal, in order) leave.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut ledger = Self::default();
        for e in events {
            ledger.apply(e);
        }
        // A case resolved without any attempt had no number (or no SMS channel then): it is
        // never sent from here, and its answer need not be held.
        let rounds = &ledger.rounds;
        ledger.answers.retain(|c, _| rounds.contains_key(c));
        ledger
    }

    /// Takes in one committed event.
    pub fn apply(&mut self, e: &Event) {
        match &e.kind {
            EventKind::ComplaintResolved {
                complaint,
                answer: Some(answer),
                ..
            } => {
                self.answers.insert(complaint.clone(), answer.clone());
            }
            EventKind::ComplaintResultSent {
                complaint,
                attempt,
                result,
                last,
                ..
            } => {
                if result == "sent" {
                    self.rounds.remove(complaint);
                    self.answers.remove(complaint);
                } else if *last {
                    self.rounds
                        .insert(complaint.clone(), Round::Failed { at: e.at_ms });
                } else {
                    self.rounds
                        .insert(complaint.clone(), Round::Trying { tried: *attempt });
                }
            }
            EventKind::ComplaintResultResend { complaint, .. } => {
                self.rounds
                    .insert(complaint.clone(), Round::Trying { tried: 0 });
            }
            _ => {}
        }
    }

    /// A case resolved with no number left: nothing will be sent.
    pub fn forget(&mut self, complaint: &ComplaintId) {
        if !self.rounds.contains_key(complaint) {
            self.answers.remove(complaint);
        }
    }

    /// The written result of a case that may still be sent.
    pub fn answer(&self, complaint: &ComplaintId) -> Option<&ComplaintAnswer> {
        self.answers.get(complaint)
    }

    /// The cases being tried, with the attempts of their round already journaled.
    pub fn interrupted(&self) -> Vec<(ComplaintId, u32)> {
        self.rounds
            .iter()
            .filter_map(|(c, r)| match r {
                Round::Trying { tried } => Some((c.clone(), *tried)),
                Round::Failed { .. } => None,
            })
            .collect()
    }

    /// The cases whose result SMS failed for good, with when, oldest case first.
    pub fn undelivered(&self) -> Vec<(ComplaintId, Timestamp)> {
        self.rounds
            .iter()
            .filter_map(|(c, r)| match r {
                Round::Failed { at } => Some((c.clone(), *at)),
                Round::Trying { .. } => None,
            })
            .collect()
    }

    /// Whether `complaint`'s result SMS failed for good (a resend may be asked).
    pub fn is_undelivered(&self, complaint: &ComplaintId) -> bool {
        matches!(self.rounds.get(complaint), Some(Round::Failed { .. }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ComplaintId {
        ComplaintId::new(s).unwrap()
    }

    fn at(ms: i64, kind: EventKind) -> Event {
        Event {
            at_ms: Timestamp(ms),
            kind,
        }
    }

    fn resolved(c: &str) -> Event {
        at(
            1,
            EventKind::ComplaintResolved {
                complaint: id(c),
                visit: None,
                resolution: "done".into(),
                answer: Some(ComplaintAnswer {
                    cause: "c".into(),
                    solution: "s".into(),
                    compensation: None,
                    promise: "p".into(),
                }),
            },
        )
    }

    fn attempt(ms: i64, c: &str, n: u32, sent: bool, last: bool) -> Event {
        at(
            ms,
            EventKind::ComplaintResultSent {
                complaint: id(c),
                channel: "smpp".into(),
                attempt: n,
                result: if sent { "sent" } else { "failed" }.into(),
                error: None,
                last,
            },
        )
    }

    #[test]
    fn a_round_cut_short_is_resumed_and_one_that_ended_is_not() {
        let events = [
            resolved("K1"),
            attempt(2, "K1", 1, false, false),
            attempt(3, "K1", 2, false, false),
            resolved("K2"),
            attempt(4, "K2", 1, true, true),
            resolved("K3"),
            attempt(5, "K3", 1, false, false),
            attempt(6, "K3", 2, false, true),
            resolved("K4"),
        ];
        let l = Ledger::replay(&events);
        assert_eq!(l.interrupted(), [(id("K1"), 2)]);
        assert_eq!(l.undelivered(), [(id("K3"), Timestamp(6))]);
        assert!(l.answer(&id("K1")).is_some() && l.answer(&id("K3")).is_some());
        assert!(l.answer(&id("K2")).is_none(), "delivered: forgotten");
        assert!(l.answer(&id("K4")).is_none(), "never tried: no number");
    }

    #[test]
    fn a_resend_starts_a_round_and_its_delivery_clears_the_case() {
        let mut l = Ledger::replay(&[resolved("K1"), attempt(2, "K1", 1, false, true)]);
        assert!(l.is_undelivered(&id("K1")));
        l.apply(&at(
            3,
            EventKind::ComplaintResultResend {
                complaint: id("K1"),
                by: "supervisor-1".into(),
            },
        ));
        assert!(!l.is_undelivered(&id("K1")));
        assert_eq!(
            l.interrupted(),
            [(id("K1"), 0)],
            "a stop now resumes it whole"
        );
        l.apply(&attempt(4, "K1", 1, true, true));
        assert!(l.undelivered().is_empty() && l.interrupted().is_empty());
    }
}
