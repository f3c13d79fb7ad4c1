//! The book of a hall's bookings: commands decided against the rules, events applied.

use std::collections::BTreeMap;

use hallq_proto::{BusinessCode, BusinessDay, TicketId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::arrival::{self, Arrival};
use crate::{BookingCode, PersonKey, SlotRules, SlotView};

/// One booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    /// Its code, the customer's receipt.
    pub code: BookingCode,
    /// Who holds it.
    pub person: PersonKey,
    /// The business type booked.
    pub business: BusinessCode,
    /// The day booked.
    pub day: BusinessDay,
    /// The slot's start, local minutes after midnight.
    pub start_min: u32,
    /// When it was made.
    pub booked_at: Timestamp,
    /// Where it stands.
    pub status: BookingStatus,
}

impl Booking {
    /// Whether it takes a place of its slot: booked, or checked in on time. A cancelled
    /// booking, a no-show and a late check-in (a walk-in) free theirs.
    pub fn holds_place(&self) -> bool {
        matches!(
            self.status,
            BookingStatus::Booked
                | BookingStatus::CheckedIn {
                    arrival: Arrival::Booked { .. },
                    ..
                }
        )
    }
}

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BookingStatus {
    /// Booked, not yet arrived.
    Booked,
    /// Checked in at `at`.
    CheckedIn {
        /// The check-in.
        at: Timestamp,
        /// How the queue takes it.
        arrival: Arrival,
    },
    /// Cancelled by its holder.
    Cancelled,
    /// Not checked in by the end of its window: its slot's counter time is released.
    NoShow,
}

/// What a customer, the kiosk, the greeter or the hall's clock asks of the book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum BookingCommand {
    /// Book a slot; `code` is a fresh random code made by the caller.
    Book {
        /// The new booking's code.
        code: BookingCode,
        /// Who books.
        person: PersonKey,
        /// The business type.
        business: BusinessCode,
        /// The day.
        day: BusinessDay,
        /// The slot's start.
        start_min: u32,
    },
    /// Move a booking to another slot of its business type, atomically: the old slot is kept
    /// if the new one cannot be had.
    Change {
        /// The booking.
        code: BookingCode,
        /// Its holder (checked).
        person: PersonKey,
        /// The new day.
        day: BusinessDay,
        /// The new slot's start.
        start_min: u32,
    },
    /// Cancel a booking.
    Cancel {
        /// The booking.
        code: BookingCode,
        /// Its holder (checked).
        person: PersonKey,
    },
    /// The customer is in the hall (kiosk: the code, or the number's key; greeter).
    CheckIn {
        /// The booking.
        code: BookingCode,
    },
    /// Mark as no-shows the bookings whose check-in window has closed (the hub's minute tick).
    CloseWindows,
}

/// What happened to the book: one journal row each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BookingEvent {
    /// A booking was made.
    Booked {
        /// The booking, as made.
        booking: Booking,
    },
    /// A booking moved to another slot.
    Changed {
        /// The booking.
        code: BookingCode,
        /// The new day.
        day: BusinessDay,
        /// The new slot's start.
        start_min: u32,
    },
    /// A booking was cancelled.
    Cancelled {
        /// The booking.
        code: BookingCode,
    },
    /// The customer checked in.
    CheckedIn {
        /// The booking.
        code: BookingCode,
        /// The check-in.
        at: Timestamp,
        /// How the queue takes it.
        arrival: Arrival,
        /// The ticket the check-in gave (set by whoever issues it): the booking's link to the
        /// visit's touchpoints.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ticket: Option<TicketId>,
    },
    /// The window closed without a check-in.
    NoShow {
        /// The booking.
        code: BookingCode,
    },
}

/// Why the book refused a command. Nothing changes when it does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    /// Not a booking code.
    #[error("not a booking code")]
    BadCode,
    /// Not a person key.
    #[error("not a person key")]
    BadPerson,
    /// The code is already a booking's (the caller draws another).
    #[error("the booking code is taken")]
    CodeTaken,
    /// No such booking.
    #[error("no such booking")]
    UnknownBooking,
    /// The booking is someone else's.
    #[error("the booking is not yours")]
    NotYours,
    /// The business type takes no bookings.
    #[error("{0} cannot be booked")]
    NotBookable(BusinessCode),
    /// The hall is closed that day.
    #[error("the hall is closed on {0}")]
    ClosedDay(BusinessDay),
    /// Not a slot of the hall's hours.
    #[error("no such slot")]
    NoSuchSlot,
    /// Too close to the slot's start (or past it).
    #[error("too late: bookings close {0} minutes before the slot")]
    TooLate(u32),
    /// Further ahead than the hall books.
    #[error("bookings are taken up to {0} days ahead")]
    BeyondHorizon(u32),
    /// The slot is full.
    #[error("the slot is full")]
    SlotFull,
    /// The person holds as many bookings that day as allowed.
    #[error("at most {0} bookings a day per person")]
    PersonLimit(u32),
    /// The booking is cancelled, checked in or past.
    #[error("the booking is no longer open")]
    NotOpen,
    /// Earlier than check-in opens.
    #[error("too early: check-in opens at {0:?}")]
    TooEarly(Timestamp),
}

impl BookingError {
    /// The stable code, for replies and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadCode => "bad_code",
            Self::BadPerson => "bad_person",
            Self::CodeTaken => "code_taken",
            Self::UnknownBooking => "unknown_booking",
            Self::NotYours => "not_yours",
            Self::NotBookable(_) => "not_bookable",
            Self::ClosedDay(_) => "closed_day",
            Self::NoSuchSlot => "no_such_slot",
            Self::TooLate(_) => "too_late",
            Self::BeyondHorizon(_) => "beyond_horizon",
            Self::SlotFull => "slot_full",
            Self::PersonLimit(_) => "person_limit",
            Self::NotOpen => "not_open",
            Self::TooEarly(_) => "too_early",
        }
    }

    /// What the customer reads, in Chinese (the English is the `Display`).
    pub fn zh(&self) -> String {
        match self {
            Self::BadCode => "预约码无效，请核对后重新输入".into(),
            Self::BadPerson => "身份信息无效".into(),
            Self::CodeTaken => "预约码重复，请重试".into(),
            Self::UnknownBooking => "未找到该预约".into(),
            Self::NotYours => "该预约不属于您".into(),
            Self::NotBookable(b) => format!("业务 {b} 不接受预约"),
            Self::ClosedDay(d) => format!("营业厅 {d} 不营业"),
            Self::NoSuchSlot => "没有这个时段".into(),
            Self::TooLate(m) => format!("已过预约截止时间（时段开始前 {m} 分钟）"),
            Self::BeyondHorizon(d) => format!("只能预约 {d} 天内的时段"),
            Self::SlotFull => "该时段已约满，请选择其他时段".into(),
            Self::PersonLimit(n) => format!("每人每天最多预约 {n} 次"),
            Self::NotOpen => "该预约已取消、已签到或已过期".into(),
            Self::TooEarly(_) => "签到时间未到，请稍后再来".into(),
        }
    }
}

/// A slot: business type, day, start.
type SlotKey = (BusinessCode, BusinessDay, u32);

/// The bookings of one hall, and the count each slot holds.
#[derive(Debug, Clone, Default)]
pub struct Book {
    bookings: BTreeMap<BookingCode, Booking>,
    held: BTreeMap<SlotKey, u32>,
}

impl Book {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// A booking by its code.
    pub fn get(&self, code: &BookingCode) -> Option<&Booking> {
        self.bookings.get(code)
    }

    /// Every booking, by code.
    pub fn bookings(&self) -> impl Iterator<Item = &Booking> {
        self.bookings.values()
    }

    /// Places of a slot taken ([`Booking::holds_place`]).
    pub fn held(&self, business: &BusinessCode, day: BusinessDay, start_min: u32) -> u32 {
        self.held
            .get(&(business.clone(), day, start_min))
            .copied()
            .unwrap_or(0)
    }

    /// What the command makes happen at `now`, or why not. The book is unchanged: apply the
    /// events (after journaling them) with [`Book::apply`].
    pub fn decide(
        &self,
        rules: &SlotRules,
        now: Timestamp,
        command: &BookingCommand,
    ) -> Result<Vec<BookingEvent>, BookingError> {
        match command {
            BookingCommand::Book {
                code,
                person,
                business,
                day,
                start_min,
            } => {
                if self.bookings.contains_key(code) {
                    return Err(BookingError::CodeTaken);
                }
                let capacity = rules.bookable(business, *day, *start_min, now)?;
                if self.held(business, *day, *start_min) >= capacity {
                    return Err(BookingError::SlotFull);
                }
                if self.live_of(person, *day, None) >= rules.per_person_daily {
                    return Err(BookingError::PersonLimit(rules.per_person_daily));
                }
                Ok(vec![BookingEvent::Booked {
                    booking: Booking {
                        code: code.clone(),
                        person: person.clone(),
                        business: business.clone(),
                        day: *day,
                        start_min: *start_min,
                        booked_at: now,
                        status: BookingStatus::Booked,
                    },
                }])
            }
            BookingCommand::Change {
                code,
                person,
                day,
                start_min,
            } => {
                let b = self.open_of(code, person)?;
                rules.still_changeable(b.day, b.start_min, now)?;
                let capacity = rules.bookable(&b.business, *day, *start_min, now)?;
                let same_slot = b.day == *day && b.start_min == *start_min;
                if !same_slot && self.held(&b.business, *day, *start_min) >= capacity {
                    return Err(BookingError::SlotFull);
                }
                if b.day != *day && self.live_of(person, *day, Some(code)) >= rules.per_person_daily
                {
                    return Err(BookingError::PersonLimit(rules.per_person_daily));
                }
                Ok(vec![BookingEvent::Changed {
                    code: code.clone(),
                    day: *day,
                    start_min: *start_min,
                }])
            }
            BookingCommand::Cancel { code, person } => {
                let b = self.open_of(code, person)?;
                rules.still_changeable(b.day, b.start_min, now)?;
                Ok(vec![BookingEvent::Cancelled { code: code.clone() }])
            }
            BookingCommand::CheckIn { code } => {
                let b = self
                    .bookings
                    .get(code)
                    .ok_or(BookingError::UnknownBooking)?;
                let start = rules.start_of(b.day, b.start_min);
                let arrival = match b.status {
                    BookingStatus::Booked => arrival::classify(rules, start, now)?,
                    // The window closed: the customer is still welcome, as a walk-in.
                    BookingStatus::NoShow => Arrival::Late { queue_at: now },
                    BookingStatus::CheckedIn { .. } | BookingStatus::Cancelled => {
                        return Err(BookingError::NotOpen);
                    }
                };
                Ok(vec![BookingEvent::CheckedIn {
                    code: code.clone(),
                    at: now,
                    arrival,
                    ticket: None,
                }])
            }
            BookingCommand::CloseWindows => Ok(self
                .bookings
                .values()
                .filter(|b| b.status == BookingStatus::Booked)
                .filter(|b| {
                    now > rules
                        .start_of(b.day, b.start_min)
                        .plus_secs(i64::from(rules.late_min) * 60)
                })
                .map(|b| BookingEvent::NoShow {
                    code: b.code.clone(),
                })
                .collect()),
        }
    }

    /// Applies an event decided by [`Book::decide`] (or read back from the journal).
    pub fn apply(&mut self, event: &BookingEvent) {
        match event {
            BookingEvent::Booked { booking } => {
                *self.held.entry(slot_of(booking)).or_default() += 1;
                self.bookings.insert(booking.code.clone(), booking.clone());
            }
            BookingEvent::Changed {
                code,
                day,
                start_min,
            } => {
                if let Some(b) = self.bookings.get_mut(code) {
                    release(&mut self.held, slot_of(b));
                    b.day = *day;
                    b.start_min = *start_min;
                    *self.held.entry(slot_of(b)).or_default() += 1;
                }
            }
            BookingEvent::Cancelled { code } => self.end(code, BookingStatus::Cancelled),
            BookingEvent::NoShow { code } => self.end(code, BookingStatus::NoShow),
            BookingEvent::CheckedIn {
                code, at, arrival, ..
            } => {
                if let Some(b) = self.bookings.get_mut(code) {
                    let held_before = b.holds_place();
                    b.status = BookingStatus::CheckedIn {
                        at: *at,
                        arrival: *arrival,
                    };
                    // Late is a walk-in: its place in the slot is free (a no-show's already is).
                    if held_before && !b.holds_place() {
                        release(&mut self.held, slot_of(b));
                    }
                }
            }
        }
    }

    /// Booked customers of `business` due to be queued in `[from, to)` who have not arrived:
    /// a walk-in's wait estimate counts them ahead of it. A no-show, a cancelled booking and a
    /// check-in are not due: only bookings still `booked` count.
    pub fn due(
        &self,
        rules: &SlotRules,
        business: &BusinessCode,
        from: Timestamp,
        to: Timestamp,
    ) -> usize {
        self.due_times(rules, business, from, to).len()
    }

    /// The queue times (`start − head_start_min`) of [`Book::due`]'s bookings, in order.
    pub fn due_times(
        &self,
        rules: &SlotRules,
        business: &BusinessCode,
        from: Timestamp,
        to: Timestamp,
    ) -> Vec<Timestamp> {
        let head_start = i64::from(rules.head_start_min) * 60;
        let mut times: Vec<Timestamp> = self
            .bookings
            .values()
            .filter(|b| &b.business == business && b.status == BookingStatus::Booked)
            .map(|b| rules.start_of(b.day, b.start_min).plus_secs(-head_start))
            .filter(|at| (from..to).contains(at))
            .collect();
        times.sort();
        times
    }

    /// The slots of `business` on `day` as the booking page shows them at `now`.
    pub fn slots(
        &self,
        rules: &SlotRules,
        business: &BusinessCode,
        day: BusinessDay,
        now: Timestamp,
    ) -> Vec<SlotView> {
        rules.slot_views(business, day, now, |start_min| {
            self.held(business, day, start_min)
        })
    }

    /// A booking still open, held by `person`.
    fn open_of(&self, code: &BookingCode, person: &PersonKey) -> Result<&Booking, BookingError> {
        let b = self
            .bookings
            .get(code)
            .ok_or(BookingError::UnknownBooking)?;
        if &b.person != person {
            return Err(BookingError::NotYours);
        }
        if b.status != BookingStatus::Booked {
            return Err(BookingError::NotOpen);
        }
        Ok(b)
    }

    /// Bookings `person` holds on `day` that count against the daily limit, `except` one.
    fn live_of(&self, person: &PersonKey, day: BusinessDay, except: Option<&BookingCode>) -> u32 {
        let n = self
            .bookings
            .values()
            .filter(|b| &b.person == person && b.day == day && Some(&b.code) != except)
            .filter(|b| b.holds_place())
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// A booking ends without being served from its slot: the slot's place is free again.
    fn end(&mut self, code: &BookingCode, status: BookingStatus) {
        if let Some(b) = self.bookings.get_mut(code)
            && b.status == BookingStatus::Booked
        {
            b.status = status;
            release(&mut self.held, slot_of(b));
        }
    }
}

fn slot_of(b: &Booking) -> SlotKey {
    (b.business.clone(), b.day, b.start_min)
}

fn release(held: &mut BTreeMap<SlotKey, u32>, slot: SlotKey) {
    if let Some(n) = held.get_mut(&slot) {
        *n = n.saturating_sub(1);
    }
}
