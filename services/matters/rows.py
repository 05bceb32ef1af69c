"""Typed rows of the matters context: what its reads and handlers hand to other code.

One ``msgspec.Struct`` per table as read (``XRow``), fields in the table's column order, so
a record of ``SELECT <columns_of(XRow)>`` builds one positionally (``XRow(*record)``,
~0.1 µs; by keyword, ``XRow(**piccolo_dict)``, ~2 µs for a matter). ``MatterView`` is a
matter with the rows read with it (what a mutation's result shows).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec


class Row(msgspec.Struct, frozen=True):
    """The base of the matters' and councils' rows (typed: read their attributes)."""


def columns_of(row_type: type[msgspec.Struct], prefix: str = "") -> str:
    """The SELECT list that builds ``row_type`` positionally (its fields, in order)."""
    return ", ".join(f"{prefix}{f}" for f in row_type.__struct_fields__)


class MatterRow(Row, frozen=True):
    """A registered request (诉求) and its triage as a matter (事项), as stored."""

    id: int
    number: str
    household_id: int
    raised_by_resident_id: int | None
    grid_id: int
    registered_by: str
    registered_by_role: str
    channel: str
    category: str
    title: str
    description: str
    place: str
    occurred_on: date
    registered_at: datetime
    status: str
    kind: str | None
    responsible: str | None
    responsible_note: str
    suggested_kind: str | None
    suggestion_rule_id: str | None
    suggestion_reason_zh: str
    suggestion_reason_en: str
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime


class MatterView(MatterRow, frozen=True, kw_only=True):
    """A matter and the rows its fields show, read in the same transaction
    (``queries.fetch_related``: what a page would have prefetched; empty when none asked)."""

    related: dict[str, Any] = {}


class SheetRow(Row, frozen=True):
    """A version of the classification sheet (三事归类单)."""

    id: int
    matter_id: int
    version: int
    kind: str
    previous_kind: str | None
    responsible: str
    reasoning: str
    evidence: str
    explanation: str
    agenda_item_id: int | None
    suggested_kind: str | None
    suggestion_followed: bool | None
    # jsonb, as asyncpg and Piccolo hand it back: text (queries.loads_json reads it).
    tally: str
    decided_by: str
    decided_by_role: str
    decided_at: datetime


class TransitionRow(Row, frozen=True):
    """One status change of a matter."""

    id: int
    matter_id: int
    from_status: str | None
    to_status: str
    actor: str
    actor_role: str
    reason: str
    at: datetime


class ReferralRow(Row, frozen=True):
    """A matter referred to a volunteer team or other resident group (``group_id``: a
    registered group; None for a free-text one), and the group's latest act on it."""

    id: int
    matter_id: int
    group_ref: str
    group_name: str
    note: str
    referred_by: str
    at: datetime
    group_id: int | None
    status: str
    acted_by: str | None
    acted_at: datetime | None
    act_note: str


class NegotiationRow(Row, frozen=True):
    """A negotiation (协商) on a minor matter."""

    id: int
    matter_id: int
    held_on: date
    place: str
    participants: str  # jsonb text: a list of names
    agreement: str
    recorded_by: str
    at: datetime


class CommitmentRow(Row, frozen=True):
    """One party's commitment in a negotiation."""

    id: int
    negotiation_id: int
    matter_id: int
    party: str
    party_name: str
    description: str
    due_on: date | None
    kept: bool | None
    checked_by: str | None
    checked_at: datetime | None


class FeedbackRow(Row, frozen=True):
    """A resident's rating of a resolved matter."""

    id: int
    matter_id: int
    rating: str
    comment: str
    reopen_reason: str | None
    given_by: str
    given_by_role: str
    on_behalf: bool
    at: datetime


class CategoryRow(Row, frozen=True):
    """A request category of the community."""

    code: str
    name_zh: str
    name_en: str
    active: bool
    sort: int


class RuleRow(Row, frozen=True):
    """A stored suggestion rule (the table is ``tables.SuggestionRuleRow``)."""

    id: str
    category: str
    conditions: str  # jsonb text
    kind: str
    reason_zh: str
    reason_en: str
    priority: int
    active: bool


class CommunitySettingsRow(Row, frozen=True):
    """The community's settings row: the matters' number prefix, and the council's seats
    per grid and decision rules (kept here, read and written through this context)."""

    seats_per_grid: int
    decision_rules: str  # jsonb text (councils.queries.decision_rules_of reads it)
    matter_prefix: str


class MatterSettingsRow(Row, frozen=True):
    """What the community's matter settings show."""

    matter_prefix: str


class Classified(msgspec.Struct, frozen=True):
    """A matter classified by the council: the matter as it now is and the sheet written."""

    matter: MatterRow
    sheet: SheetRow
