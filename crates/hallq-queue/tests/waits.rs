//! `Engine::waits`, the people ahead and the estimate of every waiting ticket in one pass (the
//! ticket pages' board), says what `Engine::wait_of` says ticket by ticket, through a day of
//! tickets in every queue, priorities, transfers to a business and to a counter, calls, pauses
//! and sign-outs.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use hallq_proto::{CounterNo, PauseReason, Priority, ServiceResult, TransferTarget};
use hallq_queue::{Command, Engine, QueueConfig, TicketStatus};

/// `waits` against `wait_of`, for every ticket of the day.
fn agree(e: &Engine, when: &str) {
    let waits = e.waits();
    let mut waiting = 0;
    for t in e.tickets() {
        if t.status == TicketStatus::Waiting {
            waiting += 1;
            assert_eq!(
                waits.get(&t.id),
                Some(&e.wait_of(&t.id)),
                "{when}: {}",
                t.id
            );
        } else {
            assert!(
                !waits.contains_key(&t.id),
                "{when}: {} is not waiting",
                t.id
            );
        }
    }
    assert_eq!(waits.len(), waiting, "{when}");
}

#[test]
fn waits_in_one_pass_are_wait_of_for_every_ticket() {
    let mut e = opened(QueueConfig::telecom_default());
    agree(&e, "empty");
    for n in 1..=6 {
        sign_in(&mut e, n, 0);
    }
    let businesses = ["consult", "basic", "complex", "repair", "enterprise"];
    let priorities = [Priority::Ordinary, Priority::Care, Priority::GreenChannel];
    for i in 0..60_usize {
        let p = if i % 7 == 0 {
            priorities[i % 3]
        } else {
            Priority::Ordinary
        };
        take(&mut e, businesses[i % 5], p, i as i64);
    }
    agree(&e, "sixty issued");
    let mut secs = 100;
    for round in 0..12_u16 {
        let c = CounterNo(round % 6 + 1);
        let called = e.apply(&Command::CallNext { counter: c }, at(secs)).is_ok();
        agree(&e, &format!("round {round} called"));
        secs += 10;
        if called {
            ok(&mut e, &Command::StartService { counter: c }, secs);
            secs += 10;
            // Every third service is sent on: to another business, or to counter 2.
            let done = match round % 3 {
                0 => Command::Transfer {
                    counter: c,
                    to: TransferTarget::Business(code("complex")),
                    note: None,
                },
                1 if c != CounterNo(2) => Command::Transfer {
                    counter: c,
                    to: TransferTarget::Counter(CounterNo(2)),
                    note: None,
                },
                _ => Command::Finish {
                    counter: c,
                    result: ServiceResult::Done,
                    missing: vec![],
                },
            };
            ok(&mut e, &done, secs + 60);
            agree(&e, &format!("round {round} done"));
        }
        secs += 120;
    }
    let pause = Command::Pause {
        counter: CounterNo(3),
        reason: PauseReason::Break,
    };
    ok(&mut e, &pause, secs);
    agree(&e, "a counter paused");
    ok(
        &mut e,
        &Command::SignOut {
            counter: CounterNo(6),
        },
        secs + 1,
    );
    agree(&e, "a counter signed out");
}
