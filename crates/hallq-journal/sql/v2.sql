-- hallq journal, schema version 2: personal data kept apart, and the audit trail.
--
-- `personal` is the one table that holds personal data (PIPL): a mobile number for a "your turn
-- is near" notice, or a complainant's number for the call back. Only sealed: `sealed` is the
-- value encrypted with an AEAD (XChaCha20-Poly1305) under a key kept in a file outside this
-- database, bound to (kind, owner); `blind` is a keyed hash of the value (HMAC-SHA256 under a
-- second key of the same file), so that the hub can count a number's tickets of a day without
-- reading any number back. Rows are deleted when their retention ends (the hub purges at start
-- and at every day's turn); the touchpoints, which name no person, stay.
CREATE TABLE personal (
    kind        TEXT    NOT NULL CHECK (kind IN ('notice_phone', 'complaint_contact')),
    owner       TEXT    NOT NULL,        -- the ticket (notice) or the complaint it belongs to
    day         INTEGER NOT NULL,        -- business day it was given, YYYYMMDD
    at_ms       INTEGER NOT NULL,
    blind       TEXT    NOT NULL,        -- keyed hash of the value, hex
    nonce       BLOB    NOT NULL,
    sealed      BLOB    NOT NULL,
    PRIMARY KEY (kind, owner)
) STRICT, WITHOUT ROWID;

CREATE INDEX personal_blind ON personal (kind, day, blind);
CREATE INDEX personal_at ON personal (kind, at_ms);

-- Who did what to the hall's security and data: devices added, revoked, given a new secret;
-- personal data purged; the data key created. Staff actions on tickets are in `events` (every
-- row carries the staff number); refused commands in `refusals` (before the dedupe store) or in
-- `commands` with ok = 0 (by role or queue rule). Append-only.
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at_ms       INTEGER NOT NULL,
    actor       TEXT    NOT NULL,        -- `hub`, or who ran the command (`cli:<user>`)
    action      TEXT    NOT NULL,        -- `device_added`, `device_revoked`, `personal_purged` …
    subject     TEXT,                    -- the device, ticket or table acted on
    detail      TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX audit_at ON audit (at_ms);
