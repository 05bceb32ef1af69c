"""Acceptance: every DOMAIN.md case of three-matter triage (三事分流), over HTTP, API only.

A real API process; each act is done by the role that does it with its own token: grid
workers register and follow up, the cadre convenes and decides, council members vote with
their own logins, residents give feedback. The world (two communities, grids, staff,
households, a council of 3 per grid) is built through GraphQL too, with the documents the
frontend sends (graphql/operations). Only the outbox is read from the database: it has
no API (routing is another issue).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from services.auth.model import Role, Scope, ScopeKind
from services.auth.tokens import issue_token
from services.settings import Settings
from tenants.tx import platform_tx

COUNTY = "testcounty"
ELECTED_ON, TERM_ENDS = "2025-12-01", "2028-11-30"
HELD_ON = "2026-03-25"
GOLDEN_HARBOUR = "金色港湾义工队"


@dataclass
class Member:
    """A seated council member: their id, household and the token they vote with."""

    id: str
    household: str
    token: str


@dataclass
class Community:
    """A community built over the API, and the tokens of the people acting in it."""

    slug: str
    cadre: str
    workers: list[str] = field(default_factory=list)
    grids: list[str] = field(default_factory=list)
    households: dict[str, str] = field(default_factory=dict)
    residents: dict[str, str] = field(default_factory=dict)  # household name -> token
    members: list[Member] = field(default_factory=list)


class Api:
    """Runs graphql/operations documents as a given token; returns the root field's value."""

    def __init__(self, gql: Callable[..., Any], operation: Callable[[str], str]) -> None:
        self.gql, self.operation = gql, operation

    async def __call__(self, name: str, token: str, **variables: Any) -> Any:
        r = await self.gql(self.operation(name), variables, bearer=token)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body.get("errors") is None, body
        data = body["data"]
        if name in ("matter", "ledger", "councilSession"):
            return data["community"]
        return data[name]


def _token(settings: Settings, slug: str, subject: str, role: Role) -> str:
    return issue_token(
        settings, subject=subject, roles=[role], scope=Scope(ScopeKind.COMMUNITY, slug)
    )


async def build_community(
    api: Api, settings: Settings, admin: str, *, grids: int, households: dict[str, tuple]
) -> Community:
    """A community with ``grids`` grids, staff, ``households`` and a council of 3 per grid.

    ``households`` maps a name to (grid index, address, circumstances, resident login or None).
    """
    slug = f"triage_{secrets.token_hex(3)}"
    made = await api(
        "createCommunity", admin, input={"slug": slug, "nameZh": "验收社区", "county": COUNTY}
    )
    assert made["__typename"] == "Community", made
    c = Community(slug, _token(settings, slug, f"{slug}.secretary", Role.COMMUNITY_CADRE))
    staff = await api(
        "registerStaff",
        c.cadre,
        community=slug,
        input={"subject": f"{slug}.secretary", "name": "孙书记", "role": "COMMUNITY_CADRE"},
    )
    assert staff["__typename"] == "Staff", staff
    for g in range(1, grids + 1):
        grid = await api(
            "createGrid", c.cadre, community=slug, input={"code": f"g{g}", "name": f"第{g}网格"}
        )
        c.grids.append(grid["id"])
        subject = f"{slug}.grid{g}"
        await api(
            "registerStaff",
            c.cadre,
            community=slug,
            input={"subject": subject, "name": f"网格员{g}", "role": "GRID_WORKER"}
            | {"gridId": grid["id"]},
        )
        c.workers.append(_token(settings, slug, subject, Role.GRID_WORKER))
    wanted = dict(households)
    for g in range(grids):
        for seat in range(3):
            wanted[f"member{g}.{seat}"] = (g, f"理事路{g}{seat}号", [], None)
    for name, (g, address, circumstances, login) in wanted.items():
        hh = await api(
            "createHousehold",
            c.workers[g],
            community=slug,
            input={"gridId": c.grids[g], "address": address, "circumstances": circumstances},
        )
        assert hh["__typename"] == "Household", hh
        c.households[name] = hh["id"]
        if login:
            r = await api(
                "addResident",
                c.workers[g],
                community=slug,
                householdId=hh["id"],
                input={"name": f"{name}居民", "phone": "10012345678", "subject": login},
            )
            assert r["__typename"] == "Resident", r
            c.residents[name] = _token(settings, slug, login, Role.RESIDENT)
    for g in range(grids):
        for seat in range(3):
            subject = f"{slug}.council.g{g + 1}.{seat + 1}"
            m = await api(
                "electCouncilMember",
                c.cadre,
                community=slug,
                input={
                    "gridId": c.grids[g],
                    "name": f"代表{g + 1}-{seat + 1}",
                    "electedOn": ELECTED_ON,
                    "termEndsOn": TERM_ENDS,
                    "votesReceived": 120 + seat,
                    "householdId": c.households[f"member{g}.{seat}"],
                    "subject": subject,
                },
            )
            assert m["__typename"] == "CouncilMember", m
            token = _token(settings, slug, subject, Role.COUNCIL_MEMBER)
            c.members.append(Member(m["id"], m["householdId"], token))
    chair = await api("setCouncilChair", c.cadre, community=slug, memberId=c.members[0].id)
    assert chair["isChair"] is True
    return c


ALONE = ["ELDERLY_LIVING_ALONE"]
HOUSEHOLDS = {
    "healthy_family": (0, "东海路18号", [], "resident.chen"),
    "elderly_bp": (1, "望海巷7号", ALONE, "resident.lin"),
    "alley": (2, "石场弄3号", [], "resident.xu"),
    "eaves": (0, "外湾弄14号", [], None),
    "bus": (2, "沙河路86号", [], None),
    "ordinary_light": (1, "菜园路21号", [], None),
    "elderly_light": (1, "菜园路25号", [*ALONE, "ELDERLY_WITHOUT_FAMILY"], None),
    "unhappy": (0, "渔港路9号", [], "resident.zhou"),
    "plain": (0, "人民路5号", [], None),
}


@pytest.fixture(scope="module")
async def world(gql, operation, settings, token, e2e_data):
    """Two communities built over the API: the main one, and a neighbour to leak into."""
    api = Api(gql, operation)
    main = await build_community(api, settings, token("admin"), grids=3, households=HOUSEHOLDS)
    other = await build_community(
        api, settings, token("admin"), grids=1, households={"neighbour": (0, "隔壁路1号", [], None)}
    )
    return api, main, other


# -- the acts, each by its role ------------------------------------------------------------


async def register(
    api: Api, c: Community, household: str, category: str, title: str, **extra: Any
) -> dict:
    """A grid worker registers a request on a home visit (unless ``by`` says who)."""
    by = extra.pop("by", None) or c.workers[0]
    m = await api(
        "registerRequest",
        by,
        community=c.slug,
        input={
            "householdId": c.households[household],
            "channel": extra.pop("channel", "HOME_VISIT"),
            "category": category,
            "title": title,
            "description": extra.pop("description", title),
            "occurredOn": "2026-03-01",
        }
        | extra,
    )
    assert m["__typename"] == "Matter", m
    return m


async def open_session(api: Api, c: Community, present: range | list[int]) -> str:
    """The cadre opens a session and records who came."""
    s = await api(
        "openCouncilSession",
        c.cadre,
        community=c.slug,
        input={"heldOn": HELD_ON, "title": "月度会"},
    )
    att = await api(
        "recordAttendance",
        c.cadre,
        community=c.slug,
        sessionId=s["id"],
        memberIds=[c.members[i].id for i in present],
    )
    assert len(att["attendees"]) == len(list(present)), att
    return s["id"]


async def on_agenda(api: Api, c: Community, session: str, matter: dict) -> dict:
    item = await api(
        "addToAgenda", c.cadre, community=c.slug, sessionId=session, matterId=matter["id"]
    )
    assert item["__typename"] == "AgendaItem", item
    return item


async def vote(api: Api, c: Community, item: dict, member: int, kind: str | None, **kw) -> dict:
    """Council member ``member`` votes with their own token."""
    return await api(
        "castVote",
        c.members[member].token,
        community=c.slug,
        input={"agendaItemId": item["id"], "kind": kind, "note": kw.get("note", "")}
        | ({"recuse": True} if kw.get("recuse") else {}),
    )


async def votes(api: Api, c: Community, item: dict, ballots: dict[int, str]) -> None:
    cast = await asyncio.gather(*(vote(api, c, item, m, k) for m, k in ballots.items()))
    assert all(v["__typename"] == "CouncilVote" for v in cast), cast


async def decide(api: Api, c: Community, item: dict, **input: Any) -> dict:
    return await api(
        "decideAgendaItem", c.cadre, community=c.slug, input={"agendaItemId": item["id"]} | input
    )


async def council_decides(api: Api, c: Community, matter: dict, kind: str, **input: Any) -> dict:
    """A full session on one matter: all nine present, everyone votes ``kind``, decided."""
    session = await open_session(api, c, range(len(c.members)))
    item = await on_agenda(api, c, session, matter)
    await votes(api, c, item, dict.fromkeys(range(len(c.members)), kind))
    decision = await decide(api, c, item, **input)
    assert decision["__typename"] == "CouncilDecision", decision
    return decision


async def matter(api: Api, c: Community, matter_id: str, as_: str | None = None) -> dict:
    found = await api("matter", as_ or c.cadre, community=c.slug, id=matter_id)
    assert found is not None and found["matter"] is not None
    return found["matter"]


async def outbox_rows(slug: str, matter_id: str) -> list[dict]:
    """``matter.major`` messages written for a matter (the routing actor consumes them later)."""
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            "SELECT topic, payload FROM platform.outbox WHERE community_slug = $1 "
            "AND topic = 'matter.major' AND (payload->>'matter_id')::int = $2 ORDER BY id",
            slug,
            int(matter_id),
        )
    return [{"topic": r["topic"], **json.loads(r["payload"])} for r in rows]


def statuses(m: dict) -> list[str]:
    return [h["toStatus"] for h in m["history"]]


# -- DOMAIN.md cases -------------------------------------------------------------------------


async def test_house_repair_of_a_healthy_family_is_private_with_an_explanation(world):
    """A healthy family asks for its old house to be repaired: private, and the council says why."""
    api, c, _ = world
    m = await register(api, c, "healthy_family", "housing_repair", "请政府帮忙修缮老房子")
    assert m["suggestion"]["kind"] == "PRIVATE" and m["suggestion"]["reasonZh"]
    why = "房屋是自家财产，家里有能力自己修缮；社区可帮忙联系施工队。"
    d = await council_decides(api, c, m, "PRIVATE", explanation=why)
    assert (d["kind"], d["responsible"], d["suggestionFollowed"]) == ("PRIVATE", "household", True)
    seen = await matter(api, c, m["id"], as_=c.residents["healthy_family"])
    assert (seen["kind"], seen["responsible"], seen["status"]) == (
        "PRIVATE",
        "HOUSEHOLD",
        "CLASSIFIED",
    )
    assert [(s["version"], s["kind"], s["explanation"]) for s in seen["sheets"]] == [
        (1, "PRIVATE", why)
    ]
    assert seen["sheets"][0]["tally"]["counts"]["private"] == 9
    assert statuses(seen) == ["REGISTERED", "AWAITING_COUNCIL", "CLASSIFIED"]


async def test_monthly_blood_pressure_is_private_and_referred_to_golden_harbour(world):
    """An elderly man's blood-pressure check on the 25th: private, referred to 金色港湾义工队."""
    api, c, _ = world
    m = await register(
        api,
        c,
        "elderly_bp",
        "elderly_care",
        "每月25日上门量血压",
        description="希望每月25日有人上门量血压",
    )
    assert m["suggestion"]["kind"] == "PRIVATE"
    await council_decides(api, c, m, "PRIVATE")
    ref = await api(
        "referMatter",
        c.workers[1],
        community=c.slug,
        matterId=m["id"],
        input={
            "groupRef": "golden_harbour",
            "groupName": GOLDEN_HARBOUR,
            "note": "义工队每月25日走访独居老人，顺便量血压",
        },
    )
    assert ref["__typename"] == "Referral" and ref["groupName"] == GOLDEN_HARBOUR
    seen = await matter(api, c, m["id"])
    assert seen["kind"] == "PRIVATE"
    assert [(r["groupRef"], r["groupName"]) for r in seen["referrals"]] == [
        ("golden_harbour", GOLDEN_HARBOUR)
    ]


async def test_alley_street_light_is_minor_with_both_sides_commitments(world):
    """No light at the alley: he mounts one at his door, the community screens his window."""
    api, c, _ = world
    m = await register(api, c, "alley", "street_lighting", "巷口没有路灯", place="石场弄巷口")
    assert m["suggestion"]["kind"] == "MINOR"
    d = await council_decides(api, c, m, "MINOR")
    assert (d["kind"], d["responsible"]) == ("MINOR", "community_and_residents")
    neg = await api(
        "recordNegotiation",
        c.workers[2],
        community=c.slug,
        matterId=m["id"],
        input={
            "heldOn": "2026-03-28",
            "participants": ["徐德福", "网格员3", "孙书记"],
            "agreement": "徐德福在门口装灯照亮巷口；社区为他家临街窗户装纱窗防虫",
            "commitments": [
                {"party": "RESIDENT", "partyName": "徐德福", "description": "在自家门口装一盏灯"},
                {"party": "COMMUNITY", "partyName": "社区", "description": "为临街窗户装纱窗"},
            ],
        },
    )
    assert neg["__typename"] == "Negotiation", neg
    for commitment in neg["commitments"]:
        kept = await api(
            "markCommitment",
            c.workers[2],
            community=c.slug,
            commitmentId=commitment["id"],
            kept=True,
        )
        assert kept["kept"] is True
    seen = await matter(api, c, m["id"])
    assert seen["responsible"] == "COMMUNITY_AND_RESIDENTS"
    (negotiation,) = seen["negotiations"]
    assert sorted((x["party"], x["kept"]) for x in negotiation["commitments"]) == [
        ("COMMUNITY", True),
        ("RESIDENT", True),
    ]


async def test_eaves_enclosure_minor_then_escalated_to_major_after_a_site_visit(world):
    """Minor at first; the grid worker finds an illegal building: major, both sheets kept."""
    api, c, _ = world
    m = await register(api, c, "eaves", "neighbour_dispute", "邻居在屋檐下搭建围挡")
    await council_decides(api, c, m, "MINOR")
    started = await api(
        "startMatter", c.workers[0], community=c.slug, matterId=m["id"], responsibleNote="协商"
    )
    assert started["status"] == "IN_PROGRESS"
    assert await outbox_rows(c.slug, m["id"]) == []
    reason = "现场查看：已砌墙加顶，疑似违章建筑，请城管处理"
    up = await api(
        "reclassifyMatter",
        c.workers[0],
        community=c.slug,
        matterId=m["id"],
        input={"kind": "MAJOR", "reason": reason, "evidence": ["现场照片3张", "核查记录"]},
    )
    assert (up["__typename"], up["kind"], up["responsible"]) == (
        "Matter",
        "MAJOR",
        "COUNTY_DEPARTMENTS",
    )
    seen = await matter(api, c, m["id"])
    assert [
        (s["version"], s["kind"], s["previousKind"], s["escalation"]) for s in seen["sheets"]
    ] == [
        (1, "MINOR", None, False),
        (2, "MAJOR", "MINOR", True),
    ]
    assert seen["sheets"][1]["reasoning"] == reason
    assert seen["sheets"][1]["evidence"] == ["现场照片3张", "核查记录"]
    assert seen["status"] == "IN_PROGRESS"  # a change of kind is not a change of status
    assert await outbox_rows(c.slug, m["id"]) == [
        {"topic": "matter.major", "matter_id": int(m["id"]), "sheet_version": 2}
    ]


async def test_bus_stop_is_major_and_written_to_the_outbox_once(world):
    """Moving the bus stop east: major, one matter.major message; the neighbour sees nothing."""
    api, c, other = world
    m = await register(api, c, "bus", "transport", "公交站点东移", by=c.cadre, channel="WALK_IN")
    assert m["suggestion"]["kind"] == "MAJOR"
    d = await council_decides(api, c, m, "MAJOR")
    assert (d["kind"], d["responsible"], d["sheetVersion"]) == ("MAJOR", "county_departments", 1)
    assert await outbox_rows(c.slug, m["id"]) == [
        {"topic": "matter.major", "matter_id": int(m["id"]), "sheet_version": 1}
    ]
    seen = await matter(api, c, m["id"])
    assert seen["responsible"] == "COUNTY_DEPARTMENTS"
    # The other community's cadre: not their community, the same answer as "does not exist".
    assert await api("matter", other.cadre, community=c.slug, id=m["id"]) is None


async def test_broken_home_light_depends_on_who_lives_there(world):
    """Home light: private for an ordinary household, the community's for an elderly one alone."""
    api, c, _ = world
    ordinary = await register(api, c, "ordinary_light", "home_lighting", "家里的灯坏了")
    elderly = await register(api, c, "elderly_light", "home_lighting", "家里的灯坏了")
    assert ordinary["suggestion"]["kind"] == "PRIVATE"
    assert elderly["suggestion"]["kind"] == "MINOR"
    assert "独居" in elderly["suggestion"]["reasonZh"]
    assert ordinary["suggestion"]["ruleId"] != elderly["suggestion"]["ruleId"]
    session = await open_session(api, c, range(9))
    for m, kind in ((ordinary, "PRIVATE"), (elderly, "MINOR")):
        item = await on_agenda(api, c, session, m)
        assert item["suggestedKind"] == kind and item["suggestionReason"]
        await votes(api, c, item, dict.fromkeys(range(9), kind))
        d = await decide(api, c, item)
        assert (d["kind"], d["suggestionFollowed"]) == (kind, True)
    assert (await matter(api, c, ordinary["id"]))["responsible"] == "HOUSEHOLD"
    assert (await matter(api, c, elderly["id"]))["responsible"] == "COMMUNITY_AND_RESIDENTS"


# -- deliberation rules ------------------------------------------------------------------------


async def test_member_must_recuse_on_own_household(world):
    """A member asked to vote on their own household's request: MUST_RECUSE, recusal recorded."""
    api, c, _ = world
    m = await register(api, c, "member0.1", "sanitation", "楼道堆放杂物")
    session = await open_session(api, c, range(9))
    item = await on_agenda(api, c, session, m)
    own = await vote(api, c, item, 1, "PRIVATE")
    assert (own["__typename"], own["code"]) == ("MustRecuseError", "MUST_RECUSE")
    assert "回避" in own["message"] and "recuse" in own["messageEn"].lower()
    await votes(api, c, item, {i: "MINOR" for i in range(9) if i != 1})
    d = await decide(api, c, item)
    assert d["kind"] == "MINOR"
    assert d["agendaItem"]["tally"] == {
        "private": 0,
        "minor": 8,
        "major": 0,
        "votesCast": 8,
        "recused": 1,
    }
    seen = await matter(api, c, m["id"])
    recused = [v for v in seen["votes"] if v["recused"]]
    assert [(v["memberId"], v["kind"]) for v in recused] == [(c.members[1].id, None)]


async def test_no_quorum_leaves_the_matter_for_the_next_session(world):
    """Four of nine present: NO_QUORUM recorded; the next session with quorum decides it."""
    api, c, _ = world
    m = await register(api, c, "plain", "public_facilities", "休息凳坏了")
    session = await open_session(api, c, range(4))
    item = await on_agenda(api, c, session, m)
    await votes(api, c, item, dict.fromkeys(range(4), "MINOR"))
    d = await decide(api, c, item)
    assert (d["__typename"], d["code"]) == ("NoQuorumError", "NO_QUORUM")
    assert d["message"] and d["messageEn"]
    s = (await api("councilSession", c.cadre, community=c.slug, id=session))["councilSession"]
    assert [(i["matterId"], i["status"]) for i in s["agenda"]] == [(m["id"], "NO_QUORUM")]
    assert (await matter(api, c, m["id"]))["status"] == "AWAITING_COUNCIL"
    closed = await api("closeCouncilSession", c.cadre, community=c.slug, sessionId=session)
    assert closed["status"] == "CLOSED"
    d = await council_decides(api, c, m, "MINOR")
    assert (d["present"], d["quorumRequired"]) == (9, 5)
    assert (await matter(api, c, m["id"]))["status"] == "CLASSIFIED"


async def test_tie_goes_to_the_chairs_casting_vote(world):
    """Three private, three minor: TIE; a casting vote outside the tie is refused; minor wins."""
    api, c, _ = world
    m = await register(api, c, "plain", "pets", "狗在楼道便溺")
    session = await open_session(api, c, range(6))
    item = await on_agenda(api, c, session, m)
    await votes(
        api, c, item, {0: "PRIVATE", 1: "PRIVATE", 2: "PRIVATE"} | dict.fromkeys((3, 4, 5), "MINOR")
    )
    tie = await decide(api, c, item)
    assert (tie["__typename"], tie["code"]) == ("TieError", "TIE")
    assert "casting vote" in tie["messageEn"]
    wrong = await decide(api, c, item, castingVote="MAJOR")
    assert wrong["code"] == "CASTING_VOTE_NOT_IN_TIE"
    d = await decide(api, c, item, castingVote="MINOR")
    assert (d["kind"], d["tieBrokenByChair"]) == ("MINOR", True)
    assert d["agendaItem"]["status"] == "DECIDED"


async def test_illegal_transition_is_a_typed_error_and_changes_nothing(world):
    """Resolving a request the council has not seen: ILLEGAL_TRANSITION, history unchanged."""
    api, c, _ = world
    m = await register(api, c, "plain", "safety", "电线老化")
    r = await api("resolveMatter", c.workers[0], community=c.slug, matterId=m["id"], note="修好了")
    assert (r["__typename"], r["code"]) == ("IllegalTransitionError", "ILLEGAL_TRANSITION")
    assert "已登记" in r["message"] and "Registered" in r["messageEn"]
    assert "RESOLVED" not in m["allowedTransitions"]
    seen = await matter(api, c, m["id"])
    assert statuses(seen) == ["REGISTERED"] and seen["status"] == "REGISTERED"


async def test_unsatisfied_feedback_reopens_and_the_matter_is_handled_again(world):
    """Unsatisfied: reopened with the reason; re-handled; satisfied: closed. All in the history."""
    api, c, _ = world
    resident = c.residents["unhappy"]
    m = await register(api, c, "unhappy", "road_and_drainage", "雨天路面积水", by=resident)
    await council_decides(api, c, m, "MINOR")
    w = c.workers[0]
    for act, args in (("startMatter", {"responsibleNote": "社区疏通"}), ("resolveMatter", {})):
        assert (await api(act, w, community=c.slug, matterId=m["id"], **args))["__typename"] == (
            "Matter"
        )
    unhappy = await api(
        "giveFeedback",
        resident,
        community=c.slug,
        matterId=m["id"],
        input={"rating": "UNSATISFIED", "comment": "还是积水", "reopenReason": "下雨后仍然积水"},
    )
    assert (unhappy["status"], unhappy["allowedTransitions"]) == (
        "REOPENED",
        ["IN_PROGRESS", "WITHDRAWN"],
    )
    for act, args in (("startMatter", {"responsibleNote": "重新疏通"}), ("resolveMatter", {})):
        assert (await api(act, w, community=c.slug, matterId=m["id"], **args))["__typename"] == (
            "Matter"
        )
    happy = await api(
        "giveFeedback",
        resident,
        community=c.slug,
        matterId=m["id"],
        input={"rating": "SATISFIED", "comment": "这次解决了"},
    )
    assert happy["status"] == "CLOSED"
    seen = await matter(api, c, m["id"], as_=resident)
    assert statuses(seen) == [
        "REGISTERED",
        "AWAITING_COUNCIL",
        "CLASSIFIED",
        "IN_PROGRESS",
        "RESOLVED",
        "REOPENED",
        "IN_PROGRESS",
        "RESOLVED",
        "CLOSED",
    ]
    reopened = next(h for h in seen["history"] if h["toStatus"] == "REOPENED")
    assert (reopened["reason"], reopened["actorRole"]) == ("下雨后仍然积水", "RESIDENT")
    assert [(f["rating"], f["onBehalf"]) for f in seen["feedback"]] == [
        ("UNSATISFIED", False),
        ("SATISFIED", False),
    ]
