"""Each council and matter mutation is ONE tenant transaction: its handler reads what the
result shows, and the resolver only converts (no second transaction re-reading it).

The documents are the ones the frontend sends (graphql/operations/), run through the real
schema in process inside ``tenants.db.statements()``. Every transaction opened is noted
with its schema (``transactions`` below), so a test counts them by schema: one ``c_<slug>``
and one on the platform schema, the registry read that checks the caller's access.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.api.kit.loaders import Loaders
from services.api.kit.request import SanshiContext
from services.api.schema import SanshiSchema, build_schema
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.grids.tables import Grid
from services.households.tables import Household
from tenants import tx as tx_module
from tenants.db import log_statement, statements
from tenants.provisioning import create_community
from tenants.slugs import PLATFORM_SCHEMA, schema_for
from tenants.tx import tenant_tx

COUNTY = "testcounty"
HELD_ON = date(2026, 3, 20)
ROOT = Path(__file__).resolve().parents[2]
OPENED = "-- transaction on "


def operation(name: str) -> str:
    """A document the frontend sends (graphql/operations/<name>.graphql)."""
    return (ROOT / "graphql" / "operations" / f"{name}.graphql").read_text()


@pytest.fixture(scope="module")
def schema(settings) -> SanshiSchema:
    return build_schema(settings)


@pytest.fixture
async def pair(communities) -> tuple[str, str]:
    """Two fresh communities (quorum counts every seated member, so councils are not shared)."""
    slugs = []
    for name in ("甲", "乙"):
        slug = f"stmts_{secrets.token_hex(4)}"
        await create_community(slug, f"语句{name}社区", COUNTY)
        slugs.append(slug)
    return slugs[0], slugs[1]


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The schema of every transaction opened (tenant or platform), in order; each is also
    noted in the statement log, so a failure's message shows where transactions begin."""
    opened: list[str] = []
    original = tx_module._transaction

    @asynccontextmanager
    async def noting(pool_name: str, search_path: str, **kw: Any) -> AsyncIterator[Any]:
        opened.append(search_path)
        log_statement(OPENED + search_path)
        async with original(pool_name, search_path, **kw) as tx:
            yield tx

    monkeypatch.setattr(tx_module, "_transaction", noting)
    yield opened


def person(role: Role, slug: str, subject: str | None = None) -> Principal:
    return Principal(
        subject or f"{role.value}@{slug}", frozenset({role}), Scope(ScopeKind.COMMUNITY, slug)
    )


def cadre(slug: str) -> Principal:
    return person(Role.COMMUNITY_CADRE, slug)


async def run(
    schema: SanshiSchema, settings, actor: Principal, doc: str, **variables: Any
) -> dict[str, Any]:
    """Execute ``doc`` as ``actor``; the (only) top-level field's value."""
    ctx = SanshiContext(settings=settings, request_id="stmts", principal=actor, loaders=Loaders())
    result = await schema.execute(doc, variable_values=variables, context_value=ctx)
    assert result.errors is None, result.errors
    assert result.data is not None
    (value,) = result.data.values()
    return value


@contextmanager
def one_transaction(slug: str, opened: list[str]) -> Iterator[list[str]]:
    """Assert the block opened exactly one transaction on ``slug``'s schema and one on the
    platform schema (the registry), nothing else; the statements are in the message."""
    with statements() as log:
        yield log
    tenant = [s for s in opened if s == schema_for(slug)]
    platform = [s for s in opened if s == PLATFORM_SCHEMA]
    shown = "\n".join(log)
    assert len(tenant) == 1, f"{len(tenant)} tenant transactions:\n{shown}"
    assert len(platform) == 1, f"{len(platform)} platform transactions:\n{shown}"
    assert len(opened) == 2, f"transactions {opened}:\n{shown}"
    set_configs = [s for s in log if "set_config('search_path'" in s]
    assert len(set_configs) == 2, shown


@dataclass
class Deliberation:
    """A community with a seated council (two grids of two), one session with everyone
    present, and a matter on its agenda."""

    slug: str
    members: list[str] = field(default_factory=list)
    subjects: dict[str, str] = field(default_factory=dict)
    session: str = ""
    item: str = ""
    matter: str = ""
    household: int = 0

    def login(self, member_id: str) -> Principal:
        return person(Role.COUNCIL_MEMBER, self.slug, self.subjects[member_id])


async def _grid_and_household(slug: str, n: int) -> tuple[int, int]:
    async with tenant_tx(slug):
        g = (await Grid.insert(Grid(code=f"sg{n}", name=f"网格{n}")).returning(Grid.id).run())[0][
            "id"
        ]
        h = (
            await Household.insert(Household(grid_id=g, address=f"东海路{n}号", size=2))
            .returning(Household.id)
            .run()
        )[0]["id"]
    return g, h


async def register(schema, settings, slug: str, household: int) -> dict[str, Any]:
    got = await run(
        schema,
        settings,
        cadre(slug),
        operation("registerRequest"),
        community=slug,
        input={
            "householdId": str(household),
            "channel": "HOME_VISIT",
            "category": "street_lighting",
            "title": "巷口没有路灯",
            "description": "巷子口晚上很黑",
            "occurredOn": "2026-03-01",
        },
    )
    assert got["__typename"] == "Matter", got
    return got


async def deliberation(schema, settings, slug: str, *, agenda: bool = True) -> Deliberation:
    d = Deliberation(slug)
    for n in range(2):
        g, _ = await _grid_and_household(slug, n)
        for k in range(2):
            _, h = await _grid_and_household(slug, 10 * (n + 1) + k)
            subject = f"member-{secrets.token_hex(4)}"
            got = await run(
                schema,
                settings,
                cadre(slug),
                operation("electCouncilMember"),
                community=slug,
                input={
                    "gridId": str(g),
                    "name": f"代表{len(d.members) + 1}",
                    "electedOn": "2026-01-10",
                    "termEndsOn": "2029-01-09",
                    "householdId": str(h),
                    "subject": subject,
                },
            )
            assert got["__typename"] == "CouncilMember", got
            d.members.append(got["id"])
            d.subjects[got["id"]] = subject
    chair = await run(
        schema, settings, cadre(slug), operation("setCouncilChair"), community=slug,
        memberId=d.members[0],
    )  # fmt: skip
    assert chair["isChair"] is True
    _, d.household = await _grid_and_household(slug, 99)
    d.matter = (await register(schema, settings, slug, d.household))["id"]
    opened = await run(
        schema,
        settings,
        cadre(slug),
        operation("openCouncilSession"),
        community=slug,
        input={"heldOn": HELD_ON.isoformat(), "title": "三月理事会"},
    )
    d.session = opened["id"]
    present = await run(
        schema,
        settings,
        cadre(slug),
        operation("recordAttendance"),
        community=slug,
        sessionId=d.session,
        memberIds=d.members,
    )
    assert len(present["attendees"]) == 4
    if agenda:
        item = await run(
            schema,
            settings,
            cadre(slug),
            operation("addToAgenda"),
            community=slug,
            sessionId=d.session,
            matterId=d.matter,
        )
        assert item["__typename"] == "AgendaItem", item
        d.item = item["id"]
    return d


async def vote(schema, settings, d: Deliberation, member: str, kind: str) -> dict[str, Any]:
    return await run(
        schema,
        settings,
        d.login(member),
        operation("castVote"),
        community=d.slug,
        input={"agendaItemId": d.item, "kind": kind, "note": "意见"},
    )


# -- the council ---------------------------------------------------------------------------


async def test_cast_vote_is_one_transaction(schema, settings, pair, transactions):
    """castVote answers the vote and its member from the handler's transaction."""
    a, _ = pair
    d = await deliberation(schema, settings, a)
    transactions.clear()
    with one_transaction(a, transactions):
        got = await vote(schema, settings, d, d.members[1], "MINOR")
    assert got["__typename"] == "CouncilVote", got
    assert got["kind"] == "MINOR" and got["member"] == {"id": d.members[1], "name": "代表2"}


async def test_decide_agenda_item_is_one_transaction(schema, settings, pair, transactions):
    """decideAgendaItem answers the decision and the agenda item with its tally from the
    transaction that decided (no re-read of the item, nor of the whole council)."""
    a, _ = pair
    d = await deliberation(schema, settings, a)
    for member, kind in zip(d.members, ["MINOR", "MINOR", "MINOR", "PRIVATE"], strict=True):
        assert (await vote(schema, settings, d, member, kind))["__typename"] == "CouncilVote"
    transactions.clear()
    with one_transaction(a, transactions):
        got = await run(
            schema,
            settings,
            cadre(a),
            operation("decideAgendaItem"),
            community=a,
            input={"agendaItemId": d.item},
        )
    assert got["__typename"] == "CouncilDecision", got
    assert got["kind"] == "MINOR" and got["sheetVersion"] == 1
    assert (got["seated"], got["present"]) == (4, 4)
    assert got["agendaItem"]["status"] == "DECIDED" and got["agendaItem"]["decidedKind"] == "MINOR"
    assert got["agendaItem"]["tally"] == {
        "private": 1,
        "minor": 3,
        "major": 0,
        "votesCast": 4,
        "recused": 0,
    }


async def test_casting_vote_is_one_transaction(schema, settings, pair, transactions):
    """A tie is recorded and returned as the error in one transaction; castCastingVote then
    answers the agenda item, the chair included, from its own."""
    a, _ = pair
    d = await deliberation(schema, settings, a)
    for member, kind in zip(d.members, ["MINOR", "MINOR", "PRIVATE", "PRIVATE"], strict=True):
        await vote(schema, settings, d, member, kind)
    transactions.clear()
    with one_transaction(a, transactions):
        tie = await run(
            schema,
            settings,
            cadre(a),
            operation("decideAgendaItem"),
            community=a,
            input={"agendaItemId": d.item},
        )
    assert tie["__typename"] == "TieError", tie
    transactions.clear()
    with one_transaction(a, transactions):
        got = await run(
            schema,
            settings,
            d.login(d.members[0]),
            operation("castCastingVote"),
            community=a,
            input={"agendaItemId": d.item, "kind": "MINOR", "note": "按主持人意见"},
        )
    assert got["__typename"] == "AgendaItem", got
    assert got["castingVote"] == "MINOR" and got["tiedKinds"] == ["PRIVATE", "MINOR"]
    assert got["castingVoteBy"] == {"id": d.members[0], "name": "代表1", "isChair": True}


async def test_agenda_and_session_acts_are_one_transaction(schema, settings, pair, transactions):
    """openCouncilSession, recordAttendance, addToAgenda, closeCouncilSession and
    setDecisionRules each answer from their own transaction."""
    a, _ = pair
    d = await deliberation(schema, settings, a, agenda=False)
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        (
            "openCouncilSession",
            operation("openCouncilSession"),
            {"input": {"heldOn": HELD_ON.isoformat(), "title": "四月理事会"}},
            "CouncilSession",
        ),
        (
            "recordAttendance",
            operation("recordAttendance"),
            {"sessionId": d.session, "memberIds": d.members[:3]},
            "CouncilSession",
        ),
        (
            "addToAgenda",
            operation("addToAgenda"),
            {"sessionId": d.session, "matterId": d.matter},
            "AgendaItem",
        ),
        (
            "closeCouncilSession",
            operation("closeCouncilSession"),
            {"sessionId": d.session},
            "CouncilSession",
        ),
        (
            "setDecisionRules",
            """mutation($community: String!, $input: DecisionRulesInput!) {
              setDecisionRules(community: $community, input: $input) {
                __typename ... on DecisionRules { quorumMembers summary seatsPerGrid }
                ... on Error { code message messageEn } } }""",
            {"input": {"quorumMembers": 3, "majority": {"numerator": 1, "denominator": 2}}},
            "DecisionRules",
        ),
    ]
    for name, doc, variables, typename in cases:
        transactions.clear()
        with one_transaction(a, transactions):
            got = await run(schema, settings, cadre(a), doc, community=a, **variables)
        assert got["__typename"] == typename, (name, got)
        if name == "recordAttendance":
            assert [m["id"] for m in got["attendees"]] == sorted(d.members[:3], key=int)
            assert got["seatedCount"] == 4
        if name == "addToAgenda":
            assert got["matterStatus"] == "awaiting_council" and got["suggestedKind"]
        if name == "setDecisionRules":
            assert got["quorumMembers"] == 3 and got["seatsPerGrid"] == 3


# -- matters -----------------------------------------------------------------------------

RICH_REGISTER = """
mutation($community: String!, $input: RegisterRequestInput!) {
  registerRequest(community: $community, input: $input) {
    __typename
    ... on Matter { id number status household { id address } grid { id name }
      category { code nameZh } history { toStatus actor } sheets { version }
      votes { memberId } allowedTransitions }
    ... on Error { code message messageEn }
  }
}"""


async def test_register_request_is_one_transaction(schema, settings, pair, transactions):
    """registerRequest answers the matter — and what a document selects under it:
    household, grid, category, history, sheets, votes — from the handler's transaction."""
    a, _ = pair
    _, h = await _grid_and_household(a, 1)
    variables = {
        "householdId": str(h),
        "channel": "PHONE",
        "category": "street_lighting",
        "title": "路灯不亮",
        "description": "晚上很黑",
        "occurredOn": "2026-03-02",
    }
    for doc in (operation("registerRequest"), RICH_REGISTER):
        transactions.clear()
        with one_transaction(a, transactions):
            got = await run(schema, settings, cadre(a), doc, community=a, input=variables)
        assert got["__typename"] == "Matter", got
        assert got["status"] == "REGISTERED"
    assert got["household"] == {"id": str(h), "address": "东海路1号"}
    assert got["grid"]["name"] == "网格1" and got["category"]["code"] == "street_lighting"
    assert got["history"] == [{"toStatus": "REGISTERED", "actor": cadre(a).subject}]
    assert got["sheets"] == [] and got["votes"] == []


async def test_reclassify_matter_is_one_transaction(schema, settings, pair, transactions):
    """reclassifyMatter answers the matter with every sheet version from its transaction."""
    a, _ = pair
    d = await deliberation(schema, settings, a)
    for member, kind in zip(d.members, ["MINOR", "MINOR", "MINOR", "PRIVATE"], strict=True):
        await vote(schema, settings, d, member, kind)
    decided = await run(
        schema,
        settings,
        cadre(a),
        operation("decideAgendaItem"),
        community=a,
        input={"agendaItemId": d.item},
    )
    assert decided["__typename"] == "CouncilDecision"
    transactions.clear()
    with one_transaction(a, transactions):
        got = await run(
            schema,
            settings,
            person(Role.GRID_WORKER, a),
            operation("reclassifyMatter"),
            community=a,
            matterId=d.matter,
            input={"kind": "MAJOR", "reason": "现场核查为违建", "evidence": ["照片1"]},
        )
    assert got["__typename"] == "Matter", got
    assert (got["kind"], got["responsible"]) == ("MAJOR", "COUNTY_DEPARTMENTS")
    assert [(s["version"], s["kind"], s["previousKind"]) for s in got["sheets"]] == [
        (1, "MINOR", None),
        (2, "MAJOR", "MINOR"),
    ]
    assert got["sheets"][1]["escalation"] is True and got["sheets"][1]["evidence"] == ["照片1"]


async def test_follow_up_acts_are_one_transaction(schema, settings, pair, transactions):
    """On a minor matter the council decided: recordNegotiation (with its commitments),
    markCommitment, startMatter, resolveMatter and giveFeedback (with the feedback) each
    answer from their own transaction."""
    a, _ = pair
    d = await deliberation(schema, settings, a)
    for member, kind in zip(d.members, ["MINOR", "MINOR", "MINOR", "PRIVATE"], strict=True):
        await vote(schema, settings, d, member, kind)
    decided = await run(
        schema,
        settings,
        cadre(a),
        operation("decideAgendaItem"),
        community=a,
        input={"agendaItemId": d.item},
    )
    assert decided["kind"] == "MINOR"
    worker = person(Role.GRID_WORKER, a)

    async def once(name: str, **variables: Any) -> dict[str, Any]:
        transactions.clear()
        with one_transaction(a, transactions):
            got = await run(schema, settings, worker, operation(name), community=a, **variables)
        assert got["__typename"] != "Error" and "code" not in got, (name, got)
        return got

    negotiation = await once(
        "recordNegotiation",
        matterId=d.matter,
        input={
            "heldOn": "2026-03-25",
            "participants": ["住户", "社区"],
            "agreement": "住户在门口装灯，社区给临街窗户装纱窗",
            "commitments": [
                {"party": "RESIDENT", "partyName": "住户", "description": "门口装灯"},
                {"party": "COMMUNITY", "partyName": "社区", "description": "装纱窗"},
            ],
        },
    )
    assert [c["partyName"] for c in negotiation["commitments"]] == ["住户", "社区"]
    kept = await once("markCommitment", commitmentId=negotiation["commitments"][0]["id"], kept=True)
    assert kept["kept"] is True
    started = await once("startMatter", matterId=d.matter, responsibleNote="住户自装")
    assert started["status"] == "IN_PROGRESS" and started["responsibleNote"] == "住户自装"
    resolved = await once("resolveMatter", matterId=d.matter, note="灯已装好")
    assert resolved["status"] == "RESOLVED"
    rated = await once(
        "giveFeedback", matterId=d.matter, input={"rating": "SATISFIED", "comment": "满意"}
    )
    assert rated["status"] == "CLOSED"
    assert [(f["rating"], f["onBehalf"]) for f in rated["feedback"]] == [("SATISFIED", True)]
