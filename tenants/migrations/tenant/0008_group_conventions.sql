-- A group's self-governance conventions (自治公约), e.g. 《居民宠物豢养自治公约》: numbered clauses in
-- versions; a version is adopted by the members' vote (quorum and majority from the group's
-- rules) and every version stays readable. A clause can say which dogs it binds, which kinds
-- of incident it governs, and what duties such an incident makes the member owe.

CREATE TABLE group_conventions (
    id          serial PRIMARY KEY,
    group_id    integer NOT NULL REFERENCES groups (id),
    title_zh    text NOT NULL,
    title_en    text NOT NULL DEFAULT '',
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (group_id, title_zh)
);

CREATE TABLE group_convention_versions (
    id              serial PRIMARY KEY,
    convention_id   integer NOT NULL REFERENCES group_conventions (id),
    version         integer NOT NULL CHECK (version >= 1),
    status          text NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'voting', 'adopted', 'rejected', 'superseded')),
    note            text NOT NULL DEFAULT '',
    drafted_by      text NOT NULL,
    drafted_at      timestamptz NOT NULL DEFAULT now(),
    vote_opened_at  timestamptz,
    vote_closed_at  timestamptz,
    -- in force from (the day it was adopted); null until adopted
    in_force_on     date,
    -- the count when the vote closed: {"yes": .., "no": .., "abstain": .., "eligible": .., ...}
    tally           jsonb NOT NULL DEFAULT '{}'::jsonb,
    UNIQUE (convention_id, version)
);
-- One version in force per convention.
CREATE UNIQUE INDEX group_convention_in_force ON group_convention_versions (convention_id)
    WHERE status = 'adopted';

CREATE TABLE group_convention_clauses (
    id              serial PRIMARY KEY,
    version_id      integer NOT NULL REFERENCES group_convention_versions (id),
    number          integer NOT NULL CHECK (number >= 1),
    text_zh         text NOT NULL,
    text_en         text NOT NULL DEFAULT '',
    -- the dogs it binds: {"size_classes": ["large"], "fierce": true}; {} binds every dog
    binds           jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- the kinds of incident it governs (services/groups/model.py IncidentKind values)
    incident_kinds  text[] NOT NULL DEFAULT '{}',
    -- the duties such an incident creates: [{"kind": "apologise", "due_hours": 24}, ...]
    duties          jsonb NOT NULL DEFAULT '[]'::jsonb,
    UNIQUE (version_id, number)
);

CREATE TABLE group_convention_ballots (
    id          serial PRIMARY KEY,
    version_id  integer NOT NULL REFERENCES group_convention_versions (id),
    -- one ballot per member household or per member resident, as the group's ballot basis
    voter_key   text NOT NULL CHECK (voter_key ~ '^(household|resident):[0-9]+$'),
    member_id   integer NOT NULL REFERENCES group_members (id),
    choice      text NOT NULL CHECK (choice IN ('yes', 'no', 'abstain')),
    cast_by     text NOT NULL,
    cast_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (version_id, voter_key)
);
