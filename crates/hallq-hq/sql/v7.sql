-- hallq HQ store, schema version 7: the month's sums per region, for the chain page (issue 14
-- §7: the chain page of 10,000 halls in < 200 ms reads a row per region, not one per hall).
--
-- A region's month row is the sum of the `rollup_months` rows of the halls in that region now
-- (a hall without a `halls` row is in region ''), in the columns the chain page shows. Triggers
-- keep it so in the transaction that writes either side: the sink's refold rewriting a month
-- (rollup_months) adds what the rows changed by; the status subscriber making a hall (its first
-- status) or moving it to another region (halls) moves the hall's months with it. Each write
-- first takes its halls' advisory lock (one of 1024 slots, in slot order) and only then reads
-- the other side, in a statement of its own (a fresh snapshot): a hall's first batch and its
-- first status committing at the same moment cannot leave the batch in the region the hall left.

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
-- their halls are in; region rows are written in (region, month) order, as every writer does.
CREATE FUNCTION region_months_add(added rollup_months[], removed rollup_months[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM region_months_lock(ARRAY(
        SELECT a.hall FROM unnest(added) a UNION SELECT o.hall FROM unnest(removed) o));
    INSERT INTO region_months AS r
    SELECT coalesce(h.region, ''), d.month, sum(d.sign * d.visits), sum(d.sign * d.tickets),
        sum(d.sign * d.served), sum(d.sign * d.dissatisfied), sum(d.sign * d.neutral),
        sum(d.sign * d.satisfied), sum(d.sign * d.very_satisfied), sum(d.sign * d.judged),
        sum(d.sign * d.within_limit), sum(d.sign * d.sl_judged), sum(d.sign * d.sl_within)
    FROM (SELECT 1::bigint AS sign, a.* FROM unnest(added) a
          UNION ALL SELECT -1::bigint, o.* FROM unnest(removed) o) d
    LEFT JOIN halls h USING (hall)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (region, month) DO UPDATE SET
        visits = r.visits + excluded.visits, tickets = r.tickets + excluded.tickets,
        served = r.served + excluded.served,
        dissatisfied = r.dissatisfied + excluded.dissatisfied,
        neutral = r.neutral + excluded.neutral, satisfied = r.satisfied + excluded.satisfied,
        very_satisfied = r.very_satisfied + excluded.very_satisfied,
        judged = r.judged + excluded.judged,
        within_limit = r.within_limit + excluded.within_limit,
        sl_judged = r.sl_judged + excluded.sl_judged, sl_within = r.sl_within + excluded.sl_within;
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
    INSERT INTO region_months AS r
    SELECT x.region, m.month, sum(x.sign * m.visits), sum(x.sign * m.tickets),
        sum(x.sign * m.served), sum(x.sign * m.dissatisfied), sum(x.sign * m.neutral),
        sum(x.sign * m.satisfied), sum(x.sign * m.very_satisfied), sum(x.sign * m.judged),
        sum(x.sign * m.within_limit), sum(x.sign * m.sl_judged), sum(x.sign * m.sl_within)
    FROM rollup_months m CROSS JOIN (VALUES (was, -1::bigint), (now_in, 1::bigint)) x(region, sign)
    WHERE m.hall = id
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (region, month) DO UPDATE SET
        visits = r.visits + excluded.visits, tickets = r.tickets + excluded.tickets,
        served = r.served + excluded.served,
        dissatisfied = r.dissatisfied + excluded.dissatisfied,
        neutral = r.neutral + excluded.neutral, satisfied = r.satisfied + excluded.satisfied,
        very_satisfied = r.very_satisfied + excluded.very_satisfied,
        judged = r.judged + excluded.judged,
        within_limit = r.within_limit + excluded.within_limit,
        sl_judged = r.sl_judged + excluded.sl_judged, sl_within = r.sl_within + excluded.sl_within;
    RETURN NULL;
END $$;

CREATE TRIGGER region_months_hall_moved AFTER INSERT OR DELETE OR UPDATE OF region ON halls
    FOR EACH ROW EXECUTE FUNCTION region_months_hall_moved();
