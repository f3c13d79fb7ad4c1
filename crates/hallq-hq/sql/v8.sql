-- hallq HQ store, schema version 8: HQ as the booking master of its halls (issue 15 §3,
-- docs/booking.md "At HQ").
--
-- booking_slot: the places each slot of a hall has sold. A booking takes a place with one
-- conditional UPDATE (`taken < capacity`): PostgreSQL's row lock serialises every HQ process
-- on the slot's row, so of N concurrent requests for the last place exactly one commits. The
-- row is made (taken 0) on the first request for the slot; its capacity is the hall's rules'
-- at that request (hallq-booking's SlotRules), refreshed by each later booking.
--
-- booking: the bookings HQ sold; `person` is the keyed hash under the hall's booking key, never
-- a number. `status` is HQ's: booked or cancelled (check-ins and no-shows are the hall's, in its
-- journal). `rev` grows with each change, as the message to the hall carries it.
--
-- booking_outbox: each committed change, written in the booking's own transaction, waiting to
-- be published to the stream HALLQ_BOOKINGS (subject hallq.booking.<hall>); `stream_seq` is set
-- once JetStream acknowledged it. A crash between the commit and the publish only delays it.

CREATE TABLE booking_slot (
    hall       text    NOT NULL,
    business   text    NOT NULL,
    -- yyyymmdd, the hall's local day.
    day        integer NOT NULL,
    -- The slot's start, the hall's local minutes after midnight.
    start_min  integer NOT NULL CHECK (start_min >= 0 AND start_min < 1440),
    capacity   integer NOT NULL CHECK (capacity >= 0),
    taken      integer NOT NULL DEFAULT 0 CHECK (taken >= 0),
    PRIMARY KEY (hall, business, day, start_min)
);

CREATE TABLE booking (
    hall       text        NOT NULL,
    code       text        NOT NULL,
    business   text        NOT NULL,
    day        integer     NOT NULL,
    start_min  integer     NOT NULL,
    person     text        NOT NULL,
    status     text        NOT NULL CHECK (status IN ('booked', 'cancelled')),
    rev        integer     NOT NULL CHECK (rev > 0),
    -- ms since the epoch, as the hall's events' times.
    booked_at  bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- A code is the customer's receipt: unique across the chain, so a code alone finds its hall.
    PRIMARY KEY (code)
);

-- The per-person daily limit counts a person's bookings of a day.
CREATE INDEX booking_person_day ON booking (hall, person, day);

CREATE TABLE booking_outbox (
    id          bigserial   PRIMARY KEY,
    hall        text        NOT NULL,
    code        text        NOT NULL,
    -- hallq-booking's MasterChange, as published.
    body        jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    stream_seq  bigint
);

-- The publisher reads what is not yet sent, in order.
CREATE INDEX booking_outbox_unsent ON booking_outbox (id) WHERE stream_seq IS NULL;
