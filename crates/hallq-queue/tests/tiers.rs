//! Customer value tiers (issue 16 §4, hallq_queue::tiers): the tier's bounded head start, its
//! ratio and its counters, over random days and in known cases. Checked against a model written
//! here, from the events alone:
//! - the bound: call-next never takes a ticket ahead of one it may serve that has been queued
//!   longer than the taken ticket's head starts (priority's and the tier's) allow;
//! - the ratio: never more than `ratio` calls in a row from a queue go to tickets ahead only by
//!   their tier while a ticket they overtook waits;
//! - a tier's counters: its tickets are called nowhere else, and a counter with someone it may
//!   serve waiting never hears "nobody is waiting";
//! - replaying the events (through their JSON) rebuilds the same queues; a journal written
//!   before tiers replays as it did.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use common::{DAY, at, clerk, code, small_hall, tid};
use hallq_proto::{CounterNo, Lang, LocalText, Priority, PriorityReason, ServiceResult, TicketId};
use hallq_queue::tiers::{TierMark, ValueTier};
use hallq_queue::{Command, Engine, Event, EventKind as E, QueueConfig, QueueError};
use proptest::prelude::*;

const MIN: i64 = 60_000;

/// Three tiers: one with a ratio of 2, one served only at counters 2 and 3 with a ratio of 1,
/// one with a head start and no ratio.
fn tiered_hall() -> QueueConfig {
    let tier = |level, head_start_min, ratio, counters: &[u16]| ValueTier {
        level,
        name: LocalText::new(format!("{level}星"), format!("{level} stars")),
        greeting: LocalText::new("您好", "Welcome"),
        answer_target_min: 10,
        head_start_min,
        ratio,
        counters: counters.iter().map(|&n| CounterNo(n)).collect(),
    };
    QueueConfig {
        tiers: vec![
            tier(3, 5, 0, &[]),
            tier(5, 10, 2, &[]),
            tier(7, 20, 1, &[2, 3]),
        ],
        ..small_hall()
    }
}

fn issue(business: &str, priority: Priority, tier: Option<u8>) -> Command {
    Command::IssueTicket {
        business: code(business),
        priority,
        reason: (priority == Priority::Care).then_some(PriorityReason::Elderly),
        granted_by: None,
        lang: Lang::Zh,
        notify: false,
        visit: None,
        tier,
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// A customer takes a ticket of business 0–2, with a priority and maybe a tier.
    Take(usize, Priority, Option<u8>),
    /// Counter 1–3 finishes whoever it serves and calls the next.
    Serve(u16),
    /// Minutes pass.
    Wait(i64),
}

fn op() -> impl Strategy<Value = Op> {
    let priority = prop_oneof![
        6 => Just(Priority::Ordinary),
        1 => Just(Priority::Care),
        1 => Just(Priority::GreenChannel),
    ];
    let tier = prop_oneof![
        4 => Just(None),
        1 => Just(Some(3)),
        2 => Just(Some(5)),
        2 => Just(Some(7)),
    ];
    prop_oneof![
        5 => (0usize..3, priority, tier).prop_map(|(b, p, t)| Op::Take(b, p, t)),
        4 => (1u16..=3).prop_map(Op::Serve),
        2 => (1i64..12).prop_map(Op::Wait),
    ]
}

/// A waiting ticket as the model sees it.
#[derive(Debug, Clone)]
struct Waiting {
    business: String,
    serial: usize,
    issued: i64,
    /// Priority's head start, ms.
    priority_hs: i64,
    tier: Option<TierMark>,
}

impl Waiting {
    fn tier_hs(&self) -> i64 {
        self.tier.map_or(0, |m| m.head_start_ms())
    }
    /// Queue order with every head start.
    fn key(&self) -> (i64, usize) {
        (self.issued - self.priority_hs - self.tier_hs(), self.serial)
    }
    /// Queue order without the tier's.
    fn base(&self) -> (i64, usize) {
        (self.issued - self.priority_hs, self.serial)
    }
}

/// The model: what waits, and the calls in a row won by a tier per business type.
struct Model {
    cfg: QueueConfig,
    waiting: BTreeMap<TicketId, Waiting>,
    streak: BTreeMap<String, u32>,
    serial: usize,
}

impl Model {
    fn served_at(&self, w: &Waiting, counter: CounterNo) -> bool {
        w.tier
            .and_then(|m| self.cfg.tier(m.level))
            .is_none_or(|t| t.served_at(counter))
    }

    /// Whether `counter` may serve anyone waiting.
    fn has_work(&self, counter: CounterNo) -> bool {
        let skills = &self.cfg.counter(counter).unwrap().skills;
        self.waiting
            .values()
            .any(|w| skills.iter().any(|b| b.as_str() == w.business) && self.served_at(w, counter))
    }

    fn apply(&mut self, e: &Event) -> Result<(), TestCaseError> {
        match &e.kind {
            E::TicketIssued {
                ticket,
                business,
                priority,
                tier,
                ..
            } => {
                self.serial += 1;
                let priority_hs = self.cfg.priority.head_start_ms(*priority);
                let w = Waiting {
                    business: business.to_string(),
                    serial: self.serial,
                    issued: e.at_ms.0,
                    priority_hs,
                    tier: *tier,
                };
                self.waiting.insert(ticket.clone(), w);
            }
            E::TicketCalled {
                ticket,
                counter,
                recall: 0,
                by_hand: false,
                ..
            } => {
                let p = self.waiting.remove(ticket).unwrap();
                let ratio = p
                    .tier
                    .and_then(|m| self.cfg.tier(m.level))
                    .map_or(0, |t| t.ratio);
                // Its tier's counters.
                prop_assert!(
                    self.served_at(&p, *counter),
                    "{ticket:?} called at {counter}"
                );
                let rivals: Vec<&Waiting> = self
                    .waiting
                    .values()
                    .filter(|o| o.business == p.business && self.served_at(o, *counter))
                    .collect();
                // The bound: nobody it may serve was queued longer before it than its head
                // starts allow.
                for o in &rivals {
                    let used = p.issued - o.issued;
                    prop_assert!(
                        o.key() > p.key() || o.base() > p.base(),
                        "{ticket:?} went before a ticket queued ahead of it"
                    );
                    prop_assert!(
                        used <= p.priority_hs + p.tier_hs(),
                        "{ticket:?} took a head start of {used} ms"
                    );
                }
                // The ratio.
                let overtook = p.tier_hs() > 0
                    && rivals
                        .iter()
                        .any(|o| o.tier_hs() == 0 && o.key() < p.base());
                let streak = self.streak.entry(p.business.clone()).or_default();
                if overtook {
                    prop_assert!(
                        ratio == 0 || *streak < ratio,
                        "{ticket:?}: {} calls in a row won by a tier, ratio {ratio}",
                        *streak + 1
                    );
                    *streak += 1;
                } else {
                    *streak = 0;
                }
            }
            E::TicketClosed { ticket, .. } | E::TicketCancelled { ticket, .. } => {
                self.waiting.remove(ticket);
            }
            _ => {}
        }
        Ok(())
    }
}

/// The hall open with the three counters staffed.
fn opened(cfg: QueueConfig) -> (Engine, Vec<Event>) {
    let mut e = Engine::new(cfg).unwrap();
    let mut events = e.apply(&Command::OpenDay { day: DAY }, at(0)).unwrap();
    for n in 1..=3 {
        let cmd = Command::SignIn {
            counter: CounterNo(n),
            staff: clerk(n),
        };
        events.extend(e.apply(&cmd, at(0)).unwrap());
    }
    (e, events)
}

fn waiting_ids(e: &Engine, cfg: &QueueConfig) -> Vec<Vec<TicketId>> {
    cfg.business
        .iter()
        .map(|b| e.waiting(&b.code).iter().map(|t| t.id.clone()).collect())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn tiers_keep_the_bound_the_ratio_and_their_counters(ops in prop::collection::vec(op(), 1..160)) {
        let cfg = tiered_hall();
        let (mut engine, mut journal) = opened(cfg.clone());
        let mut model = Model { cfg: cfg.clone(), waiting: BTreeMap::new(), streak: BTreeMap::new(), serial: 0 };
        let mut now = 60_000i64;
        let businesses = ["consult", "basic", "complex"];
        for op in &ops {
            let mut events = Vec::new();
            match op {
                Op::Take(b, p, t) => {
                    // The small hall's short number ranges run out: a refusal changes nothing.
                    match engine.apply(&issue(businesses[*b], *p, *t), at(now / 1000)) {
                        Ok(ev) => events.extend(ev),
                        Err(QueueError::NumbersExhausted(_)) => {}
                        Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
                    }
                }
                Op::Serve(n) => {
                    let counter = CounterNo(*n);
                    let t = at(now / 1000);
                    if let Ok(ev) = engine.apply(&Command::StartService { counter }, t) {
                        events.extend(ev);
                    }
                    let finish = Command::Finish {
                        counter,
                        result: ServiceResult::Done,
                        missing: vec![],
                    };
                    if let Ok(ev) = engine.apply(&finish, t) {
                        events.extend(ev);
                    }
                    let had_work = model.has_work(counter);
                    match engine.apply(&Command::CallNext { counter }, t) {
                        Ok(ev) => events.extend(ev),
                        Err(QueueError::NothingWaiting(_)) => {
                            prop_assert!(!had_work, "counter {} found nobody, but someone it serves waits", n);
                        }
                        Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
                    }
                }
                Op::Wait(m) => now += m * MIN,
            }
            for e in &events {
                model.apply(e)?;
            }
            journal.extend(events);
            now += 1000;
        }
        // The journal rebuilds the same queues.
        let json = serde_json::to_string(&journal).unwrap();
        let back: Vec<Event> = serde_json::from_str(&json).unwrap();
        let mut replayed = Engine::new(cfg.clone()).unwrap();
        for e in &back {
            replayed.replay(e);
        }
        prop_assert_eq!(waiting_ids(&replayed, &cfg), waiting_ids(&engine, &cfg));
        for n in 1..=3 {
            let c = CounterNo(n);
            prop_assert_eq!(
                replayed.peek_next(c).map(|t| t.id.clone()),
                engine.peek_next(c).map(|t| t.id.clone())
            );
        }
    }
}

/// Counter 1 only (the others never call) serves `basic`.
fn one_counter(cfg: QueueConfig) -> Engine {
    let (mut e, _) = opened(cfg);
    for n in 2..=3 {
        let c = CounterNo(n);
        e.apply(&Command::CloseCounter { counter: c }, at(0))
            .unwrap();
    }
    e
}

fn call_next(e: &mut Engine, counter: u16, secs: i64) -> TicketId {
    let counter = CounterNo(counter);
    let _ = e.apply(&Command::StartService { counter }, at(secs));
    let finish = Command::Finish {
        counter,
        result: ServiceResult::Done,
        missing: vec![],
    };
    let _ = e.apply(&finish, at(secs));
    let events = e.apply(&Command::CallNext { counter }, at(secs)).unwrap();
    events
        .iter()
        .find_map(|ev| match &ev.kind {
            E::TicketCalled { ticket, .. } => Some(ticket.clone()),
            _ => None,
        })
        .unwrap()
}

#[test]
fn a_tier_goes_ahead_within_its_head_start_and_never_beyond() {
    let mut e = one_counter(tiered_hall());
    // 1: ordinary at 0; 2: five stars (10 min) at 9 min: ahead of 1; 3: five stars at 25 min:
    // behind 1, who has waited longer than 10 min.
    e.apply(&issue("basic", Priority::Ordinary, None), at(0))
        .unwrap();
    e.apply(&issue("basic", Priority::Ordinary, Some(5)), at(9 * 60))
        .unwrap();
    e.apply(&issue("basic", Priority::Ordinary, Some(5)), at(25 * 60))
        .unwrap();
    let order: Vec<_> = e
        .waiting(&code("basic"))
        .iter()
        .map(|t| t.id.clone())
        .collect();
    assert_eq!(order, vec![tid(2), tid(1), tid(3)]);
}

#[test]
fn the_ratio_gives_the_overtaken_the_call_after_ratio_tier_calls() {
    let mut e = one_counter(tiered_hall());
    // An ordinary ticket, then four five-star tickets a minute later each: all ahead of it by
    // their head start; ratio 2: two of them, then the ordinary one, then two more.
    e.apply(&issue("basic", Priority::Ordinary, None), at(0))
        .unwrap();
    for m in 1..=4 {
        e.apply(&issue("basic", Priority::Ordinary, Some(5)), at(m * 60))
            .unwrap();
    }
    let calls: Vec<_> = (0..5).map(|i| call_next(&mut e, 1, 600 + i)).collect();
    assert_eq!(calls, vec![tid(2), tid(3), tid(1), tid(4), tid(5)]);
}

#[test]
fn a_tier_served_at_some_counters_waits_for_them_and_others_go_on() {
    let mut e = one_counter(tiered_hall());
    // Seven stars are served at counters 2 and 3 only: counter 1 passes them by.
    e.apply(&issue("basic", Priority::Ordinary, Some(7)), at(0))
        .unwrap();
    e.apply(&issue("basic", Priority::Ordinary, None), at(60))
        .unwrap();
    assert_eq!(call_next(&mut e, 1, 120), tid(2));
    let c1 = CounterNo(1);
    e.apply(&Command::StartService { counter: c1 }, at(150))
        .unwrap();
    let finish = Command::Finish {
        counter: c1,
        result: ServiceResult::Done,
        missing: vec![],
    };
    e.apply(&finish, at(160)).unwrap();
    let err = e
        .apply(
            &Command::CallNext {
                counter: CounterNo(1),
            },
            at(200),
        )
        .unwrap_err();
    assert!(matches!(err, QueueError::NothingWaiting(_)), "{err}");
    // By hand neither.
    let by_hand = Command::CallTicket {
        counter: CounterNo(1),
        ticket: common::tref("A001"),
    };
    assert!(matches!(
        e.apply(&by_hand, at(220)),
        Err(QueueError::NotInSkills(_))
    ));
    e.apply(
        &Command::OpenCounter {
            counter: CounterNo(2),
        },
        at(230),
    )
    .unwrap();
    assert_eq!(call_next(&mut e, 2, 240), tid(1));
}

#[test]
fn an_unknown_tier_is_refused_and_changes_nothing() {
    let mut e = one_counter(tiered_hall());
    let err = e
        .apply(&issue("basic", Priority::Ordinary, Some(4)), at(0))
        .unwrap_err();
    assert!(matches!(err, QueueError::Invalid(_)), "{err}");
    assert!(e.tickets().is_empty());
}

/// A `ticket_issued` row as a journal before tiers has it (no `tier` field), replayed under a
/// configuration with tiers: the ticket has no tier and is queued exactly as before.
#[test]
fn a_journal_from_before_tiers_replays_unchanged() {
    let old = |n: u32, secs: i64| {
        format!(
            r#"{{"at_ms":{},"type":"ticket_issued","ticket":"{}","visit":"V{DAY}-{n:04}","number":"A{n:03}","seq":{n},"business":"basic","priority":"ordinary","lang":"zh","notify":false}}"#,
            at(secs).0,
            tid(n)
        )
    };
    let rows = [
        format!(
            r#"{{"at_ms":{},"type":"day_opened","day":{}}}"#,
            at(0).0,
            DAY.0
        ),
        format!(
            r#"{{"at_ms":{},"type":"visit_started","visit":"V{DAY}-0001"}}"#,
            at(0).0
        ),
        old(1, 10),
        format!(
            r#"{{"at_ms":{},"type":"visit_started","visit":"V{DAY}-0002"}}"#,
            at(20).0
        ),
        old(2, 20),
    ];
    let events: Vec<Event> = rows
        .iter()
        .map(|r| serde_json::from_str(r).unwrap())
        .collect();
    for cfg in [small_hall(), tiered_hall()] {
        let mut e = Engine::new(cfg).unwrap();
        for ev in &events {
            e.replay(ev);
        }
        let keys: Vec<_> = e.tickets().iter().map(|t| (t.key, t.tier)).collect();
        assert_eq!(keys, vec![(at(10).0, None), (at(20).0, None)]);
    }
    // And what the engine writes for a ticket without a tier has no `tier` field either.
    let json = serde_json::to_string(&events[2]).unwrap();
    assert!(!json.contains("tier"), "{json}");
}
