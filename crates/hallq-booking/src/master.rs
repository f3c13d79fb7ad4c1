//! A hall whose booking master is HQ (docs/booking.md, "At HQ"): HQ decides every booking in
//! its PostgreSQL book and sends each committed change down to the hall's hub, which journals
//! it as the `booking` events its own book would have made. [`MasterChange`] is the message;
//! [`MasterChange::events`] is what the hub journals for it against the book it has.
//!
//! The message carries the booking's state after the change (not the change itself), with a
//! revision that grows with each change of the booking: applying a message the book already
//! reflects makes no event, so a hub that got a change twice (it is deduplicated by the stream
//! sequence anyway) or got them after a gap still ends with HQ's state.

use hallq_proto::{BusinessCode, BusinessDay, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{Book, Booking, BookingCode, BookingEvent, BookingStatus, PersonKey};

/// Where a booking stands at HQ: HQ sells and cancels; check-ins and no-shows happen at the
/// hall, on the bookings in its journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MasterStatus {
    /// Holds its slot.
    Booked,
    /// Cancelled by its holder.
    Cancelled,
}

impl MasterStatus {
    /// The text stored at HQ (`booking.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Booked => "booked",
            Self::Cancelled => "cancelled",
        }
    }
}

/// One committed change of a booking at HQ, as it reaches the hall: the booking as it now is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MasterChange {
    /// The booking's code.
    pub code: BookingCode,
    /// Its holder: the keyed hash under the hall's booking key (never the number).
    pub person: PersonKey,
    /// The business type.
    pub business: BusinessCode,
    /// The day booked.
    pub day: BusinessDay,
    /// The slot's start, local minutes.
    pub start_min: u32,
    /// When it was first booked.
    pub booked_at: Timestamp,
    /// Where it stands.
    pub status: MasterStatus,
    /// 1 when booked, one more at each change or cancellation.
    pub rev: u32,
}

impl MasterChange {
    /// The `booking` events that bring `book` to this state, in order; none when it is there
    /// already or the hall has moved past it (checked in, a no-show: the hall's facts stand).
    pub fn events(&self, book: &Book) -> Vec<BookingEvent> {
        let Some(have) = book.get(&self.code) else {
            let booked = BookingEvent::Booked {
                booking: Booking {
                    code: self.code.clone(),
                    person: self.person.clone(),
                    business: self.business.clone(),
                    day: self.day,
                    start_min: self.start_min,
                    booked_at: self.booked_at,
                    status: BookingStatus::Booked,
                },
            };
            return match self.status {
                MasterStatus::Booked => vec![booked],
                // The hall never saw it held (its first message expired from the stream): it
                // is recorded, and as cancelled, so the record is whole.
                MasterStatus::Cancelled => vec![
                    booked,
                    BookingEvent::Cancelled {
                        code: self.code.clone(),
                    },
                ],
            };
        };
        if have.status != BookingStatus::Booked {
            return Vec::new();
        }
        match self.status {
            MasterStatus::Cancelled => vec![BookingEvent::Cancelled {
                code: self.code.clone(),
            }],
            MasterStatus::Booked if (have.day, have.start_min) != (self.day, self.start_min) => {
                vec![BookingEvent::Changed {
                    code: self.code.clone(),
                    day: self.day,
                    start_min: self.start_min,
                }]
            }
            MasterStatus::Booked => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(status: MasterStatus, start_min: u32, rev: u32) -> MasterChange {
        MasterChange {
            code: BookingCode::from_random(7),
            person: PersonKey::new("0123456789abcdef").unwrap_or_else(|_| unreachable!()),
            business: BusinessCode::new("basic").unwrap_or_else(|_| unreachable!()),
            day: BusinessDay(20261208),
            start_min,
            booked_at: Timestamp(1_795_395_600_000),
            status,
            rev,
        }
    }

    fn applied(book: &mut Book, c: &MasterChange) -> Vec<BookingEvent> {
        let events = c.events(book);
        for e in &events {
            book.apply(e);
        }
        events
    }

    #[test]
    fn a_change_applied_twice_makes_its_events_once_and_the_book_ends_as_hq_has_it() {
        let mut book = Book::new();
        let booked = change(MasterStatus::Booked, 600, 1);
        assert_eq!(applied(&mut book, &booked).len(), 1);
        assert!(applied(&mut book, &booked).is_empty());
        let moved = change(MasterStatus::Booked, 630, 2);
        assert!(matches!(
            applied(&mut book, &moved)[..],
            [BookingEvent::Changed { start_min: 630, .. }]
        ));
        assert!(applied(&mut book, &moved).is_empty());
        let business = &booked.business;
        assert_eq!(
            (
                book.held(business, booked.day, 600),
                book.held(business, booked.day, 630)
            ),
            (0, 1)
        );
        let cancelled = change(MasterStatus::Cancelled, 630, 3);
        assert_eq!(applied(&mut book, &cancelled).len(), 1);
        assert!(applied(&mut book, &cancelled).is_empty());
        assert_eq!(book.held(business, booked.day, 630), 0);
    }

    #[test]
    fn a_cancellation_of_a_booking_never_seen_records_it_as_cancelled() {
        let mut book = Book::new();
        let events = applied(&mut book, &change(MasterStatus::Cancelled, 600, 2));
        assert_eq!(events.len(), 2);
        let code = BookingCode::from_random(7);
        assert_eq!(
            book.get(&code).map(|b| b.status),
            Some(BookingStatus::Cancelled)
        );
    }

    #[test]
    fn the_message_reads_back_as_sent() {
        let c = change(MasterStatus::Booked, 600, 1);
        let json = serde_json::to_string(&c).unwrap_or_default();
        assert!(json.contains("\"status\":\"booked\""), "{json}");
        let back: MasterChange = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, c);
    }
}
