//! `hallq demo`: the demo hall. The real hub runs with its embedded broker and a SQLite journal;
//! kiosks, a greeter, six counter terminals and six evaluators are real MQTT clients acting out
//! a scripted day on an accelerated clock; a wall display client prints the board at every call.
//! At the end the day's figures are read back from the journal.

#![allow(
    clippy::print_stdout,
    reason = "the board on the terminal is this command's output"
)]

mod devices;
mod script;

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use hallq_client::{ClientConfig, DeviceClient, Update};
use hallq_hub::config::{GreenChannelCode, Secret};
use hallq_hub::{Clock as _, HallConfig, RunOptions, ScaledClock};
use hallq_journal::Journal;
use hallq_proto::{DeviceId, Timestamp, time};

use crate::board::render;
use devices::SimTime;
use script::Rng;

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
    /// The embedded broker's port; a free one is taken if it is busy.
    #[arg(long, default_value_t = 1883)]
    port: u16,
    /// Stop at this hall-local time (HH:MM) instead of the end of the day.
    #[arg(long, default_value = "17:45")]
    until: String,
    /// Print only the day's figures, not the board at every call.
    #[arg(long)]
    quiet: bool,
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
    // A fresh secret per device for this run: nothing known is left listening.
    let mut secrets = std::collections::BTreeMap::new();
    for d in &mut config.devices {
        let secret = hallq_hub::secret::random();
        d.secret_hash = Some(hallq_hub::broker::hash_password(&secret)?);
        secrets.insert(d.id.to_string(), secret);
    }
    let hub_secret = hallq_hub::secret::random();
    config.broker.hub_secret = Some(Secret(hub_secret.clone()));
    config.green_channel.push(GreenChannelCode {
        code: Secret("VIP-8888".into()),
        label: "全球通钻石卡 diamond card".into(),
    });
    let port = if std::net::TcpListener::bind(("0.0.0.0", args.port)).is_ok() {
        args.port
    } else {
        0
    };
    config.broker.listen = std::net::SocketAddr::from(([0, 0, 0, 0], port));
    if args.data_dir.join("journal.db").exists() {
        std::fs::remove_dir_all(&args.data_dir)
            .with_context(|| format!("clearing {}", args.data_dir.display()))?;
    }
    config.hub.data_dir = args.data_dir.clone();
    config.validate()?;

    // The day starts at 08:25 today, hall time, and runs `speed` times faster than real time.
    let offset = config.hall.utc_offset_min;
    let today = time::local(hallq_hub::SystemClock.now(), offset).0;
    let clock = Arc::new(ScaledClock::new(
        time::at(today, 8 * 60 + 25, offset),
        args.speed,
    ));
    let sim = SimTime {
        clock: Arc::clone(&clock),
        speed: args.speed,
        utc_offset_min: offset,
        end: time::at(today, until, offset),
    };
    let close_min = config.hours.close.minutes();
    let hall = config.hall.id.clone();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let options = RunOptions {
            clock: clock.clone(),
            ready: Some(ready_tx),
            tick: Duration::from_secs_f64((5.0 / args.speed).clamp(0.005, 1.0)),
        };
        let hub = tokio::spawn(hallq_hub::run(config, options, async {
            let _ = stop_rx.await;
        }));
        let addr = ready_rx.await.context("the hub did not start")?;
        if !args.quiet {
            println!("演示营业厅 demo hall: hub and embedded broker on port {}, journal {}", addr.port(), args.data_dir.join("journal.db").display());
            println!("watch it: mosquitto_sub -h 127.0.0.1 -p {} -u hallq-hub -P '{hub_secret}' -v -t 'hallq/v1/{hall}/#'", addr.port());
            println!("speed ×{} (--speed), seed {} (--seed); Ctrl-C stops\n", args.speed, args.seed);
        }
        let client = |id: &str| {
            let device = DeviceId::new(id).unwrap_or_else(|_| unreachable!("demo ids are valid"));
            let mut c = ClientConfig::new("127.0.0.1", addr.port(), hall.clone(), device);
            c.secret = secrets.get(id).cloned();
            c.reply_timeout = Duration::from_secs(3);
            DeviceClient::connect(&c)
        };
        let mut tasks = Vec::new();
        let mut connect = |id: &str| {
            let (c, t) = client(id);
            tasks.push(t);
            c
        };
        let kiosk = connect("kiosk-1");
        let greeter = connect("greeter-1");
        let kiosk2 = connect("kiosk-2");
        let display = connect("display-main");
        let mut actors = Vec::new();
        actors.push(tokio::spawn(devices::customers(kiosk, greeter, Rng::new(args.seed, 0), sim.clone(), close_min)));
        for (no, staff, start, end) in script::SHIFTS {
            let c = connect(&format!("counter-{no}"));
            actors.push(tokio::spawn(devices::clerk(c, no, staff, (start, end), Rng::new(args.seed, u64::from(no)), sim.clone())));
            let e = connect(&format!("evaluator-{no}"));
            actors.push(tokio::spawn(devices::evaluator(e, no, Rng::new(args.seed, 100 + u64::from(no)), sim.clone())));
        }
        actors.push(tokio::spawn(devices::supervisor(connect("supervisor-1"), sim.clone())));
        let printer = (!args.quiet).then(|| tokio::spawn(print_boards(display.clone(), offset)));
        tokio::select! {
            _ = async { for a in actors { let _ = a.await; } } => {}
            _ = tokio::signal::ctrl_c() => println!("\n(stopped)"),
        }
        if let Some(p) = printer {
            p.abort();
        }
        let _ = kiosk2.disconnect().await;
        for t in &tasks {
            t.abort();
        }
        let _ = stop_tx.send(());
        hub.await??;
        anyhow::Ok(())
    })?;
    print!("{}", summary(&args.data_dir.join("journal.db"), offset)?);
    Ok(())
}

/// The wall display: the board, redrawn at each call.
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

fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// The day's figures, read back from the journal (as the reports will).
fn summary(path: &std::path::Path, offset: i32) -> anyhow::Result<String> {
    let journal = Journal::open_read_only(path)?;
    let db = journal.connection();
    let count = |sql: &str| -> anyhow::Result<i64> { Ok(db.query_row(sql, [], |r| r.get(0))?) };
    let visits = count("SELECT count(*) FROM visits")?;
    let tickets = count("SELECT count(*) FROM tickets")?;
    let served = count("SELECT count(*) FROM tickets WHERE status = 'served'")?;
    let no_shows = count("SELECT count(*) FROM visits WHERE outcome = 'no_show'")?;
    let walked = count("SELECT count(*) FROM visits WHERE outcome = 'walked_out'")?;
    let reset =
        count("SELECT count(*) FROM tickets WHERE status IN ('waiting', 'called', 'serving')")?;
    let ratings = count("SELECT count(*) FROM ratings")?;
    let satisfied =
        count("SELECT count(*) FROM ratings WHERE score IN ('satisfied', 'very_satisfied')")?;
    let events = count("SELECT count(*) FROM events")?;
    let mut stmt = db.prepare("SELECT first_called_at_ms - issued_at_ms FROM tickets WHERE first_called_at_ms IS NOT NULL ORDER BY 1")?;
    let waits: Vec<i64> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let pct = |q: f64| {
        waits
            .get(((waits.len() as f64 - 1.0) * q).round().max(0.0) as usize)
            .map_or(0, |ms| ms / 60_000)
    };
    let sat = if ratings > 0 {
        100.0 * satisfied as f64 / ratings as f64
    } else {
        0.0
    };
    let last: Option<i64> = db.query_row("SELECT max(at_ms) FROM events", [], |r| r.get(0))?;
    let at = last.map_or_else(String::new, |ms| time::hhmm(Timestamp(ms), offset));
    Ok(format!(
        "── 今日 the day (journal, until {at}) ──\n\
         visits 到访 {visits}  tickets 取号 {tickets}  served 办结 {served}  no-shows 过号 {no_shows}  \
         walked out 离开 {walked}  still open 未结 {reset}\n\
         wait 等候 p50 {} min  p90 {} min   ratings 评价 {ratings}  satisfied 满意率 {sat:.1}%  events 事件 {events}\n",
        pct(0.5),
        pct(0.9),
    ))
}
