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
use hallq_kiosk::{Kiosk, KioskHandle, KioskTimings, KioskView, PrintFn, PrintJob, Runtime, ui};
use hallq_print::{Layout, PrintError, Printer, escpos};
use hallq_ui::app::{HallArgs, wall_clock};
use slint::ComponentHandle as _;

/// The ticket kiosk of a hallq hall.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    hall: HallArgs,
    #[command(flatten)]
    window: hallq_ui::app::WindowArgs,
    /// This kiosk's device id, as registered in hall.toml.
    #[arg(long, env = "HALLQ_DEVICE", default_value = "kiosk-1")]
    device: String,
    /// The kiosk's firmware profile: its screen, printer and timings (default:
    /// kiosk-portrait-80mm.toml from firmware-profiles/, /etc/hallq/firmware-profiles/ or
    /// /usr/share/hallq/firmware-profiles/, the first that has it).
    #[arg(long, env = "HALLQ_PROFILE")]
    profile: Option<PathBuf>,
    /// Where tickets print: `tcp://IP[:9100]`, `device:/dev/usb/lp0` or `file:PATH`.
    #[arg(
        long,
        env = "HALLQ_PRINTER",
        default_value = "file:hallq-data/kiosk-tickets.escpos"
    )]
    printer: Printer,
    /// Fill the screen (a kiosk does; a developer's desktop may not).
    #[arg(long)]
    fullscreen: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    hallq_ui::app::init();

    let profile_path = args
        .profile
        .clone()
        .unwrap_or_else(|| hallq_profiles::installed("kiosk-portrait-80mm.toml"));
    let profile = hallq_profiles::load_file(&profile_path).with_context(|| {
        format!(
            "the kiosk's profile {} (looked in {}; name one with --profile) / 找不到取号机配置文件",
            profile_path.display(),
            hallq_profiles::searched()
        )
    })?;
    anyhow::ensure!(
        profile.kind() == hallq_profiles::DeviceKind::Kiosk,
        "{} is the profile of a {}, not a kiosk / 该配置文件不是取号机的",
        profile_path.display(),
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
    let rt = hallq_ui::app::runtime()?;
    let _in_runtime = rt.enter();
    let mut config = args.hall.client_config(&args.device)?;
    config.profile = profile_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned());
    hallq_ui::app::apply_timings(&mut config, &profile.timings);
    let (client, _client_task) = hallq_client::DeviceClient::connect(&config);

    let window = ui::KioskWindow::new()?;
    let (width, height) = args
        .window
        .window_size
        .unwrap_or((screen.width_px, screen.height_px));
    ui::fit(&window, width, height);
    args.window.place(window.window());
    window.window().set_fullscreen(args.fullscreen);
    ui::start_in_chinese(&window);

    let timings = KioskTimings {
        idle_return_ms: u64::from(profile.timings.idle_return_secs) * 1000,
        ..KioskTimings::default()
    };
    let kiosk = Kiosk::new(format!("{}-{}", args.device, wall_clock().0), timings);
    let print = printer(args.printer.clone(), layout, args.hall.utc_offset_min);
    let hall = args.hall.clone();
    // The header shows the hub's time (a simulated hall's, in the demo), not the wall's.
    let clock = hallq_ui::HallClock::follow(&client);
    let weak = window.as_weak();
    let to_window = hallq_ui::Newest::new(move |view: KioskView| {
        if let Some(w) = weak.upgrade() {
            ui::show(&w, &view);
        }
    });
    let show = Box::new(move |k: &Kiosk| {
        to_window.show(KioskView::of(k, hall.hhmm(clock.now())));
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

/// Prints a ticket as ESC/POS bytes for `layout` on `target`.
fn printer(target: Printer, layout: Layout, utc_offset_min: i32) -> PrintFn {
    Arc::new(move |job: &PrintJob| {
        let slip = job.slip(utc_offset_min);
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
