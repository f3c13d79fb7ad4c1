//! Properties of the engine over thousands of random hall days.
//!
//! Each case is a few hundred random commands (kiosk, greeter, counters, evaluator, supervisor,
//! ticks, and now and then the daily reset) at random, growing times, applied to a small hall
//! whose number ranges wrap. Refusals are part of the game: they must change nothing. Every
//! property is checked against a model rebuilt from the event stream by code written here,
//! independently of the engine's own state and ordering keys.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use common::{Views, at, small_hall, views_at};
use hallq_proto::command::TicketRef;
use hallq_proto::state::{Activity, CounterState};
use hallq_proto::{
    BusinessCode, BusinessDay, ComplaintCategory, ComplaintId, CounterNo, Lang, LocalText,
    PauseReason, Priority, Score, ServiceResult, StaffNo, TicketId, TicketNo, Timestamp,
    Touchpoint, TransferTarget, VisitId,
};
use hallq_queue::{
    Command, Engine, Event, EventKind as E, QueueConfig, QueueError, TicketStatus, VisitOutcome,
    VisitRef,
};
use proptest::prelude::*;
use proptest::strategy::{Union, ValueTree};
use proptest::test_runner::{RngAlgorithm, TestCaseError, TestRng, TestRunner};

// ---------------------------------------------------------------------------------------------
// Random commands
// ---------------------------------------------------------------------------------------------

/// Which ticket a command names: one in the status the command wants (or any ticket), by its
/// id or by its printed number.
#[derive(Debug, Clone, Copy)]
struct Pick {
    any: bool,
    by_number: bool,
    n: u16,
}

/// A command in terms of indexes; the driver turns it into a real command against the state of
/// the moment, so that most commands have a chance to be accepted.
#[derive(Debug, Clone)]
enum Op {
    Issue {
        business: u8,
        priority: Priority,
        visit: u8,
    },
    Greet {
        visit: u8,
        touchpoint: Touchpoint,
    },
    SignIn {
        counter: u8,
        staff: u8,
    },
    SignOut {
        counter: u8,
    },
    Open {
        counter: u8,
    },
    Close {
        counter: u8,
    },
    Pause {
        counter: u8,
    },
    Resume {
        counter: u8,
    },
    CallNext {
        counter: u8,
    },
    CallTicket {
        counter: u8,
        pick: Pick,
    },
    Recall {
        counter: u8,
    },
    Start {
        counter: u8,
    },
    BackOffice {
        counter: u8,
        waiting: bool,
    },
    Finish {
        counter: u8,
        result: ServiceResult,
    },
    NoShow {
        counter: u8,
    },
    TransferToBusiness {
        counter: u8,
        business: u8,
    },
    TransferToCounter {
        counter: u8,
        to: u8,
    },
    Requeue {
        pick: Pick,
    },
    Cancel {
        pick: Pick,
    },
    Rate {
        counter: u8,
        score: Score,
    },
    Print {
        pick: Pick,
    },
    Complain {
        pick: Pick,
    },
    FollowUp {
        n: u8,
        resolve: bool,
    },
    Announce {
        ends_in_s: Option<u16>,
    },
    Tick,
    /// The daily reset over an open day, straight into the next day.
    OpenDay,
    /// The daily reset; the next day opens after `closed_for` more commands.
    CloseDay {
        closed_for: u8,
    },
}

/// A command and the time that passes before it.
#[derive(Debug, Clone)]
struct Step {
    dt_ms: i64,
    op: Op,
}

const COUNTERS: [CounterNo; 4] = [CounterNo(1), CounterNo(2), CounterNo(3), CounterNo(9)];
const BUSINESS: [&str; 4] = ["consult", "basic", "complex", "lottery"];

/// A counter: 1, 2, 3, the unknown 9 now and then, or (`SMART`) one where the command makes
/// sense, so that the hall moves on rather than drowning in refusals.
fn counter_ix() -> impl Strategy<Value = u8> {
    prop_oneof![12 => Just(SMART), 8 => 0u8..3, 1 => Just(3u8)]
}

const SMART: u8 = 4;

fn business_ix() -> impl Strategy<Value = u8> {
    prop_oneof![30 => 0u8..3, 1 => Just(3u8)]
}

fn priority() -> impl Strategy<Value = Priority> {
    prop_oneof![
        6 => Just(Priority::Ordinary),
        1 => Just(Priority::GreenChannel),
        2 => Just(Priority::Care),
    ]
}

fn pick() -> impl Strategy<Value = Pick> {
    (prop::bool::weighted(0.15), any::<bool>(), any::<u16>()).prop_map(|(any, by_number, n)| Pick {
        any,
        by_number,
        n,
    })
}

fn op() -> impl Strategy<Value = Op> {
    let c = counter_ix;
    let arms: Vec<(u32, BoxedStrategy<Op>)> = vec![
        (
            80,
            (business_ix(), priority(), 0u8..10)
                .prop_map(|(business, priority, visit)| Op::Issue {
                    business,
                    priority,
                    visit,
                })
                .boxed(),
        ),
        (
            6,
            (
                0u8..10,
                prop::sample::select(vec![
                    Touchpoint::Wandering,
                    Touchpoint::Consultation,
                    Touchpoint::ProductExperience,
                    Touchpoint::SelfService,
                ]),
            )
                .prop_map(|(visit, touchpoint)| Op::Greet { visit, touchpoint })
                .boxed(),
        ),
        (
            30,
            (c(), 0u8..4)
                .prop_map(|(counter, staff)| Op::SignIn { counter, staff })
                .boxed(),
        ),
        (2, c().prop_map(|counter| Op::SignOut { counter }).boxed()),
        (3, c().prop_map(|counter| Op::Open { counter }).boxed()),
        (2, c().prop_map(|counter| Op::Close { counter }).boxed()),
        (3, c().prop_map(|counter| Op::Pause { counter }).boxed()),
        (6, c().prop_map(|counter| Op::Resume { counter }).boxed()),
        (80, c().prop_map(|counter| Op::CallNext { counter }).boxed()),
        (
            10,
            (c(), pick())
                .prop_map(|(counter, pick)| Op::CallTicket { counter, pick })
                .boxed(),
        ),
        (16, c().prop_map(|counter| Op::Recall { counter }).boxed()),
        (60, c().prop_map(|counter| Op::Start { counter }).boxed()),
        (
            6,
            (c(), any::<bool>())
                .prop_map(|(counter, waiting)| Op::BackOffice { counter, waiting })
                .boxed(),
        ),
        (
            60,
            (
                c(),
                prop::sample::select(vec![
                    ServiceResult::Done,
                    ServiceResult::Done,
                    ServiceResult::NeedsDocuments,
                    ServiceResult::Failed,
                    ServiceResult::Sale,
                ]),
            )
                .prop_map(|(counter, result)| Op::Finish { counter, result })
                .boxed(),
        ),
        (16, c().prop_map(|counter| Op::NoShow { counter }).boxed()),
        (
            8,
            (c(), business_ix())
                .prop_map(|(counter, business)| Op::TransferToBusiness { counter, business })
                .boxed(),
        ),
        (
            6,
            (c(), c())
                .prop_map(|(counter, to)| Op::TransferToCounter { counter, to })
                .boxed(),
        ),
        (10, pick().prop_map(|pick| Op::Requeue { pick }).boxed()),
        (8, pick().prop_map(|pick| Op::Cancel { pick }).boxed()),
        (
            20,
            (
                c(),
                prop::sample::select(vec![
                    Score::VerySatisfied,
                    Score::Satisfied,
                    Score::Neutral,
                    Score::Dissatisfied,
                ]),
            )
                .prop_map(|(counter, score)| Op::Rate { counter, score })
                .boxed(),
        ),
        (3, pick().prop_map(|pick| Op::Print { pick }).boxed()),
        (2, pick().prop_map(|pick| Op::Complain { pick }).boxed()),
        (
            2,
            (any::<u8>(), any::<bool>())
                .prop_map(|(n, resolve)| Op::FollowUp { n, resolve })
                .boxed(),
        ),
        (
            2,
            prop::option::of(0u16..3600)
                .prop_map(|ends_in_s| Op::Announce { ends_in_s })
                .boxed(),
        ),
        (24, Just(Op::Tick).boxed()),
        (1, Just(Op::OpenDay).boxed()),
        (
            1,
            (0u8..12)
                .prop_map(|closed_for| Op::CloseDay { closed_for })
                .boxed(),
        ),
    ];
    Union::new_weighted(arms)
}

fn dt_ms() -> impl Strategy<Value = i64> {
    prop_oneof![
        2 => Just(0i64),
        10 => 1i64..20_000,
        5 => 20_000i64..120_000,
        1 => 120_000i64..900_000,
    ]
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (dt_ms(), op()).prop_map(|(dt_ms, op)| Step { dt_ms, op }),
        200..=400,
    )
}

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

/// Runs one random hall: the engine, the hub's clock, and the journal so far.
struct Driver {
    engine: Engine,
    now: Timestamp,
    /// The next business day to open.
    next_day: u32,
    /// Today's visits, for greeters and tickets that join one.
    visits: Vec<VisitId>,
    /// Complaints opened so far, for follow-ups (resolved ones stay: a refusal then).
    complaints: Vec<ComplaintId>,
    /// Every event, in order: the journal.
    log: Vec<Event>,
    /// Commands left until a closed hall opens its next day.
    reopen_in: Option<u8>,
}

impl Driver {
    fn new() -> Self {
        Self {
            engine: Engine::new(small_hall()).unwrap(),
            now: at(0),
            next_day: 20260105,
            visits: Vec::new(),
            complaints: Vec::new(),
            log: Vec::new(),
            reopen_in: None,
        }
    }

    fn config(&self) -> &QueueConfig {
        self.engine.config()
    }

    fn ticket_ref(&self, pick: Pick, wanted: impl Fn(TicketStatus) -> bool) -> TicketRef {
        let all = self.engine.tickets();
        let fitting: Vec<_> = all.iter().filter(|t| wanted(t.status)).collect();
        let pool: Vec<_> = if pick.any || fitting.is_empty() {
            all.iter().collect()
        } else {
            fitting
        };
        match pool.get(usize::from(pick.n) % pool.len().max(1)) {
            None => TicketRef("Z999".into()),
            Some(t) if pick.by_number => TicketRef(t.number.0.clone()),
            Some(t) => TicketRef(t.id.as_str().to_owned()),
        }
    }

    fn visit(&self, n: u8) -> Option<VisitId> {
        match n {
            0..=5 => None,
            9 => Some(VisitId::new("V20250101-0001").unwrap()),
            _ => self
                .visits
                .get(usize::from(n) * 7919 % self.visits.len().max(1))
                .cloned(),
        }
    }

    /// Counter `ix`; for [`SMART`], the first counter (from a varying start) in the state the
    /// command needs.
    fn counter(&self, ix: u8, fits: impl Fn(&CounterState) -> bool) -> CounterNo {
        if ix != SMART {
            return COUNTERS[usize::from(ix)];
        }
        let n = self.log.len();
        (0..3)
            .map(|i| COUNTERS[(n + i) % 3])
            .find(|&c| self.engine.counter_state(c).is_some_and(|s| fits(&s)))
            .unwrap_or(COUNTERS[n % 3])
    }

    fn command(&mut self, op: &Op) -> Command {
        match op {
            Op::OpenDay => {
                self.next_day += 1;
                Command::OpenDay {
                    day: BusinessDay(self.next_day),
                }
            }
            Op::CloseDay { closed_for } => {
                self.reopen_in = Some(*closed_for);
                Command::CloseDay
            }
            _ => self.plain_command(op),
        }
    }

    fn plain_command(&self, op: &Op) -> Command {
        let b = |i: &u8| BusinessCode::new(BUSINESS[usize::from(*i)]).unwrap();
        let idle = |s: &CounterState| s.open && s.staff.is_some() && s.activity == Activity::Idle;
        let calling = |s: &CounterState| matches!(s.activity, Activity::Calling(_));
        let serving = |s: &CounterState| matches!(s.activity, Activity::Serving { .. });
        let busy = |s: &CounterState| calling(s) || serving(s);
        match op {
            Op::Issue {
                business,
                priority,
                visit,
            } => Command::IssueTicket {
                business: b(business),
                priority: *priority,
                reason: None,
                granted_by: None,
                lang: Lang::Zh,
                notify: false,
                visit: self.visit(*visit),
                tier: None,
            },
            Op::Greet { visit, touchpoint } => Command::Touch {
                visit: match self.visit(*visit) {
                    Some(v) => VisitRef::Existing(v),
                    None if *visit == 0 => VisitRef::Anonymous,
                    None => VisitRef::New,
                },
                touchpoint: *touchpoint,
                business: None,
                resolved: None,
                count: None,
                what: "greeter".into(),
            },
            Op::SignIn { counter, staff } => Command::SignIn {
                counter: self.counter(*counter, |s| s.staff.is_none()),
                staff: StaffNo::new(format!("s{staff}")).unwrap(),
            },
            Op::SignOut { counter } => Command::SignOut {
                counter: self.counter(*counter, |s| s.staff.is_some() && !busy(s)),
            },
            Op::Open { counter } => Command::OpenCounter {
                counter: self.counter(*counter, |s| s.staff.is_some() && !s.open),
            },
            Op::Close { counter } => Command::CloseCounter {
                counter: self.counter(*counter, |s| s.open && !busy(s)),
            },
            Op::Pause { counter } => Command::Pause {
                counter: self.counter(*counter, idle),
                reason: PauseReason::Break,
            },
            Op::Resume { counter } => Command::Resume {
                counter: self.counter(*counter, |s| matches!(s.activity, Activity::Paused { .. })),
            },
            Op::CallNext { counter } => Command::CallNext {
                counter: self.counter(*counter, idle),
            },
            Op::CallTicket { counter, pick } => Command::CallTicket {
                counter: self.counter(*counter, idle),
                ticket: self.ticket_ref(*pick, |s| s == TicketStatus::Waiting),
            },
            Op::Recall { counter } => Command::Recall {
                counter: self.counter(*counter, calling),
            },
            Op::Start { counter } => Command::StartService {
                counter: self.counter(*counter, calling),
            },
            Op::BackOffice { counter, waiting } => Command::BackOffice {
                counter: self.counter(*counter, serving),
                waiting: *waiting,
            },
            Op::Finish { counter, result } => Command::Finish {
                counter: self.counter(*counter, serving),
                result: *result,
                missing: vec![],
            },
            Op::NoShow { counter } => Command::NoShow {
                counter: self.counter(*counter, calling),
            },
            Op::TransferToBusiness { counter, business } => Command::Transfer {
                counter: self.counter(*counter, busy),
                to: TransferTarget::Business(b(business)),
                note: Some("transfer".into()),
            },
            Op::TransferToCounter { counter, to } => Command::Transfer {
                counter: self.counter(*counter, busy),
                to: TransferTarget::Counter(self.counter(*to, |s| s.open)),
                note: None,
            },
            Op::Requeue { pick } => Command::Requeue {
                ticket: self.ticket_ref(*pick, |s| s == TicketStatus::Skipped),
            },
            Op::Cancel { pick } => Command::Cancel {
                ticket: self.ticket_ref(*pick, |s| s == TicketStatus::Waiting),
            },
            Op::Rate { counter, score } => Command::Rate {
                counter: self.counter(*counter, |s| s.awaiting_rating.is_some()),
                score: *score,
            },
            Op::Print { pick } => Command::PrintResult {
                ticket: TicketId::new(self.ticket_ref(*pick, |_| true).0)
                    .unwrap_or_else(|_| TicketId::new("none").unwrap()),
                ok: pick.by_number,
                reprint: pick.any,
            },
            Op::Complain { pick } => {
                let ticket = self.ticket_ref(*pick, |s| !s.is_live());
                let t = self
                    .engine
                    .tickets()
                    .iter()
                    .rev()
                    .find(|t| t.id.as_str() == ticket.0 || t.number.0 == ticket.0);
                Command::ComplaintOpen {
                    category: if pick.any {
                        ComplaintCategory::Complex
                    } else {
                        ComplaintCategory::General
                    },
                    summary: "waited too long".into(),
                    visit: t.map(|t| t.visit.clone()),
                    ticket: Some(ticket),
                    business: t.map(|t| t.business.clone()),
                    responsibility: None,
                    opened_by: "supervisor".into(),
                }
            }
            Op::FollowUp { n, resolve } => {
                let complaint = self
                    .complaints
                    .get(usize::from(*n) % self.complaints.len().max(1))
                    .cloned()
                    .unwrap_or_else(|| ComplaintId::new("K20250101-001").unwrap());
                if *resolve {
                    Command::ComplaintResolve {
                        complaint,
                        resolution: "explained".into(),
                        answer: None,
                    }
                } else {
                    Command::ComplaintUpdate {
                        complaint,
                        note: "called back".into(),
                        contacted: n % 2 == 0,
                    }
                }
            }
            Op::Announce { ends_in_s } => Command::AnnouncementPost {
                id: None,
                text: LocalText::new("系统升级", "System upgrade"),
                starts_at: None,
                ends_at: ends_in_s.map(|s| self.now.plus_secs(i64::from(s))),
                where_to_ask: None,
            },
            Op::Tick => Command::Tick,
            Op::OpenDay | Op::CloseDay { .. } => unreachable!("handled by `command`"),
        }
    }

    fn apply(&mut self, cmd: &Command) -> Result<Vec<Event>, QueueError> {
        let result = self.engine.apply(cmd, self.now);
        if let Ok(events) = &result {
            for e in events {
                match &e.kind {
                    E::DayOpened { .. } => self.visits.clear(),
                    E::VisitStarted { visit } => self.visits.push(visit.clone()),
                    E::ComplaintOpened { complaint, .. } => {
                        self.complaints.push(complaint.clone());
                    }
                    _ => {}
                }
            }
            self.log.extend(events.iter().cloned());
        }
        result
    }
}

/// One property's view of a run: told of every command and its outcome, after the engine
/// applied it.
trait Check {
    fn step(
        &mut self,
        d: &Driver,
        cmd: &Command,
        result: &Result<Vec<Event>, QueueError>,
    ) -> Result<(), TestCaseError>;

    fn end(&mut self, _d: &Driver) -> Result<(), TestCaseError> {
        Ok(())
    }
}

/// Opens the first day, then runs `steps`, telling `check` of each command; a closed hall opens
/// its next day when the reset asked for it.
fn run(steps: &[Step], check: &mut impl Check) -> Result<(), TestCaseError> {
    let mut d = Driver::new();
    let mut apply = |d: &mut Driver, op: &Op| {
        let cmd = d.command(op);
        let result = d.apply(&cmd);
        check.step(d, &cmd, &result)
    };
    apply(&mut d, &Op::OpenDay)?;
    for step in steps {
        d.now = Timestamp(d.now.0 + step.dt_ms);
        match d.reopen_in {
            Some(0) if !d.engine.is_open() => {
                d.reopen_in = None;
                apply(&mut d, &Op::OpenDay)?;
            }
            Some(n) => d.reopen_in = n.checked_sub(1),
            None => {}
        }
        apply(&mut d, &step.op)?;
    }
    check.end(&d)
}

/// 256 random days per property. XorShift rather than the default ChaCha: an unoptimized
/// ChaCha in a debug build took most of the time, and these days need variety, not secrecy.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        rng_algorithm: RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

fn head_start_ms(cfg: &QueueConfig, p: Priority) -> i64 {
    let min = match p {
        Priority::Ordinary => 0,
        Priority::GreenChannel => cfg.priority.green_channel_head_start_min,
        Priority::Care => cfg.priority.care_head_start_min,
    };
    i64::from(min) * 60_000
}

// ---------------------------------------------------------------------------------------------
// No ticket lost or duplicated
// ---------------------------------------------------------------------------------------------

/// Every issued ticket is listed once; every waiting ticket is in exactly one queue; every
/// called or served ticket is at exactly one counter; nothing else is anywhere.
#[derive(Default)]
struct NothingLost {
    issued_today: Vec<TicketId>,
}

impl Check for NothingLost {
    fn step(
        &mut self,
        d: &Driver,
        _cmd: &Command,
        result: &Result<Vec<Event>, QueueError>,
    ) -> Result<(), TestCaseError> {
        for e in result.iter().flatten() {
            match &e.kind {
                E::DayOpened { .. } => self.issued_today.clear(),
                E::TicketIssued { ticket, .. } => self.issued_today.push(ticket.clone()),
                _ => {}
            }
        }
        let e = &d.engine;
        let cfg = d.config();
        let listed: Vec<TicketId> = e.tickets().iter().map(|t| t.id.clone()).collect();
        prop_assert_eq!(
            &listed,
            &self.issued_today,
            "the ticket list is the tickets issued"
        );
        let unique: HashSet<&TicketId> = listed.iter().collect();
        prop_assert_eq!(unique.len(), listed.len(), "a ticket is listed twice");

        // Where each ticket shows up: queues and counters.
        let mut places: HashMap<TicketId, Vec<String>> = HashMap::new();
        for b in &cfg.business {
            let q = e.waiting(&b.code);
            let info = e
                .queues()
                .into_iter()
                .find(|q| q.business == b.code)
                .unwrap();
            prop_assert_eq!(info.waiting as usize, q.len());
            for t in q {
                prop_assert_eq!(&t.business, &b.code);
                prop_assert_eq!(t.directed, None);
                places
                    .entry(t.id.clone())
                    .or_default()
                    .push(format!("queue {}", b.code));
            }
        }
        for c in &cfg.counters {
            let q = e.directed(c.number);
            let state = e.counter_state(c.number).unwrap();
            prop_assert_eq!(state.directed_waiting as usize, q.len());
            for t in q {
                prop_assert_eq!(t.directed, Some(c.number));
                places
                    .entry(t.id.clone())
                    .or_default()
                    .push(format!("directed to {}", c.number));
            }
            match &state.activity {
                Activity::Calling(t) | Activity::Serving { ticket: t, .. } => {
                    places
                        .entry(t.ticket.clone())
                        .or_default()
                        .push(format!("at counter {}", c.number));
                    let status = e.ticket(&t.ticket).map(|t| t.status);
                    let want = match &state.activity {
                        Activity::Calling(_) => TicketStatus::Called(c.number),
                        _ => TicketStatus::Serving(c.number),
                    };
                    prop_assert_eq!(status, Some(want), "counter {} shows {:?}", c.number, t);
                }
                Activity::Idle | Activity::Paused { .. } => {}
            }
        }
        for t in e.tickets() {
            let at = places.remove(&t.id).unwrap_or_default();
            match t.status {
                TicketStatus::Waiting | TicketStatus::Called(_) | TicketStatus::Serving(_) => {
                    prop_assert_eq!(at.len(), 1, "{} ({:?}) is at {:?}", t.number, t.status, at);
                }
                _ => prop_assert!(
                    at.is_empty(),
                    "{} ({:?}) is at {:?}",
                    t.number,
                    t.status,
                    at
                ),
            }
            if t.status == TicketStatus::Waiting {
                let want = match t.directed {
                    Some(c) => format!("directed to {c}"),
                    None => format!("queue {}", t.business),
                };
                prop_assert_eq!(&at[0], &want);
            }
        }
        prop_assert!(places.is_empty(), "unknown tickets in place: {:?}", places);
        if !e.is_open() {
            prop_assert!(
                e.tickets().iter().all(|t| !t.status.is_live()),
                "a live ticket outside the business day"
            );
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Every ticket's life is legal
// ---------------------------------------------------------------------------------------------

/// Where a ticket is in its life, from the events alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Life {
    Waiting,
    Called {
        counter: CounterNo,
        recalls: u32,
        first_at: Timestamp,
    },
    Serving {
        counter: CounterNo,
        since: Timestamp,
        back_office: bool,
    },
    Skipped,
    Served,
    Cancelled,
    Closed,
}

impl Life {
    fn status(self) -> TicketStatus {
        match self {
            Life::Waiting => TicketStatus::Waiting,
            Life::Called { counter, .. } => TicketStatus::Called(counter),
            Life::Serving { counter, .. } => TicketStatus::Serving(counter),
            Life::Skipped => TicketStatus::Skipped,
            Life::Served => TicketStatus::Served,
            Life::Cancelled => TicketStatus::Cancelled,
            Life::Closed => TicketStatus::Closed,
        }
    }
}

#[derive(Debug)]
struct VisitLife {
    ended: bool,
    last_at: Timestamp,
    tickets: Vec<TicketId>,
}

#[derive(Debug, Default, Clone)]
struct CounterLife {
    staff: Option<StaffNo>,
    open: bool,
    paused: bool,
    busy: Option<TicketId>,
    /// The ticket the evaluator waits to rate, until when, and whose rating it is.
    rating: Option<(TicketId, Timestamp, StaffNo)>,
}

/// The lifecycle of tickets, visits and counters, as a state machine over the event stream.
struct Lifecycle {
    cfg: QueueConfig,
    day: Option<BusinessDay>,
    open: bool,
    tickets: HashMap<TicketId, (Life, VisitId)>,
    issued: usize,
    visits: HashMap<VisitId, VisitLife>,
    counters: BTreeMap<CounterNo, CounterLife>,
    complaints: BTreeSet<ComplaintId>,
    /// Tickets whose last print failed: the hub does not skip them by itself.
    unprinted: BTreeSet<TicketId>,
}

impl Lifecycle {
    fn new(cfg: QueueConfig) -> Self {
        let counters = cfg
            .counters
            .iter()
            .map(|c| (c.number, CounterLife::default()))
            .collect();
        Self {
            cfg,
            day: None,
            open: false,
            tickets: HashMap::new(),
            issued: 0,
            visits: HashMap::new(),
            counters,
            complaints: BTreeSet::new(),
            unprinted: BTreeSet::new(),
        }
    }

    fn life(&self, t: &TicketId) -> Result<Life, TestCaseError> {
        match self.tickets.get(t) {
            Some((life, _)) => Ok(*life),
            None => Err(TestCaseError::fail(format!("unknown ticket {t:?}"))),
        }
    }

    fn set(&mut self, t: &TicketId, life: Life) {
        if let Some(entry) = self.tickets.get_mut(t) {
            entry.0 = life;
        }
    }

    fn counter(&mut self, c: CounterNo) -> Result<&mut CounterLife, TestCaseError> {
        self.counters
            .get_mut(&c)
            .ok_or_else(|| TestCaseError::fail(format!("unknown counter {c}")))
    }

    fn is_live(&self, t: &TicketId) -> bool {
        matches!(
            self.tickets.get(t).map(|x| x.0),
            Some(Life::Waiting | Life::Called { .. } | Life::Serving { .. })
        )
    }

    fn event(&mut self, e: &Event, cmd: &Command, batch: &[Event]) -> Result<(), TestCaseError> {
        let at = e.at_ms;
        let resetting = batch.iter().any(|e| matches!(e.kind, E::DayClosed { .. }));
        let ticking = matches!(cmd, Command::Tick);
        // Every ticket event names the ticket's own visit, and every visit event a visit of
        // today (complaints and call-backs may name an earlier day's visit).
        if let Some(t) = e.kind.ticket()
            && !matches!(e.kind, E::TicketIssued { .. } | E::ComplaintOpened { .. })
        {
            let own = self.tickets.get(t).map(|x| &x.1);
            prop_assert_eq!(own, e.kind.visit(), "{:?} names another visit", e.kind);
        }
        let complaint = matches!(
            e.kind,
            E::ComplaintOpened { .. }
                | E::ComplaintUpdated { .. }
                | E::ComplaintResolved { .. }
                | E::CallbackMade { .. }
        );
        if let Some(v) = e.kind.visit()
            && !matches!(e.kind, E::VisitStarted { .. })
        {
            let visit = self.visits.get_mut(v);
            prop_assert!(
                visit.is_some() || complaint,
                "{:?} names an unknown visit",
                e.kind
            );
            if let Some(visit) = visit {
                visit.last_at = at;
            }
        }
        match &e.kind {
            E::DayOpened { day } => {
                prop_assert!(!self.open, "a day opened over an open day");
                prop_assert!(self.day < Some(*day), "days go forward");
                self.day = Some(*day);
                self.open = true;
                self.tickets.clear();
                self.visits.clear();
                self.issued = 0;
            }
            E::DayClosed { day } => {
                prop_assert_eq!(self.day, Some(*day));
                for (t, (life, _)) in &self.tickets {
                    prop_assert!(
                        !matches!(
                            life,
                            Life::Waiting | Life::Called { .. } | Life::Serving { .. }
                        ),
                        "{:?} still live at the reset: {:?}",
                        t,
                        life
                    );
                }
                for (v, visit) in &self.visits {
                    prop_assert!(visit.ended, "visit {:?} still open at the reset", v);
                }
                for (c, counter) in &self.counters {
                    prop_assert!(
                        !counter.open && counter.staff.is_none() && counter.busy.is_none(),
                        "counter {} still working at the reset: {:?}",
                        c,
                        counter
                    );
                    prop_assert!(
                        counter.rating.is_none(),
                        "counter {}'s rating prompt vanished at the reset without an event",
                        c
                    );
                }
                self.open = false;
            }
            E::VisitStarted { visit } => {
                prop_assert!(self.open, "a visit started while the hall is closed");
                prop_assert!(!self.visits.contains_key(visit), "visit started twice");
                self.visits.insert(
                    visit.clone(),
                    VisitLife {
                        ended: false,
                        last_at: at,
                        tickets: vec![],
                    },
                );
            }
            E::VisitEnded { visit, outcome } => {
                let v = &self.visits[visit];
                prop_assert!(!v.ended, "visit {:?} ended twice", visit);
                for t in &v.tickets {
                    prop_assert!(
                        !self.is_live(t),
                        "visit {:?} ended with {:?} live",
                        visit,
                        t
                    );
                    for c in self.counters.values() {
                        prop_assert!(
                            c.rating.as_ref().is_none_or(|r| &r.0 != t),
                            "visit {:?} ended while {:?} awaits its rating",
                            visit,
                            t
                        );
                    }
                }
                prop_assert_eq!(
                    *outcome == VisitOutcome::NoTicket,
                    v.tickets.is_empty(),
                    "{:?} for a visit with tickets {:?}",
                    outcome,
                    v.tickets
                );
                if *outcome == VisitOutcome::ClosedByReset {
                    prop_assert!(resetting);
                }
                if let Some(v) = self.visits.get_mut(visit) {
                    v.ended = true;
                }
            }
            E::Touched { .. }
            | E::CallbackMade { .. }
            | E::ConfigApplied { .. }
            | E::ConfigRefused { .. }
            | E::NoticeConsented { .. }
            | E::NoticeSent { .. }
            | E::ComplaintResultSent { .. }
            | E::ComplaintResultResend { .. }
            | E::Booking { .. }
            | E::BookingHandover { .. }
            | E::Inspection { .. } => {}
            E::CallAnnounced { ticket, .. } => {
                prop_assert!(
                    self.tickets.contains_key(ticket),
                    "a call spoken of no ticket"
                );
            }
            E::TicketPrinted { ticket, ok, .. } => {
                if *ok {
                    self.unprinted.remove(ticket);
                } else {
                    self.unprinted.insert(ticket.clone());
                }
            }
            E::TicketIssued {
                ticket,
                visit,
                business,
                ..
            } => {
                prop_assert!(self.open, "a ticket issued while the hall is closed");
                prop_assert!(self.cfg.business(business).is_some());
                prop_assert!(
                    !self.tickets.contains_key(ticket),
                    "{:?} issued twice",
                    ticket
                );
                self.issued += 1;
                let day = self.day.unwrap();
                prop_assert_eq!(ticket.as_str(), format!("{day}-{:04}", self.issued));
                let v = self.visits.get_mut(visit);
                prop_assert!(v.is_some(), "ticket for unknown visit {:?}", visit);
                if let Some(v) = v {
                    v.tickets.push(ticket.clone());
                    v.ended = false;
                    v.last_at = at;
                }
                self.tickets
                    .insert(ticket.clone(), (Life::Waiting, visit.clone()));
            }
            E::TicketCalled {
                ticket,
                counter,
                staff,
                recall,
                ..
            } => {
                let life = self.life(ticket)?;
                let c = self.counter(*counter)?.clone();
                prop_assert_eq!(c.staff.as_ref(), Some(staff), "called by another clerk");
                let next = if *recall == 0 {
                    prop_assert_eq!(life, Life::Waiting, "{:?} called while not waiting", ticket);
                    prop_assert!(
                        c.open && !c.paused,
                        "counter {} not ready: {:?}",
                        counter,
                        c
                    );
                    prop_assert_eq!(c.busy, None, "counter {} called while busy", counter);
                    prop_assert!(c.rating.is_none(), "call left the rating prompt open");
                    Life::Called {
                        counter: *counter,
                        recalls: 0,
                        first_at: at,
                    }
                } else {
                    let Life::Called {
                        counter: was,
                        recalls,
                        first_at,
                    } = life
                    else {
                        return Err(TestCaseError::fail(format!(
                            "recall of {ticket:?} in {life:?}"
                        )));
                    };
                    prop_assert_eq!((was, recalls + 1), (*counter, *recall));
                    Life::Called {
                        counter: *counter,
                        recalls: *recall,
                        first_at,
                    }
                };
                self.counter(*counter)?.busy = Some(ticket.clone());
                self.set(ticket, next);
            }
            E::ServiceStarted {
                ticket,
                counter,
                staff,
                ..
            } => {
                let life = self.life(ticket)?;
                prop_assert!(
                    matches!(life, Life::Called { counter: c, .. } if c == *counter),
                    "{:?} started from {:?}",
                    ticket,
                    life
                );
                let c = self.counter(*counter)?;
                prop_assert_eq!(c.staff.as_ref(), Some(staff));
                self.set(
                    ticket,
                    Life::Serving {
                        counter: *counter,
                        since: at,
                        back_office: false,
                    },
                );
            }
            E::BackOffice {
                ticket,
                counter,
                waiting,
                ..
            } => {
                let life = self.life(ticket)?;
                let Life::Serving {
                    counter: c,
                    since,
                    back_office,
                } = life
                else {
                    return Err(TestCaseError::fail(format!("back office in {life:?}")));
                };
                prop_assert_eq!(c, *counter);
                prop_assert_ne!(back_office, *waiting, "back office mark repeated");
                self.set(
                    ticket,
                    Life::Serving {
                        counter: c,
                        since,
                        back_office: *waiting,
                    },
                );
            }
            E::ServiceFinished {
                ticket,
                counter,
                staff,
                handling_secs,
                ..
            } => {
                let life = self.life(ticket)?;
                let Life::Serving {
                    counter: c, since, ..
                } = life
                else {
                    return Err(TestCaseError::fail(format!("finish in {life:?}")));
                };
                prop_assert_eq!(c, *counter);
                prop_assert_eq!(i64::from(*handling_secs), at.secs_since(since));
                let timeout = self.cfg.rating_timeout_secs;
                let cl = self.counter(*counter)?;
                prop_assert_eq!(cl.staff.as_ref(), Some(staff));
                prop_assert!(cl.rating.is_none(), "a second rating prompt at {}", counter);
                cl.busy = None;
                cl.rating = (timeout > 0).then(|| {
                    (
                        ticket.clone(),
                        at.plus_secs(i64::from(timeout)),
                        staff.clone(),
                    )
                });
                self.set(ticket, Life::Served);
            }
            E::NoShow {
                ticket,
                counter,
                recalls,
                auto,
                ..
            } => {
                let life = self.life(ticket)?;
                let Life::Called {
                    counter: c,
                    recalls: r,
                    first_at,
                } = life
                else {
                    return Err(TestCaseError::fail(format!("no-show in {life:?}")));
                };
                prop_assert_eq!((c, r), (*counter, *recalls));
                let waited = at.secs_since(first_at);
                let rule = &self.cfg.recall;
                if *auto {
                    prop_assert!(ticking, "automatic no-show outside a tick");
                    prop_assert!(waited >= i64::from(rule.auto_no_show_after_secs));
                } else {
                    prop_assert!(
                        r >= rule.recalls_before_no_show
                            || waited >= i64::from(rule.no_show_after_secs),
                        "no-show after {} recalls and {} s",
                        r,
                        waited
                    );
                }
                self.counter(*counter)?.busy = None;
                self.set(ticket, Life::Skipped);
            }
            E::TicketTransferred {
                ticket, counter, ..
            } => {
                let life = self.life(ticket)?;
                prop_assert!(
                    matches!(
                        life,
                        Life::Called { counter: c, .. } | Life::Serving { counter: c, .. }
                            if c == *counter
                    ),
                    "{:?} transferred from {:?}",
                    ticket,
                    life
                );
                self.counter(*counter)?.busy = None;
                self.set(ticket, Life::Waiting);
            }
            E::TicketRequeued { ticket, visit } => {
                prop_assert!(self.open, "{:?} re-queued while the hall is closed", ticket);
                prop_assert_eq!(self.life(ticket)?, Life::Skipped);
                if let Some(v) = self.visits.get_mut(visit) {
                    v.ended = false;
                }
                self.set(ticket, Life::Waiting);
            }
            E::TicketCancelled { ticket, .. } => {
                prop_assert_eq!(self.life(ticket)?, Life::Waiting);
                self.set(ticket, Life::Cancelled);
            }
            E::TicketClosed { ticket, .. } => {
                prop_assert!(resetting, "ticket closed outside the reset");
                let life = self.life(ticket)?;
                match life {
                    Life::Waiting => {}
                    Life::Called { counter, .. } | Life::Serving { counter, .. } => {
                        self.counter(counter)?.busy = None;
                    }
                    _ => prop_assert!(false, "{:?} closed from {:?}", ticket, life),
                }
                self.set(ticket, Life::Closed);
            }
            E::Rated {
                ticket,
                counter,
                staff,
                ..
            } => {
                let c = self.counter(*counter)?;
                let Some((t, until, who)) = c.rating.take() else {
                    return Err(TestCaseError::fail("a rating without a prompt".to_owned()));
                };
                prop_assert_eq!(&t, ticket);
                prop_assert_eq!(&who, staff, "the rating goes to the clerk who served");
                prop_assert!(at < until, "a rating after the prompt's time");
            }
            E::RatingSkipped {
                ticket, counter, ..
            } => {
                let c = self.counter(*counter)?;
                let Some((t, until, _)) = c.rating.take() else {
                    return Err(TestCaseError::fail("a skip without a prompt".to_owned()));
                };
                prop_assert_eq!(&t, ticket);
                if ticking {
                    prop_assert!(until <= at, "prompt skipped before its time");
                }
            }
            E::SignedIn { counter, staff } => {
                let c = self.counter(*counter)?;
                prop_assert_eq!(&c.staff, &None);
                c.staff = Some(staff.clone());
            }
            E::SignedOut { counter, staff } => {
                let c = self.counter(*counter)?;
                prop_assert_eq!(c.staff.as_ref(), Some(staff));
                prop_assert_eq!(&c.busy, &None, "signed out while busy");
                c.staff = None;
                c.open = false;
                c.paused = false;
            }
            E::CounterOpened { counter } => {
                let c = self.counter(*counter)?;
                prop_assert!(c.staff.is_some() && !c.open);
                c.open = true;
            }
            E::CounterClosed { counter } => {
                let c = self.counter(*counter)?;
                prop_assert!(c.open, "closed a closed counter");
                prop_assert_eq!(&c.busy, &None, "closed while busy");
                c.open = false;
                c.paused = false;
            }
            E::CounterPaused { counter, .. } => {
                let c = self.counter(*counter)?;
                prop_assert!(c.open && c.staff.is_some() && c.busy.is_none() && !c.paused);
                c.paused = true;
            }
            E::CounterResumed { counter } => {
                let c = self.counter(*counter)?;
                prop_assert!(c.paused);
                c.paused = false;
            }
            E::ComplaintOpened { complaint, .. } => {
                prop_assert!(self.complaints.insert(complaint.clone()), "complaint twice");
            }
            E::ComplaintUpdated { complaint, .. } => {
                prop_assert!(self.complaints.contains(complaint));
            }
            E::ComplaintResolved { complaint, .. } => {
                prop_assert!(self.complaints.remove(complaint));
            }
            E::AnnouncementPosted { .. } | E::AnnouncementCleared { .. } => {}
        }
        Ok(())
    }

    /// After a tick, nothing is overdue.
    fn nothing_overdue(&self, now: Timestamp) -> Result<(), TestCaseError> {
        let auto = i64::from(self.cfg.recall.auto_no_show_after_secs);
        for (no, c) in &self.counters {
            if let Some(t) = &c.busy
                && let Ok(Life::Called { first_at, .. }) = self.life(t)
            {
                prop_assert!(
                    auto == 0 || now.secs_since(first_at) < auto || self.unprinted.contains(t),
                    "counter {} still calls {:?} after the tick",
                    no,
                    t
                );
            }
            if let Some((t, until, _)) = &c.rating {
                prop_assert!(now < *until, "{:?}'s prompt outlived the tick", t);
            }
        }
        let idle = i64::from(self.cfg.visit_idle_end_min) * 60_000;
        for (id, v) in &self.visits {
            if !v.ended && v.tickets.is_empty() {
                prop_assert!(now.0 - v.last_at.0 < idle, "idle visit {:?} not ended", id);
            }
        }
        Ok(())
    }

    /// The engine agrees with the model on every ticket, counter and complaint.
    fn agrees(&self, e: &Engine) -> Result<(), TestCaseError> {
        prop_assert_eq!(e.tickets().len(), self.tickets.len());
        for t in e.tickets() {
            let life = self.life(&t.id)?;
            prop_assert_eq!(t.status, life.status(), "{} ({:?})", t.number, life);
        }
        for (no, c) in &self.counters {
            let s = e.counter_state(*no).unwrap();
            prop_assert_eq!((s.open, &s.staff), (c.open, &c.staff), "counter {}", no);
            let shown = match &s.activity {
                Activity::Calling(t) | Activity::Serving { ticket: t, .. } => {
                    Some(t.ticket.clone())
                }
                Activity::Idle | Activity::Paused { .. } => None,
            };
            prop_assert_eq!(&shown, &c.busy, "counter {}", no);
            prop_assert_eq!(
                matches!(s.activity, Activity::Paused { .. }),
                c.paused,
                "counter {}",
                no
            );
            let prompt = s.awaiting_rating.map(|r| (r.ticket, r.until_ms));
            let model = c.rating.as_ref().map(|r| (r.0.clone(), r.1));
            prop_assert_eq!(prompt, model, "counter {}", no);
        }
        let open: BTreeSet<ComplaintId> = e.open_complaints().keys().cloned().collect();
        prop_assert_eq!(open, self.complaints.clone(), "open complaints");
        Ok(())
    }
}

impl Check for Lifecycle {
    fn step(
        &mut self,
        d: &Driver,
        cmd: &Command,
        result: &Result<Vec<Event>, QueueError>,
    ) -> Result<(), TestCaseError> {
        let Ok(batch) = result else { return Ok(()) };
        for e in batch {
            prop_assert_eq!(e.at_ms, d.now, "events carry the command's time");
            self.event(e, cmd, batch)?;
        }
        if matches!(cmd, Command::Tick) {
            self.nothing_overdue(d.now)?;
        }
        self.agrees(&d.engine)
    }
}

// ---------------------------------------------------------------------------------------------
// Skills, priority and the aging bound
// ---------------------------------------------------------------------------------------------

/// A ticket's place as the events tell it.
#[derive(Debug, Clone)]
struct Place {
    business: BusinessCode,
    directed: Option<CounterNo>,
    priority: Priority,
    /// When it joined its queue: issued, or re-queued (a transfer keeps it).
    since: Timestamp,
    serial: usize,
    waiting: bool,
}

/// Who call-next must pick, recomputed from the event stream and the configuration.
struct CallOrder {
    cfg: QueueConfig,
    tickets: HashMap<TicketId, Place>,
    serial: usize,
}

impl CallOrder {
    fn new(cfg: QueueConfig) -> Self {
        Self {
            cfg,
            tickets: HashMap::new(),
            serial: 0,
        }
    }

    /// `since − head start`, then issue order: the order the aging rule promises.
    fn order(&self, p: &Place) -> (i64, usize) {
        (p.since.0 - head_start_ms(&self.cfg, p.priority), p.serial)
    }

    /// The ticket call-next must give `counter`, and whether it comes from a business queue.
    fn expected(&self, counter: CounterNo) -> Option<(TicketId, bool)> {
        let best = |f: &dyn Fn(&Place) -> bool| {
            self.tickets
                .iter()
                .filter(|(_, p)| p.waiting && f(p))
                .min_by_key(|(_, p)| self.order(p))
                .map(|(id, _)| id.clone())
        };
        if let Some(t) = best(&|p| p.directed == Some(counter)) {
            return Some((t, false));
        }
        let skills = &self.cfg.counter(counter)?.skills;
        skills
            .iter()
            .find_map(|b| best(&|p| p.directed.is_none() && &p.business == b))
            .map(|t| (t, true))
    }

    fn called(&mut self, ticket: &TicketId, counter: CounterNo, by_hand: bool) -> TestResult {
        let p = self.tickets[ticket].clone();
        let skills = &self.cfg.counter(counter).unwrap().skills;
        match p.directed {
            Some(c) => prop_assert_eq!(c, counter, "{:?} was sent to counter {}", ticket, c),
            None => prop_assert!(
                skills.contains(&p.business),
                "counter {} got {:?} of {} outside its skills",
                counter,
                ticket,
                p.business
            ),
        }
        if by_hand {
            return Ok(());
        }
        let expected = self.expected(counter);
        prop_assert_eq!(
            expected.as_ref().map(|e| &e.0),
            Some(ticket),
            "call-next at counter {}",
            counter
        );
        // The aging bound, explicitly: priority overtakes an ordinary ticket of its queue only
        // if that one has waited less than the priority's head start.
        if p.priority != Priority::Ordinary && expected.is_some_and(|e| e.1) {
            let hs = head_start_ms(&self.cfg, p.priority);
            for (id, o) in &self.tickets {
                if o.waiting
                    && o.directed.is_none()
                    && o.business == p.business
                    && o.priority == Priority::Ordinary
                {
                    prop_assert!(
                        p.since.0 < o.since.0 + hs
                            || (p.since.0 == o.since.0 + hs && p.serial < o.serial),
                        "{:?} (since {:?}) overtook {:?} (since {:?})",
                        ticket,
                        p.since,
                        id,
                        o.since
                    );
                }
            }
        }
        Ok(())
    }
}

type TestResult = Result<(), TestCaseError>;

impl Check for CallOrder {
    fn step(
        &mut self,
        d: &Driver,
        cmd: &Command,
        result: &Result<Vec<Event>, QueueError>,
    ) -> TestResult {
        match (cmd, result) {
            (Command::CallNext { counter }, Err(QueueError::NothingWaiting(_))) => {
                prop_assert_eq!(
                    self.expected(*counter),
                    None,
                    "nothing waiting for {}",
                    counter
                );
            }
            (Command::CallNext { .. }, Ok(batch)) => {
                let calls = batch
                    .iter()
                    .filter(|e| matches!(e.kind, E::TicketCalled { by_hand: false, .. }))
                    .count();
                prop_assert_eq!(calls, 1);
            }
            _ => {}
        }
        for e in result.iter().flatten() {
            let at = e.at_ms;
            match &e.kind {
                E::DayOpened { .. } => {
                    self.tickets.clear();
                    self.serial = 0;
                }
                E::TicketIssued {
                    ticket,
                    business,
                    priority,
                    ..
                } => {
                    self.serial += 1;
                    let place = Place {
                        business: business.clone(),
                        directed: None,
                        priority: *priority,
                        since: at,
                        serial: self.serial,
                        waiting: true,
                    };
                    self.tickets.insert(ticket.clone(), place);
                }
                E::TicketCalled {
                    ticket,
                    counter,
                    recall: 0,
                    by_hand,
                    ..
                } => {
                    self.called(ticket, *counter, *by_hand)?;
                    if let Some(p) = self.tickets.get_mut(ticket) {
                        p.waiting = false;
                    }
                }
                E::TicketTransferred { ticket, to, .. } => {
                    if let Some(p) = self.tickets.get_mut(ticket) {
                        match to {
                            TransferTarget::Business(b) => {
                                p.business = b.clone();
                                p.directed = None;
                            }
                            TransferTarget::Counter(c) => p.directed = Some(*c),
                        }
                        p.waiting = true;
                    }
                }
                E::TicketRequeued { ticket, .. } => {
                    if let Some(p) = self.tickets.get_mut(ticket) {
                        p.since = at;
                        p.waiting = true;
                    }
                }
                E::TicketCancelled { ticket, .. } | E::TicketClosed { ticket, .. } => {
                    if let Some(p) = self.tickets.get_mut(ticket) {
                        p.waiting = false;
                    }
                }
                _ => {}
            }
        }
        // The engine's own queue order agrees with the promised one.
        for (id, p) in &self.tickets {
            let t = d.engine.ticket(id).unwrap();
            prop_assert_eq!(t.status == TicketStatus::Waiting, p.waiting, "{}", t.number);
        }
        for b in &self.cfg.business {
            let shown: Vec<TicketId> = d
                .engine
                .waiting(&b.code)
                .iter()
                .map(|t| t.id.clone())
                .collect();
            let mut want: Vec<(&TicketId, &Place)> = self
                .tickets
                .iter()
                .filter(|(_, p)| p.waiting && p.directed.is_none() && p.business == b.code)
                .collect();
            want.sort_by_key(|(_, p)| self.order(p));
            let want: Vec<TicketId> = want.into_iter().map(|(id, _)| id.clone()).collect();
            prop_assert_eq!(shown, want, "queue {}", b.code);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

/// Numbers are unique among tickets that hold one, and unique outright until a range wraps.
struct Numbers {
    cfg: QueueConfig,
    issued: HashMap<BusinessCode, (u32, HashSet<TicketNo>)>,
}

impl Check for Numbers {
    fn step(
        &mut self,
        d: &Driver,
        cmd: &Command,
        result: &Result<Vec<Event>, QueueError>,
    ) -> TestResult {
        for e in result.iter().flatten() {
            match &e.kind {
                E::DayOpened { .. } => self.issued.clear(),
                E::TicketIssued {
                    business,
                    number,
                    seq,
                    ..
                } => {
                    let b = self.cfg.business(business).unwrap();
                    prop_assert!((b.first_number..=b.last_number).contains(seq));
                    prop_assert_eq!(number, &TicketNo::format(&b.prefix, *seq));
                    let span = b.last_number - b.first_number + 1;
                    let (count, seen) = self.issued.entry(business.clone()).or_default();
                    *count += 1;
                    let fresh = seen.insert(number.clone());
                    if *count <= span {
                        prop_assert!(fresh, "{} reused before the range wrapped", number);
                    }
                }
                _ => {}
            }
        }
        let mut held: HashMap<&TicketNo, &TicketId> = HashMap::new();
        for t in d.engine.tickets() {
            if t.status.is_live() || t.status == TicketStatus::Skipped {
                let other = held.insert(&t.number, &t.id);
                prop_assert!(
                    other.is_none(),
                    "{} held by {:?} and {:?}",
                    t.number,
                    other,
                    t.id
                );
            }
        }
        if let (Command::IssueTicket { business, .. }, Err(QueueError::NumbersExhausted(_))) =
            (cmd, result)
        {
            let b = self.cfg.business(business).unwrap();
            let holding = d
                .engine
                .tickets()
                .iter()
                .filter(|t| t.origin == *business)
                .filter(|t| t.status.is_live() || t.status == TicketStatus::Skipped)
                .count();
            prop_assert_eq!(holding as u32, b.last_number - b.first_number + 1);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Replay and refusals
// ---------------------------------------------------------------------------------------------

/// The journal rebuilds the hall: at the end, and at one step in the middle.
struct Replay {
    at_step: usize,
    step: usize,
    middle: Option<(usize, Timestamp, Views)>,
}

impl Check for Replay {
    fn step(
        &mut self,
        d: &Driver,
        _cmd: &Command,
        _result: &Result<Vec<Event>, QueueError>,
    ) -> TestResult {
        if self.step == self.at_step {
            self.middle = Some((d.log.len(), d.now, views_at(&d.engine, d.now)));
        }
        self.step += 1;
        Ok(())
    }

    fn end(&mut self, d: &Driver) -> TestResult {
        let replayed = common::replayed(small_hall(), &d.log);
        prop_assert_eq!(views_at(&replayed, d.now), views_at(&d.engine, d.now));
        if let Some((n, now, views)) = &self.middle {
            let replayed = common::replayed(small_hall(), &d.log[..*n]);
            prop_assert_eq!(&views_at(&replayed, *now), views);
        }
        Ok(())
    }
}

/// A refused command changes nothing anyone can see, nor anything inside.
struct Refusals {
    before: Option<Engine>,
}

impl Check for Refusals {
    fn step(
        &mut self,
        d: &Driver,
        cmd: &Command,
        result: &Result<Vec<Event>, QueueError>,
    ) -> TestResult {
        if let (Err(err), Some(before)) = (result, &self.before) {
            prop_assert_eq!(
                views_at(&d.engine, d.now),
                views_at(before, d.now),
                "{:?} refused with {} changed a view",
                cmd,
                err
            );
            prop_assert_eq!(
                format!("{:?}", d.engine.state()),
                format!("{:?}", before.state()),
                "{:?} refused with {} changed the state",
                cmd,
                err
            );
        }
        self.before = Some(d.engine.clone());
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_ticket_is_lost_or_duplicated(steps in steps()) {
        run(&steps, &mut NothingLost::default())?;
    }

    #[test]
    fn every_ticket_lives_a_legal_life(steps in steps()) {
        run(&steps, &mut Lifecycle::new(small_hall()))?;
    }

    #[test]
    fn call_next_follows_skills_priority_and_the_aging_bound(steps in steps()) {
        run(&steps, &mut CallOrder::new(small_hall()))?;
    }

    #[test]
    fn numbers_are_unique_among_tickets_that_hold_them(steps in steps()) {
        let mut check = Numbers { cfg: small_hall(), issued: HashMap::new() };
        run(&steps, &mut check)?;
    }

    #[test]
    fn replaying_the_journal_rebuilds_every_view(
        steps in steps(),
        middle in any::<prop::sample::Index>(),
    ) {
        let at_step = middle.index(steps.len());
        run(&steps, &mut Replay { at_step, step: 0, middle: None })?;
    }

    #[test]
    fn refused_commands_change_nothing(steps in steps()) {
        run(&steps, &mut Refusals { before: None })?;
    }
}

// ---------------------------------------------------------------------------------------------
// The generator reaches every rule
// ---------------------------------------------------------------------------------------------

/// What a batch of random days went through.
#[derive(Debug, Default)]
struct Coverage {
    events: BTreeMap<String, usize>,
    refusals: BTreeMap<String, usize>,
    call_next: usize,
    priority_over_ordinary: usize,
    wrapped: usize,
}

impl Check for Coverage {
    fn step(
        &mut self,
        d: &Driver,
        _cmd: &Command,
        result: &Result<Vec<Event>, QueueError>,
    ) -> TestResult {
        match result {
            Err(e) => {
                let name = format!("{e:?}");
                let name = name.split('(').next().unwrap_or_default().to_owned();
                *self.refusals.entry(name).or_default() += 1;
            }
            Ok(batch) => {
                for e in batch {
                    let name = format!("{:?}", e.kind);
                    let name = name.split([' ', '{']).next().unwrap_or_default().to_owned();
                    *self.events.entry(name).or_default() += 1;
                    if let E::TicketCalled {
                        ticket,
                        by_hand: false,
                        recall: 0,
                        ..
                    } = &e.kind
                    {
                        self.call_next += 1;
                        let t = d.engine.ticket(ticket).unwrap();
                        let ordinary_behind =
                            d.engine.waiting(&t.business).iter().any(|o| {
                                o.priority == Priority::Ordinary && o.issued_at < t.issued_at
                            });
                        if t.priority != Priority::Ordinary && ordinary_behind {
                            self.priority_over_ordinary += 1;
                        }
                    }
                    if let E::TicketIssued { number, .. } = &e.kind
                        && d.engine
                            .tickets()
                            .iter()
                            .filter(|t| &t.number == number)
                            .count()
                            > 1
                    {
                        self.wrapped += 1;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The properties are only as good as the days they see: a batch of random days must issue,
/// call, recall, skip, re-queue, transfer, rate, wrap numbers, run out of them, let priority
/// overtake, and be refused for the common reasons.
#[test]
fn random_days_reach_every_rule() {
    let rng = TestRng::deterministic_rng(RngAlgorithm::XorShift);
    let mut runner = TestRunner::new_with_rng(config(), rng);
    let mut coverage = Coverage::default();
    for _ in 0..40 {
        let steps = steps().new_tree(&mut runner).unwrap().current();
        run(&steps, &mut coverage).unwrap();
    }
    let events = [
        "DayOpened",
        "DayClosed",
        "VisitStarted",
        "VisitEnded",
        "Touched",
        "TicketIssued",
        "TicketPrinted",
        "TicketCalled",
        "ServiceStarted",
        "BackOffice",
        "ServiceFinished",
        "NoShow",
        "TicketTransferred",
        "TicketRequeued",
        "TicketCancelled",
        "TicketClosed",
        "Rated",
        "RatingSkipped",
        "SignedIn",
        "SignedOut",
        "CounterOpened",
        "CounterClosed",
        "CounterPaused",
        "CounterResumed",
        "ComplaintOpened",
        "ComplaintResolved",
        "AnnouncementPosted",
        "AnnouncementCleared",
    ];
    for name in events {
        assert!(
            coverage.events.get(name).is_some_and(|&n| n >= 3),
            "{name} seldom or never happens: {coverage:#?}"
        );
    }
    let refusals = [
        "NumbersExhausted",
        "NothingWaiting",
        "CounterBusy",
        "NotCalling",
        "NotServing",
        "NoShowTooEarly",
        "NotInSkills",
        "TicketNotSkipped",
        "NothingToRate",
        "HallClosed",
        "AlreadySignedIn",
        "UnknownCounter",
        "UnknownBusiness",
        "UnknownTicket",
        "UnknownVisit",
    ];
    for name in refusals {
        assert!(
            coverage.refusals.contains_key(name),
            "never refused with {name}: {coverage:#?}"
        );
    }
    assert!(coverage.call_next >= 40 * 10, "{coverage:#?}");
    assert!(coverage.priority_over_ordinary >= 40, "{coverage:#?}");
    assert!(coverage.wrapped >= 40, "{coverage:#?}");
}
