//! `hallq sim`: a simulated hall day against the real hub, or the load mode.
//!
//! The day: the hub runs in this process on a simulated clock (`--speed` times real time) with
//! its embedded broker on loopback and a fresh journal; every device of the hall's
//! configuration is emulated as a real MQTT client and acts out a day planned from `--seed`
//! (crate hallq-sim). Progress lines while it runs; at the end the simulator's figures beside
//! the journal's, and an error exit if they disagree.
//!
//! The load mode (`--load`): K devices of one hall against one hub (as its own process) and
//! its embedded broker, each sending at `--rate`; a table of logins, commands per second,
//! round trips and the hub's memory.

#![allow(
    clippy::print_stdout,
    reason = "the progress lines, the summary and the load table are this command's output"
)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use hallq_hub::{Clock as _, HallConfig};
use hallq_proto::{BusinessDay, time};
use hallq_sim::load::{LoadOptions, LoadRole};
use hallq_sim::restart::{RestartOptions, median};
use hallq_sim::{
    Figures, JournalExtras, Plan, PlayOptions, Prepared, Scenario, SimConfig, SimHall,
};

/// Options of `hallq sim`.
#[derive(Debug, clap::Args)]
pub(crate) struct SimArgs {
    /// The hall's configuration (hall.toml). Device secrets in it are not needed: the
    /// simulation gives every device a fresh one; it always runs the embedded broker on
    /// loopback, whatever `[broker]` says.
    #[arg(long, default_value = "deploy/hall.example.toml")]
    config: PathBuf,
    /// A scenario file (arrivals per hour, business mix, handling times, behaviours, shifts);
    /// the defaults otherwise.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Seed of the day: the same seed plans the same day.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Simulated seconds per real second.
    #[arg(long, default_value_t = 1000.0)]
    speed: f64,
    /// The business day to play, YYYY-MM-DD (today, hall time, if left out).
    #[arg(long)]
    day: Option<String>,
    /// Where the journal goes; started afresh (a directory holding anything else is refused).
    #[arg(long, default_value = "./hallq-data/sim")]
    data_dir: PathBuf,
    /// The embedded broker's port on 127.0.0.1; 0 takes a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Stop at this hall-local time (HH:MM) instead of when everyone has been served.
    #[arg(long)]
    until: Option<String>,
    /// Simulated minutes between progress lines.
    #[arg(long, default_value_t = 30)]
    progress_min: u32,
    /// Print the day's plan and stop.
    #[arg(long)]
    plan_only: bool,

    /// Restart mode: simulate the day (up to `--until` if given), then time the hub's restart
    /// to serving with that journal and with journals of `--days` days (the day copied over
    /// the days before it, each closed by its daily reset). Writes `day-1/` and `days-N/` under `--data-dir`, replacing
    /// them.
    #[arg(long, conflicts_with = "load")]
    restart: bool,
    /// Restart mode: journal lengths in days, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 365])]
    days: Vec<u32>,
    /// Restart mode: starts measured per journal.
    #[arg(long, default_value_t = 5)]
    runs: usize,

    /// Load mode: many devices against one hub instead of a hall day.
    #[arg(long)]
    load: bool,
    /// Load mode: devices, comma-separated for one run each (e.g. 250,500,1000).
    #[arg(long, value_delimiter = ',', default_values_t = [1000])]
    devices: Vec<usize>,
    /// Load mode: commands per device per second.
    #[arg(long, default_value_t = 1.0)]
    rate: f64,
    /// Load mode: seconds of sending after every device has logged in.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Load mode: every device also receives the hall's retained state and call events.
    #[arg(long)]
    watch: bool,
    /// Load mode: the kind of device: door counters (`door_count`) or kiosks
    /// (`session_started`). Each kiosk still offline puts a maintenance notice on the board;
    /// with some 300 kiosks the board outgrows the hub's 64 KiB packet limit and the hub
    /// loses its broker connection in a loop (found by this mode).
    #[arg(long, value_enum, default_value = "door")]
    role: Role,
    /// Load mode: run the hub in this process instead of as its own `hallq hub` process.
    #[arg(long)]
    in_process: bool,
    /// Load mode: logins started together (each is an Argon2 check on the hub, which runs at
    /// most 20 MiB of them at once).
    #[arg(long, default_value_t = 100)]
    login_wave: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Role {
    Door,
    Kiosk,
}

/// Runs `hallq sim`.
pub(crate) fn run(args: &SimArgs) -> anyhow::Result<()> {
    crate::hub_cmd::init_tracing_quiet();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.load {
        return runtime.block_on(load(args));
    }
    let hall = HallConfig::load(&args.config)
        .with_context(|| format!("loading {}", args.config.display()))?;
    let scenario = match &args.scenario {
        Some(p) => Scenario::load(p)?,
        None => Scenario::default(),
    };
    let offset = hall.hall.utc_offset_min;
    let day = match &args.day {
        Some(d) => parse_day(d).context("--day must be YYYY-MM-DD / 日期格式应为 YYYY-MM-DD")?,
        None => time::local(hallq_hub::SystemClock.now(), offset).0,
    };
    let until = args
        .until
        .as_deref()
        .map(|u| {
            parse_hhmm(u)
                .map(|m| time::at(day, m, offset))
                .context("--until must be HH:MM / 时间格式应为 HH:MM")
        })
        .transpose()?;
    let mut hall = hall;
    hallq_sim::hall::with_green_code(&mut hall);
    let config = SimConfig { hall, scenario };
    if args.restart {
        return runtime.block_on(restart(args, config, day));
    }
    let plan = Arc::new(Plan::generate(&config, args.seed, day));
    println!(
        "模拟营业厅 hall simulator: {} ({}), seed {}, ×{}",
        config.hall.hall.name.zh, config.hall.hall.id, args.seed, args.speed
    );
    println!("plan 计划: {}", plan.describe());
    for note in &plan.notes {
        println!("  note: {note}");
    }
    if args.plan_only {
        print_plan(&plan);
        return Ok(());
    }
    let devices = config.hall.devices.len();
    let started = std::time::Instant::now();
    let prepared = Prepared::new(config.hall, &args.data_dir, args.port)?;
    let speed = args.speed;
    let journal = args.data_dir.join("journal.db");
    let (summary, agrees) = runtime.block_on(async {
        let hall = SimHall::start(prepared, speed, plan.starts_at.plus_secs(-3600)).await?;
        println!(
            "hub and embedded broker on 127.0.0.1:{}, journal {}",
            hall.addr().port(),
            journal.display()
        );
        let options = PlayOptions {
            until,
            progress: Some(Arc::new(|p: &hallq_sim::Progress| {
                println!(
                    "  {}  tickets {:>4}  waiting {:>3}  serving {:>2}  served {:>4}  no-shows {:>3}  walk-outs {:>3}   ({:.1} s)",
                    p.hhmm, p.tickets, p.waiting, p.serving, p.served, p.no_shows, p.walk_outs, p.wall_secs
                );
            })),
            progress_every_min: args.progress_min,
            drain_limit_min: 0,
        };
        let setup = started.elapsed();
        let report = hall.play(Arc::clone(&plan), options).await;
        let stopping = std::time::Instant::now();
        hall.stop().await?;
        let report = report?;
        let figures = Figures::from_journal(&journal)?;
        let extras = JournalExtras::read(&journal)?;
        let (mut text, cmp) = hallq_sim::report::summary(&plan, &report, &figures, &extras, speed);
        let (rss, peak) = hallq_sim::load::proc_status_self();
        let mib = |k: Option<u64>| k.map_or("?".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0));
        text.push_str(&format!(
            "memory 内存: this process (hub, broker and {} emulated devices) {} MiB now, {} MiB at its peak\n",
            devices,
            mib(rss),
            mib(peak)
        ));
        text.push_str(&format!(
            "wall 耗时: {:.1} s in all = setup {:.1} s (secrets, hub, logins) + day {:.1} s + teardown {:.1} s\n",
            started.elapsed().as_secs_f64(),
            setup.as_secs_f64(),
            report.wall.as_secs_f64(),
            stopping.elapsed().as_secs_f64(),
        ));
        anyhow::Ok((text, cmp.agrees()))
    })?;
    println!("\n{summary}");
    if !agrees {
        bail!("the simulator's figures and the journal's disagree / 模拟与日志不一致");
    }
    Ok(())
}

/// `HH:MM` as minutes after midnight.
pub(crate) fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

fn parse_day(s: &str) -> Option<BusinessDay> {
    let mut parts = s.split('-');
    let (y, m, d): (u32, u32, u32) = (
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    let ok = parts.next().is_none()
        && (1970..=9999).contains(&y)
        && (1..=12).contains(&m)
        && (1..=31).contains(&d);
    ok.then_some(BusinessDay(y * 10_000 + m * 100 + d))
}

fn print_plan(plan: &Plan) {
    for h in &plan.hours {
        println!(
            "  {:02}:00  {:<10} {:>5.1}/h planned  {:>3} arrivals",
            h.hour,
            h.period.label(),
            h.rate,
            h.arrivals
        );
    }
    for s in &plan.shifts {
        let breaks: Vec<String> = s
            .breaks
            .iter()
            .map(|b| format!("{} {} min", plan.hhmm(b.at), b.secs / 60))
            .collect();
        println!(
            "  counter {:>2}  {}  {}–{}{}{}",
            s.counter,
            s.staff,
            plan.hhmm(s.from),
            plan.hhmm(s.to),
            if s.serves_after_close { "+" } else { "" },
            if breaks.is_empty() {
                String::new()
            } else {
                format!("  breaks {}", breaks.join(", "))
            }
        );
    }
}

async fn restart(args: &SimArgs, config: SimConfig, day: BusinessDay) -> anyhow::Result<()> {
    let until_min = args
        .until
        .as_deref()
        .map(|u| parse_hhmm(u).context("--until must be HH:MM / 时间格式应为 HH:MM"))
        .transpose()?;
    for entry in std::fs::read_dir(&args.data_dir).into_iter().flatten() {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "day-1" || name.starts_with("days-") {
            std::fs::remove_dir_all(entry.path())
                .with_context(|| format!("removing {}", entry.path().display()))?;
        }
    }
    let opts = RestartOptions {
        days: args.days.clone(),
        runs: args.runs,
        speed: args.speed,
        until_min,
        seed: args.seed,
    };
    println!(
        "restart 重启: the hub started on journals of {:?} day(s), {} start(s) each",
        opts.days, opts.runs
    );
    let say = |line: &str| println!("  {line}");
    let rows = hallq_sim::restart::run(config, day, &args.data_dir, &opts, &say).await?;
    println!(
        "\n| journal | events | file | replayed on start | ready (median, min–max) | serving (median, min–max) |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        let span = |v: &[f64]| {
            format!(
                "{:.0} ms ({:.0}–{:.0})",
                median(v),
                v.first().copied().unwrap_or(f64::NAN),
                v.last().copied().unwrap_or(f64::NAN)
            )
        };
        println!(
            "| {} day(s) | {} | {:.0} MB | {} | {} | {} |",
            r.days,
            r.events,
            r.bytes as f64 / 1e6,
            r.replayed,
            span(&r.ready_ms),
            span(&r.serving_ms)
        );
    }
    Ok(())
}

async fn load(args: &SimArgs) -> anyhow::Result<()> {
    let hub_binary = if args.in_process {
        None
    } else {
        Some(std::env::current_exe().context("finding the hallq binary")?)
    };
    println!(
        "load 负载: {} device(s) of one hall against one hub and its embedded broker, {} command(s)/s each for {} s{}; hub {}",
        args.devices
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        args.rate,
        args.duration,
        if args.watch {
            ", every device watching the state"
        } else {
            ""
        },
        if hub_binary.is_some() {
            "as its own process"
        } else {
            "in this process"
        },
    );
    println!("{}", hallq_sim::load::HEADER);
    let mut rows = Vec::new();
    for &devices in &args.devices {
        let opts = LoadOptions {
            devices,
            rate: args.rate,
            duration: Duration::from_secs(args.duration),
            watch_state: args.watch,
            role: match args.role {
                Role::Door => LoadRole::Door,
                Role::Kiosk => LoadRole::Kiosk,
            },
            hub_binary: hub_binary.clone(),
            login_wave: args.login_wave,
            seed: args.seed,
        };
        let report = hallq_sim::load::run(&opts).await?;
        println!("{}", hallq_sim::load::row(&opts, &report));
        rows.push((opts, report));
    }
    println!("\n{}", hallq_sim::load::render(&rows));
    Ok(())
}
