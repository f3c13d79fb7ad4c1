//! The demo hall: a scripted day of DOMAIN.md's default hall, driven through the queue engine.
//!
//! Customers arrive by the hour with a morning and an afternoon peak; clerks sign in, call, serve,
//! pause for lunch, transfer and skip no-shows; customers rate, and a few walk out. The board is
//! printed whenever a number is called, and the day's figures at the end. Deterministic by seed.
//! (The hub issue turns this into the real demo: the same day over MQTT with a journal.)

#![allow(
    clippy::print_stdout,
    reason = "the board on the terminal is this command's output"
)]

use std::collections::HashMap;
use std::io::{IsTerminal, Write as _};
use std::time::Duration;

use hallq_proto::state::{Activity, Board};
use hallq_proto::{
    AnnouncementId, BusinessCode, BusinessDay, CounterNo, HallId, Lang, LocalText, PauseReason,
    Priority, PriorityReason, SCHEMA_VERSION, Score, ServiceResult, StaffNo, Timestamp, Touchpoint,
    TransferTarget,
};
use hallq_queue::{
    Command, Engine, Event, EventKind, QueueConfig, TicketStatus, VisitOutcome, VisitRef,
};

use crate::board::render;
use hallq_proto::time;

/// The demo hall's offset from UTC: China Standard Time.
const CST: i32 = 480;

fn at(day: BusinessDay, h: u32, m: u32) -> Timestamp {
    time::at(day, h * 60 + m, CST)
}

/// Options of `hallq demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Real milliseconds per simulated minute; 0 runs the day as fast as it can.
    #[arg(long, default_value_t = 40)]
    pace_ms: u64,
    /// Seed of the day's arrivals and choices: the same seed gives the same day.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Print only the day's figures, not the board at every call.
    #[arg(long)]
    quiet: bool,
}

/// A small deterministic generator (SplitMix64): the demo needs repeatable days, not crypto.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform whole seconds in [lo, hi].
    fn secs(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.unit() * (hi - lo + 1) as f64) as i64
    }
}

/// What the script knows about a clerk's customer that the engine does not.
#[derive(Debug, Default)]
struct Clerk {
    /// When the called customer reaches the counter; `None` for a no-show.
    arrives_at: Option<Timestamp>,
    /// When the clerk recalls (or skips) a customer who is not coming.
    next_recall: Option<Timestamp>,
    /// When the service ends.
    ends_at: Option<Timestamp>,
    /// When the service waits on the back office, and until when.
    back_office: Option<(Timestamp, Timestamp)>,
    /// Whether the service ends in a transfer to complex business.
    transfer: bool,
    /// The customer's rating and when they press the key.
    rating: Option<(Timestamp, Score)>,
}

/// Arrivals per hour by the hour of day: a morning and an afternoon peak.
fn arrivals_per_hour(hour: u32) -> f64 {
    match hour {
        9 => 22.0,
        10 | 11 => 48.0,
        12 | 13 => 24.0,
        14 | 15 => 44.0,
        16 => 32.0,
        _ => 0.0,
    }
}

fn code(s: &str) -> BusinessCode {
    BusinessCode::new(s).unwrap_or_else(|_| unreachable!("demo codes are valid"))
}

fn pick_business(rng: &mut Rng) -> BusinessCode {
    let r = rng.unit();
    code(match r {
        r if r < 0.20 => "consult",
        r if r < 0.65 => "basic",
        r if r < 0.85 => "complex",
        r if r < 0.95 => "repair",
        _ => "enterprise",
    })
}

/// Handling time in seconds by business type, spread around the class's typical time.
fn service_secs(rng: &mut Rng, business: &str) -> i64 {
    let (lo, hi) = match business {
        "consult" => (120, 420),
        "basic" => (240, 840),
        "complex" => (600, 1800),
        "repair" => (420, 1200),
        _ => (480, 1500),
    };
    rng.secs(lo, hi)
}

fn score(rng: &mut Rng) -> Score {
    match rng.unit() {
        r if r < 0.62 => Score::VerySatisfied,
        r if r < 0.92 => Score::Satisfied,
        r if r < 0.98 => Score::Neutral,
        _ => Score::Dissatisfied,
    }
}

/// Runs the demo day.
pub(crate) fn run(args: &DemoArgs) -> anyhow::Result<()> {
    let day = BusinessDay(20261123);
    let mut hall = Hall {
        engine: Engine::new(QueueConfig::telecom_default())?,
        events: Vec::new(),
        rev: 0,
    };
    let mut rng = Rng(args.seed);
    let mut clerks: HashMap<CounterNo, Clerk> = HashMap::new();
    let tty = std::io::stdout().is_terminal() && !args.quiet;
    let staff = |n: u16| StaffNo::new(format!("E10{n:02}")).unwrap_or_else(|_| unreachable!());

    let step = 15; // seconds of simulated time per step
    let mut now = at(day, 8, 55);
    hall.apply(&Command::OpenDay { day }, now);
    while now < at(day, 17, 30) {
        let (h, m) = local_hm(now);
        // The schedule: who works when.
        for (no, start, end) in [
            (1, 540, 1020),
            (2, 540, 1020),
            (3, 540, 1020),
            (6, 540, 1020),
            (4, 600, 990),
            (5, 630, 960),
        ] {
            let counter = CounterNo(no);
            let minute = h * 60 + m;
            let staffed = hall
                .engine
                .counter_state(counter)
                .is_some_and(|c| c.staff.is_some());
            if minute >= start && minute < end && !staffed {
                hall.apply(
                    &Command::SignIn {
                        counter,
                        staff: staff(no),
                    },
                    now,
                );
            }
            if minute >= end + 15 && staffed {
                hall.apply(&Command::SignOut { counter }, now);
            }
        }
        if (h, m) == (12, 0) && now.0 % 60_000 == 0 {
            hall.apply(
                &Command::Pause {
                    counter: CounterNo(2),
                    reason: PauseReason::Meal,
                },
                now,
            );
        }
        if (h, m) == (13, 0) && now.0 % 60_000 == 0 {
            hall.apply(
                &Command::Resume {
                    counter: CounterNo(2),
                },
                now,
            );
        }
        if (h, m) == (14, 0) && now.0 % 60_000 == 0 {
            let post = Command::AnnouncementPost {
                id: AnnouncementId::new("upgrade").ok(),
                text: LocalText::new(
                    "今晚 22:00 系统升级，届时暂停办理业务",
                    "System upgrade tonight at 22:00; counters pause then.",
                ),
                starts_at: None,
                ends_at: None,
                where_to_ask: Some(LocalText::new("咨询台", "information desk")),
            };
            hall.apply(&post, now);
        }
        // Arrivals.
        let per_step = arrivals_per_hour(h) * step as f64 / 3600.0;
        if h < 17 && rng.chance(per_step) {
            arrive(&mut hall, &mut rng, now);
        }
        // A few customers give up after a long wait and tell the greeter.
        let tired: Vec<String> = hall
            .engine
            .tickets()
            .iter()
            .filter(|t| t.status == TicketStatus::Waiting && now.secs_since(t.issued_at) > 45 * 60)
            .map(|t| t.id.to_string())
            .collect();
        for id in tired {
            if rng.chance(0.004) {
                hall.apply(
                    &Command::Cancel {
                        ticket: hallq_proto::command::TicketRef(id),
                    },
                    now,
                );
            }
        }
        // Clerks.
        let counters: Vec<CounterNo> = hall
            .engine
            .config()
            .counters
            .iter()
            .map(|c| c.number)
            .collect();
        let mut called = false;
        for counter in counters {
            let clerk = clerks.entry(counter).or_default();
            called |= work(&mut hall, &mut rng, clerk, counter, now);
        }
        hall.apply(&Command::Tick, now);
        if called && !args.quiet {
            show(&hall, now, tty, args.pace_ms);
        }
        now = now.plus_secs(step);
        if args.pace_ms > 0 {
            std::thread::sleep(Duration::from_millis(args.pace_ms * step as u64 / 60));
        }
    }
    hall.apply(&Command::CloseDay, now);
    if !args.quiet {
        show(&hall, now, tty, 0);
    }
    print!("{}", summary(&hall.events));
    Ok(())
}

/// The engine and what the script keeps beside it.
struct Hall {
    engine: Engine,
    /// Every event of the day, as the journal will hold them.
    events: Vec<Event>,
    /// The board's revision.
    rev: u64,
}

impl Hall {
    /// Applies `cmd`; a refusal is part of a hall's day (nobody waiting, say), so it is only
    /// returned, never fatal.
    fn apply(&mut self, cmd: &Command, now: Timestamp) -> bool {
        match self.engine.apply(cmd, now) {
            Ok(events) => {
                if !events.is_empty() {
                    self.rev += 1;
                }
                self.events.extend(events);
                true
            }
            Err(_) => false,
        }
    }

    fn board(&self, now: Timestamp) -> Board {
        Board {
            v: SCHEMA_VERSION,
            rev: self.rev,
            at_ms: now,
            hall: HallId::new("demo").unwrap_or_else(|_| unreachable!()),
            hall_name: LocalText::new("演示营业厅", "Demo Hall"),
            business_day: self.engine.day().unwrap_or(BusinessDay(0)),
            open: self.engine.is_open(),
            calls: self.engine.recent_calls(),
            queues: self.engine.queues(),
            announcements: self.engine.announcements(now),
            notices: vec![],
        }
    }
}

fn local_hm(t: Timestamp) -> (u32, u32) {
    let (_, minute) = time::local(t, CST);
    (minute / 60, minute % 60)
}

/// A customer arrives: some talk to the greeter first, some are served by self-service.
fn arrive(hall: &mut Hall, rng: &mut Rng, now: Timestamp) {
    let business = pick_business(rng);
    let mut visit = None;
    if rng.chance(0.12) {
        let touch = Command::Touch {
            visit: VisitRef::New,
            touchpoint: Touchpoint::Consultation,
            business: Some(business.clone()),
            resolved: Some(rng.chance(0.4)),
            count: None,
            what: "consultation".into(),
        };
        if let Ok(events) = hall.engine.apply(&touch, now) {
            visit = events.iter().find_map(|e| e.kind.visit().cloned());
            let settled = events.iter().any(|e| {
                matches!(
                    e.kind,
                    EventKind::Touched {
                        resolved: Some(true),
                        ..
                    }
                )
            });
            hall.events.extend(events);
            if settled {
                return;
            }
        }
    }
    let (priority, reason) = match rng.unit() {
        r if r < 0.08 => (Priority::Care, Some(PriorityReason::Elderly)),
        r if r < 0.12 => (Priority::GreenChannel, None),
        _ => (Priority::Ordinary, None),
    };
    let granted_by = (priority != Priority::Ordinary).then(|| "kiosk-1".to_string());
    let cmd = Command::IssueTicket {
        business,
        priority,
        reason,
        granted_by,
        lang: if rng.chance(0.05) { Lang::En } else { Lang::Zh },
        notify: rng.chance(0.2),
        visit,
    };
    hall.apply(&cmd, now);
}

/// One step of a clerk's work. Returns whether a number was called.
fn work(
    hall: &mut Hall,
    rng: &mut Rng,
    clerk: &mut Clerk,
    counter: CounterNo,
    now: Timestamp,
) -> bool {
    let Some(state) = hall.engine.counter_state(counter) else {
        return false;
    };
    match state.activity {
        Activity::Idle if state.open => {
            if let Some((when, score)) = clerk.rating {
                if when > now {
                    return false; // the customer is still at the evaluator
                }
                hall.apply(&Command::Rate { counter, score }, now);
                clerk.rating = None;
            }
            if !hall.apply(&Command::CallNext { counter }, now) {
                return false;
            }
            let shows = rng.chance(0.94);
            *clerk = Clerk {
                arrives_at: shows.then(|| now.plus_secs(rng.secs(20, 100))),
                next_recall: Some(now.plus_secs(60)),
                ..Clerk::default()
            };
            true
        }
        Activity::Calling(t) => match clerk.arrives_at {
            Some(arrives) if arrives <= now => {
                hall.apply(&Command::StartService { counter }, now);
                let secs = service_secs(rng, t.business.as_str());
                clerk.ends_at = Some(now.plus_secs(secs));
                clerk.transfer = t.business.as_str() == "consult" && rng.chance(0.08);
                if t.business.as_str() == "complex" && rng.chance(0.2) {
                    clerk.back_office =
                        Some((now.plus_secs(secs / 3), now.plus_secs(secs * 2 / 3)));
                }
                false
            }
            Some(_) => false,
            None if clerk.next_recall.is_some_and(|r| r <= now) => {
                clerk.next_recall = Some(now.plus_secs(60));
                if t.recalls < 2 {
                    hall.apply(&Command::Recall { counter }, now)
                } else {
                    hall.apply(&Command::NoShow { counter }, now);
                    false
                }
            }
            None => false,
        },
        Activity::Serving { back_office, .. } => {
            if let Some((from, to)) = clerk.back_office
                && ((now >= from && now < to && !back_office) || (now >= to && back_office))
            {
                hall.apply(
                    &Command::BackOffice {
                        counter,
                        waiting: now < to,
                    },
                    now,
                );
            }
            if clerk.ends_at.is_some_and(|e| e <= now) {
                if clerk.transfer {
                    let to = TransferTarget::Business(code("complex"));
                    let note = Some("想办合约机 / wants a contract phone".to_string());
                    hall.apply(&Command::Transfer { counter, to, note }, now);
                } else {
                    let result = match rng.unit() {
                        r if r < 0.86 => ServiceResult::Done,
                        r if r < 0.93 => ServiceResult::Sale,
                        r if r < 0.97 => ServiceResult::NeedsDocuments,
                        _ => ServiceResult::Failed,
                    };
                    hall.apply(&Command::Finish { counter, result }, now);
                    if rng.chance(0.8) {
                        clerk.rating = Some((now.plus_secs(rng.secs(3, 20)), score(rng)));
                    }
                }
                clerk.ends_at = None;
            }
            false
        }
        _ => false,
    }
}

fn show(hall: &Hall, now: Timestamp, tty: bool, pace_ms: u64) {
    let counters: Vec<_> = hall
        .engine
        .config()
        .counters
        .iter()
        .filter_map(|c| hall.engine.counter_state(c.number))
        .collect();
    let text = render(&hall.board(now), &counters, CST);
    if tty && pace_ms > 0 {
        print!("\x1b[H\x1b[2J{text}");
    } else {
        println!("{text}");
    }
    let _ = std::io::stdout().flush();
}

/// The day's figures, from the events alone (as the reports will compute them).
fn summary(events: &[Event]) -> String {
    let mut issued: HashMap<&str, Timestamp> = HashMap::new();
    let mut waits = Vec::new();
    let (mut served, mut no_shows, mut walked, mut reset, mut ratings, mut satisfied) =
        (0, 0, 0, 0, 0, 0);
    let mut visits = 0;
    for e in events {
        match &e.kind {
            EventKind::TicketIssued { ticket, .. } => {
                issued.insert(ticket.as_str(), e.at_ms);
            }
            EventKind::TicketCalled {
                ticket, recall: 0, ..
            } => {
                if let Some(t0) = issued.remove(ticket.as_str()) {
                    waits.push(e.at_ms.secs_since(t0));
                }
            }
            EventKind::ServiceFinished { .. } => served += 1,
            EventKind::VisitStarted { .. } => visits += 1,
            EventKind::VisitEnded { outcome, .. } => match outcome {
                VisitOutcome::NoShow => no_shows += 1,
                VisitOutcome::WalkedOut => walked += 1,
                VisitOutcome::ClosedByReset => reset += 1,
                _ => {}
            },
            EventKind::Rated { score, .. } => {
                ratings += 1;
                satisfied += usize::from(score.is_satisfied());
            }
            _ => {}
        }
    }
    waits.sort_unstable();
    let pct = |q: f64| {
        waits
            .get(((waits.len() as f64 - 1.0) * q).round() as usize)
            .map_or(0, |s| s / 60)
    };
    let tickets = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::TicketIssued { .. }))
        .count();
    let sat = if ratings > 0 {
        100.0 * satisfied as f64 / ratings as f64
    } else {
        0.0
    };
    format!(
        "── 今日 the day ──\n\
         visits 到访 {visits}  tickets 取号 {tickets}  served 办结 {served}  no-shows 过号 {no_shows}  \
         walked out 离开 {walked}  closed at reset 日终关闭 {reset}\n\
         wait 等候 p50 {} min  p90 {} min   ratings 评价 {ratings}  satisfied 满意率 {sat:.1}%  events 事件 {}\n",
        pct(0.5),
        pct(0.9),
        events.len()
    )
}
