"""Elections of a group's core through the GraphQL schema: open, ballots, count, runoff,
publish, the new core taking over on its term's first day, bad input, who may do what,
races, isolation between communities (two communities, real PostgreSQL)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from services import localtime
from services.auth.model import Principal, Role
from services.grids.handlers import create_grid
from services.households import handlers as hh
from tenants import tx as tx_module
from tenants.slugs import schema_for
from tenants.tx import tenant_tx
from tests.integration.groups_support import homes_with_residents, person, schema_runner

FOUNDED = date(2026, 9, 10)
# Terms far ahead, so the real clock never seats anyone: the tests that need a day set it.
START, END = "2090-01-01", "2092-12-31"
TABLES = (
    "group_elections",
    "group_election_candidates",
    "group_election_ballots",
    "group_core_terms",
    "audit_log",
)


CADRE = person(Role.COMMUNITY_CADRE)


@pytest.fixture(scope="module")
def gql(settings):
    return schema_runner(settings)


@dataclass
class World:
    tag: str
    homes: list[int]
    residents: list[int]  # one per home, same order
    subjects: list[str]
    second_resident: int  # another resident of homes[0]
    second_subject: str
    outsider: str  # a resident of the community in no group


@pytest.fixture(scope="module")
async def world(settings, communities) -> World:
    a, _ = communities
    tag = secrets.token_hex(3)
    grid = (await create_grid(CADRE, a, f"el-{tag}", "选举网格")).id
    made = await homes_with_residents(
        settings, CADRE, a, grid, 8,
        address=f"选举巷 {{i}} 号 {tag}", name="户主{i}", subject=f"voter-{{i}}-{tag}",
    )  # fmt: skip
    homes, residents, subjects = made.homes, made.residents, made.subjects
    second_subject = f"voter-0b-{tag}"
    second = await hh.add_resident(
        CADRE, a, homes[0], hh.ResidentInput("户主0的家人", "13900000001", second_subject), settings
    )
    outsider_home = await hh.create_household(
        CADRE, a, hh.HouseholdInput(grid, f"选举巷 99 号 {tag}", 1), settings
    )
    outsider = f"outsider-{tag}"
    await hh.add_resident(
        CADRE, a, outsider_home.id, hh.ResidentInput("局外人", "13900000002", outsider), settings
    )
    return World(tag, homes, residents, subjects, second.id, second_subject, outsider)


def resident(w: World, i: int) -> Principal:
    return person(Role.RESIDENT, subject=w.subjects[i])


REGISTER = """mutation($c: String!, $input: RegisterGroupInput!) {
  registerGroup(community: $c, input: $input) { __typename ... on Group { id }
    ... on Error { code } } }"""
ADD = """mutation($c: String!, $g: ID!, $input: GroupMemberInput!) {
  addGroupMember(community: $c, groupId: $g, input: $input) { __typename
    ... on GroupMember { id } ... on Error { code } } }"""
LEAVE = """mutation($c: String!, $m: ID!, $on: Date!) {
  endGroupMembership(community: $c, memberId: $m, leftOn: $on) { __typename
    ... on Error { code } } }"""
ROLE = """mutation($c: String!, $m: ID!, $r: GroupRole!) {
  setGroupMemberRole(community: $c, memberId: $m, role: $r) { __typename
    ... on Error { code } } }"""
ELECTION = """id title status seats votesPerBallot termStartsOn termEndsOn runoffOfId
  ballotsCast eligible hasVoted
  candidates { id votes elected inRunoff member { id resident { name } } }
  results { quorumMet quorumRequired eligible ballots votesRequired runoffSeats unfilled
    runoffElectionId elected { id votes } tied { id votes } }"""
OPEN = f"""mutation($c: String!, $g: ID!, $input: OpenGroupElectionInput!) {{
  openGroupElection(community: $c, groupId: $g, input: $input) {{ __typename
    ... on GroupElection {{ {ELECTION} }} ... on Error {{ code message messageEn }} }} }}"""
CAST = f"""mutation($c: String!, $e: ID!, $choices: [ID!]!, $m: ID) {{
  castGroupElectionBallot(community: $c, electionId: $e, choices: $choices, memberId: $m) {{
    __typename ... on GroupElection {{ {ELECTION} }} ... on Error {{ code message messageEn }}
  }} }}"""
CLOSE = f"""mutation($c: String!, $e: ID!) {{
  closeGroupElection(community: $c, electionId: $e) {{ __typename
    ... on GroupElection {{ {ELECTION} }} ... on Error {{ code message messageEn }} }} }}"""
PUBLISH = f"""mutation($c: String!, $e: ID!) {{
  publishGroupElection(community: $c, electionId: $e) {{ __typename
    ... on GroupElection {{ {ELECTION} publishedAt }}
    ... on Error {{ code message messageEn }} }} }}"""
GROUP = f"""query($c: String!, $g: ID!, $e: ID! = "0") {{ community(slug: $c) {{ group(id: $g) {{
  id myRoles canManage
  elections {{ totalCount items {{ id status }} }}
  election(id: $e) {{ {ELECTION} }}
  currentCore {{ id role onCore coreUntil resident {{ name }} }}
  members {{ items {{ id role onCore coreUntil }} }} }} }} }}"""


async def _group(
    gql, w: World, n: int = 6, *, basis: str = "HOUSEHOLD", leader: bool = False
) -> tuple[str, list[str]]:
    """A new group of alpha with the first ``n`` households as members, each naming its
    resident (candidates must); the first one its leader if ``leader``."""
    got = await gql(
        CADRE,
        REGISTER,
        c="alpha",
        input={
            "kind": "SELF_GOVERNANCE",
            "nameZh": f"养犬自治协会 {w.tag} {secrets.token_hex(3)}",
            "foundedOn": FOUNDED.isoformat(),
            "ballotBasis": basis,
        },
    )
    group = got["registerGroup"]["id"]
    members = []
    for i in range(n):
        data = {
            "householdId": str(w.homes[i]),
            "residentId": str(w.residents[i]),
            "joinedOn": FOUNDED.isoformat(),
            "role": "LEADER" if leader and i == 0 else "MEMBER",
        }
        added = await gql(CADRE, ADD, c="alpha", g=group, input=data)
        members.append(added["addGroupMember"]["id"])
    return group, members


async def _open(
    gql, group: str, candidates: list[str], *, seats: int = 1, per_ballot: int = 1,
    actor: Principal = CADRE, title: str = "骨干选举", starts: str = START, ends: str = END,
) -> dict[str, Any]:  # fmt: skip
    got = await gql(
        actor, OPEN, c="alpha", g=group,
        input={"title": title, "termStartsOn": starts, "termEndsOn": ends, "seats": seats,
               "votesPerBallot": per_ballot, "candidateMemberIds": candidates},
    )  # fmt: skip
    return got["openGroupElection"]


async def _cast(
    gql, actor: Principal, election: str, choices: list[str], member: str | None = None
) -> dict[str, Any]:
    got = await gql(actor, CAST, c="alpha", e=election, choices=choices, m=member)
    return got["castGroupElectionBallot"]


async def _rows(slug: str = "alpha") -> tuple[int, ...]:
    async with tenant_tx(slug) as tx:
        return tuple([await tx.connection.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES])


def _set_today(monkeypatch: pytest.MonkeyPatch, day: str) -> None:
    """The service's one clock (services.localtime) reads ``day``, local noon."""
    instant = datetime.fromisoformat(f"{day}T04:00:00").replace(tzinfo=UTC)
    monkeypatch.setattr(localtime, "now", lambda: instant)


async def test_a_full_election_with_a_runoff(gql, world):
    """Two seats: one elected outright, two tied for the last go to a runoff, which the
    count opens; the runoff decides; both publish; counts are hidden until the close."""
    group, m = await _group(gql, world)
    opened = await _open(gql, group, m[1:4], seats=2, per_ballot=1, title="第一届骨干选举")
    assert opened["__typename"] == "GroupElection", opened
    assert (opened["status"], opened["ballotsCast"], opened["eligible"]) == ("OPEN", 0, 6)
    assert opened["hasVoted"] is None  # the cadre has no ballot in this group
    c = [x["id"] for x in opened["candidates"]]
    assert [x["member"]["id"] for x in opened["candidates"]] == m[1:4]
    election = opened["id"]
    for voter, choice in ((0, c[0]), (1, c[0]), (2, c[1]), (3, c[2])):
        cast = await _cast(gql, resident(world, voter), election, [choice])
        assert cast["__typename"] == "GroupElection", cast
        assert cast["hasVoted"] is True
    # While open: how many ballots, never the counts.
    seen = await gql(resident(world, 4), GROUP, c="alpha", g=group, e=election)
    shown = seen["community"]["group"]["election"]
    assert (shown["ballotsCast"], shown["hasVoted"], shown["results"]) == (4, False, None)
    assert all(x["votes"] is None and x["elected"] is None for x in shown["candidates"])

    closed = (await gql(CADRE, CLOSE, c="alpha", e=election))["closeGroupElection"]
    assert closed["status"] == "CLOSED", closed
    results = closed["results"]
    assert (results["quorumMet"], results["eligible"], results["ballots"]) == (True, 6, 4)
    assert results["quorumRequired"] == 4
    assert [x["id"] for x in results["elected"]] == [c[0]]
    assert [x["id"] for x in results["tied"]] == [c[1], c[2]]
    assert results["runoffSeats"] == 1 and results["unfilled"] == 0
    assert [x["votes"] for x in closed["candidates"]] == [2, 1, 1]
    assert [x["inRunoff"] for x in closed["candidates"]] == [False, True, True]

    runoff_id = results["runoffElectionId"]
    assert runoff_id is not None
    seen = await gql(CADRE, GROUP, c="alpha", g=group, e=runoff_id)
    runoff = seen["community"]["group"]["election"]
    assert (runoff["status"], runoff["seats"], runoff["votesPerBallot"]) == ("OPEN", 1, 1)
    assert runoff["runoffOfId"] == election and runoff["title"] == "第一届骨干选举（决选）"
    assert (runoff["termStartsOn"], runoff["termEndsOn"]) == (START, END)
    assert [x["member"]["id"] for x in runoff["candidates"]] == m[2:4]
    assert [e["id"] for e in seen["community"]["group"]["elections"]["items"]] == [
        runoff_id,
        election,
    ]  # newest first
    r = [x["id"] for x in runoff["candidates"]]
    stale = await _cast(gql, resident(world, 5), runoff_id, [c[1]])  # a first-round candidate id
    assert stale["code"] == "NOT_A_CANDIDATE"
    for voter, choice in ((0, r[1]), (1, r[1]), (2, r[0]), (5, r[1])):
        assert (await _cast(gql, resident(world, voter), runoff_id, [choice]))["hasVoted"]
    decided = (await gql(CADRE, CLOSE, c="alpha", e=runoff_id))["closeGroupElection"]
    assert [x["id"] for x in decided["results"]["elected"]] == [r[1]]
    assert decided["results"]["runoffElectionId"] is None

    for e in (election, runoff_id):
        published = (await gql(CADRE, PUBLISH, c="alpha", e=e))["publishGroupElection"]
        assert published["status"] == "PUBLISHED" and published["publishedAt"], published
    async with tenant_tx("alpha") as tx:
        terms = await tx.connection.fetch(
            "SELECT member_id, starts_on, ends_on FROM group_core_terms "
            "WHERE group_id = $1 ORDER BY id",
            int(group),
        )
    assert [(str(t["member_id"]), t["starts_on"].isoformat(), t["ends_on"].isoformat())
            for t in terms] == [(m[1], START, END), (m[3], START, END)]  # fmt: skip


async def test_the_new_core_takes_over_on_the_first_day_of_its_term(gql, world, monkeypatch):
    """Elected members manage the group from the term's first day to its last, not before or
    after; a member whose stored role is core stays core; a former member loses the seat."""
    group, m = await _group(gql, world)
    opened = await _open(gql, group, m[1:3], seats=2, per_ballot=2)
    c = [x["id"] for x in opened["candidates"]]
    for voter in range(4):
        await _cast(gql, resident(world, voter), opened["id"], c)
    await gql(CADRE, CLOSE, c="alpha", e=opened["id"])
    await gql(CADRE, PUBLISH, c="alpha", e=opened["id"])
    assert (await gql(CADRE, ROLE, c="alpha", m=m[4], r="CORE"))["setGroupMemberRole"][
        "__typename"
    ] == "GroupMember"
    elected = resident(world, 1)
    join = {"householdId": str(world.homes[6]), "joinedOn": "2090-01-02"}

    _set_today(monkeypatch, "2089-12-31")
    before = (await gql(elected, GROUP, c="alpha", g=group))["community"]["group"]
    assert before["myRoles"] == ["MEMBER"] and before["canManage"] is False
    assert [x["id"] for x in before["currentCore"]] == [m[4]]  # the stored role only
    refused = await gql(elected, ADD, c="alpha", g=group, input=join)
    assert refused["addGroupMember"]["code"] == "FORBIDDEN"

    _set_today(monkeypatch, START)
    now = (await gql(elected, GROUP, c="alpha", g=group))["community"]["group"]
    assert now["myRoles"] == ["CORE", "MEMBER"] and now["canManage"] is True
    core = {x["id"]: x for x in now["currentCore"]}
    assert sorted(core) == sorted([m[1], m[2], m[4]])
    assert core[m[1]]["coreUntil"] == END and core[m[1]]["onCore"] is True
    assert core[m[4]]["coreUntil"] is None and core[m[4]]["onCore"] is True
    flags = {x["id"]: x["onCore"] for x in now["members"]["items"]}
    assert flags[m[0]] is False and flags[m[1]] is True
    joined = await gql(elected, ADD, c="alpha", g=group, input=join)
    assert joined["addGroupMember"]["__typename"] == "GroupMember", joined

    _set_today(monkeypatch, END)
    assert (await gql(elected, GROUP, c="alpha", g=group))["community"]["group"]["canManage"]
    _set_today(monkeypatch, "2093-01-01")
    after = (await gql(elected, GROUP, c="alpha", g=group))["community"]["group"]
    assert after["canManage"] is False and after["myRoles"] == ["MEMBER"]

    _set_today(monkeypatch, "2091-06-01")
    left = await gql(CADRE, LEAVE, c="alpha", m=m[2], on="2091-05-01")
    assert left["endGroupMembership"]["__typename"] == "GroupMember"
    gone = await gql(resident(world, 2), GROUP, c="alpha", g=group)
    assert gone["community"]["group"]["canManage"] is False
    core_now = (await gql(CADRE, GROUP, c="alpha", g=group))["community"]["group"]["currentCore"]
    assert sorted(x["id"] for x in core_now) == sorted([m[1], m[4]])


async def test_without_a_quorum_nobody_is_elected(gql, world):
    """Too few ballots under the group's quorum: counted as failed, counts not shown,
    nobody seated; the failed election does not block another for the same term, and the
    group's own decision rules (kernel JSON) set the quorum."""
    group, m = await _group(gql, world)
    first = await _open(gql, group, m[:2])
    await _cast(gql, resident(world, 0), first["id"], [first["candidates"][0]["id"]])
    closed = (await gql(CADRE, CLOSE, c="alpha", e=first["id"]))["closeGroupElection"]
    assert closed["results"]["quorumMet"] is False and closed["results"]["elected"] == []
    assert closed["results"]["unfilled"] == 1 and closed["results"]["quorumRequired"] == 4
    assert all(x["votes"] is None for x in closed["candidates"])
    published = (await gql(CADRE, PUBLISH, c="alpha", e=first["id"]))["publishGroupElection"]
    assert published["status"] == "PUBLISHED"
    async with tenant_tx("alpha") as tx:
        seated = await tx.connection.fetchval(
            "SELECT count(*) FROM group_core_terms WHERE group_id = $1", int(group)
        )
        await tx.connection.execute(
            """UPDATE groups SET decision_rules = '{"quorum": {"members": 1}}' WHERE id = $1""",
            int(group),
        )
    assert seated == 0
    again = await _open(gql, group, m[:2])
    assert again["__typename"] == "GroupElection", again
    await _cast(gql, resident(world, 0), again["id"], [again["candidates"][1]["id"]])
    counted = (await gql(CADRE, CLOSE, c="alpha", e=again["id"]))["closeGroupElection"]
    assert counted["results"]["quorumMet"] is True and counted["results"]["quorumRequired"] == 1
    assert [x["id"] for x in counted["results"]["elected"]] == [again["candidates"][1]["id"]]


async def test_bad_input_is_typed_and_writes_nothing(gql, world):
    """Every refusal is a typed error with both messages, and no row is written."""
    group, m = await _group(gql, world, 5)
    other, other_members = await _group(gql, world, 2)
    await gql(CADRE, LEAVE, c="alpha", m=m[4], on="2026-10-01")
    unnamed = await gql(
        CADRE, ADD, c="alpha", g=group,
        input={"householdId": str(world.homes[6]), "joinedOn": FOUNDED.isoformat()},
    )  # fmt: skip
    household_only = unnamed["addGroupMember"]["id"]
    ok = await _open(gql, group, m[:3], seats=2, per_ballot=2)
    election = ok["id"]
    c = [x["id"] for x in ok["candidates"]]
    assert (await _cast(gql, resident(world, 0), election, [c[0]]))["__typename"] == "GroupElection"
    before = await _rows()

    async def refused(got: dict[str, Any], code: str) -> None:
        assert got.get("code") == code, got
        assert got["message"] and got["messageEn"]
        assert await _rows() == before, code

    async def opening(candidates: list[str], **changes: Any) -> dict[str, Any]:
        term = {"starts": "2093-01-01", "ends": "2095-12-31"}  # clear of the open election's
        return await _open(gql, group, candidates, **{**term, **changes})

    await refused(await opening([m[0], other_members[0]]), "CANDIDATE_NOT_A_MEMBER")
    await refused(await opening([m[0], m[4]]), "CANDIDATE_NOT_A_MEMBER")  # left the group
    await refused(await opening([m[0], "999999"]), "CANDIDATE_NOT_A_MEMBER")
    await refused(await opening([m[0], household_only]), "ROLE_NEEDS_RESIDENT")
    await refused(await opening([m[0], "abc"]), "INVALID_INPUT")
    await refused(await opening([m[0]], seats=2), "NOT_ENOUGH_CANDIDATES")
    await refused(await opening(m[:3], seats=2, per_ballot=3), "INVALID_INPUT")
    await refused(await opening(m[:2], ends="2093-01-01"), "INVALID_INPUT")
    await refused(await opening(m[:2], title="选" * 101), "TEXT_TOO_LONG")
    await refused(await opening(m[:2], title="选举\x1b[31m"), "CONTROL_CHARACTERS")
    await refused(await opening(m[:2], title="  "), "INVALID_INPUT")
    await refused(await opening(m[:2], starts="2091-01-01", ends=END), "TERM_OVERLAP")

    voter = resident(world, 0)
    twice = await _cast(gql, voter, election, [c[1]])
    await refused(twice, "ALREADY_VOTED")
    assert "每户只能投一张选票" in twice["message"]
    same_home = person(Role.RESIDENT, subject=world.second_subject)  # one household, one ballot
    await refused(await _cast(gql, same_home, election, [c[1]]), "ALREADY_VOTED")
    await refused(await _cast(gql, resident(world, 1), election, ["999999"]), "NOT_A_CANDIDATE")
    await refused(await _cast(gql, resident(world, 1), election, [c[0], c[0]]),
                  "SAME_CANDIDATE_TWICE")  # fmt: skip
    await refused(await _cast(gql, resident(world, 1), election, c), "TOO_MANY_CHOICES")
    await refused(await _cast(gql, resident(world, 1), election, ["x"]), "INVALID_INPUT")
    await refused(await _cast(gql, resident(world, 4), election, [c[0]]),
                  "GROUP_ELECTION_NOT_FOUND")  # fmt: skip  # left: no longer reads the group
    outsider = person(Role.RESIDENT, subject=world.outsider)
    await refused(await _cast(gql, outsider, election, [c[0]]), "GROUP_ELECTION_NOT_FOUND")
    worker = person(Role.GRID_WORKER)
    await refused(await _cast(gql, worker, election, [c[0]]), "NOT_A_GROUP_MEMBER")  # own vote
    await refused(await _cast(gql, worker, election, [c[0]], member=other_members[1]),
                  "NOT_A_GROUP_MEMBER")  # fmt: skip
    await refused(await _cast(gql, worker, election, [c[0]], member=m[4]), "NOT_A_GROUP_MEMBER")
    await refused(await _cast(gql, worker, election, [c[0]], member="999999"),
                  "GROUP_MEMBER_NOT_FOUND")  # fmt: skip
    await refused(await _cast(gql, resident(world, 1), election, [c[0]], member=m[2]),
                  "FORBIDDEN")  # fmt: skip
    await refused(await _cast(gql, CADRE, "999999", [c[0]]), "GROUP_ELECTION_NOT_FOUND")
    await refused((await gql(CADRE, PUBLISH, c="alpha", e=election))["publishGroupElection"],
                  "ELECTION_STILL_OPEN")  # fmt: skip

    closed = (await gql(CADRE, CLOSE, c="alpha", e=election))["closeGroupElection"]
    assert closed["status"] == "CLOSED"
    before = await _rows()
    await refused(await _cast(gql, resident(world, 1), election, [c[0]]), "ELECTION_CLOSED")
    await refused((await gql(CADRE, CLOSE, c="alpha", e=election))["closeGroupElection"],
                  "ELECTION_CLOSED")  # fmt: skip
    await gql(CADRE, PUBLISH, c="alpha", e=election)
    before = await _rows()
    await refused((await gql(CADRE, PUBLISH, c="alpha", e=election))["publishGroupElection"],
                  "ELECTION_PUBLISHED")  # fmt: skip
    assert other  # the second group only lends its members


@pytest.mark.parametrize(
    ("who", "opens", "records_paper"),
    [
        ("cadre", "GroupElection", "GroupElection"),
        ("leader", "GroupElection", "FORBIDDEN"),
        ("member", "FORBIDDEN", "FORBIDDEN"),
        ("outsider", "GROUP_NOT_FOUND", "GROUP_ELECTION_NOT_FOUND"),
        ("grid_worker", "FORBIDDEN", "GroupElection"),
        ("council_member", "FORBIDDEN", "FORBIDDEN"),
        ("county_admin", "FORBIDDEN", "FORBIDDEN"),
    ],
)
async def test_who_may_run_an_election(gql, world, who, opens, records_paper):
    """Roles × acts: cadres and the group's leader/core open, close and publish; cadres and
    grid workers record paper ballots; members only vote; outsiders find nothing."""
    group, m = await _group(gql, world, 4, leader=True)
    actor = {
        "cadre": CADRE,
        "leader": resident(world, 0),
        "member": resident(world, 1),
        "outsider": person(Role.RESIDENT, subject=world.outsider),
        "grid_worker": person(Role.GRID_WORKER),
        "council_member": person(Role.COUNCIL_MEMBER),
        "county_admin": person(Role.COUNTY_ADMIN),
    }[who]

    def outcome(got: dict[str, Any]) -> str:
        return got["__typename"] if got["__typename"] == "GroupElection" else got["code"]

    assert outcome(await _open(gql, group, m[:2], actor=actor)) == opens
    election = await _open(gql, group, m[:2], starts="2095-01-01", ends="2096-01-01")
    choice = [election["candidates"][0]["id"]]
    assert outcome(await _cast(gql, actor, election["id"], choice, member=m[3])) == records_paper
    manages = opens == "GroupElection"
    closing = (await gql(actor, CLOSE, c="alpha", e=election["id"]))["closeGroupElection"]
    expected = opens if not manages else "GroupElection"
    if opens == "GROUP_NOT_FOUND":
        expected = "GROUP_ELECTION_NOT_FOUND"
    assert outcome(closing) == expected
    if manages:
        publishing = await gql(actor, PUBLISH, c="alpha", e=election["id"])
        assert outcome(publishing["publishGroupElection"]) == "GroupElection"


async def test_two_ballots_of_one_household_at_once_exactly_one_lands(gql, world):
    """Two residents of one member household vote at the same moment: one ballot is in,
    the other is refused as the household's second; a ballot racing the close either is
    counted or finds the election closed."""
    group, m = await _group(gql, world, 4)
    opened = await _open(gql, group, m[:2])
    c = [x["id"] for x in opened["candidates"]]
    first, second = (
        person(Role.RESIDENT, subject=world.subjects[0]),
        person(Role.RESIDENT, subject=world.second_subject),
    )
    got = await asyncio.gather(
        _cast(gql, first, opened["id"], [c[0]]), _cast(gql, second, opened["id"], [c[1]])
    )
    kinds = sorted(g["__typename"] for g in got)
    assert kinds == ["AlreadyVotedInElectionError", "GroupElection"], got
    async with tenant_tx("alpha") as tx:
        ballots = await tx.connection.fetchval(
            "SELECT count(*) FROM group_election_ballots WHERE election_id = $1 AND voter_key = $2",
            int(opened["id"]),
            f"household:{world.homes[0]}",
        )
    assert ballots == 1
    for voter in (1, 2):
        await _cast(gql, resident(world, voter), opened["id"], [c[0]])
    late, closing = await asyncio.gather(
        _cast(gql, resident(world, 3), opened["id"], [c[1]]),
        gql(CADRE, CLOSE, c="alpha", e=opened["id"]),
    )
    counted = closing["closeGroupElection"]["results"]["ballots"]
    if late["__typename"] == "GroupElection":
        assert counted == 4
    else:
        assert late["code"] == "ELECTION_CLOSED" and counted == 3


async def test_a_resident_basis_group_gives_each_member_a_ballot(gql, world):
    """Where the group votes by member, two residents of one household vote separately."""
    group, m = await _group(gql, world, 2, basis="RESIDENT")
    both = await gql(
        CADRE, ADD, c="alpha", g=group,
        input={"householdId": str(world.homes[0]), "residentId": str(world.second_resident),
               "joinedOn": FOUNDED.isoformat()},
    )  # fmt: skip
    assert both["addGroupMember"]["__typename"] == "GroupMember"
    opened = await _open(gql, group, m[:2])
    assert opened["eligible"] == 3
    choice = [opened["candidates"][0]["id"]]
    one = await _cast(gql, resident(world, 0), opened["id"], choice)
    two = await _cast(
        gql, person(Role.RESIDENT, subject=world.second_subject), opened["id"], choice
    )
    assert (one["ballotsCast"], two["ballotsCast"]) == (1, 2)
    again = await _cast(gql, resident(world, 0), opened["id"], choice)
    assert again["code"] == "ALREADY_VOTED" and "每人只能投一张选票" in again["message"]


async def test_another_communitys_election_answers_as_not_found(gql, world):
    """beta's cadre acting on alpha's election id finds no such election; beta's view of
    alpha's group is empty."""
    group, m = await _group(gql, world, 2)
    opened = await _open(gql, group, m[:2])
    async with tenant_tx("beta") as tx:  # the ids name nothing in beta
        exists = await tx.connection.fetchval(
            "SELECT (SELECT count(*) FROM group_elections WHERE id = $1) "
            "+ (SELECT count(*) FROM groups WHERE id = $2)",
            int(opened["id"]),
            int(group),
        )
    assert exists == 0
    beta = person(Role.COMMUNITY_CADRE, "beta")
    for doc, field in ((CLOSE, "closeGroupElection"), (PUBLISH, "publishGroupElection")):
        got = await gql(beta, doc, c="beta", e=opened["id"])
        assert got[field]["code"] == "GROUP_ELECTION_NOT_FOUND"
    cast = await gql(beta, CAST, c="beta", e=opened["id"], choices=["1"], m=m[0])
    assert cast["castGroupElectionBallot"]["code"] == "GROUP_ELECTION_NOT_FOUND"
    seen = await gql(beta, GROUP, c="beta", g=group, e=opened["id"])
    assert seen["community"]["group"] is None
    across = await gql(beta, CLOSE, c="alpha", e=opened["id"])
    assert across["closeGroupElection"]["code"] == "COMMUNITY_NOT_FOUND"


def _operation(name: str) -> str:
    return (
        Path(__file__).resolve().parents[2] / "graphql" / "operations" / f"{name}.graphql"
    ).read_text()


async def test_each_act_is_one_tenant_transaction(gql, world, monkeypatch):
    """The documents the frontend sends: each act opens ONE transaction on the community's
    schema (the resolver shows what its handler read)."""
    group, m = await _group(gql, world, 2)
    opened: list[str] = []
    original = tx_module._transaction

    @asynccontextmanager
    async def noting(pool_name: str, search_path: str, **kw: Any) -> AsyncIterator[Any]:
        opened.append(search_path)
        async with original(pool_name, search_path, **kw) as tx:
            yield tx

    monkeypatch.setattr(tx_module, "_transaction", noting)

    async def once(actor: Principal, name: str, **variables: Any) -> dict[str, Any]:
        opened.clear()
        got = await gql(actor, _operation(name), community="alpha", **variables)
        assert opened.count(schema_for("alpha")) == 1, (name, opened)
        (value,) = got.values()
        assert value["__typename"] == "GroupElection", value
        return value

    election = await once(
        CADRE, "openGroupElection", groupId=group,
        input={"title": "换届选举", "termStartsOn": START, "termEndsOn": END, "seats": 1,
               "votesPerBallot": 1, "candidateMemberIds": m},
    )  # fmt: skip
    choice = [election["candidates"][0]["id"]]
    await once(
        resident(world, 0), "castGroupElectionBallot", electionId=election["id"], choices=choice
    )
    await once(person(Role.GRID_WORKER), "castGroupElectionBallot", electionId=election["id"],
               choices=choice, memberId=m[1])  # fmt: skip
    closed = await once(CADRE, "closeGroupElection", electionId=election["id"])
    assert [x["votes"] for x in closed["candidates"]] == [2, 0]
    published = await once(CADRE, "publishGroupElection", electionId=election["id"])
    assert published["results"]["elected"][0]["member"]["id"] == m[0]
