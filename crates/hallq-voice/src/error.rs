//! [`VoiceError`], the one error of this crate.

use std::path::PathBuf;

use crate::wav::Format;

/// Why a call could not be rendered or played.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    /// The speech program is not installed (or not on `PATH`).
    #[error(
        "{program} not found: install the Debian package espeak-ng (`apt-get install espeak-ng`, or `./dev setup`)"
    )]
    EngineMissing {
        /// The program that was looked for.
        program: String,
    },
    /// The speech program ran and failed (a voice it does not have, a full disk…).
    #[error("{program} failed ({status}): {stderr}")]
    EngineFailed {
        /// The program.
        program: String,
        /// Its exit status, as text.
        status: String,
        /// What it wrote to stderr, trimmed.
        stderr: String,
    },
    /// A ticket number the voice cannot spell: only ASCII letters and digits are spoken.
    #[error("ticket number {number:?} cannot be spoken: only letters A–Z and digits 0–9 are")]
    Unspeakable {
        /// The number as given.
        number: String,
    },
    /// A clip the call needs is not in the voice pack.
    #[error("voice pack has no clip {path} (see crates/hallq-voice/README.md for the layout)")]
    MissingClip {
        /// Where the clip was looked for.
        path: PathBuf,
    },
    /// WAVs of different formats cannot be joined: the pack's clips must share one format.
    #[error(
        "cannot join {found_in}: it is {found}, but {expected_in} is {expected}; every clip must have the same sample rate, channels and sample size"
    )]
    FormatMismatch {
        /// The part that set the format (the first one).
        expected_in: String,
        /// Its format.
        expected: Format,
        /// The part that differs.
        found_in: String,
        /// Its format.
        found: Format,
    },
    /// A WAV this crate does not handle (floating-point samples, more than 32 bits).
    #[error("{what}: unsupported WAV ({detail}); use integer PCM, 8 to 32 bits")]
    UnsupportedWav {
        /// The file or part.
        what: String,
        /// What is wrong with it.
        detail: String,
    },
    /// Nothing to join.
    #[error("no audio to join")]
    Empty,
    /// A WAV file could not be read or written.
    #[error("WAV {path}: {source}")]
    Wav {
        /// The file.
        path: PathBuf,
        /// What hound said.
        #[source]
        source: hound::Error,
    },
    /// The player command is empty (use no player instead to render only).
    #[error("player command is empty")]
    EmptyPlayer,
    /// The player could not be started.
    #[error("player {program} could not start: {source}")]
    PlayerSpawn {
        /// The program.
        program: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The player exited with an error.
    #[error("player {program} failed ({status})")]
    PlayerFailed {
        /// The program.
        program: String,
        /// Its exit status, as text.
        status: String,
    },
    /// The player ran longer than its timeout and was killed, so the queue moves on.
    #[error("player {program} still running after {secs} s: killed")]
    PlayerTimeout {
        /// The program.
        program: String,
        /// The timeout.
        secs: u64,
    },
    /// A setting out of its range.
    #[error("voice settings: {0}")]
    Config(String),
    /// The announcer has been shut down and takes no more calls.
    #[error("announcer is shut down")]
    Closed,
    /// Any other file or process IO.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

impl VoiceError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }
}
