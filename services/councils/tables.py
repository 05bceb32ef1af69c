"""Tenant tables of the councils context: the homeland council (家园理事会) and its sessions."""

from __future__ import annotations

from piccolo.columns import Array, Boolean, Date, Integer, Serial, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.db import ENGINE


class CouncilMember(Table, tablename="council_members", db=ENGINE):
    """A seat of the homeland council, held by an elected resident for a term."""

    id = Serial(primary_key=True)
    grid_id = Integer()
    resident_id = Integer(null=True, default=None)
    household_id = Integer(null=True, default=None)
    name = Text()
    subject = Text(null=True, default=None, unique=True)
    elected_on = Date()
    term_ends_on = Date()
    votes_received = Integer(default=0)
    is_chair = Boolean(default=False)
    active = Boolean(default=True)


class CouncilSession(Table, tablename="council_sessions", db=ENGINE):
    """A council session on a date, with attendees and an agenda of pending matters."""

    id = Serial(primary_key=True)
    held_on = Date()
    title = Text(default="")
    status = Text(default="open")
    opened_by = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class SessionAttendance(Table, tablename="session_attendance", db=ENGINE):
    """A member present at a session.

    The table's key is (session_id, member_id); Piccolo models one primary-key column, so
    session_id stands in for it here (rows are only ever inserted and filtered, never
    addressed by Piccolo's primary key).
    """

    session_id = Integer(primary_key=True)
    member_id = Integer()


class AgendaItem(Table, tablename="agenda_items", db=ENGINE):
    """A matter on a session's agenda, and the outcome of deliberating it."""

    id = Serial(primary_key=True)
    session_id = Integer()
    matter_id = Integer()
    status = Text(default="pending")
    decided_kind = Text(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    # The chair's casting vote after a tie (migration 0005), and the kinds that tied at the
    # last decide attempt (None when that attempt did not end in a tie).
    casting_vote = Text(null=True, default=None)
    casting_vote_by = Integer(null=True, default=None)
    casting_vote_at = Timestamptz(null=True, default=None)
    casting_vote_note = Text(default="")
    tied_kinds = Array(Text(), null=True, default=None)


class VoteRow(Table, tablename="votes", db=ENGINE):
    """A member's vote (or recusal) on one agenda item."""

    id = Serial(primary_key=True)
    agenda_item_id = Integer()
    member_id = Integer()
    kind = Text(null=True, default=None)
    recused = Boolean(default=False)
    note = Text(default="")
    cast_at = Timestamptz(default=TimestamptzNow())
