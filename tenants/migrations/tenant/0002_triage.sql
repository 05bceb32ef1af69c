-- Three-matter triage (三事分流): households, residents, staff, categories, suggestion rules,
-- matters (registered requests 诉求 and their triage), history, the homeland council
-- (家园理事会) with sessions, agenda and votes, classification sheets (三事归类单), referrals,
-- negotiations with commitments, and residents' feedback.
-- Enumerations are text + CHECK, never custom types (per-tenant types break cached plans).

CREATE TABLE community_settings (
    id              smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    seats_per_grid  integer NOT NULL DEFAULT 3 CHECK (seats_per_grid BETWEEN 1 AND 15),
    -- quorum/majority as the pure rules expect them (services/councils/model.py)
    decision_rules  jsonb NOT NULL DEFAULT '{}'::jsonb,
    matter_prefix   text NOT NULL DEFAULT 'M',
    updated_at      timestamptz NOT NULL DEFAULT now()
);
INSERT INTO community_settings (id) VALUES (1);

CREATE TABLE categories (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,40}$'),
    name_zh     text NOT NULL,
    name_en     text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    sort        integer NOT NULL DEFAULT 0
);

CREATE TABLE suggestion_rules (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_.-]{1,60}$'),
    category    text NOT NULL REFERENCES categories (code),
    -- {"any": ["elderly_living_alone", ...]} / {"all": [...]} / {"none": [...]} / {}
    conditions  jsonb NOT NULL DEFAULT '{}'::jsonb,
    kind        text NOT NULL CHECK (kind IN ('private', 'minor', 'major')),
    reason_zh   text NOT NULL,
    reason_en   text NOT NULL,
    priority    integer NOT NULL DEFAULT 0,
    active      boolean NOT NULL DEFAULT true
);

-- People who act in the community with a login (grid workers, cadres): token subject -> name.
CREATE TABLE staff (
    id          serial PRIMARY KEY,
    subject     text NOT NULL UNIQUE,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('community_cadre', 'grid_worker')),
    grid_id     integer REFERENCES grids (id),
    phone       text NOT NULL DEFAULT '',
    active      boolean NOT NULL DEFAULT true
);

CREATE TABLE households (
    id                      serial PRIMARY KEY,
    grid_id                 integer NOT NULL REFERENCES grids (id),
    address                 text NOT NULL,
    size                    integer NOT NULL DEFAULT 1 CHECK (size BETWEEN 1 AND 50),
    -- circumstances that change triage (sensitive: only roles that need them see them)
    elderly_living_alone    boolean NOT NULL DEFAULT false,
    elderly_without_family  boolean NOT NULL DEFAULT false,
    disability              boolean NOT NULL DEFAULT false,
    subsistence_allowance   boolean NOT NULL DEFAULT false,
    renting                 boolean NOT NULL DEFAULT false,
    notes                   text NOT NULL DEFAULT '',
    created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX households_grid ON households (grid_id);

CREATE TABLE residents (
    id              serial PRIMARY KEY,
    household_id    integer NOT NULL REFERENCES households (id),
    name            text NOT NULL,
    phone           text NOT NULL DEFAULT '',
    -- the token subject of a resident who signs in (links the login to the household)
    subject         text UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX residents_household ON residents (household_id);

CREATE TABLE matters (
    id                      serial PRIMARY KEY,
    number                  text NOT NULL UNIQUE,
    household_id            integer NOT NULL REFERENCES households (id),
    raised_by_resident_id   integer REFERENCES residents (id),
    grid_id                 integer NOT NULL REFERENCES grids (id),
    registered_by           text NOT NULL,
    registered_by_role      text NOT NULL,
    channel                 text NOT NULL
                            CHECK (channel IN ('home_visit', 'phone', 'walk_in', 'online')),
    category                text NOT NULL REFERENCES categories (code),
    title                   text NOT NULL,
    description             text NOT NULL,
    place                   text NOT NULL DEFAULT '',
    occurred_on             date NOT NULL,
    registered_at           timestamptz NOT NULL DEFAULT now(),
    status                  text NOT NULL DEFAULT 'registered'
                            CHECK (status IN ('registered', 'awaiting_council', 'classified',
                                              'in_progress', 'resolved', 'closed', 'reopened',
                                              'withdrawn')),
    kind                    text CHECK (kind IN ('private', 'minor', 'major')),
    responsible             text CHECK (responsible IN ('household', 'community_and_residents',
                                                        'county_departments')),
    responsible_note        text NOT NULL DEFAULT '',
    suggested_kind          text CHECK (suggested_kind IN ('private', 'minor', 'major')),
    suggestion_rule_id      text,
    suggestion_reason_zh    text NOT NULL DEFAULT '',
    suggestion_reason_en    text NOT NULL DEFAULT '',
    resolved_at             timestamptz,
    closed_at               timestamptz,
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX matters_registered ON matters (registered_at DESC, id DESC);
CREATE INDEX matters_status ON matters (status);
CREATE INDEX matters_grid ON matters (grid_id);
CREATE INDEX matters_household ON matters (household_id);
CREATE INDEX matters_category ON matters (category);

-- Every status change: who, when, from, to, why (append-only).
CREATE TABLE matter_transitions (
    id          bigserial PRIMARY KEY,
    matter_id   integer NOT NULL REFERENCES matters (id),
    from_status text,
    to_status   text NOT NULL,
    actor       text NOT NULL,
    actor_role  text NOT NULL,
    reason      text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX matter_transitions_matter ON matter_transitions (matter_id, id);

CREATE TABLE council_members (
    id              serial PRIMARY KEY,
    grid_id         integer NOT NULL REFERENCES grids (id),
    resident_id     integer REFERENCES residents (id),
    household_id    integer REFERENCES households (id),
    name            text NOT NULL,
    subject         text UNIQUE,
    elected_on      date NOT NULL,
    term_ends_on    date NOT NULL,
    votes_received  integer NOT NULL DEFAULT 0 CHECK (votes_received >= 0),
    is_chair        boolean NOT NULL DEFAULT false,
    active          boolean NOT NULL DEFAULT true,
    CHECK (term_ends_on > elected_on)
);
CREATE INDEX council_members_grid ON council_members (grid_id);
-- One chair at most among active members.
CREATE UNIQUE INDEX council_one_chair ON council_members (is_chair) WHERE is_chair AND active;

CREATE TABLE council_sessions (
    id          serial PRIMARY KEY,
    held_on     date NOT NULL,
    title       text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    opened_by   text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE session_attendance (
    session_id  integer NOT NULL REFERENCES council_sessions (id),
    member_id   integer NOT NULL REFERENCES council_members (id),
    PRIMARY KEY (session_id, member_id)
);

CREATE TABLE agenda_items (
    id              serial PRIMARY KEY,
    session_id      integer NOT NULL REFERENCES council_sessions (id),
    matter_id       integer NOT NULL REFERENCES matters (id),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'decided', 'no_quorum', 'no_majority')),
    decided_kind    text CHECK (decided_kind IN ('private', 'minor', 'major')),
    decided_at      timestamptz,
    UNIQUE (session_id, matter_id)
);
CREATE INDEX agenda_items_matter ON agenda_items (matter_id);

CREATE TABLE votes (
    id              serial PRIMARY KEY,
    agenda_item_id  integer NOT NULL REFERENCES agenda_items (id),
    member_id       integer NOT NULL REFERENCES council_members (id),
    kind            text CHECK (kind IN ('private', 'minor', 'major')),
    recused         boolean NOT NULL DEFAULT false,
    note            text NOT NULL DEFAULT '',
    cast_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agenda_item_id, member_id),
    CHECK (recused OR kind IS NOT NULL)
);

-- The classification sheet (三事归类单): one version per (re)classification, full history.
CREATE TABLE classification_sheets (
    id                  serial PRIMARY KEY,
    matter_id           integer NOT NULL REFERENCES matters (id),
    version             integer NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('private', 'minor', 'major')),
    previous_kind       text CHECK (previous_kind IN ('private', 'minor', 'major')),
    responsible         text NOT NULL,
    reasoning           text NOT NULL,
    evidence            text NOT NULL DEFAULT '',
    explanation         text NOT NULL DEFAULT '',
    agenda_item_id      integer REFERENCES agenda_items (id),
    suggested_kind      text,
    suggestion_followed boolean,
    tally               jsonb NOT NULL DEFAULT '{}'::jsonb,
    decided_by          text NOT NULL,
    decided_by_role     text NOT NULL,
    decided_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (matter_id, version)
);

CREATE TABLE referrals (
    id          serial PRIMARY KEY,
    matter_id   integer NOT NULL REFERENCES matters (id),
    group_ref   text NOT NULL,
    group_name  text NOT NULL,
    note        text NOT NULL DEFAULT '',
    referred_by text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referrals_matter ON referrals (matter_id);

CREATE TABLE negotiations (
    id              serial PRIMARY KEY,
    matter_id       integer NOT NULL REFERENCES matters (id),
    held_on         date NOT NULL,
    place           text NOT NULL DEFAULT '',
    participants    jsonb NOT NULL DEFAULT '[]'::jsonb,
    agreement       text NOT NULL,
    recorded_by     text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX negotiations_matter ON negotiations (matter_id);

CREATE TABLE commitments (
    id              serial PRIMARY KEY,
    negotiation_id  integer NOT NULL REFERENCES negotiations (id),
    matter_id       integer NOT NULL REFERENCES matters (id),
    party           text NOT NULL CHECK (party IN ('resident', 'community', 'other')),
    party_name      text NOT NULL,
    description     text NOT NULL,
    due_on          date,
    kept            boolean,
    checked_by      text,
    checked_at      timestamptz
);
CREATE INDEX commitments_matter ON commitments (matter_id);

CREATE TABLE feedback (
    id              serial PRIMARY KEY,
    matter_id       integer NOT NULL REFERENCES matters (id),
    rating          text NOT NULL
                    CHECK (rating IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
    comment         text NOT NULL DEFAULT '',
    reopen_reason   text,
    given_by        text NOT NULL,
    given_by_role   text NOT NULL,
    on_behalf       boolean NOT NULL DEFAULT false,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_matter ON feedback (matter_id);
