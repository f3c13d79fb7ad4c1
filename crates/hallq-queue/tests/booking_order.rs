//! The booked customer's bounded head start (issue 15 §3, docs/booking.md "The ordering rule"),
//! over random days: walk-ins (ordinary and priority) and on-time check-ins of booked customers
//! arrive at random times and one counter calls them. Checked against a model written here:
//! - call-next takes the ticket the rule says (queue time `min(check-in, start − H)` less the
//!   priority head start, then issue order);
//! - no walk-in is ever overtaken by a booked ticket by more than the bound: a booked ticket
//!   called while an earlier walk-in waits was issued at most `late + H` (plus its priority's
//!   head start) after it, and the walk-in's wait began after the booked time less `H`;
//! - a check-in later than `late` after the slot's start is refused (it is a walk-in) and
//!   changes nothing; no ticket is lost or called twice;
//! - replaying the events rebuilds the same queue.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use common::{DAY, at, clerk, code, small_hall};
use hallq_proto::{Lang, Priority, PriorityReason, ServiceResult, TicketId, Timestamp};
use hallq_queue::{
    BookedSlot, Command, Engine, Event, EventKind as E, Expected, QueueConfig, QueueError,
};
use proptest::prelude::*;

const MIN: i64 = 60_000;

#[derive(Debug, Clone)]
enum Op {
    /// A walk-in takes a ticket.
    Walk(Priority),
    /// A booked customer checks in for a slot starting `start_off` minutes from now.
    Booked { start_off: i64, priority: Priority },
    /// The counter finishes whoever it serves and calls the next.
    Serve,
}

fn priority() -> impl Strategy<Value = Priority> {
    prop_oneof![
        6 => Just(Priority::Ordinary),
        1 => Just(Priority::Care),
        1 => Just(Priority::GreenChannel),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => priority().prop_map(Op::Walk),
        3 => (-45i64..90, priority()).prop_map(|(start_off, priority)| Op::Booked { start_off, priority }),
        4 => Just(Op::Serve),
    ]
}

/// What the model knows of a ticket.
#[derive(Debug, Clone)]
struct Model {
    serial: usize,
    issued: Timestamp,
    priority: Priority,
    /// The slot's start, for a booked ticket.
    booked: Option<Timestamp>,
}

fn head_start_ms(cfg: &QueueConfig, p: Priority) -> i64 {
    cfg.priority.head_start_ms(p)
}

struct Day {
    engine: Engine,
    events: Vec<Event>,
    waiting: BTreeMap<TicketId, Model>,
    called: Vec<TicketId>,
    issued: usize,
    head_start_min: u32,
    late_min: u32,
}

impl Day {
    fn new(head_start_min: u32, late_min: u32) -> Self {
        let mut engine = Engine::new(small_hall()).unwrap();
        let mut events = engine.apply(&Command::OpenDay { day: DAY }, at(0)).unwrap();
        let sign_in = Command::SignIn {
            counter: hallq_proto::CounterNo(1),
            staff: clerk(1),
        };
        events.extend(engine.apply(&sign_in, at(0)).unwrap());
        Self {
            engine,
            events,
            waiting: BTreeMap::new(),
            called: Vec::new(),
            issued: 0,
            head_start_min,
            late_min,
        }
    }

    /// The model's order of a waiting ticket.
    fn order(&self, m: &Model) -> (i64, usize) {
        let h = i64::from(self.head_start_min) * MIN;
        let since = m.booked.map_or(m.issued.0, |s| m.issued.0.min(s.0 - h));
        (
            since - head_start_ms(self.engine.config(), m.priority),
            m.serial,
        )
    }

    fn issue(
        &mut self,
        now: Timestamp,
        priority: Priority,
        booked: Option<Timestamp>,
    ) -> Result<(), TestCaseError> {
        let reason = (priority == Priority::Care).then_some(PriorityReason::Elderly);
        let cmd = match booked {
            None => Command::IssueTicket {
                business: code("basic"),
                priority,
                reason,
                granted_by: None,
                lang: Lang::Zh,
                notify: false,
                visit: None,
                tier: None,
            },
            Some(start) => Command::IssueBooked {
                business: code("basic"),
                slot: BookedSlot {
                    start,
                    head_start_min: self.head_start_min,
                    late_min: self.late_min,
                },
                priority,
                reason,
                lang: Lang::Zh,
                visit: None,
            },
        };
        let late = booked.is_some_and(|s| now.0 > s.0 + i64::from(self.late_min) * MIN);
        let before = self.engine.waiting(&code("basic")).len();
        match self.engine.apply(&cmd, now) {
            Err(e) => {
                // Only a late check-in (or a full number range) is refused; nothing changes.
                prop_assert_eq!(self.engine.waiting(&code("basic")).len(), before);
                prop_assert!(
                    late || matches!(e, QueueError::NumbersExhausted(_)),
                    "refused at {now:?}: {cmd:?}: {e}"
                );
            }
            Ok(events) => {
                prop_assert!(!late, "a late check-in was queued as booked");
                let id = events
                    .iter()
                    .find_map(|e| match &e.kind {
                        E::TicketIssued {
                            ticket, booked: b, ..
                        } => Some((ticket.clone(), b.map(|b| b.start))),
                        _ => None,
                    })
                    .unwrap();
                prop_assert_eq!(id.1, booked);
                self.issued += 1;
                let m = Model {
                    serial: self.issued,
                    issued: now,
                    priority,
                    booked,
                };
                self.waiting.insert(id.0, m);
                self.events.extend(events);
            }
        }
        Ok(())
    }

    fn serve(&mut self, now: Timestamp) -> Result<(), TestCaseError> {
        let c = hallq_proto::CounterNo(1);
        for cmd in [
            Command::StartService { counter: c },
            Command::Finish {
                counter: c,
                result: ServiceResult::Done,
                missing: vec![],
            },
        ] {
            if let Ok(events) = self.engine.apply(&cmd, now) {
                self.events.extend(events);
            }
        }
        let expected = self
            .waiting
            .iter()
            .min_by_key(|(_, m)| self.order(m))
            .map(|(id, _)| id.clone());
        let events = self.engine.apply(&Command::CallNext { counter: c }, now);
        let called = events.as_ref().ok().and_then(|events| {
            events.iter().find_map(|e| match &e.kind {
                E::TicketCalled { ticket, .. } => Some(ticket.clone()),
                _ => None,
            })
        });
        prop_assert_eq!(
            &called,
            &expected,
            "call-next took another ticket than the rule's"
        );
        let Some(id) = called else { return Ok(()) };
        self.events.extend(events.unwrap());
        let x = self.waiting.remove(&id).unwrap();
        prop_assert!(!self.called.contains(&id), "{id} called twice");
        self.called.push(id);
        // The bound: every walk-in still waiting that came before the called ticket.
        let h = i64::from(self.head_start_min) * MIN;
        let late = i64::from(self.late_min) * MIN;
        let p = head_start_ms(self.engine.config(), x.priority);
        for w in self
            .waiting
            .values()
            .filter(|w| w.booked.is_none() && w.issued < x.issued)
        {
            let pw = head_start_ms(self.engine.config(), w.priority);
            let gained = x.issued.0 - w.issued.0;
            match x.booked {
                Some(start) => {
                    prop_assert!(
                        gained <= late + h + p - pw,
                        "booked overtook a walk-in by {gained} ms"
                    );
                    // Overtaken by the booking only if the walk-in came after the booked time
                    // less the head start; otherwise by priority alone, within its own bound.
                    prop_assert!(
                        w.issued.0 - pw > start.0 - h - p || gained < p - pw,
                        "overtook a walk-in who came before its booked time less the head start"
                    );
                }
                None => prop_assert!(gained <= p - pw, "walk-in overtook by {gained} ms"),
            }
        }
        Ok(())
    }

    fn replay_agrees(&self) -> Result<(), TestCaseError> {
        let mut again = Engine::new(small_hall()).unwrap();
        for e in &self.events {
            again.replay(e);
        }
        let ids = |e: &Engine| -> Vec<(TicketId, i64)> {
            e.waiting(&code("basic"))
                .iter()
                .map(|t| (t.id.clone(), t.key))
                .collect()
        };
        prop_assert_eq!(ids(&again), ids(&self.engine));
        let mut live: Vec<_> = self.waiting.keys().cloned().collect();
        let mut queued: Vec<_> = ids(&self.engine).into_iter().map(|(id, _)| id).collect();
        live.sort();
        queued.sort();
        prop_assert_eq!(live, queued, "a ticket was lost from the queue");
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_walk_in_is_overtaken_by_a_booking_beyond_the_bound(
        head_start_min in 0u32..=60,
        late_min in 0u32..=30,
        ops in prop::collection::vec((op(), 0i64..6 * MIN), 1..120),
    ) {
        let mut day = Day::new(head_start_min, late_min);
        let mut now = at(60);
        for (op, dt) in &ops {
            now = Timestamp(now.0 + dt);
            match op {
                Op::Walk(p) => day.issue(now, *p, None)?,
                Op::Booked { start_off, priority } => {
                    day.issue(now, *priority, Some(Timestamp(now.0 + start_off * MIN)))?;
                }
                Op::Serve => day.serve(now)?,
            }
        }
        day.replay_agrees()?;
    }
}

#[test]
fn a_booked_customer_goes_ahead_of_walk_ins_who_came_after_the_booked_time_less_the_head_start() {
    let mut day = Day::new(10, 15);
    let start = at(60 * 60);
    // 08:45 walk-in: came before 09:50 (the slot's 10:00 less 10): stays ahead.
    day.issue(at(45 * 60), Priority::Ordinary, None).unwrap();
    // 09:52 walk-in, then the booked customer checks in at 09:55.
    day.issue(at(52 * 60), Priority::Ordinary, None).unwrap();
    day.issue(at(55 * 60), Priority::Ordinary, Some(start))
        .unwrap();
    let order: Vec<bool> = day
        .engine
        .waiting(&code("basic"))
        .iter()
        .map(|t| t.booked.is_some())
        .collect();
    assert_eq!(order, vec![false, true, false]);
    // Late: 10:16 is refused as booked (the hub issues a walk-in's ticket instead).
    let late = Command::IssueBooked {
        business: code("basic"),
        slot: BookedSlot {
            start,
            head_start_min: 10,
            late_min: 15,
        },
        priority: Priority::Ordinary,
        reason: None,
        lang: Lang::Zh,
        visit: None,
    };
    assert!(day.engine.apply(&late, at(76 * 60)).is_err());
    // A head start beyond the bound is refused whatever the caller says.
    let unbounded = Command::IssueBooked {
        business: code("basic"),
        slot: BookedSlot {
            start,
            head_start_min: 61,
            late_min: 15,
        },
        priority: Priority::Ordinary,
        reason: None,
        lang: Lang::Zh,
        visit: None,
    };
    assert!(day.engine.apply(&unbounded, at(55 * 60)).is_err());
}

#[test]
fn a_walk_in_s_estimate_counts_the_bookings_due_before_it() {
    let mut day = Day::new(10, 15);
    day.issue(at(50 * 60), Priority::Ordinary, None).unwrap();
    let id = day.waiting.keys().next().unwrap().clone();
    let basic = |e: &Engine| {
        e.services()
            .into_iter()
            .find(|s| s.business == code("basic"))
            .unwrap()
            .estimated_wait_min
    };
    assert_eq!(day.engine.wait_of(&id), (0, Some(0)));
    let without = basic(&day.engine);
    // One booked customer queued from 09:45 (before the walk-in of 09:50) has not come yet, and
    // one from 09:55 (after it).
    day.engine.set_expected(Expected {
        at: at(52 * 60),
        queue_at: BTreeMap::from([(code("basic"), vec![at(45 * 60), at(55 * 60)])]),
    });
    let (ahead, estimate) = day.engine.wait_of(&id);
    assert_eq!(ahead, 0, "people ahead are tickets only");
    assert!(estimate.unwrap() > 0, "the booking due before it counts");
    assert!(
        basic(&day.engine) > without,
        "and before a ticket taken now"
    );
    // A ticket taken at 09:52 has the walk-in and the 09:45 booking before it, not the 09:55 one.
    let one_more = day.engine.clone();
    day.issue(at(52 * 60), Priority::Ordinary, None).unwrap();
    let second = day.waiting.keys().find(|t| **t != id).unwrap().clone();
    assert_eq!(basic(&one_more), day.engine.wait_of(&second).1);
    // Once nobody is expected (checked in, or a no-show), the estimate is the queue's alone.
    day.engine.set_expected(Expected::default());
    assert_eq!(day.engine.wait_of(&id), (0, Some(0)));
}
