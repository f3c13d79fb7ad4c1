//! Check-in of a booked customer at the kiosk (issue 15 §3, docs/booking.md, docs/protocol.md
//! `check_in`): what is keyed, the command it makes, and what the hub's answer shows. Pure: the
//! controller holds an [`Entry`] while the customer keys, sends [`Entry::command`], and turns the
//! reply into an [`Answer`] with [`answer`].
//!
//! A customer checks in with the booking code (8 characters of the code's alphabet, as the
//! confirmation shows it: `7KQ2-M9XD`) or with the mobile number they booked with. Both are
//! shown as keyed, in their groups, so the customer can check them; a number is masked once
//! confirmed (field test §1.9, as on the notice's number screen).

use hallq_proto::command::CheckIn;
use hallq_proto::reply::{ReplyResult, TicketIssued};
use hallq_proto::{ErrorCode, ErrorInfo, Lang, LocalText, Phone, Timestamp};

use crate::controller::group_phone;

/// What the customer keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CheckInBy {
    /// The booking code.
    #[default]
    Code,
    /// The mobile number the booking was made with.
    Number,
}

/// Characters of a booking code (`hallq_booking::BookingCode::LEN`).
pub const CODE_LEN: usize = 8;
/// Digits of a mainland mobile number.
const NUMBER_LEN: usize = 11;

/// The letters and digits of a booking code (`hallq_booking::CODE_ALPHABET`: no I, L, O or U,
/// which read as 1, 0 or V). The keypad offers only these, so a code cannot be mistyped with
/// a letter it never has.
pub const CODE_ALPHABET: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The check-in being keyed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    /// Code or number.
    pub by: CheckInBy,
    /// What is keyed so far: the code's characters (upper case, no dash) or the number's digits.
    keyed: String,
}

impl Entry {
    /// A fresh entry keying `by`.
    pub fn new(by: CheckInBy) -> Self {
        Self {
            by,
            keyed: String::new(),
        }
    }

    /// Keys `c`: a character of the code's alphabet (either case), or a digit of the number;
    /// anything else, or beyond the length, is ignored.
    pub fn key(&mut self, c: char) {
        let c = c.to_ascii_uppercase();
        let (fits, max) = match self.by {
            CheckInBy::Code => (CODE_ALPHABET.contains(c), CODE_LEN),
            CheckInBy::Number => (c.is_ascii_digit(), NUMBER_LEN),
        };
        if fits && self.keyed.len() < max {
            self.keyed.push(c);
        }
    }

    /// Erases the last character.
    pub fn erase(&mut self) {
        self.keyed.pop();
    }

    /// Whether anything is keyed.
    pub fn is_empty(&self) -> bool {
        self.keyed.is_empty()
    }

    /// What the screen shows while keying, in the groups it is read in: `7KQ2-M9XD`,
    /// `139 0000 0002`.
    pub fn shown(&self) -> String {
        match self.by {
            CheckInBy::Code if self.keyed.len() > CODE_LEN / 2 => {
                let (a, b) = self.keyed.split_at(CODE_LEN / 2);
                format!("{a}-{b}")
            }
            CheckInBy::Code => self.keyed.clone(),
            CheckInBy::Number => group_phone(&self.keyed),
        }
    }

    /// What the screens after confirming show: the code, or the number masked (`139****0002`).
    pub fn confirmed(&self) -> String {
        match (self.by, Phone::parse(&self.keyed)) {
            (CheckInBy::Number, Ok(p)) => p.masked(),
            _ => self.shown(),
        }
    }

    /// Whether a whole code, or a number that is a mobile number, is keyed.
    pub fn complete(&self) -> bool {
        match self.by {
            CheckInBy::Code => self.keyed.len() == CODE_LEN,
            CheckInBy::Number => Phone::parse(&self.keyed).is_ok(),
        }
    }

    /// The command to send, once [`Entry::complete`].
    pub fn command(&self, lang: Lang) -> Option<CheckIn> {
        if !self.complete() {
            return None;
        }
        let (code, phone) = match self.by {
            CheckInBy::Code => (Some(self.shown()), None),
            CheckInBy::Number => (None, Phone::parse(&self.keyed).ok()),
        };
        Some(CheckIn {
            code,
            phone,
            priority_reason: None,
            lang,
            visit: None,
        })
    }
}

/// The booking a ticket was checked in for, shown with the ticket and printed on its slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booked {
    /// The booked slot's start.
    pub start: Timestamp,
    /// Later than the hall's limit: the ticket is a walk-in's, and the customer is told so.
    pub late: bool,
    /// What the hub says to the customer: checked in for the 10:30 appointment, or late and
    /// queued as a walk-in.
    pub note: LocalText,
}

/// Why a check-in gave no ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckInFailure {
    /// The hub refused it; the message is the hub's, which names the time where there is one
    /// (when check-in opens, the booking's day).
    Refused {
        /// Why.
        code: ErrorCode,
        /// What the customer reads, in both languages.
        message: LocalText,
    },
    /// No answer after every retry.
    NoAnswer,
}

/// The hub's answer to a check-in, as the kiosk uses it.
pub type Answer = Result<(TicketIssued, Booked), CheckInFailure>;

/// What the reply to `check_in` means for the customer: the ticket with its booking, or why
/// not. `None` for no reply at all.
pub fn answer(reply: Option<Result<ReplyResult, ErrorInfo>>) -> Answer {
    match reply {
        Some(Ok(ReplyResult::CheckedIn {
            slot_start_ms,
            late,
            note,
            ticket,
            ..
        })) => Ok((
            ticket,
            Booked {
                start: slot_start_ms,
                late,
                note,
            },
        )),
        Some(Ok(other)) => {
            tracing::error!(?other, "check_in answered with another result");
            Err(refused(ErrorInfo::new(ErrorCode::Internal)))
        }
        Some(Err(e)) => Err(refused(e)),
        None => Err(CheckInFailure::NoAnswer),
    }
}

/// The refusal with the hub's own words, or the code's standard ones when the hub sent none.
fn refused(e: ErrorInfo) -> CheckInFailure {
    let message = if e.zh.is_empty() || e.en.is_empty() {
        e.code.message()
    } else {
        LocalText::new(e.zh, e.en)
    };
    CheckInFailure::Refused {
        code: e.code,
        message,
    }
}

/// Whether the customer should key again after `code` (a mistyped or unknown code or number),
/// rather than take a ticket or come back later.
pub fn key_again(code: ErrorCode) -> bool {
    matches!(code, ErrorCode::BadBookingCode | ErrorCode::UnknownBooking)
}

#[cfg(test)]
#[path = "checkin_tests.rs"]
mod tests;
