"""The fast paths answer exactly what the standard ones answer, on the real schema and data.

Two things changed how a ledger page or a matter is produced (bench/README.md):
- the ledger and matter fields read the rows their sub-fields show in their own
  transaction (``queries.fetch_related``) and the Matter fields answer from them, instead
  of each field going through a DataLoader;
- graphql-core runs with ``SanshiExecutionContext`` (short cuts for plain leaf fields and
  for object and list fields over objects already in memory).

"Standard" below is the schema as it was: graphql-core's own execution context and no
prefetching (every Matter field through the DataLoaders). The same documents — the ledger
screen (this file's, the published operation's and the one bench/api.py sends), a matter
with its whole history (idem), the matter's routes, the community, fragments and aliases —
run as every role that can see them, and the answers (data and errors) must be identical:
with prefetching (the fast paths over plain objects) and without it (the fast execution
context over awaitable attributes and resolvers that go through the DataLoaders).
"""

from __future__ import annotations

import ast
import itertools
import secrets
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from services.api.kit.loaders import Loaders
from services.api.kit.request import SanshiContext
from services.api.schema import SanshiSchema, build_schema
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.councils.tables import AgendaItem, CouncilMember, CouncilSession, VoteRow
from services.grids.tables import Grid
from services.households.tables import Household, Resident
from services.matters import api as matters_api
from services.matters import handlers
from services.matters.model import Channel, MatterKind, MatterStatus, Satisfaction
from services.settings import Settings
from tenants.tx import tenant_tx

_n = itertools.count(1)

LEDGER = """
query Ledger($c: String!, $g: [ID!], $first: Int!, $after: String) {
  community(slug: $c) {
    slug
    matters(filter: {gridIds: $g}, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      items {
        id number title status kind channel occurredOn registeredAt responsible
        categoryCode householdId gridId
        category { code nameZh nameEn active }
        household { id address size notes circumstances { elderlyLivingAlone renting
          flags { circumstance labelZh } } }
        grid { id code name }
        suggestion { kind reasonZh ruleId }
        sheets { version kind previousKind escalation responsible evidence explanation }
        history { fromStatus toStatus actor actorRole reason }
        votes { memberId memberName kind recused note }
        referrals { groupRef groupName note }
        negotiations { heldOn participants agreement commitments { party partyName kept } }
        feedback { rating comment reopenReason onBehalf }
        allowedTransitions
      }
    }
  }
}"""

FRAGMENTS = """
fragment Who on Household { id address circumstances { disability } }
query Frag($c: String!, $g: [ID!]) {
  community(slug: $c) {
    matters(filter: {gridIds: $g}, first: 3) {
      items {
        n: number
        ... on Matter { household { ...Who } votes { kind } }
        home: household { address }
        negotiations { commitments { description } }
      }
    }
  }
}"""

MATTER = """
query Matter($c: String!, $m: ID!) {
  community(slug: $c) {
    matter(id: $m) {
      id number title description place status kind responsible responsibleNote
      household { address circumstances { elderlyLivingAlone } residents { name phone } }
      grid { name } category { nameZh }
      sheets { version kind tally decidedBy decidedByRole }
      history { toStatus actorRole }
      votes { memberName kind recused castAt }
      referrals { groupName } feedback { rating comment }
      negotiations { id place commitments { id partyName description dueOn kept } }
      allowedTransitions
    }
  }
}"""


ROOT = Path(__file__).resolve().parents[2]


def _operation(name: str) -> str:
    return (ROOT / "graphql" / "operations" / f"{name}.graphql").read_text()


def _bench_documents() -> tuple[str, str]:
    """The ledger and matter documents bench/api.py sends (the figures are about them),
    read from its source without running it."""
    tree = ast.parse((ROOT / "bench" / "api.py").read_text())
    found = {
        target.id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id in ("LEDGER_QUERY", "MATTER_QUERY")
    }
    return found["LEDGER_QUERY"], found["MATTER_QUERY"]


def person(role: Role, slug: str, subject: str | None = None) -> Principal:
    county = role in (Role.COUNTY_ADMIN, Role.COUNTY_LEADER)
    scope = Scope(ScopeKind.COUNTY, "testcounty") if county else Scope(ScopeKind.COMMUNITY, slug)
    return Principal(subject or f"{role.value}-{secrets.token_hex(4)}", frozenset({role}), scope)


def standard_schema(settings: Settings) -> SanshiSchema:
    """The schema with graphql-core's own execution context (no leaf short cut)."""
    schema = build_schema(settings)
    schema.execution_context_class = StrawberryGraphQLCoreExecutionContext
    return schema


async def run(
    schema: SanshiSchema, settings: Settings, actor: Principal, query: str, **variables: Any
) -> tuple[Any, list[dict[str, Any]]]:
    context = SanshiContext(settings=settings, request_id="eq", principal=actor, loaders=Loaders())
    result = await schema.execute(query, variable_values=variables, context_value=context)
    return result.data, [e.formatted for e in result.errors or []]


async def _seed(settings: Settings, slug: str) -> tuple[int, list[int], str]:
    """A grid with households (one vulnerable, with a resident login), matters in every
    stage: votes, sheets (an escalation), a referral, a negotiation, feedback."""
    resident = f"res-{secrets.token_hex(4)}"
    async with tenant_tx(slug):
        g = (await Grid.insert(Grid(code=f"fp{next(_n)}", name="快路径网格")).returning(Grid.id))[
            0
        ]["id"]
        homes = []
        for i, flags in enumerate(
            ({"elderly_living_alone": True}, {"renting": True, "disability": True}, {})
        ):
            hid = (
                await Household.insert(
                    Household(grid_id=g, address=f"快路{next(_n)}号", notes=f"备注{i}", **flags)
                ).returning(Household.id)
            )[0]["id"]
            homes.append(hid)
        await Resident.insert(
            Resident(household_id=homes[0], name="赵奶奶", phone="13812345678", subject=resident)
        ).run()
        member = (
            await CouncilMember.insert(
                CouncilMember(
                    grid_id=g,
                    name=f"理事{next(_n)}",
                    household_id=homes[1],
                    elected_on=date(2026, 1, 1),
                    term_ends_on=date(2029, 1, 1),
                )
            ).returning(CouncilMember.id)
        )[0]["id"]
        session = (
            await CouncilSession.insert(
                CouncilSession(held_on=date(2026, 3, 5), opened_by="cadre")
            ).returning(CouncilSession.id)
        )[0]["id"]
    worker = person(Role.GRID_WORKER, slug)
    cadre = person(Role.COMMUNITY_CADRE, slug)
    ids = []
    for i, category in enumerate(
        ("home_lighting", "street_lighting", "housing_repair", "illegal_construction", "pets")
    ):
        data = handlers.RegisterRequestInput(
            household_id=homes[i % 3],
            channel=Channel.HOME_VISIT,
            category=category,
            title=f"诉求{i}",
            description="描述",
            occurred_on=date(2026, 3, 1),
            place="楼下",
        )
        matter = await handlers.register_request(worker, slug, data, settings)
        ids.append(matter.id)
        if i == 4:
            continue  # one stays registered
        kind = (MatterKind.PRIVATE, MatterKind.MINOR, MatterKind.PRIVATE, MatterKind.MINOR)[i]
        async with tenant_tx(slug) as tx:
            item = (
                await AgendaItem.insert(
                    AgendaItem(session_id=session, matter_id=matter.id)
                ).returning(AgendaItem.id)
            )[0]["id"]
            await VoteRow.insert(
                VoteRow(agenda_item_id=item, member_id=member, kind=kind.value, note="同意")
            ).run()
            row = await handlers.transition_in_tx(tx, cadre, matter, MatterStatus.AWAITING_COUNCIL)
            await handlers.classify_in_tx(tx, cadre, row, kind, reasoning="理事会决定")
    await handlers.refer_matter(
        worker, slug, ids[0], settings, group_ref="vol", group_name="义工队", note="上门"
    )
    await handlers.record_negotiation(
        worker,
        slug,
        ids[1],
        handlers.NegotiationInput(
            held_on=date(2026, 3, 8),
            agreement="各自承诺",
            participants=("住户", "社区"),
            place="会议室",
            commitments=(
                handlers.CommitmentInput(party="resident", party_name="住户", description="门灯"),
                handlers.CommitmentInput(
                    party="community",
                    party_name="社区",
                    description="纱窗",
                    due_on=date(2026, 4, 1),
                ),
            ),
        ),
        settings,
    )
    await handlers.reclassify_matter(
        worker, slug, ids[3], MatterKind.MAJOR, settings, reason="违建", evidence=("照片",)
    )
    await handlers.start_matter(worker, slug, ids[2], settings, responsible_note="住户自修")
    await handlers.resolve_matter(worker, slug, ids[2], settings, note="修好了")
    await handlers.give_feedback(
        worker, slug, ids[2], Satisfaction.UNSATISFIED, settings, reopen_reason="又漏了"
    )
    return g, ids, resident


@pytest.fixture
def no_prefetch(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Switch the prefetching off (every Matter field through the DataLoaders)."""

    def switch(off: bool) -> None:
        if off:
            monkeypatch.setattr(matters_api, "_related_for", lambda _fields: {})
        else:
            monkeypatch.undo()

    return switch


async def test_fast_paths_answer_as_the_standard_ones(settings, communities, no_prefetch):
    a, b = communities
    g, ids, resident_subject = await _seed(settings, a)
    fast, standard = build_schema(settings), standard_schema(settings)
    actors = [
        person(Role.COMMUNITY_CADRE, a),
        person(Role.GRID_WORKER, a),
        person(Role.COUNCIL_MEMBER, a),
        person(Role.COUNTY_ADMIN, a),
        person(Role.COUNTY_LEADER, a),
        person(Role.RESIDENT, a, resident_subject),
        person(Role.COMMUNITY_CADRE, b),  # another community's cadre: sees nothing
    ]
    bench_ledger, bench_matter = _bench_documents()
    cases: list[tuple[str, dict[str, Any]]] = [
        (LEDGER, {"c": a, "g": [str(g)], "first": 50}),
        (LEDGER, {"c": a, "g": [str(g)], "first": 2}),
        (LEDGER, {"c": a, "g": [str(g)], "first": 2, "after": "not-a-cursor"}),
        (FRAGMENTS, {"c": a, "g": [str(g)]}),
        *((MATTER, {"c": a, "m": str(m)}) for m in ids),
        (MATTER, {"c": a, "m": "999999"}),
        (_operation("ledger"), {"community": a, "filter": {"gridIds": [str(g)]}}),
        (_operation("ledger"), {"community": a, "filter": {"gridIds": [str(g)]}, "first": 2}),
        *((_operation("matter"), {"community": a, "id": str(m)}) for m in ids[:3]),
        (_operation("matterRoutes"), {"community": a, "id": str(ids[3])}),
        (_operation("community"), {"slug": a}),
        (bench_ledger, {"c": a, "first": 50}),
        *((bench_matter, {"c": a, "id": str(m)}) for m in ids),
    ]
    checked = 0
    for actor in actors:
        for query, variables in cases:
            got = await run(fast, settings, actor, query, **variables)
            no_prefetch(True)
            try:
                expected = await run(standard, settings, actor, query, **variables)
                # The fast execution context over the DataLoaders' awaitable attributes.
                unprefetched = await run(fast, settings, actor, query, **variables)
            finally:
                no_prefetch(False)
            assert got == expected, (actor.primary_role, query[:40], variables)
            assert unprefetched == expected, (actor.primary_role, query[:40], variables)
            checked += bool(got[0] and got[0]["community"])
    assert checked > 40  # most cases returned data, not just nulls
    # The page really has the rows it should (not two equally empty answers).
    data, errors = await run(fast, settings, actors[0], LEDGER, c=a, g=[str(g)], first=50)
    items = data["community"]["matters"]["items"]
    assert not errors and len(items) == 5
    assert any(m["votes"] for m in items) and any(m["negotiations"] for m in items)
    assert any(m["feedback"] for m in items) and any(m["referrals"] for m in items)
    assert any(len(m["sheets"]) == 2 for m in items)
