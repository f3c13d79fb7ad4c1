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
    /// Print no tables (with --csv or --html).
    #[arg(long)]
    quiet: bool,
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
    let hall = HallConfig::load(&args.config)
        .with_context(|| format!("loading {}", args.config.display()))?;
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
    let k = &hall.kpi;
    cfg.targets = Targets {
        satisfaction_pct: k.satisfaction_pct,
        within_limit_pct: k.within_limit_pct,
        complaint_resolution_pct: k.complaint_resolution_pct,
        wait_service_level_pct: k.wait_service_level_pct,
        wait_target_min: args.wait_target_min.unwrap_or(k.wait_target_min),
    };
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
    let journal = Journal::open_read_only(&path)
        .with_context(|| format!("opening the journal {}", path.display()))?;
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
    let report = hallq_report::read::report(&journal, &cfg, range, now, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
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
    Ok(())
}

fn span_label(range: &DayRange, span: Option<(Timestamp, Timestamp)>, offset: i32) -> String {
    let show = |d: BusinessDay| format!("{}-{:02}-{:02}", d.0 / 10_000, d.0 / 100 % 100, d.0 % 100);
    let from = range.from.or(span.map(|s| time::local(s.0, offset).0));
    let to = range.to.or(span.map(|s| time::local(s.1, offset).0));
    match (from, to) {
        (Some(a), Some(b)) => format!(" {} – {}", show(a), show(b)),
        _ => String::new(),
    }
}
