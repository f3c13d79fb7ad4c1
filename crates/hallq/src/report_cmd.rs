//! `hallq report`: what happened in the hall, from its journal (crate hallq-report).
//!
//! Opens the journal read-only (the hub may be running), folds the events of the chosen
//! business days with a progress bar on the terminal, then prints the tables; `--csv DIR`
//! writes one CSV per table, `--html FILE` one self-contained page with SVG charts.

#![allow(
    clippy::print_stdout,
    reason = "the report's tables are this command's output"
)]

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use hallq_hub::{Clock as _, HallConfig};
use hallq_journal::Journal;
use hallq_proto::{BusinessDay, Timestamp, time};
use hallq_report::{DayRange, ReportConfig, Targets};

/// Options of `hallq report`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReportArgs {
    /// The hall's configuration (hall.toml): business types and their time limits, counters
    /// and their skills, the KPI targets, the journal's directory.
    #[arg(long, default_value = "deploy/hall.example.toml")]
    config: PathBuf,
    /// The journal file; `[hub] data_dir`/journal.db of the configuration if left out.
    #[arg(long)]
    journal: Option<PathBuf>,
    /// Only report this hall: refuse a configuration of another hall id.
    #[arg(long)]
    hall: Option<String>,
    /// First business day, YYYY-MM-DD (the journal's first if left out).
    #[arg(long)]
    from: Option<String>,
    /// Last business day, YYYY-MM-DD (the journal's last if left out).
    #[arg(long)]
    to: Option<String>,
    /// The report's time, "YYYY-MM-DD HH:MM" hall time (complaints' time left is counted to
    /// it); now if left out.
    #[arg(long)]
    at: Option<String>,
    /// The waiting-time target in minutes, instead of the configuration's `[kpi]`.
    #[arg(long)]
    wait_target_min: Option<u32>,
    /// Write one CSV file per table into this directory (created if needed).
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Write the HTML report (one file, charts inlined as SVG) here.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Ranges of business days folded at once, each on its own thread and connection; the
    /// machine's cores if left out.
    #[arg(long)]
    threads: Option<usize>,
    /// Print no tables (with --csv or --html).
    #[arg(long)]
    quiet: bool,
    /// What-if: play a proposed schedule through the simulator. The file is a simulator
    /// scenario (`hallq sim --scenario`) whose `[[shifts]]` are the proposal; its arrivals per
    /// hour are replaced by the ones measured here for the weekday of `--what-if-day`. The
    /// simulated day's KPIs are printed beside the measured ones.
    #[arg(long)]
    what_if: Option<PathBuf>,
    /// What-if: the day to simulate, YYYY-MM-DD (its weekday's measured arrivals are used).
    #[arg(long, default_value = "2026-11-23")]
    what_if_day: String,
    /// What-if: the simulated day's seed.
    #[arg(long, default_value_t = 7)]
    what_if_seed: u64,
    /// What-if: simulated seconds per real second.
    #[arg(long, default_value_t = 2000.0)]
    what_if_speed: f64,
}

fn parse_day(s: &str) -> Option<BusinessDay> {
    let mut p = s.split('-');
    let (y, m, d): (u32, u32, u32) = (
        p.next()?.parse().ok()?,
        p.next()?.parse().ok()?,
        p.next()?.parse().ok()?,
    );
    let ok = p.next().is_none() && (1..=12).contains(&m) && (1..=31).contains(&d);
    ok.then_some(BusinessDay(y * 10_000 + m * 100 + d))
}

/// Runs `hallq report`.
pub(crate) fn run(args: &ReportArgs) -> anyhow::Result<()> {
    crate::hub_cmd::init_tracing_quiet();
    // The firmware profiles are not read: a report needs none of them (the what-if does).
    let text = std::fs::read_to_string(&args.config)
        .with_context(|| format!("reading {}", args.config.display()))?;
    let mut hall = HallConfig::parse_file(&text, &args.config)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("loading {}", args.config.display()))?;
    hall.apply_env(|name| std::env::var(name).ok())?;
    if let Some(id) = &args.hall
        && id != hall.hall.id.as_str()
    {
        bail!(
            "{} is the configuration of hall {}, not {id} / 配置与营业厅不符",
            args.config.display(),
            hall.hall.id
        );
    }
    let offset = hall.hall.utc_offset_min;
    let mut cfg = ReportConfig::from_queue(&hall.hall.name.zh, &hall.queue, offset);
    cfg.targets = Targets {
        wait_target_min: args.wait_target_min.unwrap_or(hall.kpi.wait_target_min),
        ..hall.kpi.clone()
    };
    // The appointment figures' bound and slot capacity (docs/reports.md "Appointments").
    cfg.booking = hall
        .booking
        .as_ref()
        .map(|b| b.rules(&hall))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let day = |s: &Option<String>| {
        s.as_deref()
            .map(|d| parse_day(d).context("dates are YYYY-MM-DD / 日期格式应为 YYYY-MM-DD"))
            .transpose()
    };
    let range = DayRange {
        from: day(&args.from)?,
        to: day(&args.to)?,
    };
    if let (Some(a), Some(b)) = (range.from, range.to)
        && a > b
    {
        bail!("--from is after --to / 起始日期晚于结束日期");
    }
    let now = match &args.at {
        Some(s) => {
            let (d, hm) = s.split_once(' ').context("--at is \"YYYY-MM-DD HH:MM\"")?;
            let d = parse_day(d).context("--at is \"YYYY-MM-DD HH:MM\"")?;
            let m = crate::sim::parse_hhmm(hm).context("--at is \"YYYY-MM-DD HH:MM\"")?;
            time::at(d, m, offset)
        }
        None => hallq_hub::SystemClock.now(),
    };
    let path = args
        .journal
        .clone()
        .unwrap_or_else(|| hall.hub.data_dir.join("journal.db"));
    // Opened here once for a clear error; each fold opens its own connection.
    drop(
        Journal::open_read_only(&path)
            .with_context(|| format!("opening the journal {}", path.display()))?,
    );
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} events ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message("reading 读取");
    let started = std::time::Instant::now();
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let mut report = hallq_report::read::report_parallel(
        &path,
        &cfg,
        range,
        now,
        threads,
        &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )?;
    bar.finish_and_clear();
    // Service-standard inspections, from every inspection event (docs/reports.md).
    let (inspections, open_days) =
        hallq_report::inspections::read(&Journal::open_read_only(&path)?)?;
    let setup = hallq_report::inspections::Setup {
        templates: hall.inspections.templates.clone(),
        hours: hallq_report::inspections::Hours {
            open_min: hall.hours.open.minutes(),
            close_min: hall.hours.close.minutes(),
            utc_offset_min: offset,
        },
        target_pct: hall.kpi.service_standard_pct,
    };
    report.add_inspections(hallq_report::inspections::figures(
        &setup,
        &inspections,
        &open_days,
        range,
        now,
    ));
    tracing::info!(
        events = report.events,
        visits = report.visits,
        secs = started.elapsed().as_secs_f64(),
        "report computed"
    );
    if !args.quiet {
        print!("{}", hallq_report::render::text::render(&report, offset));
    }
    if let Some(dir) = &args.csv {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for (name, text) in hallq_report::render::csv::files(&report) {
            let file = dir.join(name);
            std::fs::write(&file, text).with_context(|| format!("writing {}", file.display()))?;
        }
    }
    if let Some(file) = &args.html {
        let title = format!(
            "{} 营业厅报表 hall report{}",
            report.hall,
            span_label(&range, report.span, offset)
        );
        let page = hallq_report::render::html::page(&report, &title)?;
        std::fs::write(file, page).with_context(|| format!("writing {}", file.display()))?;
    }
    if let Some(scenario) = &args.what_if {
        what_if(args, scenario, hall, &cfg, &report)?;
    }
    Ok(())
}

/// Plays `scenario`'s shifts through the simulator with the arrivals measured in `measured`,
/// reports the simulated journal the same way, and prints both sets of KPIs.
fn what_if(
    args: &ReportArgs,
    scenario: &std::path::Path,
    mut hall: HallConfig,
    cfg: &ReportConfig,
    measured: &hallq_report::Report,
) -> anyhow::Result<()> {
    use std::sync::Arc;

    use hallq_sim::{Plan, PlayOptions, Prepared, SimConfig, SimHall};

    let day = parse_day(&args.what_if_day).context("--what-if-day is YYYY-MM-DD")?;
    let weekday = hallq_report::measures::weekday_hour(
        time::at(day, 12 * 60, hall.hall.utc_offset_min).0,
        hall.hall.utc_offset_min,
    )
    .0;
    let mut scenario = hallq_sim::Scenario::load(scenario)?;
    let of_weekday = |d: usize| -> Vec<f64> {
        let v: Vec<f64> = measured
            .hours
            .iter()
            .filter(|h| h.weekday == d)
            .map(|h| h.arrivals)
            .collect();
        v
    };
    let busy: Vec<usize> = (0..7)
        .filter(|&d| of_weekday(d).iter().sum::<f64>() > 0.0)
        .collect();
    scenario.arrivals_per_hour = if busy.contains(&weekday) {
        of_weekday(weekday)
    } else {
        // No day of that weekday was measured: the mean day of those that were.
        println!(
            "(no {} in the journal: the mean of the weekdays measured)",
            weekday_name(weekday)
        );
        (0..24)
            .map(|h| busy.iter().map(|&d| of_weekday(d)[h]).sum::<f64>() / busy.len().max(1) as f64)
            .collect()
    };
    scenario.scale = 1.0;
    hall.load_profiles()?;
    hallq_sim::hall::with_green_code(&mut hall);
    let config = SimConfig { hall, scenario };
    let plan = Arc::new(Plan::generate(&config, args.what_if_seed, day));
    println!(
        "\n── what-if 排班模拟: {} (measured arrivals of that weekday), seed {} ──",
        plan.describe(),
        args.what_if_seed
    );
    let dir = tempfile::tempdir()?;
    let prepared = Prepared::new(config.hall, dir.path(), 0)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let speed = args.what_if_speed;
    let ended = runtime.block_on(async {
        let sim = SimHall::start(prepared, speed, plan.starts_at.plus_secs(-3600)).await?;
        let played = sim.play(Arc::clone(&plan), PlayOptions::default()).await;
        sim.stop().await?;
        anyhow::Ok(played?.ended_at)
    })?;
    let journal = Journal::open_read_only(dir.path().join("journal.db"))?;
    let simulated = hallq_report::read::report(
        &journal,
        cfg,
        DayRange::default(),
        ended.plus_secs(3600),
        &mut |_, _| {},
    )?;
    let pct = |k: Option<f64>| k.map_or("-".to_owned(), |p| format!("{p:.1}%"));
    let rows: Vec<Vec<String>> = measured
        .kpis
        .iter()
        .filter(|k| {
            matches!(
                k.key,
                "satisfaction" | "within_limit" | "wait_service_level"
            )
        })
        .map(|k| {
            vec![
                k.label.clone(),
                pct(k.pct()),
                pct(simulated
                    .kpi(k.key)
                    .and_then(hallq_report::report::Kpi::pct)),
                format!("≥ {:.0}%", k.target_pct),
            ]
        })
        .chain([
            vec![
                "wait p90 (min)".into(),
                minutes(measured.wait.p90),
                minutes(simulated.wait.p90),
                String::new(),
            ],
            vec![
                "walked out 离开 (share of visits)".into(),
                share(measured, hallq_report::Outcome::WalkedOut),
                share(&simulated, hallq_report::Outcome::WalkedOut),
                String::new(),
            ],
        ])
        .collect();
    print!(
        "{}",
        hallq_report::render::text::table(&["", "measured 实测", "what-if 模拟", "target"], &rows)
    );
    Ok(())
}

fn weekday_name(d: usize) -> &'static str {
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ][d % 7]
}

fn minutes(secs: Option<u64>) -> String {
    secs.map_or("-".into(), |s| format!("{:.1}", s as f64 / 60.0))
}

fn share(r: &hallq_report::Report, o: hallq_report::Outcome) -> String {
    if r.visits == 0 {
        return "-".into();
    }
    format!("{:.1}%", 100.0 * r.outcome(o) as f64 / r.visits as f64)
}

fn span_label(range: &DayRange, span: Option<(Timestamp, Timestamp)>, offset: i32) -> String {
    let show = time::iso_date;
    let from = range.from.or(span.map(|s| time::local(s.0, offset).0));
    let to = range.to.or(span.map(|s| time::local(s.1, offset).0));
    match (from, to) {
        (Some(a), Some(b)) => format!(" {} – {}", show(a), show(b)),
        _ => String::new(),
    }
}
