//! The typed profile: what a resolved profile file must look like, with the defaults of every key
//! that has one. firmware-profiles/README.md documents each key; keep the two together.

use hallq_proto::Score;
use serde::Deserialize;

use crate::kind::DeviceKind;

/// One device model's profile, after its packages and substitutions are resolved.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Identity: what the device is and who makes it.
    pub device: Identity,
    /// The command kinds of the contract the device may send; the hub refuses any other with
    /// `forbidden`, on top of the role table. Empty for displays and LED strips.
    #[serde(default)]
    pub commands: Vec<String>,
    /// Its screen, if it has one.
    pub screen: Option<Screen>,
    /// Its ticket printer, if it has one.
    pub printer: Option<Printer>,
    /// Its speaker, if it has one.
    pub speaker: Option<Speaker>,
    /// Its LED character display, if it has one (the LED strip's whole face).
    pub led: Option<Led>,
    /// Its hardware keys and the command each sends.
    #[serde(default)]
    pub keys: Vec<Key>,
    /// Its people-counting sensor (door counter).
    pub door: Option<Door>,
    /// How it talks to the hub and how long its screens wait.
    #[serde(default)]
    pub timings: Timings,
}

impl Profile {
    /// What the device is.
    pub fn kind(&self) -> DeviceKind {
        self.device.kind
    }

    /// Whether the profile lists `command` (a `kind` of the contract) among those it may send.
    pub fn may_send(&self, command: &str) -> bool {
        self.commands.iter().any(|c| c == command)
    }

    /// The key with id `id`.
    pub fn key(&self, id: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.id == id)
    }
}

/// The identity block: kind, model and vendor.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// What the device is for; must equal the `role` of every hall.toml device naming this
    /// profile.
    pub kind: DeviceKind,
    /// The vendor's model designation.
    pub model: String,
    /// Who makes it.
    pub vendor: String,
    /// A name for people, in both languages.
    pub name: Option<Text>,
}

/// A text in the hall's two languages.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// How a screen is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// Taller than wide (a standing kiosk, a handheld).
    Portrait,
    /// Wider than tall (a wall display, a PC).
    Landscape,
}

/// A screen.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Screen {
    /// Width in pixels as the user sees it (after any rotation).
    pub width_px: u32,
    /// Height in pixels as the user sees it.
    pub height_px: u32,
    /// Portrait or landscape; derived from the sizes when omitted, and must agree with them.
    pub orientation: Option<Orientation>,
    /// Diagonal in inches, for the layouts' type sizes.
    pub diagonal_in: Option<f64>,
    /// Whether it is a touch screen (kiosks and handhelds must be).
    #[serde(default)]
    pub touch: bool,
}

impl Screen {
    /// The orientation: the one given, else the one the sizes make (square counts as landscape).
    pub fn orientation(&self) -> Orientation {
        self.orientation
            .unwrap_or(if self.height_px > self.width_px {
                Orientation::Portrait
            } else {
                Orientation::Landscape
            })
    }
}

/// The printer's code page for Chinese text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodePage {
    /// GB18030: every Chinese character, the national standard (DOMAIN.md).
    #[default]
    Gb18030,
}

/// An ESC/POS thermal ticket printer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Printer {
    /// Paper width in millimetres: 58 or 80.
    pub width_mm: u32,
    /// The code page Chinese text is sent in.
    #[serde(default)]
    pub code_page: CodePage,
    /// Whether it cuts the ticket off (else the customer tears it).
    #[serde(default = "yes")]
    pub cutter: bool,
}

impl Printer {
    /// Characters per line in the standard 12×24 font (a Chinese character takes two): 32 on
    /// 58 mm paper (384 dots), 48 on 80 mm (576 dots).
    pub fn chars_per_line(&self) -> u32 {
        if self.width_mm >= 80 { 48 } else { 32 }
    }
}

/// A speaker.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Speaker {
    /// Whether the device speaks (calls on a wall display, prompts on a kiosk) rather than only
    /// chiming.
    #[serde(default = "yes")]
    pub voice: bool,
    /// Volume, 0–100 %.
    #[serde(default = "default_volume")]
    pub volume_pct: u8,
}

/// An LED character display.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Led {
    /// Characters per line (a Chinese character takes two).
    pub chars: u32,
    /// Lines.
    #[serde(default = "one")]
    pub lines: u32,
}

/// A hardware key and the command it sends.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Key {
    /// The key's id in the firmware (unique in the profile).
    pub id: String,
    /// What is printed on it.
    pub label: Text,
    /// The command kind it sends; must be one of the profile's `commands`.
    pub command: String,
    /// For `rate`: the score it gives.
    pub score: Option<Score>,
}

/// How a door counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DoorSensor {
    /// An infrared beam across the door: counts crossings.
    #[default]
    IrBeam,
    /// An overhead depth camera: tells entering from passing by.
    Camera,
}

/// A people-counting sensor at the door.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Door {
    /// The sensor.
    #[serde(default)]
    pub sensor: DoorSensor,
    /// How often it sends `door_count` with what it counted since the last report.
    #[serde(default = "default_report")]
    pub report_every_secs: u32,
    /// Whether it also counts people passing by the door (`passed_by`).
    #[serde(default)]
    pub counts_passers_by: bool,
}

/// How the device talks to the hub, and how long its screens wait.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timings {
    /// MQTT keep-alive: how soon the broker notices the device is gone and publishes its will.
    pub keepalive_secs: u16,
    /// How often the device republishes its retained birth on its presence topic; 0: only at
    /// connect.
    pub heartbeat_secs: u32,
    /// How long it waits for a reply before sending the command again with the same id.
    pub reply_timeout_ms: u32,
    /// How many times it sends a command before it tells the person there is no answer.
    pub attempts: u32,
    /// An untouched screen goes back to its home screen after this long; 0: never.
    pub idle_return_secs: u32,
    /// An untouched screen dims its backlight after this long; 0: never.
    pub screen_off_after_min: u32,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            keepalive_secs: 5,
            heartbeat_secs: 60,
            reply_timeout_ms: 2000,
            attempts: 3,
            idle_return_secs: 60,
            screen_off_after_min: 0,
        }
    }
}

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

fn default_volume() -> u8 {
    80
}

fn default_report() -> u32 {
    60
}
