"""Piccolo tables of the departments context: a county's reference data (platform schema)."""

from __future__ import annotations

from piccolo.columns import Array, Boolean, Date, Integer, Serial, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.db import ENGINE
from tenants.slugs import PLATFORM_SCHEMA


class Department(Table, tablename="departments", schema=PLATFORM_SCHEMA, db=ENGINE):
    """A county department (县级部门); one per county is the fallback coordination office."""

    county_code = Text(primary_key=True)  # real key: (county_code, code)
    code = Text()
    name_zh = Text()
    name_en = Text()
    contact = Text(default="")
    is_fallback = Boolean(default=False)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class RoutingRule(Table, tablename="routing_rules", schema=PLATFORM_SCHEMA, db=ENGINE):
    """Category (+ optionally community, grid) → departments, per county (rules as data)."""

    id = Serial(primary_key=True)
    county_code = Text()
    category = Text()
    community_slug = Text(null=True, default=None)
    grid_code = Text(null=True, default=None)
    department_codes = Array(base_column=Text())
    include_address = Boolean(default=False)
    include_circumstances = Boolean(default=False)
    active = Boolean(default=True)


class DeadlinePolicy(Table, tablename="deadline_policies", schema=PLATFORM_SCHEMA, db=ENGINE):
    """Working days to acknowledge and to resolve, per county and category ('*' = default)."""

    county_code = Text(primary_key=True)  # real key: (county_code, category)
    category = Text(default="*")
    ack_working_days = Integer()
    resolve_working_days = Integer()


class CountyCalendarDay(Table, tablename="county_calendar", schema=PLATFORM_SCHEMA, db=ENGINE):
    """A day the county's work calendar (工作日历) sets apart: a holiday or a make-up day.

    Only the days that differ from the plain week are stored (platform migration 0005).
    """

    county_code = Text(primary_key=True)  # real key: (county_code, day)
    day = Date()
    kind = Text()
    name_zh = Text(default="")
    name_en = Text(default="")
    updated_by = Text(default="")
    updated_at = Timestamptz(default=TimestamptzNow())
