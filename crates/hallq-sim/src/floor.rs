//! [`Floor`]: who is in the hall with a ticket, and what they do when their number is called.
//! The kiosk or greeter seats a customer when their ticket is issued; a counter asks the floor
//! whether the customer it just called comes; the customer leaves the floor when patience runs
//! out while still waiting. The state changes under one lock, so a call and a departure that
//! happen at the same moment are decided one way, and both sides see the same decision.

use std::collections::HashMap;
use std::sync::Mutex;

use hallq_proto::{TicketId, VisitId};
/// Where a seated customer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting to be called.
    Waiting,
    /// Called; coming to the counter or already there.
    Called,
    /// Transferred: waiting again for the next counter; they stay for it.
    Transferred,
    /// Gave up and left before being called.
    Left,
    /// Their ticket ended.
    Done,
}

#[derive(Debug)]
struct Seat {
    /// The customer's index in the plan.
    customer: usize,
    visit: VisitId,
    state: State,
}

/// What a counter finds when it calls a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AtCall {
    /// The customer comes: `stage` 0 for their first service, 1 after a transfer.
    Comes {
        /// The customer's index in the plan.
        customer: usize,
        /// Which service.
        stage: u8,
    },
    /// Nobody comes: the customer does not show, or has left.
    Absent,
    /// The floor does not know this ticket (yet).
    Unknown,
}

/// The customers holding tickets.
#[derive(Debug, Default)]
pub(crate) struct Floor {
    seats: Mutex<HashMap<TicketId, Seat>>,
}

impl Floor {
    fn with<R>(&self, f: impl FnOnce(&mut HashMap<TicketId, Seat>) -> R) -> R {
        let mut s = self
            .seats
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut s)
    }

    /// Seats a customer with a fresh ticket.
    pub(crate) fn seat(&self, ticket: &TicketId, customer: usize, visit: VisitId) {
        self.with(|s| {
            s.insert(
                ticket.clone(),
                Seat {
                    customer,
                    visit,
                    state: State::Waiting,
                },
            )
        });
    }

    /// A counter called `ticket`; `shows(customer)` says whether a waiting customer comes.
    pub(crate) fn on_call(&self, ticket: &TicketId, shows: impl FnOnce(usize) -> bool) -> AtCall {
        self.with(|s| {
            let Some(seat) = s.get_mut(ticket) else {
                return AtCall::Unknown;
            };
            let at = match seat.state {
                State::Waiting if shows(seat.customer) => AtCall::Comes {
                    customer: seat.customer,
                    stage: 0,
                },
                State::Transferred => AtCall::Comes {
                    customer: seat.customer,
                    stage: 1,
                },
                _ => AtCall::Absent,
            };
            if seat.state != State::Left {
                seat.state = State::Called;
            }
            at
        })
    }

    /// The customer gives up: leaves if still waiting. Returns whether they left.
    pub(crate) fn leave_if_waiting(&self, ticket: &TicketId) -> bool {
        self.with(|s| match s.get_mut(ticket) {
            Some(seat) if seat.state == State::Waiting => {
                seat.state = State::Left;
                true
            }
            _ => false,
        })
    }

    /// Whether the customer is still waiting for their first call.
    /// Whether the customer of `ticket` left while waiting (and was not there when called).
    pub(crate) fn has_left(&self, ticket: &TicketId) -> bool {
        self.with(|s| s.get(ticket).is_some_and(|seat| seat.state == State::Left))
    }

    pub(crate) fn waiting(&self, ticket: &TicketId) -> bool {
        self.with(|s| {
            s.get(ticket)
                .is_some_and(|seat| seat.state == State::Waiting)
        })
    }

    /// The ticket was transferred: the customer waits for the next counter.
    pub(crate) fn transferred(&self, ticket: &TicketId) {
        self.set(ticket, State::Transferred);
    }

    /// The ticket ended.
    pub(crate) fn done(&self, ticket: &TicketId) {
        self.set(ticket, State::Done);
    }

    fn set(&self, ticket: &TicketId, state: State) {
        self.with(|s| {
            if let Some(seat) = s.get_mut(ticket) {
                seat.state = state;
            }
        });
    }

    /// The customer and visit of a ticket.
    pub(crate) fn customer_of(&self, ticket: &TicketId) -> Option<(usize, VisitId)> {
        self.with(|s| {
            s.get(ticket)
                .map(|seat| (seat.customer, seat.visit.clone()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> TicketId {
        TicketId::new(s).unwrap()
    }

    #[test]
    fn a_call_and_a_departure_are_decided_one_way() {
        let floor = Floor::default();
        let v = VisitId::new("V1").unwrap();
        floor.seat(&t("a"), 0, v.clone());
        floor.seat(&t("b"), 1, v);
        // Called first: they stay.
        assert_eq!(
            floor.on_call(&t("a"), |_| true),
            AtCall::Comes {
                customer: 0,
                stage: 0
            }
        );
        assert!(!floor.leave_if_waiting(&t("a")));
        // Left first: the call finds nobody.
        assert!(floor.leave_if_waiting(&t("b")));
        assert_eq!(floor.on_call(&t("b"), |_| true), AtCall::Absent);
        assert_eq!(floor.on_call(&t("c"), |_| true), AtCall::Unknown);
    }

    #[test]
    fn a_transferred_customer_comes_to_the_next_counter() {
        let floor = Floor::default();
        floor.seat(&t("a"), 3, VisitId::new("V1").unwrap());
        floor.on_call(&t("a"), |_| true);
        floor.transferred(&t("a"));
        assert!(!floor.leave_if_waiting(&t("a")), "they stay for it");
        assert_eq!(
            floor.on_call(&t("a"), |_| false),
            AtCall::Comes {
                customer: 3,
                stage: 1
            }
        );
    }
}
