//! HQ's book in PostgreSQL (schema v8): one transaction per booking, change or cancellation.
//!
//! The rules (horizon, hours, closed days, book-until, capacity) are `hallq-booking`'s
//! [`SlotRules`], asked before the transaction; the counts are PostgreSQL's, under its locks:
//! - a place is taken by `UPDATE booking_slot SET taken = taken + 1 … AND taken < capacity`,
//!   whose row lock serialises every HQ process on the slot (no row back: `slot_full`);
//! - the per-person daily limit is counted under `pg_advisory_xact_lock` of (hall, day, person),
//!   so two requests of one person for two slots of a day cannot both pass the count;
//! - the change goes into `booking_outbox` in the same transaction, for the hall's hub.
//!
//! A refusal rolls the transaction back: nothing is stored.

use hallq_booking::{
    Booking, BookingCode, BookingError, BookingStatus, MasterChange, MasterStatus, PersonKey,
    SlotRules, SlotView,
};
use hallq_proto::{BusinessCode, BusinessDay, Timestamp};
use tokio_postgres::{Client, Row, Transaction};

use crate::error::HqError;

/// Why a request to the book was not done.
#[derive(Debug, thiserror::Error)]
pub enum Failed {
    /// The rules or the counts refused it.
    #[error("{0}")]
    Book(#[from] BookingError),
    /// The store failed: nothing was done.
    #[error("{0}")]
    Store(#[from] HqError),
}

impl From<tokio_postgres::Error> for Failed {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Store(e.into())
    }
}

/// One hall's book at HQ: its id and its rules.
#[derive(Debug, Clone, Copy)]
pub struct HallBook<'a> {
    /// The hall.
    pub hall: &'a str,
    /// Its booking rules.
    pub rules: &'a SlotRules,
}

/// A slot: a business type at a start on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The business type.
    pub business: BusinessCode,
    /// The day, the hall's.
    pub day: BusinessDay,
    /// The start, the hall's local minutes.
    pub start_min: u32,
}

const COLUMNS: &str = "code, person, business, day, start_min, booked_at, status, rev";

impl HallBook<'_> {
    /// Books a slot for `person` with the fresh code `code`; `code_taken` if the chain already
    /// has that code (the caller draws another).
    pub async fn book(
        &self,
        db: &mut Client,
        now: Timestamp,
        code: &BookingCode,
        person: &PersonKey,
        slot: &Slot,
    ) -> Result<Booking, Failed> {
        let Slot {
            business,
            day,
            start_min,
        } = slot;
        let (day, start_min) = (*day, *start_min);
        let capacity = self.rules.bookable(business, day, start_min, now)?;
        let tx = db.transaction().await?;
        self.take_place(&tx, business, day, start_min, capacity)
            .await?;
        self.person_limit(&tx, person, day, None).await?;
        let inserted = tx
            .execute(
                "INSERT INTO booking (hall, code, business, day, start_min, person, status, rev,
                                      booked_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'booked', 1, $7) ON CONFLICT (code) DO NOTHING",
                &[
                    &self.hall,
                    &code.as_str(),
                    &business.as_str(),
                    &(day.0 as i32),
                    &(start_min as i32),
                    &String::from(person.clone()),
                    &now.0,
                ],
            )
            .await?;
        if inserted == 0 {
            return Err(BookingError::CodeTaken.into());
        }
        let change = MasterChange {
            code: code.clone(),
            person: person.clone(),
            business: business.clone(),
            day,
            start_min,
            booked_at: now,
            status: MasterStatus::Booked,
            rev: 1,
        };
        self.outbox(&tx, &change).await?;
        tx.commit().await?;
        Ok(booking_of(&change))
    }

    /// Moves `person`'s booking `code` to another slot, atomically: the old slot is kept if the
    /// new one cannot be had.
    pub async fn change(
        &self,
        db: &mut Client,
        now: Timestamp,
        code: &BookingCode,
        person: &PersonKey,
        day: BusinessDay,
        start_min: u32,
    ) -> Result<Booking, Failed> {
        let tx = db.transaction().await?;
        let mut b = self.open_of(&tx, code, person).await?;
        self.rules.still_changeable(b.day, b.start_min, now)?;
        let capacity = self.rules.bookable(&b.business, day, start_min, now)?;
        if (b.day, b.start_min) == (day, start_min) {
            return Ok(booking_of(&b));
        }
        self.ensure_slot(&tx, &b.business, day, start_min, capacity)
            .await?;
        // Both slots' rows are locked in one order, so two changes crossing between the same
        // two slots wait for each other instead of deadlocking.
        tx.query(
            "SELECT 1 FROM booking_slot WHERE hall = $1 AND business = $2
               AND ((day = $3 AND start_min = $4) OR (day = $5 AND start_min = $6))
             ORDER BY day, start_min FOR UPDATE",
            &[
                &self.hall,
                &b.business.as_str(),
                &(day.0 as i32),
                &(start_min as i32),
                &(b.day.0 as i32),
                &(b.start_min as i32),
            ],
        )
        .await?;
        self.take_place(&tx, &b.business, day, start_min, capacity)
            .await?;
        self.free_place(&tx, &b.business, b.day, b.start_min)
            .await?;
        if b.day != day {
            self.person_limit(&tx, person, day, Some(code)).await?;
        }
        b.day = day;
        b.start_min = start_min;
        b.rev += 1;
        tx.execute(
            "UPDATE booking SET day = $2, start_min = $3, rev = $4, updated_at = now()
             WHERE code = $1",
            &[
                &code.as_str(),
                &(day.0 as i32),
                &(start_min as i32),
                &(b.rev as i32),
            ],
        )
        .await?;
        self.outbox(&tx, &b).await?;
        tx.commit().await?;
        Ok(booking_of(&b))
    }

    /// Cancels `person`'s booking `code`: its place is free again.
    pub async fn cancel(
        &self,
        db: &mut Client,
        now: Timestamp,
        code: &BookingCode,
        person: &PersonKey,
    ) -> Result<Booking, Failed> {
        let tx = db.transaction().await?;
        let mut b = self.open_of(&tx, code, person).await?;
        self.rules.still_changeable(b.day, b.start_min, now)?;
        b.status = MasterStatus::Cancelled;
        b.rev += 1;
        tx.execute(
            "UPDATE booking SET status = 'cancelled', rev = $2, updated_at = now()
             WHERE code = $1",
            &[&code.as_str(), &(b.rev as i32)],
        )
        .await?;
        self.free_place(&tx, &b.business, b.day, b.start_min)
            .await?;
        self.outbox(&tx, &b).await?;
        tx.commit().await?;
        Ok(booking_of(&b))
    }

    /// The slots of `business` on `day` as the booking page shows them at `now`.
    pub async fn slots(
        &self,
        db: &Client,
        business: &BusinessCode,
        day: BusinessDay,
        now: Timestamp,
    ) -> Result<Vec<SlotView>, HqError> {
        let rows = db
            .query(
                "SELECT start_min, taken FROM booking_slot
                 WHERE hall = $1 AND business = $2 AND day = $3",
                &[&self.hall, &business.as_str(), &(day.0 as i32)],
            )
            .await?;
        let taken: std::collections::BTreeMap<u32, u32> = rows
            .iter()
            .map(|r| (r.get::<_, i32>(0) as u32, r.get::<_, i32>(1) as u32))
            .collect();
        Ok(self.rules.slot_views(business, day, now, |start| {
            taken.get(&start).copied().unwrap_or(0)
        }))
    }

    /// Makes the slot's row if it is the slot's first request.
    async fn ensure_slot(
        &self,
        tx: &Transaction<'_>,
        business: &BusinessCode,
        day: BusinessDay,
        start_min: u32,
        capacity: u32,
    ) -> Result<(), Failed> {
        tx.execute(
            "INSERT INTO booking_slot (hall, business, day, start_min, capacity)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[
                &self.hall,
                &business.as_str(),
                &(day.0 as i32),
                &(start_min as i32),
                &(capacity as i32),
            ],
        )
        .await?;
        Ok(())
    }

    /// Takes one place of the slot under its row lock, or `slot_full`. The capacity is the
    /// rules' now (a hall may have changed it since the row was made).
    async fn take_place(
        &self,
        tx: &Transaction<'_>,
        business: &BusinessCode,
        day: BusinessDay,
        start_min: u32,
        capacity: u32,
    ) -> Result<(), Failed> {
        self.ensure_slot(tx, business, day, start_min, capacity)
            .await?;
        let row = tx
            .query_opt(
                "UPDATE booking_slot SET taken = taken + 1, capacity = $5
                 WHERE hall = $1 AND business = $2 AND day = $3 AND start_min = $4
                   AND taken < $5
                 RETURNING taken",
                &[
                    &self.hall,
                    &business.as_str(),
                    &(day.0 as i32),
                    &(start_min as i32),
                    &(capacity as i32),
                ],
            )
            .await?;
        match row {
            Some(_) => Ok(()),
            None => Err(BookingError::SlotFull.into()),
        }
    }

    /// Gives a place of the slot back.
    async fn free_place(
        &self,
        tx: &Transaction<'_>,
        business: &BusinessCode,
        day: BusinessDay,
        start_min: u32,
    ) -> Result<(), Failed> {
        tx.execute(
            "UPDATE booking_slot SET taken = taken - 1
             WHERE hall = $1 AND business = $2 AND day = $3 AND start_min = $4 AND taken > 0",
            &[
                &self.hall,
                &business.as_str(),
                &(day.0 as i32),
                &(start_min as i32),
            ],
        )
        .await?;
        Ok(())
    }

    /// Refuses with `person_limit` if `person` already holds the day's allowance (`except` one
    /// booking, the one being moved), counted under the (hall, day, person) advisory lock.
    async fn person_limit(
        &self,
        tx: &Transaction<'_>,
        person: &PersonKey,
        day: BusinessDay,
        except: Option<&BookingCode>,
    ) -> Result<(), Failed> {
        let person = String::from(person.clone());
        let lock = format!("{}|{}|{person}", self.hall, day.0);
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&lock],
        )
        .await?;
        let held: i64 = tx
            .query_one(
                "SELECT count(*) FROM booking
                 WHERE hall = $1 AND person = $2 AND day = $3 AND status = 'booked'
                   AND code <> $4",
                &[
                    &self.hall,
                    &person,
                    &(day.0 as i32),
                    &except.map_or("", BookingCode::as_str),
                ],
            )
            .await?
            .get(0);
        if held >= i64::from(self.rules.per_person_daily) {
            return Err(BookingError::PersonLimit(self.rules.per_person_daily).into());
        }
        Ok(())
    }

    /// The booking `code` of this hall, locked, if `person` holds it and it is still booked.
    async fn open_of(
        &self,
        tx: &Transaction<'_>,
        code: &BookingCode,
        person: &PersonKey,
    ) -> Result<MasterChange, Failed> {
        let row = tx
            .query_opt(
                &format!("SELECT {COLUMNS} FROM booking WHERE code = $1 AND hall = $2 FOR UPDATE"),
                &[&code.as_str(), &self.hall],
            )
            .await?
            .ok_or(BookingError::UnknownBooking)?;
        let b = change_of(&row)?;
        if &b.person != person {
            return Err(BookingError::NotYours.into());
        }
        if b.status != MasterStatus::Booked {
            return Err(BookingError::NotOpen.into());
        }
        Ok(b)
    }

    /// The change, for the hall's hub.
    async fn outbox(&self, tx: &Transaction<'_>, change: &MasterChange) -> Result<(), Failed> {
        let body = serde_json::to_string(change)
            .map_err(|e| HqError::BadInput(format!("booking change: {e}")))?;
        tx.execute(
            "INSERT INTO booking_outbox (hall, code, body) VALUES ($1, $2, $3::text::jsonb)",
            &[&self.hall, &change.code.as_str(), &body],
        )
        .await?;
        Ok(())
    }
}

/// A row of `booking` ([`COLUMNS`]) as the message it makes.
fn change_of(row: &Row) -> Result<MasterChange, HqError> {
    let bad = |what: &str| HqError::BadInput(format!("a stored booking has a bad {what}"));
    Ok(MasterChange {
        code: BookingCode::parse(row.get::<_, &str>(0)).map_err(|_| bad("code"))?,
        person: PersonKey::new(row.get::<_, String>(1)).map_err(|_| bad("person"))?,
        business: BusinessCode::new(row.get::<_, String>(2)).map_err(|_| bad("business"))?,
        day: BusinessDay(row.get::<_, i32>(3) as u32),
        start_min: row.get::<_, i32>(4) as u32,
        booked_at: Timestamp(row.get(5)),
        status: match row.get::<_, &str>(6) {
            "cancelled" => MasterStatus::Cancelled,
            _ => MasterStatus::Booked,
        },
        rev: row.get::<_, i32>(7) as u32,
    })
}

/// The booking as the API answers it.
pub fn booking_of(c: &MasterChange) -> Booking {
    Booking {
        code: c.code.clone(),
        person: c.person.clone(),
        business: c.business.clone(),
        day: c.day,
        start_min: c.start_min,
        booked_at: c.booked_at,
        status: match c.status {
            MasterStatus::Booked => BookingStatus::Booked,
            MasterStatus::Cancelled => BookingStatus::Cancelled,
        },
    }
}
