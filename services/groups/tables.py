"""Tenant tables of the groups context (no schema: the tenant transaction decides)."""

from __future__ import annotations

from piccolo.columns import JSONB, Array, Boolean, Date, Integer, Serial, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.db import ENGINE


class Group(Table, tablename="groups", db=ENGINE):
    """A resident group (居民自治组织) of the community: kind, names, purpose, founding.

    Dissolving keeps the record (``dissolved_on``); the name is unique in the community,
    since referrals name groups.
    """

    id = Serial(primary_key=True)
    kind = Text()
    name_zh = Text(unique=True)
    name_en = Text(default="")
    purpose = Text(default="")
    founded_on = Date()
    founding_matter_id = Integer(null=True, default=None)
    ballot_basis = Text(default="household")
    decision_rules = JSONB(default={})
    dissolved_on = Date(null=True, default=None)
    dissolved_reason = Text(default="")
    registered_by = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class GroupMember(Table, tablename="group_members", db=ENGINE):
    """A household's (or a resident's) membership of a group, with its role and dates.

    Ended memberships stay (``left_on``): the history of who was in the group is kept.
    """

    id = Serial(primary_key=True)
    group_id = Integer()
    household_id = Integer()
    resident_id = Integer(null=True, default=None)
    role = Text(default="member")
    joined_on = Date()
    left_on = Date(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class GroupConvention(Table, tablename="group_conventions", db=ENGINE):
    """A group's self-governance convention (自治公约), e.g. 《居民宠物豢养自治公约》."""

    id = Serial(primary_key=True)
    group_id = Integer()
    title_zh = Text()
    title_en = Text(default="")
    created_by = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class GroupConventionVersion(Table, tablename="group_convention_versions", db=ENGINE):
    """A version of a convention: drafted, put to the members' vote, adopted (in force) or
    rejected; an adopted version is superseded by the next one adopted, and stays readable."""

    id = Serial(primary_key=True)
    convention_id = Integer()
    version = Integer()
    status = Text(default="draft")
    note = Text(default="")
    drafted_by = Text()
    drafted_at = Timestamptz(default=TimestamptzNow())
    vote_opened_at = Timestamptz(null=True, default=None)
    vote_closed_at = Timestamptz(null=True, default=None)
    in_force_on = Date(null=True, default=None)
    tally = JSONB(default={})


class GroupConventionClause(Table, tablename="group_convention_clauses", db=ENGINE):
    """A numbered clause of a version: its text, the dogs it binds, the incidents it
    governs and the duties they create (services/groups/model.py Clause)."""

    id = Serial(primary_key=True)
    version_id = Integer()
    number = Integer()
    text_zh = Text()
    text_en = Text(default="")
    binds = JSONB(default={})
    incident_kinds = Array(base_column=Text(), default=list)
    duties = JSONB(default=[])


class GroupConventionBallot(Table, tablename="group_convention_ballots", db=ENGINE):
    """A member's ballot (yes/no/abstain) on adopting a version: one per member household or
    member resident (the group's ballot basis)."""

    id = Serial(primary_key=True)
    version_id = Integer()
    voter_key = Text()
    member_id = Integer()
    choice = Text()
    cast_by = Text()
    cast_at = Timestamptz(default=TimestamptzNow())


# Dogs, incidents, duties
class GroupDog(Table, tablename="group_dogs", db=ENGINE):
    """A member household's dog in the association's register: name, breed, size class,
    fierce breed (烈性犬), last vaccination (免疫日期), licence number (犬证号).

    Removing a dog (died, rehomed, moved away) keeps the record (``removed_on``): incidents
    name it.
    """

    id = Serial(primary_key=True)
    group_id = Integer()
    household_id = Integer()
    name = Text()
    breed = Text(default="")
    size_class = Text()
    fierce = Boolean(default=False)
    vaccinated_on = Date(null=True, default=None)
    license_no = Text(null=True, default=None)
    registered_by = Text()
    registered_at = Timestamptz(default=TimestamptzNow())
    removed_on = Date(null=True, default=None)
    removed_reason = Text(default="")


class GroupIncident(Table, tablename="group_incidents", db=ENGINE):
    """What happened (a bite 犬只伤人, barking, fouling, ...), recorded against a member and,
    for dogs, one of their household's dogs: where, when, and who was affected."""

    id = Serial(primary_key=True)
    group_id = Integer()
    kind = Text()
    member_id = Integer()
    dog_id = Integer(null=True, default=None)
    place = Text(default="")
    occurred_at = Timestamptz()
    affected_party = Text(default="")
    description = Text(default="")
    recorded_by = Text()
    recorded_at = Timestamptz(default=TimestamptzNow())


class GroupDuty(Table, tablename="group_duties", db=ENGINE):
    """A duty (义务) an incident makes the member owe under a clause of the convention in
    force: due time, state (owed/fulfilled/refused), evidence; and the matter it was
    escalated into when left unfulfilled past due (one case identity)."""

    id = Serial(primary_key=True)
    incident_id = Integer()
    member_id = Integer()
    kind = Text()
    clause_number = Integer()
    version_id = Integer(null=True, default=None)
    due_at = Timestamptz()
    state = Text(default="owed")
    evidence = Text(default="")
    settled_by = Text(null=True, default=None)
    settled_at = Timestamptz(null=True, default=None)
    matter_id = Integer(null=True, default=None)
    escalated_by = Text(null=True, default=None)
    escalated_at = Timestamptz(null=True, default=None)


# Elections ---------------------------------------------------------------------------------
class GroupElection(Table, tablename="group_elections", db=ENGINE):
    """An election of a group's core (骨干) for a term: seats, votes per ballot, status
    (open → closed (counted) → published), the count kept as ``result``; ``runoff_of``: the
    election whose tie for the last seats this runoff (决选) settles."""

    id = Serial(primary_key=True)
    group_id = Integer()
    title = Text(default="")
    term_starts_on = Date()
    term_ends_on = Date()
    seats = Integer()
    votes_per_ballot = Integer()
    status = Text(default="open")
    runoff_of = Integer(null=True, default=None)
    opened_by = Text()
    opened_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)
    published_at = Timestamptz(null=True, default=None)
    result = JSONB(default={})


class GroupElectionCandidate(Table, tablename="group_election_candidates", db=ENGINE):
    """A candidate (候选人) in an election: a membership of the group, once per election."""

    id = Serial(primary_key=True)
    election_id = Integer()
    member_id = Integer()


class GroupElectionBallot(Table, tablename="group_election_ballots", db=ENGINE):
    """A ballot (选票): one per voter key (``household:<id>`` or ``resident:<id>``, the
    group's ballot basis) per election, naming candidates by their candidate ids;
    ``cast_by``: the voter's login, or the staff member who recorded a paper ballot."""

    id = Serial(primary_key=True)
    election_id = Integer()
    voter_key = Text()
    member_id = Integer()
    choices = Array(base_column=Integer())
    cast_by = Text()
    cast_at = Timestamptz(default=TimestamptzNow())


class GroupCoreTerm(Table, tablename="group_core_terms", db=ENGINE):
    """A seat on the core for a term (任期), written when an election's results are
    published: the member counts as core from ``starts_on`` to ``ends_on`` (inclusive)."""

    id = Serial(primary_key=True)
    group_id = Integer()
    election_id = Integer()
    member_id = Integer()
    starts_on = Date()
    ends_on = Date()
