"""Tenant tables of the groups context (no schema: the tenant transaction decides)."""

from __future__ import annotations

from piccolo.columns import JSONB, Date, Integer, Serial, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.db import ENGINE


class Group(Table, tablename="groups", db=ENGINE):
    """A resident group (居民自治组织) of the community: kind, names, purpose, founding.

    Dissolving keeps the record (``dissolved_on``); the name is unique in the community,
    since referrals name groups.
    """

    id = Serial(primary_key=True)
    kind = Text()
    name_zh = Text(unique=True)
    name_en = Text(default="")
    purpose = Text(default="")
    founded_on = Date()
    founding_matter_id = Integer(null=True, default=None)
    ballot_basis = Text(default="household")
    decision_rules = JSONB(default={})
    dissolved_on = Date(null=True, default=None)
    dissolved_reason = Text(default="")
    registered_by = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class GroupMember(Table, tablename="group_members", db=ENGINE):
    """A household's (or a resident's) membership of a group, with its role and dates.

    Ended memberships stay (``left_on``): the history of who was in the group is kept.
    """

    id = Serial(primary_key=True)
    group_id = Integer()
    household_id = Integer()
    resident_id = Integer(null=True, default=None)
    role = Text(default="member")
    joined_on = Date()
    left_on = Date(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
