-- hallq HQ store, schema version 6: the roll-ups per hall journal × month, for the chain's pages
-- (issue 14 §7: the chain page and a region's KPIs over 10,000 halls read a row per hall and
-- month instead of one per hall and day).
--
-- A month's row is the sum of its days' `rollup_days` rows, every column a count or a sum like
-- theirs: the sink rewrites it from them in the transaction that refolds one of its days
-- (hallq_hq::store::rollup, `refold`), so it is the fold's figures, never a second computation
-- of them. The business types' lines stay per day (`rollup_business`): only a hall's own page
-- reads them, 31 days at most.

CREATE TABLE rollup_months (
    hall               text    NOT NULL,
    epoch              text    NOT NULL,
    -- yyyymm: the month of the business days summed (`rollup_days.day / 100`).
    month              integer NOT NULL,
    events             bigint  NOT NULL,
    unread             bigint  NOT NULL,
    visits             bigint  NOT NULL,
    transferred_visits bigint  NOT NULL,
    tickets            bigint  NOT NULL,
    served             bigint  NOT NULL,
    no_shows           bigint  NOT NULL,
    walked_out         bigint  NOT NULL,
    closed             bigint  NOT NULL,
    still_open         bigint  NOT NULL,
    dissatisfied       bigint  NOT NULL,
    neutral            bigint  NOT NULL,
    satisfied          bigint  NOT NULL,
    very_satisfied     bigint  NOT NULL,
    judged             bigint  NOT NULL,
    within_limit       bigint  NOT NULL,
    sl_judged          bigint  NOT NULL,
    sl_within          bigint  NOT NULL,
    short_services     bigint  NOT NULL,
    forgotten_finish   bigint  NOT NULL,
    missing_ratings    bigint  NOT NULL,
    unknown_business   bigint  NOT NULL,
    orphan_events      bigint  NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hall, epoch, month)
);
-- The chain page and the comparison read one month of every hall.
CREATE INDEX rollup_months_month ON rollup_months (month, hall);

-- The months of the day rows stored before this version.
INSERT INTO rollup_months (hall, epoch, month, events, unread, visits, transferred_visits,
    tickets, served, no_shows, walked_out, closed, still_open, dissatisfied, neutral, satisfied,
    very_satisfied, judged, within_limit, sl_judged, sl_within, short_services,
    forgotten_finish, missing_ratings, unknown_business, orphan_events)
SELECT hall, epoch, day / 100, sum(events), sum(unread), sum(visits), sum(transferred_visits),
    sum(tickets), sum(served), sum(no_shows), sum(walked_out), sum(closed), sum(still_open),
    sum(dissatisfied), sum(neutral), sum(satisfied), sum(very_satisfied), sum(judged),
    sum(within_limit), sum(sl_judged), sum(sl_within), sum(short_services),
    sum(forgotten_finish), sum(missing_ratings), sum(unknown_business), sum(orphan_events)
FROM rollup_days GROUP BY hall, epoch, day / 100;
