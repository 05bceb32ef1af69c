"""Who may see and act on routed tickets (not found and not yours fail the same way)."""

from __future__ import annotations

from typing import Any

from services.auth.model import Principal, Role, ScopeKind, in_county
from services.errors import NotFound
from services.routing.handlers import TICKET_COLUMNS


class TicketNotFound(NotFound):
    """No such ticket — or not one the caller may see (the same answer)."""

    code = "TICKET_NOT_FOUND"
    zh = "工单不存在"
    en = "Ticket not found"


def is_department_officer_of(actor: Principal, county: str, department: str) -> bool:
    """A department officer scoped to exactly this department of this county."""
    scope = actor.scope
    return (
        actor.has(Role.DEPARTMENT_OFFICER)
        and scope.kind is ScopeKind.DEPARTMENT
        and scope.id == department
        and scope.county == county
    )


def can_manage_county(actor: Principal, county: str) -> bool:
    """County administrators of ``county``: departments, rules, deadlines, supervision."""
    return actor.has(Role.COUNTY_ADMIN) and in_county(actor, county)


def can_read_ticket(actor: Principal, ticket: dict[str, Any]) -> bool:
    """The ticket's department, the county's administrators and leaders, and the staff of
    the community it came from (cadres, grid workers) may read it."""
    county, slug = ticket["county_code"], ticket["community_slug"]
    if is_department_officer_of(actor, county, ticket["department_code"]):
        return True
    scope = actor.scope
    if scope.kind is ScopeKind.COUNTY:
        return in_county(actor, county) and actor.has(Role.COUNTY_ADMIN, Role.COUNTY_LEADER)
    if scope.kind is ScopeKind.COMMUNITY:
        return scope.id == slug and actor.has(Role.COMMUNITY_CADRE, Role.GRID_WORKER)
    return False


async def access_ticket_in_tx(
    tx: Any, actor: Principal, ticket_id: int, *, for_update: bool = False
) -> dict[str, Any]:
    """The ticket if ``actor`` may read it, else TicketNotFound (inside platform_tx)."""
    lock = " FOR UPDATE" if for_update else ""
    row = await tx.connection.fetchrow(
        f"SELECT {TICKET_COLUMNS} FROM platform.tickets WHERE id = $1{lock}", ticket_id
    )
    if row is None or not can_read_ticket(actor, dict(row)):
        raise TicketNotFound()
    return dict(row)
