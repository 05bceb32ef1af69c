"""What the groups' integration tests share: principals as tokens give them, the schema run
in-process, and member households with a resident each who logs in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.api.kit.request import SanshiContext
from services.api.schema import build_schema
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.households import handlers as hh
from services.matters import handlers as matters
from services.matters.model import Channel, MatterKind, MatterStatus
from services.matters.rows import MatterRow
from services.matters.tables import Matter
from services.settings import Settings
from tenants.tx import tenant_tx

COUNTY = "testcounty"

Gql = Callable[..., Awaitable[dict[str, Any]]]


def person(role: Role, slug: str = "alpha", subject: str | None = None) -> Principal:
    """A principal of ``role``: county-wide roles scoped to the test county, a department
    officer to a department of it (as tokens give them), others to community ``slug``; the
    subject defaults to one per role and community."""
    county_wide = role in {Role.COUNTY_ADMIN, Role.COUNTY_LEADER}
    if role is Role.DEPARTMENT_OFFICER:
        scope = Scope(ScopeKind.DEPARTMENT, "public_security", COUNTY)
    elif county_wide:
        scope = Scope(ScopeKind.COUNTY, COUNTY)
    else:
        scope = Scope(ScopeKind.COMMUNITY, slug)
    return Principal(subject or f"{role.value}-{slug}", frozenset({role}), scope)


def schema_runner(settings: Settings) -> Gql:
    """``run(principal, document, **variables)``: the data of the answer, which must have
    no errors (a refusal is a typed member of a result union, not an error)."""
    schema = build_schema(settings)

    async def run(principal: Principal | None, query: str, **variables: Any) -> dict[str, Any]:
        ctx = SanshiContext(settings=settings, request_id="t", principal=principal)
        got = await schema.execute(query, variable_values=variables, context_value=ctx)
        assert not got.errors, got.errors
        assert got.data is not None
        return got.data

    return run


@dataclass
class Homes:
    """Households of one community, each with one resident who logs in, in the same order."""

    homes: list[int]
    residents: list[int]
    subjects: list[str]


async def homes_with_residents(
    settings: Settings,
    cadre: Principal,
    slug: str,
    grid: int,
    count: int,
    *,
    address: str,
    name: str,
    subject: str,
) -> Homes:
    """``count`` households on ``grid`` (address/name/subject formatted with ``{i}``)."""
    out = Homes([], [], [])
    for i in range(count):
        h = await hh.create_household(
            cadre, slug, hh.HouseholdInput(grid, address.format(i=i), 2), settings
        )
        r = await hh.add_resident(
            cadre,
            slug,
            h.id,
            hh.ResidentInput(name.format(i=i), "13800000000", subject.format(i=i)),
            settings,
        )
        out.homes.append(h.id)
        out.residents.append(r.id)
        out.subjects.append(subject.format(i=i))
    return out


async def decided_matter(
    settings: Settings,
    actor: Principal,
    slug: str,
    household_id: int,
    kind: MatterKind,
    *,
    title: str = "每月25日上门量血压",
    description: str = "独居老人希望每月有人上门量血压",
) -> int:
    """A request of ``household_id``, decided on the spot as ``kind`` through the path a
    council decision takes (awaiting the council, then classified). Returns its id."""
    registered = await matters.register_request(
        actor,
        slug,
        matters.RegisterRequestInput(
            household_id=household_id,
            channel=Channel.HOME_VISIT,
            category="elderly_care",
            title=title,
            description=description,
            occurred_on=date(2026, 3, 2),
        ),
        settings,
    )
    async with tenant_tx(slug) as tx:
        row = MatterRow(**(await Matter.select().where(Matter.id == registered.id).run())[0])
        row = await matters.transition_in_tx(tx, actor, row, MatterStatus.AWAITING_COUNCIL)
        await matters.classify_in_tx(tx, actor, row, kind, reasoning="理事会讨论决定")
    return registered.id
