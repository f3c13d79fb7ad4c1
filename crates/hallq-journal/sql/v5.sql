-- hallq journal, schema version 5: service-standard inspections (issue 16 §1).
--
-- The hub rebuilds its register of inspections and open corrections at every start from the
-- `inspection` events of the whole journal: a correction outlives days and weeks, a monthly
-- checklist is due a month after it was done. A partial index finds those few rows (a handful a
-- day) without reading the journal's millions; it costs nothing to the commits of other events.
CREATE INDEX events_inspection ON events (seq) WHERE type = 'inspection';
