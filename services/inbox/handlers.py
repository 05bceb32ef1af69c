"""The department's acts on its tickets (部门工单): acknowledge (签收), ask the community
for information, reject as not its own (re-routing it), answer with a commitment and a
date, report progress, mark done; the community provides information asked for; a county
administrator supervises (督办).

Every act is ONE platform transaction and a ticket event written through the routing
context's ticket-moving functions, which also write the ``department.event`` outbox row
that carries the act back to the community's matter; the events are the action log of
who did what, when and why. Each act answers with the ticket as its readers see it, built
from what the act read and wrote (nothing is read again). Expected failures are typed,
bilingual ``SanshiError``s raised before anything is written, or inside the transaction
so that nothing is half-written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services import localtime
from services.auth.model import Principal
from services.departments.model import NoFallbackDepartment, can_manage_county
from services.departments.queries import active_department_codes_in, fallback_code_in
from services.errors import Forbidden
from services.inbox.model import (
    CannotRerouteToSelf,
    DepartmentNotFound,
    InfoNotRequested,
    TicketAlreadyRouted,
    TicketClosed,
    check_due_on,
    check_text,
    is_department_officer_of,
    may_provide_info,
)
from services.inbox.queries import TicketView, access_ticket_in_tx, views_in
from services.localtime import OverdueKind
from services.matters.model import ReasonRequired
from services.routing.handlers import (
    TicketChange,
    change_ticket_in_tx,
    create_rerouted_ticket_in_tx,
    move_ticket_in_tx,
    record_ticket_event_in_tx,
)
from services.routing.model import EventKind, TicketStatus, check_ticket_transition
from services.routing.queries import TicketRow, TicketWithEvents
from services.settings import Settings
from tenants.db import SanshiTransaction
from tenants.slugs import is_valid_slug
from tenants.tx import platform_tx


async def _answer_in(
    tx: SanshiTransaction, before: TicketWithEvents, change: TicketChange
) -> TicketView:
    """The ticket after ``change`` as readers see it: the row the act wrote and the events
    read with the ticket plus the one it recorded."""
    after = TicketWithEvents(change.ticket, [*before.events, change.event])
    return (await views_in(tx, [after]))[0]


def _require_officer(actor: Principal, ticket: TicketRow) -> None:
    """Department acts are for the ticket's own department (readers who are not: Forbidden)."""
    if not is_department_officer_of(actor, ticket.county_code, ticket.department_code):
        raise Forbidden()


async def _department_act(
    actor: Principal,
    ticket_id: int,
    target: TicketStatus,
    kind: EventKind,
    *,
    note: str = "",
) -> TicketView:
    """Lock the ticket, check the caller is its department, move it, record the event."""
    async with platform_tx() as tx:
        found = await access_ticket_in_tx(tx, actor, ticket_id, for_update=True)
        _require_officer(actor, found.ticket)
        change = await move_ticket_in_tx(tx, actor, found.ticket, target, kind, note=note)
        return await _answer_in(tx, found, change)


async def acknowledge(actor: Principal, ticket_id: int, settings: Settings) -> TicketView:
    """签收: the department takes the ticket on (routed → acknowledged)."""
    return await _department_act(
        actor, ticket_id, TicketStatus.ACKNOWLEDGED, EventKind.ACKNOWLEDGED
    )


async def request_info(
    actor: Principal, ticket_id: int, question: str, settings: Settings
) -> TicketView:
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
) -> TicketView:
    """Answer, usually with a commitment and a date ("adjust the stop by 31 December").

    The date becomes the ticket's resolve deadline (it overrides the policy's), and a
    resolve-overdue mark from the old deadline is cleared: the department is now measured
    against what it promised. Answering again revises the commitment.
    """
    text = check_text("answer", text, settings.max_text_length, required=True)
    changes: dict[str, Any] = {"commitment": text, "commitment_due_on": due_on}
    data: dict[str, Any] = {"due_on": due_on.isoformat() if due_on else None}
    async with platform_tx() as tx:
        found = await access_ticket_in_tx(tx, actor, ticket_id, for_update=True)
        ticket = found.ticket
        _require_officer(actor, ticket)
        if due_on is not None:
            check_due_on(due_on, localtime.now())
            changes["resolve_due_at"] = localtime.end_of_day(due_on)
            if ticket.overdue is OverdueKind.RESOLVE:
                changes["overdue"] = None
        change = await move_ticket_in_tx(
            tx,
            actor,
            ticket,
            TicketStatus.ANSWERED,
            EventKind.ANSWERED,
            note=text,
            data=data,
            changes=changes,
        )
        return await _answer_in(tx, found, change)


async def report_progress(
    actor: Principal, ticket_id: int, note: str, settings: Settings
) -> TicketView:
    """Report progress (→ in_progress)."""
    note = check_text("note", note, settings.max_note_length, required=True)
    return await _department_act(
        actor, ticket_id, TicketStatus.IN_PROGRESS, EventKind.PROGRESS, note=note
    )


async def mark_done(actor: Principal, ticket_id: int, note: str, settings: Settings) -> TicketView:
    """Mark the ticket done (办结) with a note on what was done."""
    note = check_text("note", note, settings.max_note_length, required=True)
    return await _department_act(actor, ticket_id, TicketStatus.DONE, EventKind.DONE, note=note)


async def provide_info(
    actor: Principal, ticket_id: int, text: str, settings: Settings
) -> TicketView:
    """The community answers the department's question (info_requested → acknowledged).

    For cadres and grid workers of the ticket's community; other readers get Forbidden.
    """
    text = check_text("text", text, settings.max_text_length, required=True)
    async with platform_tx() as tx:
        found = await access_ticket_in_tx(tx, actor, ticket_id, for_update=True)
        ticket = found.ticket
        if not may_provide_info(actor, ticket):
            raise Forbidden()
        if ticket.status is not TicketStatus.INFO_REQUESTED:
            # routed → acknowledged is a legal move, but not one the community may make.
            raise InfoNotRequested(
                status_zh=ticket.status.label_zh, status_en=ticket.status.label_en.lower()
            )
        change = await move_ticket_in_tx(
            tx, actor, ticket, TicketStatus.ACKNOWLEDGED, EventKind.INFO_PROVIDED, note=text
        )
        return await _answer_in(tx, found, change)


async def _reroute_target_in_tx(
    tx: SanshiTransaction, ticket: TicketRow, reroute_to: str | None
) -> str:
    """The department to re-route to: the named active one, else the county's fallback
    (NoFallbackDepartment when the county has none)."""
    if reroute_to is not None:
        if reroute_to == ticket.department_code:
            raise CannotRerouteToSelf()
        found = is_valid_slug(reroute_to) and reroute_to in await active_department_codes_in(
            tx.connection, ticket.county_code, [reroute_to]
        )
        if not found:
            raise DepartmentNotFound(department=reroute_to)
        return reroute_to
    # As in routing (services.departments.model.route): the fallback office takes the
    # ticket even if marked inactive — a major matter must always reach someone.
    fallback = await fallback_code_in(tx.connection, ticket.county_code)
    if fallback is None:
        raise NoFallbackDepartment()
    if fallback == ticket.department_code:
        raise CannotRerouteToSelf()
    return fallback


async def reject(
    actor: Principal,
    ticket_id: int,
    reason: str,
    settings: Settings,
    *,
    reroute_to: str | None = None,
) -> TicketView:
    """Reject as not this department's (退回), re-routing to ``reroute_to`` or the fallback.

    The old ticket becomes rejected (event ``rejected`` naming where it went); a new
    ticket for the target department is created with a ``rerouted`` event. Both events
    flow back to the community. Returns the rejected ticket. A department that already
    held this matter is refused (TicketAlreadyRouted): no ping-pong.
    """
    reason = check_text("reason", reason, settings.max_note_length)
    if not reason:
        raise ReasonRequired(action_zh="退回工单", action_en="reject a ticket")
    async with platform_tx() as tx:
        found = await access_ticket_in_tx(tx, actor, ticket_id, for_update=True)
        ticket = found.ticket
        _require_officer(actor, ticket)
        # Before looking for a target: a done ticket is refused as such, whatever is named.
        check_ticket_transition(ticket.status, TicketStatus.REJECTED)
        target = await _reroute_target_in_tx(tx, ticket, reroute_to)
        new = await create_rerouted_ticket_in_tx(tx, ticket, target)
        if new is None:
            raise TicketAlreadyRouted(department=target)
        change = await move_ticket_in_tx(
            tx,
            actor,
            ticket,
            TicketStatus.REJECTED,
            EventKind.REJECTED,
            note=reason,
            data={"rerouted_to": target, "new_ticket_id": new.id},
        )
        await record_ticket_event_in_tx(
            tx,
            actor,
            new,
            EventKind.REROUTED,
            note=reason,
            data={"from_ticket_id": ticket.id, "from_department": ticket.department_code},
        )
        return await _answer_in(tx, found, change)


async def supervise(
    actor: Principal, ticket_id: int, note: str, settings: Settings, *, on: bool = True
) -> TicketView:
    """督办: a county administrator of the ticket's county sets (or lifts) the flag.

    Recorded as a ``supervised`` event ({"on": bool}) so the community's copy shows it
    through the flow-back; setting it again records a renewed push. Lifting it is allowed
    on any ticket; setting it on a finished one is refused (TicketClosed).
    """
    note = check_text("note", note, settings.max_note_length)
    async with platform_tx() as tx:
        found = await access_ticket_in_tx(tx, actor, ticket_id, for_update=True)
        ticket = found.ticket
        if not can_manage_county(actor, ticket.county_code):
            raise Forbidden()
        if on and not ticket.is_open:
            raise TicketClosed(
                status_zh=ticket.status.label_zh, status_en=ticket.status.label_en.lower()
            )
        change = await change_ticket_in_tx(
            tx,
            actor,
            ticket,
            EventKind.SUPERVISED,
            {
                "supervised": on,
                "supervised_by": actor.subject if on else None,
                "supervision_note": note if on else "",
            },
            note=note,
            data={"on": on},
        )
        return await _answer_in(tx, found, change)
