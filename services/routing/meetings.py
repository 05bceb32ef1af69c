"""Joint meetings (联席会议): a community convenes the county departments concerned, face to face.

A community cadre convenes a meeting (date, place, invited departments, town cadres,
volunteer-team leaders, residents concerned), builds its agenda from the community's
pending major matters (its open routed tickets), records minutes and an outcome per agenda
item, and marks the meeting held (with the departments that attended) or cancelled.
Outcomes act on the tickets through ``move_ticket_in_tx`` / ``record_ticket_event_in_tx``,
so every one is a ticket event that flows back to the community's matter.

Everything lives in the platform schema (tickets are county-wide); each public handler is
one platform transaction, and every act is also written to the platform audit log.
The first part of this module is pure (rules over values, unit-tested); handlers follow.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services import audit, localtime
from services.auth.model import Principal, Role, ScopeKind, in_county
from services.communities.handlers import access_community_by_slug, community_for
from services.councils.permissions import MANAGE_COUNCIL
from services.errors import (
    CommunityNotFound,
    Forbidden,
    InvalidInput,
    NotFound,
    SanshiError,
    TextTooLong,
)
from services.routing.handlers import (
    TICKET_COLUMNS,
    move_ticket_in_tx,
    record_ticket_event_in_tx,
)
from services.routing.model import OPEN_STATUSES, EventKind, TicketStatus
from services.settings import Settings
from tenants.db import SanshiTransaction
from tenants.tx import platform_tx

# -- limits ---------------------------------------------------------------------------------

# The first joint meeting in Donghai took 40 major matters with 14 departments; these caps
# leave ample room and keep one meeting's payload bounded.
MAX_DEPARTMENTS = 60
MAX_PARTICIPANTS = 200  # per list (town cadres, volunteer leaders, residents)
MAX_ITEMS = 200
DEFAULT_PAGE = 50
MAX_PAGE = 200


# -- pure rules -----------------------------------------------------------------------------


class MeetingStatus(enum.StrEnum):
    """Where a joint meeting stands."""

    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"

    @property
    def label_zh(self) -> str:
        return MEETING_STATUS_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return MEETING_STATUS_LABELS[self][1]


MEETING_STATUS_LABELS: Mapping[MeetingStatus, tuple[str, str]] = {
    MeetingStatus.PLANNED: ("已召集", "planned"),
    MeetingStatus.HELD: ("已召开", "held"),
    MeetingStatus.CANCELLED: ("已取消", "cancelled"),
}


class Outcome(enum.StrEnum):
    """What an agenda item came to at the meeting."""

    ANSWERED = "answered"  # the department answered in person
    COMMITMENT = "commitment"  # the department committed to a result by a date
    REFERRED = "referred"  # handed on (another body, a later meeting); the ticket stays
    NEEDS_FOLLOW_UP = "needs_follow_up"  # not settled: followed up after the meeting

    @property
    def label_zh(self) -> str:
        return OUTCOME_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return OUTCOME_LABELS[self][1]


OUTCOME_LABELS: Mapping[Outcome, tuple[str, str]] = {
    Outcome.ANSWERED: ("当面答复", "Answered"),
    Outcome.COMMITMENT: ("承诺办理", "Commitment"),
    Outcome.REFERRED: ("转交", "Referred"),
    Outcome.NEEDS_FOLLOW_UP: ("需跟进", "Needs follow-up"),
}

_T = TicketStatus


def ticket_moves(current: TicketStatus, outcome: Outcome) -> list[tuple[TicketStatus, EventKind]]:
    """The status moves (and their event kinds) an outcome makes on a ticket in ``current``.

    An answer or a commitment given face to face answers the ticket. A ticket the
    department had not acknowledged yet (routed, or waiting for information) is first
    acknowledged: the department head took it at the table, and the ticket lifecycle
    only lets an acknowledged ticket be answered. Referred / needs follow-up leave the
    status alone (the caller records a meeting-outcome event only). The caller refuses
    closed tickets before asking.
    """
    if outcome not in (Outcome.ANSWERED, Outcome.COMMITMENT):
        return []
    moves: list[tuple[TicketStatus, EventKind]] = []
    if current in (_T.ROUTED, _T.INFO_REQUESTED):
        moves.append((_T.ACKNOWLEDGED, EventKind.ACKNOWLEDGED))
    moves.append((_T.ANSWERED, EventKind.MEETING_OUTCOME))
    return moves


def can_read_meeting(actor: Principal, county: str, slug: str, invited: Sequence[str]) -> bool:
    """Who may see a joint meeting.

    The staff of the convening community (cadres, grid workers), the county's
    administrators and leaders, and officers of a department invited to it.
    """
    scope = actor.scope
    if scope.kind is ScopeKind.DEPARTMENT:
        return actor.has(Role.DEPARTMENT_OFFICER) and scope.county == county and scope.id in invited
    if scope.kind is ScopeKind.COUNTY:
        return in_county(actor, county) and actor.has(Role.COUNTY_ADMIN, Role.COUNTY_LEADER)
    if scope.kind is ScopeKind.COMMUNITY:
        return scope.id == slug and actor.has(Role.COMMUNITY_CADRE, Role.GRID_WORKER)
    return False


# -- errors ---------------------------------------------------------------------------------
# Meetings raise only their own errors and the shared ones (access, input, text limits), so
# the GraphQL unions of this slice stay closed whatever other slices map for tickets.


class JointMeetingNotFound(NotFound):
    """No such meeting — or not one the caller may see (the same answer)."""

    code = "JOINT_MEETING_NOT_FOUND"
    zh = "联席会议不存在"
    en = "Joint meeting not found"


class JointMeetingItemNotFound(NotFound):
    code = "JOINT_MEETING_ITEM_NOT_FOUND"
    zh = "联席会议议题不存在"
    en = "Agenda item of the joint meeting not found"


class JointMeetingTicketNotFound(NotFound):
    """A ticket that does not exist or is not the convening community's (the same answer)."""

    code = "JOINT_MEETING_TICKET_NOT_FOUND"
    zh = "本社区没有编号为 {ticket_id} 的转办工单"
    en = "This community has no routed ticket {ticket_id}"


class JointMeetingTicketClosed(SanshiError):
    code = "JOINT_MEETING_TICKET_CLOSED"
    zh = "工单 {ticket_id}「{title}」已{status_zh}，不能上会或记录答复"
    en = "Ticket {ticket_id} ('{title}') is {status_en}: it cannot go on the agenda or be answered"


class JointMeetingUnknownDepartment(SanshiError):
    code = "JOINT_MEETING_UNKNOWN_DEPARTMENT"
    zh = "本县没有在用的部门「{department}」"
    en = "The county has no active department '{department}'"


class JointMeetingClosed(SanshiError):
    code = "JOINT_MEETING_CLOSED"
    zh = "联席会议{status_zh}，不能再{act_zh}"
    en = "The joint meeting is {status_en}: cannot {act_en}"


class JointMeetingItemDecided(SanshiError):
    code = "JOINT_MEETING_ITEM_DECIDED"
    zh = "该议题已记录结果「{outcome_zh}」"
    en = "This agenda item already has an outcome ({outcome_en})"


# -- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participant:
    """A person at the meeting who is not a department: a name and what they are there as."""

    name: str
    role: str = ""


@dataclass(frozen=True)
class ConveneInput:
    held_on: date
    place: str
    title: str = ""
    departments: Sequence[str] = ()
    town_cadres: Sequence[Participant] = ()
    volunteer_leaders: Sequence[Participant] = ()
    residents: Sequence[Participant] = ()


@dataclass(frozen=True)
class OutcomeInput:
    outcome: Outcome
    minutes: str = ""
    commitment: str | None = None
    commitment_due_on: date | None = None


@dataclass
class MeetingView:
    """A meeting with its invited departments and the agenda items the caller may see."""

    meeting: dict[str, Any]
    departments: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)


# -- validation -----------------------------------------------------------------------------


def _text(field_name: str, value: str, limit: int, *, required: bool = False) -> str:
    value = value.strip()
    if len(value) > limit:
        raise TextTooLong(field=field_name, limit=limit)
    if required and not value:
        raise InvalidInput(field_zh=f"{field_name} 不能为空", field_en=f"{field_name} is required")
    return value


def _people(field_name: str, people: Sequence[Participant], settings: Settings) -> list[dict]:
    if len(people) > MAX_PARTICIPANTS:
        raise InvalidInput(
            field_zh=f"{field_name} 最多 {MAX_PARTICIPANTS} 人",
            field_en=f"{field_name}: at most {MAX_PARTICIPANTS} people",
        )
    out = []
    for p in people:
        name = _text(f"{field_name}.name", p.name, settings.max_name_length, required=True)
        role = _text(f"{field_name}.role", p.role, settings.max_name_length)
        out.append({"name": name, "role": role})
    return out


def _department_codes(codes: Sequence[str]) -> list[str]:
    unique = list(dict.fromkeys(c.strip() for c in codes))
    if len(unique) > MAX_DEPARTMENTS:
        raise InvalidInput(
            field_zh=f"受邀部门最多 {MAX_DEPARTMENTS} 个",
            field_en=f"at most {MAX_DEPARTMENTS} invited departments",
        )
    return unique


def _check_outcome(data: OutcomeInput, held_on: date, settings: Settings) -> OutcomeInput:
    minutes = _text("minutes", data.minutes, settings.max_text_length)
    if data.outcome is Outcome.COMMITMENT:
        commitment = _text(
            "commitment", data.commitment or "", settings.max_note_length, required=True
        )
        if data.commitment_due_on is None:
            raise InvalidInput(
                field_zh="承诺办理须写明完成日期", field_en="a commitment needs a due date"
            )
        if data.commitment_due_on < held_on:
            raise InvalidInput(
                field_zh="承诺完成日期不能早于会议日期",
                field_en="the commitment's due date cannot be before the meeting",
            )
        return OutcomeInput(data.outcome, minutes, commitment, data.commitment_due_on)
    if data.commitment or data.commitment_due_on:
        raise InvalidInput(
            field_zh="只有「承诺办理」可以写承诺和完成日期",
            field_en="only a commitment outcome takes a commitment and a due date",
        )
    return OutcomeInput(data.outcome, minutes)


# -- reading --------------------------------------------------------------------------------

_MEETING_COLUMNS = (
    "id, county_code, community_slug, held_on, place, title, convened_by, town_cadres, "
    "volunteer_leaders, residents, status, created_at"
)
_ITEM_COLUMNS = (
    "i.id, i.meeting_id, i.ticket_id, i.minutes, i.outcome, i.commitment, "
    "i.commitment_due_on, i.recorded_by, i.recorded_at, t.matter_number, t.title, "
    "t.category, t.department_code, t.status AS ticket_status, "
    "t.commitment AS ticket_commitment, t.commitment_due_on AS ticket_commitment_due_on, "
    "t.resolve_due_at, t.overdue, d.name_zh AS department_name_zh, "
    "d.name_en AS department_name_en"
)


def _meeting_row(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key in ("town_cadres", "volunteer_leaders", "residents"):
        if isinstance(out[key], str):  # asyncpg hands jsonb over as text
            out[key] = json.loads(out[key])
    return out


async def _departments_of(tx: SanshiTransaction, ids: list[int]) -> dict[int, list[dict]]:
    rows = await tx.connection.fetch(
        "SELECT md.meeting_id, md.department_code AS code, md.attended, "
        "coalesce(d.name_zh, md.department_code) AS name_zh, "
        "coalesce(d.name_en, md.department_code) AS name_en "
        "FROM platform.joint_meeting_departments md "
        "JOIN platform.joint_meetings m ON m.id = md.meeting_id "
        "LEFT JOIN platform.departments d "
        "  ON d.county_code = m.county_code AND d.code = md.department_code "
        "WHERE md.meeting_id = ANY($1::int[]) ORDER BY md.meeting_id, md.department_code",
        ids,
    )
    out: dict[int, list[dict]] = {i: [] for i in ids}
    for r in rows:
        out[r["meeting_id"]].append(dict(r))
    return out


async def _items_of(
    tx: SanshiTransaction, ids: list[int], only_department: str | None = None
) -> dict[int, list[dict]]:
    rows = await tx.connection.fetch(
        f"SELECT {_ITEM_COLUMNS} FROM platform.joint_meeting_items i "
        "JOIN platform.tickets t ON t.id = i.ticket_id "
        "LEFT JOIN platform.departments d "
        "  ON d.county_code = t.county_code AND d.code = t.department_code "
        "WHERE i.meeting_id = ANY($1::int[]) "
        "  AND ($2::text IS NULL OR t.department_code = $2) "
        "ORDER BY i.meeting_id, i.id",
        ids,
        only_department,
    )
    out: dict[int, list[dict]] = {i: [] for i in ids}
    for r in rows:
        out[r["meeting_id"]].append(dict(r))
    return out


def _own_department(actor: Principal) -> str | None:
    """A department officer sees only their own department's items of a shared agenda.

    The meeting itself is shared with every invited department, but a ticket is its
    department's business (another department's ticket reads as not found elsewhere), so
    the agenda is filtered the same way.
    """
    if actor.scope.kind is ScopeKind.DEPARTMENT:
        return actor.scope.id
    return None


async def _views(tx: SanshiTransaction, actor: Principal, rows: list[Any]) -> list[MeetingView]:
    meetings = [_meeting_row(r) for r in rows]
    ids = [m["id"] for m in meetings]
    if not ids:
        return []
    names = {
        r["slug"]: r
        for r in await tx.connection.fetch(
            "SELECT slug, name_zh, name_en FROM platform.communities WHERE slug = ANY($1::text[])",
            list({m["community_slug"] for m in meetings}),
        )
    }
    for m in meetings:  # a department officer needs to know which community is asking
        name = names.get(m["community_slug"])
        m["community_name_zh"] = name["name_zh"] if name else m["community_slug"]
        m["community_name_en"] = name["name_en"] if name else m["community_slug"]
    departments = await _departments_of(tx, ids)
    items = await _items_of(tx, ids, _own_department(actor))
    return [MeetingView(m, departments[m["id"]], items[m["id"]]) for m in meetings]


async def list_meetings(
    actor: Principal,
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
    the county's. Anyone else: none. ``community`` narrows further (never widens).
    """
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
    cols = ", ".join(f"m.{c.strip()}" for c in _MEETING_COLUMNS.split(","))
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            f"SELECT {cols} FROM platform.joint_meetings m WHERE {' AND '.join(conds)} "
            f"ORDER BY m.held_on DESC, m.id DESC LIMIT ${len(args)}",
            *args,
        )
        return await _views(tx, actor, rows)


async def community_meetings(
    actor: Principal, slug: str, *, status: MeetingStatus | None = None
) -> list[MeetingView]:
    """Meetings of one community (``Community.jointMeetings``); CommunityNotFound if unseen."""
    await access_community_by_slug(actor, slug)
    return await list_meetings(actor, community=slug, status=status, first=MAX_PAGE)


async def get_meeting(actor: Principal, meeting_id: int) -> MeetingView:
    """One meeting, if the caller may see it; JointMeetingNotFound otherwise."""
    async with platform_tx() as tx:
        meeting, _ = await _visible_meeting(tx, actor, meeting_id)
        return (await _views(tx, actor, [meeting]))[0]


async def _visible_meeting(
    tx: SanshiTransaction, actor: Principal, meeting_id: int, *, for_update: bool = False
) -> tuple[dict[str, Any], list[str]]:
    lock = " FOR UPDATE" if for_update else ""
    row = await tx.connection.fetchrow(
        f"SELECT {_MEETING_COLUMNS} FROM platform.joint_meetings WHERE id = $1{lock}", meeting_id
    )
    if row is None:
        raise JointMeetingNotFound()
    invited = [
        r["department_code"]
        for r in await tx.connection.fetch(
            "SELECT department_code FROM platform.joint_meeting_departments WHERE meeting_id = $1",
            meeting_id,
        )
    ]
    if not can_read_meeting(actor, row["county_code"], row["community_slug"], invited):
        raise JointMeetingNotFound()
    return _meeting_row(row), invited


async def _meeting_for_write(
    tx: SanshiTransaction, actor: Principal, meeting_id: int, act_zh: str, act_en: str
) -> tuple[dict[str, Any], list[str]]:
    """The meeting locked for a change by a cadre of its community, still planned or held.

    Not visible -> JointMeetingNotFound; visible but not the community's cadre ->
    Forbidden; archived community -> CommunityArchived; cancelled -> JointMeetingClosed.
    """
    meeting, invited = await _visible_meeting(tx, actor, meeting_id, for_update=True)
    # Joint meetings are the community's meetings: the same cadre-only row of the matrix
    # as council sessions and their agendas (MANAGE_COUNCIL).
    try:
        await community_for(actor, meeting["community_slug"], MANAGE_COUNCIL)
    except CommunityNotFound:
        # An invited department sees the meeting but not the community's data: it may
        # read the meeting, not change it.
        raise Forbidden() from None
    status = MeetingStatus(meeting["status"])
    if status is MeetingStatus.CANCELLED:
        raise _closed(status, act_zh, act_en)
    return meeting, invited


def _closed(status: MeetingStatus, act_zh: str, act_en: str) -> JointMeetingClosed:
    return JointMeetingClosed(
        status_zh=status.label_zh, status_en=status.label_en, act_zh=act_zh, act_en=act_en
    )


# -- convening ------------------------------------------------------------------------------


async def _check_departments(tx: SanshiTransaction, county: str, codes: list[str]) -> None:
    if not codes:
        return
    rows = await tx.connection.fetch(
        "SELECT code FROM platform.departments "
        "WHERE county_code = $1 AND code = ANY($2::text[]) AND active",
        county,
        codes,
    )
    known = {r["code"] for r in rows}
    for code in codes:
        if code not in known:
            raise JointMeetingUnknownDepartment(department=code)


async def convene_meeting(
    actor: Principal, slug: str, data: ConveneInput, settings: Settings
) -> MeetingView:
    """Convene a joint meeting for community ``slug`` (its cadres), inviting departments."""
    place = _text("place", data.place, settings.max_title_length, required=True)
    title = _text("title", data.title, settings.max_title_length)
    people = {
        "town_cadres": _people("town_cadres", data.town_cadres, settings),
        "volunteer_leaders": _people("volunteer_leaders", data.volunteer_leaders, settings),
        "residents": _people("residents", data.residents, settings),
    }
    codes = _department_codes(data.departments)
    async with platform_tx() as tx:
        info = await community_for(actor, slug, MANAGE_COUNCIL)
        await _check_departments(tx, info.county_code, codes)
        row = await tx.connection.fetchrow(
            "INSERT INTO platform.joint_meetings (county_code, community_slug, held_on, place, "
            "title, convened_by, town_cadres, volunteer_leaders, residents) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb) "
            f"RETURNING {_MEETING_COLUMNS}",
            info.county_code,
            slug,
            data.held_on,
            place,
            title,
            actor.subject,
            *(json.dumps(people[k], ensure_ascii=False) for k in people),
        )
        await tx.connection.executemany(
            "INSERT INTO platform.joint_meeting_departments (meeting_id, department_code) "
            "VALUES ($1, $2)",
            [(row["id"], c) for c in codes],
        )
        meeting = _meeting_row(row)
        await audit.record(
            tx,
            actor,
            "joint_meeting.convene",
            f"joint_meeting:{meeting['id']}",
            after={**meeting, "departments": codes},
            platform=True,
        )
        return (await _views(tx, actor, [row]))[0]


# -- the agenda -----------------------------------------------------------------------------


async def set_agenda(
    actor: Principal, meeting_id: int, ticket_ids: Sequence[int] | None = None
) -> MeetingView:
    """Make the agenda these tickets of the community (None: all its pending major matters).

    Items that already have an outcome stay whatever the list says (minutes are a record);
    undecided items not in the list are dropped. Only a planned meeting's agenda changes.
    The department of each ticket on the agenda is invited if it was not already: the
    department concerned must be at the table (and can then see the meeting).
    """
    async with platform_tx() as tx:
        meeting, _ = await _meeting_for_write(
            tx, actor, meeting_id, "修改议程", "change its agenda"
        )
        status = MeetingStatus(meeting["status"])
        if status is not MeetingStatus.PLANNED:
            raise _closed(status, "修改议程", "change its agenda")
        slug = meeting["community_slug"]
        if ticket_ids is None:
            tickets = await tx.connection.fetch(
                f"SELECT {TICKET_COLUMNS} FROM platform.tickets WHERE community_slug = $1 "
                "AND status <> ALL($2::text[]) ORDER BY id LIMIT $3",
                slug,
                [s.value for s in TicketStatus if s not in OPEN_STATUSES],
                MAX_ITEMS + 1,
            )
        else:
            wanted = list(dict.fromkeys(ticket_ids))
            tickets = await tx.connection.fetch(
                f"SELECT {TICKET_COLUMNS} FROM platform.tickets "
                "WHERE id = ANY($1::bigint[]) AND community_slug = $2 ORDER BY id",
                wanted,
                slug,
            )
            found = {t["id"] for t in tickets}
            for tid in wanted:
                if tid not in found:
                    raise JointMeetingTicketNotFound(ticket_id=tid)
            for t in tickets:
                if TicketStatus(t["status"]) not in OPEN_STATUSES:
                    raise _ticket_closed(t)
        if len(tickets) > MAX_ITEMS:
            raise InvalidInput(
                field_zh=f"议题最多 {MAX_ITEMS} 项", field_en=f"at most {MAX_ITEMS} agenda items"
            )
        ids = [t["id"] for t in tickets]
        removed = await tx.connection.fetch(
            "DELETE FROM platform.joint_meeting_items WHERE meeting_id = $1 "
            "AND outcome IS NULL AND NOT (ticket_id = ANY($2::bigint[])) RETURNING ticket_id",
            meeting_id,
            ids,
        )
        await tx.connection.execute(
            "INSERT INTO platform.joint_meeting_items (meeting_id, ticket_id) "
            "SELECT $1, unnest($2::bigint[]) ON CONFLICT (meeting_id, ticket_id) DO NOTHING",
            meeting_id,
            ids,
        )
        await tx.connection.execute(
            "INSERT INTO platform.joint_meeting_departments (meeting_id, department_code) "
            "SELECT DISTINCT $1::int, department_code FROM platform.tickets "
            "WHERE id = ANY($2::bigint[]) ON CONFLICT DO NOTHING",
            meeting_id,
            ids,
        )
        total = await tx.connection.fetchval(
            "SELECT count(*) FROM platform.joint_meeting_items WHERE meeting_id = $1", meeting_id
        )
        if total > MAX_ITEMS:
            raise InvalidInput(
                field_zh=f"议题最多 {MAX_ITEMS} 项", field_en=f"at most {MAX_ITEMS} agenda items"
            )
        await audit.record(
            tx,
            actor,
            "joint_meeting.agenda",
            f"joint_meeting:{meeting_id}",
            after={"tickets": ids, "removed": [r["ticket_id"] for r in removed]},
            platform=True,
        )
        return (await _views(tx, actor, [meeting]))[0]


def _ticket_closed(ticket: Mapping[str, Any]) -> JointMeetingTicketClosed:
    status = TicketStatus(ticket["status"])
    return JointMeetingTicketClosed(
        ticket_id=ticket["id"],
        title=ticket["title"],
        status_zh=status.label_zh,
        status_en=status.label_en.lower(),
    )


# -- outcomes -------------------------------------------------------------------------------


async def record_outcome(
    actor: Principal, item_id: int, data: OutcomeInput, settings: Settings
) -> dict[str, Any]:
    """Record an agenda item's minutes and outcome, and act on its ticket (one transaction).

    - answered: the ticket is answered (acknowledged first if it was not);
    - commitment: answered with the commitment and its due date, and the resolve deadline
      becomes the end of that day (commitment dates override the policy's deadline);
    - referred / needs follow-up: the ticket stays as it is; the event records it.
    Every outcome is a ``meeting_outcome`` ticket event (flows back to the community).
    Returns the item as ``list_meetings`` shows it.
    """
    async with platform_tx() as tx:
        item = await tx.connection.fetchrow(
            "SELECT id, meeting_id, ticket_id, outcome FROM platform.joint_meeting_items "
            "WHERE id = $1 FOR UPDATE",
            item_id,
        )
        if item is None:
            raise JointMeetingItemNotFound()
        try:
            meeting, _ = await _meeting_for_write(
                tx, actor, item["meeting_id"], "记录议题结果", "record outcomes"
            )
        except JointMeetingNotFound:
            raise JointMeetingItemNotFound() from None
        if item["outcome"] is not None:
            decided = Outcome(item["outcome"])
            raise JointMeetingItemDecided(outcome_zh=decided.label_zh, outcome_en=decided.label_en)
        data = _check_outcome(data, meeting["held_on"], settings)
        ticket = dict(
            await tx.connection.fetchrow(
                f"SELECT {TICKET_COLUMNS} FROM platform.tickets WHERE id = $1 FOR UPDATE",
                item["ticket_id"],
            )
        )
        if TicketStatus(ticket["status"]) not in OPEN_STATUSES:
            raise _ticket_closed(ticket)
        await tx.connection.execute(
            "UPDATE platform.joint_meeting_items SET minutes = $2, outcome = $3, "
            "commitment = $4, commitment_due_on = $5, recorded_by = $6, recorded_at = now() "
            "WHERE id = $1",
            item_id,
            data.minutes,
            data.outcome.value,
            data.commitment,
            data.commitment_due_on,
            actor.subject,
        )
        await _apply_to_ticket(tx, actor, meeting, item_id, ticket, data)
        await audit.record(
            tx,
            actor,
            "joint_meeting.outcome",
            f"joint_meeting_item:{item_id}",
            after={
                "meeting_id": meeting["id"],
                "ticket_id": ticket["id"],
                "outcome": data.outcome.value,
                "commitment": data.commitment,
                "commitment_due_on": data.commitment_due_on,
            },
            platform=True,
        )
        items = await _items_of(tx, [meeting["id"]])
        return next(i for i in items[meeting["id"]] if i["id"] == item_id)


async def _apply_to_ticket(
    tx: SanshiTransaction,
    actor: Principal,
    meeting: Mapping[str, Any],
    item_id: int,
    ticket: dict[str, Any],
    data: OutcomeInput,
) -> None:
    """The outcome's effect on the ticket: status moves and events, in the caller's tx."""
    held = meeting["held_on"].isoformat()
    event_data: dict[str, Any] = {
        "meeting_id": meeting["id"],
        "item_id": item_id,
        "held_on": held,
        "outcome": data.outcome.value,
    }
    moves = ticket_moves(TicketStatus(ticket["status"]), data.outcome)
    for target, kind in moves:
        if kind is EventKind.ACKNOWLEDGED:
            ticket = await move_ticket_in_tx(
                tx,
                actor,
                ticket,
                target,
                kind,
                note=f"在 {held} 联席会议上当面签收 / Acknowledged in person at the joint "
                f"meeting of {held}",
                data={"meeting_id": meeting["id"], "item_id": item_id},
            )
            continue
        changes: dict[str, Any] = {}
        if data.outcome is Outcome.COMMITMENT:
            assert data.commitment_due_on is not None  # checked by _check_outcome
            changes = {
                "commitment": data.commitment,
                "commitment_due_on": data.commitment_due_on,
                "resolve_due_at": localtime.end_of_day(data.commitment_due_on),
                # The new deadline replaces the one that was missed: the ticket is not
                # late again unless the committed date passes (the scheduler re-checks).
                "overdue": None,
            }
            event_data |= {
                "commitment": data.commitment,
                "commitment_due_on": data.commitment_due_on.isoformat(),
            }
        elif ticket["overdue"] == "ack":
            changes = {"overdue": None}  # answered implies acknowledged: no longer late for it
        event_data["status"] = target.value
        ticket = await move_ticket_in_tx(
            tx, actor, ticket, target, kind, note=data.minutes, data=event_data, changes=changes
        )
    if not moves:
        event_data["status"] = ticket["status"]
        await record_ticket_event_in_tx(
            tx, actor, ticket, EventKind.MEETING_OUTCOME, note=data.minutes, data=event_data
        )


# -- held / cancelled -----------------------------------------------------------------------


async def mark_held(actor: Principal, meeting_id: int, attended: Sequence[str]) -> MeetingView:
    """Mark a planned meeting held, with the invited departments that attended."""
    async with platform_tx() as tx:
        meeting, invited = await _meeting_for_write(
            tx, actor, meeting_id, "标记为已召开", "mark it held"
        )
        status = MeetingStatus(meeting["status"])
        if status is not MeetingStatus.PLANNED:
            raise _closed(status, "标记为已召开", "mark it held")
        present = _department_codes(attended)
        for code in present:
            if code not in invited:
                raise InvalidInput(
                    field_zh=f"部门「{code}」未受邀参加本次会议",
                    field_en=f"department '{code}' was not invited to this meeting",
                )
        await tx.connection.execute(
            "UPDATE platform.joint_meeting_departments "
            "SET attended = (department_code = ANY($2::text[])) WHERE meeting_id = $1",
            meeting_id,
            present,
        )
        row = await tx.connection.fetchrow(
            "UPDATE platform.joint_meetings SET status = 'held' WHERE id = $1 "
            f"RETURNING {_MEETING_COLUMNS}",
            meeting_id,
        )
        await audit.record(
            tx,
            actor,
            "joint_meeting.held",
            f"joint_meeting:{meeting_id}",
            after={"attended": present, "invited": invited},
            platform=True,
        )
        return (await _views(tx, actor, [row]))[0]


async def cancel_meeting(
    actor: Principal, meeting_id: int, reason: str, settings: Settings
) -> MeetingView:
    """Cancel a planned meeting (the reason goes to the audit log); tickets are untouched."""
    reason = _text("reason", reason, settings.max_note_length, required=True)
    async with platform_tx() as tx:
        meeting, _ = await _meeting_for_write(tx, actor, meeting_id, "取消", "cancel it")
        status = MeetingStatus(meeting["status"])
        if status is not MeetingStatus.PLANNED:
            raise _closed(status, "取消", "cancel it")
        decided = await tx.connection.fetchval(
            "SELECT count(*) FROM platform.joint_meeting_items "
            "WHERE meeting_id = $1 AND outcome IS NOT NULL",
            meeting_id,
        )
        if decided:
            # Outcomes already acted on tickets: a meeting that decided things took place.
            raise InvalidInput(
                field_zh="已有议题记录了结果，会议不能取消",
                field_en="agenda items already have outcomes; the meeting cannot be cancelled",
            )
        row = await tx.connection.fetchrow(
            "UPDATE platform.joint_meetings SET status = 'cancelled' WHERE id = $1 "
            f"RETURNING {_MEETING_COLUMNS}",
            meeting_id,
        )
        await audit.record(
            tx,
            actor,
            "joint_meeting.cancel",
            f"joint_meeting:{meeting_id}",
            before={"status": meeting["status"]},
            after={"status": "cancelled", "reason": reason},
            platform=True,
        )
        return (await _views(tx, actor, [row]))[0]
