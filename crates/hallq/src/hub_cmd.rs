//! `hallq hub`: the hall's hub as a service.

use std::path::PathBuf;

use anyhow::Context as _;
use hallq_hub::{HallConfig, RunOptions};

/// Options of `hallq hub`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct HubArgs {
    /// The hall's configuration (deploy/hall.example.toml documents every key).
    #[arg(long, env = "HALLQ_CONFIG")]
    config: PathBuf,
    /// Where the journal lives; overrides `[hub] data_dir`.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Use an external broker (`mqtt://host:port`, e.g. Eclipse Mosquitto) instead of the
    /// embedded one; overrides `[broker] external`.
    #[arg(long)]
    broker: Option<String>,
    /// Start a new, empty journal although the data directory holds what an earlier journal
    /// left (its personal-data key, its WAL). Without it the hub refuses to start there: the
    /// journal was lost or moved, and starting over would restart the ticket numbers.
    #[arg(long)]
    new_journal: bool,
    /// Test mode: run on a simulated clock that starts at this hall-local time today (HH:MM)
    /// and runs `--test-speed` times faster than real time. Never in a real hall.
    #[arg(long, requires = "test_speed")]
    test_start: Option<String>,
    /// Test mode: simulated seconds per real second.
    #[arg(long, requires = "test_start")]
    test_speed: Option<f64>,
}

/// Sets up logging: text, or JSON lines when asked; `RUST_LOG` filters (default `info`), and the
/// broker's ACL plugin is kept quiet because it logs its whole configuration.
pub(crate) fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
        .add_directive(
            hallq_hub::broker::ACL_LOG_FILTER
                .parse()
                .unwrap_or_default(),
        );
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Logging for commands whose output is for people (the demo): warnings and errors only,
/// unless `RUST_LOG` asks for more.
pub(crate) fn init_tracing_quiet() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"))
        .add_directive(
            hallq_hub::broker::ACL_LOG_FILTER
                .parse()
                .unwrap_or_default(),
        );
    // Colours only for a terminal: the demo's output piped to a file reads without escapes.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

/// Runs the hub until SIGTERM or Ctrl-C; SIGHUP reads hall.toml again (its devices, staff and
/// green-channel codes: `systemctl reload hallq-hub` after `hallq device revoke`).
pub(crate) fn run(args: &HubArgs) -> anyhow::Result<()> {
    let config = load(args)?;
    init_tracing(config.hub.log_json);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut options = match (&args.test_start, args.test_speed) {
        (Some(start), Some(speed)) => test_clock(&config, start, speed)?,
        _ => RunOptions::wall_clock(),
    };
    let _in_runtime = runtime.enter();
    options.reloads = reloads_on_sighup(args);
    if let Err(e) = runtime.block_on(hallq_hub::run(config, options, shutdown_signal())) {
        if let Some(code) = e.exit_code() {
            // The journal's storage: said in the log, then a code of its own, so that a service
            // manager tells it from a crash. Nothing more is closed: closing the journal would
            // write the very files it cannot.
            tracing::error!("{e}");
            std::process::exit(i32::from(code));
        }
        return Err(e.into());
    }
    Ok(())
}

/// hall.toml with the command line's overrides, validated.
fn load(args: &HubArgs) -> anyhow::Result<HallConfig> {
    let mut config = HallConfig::load(&args.config)
        .with_context(|| format!("loading {}", args.config.display()))?;
    if let Some(dir) = &args.data_dir {
        config.hub.data_dir = dir.clone();
    }
    if let Some(url) = &args.broker {
        config.broker.external = Some(url.clone());
    }
    config.hub.new_journal = args.new_journal;
    config.validate()?;
    Ok(config)
}

/// hall.toml read again at every SIGHUP; a file that cannot be read is logged and skipped.
fn reloads_on_sighup(args: &HubArgs) -> Option<tokio::sync::mpsc::Receiver<HallConfig>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hup = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(error) => {
                tracing::warn!(%error, "no SIGHUP: hall.toml is read at start only");
                return None;
            }
        };
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let args = args.clone();
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                match load(&args) {
                    Ok(config) => {
                        if tx.send(config).await.is_err() {
                            return;
                        }
                    }
                    Err(error) => tracing::error!(
                        error = format!("{error:#}"),
                        "SIGHUP: hall.toml cannot be used; the hub goes on as it was / 配置文件无法使用，中枢按原配置运行"
                    ),
                }
            }
        });
        Some(rx)
    }
    #[cfg(not(unix))]
    {
        let _ = args;
        None
    }
}

/// The hub's options in test mode: a scaled clock from `start` (HH:MM, hall time, today).
fn test_clock(config: &HallConfig, start: &str, speed: f64) -> anyhow::Result<RunOptions> {
    use hallq_hub::Clock as _;
    anyhow::ensure!(
        speed > 0.0 && speed <= 100_000.0,
        "--test-speed must be in (0, 100000] / 速度无效"
    );
    let (h, m) = start
        .split_once(':')
        .context("--test-start must be HH:MM / 时间格式应为 HH:MM")?;
    let minute = h.parse::<u32>()? * 60 + m.parse::<u32>()?;
    anyhow::ensure!(
        minute < 24 * 60,
        "--test-start must be HH:MM / 时间格式应为 HH:MM"
    );
    let offset = config.hall.utc_offset_min;
    let today = hallq_proto::time::local(hallq_hub::SystemClock.now(), offset).0;
    let clock = hallq_hub::ScaledClock::new(hallq_proto::time::at(today, minute, offset), speed);
    tracing::warn!(start, speed, "TEST MODE: the hub runs on a simulated clock");
    Ok(RunOptions {
        clock: std::sync::Arc::new(clock),
        ready: None,
        reloads: None,
        tick: std::time::Duration::from_secs_f64((5.0 / speed).clamp(0.005, 1.0)),
    })
}

/// Completes on SIGTERM (systemd's stop) or Ctrl-C.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return ctrl_c.await.unwrap_or_default(),
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or_default();
}
