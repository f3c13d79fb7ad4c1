-- hallq journal, schema version 4: the journal's epoch (issue 14, docs/chain.md).
--
-- A random id the file gets once: at its creation (a new file walks every version from 0, this
-- one included) or at the first start after the upgrade (an existing journal). Headquarters keys
-- every uploaded event by (hall, epoch, seq): a hall whose disk was replaced starts again at
-- seq 1 with a new epoch, and its new events are never taken for duplicates of the old ones.
-- 128 random bits from SQLite's own generator, as 32 lowercase hex digits.
CREATE TABLE epoch (
    one    INTEGER PRIMARY KEY CHECK (one = 1),
    epoch  TEXT    NOT NULL CHECK (length(epoch) = 32)
) STRICT;

INSERT INTO epoch (one, epoch) VALUES (1, lower(hex(randomblob(16))));

-- Read-only once written: an epoch that changed would make HQ take the journal for a new one.
CREATE TRIGGER epoch_never_updated BEFORE UPDATE ON epoch
BEGIN SELECT RAISE(ABORT, 'the journal epoch never changes'); END;
CREATE TRIGGER epoch_never_deleted BEFORE DELETE ON epoch
BEGIN SELECT RAISE(ABORT, 'the journal epoch never changes'); END;
