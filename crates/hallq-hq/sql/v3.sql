-- hallq HQ store, schema version 3: the chain's halls and their live status (issue 14 §2).
--
-- A hall is known to HQ from its first status message (wire::LiveStatus): its region and name
-- come from the hall's own `[uplink]` settings and are updated by each message. The live status
-- is the last message as received, with HQ's clock beside the hub's: a hall whose received_at
-- is more than a minute old is shown "offline since received_at".

CREATE TABLE halls (
    hall        text        PRIMARY KEY,
    region      text        NOT NULL DEFAULT '',
    name        text        NOT NULL DEFAULT '',
    first_seen  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX halls_by_region ON halls (region, hall);

CREATE TABLE hall_status (
    hall        text        PRIMARY KEY REFERENCES halls (hall),
    -- The LiveStatus message's JSON, as sent.
    status      jsonb       NOT NULL,
    -- The hub's clock when it sent the message.
    sent_at     timestamptz NOT NULL,
    -- HQ's clock when it stored it: what "offline since" is measured from.
    received_at timestamptz NOT NULL
);
