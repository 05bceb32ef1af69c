"""Use cases of the meetings context: convene a joint meeting (联席会议), set its agenda,
record outcomes on its tickets, mark it held or cancel it.

Everything lives in the platform schema (tickets are county-wide); each public handler is
one platform transaction, and every act is also written to the platform audit log.
Outcomes act on the tickets through the routing context's ticket-moving functions, so
every one is a ticket event that flows back to the community's matter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from services import audit, localtime
from services.auth.model import Principal
from services.communities.handlers import community_for
from services.councils.permissions import MANAGE_COUNCIL
from services.departments.queries import active_department_codes_in, department_names_in
from services.errors import CommunityNotFound, Forbidden, InvalidInput
from services.meetings.model import (
    MAX_ITEMS,
    ConveneInput,
    JointMeetingItemDecided,
    JointMeetingItemNotFound,
    JointMeetingNotFound,
    JointMeetingTicketNotFound,
    JointMeetingUnknownDepartment,
    MeetingStatus,
    Outcome,
    OutcomeInput,
    check_department_codes,
    check_outcome,
    check_people,
    check_text,
    closed_error,
    ticket_closed_error,
    ticket_moves,
)
from services.meetings.queries import (
    ITEM_COLUMNS,
    MEETING_COLUMNS,
    MeetingItemView,
    MeetingRow,
    MeetingView,
    item_of,
    item_view,
    meeting_of,
    views_in,
    visible_meeting_in,
)
from services.routing.handlers import move_ticket_in_tx, record_ticket_event_in_tx
from services.routing.model import EventKind
from services.routing.queries import (
    TicketRow,
    open_tickets_of_community_in,
    ticket_in,
    tickets_in,
)
from services.settings import Settings
from tenants.db import SanshiTransaction
from tenants.tx import platform_tx


# -- access ---------------------------------------------------------------------------------------
async def meeting_for_write_in(
    tx: SanshiTransaction, actor: Principal, meeting_id: int, act_zh: str, act_en: str
) -> tuple[MeetingRow, list[str]]:
    """The meeting locked for a change by a cadre of its community, still planned or held.

    Not visible -> JointMeetingNotFound; visible but not the community's cadre ->
    Forbidden; archived community -> CommunityArchived; cancelled -> JointMeetingClosed.
    """
    meeting, invited = await visible_meeting_in(tx, actor, meeting_id, for_update=True)
    # Joint meetings are the community's meetings: the same cadre-only row of the matrix
    # as council sessions and their agendas (MANAGE_COUNCIL).
    try:
        await community_for(actor, meeting.community_slug, MANAGE_COUNCIL)
    except CommunityNotFound:
        # An invited department sees the meeting but not the community's data: it may
        # read the meeting, not change it.
        raise Forbidden() from None
    if meeting.status is MeetingStatus.CANCELLED:
        raise closed_error(meeting.status, act_zh, act_en)
    return meeting, invited


# -- convening ------------------------------------------------------------------------------------
async def convene_meeting(
    actor: Principal, slug: str, data: ConveneInput, settings: Settings
) -> MeetingView:
    """Convene a joint meeting for community ``slug`` (its cadres), inviting departments
    (active ones of the community's county: JointMeetingUnknownDepartment otherwise)."""
    place = check_text("place", data.place, settings.max_title_length, required=True)
    title = check_text("title", data.title, settings.max_title_length)
    people = {
        "town_cadres": check_people("town_cadres", data.town_cadres, settings),
        "volunteer_leaders": check_people("volunteer_leaders", data.volunteer_leaders, settings),
        "residents": check_people("residents", data.residents, settings),
    }
    codes = check_department_codes(data.departments)
    async with platform_tx() as tx:
        info = await community_for(actor, slug, MANAGE_COUNCIL)
        active = await active_department_codes_in(tx.connection, info.county_code, codes)
        for code in codes:
            if code not in active:
                raise JointMeetingUnknownDepartment(department=code)
        record = await tx.connection.fetchrow(
            "INSERT INTO platform.joint_meetings (county_code, community_slug, held_on, place, "
            "title, convened_by, town_cadres, volunteer_leaders, residents) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb) "
            f"RETURNING {MEETING_COLUMNS}",
            info.county_code,
            slug,
            data.held_on,
            place,
            title,
            actor.subject,
            *(json.dumps([asdict(p) for p in people[k]], ensure_ascii=False) for k in people),
        )
        meeting = meeting_of(record)
        await tx.connection.executemany(
            "INSERT INTO platform.joint_meeting_departments (meeting_id, department_code) "
            "VALUES ($1, $2)",
            [(meeting.id, c) for c in codes],
        )
        await audit.record(
            tx,
            actor,
            "joint_meeting.convene",
            f"joint_meeting:{meeting.id}",
            after={**meeting.audit_form(), "departments": codes},
            platform=True,
        )
        return (await views_in(tx, actor, [meeting]))[0]


# -- the agenda -----------------------------------------------------------------------------------
async def _agenda_tickets_in(
    tx: SanshiTransaction, slug: str, ticket_ids: Sequence[int] | None
) -> list[TicketRow]:
    """The tickets an agenda is to hold: the named ones of the community (each open), or
    all its open ones; JointMeetingTicketNotFound / JointMeetingTicketClosed otherwise."""
    if ticket_ids is None:
        return await open_tickets_of_community_in(tx.connection, slug, MAX_ITEMS + 1)
    wanted = list(dict.fromkeys(ticket_ids))
    tickets = await tickets_in(tx.connection, wanted, community=slug)
    found = {t.id for t in tickets}
    for tid in wanted:
        if tid not in found:
            raise JointMeetingTicketNotFound(ticket_id=tid)
    for t in tickets:
        if not t.is_open:
            raise ticket_closed_error(t.id, t.title, t.status)
    return tickets


def _too_many_items() -> InvalidInput:
    return InvalidInput(
        field_zh=f"议题最多 {MAX_ITEMS} 项", field_en=f"at most {MAX_ITEMS} agenda items"
    )


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
        meeting, _ = await meeting_for_write_in(
            tx, actor, meeting_id, "修改议程", "change its agenda"
        )
        if meeting.status is not MeetingStatus.PLANNED:
            raise closed_error(meeting.status, "修改议程", "change its agenda")
        tickets = await _agenda_tickets_in(tx, meeting.community_slug, ticket_ids)
        if len(tickets) > MAX_ITEMS:
            raise _too_many_items()
        ids = [t.id for t in tickets]
        conn = tx.connection
        removed = await conn.fetch(
            "DELETE FROM platform.joint_meeting_items WHERE meeting_id = $1 "
            "AND outcome IS NULL AND NOT (ticket_id = ANY($2::bigint[])) RETURNING ticket_id",
            meeting_id,
            ids,
        )
        await conn.execute(
            "INSERT INTO platform.joint_meeting_items (meeting_id, ticket_id) "
            "SELECT $1, unnest($2::bigint[]) ON CONFLICT (meeting_id, ticket_id) DO NOTHING",
            meeting_id,
            ids,
        )
        await conn.execute(
            "INSERT INTO platform.joint_meeting_departments (meeting_id, department_code) "
            "SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
            meeting_id,
            sorted({t.department_code for t in tickets}),
        )
        total = await conn.fetchval(
            "SELECT count(*) FROM platform.joint_meeting_items WHERE meeting_id = $1", meeting_id
        )
        if total > MAX_ITEMS:
            raise _too_many_items()
        await audit.record(
            tx,
            actor,
            "joint_meeting.agenda",
            f"joint_meeting:{meeting_id}",
            after={"tickets": ids, "removed": [r["ticket_id"] for r in removed]},
            platform=True,
        )
        return (await views_in(tx, actor, [meeting]))[0]


# -- outcomes -------------------------------------------------------------------------------------
async def record_outcome(
    actor: Principal, item_id: int, data: OutcomeInput, settings: Settings
) -> MeetingItemView:
    """Record an agenda item's minutes and outcome, and act on its ticket (one transaction).

    - answered: the ticket is answered (acknowledged first if it was not);
    - commitment: answered with the commitment and its due date, and the resolve deadline
      becomes the end of that day (commitment dates override the policy's deadline);
    - referred / needs follow-up: the ticket stays as it is; the event records it.
    Every outcome is a ``meeting_outcome`` ticket event (flows back to the community).
    Returns the item as the meeting shows it, built from what was written.
    """
    async with platform_tx() as tx:
        conn = tx.connection
        found = await conn.fetchrow(
            "SELECT id, meeting_id, ticket_id, outcome FROM platform.joint_meeting_items "
            "WHERE id = $1 FOR UPDATE",
            item_id,
        )
        if found is None:
            raise JointMeetingItemNotFound()
        try:
            meeting, _ = await meeting_for_write_in(
                tx, actor, found["meeting_id"], "记录议题结果", "record outcomes"
            )
        except JointMeetingNotFound:
            raise JointMeetingItemNotFound() from None
        if found["outcome"] is not None:
            decided = Outcome(found["outcome"])
            raise JointMeetingItemDecided(outcome_zh=decided.label_zh, outcome_en=decided.label_en)
        data = check_outcome(data, meeting.held_on, settings)
        ticket = await ticket_in(conn, found["ticket_id"], for_update=True)
        assert ticket is not None  # an agenda item's ticket is never deleted
        if not ticket.is_open:
            raise ticket_closed_error(ticket.id, ticket.title, ticket.status)
        item = item_of(
            await conn.fetchrow(
                "UPDATE platform.joint_meeting_items SET minutes = $2, outcome = $3, "
                "commitment = $4, commitment_due_on = $5, recorded_by = $6, recorded_at = now() "
                f"WHERE id = $1 RETURNING {ITEM_COLUMNS}",
                item_id,
                data.minutes,
                data.outcome.value,
                data.commitment,
                data.commitment_due_on,
                actor.subject,
            )
        )
        ticket = await _apply_to_ticket(tx, actor, meeting, item_id, ticket, data)
        await audit.record(
            tx,
            actor,
            "joint_meeting.outcome",
            f"joint_meeting_item:{item_id}",
            after={
                "meeting_id": meeting.id,
                "ticket_id": ticket.id,
                "outcome": data.outcome.value,
                "commitment": data.commitment,
                "commitment_due_on": data.commitment_due_on,
            },
            platform=True,
        )
        names = await department_names_in(conn, [(ticket.county_code, ticket.department_code)])
        return item_view(item, ticket, names)


async def _apply_to_ticket(
    tx: SanshiTransaction,
    actor: Principal,
    meeting: MeetingRow,
    item_id: int,
    ticket: TicketRow,
    data: OutcomeInput,
) -> TicketRow:
    """The outcome's effect on the ticket: status moves and events, in the caller's tx.
    Returns the ticket as it stands afterwards."""
    held = meeting.held_on.isoformat()
    event_data: dict[str, Any] = {
        "meeting_id": meeting.id,
        "item_id": item_id,
        "held_on": held,
        "outcome": data.outcome.value,
    }
    moves = ticket_moves(ticket.status, data.outcome)
    for target, kind in moves:
        if kind is EventKind.ACKNOWLEDGED:
            change = await move_ticket_in_tx(
                tx,
                actor,
                ticket,
                target,
                kind,
                note=f"在 {held} 联席会议上当面签收 / Acknowledged in person at the joint "
                f"meeting of {held}",
                data={"meeting_id": meeting.id, "item_id": item_id},
            )
            ticket = change.ticket
            continue
        changes: dict[str, Any] = {}
        if data.outcome is Outcome.COMMITMENT:
            assert data.commitment_due_on is not None  # checked by check_outcome
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
        elif ticket.overdue == "ack":
            changes = {"overdue": None}  # answered implies acknowledged: no longer late for it
        event_data["status"] = target.value
        change = await move_ticket_in_tx(
            tx, actor, ticket, target, kind, note=data.minutes, data=event_data, changes=changes
        )
        ticket = change.ticket
    if not moves:
        event_data["status"] = ticket.status.value
        await record_ticket_event_in_tx(
            tx, actor, ticket, EventKind.MEETING_OUTCOME, note=data.minutes, data=event_data
        )
    return ticket


# -- held / cancelled -----------------------------------------------------------------------------
async def mark_held(actor: Principal, meeting_id: int, attended: Sequence[str]) -> MeetingView:
    """Mark a planned meeting held, with the invited departments that attended."""
    async with platform_tx() as tx:
        meeting, invited = await meeting_for_write_in(
            tx, actor, meeting_id, "标记为已召开", "mark it held"
        )
        if meeting.status is not MeetingStatus.PLANNED:
            raise closed_error(meeting.status, "标记为已召开", "mark it held")
        present = check_department_codes(attended)
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
        held = meeting_of(
            await tx.connection.fetchrow(
                "UPDATE platform.joint_meetings SET status = 'held' WHERE id = $1 "
                f"RETURNING {MEETING_COLUMNS}",
                meeting_id,
            )
        )
        await audit.record(
            tx,
            actor,
            "joint_meeting.held",
            f"joint_meeting:{meeting_id}",
            after={"attended": present, "invited": invited},
            platform=True,
        )
        return (await views_in(tx, actor, [held]))[0]


async def cancel_meeting(
    actor: Principal, meeting_id: int, reason: str, settings: Settings
) -> MeetingView:
    """Cancel a planned meeting (the reason goes to the audit log); tickets are untouched."""
    reason = check_text("reason", reason, settings.max_note_length, required=True)
    async with platform_tx() as tx:
        meeting, _ = await meeting_for_write_in(tx, actor, meeting_id, "取消", "cancel it")
        if meeting.status is not MeetingStatus.PLANNED:
            raise closed_error(meeting.status, "取消", "cancel it")
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
        cancelled = meeting_of(
            await tx.connection.fetchrow(
                "UPDATE platform.joint_meetings SET status = 'cancelled' WHERE id = $1 "
                f"RETURNING {MEETING_COLUMNS}",
                meeting_id,
            )
        )
        await audit.record(
            tx,
            actor,
            "joint_meeting.cancel",
            f"joint_meeting:{meeting_id}",
            before={"status": meeting.status.value},
            after={"status": "cancelled", "reason": reason},
            platform=True,
        )
        return (await views_in(tx, actor, [cancelled]))[0]
