//! `hallq-display`: the wall display app, or with `--led N` the emulator of counter N's LED strip.
//! It reads its firmware profile (screen size; the strip's character count), connects to the
//! hall's broker as its device, and runs: the controller on tokio, the window on Slint's event
//! loop, calls to the voice.
//!
//! ```sh
//! hallq-display --broker 127.0.0.1:1883 --hall demo --device display-main \
//!     --profile firmware-profiles/display-1080p.toml --voice espeak --voice-player 'aplay -q {wav}'
//! hallq-display --led 3      # the LED strip of counter 3 (device led-3, led-strip-8 profile)
//! ```
//! The device's secret comes from `HALLQ_DEVICE_SECRET` (never from the command line, where
//! `ps` shows it).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use clap::{Parser, ValueEnum};
use hallq_client::DeviceClient;
use hallq_display::led::LedStrip;
use hallq_display::{
    AnnounceFn, Announcement, Display, DisplayTimings, DisplayView, Played, Runtime, runtime, ui,
};
use hallq_profiles::{DeviceKind, Profile};
use hallq_proto::Lang;
use hallq_ui::app::HallArgs;
use hallq_voice::{Announced, Announcer, Call, Engine, Outcome, VoiceConfig};
use slint::ComponentHandle as _;

/// The wall display of a hallq hall, or a counter's LED strip.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Where the hall is: `--broker`, `--ca`, `--hall`, `--utc-offset-min`.
    #[command(flatten)]
    hall: HallArgs,
    #[command(flatten)]
    window: hallq_ui::app::WindowArgs,
    /// This device's id, as registered in hall.toml (default: `display-main`, as in deploy/hall.example.toml, or `led-N` with
    /// `--led N`).
    #[arg(long, env = "HALLQ_DEVICE")]
    device: Option<String>,
    /// The firmware profile (default: display-1080p.toml, or led-strip-8.toml with `--led`,
    /// from firmware-profiles/, /etc/hallq/firmware-profiles/ or
    /// /usr/share/hallq/firmware-profiles/, the first that has it).
    #[arg(long, env = "HALLQ_PROFILE")]
    profile: Option<PathBuf>,
    /// The first language: `zh` shows Chinese large with English beneath; `en` English alone.
    #[arg(long, value_enum, default_value_t = FirstLang::Zh)]
    lang: FirstLang,
    /// How calls are spoken: `espeak` (espeak-ng renders each call), `clips` (a voice pack's
    /// recorded clips, `--voice-pack`), `none` (silent; nothing is reported to the hub as
    /// spoken). A voice that cannot start (espeak-ng or the player missing) is logged and the
    /// display runs silent rather than not at all.
    #[arg(long, value_enum, env = "HALLQ_VOICE", default_value_t = Voice::Espeak)]
    voice: Voice,
    /// The player command; `{wav}` is the file. `none`: render only.
    #[arg(long, env = "HALLQ_VOICE_PLAYER", default_value = "aplay -q {wav}")]
    voice_player: String,
    /// The voice pack's folder, for `--voice clips`.
    #[arg(long, env = "HALLQ_VOICE_PACK")]
    voice_pack: Option<PathBuf>,
    /// Also say each call in English, after the Chinese.
    #[arg(long)]
    voice_english: bool,
    /// How many times each call is played (1–5).
    #[arg(long, default_value_t = 2)]
    voice_repeats: u32,
    /// Fill the screen (a wall display does; a developer's desktop may not).
    #[arg(long)]
    fullscreen: bool,
    /// Run the LED strip of this counter instead of the wall display.
    #[arg(long, value_name = "COUNTER")]
    led: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FirstLang {
    Zh,
    En,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Voice {
    /// espeak-ng renders each call.
    Espeak,
    /// A voice pack's recorded clips are joined.
    Clips,
    /// Silent: calls are shown, not spoken.
    None,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    hallq_ui::app::init();
    let lang = match args.lang {
        FirstLang::Zh => Lang::Zh,
        FirstLang::En => Lang::En,
    };
    let (kind, default_profile, default_device) = match args.led {
        Some(n) => (DeviceKind::LedStrip, "led-strip-8.toml", format!("led-{n}")),
        None => (
            DeviceKind::Display,
            "display-1080p.toml",
            "display-main".into(),
        ),
    };
    let path = args
        .profile
        .clone()
        .unwrap_or_else(|| hallq_profiles::installed(default_profile));
    let profile = hallq_profiles::load_file(&path).with_context(|| {
        format!(
            "the profile {} (looked in {}; name one with --profile) / 找不到设备配置文件",
            path.display(),
            hallq_profiles::searched()
        )
    })?;
    anyhow::ensure!(
        profile.kind() == kind,
        "{} is the profile of a {}, not a {} / 配置文件的设备类型不符",
        path.display(),
        profile.kind().en(),
        kind.en()
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let _in_runtime = rt.enter();

    let device = args.device.clone().unwrap_or(default_device);
    let mut config = args.hall.client_config(&device)?;
    config.profile = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    config.keep_alive = Duration::from_secs(u64::from(profile.timings.keepalive_secs));
    config.reply_timeout = Duration::from_millis(u64::from(profile.timings.reply_timeout_ms));
    config.attempts = profile.timings.attempts;
    let (client, _client_task) = DeviceClient::connect(&config);

    match args.led {
        Some(counter) => run_led(&profile, counter, lang, &client)?,
        None => run_display(&args, &profile, lang, &client)?,
    }
    rt.block_on(async {
        let _ = client.disconnect().await;
    });
    Ok(())
}

fn run_display(
    args: &Args,
    profile: &Profile,
    lang: Lang,
    client: &DeviceClient,
) -> anyhow::Result<()> {
    let screen = profile
        .screen
        .clone()
        .context("the display's profile has no [screen] / 综合屏配置缺少屏幕")?;
    let window = ui::DisplayWindow::new()?;
    let (width, height) = args
        .window
        .window_size
        .unwrap_or((screen.width_px, screen.height_px));
    ui::fit(&window, width, height);
    args.window.place(window.window());
    window.window().set_fullscreen(args.fullscreen);
    ui::select_language(&window, lang == Lang::En);
    ui::scroll(&window, true);

    let announce = voice(args);
    let offset = args.hall.utc_offset_min;
    // The header shows the hub's time (a simulated hall's, in the demo), not the wall's.
    let clock = hallq_ui::HallClock::follow(client);
    let weak = window.as_weak();
    let to_window = hallq_ui::Newest::new(move |view: DisplayView| {
        if let Some(w) = weak.upgrade() {
            tracing::debug!(clock = %view.clock, calls = view.latest.len(), "view shown");
            ui::show(&w, &view);
        }
    });
    // Only a changed view reaches the window: an idle display redraws once a minute (the clock).
    let mut shown: Option<DisplayView> = None;
    let show = Box::new(move |d: &Display| {
        let view = DisplayView::of(d, lang, clock.now(), offset);
        if shown.as_ref() == Some(&view) {
            return;
        }
        shown = Some(view.clone());
        to_window.show(view);
    });
    let _runtime = Runtime::start(
        Display::new(DisplayTimings::default()),
        client.clone(),
        announce,
        show,
    );
    window.run()?;
    Ok(())
}

fn run_led(
    profile: &Profile,
    counter: u16,
    lang: Lang,
    client: &DeviceClient,
) -> anyhow::Result<()> {
    let cells = profile
        .led
        .as_ref()
        .map(|l| l.chars as usize)
        .context("the LED strip's profile has no [led] / 条屏配置缺少 [led]")?;
    let window = ui::LedWindow::new()?;
    let weak = window.as_weak();
    let to_window = hallq_ui::Newest::new(move |fitted| {
        if let Some(w) = weak.upgrade() {
            ui::show_led(&w, counter, &fitted);
        }
    });
    let mut shown = None;
    let show = Box::new(move |strip: &LedStrip| {
        let fitted = strip.view(lang, cells);
        if shown.as_ref() == Some(&fitted) {
            return;
        }
        shown = Some(fitted.clone());
        to_window.show(fitted);
    });
    let _task = runtime::start_led(LedStrip::new(counter), client.clone(), show);
    window.run()?;
    Ok(())
}

/// The voice the arguments ask for: hallq-voice's announcer behind the runtime's [`AnnounceFn`],
/// or a silent one.
///
/// The announcer reports every call through one callback; the runtime wants each call's own
/// [`Played`]. The calls waiting are kept by (ticket, recall, hub time), the announcer's own
/// identity of a call, and a report of `Played` calls theirs; any other outcome (dropped from a
/// full queue, failed, rendered without a player) drops it: the hub is told only of calls heard.
fn voice(args: &Args) -> AnnounceFn {
    let engine = match args.voice {
        Voice::None => return silent(),
        Voice::Espeak => Engine::Espeak,
        Voice::Clips => Engine::Clips,
    };
    let config = VoiceConfig {
        engine,
        english: args.voice_english,
        repeats: args.voice_repeats,
        player: args.voice_player.clone(),
        pack_dir: args.voice_pack.clone(),
        ..VoiceConfig::default()
    };
    type Key = (String, u32, i64);
    let waiting: Arc<Mutex<HashMap<Key, Played>>> = Arc::default();
    let reports = Arc::clone(&waiting);
    let started = Announcer::from_config(&config, move |a: Announced| {
        let key = (
            a.call.ticket.as_str().to_owned(),
            a.call.recall,
            a.call.at_ms.0,
        );
        let played = reports
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&key);
        match (a.outcome, played) {
            (Outcome::Played { times }, Some(played)) => {
                tracing::info!(number = %a.call.number, times, "call spoken");
                played();
            }
            (outcome, _) => tracing::warn!(number = %a.call.number, ?outcome, "call not heard"),
        }
    });
    let announcer = match started {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "the voice cannot start: calls are shown, not spoken / 语音无法启动，仅显示叫号");
            return silent();
        }
    };
    Arc::new(move |a: Announcement, played: Played| {
        let call = Call {
            ticket: a.ticket,
            number: a.number,
            counter: a.counter,
            recall: a.recall,
            at_ms: a.at_ms,
        };
        let key = (call.ticket.as_str().to_owned(), call.recall, call.at_ms.0);
        waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, played);
        if let Err(e) = announcer.announce(call) {
            tracing::error!(error = %e, "the voice refused a call");
        }
    })
}

/// Shows calls without speaking them.
fn silent() -> AnnounceFn {
    Arc::new(|a, _played| {
        tracing::info!(number = %a.number, counter = %a.counter, recall = a.recall, "call (voice off)");
    })
}
