-- hallq HQ store, schema version 4: the console's users and their sessions (issue 14 §4), and
-- an index for the complaint events the console folds.
--
-- A user is HQ staff (sees the chain), a regional manager (sees the halls of `scope`, a
-- region) or a hall manager (sees hall `scope`). Passwords are Argon2id PHC strings, never
-- the password. A session is a random token given to the browser in a cookie; only its
-- BLAKE2b hash is stored, so a copy of this table lets nobody in.

CREATE TABLE users (
    login          text        PRIMARY KEY CHECK (login ~ '^[A-Za-z0-9._-]{1,64}$'),
    name           text        NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    role           text        NOT NULL CHECK (role IN ('hq', 'region', 'hall')),
    -- The region or the hall the user sees; '' for HQ staff.
    scope          text        NOT NULL DEFAULT '',
    password_hash  text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'hq') = (scope = ''))
);

CREATE TABLE sessions (
    token_hash  text        PRIMARY KEY,
    login       text        NOT NULL REFERENCES users (login) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- The complaint cases are not rolled up (a case runs 24–72 h and its KPIs depend on when they
-- are read): the console folds their events, found here by time without reading the others.
CREATE INDEX events_complaints ON events (at)
    WHERE type IN ('complaint_opened', 'complaint_updated', 'complaint_resolved');
