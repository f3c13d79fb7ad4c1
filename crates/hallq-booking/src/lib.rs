//! Appointments (预约) of one hall, as a pure state machine.
//!
//! A customer books a business type at a half-hour slot of a day; the hall sells each slot up to
//! its capacity, never more; the customer checks in at the kiosk or with the greeter and is
//! queued by an explicit rule with a bounded head start, the same kind of rule as priority.
//!
//! The same code decides for the hub of a standalone hall (its single writer, its journal) and
//! for headquarters (one transaction per decision in PostgreSQL): whoever holds the book for a
//! hall calls [`Book::decide`] with the hall's [`SlotRules`] and the time, and applies the events
//! it returns. No IO and no clock: a slot can only be oversold if two writers decide from two
//! copies of one book, which is why a hall has exactly one booking master (HQ when it has one).
//!
//! Parts:
//! - [`rules`]: the slots a hall offers, their capacity, the limits, the check-in window.
//! - [`book`]: the bookings, the commands on them and the events they make.
//! - [`arrival`]: what a check-in means for the queue: early, on time, or late (a walk-in).
//! - [`master`]: a hall whose booking master is HQ — the changes HQ sends down and the events
//!   the hub journals for them.
//! - `web` (feature `web`): the booking API's shapes and errors, the one-time codes and the
//!   page, shared by the hub and HQ.
//!
//! No personal data enters here: a customer is a [`PersonKey`], an opaque keyed hash of the
//! sealed mobile number made by whoever holds the number.

pub mod arrival;
pub mod book;
pub mod master;
pub mod rules;
#[cfg(feature = "web")]
pub mod web;

pub use arrival::Arrival;
pub use book::{Book, Booking, BookingCommand, BookingError, BookingEvent, BookingStatus};
pub use master::{MasterChange, MasterStatus};
pub use rules::{RulesError, SlotRules, SlotView};

use serde::{Deserialize, Serialize};

/// The code a customer gets back for a booking and gives at check-in: 8 characters of
/// Crockford's base32 (no I, L, O or U, so it reads back without doubt over the phone), made
/// by the caller from a random source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BookingCode(String);

/// The letters of a [`BookingCode`].
pub const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl BookingCode {
    /// Length of a code.
    pub const LEN: usize = 8;

    /// Reads a code as a person types it: case and spaces or dashes do not matter.
    pub fn parse(s: &str) -> Result<Self, BookingError> {
        let code: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if code.len() == Self::LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
            Ok(Self(code))
        } else {
            Err(BookingError::BadCode)
        }
    }

    /// A code from 40 random bits (the low 40 of `random`).
    pub fn from_random(random: u64) -> Self {
        let code = (0..Self::LEN)
            .map(|i| char::from(CODE_ALPHABET[((random >> (5 * i)) & 31) as usize]))
            .collect();
        Self(code)
    }

    /// The code's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BookingCode {
    type Error = BookingError;
    fn try_from(s: String) -> Result<Self, BookingError> {
        Self::parse(&s)
    }
}

impl From<BookingCode> for String {
    fn from(c: BookingCode) -> String {
        c.0
    }
}

impl std::fmt::Display for BookingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who booked, without saying who: an opaque key (e.g. hex of an HMAC of the mobile number under
/// the hall's vault key). Equal keys are the same person for the daily limit and for cancelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonKey(String);

impl PersonKey {
    /// Accepts 16 to 128 ASCII letters and digits: long enough not to be a number in the clear.
    pub fn new(s: impl Into<String>) -> Result<Self, BookingError> {
        let s = s.into();
        if (16..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(s))
        } else {
            Err(BookingError::BadPerson)
        }
    }
}

impl TryFrom<String> for PersonKey {
    type Error = BookingError;
    fn try_from(s: String) -> Result<Self, BookingError> {
        Self::new(s)
    }
}

impl From<PersonKey> for String {
    fn from(p: PersonKey) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_as_typed_and_refuses_what_is_not_one() {
        let code = BookingCode::from_random(0x12_3456_789A);
        assert_eq!(code.as_str().len(), 8);
        assert_eq!(
            BookingCode::parse(&code.as_str().to_lowercase()).unwrap(),
            code
        );
        let spaced = format!("{} {}", &code.as_str()[..4], &code.as_str()[4..]);
        assert_eq!(BookingCode::parse(&spaced).unwrap(), code);
        for bad in [
            "",
            "ABCDEFG",
            "ABCDEFGHJ",
            "ABCDEFGI",
            "ABCD EFGU",
            "ABCD€FGH",
        ] {
            assert_eq!(BookingCode::parse(bad), Err(BookingError::BadCode), "{bad}");
        }
    }

    #[test]
    fn a_person_key_is_never_a_phone_number() {
        assert!(PersonKey::new("13812345678").is_err());
        assert!(PersonKey::new("0123456789abcdef").is_ok());
        assert!(PersonKey::new("0123456789abcdef!").is_err());
    }
}
