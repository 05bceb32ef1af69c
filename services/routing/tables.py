"""Piccolo tables of the routing context: tickets, their events and dead letters (platform
schema), and the community's copy of where its matters went (tenant schema)."""

from __future__ import annotations

from piccolo.columns import JSONB, BigInt, BigSerial, Boolean, Date, Integer, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.db import ENGINE
from tenants.slugs import PLATFORM_SCHEMA

# -- platform schema ----------------------------------------------------------------------


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
