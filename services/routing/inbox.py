"""The department inbox (部门工单): what a county department sees of routed tickets and does.

Read side: ``department_inbox`` (the caller's department's tickets across every community
of the county, filtered and paged) and ``get_ticket``. Acts: the ticket's department
officer acknowledges (签收), asks the community for information, rejects as not its own
(re-routing to a named department or the county's fallback office), answers with a
commitment and a date, reports progress and marks it done; a cadre or grid worker of the
ticket's community provides the information asked for; a county administrator sets the
supervision flag (督办).

Every public handler is ONE platform transaction. Every act is a ticket event written
through ``move_ticket_in_tx`` / ``record_ticket_event_in_tx``, which also writes the
``department.event`` outbox row that carries the act back to the community's matter; the
events are the action log of who did what, when and why (there is no second log to keep in
step). Expected failures are typed, bilingual ``SanshiError``s raised before anything is
written, or inside the transaction so that nothing is half-written.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from services import localtime
from services.auth.model import Principal, Role, ScopeKind
from services.errors import FieldTooLong, Forbidden, InvalidInput, NotFound, SanshiError
from services.matters.model import ReasonRequired
from services.routing.access import (
    TicketNotFound,
    access_ticket_in_tx,
    can_manage_county,
    is_department_officer_of,
)
from services.routing.handlers import (
    TICKET_COLUMNS,
    move_ticket_in_tx,
    record_ticket_event_in_tx,
)
from services.routing.model import (
    OPEN_STATUSES,
    EventKind,
    TicketStatus,
    check_ticket_transition,
)
from services.routing.rules import NoFallbackDepartment
from services.routing.tables import Ticket
from services.settings import Settings
from tenants.db import SanshiTransaction
from tenants.slugs import is_valid_slug
from tenants.tx import platform_tx

DEFAULT_PAGE = 50
MAX_PAGE = 200
# A commitment further out than this is almost certainly a typo (2205 for 2025).
MAX_COMMITMENT_YEARS = 5


# --------------------------------------------------------------------------------------
# Errors of the inbox (each has one GraphQL type, declared in services/inbox/api.py)
# --------------------------------------------------------------------------------------


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
# Pure rules (no I/O): text, dates, overdue, filters, cursors
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


def filter_conditions(f: InboxFilter, now: datetime, args: list[Any]) -> list[str]:
    """SQL conditions on ``t`` (platform.tickets), placeholders appended to ``args``."""

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    conds: list[str] = []
    if f.statuses:
        conds.append(f"t.status = ANY({arg([s.value for s in f.statuses])}::text[])")
    if f.communities:
        conds.append(f"t.community_slug = ANY({arg(list(f.communities))}::text[])")
    if f.departments:
        conds.append(f"t.department_code = ANY({arg(list(f.departments))}::text[])")
    day = f"(t.resolve_due_at AT TIME ZONE '{localtime.TIME_ZONE_NAME}')::date"
    if f.due_from is not None:
        conds.append(f"{day} >= {arg(f.due_from)}")
    if f.due_to is not None:
        conds.append(f"{day} <= {arg(f.due_to)}")
    if f.overdue_only:
        # The same rule as localtime.overdue_kind(), with the same `now`.
        at, open_ = arg(now), arg(sorted(s.value for s in OPEN_STATUSES))
        conds.append(
            f"(t.status = ANY({open_}::text[]) AND (t.resolve_due_at < {at} "
            f"OR (t.status = 'routed' AND t.ack_due_at < {at})))"
        )
    if f.supervised_only:
        conds.append("t.supervised")
    return conds


def encode_cursor(row: dict[str, Any]) -> str:
    """An opaque cursor after ``row`` in inbox order (resolve_due_at, id ascending)."""
    raw = json.dumps([row["resolve_due_at"].isoformat(), row["id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (resolve_due_at, id) a cursor stands for; InvalidInput for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, ticket_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None or not isinstance(ticket_id, int):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise InvalidInput(field_zh="分页游标无效", field_en="invalid page cursor") from None
    return parsed, ticket_id


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
# Reading tickets (with names and events) inside a platform transaction
# --------------------------------------------------------------------------------------

_T_COLUMNS = ", ".join(f"t.{c._meta.db_column_name}" for c in Ticket.all_columns())
# The ticket with the names a reader needs (LEFT JOINs: a ticket never disappears from an
# inbox because a name row is missing).
_VIEW_SQL = (
    f"SELECT {_T_COLUMNS}, d.name_zh AS department_name_zh, d.name_en AS department_name_en, "
    "c.name_zh AS community_name_zh, c.name_en AS community_name_en, "
    "k.name_zh AS county_name_zh, k.name_en AS county_name_en "
    "FROM platform.tickets t "
    "LEFT JOIN platform.departments d "
    "  ON d.county_code = t.county_code AND d.code = t.department_code "
    "LEFT JOIN platform.communities c ON c.slug = t.community_slug "
    "LEFT JOIN platform.counties k ON k.code = t.county_code "
)
_EVENT_SQL = (
    "SELECT id, ticket_id, kind, actor, actor_role, note, data, at "
    "FROM platform.ticket_events WHERE ticket_id = ANY($1::bigint[]) ORDER BY ticket_id, id"
)


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def _with_events_in_tx(tx: SanshiTransaction, rows: list[dict[str, Any]]) -> None:
    """Attach each ticket's events (oldest first) as ``row["events"]``: one query for all."""
    by_ticket: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    if rows:
        for e in await tx.connection.fetch(_EVENT_SQL, list(by_ticket)):
            by_ticket[e["ticket_id"]].append(dict(e, data=_loads(e["data"])))
    for r in rows:
        r["events"] = by_ticket[r["id"]]
        r["circumstances"] = _loads(r["circumstances"])


async def _view_in_tx(tx: SanshiTransaction, ticket_id: int) -> dict[str, Any]:
    """The ticket as readers see it (names, events), after an act in the same transaction."""
    row = dict(await tx.connection.fetchrow(_VIEW_SQL + "WHERE t.id = $1", ticket_id))
    await _with_events_in_tx(tx, [row])
    return row


@dataclass(frozen=True)
class InboxPage:
    """One page of an inbox, soonest deadline first, with the total over all pages."""

    rows: list[dict[str, Any]]
    total_count: int
    has_next_page: bool
    end_cursor: str | None
    now: datetime


async def department_inbox(
    actor: Principal,
    filt: InboxFilter | None = None,
    first: int = DEFAULT_PAGE,
    after: str | None = None,
) -> InboxPage:
    """One page of the caller's inbox: ordered by resolve deadline, then id.

    A department officer sees only their department's tickets, from every community of
    their county; county administrators and leaders see every department's of their
    county (filter by department); anyone else gets Forbidden.
    """
    county, department = inbox_scope(actor)
    filt = filt or InboxFilter()
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(
            field_zh=f"每页条数须在 1 到 {MAX_PAGE} 之间",
            field_en=f"first must be between 1 and {MAX_PAGE}",
        )
    filt.check()
    position = decode_cursor(after) if after else None
    # The overdue flags and filter move with the time: the page is never cached.
    now = localtime.now()
    async with platform_tx() as tx:
        args: list[Any] = []
        conds: list[str] = []
        if county is not None:
            args.append(county)
            conds.append(f"t.county_code = ${len(args)}")
        if department is not None:
            args.append(department)
            conds.append(f"t.department_code = ${len(args)}")
        conds += filter_conditions(filt, now, args)
        where = f"WHERE {' AND '.join(conds)} " if conds else ""
        total = await tx.connection.fetchval(
            f"SELECT count(*) FROM platform.tickets t {where}", *args
        )
        if position is not None:
            args += list(position)
            conds.append(f"(t.resolve_due_at, t.id) > (${len(args) - 1}, ${len(args)})")
            where = f"WHERE {' AND '.join(conds)} "
        args.append(first + 1)
        records = await tx.connection.fetch(
            f"{_VIEW_SQL}{where}ORDER BY t.resolve_due_at, t.id LIMIT ${len(args)}", *args
        )
        rows = [dict(r) for r in records]
        has_next = len(rows) > first
        rows = rows[:first]
        await _with_events_in_tx(tx, rows)
    return InboxPage(rows, total, has_next, encode_cursor(rows[-1]) if rows else None, now)


async def get_ticket(actor: Principal, ticket_id: int) -> dict[str, Any]:
    """The ticket with its events; TicketNotFound when missing or not the caller's to see."""
    async with platform_tx() as tx:
        await access_ticket_in_tx(tx, actor, ticket_id)
        return await _view_in_tx(tx, ticket_id)


# --------------------------------------------------------------------------------------
# Acts
# --------------------------------------------------------------------------------------


def _require_officer(actor: Principal, ticket: dict[str, Any]) -> None:
    """Department acts are for the ticket's own department (readers who are not: Forbidden)."""
    if not is_department_officer_of(actor, ticket["county_code"], ticket["department_code"]):
        raise Forbidden()


async def _department_act(
    actor: Principal,
    ticket_id: int,
    target: TicketStatus,
    kind: EventKind,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Lock the ticket, check the caller is its department, move it, record the event."""
    async with platform_tx() as tx:
        ticket = await access_ticket_in_tx(tx, actor, ticket_id, for_update=True)
        _require_officer(actor, ticket)
        await move_ticket_in_tx(
            tx, actor, ticket, target, kind, note=note, data=data, changes=changes
        )
        return await _view_in_tx(tx, ticket_id)


async def acknowledge(actor: Principal, ticket_id: int, settings: Settings) -> dict[str, Any]:
    """签收: the department takes the ticket on (routed → acknowledged)."""
    return await _department_act(
        actor, ticket_id, TicketStatus.ACKNOWLEDGED, EventKind.ACKNOWLEDGED
    )


async def request_info(
    actor: Principal, ticket_id: int, question: str, settings: Settings
) -> dict[str, Any]:
    """Ask the community for information (→ info_requested); the question goes back to it."""
    question = check_text("question", question, settings.max_note_length, required=True)
    return await _department_act(
        actor, ticket_id, TicketStatus.INFO_REQUESTED, EventKind.INFO_REQUESTED, note=question
    )


async def answer(
    actor: Principal,
    ticket_id: int,
    text: str,
    settings: Settings,
    *,
    due_on: date | None = None,
) -> dict[str, Any]:
    """Answer, usually with a commitment and a date ("adjust the stop by 31 December").

    The date becomes the ticket's resolve deadline (it overrides the policy's), and a
    resolve-overdue mark from the old deadline is cleared: the department is now measured
    against what it promised. Answering again revises the commitment.
    """
    text = check_text("answer", text, settings.max_text_length, required=True)
    changes: dict[str, Any] = {"commitment": text, "commitment_due_on": due_on}
    data: dict[str, Any] = {"due_on": due_on.isoformat() if due_on else None}
    async with platform_tx() as tx:
        ticket = await access_ticket_in_tx(tx, actor, ticket_id, for_update=True)
        _require_officer(actor, ticket)
        if due_on is not None:
            check_due_on(due_on, localtime.now())
            changes["resolve_due_at"] = localtime.end_of_day(due_on)
            if ticket["overdue"] == "resolve":
                changes["overdue"] = None
        await move_ticket_in_tx(
            tx,
            actor,
            ticket,
            TicketStatus.ANSWERED,
            EventKind.ANSWERED,
            note=text,
            data=data,
            changes=changes,
        )
        return await _view_in_tx(tx, ticket_id)


async def report_progress(
    actor: Principal, ticket_id: int, note: str, settings: Settings
) -> dict[str, Any]:
    """Report progress (→ in_progress)."""
    note = check_text("note", note, settings.max_note_length, required=True)
    return await _department_act(
        actor, ticket_id, TicketStatus.IN_PROGRESS, EventKind.PROGRESS, note=note
    )


async def mark_done(
    actor: Principal, ticket_id: int, note: str, settings: Settings
) -> dict[str, Any]:
    """Mark the ticket done (办结) with a note on what was done."""
    note = check_text("note", note, settings.max_note_length, required=True)
    return await _department_act(actor, ticket_id, TicketStatus.DONE, EventKind.DONE, note=note)


async def provide_info(
    actor: Principal, ticket_id: int, text: str, settings: Settings
) -> dict[str, Any]:
    """The community answers the department's question (info_requested → acknowledged).

    For cadres and grid workers of the ticket's community; other readers get Forbidden.
    """
    text = check_text("text", text, settings.max_text_length, required=True)
    async with platform_tx() as tx:
        ticket = await access_ticket_in_tx(tx, actor, ticket_id, for_update=True)
        scope = actor.scope
        if not (
            scope.kind is ScopeKind.COMMUNITY
            and scope.id == ticket["community_slug"]
            and actor.has(Role.COMMUNITY_CADRE, Role.GRID_WORKER)
        ):
            raise Forbidden()
        status = TicketStatus(ticket["status"])
        if status is not TicketStatus.INFO_REQUESTED:
            # routed → acknowledged is a legal move, but not one the community may make.
            raise InfoNotRequested(status_zh=status.label_zh, status_en=status.label_en.lower())
        await move_ticket_in_tx(
            tx, actor, ticket, TicketStatus.ACKNOWLEDGED, EventKind.INFO_PROVIDED, note=text
        )
        return await _view_in_tx(tx, ticket_id)


async def _reroute_target_in_tx(
    tx: SanshiTransaction, ticket: dict[str, Any], reroute_to: str | None
) -> str:
    """The department to re-route to: the named active one, else the county's fallback
    (NoFallbackDepartment when the county has none)."""
    if reroute_to is not None:
        if reroute_to == ticket["department_code"]:
            raise CannotRerouteToSelf()
        found = is_valid_slug(reroute_to) and await tx.connection.fetchval(
            "SELECT true FROM platform.departments WHERE county_code = $1 AND code = $2 AND active",
            ticket["county_code"],
            reroute_to,
        )
        if not found:
            raise DepartmentNotFound(department=reroute_to)
        return reroute_to
    # As in routing (services.routing.rules.route): the fallback office takes the ticket
    # even if marked inactive — a major matter must always reach someone.
    fallback = await tx.connection.fetchval(
        "SELECT code FROM platform.departments WHERE county_code = $1 AND is_fallback",
        ticket["county_code"],
    )
    if fallback is None:
        raise NoFallbackDepartment()
    if fallback == ticket["department_code"]:
        raise CannotRerouteToSelf()
    return str(fallback)


# The matter's part of a ticket, copied unchanged to the ticket that replaces it.
_COPIED = (
    "county_code",
    "community_slug",
    "matter_id",
    "sheet_version",
    "matter_number",
    "title",
    "description",
    "category",
    "place",
    "grid_name",
    "household_address",
    "circumstances",
    "supervised",
    "supervised_by",
    "supervision_note",
)


async def _create_rerouted_in_tx(
    tx: SanshiTransaction, old: dict[str, Any], department: str
) -> dict[str, Any]:
    """A new routed ticket for ``department``: the same matter and classification, fresh
    deadlines of the same lengths as the old ticket's (the new department gets the full
    time it would have had), supervision carried over, ``rerouted_from`` set.

    The unique key (community, matter, sheet version, department) refuses a department
    that already held this matter (TicketAlreadyRouted) — no ping-pong.
    """
    now = localtime.now()
    zero = timedelta(0)
    ack_due = now + max(old["ack_due_at"] - old["created_at"], zero)
    resolve_due = now + max(old["resolve_due_at"] - old["created_at"], zero)
    circumstances = old["circumstances"]
    values = [old[c] for c in _COPIED]
    values[_COPIED.index("circumstances")] = (
        None if circumstances is None else json.dumps(_loads(circumstances), ensure_ascii=False)
    )
    cols = [*_COPIED, "department_code", "status", "ack_due_at", "resolve_due_at", "rerouted_from"]
    values += [department, TicketStatus.ROUTED.value, ack_due, resolve_due, old["id"]]
    placeholders = ", ".join(
        f"${i}::jsonb" if c == "circumstances" else f"${i}" for i, c in enumerate(cols, start=1)
    )
    row = await tx.connection.fetchrow(
        f"INSERT INTO platform.tickets ({', '.join(cols)}) VALUES ({placeholders}) "
        "ON CONFLICT (community_slug, matter_id, sheet_version, department_code) DO NOTHING "
        f"RETURNING {TICKET_COLUMNS}",
        *values,
    )
    if row is None:
        raise TicketAlreadyRouted(department=department)
    return dict(row)


async def reject(
    actor: Principal,
    ticket_id: int,
    reason: str,
    settings: Settings,
    *,
    reroute_to: str | None = None,
) -> dict[str, Any]:
    """Reject as not this department's (退回), re-routing to ``reroute_to`` or the fallback.

    The old ticket becomes rejected (event ``rejected`` naming where it went); a new
    ticket for the target department is created with a ``rerouted`` event. Both events
    flow back to the community. Returns the rejected ticket.
    """
    reason = check_text("reason", reason, settings.max_note_length)
    if not reason:
        raise ReasonRequired(action_zh="退回工单", action_en="reject a ticket")
    async with platform_tx() as tx:
        ticket = await access_ticket_in_tx(tx, actor, ticket_id, for_update=True)
        _require_officer(actor, ticket)
        # Before looking for a target: a done ticket is refused as such, whatever is named.
        check_ticket_transition(TicketStatus(ticket["status"]), TicketStatus.REJECTED)
        target = await _reroute_target_in_tx(tx, ticket, reroute_to)
        new = await _create_rerouted_in_tx(tx, ticket, target)
        await move_ticket_in_tx(
            tx,
            actor,
            ticket,
            TicketStatus.REJECTED,
            EventKind.REJECTED,
            note=reason,
            data={"rerouted_to": target, "new_ticket_id": new["id"]},
        )
        await record_ticket_event_in_tx(
            tx,
            actor,
            new,
            EventKind.REROUTED,
            note=reason,
            data={"from_ticket_id": ticket["id"], "from_department": ticket["department_code"]},
        )
        return await _view_in_tx(tx, ticket_id)


async def supervise(
    actor: Principal, ticket_id: int, note: str, settings: Settings, *, on: bool = True
) -> dict[str, Any]:
    """督办: a county administrator of the ticket's county sets (or lifts) the flag.

    Recorded as a ``supervised`` event ({"on": bool}) so the community's copy shows it
    through the flow-back; setting it again records a renewed push. Lifting it is allowed
    on any ticket; setting it on a finished one is refused (TicketClosed).
    """
    note = check_text("note", note, settings.max_note_length)
    async with platform_tx() as tx:
        ticket = await access_ticket_in_tx(tx, actor, ticket_id, for_update=True)
        if not can_manage_county(actor, ticket["county_code"]):
            raise Forbidden()
        status = TicketStatus(ticket["status"])
        if on and status not in OPEN_STATUSES:
            raise TicketClosed(status_zh=status.label_zh, status_en=status.label_en.lower())
        row = await tx.connection.fetchrow(
            "UPDATE platform.tickets SET supervised = $2, supervised_by = $3, "
            "supervision_note = $4, updated_at = now() WHERE id = $1 "
            f"RETURNING {TICKET_COLUMNS}",
            ticket_id,
            on,
            actor.subject if on else None,
            note if on else "",
        )
        await record_ticket_event_in_tx(
            tx, actor, dict(row), EventKind.SUPERVISED, note=note, data={"on": on}
        )
        return await _view_in_tx(tx, ticket_id)


__all__ = [
    "CannotRerouteToSelf",
    "DepartmentNotFound",
    "InboxFilter",
    "InboxPage",
    "InfoNotRequested",
    "NoFallbackDepartment",
    "TicketAlreadyRouted",
    "TicketClosed",
    "TicketNotFound",
    "acknowledge",
    "answer",
    "department_inbox",
    "get_ticket",
    "mark_done",
    "provide_info",
    "reject",
    "report_progress",
    "request_info",
    "supervise",
]
