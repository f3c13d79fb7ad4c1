//! The espeak-ng engine, for real: the WAV of a call exists, is audible, and is as long as its
//! words.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod common;

use std::time::Duration;

use hallq_proto::ids::{CounterNo, TicketNo};
use hallq_voice::{Espeak, Lang, Utterance, Voice, VoiceError, Wav, render_call};

use common::{call, espeak};

fn utt(lang: Lang, number: &str, counter: u16) -> Utterance {
    Utterance {
        lang,
        number: TicketNo(number.into()),
        counter: CounterNo(counter),
    }
}

/// Speech, not silence or clipping noise: espeak-ng speaks at a peak of about half scale.
fn assert_audible(w: &Wav) {
    assert!(w.peak() > 0.1, "peak {:.3} too low: silent?", w.peak());
    assert!(w.rms() > 0.02, "RMS {:.3} too low: silent?", w.rms());
}

#[test]
fn a_chinese_call_is_an_audible_wav_as_long_as_its_syllables() {
    let e = espeak();
    let u = utt(Lang::Zh, "A012", 3);
    let wav = e.render(&u).unwrap();

    // The file the player gets exists and holds the same audio.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.wav");
    wav.write(&path).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() > 44_000);
    assert_eq!(Wav::read(&path).unwrap(), wav);

    assert_audible(&wav);
    let syllables = u.zh_syllables().unwrap();
    let per = wav.duration().as_secs_f64() / syllables as f64;
    eprintln!("{:?}: {syllables} syllables, {per:.3} s each", wav);
    // Hall announcers speak 3–5 syllables a second; espeak-ng's padding adds a little.
    assert!((0.15..=0.6).contains(&per), "{per:.3} s per syllable");
}

#[test]
fn an_english_call_is_audible_and_of_a_plausible_length() {
    let wav = espeak().render(&utt(Lang::En, "A012", 3)).unwrap();
    assert_audible(&wav);
    // "Num-ber A ze-ro one two, please go to coun-ter three": 13 syllables.
    let per = wav.duration().as_secs_f64() / 13.0;
    eprintln!("{:?}: {per:.3} s per syllable", wav);
    assert!((0.12..=0.6).contains(&per), "{per:.3} s per syllable");
}

#[test]
fn a_longer_text_gives_a_longer_wav() {
    let e = espeak();
    let short = e.render(&utt(Lang::Zh, "A012", 3)).unwrap();
    // Two more digits: two more syllables.
    let long = e.render(&utt(Lang::Zh, "A01234", 3)).unwrap();
    let extra = long.duration().saturating_sub(short.duration());
    eprintln!("two more digits: +{extra:?}");
    assert!(
        extra >= Duration::from_millis(2 * 150),
        "+{extra:?} for two syllables"
    );
    assert!(
        extra <= Duration::from_millis(2 * 600),
        "+{extra:?} for two syllables"
    );

    // With English the announcement is the Chinese, a pause and the English.
    let zh = render_call(&e, &call("A012", 3, 0), false).unwrap();
    let both = render_call(&e, &call("A012", 3, 0), true).unwrap();
    let en = e.render(&utt(Lang::En, "A012", 3)).unwrap();
    assert_eq!(
        both.frames(),
        zh.frames()
            + Wav::silence(zh.format, hallq_voice::voice::LANGUAGE_GAP_MS).frames()
            + en.frames()
    );
}

#[test]
fn a_missing_espeak_ng_says_how_to_install_it() {
    let e = Espeak {
        program: "espeak-ng-not-installed".into(),
        ..Espeak::default()
    };
    let err = e.check().unwrap_err();
    assert!(matches!(err, VoiceError::EngineMissing { .. }), "{err}");
    assert!(
        err.to_string().contains("apt-get install espeak-ng"),
        "{err}"
    );
    assert!(matches!(
        e.render(&utt(Lang::Zh, "A012", 3)),
        Err(VoiceError::EngineMissing { .. })
    ));
}

#[test]
fn an_unknown_voice_is_reported_in_espeak_ngs_words() {
    let e = Espeak {
        zh_voice: "zzznope".into(),
        ..espeak()
    };
    let err = e.render(&utt(Lang::Zh, "A012", 3)).unwrap_err();
    assert!(matches!(err, VoiceError::EngineFailed { .. }), "{err}");
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn the_chinese_voice_reads_every_character_as_mandarin() {
    let e = espeak();
    for (number, counter) in [("A012", 3), ("V107", 21), ("Z999", 12)] {
        let text = utt(Lang::Zh, number, counter).tts_text().unwrap();
        let ph = e.phonemes(&e.zh_voice, &text).unwrap();
        assert!(!ph.contains("(en)"), "{text} read with English rules: {ph}");
        // 请 is qing3, not "king three".
        assert!(ph.starts_with("tS;h'i21N"), "{text}: {ph}");
    }
    // And so does every clip of the sample voice pack.
    for c in hallq_voice::pack::catalogue(Lang::Zh) {
        let ph = e.phonemes(&e.zh_voice, &c.words).unwrap();
        assert!(
            !ph.contains("(en)"),
            "clip {} read with English rules: {ph}",
            c.name
        );
    }
    // Why the default is not `cmn` (espeak-ng 1.51): it reads the pinyin of 请 as English.
    let cmn = e.phonemes("cmn", "请").unwrap();
    eprintln!("cmn reads 请 as {cmn}");
}
