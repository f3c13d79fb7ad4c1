//! How many commands per second the journal commits, by batch size, and how long the replay on
//! start takes with a long journal.
//!
//! ```text
//! cargo run --release -p hallq-journal --example throughput
//! cargo run --release -p hallq-journal --example throughput -- --commands 20000 --year
//! ```
//!
//! The commands are a busy hall's: kiosks issuing tickets, six counters calling, serving,
//! finishing, evaluators rating, each with the events the real engine produced for it. Every
//! batch size writes the same commands to a fresh file with `synchronous=FULL`; the time is the
//! commits' only. `--year` then fills another file with 300 business days (NORMAL, batches of
//! 1,000, to save time) and times `replay()` on it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;
use std::time::{Duration, Instant};

use hallq_journal::{Durability, Entry, Journal};
use hallq_proto::state::Activity;
use hallq_proto::{
    BusinessCode, BusinessDay, CommandId, ComplaintCategory, CounterNo, DeviceId, Lang, Priority,
    Score, ServiceResult, StaffNo, Timestamp,
};
use hallq_queue::{Command, Engine, QueueConfig};

/// A small deterministic generator: the same run every time, no dependency.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// Drives an engine through a busy day and keeps each accepted command as a journal entry.
struct Day<'a> {
    engine: &'a mut Engine,
    out: Vec<Entry>,
    now: Timestamp,
    serial: u64,
}

impl Day<'_> {
    fn apply(&mut self, device: &str, cmd: Command) -> bool {
        self.now = self.now.plus_secs(7);
        let Ok(events) = self.engine.apply(&cmd, self.now) else {
            return false;
        };
        self.serial += 1;
        let id = format!("{device}-{}", self.serial);
        self.out.push(Entry::Command {
            device: DeviceId::new(device).unwrap_or_else(|_| unreachable!("valid")),
            command_id: CommandId::new(id.clone()).unwrap_or_else(|_| unreachable!("valid")),
            kind: "cmd".into(),
            at: self.now,
            ok: Ok(()),
            reply_json: format!(r#"{{"v":1,"id":"{id}","ok":true,"result":{{"kind":"done"}}}}"#),
            events,
        });
        true
    }
}

/// The entries of one busy day with `tickets` tickets, from `start`.
fn busy_day(
    engine: &mut Engine,
    rng: &mut Lcg,
    day: BusinessDay,
    start: Timestamp,
    tickets: u32,
    serial: &mut u64,
) -> Vec<Entry> {
    let business = [
        "basic",
        "consult",
        "complex",
        "repair",
        "enterprise",
        "basic",
    ];
    let mut d = Day {
        engine,
        out: Vec::new(),
        now: start,
        serial: *serial,
    };
    d.apply("hub", Command::OpenDay { day });
    for n in 1..=6u16 {
        let staff = StaffNo::new(format!("s{n}")).unwrap_or_else(|_| unreachable!("valid"));
        d.apply(
            &format!("counter-{n}"),
            Command::SignIn {
                counter: CounterNo(n),
                staff,
            },
        );
    }
    for i in 0..tickets {
        let b = business[usize::try_from(rng.below(6)).unwrap_or(0)];
        let priority = match rng.below(20) {
            0 => Priority::Care,
            1 => Priority::GreenChannel,
            _ => Priority::Ordinary,
        };
        d.apply(
            &format!("kiosk-{}", 1 + rng.below(2)),
            Command::IssueTicket {
                business: BusinessCode::new(b).unwrap_or_else(|_| unreachable!("valid")),
                priority,
                reason: None,
                granted_by: None,
                lang: Lang::Zh,
                notify: rng.below(3) == 0,
                visit: None,
                tier: None,
            },
        );
        if i % 97 == 0 {
            d.apply(
                "supervisor-1",
                Command::ComplaintOpen {
                    category: ComplaintCategory::General,
                    summary: "waited too long".into(),
                    visit: None,
                    ticket: None,
                    business: None,
                    responsibility: None,
                    opened_by: "supervisor-1".into(),
                },
            );
        }
        // Each counter moves one step for every ticket issued: the hall keeps up.
        for n in 1..=6u16 {
            let counter = CounterNo(n);
            let device = format!("counter-{n}");
            let Some(state) = d.engine.counter_state(counter) else {
                continue;
            };
            match state.activity {
                Activity::Idle | Activity::Paused { .. } => {
                    d.apply(&device, Command::CallNext { counter });
                }
                Activity::Calling(_) => {
                    d.apply(&device, Command::StartService { counter });
                }
                Activity::Serving { .. } => {
                    let result = if rng.below(5) == 0 {
                        ServiceResult::Sale
                    } else {
                        ServiceResult::Done
                    };
                    d.apply(
                        &device,
                        Command::Finish {
                            counter,
                            result,
                            missing: vec![],
                        },
                    );
                    if rng.below(3) > 0 {
                        let score = Score::VerySatisfied;
                        d.apply(&format!("evaluator-{n}"), Command::Rate { counter, score });
                    }
                }
            }
        }
    }
    d.apply("hub", Command::CloseDay);
    *serial = d.serial;
    d.out
}

/// Commits `entries` in batches of `size` to a fresh file in `dir`; returns the commits' time.
fn time_commits(dir: &Path, entries: &[Entry], size: usize, durability: Durability) -> Duration {
    let path = dir.join(format!("throughput-{size}-{durability:?}.sqlite"));
    let mut journal = Journal::open(&path, durability).unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    for batch in entries.chunks(size) {
        journal.commit(batch).unwrap_or_else(|e| panic!("{e}"));
    }
    started.elapsed()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let commands: usize = args
        .iter()
        .position(|a| a == "--commands")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let year = args.iter().any(|a| a == "--year");
    let dir = tempfile::tempdir_in(".").unwrap_or_else(|e| panic!("{e}"));

    let mut engine = Engine::new(QueueConfig::telecom_default()).unwrap_or_else(|e| panic!("{e}"));
    let mut rng = Lcg(42);
    let mut serial = 0;
    let mut entries = Vec::new();
    let mut day = 0;
    while entries.len() < commands {
        let date = BusinessDay(20260101 + day);
        let start = Timestamp(1_767_225_600_000 + i64::from(day) * 86_400_000);
        entries.extend(busy_day(
            &mut engine,
            &mut rng,
            date,
            start,
            1_500,
            &mut serial,
        ));
        day += 1;
    }
    entries.truncate(commands);
    let events: usize = entries
        .iter()
        .map(|e| match e {
            Entry::Command { events, .. } => events.len(),
            _ => 0,
        })
        .sum();
    println!(
        "{commands} commands, {events} events ({:.2} per command), file in {}",
        events as f64 / commands as f64,
        dir.path().display()
    );
    println!("| batch | sync   | commands/s | events/s | mean commit |");
    println!("|------:|--------|-----------:|---------:|------------:|");
    for (size, durability) in [
        (1, Durability::Full),
        (50, Durability::Full),
        (200, Durability::Full),
        (1, Durability::Normal),
        (200, Durability::Normal),
    ] {
        let took = time_commits(dir.path(), &entries, size, durability);
        let secs = took.as_secs_f64();
        let commits = commands.div_ceil(size);
        println!(
            "| {size:>5} | {:<6} | {:>10.0} | {:>8.0} | {:>8.3} ms |",
            format!("{durability:?}").to_uppercase(),
            commands as f64 / secs,
            events as f64 / secs,
            secs * 1000.0 / commits as f64,
        );
    }

    if year {
        let path = dir.path().join("year.sqlite");
        let mut journal =
            Journal::open(&path, Durability::Normal).unwrap_or_else(|e| panic!("{e}"));
        let mut engine =
            Engine::new(QueueConfig::telecom_default()).unwrap_or_else(|e| panic!("{e}"));
        let filling = Instant::now();
        for day in 0..300u32 {
            let date = BusinessDay(20250101 + day);
            let start = Timestamp(1_735_689_600_000 + i64::from(day) * 86_400_000);
            let entries = busy_day(&mut engine, &mut rng, date, start, 600, &mut serial);
            for batch in entries.chunks(1000) {
                journal.commit(batch).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        let rows = journal.last_seq().unwrap_or_else(|e| panic!("{e}"));
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        println!(
            "year: 300 days, {rows} events, {:.0} MB, filled in {:.1} s",
            size as f64 / 1e6,
            filling.elapsed().as_secs_f64()
        );
        drop(journal);
        let opening = Instant::now();
        let journal = Journal::open(&path, Durability::Full).unwrap_or_else(|e| panic!("{e}"));
        let opened = opening.elapsed();
        let replaying = Instant::now();
        let events = journal.replay().unwrap_or_else(|e| panic!("{e}"));
        let replayed = replaying.elapsed();
        let mut engine =
            Engine::new(QueueConfig::telecom_default()).unwrap_or_else(|e| panic!("{e}"));
        for e in &events {
            engine.replay(e);
        }
        println!(
            "open {:.1} ms, replay(): {} events in {:.1} ms, engine rebuilt in {:.1} ms total",
            opened.as_secs_f64() * 1000.0,
            events.len(),
            replayed.as_secs_f64() * 1000.0,
            replaying.elapsed().as_secs_f64() * 1000.0
        );
    }
}
