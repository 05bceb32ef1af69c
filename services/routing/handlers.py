"""Use cases of the routing context. Public handlers are one transaction each; the
``*_in_tx`` functions run in a transaction the caller holds."""

from __future__ import annotations

from typing import Any

from services.auth.model import Principal
from services.routing.model import EventKind, TicketStatus, check_ticket_transition
from services.routing.tables import Ticket, TicketEvent
from tenants.db import SanshiTransaction
from workers import outbox, registry

DEPARTMENT_EVENT_TOPIC = "department.event"
# The flow-back actor writes each ticket event into the community's matter history.
registry.topic(DEPARTMENT_EVENT_TOPIC, "routing.apply_department_event")

_TICKET_COLUMN_NAMES = frozenset(c._meta.db_column_name for c in Ticket.all_columns())
TICKET_COLUMNS = ", ".join(c._meta.db_column_name for c in Ticket.all_columns())


async def record_ticket_event_in_tx(
    tx: SanshiTransaction,
    actor: Principal,
    ticket: dict[str, Any],
    kind: EventKind,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Append an event to ``ticket`` and queue its flow back to the community (same tx).

    Runs in a platform transaction (tickets live in the platform schema); the outbox row
    names the ticket's community, and the flow-back actor applies it there idempotently
    (one department_updates row per event id).
    """
    event = (
        await TicketEvent.insert(
            TicketEvent(
                ticket_id=ticket["id"],
                kind=kind.value,
                actor=actor.subject,
                actor_role=actor.primary_role.value,
                note=note.strip(),
                data=data or {},
            )
        )
        .returning(*TicketEvent.all_columns())
        .run()
    )[0]
    await outbox.enqueue(
        tx,
        DEPARTMENT_EVENT_TOPIC,
        {"event_id": event["id"]},
        community=ticket["community_slug"],
    )
    return event


async def move_ticket_in_tx(
    tx: SanshiTransaction,
    actor: Principal,
    ticket: dict[str, Any],
    target: TicketStatus,
    kind: EventKind,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Change a ticket's status (lifecycle-checked), apply ``changes``, record the event.

    Returns the updated ticket row. IllegalTicketTransition is a typed error.
    """
    check_ticket_transition(TicketStatus(ticket["status"]), target)
    sets = {"status": target.value, **(changes or {})}
    unknown = set(sets) - _TICKET_COLUMN_NAMES
    if unknown:  # column names go into SQL: only the table's own, never input
        raise ValueError(f"not ticket columns: {sorted(unknown)}")
    assignments = ", ".join(f"{col} = ${i}" for i, col in enumerate(sets, start=2))
    row = await tx.connection.fetchrow(
        f"UPDATE platform.tickets SET {assignments}, updated_at = now() WHERE id = $1 "
        f"RETURNING {TICKET_COLUMNS}",
        ticket["id"],
        *sets.values(),
    )
    updated = dict(row)
    await record_ticket_event_in_tx(tx, actor, updated, kind, note=note, data=data)
    return updated
