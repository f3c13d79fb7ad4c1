//! [`Voice`]: the interface every speech engine offers, and [`render_call`], which turns a whole
//! call (Chinese, then English if wanted) into one WAV.

use crate::error::VoiceError;
use crate::spoken::{Call, Utterance, utterances};
use crate::wav::Wav;

/// Silence between the Chinese and the English sentence of one announcement.
pub const LANGUAGE_GAP_MS: u32 = 400;

/// A speech engine: renders one utterance to audio. Blocking (it may run a process or read
/// files); the [`Announcer`](crate::Announcer) owns it and calls it from its own thread.
pub trait Voice: Send {
    /// The audio of `utterance`.
    fn render(&self, utterance: &Utterance) -> Result<Wav, VoiceError>;
}

impl<V: Voice + ?Sized> Voice for Box<V> {
    fn render(&self, utterance: &Utterance) -> Result<Wav, VoiceError> {
        (**self).render(utterance)
    }
}

/// The audio of a whole call: the Chinese sentence, then (if `english`) a short pause and the
/// English one, as one WAV that is played once per repeat.
pub fn render_call(voice: &dyn Voice, call: &Call, english: bool) -> Result<Wav, VoiceError> {
    let mut parts: Vec<(String, Wav)> = Vec::new();
    for u in utterances(call, english) {
        let wav = voice.render(&u)?;
        if let Some((_, prev)) = parts.last() {
            let gap = Wav::silence(prev.format, LANGUAGE_GAP_MS);
            parts.push(("pause".to_owned(), gap));
        }
        parts.push((format!("{:?} sentence", u.lang), wav));
    }
    Wav::join(parts.iter().map(|(label, w)| (label.as_str(), w)))
}
