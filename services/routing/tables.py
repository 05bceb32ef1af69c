"""Piccolo tables of the routing context: platform (county-wide) and tenant (community copy)."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    Array,
    BigInt,
    BigSerial,
    Boolean,
    Date,
    Integer,
    Serial,
    Text,
    Timestamptz,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.db import ENGINE
from tenants.slugs import PLATFORM_SCHEMA

# -- platform schema ----------------------------------------------------------------------


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


class Ticket(Table, tablename="tickets", schema=PLATFORM_SCHEMA, db=ENGINE):
    """A major matter routed to one department: only what the department needs to act."""

    id = BigSerial(primary_key=True)  # bigserial: BigInt would insert its default, 0
    county_code = Text()
    department_code = Text()
    community_slug = Text()
    matter_id = Integer()
    sheet_version = Integer()
    matter_number = Text()
    title = Text()
    description = Text()
    category = Text()
    place = Text(default="")
    grid_name = Text(default="")
    household_address = Text(null=True, default=None)
    circumstances = JSONB(null=True, default=None)
    status = Text(default="routed")
    commitment = Text(null=True, default=None)
    commitment_due_on = Date(null=True, default=None)
    ack_due_at = Timestamptz()
    resolve_due_at = Timestamptz()
    overdue = Text(null=True, default=None)
    supervised = Boolean(default=False)
    supervised_by = Text(null=True, default=None)
    supervision_note = Text(default="")
    rerouted_from = BigInt(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class TicketEvent(Table, tablename="ticket_events", schema=PLATFORM_SCHEMA, db=ENGINE):
    """One act on a ticket; flows back to the community's matter (idempotently, by id)."""

    id = BigSerial(primary_key=True)  # bigserial: BigInt would insert its default, 0
    ticket_id = BigInt()
    kind = Text()
    actor = Text()
    actor_role = Text()
    note = Text(default="")
    data = JSONB(default={})
    at = Timestamptz(default=TimestamptzNow())


class JointMeeting(Table, tablename="joint_meetings", schema=PLATFORM_SCHEMA, db=ENGINE):
    """A joint meeting (联席会议) convened by a community on its pending major matters."""

    id = Serial(primary_key=True)
    county_code = Text()
    community_slug = Text()
    held_on = Date()
    place = Text()
    title = Text(default="")
    convened_by = Text()
    town_cadres = JSONB(default=[])
    volunteer_leaders = JSONB(default=[])
    residents = JSONB(default=[])
    status = Text(default="planned")
    created_at = Timestamptz(default=TimestamptzNow())


class JointMeetingDepartment(
    Table, tablename="joint_meeting_departments", schema=PLATFORM_SCHEMA, db=ENGINE
):
    """A department invited to a joint meeting (real key: meeting_id, department_code)."""

    meeting_id = Integer(primary_key=True)
    department_code = Text()
    attended = Boolean(null=True, default=None)


class JointMeetingItem(Table, tablename="joint_meeting_items", schema=PLATFORM_SCHEMA, db=ENGINE):
    """A ticket on a joint meeting's agenda, with minutes and an outcome."""

    id = Serial(primary_key=True)
    meeting_id = Integer()
    ticket_id = BigInt()
    minutes = Text(default="")
    outcome = Text(null=True, default=None)
    commitment = Text(null=True, default=None)
    commitment_due_on = Date(null=True, default=None)
    recorded_by = Text(null=True, default=None)
    recorded_at = Timestamptz(null=True, default=None)


class Reminder(Table, tablename="reminders", schema=PLATFORM_SCHEMA, db=ENGINE):
    """An overdue reminder recorded by the periodic job (once per ticket and kind)."""

    id = BigSerial(primary_key=True)  # bigserial: BigInt would insert its default, 0
    ticket_id = BigInt()
    kind = Text()
    at = Timestamptz(default=TimestamptzNow())


class DeadLetter(Table, tablename="dead_letters", schema=PLATFORM_SCHEMA, db=ENGINE):
    """A message that exhausted its retries or was refused as poison, kept for re-driving."""

    id = BigSerial(primary_key=True)  # bigserial: BigInt would insert its default, 0
    message_id = Text(unique=True)
    actor_name = Text()
    queue_name = Text()
    kwargs = JSONB()
    reason = Text()
    error = Text(default="")
    failed_at = Timestamptz(default=TimestamptzNow())
    redriven_at = Timestamptz(null=True, default=None)


# -- tenant schema (the community's copy) ---------------------------------------------------


class MatterRoute(Table, tablename="matter_routes", db=ENGINE):
    """Where a major matter went: the community's copy of one routed ticket."""

    ticket_id = BigInt(primary_key=True)
    matter_id = Integer()
    department_code = Text()
    department_name_zh = Text()
    department_name_en = Text()
    status = Text()
    commitment = Text(null=True, default=None)
    commitment_due_on = Date(null=True, default=None)
    resolve_due_at = Timestamptz(null=True, default=None)
    overdue = Text(null=True, default=None)
    supervised = Boolean(default=False)
    updated_at = Timestamptz(default=TimestamptzNow())


class DepartmentUpdate(Table, tablename="department_updates", db=ENGINE):
    """A department act as the community sees it (one row per ticket event: idempotent)."""

    event_id = BigInt(primary_key=True)
    ticket_id = BigInt()
    matter_id = Integer()
    department_code = Text()
    kind = Text()
    actor = Text()
    note = Text(default="")
    data = JSONB(default={})
    at = Timestamptz()
