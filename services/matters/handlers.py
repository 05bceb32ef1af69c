"""Use cases of the matters context: registering requests, status changes, classification.

GraphQL, the CLI, the council's deliberation and workers all call these. Each public
handler is one transaction (``tenant_tx``); the ``*_in_tx`` functions run inside a
transaction the caller already holds (the council's decision classifies the matter in the
same transaction that records the tally).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from services import audit
from services.auth.model import Principal
from services.auth.permissions import Op, allowed
from services.communities.handlers import community_for
from services.households.tables import Household, Resident
from services.matters import model
from services.matters.errors import HouseholdNotFound, MatterNotFound
from services.matters.model import (
    Channel,
    Circumstances,
    MatterKind,
    MatterStatus,
    SuggestionRule,
)
from services.matters.tables import (
    Category,
    ClassificationSheet,
    CommunitySettings,
    Matter,
    MatterTransition,
    SuggestionRuleRow,
)
from services.settings import Settings
from tenants.db import SanshiTransaction
from tenants.tx import tenant_tx
from workers import outbox

MAJOR_TOPIC = "matter.major"
# Explicit column list for raw SQL on matters (never SELECT *: see docs/tenancy.md, trap 7).
MATTER_COLUMNS = ", ".join(c._meta.db_column_name for c in Matter.all_columns())


@dataclass(frozen=True)
class RegisterRequestInput:
    """What a grid worker (or cadre, council member, resident) records for a new request."""

    household_id: int
    channel: Channel
    category: str
    title: str
    description: str
    occurred_on: date
    place: str = ""
    raised_by_resident_id: int | None = None


# -- access ------------------------------------------------------------------------------
async def resident_household(subject: str) -> int | None:
    """The household of the resident who signs in as ``subject`` (inside a tenant_tx)."""
    rows = await Resident.select(Resident.household_id).where(Resident.subject == subject).run()
    return rows[0]["household_id"] if rows else None


async def access_matter_in_tx(
    actor: Principal, slug: str, county: str, matter_id: int, *, for_update: bool = False
) -> dict[str, Any]:
    """The matter row if ``actor`` may see it, else MatterNotFound (missing looks the same).

    Staff, council members and county users with the ledger permission see every matter
    of the community; a resident sees only their own household's.
    """
    query = Matter.select().where(Matter.id == matter_id)
    if for_update:
        query = query.lock_rows("UPDATE")
    rows = await query.run()
    if not rows:
        raise MatterNotFound()
    row = rows[0]
    if allowed(actor, Op.VIEW_LEDGER, slug, county):
        return row
    own = allowed(actor, Op.VIEW_OWN_MATTERS, slug, county)
    if own and await resident_household(actor.subject) == row["household_id"]:
        return row
    raise MatterNotFound()


# -- rules as stored -----------------------------------------------------------------------
def rule_from_row(row: dict[str, Any]) -> SuggestionRule:
    """A stored suggestion rule as the pure model's value object."""
    cond = row["conditions"]
    if isinstance(cond, str):
        cond = json.loads(cond)
    return SuggestionRule(
        id=row["id"],
        category=row["category"],
        kind=MatterKind(row["kind"]),
        reason_zh=row["reason_zh"],
        reason_en=row["reason_en"],
        priority=row["priority"],
        any_of=frozenset(model.Circumstance(c) for c in cond.get("any_of", [])),
        all_of=frozenset(model.Circumstance(c) for c in cond.get("all_of", [])),
        referable=bool(cond.get("referable", False)),
    )


def circumstances_of(household: dict[str, Any]) -> Circumstances:
    """A household row's circumstances as the pure model's value object."""
    return Circumstances(**{c.value: bool(household[c.value]) for c in model.Circumstance})


async def _active_rules() -> list[SuggestionRule]:
    rows = await SuggestionRuleRow.select().where(SuggestionRuleRow.active.eq(True)).run()
    return [rule_from_row(r) for r in rows]


# -- history ---------------------------------------------------------------------------------
async def transition_in_tx(
    tx: SanshiTransaction,
    actor: Principal,
    matter: dict[str, Any],
    target: MatterStatus,
    *,
    reason: str | None = None,
) -> dict[str, Any]:
    """Move ``matter`` to ``target`` if the lifecycle allows it; record who, when, why.

    Returns the updated row. IllegalTransition / ReasonRequired are typed errors.
    """
    current = MatterStatus(matter["status"])
    model.check_transition(current, target, reason=reason)
    extra = ""
    if target is MatterStatus.RESOLVED:
        extra = ", resolved_at = now()"
    elif target is MatterStatus.CLOSED:
        extra = ", closed_at = now()"
    elif target is MatterStatus.REOPENED:
        extra = ", resolved_at = NULL"
    row = await tx.connection.fetchrow(
        f"UPDATE matters SET status = $2, updated_at = now(){extra} WHERE id = $1 "
        f"RETURNING {MATTER_COLUMNS}",
        matter["id"],
        target.value,
    )
    await MatterTransition.insert(
        MatterTransition(
            matter_id=matter["id"],
            from_status=current.value,
            to_status=target.value,
            actor=actor.subject,
            actor_role=actor.primary_role.value,
            reason=(reason or "").strip(),
        )
    ).run()
    await audit.record(
        tx,
        actor,
        f"matter.{target.value}",
        f"matter:{matter['id']}",
        before={"status": current.value},
        after={"status": target.value, "reason": reason},
    )
    return dict(row)


# -- registration ----------------------------------------------------------------------------
def _check_request_text(settings: Settings, data: RegisterRequestInput) -> None:
    model.check_text("title", data.title, settings.max_title_length)
    model.check_text("description", data.description, settings.max_text_length)
    model.check_text("place", data.place, settings.max_title_length)
    if not data.title.strip() or not data.description.strip():
        raise model.InvalidInput(
            field_zh="诉求标题和描述不能为空", field_en="a request needs a title and a description"
        )


async def register_request(
    actor: Principal, slug: str, data: RegisterRequestInput, settings: Settings
) -> dict[str, Any]:
    """Register a resident's request (登记造册) with the suggested kind; status registered.

    A resident may register only for their own household; anyone else's household looks
    missing to them. The suggestion comes from the community's rules and the household's
    circumstances; the council sees it and decides.
    """
    info = await community_for(actor, slug, Op.REGISTER_REQUEST)
    _check_request_text(settings, data)
    async with tenant_tx(slug) as tx:
        households = await Household.select().where(Household.id == data.household_id).run()
        if not households:
            raise HouseholdNotFound()
        household = households[0]
        # A resident registers for their own household only; others look missing.
        resident_only = not allowed(actor, Op.VIEW_LEDGER, slug, info.county_code)
        if resident_only and await resident_household(actor.subject) != household["id"]:
            raise HouseholdNotFound()
        categories = await Category.select(Category.code).where(Category.active.eq(True)).run()
        model.check_category(data.category, {c["code"] for c in categories})
        if data.raised_by_resident_id is not None:
            raised = (
                await Resident.select(Resident.household_id)
                .where(Resident.id == data.raised_by_resident_id)
                .run()
            )
            if not raised or raised[0]["household_id"] != household["id"]:
                raise model.InvalidInput(
                    field_zh="提出诉求的居民不属于该住户",
                    field_en="the resident raising the request is not of that household",
                )
        suggestion = model.suggest(
            data.category, circumstances_of(household), await _active_rules()
        )
        prefix = (await CommunitySettings.select(CommunitySettings.matter_prefix).run())[0][
            "matter_prefix"
        ]
        next_id = await tx.connection.fetchval(
            "SELECT nextval(pg_get_serial_sequence('matters', 'id'))"
        )
        row = (
            await Matter.insert(
                Matter(
                    id=next_id,
                    number=f"{prefix}{data.occurred_on.year}-{next_id:06d}",
                    household_id=household["id"],
                    raised_by_resident_id=data.raised_by_resident_id,
                    grid_id=household["grid_id"],
                    registered_by=actor.subject,
                    registered_by_role=actor.primary_role.value,
                    channel=data.channel.value,
                    category=data.category,
                    title=data.title.strip(),
                    description=data.description.strip(),
                    place=data.place.strip(),
                    occurred_on=data.occurred_on,
                    suggested_kind=suggestion.kind.value,
                    suggestion_rule_id=suggestion.rule_id,
                    suggestion_reason_zh=suggestion.reason_zh,
                    suggestion_reason_en=suggestion.reason_en,
                )
            )
            .returning(*Matter.all_columns())
            .run()
        )[0]
        await MatterTransition.insert(
            MatterTransition(
                matter_id=row["id"],
                from_status=None,
                to_status=MatterStatus.REGISTERED.value,
                actor=actor.subject,
                actor_role=actor.primary_role.value,
                reason="",
            )
        ).run()
        await audit.record(tx, actor, "matter.register", f"matter:{row['id']}", after=row)
    return row


# -- classification --------------------------------------------------------------------------
async def classify_in_tx(
    tx: SanshiTransaction,
    actor: Principal,
    matter: dict[str, Any],
    kind: MatterKind,
    *,
    reasoning: str,
    explanation: str = "",
    agenda_item_id: int | None = None,
    tally: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Record the council's decision on ``matter`` (awaiting council -> classified).

    Writes version 1 of the classification sheet (kind, responsible party, reasoning, the
    tally and whether the suggestion was followed), sets the matter's kind and responsible
    party, and — for a major matter — an outbox message ``matter.major`` in this same
    transaction, so the routing to county departments can never be lost or doubled.
    """
    updated = await transition_in_tx(tx, actor, matter, MatterStatus.CLASSIFIED)
    responsible = model.responsible_for(kind)
    suggested = matter["suggested_kind"]
    sheet = (
        await ClassificationSheet.insert(
            ClassificationSheet(
                matter_id=matter["id"],
                version=1,
                kind=kind.value,
                previous_kind=None,
                responsible=responsible.value,
                reasoning=reasoning.strip(),
                explanation=explanation.strip(),
                agenda_item_id=agenda_item_id,
                suggested_kind=suggested,
                suggestion_followed=None if suggested is None else suggested == kind.value,
                tally=tally or {},
                decided_by=actor.subject,
                decided_by_role=actor.primary_role.value,
            )
        )
        .returning(*ClassificationSheet.all_columns())
        .run()
    )[0]
    await (
        Matter.update({Matter.kind: kind.value, Matter.responsible: responsible.value})
        .where(Matter.id == matter["id"])
        .run()
    )
    if kind is MatterKind.MAJOR:
        await outbox.enqueue(
            tx,
            MAJOR_TOPIC,
            {"matter_id": matter["id"], "sheet_version": sheet["version"]},
            community=tx.slug,
        )
    await audit.record(
        tx,
        actor,
        "matter.classify",
        f"matter:{matter['id']}",
        before={"kind": None},
        after={"kind": kind.value, "responsible": responsible.value, "sheet": sheet["version"]},
    )
    updated.update(kind=kind.value, responsible=responsible.value)
    return sheet
