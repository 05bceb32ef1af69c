-- The county-wide registry of counties and communities, the outbox, the platform audit log.
CREATE TABLE counties (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,40}$'),
    name_zh     text NOT NULL,
    name_en     text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE communities (
    slug            text PRIMARY KEY CHECK (slug ~ '^[a-z][a-z0-9_]{1,40}$'),
    name_zh         text NOT NULL,
    name_en         text NOT NULL DEFAULT '',
    county_code     text NOT NULL REFERENCES counties (code),
    status          text NOT NULL DEFAULT 'provisioning'
                    CHECK (status IN ('provisioning', 'active', 'archived')),
    schema_version  integer NOT NULL DEFAULT 0,
    placement       text NOT NULL DEFAULT 'default',
    created_at      timestamptz NOT NULL DEFAULT now(),
    archived_at     timestamptz
);
CREATE INDEX communities_county ON communities (county_code);

CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    message_id      uuid NOT NULL UNIQUE,
    topic           text NOT NULL,
    community_slug  text,
    payload         jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    role        text NOT NULL,
    action      text NOT NULL,
    subject     text NOT NULL,
    before      jsonb,
    after       jsonb
);
