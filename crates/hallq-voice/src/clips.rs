//! [`ClipVoice`]: the engine that joins recorded clips from a voice pack (layout in
//! [`crate::pack`]).
//!
//! The pack is read and checked once, when the engine opens: a missing clip or a clip of another
//! format is reported when the display starts, not in the middle of the day's first call.
//! Rendering is then pure: look the clips up and join them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tracing::{info, instrument};

use crate::error::VoiceError;
use crate::pack::{catalogue, clip_path};
use crate::spoken::{Lang, Utterance};
use crate::voice::Voice;
use crate::wav::{Format, Wav};

/// A voice pack loaded in memory (a full pack is a few MB).
#[derive(Debug)]
pub struct ClipVoice {
    /// Where the pack was read from, for messages.
    dir: PathBuf,
    /// Every clip of the catalogue for the languages opened, by language and name.
    clips: HashMap<(Lang, String), Wav>,
}

impl ClipVoice {
    /// Reads the pack in `dir`: the Chinese clips, and the English ones when `english` is on.
    /// Fails on the first missing clip, or on a clip whose format differs from the first one's.
    #[instrument(fields(dir = %dir.display()), err)]
    pub fn open(dir: &Path, english: bool) -> Result<Self, VoiceError> {
        let mut langs = vec![Lang::Zh];
        if english {
            langs.push(Lang::En);
        }
        let mut clips = HashMap::new();
        let mut first: Option<(String, Format)> = None;
        for lang in langs {
            for spec in catalogue(lang) {
                let path = clip_path(dir, lang, &spec.name);
                if !path.is_file() {
                    return Err(VoiceError::MissingClip { path });
                }
                let wav = Wav::read(&path)?;
                let label = path.display().to_string();
                match &first {
                    Some((first_label, format)) if *format != wav.format => {
                        return Err(VoiceError::FormatMismatch {
                            expected_in: first_label.clone(),
                            expected: *format,
                            found_in: label,
                            found: wav.format,
                        });
                    }
                    Some(_) => {}
                    None => first = Some((label, wav.format)),
                }
                clips.insert((lang, spec.name), wav);
            }
        }
        info!(clips = clips.len(), "voice pack loaded");
        Ok(Self {
            dir: dir.to_owned(),
            clips,
        })
    }

    /// The clips that say `utterance`, in order, with their names.
    pub fn clips_for(&self, utterance: &Utterance) -> Result<Vec<(String, &Wav)>, VoiceError> {
        utterance
            .clips()?
            .into_iter()
            .map(
                |name| match self.clips.get(&(utterance.lang, name.clone())) {
                    Some(w) => Ok((name, w)),
                    None => Err(VoiceError::MissingClip {
                        path: clip_path(&self.dir, utterance.lang, &name),
                    }),
                },
            )
            .collect()
    }
}

impl Voice for ClipVoice {
    fn render(&self, utterance: &Utterance) -> Result<Wav, VoiceError> {
        let parts = self.clips_for(utterance)?;
        Wav::join(parts.iter().map(|(n, w)| (n.as_str(), *w)))
    }
}
