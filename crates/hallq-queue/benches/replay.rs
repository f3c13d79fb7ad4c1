//! What the engine costs on a busy day.
//!
//! A simulated day at DOMAIN.md's default hall (six counters, 09:00–18:00, about 1,200 tickets
//! with greeters, printouts, priority, recalls, no-shows, re-queues, transfers, back-office
//! waits, walk-outs, ratings and ticks) gives a journal and the commands that wrote it. Then:
//!
//! - `replay/busy_day`: replaying the whole journal into a fresh engine, as the hub does on
//!   every start. The throughput line is events per second.
//! - `apply/*`: one command on the hall as it stands at 13:30, for the common kinds; the
//!   tickets issued in the hour after 13:30, one after another; and that whole hour command by
//!   command (throughput: tickets or commands per second).
//!
//! Run with `cargo bench -p hallq-queue --bench replay`.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hallq_proto::command::TicketRef;
use hallq_proto::state::Activity;
use hallq_proto::{
    BusinessCode, BusinessDay, CounterNo, Lang, PauseReason, Priority, PriorityReason, Score,
    ServiceResult, StaffNo, Timestamp, Touchpoint, TransferTarget,
};
use hallq_queue::{Command, Engine, Event, EventKind, QueueConfig, VisitRef};

/// 2026-11-23 09:00 in Beijing.
const OPEN_MS: i64 = 1_795_395_600_000;
/// Nine hours of business.
const DAY_SECS: i64 = 9 * 3600;
/// When the mid-day measurements start: 13:30.
const MIDDAY_SECS: i64 = 4 * 3600 + 1800;

/// A small deterministic random source, so every run benchmarks the same day.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `lo..hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }

    /// True with probability `percent` %.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn code(s: &str) -> BusinessCode {
    BusinessCode::new(s).expect("valid business code")
}

/// What a counter is doing in the simulation: the clerk's plan, not the engine's state.
#[derive(Clone, Copy)]
enum Plan {
    Idle,
    /// Calling; the customer arrives at `arrives` (never, for a no-show).
    Calling {
        since: i64,
        arrives: Option<i64>,
        recalls: u32,
    },
    /// Serving until `until`.
    Serving {
        until: i64,
    },
    /// Between customers until `until`, while the evaluator asks for a rating.
    WrappingUp {
        until: i64,
    },
}

/// A simulated day: its journal, the commands with their times, and the hall at 13:30.
struct Day {
    config: QueueConfig,
    events: Vec<Event>,
    tickets: usize,
    /// Commands from 13:30 on, with their times, in order.
    afternoon: Vec<(Command, Timestamp)>,
    /// The hall just before the first command at or after 13:30.
    midday: Engine,
    /// For each kind of command, the hall just before its first use after 13:30.
    first_of_kind: BTreeMap<&'static str, (Engine, Command, Timestamp)>,
}

struct Sim {
    engine: Engine,
    rng: Rng,
    now: i64,
    events: Vec<Event>,
    afternoon: Vec<(Command, Timestamp)>,
    midday: Option<Engine>,
    first_of_kind: BTreeMap<&'static str, (Engine, Command, Timestamp)>,
}

impl Sim {
    fn at(&self) -> Timestamp {
        Timestamp(OPEN_MS + self.now * 1000)
    }

    /// Applies `cmd` now; a refusal (a rating that came too late, say) is part of a real day.
    fn apply(&mut self, cmd: Command) -> Vec<Event> {
        let at = self.at();
        if self.now >= MIDDAY_SECS {
            if self.midday.is_none() {
                self.midday = Some(self.engine.clone());
            }
            let kind = kind(&cmd);
            if !self.first_of_kind.contains_key(kind) {
                let before = self.engine.clone();
                self.first_of_kind.insert(kind, (before, cmd.clone(), at));
            }
            self.afternoon.push((cmd.clone(), at));
        }
        let events = self.engine.apply(&cmd, at).unwrap_or_default();
        self.events.extend(events.iter().cloned());
        events
    }
}

fn kind(cmd: &Command) -> &'static str {
    match cmd {
        Command::IssueTicket { .. } => "issue_ticket",
        Command::CallNext { .. } => "call_next",
        Command::StartService { .. } => "start_service",
        Command::Finish { .. } => "finish",
        Command::Rate { .. } => "rate",
        Command::Tick => "tick",
        Command::Recall { .. } => "recall",
        Command::PrintResult { .. } => "print_result",
        _ => "other",
    }
}

/// Handling time in seconds for a business type.
fn handling_secs(rng: &mut Rng, business: &str) -> i64 {
    match business {
        "consult" => rng.range(40, 110),
        "basic" => rng.range(70, 150),
        "complex" => rng.range(150, 300),
        "repair" => rng.range(100, 220),
        _ => rng.range(150, 270),
    }
}

fn busy_day() -> Day {
    let config = QueueConfig::telecom_default();
    let engine = Engine::new(config.clone()).expect("the default hall is valid");
    let mut sim = Sim {
        engine,
        rng: Rng(0x9e37_79b9_7f4a_7c15),
        now: 0,
        events: Vec::new(),
        afternoon: Vec::new(),
        midday: None,
        first_of_kind: BTreeMap::new(),
    };
    sim.apply(Command::OpenDay {
        day: BusinessDay(20261123),
    });
    let counters: Vec<CounterNo> = config.counters.iter().map(|c| c.number).collect();
    for &c in &counters {
        let staff = StaffNo::new(format!("{}", 1000 + c.0)).expect("valid staff number");
        sim.apply(Command::SignIn { counter: c, staff });
    }
    let mut plans: BTreeMap<CounterNo, Plan> = counters.iter().map(|&c| (c, Plan::Idle)).collect();
    // Later actions: ratings, customers coming back after a no-show, walk-outs, lunch.
    let mut later: Vec<(i64, Command)> = Vec::new();
    for (i, &c) in counters.iter().enumerate() {
        let lunch = 3 * 3600 + if i % 2 == 0 { 0 } else { 1800 };
        let pause = Command::Pause {
            counter: c,
            reason: PauseReason::Meal,
        };
        later.push((lunch, pause));
    }
    let mix = [
        ("basic", 45),
        ("consult", 25),
        ("complex", 15),
        ("repair", 10),
        ("enterprise", 5),
    ];
    let mut next_arrival = 0;
    while sim.now < DAY_SECS {
        // Arrivals: one every 27 s on average, some through a greeter first.
        while next_arrival <= sim.now {
            let roll = sim.rng.range(0, 100);
            let mut acc = 0;
            let business = mix
                .iter()
                .find(|(_, p)| {
                    acc += p;
                    roll < acc
                })
                .map_or("basic", |(b, _)| b);
            let visit = if sim.rng.chance(10) {
                let touch = Command::Touch {
                    visit: VisitRef::New,
                    touchpoint: Touchpoint::Consultation,
                    business: Some(code(business)),
                    resolved: Some(true),
                    count: None,
                    what: "consultation".into(),
                };
                sim.apply(touch).iter().find_map(|e| match &e.kind {
                    EventKind::VisitStarted { visit } => Some(visit.clone()),
                    _ => None,
                })
            } else {
                None
            };
            let (priority, reason) = match sim.rng.range(0, 100) {
                0..5 => (Priority::Care, Some(PriorityReason::Elderly)),
                5..8 => (Priority::GreenChannel, None),
                _ => (Priority::Ordinary, None),
            };
            let notify = sim.rng.chance(20);
            let issued = sim.apply(Command::IssueTicket {
                business: code(business),
                priority,
                reason,
                granted_by: None,
                lang: Lang::Zh,
                notify,
                visit,
                tier: None,
            });
            if let Some(ticket) = issued.iter().find_map(|e| match &e.kind {
                EventKind::TicketIssued { ticket, .. } => Some(ticket.clone()),
                _ => None,
            }) {
                if sim.rng.chance(2) {
                    let leaves = sim.now + sim.rng.range(600, 1800);
                    let cancel = Command::Cancel {
                        ticket: TicketRef(ticket.as_str().to_owned()),
                    };
                    later.push((leaves, cancel));
                }
                sim.apply(Command::PrintResult {
                    ticket,
                    ok: true,
                    reprint: false,
                });
            }
            next_arrival += sim.rng.range(1, 54);
        }

        // Whatever was planned for now.
        let (due, rest): (Vec<_>, Vec<_>) = later.into_iter().partition(|(t, _)| *t <= sim.now);
        later = rest;
        for (_, cmd) in due {
            let pause = match &cmd {
                Command::Pause { counter, .. } => Some(*counter),
                _ => None,
            };
            // A clerk goes to lunch only between customers, for half an hour.
            if let Some(c) = pause {
                if !matches!(plans[&c], Plan::Idle) {
                    later.push((sim.now + 60, cmd));
                    continue;
                }
                later.push((sim.now + 1800, Command::Resume { counter: c }));
            }
            sim.apply(cmd);
        }

        // The counters.
        for &c in &counters {
            let plan = plans[&c];
            let next = match plan {
                // The clerk presses "next" when at work and the terminal shows someone waiting.
                Plan::Idle
                    if sim.engine.peek_next(c).is_none()
                        || sim.engine.counter_state(c).map(|s| s.activity)
                            != Some(Activity::Idle) =>
                {
                    plan
                }
                Plan::WrappingUp { until } if until <= sim.now => Plan::Idle,
                Plan::WrappingUp { .. } => plan,
                Plan::Idle => {
                    let events = sim.apply(Command::CallNext { counter: c });
                    let called = events.iter().find_map(|e| match &e.kind {
                        EventKind::TicketCalled { ticket, .. } => Some(ticket.clone()),
                        _ => None,
                    });
                    match called {
                        Some(_) => {
                            let arrives =
                                (!sim.rng.chance(4)).then(|| sim.now + sim.rng.range(5, 45));
                            Plan::Calling {
                                since: sim.now,
                                arrives,
                                recalls: 0,
                            }
                        }
                        None => Plan::Idle,
                    }
                }
                Plan::Calling {
                    since,
                    arrives,
                    recalls,
                } => match arrives {
                    Some(t) if t <= sim.now => {
                        sim.apply(Command::StartService { counter: c });
                        let business = match sim.engine.counter_state(c).map(|s| s.activity) {
                            Some(Activity::Serving { ticket, .. }) => ticket.business,
                            _ => code("basic"),
                        };
                        let until = sim.now + handling_secs(&mut sim.rng, business.as_str());
                        if sim.rng.chance(3) {
                            later.push((
                                sim.now + 30,
                                Command::BackOffice {
                                    counter: c,
                                    waiting: true,
                                },
                            ));
                            later.push((
                                sim.now + 90,
                                Command::BackOffice {
                                    counter: c,
                                    waiting: false,
                                },
                            ));
                        }
                        Plan::Serving { until }
                    }
                    // Recall every 30 s; after two recalls, skip (a few are left to the tick).
                    _ if sim.now - since >= 30 * i64::from(recalls + 1) => {
                        if recalls < 2 {
                            sim.apply(Command::Recall { counter: c });
                            Plan::Calling {
                                since,
                                arrives,
                                recalls: recalls + 1,
                            }
                        } else if sim.rng.chance(90) {
                            let events = sim.apply(Command::NoShow { counter: c });
                            if let Some(ticket) = events.iter().find_map(|e| match &e.kind {
                                EventKind::NoShow { ticket, .. } => Some(ticket.clone()),
                                _ => None,
                            }) && sim.rng.chance(50)
                            {
                                let back = sim.now + sim.rng.range(300, 900);
                                let requeue = Command::Requeue {
                                    ticket: TicketRef(ticket.as_str().to_owned()),
                                };
                                later.push((back, requeue));
                            }
                            Plan::Idle
                        } else {
                            plan
                        }
                    }
                    _ => plan,
                },
                Plan::Serving { until } if until <= sim.now => {
                    let roll = sim.rng.range(0, 100);
                    if roll < 5 {
                        let to = if roll < 3 {
                            TransferTarget::Business(code("complex"))
                        } else {
                            TransferTarget::Counter(CounterNo(5))
                        };
                        sim.apply(Command::Transfer {
                            counter: c,
                            to,
                            note: Some("needs a contract".into()),
                        });
                    } else {
                        let result = match roll {
                            5..25 => ServiceResult::Sale,
                            25..30 => ServiceResult::NeedsDocuments,
                            30..32 => ServiceResult::Failed,
                            _ => ServiceResult::Done,
                        };
                        sim.apply(Command::Finish {
                            counter: c,
                            result,
                            missing: vec![],
                        });
                        // Most customers press a key within seconds; the clerk tidies up
                        // meanwhile, and now and then calls the next one before they do.
                        if sim.rng.chance(75) {
                            let score = match sim.rng.range(0, 100) {
                                0..70 => Score::VerySatisfied,
                                70..92 => Score::Satisfied,
                                92..97 => Score::Neutral,
                                _ => Score::Dissatisfied,
                            };
                            let when = sim.now + sim.rng.range(2, 15);
                            later.push((when, Command::Rate { counter: c, score }));
                        }
                    }
                    Plan::WrappingUp {
                        until: sim.now + sim.rng.range(5, 20),
                    }
                }
                Plan::Serving { .. } => plan,
            };
            // The tick may have skipped a called ticket meanwhile.
            let still_calling = matches!(
                sim.engine.counter_state(c).map(|s| s.activity),
                Some(Activity::Calling(_))
            );
            let next = match next {
                Plan::Calling { .. } if !still_calling => Plan::Idle,
                other => other,
            };
            plans.insert(c, next);
        }

        if sim.now % 5 == 0 {
            sim.apply(Command::Tick);
        }
        sim.now += 1;
    }
    sim.apply(Command::CloseDay);

    let tickets = sim.engine.tickets().len();
    Day {
        config,
        events: sim.events,
        tickets,
        afternoon: sim
            .afternoon
            .into_iter()
            .filter(|(_, at)| at.0 < OPEN_MS + (MIDDAY_SECS + 3600) * 1000)
            .collect(),
        midday: sim.midday.expect("the day reaches 13:30"),
        first_of_kind: sim.first_of_kind,
    }
}

fn benches(c: &mut Criterion) {
    let day = busy_day();

    let mut replay = c.benchmark_group("replay");
    replay.throughput(Throughput::Elements(day.events.len() as u64));
    let id = format!("{}_tickets_{}_events", day.tickets, day.events.len());
    replay.bench_function(BenchmarkId::new("busy_day", id), |b| {
        b.iter_batched(
            || Engine::new(day.config.clone()).expect("valid config"),
            |mut engine| {
                for event in &day.events {
                    engine.replay(event);
                }
                engine
            },
            BatchSize::SmallInput,
        );
    });
    replay.finish();

    // One command on a fresh copy of the 13:30 hall. Per iteration, so the copy is as warm in
    // the cache as the hub's live state. Issuing is measured below as a run of arrivals: on a
    // copy (whose ticket list has no spare capacity) a single issue would time a list growth the
    // live engine makes once per doubling.
    let mut apply = c.benchmark_group("apply");
    for (kind, (engine, cmd, at)) in &day.first_of_kind {
        if matches!(*kind, "other" | "issue_ticket") {
            continue;
        }
        apply.bench_function(*kind, |b| {
            b.iter_batched_ref(
                || engine.clone(),
                |e| black_box(e.apply(black_box(cmd), *at)),
                BatchSize::PerIteration,
            );
        });
    }
    let arrivals: Vec<&(Command, Timestamp)> = day
        .afternoon
        .iter()
        .filter(|(cmd, _)| matches!(cmd, Command::IssueTicket { .. }))
        .collect();
    apply.throughput(Throughput::Elements(arrivals.len() as u64));
    let id = format!("{}_tickets", arrivals.len());
    apply.bench_function(BenchmarkId::new("issue_ticket", id), |b| {
        b.iter_batched_ref(
            || day.midday.clone(),
            |e| {
                for (cmd, at) in &arrivals {
                    let _ = black_box(e.apply(cmd, *at));
                }
            },
            BatchSize::SmallInput,
        );
    });
    apply.throughput(Throughput::Elements(day.afternoon.len() as u64));
    let id = format!("{}_commands", day.afternoon.len());
    apply.bench_function(BenchmarkId::new("hour_after_1330", id), |b| {
        b.iter_batched_ref(
            || day.midday.clone(),
            |e| {
                for (cmd, at) in &day.afternoon {
                    let _ = black_box(e.apply(cmd, *at));
                }
            },
            BatchSize::SmallInput,
        );
    });
    apply.finish();
}

criterion_group!(replay, benches);
criterion_main!(replay);
