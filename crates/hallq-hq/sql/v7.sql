-- hallq HQ store, schema version 7: the month's sums per region, for the chain page (issue 14
-- §7: the chain page of 10,000 halls in < 200 ms reads a row per region, not one per hall).
--
-- A region's month is the sum of the `rollup_months` rows of the halls in that region now (a hall
-- without a `halls` row is in region ''), in the columns the chain page shows: its row in
-- `region_months` plus the rows of `region_month_deltas` not yet folded into it. Triggers keep it
-- so in the transaction that writes either side: the sink's refold rewriting a month
-- (rollup_months) inserts what the rows changed by; the status subscriber making a hall (its first
-- status) or moving it to another region (halls) inserts the hall's months out of the old region
-- and into the new. A write only ever *inserts* a delta: sinks of halls of one region share no
-- row, so none waits for another's transaction (a shared region row updated in every refold's
-- transaction made every sink of the region wait for the slowest, docs/chain.md). The deltas are
-- folded into `region_months` by `region_months_fold()`, one short statement run by HQ's refresh.
-- Each write first takes its halls' advisory lock (one of 1024 slots, in slot order) and only then
-- reads the other side, in a statement of its own (a fresh snapshot): a hall's first batch and
-- its first status committing at the same moment cannot leave the batch in the region the hall
-- left.

CREATE TABLE region_months (
    region         text    NOT NULL,
    -- yyyymm, as rollup_months.month.
    month          integer NOT NULL,
    visits         bigint  NOT NULL,
    tickets        bigint  NOT NULL,
    served         bigint  NOT NULL,
    dissatisfied   bigint  NOT NULL,
    neutral        bigint  NOT NULL,
    satisfied      bigint  NOT NULL,
    very_satisfied bigint  NOT NULL,
    judged         bigint  NOT NULL,
    within_limit   bigint  NOT NULL,
    sl_judged      bigint  NOT NULL,
    sl_within      bigint  NOT NULL,
    PRIMARY KEY (region, month)
);

-- What region_months' rows changed by since their last fold: added by the triggers, never
-- updated (so no writer waits for another), taken away and added to region_months by
-- region_months_fold(). Readers add them to region_months.
CREATE TABLE region_month_deltas (
    region         text    NOT NULL,
    month          integer NOT NULL,
    visits         bigint  NOT NULL,
    tickets        bigint  NOT NULL,
    served         bigint  NOT NULL,
    dissatisfied   bigint  NOT NULL,
    neutral        bigint  NOT NULL,
    satisfied      bigint  NOT NULL,
    very_satisfied bigint  NOT NULL,
    judged         bigint  NOT NULL,
    within_limit   bigint  NOT NULL,
    sl_judged      bigint  NOT NULL,
    sl_within      bigint  NOT NULL
);
CREATE INDEX region_month_deltas_month ON region_month_deltas (month, region);

-- The people waiting now, from each hall's stored status (a LiveStatus: the subscriber stores
-- nothing else), as a column the chain page sums per region without reading the JSON.
ALTER TABLE hall_status
    ADD COLUMN waiting bigint GENERATED ALWAYS AS ((status ->> 'waiting')::bigint) STORED;

-- The months stored before this version.
INSERT INTO region_months
SELECT coalesce(h.region, ''), m.month, sum(m.visits), sum(m.tickets), sum(m.served),
    sum(m.dissatisfied), sum(m.neutral), sum(m.satisfied), sum(m.very_satisfied),
    sum(m.judged), sum(m.within_limit), sum(m.sl_judged), sum(m.sl_within)
FROM rollup_months m LEFT JOIN halls h USING (hall)
GROUP BY 1, 2;

-- Takes the advisory locks of `halls` (key 1752265325 = "hqrm"; slot = hash & 1023: a bulk
-- write of every hall takes at most 1024), in slot order so that two writers never wait for each
-- other in a circle.
CREATE FUNCTION region_months_lock(halls text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1752265325, x.s)
    FROM (SELECT DISTINCT hashtext(h) & 1023 AS s FROM unnest(halls) h ORDER BY 1) x;
END $$;

-- Adds the rows `added` and takes away the rows `removed` (rollup_months rows) from the regions
-- their halls are in: a delta row per (region, month).
CREATE FUNCTION region_months_add(added rollup_months[], removed rollup_months[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM region_months_lock(ARRAY(
        SELECT a.hall FROM unnest(added) a UNION SELECT o.hall FROM unnest(removed) o));
    INSERT INTO region_month_deltas
    SELECT coalesce(h.region, ''), d.month, sum(d.sign * d.visits), sum(d.sign * d.tickets),
        sum(d.sign * d.served), sum(d.sign * d.dissatisfied), sum(d.sign * d.neutral),
        sum(d.sign * d.satisfied), sum(d.sign * d.very_satisfied), sum(d.sign * d.judged),
        sum(d.sign * d.within_limit), sum(d.sign * d.sl_judged), sum(d.sign * d.sl_within)
    FROM (SELECT 1::bigint AS sign, a.* FROM unnest(added) a
          UNION ALL SELECT -1::bigint, o.* FROM unnest(removed) o) d
    LEFT JOIN halls h USING (hall)
    GROUP BY 1, 2;
END $$;

CREATE FUNCTION region_months_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM region_months_add(ARRAY(SELECT ROW(n.*)::rollup_months FROM new_rows n), '{}');
    RETURN NULL;
END $$;

CREATE FUNCTION region_months_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM region_months_add(ARRAY(SELECT ROW(n.*)::rollup_months FROM new_rows n),
                             ARRAY(SELECT ROW(o.*)::rollup_months FROM old_rows o));
    RETURN NULL;
END $$;

CREATE FUNCTION region_months_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM region_months_add('{}', ARRAY(SELECT ROW(o.*)::rollup_months FROM old_rows o));
    RETURN NULL;
END $$;

-- Once per statement with all its rows: the months_from_days of a bulk load is one write per
-- (region, month), not one per hall.
CREATE TRIGGER region_months_inserted AFTER INSERT ON rollup_months
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION region_months_inserted();
CREATE TRIGGER region_months_updated AFTER UPDATE ON rollup_months
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION region_months_updated();
CREATE TRIGGER region_months_deleted AFTER DELETE ON rollup_months
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION region_months_deleted();

-- A hall made (its months were in region '') or moved to another region, or removed: its
-- months leave the region it was in for the one it is in now.
CREATE FUNCTION region_months_hall_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    id   text;
    was  text := '';
    now_in text := '';
BEGIN
    IF TG_OP = 'DELETE' THEN
        id := OLD.hall;
    ELSE
        id := NEW.hall;
        now_in := NEW.region;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        was := OLD.region;
    END IF;
    IF was = now_in THEN
        RETURN NULL;
    END IF;
    PERFORM region_months_lock(ARRAY[id]);
    INSERT INTO region_month_deltas
    SELECT x.region, m.month, sum(x.sign * m.visits), sum(x.sign * m.tickets),
        sum(x.sign * m.served), sum(x.sign * m.dissatisfied), sum(x.sign * m.neutral),
        sum(x.sign * m.satisfied), sum(x.sign * m.very_satisfied), sum(x.sign * m.judged),
        sum(x.sign * m.within_limit), sum(x.sign * m.sl_judged), sum(x.sign * m.sl_within)
    FROM rollup_months m CROSS JOIN (VALUES (was, -1::bigint), (now_in, 1::bigint)) x(region, sign)
    WHERE m.hall = id
    GROUP BY 1, 2;
    RETURN NULL;
END $$;

CREATE TRIGGER region_months_hall_moved AFTER INSERT OR DELETE OR UPDATE OF region ON halls
    FOR EACH ROW EXECUTE FUNCTION region_months_hall_moved();

-- Folds the deltas into region_months: those this statement sees are taken away and added to
-- their region's month row, in one short transaction of their own. Folds take turns (a second
-- one while one runs does nothing: two deleting the same rows in different orders could wait
-- for each other); a trigger's delta committed meanwhile waits for the next fold, and readers
-- add it meanwhile. Returns the delta rows folded.
CREATE FUNCTION region_months_fold() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    -- "hqrf" in ASCII: any constant of its own.
    IF NOT pg_try_advisory_xact_lock(1752265318) THEN
        RETURN 0;
    END IF;
    WITH d AS (DELETE FROM region_month_deltas RETURNING *),
    folded AS (
        INSERT INTO region_months AS r
        SELECT region, month, sum(visits), sum(tickets), sum(served), sum(dissatisfied),
            sum(neutral), sum(satisfied), sum(very_satisfied), sum(judged), sum(within_limit),
            sum(sl_judged), sum(sl_within)
        FROM d GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (region, month) DO UPDATE SET
        visits = r.visits + excluded.visits, tickets = r.tickets + excluded.tickets,
        served = r.served + excluded.served,
        dissatisfied = r.dissatisfied + excluded.dissatisfied,
        neutral = r.neutral + excluded.neutral, satisfied = r.satisfied + excluded.satisfied,
        very_satisfied = r.very_satisfied + excluded.very_satisfied,
        judged = r.judged + excluded.judged,
        within_limit = r.within_limit + excluded.within_limit,
        sl_judged = r.sl_judged + excluded.sl_judged, sl_within = r.sl_within + excluded.sl_within
        RETURNING 1
    )
    SELECT count(*) INTO n FROM d;
    RETURN n;
END $$;

-- A region's month now: its folded row plus the deltas not folded yet. What the chain page reads.
CREATE VIEW region_months_now AS
SELECT region, month, sum(visits)::bigint AS visits, sum(tickets)::bigint AS tickets,
    sum(served)::bigint AS served, sum(dissatisfied)::bigint AS dissatisfied,
    sum(neutral)::bigint AS neutral, sum(satisfied)::bigint AS satisfied,
    sum(very_satisfied)::bigint AS very_satisfied, sum(judged)::bigint AS judged,
    sum(within_limit)::bigint AS within_limit, sum(sl_judged)::bigint AS sl_judged,
    sum(sl_within)::bigint AS sl_within
FROM (SELECT * FROM region_months UNION ALL SELECT * FROM region_month_deltas) x
GROUP BY region, month;
