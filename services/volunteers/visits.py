"""Use cases of visits and tasks: the team leader assigns them (with a suggestion), the
volunteer reports what happened (notes, hours, health readings), the resident — or the grid
worker of their grid on their behalf — confirms it happened.

Each act is ONE tenant transaction, audited; a refused act writes nothing. Who may:
- assign, and read the suggestion: those who manage the team (its leader and core, cadres);
- report: the volunteer assigned (by their own login), or those who manage the team;
- confirm: a resident of the visited household, or the grid worker of its grid;
- read health readings: ``model.reads_health`` (the household, the volunteer who took
  them, the team's leader and core) — nobody else, whatever their token role.
A visit the caller may not act on answers as missing (VisitNotFound), so another household's
visit, or another community's, tells nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import msgspec

from services import audit, localtime
from services.auth.model import Principal, Role
from services.errors import Forbidden, InvalidInput
from services.groups import queries as group_queries
from services.groups.handlers import managed_group_in, writer_of
from services.groups.model import PERSONAL_ROLES, GroupNotFound, GroupRole
from services.groups.queries import GroupView
from services.households import queries as household_queries
from services.kernel.text import clean_text
from services.volunteers import queries
from services.volunteers.model import (
    NOTE_LIMIT,
    Candidate,
    Reading,
    Skill,
    Suggestion,
    VisitNotFound,
    VolunteerHasLeft,
    VolunteerOfAnotherTeam,
    Weekday,
    check_assignable,
    check_confirmable,
    check_day_total,
    check_hours,
    check_reading,
    check_reportable,
    month_of,
    reads_health,
    serves_on,
    suggest,
)
from services.volunteers.queries import VISIT_COLUMNS, VisitRow, VolunteerView, team_reader_from
from tenants.db import SanshiTransaction
from tenants.tx import tenant_tx


@dataclass(frozen=True)
class Report:
    """What the volunteer reports: done or not, notes, hours, and a reading if one was
    taken (only on a visit done)."""

    done: bool
    notes: str = ""
    hours: Decimal | None = None
    reading: Reading | None = None


class ReadingRow(msgspec.Struct, frozen=True):
    visit_id: int
    systolic: int | None
    diastolic: int | None
    pulse: int | None
    note: str
    recorded_by: str


async def _visit_in(conn: Any, visit_id: int) -> VisitRow:
    record = await conn.fetchrow(
        f"SELECT {VISIT_COLUMNS} FROM visits x WHERE x.id = $1 FOR UPDATE", visit_id
    )
    if record is None:
        raise VisitNotFound()
    return VisitRow(**record)


async def _managed_visit_in(
    tx: SanshiTransaction, reader: queries.TeamReader, visit_id: int
) -> tuple[VisitRow, GroupView]:
    """The visit (locked), if the caller manages its team: one who may not see the team
    finds no visit; one who sees but does not manage it is Forbidden."""
    visit = await _visit_in(tx.connection, visit_id)
    try:
        view = await managed_group_in(tx, reader.groups, visit.group_id)
    except GroupNotFound:
        raise VisitNotFound() from None
    return visit, view


def _audit(row: VisitRow) -> dict[str, object]:
    out: dict[str, object] = msgspec.to_builtins(row)
    return out


async def _hours_this_month(conn: Any, group_id: int, day: date) -> dict[int, Decimal]:
    """Each of the team's volunteers' confirmed hours in ``day``'s month."""
    first = month_of(day)
    records = await conn.fetch(
        "SELECT volunteer_id, sum(hours) AS hours FROM visits WHERE group_id = $1 "
        "AND volunteer_id IS NOT NULL AND confirmed_at IS NOT NULL AND day >= $2 "
        "AND day < ($2::date + interval '1 month') GROUP BY volunteer_id",
        group_id,
        first,
    )
    return {r["volunteer_id"]: r["hours"] or Decimal(0) for r in records}


async def suggestions_for(
    actor: Principal, slug: str, visit_id: int
) -> list[tuple[VolunteerView, Suggestion]]:
    """The team's volunteers (with their names) for a visit, best first (``model.suggest``:
    the service's skill, available that weekday, fewest confirmed hours this month), for
    those who manage the team."""
    reader = team_reader_from(await writer_of(actor, slug))
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        visit = await conn.fetchrow(
            f"SELECT {VISIT_COLUMNS} FROM visits x WHERE x.id = $1", visit_id
        )
        if visit is None:
            raise VisitNotFound()
        row = VisitRow(**visit)
        try:
            view = await queries.team_in(conn, reader, row.group_id)
        except GroupNotFound:
            raise VisitNotFound() from None
        if not view.access.manage:
            raise Forbidden()
        skill = None
        if row.service_id is not None:
            service = await queries.service_in(conn, row.service_id)
            skill = None if service.skill is None else Skill(service.skill)
        records = await conn.fetch(
            f"SELECT {queries.VOLUNTEER_COLUMNS} FROM volunteers v WHERE v.group_id = $1 "
            "ORDER BY v.id",
            row.group_id,
        )
        volunteers = [queries.volunteer_of(r) for r in records]
        views = await queries.volunteer_views_in(conn, volunteers, contacts=True)
        hours = await _hours_this_month(conn, row.group_id, row.day)
    by_id = {v.volunteer.id: v for v in views}
    candidates = [
        Candidate(
            v.volunteer.id,
            v.name,
            frozenset(Skill(s) for s in v.volunteer.skills),
            frozenset(Weekday.of_iso(d) for d in v.volunteer.available_weekdays),
            v.volunteer.joined_on,
            v.volunteer.left_on,
        )
        for v in views
    ]
    return [(by_id[s.volunteer_id], s) for s in suggest(row.day, skill, candidates, hours)]


async def assign_visit(actor: Principal, slug: str, visit_id: int, volunteer_id: int) -> VisitRow:
    """Assign a planned visit or task to one of the team's volunteers (those who manage the
    team): a volunteer of another team, or one not serving on the day, is refused."""
    reader = team_reader_from(await writer_of(actor, slug))
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        visit, _ = await _managed_visit_in(tx, reader, visit_id)
        check_assignable(visit.status)
        volunteer = await queries.volunteer_in(conn, volunteer_id, for_update=True)
        if volunteer.group_id != visit.group_id:
            raise VolunteerOfAnotherTeam()
        if not serves_on(volunteer.joined_on, volunteer.left_on, visit.day):
            left = volunteer.left_on or volunteer.joined_on
            raise VolunteerHasLeft(left_on=left.isoformat())
        record = await conn.fetchrow(
            f"UPDATE visits SET volunteer_id = $2 WHERE id = $1 "
            f"RETURNING {VISIT_COLUMNS.replace('x.', '')}",
            visit_id,
            volunteer_id,
        )
        row = VisitRow(**record)
        await audit.record(
            tx,
            actor,
            "volunteer.visit.assign",
            f"visit:{visit_id}",
            before={"volunteer_id": visit.volunteer_id},
            after={"volunteer_id": volunteer_id},
        )
        return row


async def _own_volunteer_ids(conn: Any, subject: str) -> set[int]:
    return {r.id for r in await queries.own_volunteer_rows_in(conn, subject)}


async def report_visit(actor: Principal, slug: str, visit_id: int, report: Report) -> VisitRow:
    """The volunteer assigned reports the visit done or not done, with notes, hours and a
    reading (on a visit done); the team's managers may report for them. A volunteer's
    hours over one day stay within 24."""
    reader = team_reader_from(await writer_of(actor, slug))
    notes = clean_text(
        report.notes, field="notes", field_zh="服务情况", limit=NOTE_LIMIT, multiline=True
    )
    hours = None if report.hours is None else check_hours(report.hours)
    reading = None if report.reading is None else check_reading(report.reading)
    if reading is not None:
        note = clean_text(reading.note, field="reading_note", field_zh="读数说明", limit=NOTE_LIMIT)
        reading = Reading(reading.systolic, reading.diastolic, reading.pulse, note)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        visit = await _visit_in(conn, visit_id)
        mine = visit.volunteer_id is not None and visit.volunteer_id in await _own_volunteer_ids(
            conn, actor.subject
        )
        if not mine:
            try:
                await managed_group_in(tx, reader.groups, visit.group_id)
            except (GroupNotFound, Forbidden):
                raise VisitNotFound() from None
        check_reportable(visit.status, visit.day, localtime.today())
        if not report.done and (hours or reading is not None):
            raise InvalidInput(
                field_zh="未完成的服务不记时长和读数",
                field_en="no hours or reading on a visit not done",
            )
        if hours is not None and visit.volunteer_id is not None:
            already = await conn.fetchval(
                "SELECT coalesce(sum(hours), 0) FROM visits WHERE volunteer_id = $1 AND day = $2 "
                "AND id <> $3",
                visit.volunteer_id,
                visit.day,
                visit_id,
            )
            check_day_total(visit.day, Decimal(already), hours)
        record = await conn.fetchrow(
            "UPDATE visits SET status = $2, notes = $3, hours = $4, reported_by = $5, "
            f"reported_at = $6 WHERE id = $1 RETURNING {VISIT_COLUMNS.replace('x.', '')}",
            visit_id,
            "done" if report.done else "not_done",
            notes,
            hours,
            actor.subject,
            localtime.now(),
        )
        if reading is not None:
            await conn.execute(
                "INSERT INTO visit_readings (visit_id, systolic, diastolic, pulse, note, "
                "recorded_by) VALUES ($1, $2, $3, $4, $5, $6)",
                visit_id,
                reading.systolic,
                reading.diastolic,
                reading.pulse,
                reading.note,
                actor.subject,
            )
        row = VisitRow(**record)
        # The audit keeps that a reading was taken, not its values (health data).
        await audit.record(
            tx,
            actor,
            "volunteer.visit.report",
            f"visit:{visit_id}",
            before={"status": visit.status},
            after={"status": row.status, "hours": str(hours), "reading": reading is not None},
        )
        return row


async def _grid_worker_of(conn: Any, actor: Principal, household_id: int) -> bool:
    if Role.GRID_WORKER not in actor.roles:
        return False
    return bool(
        await conn.fetchval(
            "SELECT count(*) FROM staff s JOIN households h ON h.grid_id = s.grid_id "
            "WHERE s.subject = $1 AND s.active AND h.id = $2",
            actor.subject,
            household_id,
        )
    )


async def confirm_visit(actor: Principal, slug: str, visit_id: int) -> VisitRow:
    """A resident of the visited household — or the grid worker of its grid, on their
    behalf — confirms a visit done happened (once); only then do its hours count. Anyone
    else, a resident of another household included, finds no such visit."""
    await writer_of(actor, slug)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        visit = await _visit_in(conn, visit_id)
        own = await household_queries.own_household_id(actor.subject)
        if own != visit.household_id and not await _grid_worker_of(conn, actor, visit.household_id):
            raise VisitNotFound()
        check_confirmable(visit.status, visit.confirmed_at is not None)
        record = await conn.fetchrow(
            "UPDATE visits SET confirmed_by = $2, confirmed_at = $3 WHERE id = $1 "
            f"RETURNING {VISIT_COLUMNS.replace('x.', '')}",
            visit_id,
            actor.subject,
            localtime.now(),
        )
        row = VisitRow(**record)
        await audit.record(
            tx, actor, "volunteer.visit.confirm", f"visit:{visit_id}", after=_audit(row)
        )
        return row


async def readings_for(actor: Principal, slug: str, visit_id: int) -> ReadingRow | None:
    """A visit's health reading, if the caller may read it (``model.reads_health``);
    None otherwise — or when none was taken (the same answer)."""
    reader = await queries.team_reader_of(actor, slug)
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        record = await conn.fetchrow(
            f"SELECT {VISIT_COLUMNS} FROM visits x WHERE x.id = $1", visit_id
        )
        if record is None:
            return None
        visit = VisitRow(**record)
        own = await household_queries.own_household_id(actor.subject) == visit.household_id
        recorded = (
            visit.volunteer_id is not None
            and visit.volunteer_id in await _own_volunteer_ids(conn, actor.subject)
        )
        roles = await group_roles_in(conn, reader, visit.group_id) if not (own or recorded) else ()
        if not reads_health(
            own_household=own, recorded_it=recorded, leads_team=bool(set(roles) & PERSONAL_ROLES)
        ):
            return None
        found = await conn.fetchrow(
            "SELECT visit_id, systolic, diastolic, pulse, note, recorded_by FROM visit_readings "
            "WHERE visit_id = $1",
            visit_id,
        )
    return None if found is None else ReadingRow(**found)


async def group_roles_in(
    conn: Any, reader: queries.TeamReader, group_id: int
) -> tuple[GroupRole, ...]:
    """The caller's own roles in the team (as data: leader, core, member)."""
    roles = await group_queries.caller_roles_in(conn, reader.actor.subject, [group_id])
    return roles.get(group_id, ())
