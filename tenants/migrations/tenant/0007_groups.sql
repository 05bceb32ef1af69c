-- Resident groups (居民自治组织): self-governance associations (自治协会) such as the dog owners'
-- association (养犬自治协会), volunteer teams (义工队), elders' associations and others, and their
-- members (households or residents) with their roles. Records are kept: a dissolved group and
-- an ended membership stay readable. Enumerations are text + CHECK, never custom types.

CREATE TABLE groups (
    id                  serial PRIMARY KEY,
    kind                text NOT NULL
                        CHECK (kind IN ('self_governance', 'volunteer_team', 'elders', 'interest', 'other')),
    name_zh             text NOT NULL UNIQUE,
    name_en             text NOT NULL DEFAULT '',
    purpose             text NOT NULL DEFAULT '',
    founded_on          date NOT NULL,
    -- the matter whose resolution founded it (Donghai's dog association: a major matter)
    founding_matter_id  integer REFERENCES matters (id),
    -- one ballot per member household, or per member resident, in the group's votes
    ballot_basis        text NOT NULL DEFAULT 'household' CHECK (ballot_basis IN ('household', 'resident')),
    -- quorum/majority of the members' votes, as services/kernel/votes.py reads them; {} = default
    decision_rules      jsonb NOT NULL DEFAULT '{}'::jsonb,
    dissolved_on        date,
    dissolved_reason    text NOT NULL DEFAULT '',
    registered_by       text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX groups_founding_matter ON groups (founding_matter_id) WHERE founding_matter_id IS NOT NULL;

CREATE TABLE group_members (
    id              serial PRIMARY KEY,
    group_id        integer NOT NULL REFERENCES groups (id),
    household_id    integer NOT NULL REFERENCES households (id),
    -- the person: required for a leader or core member, and for a member in their own name
    resident_id     integer REFERENCES residents (id),
    role            text NOT NULL DEFAULT 'member' CHECK (role IN ('leader', 'core', 'member')),
    joined_on       date NOT NULL,
    left_on         date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (role = 'member' OR resident_id IS NOT NULL),
    CHECK (left_on IS NULL OR left_on >= joined_on)
);
-- At most one current membership per household (in its own name) and per resident.
CREATE UNIQUE INDEX group_members_household_current ON group_members (group_id, household_id)
    WHERE left_on IS NULL AND resident_id IS NULL;
CREATE UNIQUE INDEX group_members_resident_current ON group_members (group_id, resident_id)
    WHERE left_on IS NULL AND resident_id IS NOT NULL;
CREATE INDEX group_members_group ON group_members (group_id, id);
CREATE INDEX group_members_household ON group_members (household_id);
