"""Use cases of the routing context. Public handlers are one transaction each; the
``*_in_tx`` functions run in a transaction the caller holds."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from services import audit, localtime
from services.auth.model import ROLE_SCOPE, Principal, Role, Scope, ScopeKind, in_county
from services.errors import (
    CommunityNotFound,
    CountyNotFound,
    Forbidden,
    InvalidInput,
    InvalidSlug,
    SanshiError,
    TextTooLong,
)
from services.matters.handlers import MATTER_COLUMNS, transition_in_tx
from services.matters.model import MatterStatus, allowed_targets
from services.routing.deadletters import PoisonMessage
from services.routing.model import (
    OPEN_STATUSES,
    EventKind,
    TicketStatus,
    check_ticket_transition,
)
from services.routing.rules import (
    ANY_CATEGORY,
    DayKind,
    DeadlinePolicy,
    DepartmentInfo,
    NoFallbackDepartment,
    RouteDecision,
    Rule,
    WorkCalendar,
    check_deadline_policy,
    deadlines_for,
    matter_steps,
    route,
)
from services.routing.tables import Ticket, TicketEvent
from services.settings import Settings, get_settings
from tenants import provisioning
from tenants.db import SanshiTransaction
from tenants.tx import platform_tx, tenant_tx
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

    created: tuple[dict[str, Any], ...]
    existing: tuple[str, ...]
    decision: RouteDecision | None


def routing_actor(county: str) -> Principal:
    """Who routing acts as in events and audit: the system, for this county."""
    return Principal(
        "system:routing", frozenset({Role.COUNTY_ADMIN}), Scope(ScopeKind.COUNTY, county)
    )


async def read_matter_for_routing(
    community: str, matter_id: int, sheet_version: int
) -> MatterSnapshot:
    """The matter as routing needs it, or PoisonMessage when it can never be routed.

    Poison: the community is gone or archived; the matter is missing, withdrawn, already
    resolved or closed; ``sheet_version`` is not the matter's current classification, or
    the matter is no longer major. Each is a state, not a failure: retrying cannot help.
    """
    try:
        info = await provisioning.get_community(community)
    except CommunityNotFound:
        raise PoisonMessage("community gone", f"community {community!r} does not exist") from None
    if info.status == "archived":
        raise PoisonMessage("community archived", f"community {community!r} is archived")
    async with tenant_tx(community) as tx:
        conn = tx.connection
        matter = await conn.fetchrow(
            "SELECT id, number, title, description, category, place, status, kind, grid_id, "
            "household_id FROM matters WHERE id = $1",
            matter_id,
        )
        if matter is None:
            raise PoisonMessage("matter not found", f"{community}/{matter_id}")
        if matter["status"] in _FINISHED_MATTER:
            raise PoisonMessage(f"matter {matter['status']}", f"{community}/{matter_id}")
        current = await conn.fetchrow(
            "SELECT version, kind FROM classification_sheets WHERE matter_id = $1 "
            "ORDER BY version DESC LIMIT 1",
            matter_id,
        )
        if current is None or current["version"] != sheet_version or matter["kind"] != "major":
            now = "none" if current is None else f"v{current['version']} {current['kind']}"
            raise PoisonMessage(
                "matter no longer major",
                f"{community}/{matter_id}: message for sheet v{sheet_version}, current {now}",
            )
        grid = await conn.fetchrow("SELECT code, name FROM grids WHERE id = $1", matter["grid_id"])
        household = await conn.fetchrow(
            f"SELECT address, {', '.join(CIRCUMSTANCE_COLUMNS)} FROM households WHERE id = $1",
            matter["household_id"],
        )
    return MatterSnapshot(
        community=community,
        county=info.county_code,
        matter_id=matter_id,
        sheet_version=sheet_version,
        number=matter["number"],
        title=matter["title"],
        description=matter["description"],
        category=matter["category"],
        place=matter["place"],
        grid_code=grid["code"] if grid else None,
        grid_name=grid["name"] if grid else "",
        household_address=household["address"] if household else "",
        circumstances=tuple(c for c in CIRCUMSTANCE_COLUMNS if household and household[c]),
    )


_FINISHED_MATTER = frozenset({"withdrawn", "resolved", "closed"})
CIRCUMSTANCE_COLUMNS = (
    "elderly_living_alone",
    "elderly_without_family",
    "disability",
    "subsistence_allowance",
    "renting",
)


async def county_routing_data(
    tx: SanshiTransaction, county: str
) -> tuple[list[DepartmentInfo], list[Rule], list[DeadlinePolicy]]:
    """The county's departments, active rules and deadline policies as value objects."""
    conn = tx.connection
    departments = [
        DepartmentInfo(r["code"], r["name_zh"], r["name_en"], r["active"], r["is_fallback"])
        for r in await conn.fetch(
            "SELECT code, name_zh, name_en, active, is_fallback FROM platform.departments "
            "WHERE county_code = $1 ORDER BY code",
            county,
        )
    ]
    rules = [
        rule_of(r)
        for r in await conn.fetch(
            f"SELECT {RULE_COLUMNS} FROM platform.routing_rules "
            "WHERE county_code = $1 AND active ORDER BY id",
            county,
        )
    ]
    policies = [
        DeadlinePolicy(r["category"], r["ack_working_days"], r["resolve_working_days"])
        for r in await conn.fetch(
            "SELECT category, ack_working_days, resolve_working_days "
            "FROM platform.deadline_policies WHERE county_code = $1",
            county,
        )
    ]
    return departments, rules, policies


async def county_calendar(tx: SanshiTransaction, county: str, *, since: date) -> WorkCalendar:
    """The county's calendar days from ``since`` on (the past does not move deadlines)."""
    rows = await tx.connection.fetch(
        "SELECT day, kind FROM platform.county_calendar WHERE county_code = $1 AND day >= $2",
        county,
        since,
    )
    return WorkCalendar.of((r["day"], r["kind"]) for r in rows)


RULE_COLUMNS = (
    "id, county_code, category, community_slug, grid_code, department_codes, "
    "include_address, include_circumstances, active"
)


def rule_of(r: Any) -> Rule:
    """A stored routing rule as the pure model's value object."""
    return Rule(
        id=r["id"],
        category=r["category"],
        department_codes=tuple(r["department_codes"]),
        community_slug=r["community_slug"],
        grid_code=r["grid_code"],
        include_address=r["include_address"],
        include_circumstances=r["include_circumstances"],
        active=r["active"],
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
    community (``apply_department_event``).
    """
    s = snapshot
    now = now or localtime.now()
    async with platform_tx() as tx:
        conn = tx.connection
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            f"route:{s.community}:{s.matter_id}:{s.sheet_version}",
        )
        existing = await conn.fetch(
            "SELECT department_code FROM platform.tickets WHERE community_slug = $1 "
            "AND matter_id = $2 AND sheet_version = $3",
            s.community,
            s.matter_id,
            s.sheet_version,
        )
        if existing:
            return RoutingOutcome((), tuple(r["department_code"] for r in existing), None)
        departments, rules, policies = await county_routing_data(tx, s.county)
        try:
            decision = route(s.category, s.community, s.grid_code, rules, departments)
        except NoFallbackDepartment as err:
            raise PoisonMessage(
                "county has no departments",
                f"county {s.county!r}: {err.message_en} (sanshi departments install-defaults)",
            ) from None
        still_open = {
            r["department_code"]
            for r in await conn.fetch(
                "SELECT department_code FROM platform.tickets WHERE community_slug = $1 "
                "AND matter_id = $2 AND status = ANY($3::text[])",
                s.community,
                s.matter_id,
                [st.value for st in OPEN_STATUSES],
            )
        }
        calendar = await county_calendar(tx, s.county, since=now.date() - timedelta(days=1))
        deadlines = deadlines_for(s.category, policies, start=now, calendar=calendar)
        names = {d.code: d for d in departments}
        actor = routing_actor(s.county)
        created: list[dict[str, Any]] = []
        for code in decision.department_codes:
            if code in still_open:
                continue
            row = await conn.fetchrow(
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
            if row is None:  # a concurrent copy got there first (lock makes this rare)
                continue
            ticket = dict(row)
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


async def cancel_matter_tickets(community: str, matter_id: int, reason: str) -> int:
    """Cancel the open tickets of a matter withdrawn or no longer major; returns how many.

    One platform transaction; each cancelled ticket gets a ``cancelled`` event (which flows
    back to the community's copy). Idempotent: a redelivered message finds nothing open.
    """
    note = {
        "withdrawn": ("事项已撤回，工单撤销", "The matter was withdrawn; ticket cancelled"),
        "reclassified": (
            "事项已不再是大事，工单撤销",
            "The matter is no longer a major matter; ticket cancelled",
        ),
    }.get(reason, ("工单撤销", "Ticket cancelled"))
    cancelled = 0
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            f"SELECT {TICKET_COLUMNS} FROM platform.tickets WHERE community_slug = $1 "
            "AND matter_id = $2 AND status = ANY($3::text[]) ORDER BY id FOR UPDATE",
            community,
            matter_id,
            [st.value for st in OPEN_STATUSES],
        )
        for row in rows:
            ticket = dict(row)
            await move_ticket_in_tx(
                tx,
                routing_actor(ticket["county_code"]),
                ticket,
                TicketStatus.CANCELLED,
                EventKind.CANCELLED,
                note=f"{note[0]} / {note[1]}",
                data={"reason": reason},
            )
            cancelled += 1
    return cancelled


# ==========================================================================================
# The flow back: a department act reaches the community's matter
# ==========================================================================================
_EVENT_SELECT = f"""
SELECT e.id AS event_id, e.kind, e.actor, e.actor_role, e.note, e.data, e.at,
       {", ".join("t." + c for c in TICKET_COLUMNS.split(", "))},
       d.name_zh AS department_name_zh, d.name_en AS department_name_en
FROM platform.ticket_events e
JOIN platform.tickets t ON t.id = e.ticket_id
LEFT JOIN platform.departments d ON d.county_code = t.county_code AND d.code = t.department_code
WHERE e.id = $1
"""


def event_actor(row: dict[str, Any]) -> Principal:
    """The principal a department event acted as: its subject and role, scoped like it."""
    try:
        role = Role(row["actor_role"])
    except ValueError:
        role = Role.DEPARTMENT_OFFICER
    county = row["county_code"]
    if ROLE_SCOPE[role] is ScopeKind.DEPARTMENT:
        scope = Scope(ScopeKind.DEPARTMENT, row["department_code"], county)
    elif ROLE_SCOPE[role] is ScopeKind.COUNTY:
        scope = Scope(ScopeKind.COUNTY, county)
    else:
        scope = Scope(ScopeKind.COMMUNITY, row["community_slug"])
    return Principal(row["actor"], frozenset({role}), scope)


async def apply_department_event(community: str, event_id: int) -> bool:
    """Write ticket event ``event_id`` into its community; True if it was new there.

    One platform read, then ONE tenant transaction: a ``department_updates`` row (the
    event id is its key, so a redelivered event is recognised and changes nothing), the
    ``matter_routes`` copy of the ticket (only moved forward: an older event applied late
    never overwrites a newer state), and the matter status effects decided by
    ``rules.matter_steps`` (first department act → in progress; the last open ticket done
    → resolved), recorded in the matter history as the department officer who acted.
    """
    async with platform_tx() as tx:
        row = await tx.connection.fetchrow(_EVENT_SELECT, event_id)
        if row is None:
            raise PoisonMessage("ticket event not found", f"event {event_id}")
        ev = dict(row)
        if ev["community_slug"] != community:
            raise PoisonMessage(
                "event of another community", f"event {event_id} is {ev['community_slug']!r}'s"
            )
        statuses = [
            r["status"]
            for r in await tx.connection.fetch(
                "SELECT status FROM platform.tickets WHERE community_slug = $1 AND matter_id = $2",
                community,
                ev["matter_id"],
            )
        ]
    try:
        info = await provisioning.get_community(community)
    except CommunityNotFound:
        raise PoisonMessage("community gone", f"community {community!r} does not exist") from None
    data = ev["data"] if isinstance(ev["data"], str) else json.dumps(ev["data"])
    async with tenant_tx(community) as tx:
        conn = tx.connection
        # Lock the matter first: both inserts below take a FOR KEY SHARE lock on it through
        # their foreign keys, so two events of one matter applied at once would each hold
        # that and then deadlock upgrading to FOR UPDATE. Locked first, they queue instead.
        matter = await conn.fetchrow(
            f"SELECT {MATTER_COLUMNS} FROM matters WHERE id = $1 FOR UPDATE", ev["matter_id"]
        )
        inserted = await conn.fetchval(
            "INSERT INTO department_updates (event_id, ticket_id, matter_id, department_code, "
            "kind, actor, note, data, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9) "
            "ON CONFLICT (event_id) DO NOTHING RETURNING true",
            event_id,
            ev["id"],
            ev["matter_id"],
            ev["department_code"],
            ev["kind"],
            ev["actor"],
            ev["note"],
            data,
            ev["at"],
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
            ev["id"],
            ev["matter_id"],
            ev["department_code"],
            ev["department_name_zh"] or ev["department_code"],
            ev["department_name_en"] or ev["department_code"],
            ev["status"],
            ev["commitment"],
            ev["commitment_due_on"],
            ev["resolve_due_at"],
            ev["overdue"],
            ev["supervised"],
            ev["updated_at"],
        )
        if not inserted:
            return False
        if info.status == "archived":  # the record is kept; an archived matter does not move
            return True
        if matter is None:
            return True
        current = dict(matter)
        steps = matter_steps(current["status"], current["kind"], ev["kind"], statuses)
        if steps:
            actor = event_actor(ev)
            kind = EventKind(ev["kind"]) if ev["kind"] in EventKind.__members__.values() else None
            label_zh = kind.label_zh if kind else ev["kind"]
            label_en = kind.label_en if kind else ev["kind"]
            reason = (
                f"{ev['department_name_zh'] or ev['department_code']}{label_zh} / "
                f"{ev['department_name_en'] or ev['department_code']}: {label_en}"
            )
            for step in steps:
                target = MatterStatus(step)
                if target not in allowed_targets(MatterStatus(current["status"])):
                    break  # matter_steps only proposes allowed moves; never raise here
                current = await transition_in_tx(tx, actor, current, target, reason=reason)
    return True


# ==========================================================================================
# Read side for the community: where a matter went, and every department act
# ==========================================================================================
@dataclass(frozen=True)
class RoutingView:
    """Where a matter went and every department act on it, read in ONE transaction.

    Both come from the same snapshot, so a reader never sees an update whose route is not
    there yet (the flow back writes the two in one transaction).
    """

    routes: list[dict[str, Any]]
    updates: list[dict[str, Any]]


EMPTY_ROUTING_VIEW = RoutingView([], [])


async def routing_by_matter(slug: str, matter_ids: list[int]) -> dict[int, RoutingView]:
    """``matter_routes`` (by ticket id) and ``department_updates`` (oldest first) per matter."""
    async with tenant_tx(slug, snapshot=True) as tx:
        return await routing_rows(tx.connection, matter_ids)


async def routing_rows(conn: Any, matter_ids: list[int]) -> dict[int, RoutingView]:
    """The routing views of ``matter_ids``, read on ``conn`` inside the caller's tenant
    transaction (a snapshot one, for routes and updates to agree)."""
    routes = await conn.fetch(
        "SELECT ticket_id, matter_id, department_code, department_name_zh, "
        "department_name_en, status, commitment, commitment_due_on, resolve_due_at, "
        "overdue, supervised, updated_at FROM matter_routes WHERE matter_id = ANY($1) "
        "ORDER BY ticket_id",
        matter_ids,
    )
    updates = await conn.fetch(
        "SELECT u.event_id, u.ticket_id, u.matter_id, u.department_code, u.kind, u.actor, "
        "u.note, u.data, u.at, r.department_name_zh, r.department_name_en "
        "FROM department_updates u LEFT JOIN matter_routes r ON r.ticket_id = u.ticket_id "
        "WHERE u.matter_id = ANY($1) ORDER BY u.at, u.event_id",
        matter_ids,
    )
    out: dict[int, RoutingView] = {}
    for r in routes:
        out.setdefault(r["matter_id"], RoutingView([], [])).routes.append(dict(r))
    for r in updates:
        item = dict(r)
        if isinstance(item["data"], str):
            item["data"] = json.loads(item["data"])
        out.setdefault(r["matter_id"], RoutingView([], [])).updates.append(item)
    return out


# ==========================================================================================
# County administration: departments, routing rules, deadline policies (county admins)
# ==========================================================================================
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
NAME_LIMIT = 100
CONTACT_LIMIT = 200


class UnknownDepartment(SanshiError):
    """A rule names a department the county does not have."""

    code = "UNKNOWN_DEPARTMENT"
    zh = "本县没有代码为「{department}」的部门"
    en = "The county has no department with code '{department}'"


class FallbackMustStayActive(SanshiError):
    """The coordination office receives what nothing else matches: it cannot be switched off."""

    code = "FALLBACK_MUST_STAY_ACTIVE"
    zh = "兜底的协调办不能停用"
    en = "The fallback coordination office cannot be deactivated"


def can_read_county_routing(actor: Principal, county: str) -> bool:
    """County administrators and leaders of ``county`` and its department officers."""
    if actor.scope.kind is ScopeKind.DEPARTMENT:
        return actor.has(Role.DEPARTMENT_OFFICER) and actor.scope.county == county
    return in_county(actor, county) and actor.has(Role.COUNTY_ADMIN, Role.COUNTY_LEADER)


async def access_county_routing(actor: Principal, county: str, *, write: bool = False) -> str:
    """The county code if ``actor`` may read (or, with ``write``, edit) its routing data.

    Not visible and not existing are the same CountyNotFound; visible but not a county
    administrator of it is Forbidden for a write (access.can_manage_county).
    """
    if not CODE_RE.fullmatch(county or "") or not can_read_county_routing(actor, county):
        raise CountyNotFound()
    async with platform_tx() as tx:
        if not await tx.connection.fetchval(
            "SELECT 1 FROM platform.counties WHERE code = $1", county
        ):
            raise CountyNotFound()
    if write and not (actor.has(Role.COUNTY_ADMIN) and in_county(actor, county)):
        raise Forbidden()
    return county


DEPARTMENT_COLUMNS = "county_code, code, name_zh, name_en, contact, is_fallback, active, created_at"


async def list_departments(
    actor: Principal, county: str, *, include_inactive: bool = True
) -> list[dict[str, Any]]:
    """The county's departments by code (CountyNotFound when not visible)."""
    await access_county_routing(actor, county)
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            f"SELECT {DEPARTMENT_COLUMNS} FROM platform.departments WHERE county_code = $1 "
            "AND ($2 OR active) ORDER BY is_fallback, code",
            county,
            include_inactive,
        )
    return [dict(r) for r in rows]


def _name(value: str, field: str, *, required: bool, limit: int = NAME_LIMIT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(field_zh=f"{field}不能为空", field_en=f"{field} is required")
    if len(value) > limit:
        raise TextTooLong(field=field, limit=limit)
    return value


async def set_department(
    actor: Principal,
    county: str,
    code: str,
    *,
    name_zh: str,
    name_en: str,
    contact: str = "",
    active: bool = True,
) -> dict[str, Any]:
    """Add or edit a department of ``county`` (county administrators of it); audited.

    The code is the department's stable key (tickets and tokens carry it), so it cannot be
    renamed; a department is switched off with ``active = false`` (its open tickets stay).
    """
    await access_county_routing(actor, county, write=True)
    if not CODE_RE.fullmatch(code or ""):
        raise InvalidInput(
            field_zh="部门代码须以小写字母开头，只含小写字母、数字和下划线",
            field_en="a department code is lowercase letters, digits and underscores",
        )
    name_zh = _name(name_zh, "name_zh", required=True)
    name_en = _name(name_en, "name_en", required=True)
    contact = _name(contact, "contact", required=False, limit=CONTACT_LIMIT)
    async with platform_tx() as tx:
        conn = tx.connection
        before = await conn.fetchrow(
            f"SELECT {DEPARTMENT_COLUMNS} FROM platform.departments "
            "WHERE county_code = $1 AND code = $2 FOR UPDATE",
            county,
            code,
        )
        if before is not None and before["is_fallback"] and not active:
            raise FallbackMustStayActive()
        row = await conn.fetchrow(
            "INSERT INTO platform.departments (county_code, code, name_zh, name_en, contact, "
            "active) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (county_code, code) DO UPDATE "
            "SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, "
            f"contact = EXCLUDED.contact, active = EXCLUDED.active RETURNING {DEPARTMENT_COLUMNS}",
            county,
            code,
            name_zh,
            name_en,
            contact,
            active,
        )
        await audit.record(
            tx,
            actor,
            "routing.set_department",
            f"department:{county}/{code}",
            before=None if before is None else dict(before),
            after=dict(row),
            platform=True,
        )
    return dict(row)


async def list_routing_rules(
    actor: Principal, county: str, *, include_inactive: bool = False
) -> list[dict[str, Any]]:
    """The county's routing rules, by category then specificity (CountyNotFound if hidden)."""
    await access_county_routing(actor, county)
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            f"SELECT {RULE_COLUMNS} FROM platform.routing_rules WHERE county_code = $1 "
            "AND ($2 OR active) ORDER BY category, community_slug NULLS FIRST, "
            "grid_code NULLS FIRST, id",
            county,
            include_inactive,
        )
    return [dict(r) for r in rows]


@dataclass(frozen=True)
class RoutingRuleInput:
    """A rule as a county administrator sets it; (category, community, grid) is its key."""

    category: str
    department_codes: tuple[str, ...]
    community_slug: str | None = None
    grid_code: str | None = None
    include_address: bool = False
    include_circumstances: bool = False
    active: bool = True


async def set_routing_rule(actor: Principal, county: str, data: RoutingRuleInput) -> dict[str, Any]:
    """Add or replace the county's rule for (category, community, grid); audited.

    Every department must exist in the county (UnknownDepartment); the community must be
    one of the county's (CommunityNotFound) and the grid one of the community's
    (InvalidInput). ``active = false`` switches the rule off (the next less specific rule,
    or the coordination office, then applies).
    """
    await access_county_routing(actor, county, write=True)
    if not CODE_RE.fullmatch(data.category or ""):
        raise InvalidInput(field_zh="类别代码无效", field_en="invalid category code")
    codes = tuple(dict.fromkeys(c.strip() for c in data.department_codes if c.strip()))
    if not codes:
        raise InvalidInput(field_zh="至少指定一个部门", field_en="name at least one department")
    if data.grid_code is not None and data.community_slug is None:
        raise InvalidInput(
            field_zh="按网格的规则须同时指定社区", field_en="a grid rule needs its community"
        )
    if data.community_slug is not None:
        try:
            info = await provisioning.get_community(data.community_slug)
        except (CommunityNotFound, InvalidSlug):
            raise CommunityNotFound() from None
        if info.county_code != county:
            raise CommunityNotFound()
        if data.grid_code is not None:
            async with tenant_tx(data.community_slug) as tx:
                grid = await tx.connection.fetchval(
                    "SELECT 1 FROM grids WHERE code = $1", data.grid_code
                )
            if not grid:
                raise InvalidInput(
                    field_zh=f"社区没有网格「{data.grid_code}」",
                    field_en=f"the community has no grid '{data.grid_code}'",
                )
    async with platform_tx() as tx:
        conn = tx.connection
        known = {
            r["code"]
            for r in await conn.fetch(
                "SELECT code FROM platform.departments WHERE county_code = $1", county
            )
        }
        for code in codes:
            if code not in known:
                raise UnknownDepartment(department=code)
        key = (county, data.category, data.community_slug, data.grid_code)
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"rule:{key}")
        before = await conn.fetchrow(
            f"SELECT {RULE_COLUMNS} FROM platform.routing_rules WHERE county_code = $1 "
            "AND category = $2 AND community_slug IS NOT DISTINCT FROM $3 "
            "AND grid_code IS NOT DISTINCT FROM $4 ORDER BY active DESC, id DESC LIMIT 1 "
            "FOR UPDATE",
            *key,
        )
        values = (
            list(codes),
            data.include_address,
            data.include_circumstances,
            data.active,
        )
        if before is None:
            row = await conn.fetchrow(
                "INSERT INTO platform.routing_rules (county_code, category, community_slug, "
                "grid_code, department_codes, include_address, include_circumstances, active) "
                f"VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {RULE_COLUMNS}",
                *key,
                *values,
            )
        else:
            row = await conn.fetchrow(
                "UPDATE platform.routing_rules SET department_codes = $2, include_address = $3, "
                f"include_circumstances = $4, active = $5 WHERE id = $1 RETURNING {RULE_COLUMNS}",
                before["id"],
                *values,
            )
        await audit.record(
            tx,
            actor,
            "routing.set_rule",
            f"routing_rule:{row['id']}",
            before=None if before is None else dict(before),
            after=dict(row),
            platform=True,
        )
    return dict(row)


async def list_deadline_policies(actor: Principal, county: str) -> list[dict[str, Any]]:
    """The county's deadline policies (``*`` first), CountyNotFound when not visible."""
    await access_county_routing(actor, county)
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            "SELECT county_code, category, ack_working_days, resolve_working_days "
            "FROM platform.deadline_policies WHERE county_code = $1 "
            "ORDER BY category <> '*', category",
            county,
        )
    return [dict(r) for r in rows]


async def set_deadline_policy(
    actor: Principal, county: str, category: str, ack_working_days: int, resolve_working_days: int
) -> dict[str, Any]:
    """Set the working-day limits of ``category`` (``*``: the county default); audited.

    Applies to tickets routed from now on; existing tickets keep their due dates.
    """
    await access_county_routing(actor, county, write=True)
    if category != ANY_CATEGORY and not CODE_RE.fullmatch(category or ""):
        raise InvalidInput(field_zh="类别代码无效", field_en="invalid category code")
    check_deadline_policy(ack_working_days, resolve_working_days)
    async with platform_tx() as tx:
        before = await tx.connection.fetchrow(
            "SELECT ack_working_days, resolve_working_days FROM platform.deadline_policies "
            "WHERE county_code = $1 AND category = $2 FOR UPDATE",
            county,
            category,
        )
        row = await tx.connection.fetchrow(
            "INSERT INTO platform.deadline_policies (county_code, category, ack_working_days, "
            "resolve_working_days) VALUES ($1, $2, $3, $4) ON CONFLICT (county_code, category) "
            "DO UPDATE SET ack_working_days = EXCLUDED.ack_working_days, "
            "resolve_working_days = EXCLUDED.resolve_working_days "
            "RETURNING county_code, category, ack_working_days, resolve_working_days",
            county,
            category,
            ack_working_days,
            resolve_working_days,
        )
        await audit.record(
            tx,
            actor,
            "routing.set_deadline_policy",
            f"deadline_policy:{county}/{category}",
            before=None if before is None else dict(before),
            after=dict(row),
            platform=True,
        )
    return dict(row)


# ==========================================================================================
# The county's work calendar (工作日历): holidays (法定节假日) and make-up working days (调休)
# ==========================================================================================
# Read by whoever may read the county's deadline policies, edited by its administrators.
# New tickets count their deadlines with it (create_tickets); changing it never moves the
# deadlines of tickets already created (docs/routing.md).
MAX_CALENDAR_DAYS = 366
CALENDAR_COLUMNS = "county_code, day, kind, name_zh, name_en, updated_by, updated_at"


class WorkdayNotOnWeekend(SanshiError):
    """A make-up working day (调休上班日) on a weekday: it is a working day anyway."""

    code = "WORKDAY_NOT_ON_WEEKEND"
    zh = "调休上班日须是周六或周日：{day} 本来就是工作日"
    en = "A make-up working day must be a Saturday or Sunday: {day} is a weekday already"


class TooManyCalendarDays(SanshiError):
    """More days than one call may set or remove."""

    code = "TOO_MANY_CALENDAR_DAYS"
    zh = "一次最多设置 {limit} 天，收到 {count} 天"
    en = "At most {limit} days at a time; got {count}"


class DuplicateCalendarDay(SanshiError):
    """The same day twice in one call (which of the two would win is not obvious)."""

    code = "DUPLICATE_CALENDAR_DAY"
    zh = "日期 {day} 出现了不止一次"
    en = "The day {day} is given more than once"


@dataclass(frozen=True)
class CalendarDayInput:
    """One day of the county's calendar as an administrator sets it."""

    day: date
    kind: DayKind | str
    name_zh: str = ""
    name_en: str = ""


def check_calendar_day(data: CalendarDayInput, settings: Settings) -> CalendarDayInput:
    """``data`` with its kind as a DayKind and names trimmed, or the typed error.

    A holiday may fall on a weekend (harmless: it was no working day anyway); a make-up
    working day must be a Saturday or Sunday (WorkdayNotOnWeekend).
    """
    try:
        kind = DayKind(data.kind)
    except ValueError:
        raise InvalidInput(
            field_zh=f"日期类型「{data.kind}」无效（holiday 节假日 / workday 调休上班日）",
            field_en=f"unknown kind '{data.kind}' (holiday / workday)",
        ) from None
    if kind is DayKind.WORKDAY and data.day.weekday() < 5:
        raise WorkdayNotOnWeekend(day=data.day.isoformat())
    limit = settings.max_name_length
    return CalendarDayInput(
        day=data.day,
        kind=kind,
        name_zh=_name(data.name_zh, "name_zh", required=False, limit=limit),
        name_en=_name(data.name_en, "name_en", required=False, limit=limit),
    )


def _check_count(count: int) -> None:
    if count == 0:
        raise InvalidInput(field_zh="至少指定一天", field_en="name at least one day")
    if count > MAX_CALENDAR_DAYS:
        raise TooManyCalendarDays(limit=MAX_CALENDAR_DAYS, count=count)


def _year_range(year: int) -> tuple[date, date]:
    if not 1900 <= year <= 2200:
        raise InvalidInput(field_zh="年份须在 1900–2200 之间", field_en="year must be 1900-2200")
    return date(year, 1, 1), date(year, 12, 31)


async def list_calendar(
    actor: Principal, county: str, *, year: int | None = None
) -> list[dict[str, Any]]:
    """The county's calendar days by date (only ``year``'s if given); CountyNotFound when
    not visible. Who may read: as for deadline policies (``can_read_county_routing``)."""
    await access_county_routing(actor, county)
    first, last = _year_range(year) if year is not None else (date.min, date.max)
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            f"SELECT {CALENDAR_COLUMNS} FROM platform.county_calendar WHERE county_code = $1 "
            "AND day BETWEEN $2 AND $3 ORDER BY day",
            county,
            first,
            last,
        )
    return [dict(r) for r in rows]


async def set_calendar_days(
    actor: Principal,
    county: str,
    days: list[CalendarDayInput],
    *,
    settings: Settings | None = None,
) -> list[dict[str, Any]]:
    """Add or replace days of the county's calendar (county administrators of it); audited.

    All or nothing, in one transaction: at most MAX_CALENDAR_DAYS days, no day twice,
    each checked by ``check_calendar_day``. Returns the days as stored, by date. Tickets
    already created keep their deadlines; tickets routed from now on count with it.
    """
    settings = settings or get_settings()
    await access_county_routing(actor, county, write=True)
    _check_count(len(days))
    checked = [check_calendar_day(d, settings) for d in days]
    seen: set[date] = set()
    for d in checked:
        if d.day in seen:
            raise DuplicateCalendarDay(day=d.day.isoformat())
        seen.add(d.day)
    checked.sort(key=lambda d: d.day)
    wanted = [d.day for d in checked]
    async with platform_tx() as tx:
        conn = tx.connection
        before = await conn.fetch(
            f"SELECT {CALENDAR_COLUMNS} FROM platform.county_calendar WHERE county_code = $1 "
            "AND day = ANY($2::date[]) ORDER BY day FOR UPDATE",
            county,
            wanted,
        )
        rows = await conn.fetch(
            "INSERT INTO platform.county_calendar (county_code, day, kind, name_zh, name_en, "
            "updated_by) SELECT $1, u.day, u.kind, u.name_zh, u.name_en, $6 "
            "FROM unnest($2::date[], $3::text[], $4::text[], $5::text[]) "
            "AS u(day, kind, name_zh, name_en) "
            "ON CONFLICT (county_code, day) DO UPDATE SET kind = EXCLUDED.kind, "
            "name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, "
            "updated_by = EXCLUDED.updated_by, updated_at = now() "
            f"RETURNING {CALENDAR_COLUMNS}",
            county,
            wanted,
            [DayKind(d.kind).value for d in checked],
            [d.name_zh for d in checked],
            [d.name_en for d in checked],
            actor.subject,
        )
        after = sorted((dict(r) for r in rows), key=lambda r: r["day"])
        await audit.record(
            tx,
            actor,
            "routing.set_calendar_days",
            f"county_calendar:{county}",
            before=[dict(r) for r in before],
            after=after,
            platform=True,
        )
    return after


async def remove_calendar_days(actor: Principal, county: str, days: list[date]) -> list[date]:
    """Remove days from the county's calendar (county administrators of it); audited.

    A day that is not in the calendar is no error; returns the days actually removed, by
    date. At most MAX_CALENDAR_DAYS days; one transaction.
    """
    await access_county_routing(actor, county, write=True)
    wanted = sorted(set(days))
    _check_count(len(wanted))
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            "DELETE FROM platform.county_calendar WHERE county_code = $1 "
            f"AND day = ANY($2::date[]) RETURNING {CALENDAR_COLUMNS}",
            county,
            wanted,
        )
        removed = sorted((dict(r) for r in rows), key=lambda r: r["day"])
        await audit.record(
            tx,
            actor,
            "routing.remove_calendar_days",
            f"county_calendar:{county}",
            before=removed,
            after={"removed": len(removed), "asked": [d.isoformat() for d in wanted]},
            platform=True,
        )
    return [r["day"] for r in removed]
