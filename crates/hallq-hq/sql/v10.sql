-- hallq HQ store, schema version 10: one-time codes shared by every HQ process, and when each
-- booking change was published (issue 15 §3, docs/booking.md "At HQ").
--
-- booking_otp: one row per (hall, number) that asked for a code in the last hour or holds a
-- live one: hallq-booking's OtpRecord, the rules' whole state (the rules are OtpGuard's, as at
-- the hub). `slot` is HMAC-SHA256 of (hall, number) under HQ's one-time-code key (derived from
-- HQ's booking key, so every process computes the same): never the number. The code is kept
-- only as an HMAC. Each change reads the row FOR UPDATE and writes it back in one transaction,
-- so two processes taking the same code at once are serialised on the row: one takes it, the
-- other finds none. A row is deleted once `purge_after` (its last send out of the hour, its
-- code expired) has passed.

CREATE TABLE booking_otp (
    slot          text     PRIMARY KEY,
    -- When codes were sent to the number in the last hour, ms since the epoch; a send in flight
    -- holds its place (the per-number flood limit, counted here for every process).
    sent          bigint[] NOT NULL DEFAULT '{}',
    -- The live code: its HMAC (hex), when it expires (ms), the wrong tries it still takes.
    code_hash     text,
    expires       bigint,
    attempts_left integer  CHECK (attempts_left >= 0),
    -- ms since the epoch; the row holds nothing after it.
    purge_after   bigint   NOT NULL,
    CHECK ((code_hash IS NULL) = (expires IS NULL) AND (code_hash IS NULL) = (attempts_left IS NULL))
);

CREATE INDEX booking_otp_purge ON booking_otp (purge_after);

-- When JetStream acknowledged the change (set with stream_seq): the console measures from the
-- oldest change a hall has not journaled how long the hall has been behind.
ALTER TABLE booking_outbox ADD COLUMN published_at timestamptz;
UPDATE booking_outbox SET published_at = created_at WHERE stream_seq IS NOT NULL;
