"""The dog owners' association through the GraphQL schema: the dogs register, incidents and the
duties a convention in force creates, settling them, escalating an overdue one into a matter;
access by role, isolation between communities, bad input (two communities, real PostgreSQL)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from services import localtime
from services.auth.model import Principal, Role
from services.departments.defaults import install_county_defaults
from services.grids.handlers import create_grid
from services.groups import dogs
from services.groups import handlers as groups
from services.groups.model import (
    Clause,
    DogFilter,
    DutyKind,
    DutySpec,
    GroupKind,
    GroupRole,
    IncidentKind,
    SizeClass,
)
from services.groups.queries import clause_json
from services.households import handlers as hh
from services.routing import handlers as routing
from tenants import tx as tx_module
from tenants.slugs import PLATFORM_SCHEMA, schema_for
from tenants.tx import platform_tx, tenant_tx
from tests.integration.groups_support import COUNTY, homes_with_residents, person, schema_runner

FOUNDED = date(2026, 1, 10)


def ago(**delta: float) -> datetime:
    """An instant that long before now (incidents are recorded after they happened)."""
    return datetime.now(UTC) - timedelta(**delta)


@pytest.fixture(scope="module")
def gql(settings):
    return schema_runner(settings)


# The convention of the test association, as data: large and fierce dogs leashed and muzzled
# (an apology for a breach); after a bite, apologise, hospital at once, advance the costs.
CONVENTION = [
    Clause(
        3,
        "携犬出行时，对大型和烈性犬使用口罩、束犬链",
        binds=DogFilter(frozenset({SizeClass.LARGE}), fierce=True),
        incident_kinds=frozenset({IncidentKind.OFF_LEASH}),
        duties=(DutySpec(DutyKind.APOLOGISE, 48),),
    ),
    Clause(
        5,
        "犬伤害他人后，主人必须主动道歉，立即把伤者送往医院诊治，并先行垫付费用",
        incident_kinds=frozenset({IncidentKind.DOG_BITE}),
        duties=(
            DutySpec(DutyKind.APOLOGISE, 24),
            DutySpec(DutyKind.HOSPITAL, 1),
            DutySpec(DutyKind.ADVANCE_COSTS, 72),
        ),
    ),
]


async def adopt_convention(slug: str, group_id: int, clauses: list[Clause]) -> int:
    """An adopted convention version with ``clauses`` (the conventions slice adopts by vote;
    here it is written as that slice stores it). Returns the version's id."""
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        convention = await conn.fetchval(
            "INSERT INTO group_conventions (group_id, title_zh, created_by) "
            "VALUES ($1, $2, 'test') RETURNING id",
            group_id,
            f"居民宠物豢养自治公约 {secrets.token_hex(2)}",
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
                version,
                c.number,
                c.text_zh,
                binds,
                kinds,
                duties,
            )
    return version


@dataclass
class World:
    tag: str
    group: int  # alpha's dog owners' association, under CONVENTION
    version: int  # its convention version in force
    homes: list[int]  # 0 leader, 1 core, 2 and 3 members, 4 left, 5 never a member
    subjects: list[str]  # the login of one resident of each home, same order
    members: list[int]  # memberships of homes 0..4
    big_dog: int  # home 2's large dog, licensed
    beta_group: int
    beta_dog: int  # a dog of beta's association (its id does not exist in alpha)

    def resident(self, i: int) -> Principal:
        return person(Role.RESIDENT, subject=self.subjects[i])


@pytest.fixture(scope="module")
async def world(settings, communities) -> World:
    a, b = communities
    tag = secrets.token_hex(3)
    cadre, cadre_b = person(Role.COMMUNITY_CADRE, a), person(Role.COMMUNITY_CADRE, b)
    grid = (await create_grid(cadre, a, f"dg-{tag}", "养犬网格")).id
    made = await homes_with_residents(
        settings, cadre, a, grid, 6,
        address=f"犬巷 {{i}} 号 {tag}", name="犬主{i}", subject=f"owner-{{i}}-{tag}",
    )  # fmt: skip
    homes, residents, subjects = made.homes, made.residents, made.subjects
    group = await groups.register_group(
        cadre,
        a,
        groups.GroupInput(GroupKind.SELF_GOVERNANCE, f"养犬自治协会 {tag}", FOUNDED),
    )
    gid = group.group.id
    roles = [GroupRole.LEADER, GroupRole.CORE, GroupRole.MEMBER, GroupRole.MEMBER, GroupRole.MEMBER]
    members = []
    for i, role in enumerate(roles):
        named = residents[i] if role is not GroupRole.MEMBER else None
        m = await groups.add_member(
            cadre, a, gid, groups.MemberInput(homes[i], FOUNDED, resident_id=named, role=role)
        )
        members.append(m.member.id)
    await groups.end_membership(cadre, a, members[4], date(2026, 3, 1))
    version = await adopt_convention(a, gid, CONVENTION)
    big = await dogs.register_dog(
        cadre,
        a,
        gid,
        dogs.DogInput(homes[2], "大黄", SizeClass.LARGE, breed="田园犬", license_no="DH-0001"),
    )
    # beta's dog and duty ids start far above alpha's: an id of one community's names
    # nothing in the other (each schema counts its own ids, so they would collide).
    async with tenant_tx(b) as tx:
        for table in ("group_dogs", "group_duties"):
            await tx.connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"greatest(1000000, (SELECT coalesce(max(id), 0) FROM {table})))"
            )
    grid_b = (await create_grid(cadre_b, b, f"dg-{tag}", "乙网格")).id
    home_b = await hh.create_household(cadre_b, b, hh.HouseholdInput(grid_b, f"乙 {tag}"), settings)
    beta_group = await groups.register_group(
        cadre_b, b, groups.GroupInput(GroupKind.SELF_GOVERNANCE, f"乙养犬协会 {tag}", FOUNDED)
    )
    await groups.add_member(cadre_b, b, beta_group.group.id, groups.MemberInput(home_b.id, FOUNDED))
    beta_dog = await dogs.register_dog(
        cadre_b,
        b,
        beta_group.group.id,
        dogs.DogInput(home_b.id, "乙狗", SizeClass.LARGE, fierce=True),
    )
    return World(
        tag, gid, version, homes, subjects, members, big.dog.id, beta_group.group.id,
        beta_dog.dog.id,
    )  # fmt: skip


REGISTER = """mutation($c: String!, $g: ID!, $input: RegisterDogInput!) {
  registerDog(community: $c, groupId: $g, input: $input) { __typename
    ... on Dog { id name breed sizeClass fierce vaccinatedOn vaccinationOverdue licenseNo
                 household { id } }
    ... on Error { code message messageEn } } }"""
UPDATE = """mutation($c: String!, $id: ID!, $input: UpdateDogInput!) {
  updateDog(community: $c, id: $id, input: $input) { __typename
    ... on Dog { id vaccinatedOn vaccinationOverdue licenseNo } ... on Error { code } } }"""
REMOVE = """mutation($c: String!, $id: ID!, $on: Date!, $why: String!) {
  removeDog(community: $c, id: $id, removedOn: $on, reason: $why) { __typename
    ... on Dog { id removedOn removedReason } ... on Error { code } } }"""
RECORD = """mutation($c: String!, $g: ID!, $input: RecordGroupIncidentInput!) {
  recordGroupIncident(community: $c, groupId: $g, input: $input) { __typename
    ... on GroupIncident { id kind place occurredAt affectedParty description
      member { id household { id } } dog { id name sizeClass }
      duties { id kind clauseNumber dueAt state overdue matterId } }
    ... on Error { code message messageEn } } }"""
SETTLE = """mutation($c: String!, $id: ID!, $s: DutyState!, $e: String!) {
  settleGroupDuty(community: $c, id: $id, state: $s, evidence: $e) { __typename
    ... on GroupDuty { id state evidence settledAt overdue } ... on Error { code message } } }"""
ESCALATE = """mutation($c: String!, $id: ID!, $input: EscalateGroupDutyInput) {
  escalateGroupDuty(community: $c, id: $id, input: $input) { __typename
    ... on GroupDuty { id state matterId escalatedAt
      matter { id kind status title description category { code } } }
    ... on Error { code message messageEn } } }"""
GROUP = """query($c: String!, $g: ID!, $removed: Boolean! = false) { community(slug: $c) {
  group(id: $g) { id dogs(includeRemoved: $removed) { id name household { id } }
    overdueVaccinations { id name vaccinatedOn }
    incidents(first: 50) { totalCount items { id kind dog { id } duties { id state } } } } } }"""
HOUSEHOLD = """query($c: String!, $h: ID!) { community(slug: $c) { household(id: $h) {
  dogs { id name groupId } } } }"""
MATTER = """query($c: String!, $m: ID!) { community(slug: $c) { matter(id: $m) {
  id kind status title description category { code } history { toStatus } } } }"""


async def _register(gql, w: World, actor: Principal, home: int, **extra: Any) -> dict[str, Any]:
    data = {"householdId": str(home), "name": f"狗{secrets.token_hex(2)}", "sizeClass": "SMALL"}
    got = await gql(actor, REGISTER, c="alpha", g=str(w.group), input={**data, **extra})
    return got["registerDog"]


async def _record(gql, w: World, actor: Principal, **fields: Any) -> dict[str, Any]:
    data = {
        "kind": "DOG_BITE",
        "memberId": str(w.members[2]),
        "dogId": str(w.big_dog),
        "occurredAt": ago(hours=2).isoformat(),
        "place": "东侧角弄口",
        "affectedParty": "路过的王阿姨",
        **fields,
    }
    got = await gql(actor, RECORD, c="alpha", g=str(w.group), input=data)
    return got["recordGroupIncident"]


async def _count(sql: str, *args: Any) -> int:
    async with tenant_tx("alpha") as tx:
        return await tx.connection.fetchval(sql, *args)


async def _bite(w: World, *, hours_ago: float = 100, member: int = 2) -> list[int]:
    """A bite by home ``member``'s dog (or none) that long ago; the ids of its duties."""
    cadre = person(Role.COMMUNITY_CADRE)
    found = await dogs.record_incident(
        cadre,
        "alpha",
        w.group,
        dogs.IncidentInput(
            IncidentKind.DOG_BITE,
            w.members[member],
            ago(hours=hours_ago),
            dog_id=w.big_dog if member == 2 else None,
        ),
    )
    return [d.duty.id for d in found.duties]


# -- the dogs register -----------------------------------------------------------------------
async def test_member_households_register_their_dogs(gql, world):
    """The cadre, the leader and a member for their own household register dogs; without a
    vaccination date a dog counts as overdue."""
    cadre = person(Role.COMMUNITY_CADRE)
    by_cadre = await _register(
        gql, world, cadre, world.homes[3], sizeClass="MEDIUM", breed="柯基",
        vaccinatedOn=(localtime.today() - timedelta(days=30)).isoformat(), licenseNo=" DH-0099 ",
    )  # fmt: skip
    assert by_cadre["__typename"] == "Dog", by_cadre
    assert (by_cadre["sizeClass"], by_cadre["licenseNo"], by_cadre["vaccinationOverdue"]) == (
        "MEDIUM",
        "DH-0099",
        False,
    )
    assert by_cadre["household"]["id"] == str(world.homes[3])
    by_leader = await _register(gql, world, world.resident(0), world.homes[1], fierce=True)
    assert by_leader["fierce"] is True and by_leader["vaccinationOverdue"] is True
    own = await _register(gql, world, world.resident(3), world.homes[3])
    assert own["__typename"] == "Dog" and own["licenseNo"] is None


async def test_a_household_that_is_not_a_member_registers_no_dog(gql, world):
    """Never a member, left, or another member's household: typed errors, nothing written."""
    before = await _count("SELECT count(*) FROM group_dogs WHERE group_id = $1", world.group)
    cadre = person(Role.COMMUNITY_CADRE)
    never = await _register(gql, world, cadre, world.homes[5])
    assert never["code"] == "HOUSEHOLD_NOT_A_MEMBER" and "成员户" in never["message"]
    left = await _register(gql, world, cadre, world.homes[4])
    assert left["code"] == "HOUSEHOLD_NOT_A_MEMBER"
    own_not_member = await _register(gql, world, world.resident(5), world.homes[5])
    assert own_not_member["code"] == "HOUSEHOLD_NOT_A_MEMBER"
    neighbours = await _register(gql, world, world.resident(3), world.homes[2])
    assert neighbours["code"] == "FORBIDDEN"
    missing = await _register(gql, world, cadre, 2_000_000_000)
    assert missing["code"] == "HOUSEHOLD_NOT_FOUND"
    assert (
        await _count("SELECT count(*) FROM group_dogs WHERE group_id = $1", world.group) == before
    )


async def test_bad_dog_text_is_typed_and_writes_nothing(gql, world):
    """Control characters, a name over its limit, a blank name, a future vaccination."""
    before = await _count("SELECT count(*) FROM group_dogs")
    cadre, home = person(Role.COMMUNITY_CADRE), world.homes[2]
    control = await _register(gql, world, cadre, home, name="小黑\x1b[0m")
    assert control["code"] == "CONTROL_CHARACTERS" and "犬名" in control["message"]
    long = await _register(gql, world, cadre, home, name="旺" * 51)
    assert long["code"] == "TEXT_TOO_LONG"
    blank = await _register(gql, world, cadre, home, name="   ")
    assert blank["code"] == "INVALID_INPUT"
    breed = await _register(gql, world, cadre, home, breed="柴\x00犬")
    assert breed["code"] == "CONTROL_CHARACTERS"
    later = await _register(
        gql, world, cadre, home, vaccinatedOn=(localtime.today() + timedelta(days=3)).isoformat()
    )
    assert later["code"] == "INVALID_INPUT"
    assert await _count("SELECT count(*) FROM group_dogs") == before


async def test_who_sees_which_dogs_and_the_overdue_vaccinations(gql, world):
    """The core and cadres see every dog and the overdue list; a member their own household's;
    a resident their household's dogs on Household.dogs."""
    cadre = person(Role.COMMUNITY_CADRE)
    stale = await _register(
        gql, world, cadre, world.homes[3], name=f"老免疫{world.tag}",
        vaccinatedOn=(localtime.today() - timedelta(days=400)).isoformat(),
    )  # fmt: skip
    fresh = await _register(
        gql, world, cadre, world.homes[3], vaccinatedOn=localtime.today().isoformat()
    )
    for manager in (cadre, world.resident(0), world.resident(1)):
        seen = (await gql(manager, GROUP, c="alpha", g=str(world.group)))["community"]["group"]
        ids = {d["id"] for d in seen["dogs"]}
        assert {stale["id"], fresh["id"], str(world.big_dog)} <= ids
        overdue = {d["id"] for d in seen["overdueVaccinations"]}
        assert stale["id"] in overdue and str(world.big_dog) in overdue  # never vaccinated
        assert fresh["id"] not in overdue
    member = (await gql(world.resident(3), GROUP, c="alpha", g=str(world.group)))["community"]
    assert {d["household"]["id"] for d in member["group"]["dogs"]} == {str(world.homes[3])}
    assert member["group"]["overdueVaccinations"] is None
    outsider = (await gql(world.resident(5), GROUP, c="alpha", g=str(world.group)))["community"]
    assert outsider["group"]["dogs"] == [] and outsider["group"]["incidents"] is None
    home = await gql(world.resident(2), HOUSEHOLD, c="alpha", h=str(world.homes[2]))
    assert str(world.big_dog) in [d["id"] for d in home["community"]["household"]["dogs"]]
    not_mine = await gql(world.resident(2), HOUSEHOLD, c="alpha", h=str(world.homes[3]))
    assert not_mine["community"]["household"] is None  # the households context decides


async def test_a_dog_is_updated_and_removed_and_the_record_kept(gql, world):
    """A new vaccination clears the overdue flag; a removed dog leaves the register but not
    the record, and takes no further change."""
    cadre = person(Role.COMMUNITY_CADRE)
    dog = await _register(gql, world, world.resident(3), world.homes[3])
    today = localtime.today().isoformat()
    updated = await gql(
        world.resident(3), UPDATE, c="alpha", id=dog["id"],
        input={"vaccinatedOn": today, "licenseNo": "DH-0123"},
    )  # fmt: skip
    got = updated["updateDog"]
    assert (got["vaccinatedOn"], got["vaccinationOverdue"], got["licenseNo"]) == (
        today,
        False,
        "DH-0123",
    )
    other = await gql(world.resident(2), UPDATE, c="alpha", id=dog["id"], input={})
    assert other["updateDog"]["code"] == "DOG_NOT_FOUND"  # not theirs: as if missing
    removed = await gql(cadre, REMOVE, c="alpha", id=dog["id"], on=today, why="送养亲戚")
    assert removed["removeDog"]["removedOn"] == today
    again = await gql(cadre, UPDATE, c="alpha", id=dog["id"], input={"licenseNo": "X"})
    assert again["updateDog"]["code"] == "DOG_REMOVED"
    listed = await gql(cadre, GROUP, c="alpha", g=str(world.group))
    assert dog["id"] not in [d["id"] for d in listed["community"]["group"]["dogs"]]
    kept = await gql(cadre, GROUP, c="alpha", g=str(world.group), removed=True)
    assert dog["id"] in [d["id"] for d in kept["community"]["group"]["dogs"]]


# -- incidents and duties ----------------------------------------------------------------------
async def test_a_large_dogs_bite_under_the_adopted_clause_owes_three_duties(gql, world):
    """Apologise, hospital at once, advance the costs: each due its hours after the bite, the
    hospital already overdue two hours on; the version in force is named."""
    happened = ago(hours=2).replace(microsecond=0)
    got = await _record(gql, world, person(Role.COMMUNITY_CADRE), occurredAt=happened.isoformat())
    assert got["__typename"] == "GroupIncident", got
    assert (got["kind"], got["dog"]["sizeClass"], got["affectedParty"]) == (
        "DOG_BITE",
        "LARGE",
        "路过的王阿姨",
    )
    duties = [
        (d["kind"], d["clauseNumber"], datetime.fromisoformat(d["dueAt"]) - happened, d["overdue"])
        for d in got["duties"]
    ]
    assert duties == [
        ("APOLOGISE", 5, timedelta(hours=24), False),
        ("HOSPITAL", 5, timedelta(hours=1), True),
        ("ADVANCE_COSTS", 5, timedelta(hours=72), False),
    ]
    assert {d["state"] for d in got["duties"]} == {"OWED"}
    versions = await _count(
        "SELECT count(DISTINCT version_id) FROM group_duties WHERE incident_id = $1 "
        "AND version_id = $2",
        int(got["id"]),
        world.version,
    )
    assert versions == 1
    listed = await gql(world.resident(3), GROUP, c="alpha", g=str(world.group))
    items = listed["community"]["group"]["incidents"]["items"]
    assert got["id"] in [i["id"] for i in items]  # members read the group's incidents


async def test_each_duty_names_the_version_of_its_own_convention(world):
    """Two conventions in force, each with a clause 1: a bite's duties name the version of
    the clause that created each (not the first version numbering a clause 1)."""
    cadre = person(Role.COMMUNITY_CADRE)
    group = await groups.register_group(
        cadre,
        "alpha",
        groups.GroupInput(GroupKind.SELF_GOVERNANCE, f"两约协会 {world.tag}", FOUNDED),
    )
    gid = group.group.id
    member = await groups.add_member(
        cadre, "alpha", gid, groups.MemberInput(world.homes[3], FOUNDED)
    )
    bite = frozenset({IncidentKind.DOG_BITE})
    first = await adopt_convention(
        "alpha",
        gid,
        [Clause(1, "道歉", incident_kinds=bite, duties=(DutySpec(DutyKind.APOLOGISE, 24),))],
    )
    second = await adopt_convention(
        "alpha",
        gid,
        [Clause(1, "送医", incident_kinds=bite, duties=(DutySpec(DutyKind.HOSPITAL, 1),))],
    )
    found = await dogs.record_incident(
        cadre,
        "alpha",
        gid,
        dogs.IncidentInput(IncidentKind.DOG_BITE, member.member.id, ago(hours=3)),
    )
    named = {d.duty.kind: (d.duty.clause_number, d.duty.version_id) for d in found.duties}
    assert named == {"apologise": (1, first), "hospital": (1, second)}


async def test_barking_under_no_clause_owes_nothing_and_leader_records_it(gql, world):
    """No clause governs barking: the incident is kept, no duty; the leader may record it."""
    got = await _record(
        gql, world, world.resident(0), kind="BARKING", dogId=None, place="", affectedParty="邻居"
    )
    assert got["__typename"] == "GroupIncident" and got["duties"] == [] and got["dog"] is None


async def test_incidents_page_newest_first(gql, world):
    """The incidents read newest first across pages, each once."""
    cadre = person(Role.COMMUNITY_CADRE)
    for hours in (30, 10, 20):
        await _record(gql, world, cadre, kind="FOULING", occurredAt=ago(hours=hours).isoformat())
    page = """query($c: String!, $g: ID!, $after: String) { community(slug: $c) { group(id: $g) {
      incidents(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
        items { id occurredAt } } } } }"""
    seen, after = [], None
    while True:
        got = await gql(cadre, page, c="alpha", g=str(world.group), after=after)
        block = got["community"]["group"]["incidents"]
        seen += [datetime.fromisoformat(i["occurredAt"]) for i in block["items"]]
        if not block["pageInfo"]["hasNextPage"]:
            break
        after = block["pageInfo"]["endCursor"]
    assert seen == sorted(seen, reverse=True) and len(seen) == block["totalCount"]


async def test_an_incident_naming_another_communitys_dog_is_refused(gql, world):
    """beta's dog id names nothing in alpha; a neighbour's dog is not the member's; nothing
    is written."""
    before = await _count("SELECT count(*) FROM group_incidents")
    cadre = person(Role.COMMUNITY_CADRE)
    beta = await _record(gql, world, cadre, dogId=str(world.beta_dog))
    assert beta["code"] == "DOG_NOT_FOUND" and beta["messageEn"] == "Dog not found"
    neighbours = await _record(gql, world, cadre, memberId=str(world.members[3]))
    assert neighbours["code"] == "DOG_NOT_OF_MEMBER"
    assert await _count("SELECT count(*) FROM group_incidents") == before


async def test_an_incident_against_a_member_who_left_is_refused(gql, world):
    """A duty never falls on a former member: typed error, nothing written."""
    before = await _count("SELECT count(*) FROM group_duties")
    got = await _record(gql, world, person(Role.COMMUNITY_CADRE), memberId=str(world.members[4]))
    assert got["code"] == "MEMBER_HAS_LEFT" and "2026-03-01" in got["message"]
    assert await _count("SELECT count(*) FROM group_duties") == before


async def test_an_incident_before_the_member_joined_is_refused(gql, world):
    """What happened before the household joined is not the group's record: typed error
    naming the joining day, nothing written."""
    before = await _count("SELECT count(*) FROM group_incidents")
    long_ago = datetime.combine(FOUNDED - timedelta(days=1), time(9), tzinfo=localtime.TIME_ZONE)
    got = await _record(gql, world, person(Role.COMMUNITY_CADRE), occurredAt=long_ago.isoformat())
    assert got["code"] == "INCIDENT_BEFORE_MEMBERSHIP", got
    assert FOUNDED.isoformat() in got["message"] and FOUNDED.isoformat() in got["messageEn"]
    assert await _count("SELECT count(*) FROM group_incidents") == before


async def test_bad_incident_input_is_typed_and_writes_nothing(gql, world):
    """A future time, control characters, text over its limit, a member of no such id."""
    before = await _count("SELECT count(*) FROM group_incidents")
    cadre = person(Role.COMMUNITY_CADRE)
    future = await _record(gql, world, cadre, occurredAt=(ago(hours=-1)).isoformat())
    assert future["code"] == "INVALID_INPUT"
    control = await _record(gql, world, cadre, place="弄口\x07")
    assert control["code"] == "CONTROL_CHARACTERS"
    long = await _record(gql, world, cadre, description="咬" * 2001)
    assert long["code"] == "TEXT_TOO_LONG"
    party = await _record(gql, world, cadre, affectedParty="人" * 201)
    assert party["code"] == "TEXT_TOO_LONG"
    nobody = await _record(gql, world, cadre, memberId="999999999")
    assert nobody["code"] == "GROUP_MEMBER_NOT_FOUND"
    assert await _count("SELECT count(*) FROM group_incidents") == before


async def test_a_duty_is_settled_by_the_member_or_the_core_once(gql, world):
    """The member fulfils their own duty with evidence; a neighbour cannot see it; the core
    records a refusal; settled duties are final; blank evidence is refused."""
    apologise, hospital, costs = await _bite(world, hours_ago=1)
    owner, neighbour = world.resident(2), world.resident(3)
    blank = await gql(owner, SETTLE, c="alpha", id=str(apologise), s="FULFILLED", e="  ")
    assert blank["settleGroupDuty"]["code"] == "INVALID_INPUT"
    done = await gql(owner, SETTLE, c="alpha", id=str(apologise), s="FULFILLED", e="当面致歉")
    assert done["settleGroupDuty"]["state"] == "FULFILLED"
    assert done["settleGroupDuty"]["evidence"] == "当面致歉"
    twice = await gql(owner, SETTLE, c="alpha", id=str(apologise), s="REFUSED", e="反悔")
    assert twice["settleGroupDuty"]["code"] == "DUTY_NOT_OWED"
    hidden = await gql(neighbour, SETTLE, c="alpha", id=str(hospital), s="FULFILLED", e="x")
    assert hidden["settleGroupDuty"]["code"] == "DUTY_NOT_FOUND"
    refused = await gql(
        world.resident(1), SETTLE, c="alpha", id=str(costs), s="REFUSED", e="犬主拒绝垫付"
    )
    assert refused["settleGroupDuty"]["state"] == "REFUSED"
    owed = await gql(owner, SETTLE, c="alpha", id=str(hospital), s="OWED", e="x")
    assert owed["settleGroupDuty"]["code"] == "INVALID_INPUT"


# -- escalation into a matter -----------------------------------------------------------------
async def test_an_overdue_duty_escalates_once_into_a_minor_matter(gql, world):
    """Past due and owed: the cadre escalates it; the matter exists in the ledger with the
    duty's matter id, classified minor, its text naming the group, incident and duty;
    escalating again is refused."""
    apologise, _hospital, _costs = await _bite(world, hours_ago=100)
    cadre = person(Role.COMMUNITY_CADRE)
    got = (await gql(cadre, ESCALATE, c="alpha", id=str(apologise)))["escalateGroupDuty"]
    assert got["__typename"] == "GroupDuty", got
    assert got["state"] == "OWED" and got["matterId"] is not None
    assert got["matter"]["id"] == got["matterId"]
    assert (got["matter"]["kind"], got["matter"]["status"]) == ("MINOR", "CLASSIFIED")
    matter = (await gql(cadre, MATTER, c="alpha", m=got["matterId"]))["community"]["matter"]
    assert matter["category"]["code"] == "pets"
    assert f"养犬自治协会 {world.tag}" in matter["description"]
    assert f"义务 #{apologise}" in matter["description"] and "主动道歉" in matter["title"]
    assert [h["toStatus"] for h in matter["history"]] == [
        "REGISTERED",
        "AWAITING_COUNCIL",
        "CLASSIFIED",
    ]
    stored = await _count("SELECT matter_id FROM group_duties WHERE id = $1", apologise)
    assert stored == int(got["matterId"])
    twice = (await gql(cadre, ESCALATE, c="alpha", id=str(apologise)))["escalateGroupDuty"]
    assert twice["code"] == "ALREADY_ESCALATED"
    # The member's household sees the matter about it; a neighbour does not.
    mine = await gql(world.resident(2), MATTER, c="alpha", m=got["matterId"])
    assert mine["community"]["matter"]["id"] == got["matterId"]
    theirs = await gql(world.resident(3), MATTER, c="alpha", m=got["matterId"])
    assert theirs["community"]["matter"] is None


async def test_a_duty_not_yet_due_or_settled_is_not_escalated(gql, world):
    """Before the due time, once settled, as a private matter, under an unknown category or
    with an overlong reason: escalation is refused and no matter is made."""
    apologise, hospital, _costs = await _bite(world, hours_ago=2)
    cadre = person(Role.COMMUNITY_CADRE)
    matters_before = await _count("SELECT count(*) FROM matters")
    early = (await gql(cadre, ESCALATE, c="alpha", id=str(apologise)))["escalateGroupDuty"]
    assert early["code"] == "DUTY_NOT_PAST_DUE" and "到期" in early["message"]
    await gql(cadre, SETTLE, c="alpha", id=str(hospital), s="FULFILLED", e="已送县医院")
    settled = (await gql(cadre, ESCALATE, c="alpha", id=str(hospital)))["escalateGroupDuty"]
    assert settled["code"] == "DUTY_NOT_OWED"
    private = await gql(cadre, ESCALATE, c="alpha", id=str(apologise), input={"kind": "PRIVATE"})
    assert private["escalateGroupDuty"]["code"] == "INVALID_INPUT"
    [late, *_] = await _bite(world, hours_ago=100)
    unknown = await gql(cadre, ESCALATE, c="alpha", id=str(late), input={"category": "no_such"})
    assert unknown["escalateGroupDuty"]["code"] == "UNKNOWN_CATEGORY"
    long = await gql(cadre, ESCALATE, c="alpha", id=str(late), input={"reason": "因" * 1001})
    assert long["escalateGroupDuty"]["code"] == "TEXT_TOO_LONG"
    assert await _count("SELECT count(*) FROM matters") == matters_before
    assert await _count("SELECT matter_id FROM group_duties WHERE id = $1", late) is None


async def test_an_unregistered_fierce_dog_escalates_to_public_security(gql, world, settings):
    """Off the leash, unlicensed and fierce, the apology left owed: escalated as a major
    matter, whose message routes it to the county's public security bureau."""
    await install_county_defaults(COUNTY)
    cadre = person(Role.COMMUNITY_CADRE)
    fierce = await _register(gql, world, cadre, world.homes[2], sizeClass="MEDIUM", fierce=True)
    incident = await _record(
        gql, world, cadre, kind="OFF_LEASH", dogId=fierce["id"],
        occurredAt=ago(hours=60).isoformat(),
    )  # fmt: skip
    [duty] = incident["duties"]
    assert (duty["kind"], duty["clauseNumber"], duty["overdue"]) == ("APOLOGISE", 3, True)
    got = await gql(
        cadre, ESCALATE, c="alpha", id=duty["id"],
        input={"kind": "MAJOR", "reason": "烈性犬未办犬证，屡次不拴绳"},
    )  # fmt: skip
    escalated = got["escalateGroupDuty"]
    assert escalated["matter"]["kind"] == "MAJOR", escalated
    assert "未办犬证" in escalated["matter"]["description"]
    matter_id = int(escalated["matterId"])
    async with platform_tx() as tx:
        messages = await tx.connection.fetchval(
            "SELECT count(*) FROM platform.outbox WHERE topic = 'matter.major' "
            "AND community_slug = 'alpha' AND payload->>'matter_id' = $1",
            str(matter_id),
        )
    assert messages == 1
    outcome = await routing.route_major_matter("alpha", matter_id, 1)
    assert [t.department_code for t in outcome.created] == ["public_security"]


# -- access: roles × the slice's acts, and the other community --------------------------------
ACTORS = ["cadre", "leader", "core", "owner", "neighbour", "outsider", "grid_worker", "beta"]
MATRIX = {
    # act: expected __typename or error code, per actor above
    "registerDog": ["Dog", "Dog", "Dog", "Dog", "FORBIDDEN", "GROUP_NOT_FOUND", "FORBIDDEN",
                    "COMMUNITY_NOT_FOUND"],
    "recordGroupIncident": ["GroupIncident", "GroupIncident", "GroupIncident", "FORBIDDEN",
                            "FORBIDDEN", "GROUP_NOT_FOUND", "FORBIDDEN", "COMMUNITY_NOT_FOUND"],
    "settleGroupDuty": ["GroupDuty", "GroupDuty", "GroupDuty", "GroupDuty", "DUTY_NOT_FOUND",
                        "DUTY_NOT_FOUND", "DUTY_NOT_FOUND", "COMMUNITY_NOT_FOUND"],
    "escalateGroupDuty": ["GroupDuty", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN",
                          "FORBIDDEN", "FORBIDDEN", "COMMUNITY_NOT_FOUND"],
}  # fmt: skip


def _actor(w: World, name: str) -> Principal:
    return {
        "cadre": person(Role.COMMUNITY_CADRE),
        "leader": w.resident(0),
        "core": w.resident(1),
        "owner": w.resident(2),
        "neighbour": w.resident(3),
        "outsider": w.resident(5),
        "grid_worker": person(Role.GRID_WORKER),
        "beta": person(Role.COMMUNITY_CADRE, "beta"),
    }[name]


@pytest.mark.parametrize(
    ("act", "who"),
    [(act, who) for act in MATRIX for who in ACTORS],
)
async def test_permission_matrix_of_the_dogs_acts(gql, world, act, who):
    """Each role × each act of the slice answers as the table says (the act on home 2's dog
    and duties: home 2 is the owner's)."""
    expected = MATRIX[act][ACTORS.index(who)]
    actor = _actor(world, who)
    if act == "registerDog":
        got = await _register(gql, world, actor, world.homes[2])
    elif act == "recordGroupIncident":
        got = await _record(gql, world, actor, kind="OTHER")
    elif act == "settleGroupDuty":
        [duty, *_] = await _bite(world, hours_ago=1)
        got = (await gql(actor, SETTLE, c="alpha", id=str(duty), s="FULFILLED", e="已道歉"))[
            "settleGroupDuty"
        ]
    else:
        [duty, *_] = await _bite(world, hours_ago=100)
        got = (await gql(actor, ESCALATE, c="alpha", id=str(duty)))["escalateGroupDuty"]
    assert got.get("code", got["__typename"]) == expected, got


async def test_another_communitys_dogs_and_duties_answer_as_missing(gql, world):
    """beta's cadre reaches nothing of alpha's (no such community for them); in beta, alpha's
    dog and duty ids name nothing (beta's own rows have other ids)."""
    beta = person(Role.COMMUNITY_CADRE, "beta")
    [duty, *_] = await _bite(world, hours_ago=100)
    seen = await gql(beta, GROUP, c="alpha", g=str(world.group))
    assert seen["community"] is None
    dog = str(world.big_dog)
    for slug, code in (("alpha", "COMMUNITY_NOT_FOUND"), ("beta", "DOG_NOT_FOUND")):
        got = await gql(beta, UPDATE, c=slug, id=dog, input={"licenseNo": "X"})
        assert got["updateDog"]["code"] == code
    for slug, code in (("alpha", "COMMUNITY_NOT_FOUND"), ("beta", "DUTY_NOT_FOUND")):
        settle = await gql(beta, SETTLE, c=slug, id=str(duty), s="FULFILLED", e="x")
        assert settle["settleGroupDuty"]["code"] == code
        escalate = await gql(beta, ESCALATE, c=slug, id=str(duty))
        assert escalate["escalateGroupDuty"]["code"] == code
    # beta's own register is beta's alone.
    own = await gql(beta, GROUP, c="beta", g=str(world.beta_group))
    assert [d["id"] for d in own["community"]["group"]["dogs"]] == [str(world.beta_dog)]
    alpha_seen = await gql(person(Role.COMMUNITY_CADRE), GROUP, c="alpha", g=str(world.group))
    ids = [d["id"] for d in alpha_seen["community"]["group"]["dogs"]]
    assert str(world.beta_dog) not in ids


async def test_one_incident_reads_with_its_duties_and_matter(gql, world):
    """Group.incident shows an incident, its duties and an escalated duty's matter to the
    group's readers; null for one of no such id, or for a caller outside the group."""
    [apologise, *_] = await _bite(world, hours_ago=100)
    cadre = person(Role.COMMUNITY_CADRE)
    await gql(cadre, ESCALATE, c="alpha", id=str(apologise))
    incident = await _count("SELECT incident_id FROM group_duties WHERE id = $1", apologise)
    one = """query($c: String!, $g: ID!, $i: ID!) { community(slug: $c) { group(id: $g) {
      incident(id: $i) { id kind duties { id matter { id kind } } } } } }"""
    seen = await gql(world.resident(3), one, c="alpha", g=str(world.group), i=str(incident))
    got = seen["community"]["group"]["incident"]
    assert got["kind"] == "DOG_BITE" and got["duties"][0]["id"] == str(apologise)
    assert got["duties"][0]["matter"] is None  # a neighbour does not see the matter
    as_cadre = await gql(cadre, one, c="alpha", g=str(world.group), i=str(incident))
    assert as_cadre["community"]["group"]["incident"]["duties"][0]["matter"]["kind"] == "MINOR"
    outsider = await gql(world.resident(5), one, c="alpha", g=str(world.group), i=str(incident))
    assert outsider["community"]["group"]["incident"] is None
    missing = await gql(cadre, one, c="alpha", g=str(world.group), i="999999999")
    assert missing["community"]["group"]["incident"] is None


# -- each act is one tenant transaction: the result is read by its handler --------------------
@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The search path of every transaction opened while the test runs."""
    seen: list[str] = []
    original = tx_module._transaction

    @asynccontextmanager
    async def noting(pool_name: str, search_path: str, **kw: Any) -> AsyncIterator[Any]:
        seen.append(search_path)
        async with original(pool_name, search_path, **kw) as tx:
            yield tx

    monkeypatch.setattr(tx_module, "_transaction", noting)
    return seen


OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"


def _document(name: str) -> str:
    """A document the frontend sends."""
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


async def test_the_acts_are_one_tenant_transaction_each(gql, world, opened):
    """registerDog, recordGroupIncident and escalateGroupDuty (with the matter it made) each
    read the registry once and run one alpha transaction: the resolver reads nothing again."""
    cadre = person(Role.COMMUNITY_CADRE)
    [late, *_] = await _bite(world, hours_ago=100)
    acts = [
        ("registerDog", {"groupId": str(world.group),
                         "input": {"householdId": str(world.homes[2]), "name": "单事务",
                                   "sizeClass": "SMALL"}}),
        ("recordGroupIncident", {"groupId": str(world.group),
                                 "input": {"kind": "DOG_BITE", "memberId": str(world.members[2]),
                                           "dogId": str(world.big_dog),
                                           "occurredAt": ago(hours=1).isoformat()}}),
        ("escalateGroupDuty", {"id": str(late)}),
    ]  # fmt: skip
    for name, variables in acts:
        opened.clear()
        got = await gql(cadre, _document(name), community="alpha", **variables)
        (value,) = got.values()
        assert "code" not in value, value
        assert opened == [PLATFORM_SCHEMA, schema_for("alpha")], (name, opened)
    assert value["matter"]["kind"] == "MINOR"
