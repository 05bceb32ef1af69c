"""Use cases of volunteer teams: register volunteers, change what they can do, let them leave.

Each public handler is ONE tenant transaction that checks who is acting — those who manage
the team: its leader (负责人) and core (骨干), and the community's cadres, as the groups
context decides (``services.groups.handlers`` ``managed_group_in``) — writes, records the
audit entry, and returns what its caller shows. A refused act writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg
import msgspec

from services import audit
from services.auth.model import Principal
from services.groups.handlers import managed_group_in, writer_of
from services.groups.model import GroupNotFound
from services.households import queries as household_queries
from services.households.handlers import ResidentNotFound, clean_phone, clean_subject
from services.kernel.text import clean_text
from services.volunteers import queries
from services.volunteers.model import (
    NAME_LIMIT,
    NOTE_LIMIT,
    PHONE_LIMIT,
    AlreadyAVolunteer,
    Consent,
    Skill,
    VolunteerIdentityInvalid,
    VolunteerNotFound,
    Weekday,
    check_consent,
    check_current,
    check_identity,
    check_leave,
    normal_skills,
    normal_weekdays,
)
from services.volunteers.queries import VolunteerRow, VolunteerView
from tenants.db import SanshiTransaction
from tenants.tx import tenant_tx


@dataclass(frozen=True)
class VolunteerInput:
    """A volunteer joining a team: a resident of the community (``resident_id``), or an
    outside person (name, phone, optionally a login ``subject`` of their own); their
    recorded consent; what they can do and when."""

    joined_on: date
    consent: Consent | None
    resident_id: int | None = None
    outside_name: str = ""
    outside_phone: str = ""
    subject: str | None = None
    skills: tuple[Skill, ...] = ()
    weekdays: tuple[Weekday, ...] = ()
    availability_note: str = ""


@dataclass(frozen=True)
class VolunteerChanges:
    """What a team changes about a volunteer: skills, weekdays, the availability note
    (None: unchanged)."""

    skills: tuple[Skill, ...] | None = None
    weekdays: tuple[Weekday, ...] | None = None
    availability_note: str | None = None


def _as_audit(row: VolunteerRow) -> dict[str, object]:
    values = msgspec.structs.asdict(row)
    values["outside_phone"] = "***" if row.outside_phone else ""  # no phone in the audit
    return values


async def _view(tx: SanshiTransaction, row: VolunteerRow) -> VolunteerView:
    return (await queries.volunteer_views_in(tx.connection, [row], contacts=True))[0]


async def _managed_volunteer_in(
    tx: SanshiTransaction, reader: queries.TeamReader, volunteer_id: int
) -> VolunteerRow:
    """The volunteer (locked) if the caller manages their team: one who may not see the team
    finds no volunteer (VolunteerNotFound), one who sees but does not manage it is
    Forbidden; a dissolved team takes no act (GroupDissolved)."""
    row = await queries.volunteer_in(tx.connection, volunteer_id, for_update=True)
    try:
        await managed_group_in(tx, reader.groups, row.group_id)
    except GroupNotFound:
        raise VolunteerNotFound() from None
    return row


async def register_volunteer(
    actor: Principal, slug: str, group_id: int, data: VolunteerInput
) -> VolunteerView:
    """Register a volunteer with a team (its leader and core, the community's cadres).

    A resident must be of this community; an outside person needs a name and a phone.
    Without recorded consent nothing is kept (ConsentRequired); a person is a current
    volunteer of a team once at a time (AlreadyAVolunteer).
    """
    reader = queries.team_reader_from(await writer_of(actor, slug))
    name = clean_text(data.outside_name, field="name", field_zh="姓名", limit=NAME_LIMIT)
    phone = clean_phone(
        clean_text(data.outside_phone, field="phone", field_zh="电话", limit=PHONE_LIMIT)
    )
    subject = None if data.subject is None else clean_subject(data.subject)
    note = clean_text(
        data.availability_note, field="availability_note", field_zh="服务时间说明", limit=NOTE_LIMIT
    )
    check_identity(data.resident_id, name, phone)
    if data.resident_id is not None and subject is not None:
        raise VolunteerIdentityInvalid()  # a resident logs in as themselves
    consent = check_consent(data.consent, data.joined_on)
    consent_note = clean_text(
        consent.note, field="consent_note", field_zh="同意说明", limit=NOTE_LIMIT
    )
    skills, weekdays = normal_skills(data.skills), normal_weekdays(data.weekdays)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        view = await managed_group_in(tx, reader.groups, group_id)
        queries.check_team(view)
        if data.resident_id is not None and (
            await household_queries.resident_household_id(data.resident_id) is None
        ):
            raise ResidentNotFound()
        try:
            record = await conn.fetchrow(
                "INSERT INTO volunteers (group_id, resident_id, outside_name, outside_phone, "
                "subject, consent_on, consent_how, consent_note, consent_recorded_by, skills, "
                "available_weekdays, availability_note, joined_on, registered_by) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $9) "
                f"RETURNING {queries.VOLUNTEER_COLUMNS.replace('v.', '')}",
                group_id,
                data.resident_id,
                name,
                phone,
                subject,
                consent.given_on,
                consent.how.value,
                consent_note,
                actor.subject,
                [s.value for s in skills],
                [d.iso for d in weekdays],
                note,
                data.joined_on,
            )
        except asyncpg.UniqueViolationError:
            raise AlreadyAVolunteer() from None
        row = queries.volunteer_of(record)
        await audit.record(
            tx, actor, "volunteer.register", f"volunteer:{row.id}", after=_as_audit(row)
        )
        return await _view(tx, row)


async def change_volunteer(
    actor: Principal, slug: str, volunteer_id: int, changes: VolunteerChanges
) -> VolunteerView:
    """Change a current volunteer's skills, weekdays or availability note (those who manage
    the team)."""
    reader = queries.team_reader_from(await writer_of(actor, slug))
    note = (
        None
        if changes.availability_note is None
        else clean_text(
            changes.availability_note,
            field="availability_note",
            field_zh="服务时间说明",
            limit=NOTE_LIMIT,
        )
    )
    skills = None if changes.skills is None else normal_skills(changes.skills)
    weekdays = None if changes.weekdays is None else normal_weekdays(changes.weekdays)
    async with tenant_tx(slug) as tx:
        before = await _managed_volunteer_in(tx, reader, volunteer_id)
        check_current(before.left_on)
        record = await tx.connection.fetchrow(
            "UPDATE volunteers SET skills = COALESCE($2, skills), "
            "available_weekdays = COALESCE($3, available_weekdays), "
            "availability_note = COALESCE($4, availability_note) WHERE id = $1 "
            f"RETURNING {queries.VOLUNTEER_COLUMNS.replace('v.', '')}",
            volunteer_id,
            None if skills is None else [s.value for s in skills],
            None if weekdays is None else [d.iso for d in weekdays],
            note,
        )
        row = queries.volunteer_of(record)
        await audit.record(
            tx,
            actor,
            "volunteer.change",
            f"volunteer:{volunteer_id}",
            before={"skills": before.skills, "weekdays": before.available_weekdays},
            after={"skills": row.skills, "weekdays": row.available_weekdays},
        )
        return await _view(tx, row)


async def end_volunteer(
    actor: Principal, slug: str, volunteer_id: int, left_on: date
) -> VolunteerView:
    """A volunteer leaves the team on ``left_on`` (those who manage it): the record stays —
    visits, hours and certificates name them."""
    reader = queries.team_reader_from(await writer_of(actor, slug))
    async with tenant_tx(slug) as tx:
        before = await _managed_volunteer_in(tx, reader, volunteer_id)
        check_leave(before.joined_on, before.left_on, left_on)
        record = await tx.connection.fetchrow(
            "UPDATE volunteers SET left_on = $2 WHERE id = $1 "
            f"RETURNING {queries.VOLUNTEER_COLUMNS.replace('v.', '')}",
            volunteer_id,
            left_on,
        )
        row = queries.volunteer_of(record)
        await audit.record(
            tx,
            actor,
            "volunteer.leave",
            f"volunteer:{volunteer_id}",
            after={"left_on": left_on.isoformat()},
        )
        return await _view(tx, row)
