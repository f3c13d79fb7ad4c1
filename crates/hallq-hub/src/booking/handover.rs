//! The hub's open bookings handed to HQ at the switch (docs/booking.md "At HQ", the import at
//! the switch, step 1).
//!
//! A hall that sold bookings itself and is switched to HQ by a published document (`master =
//! "hq"`, `from`) hands HQ, in its own journal, every booking still `booked` whose slot has not
//! begun: one `booking_handover` event at the writer's first tick of business day `from` or
//! later (a hub down at midnight does it at its first tick after). An ordinary journal event,
//! so the uplink takes it to HQ exactly once and in order, however long the link is down; HQ
//! counts the places in before it sells the hall's days from `from` on.
//!
//! Once: whether the journal holds the event is asked of the journal (the events of days from
//! `from` on, by the `events_day` index) the first time it matters after the hub starts or a
//! commit failed, then remembered by the [`Keeper`].

use hallq_booking::{Booking, BookingStatus, SlotRules};
use hallq_journal::{Journal, JournalError};
use hallq_proto::{BusinessDay, Timestamp, time};
use hallq_queue::{Event, EventKind};

use super::Keeper;
use crate::config::HallConfig;

/// The `booking_handover` event due at `now`, if it is: the hall switched by a document with
/// `from`, `now`'s business day is `from` or later, and the journal holds no handover yet. The
/// keeper then counts it done; a failed commit forgets that ([`Keeper::reload`]).
pub fn due(
    keeper: &mut Keeper,
    journal: &Journal,
    config: &HallConfig,
    now: Timestamp,
) -> Option<Event> {
    let from = config.booking.as_ref().and_then(|b| {
        (b.master == super::Master::Hq)
            .then_some(b.hq_from)
            .flatten()
    })?;
    let today = time::local(now, config.hall.utc_offset_min).0;
    if today < from {
        return None;
    }
    let done = match keeper.handed_over {
        Some(done) => done,
        None => match journaled(journal, from) {
            Ok(done) => done,
            Err(error) => {
                tracing::error!(%error, "the journal's handover cannot be read; trying at the next tick / 无法读取预约移交记录");
                return None;
            }
        },
    };
    keeper.handed_over = Some(true);
    if done {
        return None;
    }
    let bookings = open_bookings(keeper.book().bookings(), keeper.rules(), now);
    tracing::info!(%from, bookings = bookings.len(), "the hall's open bookings handed to HQ / 本厅未到期预约移交总部");
    Some(Event {
        at_ms: now,
        kind: EventKind::BookingHandover { from, bookings },
    })
}

/// The bookings HQ must count: still booked, their slot not begun at `now`, in code order.
pub fn open_bookings<'a>(
    bookings: impl Iterator<Item = &'a Booking>,
    rules: &SlotRules,
    now: Timestamp,
) -> Vec<Booking> {
    let mut open: Vec<Booking> = bookings
        .filter(|b| b.status == BookingStatus::Booked && rules.start_of(b.day, b.start_min) > now)
        .cloned()
        .collect();
    open.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    open
}

/// Whether the journal holds a handover journaled from calendar day `from` on (or before the
/// hall's first day opened). The journal's `day` is the business day, which turns at the daily
/// reset: a handover journaled at midnight has the day before `from`, so that is searched too.
fn journaled(journal: &Journal, from: BusinessDay) -> Result<bool, JournalError> {
    let (y, m, d) = time::civil_from_days(time::day_number(from) - 1);
    let eve = u32::try_from(y * 10_000).unwrap_or(0) + m * 100 + d;
    Ok(journal.connection().query_row(
        "SELECT EXISTS (SELECT 1 FROM events
                        WHERE (day >= ?1 OR day IS NULL) AND type = 'booking_handover')",
        [eve],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use hallq_booking::{BookingCode, PersonKey};
    use hallq_proto::BusinessCode;

    use super::*;

    fn booking(n: u64, day: u32, start_min: u32, status: BookingStatus) -> Booking {
        Booking {
            code: BookingCode::from_random(n),
            person: PersonKey::new("ab".repeat(16)).unwrap(),
            business: BusinessCode::new("basic").unwrap(),
            day: BusinessDay(day),
            start_min,
            booked_at: Timestamp(0),
            status,
        }
    }

    #[test]
    fn only_bookings_still_booked_whose_slot_has_not_begun_are_handed_over() {
        let rules = SlotRules::default();
        let now = rules.start_of(BusinessDay(20_261_208), 600);
        let all = [
            booking(1, 20_261_208, 600, BookingStatus::Booked),
            booking(2, 20_261_208, 630, BookingStatus::Booked),
            booking(3, 20_261_209, 540, BookingStatus::Booked),
            booking(4, 20_261_209, 540, BookingStatus::Cancelled),
            booking(5, 20_261_207, 900, BookingStatus::Booked),
            booking(6, 20_261_209, 600, BookingStatus::NoShow),
        ];
        let open = open_bookings(all.iter(), &rules, now);
        let mut codes: Vec<_> = open.iter().map(|b| b.code.clone()).collect();
        codes.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        let mut want = vec![BookingCode::from_random(2), BookingCode::from_random(3)];
        want.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        assert_eq!(codes, want);
    }
}
