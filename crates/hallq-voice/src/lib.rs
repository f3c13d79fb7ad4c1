//! Voice calling for the hallq wall display: "请 A012 号到 3 号窗口办理" spoken offline, and in
//! English if configured, each call repeated, calls queued so that a new one never cuts off the
//! one being heard, each announcement reported back so the display can tell the hub.
//!
//! Two engines behind one [`Voice`] trait: [`Espeak`] (espeak-ng renders each call; the default)
//! and [`ClipVoice`] (recorded clips from a voice pack are joined, as most halls do). The
//! [`Announcer`] runs the queue on its own thread and plays through a [`Player`] (a command such
//! as `aplay -q {wav}`, or none: render only).
//!
//! ```no_run
//! use hallq_proto::state::CallEvent;
//! use hallq_voice::{Announced, Announcer, Call, Outcome, VoiceConfig, VoiceError};
//!
//! fn start(config: &VoiceConfig) -> Result<(Announcer, std::sync::mpsc::Receiver<Announced>), VoiceError> {
//!     let (tx, rx) = std::sync::mpsc::channel(); // in the display: a tokio mpsc sender
//!     let announcer = Announcer::from_config(config, move |a| {
//!         let _ = tx.send(a);
//!     })?;
//!     Ok((announcer, rx))
//! }
//!
//! // Each CallEvent from the hub, first calls and recalls alike; returns at once.
//! fn on_call(announcer: &Announcer, event: &CallEvent) -> Result<(), VoiceError> {
//!     announcer.announce(Call::from(event))?;
//!     Ok(())
//! }
//!
//! // Each report: a call that was heard is told to the hub.
//! fn on_report(a: &Announced) {
//!     if let Outcome::Played { .. } = a.outcome {
//!         // send `call_announced` with a.call.ticket, a.call.counter, a.call.recall
//!     }
//! }
//! ```
//!
//! Parts (pure ones marked):
//! - [`spoken`] (pure): [`Call`], [`Utterance`]: the words of a call spelled for a speech engine,
//!   and the clip list a voice pack says it with.
//! - [`queue`] (pure): [`CallQueue`]: arrival order, recalls, duplicates, the bound and what it
//!   drops.
//! - [`wav`] (pure, plus read/write): [`Wav`]: join (refusing mixed formats), trim, levels.
//! - [`voice`]: the [`Voice`] trait and [`render_call`].
//! - [`espeak`]: the espeak-ng engine. [`clips`]: the voice-pack engine. [`pack`]: the pack
//!   layout and [`pack::make_from_espeak`], a sample pack recorded with espeak-ng.
//! - [`player`]: [`Player`], [`CommandPlayer`].
//! - [`announcer`]: [`Announcer`], the worker, and its reports ([`Announced`], [`Outcome`]).
//! - [`config`]: [`VoiceConfig`], the `[voice]` settings with their defaults.
//! - [`error`](mod@error): [`VoiceError`].

pub mod announcer;
pub mod clips;
pub mod config;
pub mod error;
pub mod espeak;
pub mod pack;
pub mod player;
pub mod queue;
pub mod spoken;
pub mod voice;
pub mod wav;

pub use announcer::{Announced, Announcer, DropReason, Outcome, Settings};
pub use clips::ClipVoice;
pub use config::{Engine, VoiceConfig};
pub use error::VoiceError;
pub use espeak::Espeak;
pub use player::{CommandPlayer, Player};
pub use queue::{Admission, CallQueue};
pub use spoken::{Call, Lang, Utterance};
pub use voice::{Voice, render_call};
pub use wav::{Format, Wav};
