-- Where a major matter went: the community's copy of each routed ticket (so the matter page
-- shows it without reading the platform schema) and every department act that flowed back.
CREATE TABLE matter_routes (
    ticket_id           bigint PRIMARY KEY,
    matter_id           integer NOT NULL REFERENCES matters (id),
    department_code     text NOT NULL,
    department_name_zh  text NOT NULL,
    department_name_en  text NOT NULL,
    status              text NOT NULL,
    commitment          text,
    commitment_due_on   date,
    resolve_due_at      timestamptz,
    overdue             text,
    supervised          boolean NOT NULL DEFAULT false,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX matter_routes_matter ON matter_routes (matter_id);

CREATE TABLE department_updates (
    event_id        bigint PRIMARY KEY,
    ticket_id       bigint NOT NULL,
    matter_id       integer NOT NULL REFERENCES matters (id),
    department_code text NOT NULL,
    kind            text NOT NULL,
    actor           text NOT NULL,
    note            text NOT NULL DEFAULT '',
    data            jsonb NOT NULL DEFAULT '{}'::jsonb,
    at              timestamptz NOT NULL
);
CREATE INDEX department_updates_matter ON department_updates (matter_id, at);
