"""The permission matrix of matters operations (role × operation → allowed or forbidden).

The expected table is written out here, not read from services.auth.permissions, so a
change to the matrix has to change this test too. Each case arranges a matter the role
could act on (a resident's own household's), runs the mutation through the GraphQL
schema, and checks: allowed → the success type; not allowed → ForbiddenError and the
matter unchanged.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from typing import Any

import pytest

from services.api.kit.loaders import Loaders
from services.api.kit.request import SanshiContext
from services.api.schema import SanshiSchema, build_schema
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.grids.tables import Grid
from services.households.tables import Household, Resident
from services.matters import handlers
from services.matters.model import Channel, MatterKind, MatterStatus
from services.matters.tables import Matter
from services.settings import Settings
from tenants.tx import tenant_tx
from workers import registry

_n = itertools.count(1)
_schema: list[SanshiSchema] = []

C, G, M, R, A, L = (
    Role.COMMUNITY_CADRE,
    Role.GRID_WORKER,
    Role.COUNCIL_MEMBER,
    Role.RESIDENT,
    Role.COUNTY_ADMIN,
    Role.COUNTY_LEADER,
)
ROLES = (C, G, M, R, A, L)

# operation -> roles allowed (docs/matters.md lists the same table).
EXPECTED: dict[str, frozenset[Role]] = {
    "registerRequest": frozenset({C, G, M, R}),
    "startMatter": frozenset({C, G}),
    "resolveMatter": frozenset({C, G}),
    "withdrawMatter": frozenset({C, G, R}),
    "referMatter": frozenset({C, G}),
    "reclassifyMatter": frozenset({C, G}),
    "giveFeedback": frozenset({G, R}),
    "setCategory": frozenset({C}),
    "setSuggestionRule": frozenset({C}),
}


@pytest.fixture(autouse=True)
def major_topic() -> Iterator[None]:
    """`matter.major` is declared (by the routing issue later; by this test until then)."""
    registry.load_actor_modules()
    if "matter.major" in registry.topics():
        yield
        return
    spec = registry.ActorSpec("tests.matter_major", lambda **_: None)
    with registry.declared(spec, topic_map={"matter.major": "tests.matter_major"}):
        yield


async def gql(settings: Settings, actor: Principal, query: str, **variables: Any) -> dict:
    if not _schema:
        _schema.append(build_schema(settings))
    context = SanshiContext(
        settings=settings, request_id="test", principal=actor, loaders=Loaders()
    )
    result = await _schema[0].execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    return result.data


async def arrange(settings: Settings, slug: str, role: Role, status: MatterStatus) -> tuple:
    """A household, the actor (a resident of it, for residents), a matter in ``status``."""
    async with tenant_tx(slug):
        grid = await Grid.insert(Grid(code=f"pm{next(_n)}", name="权限")).returning(Grid.id)
        hid = (
            await Household.insert(Household(grid_id=grid[0]["id"], address="权限路1号"))
            .returning(Household.id)
            .run()
        )[0]["id"]
        subject = f"{role.value}-{secrets.token_hex(4)}"
        if role is R:
            await Resident.insert(Resident(household_id=hid, name="居民", subject=subject)).run()
    county = role in (A, L)
    scope = Scope(ScopeKind.COUNTY, "testcounty") if county else Scope(ScopeKind.COMMUNITY, slug)
    actor = Principal(subject, frozenset({role}), scope)
    worker = Principal("pm-worker", frozenset({G}), Scope(ScopeKind.COMMUNITY, slug))
    data = handlers.RegisterRequestInput(
        household_id=hid,
        channel=Channel.WALK_IN,
        category="elderly_care",
        title="量血压",
        description="每月25日量血压",
        occurred_on=date(2026, 3, 25),
    )
    matter = await handlers.register_request(worker, slug, data, settings)
    steps = {
        MatterStatus.REGISTERED: [],
        MatterStatus.CLASSIFIED: [MatterStatus.AWAITING_COUNCIL, MatterStatus.CLASSIFIED],
        MatterStatus.IN_PROGRESS: [
            MatterStatus.AWAITING_COUNCIL,
            MatterStatus.CLASSIFIED,
            MatterStatus.IN_PROGRESS,
        ],
        MatterStatus.RESOLVED: [
            MatterStatus.AWAITING_COUNCIL,
            MatterStatus.CLASSIFIED,
            MatterStatus.IN_PROGRESS,
            MatterStatus.RESOLVED,
        ],
    }[status]
    async with tenant_tx(slug) as tx:
        for target in steps:
            if target is MatterStatus.CLASSIFIED:
                classified = await handlers.classify_in_tx(
                    tx, worker, matter, MatterKind.PRIVATE, reasoning="私事"
                )
                matter = classified.matter
            else:
                matter = await handlers.transition_in_tx(tx, worker, matter, target)
    return actor, hid, str(matter.id)


def _m(name: str, args: str, success: str) -> str:
    head = f"mutation($c: String!, $m: ID!) {{ op: {name}(community: $c, matterId: $m, {args})"
    return head + f" {{ __typename ... on Error {{ code }} ... on {success} {{ __typename }} }} }}"


Outcome = tuple[str, str, str | None, str | None]  # got, success type, matter id, status
Case = Callable[[Settings, str, Role], Awaitable[Outcome]]


async def _register(settings: Settings, slug: str, role: Role) -> Outcome:
    actor, hid, _ = await arrange(settings, slug, role, MatterStatus.REGISTERED)
    data = await gql(
        settings,
        actor,
        """mutation($c: String!, $h: ID!) { op: registerRequest(community: $c, input: {
          householdId: $h, channel: PHONE, category: "street_lighting", title: "路灯",
          description: "不亮", occurredOn: "2026-03-01"}) { __typename } }""",
        c=slug,
        h=str(hid),
    )
    return data["op"]["__typename"], "Matter", None, None


def _matter_case(status: MatterStatus, name: str, args: str, success: str) -> Case:
    async def case(settings: Settings, slug: str, role: Role) -> Outcome:
        actor, _, mid = await arrange(settings, slug, role, status)
        data = await gql(settings, actor, _m(name, args, success), c=slug, m=mid)
        return data["op"]["__typename"], success, mid, status.value

    return case


async def _set_category(settings: Settings, slug: str, role: Role) -> Outcome:
    actor, _, _ = await arrange(settings, slug, role, MatterStatus.REGISTERED)
    data = await gql(
        settings,
        actor,
        """mutation($c: String!, $code: String!) { op: setCategory(community: $c, input: {
          code: $code, nameZh: "测试", nameEn: "Test"}) { __typename } }""",
        c=slug,
        code=f"perm_{next(_n)}",
    )
    return data["op"]["__typename"], "Category", None, None


async def _set_rule(settings: Settings, slug: str, role: Role) -> Outcome:
    actor, _, _ = await arrange(settings, slug, role, MatterStatus.REGISTERED)
    data = await gql(
        settings,
        actor,
        """mutation($c: String!, $id: String!, $p: Int!) { op: setSuggestionRule(community: $c,
          input: {id: $id, category: "other", kind: MINOR, reasonZh: "测试", reasonEn: "Test",
          priority: $p}) { __typename } }""",
        c=slug,
        id=f"other.perm{next(_n)}",
        p=1000 + next(_n),
    )
    return data["op"]["__typename"], "SuggestionRule", None, None


CASES: dict[str, Case] = {
    "registerRequest": _register,
    "startMatter": _matter_case(MatterStatus.CLASSIFIED, "startMatter", "", "Matter"),
    "resolveMatter": _matter_case(MatterStatus.IN_PROGRESS, "resolveMatter", "", "Matter"),
    "withdrawMatter": _matter_case(
        MatterStatus.REGISTERED, "withdrawMatter", 'reason: "不需要了"', "Matter"
    ),
    "referMatter": _matter_case(
        MatterStatus.CLASSIFIED,
        "referMatter",
        'input: {groupRef: "golden_harbour", groupName: "金色港湾义工队"}',
        "Referral",
    ),
    "reclassifyMatter": _matter_case(
        MatterStatus.CLASSIFIED,
        "reclassifyMatter",
        'input: {kind: MINOR, reason: "更正"}',
        "Matter",
    ),
    "giveFeedback": _matter_case(
        MatterStatus.RESOLVED, "giveFeedback", "input: {rating: SATISFIED}", "Matter"
    ),
    "setCategory": _set_category,
    "setSuggestionRule": _set_rule,
}


def test_every_operation_has_a_case():
    """The expected table and the cases name the same operations."""
    assert set(EXPECTED) == set(CASES)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("operation", sorted(EXPECTED))
async def test_matters_permission_matrix(settings, communities, operation: str, role: Role):
    """Allowed roles get the success type; the others ForbiddenError and no change."""
    a, _ = communities
    got, success, mid, arranged = await CASES[operation](settings, a, role)
    if role in EXPECTED[operation]:
        assert got == success
        return
    assert got == "ForbiddenError"
    if mid is not None:
        async with tenant_tx(a):
            rows = await Matter.select(Matter.status).where(Matter.id == int(mid)).run()
        assert rows[0]["status"] == arranged


async def test_ledger_visibility_by_role(settings, communities):
    """Every role of the community reads a ledger; a resident's holds only their own."""
    a, _ = communities
    query = "query($c: String!) { community(slug: $c) { matters(first: 1) { totalCount } } }"
    totals = {}
    for role in ROLES:
        actor, _, _ = await arrange(settings, a, role, MatterStatus.REGISTERED)
        data = await gql(settings, actor, query, c=a)
        totals[role] = data["community"]["matters"]["totalCount"]
    assert totals[R] == 1
    assert all(totals[r] > 1 for r in (C, G, M, A, L))
