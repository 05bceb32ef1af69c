"""Use cases of the dog owners' association (养犬自治协会): the dogs register, incidents, duties.

Each public handler is ONE tenant transaction, in the pattern of ``handlers.py``: who is
acting is checked in the context (the group's leader and core, the community's cadres; a
member for their own household's dogs and duties), the rules are the model's, the audit
entry is written with the act, and what the caller shows is returned. A refused act writes
nothing. An incident's duties come from the convention's clauses in force, derived by the
pure ``derive_duties``; a duty left unfulfilled past due is escalated into a matter through
the matters context's own in-transaction functions: one case identity, no copy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import msgspec

from services import audit, localtime
from services.auth.model import Principal
from services.auth.permissions import allowed
from services.errors import Forbidden, InvalidInput, SanshiError
from services.groups import queries
from services.groups.handlers import _as_audit, _member_in, managed_group_in, writer_of
from services.groups.model import (
    BREED_LIMIT,
    DESCRIPTION_LIMIT,
    DOG_NAME_LIMIT,
    EVIDENCE_LIMIT,
    LICENSE_LIMIT,
    PARTY_LIMIT,
    PLACE_LIMIT,
    REASON_LIMIT,
    DogFacts,
    DogNotFound,
    DogNotOfMember,
    DogRemoved,
    DutyKind,
    DutyNotFound,
    DutyState,
    GroupMemberNotFound,
    GroupNotFound,
    HouseholdNotAMember,
    IncidentKind,
    MemberHasLeft,
    SizeClass,
    check_during_membership,
    check_escalate,
    check_occurred,
    check_open,
    check_settle,
    check_vaccinated,
    derive_duties,
    due_time,
)
from services.groups.queries import (
    DogRow,
    DogView,
    DutyRow,
    DutyView,
    GroupView,
    IncidentRow,
    IncidentView,
    Reader,
)
from services.households import queries as household_queries
from services.households.model import HouseholdNotFound
from services.kernel.text import clean_text
from services.matters import handlers as matters
from services.matters import queries as matter_queries
from services.matters.model import Channel, MatterKind, MatterStatus
from services.matters.permissions import RECLASSIFY
from services.settings import Settings
from tenants.db import SanshiTransaction
from tenants.tx import tenant_tx

# The category a duty's matter is registered under unless the escalator names another:
# the community's "pets" (宠物饲养), whose county rule routes a major matter to public
# security (services/departments/defaults.py).
DEFAULT_ESCALATION_CATEGORY = "pets"


# -- inputs --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DogInput:
    """A dog registered to a member household."""

    household_id: int
    name: str
    size_class: SizeClass
    breed: str = ""
    fierce: bool = False
    vaccinated_on: date | None = None
    license_no: str | None = None


@dataclass(frozen=True)
class DogUpdate:
    """A new vaccination date and/or licence number; None leaves the field as it is."""

    vaccinated_on: date | None = None
    license_no: str | None = None


@dataclass(frozen=True)
class IncidentInput:
    """What happened, against which member (and dog), where, when, and to whom."""

    kind: IncidentKind
    member_id: int
    occurred_at: datetime
    dog_id: int | None = None
    place: str = ""
    affected_party: str = ""
    description: str = ""


@dataclass(frozen=True)
class EscalationInput:
    """How an unfulfilled duty becomes a matter: a minor matter for community mediation
    unless a major one, routed to county departments, is asked for; under a category of
    the community's (default: pets); with the escalator's reason."""

    kind: MatterKind = MatterKind.MINOR
    category: str = DEFAULT_ESCALATION_CATEGORY
    reason: str = ""


# -- access --------------------------------------------------------------------------------
async def _household_act_in(
    tx: SanshiTransaction,
    reader: Reader,
    group_id: int,
    household_id: int,
    refused: type[SanshiError],
    *,
    open_only: bool = True,
) -> GroupView:
    """The group, locked, for an act on ``household_id``'s dogs: those who manage the group
    act on every household's, anyone else on their own household's only (``refused``
    otherwise); a group the caller cannot see is missing."""
    conn = tx.connection
    view = await queries.view_in(conn, reader, group_id)
    if not view.access.manage:
        own = await household_queries.own_household_id(reader.actor.subject)
        if own is None or own != household_id:
            if refused is Forbidden and not view.access.read:
                raise GroupNotFound()
            raise refused()
    await conn.execute("SELECT 1 FROM groups WHERE id = $1 FOR UPDATE", group_id)
    if open_only:
        check_open(view.group.dissolved_on)
    return view


async def _is_member_household(tx: SanshiTransaction, group_id: int, household_id: int) -> bool:
    """Is the household a current member of the group (in its own name, or through a
    resident of it who is a member)?"""
    return bool(
        await tx.connection.fetchval(
            "SELECT EXISTS (SELECT 1 FROM group_members WHERE group_id = $1 "
            "AND household_id = $2 AND left_on IS NULL)",
            group_id,
            household_id,
        )
    )


async def _dog_view(tx: SanshiTransaction, row: DogRow, today: date) -> DogView:
    return (await queries.dog_views_in(tx.connection, [row], today))[0]


def _license(value: str | None) -> str | None:
    if value is None:
        return None
    return clean_text(value, field="license_no", field_zh="犬证号", limit=LICENSE_LIMIT) or None


# -- the dogs register -----------------------------------------------------------------------
async def register_dog(actor: Principal, slug: str, group_id: int, data: DogInput) -> DogView:
    """Register a dog of a member household (the group's leader and core, the community's
    cadres; a member for their own household). The household must be a current member
    household of the group (HouseholdNotAMember otherwise)."""
    reader = await writer_of(actor, slug)
    name = clean_text(data.name, field="name", field_zh="犬名", limit=DOG_NAME_LIMIT, required=True)
    breed = clean_text(data.breed, field="breed", field_zh="品种", limit=BREED_LIMIT)
    license_no = _license(data.license_no)
    today = localtime.today()
    check_vaccinated(data.vaccinated_on, today)
    async with tenant_tx(slug) as tx:
        await _household_act_in(tx, reader, group_id, data.household_id, Forbidden)
        if not await household_queries.household_exists(data.household_id):
            raise HouseholdNotFound()
        if not await _is_member_household(tx, group_id, data.household_id):
            raise HouseholdNotAMember()
        record = await tx.connection.fetchrow(
            "INSERT INTO group_dogs (group_id, household_id, name, breed, size_class, fierce, "
            "vaccinated_on, license_no, registered_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
            f"RETURNING {queries.DOG_COLUMNS.replace('d.', '')}",
            group_id,
            data.household_id,
            name,
            breed,
            data.size_class.value,
            data.fierce,
            data.vaccinated_on,
            license_no,
            actor.subject,
        )
        row = DogRow(**record)
        await audit.record(
            tx, actor, "group.dog.register", f"group_dog:{row.id}", after=_as_audit(row)
        )
        return await _dog_view(tx, row, today)


async def _dog_for_act(tx: SanshiTransaction, reader: Reader, dog_id: int) -> DogRow:
    """The dog, locked, if the caller acts on it (its household's, or the group's
    managers); DogNotFound for a dog they may not see, removed ones DogRemoved."""
    dog = await queries.dog_in(tx.connection, dog_id, for_update=True)
    if dog is None:
        raise DogNotFound()
    try:
        await _household_act_in(tx, reader, dog.group_id, dog.household_id, DogNotFound)
    except GroupNotFound:
        raise DogNotFound() from None
    if dog.removed_on is not None:
        raise DogRemoved(removed_on=dog.removed_on.isoformat())
    return dog


async def update_dog(actor: Principal, slug: str, dog_id: int, data: DogUpdate) -> DogView:
    """Record a dog's new vaccination date (免疫日期) and/or licence number (犬证号) (the
    group's managers, or the dog's own household)."""
    reader = await writer_of(actor, slug)
    license_no = _license(data.license_no)
    today = localtime.today()
    check_vaccinated(data.vaccinated_on, today)
    async with tenant_tx(slug) as tx:
        dog = await _dog_for_act(tx, reader, dog_id)
        vaccinated_on = dog.vaccinated_on if data.vaccinated_on is None else data.vaccinated_on
        license_after = dog.license_no if license_no is None else license_no
        if (vaccinated_on, license_after) == (dog.vaccinated_on, dog.license_no):
            return await _dog_view(tx, dog, today)
        record = await tx.connection.fetchrow(
            "UPDATE group_dogs SET vaccinated_on = $2, license_no = $3 WHERE id = $1 "
            f"RETURNING {queries.DOG_COLUMNS.replace('d.', '')}",
            dog_id,
            vaccinated_on,
            license_after,
        )
        row = DogRow(**record)
        await audit.record(
            tx,
            actor,
            "group.dog.update",
            f"group_dog:{dog_id}",
            before={"vaccinated_on": dog.vaccinated_on, "license_no": dog.license_no},
            after={"vaccinated_on": row.vaccinated_on, "license_no": row.license_no},
        )
        return await _dog_view(tx, row, today)


async def remove_dog(
    actor: Principal, slug: str, dog_id: int, removed_on: date, reason: str
) -> DogView:
    """Remove a dog from the register (died, rehomed, moved away): the record is kept, as
    incidents name it (the group's managers, or the dog's own household)."""
    reader = await writer_of(actor, slug)
    reason = clean_text(
        reason, field="reason", field_zh="注销原因", limit=REASON_LIMIT, required=True
    )
    today = localtime.today()
    if removed_on > today:
        raise InvalidInput(field_zh="注销日期不能晚于今天", field_en="removed on a future day")
    async with tenant_tx(slug) as tx:
        dog = await _dog_for_act(tx, reader, dog_id)
        if removed_on < localtime.local_day(dog.registered_at):
            raise InvalidInput(
                field_zh="注销日期早于登记日期", field_en="removed before it was registered"
            )
        record = await tx.connection.fetchrow(
            "UPDATE group_dogs SET removed_on = $2, removed_reason = $3 WHERE id = $1 "
            f"RETURNING {queries.DOG_COLUMNS.replace('d.', '')}",
            dog_id,
            removed_on,
            reason,
        )
        row = DogRow(**record)
        await audit.record(
            tx,
            actor,
            "group.dog.remove",
            f"group_dog:{dog_id}",
            after={"removed_on": removed_on.isoformat(), "reason": reason},
        )
        return await _dog_view(tx, row, today)


# -- incidents and their duties --------------------------------------------------------------
async def record_incident(
    actor: Principal, slug: str, group_id: int, data: IncidentInput
) -> IncidentView:
    """Record an incident against a current member (and a dog of their household), and the
    duties the convention in force makes them owe for it (the group's leader and core, the
    community's cadres). Each clause that governs this kind of incident and binds this dog
    adds its duties, due their hours after the incident; no clause, no duty. The incident
    and its duties are one transaction."""
    reader = await writer_of(actor, slug)
    place = clean_text(data.place, field="place", field_zh="地点", limit=PLACE_LIMIT)
    party = clean_text(
        data.affected_party, field="affected_party", field_zh="受影响方", limit=PARTY_LIMIT
    )
    description = clean_text(
        data.description,
        field="description",
        field_zh="经过",
        limit=DESCRIPTION_LIMIT,
        multiline=True,
    )
    now = localtime.now()
    check_occurred(data.occurred_at, now)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        await managed_group_in(tx, reader, group_id)
        member = await _member_in(tx, data.member_id)
        if member.group_id != group_id:
            raise GroupMemberNotFound()
        if member.left_on is not None:
            raise MemberHasLeft(left_on=member.left_on.isoformat())
        check_during_membership(localtime.local_day(data.occurred_at), member.joined_on)
        facts: DogFacts | None = None
        if data.dog_id is not None:
            dog = await queries.dog_in(conn, data.dog_id, group_id=group_id)
            if dog is None:  # another group's, or another community's id: nothing here
                raise DogNotFound()
            if dog.household_id != member.household_id:
                raise DogNotOfMember()
            if dog.removed_on is not None and dog.removed_on < localtime.local_day(
                data.occurred_at
            ):
                raise DogRemoved(removed_on=dog.removed_on.isoformat())
            facts = DogFacts(SizeClass(dog.size_class), dog.fierce)
        in_force = await queries.clauses_in_force_by_version_in(conn, group_id)
        owed = derive_duties(
            [replace(c, version=version_id) for version_id, c in in_force], data.kind, facts
        )
        record = await conn.fetchrow(
            "INSERT INTO group_incidents (group_id, kind, member_id, dog_id, place, occurred_at, "
            "affected_party, description, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
            f"RETURNING {queries.INCIDENT_COLUMNS.replace('i.', '')}",
            group_id,
            data.kind.value,
            member.id,
            data.dog_id,
            place,
            data.occurred_at,
            party,
            description,
            actor.subject,
        )
        incident = IncidentRow(**record)
        duties: list[DutyRow] = []
        for due in owed:
            duty = await conn.fetchrow(
                "INSERT INTO group_duties (incident_id, member_id, kind, clause_number, "
                "version_id, due_at) VALUES ($1, $2, $3, $4, $5, $6) "
                f"RETURNING {queries.DUTY_COLUMNS.replace('u.', '')}",
                incident.id,
                member.id,
                due.kind.value,
                due.clause,
                due.version,
                due_time(incident.occurred_at, due),
            )
            duties.append(DutyRow(**duty))
        await audit.record(
            tx,
            actor,
            "group.incident.record",
            f"group_incident:{incident.id}",
            after={"incident": _as_audit(incident), "duties": [_as_audit(d) for d in duties]},
        )
        return (await queries.incident_views_in(conn, [incident], now))[0]


async def _duty_for_act(
    tx: SanshiTransaction, reader: Reader, duty_id: int
) -> tuple[DutyRow, IncidentRow, GroupView]:
    """The duty (locked), its incident and group, if the caller may see it: those who read
    the group see its duties; anyone else finds it missing."""
    conn = tx.connection
    duty = await queries.duty_in(conn, duty_id, for_update=True)
    if duty is None:
        raise DutyNotFound()
    incident = await queries.incident_in(conn, duty.incident_id)
    if incident is None:  # the foreign key makes this impossible
        raise DutyNotFound()
    try:
        view = await queries.view_in(conn, reader, incident.group_id)
    except GroupNotFound:
        raise DutyNotFound() from None
    return duty, incident, view


async def settle_duty(
    actor: Principal, slug: str, duty_id: int, state: DutyState, evidence: str
) -> DutyView:
    """Record that an owed duty was fulfilled or refused, with the evidence (a receipt, a
    witness, the member's own words): by the member for their own duty, or the group's
    leader, core or the community's cadres. Settled duties are final."""
    reader = await writer_of(actor, slug)
    evidence = clean_text(
        evidence,
        field="evidence",
        field_zh="履行情况说明",
        limit=EVIDENCE_LIMIT,
        required=True,
        multiline=True,
    )
    now = localtime.now()
    async with tenant_tx(slug) as tx:
        duty, _incident, view = await _duty_for_act(tx, reader, duty_id)
        if not view.access.manage:
            member = await _member_in(tx, duty.member_id)
            own = await household_queries.own_household_id(actor.subject)
            if own is None or own != member.household_id:
                raise DutyNotFound()
        check_settle(DutyState(duty.state), state)
        record = await tx.connection.fetchrow(
            "UPDATE group_duties SET state = $2, evidence = $3, settled_by = $4, settled_at = $5 "
            f"WHERE id = $1 RETURNING {queries.DUTY_COLUMNS.replace('u.', '')}",
            duty_id,
            state.value,
            evidence,
            actor.subject,
            now,
        )
        row = DutyRow(**record)
        await audit.record(
            tx,
            actor,
            "group.duty.settle",
            f"group_duty:{duty_id}",
            before={"state": duty.state},
            after={"state": row.state, "evidence": evidence},
        )
        return queries.duty_view(row, now)


def _clip(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters (an ellipsis marks a cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _local(instant: datetime) -> str:
    return instant.astimezone(localtime.TIME_ZONE).strftime("%Y-%m-%d %H:%M")


def _matter_text(
    group: GroupView,
    incident: IncidentRow,
    duty: DutyRow,
    dog: DogRow | None,
    reason: str,
    limit: int,
) -> str:
    """The matter's description: which group, incident and duty it comes from, in Chinese
    and English, then the escalator's reason and the incident as recorded."""
    g = group.group
    kind, owed = IncidentKind(incident.kind), DutyKind(duty.kind)
    where = f"，地点：{incident.place}" if incident.place else ""
    lines = [
        f"由居民组织「{g.name_zh}」升级：事件 #{incident.id}（{kind.label_zh}，"
        f"{_local(incident.occurred_at)}{where}），义务 #{duty.id}「{owed.label_zh}」"
        f"（公约第 {duty.clause_number} 条）应于 {_local(duty.due_at)} 前履行，逾期未履行。",
        f"Escalated from the group '{g.name_en or g.name_zh}': incident #{incident.id} "
        f"({kind.label_en.lower()}), duty #{duty.id} ({owed.label_en.lower()}) under clause "
        f"{duty.clause_number}, due {_local(duty.due_at)}, not fulfilled.",
    ]
    if incident.affected_party:
        lines.append(f"受影响方 / Affected: {incident.affected_party}")
    if dog is not None:
        size = SizeClass(dog.size_class)
        notes = [size.label_zh]
        if dog.fierce:
            notes.append("烈性犬")
        notes.append(f"犬证号 {dog.license_no}" if dog.license_no else "未办犬证")
        lines.append(f"犬只 / Dog: {dog.name}（{'，'.join(notes)}）")
    if reason:
        lines.append(f"升级理由 / Why: {reason}")
    text = "\n".join(lines)
    if incident.description:
        text = f"{text}\n经过 / What happened: {incident.description}"
    return _clip(text, limit)


async def escalate_duty(
    actor: Principal, slug: str, duty_id: int, data: EscalationInput, settings: Settings
) -> DutyView:
    """Escalate an owed duty past its due time into a matter (升级为事项), once.

    The matter is registered for the member's household through the matters context's
    own ``register_request_in_tx``, and its kind decided on the spot through the path a
    council decision takes (``transition_in_tx`` to awaiting the council, then
    ``classify_in_tx``): a minor matter for community mediation, or a major one, whose
    ``matter.major`` message routes it to the county departments of its category (pets:
    public security). Deciding a matter's kind on the spot is the matters context's
    RECLASSIFY right (cadres, grid workers); among them, those who manage the group (the
    community's cadres) escalate its duties. The duty keeps the matter's id; the matter's
    text names the group, the incident and the duty. All in one transaction, which also
    reads the matter as the result shows it.
    """
    reader = await writer_of(actor, slug)
    if not allowed(actor, RECLASSIFY, slug, reader.community.county_code):
        raise Forbidden()
    if data.kind is MatterKind.PRIVATE:
        raise InvalidInput(
            field_zh="义务只能升级为小事或大事",
            field_en="a duty is escalated into a minor or a major matter",
        )
    reason = clean_text(
        data.reason, field="reason", field_zh="升级理由", limit=REASON_LIMIT, multiline=True
    )
    now = localtime.now()
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        duty, incident, view = await _duty_for_act(tx, reader, duty_id)
        if not view.access.manage:
            if not view.access.read:
                raise DutyNotFound()
            raise Forbidden()
        number = None
        if duty.matter_id is not None:
            earlier = await matter_queries.matter_by_id_in(conn, duty.matter_id)
            number = earlier.number if earlier is not None else str(duty.matter_id)
        check_escalate(DutyState(duty.state), duty.due_at, now, number)
        member = await _member_in(tx, duty.member_id)
        household = (await household_queries.households_by_id_in(conn, [member.household_id])).get(
            member.household_id
        )
        if household is None:  # the foreign key makes this impossible
            raise HouseholdNotFound()
        dog = None
        if incident.dog_id is not None:
            dog = await queries.dog_in(conn, incident.dog_id)
        kind, owed = IncidentKind(incident.kind), DutyKind(duty.kind)
        title = _clip(
            f"{kind.label_zh}：逾期未{owed.label_zh}（{view.group.name_zh}）",
            settings.max_title_length,
        )
        request = matters.RegisterRequestInput(
            household_id=household.id,
            # The group brings its case to the community's office: a walk-in (来访).
            channel=Channel.WALK_IN,
            category=clean_text(data.category, field="category", field_zh="类别", limit=60),
            title=title,
            description=_matter_text(view, incident, duty, dog, reason, settings.max_text_length),
            occurred_on=localtime.local_day(incident.occurred_at),
            place=_clip(incident.place, settings.max_title_length),
        )
        why = reason or (
            f"居民组织义务逾期未履行，升级为{data.kind.label_zh} / "
            f"A group duty unfulfilled past due, escalated as a {data.kind.label_en.lower()}"
        )
        registered = await matters.register_request_in_tx(tx, actor, household, request, settings)
        waiting = await matters.transition_in_tx(
            tx, actor, registered, MatterStatus.AWAITING_COUNCIL, reason=why
        )
        classified = await matters.classify_in_tx(tx, actor, waiting, data.kind, reasoning=why)
        record = await conn.fetchrow(
            "UPDATE group_duties SET matter_id = $2, escalated_by = $3, escalated_at = $4 "
            f"WHERE id = $1 RETURNING {queries.DUTY_COLUMNS.replace('u.', '')}",
            duty_id,
            registered.id,
            actor.subject,
            now,
        )
        row = DutyRow(**record)
        await audit.record(
            tx,
            actor,
            "group.duty.escalate",
            f"group_duty:{duty_id}",
            after={"matter_id": registered.id, "kind": data.kind.value, "reason": reason},
        )
        shown = await matter_queries.view_in(tx, classified.matter)
        return msgspec.structs.replace(queries.duty_view(row, now), matter=shown)
