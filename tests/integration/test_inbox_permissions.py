"""The permission matrix of the department side (role × operation → ok / not found / forbidden).

The expected table is written out here (docs/inbox.md shows the same), not derived from
the code, so changing who may do what has to change this test. Every case runs through
the GraphQL schema on a fresh ticket in the status the operation needs; a refusal must
leave the ticket without any event.
"""

from __future__ import annotations

import contextlib
import itertools
import secrets
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from services.api.kit.loaders import Loaders
from services.api.kit.request import SanshiContext
from services.api.schema import SanshiSchema, build_schema
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.errors import CommunityExists
from services.settings import Settings
from tenants.provisioning import create_community, ensure_county
from tenants.tx import platform_tx

ONE, TWO = "ibxpone", "ibxptwo"
OWN, NEIGHBOUR = "ibxp_own", "ibxp_next"
DEPT, OTHER_DEPT, TARGET = "transport", "urban_management", "housing"
_matters = itertools.count(secrets.randbelow(10_000_000) + 300_000_000)
_schema: list[SanshiSchema] = []


def _p(role: Role, scope: Scope) -> Principal:
    return Principal(f"{role.value}-{scope.id}", frozenset({role}), scope)


ROLES: dict[str, Principal] = {
    "officer": _p(Role.DEPARTMENT_OFFICER, Scope(ScopeKind.DEPARTMENT, DEPT, ONE)),
    "officer_other_department": _p(
        Role.DEPARTMENT_OFFICER, Scope(ScopeKind.DEPARTMENT, OTHER_DEPT, ONE)
    ),
    "officer_other_county": _p(Role.DEPARTMENT_OFFICER, Scope(ScopeKind.DEPARTMENT, DEPT, TWO)),
    "county_admin": _p(Role.COUNTY_ADMIN, Scope(ScopeKind.COUNTY, ONE)),
    "county_admin_other_county": _p(Role.COUNTY_ADMIN, Scope(ScopeKind.COUNTY, TWO)),
    "county_leader": _p(Role.COUNTY_LEADER, Scope(ScopeKind.COUNTY, ONE)),
    "cadre": _p(Role.COMMUNITY_CADRE, Scope(ScopeKind.COMMUNITY, OWN)),
    "cadre_other_community": _p(Role.COMMUNITY_CADRE, Scope(ScopeKind.COMMUNITY, NEIGHBOUR)),
    "grid_worker": _p(Role.GRID_WORKER, Scope(ScopeKind.COMMUNITY, OWN)),
    "council_member": _p(Role.COUNCIL_MEMBER, Scope(ScopeKind.COMMUNITY, OWN)),
    "resident": _p(Role.RESIDENT, Scope(ScopeKind.COMMUNITY, OWN)),
}

DUE = (date.today() + timedelta(days=30)).isoformat()
# operation -> (status the ticket needs, document; `r` is the result or the ticket)
OPS: dict[str, tuple[str, str]] = {
    "ticket": ("routed", "query($id: ID!) { r: ticket(id: $id) { __typename } }"),
    "acknowledgeTicket": (
        "routed",
        "mutation($id: ID!) { r: acknowledgeTicket(id: $id) { __typename } }",
    ),
    "requestTicketInfo": (
        "routed",
        'mutation($id: ID!) { r: requestTicketInfo(id: $id, question: "位置？") { __typename } }',
    ),
    "provideTicketInfo": (
        "info_requested",
        'mutation($id: ID!) { r: provideTicketInfo(id: $id, text: "北侧") { __typename } }',
    ),
    "rejectTicket": (
        "routed",
        f'mutation($id: ID!) {{ r: rejectTicket(id: $id, reason: "非本部门", '
        f'rerouteTo: "{TARGET}") {{ __typename }} }}',
    ),
    "answerTicket": (
        "acknowledged",
        f'mutation($id: ID!) {{ r: answerTicket(id: $id, text: "年底前", dueOn: "{DUE}") '
        f"{{ __typename }} }}",
    ),
    "reportTicketProgress": (
        "acknowledged",
        'mutation($id: ID!) { r: reportTicketProgress(id: $id, note: "勘察") { __typename } }',
    ),
    "markTicketDone": (
        "acknowledged",
        'mutation($id: ID!) { r: markTicketDone(id: $id, note: "完成") { __typename } }',
    ),
    "superviseTicket": (
        "routed",
        'mutation($id: ID!) { r: superviseTicket(id: $id, note: "加快") { __typename } }',
    ),
}

OK, NOT_FOUND, FORBIDDEN = "ok", "not found", "forbidden"
DEPARTMENT_ACTS = {
    "acknowledgeTicket",
    "requestTicketInfo",
    "rejectTicket",
    "answerTicket",
    "reportTicketProgress",
    "markTicketDone",
}


def _row(ok: set[str], default: str) -> dict[str, str]:
    return {op: OK if op in ok else default for op in OPS}


EXPECTED: dict[str, dict[str, str]] = {
    "officer": _row({"ticket", *DEPARTMENT_ACTS}, FORBIDDEN),
    "officer_other_department": _row(set(), NOT_FOUND),
    "officer_other_county": _row(set(), NOT_FOUND),
    "county_admin": _row({"ticket", "superviseTicket"}, FORBIDDEN),
    "county_admin_other_county": _row(set(), NOT_FOUND),
    "county_leader": _row({"ticket"}, FORBIDDEN),
    "cadre": _row({"ticket", "provideTicketInfo"}, FORBIDDEN),
    "cadre_other_community": _row(set(), NOT_FOUND),
    "grid_worker": _row({"ticket", "provideTicketInfo"}, FORBIDDEN),
    "council_member": _row(set(), NOT_FOUND),
    "resident": _row(set(), NOT_FOUND),
}
INBOX_ALLOWED = {"officer", "officer_other_department", "officer_other_county"} | {
    "county_admin",
    "county_admin_other_county",
    "county_leader",
}


@pytest.fixture(scope="module")
async def world(dbs) -> None:
    """Counties ibxpone (own, next communities; three departments) and ibxptwo."""
    for county in (ONE, TWO):
        await ensure_county(county, f"{county}县")
        async with platform_tx() as tx:
            for code in (DEPT, OTHER_DEPT, TARGET):
                await tx.connection.execute(
                    "INSERT INTO platform.departments (county_code, code, name_zh, name_en) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    county,
                    code,
                    f"{code}局",
                    code,
                )
    for slug in (OWN, NEIGHBOUR):
        with contextlib.suppress(CommunityExists):
            await create_community(slug, f"{slug}社区", ONE)


async def _ticket(status: str) -> int:
    now = datetime.now().astimezone()
    async with platform_tx() as tx:
        return await tx.connection.fetchval(
            "INSERT INTO platform.tickets (county_code, department_code, community_slug, "
            "matter_id, sheet_version, matter_number, title, description, category, status, "
            "ack_due_at, resolve_due_at) VALUES ($1, $2, $3, $4, 1, 'M-1', '路灯', '路灯坏了', "
            "'lighting', $5, $6, $7) RETURNING id",
            ONE,
            DEPT,
            OWN,
            next(_matters),
            status,
            now + timedelta(days=2),
            now + timedelta(days=20),
        )


async def _events(ticket_id: int) -> int:
    async with platform_tx() as tx:
        return await tx.connection.fetchval(
            "SELECT count(*) FROM platform.ticket_events WHERE ticket_id = $1", ticket_id
        )


async def _run(settings: Settings, actor: Principal | None, query: str, **variables: Any) -> Any:
    if not _schema:
        _schema.append(build_schema(settings))
    context = SanshiContext(
        settings=settings, request_id="test", principal=actor, loaders=Loaders()
    )
    return await _schema[0].execute(query, variable_values=variables, context_value=context)


def _outcome(op: str, value: dict[str, Any] | None) -> str:
    if value is None:
        return NOT_FOUND  # the `ticket` query answers null for both
    return {
        "Ticket": OK,
        "TicketNotFoundError": NOT_FOUND,
        "ForbiddenError": FORBIDDEN,
    }.get(value["__typename"], value["__typename"])


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("role", list(ROLES))
async def test_permission_matrix(world, settings, role: str, op: str):
    """Each role gets exactly the outcome the table says; refusals write nothing."""
    status, document = OPS[op]
    ticket_id = await _ticket(status)
    result = await _run(settings, ROLES[role], document, id=str(ticket_id))
    assert result.errors is None, result.errors
    outcome = _outcome(op, result.data["r"])
    assert outcome == EXPECTED[role][op]
    if outcome != OK or op == "ticket":
        assert await _events(ticket_id) == 0


@pytest.mark.parametrize("role", list(ROLES))
async def test_inbox_is_for_departments_and_county_users(world, settings, role: str):
    """departmentInbox: officers and county users get a list; community roles FORBIDDEN."""
    result = await _run(settings, ROLES[role], "{ departmentInbox { totalCount items { id } } }")
    if role in INBOX_ALLOWED:
        assert result.errors is None, result.errors
        assert result.data["departmentInbox"]["totalCount"] >= 0
    else:
        assert result.errors is not None
        assert result.errors[0].extensions["code"] == "FORBIDDEN"


async def test_anonymous_callers_are_unauthenticated(world, settings):
    """No principal: acts answer UnauthenticatedError, the ticket query null."""
    ticket_id = await _ticket("routed")
    act = "mutation($id: ID!) { acknowledgeTicket(id: $id) { __typename } }"
    result = await _run(settings, None, act, id=str(ticket_id))
    assert result.data["acknowledgeTicket"]["__typename"] == "UnauthenticatedError"
    read = await _run(
        settings, None, "query($id: ID!) { ticket(id: $id) { id } }", id=str(ticket_id)
    )
    assert read.data["ticket"] is None
    assert await _events(ticket_id) == 0
