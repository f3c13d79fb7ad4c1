//! [`Espeak`]: the default engine, the `espeak-ng` program (Debian package `espeak-ng`), which
//! renders any text offline to a WAV file.
//!
//! The Mandarin voice is `cmn-latn-pinyin`, not `cmn`: with `cmn`, espeak-ng 1.51 (Debian 12)
//! turns most characters into pinyin and then reads that pinyin with English rules (请 comes out
//! as "king three", 号 as "hay-oh four"; `espeak-ng -x -v cmn 请` shows it). `cmn-latn-pinyin`
//! reads the same pinyin as Mandarin, and spells letters the way halls do (B as "bi").

use std::io::ErrorKind;
use std::process::Command;

use tracing::{debug, instrument};

use crate::error::VoiceError;
use crate::spoken::{Lang, Utterance};
use crate::voice::Voice;
use crate::wav::Wav;

/// The espeak-ng engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Espeak {
    /// The program, looked up on `PATH` unless it is a path.
    pub program: String,
    /// The voice for Chinese (`-v`).
    pub zh_voice: String,
    /// The voice for English (`-v`).
    pub en_voice: String,
    /// Words per minute (`-s`); `None` leaves espeak-ng's default (175).
    pub speed_wpm: Option<u32>,
}

impl Default for Espeak {
    fn default() -> Self {
        Self {
            program: "espeak-ng".into(),
            zh_voice: "cmn-latn-pinyin".into(),
            en_voice: "en".into(),
            speed_wpm: None,
        }
    }
}

impl Espeak {
    /// Checks that the program runs, so a missing package is reported when the display starts
    /// rather than at its first call.
    pub fn check(&self) -> Result<(), VoiceError> {
        let out = self
            .command()
            .arg("--version")
            .output()
            .map_err(|e| self.spawn_error(e))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(self.failed(&out))
        }
    }

    /// Renders `text` with `voice` to a WAV.
    #[instrument(skip(self), err)]
    pub fn render_text(&self, voice: &str, text: &str) -> Result<Wav, VoiceError> {
        let file = tempfile::Builder::new()
            .prefix("hallq-voice-")
            .suffix(".wav")
            .tempfile()
            .map_err(|e| VoiceError::io("temporary WAV file", e))?;
        let mut cmd = self.command();
        cmd.arg("-v").arg(voice);
        if let Some(wpm) = self.speed_wpm {
            cmd.arg("-s").arg(wpm.to_string());
        }
        // `--` so that a text starting with "-" is never taken for an option.
        cmd.arg("-w").arg(file.path()).arg("--").arg(text);
        let out = cmd.output().map_err(|e| self.spawn_error(e))?;
        if !out.status.success() {
            return Err(self.failed(&out));
        }
        let wav = Wav::read(file.path())?;
        debug!(voice, ms = wav.duration().as_millis(), "rendered");
        Ok(wav)
    }

    /// The phonemes espeak-ng would speak for `text` (`-q -x`), to check how it reads a text
    /// without listening: a `(en)` in them means it switched to English rules.
    pub fn phonemes(&self, voice: &str, text: &str) -> Result<String, VoiceError> {
        let out = self
            .command()
            .args(["-q", "-x", "-v", voice, "--", text])
            .output()
            .map_err(|e| self.spawn_error(e))?;
        if !out.status.success() {
            return Err(self.failed(&out));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    fn command(&self) -> Command {
        Command::new(&self.program)
    }

    fn spawn_error(&self, e: std::io::Error) -> VoiceError {
        if e.kind() == ErrorKind::NotFound {
            VoiceError::EngineMissing {
                program: self.program.clone(),
            }
        } else {
            VoiceError::io(format!("running {}", self.program), e)
        }
    }

    fn failed(&self, out: &std::process::Output) -> VoiceError {
        VoiceError::EngineFailed {
            program: self.program.clone(),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        }
    }
}

impl Voice for Espeak {
    fn render(&self, utterance: &Utterance) -> Result<Wav, VoiceError> {
        let voice = match utterance.lang {
            Lang::Zh => &self.zh_voice,
            Lang::En => &self.en_voice,
        };
        self.render_text(voice, &utterance.tts_text()?)
    }
}
