-- hallq HQ store, schema version 5: configuration down (issue 14 §3, docs/chain.md).
--
-- config_published: every document HQ put in the JetStream KV bucket HALLQ_CONFIG, with the
-- bucket's revision (the stream sequence: it grows across all keys, so a hall's revision is the
-- highest of its scopes'). The bucket holds what the halls read; this table is HQ's record and
-- what the console compares a hall's revision in force with.
--
-- hall_config: what each hall last reported it has in force (its live status's `config`): the
-- revision, the business types in force (code, name, limit), and its last refusal.

CREATE TABLE config_published (
    -- 'chain', 'region:<R>' or 'hall:<H>'.
    scope         text        NOT NULL CHECK (scope = 'chain' OR scope ~ '^(region|hall):[A-Za-z0-9_-]{1,64}$'),
    rev           bigint      NOT NULL CHECK (rev > 0),
    doc           jsonb       NOT NULL,
    published_at  timestamptz NOT NULL DEFAULT now(),
    published_by  text        NOT NULL DEFAULT '',
    PRIMARY KEY (scope, rev)
);

CREATE TABLE hall_config (
    hall            text        PRIMARY KEY REFERENCES halls (hall),
    rev             bigint      NOT NULL,
    -- [{code, name: {zh, en}, limit_min}], in the kiosk's order.
    business        jsonb       NOT NULL DEFAULT '[]',
    refused_rev     bigint,
    refused_reason  jsonb,
    reported_at     timestamptz NOT NULL DEFAULT now()
);
