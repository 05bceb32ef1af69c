-- The dog owners' association (养犬自治协会): each member household's dogs, incidents (a bite 犬只
-- 伤人, nuisance barking, fouling, ...) recorded against a member (and a dog), and the duties a
-- convention's clauses make the member owe (apologise, hospital at once, advance the costs),
-- each with a due time, a state and evidence; a duty left unfulfilled past due can be
-- escalated into a matter (matter_id), one case identity.

CREATE TABLE group_dogs (
    id              serial PRIMARY KEY,
    group_id        integer NOT NULL REFERENCES groups (id),
    household_id    integer NOT NULL REFERENCES households (id),
    name            text NOT NULL,
    breed           text NOT NULL DEFAULT '',
    size_class      text NOT NULL CHECK (size_class IN ('small', 'medium', 'large')),
    -- a restricted or fierce breed (烈性犬)
    fierce          boolean NOT NULL DEFAULT false,
    -- the last vaccination (免疫日期); null when none is recorded
    vaccinated_on   date,
    -- the dog licence number (犬证号); null for an unregistered dog
    license_no      text,
    registered_by   text NOT NULL,
    registered_at   timestamptz NOT NULL DEFAULT now(),
    removed_on      date,
    removed_reason  text NOT NULL DEFAULT ''
);
CREATE INDEX group_dogs_group ON group_dogs (group_id, id);
CREATE INDEX group_dogs_household ON group_dogs (household_id);

CREATE TABLE group_incidents (
    id              serial PRIMARY KEY,
    group_id        integer NOT NULL REFERENCES groups (id),
    kind            text NOT NULL
                    CHECK (kind IN ('dog_bite', 'barking', 'fouling', 'off_leash', 'other')),
    member_id       integer NOT NULL REFERENCES group_members (id),
    dog_id          integer REFERENCES group_dogs (id),
    place           text NOT NULL DEFAULT '',
    occurred_at     timestamptz NOT NULL,
    -- the injured or affected party, as told (a name, a neighbour, a passer-by)
    affected_party  text NOT NULL DEFAULT '',
    description     text NOT NULL DEFAULT '',
    recorded_by     text NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX group_incidents_group ON group_incidents (group_id, occurred_at DESC);

CREATE TABLE group_duties (
    id              serial PRIMARY KEY,
    incident_id     integer NOT NULL REFERENCES group_incidents (id),
    member_id       integer NOT NULL REFERENCES group_members (id),
    kind            text NOT NULL
                    CHECK (kind IN ('apologise', 'hospital', 'advance_costs', 'compensate', 'other')),
    -- the clause (of the convention version in force at the incident) that created it
    clause_number   integer NOT NULL,
    version_id      integer REFERENCES group_convention_versions (id),
    due_at          timestamptz NOT NULL,
    state           text NOT NULL DEFAULT 'owed' CHECK (state IN ('owed', 'fulfilled', 'refused')),
    evidence        text NOT NULL DEFAULT '',
    settled_by      text,
    settled_at      timestamptz,
    -- the matter it was escalated into (a minor matter for mediation, or a major one)
    matter_id       integer REFERENCES matters (id),
    escalated_by    text,
    escalated_at    timestamptz
);
CREATE INDEX group_duties_incident ON group_duties (incident_id);
CREATE INDEX group_duties_open ON group_duties (state, due_at) WHERE state = 'owed';
