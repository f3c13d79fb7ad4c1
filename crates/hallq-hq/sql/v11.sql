-- hallq HQ store, schema version 11: the import of a hall's open bookings at its switch to HQ
-- as the booking master (issue 15 §3, docs/booking.md "At HQ").
--
-- A hall switched by a published document (`[booking] master = "hq"`, `from`) journals one
-- `booking_handover` event at the start of day `from`; the ingest sink, in the transaction that
-- stores it, inserts its bookings into `booking` (no outbox row: the hall has them) and counts
-- them into `booking_slot.taken`, and records the handover here. HQ's booking API answers `503
-- handover_pending` for the hall's days from `from` on until this row exists.

CREATE TABLE booking_handover (
    hall       text        PRIMARY KEY,
    -- yyyymmdd: the first business day HQ sells, as the hall's event says.
    from_day   integer     NOT NULL,
    -- The bookings the event carried, and how many of them were new to HQ.
    bookings   integer     NOT NULL CHECK (bookings >= 0),
    imported   integer     NOT NULL CHECK (imported >= 0),
    -- ms since the epoch: the event's time at the hall.
    handed_at  bigint      NOT NULL,
    stored_at  timestamptz NOT NULL DEFAULT now()
);
