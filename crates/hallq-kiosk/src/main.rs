//! `hallq-kiosk`: the ticket kiosk app. It reads the kiosk's firmware profile (screen, printer,
//! timings), connects to the hall's broker as its device, and runs the kiosk: the controller on
//! tokio, the window on Slint's event loop, tickets to the printer.
//!
//! ```sh
//! hallq-kiosk --broker 127.0.0.1:1883 --hall demo --device kiosk-1 \
//!     --profile firmware-profiles/kiosk-portrait-80mm.toml --printer tcp://192.168.1.50:9100
//! ```
//! The device's secret comes from `HALLQ_DEVICE_SECRET` (never from the command line, where
//! `ps` shows it).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use hallq_client::{ClientConfig, DeviceClient};
use hallq_kiosk::{Kiosk, KioskHandle, KioskTimings, KioskView, PrintFn, PrintJob, Runtime, ui};
use hallq_print::{Layout, PrintError, Printer, TicketSlip, escpos};
use hallq_proto::{DeviceId, HallId, Timestamp};
use slint::ComponentHandle as _;

/// The ticket kiosk of a hallq hall.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The hall's MQTT broker, `host:port`.
    #[arg(long, env = "HALLQ_BROKER", default_value = "127.0.0.1:1883")]
    broker: String,
    /// The hall's id (hall.toml's `[hall] id`).
    #[arg(long, env = "HALLQ_HALL", default_value = "demo")]
    hall: String,
    /// This kiosk's device id, as registered in hall.toml.
    #[arg(long, env = "HALLQ_DEVICE", default_value = "kiosk-1")]
    device: String,
    /// The kiosk's firmware profile: its screen, printer and timings.
    #[arg(
        long,
        env = "HALLQ_PROFILE",
        default_value = "firmware-profiles/kiosk-portrait-80mm.toml"
    )]
    profile: PathBuf,
    /// Where tickets print: `tcp://IP[:9100]`, `device:/dev/usb/lp0` or `file:PATH`.
    #[arg(
        long,
        env = "HALLQ_PRINTER",
        default_value = "file:hallq-data/kiosk-tickets.escpos"
    )]
    printer: Printer,
    /// Hall-local time is UTC plus this many minutes (China: 480), for the clock and the ticket.
    #[arg(long, default_value_t = 480, allow_negative_numbers = true)]
    utc_offset_min: i32,
    /// Fill the screen (a kiosk does; a developer's desktop may not).
    #[arg(long)]
    fullscreen: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match hallq_ui::fonts::check_cjk() {
        Ok(font) => tracing::info!(font = %font.display(), "CJK font found"),
        Err(message) => tracing::error!("{message}"),
    }

    let profile = hallq_profiles::load_file(&args.profile)
        .with_context(|| format!("the kiosk's profile {}", args.profile.display()))?;
    anyhow::ensure!(
        profile.kind() == hallq_profiles::DeviceKind::Kiosk,
        "{} is the profile of a {}, not a kiosk / 该配置文件不是取号机的",
        args.profile.display(),
        profile.kind().en()
    );
    let screen = profile
        .screen
        .clone()
        .context("the kiosk's profile has no [screen] / 取号机配置缺少屏幕")?;
    let paper = profile
        .printer
        .clone()
        .context("the kiosk's profile has no [printer] / 取号机配置缺少打印机")?;
    let layout = Layout::from_profile(paper.width_mm, "gb18030", paper.cutter)?;
    let (host, port) = args
        .broker
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
        .with_context(|| format!("--broker {} is not host:port", args.broker))?;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let _in_runtime = rt.enter();

    let mut config = ClientConfig::new(
        host,
        port,
        HallId::new(args.hall.as_str())?,
        DeviceId::new(args.device.as_str())?,
    );
    config.secret = std::env::var("HALLQ_DEVICE_SECRET").ok();
    config.profile = args
        .profile
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned());
    config.keep_alive = Duration::from_secs(u64::from(profile.timings.keepalive_secs));
    config.reply_timeout = Duration::from_millis(u64::from(profile.timings.reply_timeout_ms));
    config.attempts = profile.timings.attempts;
    let (client, _client_task) = DeviceClient::connect(&config);

    let window = ui::KioskWindow::new()?;
    ui::fit(&window, screen.width_px, screen.height_px);
    window.window().set_fullscreen(args.fullscreen);
    ui::start_in_chinese(&window);

    let timings = KioskTimings {
        idle_return_ms: u64::from(profile.timings.idle_return_secs) * 1000,
        ..KioskTimings::default()
    };
    let kiosk = Kiosk::new(format!("{}-{}", args.device, now().0), timings);
    let print = printer(args.printer.clone(), layout, args.utc_offset_min);
    let offset = args.utc_offset_min;
    let weak = window.as_weak();
    let show = Box::new(move |k: &Kiosk| {
        let view = KioskView::of(k, hallq_proto::time::hhmm(now(), offset));
        let weak = weak.clone();
        let _ = slint::invoke_from_event_loop(move || {
            if let Some(w) = weak.upgrade() {
                ui::show(&w, &view);
            }
        });
    });
    let runtime = Runtime::start(kiosk, client.clone(), print, show);
    let handle = runtime.handle.clone();
    ui::wire(&window, move |action| handle.touch(action));
    rt.spawn(watch_paper(args.printer, runtime.handle.clone()));

    window.run()?;
    rt.block_on(async {
        let _ = client.disconnect().await;
    });
    Ok(())
}

/// The wall clock: the kiosk's header shows the hall's time, and session ids must differ from
/// one start to the next.
#[allow(
    clippy::disallowed_methods,
    reason = "the kiosk's clock in its header and its session ids; the hub keeps the hall's time"
)]
fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Timestamp(ms)
}

/// Prints a ticket as ESC/POS bytes for `layout` on `target`.
fn printer(target: Printer, layout: Layout, utc_offset_min: i32) -> PrintFn {
    Arc::new(move |job: &PrintJob| {
        let mut slip = TicketSlip::new(&job.ticket, job.hall.clone(), utc_offset_min, job.lang);
        if job.reprint {
            slip = slip.reprinted();
        }
        target
            .print(&escpos::encode(&slip, &layout))
            .map_err(|e| e.message().zh + " / " + &e.message().en)
    })
}

/// A kiosk whose printer is out of paper, or does not answer, cannot give a ticket: it shows
/// the maintenance screen (DOMAIN.md) until the printer is back, checked every 15 seconds.
async fn watch_paper(printer: Printer, kiosk: KioskHandle) {
    let mut every = tokio::time::interval(Duration::from_secs(15));
    let mut down = false;
    loop {
        every.tick().await;
        let p = printer.clone();
        let status = tokio::task::spawn_blocking(move || p.paper()).await;
        let now_down = matches!(
            status,
            Ok(Err(PrintError::PaperOut | PrintError::NotResponding { .. }))
        );
        if now_down != down {
            match &status {
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "printer unavailable: kiosk in maintenance")
                }
                _ => tracing::info!("printer back: kiosk in service"),
            }
            kiosk.maintenance(now_down);
            down = now_down;
        }
    }
}
