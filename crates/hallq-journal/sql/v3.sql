-- hallq journal, schema version 3: the call-backs owed for consultations not answered on the
-- spot (DOMAIN.md: call or SMS back within 24 h).
--
-- A projection like `complaints`: a `touched` consultation event with `resolved: false` owes a
-- call-back for its visit (the first such event of the visit counts), a `callback_made` event
-- records it, and a service finished at a counter in the same visit answered the question (the
-- row goes). `asked_seq` is the consultation's event: replay applies it again for a call-back
-- still owed when the day it was asked in is no longer replayed.
CREATE TABLE callbacks (
    visit        TEXT    PRIMARY KEY,
    asked_seq    INTEGER NOT NULL,
    asked_at_ms  INTEGER NOT NULL,
    business     TEXT,
    done_at_ms   INTEGER,
    note         TEXT
) STRICT, WITHOUT ROWID;

CREATE INDEX callbacks_open ON callbacks (asked_seq) WHERE done_at_ms IS NULL;

-- Consultations left open within the last 24 h before this version, still in their window. Older
-- ones are not owed any more: nobody could record their call-back before this version. Read
-- through the indexes (the last two business days, the last event by seq): a hall's years of
-- journal are not scanned at the first start after the upgrade.
INSERT OR IGNORE INTO callbacks (visit, asked_seq, asked_at_ms, business)
SELECT visit, seq, at_ms, json_extract(body, '$.business')
FROM events INDEXED BY events_day
WHERE day >= (SELECT coalesce(min(day), 0) FROM
                 (SELECT DISTINCT day FROM events WHERE day IS NOT NULL ORDER BY day DESC LIMIT 2))
  AND type = 'touched'
  AND touchpoint = 7
  AND visit IS NOT NULL
  AND json_extract(body, '$.resolved') = 0
  AND at_ms >= (SELECT coalesce((SELECT at_ms FROM events ORDER BY seq DESC LIMIT 1), 0)) - 86400000
  AND NOT EXISTS (SELECT 1 FROM events f WHERE f.visit = events.visit AND f.type = 'service_finished')
ORDER BY seq;
