"""Use cases of recurring services (服务项目): a team creates and ends its services, enrols
households (with the resident's consent), and the visits of the coming days are generated.

Acts are ONE tenant transaction each, by those who manage the team (its leader and core,
the community's cadres), audited; a refused act writes nothing. Generating visits is
idempotent: one visit per service, household and day (the ``visits_once`` key, inserted
with ON CONFLICT DO NOTHING), so a repeated or redelivered run — or one that died half-way
— never makes a second visit for the same household, service and day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import asyncpg
import msgspec

from services import audit, localtime
from services.auth.model import Principal
from services.errors import InvalidInput
from services.groups.handlers import managed_group_in, writer_of
from services.groups.model import GroupNotFound
from services.households import queries as household_queries
from services.households.model import Circumstance, HouseholdNotFound
from services.kernel.text import clean_text
from services.matters.errors import MatterNotFound
from services.matters.queries import matter_by_id_in
from services.volunteers import queries
from services.volunteers.model import (
    NOTE_LIMIT,
    TITLE_LIMIT,
    VISIT_HORIZON_DAYS,
    WHAT_LIMIT,
    AlreadyEnrolled,
    EnrolmentEnded,
    EnrolmentNotFound,
    ServiceEnded,
    ServiceNotFound,
    ServiceTitleTaken,
    Skill,
    TargetKind,
    check_service_open,
    parse_recurrence,
    plan_window,
)
from services.volunteers.queries import EnrolmentRow, ServiceRow, TeamReader, team_reader_from
from tenants.db import SanshiTransaction
from tenants.tx import tenant_tx

_CIRCUMSTANCE_COLUMNS = {c.value for c in Circumstance}  # households' boolean columns


def _circumstance_column(service: ServiceRow) -> str | None:
    """The households' column a circumstance service targets (None for a list service),
    checked against the vocabulary before it is written into SQL."""
    circumstance = service.target_circumstance
    if service.target_kind != TargetKind.CIRCUMSTANCE.value or circumstance is None:
        return None
    if circumstance not in _CIRCUMSTANCE_COLUMNS:  # the table's CHECK makes this impossible
        raise ValueError(f"unknown circumstance {circumstance!r}")
    return circumstance


@dataclass(frozen=True)
class ServiceInput:
    """A new recurring service of a team."""

    title_zh: str
    rrule: str
    starts_on: date
    target_kind: TargetKind
    target_circumstance: Circumstance | None = None
    what: str = ""
    title_en: str = ""
    ends_on: date | None = None
    skill: Skill | None = None
    hours_default: Decimal = Decimal(1)


@dataclass(frozen=True)
class EnrolmentInput:
    """A household enrolled in a service, with who consented for it and when."""

    household_id: int
    consent_by: str
    consent_on: date
    enrolled_on: date
    consent_note: str = ""
    matter_id: int | None = None
    referral_id: int | None = None


@dataclass(frozen=True)
class Generated:
    """What one generation run did in one community."""

    services: int
    inserted: int


def _as_audit(row: msgspec.Struct) -> dict[str, object]:
    return msgspec.structs.asdict(row)


async def _managed_service_in(
    tx: SanshiTransaction, reader: TeamReader, service_id: int
) -> ServiceRow:
    """The service (locked) if the caller manages its team; one who may not see the team
    finds no service."""
    service = await queries.service_in(tx.connection, service_id, for_update=True)
    try:
        await managed_group_in(tx, reader.groups, service.group_id)
    except GroupNotFound:
        raise ServiceNotFound() from None
    return service


def _check_target(kind: TargetKind, circumstance: Circumstance | None) -> None:
    if (kind is TargetKind.CIRCUMSTANCE) != (circumstance is not None):
        raise InvalidInput(
            field_zh="按住户情况的服务须指定一种情况，指定住户的服务不指定",
            field_en="a circumstance service names one circumstance; a list service none",
        )


def _check_hours_default(hours: Decimal) -> Decimal:
    if not hours.is_finite() or not Decimal(0) <= hours <= Decimal(24):
        raise InvalidInput(field_zh="每次服务时长须在 0 到 24 小时之间", field_en="hours 0-24")
    return hours.quantize(Decimal("0.01"))


# -- services ------------------------------------------------------------------------------
async def create_service(
    actor: Principal, slug: str, group_id: int, data: ServiceInput
) -> ServiceRow:
    """Create a team's recurring service (its leader and core, the community's cadres) and
    plan its visits of the coming VISIT_HORIZON_DAYS days in the same transaction."""
    reader = team_reader_from(await writer_of(actor, slug))
    title_zh = clean_text(
        data.title_zh, field="title_zh", field_zh="服务项目名称", limit=TITLE_LIMIT, required=True
    )
    title_en = clean_text(data.title_en, field="title_en", field_zh="英文名称", limit=TITLE_LIMIT)
    what = clean_text(
        data.what, field="what", field_zh="服务内容", limit=WHAT_LIMIT, multiline=True
    )
    recurrence = parse_recurrence(data.rrule, data.starts_on)
    _check_target(data.target_kind, data.target_circumstance)
    hours = _check_hours_default(data.hours_default)
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise InvalidInput(field_zh="结束日期早于开始日期", field_en="ends before it starts")
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        queries.check_team(await managed_group_in(tx, reader.groups, group_id))
        try:
            record = await conn.fetchrow(
                "INSERT INTO volunteer_services (group_id, title_zh, title_en, what, rrule, "
                "starts_on, ends_on, skill, target_kind, target_circumstance, hours_default, "
                "created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
                f"RETURNING {queries.SERVICE_COLUMNS.replace('s.', '')}",
                group_id,
                title_zh,
                title_en,
                what,
                recurrence.rule,
                data.starts_on,
                data.ends_on,
                None if data.skill is None else data.skill.value,
                data.target_kind.value,
                None if data.target_circumstance is None else data.target_circumstance.value,
                hours,
                actor.subject,
            )
        except asyncpg.UniqueViolationError:
            raise ServiceTitleTaken(title=title_zh) from None
        service = ServiceRow(**record)
        await generate_in_tx(tx, localtime.today(), service_ids=[service.id])
        await audit.record(
            tx, actor, "volunteer.service.create", f"service:{service.id}", after=_as_audit(service)
        )
        return service


async def end_service(actor: Principal, slug: str, service_id: int, ends_on: date) -> ServiceRow:
    """End a service on ``ends_on`` (its last day): its planned visits after it are
    cancelled; what happened before stays."""
    reader = team_reader_from(await writer_of(actor, slug))
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        before = await _managed_service_in(tx, reader, service_id)
        if before.ends_on is not None and before.ends_on < localtime.today():
            raise ServiceEnded(ends_on=before.ends_on.isoformat())
        if ends_on < before.starts_on:
            raise InvalidInput(field_zh="结束日期早于开始日期", field_en="ends before it starts")
        record = await conn.fetchrow(
            "UPDATE volunteer_services SET ends_on = $2 WHERE id = $1 "
            f"RETURNING {queries.SERVICE_COLUMNS.replace('s.', '')}",
            service_id,
            ends_on,
        )
        cancelled = await conn.fetchval(
            "WITH c AS (UPDATE visits SET status = 'cancelled' WHERE service_id = $1 "
            "AND day > $2 AND status = 'planned' RETURNING 1) SELECT count(*) FROM c",
            service_id,
            ends_on,
        )
        await audit.record(
            tx,
            actor,
            "volunteer.service.end",
            f"service:{service_id}",
            before={"ends_on": None if before.ends_on is None else before.ends_on.isoformat()},
            after={"ends_on": ends_on.isoformat(), "visits_cancelled": cancelled},
        )
        return ServiceRow(**record)


# -- enrolments ----------------------------------------------------------------------------
async def enrol_in_tx(
    tx: SanshiTransaction, actor: Principal, service: ServiceRow, data: EnrolmentInput
) -> EnrolmentRow:
    """Enrol a household in ``service`` (already checked: the caller manages its team) and
    plan its visits, in the caller's transaction (the referral act uses it too)."""
    conn = tx.connection
    check_service_open(service.ends_on, localtime.today())
    consent_by = clean_text(
        data.consent_by, field="consent_by", field_zh="同意人", limit=NOTE_LIMIT, required=True
    )
    note = clean_text(
        data.consent_note, field="consent_note", field_zh="同意说明", limit=NOTE_LIMIT
    )
    if not await household_queries.household_exists(data.household_id):
        raise HouseholdNotFound()
    if data.matter_id is not None and await matter_by_id_in(conn, data.matter_id) is None:
        raise MatterNotFound()
    if data.consent_on > data.enrolled_on:
        raise InvalidInput(field_zh="同意日期晚于纳入日期", field_en="consent after enrolment")
    try:
        record = await conn.fetchrow(
            "INSERT INTO service_enrolments (service_id, household_id, matter_id, consent_by, "
            "consent_on, consent_note, enrolled_by, enrolled_on, referral_id) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
            f"RETURNING {queries.ENROLMENT_COLUMNS.replace('e.', '')}",
            service.id,
            data.household_id,
            data.matter_id,
            consent_by,
            data.consent_on,
            note,
            actor.subject,
            data.enrolled_on,
            data.referral_id,
        )
    except asyncpg.UniqueViolationError:
        raise AlreadyEnrolled() from None
    enrolment = EnrolmentRow(**record)
    await generate_in_tx(
        tx, localtime.today(), service_ids=[service.id], household_ids=[data.household_id]
    )
    await audit.record(
        tx,
        actor,
        "volunteer.enrol",
        f"household:{data.household_id}",
        after=_as_audit(enrolment),
    )
    return enrolment


async def enrol_household(
    actor: Principal, slug: str, service_id: int, data: EnrolmentInput
) -> EnrolmentRow:
    """Enrol a household of the community in a service, with the resident's consent (those
    who manage the team); its visits of the coming days are planned at once."""
    reader = team_reader_from(await writer_of(actor, slug))
    async with tenant_tx(slug) as tx:
        service = await _managed_service_in(tx, reader, service_id)
        return await enrol_in_tx(tx, actor, service, data)


async def end_enrolment(
    actor: Principal, slug: str, enrolment_id: int, ended_on: date, reason: str
) -> EnrolmentRow:
    """A household leaves a service on ``ended_on``: its planned visits after that day are
    cancelled (those who manage the team)."""
    reader = team_reader_from(await writer_of(actor, slug))
    why = clean_text(reason, field="reason", field_zh="退出原因", limit=NOTE_LIMIT, required=True)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        record = await conn.fetchrow(
            f"SELECT {queries.ENROLMENT_COLUMNS} FROM service_enrolments e "
            "WHERE e.id = $1 FOR UPDATE",
            enrolment_id,
        )
        if record is None:
            raise EnrolmentNotFound()
        before = EnrolmentRow(**record)
        try:
            await _managed_service_in(tx, reader, before.service_id)
        except ServiceNotFound:
            raise EnrolmentNotFound() from None
        if before.ended_on is not None:
            raise EnrolmentEnded(ended_on=before.ended_on.isoformat())
        if ended_on < before.enrolled_on:
            raise InvalidInput(field_zh="退出日期早于纳入日期", field_en="ended before enrolment")
        updated = await conn.fetchrow(
            "UPDATE service_enrolments SET ended_on = $2, ended_reason = $3 WHERE id = $1 "
            f"RETURNING {queries.ENROLMENT_COLUMNS.replace('e.', '')}",
            enrolment_id,
            ended_on,
            why,
        )
        service = await queries.service_in(conn, before.service_id)
        await cancel_after_in_tx(conn, service, before.household_id, ended_on)
        await audit.record(
            tx,
            actor,
            "volunteer.enrolment.end",
            f"household:{before.household_id}",
            after={"enrolment": enrolment_id, "ended_on": ended_on.isoformat(), "reason": why},
        )
        return EnrolmentRow(**updated)


async def cancel_after_in_tx(
    conn: asyncpg.Connection, service: ServiceRow, household_id: int, last: date
) -> int:
    """Cancel a household's planned visits of ``service`` after ``last`` (its enrolment
    ended) — unless the service visits it anyway, by a circumstance it has. Returns how
    many were cancelled."""
    circumstance = _circumstance_column(service)
    if circumstance is not None:
        still = await conn.fetchval(
            f"SELECT {circumstance} FROM households WHERE id = $1", household_id
        )
        if still:
            return 0
    return int(
        await conn.fetchval(
            "WITH c AS (UPDATE visits SET status = 'cancelled' WHERE service_id = $1 "
            "AND household_id = $2 AND day > $3 AND status = 'planned' RETURNING 1) "
            "SELECT count(*) FROM c",
            service.id,
            household_id,
            last,
        )
    )


# -- generating the visits of the coming days ------------------------------------------------
async def _targets_in(
    conn: asyncpg.Connection, service: ServiceRow, first: date, households: Sequence[int] | None
) -> dict[int, date]:
    """The households a service visits, each from the first day it may be visited: its
    current enrolments (from their enrolment day), and for a circumstance service every
    household that has the circumstance now (from ``first``)."""
    only = "" if households is None else " AND e.household_id = ANY($2::int[])"
    args: list[object] = [service.id] + ([] if households is None else [list(households)])
    enrolled = await conn.fetch(
        "SELECT e.household_id, e.enrolled_on FROM service_enrolments e "
        f"WHERE e.service_id = $1 AND e.ended_on IS NULL{only}",
        *args,
    )
    targets = {r["household_id"]: max(first, r["enrolled_on"]) for r in enrolled}
    circumstance = _circumstance_column(service)
    if circumstance is not None:
        only_h = "" if households is None else " AND h.id = ANY($1::int[])"
        rows = await conn.fetch(
            f"SELECT h.id FROM households h WHERE h.{circumstance}{only_h}",
            *([] if households is None else [list(households)]),
        )
        for r in rows:
            targets.setdefault(r["id"], first)
    return targets


async def generate_in_tx(
    tx: SanshiTransaction,
    today: date,
    *,
    days: int = VISIT_HORIZON_DAYS,
    service_ids: Sequence[int] | None = None,
    household_ids: Sequence[int] | None = None,
) -> Generated:
    """Plan the visits of the next ``days`` days of every running service of the community's
    teams that are not dissolved (or of ``service_ids``, for ``household_ids``): one
    statement inserts them all, skipping any (service, household, day) that exists."""
    conn = tx.connection
    only = "" if service_ids is None else " AND s.id = ANY($2::int[])"
    args: list[object] = [today] + ([] if service_ids is None else [list(service_ids)])
    records = await conn.fetch(
        f"SELECT {queries.SERVICE_COLUMNS} FROM volunteer_services s "
        "JOIN groups g ON g.id = s.group_id "
        f"WHERE g.dissolved_on IS NULL AND (s.ends_on IS NULL OR s.ends_on >= $1){only} "
        "ORDER BY s.id",
        *args,
    )
    service_col: list[int] = []
    group_col: list[int] = []
    household_col: list[int] = []
    day_col: list[date] = []
    what_col: list[str] = []
    for record in records:
        service = ServiceRow(**record)
        span = plan_window(today, service.starts_on, service.ends_on, days)
        if span is None:
            continue
        planned = parse_recurrence(service.rrule, service.starts_on).between(*span)
        if not planned:
            continue
        targets = await _targets_in(conn, service, span[0], household_ids)
        for household, since in sorted(targets.items()):
            for day in planned:
                if day < since:
                    continue
                service_col.append(service.id)
                group_col.append(service.group_id)
                household_col.append(household)
                day_col.append(day)
                what_col.append(service.what or service.title_zh)
    inserted = 0
    if service_col:
        inserted = await conn.fetchval(
            "WITH new AS (INSERT INTO visits (kind, service_id, group_id, household_id, day, "
            "what) SELECT 'visit', * FROM unnest($1::int[], $2::int[], $3::int[], $4::date[], "
            "$5::text[]) ON CONFLICT (service_id, household_id, day) "
            "WHERE service_id IS NOT NULL DO NOTHING RETURNING 1) SELECT count(*) FROM new",
            service_col,
            group_col,
            household_col,
            day_col,
            what_col,
        )
    return Generated(services=len(records), inserted=inserted)


async def generate_visits(
    slug: str, *, today: date | None = None, days: int = VISIT_HORIZON_DAYS
) -> Generated:
    """Plan the community's visits of the coming ``days`` days (the job, per community)."""
    async with tenant_tx(slug) as tx:
        return await generate_in_tx(tx, today or localtime.today(), days=days)
