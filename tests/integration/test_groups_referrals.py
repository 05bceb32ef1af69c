"""Referrals to real groups (转介) through the GraphQL schema: a matter referred to a group,
its leader and core accept, decline or complete it, the matter shows it; access, isolation
between communities, bad input writing nothing, free-text referrals linked by name."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.auth.model import Principal, Role
from services.grids.handlers import create_grid
from services.groups import handlers as groups
from services.groups.model import GroupKind, GroupRole
from services.households import handlers as hh
from services.matters import handlers as matters
from services.matters.model import MatterKind, MatterStatus
from tenants import tx as tx_module
from tenants.slugs import PLATFORM_SCHEMA, schema_for
from tenants.tx import tenant_tx
from tests.integration.groups_support import (
    decided_matter,
    homes_with_residents,
    person,
    schema_runner,
)
from workers import registry

FOUNDED = date(2026, 3, 1)


CADRE = person(Role.COMMUNITY_CADRE)
GRID_WORKER = person(Role.GRID_WORKER)


@pytest.fixture(autouse=True)
def major_topic() -> Iterator[None]:
    """Classifying a major matter writes `matter.major` (routing's actor consumes it)."""
    registry.load_actor_modules()
    if "matter.major" in registry.topics():
        yield
        return
    spec = registry.ActorSpec("tests.referrals_major", lambda **_: None)
    with registry.declared(spec, topic_map={"matter.major": "tests.referrals_major"}):
        yield


@pytest.fixture(scope="module")
def gql(settings):
    return schema_runner(settings)


@dataclass
class World:
    tag: str
    homes: list[int]  # alpha: 0 the leader's, 1 the core member's, 2 a member's, 3 the
    # elderly household whose matters are referred, 4 an outsider's
    subjects: list[str]
    beta_home: int
    grid: int


@pytest.fixture(scope="module")
async def world(settings, communities) -> World:
    a, b = communities
    tag = secrets.token_hex(3)
    cadre_b = person(Role.COMMUNITY_CADRE, b)
    grid = (await create_grid(CADRE, a, f"rf-{tag}", "转介网格")).id
    grid_b = (await create_grid(cadre_b, b, f"rf-{tag}", "转介网格")).id
    made = await homes_with_residents(
        settings, CADRE, a, grid, 5,
        address=f"东海路 {{i}} 号 {tag}", name="居民{i}", subject=f"ref-{{i}}-{tag}",
    )  # fmt: skip
    homes, subjects = made.homes, made.subjects
    beta_home = (
        await hh.create_household(cadre_b, b, hh.HouseholdInput(grid_b, f"乙 {tag}", 1), settings)
    ).id
    return World(tag, homes, subjects, beta_home, grid)


def resident(w: World, i: int) -> Principal:
    return person(Role.RESIDENT, subject=w.subjects[i])


async def team(w: World, name: str | None = None) -> int:
    """A fresh 金色港湾义工队: resident 0 leads it, resident 1 is core, household 2 a member."""
    view = await groups.register_group(
        CADRE,
        "alpha",
        groups.GroupInput(
            kind=GroupKind.VOLUNTEER_TEAM,
            name_zh=name or f"金色港湾义工队 {w.tag} {secrets.token_hex(2)}",
            founded_on=FOUNDED,
        ),
    )
    gid = view.group.id
    async with tenant_tx("alpha") as tx:
        people = dict(
            await tx.connection.fetch(
                "SELECT household_id, id FROM residents WHERE household_id = ANY($1::int[])",
                w.homes[:2],
            )
        )
    for i, role in ((0, GroupRole.LEADER), (1, GroupRole.CORE)):
        data = groups.MemberInput(w.homes[i], FOUNDED, people[w.homes[i]], role)
        await groups.add_member(CADRE, "alpha", gid, data)
    await groups.add_member(CADRE, "alpha", gid, groups.MemberInput(w.homes[2], FOUNDED))
    return gid


async def matter(settings, w: World, kind: MatterKind, slug: str = "alpha") -> int:
    """A request of the elderly household, decided by the council as ``kind``."""
    home = w.homes[3] if slug == "alpha" else w.beta_home
    actor = CADRE if slug == "alpha" else person(Role.COMMUNITY_CADRE, slug)
    return await decided_matter(settings, actor, slug, home, kind)


REFER = """mutation($c: String!, $m: ID!, $g: ID!, $note: String! = "") {
  referMatterToGroup(community: $c, matterId: $m, groupId: $g, note: $note) { __typename
    ... on Referral { id matterId groupRef groupName note status actedAt actNote
      group { id nameZh } groupActs matter { id title } }
    ... on Error { code message messageEn } } }"""
FREE = """mutation($c: String!, $m: ID!, $i: ReferMatterInput!) {
  referMatter(community: $c, matterId: $m, input: $i) { __typename
    ... on Referral { id status groupName group { id } } ... on Error { code } } }"""
_FIELDS = """__typename ... on Referral { id status actedBy actedAt actNote groupActs
      group { id } matter { id } } ... on Error { code message messageEn }"""
ACCEPT = f"""mutation($c: String!, $r: ID!, $note: String! = "") {{
  acceptGroupReferral(community: $c, referralId: $r, note: $note) {{ {_FIELDS} }} }}"""
DECLINE = f"""mutation($c: String!, $r: ID!, $why: String!) {{
  declineGroupReferral(community: $c, referralId: $r, reason: $why) {{ {_FIELDS} }} }}"""
COMPLETE = f"""mutation($c: String!, $r: ID!, $note: String!) {{
  completeGroupReferral(community: $c, referralId: $r, note: $note) {{ {_FIELDS} }} }}"""
LIST = """query($c: String!, $g: ID!, $s: [ReferralStatus!], $first: Int! = 50, $after: String) {
  community(slug: $c) { group(id: $g) { referrals(statuses: $s, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    items { id status note groupActs matter { id title status household { id } } } } } } }"""
MATTER = """query($c: String!, $m: ID!) { community(slug: $c) { matter(id: $m) {
  referrals { id groupRef groupName status actedAt actNote group { id nameZh } groupActs } } } }"""


async def refer(gql, matter_id: int, group_id: int | str, actor=CADRE, **extra) -> dict:
    got = await gql(actor, REFER, c="alpha", m=str(matter_id), g=str(group_id), **extra)
    return got["referMatterToGroup"]


async def stored(referral_id: str | int, slug: str = "alpha") -> tuple[str, str | None, str]:
    async with tenant_tx(slug) as tx:
        row = await tx.connection.fetchrow(
            "SELECT status, acted_by, act_note FROM referrals WHERE id = $1", int(referral_id)
        )
    return row["status"], row["acted_by"], row["act_note"]


async def audits(matter_id: int | str, action: str) -> int:
    async with tenant_tx("alpha") as tx:
        return await tx.connection.fetchval(
            "SELECT count(*) FROM audit_log WHERE subject = $1 AND action = $2",
            f"matter:{matter_id}",
            action,
        )


async def test_referred_accepted_completed_and_the_matter_shows_it(gql, settings, world):
    """A cadre refers a private matter; the leader sees it, accepts, completes; the matter
    and its resident see each step through Matter.referrals and Referral.group."""
    gid = await team(world)
    mid = await matter(settings, world, MatterKind.PRIVATE)
    made = await refer(gql, mid, gid, note="每月25日")
    assert made["__typename"] == "Referral", made
    assert (made["status"], made["actedAt"], made["note"]) == ("REFERRED", None, "每月25日")
    assert made["group"]["id"] == str(gid) and made["groupName"] == made["group"]["nameZh"]
    assert made["groupRef"] == f"group:{gid}" and made["matter"]["id"] == str(mid)
    assert made["groupActs"] == ["ACCEPT", "DECLINE"]  # the cadre manages the group
    leader = resident(world, 0)
    seen = await gql(leader, LIST, c="alpha", g=str(gid), s=["REFERRED"])
    listed = seen["community"]["group"]["referrals"]
    assert listed["totalCount"] == 1
    item = listed["items"][0]
    assert (item["id"], item["groupActs"]) == (made["id"], ["ACCEPT", "DECLINE"])
    assert item["matter"]["title"] == "每月25日上门量血压"  # shared with the group's leader
    assert item["matter"]["household"]["id"] == str(world.homes[3])
    accepted = (await gql(leader, ACCEPT, c="alpha", r=made["id"], note="25日上门"))[
        "acceptGroupReferral"
    ]
    assert (accepted["status"], accepted["actNote"]) == ("ACCEPTED", "25日上门")
    assert accepted["actedBy"] == world.subjects[0] and accepted["actedAt"]
    assert accepted["groupActs"] == ["COMPLETE"] and accepted["group"]["id"] == str(gid)
    done = (await gql(leader, COMPLETE, c="alpha", r=made["id"], note="已上门量血压"))[
        "completeGroupReferral"
    ]
    assert (done["status"], done["actNote"], done["groupActs"]) == ("COMPLETED", "已上门量血压", [])
    shown = await gql(CADRE, MATTER, c="alpha", m=str(mid))
    [referral] = shown["community"]["matter"]["referrals"]
    assert (referral["status"], referral["actNote"]) == ("COMPLETED", "已上门量血压")
    assert referral["group"]["id"] == str(gid) and referral["actedAt"]
    own = await gql(resident(world, 3), MATTER, c="alpha", m=str(mid))
    assert own["community"]["matter"]["referrals"][0]["status"] == "COMPLETED"
    assert own["community"]["matter"]["referrals"][0]["groupActs"] == []  # not theirs to act
    assert await audits(mid, "matter.refer") == 1
    assert await audits(mid, "group.referral.accept") == 1
    assert await audits(mid, "group.referral.complete") == 1
    # The matter's own lifecycle stays the community's: completing the referral is not
    # resolving the matter.
    async with tenant_tx("alpha") as tx:
        status = await tx.connection.fetchval("SELECT status FROM matters WHERE id = $1", mid)
    assert status == MatterStatus.CLASSIFIED.value


async def test_a_core_member_declines_a_minor_matter_with_a_reason(gql, settings, world):
    """A grid worker refers a minor matter; the core member declines it (the reason is
    required); nothing follows a declined referral."""
    gid = await team(world)
    mid = await matter(settings, world, MatterKind.MINOR)
    made = await refer(gql, mid, gid, actor=GRID_WORKER)
    core = resident(world, 1)
    silent = await gql(core, DECLINE, c="alpha", r=made["id"], why="  ")
    assert silent["declineGroupReferral"]["code"] == "INVALID_INPUT"
    assert await stored(made["id"]) == ("referred", None, "")
    declined = await gql(core, DECLINE, c="alpha", r=made["id"], why="本月人手不足")
    assert declined["declineGroupReferral"]["status"] == "DECLINED"
    assert declined["declineGroupReferral"]["actNote"] == "本月人手不足"
    late = await gql(core, ACCEPT, c="alpha", r=made["id"])
    assert late["acceptGroupReferral"]["code"] == "REFERRAL_TRANSITION"
    assert "已婉拒" in late["acceptGroupReferral"]["message"]
    assert await stored(made["id"]) == ("declined", world.subjects[1], "本月人手不足")


async def test_wrong_transitions_are_typed_and_write_nothing(gql, settings, world):
    """Completing before accepting, accepting twice, declining an accepted referral:
    REFERRAL_TRANSITION, the referral and the audit trail unchanged."""
    gid = await team(world)
    mid = await matter(settings, world, MatterKind.PRIVATE)
    made = await refer(gql, mid, gid)
    early = await gql(CADRE, COMPLETE, c="alpha", r=made["id"], note="完成")
    assert early["completeGroupReferral"]["code"] == "REFERRAL_TRANSITION"
    assert early["completeGroupReferral"]["messageEn"].startswith("The referral is 'Referred'")
    assert await stored(made["id"]) == ("referred", None, "")
    await gql(CADRE, ACCEPT, c="alpha", r=made["id"])
    twice = await gql(CADRE, ACCEPT, c="alpha", r=made["id"], note="再次")
    assert twice["acceptGroupReferral"]["code"] == "REFERRAL_TRANSITION"
    back = await gql(CADRE, DECLINE, c="alpha", r=made["id"], why="不做了")
    assert back["declineGroupReferral"]["code"] == "REFERRAL_TRANSITION"
    assert await stored(made["id"]) == ("accepted", CADRE.subject, "")
    assert await audits(mid, "group.referral.accept") == 1
    assert await audits(mid, "group.referral.decline") == 0


async def test_a_plain_member_and_an_outsider_can_neither_act_nor_list(gql, settings, world):
    """A member reads the group but neither acts on its referrals nor sees other
    households' matters: like a resident outside it, they find no referral (the answer
    for an id that names nothing); staff read the list."""
    gid = await team(world)
    made = await refer(gql, await matter(settings, world, MatterKind.PRIVATE), gid)
    member, outsider = resident(world, 2), resident(world, 4)
    ghost = (await gql(member, ACCEPT, c="alpha", r="987654321"))["acceptGroupReferral"]
    for caller in (member, outsider):
        missing = await gql(caller, ACCEPT, c="alpha", r=made["id"])
        assert missing["acceptGroupReferral"] == ghost
        assert ghost["code"] == "REFERRAL_NOT_FOUND"
    assert await stored(made["id"]) == ("referred", None, "")
    for caller in (member, outsider):
        seen = await gql(caller, LIST, c="alpha", g=str(gid))
        assert seen["community"]["group"]["referrals"] is None
    staff = await gql(GRID_WORKER, LIST, c="alpha", g=str(gid))
    items = staff["community"]["group"]["referrals"]["items"]
    assert [i["id"] for i in items] == [made["id"]] and items[0]["groupActs"] == []
    # Referring is the community's act (cadres, grid workers), not the group's leader's.
    other = await matter(settings, world, MatterKind.PRIVATE)
    by_leader = await refer(gql, other, gid, actor=resident(world, 0))
    assert by_leader["code"] == "FORBIDDEN"


async def test_another_communitys_group_and_referrals_answer_as_missing(gql, settings, world):
    """Alpha's matter cannot be referred to beta's group (GROUP_NOT_FOUND, as if missing);
    beta's cadre cannot see or act on alpha's referrals."""
    gid = await team(world)
    async with tenant_tx("alpha") as tx:
        alpha_max = await tx.connection.fetchval("SELECT max(id) FROM groups")
    beta = person(Role.COMMUNITY_CADRE, "beta")
    beta_group = 0
    while beta_group <= alpha_max:  # an id that names no group of alpha
        view = await groups.register_group(
            beta,
            "beta",
            groups.GroupInput(
                kind=GroupKind.VOLUNTEER_TEAM,
                name_zh=f"乙义工队 {world.tag} {secrets.token_hex(3)}",
                founded_on=FOUNDED,
            ),
        )
        beta_group = view.group.id
    mid = await matter(settings, world, MatterKind.PRIVATE)
    across = await refer(gql, mid, beta_group)
    assert across["code"] == "GROUP_NOT_FOUND"
    made = await refer(gql, mid, gid)
    assert made["__typename"] == "Referral"
    into = await gql(beta, ACCEPT, c="alpha", r=made["id"])
    assert into["acceptGroupReferral"]["code"] == "COMMUNITY_NOT_FOUND"
    async with tenant_tx("beta") as tx:
        beta_max = await tx.connection.fetchval("SELECT coalesce(max(id), 0) FROM referrals")
    ghost = await gql(beta, ACCEPT, c="beta", r=str(beta_max + 1_000))
    assert ghost["acceptGroupReferral"]["code"] == "REFERRAL_NOT_FOUND"
    assert await stored(made["id"]) == ("referred", None, "")
    seen = await gql(beta, LIST, c="beta", g=str(gid))
    group = seen["community"]["group"]
    assert group is None or group["referrals"]["totalCount"] == 0  # beta's own id, if any
    async with tenant_tx("alpha") as tx:
        count = await tx.connection.fetchval(
            "SELECT count(*) FROM referrals WHERE matter_id = $1", mid
        )
    assert count == 1


async def test_a_major_matter_is_not_referred(gql, settings, world):
    """Major matters go to county departments: WRONG_KIND, no referral, no audit entry."""
    gid = await team(world)
    mid = await matter(settings, world, MatterKind.MAJOR)
    refused = await refer(gql, mid, gid)
    assert refused["code"] == "WRONG_KIND" and "大事" in refused["message"]
    free = await gql(
        CADRE, FREE, c="alpha", m=str(mid), i={"groupRef": "x", "groupName": "某义工队"}
    )
    assert free["referMatter"]["code"] == "WRONG_KIND"
    async with tenant_tx("alpha") as tx:
        count = await tx.connection.fetchval(
            "SELECT count(*) FROM referrals WHERE matter_id = $1", mid
        )
    assert count == 0 and await audits(mid, "matter.refer") == 0


async def test_a_dissolved_group_takes_no_referral_and_no_act(gql, settings, world):
    """Referring to a dissolved group and acting for it: GROUP_DISSOLVED, nothing written."""
    gid = await team(world)
    mid = await matter(settings, world, MatterKind.PRIVATE)
    made = await refer(gql, mid, gid)
    await groups.dissolve_group(CADRE, "alpha", gid, date(2026, 6, 1), "并入其他义工队")
    again = await refer(gql, await matter(settings, world, MatterKind.PRIVATE), gid)
    assert again["code"] == "GROUP_DISSOLVED"
    act = await gql(resident(world, 0), ACCEPT, c="alpha", r=made["id"])
    assert act["acceptGroupReferral"]["code"] == "GROUP_DISSOLVED"
    assert await stored(made["id"]) == ("referred", None, "")
    shown = await gql(CADRE, MATTER, c="alpha", m=str(mid))
    assert shown["community"]["matter"]["referrals"][0]["groupActs"] == []


async def test_bad_text_is_typed_and_writes_nothing(gql, settings, world):
    """Control characters or overlong notes and reasons: typed errors, nothing written."""
    gid = await team(world)
    mid = await matter(settings, world, MatterKind.PRIVATE)
    long_note = await refer(gql, mid, gid, note="长" * 1_001)
    assert long_note["code"] == "TEXT_TOO_LONG"
    control = await refer(gql, mid, gid, note="坏\x00")
    assert control["code"] == "CONTROL_CHARACTERS"
    async with tenant_tx("alpha") as tx:
        count = await tx.connection.fetchval(
            "SELECT count(*) FROM referrals WHERE matter_id = $1", mid
        )
    assert count == 0
    made = await refer(gql, mid, gid)
    bad = await gql(CADRE, DECLINE, c="alpha", r=made["id"], why="理由\x1b[31m")
    assert bad["declineGroupReferral"]["code"] == "CONTROL_CHARACTERS"
    long = await gql(CADRE, DECLINE, c="alpha", r=made["id"], why="长" * 1_001)
    assert long["declineGroupReferral"]["code"] == "TEXT_TOO_LONG"
    unknown = await gql(CADRE, ACCEPT, c="alpha", r="not-an-id")
    assert unknown["acceptGroupReferral"]["code"] == "REFERRAL_NOT_FOUND"
    assert await stored(made["id"]) == ("referred", None, "")


async def test_free_text_referrals_are_linked_when_their_group_is_registered(gql, settings, world):
    """A free-text referral names a group registered later: linked on registration (the
    leader then sees and acts on it); one naming no group stays text with no group."""
    name = f"夕阳红义工队 {world.tag}"
    mid = await matter(settings, world, MatterKind.PRIVATE)
    linked = await gql(
        CADRE, FREE, c="alpha", m=str(mid), i={"groupRef": "sunset", "groupName": name}
    )
    unmatched = await gql(
        CADRE, FREE, c="alpha", m=str(mid),
        i={"groupRef": "nobody", "groupName": f"没有登记的队 {world.tag}"},
    )  # fmt: skip
    assert linked["referMatter"]["group"] is None and linked["referMatter"]["status"] == "REFERRED"
    text_only = await gql(CADRE, ACCEPT, c="alpha", r=linked["referMatter"]["id"])
    assert text_only["acceptGroupReferral"]["code"] == "REFERRAL_NOT_FOUND"  # no group yet
    gid = await team(world, name)
    shown = await gql(CADRE, MATTER, c="alpha", m=str(mid))
    by_id = {r["id"]: r for r in shown["community"]["matter"]["referrals"]}
    assert by_id[linked["referMatter"]["id"]]["group"] == {"id": str(gid), "nameZh": name}
    assert by_id[linked["referMatter"]["id"]]["groupRef"] == "sunset"  # its text is kept
    assert by_id[unmatched["referMatter"]["id"]]["group"] is None
    assert by_id[unmatched["referMatter"]["id"]]["status"] == "REFERRED"
    assert await audits(mid, "matter.referral.link") == 1
    leader = resident(world, 0)
    seen = await gql(leader, LIST, c="alpha", g=str(gid))
    assert [i["id"] for i in seen["community"]["group"]["referrals"]["items"]] == [
        linked["referMatter"]["id"]
    ]
    accepted = await gql(leader, ACCEPT, c="alpha", r=linked["referMatter"]["id"])
    assert accepted["acceptGroupReferral"]["status"] == "ACCEPTED"


async def test_the_groups_referrals_are_paged_newest_first_and_filtered(gql, settings, world):
    """Group.referrals: newest first, filtered by status, pages that join up."""
    gid = await team(world)
    made = []
    for _ in range(3):
        made.append(
            (await refer(gql, await matter(settings, world, MatterKind.PRIVATE), gid))["id"]
        )
    await gql(CADRE, ACCEPT, c="alpha", r=made[0])
    first = await gql(CADRE, LIST, c="alpha", g=str(gid), first=2)
    page = first["community"]["group"]["referrals"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"] is True
    assert [i["id"] for i in page["items"]] == [made[2], made[1]]
    rest = await gql(
        CADRE, LIST, c="alpha", g=str(gid), first=2, after=page["pageInfo"]["endCursor"]
    )
    tail = rest["community"]["group"]["referrals"]
    assert [i["id"] for i in tail["items"]] == [made[0]] and not tail["pageInfo"]["hasNextPage"]
    open_ = await gql(CADRE, LIST, c="alpha", g=str(gid), s=["REFERRED"])
    assert [i["id"] for i in open_["community"]["group"]["referrals"]["items"]] == made[2:0:-1]
    both = await gql(CADRE, LIST, c="alpha", g=str(gid), s=["REFERRED", "ACCEPTED"])
    assert both["community"]["group"]["referrals"]["totalCount"] == 3


OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"


async def test_each_act_is_one_transaction_and_its_result_needs_no_other(
    gql, settings, world, monkeypatch
):
    """The frontend's documents: refer, accept, complete, decline each open one tenant
    transaction (and the registry read), the result read by the handler in it."""
    gid = await team(world)
    mids = [await matter(settings, world, MatterKind.PRIVATE) for _ in range(2)]
    opened: list[str] = []
    original = tx_module._transaction

    @asynccontextmanager
    async def noting(pool_name: str, search_path: str, **kw: Any) -> AsyncIterator[Any]:
        opened.append(search_path)
        async with original(pool_name, search_path, **kw) as tx:
            yield tx

    monkeypatch.setattr(tx_module, "_transaction", noting)

    async def once(name: str, **variables: Any) -> dict[str, Any]:
        opened.clear()
        doc = (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")
        (value,) = (await gql(CADRE, doc, community="alpha", **variables)).values()
        assert opened == [PLATFORM_SCHEMA, schema_for("alpha")], (name, opened)
        assert value["__typename"] == "Referral", value
        return value

    first = await once("referMatterToGroup", matterId=str(mids[0]), groupId=str(gid))
    second = await once("referMatterToGroup", matterId=str(mids[1]), groupId=str(gid))
    assert first["group"]["id"] == str(gid)
    assert (await once("acceptGroupReferral", referralId=first["id"]))["status"] == "ACCEPTED"
    done = await once("completeGroupReferral", referralId=first["id"], note="已完成")
    assert done["status"] == "COMPLETED"
    declined = await once("declineGroupReferral", referralId=second["id"], reason="人手不足")
    assert declined["groupActs"] == []


# Who may: refer a matter to a group, see the group's referrals, act on one (accept).
OK, NO, MISSING = "Referral", "FORBIDDEN", "REFERRAL_NOT_FOUND"
MATRIX = [
    ("cadre", Role.COMMUNITY_CADRE, None, OK, True, OK),
    ("grid worker", Role.GRID_WORKER, None, OK, True, NO),
    ("council member", Role.COUNCIL_MEMBER, None, NO, True, NO),
    ("county admin", Role.COUNTY_ADMIN, None, NO, True, NO),
    ("county leader", Role.COUNTY_LEADER, None, NO, True, NO),
    ("group leader", Role.RESIDENT, 0, NO, True, OK),
    ("group core", Role.RESIDENT, 1, NO, True, OK),
    ("group member", Role.RESIDENT, 2, NO, False, MISSING),  # not shown the referrals
    ("the matter's household", Role.RESIDENT, 3, NO, False, MISSING),
    ("outsider", Role.RESIDENT, 4, NO, False, MISSING),
]


@pytest.fixture(scope="module")
async def matrix_team(world) -> int:
    return await team(world)


@pytest.mark.parametrize(
    ("role", "resident_no", "refers", "lists", "accepts"),
    [m[1:] for m in MATRIX],
    ids=[m[0] for m in MATRIX],
)
async def test_the_permission_matrix_of_referrals(
    gql, settings, world, matrix_team, role, resident_no, refers, lists, accepts
):
    """Roles × referral operations: referring is the community's (cadres, grid workers);
    its cadres, the group's leader and core act; staff read the list (and are Forbidden to
    act); those not shown the list (plain members, outsiders) find no referral."""
    actor = person(role) if resident_no is None else resident(world, resident_no)
    made = await refer(gql, await matter(settings, world, MatterKind.PRIVATE), matrix_team)
    mine = await refer(gql, await matter(settings, world, MatterKind.PRIVATE), matrix_team, actor)
    assert mine.get("code", mine["__typename"]) == refers
    seen = await gql(actor, LIST, c="alpha", g=str(matrix_team))
    assert (seen["community"]["group"]["referrals"] is not None) is lists
    acted = (await gql(actor, ACCEPT, c="alpha", r=made["id"]))["acceptGroupReferral"]
    assert acted.get("code", acted["__typename"]) == accepts
    expected = "accepted" if accepts == OK else "referred"
    assert (await stored(made["id"]))[0] == expected


async def test_anonymous_callers_are_refused(gql, world):
    """No caller, no act: UNAUTHENTICATED before anything is read."""
    got = await gql(None, ACCEPT, c="alpha", r="1")
    assert got["acceptGroupReferral"]["code"] == "UNAUTHENTICATED"
    refer_got = await gql(None, REFER, c="alpha", m="1", g="1")
    assert refer_got["referMatterToGroup"]["code"] == "UNAUTHENTICATED"


async def test_a_group_does_not_take_on_a_withdrawn_matter(gql, settings, world):
    """Accepting a referral of a withdrawn matter, or completing one: MATTER_NOT_OPEN and
    nothing written; declining it is still possible."""
    gid = await team(world)
    mids = [await matter(settings, world, MatterKind.PRIVATE) for _ in range(2)]
    made = [await refer(gql, mid, gid) for mid in mids]
    await gql(CADRE, ACCEPT, c="alpha", r=made[1]["id"])
    for mid in mids:
        await matters.withdraw_matter(CADRE, "alpha", mid, settings, reason="居民搬离本社区")
    # What the referral offers says so before anyone tries: only declining is left (on the
    # matter's own list, and on the group's)
    shown = await gql(CADRE, MATTER, c="alpha", m=str(mids[0]))
    assert shown["community"]["matter"]["referrals"][0]["groupActs"] == ["DECLINE"]
    shown = await gql(CADRE, MATTER, c="alpha", m=str(mids[1]))
    assert shown["community"]["matter"]["referrals"][0]["groupActs"] == []
    listed = await gql(CADRE, LIST, c="alpha", g=str(gid))
    acts = {i["id"]: i["groupActs"] for i in listed["community"]["group"]["referrals"]["items"]}
    assert acts == {made[0]["id"]: ["DECLINE"], made[1]["id"]: []}
    late = await gql(CADRE, ACCEPT, c="alpha", r=made[0]["id"])
    assert late["acceptGroupReferral"]["code"] == "MATTER_NOT_OPEN"
    assert late["acceptGroupReferral"]["message"] and late["acceptGroupReferral"]["messageEn"]
    done = await gql(CADRE, COMPLETE, c="alpha", r=made[1]["id"], note="已上门")
    assert done["completeGroupReferral"]["code"] == "MATTER_NOT_OPEN"
    assert await stored(made[0]["id"]) == ("referred", None, "")
    assert (await stored(made[1]["id"]))[0] == "accepted"
    assert await audits(mids[0], "group.referral.accept") == 0
    assert await audits(mids[1], "group.referral.complete") == 0
    no = await gql(CADRE, DECLINE, c="alpha", r=made[0]["id"], why="事项已撤回")
    assert no["declineGroupReferral"]["status"] == "DECLINED"
