//! Check-in of a booked customer (issue 15 §3, docs/booking.md, docs/protocol.md `check_in`):
//! the writer's part, called from its single writer for a kiosk's or greeter's `check_in`.
//!
//! The booking is found by its code, or by the person's key made from the mobile number (the
//! number is used for the hash and dropped): the hub's own hash, or HQ's for the bookings HQ
//! sold (`crate::booking::hqkey`). The book classifies the arrival
//! (`hallq_booking::arrival`): too early is refused with the time the window opens; on time
//! gives a ticket queued by the booking's bounded head start (`hallq_queue::Command::IssueBooked`);
//! late gives a walk-in's ticket and says so. The book changes only once the queue has issued
//! the ticket, and both go into the command's one journal entry, so a refusal journals nothing
//! but the refused command, and a replayed command id is answered from the journal like any other.

use hallq_booking::{Arrival, BookingCode, BookingCommand, BookingError, BookingStatus, PersonKey};
use hallq_proto::command::CheckIn;
use hallq_proto::reply::{ReplyResult, TicketIssued};
use hallq_proto::{BusinessDay, ErrorCode, ErrorInfo, LocalText, Priority, Timestamp, time};
use hallq_queue::{BookedSlot, Command, Engine, Event, EventKind};

use crate::booking::Keeper;
use crate::privacy::Vault;

/// What the check-in needs of the writer.
pub(crate) struct Desk<'a> {
    /// The book; none without `[booking]`.
    pub(crate) keeper: Option<&'a mut Keeper>,
    /// The queue.
    pub(crate) engine: &'a mut Engine,
    /// Makes the person's key from a number.
    pub(crate) vault: &'a Vault,
    /// The live ticket page's link, with `[phone]`.
    pub(crate) phone: Option<&'a crate::phone::PhoneLink>,
}

/// Checks a booking in at `now`: the reply's result and the events to journal, or the refusal.
pub(crate) fn check_in(
    desk: Desk<'_>,
    c: &CheckIn,
    now: Timestamp,
) -> Result<(ReplyResult, Vec<Event>), ErrorInfo> {
    let Some(keeper) = desk.keeper else {
        return Err(ErrorInfo::new(ErrorCode::BookingOff));
    };
    let rules = keeper.rules().clone();
    let offset = rules.utc_offset_min;
    let today = time::local(now, offset).0;
    let code = find(keeper, desk.vault, c, today)?;
    let Some(b) = keeper.get(&code).cloned() else {
        return Err(ErrorInfo::new(ErrorCode::UnknownBooking));
    };
    if b.day != today {
        return Err(not_today(b.day));
    }
    match b.status {
        BookingStatus::CheckedIn { .. } => return Err(ErrorInfo::new(ErrorCode::BookingCheckedIn)),
        BookingStatus::Cancelled => return Err(ErrorInfo::new(ErrorCode::BookingCancelled)),
        BookingStatus::Booked | BookingStatus::NoShow => {}
    }
    let mut booking_events = keeper
        .check(now, &BookingCommand::CheckIn { code: code.clone() })
        .map_err(|e| refusal(&e, offset))?;
    let arrival = booking_events.iter().find_map(|e| match e {
        hallq_booking::BookingEvent::CheckedIn { arrival, .. } => Some(*arrival),
        _ => None,
    });
    let Some(arrival) = arrival else {
        return Err(ErrorInfo::new(ErrorCode::Internal).with_detail("no check-in decided"));
    };
    let start = rules.start_of(b.day, b.start_min);
    let priority = if c.priority_reason.is_some() {
        Priority::Care
    } else {
        Priority::Ordinary
    };
    let command = match arrival {
        Arrival::Booked { .. } => Command::IssueBooked {
            business: b.business.clone(),
            slot: BookedSlot {
                start,
                head_start_min: rules.head_start_min,
                late_min: rules.late_min,
            },
            priority,
            reason: c.priority_reason,
            lang: c.lang,
            visit: c.visit.clone(),
        },
        // Late (or the window closed): an ordinary walk-in's ticket, from now.
        Arrival::Late { .. } => Command::IssueTicket {
            business: b.business.clone(),
            priority,
            reason: c.priority_reason,
            granted_by: None,
            lang: c.lang,
            notify: false,
            visit: c.visit.clone(),
            tier: None,
        },
    };
    let mut events = desk
        .engine
        .apply(&command, now)
        .map_err(|e| ErrorInfo::new(e.code()).with_detail(e.to_string()))?;
    let issued = events.iter().find_map(|e| match &e.kind {
        EventKind::TicketIssued {
            ticket,
            visit,
            number,
            business,
            priority,
            ..
        } => Some((
            ticket.clone(),
            visit.clone(),
            number.clone(),
            business.clone(),
            *priority,
        )),
        _ => None,
    });
    let Some((ticket, visit, number, business, priority)) = issued else {
        return Err(ErrorInfo::new(ErrorCode::Internal).with_detail("no ticket issued"));
    };
    for e in &mut booking_events {
        if let hallq_booking::BookingEvent::CheckedIn { ticket: t, .. } = e {
            *t = Some(ticket.clone());
        }
    }
    keeper.apply(&booking_events);
    events.extend(booking_events.into_iter().map(|booking| Event {
        at_ms: now,
        kind: EventKind::Booking { booking },
    }));
    let config = desk.engine.config();
    let kind = config.business(&business);
    let (people_ahead, estimated_wait_min) = desk.engine.wait_of(&ticket);
    let late = matches!(arrival, Arrival::Late { .. });
    let slot = time::hhmm(start, offset);
    let note = if late {
        LocalText::new(
            format!(
                "您已超过预约时间（{slot} 时段）{} 分钟以上，按现场取号排队",
                rules.late_min
            ),
            format!(
                "You are more than {} minutes late for your {slot} appointment: you queue as a walk-in.",
                rules.late_min
            ),
        )
    } else {
        LocalText::new(
            format!("预约签到成功（{slot} 时段），请留意叫号"),
            format!("Checked in for your {slot} appointment; please wait for your number."),
        )
    };
    let result = ReplyResult::CheckedIn {
        booking: code.to_string(),
        slot_start_ms: start,
        late,
        note,
        ticket: TicketIssued {
            ticket: ticket.clone(),
            number,
            visit,
            business,
            business_name: kind
                .map(|b| b.name.clone())
                .unwrap_or_else(|| LocalText::new("", "")),
            priority,
            issued_at_ms: now,
            people_ahead,
            estimated_wait_min,
            documents: kind.map(|b| b.documents.clone()).unwrap_or_default(),
            page_url: desk.phone.and_then(|p| p.url(&ticket)),
        },
    };
    Ok((result, events))
}

/// Tells the queue which booked customers are still to come, so that walk-ins' estimates count
/// those due before them (no book: none).
pub(crate) fn expect(keeper: Option<&Keeper>, engine: &mut Engine, now: Timestamp) {
    if let Some(k) = keeper {
        engine.set_expected(k.expected(now));
    }
}

/// The booking a check-in names: by code, or the number's open booking of today with the
/// earliest slot (else any of today's, so that the refusal says why; else another day's).
fn find(
    keeper: &Keeper,
    vault: &Vault,
    c: &CheckIn,
    today: BusinessDay,
) -> Result<BookingCode, ErrorInfo> {
    match (&c.code, &c.phone) {
        (Some(code), _) => {
            BookingCode::parse(code).map_err(|_| ErrorInfo::new(ErrorCode::BadBookingCode))
        }
        (None, Some(phone)) => {
            // The hub's own bookings know the number by the vault's hash, HQ's by the hash
            // under HQ's key for this hall (once HQ handed it down): either is this customer.
            let persons: Vec<PersonKey> = PersonKey::new(vault.person_key(phone))
                .ok()
                .into_iter()
                .chain(keeper.hq_key().and_then(|k| k.person(phone)))
                .collect();
            let mut mine: Vec<_> = keeper
                .book()
                .bookings()
                .filter(|b| persons.contains(&b.person))
                .collect();
            // Today's open ones first, then today's others, then the nearest other day.
            mine.sort_by_key(|b| {
                let open = matches!(b.status, BookingStatus::Booked | BookingStatus::NoShow);
                (
                    b.day != today,
                    !open,
                    b.day.0.abs_diff(today.0),
                    b.start_min,
                )
            });
            mine.first()
                .map(|b| b.code.clone())
                .ok_or_else(|| ErrorInfo::new(ErrorCode::UnknownBooking))
        }
        (None, None) => {
            Err(ErrorInfo::new(ErrorCode::InvalidField)
                .with_detail("check_in needs `code` or `phone`"))
        }
    }
}

/// A booking of another day: the messages name it.
fn not_today(day: BusinessDay) -> ErrorInfo {
    let (y, m, d) = (day.0 / 10_000, day.0 / 100 % 100, day.0 % 100);
    let mut e = ErrorInfo::new(ErrorCode::BookingNotToday).with_detail(format!("booked for {day}"));
    e.zh = format!("该预约是 {y} 年 {m} 月 {d} 日的，请在预约当天签到");
    e.en = format!("The appointment is for {y}-{m:02}-{d:02}; please check in on that day.");
    e
}

/// The book's refusal as the customer reads it.
fn refusal(e: &BookingError, offset: i32) -> ErrorInfo {
    match e {
        BookingError::TooEarly(opens) => {
            let at = time::hhmm(*opens, offset);
            let mut info =
                ErrorInfo::new(ErrorCode::BookingTooEarly).with_detail(format!("opens at {at}"));
            info.zh = format!("签到时间未到，请于 {at} 后签到");
            info.en = format!("Too early to check in: check-in opens at {at}.");
            info
        }
        BookingError::UnknownBooking => ErrorInfo::new(ErrorCode::UnknownBooking),
        BookingError::BadCode => ErrorInfo::new(ErrorCode::BadBookingCode),
        BookingError::NotOpen => ErrorInfo::new(ErrorCode::BookingCheckedIn),
        other => ErrorInfo::new(ErrorCode::Internal).with_detail(other.to_string()),
    }
}
