"""Read side of the volunteers context: a team's volunteers, a caller's own volunteering.

Who reads what is decided here. A team is a group of the groups context (read through
``services.groups.queries``, never its tables' copy): a team the caller may not see, one of
another community and one that does not exist answer the same (GroupNotFound / null).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec

from services.auth.model import Principal
from services.auth.permissions import allowed
from services.errors import InvalidInput
from services.groups import queries as group_queries
from services.groups.model import GroupKind, GroupNotFound
from services.groups.queries import GroupView, Page, Reader
from services.households import queries as household_queries
from services.households.queries import ResidentRow, residents_by_id_in
from services.kernel.pagination import check_page_size, decode_cursor, encode_cursor
from services.volunteers.model import NotAVolunteerTeam, ServiceNotFound, VolunteerNotFound
from services.volunteers.permissions import VIEW_VOLUNTEERS
from tenants.provisioning import CommunityInfo
from tenants.tx import tenant_tx

DEFAULT_PAGE = 50
MAX_PAGE = 200

VOLUNTEER_COLUMNS = (
    "v.id, v.group_id, v.resident_id, v.outside_name, v.outside_phone, v.subject, "
    "v.consent_on, v.consent_how, v.consent_note, v.consent_recorded_by, v.skills, "
    "v.available_weekdays, v.availability_note, v.joined_on, v.left_on, v.registered_by, "
    "v.registered_at"
)


class VolunteerRow(msgspec.Struct, frozen=True):
    """A volunteers row as stored (unmasked: the adapter masks the phone)."""

    id: int
    group_id: int
    resident_id: int | None
    outside_name: str
    outside_phone: str
    subject: str | None
    consent_on: date
    consent_how: str
    consent_note: str
    consent_recorded_by: str
    skills: list[str]
    available_weekdays: list[int]
    availability_note: str
    joined_on: date
    left_on: date | None
    registered_by: str
    registered_at: datetime


class VolunteerView(msgspec.Struct, frozen=True):
    """A volunteer with their resident row (for a resident volunteer) and what the caller
    may see: ``contacts`` — the phone unmasked (those who manage the team, the volunteer)."""

    volunteer: VolunteerRow
    resident: ResidentRow | None
    contacts: bool

    @property
    def name(self) -> str:
        return self.resident.name if self.resident is not None else self.volunteer.outside_name

    @property
    def phone(self) -> str:
        return self.resident.phone if self.resident is not None else self.volunteer.outside_phone


def volunteer_of(record: Any) -> VolunteerRow:
    values = dict(record)
    values["skills"] = list(values["skills"] or [])
    values["available_weekdays"] = list(values["available_weekdays"] or [])
    return VolunteerRow(**values)


@dataclass(frozen=True)
class TeamReader:
    """Someone reading one community's volunteer teams: the groups reader, and whether the
    matrix lets them read every team's volunteers (VIEW_VOLUNTEERS: cadres, grid workers)."""

    groups: Reader
    sees_teams: bool

    @property
    def actor(self) -> Principal:
        return self.groups.actor


def team_reader_from(reader: Reader) -> TeamReader:
    """The team reader of one who reads the community's groups as ``reader``."""
    community = reader.community
    sees = allowed(reader.actor, VIEW_VOLUNTEERS, community.slug, community.county_code)
    return TeamReader(reader, sees)


async def team_reader_of(
    actor: Principal, slug: str, community: CommunityInfo | None = None
) -> TeamReader:
    """How ``actor`` reads the community's volunteer teams (CommunityNotFound, Forbidden
    as for its groups)."""
    return team_reader_from(await group_queries.reader_of(actor, slug, community))


def check_team(view: GroupView) -> GroupView:
    """The group is a volunteer team (NotAVolunteerTeam otherwise)."""
    if view.group.kind != GroupKind.VOLUNTEER_TEAM.value:
        raise NotAVolunteerTeam()
    return view


async def team_in(connection: Any, reader: TeamReader, group_id: int) -> GroupView:
    """A volunteer team the caller may read (its managers, the community's cadres and grid
    workers): GroupNotFound for anyone else, as if missing; NotAVolunteerTeam for a
    group of another kind."""
    view = await group_queries.view_in(connection, reader.groups, group_id)
    if not (view.access.manage or reader.sees_teams):
        raise GroupNotFound()
    return check_team(view)


async def volunteer_views_in(
    connection: Any, rows: list[VolunteerRow], *, contacts: bool, subject: str | None = None
) -> list[VolunteerView]:
    """Volunteers with their residents; phones shown when ``contacts``, or to the volunteer
    ``subject`` is (their own record)."""
    residents = await residents_by_id_in(
        connection, [r.resident_id for r in rows if r.resident_id is not None]
    )
    out: list[VolunteerView] = []
    for row in rows:
        resident = None if row.resident_id is None else residents.get(row.resident_id)
        own = subject is not None and subject in {
            row.subject,
            None if resident is None else resident.subject,
        }
        out.append(VolunteerView(row, resident, contacts or own))
    return out


async def volunteer_in(
    connection: Any, volunteer_id: int, *, for_update: bool = False
) -> VolunteerRow:
    lock = " FOR UPDATE" if for_update else ""
    record = await connection.fetchrow(
        f"SELECT {VOLUNTEER_COLUMNS} FROM volunteers v WHERE v.id = $1{lock}", volunteer_id
    )
    if record is None:
        raise VolunteerNotFound()
    return volunteer_of(record)


async def volunteers_page(
    actor: Principal,
    slug: str,
    group_id: int,
    *,
    first: int = DEFAULT_PAGE,
    after: str | None = None,
    include_left: bool = False,
    community: CommunityInfo | None = None,
) -> Page:
    """A page of a team's volunteers (VolunteerView, by id) for those who may read the team;
    phones unmasked for those who manage it."""
    reader = await team_reader_of(actor, slug, community)
    check_page_size(first, MAX_PAGE)
    position = decode_cursor(after, int)[0] if after else 0
    current = "" if include_left else " AND v.left_on IS NULL"
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        view = await team_in(conn, reader, group_id)
        records = await conn.fetch(
            f"SELECT {VOLUNTEER_COLUMNS} FROM volunteers v "
            f"WHERE v.group_id = $1 AND v.id > $2{current} ORDER BY v.id LIMIT $3",
            group_id,
            position,
            first + 1,
        )
        total = await conn.fetchval(
            f"SELECT count(*) FROM volunteers v WHERE v.group_id = $1{current}", group_id
        )
        rows = [volunteer_of(r) for r in records[:first]]
        items = await volunteer_views_in(
            conn, rows, contacts=view.access.manage, subject=actor.subject
        )
    end = encode_cursor(rows[-1].id) if rows else None
    return Page(items, total, len(records) > first, end)


async def own_volunteer_rows_in(connection: Any, subject: str) -> list[VolunteerRow]:
    """The caller's own volunteer records (as a resident, or as an outside volunteer with a
    login), current first."""
    records = await connection.fetch(
        f"SELECT {VOLUNTEER_COLUMNS} FROM volunteers v "
        "LEFT JOIN residents r ON r.id = v.resident_id "
        "WHERE v.subject = $1 OR r.subject = $1 "
        "ORDER BY v.left_on IS NOT NULL, v.id",
        subject,
    )
    return [volunteer_of(r) for r in records]


async def my_volunteering(
    actor: Principal, slug: str, *, community: CommunityInfo | None = None
) -> list[VolunteerView]:
    """The caller's own volunteer records in the community (any role may read their own)."""
    await group_queries.reader_of(actor, slug, community)
    async with tenant_tx(slug, snapshot=True) as tx:
        rows = await own_volunteer_rows_in(tx.connection, actor.subject)
        return await volunteer_views_in(tx.connection, rows, contacts=True)


# -- recurring services (服务项目), enrolments, visits ----------------------------------------
SERVICE_COLUMNS = (
    "s.id, s.group_id, s.title_zh, s.title_en, s.what, s.rrule, s.starts_on, s.ends_on, "
    "s.skill, s.target_kind, s.target_circumstance, s.hours_default, s.created_by, s.created_at"
)
ENROLMENT_COLUMNS = (
    "e.id, e.service_id, e.household_id, e.matter_id, e.consent_by, e.consent_on, "
    "e.consent_note, e.enrolled_by, e.enrolled_on, e.ended_on, e.ended_reason, e.referral_id"
)
VISIT_COLUMNS = (
    "x.id, x.kind, x.group_id, x.service_id, x.household_id, x.day, x.what, x.matter_id, "
    "x.volunteer_id, x.status, x.notes, x.hours, x.reported_by, x.reported_at, "
    "x.confirmed_by, x.confirmed_at, x.created_at, x.referral_id"
)


class ServiceRow(msgspec.Struct, frozen=True):
    """A volunteer_services row."""

    id: int
    group_id: int
    title_zh: str
    title_en: str
    what: str
    rrule: str
    starts_on: date
    ends_on: date | None
    skill: str | None
    target_kind: str
    target_circumstance: str | None
    hours_default: Decimal
    created_by: str
    created_at: datetime


class EnrolmentRow(msgspec.Struct, frozen=True):
    """A service_enrolments row."""

    id: int
    service_id: int
    household_id: int
    matter_id: int | None
    consent_by: str
    consent_on: date
    consent_note: str
    enrolled_by: str
    enrolled_on: date
    ended_on: date | None
    ended_reason: str
    referral_id: int | None = None


class VisitRow(msgspec.Struct, frozen=True):
    """A visits row (a visit of a service, or a one-off task)."""

    id: int
    kind: str
    group_id: int
    service_id: int | None
    household_id: int
    day: date
    what: str
    matter_id: int | None
    volunteer_id: int | None
    status: str
    notes: str
    hours: Decimal | None
    reported_by: str | None
    reported_at: datetime | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    created_at: datetime
    referral_id: int | None = None


async def service_in(connection: Any, service_id: int, *, for_update: bool = False) -> ServiceRow:
    lock = " FOR UPDATE" if for_update else ""
    record = await connection.fetchrow(
        f"SELECT {SERVICE_COLUMNS} FROM volunteer_services s WHERE s.id = $1{lock}", service_id
    )
    if record is None:
        raise ServiceNotFound()
    return ServiceRow(**record)


async def services_of_team_in(connection: Any, group_id: int) -> list[ServiceRow]:
    records = await connection.fetch(
        f"SELECT {SERVICE_COLUMNS} FROM volunteer_services s WHERE s.group_id = $1 ORDER BY s.id",
        group_id,
    )
    return [ServiceRow(**r) for r in records]


async def enrolments_in(
    connection: Any, service_ids: list[int], *, include_ended: bool = False
) -> dict[int, list[EnrolmentRow]]:
    """The enrolments of each service (current ones unless ``include_ended``), by id."""
    current = "" if include_ended else " AND e.ended_on IS NULL"
    records = await connection.fetch(
        f"SELECT {ENROLMENT_COLUMNS} FROM service_enrolments e "
        f"WHERE e.service_id = ANY($1::int[]){current} ORDER BY e.id",
        service_ids,
    )
    out: dict[int, list[EnrolmentRow]] = {s: [] for s in service_ids}
    for r in records:
        out[r["service_id"]].append(EnrolmentRow(**r))
    return out


async def visits_in(connection: Any, *, service_id: int, first: date, last: date) -> list[VisitRow]:
    """A service's visits from ``first`` to ``last`` (by day, then household)."""
    records = await connection.fetch(
        f"SELECT {VISIT_COLUMNS} FROM visits x WHERE x.service_id = $1 "
        "AND x.day BETWEEN $2 AND $3 ORDER BY x.day, x.household_id",
        service_id,
        first,
        last,
    )
    return [VisitRow(**r) for r in records]


async def team_services(
    actor: Principal, slug: str, group_id: int, *, community: CommunityInfo | None = None
) -> tuple[GroupView, list[ServiceRow], dict[int, list[EnrolmentRow]]]:
    """A team's services with their current enrolments, for those who may read the team."""
    reader = await team_reader_of(actor, slug, community)
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        view = await team_in(conn, reader, group_id)
        services = await services_of_team_in(conn, group_id)
        enrolled = await enrolments_in(conn, [s.id for s in services])
    return view, services, enrolled


async def service_visits(
    actor: Principal,
    slug: str,
    service_id: int,
    first: date,
    last: date,
    *,
    community: CommunityInfo | None = None,
) -> list[VisitRow]:
    """A service's visits over a period (at most a year), for those who may read its team:
    anyone else finds no service."""
    reader = await team_reader_of(actor, slug, community)
    check_period(first, last)
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        service = await service_in(conn, service_id)
        try:
            await team_in(conn, reader, service.group_id)
        except GroupNotFound:
            raise ServiceNotFound() from None
        return await visits_in(conn, service_id=service_id, first=first, last=last)


MAX_PERIOD_DAYS = 366


def check_period(first: date, last: date) -> None:
    """A period to read: in order, at most MAX_PERIOD_DAYS days."""
    if last < first or (last - first).days >= MAX_PERIOD_DAYS:
        raise InvalidInput(
            field_zh=f"时间段须从早到晚、不超过 {MAX_PERIOD_DAYS} 天",
            field_en=f"a period in order, of at most {MAX_PERIOD_DAYS} days",
        )


async def household_visits(
    actor: Principal,
    slug: str,
    household_id: int,
    first: date,
    last: date,
    *,
    community: CommunityInfo | None = None,
) -> list[VisitRow] | None:
    """The visits and tasks to one household over a period: for its own residents and the
    community's cadres and grid workers (VIEW_VOLUNTEERS); None for anyone else."""
    reader = await team_reader_of(actor, slug, community)
    check_period(first, last)
    async with tenant_tx(slug, snapshot=True) as tx:
        own = await household_queries.own_household_id(actor.subject) == household_id
        if not (own or reader.sees_teams):
            return None
        records = await tx.connection.fetch(
            f"SELECT {VISIT_COLUMNS} FROM visits x WHERE x.household_id = $1 "
            "AND x.day BETWEEN $2 AND $3 AND x.status <> 'cancelled' ORDER BY x.day, x.id",
            household_id,
            first,
            last,
        )
    return [VisitRow(**r) for r in records]


async def my_assignments(
    actor: Principal, slug: str, first: date, last: date, *, community: CommunityInfo | None = None
) -> list[VisitRow]:
    """The visits and tasks assigned to the caller as a volunteer, over a period."""
    await team_reader_of(actor, slug, community)
    check_period(first, last)
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        mine = [v.id for v in await own_volunteer_rows_in(conn, actor.subject)]
        if not mine:
            return []
        records = await conn.fetch(
            f"SELECT {VISIT_COLUMNS} FROM visits x WHERE x.volunteer_id = ANY($1::int[]) "
            "AND x.day BETWEEN $2 AND $3 ORDER BY x.day, x.id",
            mine,
            first,
            last,
        )
    return [VisitRow(**r) for r in records]
