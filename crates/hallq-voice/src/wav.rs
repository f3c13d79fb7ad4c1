//! [`Wav`]: PCM audio in memory. Joining, trimming and measuring are pure; only
//! [`Wav::read`] and [`Wav::write`] touch files.
//!
//! Joining refuses parts of different formats instead of resampling: a voice pack whose clips
//! were recorded at different rates is a broken pack, and saying so beats playing chipmunks.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use crate::error::VoiceError;

/// What must match for two WAVs to be joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Format {
    /// Samples per second, per channel.
    pub sample_rate: u32,
    /// 1 for mono, 2 for stereo.
    pub channels: u16,
    /// Bits per sample (integer PCM): 8, 16, 24 or 32.
    pub bits: u16,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ch = match self.channels {
            1 => "mono".to_owned(),
            2 => "stereo".to_owned(),
            n => format!("{n} channels"),
        };
        write!(f, "{} Hz {ch} {}-bit", self.sample_rate, self.bits)
    }
}

impl Format {
    /// What espeak-ng writes: 22 050 Hz, mono, 16-bit.
    pub const ESPEAK: Format = Format {
        sample_rate: 22_050,
        channels: 1,
        bits: 16,
    };

    fn full_scale(self) -> f64 {
        // 2^(bits-1): the magnitude of the most negative sample.
        2f64.powi(i32::from(self.bits.clamp(1, 32)) - 1)
    }
}

/// Integer PCM audio: interleaved samples, each in the range of `format.bits`.
#[derive(Clone, PartialEq, Eq)]
pub struct Wav {
    /// The format every sample is in.
    pub format: Format,
    /// Interleaved samples (frame after frame, one sample per channel in each).
    pub samples: Vec<i32>,
}

impl fmt::Debug for Wav {
    // Thousands of samples help nobody reading a test failure.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wav")
            .field("format", &self.format)
            .field("frames", &self.frames())
            .field("duration", &self.duration())
            .finish()
    }
}

impl Wav {
    /// `ms` milliseconds of silence in `format`.
    pub fn silence(format: Format, ms: u32) -> Self {
        let frames = u64::from(format.sample_rate) * u64::from(ms) / 1000;
        let n = usize::try_from(frames * u64::from(format.channels)).unwrap_or(0);
        Self {
            format,
            samples: vec![0; n],
        }
    }

    /// Frames (one sample per channel) in the audio.
    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.format.channels.max(1))
    }

    /// How long it plays.
    pub fn duration(&self) -> Duration {
        if self.format.sample_rate == 0 {
            return Duration::ZERO;
        }
        let frames = self.frames() as u64;
        Duration::from_nanos(frames * 1_000_000_000 / u64::from(self.format.sample_rate))
    }

    /// The loudest sample, from 0.0 (silence) to 1.0 (full scale).
    pub fn peak(&self) -> f64 {
        let max = self
            .samples
            .iter()
            .map(|s| s.unsigned_abs())
            .max()
            .unwrap_or(0);
        f64::from(max) / self.format.full_scale()
    }

    /// Root mean square level, from 0.0 (silence) to 1.0 (full-scale square wave).
    pub fn rms(&self) -> f64 {
        if self.samples.is_empty() {
            return 0.0;
        }
        let scale = self.format.full_scale();
        let sum: f64 = self
            .samples
            .iter()
            .map(|&s| {
                let x = f64::from(s) / scale;
                x * x
            })
            .sum();
        (sum / self.samples.len() as f64).sqrt()
    }

    /// Joins parts end to end. Each part comes with a label (its clip or file name) so that a
    /// format mismatch names the culprit. Refuses an empty list and any part whose format differs
    /// from the first one's.
    pub fn join<'a>(
        parts: impl IntoIterator<Item = (&'a str, &'a Wav)>,
    ) -> Result<Wav, VoiceError> {
        let mut parts = parts.into_iter();
        let (first_label, first) = parts.next().ok_or(VoiceError::Empty)?;
        let mut out = first.clone();
        for (label, part) in parts {
            if part.format != out.format {
                return Err(VoiceError::FormatMismatch {
                    expected_in: first_label.to_owned(),
                    expected: out.format,
                    found_in: label.to_owned(),
                    found: part.format,
                });
            }
            out.samples.extend_from_slice(&part.samples);
        }
        Ok(out)
    }

    /// The audio without its leading and trailing near-silence (frames whose every sample is
    /// below `threshold` of full scale), keeping `margin_ms` of it on each side so words do not
    /// start clipped. Audio that is all silence comes back empty.
    pub fn trimmed(&self, threshold: f64, margin_ms: u32) -> Wav {
        let ch = usize::from(self.format.channels.max(1));
        let limit = threshold * self.format.full_scale();
        let loud = |frame: &[i32]| frame.iter().any(|&s| f64::from(s).abs() >= limit);
        let frames: Vec<&[i32]> = self.samples.chunks(ch).collect();
        let Some(first) = frames.iter().position(|f| loud(f)) else {
            return Wav {
                format: self.format,
                samples: Vec::new(),
            };
        };
        let last = frames.iter().rposition(|f| loud(f)).unwrap_or(first);
        let margin =
            usize::try_from(u64::from(self.format.sample_rate) * u64::from(margin_ms) / 1000)
                .unwrap_or(0);
        let start = first.saturating_sub(margin);
        let end = (last + 1 + margin).min(frames.len());
        Wav {
            format: self.format,
            samples: self.samples[start * ch..end * ch].to_vec(),
        }
    }

    /// Reads a WAV file of integer PCM.
    pub fn read(path: &Path) -> Result<Wav, VoiceError> {
        let wav_err = |source| VoiceError::Wav {
            path: path.to_owned(),
            source,
        };
        let reader = hound::WavReader::open(path).map_err(wav_err)?;
        let spec = reader.spec();
        if spec.sample_format != hound::SampleFormat::Int
            || !(1..=32).contains(&spec.bits_per_sample)
        {
            return Err(VoiceError::UnsupportedWav {
                what: path.display().to_string(),
                detail: format!(
                    "{:?} samples of {} bits",
                    spec.sample_format, spec.bits_per_sample
                ),
            });
        }
        let samples = reader
            .into_samples::<i32>()
            .collect::<Result<Vec<i32>, _>>()
            .map_err(wav_err)?;
        Ok(Wav {
            format: Format {
                sample_rate: spec.sample_rate,
                channels: spec.channels,
                bits: spec.bits_per_sample,
            },
            samples,
        })
    }

    /// Writes the audio as a WAV file (replacing any file there).
    pub fn write(&self, path: &Path) -> Result<(), VoiceError> {
        let wav_err = |source| VoiceError::Wav {
            path: path.to_owned(),
            source,
        };
        let spec = hound::WavSpec {
            channels: self.format.channels,
            sample_rate: self.format.sample_rate,
            bits_per_sample: self.format.bits,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(path, spec).map_err(wav_err)?;
        for &s in &self.samples {
            writer.write_sample(s).map_err(wav_err)?;
        }
        writer.finalize().map_err(wav_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(format: Format, frames: usize, amp: i32) -> Wav {
        let samples = (0..frames * usize::from(format.channels))
            .map(|i| if i % 2 == 0 { amp } else { -amp })
            .collect();
        Wav { format, samples }
    }

    #[test]
    fn joined_length_is_the_sum_of_the_parts() {
        let a = tone(Format::ESPEAK, 100, 1000);
        let b = Wav::silence(Format::ESPEAK, 10);
        let j = Wav::join([("a", &a), ("b", &b), ("a", &a)]).unwrap();
        assert_eq!(j.frames(), 100 + 220 + 100);
        assert_eq!(&j.samples[..100], &a.samples[..]);
    }

    #[test]
    fn join_refuses_a_part_of_another_format_and_names_it() {
        let a = tone(Format::ESPEAK, 10, 1000);
        let b = tone(
            Format {
                sample_rate: 16_000,
                ..Format::ESPEAK
            },
            10,
            1000,
        );
        let err = Wav::join([("qing.wav", &a), ("hao.wav", &b)]).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, VoiceError::FormatMismatch { .. }));
        assert!(
            msg.contains("hao.wav") && msg.contains("16000 Hz") && msg.contains("22050 Hz"),
            "{msg}"
        );
    }

    #[test]
    fn join_refuses_nothing() {
        assert!(matches!(Wav::join([]), Err(VoiceError::Empty)));
    }

    #[test]
    fn levels_of_silence_and_of_a_full_scale_square() {
        let s = Wav::silence(Format::ESPEAK, 100);
        assert_eq!((s.peak(), s.rms()), (0.0, 0.0));
        let t = tone(Format::ESPEAK, 100, 32767);
        assert!(t.peak() > 0.99 && t.rms() > 0.99);
        assert_eq!(s.duration(), Duration::from_millis(100));
    }

    #[test]
    fn trimming_keeps_the_sound_and_a_margin() {
        let f = Format::ESPEAK;
        let w = Wav::join([
            ("s", &Wav::silence(f, 500)),
            ("t", &tone(f, 2205, 10_000)),
            ("s", &Wav::silence(f, 500)),
        ])
        .unwrap();
        let t = w.trimmed(0.01, 20);
        assert_eq!(t.frames(), 2205 + 2 * 441);
        assert!(Wav::silence(f, 100).trimmed(0.01, 20).samples.is_empty());
    }

    #[test]
    fn written_and_read_back_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.wav");
        let stereo = Format {
            channels: 2,
            ..Format::ESPEAK
        };
        let w = tone(stereo, 300, 1234);
        w.write(&p).unwrap();
        assert_eq!(Wav::read(&p).unwrap(), w);
    }
}
