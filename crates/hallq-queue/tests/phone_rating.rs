//! The rating a customer gives on their phone's ticket page (issue 15 §1): once per ticket,
//! for a ticket served today, whether the evaluator's prompt is still open or long gone, and
//! never ending the next customer's prompt at the counter.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use hallq_proto::{CounterNo, Priority, Score, ServiceResult};
use hallq_queue::{Command, EventKind as E, QueueConfig, QueueError, VisitOutcome};

const C1: CounterNo = CounterNo(1);

fn serve_next(e: &mut hallq_queue::Engine, from: i64) {
    ok(e, &Command::CallNext { counter: C1 }, from);
    ok(e, &Command::StartService { counter: C1 }, from + 5);
    let finish = Command::Finish {
        counter: C1,
        result: ServiceResult::Done,
        missing: vec![],
    };
    ok(e, &finish, from + 60);
}

fn rate_ticket(t: u32, score: Score) -> Command {
    Command::RateTicket {
        ticket: tid(t),
        score,
    }
}

#[test]
fn a_served_ticket_is_rated_from_the_phone_once_and_the_pad_s_prompt_ends() {
    let mut e = opened(QueueConfig::telecom_default());
    sign_in(&mut e, 1, 0);
    take(&mut e, "basic", Priority::Ordinary, 10);
    // Waiting: nothing to rate yet.
    assert_eq!(
        refused(&mut e, &rate_ticket(1, Score::Satisfied), 15),
        QueueError::TicketNotRateable(tid(1))
    );
    serve_next(&mut e, 20); // finished at 80 s; the pad's prompt is open
    assert!(e.counter_state(C1).unwrap().awaiting_rating.is_some());
    assert_eq!(
        ok(&mut e, &rate_ticket(1, Score::VerySatisfied), 90),
        vec![
            ev(
                90,
                E::Rated {
                    ticket: tid(1),
                    visit: vid(1),
                    counter: C1,
                    staff: clerk(1),
                    score: Score::VerySatisfied,
                }
            ),
            ev(
                90,
                E::VisitEnded {
                    visit: vid(1),
                    outcome: VisitOutcome::Served,
                }
            ),
        ]
    );
    assert_eq!(e.ticket(&tid(1)).unwrap().rated, Some(Score::VerySatisfied));
    assert_eq!(e.counter_state(C1).unwrap().awaiting_rating, None);
    // Once: neither the phone again nor the pad.
    assert_eq!(
        refused(&mut e, &rate_ticket(1, Score::Dissatisfied), 95),
        QueueError::TicketNotRateable(tid(1))
    );
    let pad = Command::Rate {
        counter: C1,
        score: Score::Neutral,
    };
    assert_eq!(refused(&mut e, &pad, 96), QueueError::NothingToRate(C1));
}

#[test]
fn a_rating_from_the_phone_after_the_counter_moved_on_keeps_the_next_customer_s_prompt() {
    let mut e = opened(QueueConfig::telecom_default());
    sign_in(&mut e, 1, 0);
    take(&mut e, "basic", Priority::Ordinary, 10);
    take(&mut e, "basic", Priority::Ordinary, 11);
    serve_next(&mut e, 20); // ticket 1 finished at 80 s
    serve_next(&mut e, 100); // ticket 2 finished at 160 s: the pad asks for ticket 2
    let events = ok(&mut e, &rate_ticket(1, Score::Satisfied), 170);
    assert!(
        matches!(&events[0].kind, E::Rated { ticket, counter, .. } if *ticket == tid(1) && *counter == C1),
        "{events:?}"
    );
    let prompt = e.counter_state(C1).unwrap().awaiting_rating.unwrap();
    assert_eq!(prompt.ticket, tid(2), "the next customer's prompt stays");
    // The pad still rates ticket 2.
    let pad = Command::Rate {
        counter: C1,
        score: Score::Neutral,
    };
    let events = ok(&mut e, &pad, 171);
    assert!(matches!(&events[0].kind, E::Rated { ticket, .. } if *ticket == tid(2)));
    // Rated on the pad: not again from the phone.
    assert_eq!(
        refused(&mut e, &rate_ticket(2, Score::Satisfied), 172),
        QueueError::TicketNotRateable(tid(2))
    );
}

#[test]
fn an_unknown_ticket_is_not_rateable() {
    let mut e = opened(QueueConfig::telecom_default());
    assert_eq!(
        refused(&mut e, &rate_ticket(7, Score::Satisfied), 5),
        QueueError::TicketNotRateable(tid(7))
    );
}
