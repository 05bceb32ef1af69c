"""Conventions (自治公约) through the GraphQL schema with the documents the frontend sends:
draft, vote, adopt, amend, supersede; who drafts, who votes, who reads; refusals that
write nothing; isolation between two communities (real PostgreSQL)."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services import localtime
from services.auth.model import Principal, Role
from services.grids.handlers import create_grid
from services.groups import handlers as groups
from services.groups.model import BallotBasis, GroupKind, GroupRole, IncidentKind
from services.groups.queries import clauses_in_force_in
from services.households import handlers as hh
from tenants import tx as tx_module
from tenants.slugs import PLATFORM_SCHEMA, schema_for
from tenants.tx import tenant_tx
from tests.integration.groups_support import homes_with_residents, person, schema_runner

FOUNDED = date(2026, 9, 10)
ROOT = Path(__file__).resolve().parents[2]


def operation(name: str) -> str:
    """A document the frontend sends (graphql/operations/<name>.graphql)."""
    return (ROOT / "graphql" / "operations" / f"{name}.graphql").read_text()


CREATE, AMEND, EDIT = (
    operation("createGroupConvention"),
    operation("amendGroupConvention"),
    operation("editGroupConventionDraft"),
)
OPEN, CAST, CLOSE = (
    operation("openGroupConventionVote"),
    operation("castGroupConventionBallot"),
    operation("closeGroupConventionVote"),
)
CONVENTIONS, CONVENTION = operation("groupConventions"), operation("groupConvention")


CADRE = person(Role.COMMUNITY_CADRE)

MUZZLE = {
    "number": 1,
    "textZh": "携犬出行时，对大型和烈性犬使用口罩、束犬链",
    "textEn": "Outdoors, large and fierce dogs wear a muzzle and a leash",
    "binds": {"sizeClasses": ["LARGE"], "fierce": True},
    "incidentKinds": ["OFF_LEASH"],
    "duties": [{"kind": "APOLOGISE", "dueHours": 48}],
}
BITE = {
    "number": 2,
    "textZh": "犬伤害他人后，主人必须主动道歉，立即把伤者送往医院诊治，并先行垫付费用",
    "incidentKinds": ["DOG_BITE"],
    "duties": [
        {"kind": "APOLOGISE", "dueHours": 24},
        {"kind": "HOSPITAL", "dueHours": 1},
        {"kind": "ADVANCE_COSTS", "dueHours": 72},
    ],
}


@pytest.fixture(scope="module")
def gql(settings):
    return schema_runner(settings)


@dataclass
class World:
    tag: str
    homes: list[int]  # alpha households
    residents: list[int]  # one resident per household, same order
    subjects: list[str]  # their login subjects
    second: tuple[int, str]  # a second resident of homes[0]: (id, subject)


@pytest.fixture(scope="module")
async def world(settings, communities) -> World:
    a, _ = communities
    tag = secrets.token_hex(3)
    grid = (await create_grid(CADRE, a, f"gc-{tag}", "公约网格")).id
    made = await homes_with_residents(
        settings, CADRE, a, grid, 6,
        address=f"公约巷 {{i}} 号 {tag}", name="犬主{i}", subject=f"conv-{{i}}-{tag}",
    )  # fmt: skip
    homes, residents, subjects = made.homes, made.residents, made.subjects
    subject = f"conv-0b-{tag}"
    spouse = await hh.add_resident(
        CADRE, a, homes[0], hh.ResidentInput("犬主0的家人", "13900000000", subject), settings
    )
    return World(tag, homes, residents, subjects, (spouse.id, subject))


@dataclass
class Group:
    id: int
    members: list[int]  # membership ids, by household: homes[0] (the leader) .. homes[4]


async def _group(w: World, basis: BallotBasis = BallotBasis.HOUSEHOLD) -> Group:
    """A group of five member households (the sixth stays outside); homes[0]'s resident
    leads it; where residents vote, each member is its household's first resident."""
    view = await groups.register_group(
        CADRE,
        "alpha",
        groups.GroupInput(
            kind=GroupKind.SELF_GOVERNANCE,
            name_zh=f"养犬自治协会 {w.tag} {secrets.token_hex(3)}",
            founded_on=FOUNDED,
            ballot_basis=basis,
        ),
    )
    members = []
    for i in range(5):
        m = await groups.add_member(
            CADRE,
            "alpha",
            view.group.id,
            groups.MemberInput(
                household_id=w.homes[i],
                joined_on=FOUNDED,
                resident_id=w.residents[i] if i == 0 or basis is BallotBasis.RESIDENT else None,
                role=GroupRole.LEADER if i == 0 else GroupRole.MEMBER,
            ),
        )
        members.append(m.member.id)
    return Group(view.group.id, members)


def resident(w: World, i: int) -> Principal:
    return person(Role.RESIDENT, subject=w.subjects[i])


async def _create(gql, w: World, g: Group, actor: Principal | None = None, **extra: Any) -> Any:
    data = {"titleZh": f"居民宠物豢养自治公约 {secrets.token_hex(3)}", "clauses": [MUZZLE, BITE]}
    got = await gql(actor or resident(w, 0), CREATE, community="alpha", groupId=str(g.id),
                    input={**data, **extra})  # fmt: skip
    return got["createGroupConvention"]


async def _vote(gql, w: World, version: str, *voters: tuple[int, str]) -> None:
    for i, choice in voters:
        got = await gql(resident(w, i), CAST, community="alpha", versionId=version, choice=choice)
        assert got["castGroupConventionBallot"]["__typename"] == "GroupConvention", got


async def _open(gql, w: World, version: str) -> Any:
    got = await gql(resident(w, 0), OPEN, community="alpha", versionId=version)
    return got["openGroupConventionVote"]


async def _close(gql, w: World, version: str, **kw: Any) -> Any:
    got = await gql(resident(w, 0), CLOSE, community="alpha", versionId=version, **kw)
    return got["closeGroupConventionVote"]


async def _rows(sql: str, *args: Any) -> Any:
    async with tenant_tx("alpha") as tx:
        return await tx.connection.fetchval(sql, *args)


async def test_a_draft_is_voted_adopted_and_in_force_for_the_community(gql, world):
    """The leader drafts, opens the vote, three of five households vote yes, the close adopts
    it from today; members read it all, a neighbour reads the version in force only."""
    g = await _group(world)
    created = await _create(gql, world, g)
    assert created["__typename"] == "GroupConvention", created
    (v1,) = created["versions"]
    assert (v1["number"], v1["status"], created["inForce"]) == (1, "DRAFT", None)
    assert created["openVersion"]["id"] == v1["id"]
    assert v1["clauses"][0]["binds"] == {
        "sizeClasses": ["LARGE"], "fierce": True, "bindsAll": False,
    }  # fmt: skip
    assert [d["kind"] for d in v1["clauses"][1]["duties"]] == [
        "APOLOGISE", "HOSPITAL", "ADVANCE_COSTS",
    ]  # fmt: skip
    opened = await _open(gql, world, v1["id"])
    assert opened["versions"][0]["status"] == "VOTING" and opened["versions"][0]["voteOpenedAt"]
    await _vote(gql, world, v1["id"], (1, "YES"), (2, "YES"))
    seen = await gql(resident(world, 1), CONVENTIONS, community="alpha", groupId=str(g.id))
    version = seen["community"]["group"]["conventions"][0]["versions"][0]
    assert (version["ballotsCast"], version["hasVoted"], version["tally"]) == (2, True, None)
    await _vote(gql, world, v1["id"], (3, "NO"), (4, "YES"))
    closed = await _close(gql, world, v1["id"])
    assert closed["__typename"] == "GroupConvention", closed
    (v1,) = closed["versions"]
    assert (v1["status"], v1["inForceOn"]) == ("ADOPTED", localtime.today().isoformat())
    assert closed["inForce"]["id"] == v1["id"] and closed["openVersion"] is None
    t = v1["tally"]
    assert (t["adopted"], t["rejection"], t["yes"], t["no"], t["eligible"]) == (
        True, None, 3, 1, 5,
    )  # fmt: skip
    assert (t["quorumRequired"], t["majorityRequired"]) == (3, 3)
    assert "过半数" in t["rules"] and "more than half" in t["rulesEn"]
    neighbour = await gql(resident(world, 5), CONVENTIONS, community="alpha", groupId=str(g.id))
    group = neighbour["community"]["group"]
    assert group["conventions"] is None  # the group's record is its members' and staff's
    assert [v["number"] for v in group["conventionsInForce"]] == [1]
    assert group["conventionsInForce"][0]["titleZh"] == created["titleZh"]
    # What the dogs slice derives duties from: the clauses of the version in force.
    async with tenant_tx("alpha") as tx:
        clauses = await clauses_in_force_in(tx.connection, g.id)
    assert [c.number for c in clauses] == [1, 2]
    assert clauses[1].incident_kinds == {IncidentKind.DOG_BITE}


async def test_an_amendment_supersedes_the_version_in_force_which_stays_readable(gql, world):
    """v2 is copied from v1, edited and adopted: v1 is superseded (until v2's day), still
    readable by number; one amendment at a time."""
    g = await _group(world)
    created = await _create(gql, world, g)
    v1 = created["versions"][0]["id"]
    await _open(gql, world, v1)
    await _vote(gql, world, v1, (0, "YES"), (1, "YES"), (2, "YES"))
    await _close(gql, world, v1)
    amended = await gql(
        resident(world, 0), AMEND, community="alpha", conventionId=created["id"],
        input={"note": "增加犬只免疫条款"},
    )  # fmt: skip
    amended = amended["amendGroupConvention"]
    assert [v["number"] for v in amended["versions"]] == [2, 1]  # newest first
    v2 = amended["versions"][0]
    assert v2["status"] == "DRAFT" and v2["note"] == "增加犬只免疫条款"
    assert v2["clauses"] == amended["versions"][1]["clauses"]  # copied from the one in force
    again = await gql(
        resident(world, 0), AMEND, community="alpha", conventionId=created["id"], input={}
    )
    assert again["amendGroupConvention"]["code"] == "CONVENTION_HAS_OPEN_VERSION"
    vaccinate = {"number": 3, "textZh": "养犬户每年按时为犬只免疫", "textEn": "Vaccinate yearly"}
    edited = await gql(
        resident(world, 0), EDIT, community="alpha", versionId=v2["id"],
        clauses=[MUZZLE, BITE, vaccinate],
    )  # fmt: skip
    edited = edited["editGroupConventionDraft"]
    assert [c["number"] for c in edited["versions"][0]["clauses"]] == [1, 2, 3]
    assert edited["versions"][0]["clauses"][2]["binds"]["bindsAll"] is True
    await _open(gql, world, v2["id"])
    await _vote(gql, world, v2["id"], (1, "YES"), (2, "YES"), (3, "ABSTAIN"))
    closed = await _close(gql, world, v2["id"])
    today = localtime.today().isoformat()
    v2, v1 = closed["versions"]
    assert (v2["status"], v2["inForceOn"], closed["inForce"]["number"]) == ("ADOPTED", today, 2)
    assert (v1["status"], v1["inForceOn"], v1["inForceUntil"]) == ("SUPERSEDED", today, today)
    old = await gql(
        resident(world, 3), CONVENTION, community="alpha", groupId=str(g.id),
        id=created["id"], number=1,
    )  # fmt: skip
    readable = old["community"]["group"]["convention"]["version"]
    assert (readable["status"], len(readable["clauses"])) == ("SUPERSEDED", 2)
    async with tenant_tx("alpha") as tx:
        clauses = await clauses_in_force_in(tx.connection, g.id)
    assert [c.number for c in clauses] == [1, 2, 3]
    trail = await _rows(
        "SELECT count(*) FROM audit_log WHERE action LIKE 'group.convention.%' "
        "AND (subject = $1 OR subject = ANY($2::text[]))",
        f"group_convention:{created['id']}",
        [f"group_convention_version:{v['id']}" for v in closed["versions"]],
    )
    # create, amend, edit, 2 opens, 6 ballots, 2 closes
    assert trail == 13


async def test_closing_without_quorum_is_refused_and_writes_nothing(gql, world):
    """With the group's quorum of 3 members, 2 ballots: NO_QUORUM, the vote stays open and
    takes more ballots; closed as rejected on purpose, it is rejected for want of a quorum."""
    g = await _group(world)
    await _rows(
        "UPDATE groups SET decision_rules = $2::jsonb WHERE id = $1",
        g.id,
        json.dumps({"quorum": {"members": 3}}),
    )
    created = await _create(gql, world, g)
    version = created["versions"][0]["id"]
    await _open(gql, world, version)
    await _vote(gql, world, version, (1, "YES"))
    before = await _rows("SELECT count(*) FROM audit_log")
    refused = await _close(gql, world, version)
    assert refused["__typename"] == "VoteNoQuorumError", refused
    assert refused["code"] == "NO_QUORUM" and "至少需 3 票" in refused["message"]
    assert "stays open" in refused["messageEn"]
    state = await _rows(
        "SELECT status || ' ' || tally::text FROM group_convention_versions WHERE id = $1",
        int(version),
    )
    assert state == "voting {}"
    assert await _rows("SELECT count(*) FROM audit_log") == before
    await _vote(gql, world, version, (2, "YES"))
    rejected = await _close(gql, world, version, rejectWithoutQuorum=True)
    (v,) = rejected["versions"]
    assert (v["status"], v["inForceOn"], rejected["inForce"]) == ("REJECTED", None, None)
    assert (v["tally"]["rejection"], v["tally"]["yes"], v["tally"]["majorityRequired"]) == (
        "NO_QUORUM", 2, None,
    )  # fmt: skip
    assert "至少 3 名成员出席" in v["tally"]["rules"]
    # After the close: a ballot is refused, and nothing is written.
    late = await gql(resident(world, 3), CAST, community="alpha", versionId=version, choice="YES")
    assert late["castGroupConventionBallot"]["code"] == "CONVENTION_VERSION_NOT_VOTING"
    count = "SELECT count(*) FROM group_convention_ballots WHERE version_id = $1"
    assert await _rows(count, int(version)) == 2
    again = await _close(gql, world, version)
    assert again["code"] == "CONVENTION_VERSION_NOT_VOTING"


async def test_a_quorum_without_a_majority_rejects_and_a_new_version_may_follow(gql, world):
    """Three vote, two against: rejected for too few yes votes; an amendment drafts v2 from
    the rejected v1 (none is in force)."""
    g = await _group(world)
    created = await _create(gql, world, g)
    version = created["versions"][0]["id"]
    await _open(gql, world, version)
    await _vote(gql, world, version, (1, "YES"), (2, "NO"), (3, "NO"))
    closed = await _close(gql, world, version)
    assert closed["versions"][0]["status"] == "REJECTED"
    assert closed["versions"][0]["tally"]["rejection"] == "NO_MAJORITY"
    amended = await gql(
        resident(world, 0), AMEND, community="alpha", conventionId=created["id"], input={}
    )
    v2 = amended["amendGroupConvention"]["versions"][0]
    assert v2["number"] == 2 and len(v2["clauses"]) == 2


async def test_one_ballot_per_household_and_twice_is_refused(gql, world):
    """Where households vote, the second resident of a voting household is refused, as is
    a voter's second ballot; nothing more is written. Where residents vote, both may."""
    g = await _group(world)
    version = (await _create(gql, world, g))["versions"][0]["id"]
    await _open(gql, world, version)
    await _vote(gql, world, version, (0, "YES"))
    spouse = person(Role.RESIDENT, subject=world.second[1])
    second = await gql(spouse, CAST, community="alpha", versionId=version, choice="NO")
    refused = second["castGroupConventionBallot"]
    assert refused["__typename"] == "VoteAlreadyVotedError", refused
    assert refused["code"] == "ALREADY_VOTED" and "该户" in refused["message"]
    assert "This household" in refused["messageEn"]
    twice = await gql(resident(world, 0), CAST, community="alpha", versionId=version, choice="NO")
    assert twice["castGroupConventionBallot"]["code"] == "ALREADY_VOTED"
    count = "SELECT count(*) FROM group_convention_ballots WHERE version_id = $1"
    assert await _rows(count, int(version)) == 1
    seen = await gql(spouse, CONVENTIONS, community="alpha", groupId=str(g.id))
    assert seen["community"]["group"]["conventions"][0]["versions"][0]["hasVoted"] is True

    # A group of residents: the household's second resident is a member in their own name.
    r = await _group(world, BallotBasis.RESIDENT)
    await groups.add_member(
        CADRE, "alpha", r.id,
        groups.MemberInput(world.homes[0], FOUNDED, resident_id=world.second[0]),
    )  # fmt: skip
    version = (await _create(gql, world, r))["versions"][0]["id"]
    await _open(gql, world, version)
    await _vote(gql, world, version, (0, "YES"))
    own = await gql(spouse, CAST, community="alpha", versionId=version, choice="YES")
    assert own["castGroupConventionBallot"]["versions"][0]["ballotsCast"] == 2


async def test_paper_ballots_are_the_cadres_and_name_a_current_member(gql, world):
    """A cadre records a named member's ballot; the leader may not record another's; a member
    who left, or a cadre's own ballot without a membership, is refused; a resident outside
    the group does not see the vote at all."""
    g = await _group(world)
    version = (await _create(gql, world, g))["versions"][0]["id"]
    await _open(gql, world, version)
    paper = await gql(
        CADRE, CAST, community="alpha", versionId=version, choice="YES", memberId=str(g.members[3])
    )
    assert paper["castGroupConventionBallot"]["versions"][0]["ballotsCast"] == 1
    recorded = await _rows(
        "SELECT voter_key || ' ' || cast_by FROM group_convention_ballots WHERE version_id = $1",
        int(version),
    )
    assert recorded == f"household:{world.homes[3]} {CADRE.subject}"
    by_leader = await gql(
        resident(world, 0), CAST, community="alpha", versionId=version, choice="YES",
        memberId=str(g.members[4]),
    )  # fmt: skip
    assert by_leader["castGroupConventionBallot"]["code"] == "FORBIDDEN"
    own_by_id = await gql(
        resident(world, 1), CAST, community="alpha", versionId=version, choice="NO",
        memberId=str(g.members[1]),
    )  # fmt: skip
    assert own_by_id["castGroupConventionBallot"]["__typename"] == "GroupConvention"
    await groups.end_membership(CADRE, "alpha", g.members[2], date(2026, 10, 1))
    gone = await gql(
        CADRE, CAST, community="alpha", versionId=version, choice="YES", memberId=str(g.members[2])
    )
    assert gone["castGroupConventionBallot"]["code"] == "NOT_A_GROUP_MEMBER"
    no_member = await gql(CADRE, CAST, community="alpha", versionId=version, choice="YES")
    assert no_member["castGroupConventionBallot"]["code"] == "NOT_A_GROUP_MEMBER"
    outsider = await gql(resident(world, 5), CAST, community="alpha", versionId=version,
                         choice="YES")  # fmt: skip
    assert outsider["castGroupConventionBallot"]["code"] == "CONVENTION_VERSION_NOT_FOUND"
    left = await gql(resident(world, 2), CAST, community="alpha", versionId=version, choice="YES")
    assert left["castGroupConventionBallot"]["code"] == "CONVENTION_VERSION_NOT_FOUND"
    count = "SELECT count(*) FROM group_convention_ballots WHERE version_id = $1"
    assert await _rows(count, int(version)) == 2


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("member", "FORBIDDEN"),
        ("grid_worker", "FORBIDDEN"),
        ("council_member", "FORBIDDEN"),
        ("outsider", "GROUP_NOT_FOUND"),
    ],
)
async def test_only_the_leader_core_and_cadres_draft(gql, world, who, code):
    """A plain member and staff who read the group may not draft; a resident outside it does
    not see it to act on."""
    g = await _group(world)
    actor = {
        "member": resident(world, 1),
        "grid_worker": person(Role.GRID_WORKER),
        "council_member": person(Role.COUNCIL_MEMBER),
        "outsider": resident(world, 5),
    }[who]
    assert (await _create(gql, world, g, actor))["code"] == code
    assert (await _create(gql, world, g, CADRE))["__typename"] == "GroupConvention"


async def test_drafting_acts_by_role(gql, world):
    """Permission matrix of the acts on a version: member, core, leader, cadre, staff."""
    g = await _group(world)
    core = await groups.add_member(
        CADRE, "alpha", g.id,
        groups.MemberInput(world.homes[5], FOUNDED, world.residents[5], GroupRole.CORE),
    )  # fmt: skip
    assert core.member.role == "core"
    created = await _create(gql, world, g)
    version = created["versions"][0]["id"]
    clauses = [MUZZLE]
    expected = {
        resident(world, 1): "FORBIDDEN",
        person(Role.GRID_WORKER): "FORBIDDEN",
        resident(world, 5): "GroupConvention",  # core
        CADRE: "GroupConvention",
    }
    for actor, outcome in expected.items():
        got = await gql(actor, EDIT, community="alpha", versionId=version, clauses=clauses)
        result = got["editGroupConventionDraft"]
        assert result.get("code", result["__typename"]) == outcome, (actor.subject, result)
    member_opens = await gql(resident(world, 1), OPEN, community="alpha", versionId=version)
    assert member_opens["openGroupConventionVote"]["code"] == "FORBIDDEN"
    core_opens = await gql(resident(world, 5), OPEN, community="alpha", versionId=version)
    assert core_opens["openGroupConventionVote"]["__typename"] == "GroupConvention"
    await _vote(gql, world, version, (1, "YES"))
    member_closes = await gql(resident(world, 1), CLOSE, community="alpha", versionId=version)
    assert member_closes["closeGroupConventionVote"]["code"] == "FORBIDDEN"
    staff_reads = await gql(
        person(Role.GRID_WORKER), CONVENTIONS, community="alpha", groupId=str(g.id)
    )
    assert len(staff_reads["community"]["group"]["conventions"]) == 1


async def test_bad_input_is_typed_and_writes_nothing(gql, world):
    """Control characters, overlong text, bad numbering, no clause, duties due out of range,
    a taken title, editing or opening what is no draft: typed errors, no row written."""
    g = await _group(world)
    bad = {
        "CONTROL_CHARACTERS": {"clauses": [{**MUZZLE, "textZh": "拴绳\x1b[0m"}]},
        "TEXT_TOO_LONG": {"titleZh": "公" * 201},
        "CLAUSE_NUMBERS_INVALID": {"clauses": [MUZZLE, {**BITE, "number": 3}]},
        "EMPTY_CONVENTION": {"clauses": []},
        "DUE_HOURS_OUT_OF_RANGE": {
            "clauses": [{**BITE, "number": 1, "duties": [{"kind": "HOSPITAL", "dueHours": 0}]}]
        },
        "INVALID_INPUT": {"clauses": [{**BITE, "number": 1, "incidentKinds": []}]},
    }
    for code, extra in bad.items():
        got = await _create(gql, world, g, **extra)
        assert got["code"] == code, (code, got)
        assert got["message"] and got["messageEn"]
    assert await _rows("SELECT count(*) FROM group_conventions WHERE group_id = $1", g.id) == 0
    first = await _create(gql, world, g, titleZh="宠物公约")
    taken = await _create(gql, world, g, titleZh=" 宠物公约 ")
    assert taken["code"] == "CONVENTION_TITLE_TAKEN" and "宠物公约" in taken["message"]
    version = first["versions"][0]["id"]
    bad_edit = await gql(
        resident(world, 0), EDIT, community="alpha", versionId=version,
        clauses=[{**MUZZLE, "number": 2}],
    )  # fmt: skip
    assert bad_edit["editGroupConventionDraft"]["code"] == "CLAUSE_NUMBERS_INVALID"
    await _open(gql, world, version)
    assert (await _open(gql, world, version))["code"] == "CONVENTION_VERSION_NOT_DRAFT"
    late_edit = await gql(
        resident(world, 0), EDIT, community="alpha", versionId=version, clauses=[MUZZLE]
    )
    assert late_edit["editGroupConventionDraft"]["code"] == "CONVENTION_VERSION_NOT_DRAFT"
    clauses = "SELECT count(*) FROM group_convention_clauses WHERE version_id = $1"
    assert await _rows(clauses, int(version)) == 2
    assert await _rows("SELECT count(*) FROM group_conventions WHERE group_id = $1", g.id) == 1
    missing = await gql(resident(world, 0), OPEN, community="alpha", versionId="99999999")
    assert missing["openGroupConventionVote"]["code"] == "CONVENTION_VERSION_NOT_FOUND"
    await groups.dissolve_group(CADRE, "alpha", g.id, date(2026, 12, 1), "合并")
    dissolved = await gql(
        resident(world, 1), CAST, community="alpha", versionId=version, choice="YES"
    )
    assert dissolved["castGroupConventionBallot"]["code"] == "GROUP_DISSOLVED"


async def test_another_communitys_convention_answers_as_missing(gql, world):
    """beta's cadre neither sees alpha's group's conventions nor acts on them: every id
    answers as one that does not exist."""
    g = await _group(world)
    created = await _create(gql, world, g)
    version = created["versions"][0]["id"]
    beta = person(Role.COMMUNITY_CADRE, "beta")
    seen = await gql(beta, CONVENTIONS, community="beta", groupId=str(g.id))
    assert seen["community"]["group"] is None
    made = await gql(beta, CREATE, community="beta", groupId=str(g.id),
                     input={"titleZh": "越权公约", "clauses": [MUZZLE]})  # fmt: skip
    assert made["createGroupConvention"]["code"] == "GROUP_NOT_FOUND"
    amend = await gql(beta, AMEND, community="beta", conventionId=created["id"], input={})
    assert amend["amendGroupConvention"]["code"] == "CONVENTION_NOT_FOUND"
    for doc, field in ((OPEN, "openGroupConventionVote"), (CLOSE, "closeGroupConventionVote")):
        got = await gql(beta, doc, community="beta", versionId=version)
        assert got[field]["code"] == "CONVENTION_VERSION_NOT_FOUND"
    cast = await gql(beta, CAST, community="beta", versionId=version, choice="YES",
                     memberId=str(g.members[1]))  # fmt: skip
    assert cast["castGroupConventionBallot"]["code"] == "CONVENTION_VERSION_NOT_FOUND"
    # alpha's cadre naming alpha's community reads it; through beta it is not there.
    across = await gql(beta, CONVENTIONS, community="alpha", groupId=str(g.id))
    assert across["community"] is None


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The schema of every transaction opened (tenant or platform), in order."""
    opened: list[str] = []
    original = tx_module._transaction

    @asynccontextmanager
    async def noting(pool_name: str, search_path: str, **kw: Any) -> AsyncIterator[Any]:
        opened.append(search_path)
        async with original(pool_name, search_path, **kw) as tx:
            yield tx

    monkeypatch.setattr(tx_module, "_transaction", noting)
    return opened


async def test_each_act_is_one_tenant_transaction(gql, world, transactions):
    """Create, open, cast, close, amend, edit: each runs one transaction on the community's
    schema (and one registry read); the result is what the handler read, not read again."""
    g = await _group(world)
    steps: list[tuple[str, dict[str, Any]]] = []

    async def act(actor: Principal, doc: str, **variables: Any) -> Any:
        transactions.clear()
        got = await gql(actor, doc, community="alpha", **variables)
        (value,) = got.values()
        assert value["__typename"] == "GroupConvention", value
        assert transactions.count(schema_for("alpha")) == 1, transactions
        assert transactions.count(PLATFORM_SCHEMA) == 1 and len(transactions) == 2
        steps.append((doc, value))
        return value

    data = {"titleZh": f"一次事务公约 {secrets.token_hex(3)}", "clauses": [MUZZLE]}
    created = await act(resident(world, 0), CREATE, groupId=str(g.id), input=data)
    version = created["versions"][0]["id"]
    await act(resident(world, 0), EDIT, versionId=version, clauses=[MUZZLE, BITE])
    await act(resident(world, 0), OPEN, versionId=version)
    for i in range(3):
        await act(resident(world, i), CAST, versionId=version, choice="YES")
    closed = await act(resident(world, 0), CLOSE, versionId=version)
    assert closed["inForce"]["id"] == version
    await act(resident(world, 0), AMEND, conventionId=created["id"], input={})
    assert len(steps) == 8
