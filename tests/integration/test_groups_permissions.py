"""The permission matrix of resident groups (every group query and mutation × every caller).

Callers: the seven token roles (a resident here is one whose household is in no group), the
roles a group gives as DATA (its leader 负责人, a core member 骨干, a member seated on the
core by an election, a plain member, another resident of the plain member's household, a
former member who left), and a cadre of
ANOTHER community, naming this community (``other_cadre``) or their own
(``other_cadre_home``: they ask their own community for this community's ids).

The expected tables are written out here, not read from services.groups, so a change to a
rule has to change this test too (docs/groups.md shows the same matrix). Outcomes:

* ``OK``: the success type; the act wrote (the community's records changed).
* ``FORBIDDEN``: ForbiddenError (a caller who may see the target but not do this).
* ``HIDDEN``: the typed not-found answer, byte-identical to the answer the same caller gets
  for an id that names nothing — the target's existence does not leak.
* ``NOT_MEMBER``: NotAGroupMemberError (staff casting "their own" ballot: they have none).

A refusal writes nothing: every group table, the referrals, the matters and the audit log
of both communities are the same before and after. Queries: ``OK`` shows the target,
``NULL`` is a field that answers null on a group the caller sees, ``OWN`` (the dogs
register) shows the caller's own household's dogs only, ``HIDDEN`` answers as for a group
(or household) that does not exist.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLObjectType, build_ast_schema, get_named_type, parse

from services import localtime
from services.auth.model import Principal, Role
from services.grids.handlers import create_grid
from services.groups import conventions, dogs, elections, referrals
from services.groups import handlers as groups
from services.groups.model import (
    Clause,
    ClauseDraft,
    DutyKind,
    DutySpec,
    GroupKind,
    GroupRole,
    IncidentKind,
    SizeClass,
)
from services.groups.queries import clause_json
from services.households import handlers as hh
from services.matters import handlers as matters
from services.matters.model import Channel, MatterKind, MatterStatus
from services.matters.rows import MatterRow
from services.matters.tables import Matter
from services.settings import Settings
from tenants.tx import tenant_tx
from tests.integration.groups_support import homes_with_residents, person, schema_runner
from workers import registry

ROOT = Path(__file__).resolve().parents[2]
A, B = "alpha", "beta"
FOUNDED = date(2026, 1, 10)
MISSING = "987654321"  # an id that names nothing in either community
_n = itertools.count(1)

# -- callers ---------------------------------------------------------------------------------
CADRE, GRID, COUNCIL, RESIDENT = "community_cadre", "grid_worker", "council_member", "resident"
ADMIN, LEADER_C, OFFICER = "county_admin", "county_leader", "department_officer"
G_LEADER, G_CORE, G_MEMBER, G_HOME, G_FORMER = "leader", "core", "member", "household", "former"
G_ELECTED = "elected_core"  # a member seated on the core by an election (stored role: member)
X_CADRE, X_HOME = "other_cadre", "other_cadre_home"
CALLERS = (
    CADRE, GRID, COUNCIL, RESIDENT, ADMIN, LEADER_C, OFFICER,
    G_LEADER, G_CORE, G_ELECTED, G_MEMBER, G_HOME, G_FORMER, X_CADRE, X_HOME,
)  # fmt: skip
STAFF = frozenset({GRID, COUNCIL, ADMIN, LEADER_C})  # read every record, manage no group
MANAGERS = frozenset({CADRE, G_LEADER, G_CORE, G_ELECTED})
LEADS = MANAGERS - {CADRE}  # the group's leader and core (data, not token roles)
MEMBERS = frozenset({G_MEMBER, G_HOME})  # the plain member and their household's resident
OUTSIDE = frozenset({RESIDENT, G_FORMER})  # residents who are not (or no longer) members
ELSEWHERE = frozenset({OFFICER, X_CADRE, X_HOME})  # who may not see this community's groups

OK, FORBIDDEN, HIDDEN, NOT_MEMBER = "ok", "forbidden", "hidden", "not_a_member"
NULL, OWN = "null", "own"


def row(**outcomes: frozenset[str] | set[str]) -> dict[str, str]:
    """caller → outcome, from outcome → callers (each caller named exactly once)."""
    out: dict[str, str] = {}
    for outcome, callers in outcomes.items():
        for caller in callers:
            assert caller not in out, caller
            out[caller] = outcome.lower()
    assert set(out) == set(CALLERS), set(CALLERS) ^ set(out)
    return out


_MANAGE = row(
    OK=MANAGERS, FORBIDDEN=STAFF | MEMBERS, HIDDEN=OUTSIDE | ELSEWHERE
)  # the group's leader and core, the community's cadres: members, elections, drafts, incidents
_CADRES_ONLY = row(
    OK={CADRE},
    FORBIDDEN=STAFF | LEADS | {RESIDENT, G_FORMER} | MEMBERS,
    HIDDEN=ELSEWHERE,
)
_OWN_BALLOT = row(OK=LEADS | MEMBERS, NOT_A_MEMBER=STAFF | {CADRE}, HIDDEN=OUTSIDE | ELSEWHERE)
_PAPER_BALLOT = row(
    OK={CADRE, GRID},
    FORBIDDEN={COUNCIL, ADMIN, LEADER_C} | LEADS | MEMBERS,
    HIDDEN=OUTSIDE | ELSEWHERE,
)
_REFERRAL_ACT = row(OK=MANAGERS, FORBIDDEN=STAFF, HIDDEN=MEMBERS | OUTSIDE | ELSEWHERE)
_OWN_HOUSEHOLD = row(OK=MANAGERS | MEMBERS, HIDDEN=STAFF | OUTSIDE | ELSEWHERE)

# operation → caller → outcome (the written-out matrix; the targets are the plain member's
# household's dog and duty, the group's memberships, referrals, conventions and elections).
EXPECTED: dict[str, dict[str, str]] = {
    "registerGroup": row(
        OK={CADRE, X_HOME},  # beta's cadre registers a group of beta
        FORBIDDEN=STAFF | LEADS | {RESIDENT, G_FORMER} | MEMBERS,
        HIDDEN={OFFICER, X_CADRE},
    ),
    "dissolveGroup": _CADRES_ONLY,
    "addGroupMember": _MANAGE,
    "endGroupMembership": _MANAGE,
    "setGroupMemberRole": _MANAGE,
    "referMatterToGroup": row(
        OK={CADRE, GRID},
        FORBIDDEN={COUNCIL, ADMIN, LEADER_C, RESIDENT, G_FORMER} | LEADS | MEMBERS,
        HIDDEN=ELSEWHERE,
    ),
    "acceptGroupReferral": _REFERRAL_ACT,
    "declineGroupReferral": _REFERRAL_ACT,
    "completeGroupReferral": _REFERRAL_ACT,
    "registerDog": row(
        OK=MANAGERS | MEMBERS, FORBIDDEN=STAFF, HIDDEN=OUTSIDE | ELSEWHERE
    ),  # for the member's own household
    "updateDog": _OWN_HOUSEHOLD,
    "removeDog": _OWN_HOUSEHOLD,
    "recordGroupIncident": _MANAGE,
    "settleGroupDuty": _OWN_HOUSEHOLD,
    "escalateGroupDuty": _CADRES_ONLY,  # RECLASSIFY (cadres, grid workers) and manages it
    "createGroupConvention": _MANAGE,
    "amendGroupConvention": _MANAGE,
    "editGroupConventionDraft": _MANAGE,
    "openGroupConventionVote": _MANAGE,
    "castGroupConventionBallot": _OWN_BALLOT,
    "castGroupConventionBallot(paper)": _PAPER_BALLOT,
    "closeGroupConventionVote": _MANAGE,
    "openGroupElection": _MANAGE,
    "castGroupElectionBallot": _OWN_BALLOT,
    "castGroupElectionBallot(paper)": _PAPER_BALLOT,
    "closeGroupElection": _MANAGE,
    "publishGroupElection": _MANAGE,
}

_READERS = MANAGERS | STAFF | MEMBERS  # members, cadres and staff read the group's record
_DIRECTORY = row(OK=_READERS | OUTSIDE, HIDDEN=ELSEWHERE)
_READ = row(OK=_READERS, NULL=OUTSIDE, HIDDEN=ELSEWHERE)
EXPECTED_QUERIES: dict[str, dict[str, str]] = {
    "groups": _DIRECTORY,
    "group": _DIRECTORY,
    "Group.members": _READ,
    "Group.referrals": row(OK=MANAGERS | STAFF, NULL=MEMBERS | OUTSIDE, HIDDEN=ELSEWHERE),
    "Group.dogs": row(OK=MANAGERS, OWN=STAFF | MEMBERS | OUTSIDE, HIDDEN=ELSEWHERE),
    "Group.overdueVaccinations": row(OK=MANAGERS, NULL=STAFF | MEMBERS | OUTSIDE, HIDDEN=ELSEWHERE),
    "Group.incidents": _READ,
    "Group.incident": _READ,
    "Group.conventions": _READ,
    "Group.convention": _READ,
    "Group.conventionsInForce": _DIRECTORY,
    "Group.elections": _READ,
    "Group.election": _READ,
    "Group.currentCore": _READ,
    # The plain member's household: staff read any household, a resident their own.
    "Household.groupMemberships": row(
        OK=STAFF | {CADRE} | MEMBERS, NULL=LEADS | OUTSIDE, HIDDEN=ELSEWHERE
    ),
    "Household.dogs": row(OK=STAFF | {CADRE} | MEMBERS, NULL=LEADS | OUTSIDE, HIDDEN=ELSEWHERE),
}


@pytest.fixture(autouse=True)
def major_topic() -> Iterator[None]:
    """Classifying a matter may write `matter.major` (routing's actor consumes it)."""
    registry.load_actor_modules()
    if "matter.major" in registry.topics():
        yield
        return
    spec = registry.ActorSpec("tests.group_permissions_major", lambda **_: None)
    with registry.declared(spec, topic_map={"matter.major": "tests.group_permissions_major"}):
        yield


@pytest.fixture(scope="module")
def gql(settings):
    return schema_runner(settings)


# -- the arrangement -------------------------------------------------------------------------
# The convention in force: barking owes an apology within a day (the duties' source).
DUTY_CLAUSES = [
    Clause(
        1,
        "犬吠扰民的，犬主应主动道歉",
        incident_kinds=frozenset({IncidentKind.BARKING}),
        duties=(DutySpec(DutyKind.APOLOGISE, 24),),
    )
]
PLAIN_CLAUSES = [Clause(1, "文明养犬")]
DRAFT = (ClauseDraft(1, "文明养犬，出门拴绳"),)
CLAUSE_INPUT = [{"number": 1, "textZh": "文明养犬，出门拴绳"}]

# Tables whose every row is compared before and after a refusal (both communities).
WATCHED = (
    "groups", "group_members", "group_dogs", "group_incidents", "group_duties",
    "group_conventions", "group_convention_versions", "group_convention_clauses",
    "group_convention_ballots", "group_elections", "group_election_candidates",
    "group_election_ballots", "group_core_terms", "referrals", "matters", "audit_log",
)  # fmt: skip
# Ids an act names: beta's are moved far above alpha's, so an alpha id names nothing in beta.
SEPARATED = (
    "groups", "group_members", "group_dogs", "group_incidents", "group_duties",
    "group_conventions", "group_convention_versions", "group_elections", "referrals",
    "households", "residents",
)  # fmt: skip


@dataclass
class World:
    settings: Settings
    tag: str
    group: int
    homes: list[int]  # 0 leader, 1 core, 2 member, 3 former member, 4 resident, 5 spare,
    # 6 the elected core member's
    subjects: dict[str, str]  # caller → login subject (the data roles)
    grid: int
    members: dict[int, int]  # memberships of homes 0, 1, 2, 3 (ended), 5 and 6
    dogs: dict[int, int]  # shared dogs: id → household
    shared: dict[str, int] = field(default_factory=dict)  # shared targets by name

    def caller(self, name: str) -> tuple[Principal, str]:
        """The principal and the community it names."""
        if name == X_CADRE:
            return person(Role.COMMUNITY_CADRE, B), A
        if name == X_HOME:
            return person(Role.COMMUNITY_CADRE, B), B
        if name in self.subjects:
            return person(Role.RESIDENT, A, subject=self.subjects[name]), A
        if name == RESIDENT:
            return person(Role.RESIDENT, A, subject=self.subjects["_outsider"]), A
        return person(Role(name), A), A

    def home_of(self, name: str) -> int | None:
        return {
            G_LEADER: self.homes[0],
            G_CORE: self.homes[1],
            G_MEMBER: self.homes[2],
            G_HOME: self.homes[2],
            G_FORMER: self.homes[3],
            RESIDENT: self.homes[4],
            G_ELECTED: self.homes[6],
        }.get(name)


CADRE_A = person(Role.COMMUNITY_CADRE, A)


async def _separate_ids() -> None:
    """Every id alpha gives from now on is above every id either community holds, and
    beta's next ids are a million above that: an alpha id names nothing in beta."""
    for table in SEPARATED:
        tops = []
        for slug in (A, B):
            async with tenant_tx(slug) as tx:
                tops.append(
                    await tx.connection.fetchval(
                        f"SELECT greatest((SELECT coalesce(max(id), 0) FROM {table}), "
                        f"coalesce(pg_sequence_last_value("
                        f"pg_get_serial_sequence('{table}', 'id')::regclass), 0))"
                    )
                )
        top = max(tops)
        for slug, at in ((A, top + 1), (B, top + 1_000_000)):
            async with tenant_tx(slug) as tx:
                await tx.connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), $1)", at
                )


async def _adopted(group_id: int, clauses: list[Clause]) -> tuple[int, int]:
    """A convention whose version 1 is in force (as the conventions slice stores one)."""
    async with tenant_tx(A) as tx:
        conn = tx.connection
        convention = await conn.fetchval(
            "INSERT INTO group_conventions (group_id, title_zh, created_by) "
            "VALUES ($1, $2, 'test') RETURNING id",
            group_id,
            f"自治公约 {secrets.token_hex(4)}",
        )
        version = await conn.fetchval(
            "INSERT INTO group_convention_versions (convention_id, version, status, "
            "drafted_by, in_force_on) VALUES ($1, 1, 'adopted', 'test', $2) RETURNING id",
            convention,
            FOUNDED,
        )
        for c in clauses:
            binds, kinds, duties = clause_json(c)
            await conn.execute(
                "INSERT INTO group_convention_clauses (version_id, number, text_zh, binds, "
                "incident_kinds, duties) VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb)",
                version, c.number, c.text_zh, binds, kinds, duties,
            )  # fmt: skip
    return convention, version


async def _draft(w: World) -> int:
    """A new convention's draft (version 1): its version id."""
    made = await conventions.create_convention(
        CADRE_A, A, w.group, conventions.ConventionInput(f"公约 {next(_n)} {w.tag}", DRAFT)
    )
    return made.versions[0].version.id


async def _voting(w: World) -> int:
    """A new convention's version 1, put to the members' vote."""
    version = await _draft(w)
    await conventions.open_convention_vote(CADRE_A, A, version)
    return version


async def _election(w: World, *, closed: bool = False) -> int:
    """An open (or counted) election of one seat, the leader and the core as candidates,
    for a year of its own (terms of live elections may not overlap)."""
    year = 2100 + next(_n)
    made = await elections.open_election(
        CADRE_A,
        A,
        w.group,
        elections.ElectionInput(
            f"骨干选举 {year}",
            date(year, 1, 1),
            date(year, 12, 31),
            1,
            1,
            (w.members[0], w.members[1]),
        ),
    )
    election_id = made.election.id
    if closed:
        await elections.close_election(CADRE_A, A, election_id)
    return election_id


async def _matter(w: World) -> int:
    """A private matter of the spare household, decided by the council."""
    registered = await matters.register_request(
        CADRE_A,
        A,
        matters.RegisterRequestInput(
            household_id=w.homes[5],
            channel=Channel.HOME_VISIT,
            category="elderly_care",
            title="每月上门量血压",
            description="独居老人希望每月有人上门量血压",
            occurred_on=date(2026, 3, 2),
        ),
        w.settings,
    )
    async with tenant_tx(A) as tx:
        found = (await Matter.select().where(Matter.id == registered.id).run())[0]
        waiting = await matters.transition_in_tx(
            tx, CADRE_A, MatterRow(**found), MatterStatus.AWAITING_COUNCIL
        )
        await matters.classify_in_tx(tx, CADRE_A, waiting, MatterKind.PRIVATE, reasoning="私事")
    return registered.id


async def _referral(w: World, *, accepted: bool = False) -> int:
    made = await referrals.refer_matter_to_group(CADRE_A, A, await _matter(w), w.group)
    if accepted:
        await referrals.accept_referral(CADRE_A, A, made.referral.id)
    return made.referral.id


async def _duty(w: World, *, hours_ago: float = 2) -> int:
    """An owed duty of the plain member's household (barking, that long ago)."""
    found = await dogs.record_incident(
        CADRE_A,
        A,
        w.group,
        dogs.IncidentInput(
            IncidentKind.BARKING,
            w.members[2],
            datetime.now(UTC) - timedelta(hours=hours_ago),
        ),
    )
    return found.duties[0].duty.id


async def _dog(w: World) -> int:
    made = await dogs.register_dog(
        CADRE_A, A, w.group, dogs.DogInput(w.homes[2], f"狗{next(_n)}", SizeClass.SMALL)
    )
    return made.dog.id


async def _household(w: World, *, resident: bool = False) -> tuple[int, int | None]:
    """A household of alpha in no group (and a resident of it)."""
    n = next(_n)
    home = await hh.create_household(
        CADRE_A, A, hh.HouseholdInput(w.grid, f"权限巷 {n} 号 {w.tag}", 1), w.settings
    )
    if not resident:
        return home.id, None
    r = await hh.add_resident(
        CADRE_A, A, home.id, hh.ResidentInput(f"居民{n}", "13800000000", None), w.settings
    )
    return home.id, r.id


async def _membership(w: World, *, resident: bool = False) -> int:
    """A current membership of a new household (naming its resident)."""
    home, person_id = await _household(w, resident=resident)
    made = await groups.add_member(
        CADRE_A, A, w.group, groups.MemberInput(home, FOUNDED, resident_id=person_id)
    )
    return made.member.id


@pytest.fixture(scope="module")
async def world(settings, communities) -> World:
    await _separate_ids()
    tag = secrets.token_hex(3)
    grid = (await create_grid(CADRE_A, A, f"pm-{tag}", "权限网格")).id
    made = await homes_with_residents(
        settings, CADRE_A, A, grid, 7,
        address=f"权限路 {{i}} 号 {tag}", name="居民{i}", subject=f"perm-{{i}}-{tag}",
    )  # fmt: skip
    second = f"perm-2b-{tag}"
    await hh.add_resident(
        CADRE_A, A, made.homes[2], hh.ResidentInput("同户居民", "13800000001", second), settings
    )
    subjects = {
        G_LEADER: made.subjects[0],
        G_CORE: made.subjects[1],
        G_MEMBER: made.subjects[2],
        G_HOME: second,
        G_FORMER: made.subjects[3],
        G_ELECTED: made.subjects[6],
        "_outsider": made.subjects[4],
    }
    group = await groups.register_group(
        CADRE_A, A, groups.GroupInput(GroupKind.SELF_GOVERNANCE, f"养犬自治协会 {tag}", FOUNDED)
    )
    gid = group.group.id
    roles = {0: GroupRole.LEADER, 1: GroupRole.CORE, 2: GroupRole.MEMBER, 3: GroupRole.MEMBER}
    roles[5] = roles[6] = GroupRole.MEMBER
    members: dict[int, int] = {}
    for i, role in roles.items():
        m = await groups.add_member(
            CADRE_A,
            A,
            gid,
            groups.MemberInput(made.homes[i], FOUNDED, resident_id=made.residents[i], role=role),
        )
        members[i] = m.member.id
    await groups.end_membership(CADRE_A, A, members[3], date(2026, 2, 1))
    w = World(settings, tag, gid, made.homes, subjects, grid, members, {})
    _, in_force = await _adopted(gid, DUTY_CLAUSES)
    for i in (0, 2):  # the leader's dog and the plain member's
        dog = await dogs.register_dog(
            CADRE_A, A, gid, dogs.DogInput(made.homes[i], f"大黄{i}", SizeClass.LARGE)
        )
        w.dogs[dog.dog.id] = made.homes[i]
    w.shared = {
        "dog": next(d for d, h in w.dogs.items() if h == made.homes[2]),
        "duty": await _duty(w, hours_ago=100),  # owed, past due
        "convention": (await _adopted(gid, PLAIN_CLAUSES))[0],
        "in_force": in_force,
        "draft": await _draft(w),
        "voting": await _voting(w),
        "election": await _election(w),
        "closed_election": await _election(w, closed=True),
        "referred": await _referral(w),
        "accepted": await _referral(w, accepted=True),
    }
    today = localtime.today()
    async with tenant_tx(A) as tx:
        w.shared["incident"] = await tx.connection.fetchval(
            "SELECT incident_id FROM group_duties WHERE id = $1", w.shared["duty"]
        )
        # Home 6's resident sits on the core for a term covering today (as a published
        # election's results seat them; the counting itself is test_groups_elections').
        await tx.connection.execute(
            "INSERT INTO group_core_terms (group_id, election_id, member_id, starts_on, "
            "ends_on) VALUES ($1, $2, $3, $4, $5)",
            gid, w.shared["closed_election"], members[6],
            today - timedelta(days=30), today + timedelta(days=300),
        )  # fmt: skip
    return w


async def digest() -> list[Any]:
    """Every row of the watched tables of both communities (as md5 digests)."""
    columns = ", ".join(
        f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {t} t)"
        for t in WATCHED
    )
    out: list[Any] = []
    for slug in (A, B):
        async with tenant_tx(slug, snapshot=True) as tx:
            out.extend(await tx.connection.fetchrow(f"SELECT {columns}"))
    return out


# -- the mutations ---------------------------------------------------------------------------
def _doc(name: str, params: str, args: str) -> str:
    return (
        f"mutation($c: String!, {params}) {{ op: {name}(community: $c, {args}) "
        "{ __typename ... on Error { code message messageEn } } }"
    )


@dataclass(frozen=True)
class Mut:
    """A mutation: its document, the variable naming its target (swapped for an id that
    names nothing to compare a hidden answer), its success type, and the variables for a
    caller (``fresh``: a new target for one who may act; else the shared one)."""

    doc: str
    target: str | None  # None: no target id (a hidden answer is a missing community's)
    success: str
    variables: Callable[[World, bool], Awaitable[dict[str, Any]]]


def _today(back: int = 0) -> str:
    return (localtime.today() - timedelta(days=back)).isoformat()


async def _v_register(w: World, fresh: bool) -> dict[str, Any]:
    return {
        "input": {
            "kind": "VOLUNTEER_TEAM",
            "nameZh": f"义工队 {w.tag} {next(_n)}",
            "foundedOn": FOUNDED.isoformat(),
        }
    }


async def _v_dissolve(w: World, fresh: bool) -> dict[str, Any]:
    if not fresh:
        return {"g": str(w.group)}
    made = await groups.register_group(
        CADRE_A, A, groups.GroupInput(GroupKind.OTHER, f"临时组织 {w.tag} {next(_n)}", FOUNDED)
    )
    return {"g": str(made.group.id)}


async def _v_add(w: World, fresh: bool) -> dict[str, Any]:
    home, _ = await _household(w)
    return {"g": str(w.group), "input": {"householdId": str(home), "joinedOn": _today()}}


async def _v_end(w: World, fresh: bool) -> dict[str, Any]:
    member = await _membership(w) if fresh else w.members[5]
    return {"m": str(member), "on": _today()}


async def _v_role(w: World, fresh: bool) -> dict[str, Any]:
    member = await _membership(w, resident=True) if fresh else w.members[5]
    return {"m": str(member)}


async def _v_refer(w: World, fresh: bool) -> dict[str, Any]:
    return {"m": str(await _matter(w)), "g": str(w.group)}


def _v_referral(accepted: bool) -> Callable[[World, bool], Awaitable[dict[str, Any]]]:
    async def make(w: World, fresh: bool) -> dict[str, Any]:
        key = "accepted" if accepted else "referred"
        return {"r": str(await _referral(w, accepted=accepted) if fresh else w.shared[key])}

    return make


async def _v_register_dog(w: World, fresh: bool) -> dict[str, Any]:
    return {
        "g": str(w.group),
        "input": {"householdId": str(w.homes[2]), "name": f"小白{next(_n)}", "sizeClass": "SMALL"},
    }


async def _v_update_dog(w: World, fresh: bool) -> dict[str, Any]:
    return {"d": str(w.shared["dog"]), "input": {"vaccinatedOn": _today(next(_n) % 300)}}


async def _v_remove_dog(w: World, fresh: bool) -> dict[str, Any]:
    return {"d": str(await _dog(w) if fresh else w.shared["dog"]), "on": _today()}


async def _v_incident(w: World, fresh: bool) -> dict[str, Any]:
    return {
        "g": str(w.group),
        "input": {
            "kind": "OTHER",
            "memberId": str(w.members[2]),
            "occurredAt": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        },
    }


async def _v_settle(w: World, fresh: bool) -> dict[str, Any]:
    return {"d": str(await _duty(w) if fresh else w.shared["duty"])}


async def _v_escalate(w: World, fresh: bool) -> dict[str, Any]:
    return {"d": str(await _duty(w, hours_ago=100) if fresh else w.shared["duty"])}


async def _v_create(w: World, fresh: bool) -> dict[str, Any]:
    title = f"新公约 {w.tag} {next(_n)}"
    return {"g": str(w.group), "input": {"titleZh": title, "clauses": CLAUSE_INPUT}}


async def _v_amend(w: World, fresh: bool) -> dict[str, Any]:
    convention = (await _adopted(w.group, PLAIN_CLAUSES))[0] if fresh else w.shared["convention"]
    return {"v": str(convention)}


async def _v_edit(w: World, fresh: bool) -> dict[str, Any]:
    return {"v": str(w.shared["draft"]), "clauses": CLAUSE_INPUT, "note": f"第{next(_n)}稿"}


async def _v_open_vote(w: World, fresh: bool) -> dict[str, Any]:
    return {"v": str(await _draft(w) if fresh else w.shared["draft"])}


def _v_voting(paper: bool) -> Callable[[World, bool], Awaitable[dict[str, Any]]]:
    async def make(w: World, fresh: bool) -> dict[str, Any]:
        version = await _voting(w) if fresh else w.shared["voting"]
        return {"v": str(version), "m": str(w.members[5]) if paper else None}

    return make


async def _v_open_election(w: World, fresh: bool) -> dict[str, Any]:
    year = 2100 + next(_n)
    return {
        "g": str(w.group),
        "input": {
            "title": f"骨干选举 {year}",
            "termStartsOn": f"{year}-01-01",
            "termEndsOn": f"{year}-12-31",
            "seats": 1,
            "votesPerBallot": 1,
            "candidateMemberIds": [str(w.members[0]), str(w.members[1])],
        },
    }


def _v_election(paper: bool) -> Callable[[World, bool], Awaitable[dict[str, Any]]]:
    async def make(w: World, fresh: bool) -> dict[str, Any]:
        election = await _election(w) if fresh else w.shared["election"]
        return {"e": str(election), "m": str(w.members[5]) if paper else None}

    return make


async def _v_close_election(w: World, fresh: bool) -> dict[str, Any]:
    return {"e": str(await _election(w) if fresh else w.shared["election"])}


async def _v_publish(w: World, fresh: bool) -> dict[str, Any]:
    return {"e": str(await _election(w, closed=True) if fresh else w.shared["closed_election"])}


_CONVENTION_BALLOT = _doc(
    "castGroupConventionBallot",
    "$v: ID!, $m: ID",
    "versionId: $v, choice: YES, memberId: $m",
)
_ELECTION_BALLOT = _doc(
    "castGroupElectionBallot", "$e: ID!, $m: ID", "electionId: $e, choices: [], memberId: $m"
)
MUTATIONS: dict[str, Mut] = {
    "registerGroup": Mut(
        _doc("registerGroup", "$input: RegisterGroupInput!", "input: $input"),
        None,
        "Group",
        _v_register,
    ),
    "dissolveGroup": Mut(
        _doc("dissolveGroup", "$g: ID!", 'id: $g, dissolvedOn: "2026-06-01", reason: "合并"'),
        "g",
        "Group",
        _v_dissolve,
    ),
    "addGroupMember": Mut(
        _doc("addGroupMember", "$g: ID!, $input: GroupMemberInput!", "groupId: $g, input: $input"),
        "g",
        "GroupMember",
        _v_add,
    ),
    "endGroupMembership": Mut(
        _doc("endGroupMembership", "$m: ID!, $on: Date!", "memberId: $m, leftOn: $on"),
        "m",
        "GroupMember",
        _v_end,
    ),
    "setGroupMemberRole": Mut(
        _doc("setGroupMemberRole", "$m: ID!", "memberId: $m, role: CORE"),
        "m",
        "GroupMember",
        _v_role,
    ),
    "referMatterToGroup": Mut(
        _doc("referMatterToGroup", "$m: ID!, $g: ID!", "matterId: $m, groupId: $g"),
        "g",
        "Referral",
        _v_refer,
    ),
    "acceptGroupReferral": Mut(
        _doc("acceptGroupReferral", "$r: ID!", 'referralId: $r, note: "每月25日上门"'),
        "r",
        "Referral",
        _v_referral(accepted=False),
    ),
    "declineGroupReferral": Mut(
        _doc("declineGroupReferral", "$r: ID!", 'referralId: $r, reason: "人手不足"'),
        "r",
        "Referral",
        _v_referral(accepted=False),
    ),
    "completeGroupReferral": Mut(
        _doc("completeGroupReferral", "$r: ID!", 'referralId: $r, note: "已上门"'),
        "r",
        "Referral",
        _v_referral(accepted=True),
    ),
    "registerDog": Mut(
        _doc("registerDog", "$g: ID!, $input: RegisterDogInput!", "groupId: $g, input: $input"),
        "g",
        "Dog",
        _v_register_dog,
    ),
    "updateDog": Mut(
        _doc("updateDog", "$d: ID!, $input: UpdateDogInput!", "id: $d, input: $input"),
        "d",
        "Dog",
        _v_update_dog,
    ),
    "removeDog": Mut(
        _doc("removeDog", "$d: ID!, $on: Date!", 'id: $d, removedOn: $on, reason: "送养"'),
        "d",
        "Dog",
        _v_remove_dog,
    ),
    "recordGroupIncident": Mut(
        _doc(
            "recordGroupIncident",
            "$g: ID!, $input: RecordGroupIncidentInput!",
            "groupId: $g, input: $input",
        ),
        "g",
        "GroupIncident",
        _v_incident,
    ),
    "settleGroupDuty": Mut(
        _doc("settleGroupDuty", "$d: ID!", 'id: $d, state: FULFILLED, evidence: "已当面道歉"'),
        "d",
        "GroupDuty",
        _v_settle,
    ),
    "escalateGroupDuty": Mut(
        _doc("escalateGroupDuty", "$d: ID!", "id: $d"), "d", "GroupDuty", _v_escalate
    ),
    "createGroupConvention": Mut(
        _doc(
            "createGroupConvention",
            "$g: ID!, $input: CreateGroupConventionInput!",
            "groupId: $g, input: $input",
        ),
        "g",
        "GroupConvention",
        _v_create,
    ),
    "amendGroupConvention": Mut(
        _doc("amendGroupConvention", "$v: ID!", 'conventionId: $v, input: {note: "修订"}'),
        "v",
        "GroupConvention",
        _v_amend,
    ),
    "editGroupConventionDraft": Mut(
        _doc(
            "editGroupConventionDraft",
            "$v: ID!, $clauses: [GroupConventionClauseInput!]!, $note: String",
            "versionId: $v, clauses: $clauses, note: $note",
        ),
        "v",
        "GroupConvention",
        _v_edit,
    ),
    "openGroupConventionVote": Mut(
        _doc("openGroupConventionVote", "$v: ID!", "versionId: $v"),
        "v",
        "GroupConvention",
        _v_open_vote,
    ),
    "castGroupConventionBallot": Mut(
        _CONVENTION_BALLOT, "v", "GroupConvention", _v_voting(paper=False)
    ),
    "castGroupConventionBallot(paper)": Mut(
        _CONVENTION_BALLOT, "v", "GroupConvention", _v_voting(paper=True)
    ),
    "closeGroupConventionVote": Mut(
        _doc("closeGroupConventionVote", "$v: ID!", "versionId: $v, rejectWithoutQuorum: true"),
        "v",
        "GroupConvention",
        _v_voting(paper=False),
    ),
    "openGroupElection": Mut(
        _doc(
            "openGroupElection",
            "$g: ID!, $input: OpenGroupElectionInput!",
            "groupId: $g, input: $input",
        ),
        "g",
        "GroupElection",
        _v_open_election,
    ),
    "castGroupElectionBallot": Mut(_ELECTION_BALLOT, "e", "GroupElection", _v_election(False)),
    "castGroupElectionBallot(paper)": Mut(
        _ELECTION_BALLOT, "e", "GroupElection", _v_election(True)
    ),
    "closeGroupElection": Mut(
        _doc("closeGroupElection", "$e: ID!", "electionId: $e"),
        "e",
        "GroupElection",
        _v_close_election,
    ),
    "publishGroupElection": Mut(
        _doc("publishGroupElection", "$e: ID!", "electionId: $e"),
        "e",
        "GroupElection",
        _v_publish,
    ),
}


def test_every_mutation_and_query_has_a_case_and_a_row():
    """The expected tables and the cases name the same operations."""
    assert set(EXPECTED) == set(MUTATIONS)
    assert set(EXPECTED_QUERIES) == set(QUERIES)


_VOLUNTEER_FIELDS = {"volunteers", "volunteerServices"}


def test_the_matrix_names_every_group_operation_of_the_sdl():
    """Every mutation of the groups context in the SDL, and every field of Group that
    returns records, is a row — the founding matter aside (the matters context's), and
    the volunteers context's fields on Group (its own matrix, tests/integration/
    test_volunteers*.py)."""
    sdl = build_ast_schema(
        parse((ROOT / "graphql" / "schema.graphql").read_text()), assume_valid_sdl=True
    )
    assert sdl.mutation_type is not None
    ours = {n for n in sdl.mutation_type.fields if "Group" in n or "Dog" in n}
    assert ours == {k.split("(")[0] for k in EXPECTED}
    group = sdl.get_type("Group")
    assert isinstance(group, GraphQLObjectType)
    records = {
        f"Group.{n}"
        for n, f in group.fields.items()
        if isinstance(get_named_type(f.type), GraphQLObjectType)
        and n not in {"foundingMatter", *_VOLUNTEER_FIELDS}
    }
    assert records == {q for q in EXPECTED_QUERIES if q.startswith("Group.")}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation", list(EXPECTED))
async def test_group_mutation_permission_matrix(gql, world, operation: str, caller: str):
    """Allowed: the success type and a write. Refused: Forbidden, or (where the caller may
    not see the target) the same answer as for an id that names nothing; nothing written."""
    expected = EXPECTED[operation][caller]
    case = MUTATIONS[operation]
    actor, slug = world.caller(caller)
    variables = await case.variables(world, expected == OK)
    before = await digest()
    got = (await gql(actor, case.doc, c=slug, **variables))["op"]
    after = await digest()
    if expected == OK:
        assert got["__typename"] == case.success, got
        assert after != before, "an allowed act wrote nothing"
        return
    assert after == before, f"a refused act wrote: {got}"
    if expected == FORBIDDEN:
        assert got["__typename"] == "ForbiddenError", got
    elif expected == NOT_MEMBER:
        assert got["__typename"] == "NotAGroupMemberError", got
    else:
        assert got["__typename"].endswith("NotFoundError"), got
        if case.target is None:
            ghost = await gql(actor, case.doc, c="nosuchcommunity", **variables)
        else:
            ghost = await gql(actor, case.doc, c=slug, **{**variables, case.target: MISSING})
        assert got == ghost["op"], "a hidden target answers unlike one that does not exist"
        assert await digest() == before


# -- the queries -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    """A read: its document (``$c``, ``$g`` the group or ``$h`` the household, ``$x`` a
    target inside it), and what in the answer shows the target (``shows``: the ids an OK
    answer holds)."""

    doc: str
    shows: Callable[[World], set[str]]
    target: str = "g"
    inside: Callable[[World], dict[str, Any]] = lambda w: {}


def _gq(body: str, params: str = "") -> str:
    return (
        f"query($c: String!, $g: ID!{params}) {{ community(slug: $c) {{ group(id: $g) "
        f"{{ id f: {body} }} }} }}"
    )


def _hq(body: str) -> str:
    return f"query($c: String!, $h: ID!) {{ community(slug: $c) {{ household(id: $h) {{ id f: {body} }} }} }}"  # noqa: E501


QUERIES: dict[str, Query] = {
    "groups": Query(
        "query($c: String!, $g: ID!) { community(slug: $c) { group(id: $g) { id } "
        "f: groups { items { id } } } }",
        lambda w: {str(w.group)},
    ),
    "group": Query(_gq("nameZh"), lambda w: {str(w.group)}),
    "Group.members": Query(
        _gq("members { items { id } }"), lambda w: {str(w.members[2]), str(w.members[0])}
    ),
    "Group.referrals": Query(
        _gq("referrals { items { id } }"), lambda w: {str(w.shared["referred"])}
    ),
    "Group.dogs": Query(_gq("dogs { id }"), lambda w: {str(d) for d in w.dogs}),
    "Group.overdueVaccinations": Query(  # the leader's dog (never vaccinated, never updated)
        _gq("overdueVaccinations { id }"),
        lambda w: {str(d) for d, h in w.dogs.items() if h == w.homes[0]},
    ),
    "Group.incidents": Query(
        _gq("incidents { items { id } }"), lambda w: {str(w.shared["incident"])}
    ),
    "Group.incident": Query(
        _gq("incident(id: $x) { id }", ", $x: ID!"),
        lambda w: {str(w.shared["incident"])},
        inside=lambda w: {"x": str(w.shared["incident"])},
    ),
    "Group.conventions": Query(_gq("conventions { id }"), lambda w: {str(w.shared["convention"])}),
    "Group.convention": Query(
        _gq("convention(id: $x) { id }", ", $x: ID!"),
        lambda w: {str(w.shared["convention"])},
        inside=lambda w: {"x": str(w.shared["convention"])},
    ),
    "Group.conventionsInForce": Query(
        _gq("conventionsInForce { id }"), lambda w: {str(w.shared["in_force"])}
    ),
    "Group.elections": Query(
        _gq("elections { items { id } }"), lambda w: {str(w.shared["election"])}
    ),
    "Group.election": Query(
        _gq("election(id: $x) { id }", ", $x: ID!"),
        lambda w: {str(w.shared["election"])},
        inside=lambda w: {"x": str(w.shared["election"])},
    ),
    "Group.currentCore": Query(
        _gq("currentCore { id }"), lambda w: {str(w.members[0]), str(w.members[1])}
    ),
    "Household.groupMemberships": Query(
        _hq("groupMemberships { id }"), lambda w: {str(w.members[2])}, target="h"
    ),
    "Household.dogs": Query(_hq("dogs { id }"), lambda w: {str(w.shared["dog"])}, target="h"),
}


def _ids(value: Any) -> set[str]:
    items = value["items"] if isinstance(value, dict) and "items" in value else value
    if isinstance(items, dict):
        return {items["id"]}
    return {i["id"] for i in items}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("operation", list(EXPECTED_QUERIES))
async def test_group_query_permission_matrix(gql, world, operation: str, caller: str):
    """Readers see the target; a field refused on a group the caller sees answers null; a
    caller who may not see the community's groups (or household) gets what a missing one
    gives."""
    expected = EXPECTED_QUERIES[operation][caller]
    query = QUERIES[operation]
    actor, slug = world.caller(caller)
    target = str(world.homes[2]) if query.target == "h" else str(world.group)
    variables = {query.target: target, **query.inside(world)}
    got = await gql(actor, query.doc, c=slug, **variables)
    holder = "household" if query.target == "h" else "group"
    shown = got["community"] and got["community"][holder]
    if operation == "groups":
        listed = got["community"] is not None and str(world.group) in _ids(got["community"]["f"])
        assert listed is (expected == OK), got
        return
    if expected == HIDDEN:
        assert shown is None, got
        ghost = await gql(actor, query.doc, c=slug, **{**variables, query.target: MISSING})
        assert got == ghost
        return
    if query.target == "h" and expected == NULL:  # not the caller's household: not shown
        assert shown is None, got
        return
    assert shown is not None, got
    value = shown["f"]
    if expected == NULL:
        assert value is None, got
        return
    assert value is not None, got
    ids = _ids(value) if not isinstance(value, str) else {str(world.group)}
    want = query.shows(world)
    if expected == OWN:  # the dogs of the caller's own household only
        home = world.home_of(caller)
        want = {str(d) for d, h in world.dogs.items() if h == home}
        assert ids & {str(d) for d in world.dogs} == want, got
        return
    assert want <= ids, got


async def test_a_resident_reads_their_own_households_memberships_and_dogs(gql, world):
    """Each resident sees their household's memberships (a former member the ended one)
    and its dogs; another household answers as missing."""
    own = {
        G_LEADER: ([world.members[0]], world.dogs),
        G_MEMBER: ([world.members[2]], world.dogs),
        G_HOME: ([world.members[2]], world.dogs),
        G_FORMER: ([world.members[3]], {}),
        RESIDENT: ([], {}),
    }
    query = _hq("groupMemberships { id leftOn } dogs: dogs { id }")
    for caller, (memberships, dog_ids) in own.items():
        actor, slug = world.caller(caller)
        home = world.home_of(caller)
        got = (await gql(actor, query, c=slug, h=str(home)))["community"]["household"]
        assert got is not None, caller
        assert [m["id"] for m in got["f"]] == [str(m) for m in memberships], caller
        ended = [m["leftOn"] is not None for m in got["f"]]
        assert ended == [caller == G_FORMER] * len(memberships)
        mine = {str(d) for d, h in dog_ids.items() if h == home}
        assert {d["id"] for d in got["dogs"]} & {str(d) for d in world.dogs} == mine, caller
    other = await gql(world.caller(G_FORMER)[0], query, c=A, h=str(world.homes[2]))
    ghost = await gql(world.caller(G_FORMER)[0], query, c=A, h=MISSING)
    assert other == ghost and other["community"]["household"] is None
