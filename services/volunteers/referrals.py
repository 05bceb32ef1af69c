"""A referral to a volunteer team becomes help that is followed (转介 → 服务).

Referring a private (or minor) matter to a team enrols the matter's household in one of the
team's recurring services, or creates a one-off task, with the resident's consent recorded
— in ONE tenant transaction with the referral itself (the groups context's referral to a
registered group, ``refer_to_group_in_tx``). The matter then shows who is helping, the next
visit and the last visit's outcome (``help_for_matters``). When the team's leader declines
the referral, the groups context says so through the outbox and ``end_declined_help`` ends
that help: the enrolment ends, its planned visits and the task are cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import msgspec

from services import audit, localtime
from services.auth.model import Principal
from services.errors import CommunityArchived, InvalidInput
from services.groups import queries as group_queries
from services.groups.model import GroupNotFound
from services.groups.queries import ReferralView
from services.groups.referrals import refer_to_group_in_tx, referral_note, referrer_of
from services.kernel.text import clean_text
from services.matters.errors import MatterNotFound
from services.volunteers import queries
from services.volunteers.model import (
    NOTE_LIMIT,
    WHAT_LIMIT,
    NotAVolunteerTeam,
    ResidentConsentRequired,
    ServiceNotFound,
)
from services.volunteers.queries import VISIT_COLUMNS, VisitRow
from services.volunteers.services import EnrolmentInput, cancel_after_in_tx, enrol_in_tx
from tenants.db import SanshiTransaction
from tenants.tx import tenant_tx


@dataclass(frozen=True)
class ResidentConsent:
    """Who agreed to the help (the resident, or family on their behalf), when, and how."""

    by: str
    on: date
    note: str = ""


@dataclass(frozen=True)
class TaskInput:
    """A one-off piece of help: the day, and what is to be done."""

    day: date
    what: str


@dataclass(frozen=True)
class HelpInput:
    """What the referral sets going: the household enrolled in ``service_id``, or ``task``
    (exactly one), with the resident's consent."""

    consent: ResidentConsent | None
    service_id: int | None = None
    task: TaskInput | None = None
    note: str = ""


@dataclass(frozen=True)
class Help:
    """Help a team gives for a matter: an enrolment in a service, or a one-off task; the
    next planned visit and the last one that happened (or was missed)."""

    kind: str  # "service" | "task"
    team_id: int
    team_name_zh: str
    team_name_en: str
    title: str
    active: bool
    ended_reason: str
    next_visit: VisitRow | None
    last_visit: VisitRow | None


def _checked(data: HelpInput) -> tuple[ResidentConsent, TaskInput | None]:
    if (data.service_id is None) == (data.task is None):
        raise InvalidInput(
            field_zh="转介须选一个服务项目或一次性任务（二者择一）",
            field_en="a referral to a team names one of its services, or one task",
        )
    if data.consent is None:
        raise ResidentConsentRequired()
    consent = ResidentConsent(
        by=clean_text(
            data.consent.by, field="consent_by", field_zh="同意人", limit=NOTE_LIMIT, required=True
        ),
        on=data.consent.on,
        note=clean_text(
            data.consent.note, field="consent_note", field_zh="同意说明", limit=NOTE_LIMIT
        ),
    )
    today = localtime.today()
    if consent.on > today:
        raise InvalidInput(field_zh="同意日期不能晚于今天", field_en="consent given in the future")
    task = None
    if data.task is not None:
        what = clean_text(
            data.task.what, field="what", field_zh="任务内容", limit=WHAT_LIMIT, required=True
        )
        if data.task.day < today:
            raise InvalidInput(field_zh="任务日期已过", field_en="the task's day has passed")
        task = TaskInput(data.task.day, what)
    return consent, task


async def refer_to_team(
    actor: Principal, slug: str, matter_id: int, team_id: int, data: HelpInput
) -> ReferralView:
    """Refer a private (or minor) matter to a volunteer team and set its help going (cadres,
    grid workers: whoever refers matters): the referral, then the household's enrolment in
    the team's service, or the task, and their visits — one transaction; a refusal anywhere
    writes nothing."""
    reader = await referrer_of(actor, slug)
    if reader.community.status == "archived":
        raise CommunityArchived(slug=slug)
    text = referral_note(data.note)
    consent, task = _checked(data)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        team = await group_queries.group_in(conn, team_id)
        if team is None:
            raise GroupNotFound()
        if team.kind != "volunteer_team":
            raise NotAVolunteerTeam()
        service = None
        if data.service_id is not None:
            service = await queries.service_in(conn, data.service_id, for_update=True)
            if service.group_id != team_id:
                raise ServiceNotFound()  # another team's service: none of this team's
        referred = await refer_to_group_in_tx(tx, reader, matter_id, team_id, text)
        household = referred.matter.household_id if referred.matter is not None else None
        if household is None:  # refer_in_tx has just read it: it exists
            raise MatterNotFound()
        if service is not None:
            enrolment = EnrolmentInput(
                household_id=household,
                consent_by=consent.by,
                consent_on=consent.on,
                enrolled_on=max(localtime.today(), consent.on),
                consent_note=consent.note,
                matter_id=matter_id,
                referral_id=referred.referral.id,
            )
            await enrol_in_tx(tx, actor, service, enrolment)
        elif task is not None:
            await _task_in_tx(tx, actor, team_id, household, matter_id, referred, task, consent)
    return referred


async def _task_in_tx(
    tx: SanshiTransaction,
    actor: Principal,
    team_id: int,
    household: int,
    matter_id: int,
    referred: ReferralView,
    task: TaskInput,
    consent: ResidentConsent,
) -> None:
    record = await tx.connection.fetchrow(
        "INSERT INTO visits (kind, group_id, household_id, day, what, matter_id, referral_id) "
        "VALUES ('task', $1, $2, $3, $4, $5, $6) "
        f"RETURNING {VISIT_COLUMNS.replace('x.', '')}",
        team_id,
        household,
        task.day,
        task.what,
        matter_id,
        referred.referral.id,
    )
    row = VisitRow(**record)
    await audit.record(
        tx,
        actor,
        "volunteer.task.create",
        f"matter:{matter_id}",
        after={
            "visit": msgspec.structs.asdict(row),
            "consent": {"by": consent.by, "on": consent.on.isoformat(), "note": consent.note},
        },
    )


async def end_declined_help(slug: str, referral_id: int) -> int:
    """The team declined the referral: end the enrolment it made (from today) and cancel
    its planned visits and its task. Idempotent (a second run finds nothing to end).
    Returns the number of visits cancelled."""
    today = localtime.today()
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        reason = await conn.fetchval("SELECT act_note FROM referrals WHERE id = $1", referral_id)
        if reason is None:
            return 0
        ended = await conn.fetch(
            "UPDATE service_enrolments SET ended_on = greatest(enrolled_on, $2::date), "
            "ended_reason = $3 WHERE referral_id = $1 AND ended_on IS NULL "
            "RETURNING service_id, household_id, ended_on",
            referral_id,
            today,
            f"义工队婉拒：{reason}",
        )
        cancelled = 0
        for e in ended:
            service = await queries.service_in(conn, e["service_id"])
            # Declined today: today's planned visit is cancelled too.
            yesterday = today - timedelta(days=1)
            cancelled += await cancel_after_in_tx(conn, service, e["household_id"], yesterday)
        cancelled += int(
            await conn.fetchval(
                "WITH c AS (UPDATE visits SET status = 'cancelled' WHERE referral_id = $1 "
                "AND kind = 'task' AND status = 'planned' RETURNING 1) SELECT count(*) FROM c",
                referral_id,
            )
        )
    return cancelled


async def help_for_matters(conn: Any, matter_ids: Iterable[int]) -> dict[int, list[Help]]:
    """The help teams give for each matter (oldest first): enrolments made by its referrals
    and its tasks, each with the next planned visit and the last one past or reported."""
    ids = sorted(set(matter_ids))
    out: dict[int, list[Help]] = {m: [] for m in ids}
    if not ids:
        return out
    today = localtime.today()
    enrolled = await conn.fetch(
        "SELECT e.matter_id, e.ended_on, e.ended_reason, s.title_zh, g.id AS team_id, "
        "g.name_zh, g.name_en, n.id AS next_id, l.id AS last_id "
        "FROM service_enrolments e JOIN volunteer_services s ON s.id = e.service_id "
        "JOIN groups g ON g.id = s.group_id "
        "LEFT JOIN LATERAL (SELECT x.id FROM visits x WHERE x.service_id = e.service_id "
        "  AND x.household_id = e.household_id AND x.status = 'planned' AND x.day >= $2 "
        "  ORDER BY x.day LIMIT 1) n ON true "
        "LEFT JOIN LATERAL (SELECT x.id FROM visits x WHERE x.service_id = e.service_id "
        "  AND x.household_id = e.household_id AND x.status <> 'cancelled' "
        "  AND (x.day < $2 OR x.status <> 'planned') ORDER BY x.day DESC LIMIT 1) l ON true "
        "WHERE e.matter_id = ANY($1::int[]) ORDER BY e.id",
        ids,
        today,
    )
    tasks = await conn.fetch(
        "SELECT x.matter_id, x.id, x.status, x.day, x.what, g.id AS team_id, g.name_zh, "
        "g.name_en FROM visits x JOIN groups g ON g.id = x.group_id "
        "WHERE x.kind = 'task' AND x.matter_id = ANY($1::int[]) ORDER BY x.id",
        ids,
    )
    visit_ids = [r["next_id"] for r in enrolled if r["next_id"]]
    visit_ids += [r["last_id"] for r in enrolled if r["last_id"]]
    visit_ids += [r["id"] for r in tasks]
    visits = {
        r["id"]: VisitRow(**r)
        for r in await conn.fetch(
            f"SELECT {VISIT_COLUMNS} FROM visits x WHERE x.id = ANY($1::int[])", visit_ids
        )
    }
    for r in enrolled:
        out[r["matter_id"]].append(
            Help(
                kind="service",
                team_id=r["team_id"],
                team_name_zh=r["name_zh"],
                team_name_en=r["name_en"],
                title=r["title_zh"],
                active=r["ended_on"] is None,
                ended_reason=r["ended_reason"],
                next_visit=visits.get(r["next_id"]) if r["ended_on"] is None else None,
                last_visit=visits.get(r["last_id"]),
            )
        )
    for r in tasks:
        visit = visits[r["id"]]
        pending = visit.status == "planned" and visit.day >= today
        out[r["matter_id"]].append(
            Help(
                kind="task",
                team_id=r["team_id"],
                team_name_zh=r["name_zh"],
                team_name_en=r["name_en"],
                title=visit.what,
                active=visit.status != "cancelled",
                ended_reason="",
                next_visit=visit if pending else None,
                last_visit=None if pending or visit.status == "cancelled" else visit,
            )
        )
    return out


async def matter_help(slug: str, matter_ids: list[int]) -> dict[int, list[Help]]:
    """``help_for_matters`` in one read-only transaction (the matters were already found
    visible to the caller: help follows the matter)."""
    async with tenant_tx(slug, snapshot=True) as tx:
        return await help_for_matters(tx.connection, matter_ids)
