"""Use cases of the matters context: registering requests, status changes, classification.

GraphQL, the CLI, the council's deliberation and workers all call these. Each public
handler is one transaction (``tenant_tx``); the ``*_in_tx`` functions run inside a
transaction the caller already holds (the council's decision classifies the matter in the
same transaction that records the tally). Handlers return typed rows
(``services.matters.rows``); those whose result is a matter take ``related`` (what the
caller will show under it, ``queries.fetch_related``) and read it in their own transaction,
so the caller never opens a second one to show what the act just wrote.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import msgspec

from services import audit
from services.auth.model import Principal
from services.auth.permissions import Op, allowed
from services.communities.handlers import community_for
from services.communities.permissions import VIEW_LEDGER, VIEW_OWN_MATTERS
from services.errors import InvalidInput, NotFound, SanshiError
from services.households import queries as household_queries
from services.households.model import HouseholdNotFound
from services.households.queries import HouseholdRow
from services.matters import model
from services.matters.errors import MatterNotFound
from services.matters.model import (
    Channel,
    MatterKind,
    MatterStatus,
    ReferralStatus,
    SuggestionRule,
)
from services.matters.permissions import (
    FOLLOW_UP,
    GIVE_FEEDBACK,
    MANAGE_CATEGORIES,
    RECLASSIFY,
    REGISTER_REQUEST,
    WITHDRAW,
)
from services.matters.queries import (
    MATTER_COLUMNS,
    REFERRAL_COLUMNS,
    RelatedReader,
    access_matter_in_tx,
    resident_household,
    view_in,
)
from services.matters.rows import (
    CategoryRow,
    Classified,
    CommitmentRow,
    MatterRow,
    MatterSettingsRow,
    MatterView,
    NegotiationRow,
    ReferralRow,
    RuleRow,
    SheetRow,
    columns_of,
)
from services.matters.tables import (
    Category,
    ClassificationSheet,
    Commitment,
    CommunitySettings,
    Feedback,
    Matter,
    MatterTransition,
    Negotiation,
    Referral,
    SuggestionRuleRow,
)
from services.settings import Settings
from tenants.db import SanshiTransaction
from tenants.provisioning import CommunityInfo
from tenants.tx import tenant_tx
from workers import outbox, registry

MAJOR_TOPIC = "matter.major"
# Routing major matters to county departments is the routing context's actor (issue 4).
# The topic is declared here, by its producer, so classification can write it now; the
# relay publishes its rows once the routing actor is deployed (docs/queues.md).
registry.topic(MAJOR_TOPIC, "routing.route_major_matter")
# A major matter withdrawn, or reclassified to minor/private: its open department tickets
# are cancelled (the routing context's actor), so departments stop working on it.
ROUTING_ENDED_TOPIC = "matter.routing_ended"
registry.topic(ROUTING_ENDED_TOPIC, "routing.cancel_matter_tickets")


async def _end_routing_in_tx(tx: SanshiTransaction, matter_id: int, reason: str) -> None:
    """Queue the cancellation of the matter's open tickets (same transaction as the act)."""
    await outbox.enqueue(
        tx, ROUTING_ENDED_TOPIC, {"matter_id": matter_id, "reason": reason}, community=tx.slug
    )


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


# -- rules as stored -----------------------------------------------------------------------
def rule_from_row(row: RuleRow) -> SuggestionRule:
    """A stored suggestion rule as the pure model's value object."""
    cond = row.conditions
    if isinstance(cond, str):
        cond = json.loads(cond)
    return SuggestionRule(
        id=row.id,
        category=row.category,
        kind=MatterKind(row.kind),
        reason_zh=row.reason_zh,
        reason_en=row.reason_en,
        priority=row.priority,
        any_of=frozenset(model.Circumstance(c) for c in cond.get("any_of", [])),
        all_of=frozenset(model.Circumstance(c) for c in cond.get("all_of", [])),
        referable=bool(cond.get("referable", False)),
    )


async def _active_rules() -> list[SuggestionRule]:
    rows = await SuggestionRuleRow.select().where(SuggestionRuleRow.active.eq(True)).run()
    return [rule_from_row(RuleRow(**r)) for r in rows]


# -- history ---------------------------------------------------------------------------------
async def transition_in_tx(
    tx: SanshiTransaction,
    actor: Principal,
    matter: MatterRow,
    target: MatterStatus,
    *,
    reason: str | None = None,
) -> MatterRow:
    """Move ``matter`` to ``target`` if the lifecycle allows it; record who, when, why.

    Returns the updated row. IllegalTransition / ReasonRequired are typed errors.
    """
    current = MatterStatus(matter.status)
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
        matter.id,
        target.value,
    )
    await MatterTransition.insert(
        MatterTransition(
            matter_id=matter.id,
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
        f"matter:{matter.id}",
        before={"status": current.value},
        after={"status": target.value, "reason": reason},
    )
    return MatterRow(*row)


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
    actor: Principal,
    slug: str,
    data: RegisterRequestInput,
    settings: Settings,
    *,
    related: Iterable[str] = (),
    readers: Mapping[str, RelatedReader] | None = None,
) -> MatterView:
    """Register a resident's request (登记造册) with the suggested kind; status registered.

    A resident may register only for their own household; anyone else's household looks
    missing to them. The suggestion comes from the community's rules and the household's
    circumstances; the council sees it and decides. Returns the matter with the
    ``related`` rows (see the module's docstring).
    """
    info = await community_for(actor, slug, REGISTER_REQUEST)
    _check_request_text(settings, data)
    async with tenant_tx(slug) as tx:
        household = await household_queries.household_by_id(data.household_id)
        if household is None:
            raise HouseholdNotFound()
        # A resident registers for their own household only; others look missing.
        resident_only = not allowed(actor, VIEW_LEDGER, slug, info.county_code)
        if resident_only and await resident_household(actor.subject) != household.id:
            raise HouseholdNotFound()
        row = await register_request_in_tx(tx, actor, household, data, settings)
        return await view_in(tx, row, related, readers)


async def register_request_in_tx(
    tx: SanshiTransaction,
    actor: Principal,
    household: HouseholdRow,
    data: RegisterRequestInput,
    settings: Settings,
) -> MatterRow:
    """Register a request for ``household`` inside the caller's transaction: the text,
    category and raising resident checked, the suggested kind, the matter, its first
    history row and the audit entry. The caller decided who may register for that
    household (a context above this one escalating its own record into a matter).
    Returns the new matter.
    """
    _check_request_text(settings, data)
    categories = await Category.select(Category.code).where(Category.active.eq(True)).run()
    model.check_category(data.category, {c["code"] for c in categories})
    if data.raised_by_resident_id is not None:
        raised = await household_queries.resident_by_id(data.raised_by_resident_id)
        if raised is None or raised.household_id != household.id:
            raise model.InvalidInput(
                field_zh="提出诉求的居民不属于该住户",
                field_en="the resident raising the request is not of that household",
            )
    suggestion = model.suggest(data.category, household.circumstances, await _active_rules())
    prefix = (await CommunitySettings.select(CommunitySettings.matter_prefix).run())[0][
        "matter_prefix"
    ]
    next_id = await tx.connection.fetchval(
        "SELECT nextval(pg_get_serial_sequence('matters', 'id'))"
    )
    inserted = (
        await Matter.insert(
            Matter(
                id=next_id,
                number=f"{prefix}{data.occurred_on.year}-{next_id:06d}",
                household_id=household.id,
                raised_by_resident_id=data.raised_by_resident_id,
                grid_id=household.grid_id,
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
    row = MatterRow(**inserted)
    await MatterTransition.insert(
        MatterTransition(
            matter_id=row.id,
            from_status=None,
            to_status=MatterStatus.REGISTERED.value,
            actor=actor.subject,
            actor_role=actor.primary_role.value,
            reason="",
        )
    ).run()
    await audit.record(tx, actor, "matter.register", f"matter:{row.id}", after=inserted)
    return row


# -- classification --------------------------------------------------------------------------
async def classify_in_tx(
    tx: SanshiTransaction,
    actor: Principal,
    matter: MatterRow,
    kind: MatterKind,
    *,
    reasoning: str,
    explanation: str = "",
    agenda_item_id: int | None = None,
    tally: dict[str, Any] | None = None,
) -> Classified:
    """Record the council's decision on ``matter`` (awaiting council -> classified).

    Writes version 1 of the classification sheet (kind, responsible party, reasoning, the
    tally and whether the suggestion was followed), sets the matter's kind and responsible
    party, and — for a major matter — an outbox message ``matter.major`` in this same
    transaction, so the routing to county departments can never be lost or doubled.
    Returns the matter as it now is and the sheet.
    """
    updated = await transition_in_tx(tx, actor, matter, MatterStatus.CLASSIFIED)
    responsible = model.responsible_for(kind)
    suggested = matter.suggested_kind
    sheet = SheetRow(
        **(
            await ClassificationSheet.insert(
                ClassificationSheet(
                    matter_id=matter.id,
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
    )
    await (
        Matter.update({Matter.kind: kind.value, Matter.responsible: responsible.value})
        .where(Matter.id == matter.id)
        .run()
    )
    if kind is MatterKind.MAJOR:
        await outbox.enqueue(
            tx,
            MAJOR_TOPIC,
            {"matter_id": matter.id, "sheet_version": sheet.version},
            community=tx.slug,
        )
    await audit.record(
        tx,
        actor,
        "matter.classify",
        f"matter:{matter.id}",
        before={"kind": None},
        after={"kind": kind.value, "responsible": responsible.value, "sheet": sheet.version},
    )
    classified = msgspec.structs.replace(updated, kind=kind.value, responsible=responsible.value)
    return Classified(matter=classified, sheet=sheet)


async def store_decision_rules_in_tx(tx: SanshiTransaction, stored: dict[str, Any]) -> None:
    """Write the council's decision rules (as ``councils.model.rules_to_json`` stores them)
    to the community's settings row, in the caller's transaction (which holds the row's
    lock: ``queries.settings_in(for_update=True)``)."""
    await tx.connection.execute(
        "UPDATE community_settings SET decision_rules = $1::jsonb, updated_at = now() WHERE id = 1",
        json.dumps(stored),
    )


# ==========================================================================================
# Follow-up: from a decided matter to a solved one (直至问题解决)
# ==========================================================================================


class WrongKind(SanshiError):
    """The act belongs to matters of other kinds (e.g. a negotiation on a private matter)."""

    code = "WRONG_KIND"
    zh = "此操作只适用于{kinds_zh}（本事项是{kind_zh}）"
    en = "This applies to {kinds_en} only (this matter is {kind_en})"

    @classmethod
    def expected(cls, kinds: tuple[MatterKind, ...], actual: MatterKind | None) -> WrongKind:
        """The error naming the kinds the act needs and the matter's own."""
        return cls(
            kinds=[k.value for k in kinds],
            kinds_zh="、".join(k.label_zh for k in kinds),
            kinds_en=" or ".join(k.label_en.lower() for k in kinds),
            kind=actual.value if actual else None,
            kind_zh=actual.label_zh if actual else "未归类",
            kind_en=actual.label_en.lower() if actual else "not classified yet",
        )


class MatterNotOpen(SanshiError):
    """A follow-up record on a matter that is finished (closed, withdrawn) or not yet decided."""

    code = "MATTER_NOT_OPEN"
    zh = "「{status_zh}」的事项不能再记录办理情况"
    en = "Nothing more can be recorded on a matter that is '{status_en}'"


class CommitmentNotFound(NotFound):
    """No such commitment in this community (or on a matter the caller may not see)."""

    code = "COMMITMENT_NOT_FOUND"
    zh = "承诺事项不存在"
    en = "Commitment not found"


# Follow-up records (explanations, referrals, negotiations, commitments) belong to a matter
# the council has decided and that is still being handled: resolved is open too (the
# feedback may reopen it), closed and withdrawn are final.
FOLLOW_UP_STATUSES = frozenset(
    {
        MatterStatus.CLASSIFIED,
        MatterStatus.IN_PROGRESS,
        MatterStatus.RESOLVED,
        MatterStatus.REOPENED,
    }
)
# Referral to a volunteer team or resident group: the private matter that may still get
# help (DOMAIN.md), and minor matters, where volunteer teams are the backbone too.
REFERABLE_KINDS = (MatterKind.PRIVATE, MatterKind.MINOR)
COMMITMENT_PARTIES = frozenset({"resident", "community", "other"})


def _check_open(matter: MatterRow) -> None:
    status = MatterStatus(matter.status)
    if status not in FOLLOW_UP_STATUSES:
        raise MatterNotOpen(
            status=status.value, status_zh=status.label_zh, status_en=status.label_en
        )


def _check_kind(matter: MatterRow, kinds: tuple[MatterKind, ...]) -> MatterKind:
    kind = MatterKind(matter.kind) if matter.kind else None
    if kind is None or kind not in kinds:
        raise WrongKind.expected(kinds, kind)
    return kind


def _required(field_zh: str, field_en: str, value: str | None) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise InvalidInput(field_zh=f"{field_zh}不能为空", field_en=f"{field_en} is required")
    return cleaned


async def _matter_act(
    actor: Principal,
    slug: str,
    op: Op,
    matter_id: int,
    target: MatterStatus,
    *,
    reason: str | None,
    responsible_note: str | None = None,
    related: Iterable[str] = (),
    readers: Mapping[str, RelatedReader] | None = None,
) -> MatterView:
    """One status change as its own transaction (the shape of start/resolve/close/withdraw)."""
    info = await community_for(actor, slug, op)
    async with tenant_tx(slug) as tx:
        matter = await access_matter_in_tx(
            actor, slug, info.county_code, matter_id, for_update=True
        )
        updated = await transition_in_tx(tx, actor, matter, target, reason=reason)
        if target is MatterStatus.WITHDRAWN and matter.kind == MatterKind.MAJOR.value:
            await _end_routing_in_tx(tx, matter_id, "withdrawn")
        if responsible_note is not None and responsible_note.strip():
            updated = MatterRow(
                *await tx.connection.fetchrow(
                    f"UPDATE matters SET responsible_note = $2 WHERE id = $1 "
                    f"RETURNING {MATTER_COLUMNS}",
                    matter_id,
                    responsible_note.strip(),
                )
            )
        return await view_in(tx, updated, related, readers)


async def start_matter(
    actor: Principal,
    slug: str,
    matter_id: int,
    settings: Settings,
    *,
    responsible_note: str = "",
    related: Iterable[str] = (),
    readers: Mapping[str, RelatedReader] | None = None,
) -> MatterView:
    """Start handling a classified (or reopened) matter: → in progress (办理中).

    ``responsible_note`` names who does it (the household member, the community worker,
    the department contact); it is kept on the matter and in the history. Returns the
    matter with the ``related`` rows (see the module's docstring).
    """
    model.check_text("note", responsible_note, settings.max_note_length)
    return await _matter_act(
        actor,
        slug,
        FOLLOW_UP,
        matter_id,
        MatterStatus.IN_PROGRESS,
        reason=responsible_note,
        responsible_note=responsible_note,
        related=related,
        readers=readers,
    )


async def resolve_matter(
    actor: Principal,
    slug: str,
    matter_id: int,
    settings: Settings,
    *,
    note: str = "",
    related: Iterable[str] = (),
    readers: Mapping[str, RelatedReader] | None = None,
) -> MatterView:
    """Record that a matter in progress is solved: → resolved (已解决), awaiting feedback."""
    model.check_text("note", note, settings.max_note_length)
    return await _matter_act(
        actor,
        slug,
        FOLLOW_UP,
        matter_id,
        MatterStatus.RESOLVED,
        reason=note,
        related=related,
        readers=readers,
    )


async def close_matter(
    actor: Principal,
    slug: str,
    matter_id: int,
    settings: Settings,
    *,
    note: str = "",
    related: Iterable[str] = (),
    readers: Mapping[str, RelatedReader] | None = None,
) -> MatterView:
    """Close a resolved matter (已办结) without waiting for feedback (e.g. none will come)."""
    model.check_text("note", note, settings.max_note_length)
    return await _matter_act(
        actor,
        slug,
        FOLLOW_UP,
        matter_id,
        MatterStatus.CLOSED,
        reason=note,
        related=related,
        readers=readers,
    )


async def withdraw_matter(
    actor: Principal,
    slug: str,
    matter_id: int,
    settings: Settings,
    *,
    reason: str,
    related: Iterable[str] = (),
    readers: Mapping[str, RelatedReader] | None = None,
) -> MatterView:
    """Withdraw a matter that is still open (已撤回); the reason is required.

    A resident may withdraw their own household's request; anyone else's looks missing.
    """
    model.check_text("reason", reason, settings.max_note_length)
    return await _matter_act(
        actor,
        slug,
        WITHDRAW,
        matter_id,
        MatterStatus.WITHDRAWN,
        reason=reason,
        related=related,
        readers=readers,
    )


async def explain_private_matter(
    actor: Principal, slug: str, matter_id: int, explanation: str, settings: Settings
) -> SheetRow:
    """Record the council's explanation of why a private matter is the household's own.

    Kept on the current classification sheet (the sheet is what the resident is shown)
    and in the audit log with the text it replaced. Returns the sheet.
    """
    info = await community_for(actor, slug, FOLLOW_UP)
    model.check_text("explanation", explanation, settings.max_text_length)
    text = _required("说明", "the explanation", explanation)
    async with tenant_tx(slug) as tx:
        matter = await access_matter_in_tx(
            actor, slug, info.county_code, matter_id, for_update=True
        )
        _check_open(matter)
        _check_kind(matter, (MatterKind.PRIVATE,))
        current = await tx.connection.fetchrow(
            "SELECT version, explanation FROM classification_sheets WHERE matter_id = $1 "
            "ORDER BY version DESC LIMIT 1",
            matter_id,
        )
        if current is None:  # a classified matter always has a sheet; this would be a bug
            raise LookupError(f"matter {matter_id} has a kind but no classification sheet")
        sheet = SheetRow(
            **(
                await ClassificationSheet.update({ClassificationSheet.explanation: text})
                .where(
                    (ClassificationSheet.matter_id == matter_id)
                    & (ClassificationSheet.version == current["version"])
                )
                .returning(*ClassificationSheet.all_columns())
                .run()
            )[0]
        )
        await audit.record(
            tx,
            actor,
            "matter.explain_private",
            f"matter:{matter_id}",
            before={"explanation": current["explanation"], "sheet": current["version"]},
            after={"explanation": text, "sheet": current["version"]},
        )
    return sheet


@dataclass(frozen=True)
class ReferralTarget:
    """Who a matter is referred to: the community's reference and name of the group, and
    the id of a registered group of the community (resolved, checked and locked by the
    groups context, which calls ``refer_in_tx``); None for a free-text referral."""

    group_ref: str
    group_name: str
    group_id: int | None = None


async def may_refer(actor: Principal, slug: str) -> CommunityInfo:
    """The community, if ``actor`` may refer its matters (follow-up: cadres, grid workers);
    the one check of every referral, to free text or to a registered group."""
    return await community_for(actor, slug, FOLLOW_UP)


async def refer_matter(
    actor: Principal,
    slug: str,
    matter_id: int,
    settings: Settings,
    *,
    group_ref: str,
    group_name: str,
    note: str = "",
) -> ReferralRow:
    """Refer a private (or minor) matter to a volunteer team or other resident group named
    in free text: the community's own reference (``group_ref``, e.g. "golden_harbour") and
    its name (金色港湾义工队). A referral to a registered group is the groups context's
    ``refer_matter_to_group``, through ``refer_in_tx`` as well."""
    info = await may_refer(actor, slug)
    model.check_text("group_ref", group_ref, settings.max_name_length)
    model.check_text("group_name", group_name, settings.max_name_length)
    model.check_text("note", note, settings.max_note_length)
    target = ReferralTarget(
        _required("转介对象编号", "the group reference", group_ref),
        _required("转介对象名称", "the group name", group_name),
    )
    async with tenant_tx(slug) as tx:
        return await refer_in_tx(tx, actor, info, matter_id, target, note)


async def refer_in_tx(
    tx: SanshiTransaction,
    actor: Principal,
    community: CommunityInfo,
    matter_id: int,
    target: ReferralTarget,
    note: str = "",
) -> ReferralRow:
    """The referral act, inside the caller's tenant transaction (its caller checked
    ``may_refer``, which gave ``community``, and the texts): the matter must be visible,
    still followed, and private or minor (``REFERABLE_KINDS``: a major matter goes to
    county departments). Writes the referral (status referred) and its audit entry."""
    matter = await access_matter_in_tx(
        actor, community.slug, community.county_code, matter_id, for_update=True
    )
    _check_open(matter)
    _check_kind(matter, REFERABLE_KINDS)
    inserted = (
        await Referral.insert(
            Referral(
                matter_id=matter_id,
                group_ref=target.group_ref,
                group_name=target.group_name,
                group_id=target.group_id,
                note=note.strip(),
                referred_by=actor.subject,
            )
        )
        .returning(*Referral.all_columns())
        .run()
    )[0]
    await audit.record(tx, actor, "matter.refer", f"matter:{matter_id}", after=inserted)
    return ReferralRow(**inserted)


async def record_referral_act_in_tx(
    tx: SanshiTransaction,
    referral_id: int,
    status: ReferralStatus,
    acted_by: str,
    acted_at: datetime,
    note: str,
) -> ReferralRow:
    """Store the group's act on a referral (the groups context decided it may: its rule,
    its access, its audit entry), inside the caller's tenant transaction."""
    record = await tx.connection.fetchrow(
        "UPDATE referrals SET status = $2, acted_by = $3, acted_at = $4, act_note = $5 "
        f"WHERE id = $1 RETURNING {REFERRAL_COLUMNS}",
        referral_id,
        status.value,
        acted_by,
        acted_at,
        note,
    )
    if record is None:  # the caller read and locked it in this transaction
        raise LookupError(f"referral {referral_id} vanished inside its transaction")
    return ReferralRow(*record)


async def link_referrals_in_tx(
    tx: SanshiTransaction, actor: Principal, group_name: str, group_id: int
) -> list[int]:
    """Free-text referrals naming ``group_name`` now name the registered group ``group_id``
    (registered after they were made; migration 0011 linked the groups that existed then),
    each with an audit entry on its matter, inside the caller's tenant transaction (the
    groups context's registration). Returns their ids; referrals naming no registered group
    keep their text and no group."""
    records = await tx.connection.fetch(
        "UPDATE referrals SET group_id = $2 WHERE group_id IS NULL AND group_name = $1 "
        "RETURNING id, matter_id",
        group_name,
        group_id,
    )
    linked = sorted((r["id"], r["matter_id"]) for r in records)
    for referral_id, matter_id in linked:
        await audit.record(
            tx,
            actor,
            "matter.referral.link",
            f"matter:{matter_id}",
            after={"referral": referral_id, "group_id": group_id, "group_name": group_name},
        )
    return [referral_id for referral_id, _ in linked]


@dataclass(frozen=True)
class CommitmentInput:
    """One party's commitment in a negotiation (e.g. the resident mounts a light)."""

    party: str  # resident | community | other
    party_name: str
    description: str
    due_on: date | None = None


@dataclass(frozen=True)
class NegotiationInput:
    """A negotiation meeting (协商) on a minor matter and what was agreed."""

    held_on: date
    agreement: str
    participants: tuple[str, ...] = ()
    place: str = ""
    commitments: tuple[CommitmentInput, ...] = ()


def _check_negotiation(data: NegotiationInput, settings: Settings) -> None:
    model.check_text("agreement", data.agreement, settings.max_text_length)
    model.check_text("place", data.place, settings.max_title_length)
    _required("协商结果", "the agreement", data.agreement)
    for p in data.participants:
        model.check_text("participants", p, settings.max_name_length)
    if not [p for p in data.participants if p.strip()]:
        raise InvalidInput(
            field_zh="协商须有参加人", field_en="a negotiation needs its participants"
        )
    for c in data.commitments:
        if c.party not in COMMITMENT_PARTIES:
            raise InvalidInput(
                field_zh=f"承诺方类型须为 {'/'.join(sorted(COMMITMENT_PARTIES))}",
                field_en=f"party must be one of {', '.join(sorted(COMMITMENT_PARTIES))}",
            )
        model.check_text("party_name", c.party_name, settings.max_name_length)
        model.check_text("description", c.description, settings.max_note_length)
        _required("承诺方", "the committing party", c.party_name)
        _required("承诺内容", "the commitment", c.description)


async def record_negotiation(
    actor: Principal, slug: str, matter_id: int, data: NegotiationInput, settings: Settings
) -> tuple[NegotiationRow, list[CommitmentRow]]:
    """Record a negotiation on a minor matter with each party's commitment (one transaction).

    Returns the negotiation row and its commitment rows.
    """
    info = await community_for(actor, slug, FOLLOW_UP)
    _check_negotiation(data, settings)
    async with tenant_tx(slug) as tx:
        matter = await access_matter_in_tx(
            actor, slug, info.county_code, matter_id, for_update=True
        )
        _check_open(matter)
        _check_kind(matter, (MatterKind.MINOR,))
        negotiation = (
            await Negotiation.insert(
                Negotiation(
                    matter_id=matter_id,
                    held_on=data.held_on,
                    place=data.place.strip(),
                    participants=json.dumps(
                        [p.strip() for p in data.participants if p.strip()], ensure_ascii=False
                    ),
                    agreement=data.agreement.strip(),
                    recorded_by=actor.subject,
                )
            )
            .returning(*Negotiation.all_columns())
            .run()
        )[0]
        commitments = []
        for c in data.commitments:
            commitments.append(
                (
                    await Commitment.insert(
                        Commitment(
                            negotiation_id=negotiation["id"],
                            matter_id=matter_id,
                            party=c.party,
                            party_name=c.party_name.strip(),
                            description=c.description.strip(),
                            due_on=c.due_on,
                        )
                    )
                    .returning(*Commitment.all_columns())
                    .run()
                )[0]
            )
        await audit.record(
            tx,
            actor,
            "matter.negotiate",
            f"matter:{matter_id}",
            after={"negotiation": negotiation, "commitments": commitments},
        )
    return NegotiationRow(**negotiation), [CommitmentRow(**c) for c in commitments]


async def mark_commitment(
    actor: Principal, slug: str, commitment_id: int, kept: bool
) -> CommitmentRow:
    """Record whether a party kept its commitment (who checked, when)."""
    info = await community_for(actor, slug, FOLLOW_UP)
    async with tenant_tx(slug) as tx:
        found = (
            await Commitment.select()
            .where(Commitment.id == commitment_id)
            .lock_rows("UPDATE")
            .run()
        )
        if not found:
            raise CommitmentNotFound()
        before = CommitmentRow(**found[0])
        try:
            matter = await access_matter_in_tx(actor, slug, info.county_code, before.matter_id)
        except MatterNotFound:
            raise CommitmentNotFound() from None
        _check_open(matter)
        row = CommitmentRow(
            *await tx.connection.fetchrow(
                "UPDATE commitments SET kept = $2, checked_by = $3, checked_at = now() "
                f"WHERE id = $1 RETURNING {columns_of(CommitmentRow)}",
                commitment_id,
                kept,
                actor.subject,
            )
        )
        await audit.record(
            tx,
            actor,
            "matter.commitment",
            f"commitment:{commitment_id}",
            before={"kept": before.kept},
            after={"kept": kept},
        )
    return row


# -- reclassification / escalation (升格) ---------------------------------------------------
async def reclassify_matter(
    actor: Principal,
    slug: str,
    matter_id: int,
    new_kind: MatterKind,
    settings: Settings,
    *,
    reason: str,
    evidence: tuple[str, ...] = (),
    related: Iterable[str] = (),
    readers: Mapping[str, RelatedReader] | None = None,
) -> MatterView:
    """Change a matter's kind with reason and evidence (escalation 升格 when it moves up).

    Writes a new version of the classification sheet (previous kind kept), moves the
    matter's kind and responsible party to the new kind, and — when the new kind is
    major — writes the ``matter.major`` outbox message in the same transaction, so every
    classification as major is routed exactly once. Returns the updated matter with the
    ``related`` rows (see the module's docstring; the new sheet among them if asked).
    """
    info = await community_for(actor, slug, RECLASSIFY)
    model.check_text("reason", reason, settings.max_text_length)
    for item in evidence:
        model.check_text("evidence", item, settings.max_note_length)
    async with tenant_tx(slug) as tx:
        matter = await access_matter_in_tx(
            actor, slug, info.county_code, matter_id, for_update=True
        )
        status = MatterStatus(matter.status)
        model.check_reclassifiable(status)
        if matter.kind is None:  # reclassifiable statuses always have a kind
            raise model.CannotReclassify(
                status=status.value, status_zh=status.label_zh, status_en=status.label_en
            )
        change = model.check_reclassification(MatterKind(matter.kind), new_kind, reason, evidence)
        version = await tx.connection.fetchval(
            "SELECT coalesce(max(version), 0) + 1 FROM classification_sheets WHERE matter_id = $1",
            matter_id,
        )
        suggested = matter.suggested_kind
        sheet = (
            await ClassificationSheet.insert(
                ClassificationSheet(
                    matter_id=matter_id,
                    version=version,
                    kind=new_kind.value,
                    previous_kind=change.old_kind.value,
                    responsible=change.responsible.value,
                    reasoning=change.reason,
                    # One item per line: evidence items are short notes or photo references.
                    evidence="\n".join(" ".join(e.split()) for e in change.evidence),
                    suggested_kind=suggested,
                    suggestion_followed=None if suggested is None else suggested == new_kind.value,
                    decided_by=actor.subject,
                    decided_by_role=actor.primary_role.value,
                )
            )
            .returning(*ClassificationSheet.all_columns())
            .run()
        )[0]
        updated = MatterRow(
            *await tx.connection.fetchrow(
                "UPDATE matters SET kind = $2, responsible = $3, updated_at = now() "
                f"WHERE id = $1 RETURNING {MATTER_COLUMNS}",
                matter_id,
                new_kind.value,
                change.responsible.value,
            )
        )
        if new_kind is MatterKind.MAJOR:
            await outbox.enqueue(
                tx, MAJOR_TOPIC, {"matter_id": matter_id, "sheet_version": version}, community=slug
            )
        elif change.old_kind is MatterKind.MAJOR:
            await _end_routing_in_tx(tx, matter_id, "reclassified")
        await audit.record(
            tx,
            actor,
            "matter.escalate" if change.escalation else "matter.reclassify",
            f"matter:{matter_id}",
            before={"kind": change.old_kind.value, "responsible": matter.responsible},
            after={
                "kind": new_kind.value,
                "responsible": change.responsible.value,
                "sheet": sheet["version"],
                "reason": change.reason,
                "evidence": list(change.evidence),
            },
        )
        return await view_in(tx, updated, related, readers)


# -- resident feedback ----------------------------------------------------------------------
async def give_feedback(
    actor: Principal,
    slug: str,
    matter_id: int,
    rating: model.Satisfaction,
    settings: Settings,
    *,
    comment: str = "",
    reopen_reason: str | None = None,
    related: Iterable[str] = (),
    readers: Mapping[str, RelatedReader] | None = None,
) -> MatterView:
    """A resident's rating of a resolved matter (or a grid worker's on their behalf).

    Satisfied / basically satisfied closes the matter; unsatisfied reopens it for
    re-handling once the reason is recorded. Returns the updated matter with the
    ``related`` rows (see the module's docstring).
    """
    info = await community_for(actor, slug, GIVE_FEEDBACK)
    model.check_text("comment", comment, settings.max_note_length)
    model.check_text("reopen_reason", reopen_reason, settings.max_note_length)
    async with tenant_tx(slug) as tx:
        matter = await access_matter_in_tx(
            actor, slug, info.county_code, matter_id, for_update=True
        )
        target = model.check_feedback(MatterStatus(matter.status), rating, comment, reopen_reason)
        # A resident speaks for their own household; anyone else allowed here records
        # the rating on the resident's behalf (a grid worker on a home visit).
        on_behalf = not allowed(actor, VIEW_OWN_MATTERS, slug, info.county_code)
        await Feedback.insert(
            Feedback(
                matter_id=matter_id,
                rating=rating.value,
                comment=comment.strip(),
                reopen_reason=(reopen_reason or "").strip() or None,
                given_by=actor.subject,
                given_by_role=actor.primary_role.value,
                on_behalf=on_behalf,
            )
        ).run()
        if target is MatterStatus.REOPENED:
            reason = reopen_reason
        else:
            reason = f"居民评价：{rating.label_zh} / Rated: {rating.label_en}"
        updated = await transition_in_tx(tx, actor, matter, target, reason=reason)
        return await view_in(tx, updated, related, readers)


# ==========================================================================================
# Categories, suggestion rules and settings (the community's own triage data)
# ==========================================================================================

_CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
_RULE_ID = re.compile(r"^[a-z][a-z0-9_.-]{1,60}$")
_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,9}$")


async def set_category(
    actor: Principal,
    slug: str,
    code: str,
    settings: Settings,
    *,
    name_zh: str,
    name_en: str,
    active: bool = True,
    sort: int = 0,
) -> CategoryRow:
    """Add or change a request category of the community (deactivate, never delete).

    A category still used by an active suggestion rule cannot be deactivated: the rule
    would silently stop matching (deactivate or move the rule first).
    """
    await community_for(actor, slug, MANAGE_CATEGORIES)
    if not _CATEGORY_CODE.fullmatch(code):
        raise InvalidInput(
            field_zh="类别代码须以小写字母开头，只含小写字母、数字和下划线",
            field_en="a category code is lowercase letters, digits and underscores",
        )
    model.check_text("name_zh", name_zh, settings.max_name_length)
    model.check_text("name_en", name_en, settings.max_name_length)
    zh = _required("类别中文名称", "the Chinese name", name_zh)
    en = _required("类别英文名称", "the English name", name_en)
    async with tenant_tx(slug) as tx:
        before = await Category.select().where(Category.code == code).run()
        if not active:
            users = (
                await SuggestionRuleRow.select(SuggestionRuleRow.id)
                .where(SuggestionRuleRow.category == code)
                .where(SuggestionRuleRow.active.eq(True))
                .run()
            )
            if users:
                ids = ", ".join(r["id"] for r in users)
                raise InvalidInput(
                    field_zh=f"建议规则仍在使用该类别（{ids}）",
                    field_en=f"active suggestion rules still use this category ({ids})",
                )
        row = CategoryRow(
            *await tx.connection.fetchrow(
                "INSERT INTO categories (code, name_zh, name_en, active, sort) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE SET "
                "name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, "
                "active = EXCLUDED.active, sort = EXCLUDED.sort "
                f"RETURNING {columns_of(CategoryRow)}",
                code,
                zh,
                en,
                active,
                sort,
            )
        )
        await audit.record(
            tx,
            actor,
            "category.set",
            f"category:{code}",
            before=before[0] if before else None,
            after=msgspec.structs.asdict(row),
        )
    return row


@dataclass(frozen=True)
class SuggestionRuleInput:
    """A suggestion rule as a cadre edits it (see model.SuggestionRule)."""

    id: str
    category: str
    kind: MatterKind
    reason_zh: str
    reason_en: str
    priority: int = 0
    any_of: tuple[model.Circumstance, ...] = ()
    all_of: tuple[model.Circumstance, ...] = ()
    referable: bool = False
    active: bool = True


async def set_suggestion_rule(
    actor: Principal, slug: str, data: SuggestionRuleInput, settings: Settings
) -> RuleRow:
    """Add or change a suggestion rule; the community's whole active set must stay valid.

    ``model.validate_rules`` runs over the set as it would be after the change (unknown
    or inactive category, two rules of one category with one priority, empty reasons).
    """
    await community_for(actor, slug, MANAGE_CATEGORIES)
    if not _RULE_ID.fullmatch(data.id):
        raise InvalidInput(
            field_zh="规则编号须以小写字母开头，只含小写字母、数字和 . _ -",
            field_en="a rule id is lowercase letters, digits and . _ -",
        )
    model.check_text("reason_zh", data.reason_zh, settings.max_note_length)
    model.check_text("reason_en", data.reason_en, settings.max_note_length)
    rule = SuggestionRule(
        id=data.id,
        category=data.category,
        kind=data.kind,
        reason_zh=data.reason_zh.strip(),
        reason_en=data.reason_en.strip(),
        priority=data.priority,
        any_of=frozenset(data.any_of),
        all_of=frozenset(data.all_of),
        referable=data.referable,
    )
    conditions = {
        "any_of": sorted(c.value for c in rule.any_of),
        "all_of": sorted(c.value for c in rule.all_of),
        "referable": rule.referable,
    }
    async with tenant_tx(slug) as tx:
        categories = await Category.select(Category.code, Category.active).run()
        # Its category must exist at all (foreign key); an active rule's must be active.
        model.check_category(rule.category, {c["code"] for c in categories})
        active_codes = {c["code"] for c in categories if c["active"]}
        others = [r for r in await _active_rules() if r.id != rule.id]
        if data.active:
            model.validate_rules([*others, rule], active_codes)
        else:
            model.validate_rules([rule], {rule.category})
        before = await SuggestionRuleRow.select().where(SuggestionRuleRow.id == rule.id).run()
        row = RuleRow(
            *await tx.connection.fetchrow(
                "INSERT INTO suggestion_rules "
                "(id, category, conditions, kind, reason_zh, reason_en, priority, active) "
                "VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET "
                "category = EXCLUDED.category, conditions = EXCLUDED.conditions, "
                "kind = EXCLUDED.kind, reason_zh = EXCLUDED.reason_zh, "
                "reason_en = EXCLUDED.reason_en, priority = EXCLUDED.priority, "
                "active = EXCLUDED.active "
                f"RETURNING {columns_of(RuleRow)}",
                rule.id,
                rule.category,
                json.dumps(conditions),
                rule.kind.value,
                rule.reason_zh,
                rule.reason_en,
                rule.priority,
                data.active,
            )
        )
        await audit.record(
            tx,
            actor,
            "suggestion_rule.set",
            f"suggestion_rule:{rule.id}",
            before=before[0] if before else None,
            after=msgspec.structs.asdict(row),
        )
    return row


async def set_matter_prefix(actor: Principal, slug: str, prefix: str) -> MatterSettingsRow:
    """Set the prefix of new matter numbers (e.g. "DH" → DH2026-000123); old numbers stay."""
    await community_for(actor, slug, MANAGE_CATEGORIES)
    if not _PREFIX.fullmatch(prefix):
        raise InvalidInput(
            field_zh="编号前缀为 1–10 个字母、数字或连字符，以字母开头",
            field_en="a number prefix is 1-10 letters, digits or hyphens, starting with a letter",
        )
    async with tenant_tx(slug) as tx:
        before = await tx.connection.fetchval(
            "SELECT matter_prefix FROM community_settings WHERE id = 1 FOR UPDATE"
        )
        await tx.connection.execute(
            "UPDATE community_settings SET matter_prefix = $1, updated_at = now() WHERE id = 1",
            prefix,
        )
        await audit.record(
            tx,
            actor,
            "community_settings.set",
            "community_settings",
            before={"matter_prefix": before},
            after={"matter_prefix": prefix},
        )
    return MatterSettingsRow(matter_prefix=prefix)
