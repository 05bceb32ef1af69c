"""Resident groups through the GraphQL schema: register, members, roles as data, access,
isolation between communities, bad input, dissolving (two communities, real PostgreSQL)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from services.auth.model import Role
from services.grids.handlers import create_grid
from services.households import handlers as hh
from services.matters import handlers as matters
from services.matters.model import Channel
from tenants.tx import tenant_tx
from tests.integration.groups_support import homes_with_residents, person, schema_runner

FOUNDED = date(2026, 9, 10)


@pytest.fixture(scope="module")
def gql(settings):
    return schema_runner(settings)


@dataclass
class World:
    tag: str
    homes: list[int]  # alpha households
    residents: list[int]  # one resident per alpha household, same order
    subjects: list[str]  # their login subjects
    beta_home: int
    matter: int  # an alpha matter (the dog disputes)


@pytest.fixture(scope="module")
async def world(settings, communities) -> World:
    a, b = communities
    tag = secrets.token_hex(3)
    cadre_a, cadre_b = person(Role.COMMUNITY_CADRE, a), person(Role.COMMUNITY_CADRE, b)
    grid = (await create_grid(cadre_a, a, f"gr-{tag}", "组织网格")).id
    grid_b = (await create_grid(cadre_b, b, f"gr-{tag}", "组织网格")).id
    made = await homes_with_residents(
        settings, cadre_a, a, grid, 5,
        address=f"养犬巷 {{i}} 号 {tag}", name="犬主{i}", subject=f"dog-{{i}}-{tag}",
    )  # fmt: skip
    homes, residents, subjects = made.homes, made.residents, made.subjects
    beta_home = (
        await hh.create_household(cadre_b, b, hh.HouseholdInput(grid_b, f"乙 {tag}", 1), settings)
    ).id
    matter = await matters.register_request(
        cadre_a,
        a,
        matters.RegisterRequestInput(
            household_id=homes[0],
            channel=Channel.WALK_IN,
            category="pets",
            title="养犬纠纷",
            description="八十多户养犬，纠纷不断",
            occurred_on=date(2026, 8, 1),
        ),
        settings,
    )
    return World(tag, homes, residents, subjects, beta_home, matter.id)


REGISTER = """mutation($c: String!, $input: RegisterGroupInput!) {
  registerGroup(community: $c, input: $input) { __typename
    ... on Group { id kind nameZh purpose foundedOn ballotBasis memberCount canManage myRoles }
    ... on Error { code message messageEn } } }"""
ADD = """mutation($c: String!, $g: ID!, $input: GroupMemberInput!) {
  addGroupMember(community: $c, groupId: $g, input: $input) { __typename
    ... on GroupMember { id role joinedOn leftOn household { id } resident { id name } }
    ... on Error { code message } } }"""
LEAVE = """mutation($c: String!, $m: ID!, $on: Date!) {
  endGroupMembership(community: $c, memberId: $m, leftOn: $on) { __typename
    ... on GroupMember { id leftOn } ... on Error { code } } }"""
ROLE = """mutation($c: String!, $m: ID!, $r: GroupRole!) {
  setGroupMemberRole(community: $c, memberId: $m, role: $r) { __typename
    ... on GroupMember { id role } ... on Error { code } } }"""
DISSOLVE = """mutation($c: String!, $g: ID!, $on: Date!, $why: String!) {
  dissolveGroup(community: $c, id: $g, dissolvedOn: $on, reason: $why) { __typename
    ... on Group { id dissolvedOn dissolvedReason } ... on Error { code } } }"""
GROUP = """query($c: String!, $g: ID!, $former: Boolean! = false) { community(slug: $c) {
  group(id: $g) { id nameZh memberCount myRoles canManage foundingMatter { id title }
    members(includeFormer: $former) {
      totalCount items { id role leftOn household { id } } } } } }"""
GROUPS = """query($c: String!, $dissolved: Boolean! = false) { community(slug: $c) {
  groups(includeDissolved: $dissolved) { totalCount items { id nameZh kind } } } }"""


async def _register(gql, w: World, slug: str = "alpha", **extra: Any) -> dict[str, Any]:
    data = {
        "kind": "SELF_GOVERNANCE",
        "nameZh": f"养犬自治协会 {w.tag} {secrets.token_hex(2)}",
        "foundedOn": FOUNDED.isoformat(),
        "purpose": "养犬户自我管理",
        **extra,
    }
    got = await gql(person(Role.COMMUNITY_CADRE, slug), REGISTER, c=slug, input=data)
    return got["registerGroup"]


async def test_a_cadre_registers_a_group_founded_by_a_matter(gql, world):
    """The group is registered; the founding matter shows it; the directory lists it."""
    group = await _register(gql, world, foundingMatterId=str(world.matter))
    assert group["__typename"] == "Group", group
    assert (group["kind"], group["ballotBasis"], group["memberCount"]) == (
        "SELF_GOVERNANCE",
        "HOUSEHOLD",
        0,
    )
    assert group["canManage"] is True and group["myRoles"] == []
    founded = await gql(
        person(Role.COMMUNITY_CADRE),
        """query($c: String!, $m: ID!) { community(slug: $c) { matter(id: $m) {
           foundedGroups { id nameZh } } } }""",
        c="alpha",
        m=str(world.matter),
    )
    assert [g["id"] for g in founded["community"]["matter"]["foundedGroups"]] == [group["id"]]
    one = await gql(person(Role.GRID_WORKER), GROUP, c="alpha", g=group["id"])
    assert one["community"]["group"]["foundingMatter"]["title"] == "养犬纠纷"
    listed = await gql(person(Role.RESIDENT, subject=world.subjects[4]), GROUPS, c="alpha")
    assert group["id"] in [g["id"] for g in listed["community"]["groups"]["items"]]


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.COUNCIL_MEMBER, Role.RESIDENT])
async def test_only_cadres_register_groups(gql, world, role):
    """Registering a group is the community's cadres' act."""
    got = await gql(
        person(role),
        REGISTER,
        c="alpha",
        input={
            "kind": "OTHER",
            "nameZh": f"别的组织 {secrets.token_hex(3)}",
            "foundedOn": "2026-01-01",
        },
    )
    assert got["registerGroup"]["code"] == "FORBIDDEN"


async def test_bad_group_input_is_typed_and_writes_nothing(gql, world):
    """A taken name, control characters, an overlong name, a missing matter: typed errors."""
    first = await _register(gql, world)
    again = await _register(gql, world, nameZh=first["nameZh"])
    assert again["code"] == "GROUP_NAME_TAKEN"
    control = await _register(gql, world, nameZh="坏名字\x07")
    assert control["code"] == "CONTROL_CHARACTERS" and "控制字符" in control["message"]
    long = await _register(gql, world, nameZh="长" * 101)
    assert long["code"] == "TEXT_TOO_LONG"
    missing = await _register(gql, world, foundingMatterId="999999")
    assert missing["code"] == "MATTER_NOT_FOUND"
    async with tenant_tx("alpha") as tx:
        count = await tx.connection.fetchval(
            "SELECT count(*) FROM groups WHERE name_zh LIKE '坏名字%' OR name_zh LIKE '长长长%'"
        )
    assert count == 0


async def test_members_join_leave_and_the_history_is_kept(gql, world):
    """Households join once at a time; one leaves; former members stay on record."""
    group = await _register(gql, world)
    cadre = person(Role.COMMUNITY_CADRE)
    ids = []
    for home in world.homes[:3]:
        got = await gql(
            cadre, ADD, c="alpha", g=group["id"],
            input={"householdId": str(home), "joinedOn": "2026-09-10"},
        )  # fmt: skip
        assert got["addGroupMember"]["__typename"] == "GroupMember", got
        ids.append(got["addGroupMember"]["id"])
    twice = await gql(
        cadre, ADD, c="alpha", g=group["id"],
        input={"householdId": str(world.homes[0]), "joinedOn": "2026-09-11"},
    )  # fmt: skip
    assert twice["addGroupMember"]["code"] == "ALREADY_A_GROUP_MEMBER"
    early = await gql(
        cadre, ADD, c="alpha", g=group["id"],
        input={"householdId": str(world.homes[3]), "joinedOn": "2020-01-01"},
    )  # fmt: skip
    assert early["addGroupMember"]["code"] == "INVALID_INPUT"
    left = await gql(cadre, LEAVE, c="alpha", m=ids[2], on="2026-10-01")
    assert left["endGroupMembership"]["leftOn"] == "2026-10-01"
    again = await gql(cadre, LEAVE, c="alpha", m=ids[2], on="2026-10-02")
    assert again["endGroupMembership"]["code"] == "MEMBERSHIP_ENDED"
    now = await gql(cadre, GROUP, c="alpha", g=group["id"])
    assert now["community"]["group"]["memberCount"] == 2
    assert now["community"]["group"]["members"]["totalCount"] == 2
    history = await gql(cadre, GROUP, c="alpha", g=group["id"], former=True)
    members = history["community"]["group"]["members"]["items"]
    assert [m["id"] for m in members] == ids and members[2]["leftOn"] == "2026-10-01"
    # Rejoining after leaving is a new membership; the old one stays as it was.
    back = await gql(
        cadre, ADD, c="alpha", g=group["id"],
        input={"householdId": str(world.homes[2]), "joinedOn": "2026-11-01"},
    )  # fmt: skip
    assert back["addGroupMember"]["__typename"] == "GroupMember"


async def test_roles_are_data_the_leader_manages_members_read(gql, world):
    """A resident made leader manages the group by their login; a member reads it; a
    resident of a non-member household does not see its members."""
    group = await _register(gql, world)
    cadre = person(Role.COMMUNITY_CADRE)
    no_person = await gql(
        cadre, ADD, c="alpha", g=group["id"],
        input={"householdId": str(world.homes[0]), "joinedOn": "2026-09-10", "role": "LEADER"},
    )  # fmt: skip
    assert no_person["addGroupMember"]["code"] == "ROLE_NEEDS_RESIDENT"
    leader = await gql(
        cadre, ADD, c="alpha", g=group["id"],
        input={"householdId": str(world.homes[0]), "residentId": str(world.residents[0]),
               "joinedOn": "2026-09-10", "role": "LEADER"},
    )  # fmt: skip
    assert leader["addGroupMember"]["role"] == "LEADER"
    assert leader["addGroupMember"]["resident"]["name"] == "犬主0"
    as_leader = person(Role.RESIDENT, subject=world.subjects[0])
    member = await gql(
        as_leader, ADD, c="alpha", g=group["id"],
        input={"householdId": str(world.homes[1]), "joinedOn": "2026-09-12"},
    )  # fmt: skip
    assert member["addGroupMember"]["__typename"] == "GroupMember", member
    as_member = person(Role.RESIDENT, subject=world.subjects[1])
    seen = await gql(as_member, GROUP, c="alpha", g=group["id"])
    assert seen["community"]["group"]["myRoles"] == ["MEMBER"]
    assert seen["community"]["group"]["canManage"] is False
    assert seen["community"]["group"]["members"]["totalCount"] == 2
    refused = await gql(
        as_member, ADD, c="alpha", g=group["id"],
        input={"householdId": str(world.homes[4]), "joinedOn": "2026-09-12"},
    )  # fmt: skip
    assert refused["addGroupMember"]["code"] == "FORBIDDEN"
    outsider = person(Role.RESIDENT, subject=world.subjects[4])
    looked = await gql(outsider, GROUP, c="alpha", g=group["id"])
    assert looked["community"]["group"]["members"] is None  # the directory, not the members
    # Roles change; a member role needs nobody named, a core one does.
    core = await gql(cadre, ROLE, c="alpha", m=member["addGroupMember"]["id"], r="CORE")
    assert core["setGroupMemberRole"]["code"] == "ROLE_NEEDS_RESIDENT"
    demoted = await gql(cadre, ROLE, c="alpha", m=leader["addGroupMember"]["id"], r="MEMBER")
    assert demoted["setGroupMemberRole"]["role"] == "MEMBER"
    # The leader's own household shows its memberships to the resident.
    mine = await gql(
        as_leader,
        """query($c: String!, $h: ID!) { community(slug: $c) { household(id: $h) {
           groupMemberships { id role groupId } } } }""",
        c="alpha",
        h=str(world.homes[0]),
    )
    memberships = mine["community"]["household"]["groupMemberships"]
    ours = [m for m in memberships if m["groupId"] == group["id"]]
    assert [m["role"] for m in ours] == ["MEMBER"]  # demoted above, the row kept


async def test_another_communitys_group_answers_as_missing(gql, world):
    """beta's cadre sees nothing of alpha's group, and acting on it finds no such group."""
    group = await _register(gql, world)
    beta = person(Role.COMMUNITY_CADRE, "beta")
    seen = await gql(beta, GROUP, c="beta", g=group["id"])
    assert seen["community"]["group"] is None
    acted = await gql(
        beta, ADD, c="beta", g=group["id"],
        input={"householdId": str(world.beta_home), "joinedOn": "2026-09-10"},
    )  # fmt: skip
    assert acted["addGroupMember"]["code"] == "GROUP_NOT_FOUND"
    across = await gql(
        person(Role.COMMUNITY_CADRE), ADD, c="alpha", g=group["id"],
        input={"householdId": str(world.beta_home + 10_000), "joinedOn": "2026-09-10"},
    )  # fmt: skip
    assert across["addGroupMember"]["code"] == "HOUSEHOLD_NOT_FOUND"


async def test_a_dissolved_group_is_kept_and_takes_no_new_acts(gql, world):
    """Dissolving keeps the record; joining afterwards is refused; the directory hides it
    unless asked."""
    group = await _register(gql, world)
    cadre = person(Role.COMMUNITY_CADRE)
    done = await gql(cadre, DISSOLVE, c="alpha", g=group["id"], on="2026-12-01", why="合并")
    assert done["dissolveGroup"]["dissolvedOn"] == "2026-12-01"
    twice = await gql(cadre, DISSOLVE, c="alpha", g=group["id"], on="2026-12-02", why="再次")
    assert twice["dissolveGroup"]["code"] == "GROUP_DISSOLVED"
    join = await gql(
        cadre, ADD, c="alpha", g=group["id"],
        input={"householdId": str(world.homes[0]), "joinedOn": "2026-12-05"},
    )  # fmt: skip
    assert join["addGroupMember"]["code"] == "GROUP_DISSOLVED"
    active = await gql(cadre, GROUPS, c="alpha")
    assert group["id"] not in [g["id"] for g in active["community"]["groups"]["items"]]
    everything = await gql(cadre, GROUPS, c="alpha", dissolved=True)
    assert group["id"] in [g["id"] for g in everything["community"]["groups"]["items"]]


async def test_a_resident_basis_group_names_its_members(gql, world):
    """Where each member is a resident, a membership without one is refused; two residents
    of one household may both be members."""
    group = await _register(gql, world, ballotBasis="RESIDENT", kind="INTEREST")
    cadre = person(Role.COMMUNITY_CADRE)
    unnamed = await gql(
        cadre, ADD, c="alpha", g=group["id"],
        input={"householdId": str(world.homes[0]), "joinedOn": "2026-09-10"},
    )  # fmt: skip
    assert unnamed["addGroupMember"]["code"] == "INVALID_INPUT"
    named = await gql(
        cadre, ADD, c="alpha", g=group["id"],
        input={"householdId": str(world.homes[0]), "residentId": str(world.residents[0]),
               "joinedOn": "2026-09-10"},
    )  # fmt: skip
    assert named["addGroupMember"]["__typename"] == "GroupMember"
    wrong_home = await gql(
        cadre, ADD, c="alpha", g=group["id"],
        input={"householdId": str(world.homes[1]), "residentId": str(world.residents[0]),
               "joinedOn": "2026-09-10"},
    )  # fmt: skip
    assert wrong_home["addGroupMember"]["code"] == "INVALID_INPUT"


async def test_the_directory_filters_by_kind(gql, world):
    """groups(kind:) lists and counts only that kind (the page and the count share the filter)."""
    interest = await _register(gql, world, kind="INTEREST")
    await _register(gql, world, kind="ELDERS")
    got = await gql(
        person(Role.COMMUNITY_CADRE),
        """query($c: String!) { community(slug: $c) {
           groups(kind: INTEREST, first: 200) { totalCount items { id kind } } } }""",
        c="alpha",
    )
    page = got["community"]["groups"]
    assert interest["id"] in [g["id"] for g in page["items"]]
    assert {g["kind"] for g in page["items"]} == {"INTEREST"}
    assert page["totalCount"] == len(page["items"])
