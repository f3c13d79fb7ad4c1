//! The hallq MQTT contract: everything a device and the hub say to each other.
//!
//! This crate is the one place where the wire format lives (STYLE.md, habit 5). It has no IO:
//! the hub, the device client, the simulator and the apps all build topics and payloads here.
//!
//! Parts:
//! - [`topic`]: the hall's topic tree `hallq/v1/{hall}/…`, builders and a parser.
//! - [`ids`]: identifiers and small value types (hall, device, ticket, visit, counter, phone, time).
//! - [`vocab`]: the shared vocabulary of the hall: business classes, priority, results, ratings,
//!   the 16 touchpoints.
//! - [`command`]: commands devices send, their envelope and the size-limited, strict decoder.
//! - [`reply`]: the hub's answer to a command: a result, or an error with a stable code.
//! - [`error`]: the stable error codes with their Chinese and English messages.
//! - [`inspection`]: service-standard inspections: a checklist's answers, `state/inspections`.
//! - [`state`]: retained state (board, counters, services, hub status), the call event, presence.
//! - [`speech`]: the words of a voice call, built in one place.
//!
//! Every message carries the schema version [`SCHEMA_VERSION`] in its `v` field.

pub mod command;
pub mod error;
pub mod ids;
pub mod inspection;
pub mod reply;
pub mod speech;
pub mod state;
pub mod time;
pub mod topic;
pub mod vocab;

pub use command::{Command, CommandEnvelope, DecodeError, decode_command, redact_digits};
pub use error::{ErrorCode, ErrorInfo};
pub use ids::*;
pub use reply::{Reply, ReplyBody, ReplyResult};
pub use vocab::*;

/// The schema version carried in every message's `v` field. A message with another version is
/// refused with [`ErrorCode::UnsupportedVersion`], never guessed at.
pub const SCHEMA_VERSION: u32 = 1;

/// The largest command payload the hub accepts, in bytes. The largest legitimate command (an
/// announcement with both languages) is well under 4 KiB; anything bigger is a bug or an attack.
pub const MAX_COMMAND_BYTES: usize = 8 * 1024;
pub mod examples;
