//! What is said for a call, in words a speech engine reads right and as the list of recorded
//! clips a voice pack joins. Pure: no IO.
//!
//! The board shows `hallq_proto::speech::call` ("请 A012 号到 3 号窗口办理"); the voice says the
//! same words, spelled for the ear:
//!
//! - the ticket number digit by digit, as halls announce it ("A 零一二", never "A 十二": espeak-ng
//!   reads "A012" as A-zero-twelve in both languages);
//! - the counter as a number ("3 号窗口", "12" as 十二), as halls announce it;
//! - in English, the prefix glued to the first digit ("Number A0 1 2"): a lone "A" is read as the
//!   article "uh".

use hallq_proto::ids::{CounterNo, TicketId, TicketNo, Timestamp};
use hallq_proto::state::CallEvent;

use crate::error::VoiceError;

/// A call to announce: what the display got from the hub, without what the voice does not need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The ticket, reported back to the hub once the call has been heard.
    pub ticket: TicketId,
    /// The number spoken ("A012").
    pub number: TicketNo,
    /// The counter spoken.
    pub counter: CounterNo,
    /// 0 for the first call, then the recall count; a recall is announced again.
    pub recall: u32,
    /// The hub's time of the call. With the ticket and the recall count it tells an MQTT
    /// redelivery (the same event again) from a new call of a re-queued ticket.
    pub at_ms: Timestamp,
}

impl From<&CallEvent> for Call {
    fn from(e: &CallEvent) -> Self {
        Self {
            ticket: e.ticket.clone(),
            number: e.number.clone(),
            counter: e.counter,
            recall: e.recall,
            at_ms: e.at_ms,
        }
    }
}

/// The language of an utterance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Mandarin.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The folder of its clips in a voice pack.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

/// One sentence of an announcement: a call in one language. What a [`Voice`](crate::Voice)
/// renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    /// The language.
    pub lang: Lang,
    /// The ticket number.
    pub number: TicketNo,
    /// The counter.
    pub counter: CounterNo,
}

/// The utterances of one announcement, in the order spoken: Chinese, then English if wanted.
pub fn utterances(call: &Call, english: bool) -> Vec<Utterance> {
    let mut out = vec![Utterance {
        lang: Lang::Zh,
        number: call.number.clone(),
        counter: call.counter,
    }];
    if english {
        out.push(Utterance {
            lang: Lang::En,
            ..out[0].clone()
        });
    }
    out
}

/// One spoken character of a ticket number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Symbol {
    Letter(char),
    Digit(u8),
}

/// The ticket number as letters and digits, refusing anything else (and nothing at all).
fn symbols(number: &TicketNo) -> Result<Vec<Symbol>, VoiceError> {
    let bad = || VoiceError::Unspeakable {
        number: number.0.clone(),
    };
    let out = number
        .0
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' => Ok(Symbol::Letter(c.to_ascii_uppercase())),
            '0'..='9' => Ok(Symbol::Digit(c as u8 - b'0')),
            _ => Err(bad()),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

impl Utterance {
    /// The text a speech engine reads (see the module's notes on spelling).
    pub fn tts_text(&self) -> Result<String, VoiceError> {
        let syms = symbols(&self.number)?;
        let counter = self.counter.0;
        Ok(match self.lang {
            Lang::Zh => {
                let spelled: Vec<String> = syms.iter().map(|s| sym_text(*s)).collect();
                format!("请 {} 号到 {counter} 号窗口办理", spelled.join(" "))
            }
            Lang::En => {
                // Letters run into the first digit; digits stand apart.
                let mut text = String::new();
                let mut prev_letter = false;
                for s in &syms {
                    let glue = prev_letter || text.is_empty();
                    if !glue {
                        text.push(' ');
                    }
                    text.push_str(&sym_text(*s));
                    prev_letter = matches!(s, Symbol::Letter(_));
                }
                format!("Number {text}, please go to counter {counter}.")
            }
        })
    }

    /// The clips of a voice pack that say this utterance, in order (names without `.wav`, in the
    /// language's folder). See [`crate::pack`] for the catalogue.
    pub fn clips(&self) -> Result<Vec<String>, VoiceError> {
        let syms = symbols(&self.number)?;
        let spelled = syms.iter().map(|s| sym_text(*s));
        let counter = self.counter.0;
        Ok(match self.lang {
            Lang::Zh => std::iter::once("qing".to_owned())
                .chain(spelled)
                .chain(["hao".to_owned(), "dao".to_owned()])
                .chain(zh_number(counter))
                .chain(std::iter::once("hao_chuangkou_banli".to_owned()))
                .collect(),
            Lang::En => std::iter::once("number".to_owned())
                .chain(spelled)
                .chain(std::iter::once("please_go_to_counter".to_owned()))
                .chain(en_number(counter))
                .collect(),
        })
    }

    /// Syllables spoken, to judge whether a rendering's length fits its text: one per Chinese
    /// character, letter and digit of the Chinese text (Mandarin reads each as one syllable; a
    /// counter such as 12, 十二, is two either way).
    pub fn zh_syllables(&self) -> Result<usize, VoiceError> {
        let zh = Utterance {
            lang: Lang::Zh,
            ..self.clone()
        };
        Ok(zh
            .tts_text()?
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation())
            .count())
    }
}

fn sym_text(s: Symbol) -> String {
    match s {
        Symbol::Letter(c) => c.to_string(),
        Symbol::Digit(d) => d.to_string(),
    }
}

/// A counter number in Chinese clips: 0–99 as a number (12 is 十二: `shi`, `2`), larger ones
/// digit by digit (counters past 99 do not occur in a hall).
fn zh_number(n: u16) -> Vec<String> {
    let d = |x: u16| x.to_string();
    match n {
        0..=9 => vec![d(n)],
        10 => vec!["shi".into()],
        11..=19 => vec!["shi".into(), d(n % 10)],
        20..=99 if n.is_multiple_of(10) => vec![d(n / 10), "shi".into()],
        20..=99 => vec![d(n / 10), "shi".into(), d(n % 10)],
        _ => n.to_string().chars().map(String::from).collect(),
    }
}

/// A counter number in English clips: 0–19 and the tens are clips of their own ("12",
/// "40"); 21–99 joins a ten and a digit; larger ones go digit by digit.
fn en_number(n: u16) -> Vec<String> {
    match n {
        0..=19 => vec![n.to_string()],
        20..=99 if n.is_multiple_of(10) => vec![n.to_string()],
        20..=99 => vec![(n / 10 * 10).to_string(), (n % 10).to_string()],
        _ => n.to_string().chars().map(String::from).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hallq_proto::speech;

    fn utt(lang: Lang, number: &str, counter: u16) -> Utterance {
        Utterance {
            lang,
            number: TicketNo(number.into()),
            counter: CounterNo(counter),
        }
    }

    fn squeeze(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    #[test]
    fn spoken_text_says_the_boards_words_spelled_for_the_ear() {
        let u = utt(Lang::Zh, "A012", 3);
        assert_eq!(u.tts_text().unwrap(), "请 A 0 1 2 号到 3 号窗口办理");
        let e = utt(Lang::En, "A012", 3);
        assert_eq!(
            e.tts_text().unwrap(),
            "Number A0 1 2, please go to counter 3."
        );
        // Same words as the board's text (hallq_proto::speech), only spaced differently.
        let board = speech::call(&TicketNo("A012".into()), CounterNo(3));
        assert_eq!(squeeze(&u.tts_text().unwrap()), squeeze(&board.zh));
        assert_eq!(squeeze(&e.tts_text().unwrap()), squeeze(&board.en));
    }

    #[test]
    fn clips_of_a_call_in_both_languages() {
        assert_eq!(
            utt(Lang::Zh, "A012", 3).clips().unwrap(),
            [
                "qing",
                "A",
                "0",
                "1",
                "2",
                "hao",
                "dao",
                "3",
                "hao_chuangkou_banli"
            ]
        );
        assert_eq!(
            utt(Lang::En, "v007", 12).clips().unwrap(),
            ["number", "V", "0", "0", "7", "please_go_to_counter", "12"]
        );
    }

    #[test]
    fn counter_numbers_read_as_numbers() {
        assert_eq!(zh_number(10), ["shi"]);
        assert_eq!(zh_number(12), ["shi", "2"]);
        assert_eq!(zh_number(20), ["2", "shi"]);
        assert_eq!(zh_number(21), ["2", "shi", "1"]);
        assert_eq!(zh_number(105), ["1", "0", "5"]);
        assert_eq!(en_number(13), ["13"]);
        assert_eq!(en_number(40), ["40"]);
        assert_eq!(en_number(47), ["40", "7"]);
        assert_eq!(en_number(120), ["1", "2", "0"]);
    }

    #[test]
    fn a_number_with_other_characters_is_refused() {
        for bad in ["", "A-12", "Ａ12", "号1"] {
            let err = utt(Lang::Zh, bad, 1).clips().unwrap_err();
            assert!(matches!(err, VoiceError::Unspeakable { .. }), "{bad}");
        }
    }

    #[test]
    fn english_only_when_asked_and_after_chinese() {
        let call = Call {
            ticket: TicketId::new("t-1").unwrap(),
            number: TicketNo("A012".into()),
            counter: CounterNo(3),
            recall: 0,
            at_ms: Timestamp(0),
        };
        assert_eq!(utterances(&call, false).len(), 1);
        let both = utterances(&call, true);
        assert_eq!(
            both.iter().map(|u| u.lang).collect::<Vec<_>>(),
            [Lang::Zh, Lang::En]
        );
    }

    #[test]
    fn syllables_of_the_chinese_call() {
        // 请 A 零 一 二 号 到 三 号 窗 口 办 理
        assert_eq!(utt(Lang::Zh, "A012", 3).zh_syllables().unwrap(), 13);
    }
}
