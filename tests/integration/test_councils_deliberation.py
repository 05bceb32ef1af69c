"""The homeland council through the GraphQL schema: seats, sessions, votes, recusal, decisions.

Every test provisions two fresh communities: quorum counts every seated member of a
community, so councils must not be shared between tests, and the second community is the
neighbour nothing may leak into.
"""

from __future__ import annotations

import itertools
import json
import secrets
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from services.api.kit.loaders import Loaders
from services.api.kit.request import SanshiContext
from services.api.schema import SanshiSchema, build_schema
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.councils import permissions as ops
from services.councils.tables import AgendaItem, VoteRow
from services.grids.tables import Grid
from services.households.tables import Household
from services.matters import handlers as matters
from services.matters.model import Channel
from services.matters.tables import ClassificationSheet, Matter
from tenants.provisioning import create_community
from tenants.tx import platform_tx, tenant_tx
from workers import registry

COUNTY = "testcounty"
HELD_ON = date(2026, 3, 20)
_codes = itertools.count(1)

# -- harness -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(settings) -> SanshiSchema:
    return build_schema(settings)


@pytest.fixture
async def pair(communities) -> tuple[str, str]:
    """Two fresh communities of the test county (a council of their own each)."""
    slugs = []
    for name in ("甲", "乙"):
        slug = f"council_{secrets.token_hex(4)}"
        await create_community(slug, f"理事会{name}社区", COUNTY)
        slugs.append(slug)
    return slugs[0], slugs[1]


@pytest.fixture
def major_topic() -> Iterator[None]:
    """Make sure ``matter.major`` has an actor, in case the lead has not declared it yet."""
    registry.load_actor_modules()  # what enqueue does: a declared topic is found, not shadowed
    if "matter.major" in registry.topics():
        yield
        return
    spec = registry.ActorSpec("test.councils_major", lambda **_: None)
    with registry.declared(spec, topic_map={"matter.major": spec.name}):
        yield


def person(role: Role, slug: str, subject: str | None = None) -> Principal:
    scope = (
        Scope(ScopeKind.COUNTY, COUNTY)
        if role in (Role.COUNTY_ADMIN, Role.COUNTY_LEADER)
        else Scope(ScopeKind.COMMUNITY, slug)
    )
    return Principal(subject or f"{role.value}@{slug}", frozenset({role}), scope)


def cadre(slug: str) -> Principal:
    return person(Role.COMMUNITY_CADRE, slug)


def member_login(slug: str, subject: str) -> Principal:
    return person(Role.COUNCIL_MEMBER, slug, subject)


async def run(
    schema: SanshiSchema, settings, actor: Principal | None, doc: str, **variables: Any
) -> dict[str, Any]:
    """Execute ``doc`` as ``actor``; the (only) top-level field's value."""
    ctx = SanshiContext(settings=settings, request_id="test", principal=actor, loaders=Loaders())
    result = await schema.execute(doc, variable_values=variables, context_value=ctx)
    assert result.errors is None, result.errors
    assert result.data is not None
    (value,) = result.data.values()
    return value


ELECT = """
mutation($c: String!, $input: ElectCouncilMemberInput!) {
  electCouncilMember(community: $c, input: $input) {
    __typename ... on CouncilMember { id gridId name householdId isChair active }
    ... on Error { code message messageEn }
  }
}"""
CHAIR = """mutation($c: String!, $m: ID!) { setCouncilChair(community: $c, memberId: $m) {
  __typename ... on CouncilMember { id isChair } ... on Error { code } } }"""
END_TERM = """mutation($c: String!, $m: ID!, $d: Date) {
  endCouncilTerm(community: $c, memberId: $m, endedOn: $d) {
  __typename ... on CouncilMember { id active termEndsOn } ... on Error { code } } }"""
OPEN = """mutation($c: String!, $d: Date!) {
  openCouncilSession(community: $c, input: {heldOn: $d, title: "三月理事会"}) {
  __typename ... on CouncilSession { id status seatedCount } ... on Error { code } } }"""
ATTEND = """mutation($c: String!, $s: ID!, $ms: [ID!]!) {
  recordAttendance(community: $c, sessionId: $s, memberIds: $ms) {
  __typename ... on CouncilSession { id attendees { id } } ... on Error { code message } } }"""
AGENDA = """mutation($c: String!, $s: ID!, $m: ID!) {
  addToAgenda(community: $c, sessionId: $s, matterId: $m) {
  __typename ... on AgendaItem { id matterId matterNumber matterStatus suggestedKind status }
  ... on Error { code } } }"""
VOTE = """mutation($c: String!, $i: ID!, $k: MatterKind, $note: String! = "", $r: Boolean!) {
  castVote(community: $c, input: {agendaItemId: $i, kind: $k, note: $note, recuse: $r}) {
  __typename ... on CouncilVote { id kind recused note member { id name } }
  ... on Error { code message messageEn } } }"""
DECIDE = """mutation($c: String!, $i: ID!, $cv: MatterKind, $why: String! = "") {
  decideAgendaItem(community: $c, input: {agendaItemId: $i, castingVote: $cv, reasoning: $why}) {
  __typename
  ... on CouncilDecision { kind responsible responsibleLabel sheetVersion reasoning
    suggestionFollowed seated present quorumRequired majorityRequired tieBrokenByChair
    agendaItem { status decidedKind matterStatus tally { private minor major votesCast recused } } }
  ... on Error { code message messageEn } } }"""
CASTING = """mutation($c: String!, $i: ID!, $k: MatterKind!, $note: String! = "") {
  castCastingVote(community: $c, input: {agendaItemId: $i, kind: $k, note: $note}) {
  __typename ... on AgendaItem { id status tiedKinds castingVote castingVoteNote
    castingVoteBy { id name isChair } }
  ... on Error { code message messageEn } } }"""
CLOSE = """mutation($c: String!, $s: ID!) { closeCouncilSession(community: $c, sessionId: $s) {
  __typename ... on CouncilSession { id status } ... on Error { code } } }"""
RULES = """mutation($c: String!, $input: DecisionRulesInput!) {
  setDecisionRules(community: $c, input: $input) {
  __typename ... on DecisionRules { quorumShare { numerator denominator inclusive }
    quorumMembers majority { numerator denominator inclusive } summary summaryEn seatsPerGrid }
  ... on Error { code message } } }"""
COUNCIL = """query($c: String!) { community(slug: $c) {
  council { id name gridId householdId isChair grid { code } }
  decisionRules { summary quorumMembers }
  councilSessions(first: 10) { id status seatedCount attendees { id }
    agenda { id status decidedKind matterNumber votes { kind recused member { id } } } } } }"""


async def grid(slug: str) -> int:
    async with tenant_tx(slug):
        rows = (
            await Grid.insert(Grid(code=f"cg{next(_codes)}", name="网格")).returning(Grid.id).run()
        )
    return rows[0]["id"]


async def household(slug: str, grid_id: int) -> int:
    async with tenant_tx(slug):
        rows = (
            await Household.insert(Household(grid_id=grid_id, address="东海路", size=2))
            .returning(Household.id)
            .run()
        )
    return rows[0]["id"]


async def matter(settings, slug: str, household_id: int, category: str = "street_lighting") -> Any:
    return await matters.register_request(
        cadre(slug),
        slug,
        matters.RegisterRequestInput(
            household_id=household_id,
            channel=Channel.HOME_VISIT,
            category=category,
            title="巷口没有路灯",
            description="巷子口晚上很黑",
            occurred_on=date(2026, 3, 1),
        ),
        settings,
    )


class Council:
    """A seated council of one community: member ids, their logins and households."""

    def __init__(self, slug: str) -> None:
        self.slug = slug
        self.ids: list[str] = []
        self.subjects: dict[str, str] = {}
        self.households: dict[str, int] = {}

    def login(self, member_id: str) -> Principal:
        return member_login(self.slug, self.subjects[member_id])


async def seat(schema, settings, slug: str, grids: int, per_grid: int = 3) -> Council:
    """Elect ``per_grid`` members in each of ``grids`` new grids, each in their own household."""
    council = Council(slug)
    for _ in range(grids):
        g = await grid(slug)
        for n in range(per_grid):
            h = await household(slug, g)
            subject = f"member-{secrets.token_hex(4)}"
            got = await run(
                schema,
                settings,
                cadre(slug),
                ELECT,
                c=slug,
                input={
                    "gridId": str(g),
                    "name": f"代表{len(council.ids) + 1}",
                    "electedOn": "2026-01-10",
                    "termEndsOn": "2029-01-09",
                    "votesReceived": 100 + n,
                    "householdId": str(h),
                    "subject": subject,
                },
            )
            assert got["__typename"] == "CouncilMember", got
            council.ids.append(got["id"])
            council.subjects[got["id"]] = subject
            council.households[got["id"]] = h
    return council


async def session_with(
    schema, settings, council: Council, present: list[str], matter_id: int
) -> tuple[str, str]:
    """Open a session, record ``present``, put the matter on the agenda: (session, item)."""
    slug = council.slug
    s = await run(schema, settings, cadre(slug), OPEN, c=slug, d=HELD_ON.isoformat())
    assert s["status"] == "OPEN"
    att = await run(schema, settings, cadre(slug), ATTEND, c=slug, s=s["id"], ms=present)
    assert att["__typename"] == "CouncilSession"
    item = await run(schema, settings, cadre(slug), AGENDA, c=slug, s=s["id"], m=str(matter_id))
    assert item["__typename"] == "AgendaItem", item
    return s["id"], item["id"]


async def vote(schema, settings, council: Council, member_id: str, item: str, kind: str, **kw):
    return await run(
        schema,
        settings,
        council.login(member_id),
        VOTE,
        c=council.slug,
        i=item,
        k=kind,
        note=kw.get("note", ""),
        r=kw.get("recuse", False),
    )


async def vote_rows(slug: str, item_id: str) -> list[dict]:
    async with tenant_tx(slug):
        return await VoteRow.select().where(VoteRow.agenda_item_id == int(item_id)).run()


async def matter_row(slug: str, matter_id: int) -> dict:
    async with tenant_tx(slug):
        return (await Matter.select().where(Matter.id == matter_id).run())[0]


async def item_status(slug: str, item_id: str) -> str:
    async with tenant_tx(slug):
        return (await AgendaItem.select().where(AgendaItem.id == int(item_id)).run())[0]["status"]


async def sheets(slug: str, matter_id: int) -> list[dict]:
    async with tenant_tx(slug):
        rows = (
            await ClassificationSheet.select()
            .where(ClassificationSheet.matter_id == matter_id)
            .run()
        )
    # Piccolo hands jsonb back as text.
    return [r | {"tally": json.loads(r["tally"])} for r in rows]


# -- the whole deliberation ----------------------------------------------------------------------


async def test_full_deliberation_classifies_the_matter(schema, settings, pair):
    """21 seated over 7 grids, 15 present, 10 minor / 3 private / 2 major: minor, on the sheet."""
    a, b = pair
    council = await seat(schema, settings, a, grids=7)
    m = await matter(settings, a, await household(a, await grid(a)))
    present = council.ids[:15]
    _, item = await session_with(schema, settings, council, present, m.id)
    assert (await matter_row(a, m.id))["status"] == "awaiting_council"
    kinds = ["MINOR"] * 10 + ["PRIVATE"] * 3 + ["MAJOR"] * 2
    for member_id, kind in zip(present, kinds, strict=True):
        got = await vote(schema, settings, council, member_id, item, kind, note="意见")
        assert got["__typename"] == "CouncilVote" and got["kind"] == kind

    decided = await run(schema, settings, cadre(a), DECIDE, c=a, i=item)
    assert decided["__typename"] == "CouncilDecision", decided
    assert decided["kind"] == "MINOR" and decided["responsible"] == "community_and_residents"
    assert (decided["seated"], decided["present"]) == (21, 15)
    assert (decided["quorumRequired"], decided["majorityRequired"]) == (11, 8)
    assert decided["suggestionFollowed"] is True and decided["sheetVersion"] == 1
    assert "小事 10 票" in decided["reasoning"]
    assert decided["agendaItem"]["status"] == "DECIDED"
    assert decided["agendaItem"]["matterStatus"] == "classified"
    assert decided["agendaItem"]["tally"] == {
        "private": 3,
        "minor": 10,
        "major": 2,
        "votesCast": 15,
        "recused": 0,
    }

    row = await matter_row(a, m.id)
    assert (row["status"], row["kind"], row["responsible"]) == (
        "classified",
        "minor",
        "community_and_residents",
    )
    (sheet,) = await sheets(a, m.id)
    tally = sheet["tally"]
    assert sheet["agenda_item_id"] == int(item)
    assert tally["counts"] == {"private": 3, "minor": 10, "major": 2}
    assert (tally["seated"], tally["present"], tally["votes_cast"]) == (21, 15, 15)
    assert len(tally["votes"]) == 15 and {v["note"] for v in tally["votes"]} == {"意见"}

    view = await run(schema, settings, cadre(a), COUNCIL, c=a)
    assert len(view["council"]) == 21
    assert [x["gridId"] for x in view["council"]] == sorted(
        (x["gridId"] for x in view["council"]), key=int
    )
    (session,) = view["councilSessions"]
    assert session["seatedCount"] == 21 and len(session["attendees"]) == 15
    assert session["agenda"][0]["decidedKind"] == "MINOR"
    assert len(session["agenda"][0]["votes"]) == 15
    # The neighbour has no council, no sessions and no such agenda item.
    other = await run(schema, settings, cadre(b), COUNCIL, c=b)
    assert other["council"] == [] and other["councilSessions"] == []


async def test_major_decision_writes_one_outbox_message(schema, settings, pair, major_topic):
    """A council decision for major classifies, and writes exactly one matter.major message."""
    a, _ = pair
    council = await seat(schema, settings, a, grids=1)
    m = await matter(settings, a, await household(a, await grid(a)), "transport")
    _, item = await session_with(schema, settings, council, council.ids, m.id)
    for member_id in council.ids:
        await vote(schema, settings, council, member_id, item, "MAJOR")
    decided = await run(schema, settings, cadre(a), DECIDE, c=a, i=item, why="公交站应东移")
    assert decided["kind"] == "MAJOR" and decided["responsible"] == "county_departments"
    assert decided["reasoning"] == "公交站应东移"
    async with platform_tx() as tx:
        count = await tx.connection.fetchval(
            "SELECT count(*) FROM platform.outbox WHERE topic = 'matter.major' "
            "AND community_slug = $1 AND (payload->>'matter_id')::int = $2",
            a,
            m.id,
        )
    assert count == 1


# -- recusal, quorum, majority, tie -------------------------------------------------------------


async def test_recusal_is_recorded_and_counts_for_quorum_only(schema, settings, pair):
    """A member voting on their own household's request: MustRecuse, recusal kept, quorum yes."""
    a, _ = pair
    council = await seat(schema, settings, a, grids=1)
    own, other = council.ids[0], council.ids[1]
    m = await matter(settings, a, council.households[own])
    _, item = await session_with(schema, settings, council, [own, other], m.id)

    refused = await vote(schema, settings, council, own, item, "PRIVATE")
    assert refused["__typename"] == "MustRecuseError" and refused["code"] == "MUST_RECUSE"
    assert "回避" in refused["message"]
    (row,) = await vote_rows(a, item)
    assert row["recused"] is True and row["kind"] is None
    again = await vote(schema, settings, council, own, item, "MINOR")
    assert again["__typename"] == "MustRecuseError"
    assert len(await vote_rows(a, item)) == 1

    await vote(schema, settings, council, other, item, "MINOR")
    # 3 seated, quorum 2: only reached because the recused member counts as present.
    decided = await run(schema, settings, cadre(a), DECIDE, c=a, i=item)
    assert decided["__typename"] == "CouncilDecision", decided
    assert decided["present"] == 2 and decided["agendaItem"]["tally"]["recused"] == 1
    assert decided["agendaItem"]["tally"]["votesCast"] == 1
    (sheet,) = await sheets(a, m.id)
    assert sheet["tally"]["recused"] == 1


async def test_declared_recusal_is_a_success(schema, settings, pair):
    """A member may declare a recusal themselves: recorded, returned as a recused vote."""
    a, _ = pair
    council = await seat(schema, settings, a, grids=1)
    m = await matter(settings, a, await household(a, await grid(a)))
    _, item = await session_with(schema, settings, council, council.ids, m.id)
    got = await vote(schema, settings, council, council.ids[0], item, None, recuse=True)
    assert got["__typename"] == "CouncilVote" and got["recused"] is True and got["kind"] is None


async def test_no_quorum_is_recorded_and_the_matter_can_return(schema, settings, pair):
    """1 of 3 present: NoQuorum, item no_quorum, matter awaiting; a later session takes it."""
    a, _ = pair
    council = await seat(schema, settings, a, grids=1)
    m = await matter(settings, a, await household(a, await grid(a)))
    session, item = await session_with(schema, settings, council, council.ids[:1], m.id)
    await vote(schema, settings, council, council.ids[0], item, "MINOR")

    got = await run(schema, settings, cadre(a), DECIDE, c=a, i=item)
    assert got["__typename"] == "NoQuorumError" and got["code"] == "NO_QUORUM"
    assert "实到 1 人" in got["message"] and "1 of 3" in got["messageEn"]
    assert await item_status(a, item) == "no_quorum"
    assert (await matter_row(a, m.id))["status"] == "awaiting_council"
    assert await sheets(a, m.id) == []

    closed = await run(schema, settings, cadre(a), CLOSE, c=a, s=session)
    assert closed["status"] == "CLOSED"
    late = await vote(schema, settings, council, council.ids[0], item, "MINOR")
    assert late["__typename"] == "SessionClosedError"
    _, item2 = await session_with(schema, settings, council, council.ids, m.id)
    assert item2 != item
    s3 = await run(schema, settings, cadre(a), OPEN, c=a, d=HELD_ON.isoformat())
    dup = await run(schema, settings, cadre(a), AGENDA, c=a, s=s3["id"], m=str(m.id))
    assert dup["__typename"] == "AlreadyOnAgendaError"


async def test_tie_broken_by_the_chairs_casting_vote(schema, settings, pair):
    """2 private / 2 minor: Tie recorded; a casting vote outside the tie refused; minor wins."""
    a, _ = pair
    council = await seat(schema, settings, a, grids=2)
    m = await matter(settings, a, await household(a, await grid(a)))
    present = council.ids[:4]
    _, item = await session_with(schema, settings, council, present, m.id)
    for member_id, kind in zip(present, ["PRIVATE", "PRIVATE", "MINOR", "MINOR"], strict=True):
        await vote(schema, settings, council, member_id, item, kind)

    tie = await run(schema, settings, cadre(a), DECIDE, c=a, i=item)
    assert tie["__typename"] == "TieError" and tie["code"] == "TIE"
    assert "平票" in tie["message"]
    assert await item_status(a, item) == "no_majority"
    assert (await matter_row(a, m.id))["status"] == "awaiting_council"

    wrong = await run(schema, settings, cadre(a), DECIDE, c=a, i=item, cv="MAJOR")
    assert wrong["__typename"] == "CastingVoteNotInTieError"
    assert await item_status(a, item) == "no_majority" and await sheets(a, m.id) == []

    decided = await run(schema, settings, cadre(a), DECIDE, c=a, i=item, cv="MINOR")
    assert decided["__typename"] == "CouncilDecision", decided
    assert decided["kind"] == "MINOR" and decided["tieBrokenByChair"] is True
    (sheet,) = await sheets(a, m.id)
    assert sheet["tally"]["casting_vote"] == "minor" and sheet["tally"]["tie_broken_by_chair"]
    # Given through decide (the chair has no login): the sheet names the cadre who gave it.
    assert sheet["tally"]["casting_vote_by"] == cadre(a).subject
    assert sheet["tally"]["casting_vote_by_role"] == "cadre"


async def test_the_chair_casts_the_casting_vote_after_a_tie(schema, settings, pair):
    """Only the chair, only after a tie, only for a tied kind; decide then uses it."""
    a, _ = pair
    council = await seat(schema, settings, a, grids=2)
    chair, other = council.ids[0], council.ids[1]
    assert (await run(schema, settings, cadre(a), CHAIR, c=a, m=chair))["isChair"] is True
    m = await matter(settings, a, await household(a, await grid(a)))
    present = council.ids[:4]
    _, item = await session_with(schema, settings, council, present, m.id)
    for member_id, kind in zip(present, ["PRIVATE", "PRIVATE", "MINOR", "MINOR"], strict=True):
        await vote(schema, settings, council, member_id, item, kind)

    async def casting(member_id: str, kind: str) -> dict[str, Any]:
        login = council.login(member_id)
        return await run(schema, settings, login, CASTING, c=a, i=item, k=kind, note="按主持人意见")

    early = await casting(chair, "MINOR")
    assert early["__typename"] == "NoTieToBreakError" and early["code"] == "NO_TIE_TO_BREAK"

    tie = await run(schema, settings, cadre(a), DECIDE, c=a, i=item)
    assert tie["__typename"] == "TieError"

    not_chair = await casting(other, "MINOR")
    assert not_chair["__typename"] == "NotTheChairError" and "主持人" in not_chair["message"]
    stranger = await run(
        schema, settings, member_login(a, "nobody"), CASTING, c=a, i=item, k="MINOR"
    )
    assert stranger["__typename"] == "NotACouncilMemberError"
    outside = await casting(chair, "MAJOR")
    assert outside["__typename"] == "CastingVoteNotInTieError"
    async with tenant_tx(a):
        row = (await AgendaItem.select().where(AgendaItem.id == int(item)).run())[0]
    assert row["casting_vote"] is None and row["tied_kinds"] == ["private", "minor"]

    cast = await casting(chair, "MINOR")
    assert cast["__typename"] == "AgendaItem", cast
    assert cast["castingVote"] == "MINOR" and cast["tiedKinds"] == ["PRIVATE", "MINOR"]
    assert cast["castingVoteBy"]["id"] == chair and cast["castingVoteNote"] == "按主持人意见"
    again = await casting(chair, "PRIVATE")
    assert again["__typename"] == "CastingVoteAlreadyCastError"
    conflict = await run(schema, settings, cadre(a), DECIDE, c=a, i=item, cv="PRIVATE")
    assert conflict["__typename"] == "CastingVoteAlreadyCastError"

    decided = await run(schema, settings, cadre(a), DECIDE, c=a, i=item)
    assert decided["__typename"] == "CouncilDecision", decided
    assert decided["kind"] == "MINOR" and decided["tieBrokenByChair"] is True
    assert "主持人" in decided["reasoning"]
    (sheet,) = await sheets(a, m.id)
    tally = sheet["tally"]
    assert tally["casting_vote"] == "minor" and tally["casting_vote_by"] == int(chair)
    assert tally["casting_vote_by_role"] == "chair" and tally["casting_vote_by_name"] == "代表1"
    after = await casting(chair, "MINOR")
    assert after["__typename"] == "SessionDecidedError"
    async with tenant_tx(a) as tx:
        actions = await tx.connection.fetch(
            "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", f"agenda_item:{item}"
        )
    assert [r["action"] for r in actions].count("council.casting_vote") == 1


async def test_the_chair_recuses_from_a_tie_on_their_own_household(schema, settings, pair):
    """The rule that makes a member recuse holds for the casting vote: on a request of the
    chair's own household neither the chair nor the cadre on the chair's behalf breaks the
    tie (ChairMustRecuse); nothing is written and the item stays undecided."""
    a, _ = pair
    council = await seat(schema, settings, a, grids=2)
    chair = council.ids[0]
    assert (await run(schema, settings, cadre(a), CHAIR, c=a, m=chair))["isChair"] is True
    m = await matter(settings, a, council.households[chair])
    present = council.ids[:5]
    _, item = await session_with(schema, settings, council, present, m.id)
    own = await vote(schema, settings, council, chair, item, "MINOR")
    assert own["__typename"] == "MustRecuseError"
    for member_id, kind in zip(present[1:], ["PRIVATE", "PRIVATE", "MINOR", "MINOR"], strict=True):
        await vote(schema, settings, council, member_id, item, kind)
    tie = await run(schema, settings, cadre(a), DECIDE, c=a, i=item)
    assert tie["__typename"] == "TieError"

    cast = await run(
        schema, settings, council.login(chair), CASTING, c=a, i=item, k="MINOR", note="我来定"
    )
    assert cast["__typename"] == "ChairMustRecuseError" and cast["code"] == "CHAIR_MUST_RECUSE"
    assert "主持人本人家庭" in cast["message"] and "chair's own household" in cast["messageEn"]
    behalf = await run(schema, settings, cadre(a), DECIDE, c=a, i=item, cv="MINOR")
    assert behalf["__typename"] == "ChairMustRecuseError"
    async with tenant_tx(a):
        row = (await AgendaItem.select().where(AgendaItem.id == int(item)).run())[0]
    assert row["casting_vote"] is None and row["status"] == "no_majority"
    assert (await matter_row(a, m.id))["status"] == "awaiting_council"
    assert await sheets(a, m.id) == []

    # A neighbour's request, on which the chair declared a recusal: no casting vote either.
    m2 = await matter(settings, a, council.households[council.ids[5]])
    _, item2 = await session_with(schema, settings, council, present, m2.id)
    for member_id, kind in zip(present[1:], ["PRIVATE", "PRIVATE", "MINOR", "MINOR"], strict=True):
        await vote(schema, settings, council, member_id, item2, kind)
    await vote(schema, settings, council, chair, item2, None, recuse=True)
    assert (await run(schema, settings, cadre(a), DECIDE, c=a, i=item2))["__typename"] == "TieError"
    declared = await run(schema, settings, council.login(chair), CASTING, c=a, i=item2, k="MINOR")
    assert declared["__typename"] == "ChairMustRecuseError"  # a declared recusal holds too


async def test_no_majority_under_a_stricter_rule(schema, settings, pair):
    """A community requiring three quarters: 2 minor / 1 private is NoMajority, recorded."""
    a, b = pair
    rules = await run(
        schema,
        settings,
        cadre(a),
        RULES,
        c=a,
        input={
            "quorumShare": {"numerator": 1, "denominator": 2},
            "majority": {"numerator": 3, "denominator": 4, "inclusive": True},
        },
    )
    assert rules["__typename"] == "DecisionRules" and "不少于 3/4" in rules["summary"]
    council = await seat(schema, settings, a, grids=1)
    m = await matter(settings, a, await household(a, await grid(a)))
    _, item = await session_with(schema, settings, council, council.ids, m.id)
    for member_id, kind in zip(council.ids, ["MINOR", "MINOR", "PRIVATE"], strict=True):
        await vote(schema, settings, council, member_id, item, kind)
    got = await run(schema, settings, cadre(a), DECIDE, c=a, i=item)
    assert got["__typename"] == "NoMajorityError" and "需 3 票" in got["message"]
    assert await item_status(a, item) == "no_majority"
    # The neighbour keeps the defaults.
    view = await run(schema, settings, cadre(b), COUNCIL, c=b)
    assert "过半数" in view["decisionRules"]["summary"]


async def test_invalid_decision_rules_are_refused(schema, settings, pair):
    """Both quorum forms, an impossible share, a zero denominator: InvalidDecisionRulesError."""
    a, _ = pair
    half = {"numerator": 1, "denominator": 2}
    for bad in (
        {"quorumShare": half, "quorumMembers": 5, "majority": half},
        {"quorumMembers": 5, "majority": {"numerator": 3, "denominator": 2}},
        {"quorumMembers": 0, "majority": half},
        {"quorumShare": half, "majority": {"numerator": 1, "denominator": 0}},
    ):
        got = await run(schema, settings, cadre(a), RULES, c=a, input=bad)
        assert got["__typename"] == "InvalidDecisionRulesError", (bad, got)
    ok = await run(
        schema, settings, cadre(a), RULES, c=a, input={"quorumMembers": 5, "majority": half}
    )
    assert ok["quorumMembers"] == 5 and ok["quorumShare"] is None


# -- bad votes -----------------------------------------------------------------------------------


async def test_refused_votes_write_nothing(schema, settings, pair):
    """Non-member, absent member, double vote, vote after the decision: typed, no row written."""
    a, _ = pair
    council = await seat(schema, settings, a, grids=1)
    m = await matter(settings, a, await household(a, await grid(a)))
    present, absent = council.ids[:2], council.ids[2]
    _, item = await session_with(schema, settings, council, present, m.id)

    stranger = await run(
        schema, settings, member_login(a, "not-seated"), VOTE, c=a, i=item, k="MINOR", r=False
    )
    assert stranger["__typename"] == "NotACouncilMemberError"
    away = await vote(schema, settings, council, absent, item, "MINOR")
    assert away["__typename"] == "MemberAbsentError"
    assert await vote_rows(a, item) == []

    await vote(schema, settings, council, present[0], item, "MINOR")
    twice = await vote(schema, settings, council, present[0], item, "MAJOR")
    assert twice["__typename"] == "AlreadyVotedError"
    assert [r["kind"] for r in await vote_rows(a, item)] == ["minor"]

    await vote(schema, settings, council, present[1], item, "MINOR")
    assert (await run(schema, settings, cadre(a), DECIDE, c=a, i=item))["kind"] == "MINOR"
    after = await vote(schema, settings, council, absent, item, "MAJOR")
    assert after["__typename"] == "SessionDecidedError"
    again = await run(schema, settings, cadre(a), DECIDE, c=a, i=item)
    assert again["__typename"] == "SessionDecidedError"
    assert len(await vote_rows(a, item)) == 2 and len(await sheets(a, m.id)) == 1

    no_kind = await vote(schema, settings, council, present[1], item, None)
    assert no_kind["__typename"] in ("InvalidInputError", "SessionDecidedError")


async def test_member_of_one_community_cannot_vote_in_another(schema, settings, pair):
    """A's member gets CommunityNotFound in B; B's ids of A's items are simply not found."""
    a, b = pair
    council = await seat(schema, settings, a, grids=1)
    m = await matter(settings, a, await household(a, await grid(a)))
    session, item = await session_with(schema, settings, council, council.ids, m.id)
    member = council.ids[0]

    elsewhere = await run(
        schema, settings, council.login(member), VOTE, c=b, i=item, k="MINOR", r=False
    )
    assert elsewhere["__typename"] == "CommunityNotFoundError"
    # The same login subject with a token for B is no member there.
    as_b = member_login(b, council.subjects[member])
    got = await run(schema, settings, as_b, VOTE, c=b, i=item, k="MINOR", r=False)
    assert got["__typename"] in ("NotACouncilMemberError", "AgendaItemNotFoundError")
    decide_b = await run(schema, settings, cadre(b), DECIDE, c=b, i=item)
    assert decide_b["__typename"] == "AgendaItemNotFoundError"
    agenda_b = await run(schema, settings, cadre(b), AGENDA, c=b, s=session, m=str(m.id))
    assert agenda_b["__typename"] == "CouncilSessionNotFoundError"
    peek = await run(
        schema,
        settings,
        cadre(b),
        "query($c: String!, $s: ID!) { community(slug: $c) { councilSession(id: $s) { id } } }",
        c=b,
        s=session,
    )
    assert peek == {"councilSession": None}
    assert await vote_rows(a, item) == []


# -- members, seats, chair ---------------------------------------------------------------------


async def test_seats_per_grid_chair_and_terms(schema, settings, pair):
    """A full grid refuses a 4th member until a term ends; one chair at a time; logins unique."""
    a, _ = pair
    council = await seat(schema, settings, a, grids=1)
    grid_id = (await run(schema, settings, cadre(a), COUNCIL, c=a))["council"][0]["gridId"]
    fourth = {
        "gridId": grid_id,
        "name": "第四位",
        "electedOn": "2026-02-01",
        "termEndsOn": "2029-01-09",
    }
    full = await run(schema, settings, cadre(a), ELECT, c=a, input=fourth)
    assert full["__typename"] == "GridSeatsFullError" and "3 席" in full["message"]

    first, second = council.ids[0], council.ids[1]
    assert (await run(schema, settings, cadre(a), CHAIR, c=a, m=first))["isChair"] is True
    assert (await run(schema, settings, cadre(a), CHAIR, c=a, m=second))["isChair"] is True
    chairs = [
        x["id"]
        for x in (await run(schema, settings, cadre(a), COUNCIL, c=a))["council"]
        if x["isChair"]
    ]
    assert chairs == [second]

    early = await run(schema, settings, cadre(a), END_TERM, c=a, m=second, d="2026-01-31")
    assert early["active"] is False and early["termEndsOn"] == "2026-01-31"
    assert (await run(schema, settings, cadre(a), END_TERM, c=a, m=second))["code"] == "TERM_ENDED"
    assert (await run(schema, settings, cadre(a), CHAIR, c=a, m=second))["code"] == "TERM_ENDED"
    assert (await run(schema, settings, cadre(a), CHAIR, c=a, m="999999"))["code"] == (
        "COUNCIL_MEMBER_NOT_FOUND"
    )
    seated = await run(schema, settings, cadre(a), ELECT, c=a, input=fourth)
    assert seated["__typename"] == "CouncilMember"

    taken = await run(
        schema,
        settings,
        cadre(a),
        ELECT,
        c=a,
        input={**fourth, "gridId": str(await grid(a)), "subject": council.subjects[first]},
    )
    assert taken["__typename"] == "CouncilLoginTakenError"
    backwards = await run(
        schema, settings, cadre(a), ELECT, c=a, input={**fourth, "termEndsOn": "2026-01-01"}
    )
    assert backwards["__typename"] == "InvalidInputError"
    nowhere = await run(
        schema, settings, cadre(a), ELECT, c=a, input={**fourth, "gridId": "999999"}
    )
    assert nowhere["__typename"] == "InvalidInputError"


async def test_attendance_and_agenda_rules(schema, settings, pair):
    """Only seated members attend; voters stay on the list; only pending matters go on agendas."""
    a, b = pair
    council = await seat(schema, settings, a, grids=1)
    m = await matter(settings, a, await household(a, await grid(a)))
    session, item = await session_with(schema, settings, council, council.ids[:2], m.id)
    await vote(schema, settings, council, council.ids[0], item, "MINOR")

    drop = await run(schema, settings, cadre(a), ATTEND, c=a, s=session, ms=[council.ids[1]])
    assert drop["__typename"] == "InvalidInputError" and council.ids[0] in drop["message"]
    ghost = await run(schema, settings, cadre(a), ATTEND, c=a, s=session, ms=["999999"])
    assert ghost["__typename"] == "InvalidInputError"
    fine = await run(
        schema, settings, cadre(a), ATTEND, c=a, s=session, ms=[council.ids[0], council.ids[2]]
    )
    assert {x["id"] for x in fine["attendees"]} == {council.ids[0], council.ids[2]}

    await vote(schema, settings, council, council.ids[2], item, "MINOR")
    await run(schema, settings, cadre(a), DECIDE, c=a, i=item)
    classified = await run(schema, settings, cadre(a), AGENDA, c=a, s=session, m=str(m.id))
    assert classified["__typename"] in ("MatterNotPendingError", "AlreadyOnAgendaError")
    s2 = await run(schema, settings, cadre(a), OPEN, c=a, d=HELD_ON.isoformat())
    classified = await run(schema, settings, cadre(a), AGENDA, c=a, s=s2["id"], m=str(m.id))
    assert classified["__typename"] == "MatterNotPendingError"
    foreign = await run(schema, settings, cadre(b), OPEN, c=b, d=HELD_ON.isoformat())
    missing = await run(schema, settings, cadre(b), AGENDA, c=b, s=foreign["id"], m=str(m.id))
    assert missing["code"] == "MATTER_NOT_FOUND"


# -- who may do what ---------------------------------------------------------------------------

OPS = {
    "elect": ops.MANAGE_COUNCIL,
    "chair": ops.MANAGE_COUNCIL,
    "end_term": ops.MANAGE_COUNCIL,
    "open": ops.MANAGE_COUNCIL,
    "attend": ops.MANAGE_COUNCIL,
    "agenda": ops.MANAGE_COUNCIL,
    "close": ops.MANAGE_COUNCIL,
    "rules": ops.MANAGE_COUNCIL,
    "vote": ops.CAST_VOTE,
    "decide": ops.DECIDE,
    "casting": ops.CAST_VOTE,
}
ROLES = [
    Role.COMMUNITY_CADRE,
    Role.GRID_WORKER,
    Role.COUNCIL_MEMBER,
    Role.RESIDENT,
    Role.COUNTY_ADMIN,
    Role.COUNTY_LEADER,
]


async def test_permission_matrix(schema, settings, pair):
    """Each role × council operation: ForbiddenError exactly where the matrix says no."""
    a, _ = pair
    nowhere = "999999"
    calls = {
        "elect": (
            ELECT,
            {
                "input": {
                    "gridId": nowhere,
                    "name": "x",
                    "electedOn": "2026-01-01",
                    "termEndsOn": "2027-01-01",
                }
            },
        ),
        "chair": (CHAIR, {"m": nowhere}),
        "end_term": (END_TERM, {"m": nowhere}),
        "open": (OPEN, {"d": "2026-03-01"}),
        "attend": (ATTEND, {"s": nowhere, "ms": []}),
        "agenda": (AGENDA, {"s": nowhere, "m": nowhere}),
        "close": (CLOSE, {"s": nowhere}),
        "rules": (
            RULES,
            {"input": {"quorumMembers": 3, "majority": {"numerator": 1, "denominator": 2}}},
        ),
        "vote": (VOTE, {"i": nowhere, "k": "MINOR", "r": False}),
        "decide": (DECIDE, {"i": nowhere}),
        "casting": (CASTING, {"i": nowhere, "k": "MINOR"}),
    }
    seen: dict[tuple[str, str], bool] = {}
    for role in ROLES:
        for name, (doc, variables) in calls.items():
            got = await run(schema, settings, person(role, a), doc, c=a, **variables)
            seen[(role.value, name)] = got["__typename"] != "ForbiddenError"
    expected = {(r.value, n): r in op.roles for r in ROLES for n, op in OPS.items()}
    assert seen == expected
    anonymous = await run(schema, settings, None, CLOSE, c=a, s=nowhere)
    assert anonymous["__typename"] == "UnauthenticatedError"


async def test_who_sees_the_council(schema, settings, pair):
    """Residents see their representatives but not the links or the sessions; others' nothing."""
    a, b = pair
    council = await seat(schema, settings, a, grids=1)
    m = await matter(settings, a, await household(a, await grid(a)))
    await session_with(schema, settings, council, council.ids, m.id)
    resident = await run(schema, settings, person(Role.RESIDENT, a), COUNCIL, c=a)
    assert len(resident["council"]) == 3
    assert {x["householdId"] for x in resident["council"]} == {None}
    assert resident["councilSessions"] == []
    worker = await run(schema, settings, person(Role.GRID_WORKER, a), COUNCIL, c=a)
    assert all(x["householdId"] for x in worker["council"]) and len(worker["councilSessions"]) == 1
    assert worker["council"][0]["grid"]["code"].startswith("cg")
    outsider = await run(
        schema,
        settings,
        cadre(b),
        "query($c: String!) { community(slug: $c) { council { id } } }",
        c=a,
    )
    assert outsider is None
