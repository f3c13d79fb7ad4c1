//! [`VoiceConfig`]: the voice settings of a display, with defaults, as they appear in its TOML
//! (`[voice]`), and what builds the engine and the player from them.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clips::ClipVoice;
use crate::error::VoiceError;
use crate::espeak::Espeak;
use crate::player::{CommandPlayer, Player};
use crate::voice::Voice;

/// Which engine speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// espeak-ng renders each call (Debian package `espeak-ng`).
    #[default]
    Espeak,
    /// Recorded clips from a voice pack are joined (`pack_dir`).
    Clips,
}

/// The voice settings. Every key has a default, so `[voice]` may be empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VoiceConfig {
    /// `"espeak"` (default) or `"clips"`.
    pub engine: Engine,
    /// The espeak-ng program.
    pub espeak_program: String,
    /// espeak-ng's Mandarin voice: `cmn-latn-pinyin` (see [`Espeak`] for why not `cmn`).
    pub zh_voice: String,
    /// espeak-ng's English voice.
    pub en_voice: String,
    /// espeak-ng's speed in words per minute; unset keeps its default (175).
    pub speed_wpm: Option<u32>,
    /// Whether each call is also said in English, after the Chinese. Off by default.
    pub english: bool,
    /// How many times each call is played (1–5); 2 by default, as halls do.
    pub repeats: u32,
    /// Silence between two plays of the same call, in milliseconds.
    pub repeat_pause_ms: u32,
    /// The player command; `{wav}` is the file (added at the end if absent). Empty or `"none"`:
    /// render only, play nothing (a display without speakers, or a test).
    pub player: String,
    /// A play that lasts longer than this is killed, so a stuck sound device cannot hold the
    /// queue for good.
    pub player_timeout_secs: u64,
    /// The voice pack's folder, for `engine = "clips"`.
    pub pack_dir: Option<PathBuf>,
    /// The most calls waiting to be announced; beyond it the oldest waiting is dropped (see
    /// [`crate::queue`]).
    pub queue_capacity: usize,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        let espeak = Espeak::default();
        Self {
            engine: Engine::Espeak,
            espeak_program: espeak.program,
            zh_voice: espeak.zh_voice,
            en_voice: espeak.en_voice,
            speed_wpm: espeak.speed_wpm,
            english: false,
            repeats: 2,
            repeat_pause_ms: 800,
            player: "aplay -q {wav}".into(),
            player_timeout_secs: 30,
            pack_dir: None,
            queue_capacity: 10,
        }
    }
}

impl VoiceConfig {
    /// Checks the values that have limits.
    pub fn validate(&self) -> Result<(), VoiceError> {
        let bad = |m: &str| Err(VoiceError::Config(m.to_owned()));
        if !(1..=5).contains(&self.repeats) {
            return bad("voice.repeats must be 1 to 5");
        }
        if self.queue_capacity == 0 {
            return bad("voice.queue_capacity must be at least 1");
        }
        if self.player_timeout_secs == 0 {
            return bad("voice.player_timeout_secs must be at least 1");
        }
        if self.engine == Engine::Clips && self.pack_dir.is_none() {
            return bad("voice.engine = \"clips\" needs voice.pack_dir");
        }
        Ok(())
    }

    /// The espeak-ng engine these settings describe (also what records a sample pack).
    pub fn espeak(&self) -> Espeak {
        Espeak {
            program: self.espeak_program.clone(),
            zh_voice: self.zh_voice.clone(),
            en_voice: self.en_voice.clone(),
            speed_wpm: self.speed_wpm,
        }
    }

    /// The engine, ready: espeak-ng checked to run, or the voice pack read and checked.
    pub fn voice(&self) -> Result<Box<dyn Voice>, VoiceError> {
        self.validate()?;
        match (&self.engine, &self.pack_dir) {
            (Engine::Clips, Some(dir)) => Ok(Box::new(ClipVoice::open(dir, self.english)?)),
            _ => {
                let e = self.espeak();
                e.check()?;
                Ok(Box::new(e))
            }
        }
    }

    /// The player (checked to be installed), or `None` to render only.
    pub fn player(&self) -> Result<Option<Box<dyn Player>>, VoiceError> {
        let cmd = self.player.trim();
        if cmd.is_empty() || cmd == "none" {
            return Ok(None);
        }
        let timeout = Duration::from_secs(self.player_timeout_secs);
        let player = CommandPlayer::new(cmd, timeout)?;
        player.check()?;
        Ok(Some(Box::new(player)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_section_is_the_defaults() {
        let c: VoiceConfig = toml::from_str("").unwrap();
        assert_eq!(c, VoiceConfig::default());
        assert_eq!(c.repeats, 2);
        assert_eq!(c.zh_voice, "cmn-latn-pinyin");
        c.validate().unwrap();
    }

    #[test]
    fn limits_are_checked() {
        for c in [
            VoiceConfig {
                repeats: 0,
                ..Default::default()
            },
            VoiceConfig {
                repeats: 6,
                ..Default::default()
            },
            VoiceConfig {
                queue_capacity: 0,
                ..Default::default()
            },
            VoiceConfig {
                engine: Engine::Clips,
                ..Default::default()
            },
        ] {
            assert!(matches!(c.validate(), Err(VoiceError::Config(_))), "{c:?}");
        }
    }

    #[test]
    fn no_player_means_render_only() {
        for p in ["", "none", "  "] {
            let c = VoiceConfig {
                player: p.into(),
                ..Default::default()
            };
            assert!(c.player().unwrap().is_none());
        }
        let sh = VoiceConfig {
            player: "sh -c true".into(),
            ..Default::default()
        };
        assert!(sh.player().unwrap().is_some());
        let missing = VoiceConfig {
            player: "no-such-player {wav}".into(),
            ..Default::default()
        };
        assert!(matches!(
            missing.player(),
            Err(VoiceError::PlayerSpawn { .. })
        ));
    }

    #[test]
    fn the_readme_documents_every_key_and_no_other() {
        let all = VoiceConfig {
            speed_wpm: Some(150),
            pack_dir: Some("pack".into()),
            ..Default::default()
        };
        let table: toml::Table = toml::from_str(&toml::to_string(&all).unwrap()).unwrap();
        let readme = include_str!("../README.md");
        let documented: Vec<&str> = readme
            .lines()
            .filter_map(|l| l.strip_prefix("| `")?.split_once("` |").map(|(k, _)| k))
            .collect();
        let mut keys: Vec<&str> = table.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut documented_sorted = documented.clone();
        documented_sorted.sort_unstable();
        assert_eq!(keys, documented_sorted);
    }
}
