"""Read side of the meetings context: joint meetings as the caller may see them.

A meeting's agenda items show their tickets (the routing context's rows) and department
names (the departments context's), read through those contexts' queries in the caller's
platform transaction. Who may see a meeting is ``model.can_read_meeting``; a department
officer sees only their own department's items (``model.own_department``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

import msgspec

from services.auth.model import Principal, Role, ScopeKind
from services.communities.handlers import access_community_by_slug
from services.communities.queries import registry_names_in
from services.departments.queries import DepartmentName, department_names_in
from services.errors import NotFound
from services.meetings.model import (
    DEFAULT_PAGE,
    MAX_PAGE,
    JointMeetingNotFound,
    MeetingStatus,
    Outcome,
    Participant,
    can_read_meeting,
    own_department,
)
from services.meetings.tables import JointMeeting, JointMeetingItem
from services.routing.queries import TicketRow, tickets_in
from tenants.db import SanshiTransaction
from tenants.tx import platform_tx

MEETING_COLUMNS = ", ".join(c._meta.db_column_name for c in JointMeeting.all_columns())
ITEM_COLUMNS = ", ".join(c._meta.db_column_name for c in JointMeetingItem.all_columns())
_PEOPLE = ("town_cadres", "volunteer_leaders", "residents")


class MeetingRow(msgspec.Struct, frozen=True):
    """A joint meeting as stored (its participant lists decoded)."""

    id: int
    county_code: str
    community_slug: str
    held_on: date
    place: str
    title: str
    convened_by: str
    town_cadres: list[Participant]
    volunteer_leaders: list[Participant]
    residents: list[Participant]
    status: MeetingStatus
    created_at: datetime

    def audit_form(self) -> dict[str, Any]:
        """The meeting as the audit log records it (plain values)."""
        out = msgspec.structs.asdict(self)
        for key in _PEOPLE:
            out[key] = [asdict(p) for p in out[key]]
        out["status"] = self.status.value
        return out


class MeetingItemRow(msgspec.Struct, frozen=True):
    """An agenda item as stored: a ticket on the agenda, with minutes and an outcome."""

    id: int
    meeting_id: int
    ticket_id: int
    minutes: str
    outcome: Outcome | None
    commitment: str | None
    commitment_due_on: date | None
    recorded_by: str | None
    recorded_at: datetime | None


class MeetingItemView(msgspec.Struct, frozen=True):
    """An agenda item with its ticket as it stands and its department's names."""

    item: MeetingItemRow
    ticket: TicketRow
    department_name_zh: str | None
    department_name_en: str | None


class InvitedDepartment(msgspec.Struct, frozen=True):
    """A department invited to a meeting (names fall back to its code), and whether it
    attended (None until the meeting is held)."""

    code: str
    name_zh: str
    name_en: str
    attended: bool | None


class MeetingView(msgspec.Struct, frozen=True):
    """A meeting with the convening community's names, its invited departments and the
    agenda items the caller may see."""

    meeting: MeetingRow
    community_name_zh: str
    community_name_en: str
    departments: list[InvitedDepartment]
    items: list[MeetingItemView]


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def meeting_of(record: Any) -> MeetingRow:
    """A joint_meetings record as a typed row (asyncpg hands jsonb over as text)."""
    values = dict(record)
    for key in _PEOPLE:
        values[key] = [
            Participant(p.get("name", ""), p.get("role", "")) for p in _loads(values[key]) or []
        ]
    values["status"] = MeetingStatus(values["status"])
    return MeetingRow(**values)


def item_of(record: Any) -> MeetingItemRow:
    """A joint_meeting_items record as a typed row."""
    values = dict(record)
    values["outcome"] = None if values["outcome"] is None else Outcome(values["outcome"])
    return MeetingItemRow(**values)


def item_view(
    item: MeetingItemRow, ticket: TicketRow, names: dict[tuple[str, str], DepartmentName]
) -> MeetingItemView:
    """An agenda item with its ticket and the ticket's department names."""
    name = names.get((ticket.county_code, ticket.department_code))
    return MeetingItemView(
        item, ticket, name.name_zh if name else None, name.name_en if name else None
    )


# -- reading several meetings in one transaction -------------------------------------------------
async def invited_in(
    conn: Any, meeting_ids: Iterable[int]
) -> dict[int, list[tuple[str, bool | None]]]:
    """The invited departments (code, attended) of each meeting, by code."""
    ids = sorted(set(meeting_ids))
    rows = await conn.fetch(
        "SELECT meeting_id, department_code, attended FROM platform.joint_meeting_departments "
        "WHERE meeting_id = ANY($1::int[]) ORDER BY meeting_id, department_code",
        ids,
    )
    out: dict[int, list[tuple[str, bool | None]]] = {i: [] for i in ids}
    for r in rows:
        out[r["meeting_id"]].append((r["department_code"], r["attended"]))
    return out


async def views_in(
    tx: SanshiTransaction, actor: Principal, meetings: list[MeetingRow]
) -> list[MeetingView]:
    """The meetings as ``actor`` sees them: five statements for any number of meetings."""
    if not meetings:
        return []
    conn = tx.connection
    ids = [m.id for m in meetings]
    invited = await invited_in(conn, ids)
    items = [
        item_of(r)
        for r in await conn.fetch(
            f"SELECT {ITEM_COLUMNS} FROM platform.joint_meeting_items "
            "WHERE meeting_id = ANY($1::int[]) ORDER BY meeting_id, id",
            ids,
        )
    ]
    only = own_department(actor)
    tickets = {t.id: t for t in await tickets_in(conn, (i.ticket_id for i in items))}
    county_of = {m.id: m.county_code for m in meetings}
    keys = {(county_of[m], code) for m, codes in invited.items() for code, _ in codes}
    keys |= {(t.county_code, t.department_code) for t in tickets.values()}
    names = await department_names_in(conn, keys)
    # A department officer needs to know which community is asking.
    communities = (await registry_names_in(conn, {m.community_slug for m in meetings})).communities
    by_meeting: dict[int, list[MeetingItemView]] = defaultdict(list)
    for i in items:
        ticket = tickets[i.ticket_id]
        if only is None or ticket.department_code == only:
            by_meeting[i.meeting_id].append(item_view(i, ticket, names))
    views = []
    for m in meetings:
        community = communities.get(m.community_slug)
        departments = []
        for code, attended in invited[m.id]:
            name = names.get((m.county_code, code))
            departments.append(
                InvitedDepartment(
                    code,
                    name.name_zh if name else code,
                    name.name_en if name else code,
                    attended,
                )
            )
        views.append(
            MeetingView(
                meeting=m,
                community_name_zh=community.name_zh if community else m.community_slug,
                community_name_en=community.name_en if community else m.community_slug,
                departments=departments,
                items=by_meeting[m.id],
            )
        )
    return views


# -- access ---------------------------------------------------------------------------------------
async def visible_meeting_in(
    tx: SanshiTransaction, actor: Principal, meeting_id: int, *, for_update: bool = False
) -> tuple[MeetingRow, list[str]]:
    """The meeting and its invited department codes if ``actor`` may see it (locked with
    ``for_update``); JointMeetingNotFound otherwise (missing and not yours alike)."""
    lock = " FOR UPDATE" if for_update else ""
    record = await tx.connection.fetchrow(
        f"SELECT {MEETING_COLUMNS} FROM platform.joint_meetings WHERE id = $1{lock}", meeting_id
    )
    if record is None:
        raise JointMeetingNotFound()
    invited = [code for code, _ in (await invited_in(tx.connection, [meeting_id]))[meeting_id]]
    meeting = meeting_of(record)
    if not can_read_meeting(actor, meeting.county_code, meeting.community_slug, invited):
        raise JointMeetingNotFound()
    return meeting, invited


# -- the queries ----------------------------------------------------------------------------------
async def list_meetings(
    actor: Principal | None,
    *,
    community: str | None = None,
    status: MeetingStatus | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
    first: int = DEFAULT_PAGE,
) -> list[MeetingView]:
    """Meetings the caller may see, latest first (at most ``first``, capped at MAX_PAGE).

    Department officers: meetings their department is invited to, across the county's
    communities. Community staff: their community's. County administrators and leaders:
    the county's. Anyone else, an anonymous caller too: none. ``community`` narrows
    further (never widens).
    """
    if actor is None:
        return []
    first = max(1, min(first, MAX_PAGE))
    scope = actor.scope
    conds = ["($1::text IS NULL OR m.community_slug = $1)", "($2::text IS NULL OR m.status = $2)"]
    conds += ["($3::date IS NULL OR m.held_on >= $3)", "($4::date IS NULL OR m.held_on <= $4)"]
    args: list[Any] = [community, status.value if status else None, from_date, to_date]
    if scope.kind is ScopeKind.DEPARTMENT and actor.has(Role.DEPARTMENT_OFFICER):
        args += [scope.county, scope.id]
        conds.append(
            "m.county_code = $5 AND EXISTS (SELECT 1 FROM platform.joint_meeting_departments md"
            " WHERE md.meeting_id = m.id AND md.department_code = $6)"
        )
    elif scope.kind is ScopeKind.COUNTY and actor.has(Role.COUNTY_ADMIN, Role.COUNTY_LEADER):
        if scope.id != "*":  # the system principal sees every county
            args.append(scope.id)
            conds.append("m.county_code = $5")
    elif scope.kind is ScopeKind.COMMUNITY and actor.has(Role.COMMUNITY_CADRE, Role.GRID_WORKER):
        args.append(scope.id)
        conds.append("m.community_slug = $5")
    else:
        return []
    args.append(first)
    cols = ", ".join(f"m.{c.strip()}" for c in MEETING_COLUMNS.split(","))
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            f"SELECT {cols} FROM platform.joint_meetings m WHERE {' AND '.join(conds)} "
            f"ORDER BY m.held_on DESC, m.id DESC LIMIT ${len(args)}",
            *args,
        )
        return await views_in(tx, actor, [meeting_of(r) for r in rows])


async def community_meetings(
    actor: Principal, slug: str, *, status: MeetingStatus | None = None
) -> list[MeetingView]:
    """Meetings of one community (``Community.jointMeetings``); CommunityNotFound if unseen."""
    await access_community_by_slug(actor, slug)
    return await list_meetings(actor, community=slug, status=status, first=MAX_PAGE)


async def get_meeting(actor: Principal, meeting_id: int) -> MeetingView:
    """One meeting, if the caller may see it; JointMeetingNotFound otherwise."""
    async with platform_tx() as tx:
        meeting, _ = await visible_meeting_in(tx, actor, meeting_id)
        return (await views_in(tx, actor, [meeting]))[0]


async def find_meeting(actor: Principal | None, meeting_id: int | None) -> MeetingView | None:
    """``get_meeting``, or None for an anonymous caller, an id that cannot be a meeting's,
    a missing meeting and one the caller may not see alike (``jointMeeting(id)``)."""
    if actor is None or meeting_id is None:
        return None
    try:
        return await get_meeting(actor, meeting_id)
    except NotFound:
        return None
