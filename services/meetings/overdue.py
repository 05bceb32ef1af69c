"""Deadlines and supervision (督办): the periodic job that marks overdue tickets.

A routed ticket carries two deadlines, set at routing from the county's deadline policy:
``ack_due_at`` (acknowledge, 签收) and ``resolve_due_at`` (resolve, 办结). A commitment date
overrides the resolve deadline: a ticket answered "done by 31 December" is late only after
that day ends (county time). ``mark_overdue(now)`` flags open tickets past a deadline
(``tickets.overdue`` = 'ack' | 'resolve'), records one reminder per ticket and kind (the
reminders' unique key) and a ticket event ``overdue`` that flows back to the community.

It is safe to run twice at once or twice in a row: candidate rows are locked
``FOR UPDATE SKIP LOCKED`` and re-checked against their current flag, so a ticket is marked
(and gets its event) once per change of its overdue state; reminders are
``ON CONFLICT DO NOTHING``. The scheduler (workers/scheduler.py) still runs it from one
process only, so the county's ticket table is not scanned by every worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from services import localtime
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.localtime import OverdueKind
from services.routing.handlers import change_ticket_in_tx
from services.routing.model import EventKind, TicketStatus, overdue_of
from services.routing.queries import overdue_candidates_in
from tenants.tx import platform_tx

BATCH_SIZE = 200


class Deadlined(Protocol):
    """What the job reads of a ticket (a routing ``TicketRow`` has it)."""

    @property
    def status(self) -> str: ...

    @property
    def ack_due_at(self) -> datetime: ...

    @property
    def resolve_due_at(self) -> datetime: ...

    @property
    def commitment_due_on(self) -> date | None: ...

    @property
    def overdue(self) -> str | None: ...


def resolve_deadline(ticket: Deadlined) -> datetime:
    """The resolve deadline in force: the end of the commitment date if there is one."""
    due_on = ticket.commitment_due_on
    return localtime.end_of_day(due_on) if due_on is not None else ticket.resolve_due_at


def kind_to_mark(ticket: Deadlined, now: datetime) -> OverdueKind | None:
    """What to mark now: the lapse if the ticket is not already flagged for it (pure).

    A ticket flagged 'resolve' is never downgraded to 'ack'. Clearing a flag is the
    business of the act that cures it (an answer with a new date, for instance), not of
    this job, so a ticket's history of lateness is not rewritten by a timer. The lapse
    itself is ``routing.model.overdue_of`` against the resolve deadline in force.
    """
    kind = overdue_of(TicketStatus(ticket.status), ticket.ack_due_at, resolve_deadline(ticket), now)
    current = ticket.overdue
    if kind is None or kind.value == current:
        return None
    if kind is OverdueKind.ACK and current == OverdueKind.RESOLVE.value:
        return None
    return kind


def overdue_actor(county: str) -> Principal:
    """Who marks a ticket overdue in events: the system's supervision timer, for the county."""
    return Principal(
        "system:overdue", frozenset({Role.COUNTY_ADMIN}), Scope(ScopeKind.COUNTY, county)
    )


@dataclass
class OverdueRun:
    """What one run of the job marked."""

    ack: list[int] = field(default_factory=list)  # ticket ids newly late for acknowledging
    resolve: list[int] = field(default_factory=list)  # ... for resolving

    @property
    def marked(self) -> int:
        return len(self.ack) + len(self.resolve)


def _note(kind: OverdueKind, due: datetime) -> str:
    local = due.astimezone(localtime.TIME_ZONE).strftime("%Y-%m-%d %H:%M")
    if kind is OverdueKind.ACK:
        return f"超过签收期限（{local}）仍未签收 / Not acknowledged by the deadline ({local})"
    return f"超过办结期限（{local}）仍未办结 / Not resolved by the deadline ({local})"


async def mark_overdue(now: datetime | None = None, *, batch_size: int = BATCH_SIZE) -> OverdueRun:
    """Flag every open ticket past a deadline at ``now``; one platform transaction per batch.

    Returns the ids marked in this run (a second run at the same ``now`` marks none).
    """
    now = now or localtime.now()
    run = OverdueRun()
    last_id = 0
    while True:
        async with platform_tx() as tx:
            rows = await overdue_candidates_in(
                tx.connection, now, after_id=last_id, limit=batch_size
            )
            for ticket in rows:
                kind = kind_to_mark(ticket, now)
                if kind is None:
                    continue
                await tx.connection.execute(
                    "INSERT INTO platform.reminders (ticket_id, kind, at) VALUES ($1, $2, $3) "
                    "ON CONFLICT (ticket_id, kind) DO NOTHING",
                    ticket.id,
                    kind.reminder_kind,
                    now,
                )
                due = ticket.ack_due_at if kind is OverdueKind.ACK else resolve_deadline(ticket)
                await change_ticket_in_tx(
                    tx,
                    overdue_actor(ticket.county_code),
                    ticket,
                    EventKind.OVERDUE,
                    {"overdue": kind.value},
                    note=_note(kind, due),
                    data={"overdue": kind.value, "due_at": due.isoformat()},
                )
                (run.ack if kind is OverdueKind.ACK else run.resolve).append(ticket.id)
        if len(rows) < batch_size:
            return run
        last_id = rows[-1].id
