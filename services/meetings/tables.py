"""Piccolo tables of the meetings context: joint meetings and overdue reminders (platform)."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
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
