"""Use cases of the routing context: dispatch of major matters (大事) to county departments,
the ticket-moving functions other contexts build on, and the flow back to the community.

Public handlers are one transaction each; the ``*_in_tx`` functions run in a transaction
the caller holds (the inbox's and the joint meetings' acts move tickets inside theirs).
Every change of a ticket is a ticket event whose ``department.event`` outbox row is written
in the same transaction: the flow-back actor carries it to the community's matter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec

from services import localtime
from services.auth.model import Principal
from services.departments.model import NoFallbackDepartment, RouteDecision, deadlines_for, route
from services.departments.queries import (
    county_calendar_in,
    county_routing_in,
    department_names_in,
)
from services.errors import CommunityNotFound
from services.grids.queries import grid_by_id_in
from services.households.model import Circumstance
from services.households.queries import households_by_id_in
from services.matters.handlers import transition_in_tx
from services.matters.model import MatterStatus, allowed_targets
from services.matters.queries import matter_by_id_in, matter_for_routing_in
from services.routing.deadletters import PoisonMessage
from services.routing.model import (
    EventKind,
    TicketStatus,
    check_ticket_transition,
    event_actor,
    event_label,
    matter_steps,
    routing_actor,
)
from services.routing.queries import (
    TICKET_COLUMN_NAMES,
    TICKET_COLUMNS,
    TicketEventRow,
    TicketRow,
    department_event_in,
    event_of,
    ticket_of,
    tickets_of_matter_in,
)
from services.routing.tables import TicketEvent
from tenants import provisioning
from tenants.db import SanshiTransaction
from tenants.tx import platform_tx, tenant_tx
from workers import outbox, registry

DEPARTMENT_EVENT_TOPIC = "department.event"
# The flow-back actor writes each ticket event into the community's matter history.
registry.topic(DEPARTMENT_EVENT_TOPIC, "routing.apply_department_event")

_TICKET_COLUMN_SET = frozenset(TICKET_COLUMN_NAMES)


class TicketChange(msgspec.Struct, frozen=True):
    """A ticket after an act, and the event that recorded it."""

    ticket: TicketRow
    event: TicketEventRow


# ==========================================================================================
# Moving tickets: the building blocks of every department act
# ==========================================================================================
async def record_ticket_event_in_tx(
    tx: SanshiTransaction,
    actor: Principal,
    ticket: TicketRow,
    kind: EventKind,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> TicketEventRow:
    """Append an event to ``ticket`` and queue its flow back to the community (same tx).

    Runs in a platform transaction (tickets live in the platform schema); the outbox row
    names the ticket's community, and the flow-back actor applies it there idempotently
    (one department_updates row per event id).
    """
    event = (
        await TicketEvent.insert(
            TicketEvent(
                ticket_id=ticket.id,
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
        tx, DEPARTMENT_EVENT_TOPIC, {"event_id": event["id"]}, community=ticket.community_slug
    )
    return event_of(event)


async def _update_in_tx(tx: SanshiTransaction, ticket_id: int, sets: dict[str, Any]) -> TicketRow:
    """Set ``sets`` (ticket columns only) and ``updated_at`` on the ticket; the new row."""
    unknown = set(sets) - _TICKET_COLUMN_SET
    if unknown:  # column names go into SQL: only the table's own, never input
        raise ValueError(f"not ticket columns: {sorted(unknown)}")
    assignments = ", ".join(f"{col} = ${i}" for i, col in enumerate(sets, start=2))
    record = await tx.connection.fetchrow(
        f"UPDATE platform.tickets SET {assignments}, updated_at = now() WHERE id = $1 "
        f"RETURNING {TICKET_COLUMNS}",
        ticket_id,
        *sets.values(),
    )
    return ticket_of(record)


async def move_ticket_in_tx(
    tx: SanshiTransaction,
    actor: Principal,
    ticket: TicketRow,
    target: TicketStatus,
    kind: EventKind,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> TicketChange:
    """Change a ticket's status (lifecycle-checked), apply ``changes``, record the event.

    IllegalTicketTransition (a typed error) before anything is written.
    """
    check_ticket_transition(ticket.status, target)
    updated = await _update_in_tx(tx, ticket.id, {"status": target.value, **(changes or {})})
    event = await record_ticket_event_in_tx(tx, actor, updated, kind, note=note, data=data)
    return TicketChange(updated, event)


async def change_ticket_in_tx(
    tx: SanshiTransaction,
    actor: Principal,
    ticket: TicketRow,
    kind: EventKind,
    changes: dict[str, Any],
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> TicketChange:
    """Change a ticket without moving its status (supervision, an overdue mark) and record
    the event, which flows back like any other."""
    updated = await _update_in_tx(tx, ticket.id, changes)
    event = await record_ticket_event_in_tx(tx, actor, updated, kind, note=note, data=data)
    return TicketChange(updated, event)


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


async def create_rerouted_ticket_in_tx(
    tx: SanshiTransaction, old: TicketRow, department: str
) -> TicketRow | None:
    """A new routed ticket for ``department`` replacing ``old``: the same matter and
    classification, fresh deadlines of the same lengths as the old ticket's (the new
    department gets the full time it would have had), supervision carried over,
    ``rerouted_from`` set. No event: the caller records why.

    None when ``department`` already held this matter: the unique key (community, matter,
    sheet version, department) refuses it — no ping-pong.
    """
    now = localtime.now()
    zero = timedelta(0)
    ack_due = now + max(old.ack_due_at - old.created_at, zero)
    resolve_due = now + max(old.resolve_due_at - old.created_at, zero)
    values: list[Any] = [getattr(old, c) for c in _COPIED]
    values[_COPIED.index("circumstances")] = (
        None if old.circumstances is None else json.dumps(old.circumstances, ensure_ascii=False)
    )
    cols = [*_COPIED, "department_code", "status", "ack_due_at", "resolve_due_at", "rerouted_from"]
    values += [department, TicketStatus.ROUTED.value, ack_due, resolve_due, old.id]
    placeholders = ", ".join(
        f"${i}::jsonb" if c == "circumstances" else f"${i}" for i, c in enumerate(cols, start=1)
    )
    record = await tx.connection.fetchrow(
        f"INSERT INTO platform.tickets ({', '.join(cols)}) VALUES ({placeholders}) "
        "ON CONFLICT (community_slug, matter_id, sheet_version, department_code) DO NOTHING "
        f"RETURNING {TICKET_COLUMNS}",
        *values,
    )
    return None if record is None else ticket_of(record)


# ==========================================================================================
# Routing a major matter (大事) to its departments: the use case behind the actor
# ==========================================================================================
# Department-facing copy of a matter: never resident names, phones or ID numbers; the
# household's address and circumstances only where the rule says the department needs them.


@dataclass(frozen=True)
class MatterSnapshot:
    """What routing reads of a matter in its community (one tenant transaction)."""

    community: str
    county: str
    matter_id: int
    sheet_version: int
    number: str
    title: str
    description: str
    category: str
    place: str
    grid_code: str | None
    grid_name: str
    household_address: str
    circumstances: tuple[str, ...]


@dataclass(frozen=True)
class RoutingOutcome:
    """What one run of route_major_matter did: tickets it created, tickets already there."""

    created: tuple[TicketRow, ...]
    existing: tuple[str, ...]
    decision: RouteDecision | None


_FINISHED_MATTER = frozenset({"withdrawn", "resolved", "closed"})


async def read_matter_for_routing(
    community: str, matter_id: int, sheet_version: int
) -> MatterSnapshot:
    """The matter as routing needs it, or PoisonMessage when it can never be routed.

    Poison: the community is gone or archived; the matter is missing, withdrawn, already
    resolved or closed; ``sheet_version`` is not the matter's current classification, or
    the matter is no longer major. Each is a state, not a failure: retrying cannot help.
    The matter, its grid and its household are read through their contexts' queries, in
    one tenant transaction.
    """
    try:
        info = await provisioning.get_community(community)
    except CommunityNotFound:
        raise PoisonMessage("community gone", f"community {community!r} does not exist") from None
    if info.status == "archived":
        raise PoisonMessage("community archived", f"community {community!r} is archived")
    async with tenant_tx(community) as tx:
        conn = tx.connection
        matter = await matter_for_routing_in(conn, matter_id)
        if matter is None:
            raise PoisonMessage("matter not found", f"{community}/{matter_id}")
        if matter.status in _FINISHED_MATTER:
            raise PoisonMessage(f"matter {matter.status}", f"{community}/{matter_id}")
        if matter.sheet_version != sheet_version or matter.kind != "major":
            now = (
                "none"
                if matter.sheet_version is None
                else f"v{matter.sheet_version} {matter.sheet_kind}"
            )
            raise PoisonMessage(
                "matter no longer major",
                f"{community}/{matter_id}: message for sheet v{sheet_version}, current {now}",
            )
        grid = await grid_by_id_in(conn, matter.grid_id)
        households = await households_by_id_in(conn, [matter.household_id])
    household = households.get(matter.household_id)
    return MatterSnapshot(
        community=community,
        county=info.county_code,
        matter_id=matter_id,
        sheet_version=sheet_version,
        number=matter.number,
        title=matter.title,
        description=matter.description,
        category=matter.category,
        place=matter.place,
        grid_code=grid.code if grid else None,
        grid_name=grid.name if grid else "",
        household_address=household.address if household else "",
        circumstances=tuple(
            c.value for c in Circumstance if household and getattr(household, c.value)
        ),
    )


async def create_tickets(
    snapshot: MatterSnapshot, *, now: datetime | None = None
) -> RoutingOutcome:
    """Create one ticket per target department in ONE platform transaction (idempotent).

    The key is (community, matter, sheet version, department): a message seen again —
    redelivered, re-published, re-driven — finds its tickets and creates nothing, even if
    the rules changed in between. An advisory lock on the key serialises two copies that
    race; ``ON CONFLICT DO NOTHING`` is the last guard. A department that still has an
    open ticket for this matter from an earlier classification is not given a second one.
    Each new ticket gets a ``routed`` event, whose outbox row carries it back to the
    community (``apply_department_event``). The county's rules, deadlines and calendar
    are the departments context's, read in this transaction.
    """
    s = snapshot
    now = now or localtime.now()
    async with platform_tx() as tx:
        conn = tx.connection
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            f"route:{s.community}:{s.matter_id}:{s.sheet_version}",
        )
        existing = await tickets_of_matter_in(
            conn, s.community, s.matter_id, sheet_version=s.sheet_version
        )
        if existing:
            return RoutingOutcome((), tuple(t.department_code for t in existing), None)
        county = await county_routing_in(conn, s.county)
        try:
            decision = route(s.category, s.community, s.grid_code, county.rules, county.departments)
        except NoFallbackDepartment as err:
            raise PoisonMessage(
                "county has no departments",
                f"county {s.county!r}: {err.message_en} (sanshi departments install-defaults)",
            ) from None
        still_open = {
            t.department_code
            for t in await tickets_of_matter_in(conn, s.community, s.matter_id, open_only=True)
        }
        calendar = await county_calendar_in(conn, s.county, since=now.date() - timedelta(days=1))
        deadlines = deadlines_for(s.category, county.policies, start=now, calendar=calendar)
        names = {d.code: d for d in county.departments}
        actor = routing_actor(s.county)
        created: list[TicketRow] = []
        for code in decision.department_codes:
            if code in still_open:
                continue
            record = await conn.fetchrow(
                "INSERT INTO platform.tickets (county_code, department_code, community_slug, "
                "matter_id, sheet_version, matter_number, title, description, category, place, "
                "grid_name, household_address, circumstances, ack_due_at, resolve_due_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15) "
                "ON CONFLICT (community_slug, matter_id, sheet_version, department_code) "
                f"DO NOTHING RETURNING {TICKET_COLUMNS}",
                s.county,
                code,
                s.community,
                s.matter_id,
                s.sheet_version,
                s.number,
                s.title,
                s.description,
                s.category,
                s.place,
                s.grid_name,
                s.household_address if decision.include_address else None,
                json.dumps(list(s.circumstances)) if decision.include_circumstances else None,
                deadlines.ack_due_at,
                deadlines.resolve_due_at,
            )
            if record is None:  # a concurrent copy got there first (lock makes this rare)
                continue
            ticket = ticket_of(record)
            dept = names[code]
            await record_ticket_event_in_tx(
                tx,
                actor,
                ticket,
                EventKind.ROUTED,
                note=f"转办至{dept.name_zh} / Routed to {dept.name_en}",
                data={
                    "rule_id": decision.rule_id,
                    "fallback": decision.fallback,
                    "sheet_version": s.sheet_version,
                    "ack_due_at": deadlines.ack_due_at.isoformat(),
                    "resolve_due_at": deadlines.resolve_due_at.isoformat(),
                },
            )
            created.append(ticket)
    return RoutingOutcome(tuple(created), (), decision)


async def route_major_matter(community: str, matter_id: int, sheet_version: int) -> RoutingOutcome:
    """Route a major matter to its county departments: read it in its community's
    transaction, then create its tickets in one platform transaction (idempotent).

    Two transactions, each on one side: the community's data is only read here (the
    community's copy is written by ``apply_department_event`` from the ``routed``
    events), so no transaction ever spans a tenant schema and the platform schema.
    PoisonMessage when the matter can never be routed (see ``read_matter_for_routing``).
    """
    snapshot = await read_matter_for_routing(community, matter_id, sheet_version)
    return await create_tickets(snapshot)


_CANCEL_NOTES = {
    "withdrawn": ("事项已撤回，工单撤销", "The matter was withdrawn; ticket cancelled"),
    "reclassified": (
        "事项已不再是大事，工单撤销",
        "The matter is no longer a major matter; ticket cancelled",
    ),
}


async def cancel_matter_tickets(community: str, matter_id: int, reason: str) -> int:
    """Cancel the open tickets of a matter withdrawn or no longer major; returns how many.

    One platform transaction; each cancelled ticket gets a ``cancelled`` event (which flows
    back to the community's copy). Idempotent: a redelivered message finds nothing open.
    """
    note = _CANCEL_NOTES.get(reason, ("工单撤销", "Ticket cancelled"))
    async with platform_tx() as tx:
        tickets = await tickets_of_matter_in(
            tx.connection, community, matter_id, open_only=True, for_update=True
        )
        for ticket in tickets:
            await move_ticket_in_tx(
                tx,
                routing_actor(ticket.county_code),
                ticket,
                TicketStatus.CANCELLED,
                EventKind.CANCELLED,
                note=f"{note[0]} / {note[1]}",
                data={"reason": reason},
            )
    return len(tickets)


# ==========================================================================================
# The flow back: a department act reaches the community's matter
# ==========================================================================================
async def apply_department_event(community: str, event_id: int) -> bool:
    """Write ticket event ``event_id`` into its community; True if it was new there.

    One platform read, then ONE tenant transaction: a ``department_updates`` row (the
    event id is its key, so a redelivered event is recognised and changes nothing), the
    ``matter_routes`` copy of the ticket (only moved forward: an older event applied late
    never overwrites a newer state), and the matter status effects decided by
    ``model.matter_steps`` (first department act → in progress; the last open ticket done
    → resolved), recorded in the matter history as the department officer who acted. The
    matter is locked and moved through the matters context's own functions.
    """
    async with platform_tx() as tx:
        found = await department_event_in(tx.connection, event_id)
        if found is None:
            raise PoisonMessage("ticket event not found", f"event {event_id}")
        ticket = found.ticket
        if ticket.community_slug != community:
            raise PoisonMessage(
                "event of another community", f"event {event_id} is {ticket.community_slug!r}'s"
            )
        names = await department_names_in(
            tx.connection, [(ticket.county_code, ticket.department_code)]
        )
    name = names.get((ticket.county_code, ticket.department_code))
    name_zh = (name.name_zh if name else None) or ticket.department_code
    name_en = (name.name_en if name else None) or ticket.department_code
    event = found.event
    try:
        info = await provisioning.get_community(community)
    except CommunityNotFound:
        raise PoisonMessage("community gone", f"community {community!r} does not exist") from None
    async with tenant_tx(community) as tx:
        conn = tx.connection
        # Lock the matter first: both inserts below take a FOR KEY SHARE lock on it through
        # their foreign keys, so two events of one matter applied at once would each hold
        # that and then deadlock upgrading to FOR UPDATE. Locked first, they queue instead.
        matter = await matter_by_id_in(conn, ticket.matter_id, for_update=True)
        inserted = await conn.fetchval(
            "INSERT INTO department_updates (event_id, ticket_id, matter_id, department_code, "
            "kind, actor, note, data, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9) "
            "ON CONFLICT (event_id) DO NOTHING RETURNING true",
            event_id,
            ticket.id,
            ticket.matter_id,
            ticket.department_code,
            event.kind,
            event.actor,
            event.note,
            json.dumps(event.data),
            event.at,
        )
        await conn.execute(
            "INSERT INTO matter_routes (ticket_id, matter_id, department_code, department_name_zh, "
            "department_name_en, status, commitment, commitment_due_on, resolve_due_at, overdue, "
            "supervised, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
            "ON CONFLICT (ticket_id) DO UPDATE SET status = EXCLUDED.status, "
            "department_code = EXCLUDED.department_code, "
            "department_name_zh = EXCLUDED.department_name_zh, "
            "department_name_en = EXCLUDED.department_name_en, "
            "commitment = EXCLUDED.commitment, commitment_due_on = EXCLUDED.commitment_due_on, "
            "resolve_due_at = EXCLUDED.resolve_due_at, overdue = EXCLUDED.overdue, "
            "supervised = EXCLUDED.supervised, updated_at = EXCLUDED.updated_at "
            "WHERE matter_routes.updated_at <= EXCLUDED.updated_at",
            ticket.id,
            ticket.matter_id,
            ticket.department_code,
            name_zh,
            name_en,
            ticket.status.value,
            ticket.commitment,
            ticket.commitment_due_on,
            ticket.resolve_due_at,
            None if ticket.overdue is None else ticket.overdue.value,
            ticket.supervised,
            ticket.updated_at,
        )
        if not inserted:
            return False
        if info.status == "archived":  # the record is kept; an archived matter does not move
            return True
        if matter is None:
            return True
        current = matter
        steps = matter_steps(current.status, current.kind, event.kind, found.matter_statuses)
        if steps:
            actor = event_actor(
                event.actor,
                event.actor_role,
                county=ticket.county_code,
                department=ticket.department_code,
                community=community,
            )
            label_zh, label_en = event_label(event.kind)
            reason = f"{name_zh}{label_zh} / {name_en}: {label_en}"
            for step in steps:
                target = MatterStatus(step)
                if target not in allowed_targets(MatterStatus(current.status)):
                    break  # matter_steps only proposes allowed moves; never raise here
                current = await transition_in_tx(tx, actor, current, target, reason=reason)
    return True
