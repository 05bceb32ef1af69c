"""The ledger (登记造册 / 台账) and matter pages through the GraphQL schema, in process.

Each test files its matters under grids of its own and filters on them, so tests sharing
the run's communities do not see each other's rows. The statement-count test runs the
schema inside ``tenants.db.statements()``.
"""

from __future__ import annotations

import itertools
import secrets
from datetime import date
from typing import Any

import asyncpg
import pytest

from services.api.kit.loaders import Loaders
from services.api.kit.request import SanshiContext
from services.api.schema import SanshiSchema, build_schema
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.councils.tables import AgendaItem, CouncilMember, CouncilSession, VoteRow
from services.grids.tables import Grid
from services.households.tables import Household, Resident
from services.matters import handlers
from services.matters.model import Channel, MatterKind, MatterStatus
from services.matters.tables import Matter
from services.settings import Settings
from tenants.db import statements
from tenants.tx import tenant_tx

_n = itertools.count(1)
_schema: list[SanshiSchema] = []


def person(role: Role, slug: str, subject: str | None = None) -> Principal:
    county = role in (Role.COUNTY_ADMIN, Role.COUNTY_LEADER)
    scope = Scope(ScopeKind.COUNTY, "testcounty") if county else Scope(ScopeKind.COMMUNITY, slug)
    return Principal(subject or f"{role.value}-{secrets.token_hex(4)}", frozenset({role}), scope)


async def execute(settings: Settings, actor: Principal | None, query: str, **variables: Any):
    if not _schema:
        _schema.append(build_schema(settings))
    context = SanshiContext(
        settings=settings, request_id="test", principal=actor, loaders=Loaders()
    )
    return await _schema[0].execute(query, variable_values=variables, context_value=context)


async def gql(settings: Settings, actor: Principal | None, query: str, **variables: Any) -> dict:
    result = await execute(settings, actor, query, **variables)
    assert result.errors is None, result.errors
    return result.data


async def grid(slug: str) -> int:
    async with tenant_tx(slug):
        rows = await Grid.insert(Grid(code=f"lg{next(_n)}", name="台账网格")).returning(Grid.id)
    return rows[0]["id"]


async def household(slug: str, grid_id: int, **circumstances: bool) -> int:
    async with tenant_tx(slug):
        rows = await Household.insert(
            Household(grid_id=grid_id, address=f"海滨路{next(_n)}号", **circumstances)
        ).returning(Household.id)
    return rows[0]["id"]


async def register(
    settings: Settings,
    slug: str,
    household_id: int,
    *,
    category: str = "street_lighting",
    title: str = "路灯不亮",
    place: str = "",
    occurred_on: date = date(2026, 3, 1),
) -> dict:
    data = handlers.RegisterRequestInput(
        household_id=household_id,
        channel=Channel.PHONE,
        category=category,
        title=title,
        description="晚上很黑",
        occurred_on=occurred_on,
        place=place,
    )
    return await handlers.register_request(person(Role.GRID_WORKER, slug), slug, data, settings)


async def classify(slug: str, matter: dict, kind: MatterKind) -> None:
    cadre = person(Role.COMMUNITY_CADRE, slug)
    async with tenant_tx(slug) as tx:
        row = await handlers.transition_in_tx(tx, cadre, matter, MatterStatus.AWAITING_COUNCIL)
        await handlers.classify_in_tx(tx, cadre, row, kind, reasoning="理事会决定")


LEDGER = """
query($c: String!, $f: MatterFilterInput, $first: Int!, $after: String) {
  community(slug: $c) {
    matters(filter: $f, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      items { id number title status kind categoryCode }
    }
  }
}"""


async def ledger(
    settings: Settings, actor: Principal, slug: str, first: int = 50, after=None, **filters: Any
) -> dict:
    data = await gql(settings, actor, LEDGER, c=slug, f=filters, first=first, after=after)
    return data["community"]["matters"]


async def test_filters_by_grid_kind_status_category_and_household(settings, communities):
    """Each filter narrows the ledger; filters combine with AND."""
    a, _ = communities
    g1, g2 = await grid(a), await grid(a)
    h1, h2 = await household(a, g1), await household(a, g2)
    light = await register(settings, a, h1)
    repair = await register(settings, a, h1, category="housing_repair", title="屋顶漏水")
    bus = await register(settings, a, h2, category="transport", title="公交站")
    await classify(a, bus, MatterKind.MAJOR)
    cadre = person(Role.COMMUNITY_CADRE, a)
    both = [str(g1), str(g2)]

    async def ids(**f: Any) -> set[str]:
        page = await ledger(settings, cadre, a, **{"gridIds": both, **f})
        assert page["totalCount"] == len(page["items"])
        return {m["id"] for m in page["items"]}

    everything = {str(light.id), str(repair.id), str(bus.id)}
    assert await ids() == everything
    assert await ids(gridIds=[str(g2)]) == {str(bus.id)}
    assert await ids(kinds=["MAJOR"]) == {str(bus.id)}
    assert await ids(statuses=["REGISTERED"]) == {str(light.id), str(repair.id)}
    assert await ids(categories=["housing_repair", "transport"]) == {
        str(repair.id),
        str(bus.id),
    }
    assert await ids(householdId=str(h1)) == {str(light.id), str(repair.id)}
    assert await ids(householdId=str(h1), statuses=["CLASSIFIED"]) == set()


async def test_date_ranges_on_registration_or_occurrence(settings, communities):
    """dateFrom/dateTo apply to the occurrence date or the (local) registration date."""
    a, _ = communities
    g = await grid(a)
    h = await household(a, g)
    early = await register(settings, a, h, occurred_on=date(2025, 12, 30))
    late = await register(settings, a, h, occurred_on=date(2026, 2, 14))
    cadre = person(Role.COMMUNITY_CADRE, a)
    occurred = await ledger(
        settings, cadre, a, gridIds=[str(g)], dateField="OCCURRED", dateFrom="2026-01-01"
    )
    assert [m["id"] for m in occurred["items"]] == [str(late.id)]
    upto = await ledger(
        settings, cadre, a, gridIds=[str(g)], dateField="OCCURRED", dateTo="2025-12-30"
    )
    assert [m["id"] for m in upto["items"]] == [str(early.id)]
    today = early.registered_at.date()
    registered = await ledger(
        settings, cadre, a, gridIds=[str(g)], dateFrom=str(today.replace(year=today.year - 1))
    )
    assert registered["totalCount"] == 2
    future = await ledger(settings, cadre, a, gridIds=[str(g)], dateFrom="2999-01-01")
    assert future["totalCount"] == 0


async def test_search_matches_title_description_number_and_place_literally(settings, communities):
    """Free text finds title, number and place case-insensitively; % and _ are literal."""
    a, _ = communities
    g = await grid(a)
    h = await household(a, g)
    lamp = await register(settings, a, h, title="LED路灯闪烁", place="渔港码头")
    other = await register(settings, a, h, title="垃圾桶满了", place="100%广场")
    cadre = person(Role.COMMUNITY_CADRE, a)

    async def found(text: str) -> list[str]:
        page = await ledger(settings, cadre, a, gridIds=[str(g)], search=text)
        return sorted(m["id"] for m in page["items"])

    assert await found("led") == [str(lamp.id)]
    assert await found("码头") == [str(lamp.id)]
    assert await found(lamp.number) == [str(lamp.id)]
    assert await found("100%") == [str(other.id)]
    assert await found("%") == [str(other.id)]
    assert await found("_") == []
    assert await found("很黑") == sorted([str(lamp.id), str(other.id)])


async def test_cursor_pages_are_stable_and_complete(settings, communities):
    """Pages of 3 over 7 matters: newest first, no repeats, totalCount on every page."""
    a, _ = communities
    g = await grid(a)
    h = await household(a, g)
    made = [await register(settings, a, h, title=f"第{i}件") for i in range(7)]
    cadre = person(Role.COMMUNITY_CADRE, a)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = await ledger(settings, cadre, a, first=3, after=after, gridIds=[str(g)])
        assert page["totalCount"] == 7
        seen += [m["id"] for m in page["items"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = sorted(made, key=lambda m: (m.registered_at, m.id), reverse=True)
    assert seen == [str(m.id) for m in expected] and pages == 3
    newer = await register(settings, a, h, title="新登记")
    again = await ledger(settings, cadre, a, first=3, after=after, gridIds=[str(g)])
    assert [m["id"] for m in again["items"]] == seen[6:]
    assert str(newer.id) not in seen


async def test_bad_paging_arguments_are_client_errors_not_internal(settings, communities):
    """A forged cursor or first=0 is an INVALID_INPUT error on the field, not masked."""
    a, _ = communities
    cadre = person(Role.COMMUNITY_CADRE, a)
    for first, after in ((0, None), (500, None), (10, "not-a-cursor"), (10, "W10")):
        result = await execute(settings, cadre, LEDGER, c=a, f=None, first=first, after=after)
        assert result.errors is not None
        (error,) = result.errors
        assert error.extensions["code"] == "INVALID_INPUT", error
        assert error.extensions["messageEn"]
        assert error.path == ["community", "matters"]


async def test_resident_sees_only_their_households_matters(settings, communities):
    """A resident's ledger holds their household's matters only, whatever they filter."""
    a, _ = communities
    g = await grid(a)
    own, neighbour = await household(a, g), await household(a, g)
    mine = await register(settings, a, own)
    await register(settings, a, neighbour)
    subject = f"res-{secrets.token_hex(4)}"
    async with tenant_tx(a):
        await Resident.insert(Resident(household_id=own, name="陈大爷", subject=subject)).run()
    resident = person(Role.RESIDENT, a, subject)
    page = await ledger(settings, resident, a)
    assert [m["id"] for m in page["items"]] == [str(mine.id)] and page["totalCount"] == 1
    peek = await ledger(settings, resident, a, householdId=str(neighbour))
    assert peek["totalCount"] == 0 and peek["items"] == []
    stranger = person(Role.RESIDENT, a, "no-such-resident")
    assert (await ledger(settings, stranger, a))["totalCount"] == 0
    leader = await ledger(settings, person(Role.COUNTY_LEADER, a), a, gridIds=[str(g)])
    assert leader["totalCount"] == 2


MATTER_PAGE = """
query($c: String!, $g: [ID!], $first: Int!) {
  community(slug: $c) {
    matters(filter: {gridIds: $g}, first: $first) {
      totalCount
      items {
        id number status kind
        household { id address circumstances { elderlyLivingAlone } }
        grid { id code name }
        category { code nameZh }
        votes { memberName kind recused }
        history { toStatus actorRole }
        sheets { version kind }
      }
    }
  }
}"""


async def _seed_page(settings: Settings, slug: str, count: int) -> int:
    """``count`` matters in a new grid over several households; some classified with votes."""
    g = await grid(slug)
    homes = [await household(slug, g, elderly_living_alone=i % 2 == 0) for i in range(4)]
    async with tenant_tx(slug):
        member = (
            await CouncilMember.insert(
                CouncilMember(
                    grid_id=g,
                    name=f"理事{next(_n)}",
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
    for i in range(count):
        matter = await register(settings, slug, homes[i % 4], title=f"页{i}")
        if i % 3 == 0:
            async with tenant_tx(slug):
                item = (
                    await AgendaItem.insert(
                        AgendaItem(session_id=session, matter_id=matter.id)
                    ).returning(AgendaItem.id)
                )[0]["id"]
                await VoteRow.insert(
                    VoteRow(agenda_item_id=item, member_id=member, kind="minor", note="同意")
                ).run()
            await classify(slug, matter, MatterKind.MINOR)
    return g


async def test_a_page_of_matters_costs_a_constant_number_of_statements(settings, communities):
    """5 or 50 matters with household, grid, votes, history, sheets: same statement count."""
    a, _ = communities
    small, large = await _seed_page(settings, a, 5), await _seed_page(settings, a, 50)
    cadre = person(Role.COMMUNITY_CADRE, a)
    counts = {}
    for g, n in ((small, 5), (large, 50)):
        with statements() as log:
            data = await gql(settings, cadre, MATTER_PAGE, c=a, g=[str(g)], first=50)
        items = data["community"]["matters"]["items"]
        assert len(items) == n
        assert all(m["household"] and m["grid"]["id"] == str(g) for m in items)
        assert sum(len(m["votes"]) for m in items) == len(range(0, n, 3))
        assert all(len(m["history"]) in (1, 3) for m in items)
        counts[n] = len(log)
    assert counts[5] == counts[50], counts
    # The community (platform transaction: set_config; its registry read is not logged),
    # then ONE tenant transaction: set_config, the page with its count, and one statement
    # each for households, grids, categories, votes, history, sheets (what the selection
    # asks for, queries.fetch_related); nothing per matter.
    assert counts[50] <= 10, counts


async def test_matter_detail_masks_circumstances_by_role(settings, communities):
    """A grid worker sees the household's circumstances; the resident and county admin do not."""
    a, _ = communities
    g = await grid(a)
    h = await household(a, g, elderly_living_alone=True)
    matter = await register(settings, a, h, category="home_lighting")
    subject = f"res-{secrets.token_hex(4)}"
    async with tenant_tx(a):
        await Resident.insert(Resident(household_id=h, name="赵奶奶", subject=subject)).run()
    query = """query($c: String!, $m: ID!) { community(slug: $c) { matter(id: $m) {
      suggestion { kind ruleId reasonZh } household { address circumstances { elderlyLivingAlone } }
    } } }"""

    async def household_seen(actor: Principal) -> dict:
        data = await gql(settings, actor, query, c=a, m=str(matter.id))
        return data["community"]["matter"]

    worker = await household_seen(person(Role.GRID_WORKER, a))
    assert worker["household"]["circumstances"] == {"elderlyLivingAlone": True}
    assert worker["suggestion"]["kind"] == "MINOR"
    assert worker["suggestion"]["ruleId"] == "home_lighting.vulnerable_elderly"
    resident = await household_seen(person(Role.RESIDENT, a, subject))
    assert resident["household"]["circumstances"] is None
    admin = await household_seen(person(Role.COUNTY_ADMIN, a))
    assert admin["household"]["circumstances"] is None and admin["household"]["address"]


async def test_ledger_lists_only_the_asked_communitys_matters(settings, communities):
    """Alpha's ledger never shows beta's rows, even with beta's grid ids."""
    a, b = communities
    gb = await grid(b)
    await register(settings, b, await household(b, gb))
    cadre_a = person(Role.COMMUNITY_CADRE, a)
    page = await ledger(settings, cadre_a, a, gridIds=[str(gb)])
    async with tenant_tx(a):
        in_alpha = await Matter.count().where(Matter.grid_id == gb)
    assert page["totalCount"] == in_alpha
    assert (await ledger(settings, person(Role.COMMUNITY_CADRE, b), b, gridIds=[str(gb)]))[
        "totalCount"
    ] == 1
    assert await gql(settings, cadre_a, LEDGER, c=b, first=5) == {"community": None}


async def test_routes_and_updates_are_read_with_the_page(settings, communities):
    """Selecting a matter's routes and department updates adds two statements to the page's
    own transaction — no second transaction (which could see a newer state than the
    matter's status on the same page)."""
    a, _ = communities
    g = await _seed_page(settings, a, 3)
    cadre = person(Role.COMMUNITY_CADRE, a)
    page = MATTER_PAGE.replace(
        "sheets { version kind }",
        "sheets { version kind }\nroutes { ticketId } departmentUpdates { eventId }",
    )
    with statements() as log:
        data = await gql(settings, cadre, page, c=a, g=[str(g)], first=50)
    items = data["community"]["matters"]["items"]
    assert len(items) == 3 and all(m["routes"] == [] for m in items)
    opened = [s for s in log if "set_config('search_path'" in s]
    assert len(opened) == 2, log  # the registry (platform) and the page (tenant)
    assert sum("FROM matter_routes" in s for s in log) == 1
    assert sum("FROM department_updates" in s for s in log) == 1


async def test_a_snapshot_transaction_sees_one_state(settings, communities):
    """tenant_tx(snapshot=True) is REPEATABLE READ READ ONLY: a commit landing between two
    of its statements is not seen by the second (it is under the default, READ COMMITTED),
    and it refuses to write."""

    a, _ = communities
    g = await grid(a)
    other = await asyncpg.connect(settings.database_url)
    try:
        for snapshot, expected_delta in ((True, 0), (False, 1)):
            async with tenant_tx(a, snapshot=snapshot) as tx:
                before = await tx.connection.fetchval("SELECT count(*) FROM households")
                await other.execute(
                    f"INSERT INTO c_{a}.households (grid_id, address, size) "
                    "VALUES ($1, '快照路', 1)",
                    g,
                )
                after = await tx.connection.fetchval("SELECT count(*) FROM households")
            assert after - before == expected_delta, snapshot
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
            async with tenant_tx(a, snapshot=True) as tx:
                await tx.connection.execute("DELETE FROM households WHERE address = '快照路'")
    finally:
        await other.close()
