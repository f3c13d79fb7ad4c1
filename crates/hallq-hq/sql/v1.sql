-- hallq HQ store, schema version 1: the raw events of every hall's journal, the high-water
-- marks, and the gaps reported (docs/chain.md).

-- Every event of every hall, keyed (hall, epoch, seq): the journal's own key plus the journal's
-- epoch. Partitioned by month of the event's time, so a month can be detached, archived or
-- dropped whole. PostgreSQL makes a partitioned table's primary key include the partition
-- column, hence `at` in it; (hall, epoch, seq) alone is kept unique by the sink, which inserts
-- only seqs above the mark it holds locked, and `at` of a journal event never changes.
CREATE TABLE events (
    hall   text        NOT NULL,
    epoch  text        NOT NULL,
    seq    bigint      NOT NULL CHECK (seq > 0),
    at     timestamptz NOT NULL,
    day    integer,
    type   text        NOT NULL,
    body   jsonb       NOT NULL,
    PRIMARY KEY (hall, epoch, seq, at)
) PARTITION BY RANGE (at);

-- A hall journal's high-water mark: every seq from 1 to `seq` is in `events`, none above it.
-- The hub resends from `seq + 1`.
CREATE TABLE marks (
    hall        text        NOT NULL,
    epoch       text        NOT NULL,
    seq         bigint      NOT NULL DEFAULT 0 CHECK (seq >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hall, epoch)
);

-- Batches refused because they did not start at mark + 1, for HQ staff to see.
CREATE TABLE gaps (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hall         text        NOT NULL,
    epoch        text        NOT NULL,
    expected     bigint      NOT NULL,
    got          bigint      NOT NULL,
    reported_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gaps_hall ON gaps (hall, epoch, reported_at);

-- The partition of `events` for the (UTC) month starting `month`, made if missing. Serialised
-- by an advisory lock: two workers making the same month at once would otherwise collide in
-- the catalogue (seen in the sink's two-task test). Called in a transaction of its own before the batch's (DDL takes a strong lock
-- on `events`; inside the batch's transaction two workers could deadlock on it).
CREATE FUNCTION events_month(month date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    name text := format('events_%s', to_char(month, 'YYYYMM'));
    lo timestamptz := date_trunc('month', month)::timestamp AT TIME ZONE 'UTC';
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('hallq events_month'));
    -- The catalogue this statement sees may predate the lock's wait: the one that made the month
    -- meanwhile shows as duplicate_table, which is what was wanted.
    EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                   name, lo, lo + interval '1 month');
EXCEPTION WHEN duplicate_table THEN
    NULL;
END
$$;
