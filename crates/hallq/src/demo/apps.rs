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
    /// Logical pixels to physical: the profiles' screens are bigger than a developer's.
    scale: &'static str,
}

const APPS: [App; 3] = [
    App {
        bin: "hallq-display",
        device: "display-app",
        role: Role::Display,
        profile: "display-1080p",
        scale: "0.5",
    },
    App {
        bin: "hallq-kiosk",
        device: "kiosk-app",
        role: Role::Kiosk,
        profile: "kiosk-portrait-80mm",
        scale: "0.45",
    },
    App {
        bin: "hallq-counter",
        device: "counter-app",
        role: Role::Counter,
        profile: "counter-pc",
        scale: "0.6",
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
    let mut running = Vec::new();
    for app in &APPS {
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
            .env("SLINT_SCALE_FACTOR", app.scale)
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
                cmd.args(["--counter", &counter.to_string()]);
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

/// Closes the windows.
pub(crate) fn stop(children: Vec<Child>) {
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
}
