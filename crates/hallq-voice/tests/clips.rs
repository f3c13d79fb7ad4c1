//! The voice-pack engine on a pack recorded with the real espeak-ng: a call is its clips end to
//! end, and a broken pack is refused when it opens, naming the clip.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod common;

use std::path::Path;

use hallq_proto::ids::{CounterNo, TicketNo};
use hallq_voice::pack::{self, catalogue, clip_path};
use hallq_voice::{ClipVoice, Format, Lang, Utterance, Voice, VoiceError, Wav, render_call};

use common::{call, espeak};

fn sample_pack(dir: &Path) {
    let n = pack::make_from_espeak(dir, &espeak()).unwrap();
    assert_eq!(n, catalogue(Lang::Zh).len() + catalogue(Lang::En).len());
}

#[test]
fn a_call_from_clips_is_its_clips_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    sample_pack(dir.path());
    let voice = ClipVoice::open(dir.path(), true).unwrap();
    for (lang, number, counter) in [
        (Lang::Zh, "A012", 3),
        (Lang::Zh, "V107", 21),
        (Lang::En, "B034", 12),
    ] {
        let u = Utterance {
            lang,
            number: TicketNo(number.into()),
            counter: CounterNo(counter),
        };
        let joined = voice.render(&u).unwrap();
        let names = u.clips().unwrap();
        let clips: Vec<Wav> = names
            .iter()
            .map(|n| Wav::read(&clip_path(dir.path(), lang, n)).unwrap())
            .collect();
        assert_eq!(
            joined.frames(),
            clips.iter().map(Wav::frames).sum::<usize>()
        );
        let concat: Vec<i32> = clips
            .iter()
            .flat_map(|c| c.samples.iter().copied())
            .collect();
        assert_eq!(joined.samples, concat);
        assert!(
            joined.peak() > 0.1 && joined.rms() > 0.02,
            "{joined:?} silent?"
        );
        eprintln!(
            "{lang:?} {number} → {counter}: {} clips, {joined:?}",
            names.len()
        );
    }
    // Each clip was trimmed: none starts or ends with more than its margin of silence.
    let qing = Wav::read(&clip_path(dir.path(), Lang::Zh, "qing")).unwrap();
    let whole = espeak().render_text("cmn-latn-pinyin", "请").unwrap();
    assert!(
        qing.duration() < whole.duration(),
        "{qing:?} vs untrimmed {whole:?}"
    );
    // Both languages in one announcement.
    let both = render_call(&voice, &call("A012", 3, 0), true).unwrap();
    assert!(
        both.duration()
            > voice
                .render(&Utterance {
                    lang: Lang::Zh,
                    number: TicketNo("A012".into()),
                    counter: CounterNo(3),
                })
                .unwrap()
                .duration()
    );
}

#[test]
fn a_clip_of_another_format_is_refused_when_the_pack_opens() {
    let dir = tempfile::tempdir().unwrap();
    sample_pack(dir.path());
    let hao = clip_path(dir.path(), Lang::Zh, "hao");
    let mut w = Wav::read(&hao).unwrap();
    w.format = Format {
        sample_rate: 16_000,
        ..w.format
    };
    w.write(&hao).unwrap();
    let err = ClipVoice::open(dir.path(), false).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, VoiceError::FormatMismatch { .. }), "{msg}");
    assert!(
        msg.contains("hao.wav") && msg.contains("16000 Hz") && msg.contains("22050 Hz"),
        "{msg}"
    );
}

#[test]
fn a_missing_clip_is_named_when_the_pack_opens() {
    let dir = tempfile::tempdir().unwrap();
    sample_pack(dir.path());
    std::fs::remove_file(clip_path(dir.path(), Lang::Zh, "7")).unwrap();
    let err = ClipVoice::open(dir.path(), false).unwrap_err();
    assert!(matches!(err, VoiceError::MissingClip { .. }), "{err}");
    assert!(err.to_string().contains("zh/7.wav"), "{err}");

    // A Chinese-only pack opens when English is off, and not when it is on.
    let zh_only = tempfile::tempdir().unwrap();
    sample_pack(zh_only.path());
    std::fs::remove_dir_all(zh_only.path().join("en")).unwrap();
    ClipVoice::open(zh_only.path(), false).unwrap();
    assert!(matches!(
        ClipVoice::open(zh_only.path(), true),
        Err(VoiceError::MissingClip { .. })
    ));
}
