-- hallq HQ store, schema version 9: the fourth KPI, service-standard compliance (服务规范达标率 =
-- inspection items passed / items checked, issue 14 with issue 16 §1), rolled up per hall
-- journal × month × inspection type.
--
-- The counts are `hallq_inspect::score::Tally`'s, computed by hallq-report's own inspections code
-- (`hallq_report::inspections::figures`) from the stored `inspection` events of the month, and
-- rewritten by the sink in the transaction that stores a batch with an inspection
-- (hallq_hq::store::inspections). The month is the inspection's local month, as `hallq report`
-- has it (a before-opening cleaning on the 1st belongs to that month, whatever its business day).
-- They are sums: a region's compliance is its halls' passed items over their checked items.

CREATE TABLE rollup_inspections (
    hall            text    NOT NULL,
    epoch           text    NOT NULL,
    -- yyyymm, local time.
    month           integer NOT NULL,
    -- The inspection type, as the journal names it (cleaning, facility, self_inspection,
    -- mystery_shopper).
    kind            text    NOT NULL,
    inspections     bigint  NOT NULL,
    critical_failed bigint  NOT NULL,
    items_checked   bigint  NOT NULL,
    items_passed    bigint  NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hall, epoch, month, kind)
);
-- The chain's and a region's pages read one month of every hall.
CREATE INDEX rollup_inspections_month ON rollup_inspections (month, hall);

-- A hall journal's inspection events of a month, without reading its other events (a handful a
-- day among thousands).
CREATE INDEX events_inspection ON events (hall, epoch, at) WHERE type = 'inspection';

-- Hall journals whose inspection events were stored before this version: their months are
-- rolled up by HQ's refresh (`rollup::refresh`), which needs the fold code, not SQL.
CREATE TABLE rollup_inspections_pending (
    hall  text NOT NULL,
    epoch text NOT NULL,
    PRIMARY KEY (hall, epoch)
);
INSERT INTO rollup_inspections_pending (hall, epoch)
SELECT DISTINCT hall, epoch FROM events WHERE type = 'inspection';
