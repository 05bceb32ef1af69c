-- Major matters (大事) reach county departments (县级部门): departments and routing rules per
-- county, routed tickets with their events, joint meetings (联席会议), deadlines and
-- supervision (督办), reminders, and dead-lettered messages. Only what a department needs
-- of a matter is copied here (no resident names, phones or ID numbers).

CREATE TABLE departments (
    county_code     text NOT NULL REFERENCES counties (code),
    code            text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{1,40}$'),
    name_zh         text NOT NULL,
    name_en         text NOT NULL,
    contact         text NOT NULL DEFAULT '',
    is_fallback     boolean NOT NULL DEFAULT false,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county_code, code)
);
-- One fallback (the coordination office) per county.
CREATE UNIQUE INDEX departments_one_fallback ON departments (county_code) WHERE is_fallback;

CREATE TABLE routing_rules (
    id                      serial PRIMARY KEY,
    county_code             text NOT NULL REFERENCES counties (code),
    category                text NOT NULL,
    community_slug          text,
    grid_code               text,
    department_codes        text[] NOT NULL CHECK (cardinality(department_codes) >= 1),
    include_address         boolean NOT NULL DEFAULT false,
    include_circumstances   boolean NOT NULL DEFAULT false,
    active                  boolean NOT NULL DEFAULT true,
    CHECK (grid_code IS NULL OR community_slug IS NOT NULL)
);
CREATE UNIQUE INDEX routing_rules_key
    ON routing_rules (county_code, category, coalesce(community_slug, ''), coalesce(grid_code, ''))
    WHERE active;

CREATE TABLE deadline_policies (
    county_code             text NOT NULL REFERENCES counties (code),
    category                text NOT NULL DEFAULT '*',
    ack_working_days        integer NOT NULL CHECK (ack_working_days BETWEEN 1 AND 60),
    resolve_working_days    integer NOT NULL CHECK (resolve_working_days BETWEEN 1 AND 365),
    PRIMARY KEY (county_code, category)
);

CREATE TABLE tickets (
    id                  bigserial PRIMARY KEY,
    county_code         text NOT NULL,
    department_code     text NOT NULL,
    community_slug      text NOT NULL,
    matter_id           integer NOT NULL,
    -- which classification (sheet version) of the matter routed it: a later escalation
    -- to major routes again; a redelivered message for the same one never does.
    sheet_version       integer NOT NULL,
    matter_number       text NOT NULL,
    title               text NOT NULL,
    description         text NOT NULL,
    category            text NOT NULL,
    place               text NOT NULL DEFAULT '',
    grid_name           text NOT NULL DEFAULT '',
    household_address   text,
    circumstances       jsonb,
    status              text NOT NULL DEFAULT 'routed'
                        CHECK (status IN ('routed', 'acknowledged', 'info_requested',
                                          'answered', 'in_progress', 'done', 'rejected',
                                          'cancelled')),
    commitment          text,
    commitment_due_on   date,
    ack_due_at          timestamptz NOT NULL,
    resolve_due_at      timestamptz NOT NULL,
    overdue             text CHECK (overdue IN ('ack', 'resolve')),
    supervised          boolean NOT NULL DEFAULT false,
    supervised_by       text,
    supervision_note    text NOT NULL DEFAULT '',
    rerouted_from       bigint REFERENCES tickets (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (community_slug, matter_id, sheet_version, department_code)
);
CREATE INDEX tickets_inbox ON tickets (county_code, department_code, status, resolve_due_at);
CREATE INDEX tickets_matter ON tickets (community_slug, matter_id);
CREATE INDEX tickets_open_due ON tickets (resolve_due_at) WHERE status NOT IN ('done', 'rejected', 'cancelled');

-- Every act on a ticket (routing, department acts, meeting outcomes, supervision,
-- reminders); each flows back to the community's matter by an idempotent actor.
CREATE TABLE ticket_events (
    id          bigserial PRIMARY KEY,
    ticket_id   bigint NOT NULL REFERENCES tickets (id),
    kind        text NOT NULL,
    actor       text NOT NULL,
    actor_role  text NOT NULL,
    note        text NOT NULL DEFAULT '',
    data        jsonb NOT NULL DEFAULT '{}'::jsonb,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TABLE joint_meetings (
    id                  serial PRIMARY KEY,
    county_code         text NOT NULL,
    community_slug      text NOT NULL,
    held_on             date NOT NULL,
    place               text NOT NULL,
    title               text NOT NULL DEFAULT '',
    convened_by         text NOT NULL,
    town_cadres         jsonb NOT NULL DEFAULT '[]'::jsonb,
    volunteer_leaders   jsonb NOT NULL DEFAULT '[]'::jsonb,
    residents           jsonb NOT NULL DEFAULT '[]'::jsonb,
    status              text NOT NULL DEFAULT 'planned'
                        CHECK (status IN ('planned', 'held', 'cancelled')),
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX joint_meetings_community ON joint_meetings (community_slug, held_on);

CREATE TABLE joint_meeting_departments (
    meeting_id      integer NOT NULL REFERENCES joint_meetings (id),
    department_code text NOT NULL,
    attended        boolean,
    PRIMARY KEY (meeting_id, department_code)
);

CREATE TABLE joint_meeting_items (
    id              serial PRIMARY KEY,
    meeting_id      integer NOT NULL REFERENCES joint_meetings (id),
    ticket_id       bigint NOT NULL REFERENCES tickets (id),
    minutes         text NOT NULL DEFAULT '',
    outcome         text CHECK (outcome IN ('answered', 'commitment', 'referred',
                                            'needs_follow_up')),
    commitment      text,
    commitment_due_on date,
    recorded_by     text,
    recorded_at     timestamptz,
    UNIQUE (meeting_id, ticket_id)
);

CREATE TABLE reminders (
    id          bigserial PRIMARY KEY,
    ticket_id   bigint NOT NULL REFERENCES tickets (id),
    kind        text NOT NULL CHECK (kind IN ('ack_overdue', 'resolve_overdue')),
    at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (ticket_id, kind)
);

-- Messages that exhausted their retries or were refused as poison, with the reason; the
-- CLI lists and re-drives them.
CREATE TABLE dead_letters (
    id              bigserial PRIMARY KEY,
    message_id      text NOT NULL UNIQUE,
    actor_name      text NOT NULL,
    queue_name      text NOT NULL,
    kwargs          jsonb NOT NULL,
    reason          text NOT NULL,
    error           text NOT NULL DEFAULT '',
    failed_at       timestamptz NOT NULL DEFAULT now(),
    redriven_at     timestamptz
);
