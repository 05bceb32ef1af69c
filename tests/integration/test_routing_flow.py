"""Routing use cases on real PostgreSQL: defaults, tickets per department, idempotency, the
flow back to the community, poison, and the county-admin GraphQL (in-process schema)."""

from __future__ import annotations

import itertools
import json
import secrets
from datetime import date
from typing import Any

import msgspec
import pytest

from services.api.kit.loaders import Loaders
from services.api.kit.request import SanshiContext
from services.api.schema import SanshiSchema, build_schema
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.departments.defaults import (
    DEFAULT_DEPARTMENTS,
    DEFAULT_RULES,
    install_county_defaults,
)
from services.grids.tables import Grid
from services.households.tables import Household, Resident
from services.matters import handlers as matters
from services.matters.model import Channel, MatterKind, MatterStatus
from services.matters.rows import MatterRow
from services.matters.tables import Matter
from services.routing import handlers
from services.routing.deadletters import PoisonMessage
from services.routing.model import EventKind, TicketStatus
from services.routing.queries import TICKET_COLUMNS, TicketRow, ticket_of
from services.settings import Settings
from tenants.tx import platform_tx, tenant_tx

COUNTY = "testcounty"
_n = itertools.count(1)
_schema: list[SanshiSchema] = []


def person(role: Role, slug: str = "alpha", county: str = COUNTY) -> Principal:
    """A principal of ``role`` scoped as that role must be."""
    sub = f"{role.value}-{secrets.token_hex(3)}"
    if role in (Role.COUNTY_ADMIN, Role.COUNTY_LEADER):
        return Principal(sub, frozenset({role}), Scope(ScopeKind.COUNTY, county))
    return Principal(sub, frozenset({role}), Scope(ScopeKind.COMMUNITY, slug))


def officer(department: str, county: str = COUNTY) -> Principal:
    """A department officer of ``department``."""
    return Principal(
        f"officer-{department}-{secrets.token_hex(3)}",
        frozenset({Role.DEPARTMENT_OFFICER}),
        Scope(ScopeKind.DEPARTMENT, department, county),
    )


async def gql(settings: Settings, actor: Principal | None, query: str, **variables: Any) -> dict:
    """Execute ``query`` through the real schema in-process; errors fail the test."""
    if not _schema:
        _schema.append(build_schema(settings))
    ctx = SanshiContext(settings=settings, request_id="t", principal=actor, loaders=Loaders())
    result = await _schema[0].execute(query, variable_values=variables, context_value=ctx)
    assert result.errors is None, result.errors
    return result.data


@pytest.fixture
async def county(communities) -> str:
    """The test county with the default departments, rules and deadlines."""
    await install_county_defaults(COUNTY)
    return COUNTY


async def major_matter(
    settings: Settings, slug: str, category: str, *, classify: bool = True, **circumstances: bool
) -> int:
    """A registered matter of ``category`` in its own grid and household, decided major."""
    async with tenant_tx(slug):
        grid = (
            await Grid.insert(Grid(code=f"rt{next(_n)}", name="转办网格")).returning(Grid.id).run()
        )[0]["id"]
        hid = (
            await Household.insert(Household(grid_id=grid, address="东海路18号", **circumstances))
            .returning(Household.id)
            .run()
        )[0]["id"]
        await Resident.insert(Resident(household_id=hid, name="王阿姨", phone="13800000000")).run()
    row = await matters.register_request(
        person(Role.GRID_WORKER, slug),
        slug,
        matters.RegisterRequestInput(
            household_id=hid,
            channel=Channel.HOME_VISIT,
            category=category,
            title="公交站台太远",
            description="老人去公交站要走很远",
            occurred_on=date(2026, 3, 2),
            place="东海路口",
        ),
        settings,
    )
    if classify:
        await decide(slug, row.id, MatterKind.MAJOR)
    return row.id


async def decide(slug: str, matter_id: int, kind: MatterKind) -> None:
    """The council's decision, as the councils slice records it (one tenant transaction)."""
    cadre = person(Role.COMMUNITY_CADRE, slug)
    async with tenant_tx(slug) as tx:
        row = MatterRow(**(await Matter.select().where(Matter.id == matter_id).run())[0])
        row = await matters.transition_in_tx(tx, cadre, row, MatterStatus.AWAITING_COUNCIL)
        await matters.classify_in_tx(tx, cadre, row, kind, reasoning="理事会决定")


async def tickets_of(slug: str, matter_id: int) -> list[TicketRow]:
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            f"SELECT {TICKET_COLUMNS} FROM platform.tickets "
            "WHERE community_slug = $1 AND matter_id = $2 ORDER BY department_code",
            slug,
            matter_id,
        )
    return [ticket_of(r) for r in rows]


async def events_of(ticket_id: int) -> list[int]:
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            "SELECT id FROM platform.ticket_events WHERE ticket_id = $1 ORDER BY id", ticket_id
        )
    return [r["id"] for r in rows]


async def flow_back(slug: str, ticket: TicketRow) -> None:
    """Apply every event of ``ticket`` to the community (what the actor does)."""
    for event_id in await events_of(ticket.id):
        await handlers.apply_department_event(slug, event_id)


async def department_act(
    ticket: TicketRow, target: TicketStatus, kind: EventKind, **kw
) -> TicketRow:
    """A department officer's act on ``ticket`` (the inbox slice's building block)."""
    async with platform_tx() as tx:
        change = await handlers.move_ticket_in_tx(
            tx, officer(ticket.department_code), ticket, target, kind, **kw
        )
    assert change.event.ticket_id == ticket.id
    return change.ticket


# -- defaults --------------------------------------------------------------------------------
async def test_install_defaults_is_idempotent_and_keeps_edits(county):
    """A second install creates nothing and keeps an administrator's edits."""
    async with platform_tx() as tx:
        # Other tests add departments of their own to the county: count the defaults only.
        n = await tx.connection.fetchval(
            "SELECT count(*) FROM platform.departments WHERE county_code = $1 "
            "AND code = ANY($2::text[])",
            county,
            [d.code for d in DEFAULT_DEPARTMENTS],
        )
        await tx.connection.execute(
            "UPDATE platform.departments SET name_zh = '县交通局（改）' "
            "WHERE county_code = $1 AND code = 'transport'",
            county,
        )
    assert n == len(DEFAULT_DEPARTMENTS)
    again = await install_county_defaults(county)
    assert not again.changed
    async with platform_tx() as tx:
        name = await tx.connection.fetchval(
            "SELECT name_zh FROM platform.departments "
            "WHERE county_code = $1 AND code = 'transport'",
            county,
        )
        rules = await tx.connection.fetchval(
            "SELECT count(*) FROM platform.routing_rules WHERE county_code = $1 "
            "AND community_slug IS NULL AND category = ANY($2::text[])",
            county,
            list(DEFAULT_RULES),
        )
        await tx.connection.execute(
            "UPDATE platform.departments SET name_zh = '县交通运输局' "
            "WHERE county_code = $1 AND code = 'transport'",
            county,
        )
    assert name == "县交通局（改）" and rules == len(DEFAULT_RULES)


async def test_create_county_installs_defaults(dbs):
    """create_county makes the county and its departments, rules and deadline policy."""
    from services.auth.model import SYSTEM
    from services.communities.handlers import create_county

    code = f"rc{secrets.token_hex(3)}"
    assert await create_county(SYSTEM, code, "新县", "New County") is True
    assert await create_county(SYSTEM, code, "新县", "New County") is False
    async with platform_tx() as tx:
        fallback = await tx.connection.fetchval(
            "SELECT code FROM platform.departments WHERE county_code = $1 AND is_fallback", code
        )
        policy = await tx.connection.fetchrow(
            "SELECT ack_working_days, resolve_working_days FROM platform.deadline_policies "
            "WHERE county_code = $1 AND category = '*'",
            code,
        )
    assert fallback == "coordination" and tuple(policy) == (2, 15)


# -- routing ---------------------------------------------------------------------------------
async def test_route_creates_one_ticket_and_is_idempotent(settings, county):
    """One ticket for the transport bureau; running the use case again creates nothing."""
    mid = await major_matter(settings, "alpha", "transport")
    first = await handlers.route_major_matter("alpha", mid, 1)
    second = await handlers.route_major_matter("alpha", mid, 1)
    assert [t.department_code for t in first.created] == ["transport"]
    assert second.created == () and second.existing == ("transport",)
    tickets = await tickets_of("alpha", mid)
    assert len(tickets) == 1
    t = tickets[0]
    assert t.status == "routed" and t.title == "公交站台太远" and t.county_code == county
    # Only what the department needs: no address or circumstances for a transport matter.
    assert t.household_address is None and t.circumstances is None
    assert t.ack_due_at < t.resolve_due_at
    assert len(await events_of(t.id)) == 1  # one `routed` event, not two


async def test_two_departments_get_one_ticket_each(settings, county):
    """Roads and drainage go to housing and water: two tickets, one per department."""
    mid = await major_matter(settings, "beta", "road_and_drainage")
    await handlers.route_major_matter("beta", mid, 1)
    await handlers.route_major_matter("beta", mid, 1)
    assert [t.department_code for t in await tickets_of("beta", mid)] == ["housing", "water"]


async def test_address_and_circumstances_only_when_the_rule_says(settings, county):
    """Housing repair shares the address and circumstances; never names or phones."""
    mid = await major_matter(
        settings, "alpha", "housing_repair", elderly_living_alone=True, disability=True
    )
    await handlers.route_major_matter("alpha", mid, 1)
    (t,) = await tickets_of("alpha", mid)
    assert t.household_address == "东海路18号"
    assert sorted(t.circumstances or []) == ["disability", "elderly_living_alone"]
    flat = json.dumps(msgspec.structs.asdict(t), default=str, ensure_ascii=False)
    assert "王阿姨" not in flat and "13800000000" not in flat


async def test_community_rule_overrides_county_rule(settings, county):
    """A community's own rule (set over GraphQL) wins over the county-wide one."""
    admin = person(Role.COUNTY_ADMIN)
    data = await gql(
        settings,
        admin,
        SET_RULE,
        i={
            "county": county,
            "category": "pets",
            "departmentCodes": ["urban_management"],
            "communitySlug": "beta",
        },
    )
    assert data["setRoutingRule"]["__typename"] == "RoutingRule", data
    beta = await major_matter(settings, "beta", "pets")
    alpha = await major_matter(settings, "alpha", "pets")
    await handlers.route_major_matter("beta", beta, 1)
    await handlers.route_major_matter("alpha", alpha, 1)
    assert [t.department_code for t in await tickets_of("beta", beta)] == ["urban_management"]
    assert [t.department_code for t in await tickets_of("alpha", alpha)] == ["public_security"]


async def test_uncovered_category_goes_to_the_coordination_office(settings, county):
    """A category with no rule goes to the fallback coordination office."""
    mid = await major_matter(settings, "alpha", "other")
    outcome = await handlers.route_major_matter("alpha", mid, 1)
    assert outcome.decision.fallback
    assert [t.department_code for t in await tickets_of("alpha", mid)] == ["coordination"]


async def test_withdrawn_matter_is_poison(settings, county):
    """A withdrawn matter is never routed: PoisonMessage with a clear reason, no ticket."""
    mid = await major_matter(settings, "alpha", "transport")
    await matters.withdraw_matter(
        person(Role.COMMUNITY_CADRE), "alpha", mid, settings, reason="居民撤回"
    )
    with pytest.raises(PoisonMessage) as caught:
        await handlers.route_major_matter("alpha", mid, 1)
    assert caught.value.reason == "matter withdrawn"
    assert await tickets_of("alpha", mid) == []


async def test_stale_sheet_version_is_poison(settings, county):
    """A message for an earlier classification (now minor) is not routed."""
    mid = await major_matter(settings, "alpha", "transport")
    await matters.reclassify_matter(
        person(Role.COMMUNITY_CADRE),
        "alpha",
        mid,
        MatterKind.MINOR,
        settings,
        reason="居民自行协商",
    )
    with pytest.raises(PoisonMessage) as caught:
        await handlers.route_major_matter("alpha", mid, 1)
    assert caught.value.reason == "matter no longer major"


async def test_unknown_community_is_poison(county):
    """A community that does not exist is poison, not an endless retry."""
    with pytest.raises(PoisonMessage) as caught:
        await handlers.route_major_matter("nosuchcommunity", 1, 1)
    assert caught.value.reason == "community gone"


# -- flow back ---------------------------------------------------------------------------------
async def test_flow_back_is_idempotent_and_moves_the_matter(settings, county):
    """Routed → acknowledged → both done: the matter goes in progress then resolved, once."""
    mid = await major_matter(settings, "beta", "road_and_drainage")
    await handlers.route_major_matter("beta", mid, 1)
    housing, water = await tickets_of("beta", mid)
    for t in (housing, water):
        await flow_back("beta", t)
        await flow_back("beta", t)  # redelivered: nothing doubles
    async with tenant_tx("beta") as tx:
        updates = await tx.connection.fetchval(
            "SELECT count(*) FROM department_updates WHERE matter_id = $1", mid
        )
        routes = await tx.connection.fetch(
            "SELECT department_code, status FROM matter_routes WHERE matter_id = $1 "
            "ORDER BY department_code",
            mid,
        )
    assert updates == 2
    assert [tuple(r) for r in routes] == [("housing", "routed"), ("water", "routed")]

    acted = await department_act(housing, TicketStatus.ACKNOWLEDGED, EventKind.ACKNOWLEDGED)
    await flow_back("beta", acted)
    await flow_back("beta", acted)
    async with tenant_tx("beta") as tx:
        matter = await tx.connection.fetchrow("SELECT status FROM matters WHERE id = $1", mid)
        history = await tx.connection.fetch(
            "SELECT to_status, actor, actor_role FROM matter_transitions WHERE matter_id = $1 "
            "ORDER BY id",
            mid,
        )
    assert matter["status"] == "in_progress"
    assert [h["to_status"] for h in history].count("in_progress") == 1
    assert history[-1]["actor"].startswith("officer-housing-")
    assert history[-1]["actor_role"] == "department_officer"

    done_h = await department_act(acted, TicketStatus.DONE, EventKind.DONE, note="已修复")
    await flow_back("beta", done_h)
    async with tenant_tx("beta") as tx:
        assert await tx.connection.fetchval("SELECT status FROM matters WHERE id = $1", mid) == (
            "in_progress"
        )  # water is still open
    w = await department_act(water, TicketStatus.ACKNOWLEDGED, EventKind.ACKNOWLEDGED)
    w = await department_act(w, TicketStatus.DONE, EventKind.DONE, note="排水已疏通")
    await flow_back("beta", w)
    await flow_back("beta", w)
    async with tenant_tx("beta") as tx:
        status = await tx.connection.fetchval("SELECT status FROM matters WHERE id = $1", mid)
        resolved = await tx.connection.fetchval(
            "SELECT count(*) FROM matter_transitions WHERE matter_id = $1 "
            "AND to_status = 'resolved'",
            mid,
        )
    assert status == "resolved" and resolved == 1

    data = await gql(settings, person(Role.COMMUNITY_CADRE, "beta"), DETAIL, c="beta", m=str(mid))
    m = data["community"]["matter"]
    assert [(r["departmentCode"], r["status"]) for r in m["routes"]] == [
        ("housing", "DONE"),
        ("water", "DONE"),
    ]
    assert m["routes"][0]["departmentNameZh"] == "县住房和城乡建设局"
    kinds = [u["kind"] for u in m["departmentUpdates"]]
    assert kinds.count("ROUTED") == 2 and kinds.count("DONE") == 2 and len(kinds) == 6
    # The neighbour community sees nothing of it.
    other = await gql(settings, person(Role.COMMUNITY_CADRE, "alpha"), DETAIL, c="beta", m=str(mid))
    assert other["community"] is None


DETAIL = """
query($c: String!, $m: ID!) {
  community(slug: $c) {
    matter(id: $m) {
      status
      routes { departmentCode departmentNameZh departmentNameEn status resolveDueAt supervised }
      departmentUpdates { kind departmentCode departmentNameZh actor note at }
    }
  }
}"""

# -- county administration over GraphQL ------------------------------------------------------
COUNTY_Q = """
query($c: String!) {
  countyRouting(county: $c) {
    departments { code nameZh isFallback active }
    routingRules { category departmentCodes communitySlug includeAddress }
    deadlinePolicies { category ackWorkingDays resolveWorkingDays }
  }
}"""

SET_DEPT = """
mutation($i: DepartmentInput!) {
  setDepartment(input: $i) {
    __typename ... on Department { code nameZh active } ... on Error { code message messageEn }
  }
}"""

SET_RULE = """
mutation($i: RoutingRuleInput!) {
  setRoutingRule(input: $i) {
    __typename ... on RoutingRule { id category departmentCodes }
    ... on Error { code message messageEn }
  }
}"""

SET_POLICY = """
mutation($i: DeadlinePolicyInput!) {
  setDeadlinePolicy(input: $i) {
    __typename ... on DeadlinePolicy { category ackWorkingDays resolveWorkingDays }
    ... on Error { code message messageEn }
  }
}"""


async def test_county_admin_reads_and_edits_routing(settings, county):
    """The county administrator sees departments, rules, policies and edits them."""
    admin = person(Role.COUNTY_ADMIN)
    data = (await gql(settings, admin, COUNTY_Q, c=county))["countyRouting"]
    codes = {d["code"] for d in data["departments"]}
    assert {"transport", "coordination", "water"} <= codes
    assert any(
        r["category"] == "road_and_drainage" and r["departmentCodes"] == ["housing", "water"]
        for r in data["routingRules"]
    )
    assert {"category": "*", "ackWorkingDays": 2, "resolveWorkingDays": 15} in data[
        "deadlinePolicies"
    ]
    made = await gql(
        settings,
        admin,
        SET_DEPT,
        i={"county": county, "code": "tourism", "nameZh": "县文旅局", "nameEn": "Tourism"},
    )
    assert made["setDepartment"] == {
        "__typename": "Department",
        "code": "tourism",
        "nameZh": "县文旅局",
        "active": True,
    }
    policy = await gql(
        settings,
        admin,
        SET_POLICY,
        i={"county": county, "category": "safety", "ackWorkingDays": 1, "resolveWorkingDays": 5},
    )
    assert policy["setDeadlinePolicy"]["resolveWorkingDays"] == 5


async def test_county_routing_errors_are_typed_and_bilingual(settings, county):
    """Unknown department, bad deadlines, deactivating the fallback: typed zh/en errors."""
    admin = person(Role.COUNTY_ADMIN)
    bad_rule = await gql(
        settings,
        admin,
        SET_RULE,
        i={"county": county, "category": "pets", "departmentCodes": ["nope"]},
    )
    assert bad_rule["setRoutingRule"]["__typename"] == "UnknownDepartmentError"
    assert "nope" in bad_rule["setRoutingRule"]["message"]
    bad_policy = await gql(
        settings,
        admin,
        SET_POLICY,
        i={"county": county, "ackWorkingDays": 10, "resolveWorkingDays": 5},
    )
    assert bad_policy["setDeadlinePolicy"]["__typename"] == "AckAfterResolveError"
    off = await gql(
        settings,
        admin,
        SET_DEPT,
        i={
            "county": county,
            "code": "coordination",
            "nameZh": "县协调办",
            "nameEn": "Coordination",
            "active": False,
        },
    )
    assert off["setDepartment"]["__typename"] == "FallbackMustStayActiveError"
    assert off["setDepartment"]["messageEn"]
    grid_only = await gql(
        settings,
        admin,
        SET_RULE,
        i={"county": county, "category": "pets", "departmentCodes": ["water"], "gridCode": "g1"},
    )
    assert grid_only["setRoutingRule"]["__typename"] == "InvalidInputError"


async def test_county_routing_permissions(settings, county):
    """Other counties and communities see nothing; readers who may not edit are forbidden."""
    stranger = person(Role.COUNTY_ADMIN, county="othercounty")
    assert (await gql(settings, stranger, COUNTY_Q, c=county))["countyRouting"] is None
    cadre = person(Role.COMMUNITY_CADRE)
    assert (await gql(settings, cadre, COUNTY_Q, c=county))["countyRouting"] is None
    assert (await gql(settings, None, COUNTY_Q, c=county))["countyRouting"] is None
    assert (await gql(settings, person(Role.COUNTY_ADMIN), COUNTY_Q, c="nosuch"))[
        "countyRouting"
    ] is None
    dept = officer("transport")
    assert (await gql(settings, dept, COUNTY_Q, c=county))["countyRouting"]["departments"]
    edit = {"county": county, "code": "transport", "nameZh": "x", "nameEn": "x"}
    for who, expected in (
        (stranger, "CountyNotFoundError"),
        (cadre, "CountyNotFoundError"),
        (dept, "ForbiddenError"),
        (person(Role.COUNTY_LEADER), "ForbiddenError"),
        (None, "UnauthenticatedError"),
    ):
        got = await gql(settings, who, SET_DEPT, i=edit)
        assert got["setDepartment"]["__typename"] == expected, (who, got)
