//! `hallq demo`: the demo hall. The real hub runs with its embedded broker and a SQLite journal;
//! every device of the example hall (kiosks, a greeter, six counter terminals, six evaluators,
//! LED strips, a supervisor, a door counter and the wall display) is a real MQTT client acting
//! out a day planned from a seed, on an accelerated clock (crate hallq-sim). The wall display's
//! board is printed at every call; at the end the day's figures are read back from the journal.

#![allow(
    clippy::print_stdout,
    reason = "the board on the terminal is this command's output"
)]

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use hallq_client::{DeviceClient, Update};
use hallq_hub::config::{GreenChannelCode, Secret};
use hallq_hub::{Clock as _, HallConfig};
use hallq_proto::{Timestamp, time};
use hallq_sim::{
    Comparison, Figures, JournalExtras, Plan, PlayOptions, Prepared, Scenario, SimConfig, SimHall,
};

use crate::board::render;

mod apps;
use crate::sim::parse_hhmm;

/// Options of `hallq demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Simulated seconds per real second: 120 plays the day in about five minutes.
    #[arg(long, default_value_t = 120.0)]
    speed: f64,
    /// Seed of the day's customers and clerks.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Where the demo's journal goes; it is started afresh each run.
    #[arg(long, default_value = "./hallq-data/demo")]
    data_dir: PathBuf,
    /// The embedded broker's port (on 127.0.0.1); a free one is taken if it is busy.
    #[arg(long, default_value_t = 1883)]
    port: u16,
    /// Stop at this hall-local time (HH:MM) instead of the end of the day.
    #[arg(long, default_value = "17:45")]
    until: String,
    /// Print only the day's figures, not the board at every call.
    #[arg(long)]
    quiet: bool,
    /// Open the wall display, a kiosk and a counter terminal (at a counter of its own) as
    /// windows beside the simulated devices: `auto` when a display is present.
    #[arg(long, value_enum, default_value = "auto")]
    apps: apps::Apps,
}

/// Runs the demo day.
pub(crate) fn run(args: &DemoArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.speed > 0.0 && args.speed <= 100_000.0,
        "--speed must be in (0, 100000] / 速度无效"
    );
    let until = parse_hhmm(&args.until).context("--until must be HH:MM / 时间格式应为 HH:MM")?;
    crate::hub_cmd::init_tracing_quiet();
    let mut config = HallConfig::parse(include_str!("../../../../deploy/hall.example.toml"))
        .map_err(anyhow::Error::msg)?;
    // The example's devices name firmware profiles: ./firmware-profiles (the hub's default) when
    // run from the repository, else the source tree's that the example itself comes from.
    if !config.hub.profiles_dir.is_dir() {
        config.hub.profiles_dir = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../firmware-profiles"
        ));
    }
    // The demo's counters take any staff number, without a PIN.
    config.hall.open_sign_in = true;
    config.green_channel.push(GreenChannelCode {
        code: Secret("VIP-8888".into()),
        label: "全球通钻石卡 diamond card".into(),
    });
    // Appointments (预约): some customers book on the hub's booking API before the day and
    // check in at the kiosks (docs/reports.md, "The simulator's bookings").
    if config.booking.is_none() {
        config.booking = Some(hallq_sim::plan::demo_section());
    }
    let port = if std::net::TcpListener::bind(("127.0.0.1", args.port)).is_ok() {
        args.port
    } else {
        0
    };
    let offset = config.hall.utc_offset_min;
    let auto_skip_s = config.queue.recall.auto_no_show_after_secs;
    let report_cfg = report_config(&config)?;
    let today = time::local(hallq_hub::SystemClock.now(), offset).0;
    let mut sim = SimConfig {
        hall: config,
        scenario: Scenario::default(),
    };
    let plan = Arc::new(Plan::generate(&sim, args.seed, today));
    let profiles = sim.hall.hub.profiles_dir.clone();
    // The windows' devices and counter come after the plan: no simulated clerk uses them.
    let windows = args.apps.wanted().then(|| apps::register(&mut sim.hall));
    let monitor = register_monitor(&mut sim.hall);
    // A fresh secret per device for this run: nothing known is left listening.
    let mut prepared = Prepared::new(sim.hall, &args.data_dir, port)?;
    apps::set_aside(&mut prepared);
    let app_secrets = apps::secrets(&prepared);
    if let Some(id) = &monitor {
        prepared.set_aside(id.clone());
    }
    let monitor_login = monitor
        .as_ref()
        .and_then(|id| Some((id.to_string(), prepared.secret(id)?.to_owned())));
    let hall_id = prepared.config.hall.id.clone();
    let journal = args.data_dir.join("journal.db");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (figures, cmp, bookings) = runtime.block_on(async {
        let hall = SimHall::start(prepared, args.speed, plan.starts_at.plus_secs(-3600)).await?;
        let port = hall.addr().port();
        if !args.quiet {
            println!("演示营业厅 demo hall: hub and embedded broker on port {port}, journal {}", journal.display());
            if let Some((id, secret)) = &monitor_login {
                println!("watch it: mosquitto_sub -h 127.0.0.1 -p {port} -i {id} -u {id} -P '{secret}' -v -t 'hallq/v1/{hall_id}/#'");
            }
            println!("speed ×{} (--speed), seed {} (--seed); Ctrl-C stops\n", args.speed, args.seed);
        }
        let children = match windows {
            Some(counter) => {
                let to = apps::Target {
                    hall: hall_id.to_string(),
                    port,
                    counter,
                    profiles: &profiles,
                    data_dir: &args.data_dir,
                };
                let children = apps::spawn(&app_secrets, &to);
                if !args.quiet && !children.is_empty() {
                    println!(
                        "windows: the wall display, a kiosk and the terminal of counter {counter} (sign in with any staff number); \
                         what you do there is not in the simulator's plan, so its count may differ from the journal's"
                    );
                    println!("{}\n", own_pace_hint(auto_skip_s, args.speed));
                }
                children
            }
            None => Vec::new(),
        };
        let printer = match hall.client("display-main") {
            Some(display) if !args.quiet => Some(tokio::spawn(print_boards(display, offset))),
            _ => None,
        };
        let options = PlayOptions {
            until: Some(time::at(today, until, offset)),
            ..PlayOptions::default()
        };
        let report = tokio::select! {
            r = hall.play(Arc::clone(&plan), options) => Some(r?),
            _ = tokio::signal::ctrl_c() => {
                println!("\n(stopped)");
                None
            }
        };
        if let Some(p) = printer {
            p.abort();
        }
        apps::stop(children);
        hall.stop().await?;
        let figures = Figures::from_journal(&journal)?;
        let bookings = report.as_ref().map(|r| r.book.bookings.clone());
        let cmp = report.map(|r| Comparison::new(&r.figures, &figures));
        anyhow::Ok((figures, cmp, bookings))
    })?;
    print!(
        "{}",
        summary(&figures, &JournalExtras::read(&journal)?, offset)
    );
    if let Some(b) = bookings {
        let late = b.checked_in.values().filter(|(_, late)| *late).count();
        println!(
            "bookings 预约 {} (on the booking API), checked in 签到 {} of which late 迟到 {}",
            b.made.len(),
            b.checked_in.len(),
            late,
        );
    }
    let written = write_report(&journal, &report_cfg, &args.data_dir, offset)?;
    println!("the day's report 报表: {written}");
    if let Some(cmp) = cmp {
        if cmp.agrees() {
            println!("the simulator's own count agrees with the journal / 模拟计数与日志一致");
        } else {
            print!("{}", cmp.render());
        }
    }
    Ok(())
}

/// The report's configuration of the demo hall, as `hallq report` builds it from a hall.toml
/// (with the demo's `[booking]`, which the example file has not).
fn report_config(config: &HallConfig) -> anyhow::Result<hallq_report::ReportConfig> {
    let mut cfg = hallq_report::ReportConfig::from_queue(
        &config.hall.name.zh,
        &config.queue,
        config.hall.utc_offset_min,
    );
    cfg.targets = config.kpi.clone();
    cfg.booking = config
        .booking
        .as_ref()
        .map(|b| b.rules(config))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    Ok(cfg)
}

/// Writes the day's report beside the journal, as text and as HTML; returns where.
fn write_report(
    journal: &std::path::Path,
    cfg: &hallq_report::ReportConfig,
    dir: &std::path::Path,
    offset: i32,
) -> anyhow::Result<String> {
    let j = hallq_journal::Journal::open_read_only(journal)?;
    let now = hallq_hub::SystemClock.now();
    let r = hallq_report::read::report(
        &j,
        cfg,
        hallq_report::DayRange::default(),
        now,
        &mut |_, _| {},
    )?;
    let (text, html) = (dir.join("report.txt"), dir.join("report.html"));
    std::fs::write(&text, hallq_report::render::text::render(&r, offset))?;
    let title = format!("{} — demo", cfg.hall_name);
    std::fs::write(&html, hallq_report::render::html::page(&r, &title)?)?;
    Ok(format!("{} {}", text.display(), html.display()))
}

/// The wall display: the board, redrawn at each call.
/// The demo's read-only login (role `monitor`), so the printed `mosquitto_sub` line watches the
/// hall without the hub's own password (docs/protocol.md §10). `None` if the hall already has
/// a device of that id.
fn register_monitor(config: &mut HallConfig) -> Option<hallq_proto::DeviceId> {
    let id = hallq_proto::DeviceId::new("monitor-demo").ok()?;
    if config.devices.iter().any(|d| d.id == id) {
        return None;
    }
    config.devices.push(hallq_hub::config::DeviceConfig {
        id: id.clone(),
        role: hallq_hub::config::Role::Monitor,
        counter: None,
        profile: None,
        secret_hash: None,
        mosquitto_hash: None,
        revoked: None,
    });
    Some(id)
}

async fn print_boards(display: DeviceClient, offset: i32) {
    let tty = std::io::stdout().is_terminal();
    let mut updates = display.updates();
    loop {
        match updates.recv().await {
            Ok(Update::Call(_)) => {
                // The board with this call follows the call event at once.
                tokio::time::sleep(Duration::from_millis(30)).await;
                let latest = display.latest();
                let Some(board) = latest.board else { continue };
                let counters: Vec<_> = latest.counters.into_values().collect();
                let text = render(&board, &counters, offset);
                if tty {
                    print!("\x1b[H\x1b[2J{text}");
                } else {
                    println!("{text}");
                }
                let _ = std::io::stdout().flush();
            }
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(_) => return,
        }
    }
}

/// The day's figures, read back from the journal (as the reports will).
fn summary(f: &Figures, extras: &JournalExtras, offset: i32) -> String {
    let minutes = |q| f.wait_ms(q).map_or(0, |ms| ms / 60_000);
    let at = extras
        .last_event_ms
        .map_or_else(String::new, |ms| time::hhmm(Timestamp(ms), offset));
    format!(
        "── 今日 the day (journal, until {at}) ──\n\
         visits 到访 {}  tickets 取号 {}  served 办结 {}  no-shows 过号 {}  \
         walked out 离开 {}  still open 未结 {}\n\
         wait 等候 p50 {} min  p90 {} min   ratings 评价 {}  satisfied 满意率 {:.1}%  events 事件 {}\n",
        extras.visits,
        f.tickets,
        f.served,
        f.no_shows,
        f.walk_outs,
        f.still_open,
        minutes(0.5),
        minutes(0.9),
        f.ratings,
        f.satisfaction_pct().unwrap_or(0.0),
        extras.events,
    )
}

/// What someone staffing the demo's extra counter must know: on the accelerated clock the hub
/// skips a ticket called there after `auto_skip_s` of the hall's time, which at ×120 is 2.5 s
/// of theirs; press F3 at once, or play slower.
fn own_pace_hint(auto_skip_s: u32, speed: f64) -> String {
    if auto_skip_s == 0 {
        return "叫号后请按 F3 开始办理 / after a call, press F3 to start the service".to_owned();
    }
    let real_s = f64::from(auto_skip_s) / speed;
    format!(
        "叫号后 {real_s:.1} 秒内未按 F3 开始办理，中枢将自动过号；想按自己的节奏办理请用 --speed 5 / \
         after a call you have {real_s:.1} s to press F3 (start) before the hub skips the ticket; \
         to serve at your own pace run with --speed 5"
    )
}

#[cfg(test)]
mod own_pace_tests {
    use super::own_pace_hint;

    #[test]
    fn the_hint_says_the_seconds_of_the_users_own_time() {
        let at_120 = own_pace_hint(300, 120.0);
        assert!(
            at_120.contains("2.5 秒") && at_120.contains("2.5 s to press F3"),
            "{at_120}"
        );
        assert!(own_pace_hint(300, 5.0).contains("60.0 s"));
        assert!(!own_pace_hint(0, 120.0).contains("skips"));
    }
}
