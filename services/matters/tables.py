"""Tenant tables of the matters context: requests/matters, their history and follow-up."""

from __future__ import annotations

from piccolo.columns import JSONB, Boolean, Date, Integer, Serial, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.db import ENGINE


class CommunitySettings(Table, tablename="community_settings", db=ENGINE):
    """The community's own triage settings (a single row, id = 1)."""

    id = Integer(primary_key=True, default=1)
    seats_per_grid = Integer(default=3)
    decision_rules = JSONB(default={})
    matter_prefix = Text(default="M")
    updated_at = Timestamptz(default=TimestamptzNow())


class Category(Table, tablename="categories", db=ENGINE):
    """A request category of this community (a default set is seeded; cadres edit it)."""

    code = Text(primary_key=True)
    name_zh = Text()
    name_en = Text()
    active = Boolean(default=True)
    sort = Integer(default=0)


class SuggestionRuleRow(Table, tablename="suggestion_rules", db=ENGINE):
    """One triage suggestion rule (data the community can edit; see model.SuggestionRule)."""

    id = Text(primary_key=True)
    category = Text()
    conditions = JSONB(default={})
    kind = Text()
    reason_zh = Text()
    reason_en = Text()
    priority = Integer(default=0)
    active = Boolean(default=True)


class Matter(Table, tablename="matters", db=ENGINE):
    """A registered request (诉求) and its triage as a matter (事项), followed until solved."""

    id = Serial(primary_key=True)
    number = Text(unique=True)
    household_id = Integer()
    raised_by_resident_id = Integer(null=True, default=None)
    grid_id = Integer()
    registered_by = Text()
    registered_by_role = Text()
    channel = Text()
    category = Text()
    title = Text()
    description = Text()
    place = Text(default="")
    occurred_on = Date()
    registered_at = Timestamptz(default=TimestamptzNow())
    status = Text(default="registered")
    kind = Text(null=True, default=None)
    responsible = Text(null=True, default=None)
    responsible_note = Text(default="")
    suggested_kind = Text(null=True, default=None)
    suggestion_rule_id = Text(null=True, default=None)
    suggestion_reason_zh = Text(default="")
    suggestion_reason_en = Text(default="")
    resolved_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class MatterTransition(Table, tablename="matter_transitions", db=ENGINE):
    """One status change of a matter: who, when, from, to, why (append-only)."""

    id = Serial(primary_key=True)
    matter_id = Integer()
    from_status = Text(null=True, default=None)
    to_status = Text()
    actor = Text()
    actor_role = Text()
    reason = Text(default="")
    at = Timestamptz(default=TimestamptzNow())


class ClassificationSheet(Table, tablename="classification_sheets", db=ENGINE):
    """A version of the classification sheet (三事归类单): kind, responsible party, why."""

    id = Serial(primary_key=True)
    matter_id = Integer()
    version = Integer()
    kind = Text()
    previous_kind = Text(null=True, default=None)
    responsible = Text()
    reasoning = Text()
    evidence = Text(default="")
    explanation = Text(default="")
    agenda_item_id = Integer(null=True, default=None)
    suggested_kind = Text(null=True, default=None)
    suggestion_followed = Boolean(null=True, default=None)
    tally = JSONB(default={})
    decided_by = Text()
    decided_by_role = Text()
    decided_at = Timestamptz(default=TimestamptzNow())


class Referral(Table, tablename="referrals", db=ENGINE):
    """A private (or minor) matter pointed to a volunteer team or other resident group.

    ``group_id`` names a registered group of the community (the groups context's); a
    free-text referral keeps only its reference and name. ``status`` and the ``acted_*``
    columns are the group's latest act on it (accept, decline, complete): the earlier
    acts are in the audit log.
    """

    id = Serial(primary_key=True)
    matter_id = Integer()
    group_ref = Text()
    group_name = Text()
    note = Text(default="")
    referred_by = Text()
    at = Timestamptz(default=TimestamptzNow())
    group_id = Integer(null=True, default=None)
    status = Text(default="referred")
    acted_by = Text(null=True, default=None)
    acted_at = Timestamptz(null=True, default=None)
    act_note = Text(default="")


class Negotiation(Table, tablename="negotiations", db=ENGINE):
    """A negotiation (协商) meeting on a minor matter and the agreement reached."""

    id = Serial(primary_key=True)
    matter_id = Integer()
    held_on = Date()
    place = Text(default="")
    participants = JSONB(default=[])
    agreement = Text()
    recorded_by = Text()
    at = Timestamptz(default=TimestamptzNow())


class Commitment(Table, tablename="commitments", db=ENGINE):
    """One party's commitment in a negotiation, and whether it was kept."""

    id = Serial(primary_key=True)
    negotiation_id = Integer()
    matter_id = Integer()
    party = Text()
    party_name = Text()
    description = Text()
    due_on = Date(null=True, default=None)
    kept = Boolean(null=True, default=None)
    checked_by = Text(null=True, default=None)
    checked_at = Timestamptz(null=True, default=None)


class Feedback(Table, tablename="feedback", db=ENGINE):
    """A resident's rating of a resolved matter (or a grid worker's on their behalf)."""

    id = Serial(primary_key=True)
    matter_id = Integer()
    rating = Text()
    comment = Text(default="")
    reopen_reason = Text(null=True, default=None)
    given_by = Text()
    given_by_role = Text()
    on_behalf = Boolean(default=False)
    at = Timestamptz(default=TimestamptzNow())
