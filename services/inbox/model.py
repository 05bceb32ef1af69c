"""Pure rules of the department inbox (部门工单): who may read and act on a ticket, inbox
scope, filters, cursors, texts and commitment dates (no I/O).

The inbox has no tables of its own: it is a department's view of the routing context's
tickets, and its acts move them through routing's ticket-moving functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from services import localtime
from services.auth.model import Principal, Role, ScopeKind, in_county
from services.errors import FieldTooLong, Forbidden, InvalidInput, NotFound, SanshiError
from services.routing.model import EventKind, TicketSearch, TicketStatus
from tenants.slugs import is_valid_slug

if TYPE_CHECKING:  # rows as read; this module stays free of I/O modules at run time
    from services.routing.queries import TicketEventRow, TicketRow

DEFAULT_PAGE = 50
MAX_PAGE = 200
# A commitment further out than this is almost certainly a typo (2205 for 2025).
MAX_COMMITMENT_YEARS = 5


# --------------------------------------------------------------------------------------
# Errors of the inbox (each has one GraphQL type, declared in services/inbox/api.py)
# --------------------------------------------------------------------------------------
class TicketNotFound(NotFound):
    """No such ticket — or not one the caller may see (the same answer)."""

    code = "TICKET_NOT_FOUND"
    zh = "工单不存在"
    en = "Ticket not found"


class DepartmentNotFound(NotFound):
    """No such active department in the ticket's county (a re-route target)."""

    code = "DEPARTMENT_NOT_FOUND"
    zh = "部门「{department}」不存在或已停用"
    en = "Department '{department}' does not exist or is inactive"


class CannotRerouteToSelf(SanshiError):
    """A department rejecting a ticket cannot send it back to itself."""

    code = "CANNOT_REROUTE_TO_SELF"
    zh = "不能退回并转给本部门，请指定其他部门"
    en = "A ticket cannot be re-routed to the department rejecting it; name another one"


class TicketAlreadyRouted(SanshiError):
    """The re-route target already holds a ticket for this matter (and classification)."""

    code = "TICKET_ALREADY_ROUTED"
    zh = "部门「{department}」已有此事项的工单，请指定其他部门"
    en = "Department '{department}' already has a ticket for this matter; name another one"


class InfoNotRequested(SanshiError):
    """Information is provided only when the department has asked for it."""

    code = "INFO_NOT_REQUESTED"
    zh = "部门未要求补充材料（工单状态为「{status_zh}」）"
    en = "The department has not asked for information (the ticket is {status_en})"


class TicketClosed(SanshiError):
    """A finished ticket (done, rejected, cancelled) cannot be supervised."""

    code = "TICKET_CLOSED"
    zh = "工单已「{status_zh}」，不能督办"
    en = "The ticket is {status_en}; it cannot be supervised"


# --------------------------------------------------------------------------------------
# Who may read and act
# --------------------------------------------------------------------------------------
def is_department_officer_of(actor: Principal, county: str, department: str) -> bool:
    """A department officer scoped to exactly this department of this county."""
    scope = actor.scope
    return (
        actor.has(Role.DEPARTMENT_OFFICER)
        and scope.kind is ScopeKind.DEPARTMENT
        and scope.id == department
        and scope.county == county
    )


def can_read_ticket(actor: Principal, ticket: TicketRow) -> bool:
    """The ticket's department, the county's administrators and leaders, and the staff of
    the community it came from (cadres, grid workers) may read it."""
    county, slug = ticket.county_code, ticket.community_slug
    if is_department_officer_of(actor, county, ticket.department_code):
        return True
    scope = actor.scope
    if scope.kind is ScopeKind.COUNTY:
        return in_county(actor, county) and actor.has(Role.COUNTY_ADMIN, Role.COUNTY_LEADER)
    if scope.kind is ScopeKind.COMMUNITY:
        return scope.id == slug and actor.has(Role.COMMUNITY_CADRE, Role.GRID_WORKER)
    return False


def may_provide_info(actor: Principal, ticket: TicketRow) -> bool:
    """Cadres and grid workers of the ticket's community answer a department's question."""
    scope = actor.scope
    return (
        scope.kind is ScopeKind.COMMUNITY
        and scope.id == ticket.community_slug
        and actor.has(Role.COMMUNITY_CADRE, Role.GRID_WORKER)
    )


def inbox_scope(actor: Principal) -> tuple[str | None, str | None]:
    """(county, department) whose tickets ``actor``'s inbox lists; None = any.

    A department officer: their own department of their own county. County administrators
    and leaders: every department of their county (to find what to supervise). Anyone
    else has no inbox: Forbidden.
    """
    scope = actor.scope
    if scope.kind is ScopeKind.DEPARTMENT and actor.has(Role.DEPARTMENT_OFFICER):
        return scope.county, scope.id
    if scope.kind is ScopeKind.COUNTY and actor.has(Role.COUNTY_ADMIN, Role.COUNTY_LEADER):
        return (None if scope.id == "*" else scope.id), None
    raise Forbidden()


# --------------------------------------------------------------------------------------
# Text, dates
# --------------------------------------------------------------------------------------
FIELD_LABELS_ZH = {
    "question": "询问内容",
    "text": "内容",
    "reason": "退回理由",
    "answer": "答复内容",
    "note": "备注",
}


def check_text(field: str, value: str, limit: int, *, required: bool = False) -> str:
    """``value`` stripped; FieldTooLong beyond ``limit`` characters, InvalidInput if empty
    but required (characters, not bytes: one Chinese character is one character)."""
    if len(value) > limit:
        raise FieldTooLong(field=field, field_zh=FIELD_LABELS_ZH.get(field, field), limit=limit)
    text = value.strip()
    if required and not text:
        label = FIELD_LABELS_ZH.get(field, field)
        raise InvalidInput(field_zh=f"{label}不能为空", field_en=f"the {field} is empty")
    return text


def check_due_on(due_on: date, now: datetime) -> None:
    """A commitment date is today or later, and not absurdly far out."""
    today = localtime.local_day(now)
    if due_on < today:
        raise InvalidInput(field_zh="承诺日期不能早于今天", field_en="the due date is in the past")
    if due_on > today + timedelta(days=366 * MAX_COMMITMENT_YEARS):
        raise InvalidInput(
            field_zh=f"承诺日期不能超过 {MAX_COMMITMENT_YEARS} 年",
            field_en=f"the due date is more than {MAX_COMMITMENT_YEARS} years away",
        )


# --------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InboxFilter:
    """Inbox filters; empty tuples and None mean "any". Due dates are local and inclusive."""

    statuses: tuple[TicketStatus, ...] = ()
    communities: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    due_from: date | None = None
    due_to: date | None = None
    overdue_only: bool = False
    supervised_only: bool = False

    def check(self) -> None:
        """Refuse filters that cannot mean anything (a typo is not an empty inbox)."""
        if self.due_from and self.due_to and self.due_from > self.due_to:
            raise InvalidInput(
                field_zh="起始日期晚于结束日期", field_en="the due date range starts after it ends"
            )
        bad = [c for c in (*self.communities, *self.departments) if not is_valid_slug(c)]
        if bad:
            raise InvalidInput(
                field_zh=f"社区或部门代码无效：{bad[0]}",
                field_en=f"malformed community or department code: {bad[0]!r}",
            )


def inbox_search(actor: Principal, filt: InboxFilter, now: datetime) -> TicketSearch:
    """The tickets ``actor``'s inbox lists under ``filt`` at ``now``: the filter, always
    within the caller's scope (``inbox_scope``: a filter narrows it, never widens)."""
    county, department = inbox_scope(actor)
    return TicketSearch(
        county=county,
        department=department,
        statuses=filt.statuses,
        communities=filt.communities,
        departments=filt.departments,
        due_from=filt.due_from,
        due_to=filt.due_to,
        overdue_at=now if filt.overdue_only else None,
        supervised_only=filt.supervised_only,
    )


def rerouted_to(events: list[TicketEventRow]) -> int | None:
    """The ticket that replaced this one when it was rejected (its last rejection's)."""
    rejected = [e for e in events if e.kind == EventKind.REJECTED.value]
    found = rejected[-1].data.get("new_ticket_id") if rejected else None
    return None if found is None else int(found)
