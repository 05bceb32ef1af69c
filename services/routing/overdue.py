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

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services import localtime
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.routing.handlers import TICKET_COLUMNS, record_ticket_event_in_tx
from services.routing.model import EventKind, OverdueKind, TicketStatus
from tenants.tx import platform_tx

BATCH_SIZE = 200


def resolve_deadline(ticket: Mapping[str, Any]) -> datetime:
    """The resolve deadline in force: the end of the commitment date if there is one."""
    due_on = ticket.get("commitment_due_on")
    return localtime.end_of_day(due_on) if due_on is not None else ticket["resolve_due_at"]


def kind_to_mark(ticket: Mapping[str, Any], now: datetime) -> OverdueKind | None:
    """What to mark now: the lapse if the ticket is not already flagged for it (pure).

    A ticket flagged 'resolve' is never downgraded to 'ack'. Clearing a flag is the
    business of the act that cures it (an answer with a new date, for instance), not of
    this job, so a ticket's history of lateness is not rewritten by a timer. The lapse
    itself is ``localtime.overdue_kind`` against the resolve deadline in force.
    """
    kind = localtime.overdue_kind(
        TicketStatus(ticket["status"]), ticket["ack_due_at"], resolve_deadline(ticket), now
    )
    current = ticket.get("overdue")
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


# Candidates, in the database's words; kind_to_mark decides per row. The status list is
# spelled as in the partial index tickets_open_due so the planner can use it.
_CANDIDATES = f"""
SELECT {TICKET_COLUMNS} FROM platform.tickets
WHERE status NOT IN ('done', 'rejected', 'cancelled')
  AND id > $2
  AND (
    (status = 'routed' AND ack_due_at < $1 AND overdue IS NULL)
    OR (coalesce((commitment_due_on + 1)::timestamp AT TIME ZONE '{localtime.TIME_ZONE_NAME}',
                 resolve_due_at) < $1
        AND overdue IS DISTINCT FROM 'resolve')
  )
ORDER BY id
LIMIT $3
FOR UPDATE SKIP LOCKED
"""


async def mark_overdue(now: datetime | None = None, *, batch_size: int = BATCH_SIZE) -> OverdueRun:
    """Flag every open ticket past a deadline at ``now``; one platform transaction per batch.

    Returns the ids marked in this run (a second run at the same ``now`` marks none).
    """
    now = now or localtime.now()
    run = OverdueRun()
    last_id = 0
    while True:
        async with platform_tx() as tx:
            rows = await tx.connection.fetch(_CANDIDATES, now, last_id, batch_size)
            for row in rows:
                ticket = dict(row)
                kind = kind_to_mark(ticket, now)
                if kind is None:
                    continue
                updated = dict(
                    await tx.connection.fetchrow(
                        "UPDATE platform.tickets SET overdue = $2, updated_at = now() "
                        f"WHERE id = $1 RETURNING {TICKET_COLUMNS}",
                        ticket["id"],
                        kind.value,
                    )
                )
                await tx.connection.execute(
                    "INSERT INTO platform.reminders (ticket_id, kind, at) VALUES ($1, $2, $3) "
                    "ON CONFLICT (ticket_id, kind) DO NOTHING",
                    ticket["id"],
                    kind.reminder_kind,
                    now,
                )
                due = ticket["ack_due_at"] if kind is OverdueKind.ACK else resolve_deadline(ticket)
                await record_ticket_event_in_tx(
                    tx,
                    overdue_actor(ticket["county_code"]),
                    updated,
                    EventKind.OVERDUE,
                    note=_note(kind, due),
                    data={"overdue": kind.value, "due_at": due.isoformat()},
                )
                (run.ack if kind is OverdueKind.ACK else run.resolve).append(ticket["id"])
        if len(rows) < batch_size:
            return run
        last_id = rows[-1]["id"]
