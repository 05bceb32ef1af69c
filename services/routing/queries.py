"""Read side of the routing context: tickets and their events (platform schema) and the
community's copy of where its matters went (tenant schema), as typed rows.

The ``*_in`` functions run on the connection of a transaction the caller holds: the inbox,
the joint meetings and the overdue job read tickets in the transaction of their own act,
and the matters page reads routes with its matters. Nothing here checks who is asking.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import msgspec

from services import localtime
from services.localtime import OverdueKind
from services.routing.model import OPEN_STATUSES, TicketSearch, TicketStatus
from services.routing.tables import Ticket
from tenants.tx import tenant_tx

TICKET_COLUMN_NAMES = tuple(c._meta.db_column_name for c in Ticket.all_columns())
TICKET_COLUMNS = ", ".join(TICKET_COLUMN_NAMES)
_T_COLUMNS = ", ".join(f"t.{c}" for c in TICKET_COLUMN_NAMES)


class TicketRow(msgspec.Struct, frozen=True):
    """A routed ticket as stored: one department's part of a major matter (大事)."""

    id: int
    county_code: str
    department_code: str
    community_slug: str
    matter_id: int
    sheet_version: int
    matter_number: str
    title: str
    description: str
    category: str
    place: str
    grid_name: str
    household_address: str | None
    circumstances: list[str] | None
    status: TicketStatus
    commitment: str | None
    commitment_due_on: date | None
    ack_due_at: datetime
    resolve_due_at: datetime
    overdue: OverdueKind | None
    supervised: bool
    supervised_by: str | None
    supervision_note: str
    rerouted_from: int | None
    created_at: datetime
    updated_at: datetime

    @property
    def is_open(self) -> bool:
        """Still to be worked on (not done, rejected or cancelled)."""
        return self.status in OPEN_STATUSES


class TicketEventRow(msgspec.Struct, frozen=True):
    """One act on a ticket as stored (its ``data`` decoded)."""

    id: int
    ticket_id: int
    kind: str
    actor: str
    actor_role: str
    note: str
    data: dict[str, Any]
    at: datetime


class TicketWithEvents(msgspec.Struct, frozen=True):
    """A ticket and its events, oldest first, read in one statement."""

    ticket: TicketRow
    events: list[TicketEventRow]


class DepartmentEvent(msgspec.Struct, frozen=True):
    """A ticket event with its ticket as it is now, and the statuses of every ticket of the
    same matter (what the flow-back needs to decide the matter's steps)."""

    event: TicketEventRow
    ticket: TicketRow
    matter_statuses: list[str]


def _loads(value: Any) -> Any:
    """A json/jsonb value read through raw asyncpg (which hands it over as text)."""
    return json.loads(value) if isinstance(value, str) else value


def ticket_of(record: Any) -> TicketRow:
    """A tickets record as a typed row: circumstances decoded, status and overdue as enums."""
    values = {c: record[c] for c in TICKET_COLUMN_NAMES}
    values["circumstances"] = _loads(values["circumstances"])
    values["status"] = TicketStatus(values["status"])
    overdue = values["overdue"]
    values["overdue"] = None if overdue is None else OverdueKind(overdue)
    return TicketRow(**values)


def event_of(record: Any) -> TicketEventRow:
    """A ticket_events record (or a Piccolo dict) as a typed row, its data decoded."""
    return TicketEventRow(
        id=record["id"],
        ticket_id=record["ticket_id"],
        kind=record["kind"],
        actor=record["actor"],
        actor_role=record["actor_role"],
        note=record["note"],
        data=_loads(record["data"]) or {},
        at=record["at"],
    )


# The events of ticket ``t`` as one JSON array, oldest first: a ticket and its history in
# one statement (the ticket row may be locked FOR UPDATE in the same statement).
_EVENTS_JSON = (
    "(SELECT coalesce(json_agg(json_build_object('id', e.id, 'ticket_id', e.ticket_id, "
    "'kind', e.kind, 'actor', e.actor, 'actor_role', e.actor_role, 'note', e.note, "
    "'data', e.data, 'at', e.at) ORDER BY e.id), '[]'::json) "
    "FROM platform.ticket_events e WHERE e.ticket_id = t.id) AS events"
)
_EVENT_LIST = msgspec.json.Decoder(list[TicketEventRow])


def _events_of_json(value: Any) -> list[TicketEventRow]:
    raw = value if isinstance(value, str) else json.dumps(value)
    # JSON carries the session's offset; asyncpg hands timestamps over in UTC, and clients
    # must see the same instant written the same way whichever path read it.
    return [msgspec.structs.replace(e, at=e.at.astimezone(UTC)) for e in _EVENT_LIST.decode(raw)]


def _with_events(record: Any) -> TicketWithEvents:
    return TicketWithEvents(ticket_of(record), _events_of_json(record["events"]))


# -- one ticket, a few tickets -------------------------------------------------------------------
async def ticket_in(conn: Any, ticket_id: int, *, for_update: bool = False) -> TicketRow | None:
    """Ticket ``ticket_id`` (locked until the transaction ends with ``for_update``)."""
    lock = " FOR UPDATE" if for_update else ""
    record = await conn.fetchrow(
        f"SELECT {TICKET_COLUMNS} FROM platform.tickets WHERE id = $1{lock}", ticket_id
    )
    return None if record is None else ticket_of(record)


async def ticket_with_events_in(
    conn: Any, ticket_id: int, *, for_update: bool = False
) -> TicketWithEvents | None:
    """Ticket ``ticket_id`` with its events, in one statement (the ticket locked with
    ``for_update``): an act reads what it checks and what its answer shows at once."""
    lock = " FOR UPDATE OF t" if for_update else ""
    record = await conn.fetchrow(
        f"SELECT {_T_COLUMNS}, {_EVENTS_JSON} FROM platform.tickets t WHERE t.id = $1{lock}",
        ticket_id,
    )
    return None if record is None else _with_events(record)


async def tickets_in(
    conn: Any, ids: Iterable[int], *, community: str | None = None
) -> list[TicketRow]:
    """The tickets of ``ids`` that exist (only ``community``'s if given), by id."""
    records = await conn.fetch(
        f"SELECT {TICKET_COLUMNS} FROM platform.tickets WHERE id = ANY($1::bigint[]) "
        "AND ($2::text IS NULL OR community_slug = $2) ORDER BY id",
        sorted(set(ids)),
        community,
    )
    return [ticket_of(r) for r in records]


async def tickets_of_matter_in(
    conn: Any,
    community: str,
    matter_id: int,
    *,
    sheet_version: int | None = None,
    open_only: bool = False,
    for_update: bool = False,
) -> list[TicketRow]:
    """The tickets of one matter (of one classification if ``sheet_version``; still open
    ones only with ``open_only``), by id."""
    lock = " FOR UPDATE" if for_update else ""
    records = await conn.fetch(
        f"SELECT {TICKET_COLUMNS} FROM platform.tickets WHERE community_slug = $1 "
        "AND matter_id = $2 AND ($3::int IS NULL OR sheet_version = $3) "
        f"AND ($4::text[] IS NULL OR status = ANY($4::text[])) ORDER BY id{lock}",
        community,
        matter_id,
        sheet_version,
        sorted(s.value for s in OPEN_STATUSES) if open_only else None,
    )
    return [ticket_of(r) for r in records]


async def open_tickets_of_community_in(conn: Any, community: str, limit: int) -> list[TicketRow]:
    """The community's open tickets (its pending major matters), by id, at most ``limit``."""
    records = await conn.fetch(
        f"SELECT {TICKET_COLUMNS} FROM platform.tickets WHERE community_slug = $1 "
        "AND status = ANY($2::text[]) ORDER BY id LIMIT $3",
        community,
        sorted(s.value for s in OPEN_STATUSES),
        limit,
    )
    return [ticket_of(r) for r in records]


# -- searching: the department inbox -------------------------------------------------------------
def search_conditions(s: TicketSearch, args: list[Any]) -> list[str]:
    """SQL conditions on ``t`` (platform.tickets), placeholders appended to ``args``."""

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    conds: list[str] = []
    if s.county is not None:
        conds.append(f"t.county_code = {arg(s.county)}")
    if s.department is not None:
        conds.append(f"t.department_code = {arg(s.department)}")
    if s.statuses:
        conds.append(f"t.status = ANY({arg([x.value for x in s.statuses])}::text[])")
    if s.communities:
        conds.append(f"t.community_slug = ANY({arg(list(s.communities))}::text[])")
    if s.departments:
        conds.append(f"t.department_code = ANY({arg(list(s.departments))}::text[])")
    day = f"(t.resolve_due_at AT TIME ZONE '{localtime.TIME_ZONE_NAME}')::date"
    if s.due_from is not None:
        conds.append(f"{day} >= {arg(s.due_from)}")
    if s.due_to is not None:
        conds.append(f"{day} <= {arg(s.due_to)}")
    if s.overdue_at is not None:
        # The same rule as localtime.overdue_kind(), at the same instant.
        at, open_ = arg(s.overdue_at), arg(sorted(x.value for x in OPEN_STATUSES))
        conds.append(
            f"(t.status = ANY({open_}::text[]) AND (t.resolve_due_at < {at} "
            f"OR (t.status = 'routed' AND t.ack_due_at < {at})))"
        )
    if s.supervised_only:
        conds.append("t.supervised")
    return conds


def _where(conds: Sequence[str]) -> str:
    return f"WHERE {' AND '.join(conds)} " if conds else ""


async def count_tickets_in(conn: Any, search: TicketSearch) -> int:
    """How many tickets ``search`` finds."""
    args: list[Any] = []
    where = _where(search_conditions(search, args))
    return int(await conn.fetchval(f"SELECT count(*) FROM platform.tickets t {where}", *args))


async def ticket_page_in(
    conn: Any, search: TicketSearch, *, after: tuple[datetime, int] | None, limit: int
) -> list[TicketWithEvents]:
    """Up to ``limit`` tickets ``search`` finds after ``after`` in (resolve deadline, id)
    order, each with its events: one statement for the page."""
    args: list[Any] = []
    conds = search_conditions(search, args)
    if after is not None:
        args += list(after)
        conds.append(f"(t.resolve_due_at, t.id) > (${len(args) - 1}, ${len(args)})")
    args.append(limit)
    records = await conn.fetch(
        f"SELECT {_T_COLUMNS}, {_EVENTS_JSON} FROM platform.tickets t {_where(conds)}"
        f"ORDER BY t.resolve_due_at, t.id LIMIT ${len(args)}",
        *args,
    )
    return [_with_events(r) for r in records]


# -- the overdue job -------------------------------------------------------------------------------
# Candidates, in the database's words; the overdue job decides per row. The status list is
# spelled as in the partial index tickets_open_due so the planner can use it.
_OVERDUE_CANDIDATES = f"""
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


async def overdue_candidates_in(
    conn: Any, now: datetime, *, after_id: int, limit: int
) -> list[TicketRow]:
    """Open tickets that may have passed a deadline at ``now`` and are not flagged for it,
    after ``after_id`` by id, locked; rows another run holds are skipped."""
    return [ticket_of(r) for r in await conn.fetch(_OVERDUE_CANDIDATES, now, after_id, limit)]


# -- the flow back ------------------------------------------------------------------------------
_DEPARTMENT_EVENT = f"""
SELECT e.id AS event_id, e.kind AS event_kind, e.actor AS event_actor,
       e.actor_role AS event_actor_role, e.note AS event_note, e.data AS event_data,
       e.at AS event_at, {_T_COLUMNS},
       ARRAY(SELECT s.status FROM platform.tickets s
             WHERE s.community_slug = t.community_slug AND s.matter_id = t.matter_id)
         AS matter_statuses
FROM platform.ticket_events e
JOIN platform.tickets t ON t.id = e.ticket_id
WHERE e.id = $1
"""


async def department_event_in(conn: Any, event_id: int) -> DepartmentEvent | None:
    """Ticket event ``event_id`` with its ticket and its matter's ticket statuses."""
    r = await conn.fetchrow(_DEPARTMENT_EVENT, event_id)
    if r is None:
        return None
    event = TicketEventRow(
        id=r["event_id"],
        ticket_id=r["id"],
        kind=r["event_kind"],
        actor=r["event_actor"],
        actor_role=r["event_actor_role"],
        note=r["event_note"],
        data=_loads(r["event_data"]) or {},
        at=r["event_at"],
    )
    return DepartmentEvent(event, ticket_of(r), list(r["matter_statuses"]))


# -- the community's copy: where a matter went, and every department act ----------------------
class MatterRouteRow(msgspec.Struct, frozen=True):
    """A department a major matter was routed to, as the community's copy holds it."""

    ticket_id: int
    matter_id: int
    department_code: str
    department_name_zh: str
    department_name_en: str
    status: str
    commitment: str | None
    commitment_due_on: date | None
    resolve_due_at: datetime | None
    overdue: str | None
    supervised: bool
    updated_at: datetime


class DepartmentUpdateRow(msgspec.Struct, frozen=True):
    """A department act on a matter as the community sees it, with the department's names
    (None when its route row is missing)."""

    event_id: int
    ticket_id: int
    matter_id: int
    department_code: str
    kind: str
    actor: str
    note: str
    data: dict[str, Any]
    at: datetime
    department_name_zh: str | None
    department_name_en: str | None


class RoutingView(msgspec.Struct, frozen=True):
    """Where a matter went and every department act on it, read in ONE transaction.

    Both come from the same snapshot, so a reader never sees an update whose route is not
    there yet (the flow back writes the two in one transaction).
    """

    routes: list[MatterRouteRow]
    updates: list[DepartmentUpdateRow]


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
    by_route: dict[int, list[MatterRouteRow]] = defaultdict(list)
    by_update: dict[int, list[DepartmentUpdateRow]] = defaultdict(list)
    for r in routes:
        by_route[r["matter_id"]].append(MatterRouteRow(**r))
    for r in updates:
        by_update[r["matter_id"]].append(
            DepartmentUpdateRow(**{**r, "data": _loads(r["data"]) or {}})
        )
    return {
        m: RoutingView(by_route.get(m, []), by_update.get(m, []))
        for m in sorted(set(by_route) | set(by_update))
    }
