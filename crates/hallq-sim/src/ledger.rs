//! [`Ledger`]: the simulator's ground truth. Every emulator writes here what it did and what the
//! hub answered (a ticket issued at this time, a call, a no-show, a rating accepted …), and
//! only what the hub accepted counts. The figures computed from it are then compared with the
//! journal's ([`crate::figures`]): they must agree exactly, since every accepted command was
//! committed to the journal before its reply was sent.

use std::collections::BTreeMap;
use std::sync::Mutex;

use hallq_proto::{Score, TicketId, Timestamp};

use crate::figures::Figures;

/// How a ticket ended, as the devices were told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// A counter finished it.
    Served,
    /// Skipped: not there when called (by the clerk, or by the hub after its time-out).
    NoShow,
    /// Cancelled: the customer told the greeter they were leaving.
    WalkedOut,
}

/// One ticket as the simulator knows it.
#[derive(Debug, Clone)]
pub struct TicketTruth {
    /// The customer's number in the plan.
    pub customer: u32,
    /// When the hub issued it (from the `ticket_issued` reply).
    pub issued_at: Timestamp,
    /// The first `called` reply's time.
    pub first_called_at: Option<Timestamp>,
    /// How it ended, if it has.
    pub end: Option<End>,
}

/// Everything counted.
#[derive(Debug, Default, Clone)]
pub struct Book {
    /// Every ticket issued, by id.
    pub tickets: BTreeMap<TicketId, TicketTruth>,
    /// Commands sent.
    pub commands: u64,
    /// Refusals by error code (some are expected: a rating after the prompt timed out).
    pub refused: BTreeMap<String, u32>,
    /// Commands that got no reply after every retry (they stay in the client's outbox).
    pub no_reply: u32,
    /// Customers refused a ticket because the hall had closed.
    pub turned_away: u32,
    /// Customers who took the self-service offer.
    pub self_service: u32,
    /// Customers who gave up at the kiosk.
    pub abandoned: u32,
    /// Customers whose matter the greeter settled at the door.
    pub resolved_at_door: u32,
    /// Customers who ran out of patience and left without telling anyone.
    pub left_silently: u32,
    /// Customers who left and told the greeter, but whose ticket had just been called.
    pub cancel_too_late: u32,
    /// `called` replies, first calls and recalls.
    pub calls: u32,
    /// Of which recalls.
    pub recalls: u32,
    /// No-shows the clerk recorded.
    pub no_show_by_clerk: u32,
    /// No-shows the hub recorded by itself (the clerk learnt of them from `not_calling`).
    pub no_show_by_hub: u32,
    /// No-shows (either way) of customers who had run out of patience and left: the silent
    /// walk-outs the journal records as no-shows, which the report can only estimate.
    pub no_shows_who_had_left: u32,
    /// Transfers.
    pub transfers: u32,
    /// Ratings accepted.
    pub ratings: Vec<Score>,
    /// Complaints opened, contacted, resolved.
    pub complaints: (u32, u32, u32),
    /// Door reports accepted …
    pub door_reports: u32,
    /// … the people they counted entering …
    pub door_entered: u64,
    /// … and passing by.
    pub door_passed_by: u64,
    /// Kiosk sessions started (`session_started` accepted).
    pub kiosk_sessions: u32,
    /// Give-ups at the kiosk by the step's key (`choose_business`, `phone`, …).
    pub abandoned_at: BTreeMap<String, u32>,
    /// Greeter touchpoints recorded (wandering, consultation, experience, pre-check).
    pub greeter_touches: u32,
    /// Announcements posted.
    pub announcements: u32,
    /// Inspections recorded: checklists, items checked, items passed as the report counts them
    /// (none of an inspection with a failed critical item).
    pub inspections: (u32, u32, u32),
    /// Corrections opened, closed.
    pub corrections: (u32, u32),
    /// First calls of tickets whose issue the kiosk had not yet recorded: the hub publishes
    /// the board with a new ticket before the kiosk reads its reply, and a counter may call
    /// it first. Taken by [`Ledger::issued`] (dropping them lost that ticket's wait from the
    /// figures and moved the wait p50 by a neighbour's milliseconds).
    pub early_calls: BTreeMap<TicketId, Timestamp>,
    /// Bookings, as the simulated customers made and kept them.
    pub bookings: BookingTruth,
}

/// The simulator's truth of the bookings (issue 15 §3): what the report's appointment figures
/// must show.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BookingTruth {
    /// Bookings the hub accepted, by the customer's number: the slot's start (local minutes) and
    /// how the customer kept it.
    pub made: BTreeMap<u32, (u32, crate::plan::Keeping)>,
    /// Bookings the hub refused, by its error code (none expected: the plan fills no slot past
    /// its capacity).
    pub refused: BTreeMap<String, u32>,
    /// Check-ins the hub accepted, by customer: when (the ticket's issue), and whether it
    /// answered `late`. The plan's [`crate::plan::Keeping`] is the intent; on a machine too
    /// loaded for the clock's speed a customer can reach the kiosk later than planned, so the
    /// time is the truth of punctuality.
    pub checked_in: BTreeMap<u32, (Timestamp, bool)>,
}

impl BookingTruth {
    /// Bookings made that were kept `keeping`.
    pub fn planned(&self, keeping: crate::plan::Keeping) -> usize {
        self.made.values().filter(|(_, k)| *k == keeping).count()
    }
}

/// The shared ground truth.
#[derive(Debug, Default)]
pub struct Ledger {
    book: Mutex<Book>,
}

impl Ledger {
    /// Records under the lock; never held across an `.await`.
    pub fn note<R>(&self, f: impl FnOnce(&mut Book) -> R) -> R {
        let mut b = self
            .book
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut b)
    }

    /// A copy of everything counted so far.
    pub fn snapshot(&self) -> Book {
        self.note(|b| b.clone())
    }

    /// A ticket was issued.
    pub fn issued(&self, ticket: &TicketId, customer: u32, at: Timestamp) {
        self.note(|b| {
            b.tickets.insert(
                ticket.clone(),
                TicketTruth {
                    customer,
                    issued_at: at,
                    first_called_at: b.early_calls.remove(ticket),
                    end: None,
                },
            );
        });
    }

    /// A ticket was called (first call, recall, or a call after a transfer).
    pub fn called(&self, ticket: &TicketId, at: Timestamp, recall: bool) {
        self.note(|b| {
            b.calls += 1;
            b.recalls += u32::from(recall);
            match b.tickets.get_mut(ticket) {
                Some(t) => {
                    t.first_called_at.get_or_insert(at);
                }
                None => {
                    b.early_calls.entry(ticket.clone()).or_insert(at);
                }
            }
        });
    }

    /// A ticket ended.
    pub fn ended(&self, ticket: &TicketId, end: End) {
        self.note(|b| {
            if let Some(t) = b.tickets.get_mut(ticket) {
                t.end = Some(end);
            }
        });
    }

    /// The figures the comparison uses.
    pub fn figures(&self) -> Figures {
        self.note(|b| {
            let count = |e: End| b.tickets.values().filter(|t| t.end == Some(e)).count() as u64;
            let mut waits: Vec<i64> = b
                .tickets
                .values()
                .filter_map(|t| t.first_called_at.map(|c| c.0 - t.issued_at.0))
                .collect();
            waits.sort_unstable();
            Figures {
                tickets: b.tickets.len() as u64,
                served: count(End::Served),
                no_shows: count(End::NoShow),
                walk_outs: count(End::WalkedOut),
                still_open: b.tickets.values().filter(|t| t.end.is_none()).count() as u64,
                ratings: b.ratings.len() as u64,
                satisfied: b.ratings.iter().filter(|s| s.is_satisfied()).count() as u64,
                complaints: u64::from(b.complaints.0),
                complaints_resolved: u64::from(b.complaints.2),
                waits_ms: waits,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_count_what_the_hub_accepted() {
        let l = Ledger::default();
        let t = |s: &str| TicketId::new(s).unwrap();
        l.issued(&t("1"), 1, Timestamp(0));
        l.issued(&t("2"), 2, Timestamp(1_000));
        l.issued(&t("3"), 3, Timestamp(2_000));
        l.called(&t("1"), Timestamp(60_000), false);
        l.called(&t("1"), Timestamp(90_000), true);
        l.ended(&t("1"), End::Served);
        l.called(&t("2"), Timestamp(121_000), false);
        l.ended(&t("2"), End::NoShow);
        l.note(|b| b.ratings.push(Score::Satisfied));
        let f = l.figures();
        assert_eq!(
            (f.tickets, f.served, f.no_shows, f.still_open),
            (3, 1, 1, 1)
        );
        assert_eq!(f.waits_ms, vec![60_000, 120_000], "the first call counts");
        assert_eq!((f.ratings, f.satisfied), (1, 1));
    }

    #[test]
    fn a_call_heard_before_the_kiosk_recorded_the_ticket_keeps_its_wait() {
        let l = Ledger::default();
        let t = TicketId::new("1").unwrap();
        // The counter's call reply is read before the kiosk's issue reply.
        l.called(&t, Timestamp(5_000), false);
        l.issued(&t, 1, Timestamp(4_000));
        l.called(&t, Timestamp(60_000), true);
        assert_eq!(l.figures().waits_ms, vec![1_000]);
    }
}
