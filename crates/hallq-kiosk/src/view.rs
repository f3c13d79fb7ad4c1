//! What the screen shows, as plain data: [`KioskView::of`] reads the controller and picks every
//! text the hub sent in the customer's language. The Slint adapter copies it into the view's
//! global; tests read it without a display.
//!
//! Texts fixed in the app (titles, buttons) are not here: the `.slint` files carry them through
//! Slint's translations. Numbers stay numbers so the view can say them in either language.

use hallq_proto::Lang;

use crate::controller::{Kiosk, PrintState, Screen, Unavailable};

/// Which screen, as the view names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenKind {
    /// The business types.
    Welcome,
    /// The self-service offer.
    SelfService,
    /// The offer taken.
    SelfServiceTaken,
    /// Ordinary, priority or green channel.
    Priority,
    /// The green-channel code.
    GreenCode,
    /// The optional mobile number.
    Phone,
    /// Waiting for the hub.
    Issuing,
    /// The ticket.
    Issued,
    /// The hub refused.
    Refused,
    /// The hub did not answer.
    NoAnswer,
    /// The hub cannot be reached.
    HubAway,
    /// The hall is not issuing tickets.
    NotIssuing,
    /// Staff put the kiosk in maintenance.
    Maintenance,
    /// A booked customer keys the booking code or the mobile number.
    CheckIn,
    /// The check-in was sent.
    CheckingIn,
    /// The hub refused the check-in.
    CheckInRefused,
}

/// How the printing of the ticket on screen stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintStatus {
    /// Sent to the printer.
    Printing,
    /// Printed.
    Printed,
    /// Failed: ask staff, or print again.
    Failed,
}

/// One business type on the welcome screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLine {
    /// Its code, sent back when touched.
    pub code: String,
    /// Its name, whole (what assistive technology reads).
    pub name: String,
    /// The name without its bracketed detail, on the first line: `基础业务`.
    pub title: String,
    /// The bracketed detail, on a line of its own: `套餐变更、话费充值`; empty for none.
    pub detail: String,
    /// Its ticket prefix.
    pub prefix: String,
    /// Tickets waiting.
    pub waiting: u32,
    /// Estimated minutes for a ticket taken now; `None` when no counter serves it now.
    pub wait_min: Option<u32>,
}

/// The ticket on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketLine {
    /// The number called.
    pub number: String,
    /// The business type's name.
    pub business: String,
    /// "Priority service" or "Green channel"; empty for an ordinary ticket.
    pub priority: String,
    /// Tickets called before it.
    pub people_ahead: u32,
    /// Estimated minutes; `None` when no counter serves it now.
    pub wait_min: Option<u32>,
    /// Documents to have ready.
    pub documents: Vec<String>,
    /// The printer's side.
    pub print: PrintStatus,
    /// The ticket's live page on the customer's phone (the hub's `[phone]`), shown as a QR code.
    pub page_url: Option<String>,
}

/// Everything the screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskView {
    /// The screen.
    pub screen: ScreenKind,
    /// Whether the customer switched to English.
    pub english: bool,
    /// The hall's name, in the header.
    pub hall_name: String,
    /// The clock, `HH:MM` in the hall's time.
    pub clock: String,
    /// The business types on offer.
    pub services: Vec<ServiceLine>,
    /// The business chosen, above the later steps; empty on the welcome screen.
    pub business: String,
    /// The self-service alternative on offer or taken.
    pub offer: String,
    /// How many characters of the green-channel code are keyed (never the code).
    pub code_keyed: usize,
    /// The hub refused the code keyed before.
    pub code_refused: bool,
    /// The mobile number being keyed, in groups.
    pub phone_shown: String,
    /// Whether the number keyed is a whole mobile number.
    pub phone_complete: bool,
    /// The ticket, on the issued screen.
    pub ticket: Option<TicketLine>,
    /// On the issued screen, the mobile number its notice goes to, masked; empty for none.
    pub notice_number: String,
    /// Why the hub refused, on the refused screen.
    pub problem: String,
    /// When tickets are issued, `HH:MM`, for the "not issuing" screen; empty if the hub did
    /// not say.
    pub hours_open: String,
    /// The last ticket, `HH:MM`.
    pub hours_close: String,
    /// On the refused screen: the refusal was the number's daily cap, so a ticket without the
    /// number is one touch away.
    pub without_number: bool,
    /// The hall takes appointments: the welcome screen offers check-in.
    pub booking: bool,
    /// On the check-in screen: the mobile number is keyed (else the booking code).
    pub checkin_by_number: bool,
    /// The check-in's code or number: as keyed while keying, the number masked after.
    pub checkin_keyed: String,
    /// Whether a whole code or number is keyed.
    pub checkin_complete: bool,
    /// On the refused check-in: a mistyped or unknown code or number, to key again.
    pub checkin_again: bool,
    /// On the issued screen of a checked-in ticket: the hub's note (the booked time, or late
    /// and queued as a walk-in); empty for a walk-in's ticket.
    pub booked_note: String,
    /// The checked-in customer came late: the note is a warning.
    pub booked_late: bool,
}

impl KioskView {
    /// The view of `kiosk`, with `clock` in the header.
    pub fn of(kiosk: &Kiosk, clock: String) -> Self {
        let lang = kiosk.lang();
        let services = kiosk.services();
        let name_of = |code: &hallq_proto::BusinessCode| {
            services
                .and_then(|s| s.services.iter().find(|i| &i.business == code))
                .map(|i| i.name.get(lang).to_owned())
                .unwrap_or_default()
        };
        let mut view = Self {
            screen: ScreenKind::Welcome,
            english: lang == Lang::En,
            hall_name: services.map_or_else(String::new, |s| s.hall_name.get(lang).to_owned()),
            clock,
            services: services.map_or_else(Vec::new, |s| {
                s.services
                    .iter()
                    .map(|i| {
                        let name = i.name.get(lang);
                        let (title, detail) = split_name(name);
                        ServiceLine {
                            code: i.business.as_str().to_owned(),
                            name: name.to_owned(),
                            title,
                            detail,
                            prefix: i.prefix.clone(),
                            waiting: i.waiting,
                            wait_min: i.estimated_wait_min,
                        }
                    })
                    .collect()
            }),
            business: kiosk.business().map(name_of).unwrap_or_default(),
            offer: String::new(),
            code_keyed: 0,
            code_refused: false,
            phone_shown: String::new(),
            phone_complete: false,
            ticket: None,
            notice_number: kiosk.notice_number().unwrap_or_default().to_owned(),
            problem: String::new(),
            hours_open: String::new(),
            hours_close: String::new(),
            without_number: false,
            booking: kiosk.booking(),
            checkin_by_number: false,
            checkin_keyed: String::new(),
            checkin_complete: false,
            checkin_again: false,
            booked_note: String::new(),
            booked_late: false,
        };
        if let Some(b) = kiosk.booked() {
            view.booked_note = b.note.get(lang).to_owned();
            view.booked_late = b.late;
        }
        if let Some(h) = services.and_then(|s| s.hours.as_ref()) {
            view.hours_open.clone_from(&h.open);
            view.hours_close.clone_from(&h.close);
        }
        view.screen = match kiosk.screen() {
            Screen::Welcome => ScreenKind::Welcome,
            Screen::SelfService { offer, .. } => {
                view.offer = keep_words(offer.get(lang));
                ScreenKind::SelfService
            }
            Screen::SelfServiceTaken { offer, .. } => {
                view.offer = keep_words(offer.get(lang));
                ScreenKind::SelfServiceTaken
            }
            Screen::Priority => ScreenKind::Priority,
            Screen::GreenCode { keyed, refused } => {
                view.code_keyed = keyed;
                view.code_refused = refused;
                ScreenKind::GreenCode
            }
            Screen::Phone { shown, complete } => {
                view.phone_shown = shown;
                view.phone_complete = complete;
                ScreenKind::Phone
            }
            Screen::Issuing => ScreenKind::Issuing,
            Screen::Issued { ticket, print } => {
                view.ticket = Some(TicketLine {
                    number: ticket.number.0.clone(),
                    business: ticket.business_name.get(lang).to_owned(),
                    priority: ticket
                        .priority
                        .label()
                        .map(|l| l.get(lang).to_owned())
                        .unwrap_or_default(),
                    people_ahead: ticket.people_ahead,
                    wait_min: ticket.estimated_wait_min,
                    documents: ticket
                        .documents
                        .iter()
                        .map(|d| d.get(lang).to_owned())
                        .collect(),
                    print: match print {
                        PrintState::Printing => PrintStatus::Printing,
                        PrintState::Printed => PrintStatus::Printed,
                        PrintState::Failed { .. } => PrintStatus::Failed,
                    },
                    page_url: ticket.page_url.clone(),
                });
                ScreenKind::Issued
            }
            Screen::Refused { code } => {
                view.problem = code.message().get(lang).to_owned();
                view.without_number = code == hallq_proto::ErrorCode::PhoneLimit;
                ScreenKind::Refused
            }
            Screen::NoAnswer => ScreenKind::NoAnswer,
            Screen::Unavailable(Unavailable::HubAway) => ScreenKind::HubAway,
            Screen::Unavailable(Unavailable::NotIssuing) => ScreenKind::NotIssuing,
            Screen::Unavailable(Unavailable::Maintenance) => ScreenKind::Maintenance,
            Screen::CheckIn {
                by,
                shown,
                complete,
            } => {
                view.checkin_by_number = by == crate::checkin::CheckInBy::Number;
                view.checkin_keyed = shown;
                view.checkin_complete = complete;
                ScreenKind::CheckIn
            }
            Screen::CheckingIn { keyed } => {
                view.checkin_keyed = keyed;
                ScreenKind::CheckingIn
            }
            Screen::CheckInRefused {
                message,
                keyed,
                again,
                ..
            } => {
                view.problem = message.get(lang).to_owned();
                view.checkin_keyed = keyed;
                view.checkin_again = again;
                ScreenKind::CheckInRefused
            }
        };
        view
    }
}

/// A business type's name as its title and its bracketed detail: `基础业务（套餐变更、话费充值）`
/// is `基础业务` over `套餐变更、话费充值`, and `Basic services (plan change, top-up)` is
/// `Basic services` over `plan change, top-up`. Each line then fits, or breaks between words,
/// where the whole name broke inside one ("话费充/值）": Chinese may break between any two
/// characters).
pub fn split_name(name: &str) -> (String, String) {
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(inner) = name.trim_end().strip_suffix(close)
            && let Some(at) = inner.rfind(open)
        {
            let title = inner[..at].trim_end();
            let detail = inner[at + open.len_utf8()..].trim();
            if !title.is_empty() && !detail.is_empty() {
                return (title.to_owned(), detail.to_owned());
            }
        }
    }
    (name.to_owned(), String::new())
}

/// The longest word kept whole: a longer run (no dictionary word) may break anywhere, as it
/// must to fit a line at all.
const WORD_MAX_CHARS: usize = 6;

/// `text` with the characters of each Chinese word joined by U+2060 WORD JOINER, so that a
/// wrapped line breaks between words ("手机", not "手/机"): Chinese may otherwise break between
/// any two characters. The words are ICU's dictionary's; English already breaks at its spaces.
pub fn keep_words(text: &str) -> String {
    let words = icu_segmenter::WordSegmenter::new_dictionary(
        icu_segmenter::options::WordBreakInvariantOptions::default(),
    );
    let breaks: Vec<usize> = words.segment_str(text).collect();
    let mut out = String::with_capacity(text.len() * 2);
    for pair in breaks.windows(2) {
        let word = &text[pair[0]..pair[1]];
        let glue = word.chars().count() <= WORD_MAX_CHARS;
        let mut chars = word.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            if glue && chars.peek().is_some_and(|&n| is_han(c) && is_han(n)) {
                out.push('\u{2060}');
            }
        }
    }
    out
}

/// A Chinese character (the CJK Unified Ideographs and their Extension A).
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;
