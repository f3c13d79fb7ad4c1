//! The import of a hall's open bookings at its switch to HQ as the booking master
//! (docs/booking.md "At HQ", the import at the switch, steps 2 and 3).
//!
//! A hall switched by a published document (`[booking] master = "hq"`, `from`) journals one
//! `booking_handover` event at the start of day `from`: the bookings it sold itself that are
//! still open. [`import`] runs in the ingest sink's transaction that stores the event: each
//! booking into `booking` (status `booked`, no outbox row: the hall has it), its place counted
//! into `booking_slot.taken` (a missing row is made with capacity 0; HQ's next request for the
//! slot sets HQ's capacity and finds what is taken), and the handover recorded in
//! `booking_handover` (schema v11). A booking stored once is counted once: only the rows the
//! insert made are counted.
//!
//! Until that row exists, [`pending`] tells HQ's API to answer `503 handover_pending` for the
//! hall's days from `from` on, so HQ never sells a place the hall sold. A hall switched by
//! hall.toml (no `from`) expects no handover.

use hallq_booking::Booking;
use hallq_proto::BusinessDay;
use serde::Deserialize;
use tokio_postgres::GenericClient;

use crate::error::HqError;
use crate::wire::ConfigDoc;

/// The event type the hub journals.
pub const EVENT: &str = "booking_handover";

/// What HQ reads of the event's body.
#[derive(Debug, Deserialize)]
struct Handover {
    from: BusinessDay,
    bookings: Vec<Booking>,
}

/// Imports the handover event `body` of `hall` (time `at_ms`) in the caller's transaction. A
/// body that does not read is logged and not recorded: the hall's days stay refused
/// (`handover_pending`) rather than sold over its bookings, and the batch is still stored.
pub async fn import(
    tx: &impl GenericClient,
    hall: &str,
    body: &serde_json::Value,
    at_ms: i64,
) -> Result<(), HqError> {
    let h = match Handover::deserialize(body) {
        Ok(h) => h,
        Err(error) => {
            tracing::error!(%hall, %error, "a hall's booking handover does not read: its days stay refused / 预约移交记录无法读取");
            return Ok(());
        }
    };
    let mut imported: i32 = 0;
    for b in &h.bookings {
        let made = tx
            .execute(
                "INSERT INTO booking (hall, code, business, day, start_min, person, status, rev, booked_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'booked', 1, $7)
                 ON CONFLICT (code) DO NOTHING",
                &[
                    &hall,
                    &b.code.as_str(),
                    &b.business.as_str(),
                    &(b.day.0 as i32),
                    &(b.start_min as i32),
                    &String::from(b.person.clone()),
                    &b.booked_at.0,
                ],
            )
            .await?;
        if made == 0 {
            tracing::warn!(%hall, code = %b.code.as_str(), "a handed-over booking's code is at HQ already: not counted again");
            continue;
        }
        imported += 1;
        tx.execute(
            "INSERT INTO booking_slot (hall, business, day, start_min, capacity, taken)
             VALUES ($1, $2, $3, $4, 0, 1)
             ON CONFLICT (hall, business, day, start_min)
             DO UPDATE SET taken = booking_slot.taken + 1",
            &[
                &hall,
                &b.business.as_str(),
                &(b.day.0 as i32),
                &(b.start_min as i32),
            ],
        )
        .await?;
    }
    let count = i32::try_from(h.bookings.len()).unwrap_or(i32::MAX);
    tx.execute(
        "INSERT INTO booking_handover (hall, from_day, bookings, imported, handed_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (hall) DO NOTHING",
        &[&hall, &(h.from.0 as i32), &count, &imported, &at_ms],
    )
    .await?;
    tracing::info!(%hall, from = %h.from, bookings = count, imported, "a hall's open bookings counted in at HQ / 营业厅预约已移交总部");
    Ok(())
}

/// The first day HQ may not sell yet for `hall`: its published documents in force (chain,
/// region, hall, merged as the hub merges them) say `master = "hq"` with `from`, and no
/// handover of it is recorded. None: HQ sells all its days.
pub async fn pending(db: &impl GenericClient, hall: &str) -> Result<Option<BusinessDay>, HqError> {
    let row = db
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM booking_handover WHERE hall = $1),
                    coalesce((SELECT region FROM halls WHERE hall = $1), '')",
            &[&hall],
        )
        .await?;
    if row.get::<_, bool>(0) {
        return Ok(None);
    }
    let region: String = row.get(1);
    // The newest document of each of the hall's scopes, in one question, broadest first.
    let scopes = [
        "chain".to_owned(),
        format!("region:{region}"),
        format!("hall:{hall}"),
    ];
    let rows = db
        .query(
            "SELECT DISTINCT ON (scope) scope, doc::text FROM config_published
             WHERE scope = ANY($1) ORDER BY scope, rev DESC",
            &[&&scopes[..]],
        )
        .await?;
    let mut docs = Vec::new();
    for scope in &scopes {
        let Some(row) = rows.iter().find(|r| r.get::<_, &str>(0) == scope) else {
            continue;
        };
        match serde_json::from_str::<ConfigDoc>(row.get::<_, &str>(1)) {
            Ok(d) => docs.push(d),
            Err(error) => tracing::warn!(%scope, %error, "a published document does not read"),
        }
    }
    Ok(switched_from(&docs))
}

/// `from` of the documents `docs` (broadest first) merged, if they make HQ the master from it.
pub fn switched_from(docs: &[ConfigDoc]) -> Option<BusinessDay> {
    let merged = ConfigDoc::merge(docs);
    let b = merged.booking?;
    (b.master == Some(crate::wire::BookingMaster::Hq))
        .then_some(b.from.map(BusinessDay))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{BookingDoc, BookingMaster};

    fn doc(master: Option<BookingMaster>, from: Option<u32>) -> ConfigDoc {
        ConfigDoc {
            booking: Some(BookingDoc {
                master,
                from,
                hq_url: None,
            }),
            ..ConfigDoc::default()
        }
    }

    #[test]
    fn a_hall_waits_for_its_handover_only_when_a_document_switched_it_from_a_day() {
        assert_eq!(switched_from(&[]), None);
        assert_eq!(switched_from(&[ConfigDoc::default()]), None);
        assert_eq!(
            switched_from(&[doc(Some(BookingMaster::Hq), Some(20_261_209))]),
            Some(BusinessDay(20_261_209))
        );
        // master from the chain's document, from from the hall's: merged key by key.
        assert_eq!(
            switched_from(&[
                doc(Some(BookingMaster::Hq), None),
                doc(None, Some(20_261_210))
            ]),
            Some(BusinessDay(20_261_210))
        );
        assert_eq!(switched_from(&[doc(Some(BookingMaster::Hq), None)]), None);
        assert_eq!(
            switched_from(&[doc(Some(BookingMaster::Hub), Some(20_261_209))]),
            None
        );
    }
}
