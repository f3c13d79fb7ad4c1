//! Firmware profiles: one declarative TOML file per device model, in the manner of ESPHome. A
//! profile says what the device is (kind, model, vendor), the hardware it has (screen, printer,
//! speaker, LED display, keys, door sensor), its timings, and which commands of the contract it
//! may send. The hub loads them to know each device's capabilities; the simulator emulates
//! devices from them; `hallq device check` and the tests validate them.
//!
//! Parts:
//! - [`kind`]: [`DeviceKind`] and the hub's role table, [`allowed_kinds`] (docs/protocol.md).
//! - [`schema`]: the typed [`Profile`], with the default of every key.
//! - [`resolve`]: `packages` (shared bases) and `${substitutions}`, before typed parsing.
//! - [`load_file`], [`parse_str`], [`Profiles::load_dir`]: loading and validation.
//! - [`installed`]: where an app finds its profile when none is named.
//! - [`ProfileError`]: what is wrong, in English and Chinese, naming the file and key.
//!
//! firmware-profiles/README.md documents the schema and the rules.

mod error;
mod installed;
pub mod kind;
mod profiles;
pub mod resolve;
pub mod schema;
mod validate;

pub use error::{Problem, ProfileError};
pub use installed::{INSTALLED_DIRS, installed, searched};
pub use kind::{DeviceKind, allowed_kinds};
pub use profiles::{Profiles, load_file, parse_str};
pub use schema::{
    CodePage, Door, DoorSensor, Identity, Key, Led, Orientation, Printer, Profile, Screen, Speaker,
    Text, Timings,
};
