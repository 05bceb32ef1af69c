-- Elections of a group's core (骨干): a term, seats, candidates who are members, one ballot per
-- member (household or resident, as the group's ballot basis), a quorum, a count with the
-- shared vote kernel (services/kernel/votes.py), a runoff among the tied, published results.
-- The elected take their seats for the term: group_core_terms says who sits on the core when.

CREATE TABLE group_elections (
    id                  serial PRIMARY KEY,
    group_id            integer NOT NULL REFERENCES groups (id),
    title               text NOT NULL DEFAULT '',
    term_starts_on      date NOT NULL,
    term_ends_on        date NOT NULL,
    seats               integer NOT NULL CHECK (seats BETWEEN 1 AND 50),
    votes_per_ballot    integer NOT NULL CHECK (votes_per_ballot BETWEEN 1 AND 50),
    status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'published')),
    -- a runoff among the candidates tied for the last seats of the election it continues
    runoff_of           integer REFERENCES group_elections (id),
    opened_by           text NOT NULL,
    opened_at           timestamptz NOT NULL DEFAULT now(),
    closed_at           timestamptz,
    published_at        timestamptz,
    -- the count when it closed: counts per candidate, eligible, cast, elected, tied, ...
    result              jsonb NOT NULL DEFAULT '{}'::jsonb,
    CHECK (term_ends_on > term_starts_on)
);
CREATE INDEX group_elections_group ON group_elections (group_id, id);

CREATE TABLE group_election_candidates (
    id          serial PRIMARY KEY,
    election_id integer NOT NULL REFERENCES group_elections (id),
    member_id   integer NOT NULL REFERENCES group_members (id),
    UNIQUE (election_id, member_id)
);

CREATE TABLE group_election_ballots (
    id          serial PRIMARY KEY,
    election_id integer NOT NULL REFERENCES group_elections (id),
    voter_key   text NOT NULL CHECK (voter_key ~ '^(household|resident):[0-9]+$'),
    member_id   integer NOT NULL REFERENCES group_members (id),
    -- the candidates (group_election_candidates.id) the ballot names, in the voter's order
    choices     integer[] NOT NULL,
    cast_by     text NOT NULL,
    cast_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (election_id, voter_key)
);

CREATE TABLE group_core_terms (
    id          serial PRIMARY KEY,
    group_id    integer NOT NULL REFERENCES groups (id),
    election_id integer NOT NULL REFERENCES group_elections (id),
    member_id   integer NOT NULL REFERENCES group_members (id),
    starts_on   date NOT NULL,
    ends_on     date NOT NULL,
    UNIQUE (election_id, member_id)
);
CREATE INDEX group_core_terms_group ON group_core_terms (group_id, starts_on);
