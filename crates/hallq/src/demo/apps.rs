//! The demo's windows: where a display is present, the real apps open beside the simulated
//! devices: the wall display, a kiosk and a counter terminal at a counter of its own (the next
//! number after the example hall's), all talking to the hub over MQTT as registered devices.
//!
//! The `hallq` command never links Slint (LICENSING.md): the apps are separate processes, found
//! beside the `hallq` binary (`./dev demo` builds them). A missing one is skipped with a note.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use hallq_hub::HallConfig;
use hallq_hub::config::{DeviceConfig, Role};
use hallq_proto::{CounterNo, DeviceId};
use hallq_queue::config::CounterConfig;
use hallq_sim::Prepared;

/// Whether to open the windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Apps {
    /// When a display is present (`DISPLAY` or `WAYLAND_DISPLAY` set).
    Auto,
    /// Always (fails to open them without a display).
    On,
    /// Never: the terminal only.
    Off,
}

impl Apps {
    /// Whether the windows open.
    pub(crate) fn wanted(self) -> bool {
        match self {
            Apps::On => true,
            Apps::Off => false,
            Apps::Auto => ["DISPLAY", "WAYLAND_DISPLAY"]
                .iter()
                .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty())),
        }
    }
}

/// One app window: its binary, its device and its arguments.
struct App {
    bin: &'static str,
    device: &'static str,
    role: Role,
    profile: &'static str,
    /// The profile's screen, in pixels (the counter terminal's PC: its window's design size).
    size: (u32, u32),
}

const APPS: [App; 3] = [
    App {
        bin: "hallq-display",
        device: "display-app",
        role: Role::Display,
        profile: "display-1080p",
        size: (1920, 1080),
    },
    App {
        bin: "hallq-kiosk",
        device: "kiosk-app",
        role: Role::Kiosk,
        profile: "kiosk-portrait-80mm",
        size: (1080, 1920),
    },
    App {
        bin: "hallq-counter",
        device: "counter-app",
        role: Role::Counter,
        profile: "counter-pc",
        size: (1920, 1080),
    },
];

/// Registers the apps' devices and a counter for the terminal (serving every business type)
/// in `config`. Call it after the day's plan is made, so the simulated clerks leave it alone.
pub(crate) fn register(config: &mut HallConfig) -> CounterNo {
    let number = CounterNo(
        config
            .queue
            .counters
            .iter()
            .map(|c| c.number.0)
            .max()
            .unwrap_or(0)
            + 1,
    );
    config.queue.counters.push(CounterConfig {
        number,
        name: None,
        skills: config
            .queue
            .business
            .iter()
            .map(|b| b.code.clone())
            .collect(),
    });
    for app in &APPS {
        if let Ok(id) = DeviceId::new(app.device) {
            config.devices.push(DeviceConfig {
                id,
                role: app.role,
                counter: (app.role == Role::Counter).then_some(number),
                profile: Some(app.profile.to_owned()),
                secret_hash: None,
                mosquitto_hash: None,
                revoked: None,
            });
        }
    }
    number
}

/// Sets the apps' devices aside from the simulator.
pub(crate) fn set_aside(prepared: &mut Prepared) {
    for app in &APPS {
        if let Ok(id) = DeviceId::new(app.device) {
            prepared.set_aside(id);
        }
    }
}

/// The apps' devices and their fresh secrets.
pub(crate) fn secrets(prepared: &Prepared) -> Vec<(&'static str, String)> {
    APPS.iter()
        .filter_map(|app| {
            let id = DeviceId::new(app.device).ok()?;
            Some((app.device, prepared.secret(&id)?.to_owned()))
        })
        .collect()
}

/// Where the apps find the hall.
pub(crate) struct Target<'a> {
    /// The hall's id.
    pub(crate) hall: String,
    /// The embedded broker's port.
    pub(crate) port: u16,
    /// The counter of the terminal.
    pub(crate) counter: CounterNo,
    /// The firmware profiles.
    pub(crate) profiles: &'a Path,
    /// Where the kiosk prints.
    pub(crate) data_dir: &'a Path,
}

/// Starts every app found beside this binary; returns the running ones.
pub(crate) fn spawn(secrets: &[(&'static str, String)], to: &Target<'_>) -> Vec<Child> {
    let Target {
        hall,
        port,
        counter,
        profiles,
        data_dir,
    } = to;
    let dir = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_owned))
        .unwrap_or_else(|| PathBuf::from("."));
    let screen = screen_size().unwrap_or_else(|| {
        tracing::warn!(
            "the screen's size is unknown (xdotool getdisplaygeometry): 1920×1080 assumed"
        );
        (1920, 1080)
    });
    let places = arrange(screen, &APPS.map(|a| a.size));
    let mut running = Vec::new();
    for (app, (scale, x, y)) in APPS.iter().zip(places) {
        let bin = dir.join(app.bin);
        if !bin.is_file() {
            tracing::warn!(
                app = app.bin,
                "not built, so not shown: cargo build --release -p {}",
                app.bin
            );
            continue;
        }
        let Some((_, secret)) = secrets.iter().find(|(d, _)| *d == app.device) else {
            continue;
        };
        let mut cmd = Command::new(&bin);
        cmd.args(["--broker", &format!("127.0.0.1:{port}")])
            .args(["--hall", hall.as_str()])
            .args(["--device", app.device])
            .env("HALLQ_DEVICE_SECRET", secret)
            .args(["--window-position", &format!("{x},{y}")])
            // The app lays its whole design out at this size (its own scale), not Slint's
            // SLINT_SCALE_FACTOR: under X11 that grew the wall display's window past the screen
            // (issue 13 §1.12).
            .args([
                "--window-size",
                &format!(
                    "{}x{}",
                    (app.size.0 as f32 * scale).floor(),
                    (app.size.1 as f32 * scale).floor()
                ),
            ])
            .env("RUST_LOG", "warn");
        let profile = profiles.join(format!("{}.toml", app.profile));
        match app.role {
            Role::Kiosk => {
                cmd.arg("--profile")
                    .arg(&profile)
                    .arg("--printer")
                    .arg(format!(
                        "file:{}",
                        data_dir.join("kiosk-tickets.escpos").display()
                    ));
            }
            Role::Display => {
                cmd.arg("--profile").arg(&profile);
            }
            Role::Counter => {
                // The counter's papers (complaint receipt, documents still needed) beside the
                // kiosk's tickets.
                cmd.args(["--counter", &counter.to_string()])
                    .arg("--profile")
                    .arg(&profile)
                    .arg("--printer")
                    .arg(format!(
                        "file:{}",
                        data_dir.join("counter-papers.escpos").display()
                    ));
            }
            _ => {}
        }
        match cmd.spawn() {
            Ok(child) => running.push(child),
            Err(e) => tracing::warn!(app = app.bin, error = %e, "could not start"),
        }
    }
    running
}

/// Room left for the window manager's title bar above each window, and between windows.
const TITLE_PX: u32 = 40;
const GAP_PX: u32 = 8;

/// The apps' windows side by side on a `screen` (width, height): one scale for all, so each keeps
/// its profile's shape, as large as the screen allows; each window's scale factor and top left.
fn arrange(screen: (u32, u32), sizes: &[(u32, u32)]) -> Vec<(f32, i32, i32)> {
    let n = u32::try_from(sizes.len()).unwrap_or(u32::MAX);
    let total: u32 = sizes.iter().map(|s| s.0).sum();
    let tallest = sizes.iter().map(|s| s.1).max().unwrap_or(1);
    let room_w = screen.0.saturating_sub(GAP_PX * (n + 1));
    let room_h = screen.1.saturating_sub(TITLE_PX + 2 * GAP_PX);
    let scale = (room_w as f32 / total.max(1) as f32).min(room_h as f32 / tallest as f32);
    // Three decimals, as the apps are given it, so the positions below use the same scale.
    let scale = (scale * 1000.0).floor() / 1000.0;
    let mut x = GAP_PX as f32;
    sizes
        .iter()
        .map(|&(w, _)| {
            let at = (scale, x as i32, (TITLE_PX + GAP_PX) as i32);
            x += (w as f32 * scale).ceil() + GAP_PX as f32;
            at
        })
        .collect()
}

/// The X screen's size, from `xdotool getdisplaygeometry` ("1920 1080").
fn screen_size() -> Option<(u32, u32)> {
    let out = Command::new("xdotool")
        .arg("getdisplaygeometry")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let mut it = text.split_whitespace().map(str::parse::<u32>);
    match (it.next(), it.next()) {
        (Some(Ok(w)), Some(Ok(h))) if out.status.success() => Some((w, h)),
        _ => None,
    }
}

/// Closes the windows.
pub(crate) fn stop(children: Vec<Child>) {
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_windows_stand_side_by_side_on_the_screen_without_overlap() {
        for screen in [(1920, 1080), (2560, 1440), (1366, 768), (3840, 2160)] {
            let sizes = APPS.map(|a| a.size);
            let places = arrange(screen, &sizes);
            let mut right_of_last = 0;
            for ((scale, x, y), (w, h)) in places.iter().zip(sizes) {
                let (pw, ph) = (
                    (w as f32 * scale).ceil() as i32,
                    (h as f32 * scale).ceil() as i32,
                );
                assert!(
                    *x >= right_of_last,
                    "{screen:?}: overlaps the window before"
                );
                assert!(x + pw <= screen.0 as i32, "{screen:?}: off the right edge");
                assert!(y + ph <= screen.1 as i32, "{screen:?}: off the bottom");
                right_of_last = x + pw;
            }
            // One scale: each window keeps its profile's shape.
            assert!(places.iter().all(|p| p.0 == places[0].0), "{places:?}");
            // As large as it fits: the row spans most of the screen, or the kiosk its height.
            let tall = 1920.0 * places[0].0;
            assert!(
                right_of_last as f32 > 0.95 * screen.0 as f32 || tall > 0.9 * screen.1 as f32,
                "{screen:?}: {places:?}"
            );
        }
    }
}
