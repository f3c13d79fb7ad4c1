-- hallq journal, schema version 1.
--
-- The truth is append-only: `commands`, `events`, `refusals`, `presence` only ever get INSERTs.
-- `visits`, `tickets`, `ratings` and `complaints` are projections: derived from `events` in the
-- same transaction that appends them, for the reports; never edited by hand.
--
-- Enumerations are stored as their serde names (`care`, `very_satisfied`, `no_show`…), times as
-- milliseconds since the Unix epoch (UTC, the hub's clock), business days as YYYYMMDD integers.
-- No table holds a phone number: the engine carries only a `notify` flag.

-- Every command the hub decided, with the exact reply it sent: the dedupe store. A redelivered
-- command (same device, same id) is answered from here and never reaches the engine again.
CREATE TABLE commands (
    device      TEXT    NOT NULL,
    command_id  TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    at_ms       INTEGER NOT NULL,
    ok          INTEGER NOT NULL CHECK (ok IN (0, 1)),
    error_code  TEXT,                    -- NULL when ok
    reply       TEXT    NOT NULL,        -- the reply JSON as published
    PRIMARY KEY (device, command_id),
    CHECK ((ok = 1) = (error_code IS NULL))
) STRICT, WITHOUT ROWID;

-- One row per engine event, in the hub's order. `seq` is assigned by the journal (last + 1) inside
-- the writing transaction, so it has no gaps. `day` is the business day of the last
-- `day_opened` at or before the row (NULL before the first). Rows caused by a command carry its
-- (device, command_id) and their position `idx` in the command's events; hub-clock rows (ticks,
-- day open/close from the scheduler) carry NULLs there.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    at_ms       INTEGER NOT NULL,
    day         INTEGER,
    type        TEXT    NOT NULL,        -- the serde tag of the event
    touchpoint  INTEGER CHECK (touchpoint BETWEEN 1 AND 16),
    visit       TEXT,
    ticket      TEXT,
    counter     INTEGER,
    staff       TEXT,
    complaint   TEXT,                    -- lets replay find the events of open complaints
    device      TEXT,
    command_id  TEXT,
    idx         INTEGER,
    body        TEXT    NOT NULL,        -- the event as JSON (flat, with its "type" tag)
    UNIQUE (device, command_id, idx),
    FOREIGN KEY (device, command_id) REFERENCES commands (device, command_id),
    CHECK ((device IS NULL) = (command_id IS NULL) AND (device IS NULL) = (idx IS NULL))
) STRICT;

-- Replay finds the last `day_opened` / `day_closed` without scanning. Partial: an index of every
-- type would have one insertion point per event type, a page more in most commits (measured:
-- a sixth of the pages a batch writes) for queries that the day index answers as well.
CREATE INDEX events_day_marks ON events (type, seq) WHERE type IN ('day_opened', 'day_closed');
CREATE INDEX events_day ON events (day);
CREATE INDEX events_visit ON events (visit) WHERE visit IS NOT NULL;
CREATE INDEX events_ticket ON events (ticket) WHERE ticket IS NOT NULL;
CREATE INDEX events_complaint ON events (complaint, seq) WHERE complaint IS NOT NULL;

-- Commands refused before the dedupe store: undecodable, unknown device, device mismatch, over a
-- flood limit (v2). Refusals by role or queue rule (forbidden, not_signed_in…) are the command's
-- answer: they are in `commands` with ok = 0 and their error_code.
CREATE TABLE refusals (
    id            INTEGER PRIMARY KEY,
    at_ms         INTEGER NOT NULL,
    device        TEXT,
    command_id    TEXT,
    code          TEXT    NOT NULL,
    detail        TEXT    NOT NULL,
    payload_bytes INTEGER NOT NULL
) STRICT;

-- Device births and wills as the hub saw them.
CREATE TABLE presence (
    id      INTEGER PRIMARY KEY,
    at_ms   INTEGER NOT NULL,
    device  TEXT    NOT NULL,
    online  INTEGER NOT NULL CHECK (online IN (0, 1))
) STRICT;

CREATE INDEX presence_device ON presence (device, at_ms);

-- Tables keyed by text are WITHOUT ROWID: one b-tree to write per row instead of a table and
-- its key index. Every page a commit dirties is a page written to the WAL and synced, so the
-- projections carry only the indexes the hub and the day's reports need; a report that wants
-- another adds it in a migration.

-- Projection: one row per visit.
CREATE TABLE visits (
    visit          TEXT    PRIMARY KEY,
    day            INTEGER,
    started_at_ms  INTEGER NOT NULL,
    ended_at_ms    INTEGER,              -- NULL while open; a re-queued ticket reopens its visit
    outcome        TEXT                  -- served / no_show / walked_out / closed_by_reset / no_ticket
) STRICT, WITHOUT ROWID;

CREATE INDEX visits_day ON visits (day);

-- Projection: one row per ticket.
--   first_called_at_ms, called_counter: the first call (the queueing wait ends there);
--   recalls: recalls over the ticket's whole life;
--   started_at_ms: the first service start; finished_at_ms, handling_secs, result: the finish;
--   counter, staff: where it was last called or served;
--   business: its business type now (a transfer changes it), origin_business: as issued;
--   printed: NULL before any print result, 1 once a print succeeded, else 0.
CREATE TABLE tickets (
    ticket              TEXT    PRIMARY KEY,
    visit               TEXT    NOT NULL,
    day                 INTEGER,
    number              TEXT    NOT NULL,
    business            TEXT    NOT NULL,
    origin_business     TEXT    NOT NULL,
    priority            TEXT    NOT NULL,
    reason              TEXT,
    granted_by          TEXT,
    lang                TEXT    NOT NULL,
    notify              INTEGER NOT NULL CHECK (notify IN (0, 1)),
    issued_at_ms        INTEGER NOT NULL,
    first_called_at_ms  INTEGER,
    called_counter      INTEGER,
    recalls             INTEGER NOT NULL DEFAULT 0,
    started_at_ms       INTEGER,
    finished_at_ms      INTEGER,
    counter             INTEGER,
    staff               TEXT,
    result              TEXT,
    handling_secs       INTEGER,
    transfers           INTEGER NOT NULL DEFAULT 0,
    status              TEXT    NOT NULL CHECK (status IN
                            ('waiting', 'called', 'serving', 'served', 'skipped', 'cancelled', 'closed')),
    printed             INTEGER CHECK (printed IN (0, 1)),
    reprints            INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

CREATE INDEX tickets_day ON tickets (day, issued_at_ms);

-- Projection: the rating of a served ticket.
CREATE TABLE ratings (
    ticket   TEXT    PRIMARY KEY,
    visit    TEXT    NOT NULL,
    counter  INTEGER NOT NULL,
    staff    TEXT    NOT NULL,
    score    TEXT    NOT NULL,           -- very_satisfied / satisfied / neutral / dissatisfied
    at_ms    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Projection: complaint cases (kept at least 3 years: DOMAIN.md).
CREATE TABLE complaints (
    complaint             TEXT    PRIMARY KEY,
    opened_at_ms          INTEGER NOT NULL,
    category              TEXT    NOT NULL,
    summary               TEXT    NOT NULL,
    visit                 TEXT,
    ticket                TEXT,
    business              TEXT,
    responsibility        TEXT,
    opened_by             TEXT    NOT NULL,
    first_contact_due_ms  INTEGER NOT NULL,
    due_ms                INTEGER NOT NULL,
    contacted_at_ms       INTEGER,
    resolved_at_ms        INTEGER,
    resolution            TEXT,
    updates               INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

-- Replay asks for the complaints still open; after a year almost all are resolved.
CREATE INDEX complaints_open ON complaints (opened_at_ms) WHERE resolved_at_ms IS NULL;
