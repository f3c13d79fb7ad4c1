//! What the wall display shows, as plain data: [`DisplayView::of`] reads the controller and
//! picks every text the hub sent. The Slint adapter copies it into the view's global; tests read
//! it without a display.
//!
//! **Two languages at once.** A wall display is read from across the hall by everyone at once,
//! so nobody can switch its language: each text is shown in the hall's first language, large,
//! with the second language smaller beneath or beside it. The first language is Chinese
//! ([`Lang::Zh`], the default): every [`Bi`] then carries the Chinese as `main` and the English
//! as `second`. A hall may make English the first language (`--lang en`): the display then shows
//! English alone (`second` empty), because its fixed labels come from Slint's translations, which
//! give one language at a time. Fixed labels ("Now calling", "Counter 3") are not here: the
//! `.slint` file carries them through `@tr`, with the English source text as the second line.

use hallq_proto::state::{Announcement, Board, CallEntry, Notice};
use hallq_proto::{Lang, LocalText, Timestamp};

use crate::controller::Display;

/// How many calls are shown large.
pub const LATEST: usize = 3;
/// How many earlier calls are listed beside them.
pub const RECENT: usize = 8;

/// A text in the first language, and in the second one smaller (empty when the display shows
/// one language).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bi {
    /// The first language: large.
    pub main: String,
    /// The second language: small; empty when shown in one language.
    pub second: String,
}

impl Bi {
    /// `text` with `lang` first.
    pub fn of(text: &LocalText, lang: Lang) -> Self {
        match lang {
            Lang::Zh => Self {
                main: text.zh.clone(),
                second: text.en.clone(),
            },
            Lang::En => Self {
                main: text.en.clone(),
                second: String::new(),
            },
        }
    }
}

/// What the display as a whole is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayState {
    /// The hub is reachable but its board has not arrived yet (a moment after start).
    Connecting,
    /// The board, live.
    Live,
    /// The hub is away (offline, or the connection lost; also before the first connection):
    /// "system maintenance, please ask staff" over the last board, if any.
    HubAway,
}

/// One call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallLine {
    /// The number called.
    pub number: String,
    /// The counter's window number.
    pub counter: u16,
    /// 0 for a first call, then the recall count.
    pub recall: u32,
    /// Whether it is new and stands out.
    pub fresh: bool,
}

/// One business type's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLine {
    /// Its ticket prefix.
    pub prefix: String,
    /// Its name.
    pub name: Bi,
    /// Tickets waiting.
    pub waiting: u32,
    /// Estimated minutes for a ticket taken now; `None` when no counter serves it now.
    pub wait_min: Option<u32>,
}

/// One announcement in the marquee (DOMAIN.md: with the time it takes effect and where to ask).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarqueeItem {
    /// What it says.
    pub text: Bi,
    /// When it takes effect, hall time: `HH:MM` today, `MM-DD HH:MM` another day.
    pub from: String,
    /// When it ends, the same way; empty for the end of the day.
    pub until: String,
    /// Where to ask; empty when the hall did not say.
    pub ask: Bi,
}

/// Everything the wall display shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayView {
    /// Live, connecting, or the hub away.
    pub state: DisplayState,
    /// Whether English is the first language (and then the only one).
    pub english: bool,
    /// The hall's name, in the header.
    pub hall_name: Bi,
    /// The clock, `HH:MM` in the hall's time.
    pub clock: String,
    /// Whether tickets are being issued.
    pub open: bool,
    /// The latest calls, newest first: shown large.
    pub latest: Vec<CallLine>,
    /// The calls before them, newest first.
    pub recent: Vec<CallLine>,
    /// The flash phase of the calls standing out.
    pub flash: bool,
    /// Waiting and estimated wait per business type.
    pub queues: Vec<QueueLine>,
    /// The announcements, in the red marquee.
    pub marquee: Vec<MarqueeItem>,
    /// The hub's notices that concern the hall (a kiosk's only when no kiosk works) in one
    /// line, each text once (three kiosks down say it once); empty when there are none.
    pub notice: Bi,
}

impl DisplayView {
    /// The view of `display` in `lang` first, at wall-clock time `now` in a hall `utc_offset_min`
    /// minutes from UTC (for the clock and the announcements' times).
    pub fn of(display: &Display, lang: Lang, now: Timestamp, utc_offset_min: i32) -> Self {
        let board = display.board();
        // Away wins: a display that cannot reach its hub says so, with or without a board.
        let state = match (display.reachable(), board) {
            (false, _) => DisplayState::HubAway,
            (true, None) => DisplayState::Connecting,
            (true, Some(_)) => DisplayState::Live,
        };
        let line = |c: &CallEntry| CallLine {
            number: c.number.0.clone(),
            counter: c.counter.0,
            recall: c.recall,
            fresh: display.is_fresh(&c.number, c.counter, c.recall),
        };
        let calls = board.map_or(&[][..], |b| b.calls.as_slice());
        Self {
            state,
            english: lang == Lang::En,
            hall_name: board.map_or_else(Bi::default, |b| Bi::of(&b.hall_name, lang)),
            clock: hallq_proto::time::hhmm(now, utc_offset_min),
            open: board.is_none_or(|b| b.open),
            latest: calls.iter().take(LATEST).map(line).collect(),
            recent: calls.iter().skip(LATEST).take(RECENT).map(line).collect(),
            flash: display.flash_on(),
            queues: board.map_or_else(Vec::new, |b| queues(b, lang)),
            marquee: board.map_or_else(Vec::new, |b| {
                b.announcements
                    .iter()
                    .map(|a| marquee_item(a, lang, now, utc_offset_min))
                    .collect()
            }),
            notice: notice(&display.hall_notices(), lang),
        }
    }
}

fn queues(board: &Board, lang: Lang) -> Vec<QueueLine> {
    board
        .queues
        .iter()
        .map(|q| QueueLine {
            prefix: q.prefix.clone(),
            name: Bi::of(&q.name, lang),
            waiting: q.waiting,
            wait_min: q.estimated_wait_min,
        })
        .collect()
}

/// The notices joined, each text once, in their order.
fn notice(notices: &[&Notice], lang: Lang) -> Bi {
    let mut texts: Vec<Bi> = Vec::new();
    for n in notices {
        let t = Bi::of(&n.text, lang);
        if !texts.contains(&t) {
            texts.push(t);
        }
    }
    let join = |pick: fn(&Bi) -> &str, sep: &str| {
        texts
            .iter()
            .map(pick)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(sep)
    };
    Bi {
        main: join(
            |b| b.main.as_str(),
            if lang == Lang::Zh { "；" } else { "; " },
        ),
        second: join(|b| b.second.as_str(), "; "),
    }
}

/// An announcement with its times in the hall's clock.
pub fn marquee_item(a: &Announcement, lang: Lang, now: Timestamp, offset: i32) -> MarqueeItem {
    MarqueeItem {
        text: Bi::of(&a.text, lang),
        from: when(a.starts_at_ms, now, offset),
        until: a
            .ends_at_ms
            .map(|t| when(t, now, offset))
            .unwrap_or_default(),
        ask: a
            .where_to_ask
            .as_ref()
            .map(|w| Bi::of(w, lang))
            .unwrap_or_default(),
    }
}

/// `HH:MM` when `t` is on the same hall day as `now`, else `MM-DD HH:MM`.
pub fn when(t: Timestamp, now: Timestamp, offset: i32) -> String {
    let (day, _) = hallq_proto::time::local(t, offset);
    let (today, _) = hallq_proto::time::local(now, offset);
    let hhmm = hallq_proto::time::hhmm(t, offset);
    if day == today {
        hhmm
    } else {
        format!("{:02}-{:02} {hhmm}", day.0 / 100 % 100, day.0 % 100)
    }
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;
