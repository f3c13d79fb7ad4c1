//! Voice packs: folders of recorded clips that [`ClipVoice`](crate::ClipVoice) joins, the way
//! most halls' calling systems speak. The catalogue of clips is here, and
//! [`make_from_espeak`], which records a sample pack with espeak-ng so the clip engine can be
//! tried (and tested) without a studio.
//!
//! Layout (also in the crate's README):
//!
//! ```text
//! pack/
//!   zh/qing.wav                 请
//!   zh/hao.wav                  号
//!   zh/dao.wav                  到
//!   zh/hao_chuangkou_banli.wav  号窗口办理
//!   zh/shi.wav                  十 (counters 10–99)
//!   zh/0.wav … zh/9.wav         零 … 九
//!   zh/A.wav … zh/Z.wav         the letters, as halls say them
//!   en/number.wav               "Number"
//!   en/please_go_to_counter.wav "please go to counter"
//!   en/0.wav … en/19.wav        zero … nineteen
//!   en/20.wav … en/90.wav       twenty, thirty … ninety
//!   en/A.wav … en/Z.wav         the letters
//! ```
//!
//! `en/` is needed only when English is on. Every clip must have the same format (sample rate,
//! channels, bits); integer PCM WAV.

use std::path::{Path, PathBuf};

use tracing::{info, instrument};

use crate::error::VoiceError;
use crate::espeak::Espeak;
use crate::spoken::Lang;

/// A clip of the catalogue: its file name (without `.wav`) and the words it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipSpec {
    /// The file name, without `.wav`.
    pub name: String,
    /// The words recorded in it (what espeak-ng is given for the sample pack).
    pub words: String,
}

fn clip(name: impl Into<String>, words: impl Into<String>) -> ClipSpec {
    ClipSpec {
        name: name.into(),
        words: words.into(),
    }
}

/// Every clip a pack has for `lang`: together they say any call whose number is letters and
/// digits.
pub fn catalogue(lang: Lang) -> Vec<ClipSpec> {
    let letters = ('A'..='Z').map(|c| clip(c.to_string(), c.to_string()));
    match lang {
        Lang::Zh => [
            clip("qing", "请"),
            clip("hao", "号"),
            clip("dao", "到"),
            clip("hao_chuangkou_banli", "号窗口办理"),
            clip("shi", "十"),
        ]
        .into_iter()
        .chain((0..=9).map(|d| clip(d.to_string(), d.to_string())))
        .chain(letters)
        .collect(),
        Lang::En => [
            clip("number", "Number"),
            clip("please_go_to_counter", "please go to counter"),
        ]
        .into_iter()
        .chain((0..=19).map(|n| clip(n.to_string(), n.to_string())))
        .chain(
            (20..=90)
                .step_by(10)
                .map(|n| clip(n.to_string(), n.to_string())),
        )
        .chain(letters)
        .collect(),
    }
}

/// Where a clip lives in a pack.
pub fn clip_path(pack: &Path, lang: Lang, name: &str) -> PathBuf {
    pack.join(lang.dir()).join(format!("{name}.wav"))
}

/// Below this share of full scale a sample is silence, for trimming espeak-ng's padding.
const TRIM_THRESHOLD: f64 = 0.01;
/// Silence kept before and after each trimmed clip, so joined clips do not run together.
const TRIM_MARGIN_MS: u32 = 40;

/// Records a sample voice pack into `dir` (both languages) with espeak-ng, trimming each clip's
/// leading and trailing silence. Returns the number of clips written. Joined espeak clips sound
/// choppier than espeak reading the whole sentence: this pack is for trying the clip engine,
/// a hall records its own.
#[instrument(skip(espeak), fields(dir = %dir.display()), err)]
pub fn make_from_espeak(dir: &Path, espeak: &Espeak) -> Result<usize, VoiceError> {
    let mut written = 0;
    for lang in [Lang::Zh, Lang::En] {
        let folder = dir.join(lang.dir());
        std::fs::create_dir_all(&folder)
            .map_err(|e| VoiceError::io(format!("creating {}", folder.display()), e))?;
        let voice = match lang {
            Lang::Zh => &espeak.zh_voice,
            Lang::En => &espeak.en_voice,
        };
        for c in catalogue(lang) {
            let wav = espeak
                .render_text(voice, &c.words)?
                .trimmed(TRIM_THRESHOLD, TRIM_MARGIN_MS);
            wav.write(&clip_path(dir, lang, &c.name))?;
            written += 1;
        }
    }
    info!(clips = written, "sample voice pack recorded with espeak-ng");
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spoken::Utterance;
    use hallq_proto::ids::{CounterNo, TicketNo};

    #[test]
    fn the_catalogue_says_every_call() {
        for lang in [Lang::Zh, Lang::En] {
            let names: Vec<String> = catalogue(lang).into_iter().map(|c| c.name).collect();
            for number in ["A012", "Z999", "B000", "V107"] {
                for counter in [0, 1, 9, 10, 11, 19, 20, 21, 47, 90, 99, 100, 255] {
                    let u = Utterance {
                        lang,
                        number: TicketNo(number.into()),
                        counter: CounterNo(counter),
                    };
                    for c in u.clips().unwrap() {
                        assert!(
                            names.contains(&c),
                            "{lang:?} lacks {c} for {number} at {counter}"
                        );
                    }
                }
            }
        }
    }
}
