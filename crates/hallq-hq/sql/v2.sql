-- hallq HQ store, schema version 2: the roll-ups, per hall journal × business day (the hall's
-- figures) and × business type (the report's business table), computed by hallq-report's fold
-- from the stored events of that day and rewritten by the sink in the transaction that stores
-- the day's new events (docs/chain.md, "Roll-ups"). Every column is a count or a sum, so any
-- range of days, halls or regions adds up; means and percentages are divided at reading.

-- The sink refolds a day from its events: found through this index, in seq order.
CREATE INDEX events_by_day ON events (hall, epoch, day, seq);

CREATE TABLE rollup_days (
    hall               text    NOT NULL,
    epoch              text    NOT NULL,
    day                integer NOT NULL,
    -- The journal's last seq the row was folded up to: the day's events above it (at most
    -- rollup::REFOLD_EVERY - 1 of an open day) are stored and not yet rolled up.
    folded_to          bigint  NOT NULL,
    -- Events of the day folded, and of them the ones the fold could not read (a kind this
    -- build does not know): counted, not guessed at.
    events             bigint  NOT NULL,
    unread             bigint  NOT NULL,
    visits             bigint  NOT NULL,
    transferred_visits bigint  NOT NULL,
    tickets            bigint  NOT NULL,
    -- Tickets by how they ended (served is also the served count).
    served             bigint  NOT NULL,
    no_shows           bigint  NOT NULL,
    walked_out         bigint  NOT NULL,
    closed             bigint  NOT NULL,
    still_open         bigint  NOT NULL,
    -- Ratings by score: satisfaction = (satisfied + very_satisfied) / all four.
    dissatisfied       bigint  NOT NULL,
    neutral            bigint  NOT NULL,
    satisfied          bigint  NOT NULL,
    very_satisfied     bigint  NOT NULL,
    -- Handled within limit = within_limit / judged.
    judged             bigint  NOT NULL,
    within_limit       bigint  NOT NULL,
    -- Called within the waiting-time target = sl_within / sl_judged.
    sl_judged          bigint  NOT NULL,
    sl_within          bigint  NOT NULL,
    -- Data quality.
    short_services     bigint  NOT NULL,
    forgotten_finish   bigint  NOT NULL,
    missing_ratings    bigint  NOT NULL,
    unknown_business   bigint  NOT NULL,
    orphan_events      bigint  NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hall, epoch, day)
);
CREATE INDEX rollup_days_day ON rollup_days (day, hall);

CREATE TABLE rollup_business (
    hall           text    NOT NULL,
    epoch          text    NOT NULL,
    day            integer NOT NULL,
    business       text    NOT NULL,
    tickets        bigint  NOT NULL,
    served         bigint  NOT NULL,
    -- Within limit of the judged services; their handling time summed (mean = sum / judged).
    judged         bigint  NOT NULL,
    within_limit   bigint  NOT NULL,
    service_sum_ms bigint  NOT NULL,
    -- Waits to the first call, and their sum (mean = sum / waits).
    waits          bigint  NOT NULL,
    wait_sum_ms    bigint  NOT NULL,
    PRIMARY KEY (hall, epoch, day, business),
    FOREIGN KEY (hall, epoch, day) REFERENCES rollup_days ON DELETE CASCADE
);
CREATE INDEX rollup_business_day ON rollup_business (day, hall);

-- Days whose newest stored events are not rolled up yet (an open day, fewer than
-- rollup::REFOLD_EVERY events since its last fold): written by the sink in the batch's
-- transaction, taken away by the refold; rollup::refresh folds what is left here.
CREATE TABLE rollup_pending (
    hall   text    NOT NULL,
    epoch  text    NOT NULL,
    day    integer NOT NULL,
    -- The newest seq of the day stored.
    seq    bigint  NOT NULL,
    PRIMARY KEY (hall, epoch, day)
);
