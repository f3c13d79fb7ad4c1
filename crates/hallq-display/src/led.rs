//! The counter LED strip (窗口屏): the short one-line screen over a counter that shows the number
//! served there. Its firmware profile gives its character count (firmware-profiles/led-strip-8.toml:
//! `chars = 8`). This module is pure: what the strip says ([`LedStrip`]) and how a text is fitted
//! to its cells ([`fit`]); `hallq-display --led N` draws it in a small window.
//!
//! **Cells.** Such strips are a row of 8×16 dot cells: a Latin letter or digit takes one cell, a
//! Chinese character (16×16 dots) takes two, side by side. "A012" takes 4 of 8 cells, "暂停服务"
//! all 8. [`cells_of`] says which characters are wide: the East Asian Wide and Fullwidth blocks
//! (CJK ideographs and their punctuation, kana, hangul, fullwidth forms). Control characters
//! take none and are dropped.
//!
//! **Fitting** ([`fit`]): a text that fits is centred (the odd cell, if any, goes on the right);
//! a longer one keeps its beginning, cut before the first character that would not fit whole, so
//! a Chinese character is never split across the edge; the cells left are blank.

use hallq_proto::state::{Activity, CounterState, Liveness, forget_rev, keep_newer};
use hallq_proto::{Lang, LocalText};

/// How many cells `c` takes on the strip: 2 for East Asian Wide and Fullwidth characters, 0 for
/// control characters, 1 otherwise.
pub fn cells_of(c: char) -> usize {
    let u = u32::from(c);
    if c.is_control() {
        return 0;
    }
    let wide = matches!(u,
        0x1100..=0x115F          // Hangul Jamo initials
        | 0x2E80..=0x303E        // CJK radicals, Kangxi, ideographic description, CJK punctuation
        | 0x3041..=0x33FF        // kana, bopomofo, Hangul compatibility, CJK compatibility
        | 0x3400..=0x4DBF        // CJK extension A
        | 0x4E00..=0x9FFF        // CJK unified ideographs
        | 0xA000..=0xA4CF        // Yi
        | 0xAC00..=0xD7A3        // Hangul syllables
        | 0xF900..=0xFAFF        // CJK compatibility ideographs
        | 0xFE30..=0xFE4F        // CJK compatibility forms
        | 0xFF00..=0xFF60        // fullwidth forms
        | 0xFFE0..=0xFFE6        // fullwidth signs
        | 0x20000..=0x3FFFD      // CJK extensions B and later
    );
    if wide { 2 } else { 1 }
}

/// How many cells `text` takes.
pub fn width(text: &str) -> usize {
    text.chars().map(cells_of).sum()
}

/// One character placed on the strip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glyph {
    /// The character.
    pub text: String,
    /// The first cell it covers, from 0.
    pub cell: usize,
    /// How many cells it covers: 1, or 2 for a Chinese character.
    pub cells: usize,
}

/// A text fitted to a strip of `cells` cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fitted {
    /// The strip's cell count.
    pub cells: usize,
    /// The characters shown, left to right.
    pub glyphs: Vec<Glyph>,
}

impl Fitted {
    /// The strip as text, one space per blank cell: what a character-cell strip receives.
    pub fn line(&self) -> String {
        let mut out = String::new();
        let mut at = 0;
        for g in &self.glyphs {
            out.extend(std::iter::repeat_n(' ', g.cell - at));
            out.push_str(&g.text);
            at = g.cell + g.cells;
        }
        out.extend(std::iter::repeat_n(' ', self.cells.saturating_sub(at)));
        out
    }
}

/// Fits `text` to `cells` cells (the rule is in the module's documentation).
pub fn fit(text: &str, cells: usize) -> Fitted {
    let mut kept = Vec::new();
    let mut used = 0;
    for c in text.chars() {
        let w = cells_of(c);
        if w == 0 {
            continue;
        }
        if used + w > cells {
            break;
        }
        kept.push((c, w));
        used += w;
    }
    let mut at = (cells - used) / 2;
    let glyphs = kept
        .into_iter()
        .map(|(c, w)| {
            let g = Glyph {
                text: c.to_string(),
                cell: at,
                cells: w,
            };
            at += w;
            g
        })
        .collect();
    Fitted { cells, glyphs }
}

/// What the strip learns.
#[derive(Debug, Clone, PartialEq)]
pub enum LedInput {
    /// Its counter's retained state (other counters' are ignored).
    Counter(CounterState),
    /// The hub's status.
    Hub(Liveness),
    /// Whether the strip is connected to the broker.
    Connected(bool),
}

/// The LED strip of one counter.
#[derive(Debug, Clone)]
pub struct LedStrip {
    counter: u16,
    state: Option<CounterState>,
    hub_online: bool,
    connected: bool,
}

impl LedStrip {
    /// The strip over counter `counter`, not yet connected.
    pub fn new(counter: u16) -> Self {
        Self {
            counter,
            state: None,
            hub_online: false,
            connected: false,
        }
    }

    /// Its counter.
    pub fn counter(&self) -> u16 {
        self.counter
    }

    /// Takes `input`. A counter state with a `rev` not above the one kept is stale and dropped;
    /// the kept one is forgotten when the hub turns online (docs/protocol.md, §6).
    pub fn handle(&mut self, input: LedInput) {
        match input {
            LedInput::Counter(c) if c.counter.0 == self.counter => {
                keep_newer(&mut self.state, c);
            }
            LedInput::Counter(_) => {}
            LedInput::Hub(status) => {
                let online = status == Liveness::Online;
                if online && !self.hub_online {
                    forget_rev(&mut self.state);
                }
                self.hub_online = online;
            }
            LedInput::Connected(up) => self.connected = up,
        }
    }

    /// What the strip says: the number called or served here; otherwise why not.
    pub fn text(&self) -> LocalText {
        if !(self.hub_online && self.connected) {
            return LocalText::new("系统维护", "OFFLINE");
        }
        match &self.state {
            None => LocalText::new("", ""),
            Some(s) => match &s.activity {
                Activity::Calling(t) | Activity::Serving { ticket: t, .. } => {
                    LocalText::new(t.number.0.clone(), t.number.0.clone())
                }
                Activity::Paused { .. } => LocalText::new("暂停服务", "PAUSED"),
                Activity::Idle if s.open => LocalText::new("欢迎光临", "WELCOME"),
                Activity::Idle => LocalText::new("暂停服务", "CLOSED"),
            },
        }
    }

    /// The strip's `cells` cells in `lang`.
    pub fn view(&self, lang: Lang, cells: usize) -> Fitted {
        fit(self.text().get(lang), cells)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    #[test]
    fn a_ticket_number_is_centred_in_eight_cells() {
        let f = fit("A012", 8);
        assert_eq!(f.line(), "  A012  ");
        assert_eq!(f.glyphs[0].cell, 2);
        assert!(f.glyphs.iter().all(|g| g.cells == 1));
    }

    #[test]
    fn a_chinese_character_takes_two_cells() {
        assert_eq!(width("暂停服务"), 8);
        assert_eq!(width("A012"), 4);
        assert_eq!(width("请A012"), 6);
        assert_eq!(width("，"), 2, "fullwidth punctuation");
        let f = fit("暂停服务", 8);
        assert_eq!(
            f.glyphs
                .iter()
                .map(|g| (g.cell, g.cells))
                .collect::<Vec<_>>(),
            [(0, 2), (2, 2), (4, 2), (6, 2)]
        );
    }

    #[test]
    fn an_odd_blank_cell_goes_right() {
        assert_eq!(fit("V1234", 8).line(), " V1234  ");
        assert_eq!(fit("请A012", 8).line(), " 请A012 ");
    }

    #[test]
    fn a_long_text_keeps_its_start_and_never_splits_a_chinese_character() {
        // 3 + 2 + 2 = 7 cells; "号" would need cells 8 and 9.
        let f = fit("A12请到号窗口", 8);
        assert_eq!(f.line(), "A12请到 ");
        assert_eq!(width(&f.line()), 8);
        assert_eq!(fit("ABCDEFGHIJ", 8).line(), "ABCDEFGH");
    }

    #[test]
    fn control_characters_take_no_cell_and_nothing_fits_nowhere() {
        assert_eq!(fit("A\n0\t12", 8).line(), "  A012  ");
        assert_eq!(fit("A012", 0).line(), "");
        assert_eq!(fit("", 4).line(), "    ");
    }

    #[test]
    fn the_strip_shows_its_counters_number_and_ignores_others() {
        let mut led = LedStrip::new(3);
        led.handle(LedInput::Hub(Liveness::Online));
        led.handle(LedInput::Connected(true));
        led.handle(LedInput::Counter(sample::counter_calling(3, "A012")));
        led.handle(LedInput::Counter(sample::counter_calling(4, "B007")));
        assert_eq!(led.view(Lang::Zh, 8).line(), "  A012  ");
    }

    #[test]
    fn a_stale_counter_state_is_dropped_until_the_hub_restarts() {
        let mut led = LedStrip::new(3);
        led.handle(LedInput::Hub(Liveness::Online));
        led.handle(LedInput::Connected(true));
        let mut newer = sample::counter_calling(3, "A013");
        newer.rev = 5;
        led.handle(LedInput::Counter(newer));
        let mut stale = sample::counter_calling(3, "A012");
        stale.rev = 4;
        led.handle(LedInput::Counter(stale.clone()));
        assert_eq!(led.text().zh, "A013");
        led.handle(LedInput::Hub(Liveness::Offline));
        assert_eq!(led.text().zh, "系统维护");
        led.handle(LedInput::Hub(Liveness::Online));
        stale.rev = 1;
        led.handle(LedInput::Counter(stale));
        assert_eq!(led.text().zh, "A012", "a new run of the hub counts again");
    }

    #[test]
    fn idle_paused_and_closed_counters_say_so_in_eight_cells() {
        let mut led = LedStrip::new(3);
        led.handle(LedInput::Hub(Liveness::Online));
        led.handle(LedInput::Connected(true));
        let mut c = sample::counter_calling(3, "A012");
        c.rev = 2;
        c.activity = Activity::Idle;
        led.handle(LedInput::Counter(c.clone()));
        assert_eq!(led.view(Lang::Zh, 8).line(), "欢迎光临");
        assert_eq!(led.view(Lang::En, 8).line(), "WELCOME ");
        c.rev = 3;
        c.open = false;
        led.handle(LedInput::Counter(c));
        assert_eq!(led.view(Lang::Zh, 8).line(), "暂停服务");
    }
}
