"""Deadlines: what the overdue job marks, commitment dates, and the scheduler's interval.

The overdue rule itself (services.localtime.overdue_kind) is tested in test_localtime.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.localtime import TIME_ZONE, end_of_day
from services.routing.model import OverdueKind
from services.routing.overdue import kind_to_mark, resolve_deadline
from services.settings import SettingsError
from workers.scheduler import DEFAULT_INTERVAL_S, interval_from_env

NOW = datetime(2025, 6, 10, 9, 0, tzinfo=UTC)


def ticket(status="routed", ack=1, resolve=10, overdue=None, due_on=None):
    """A ticket row whose deadlines are ``ack`` / ``resolve`` days after NOW."""
    return {
        "status": status,
        "ack_due_at": NOW + timedelta(days=ack),
        "resolve_due_at": NOW + timedelta(days=resolve),
        "commitment_due_on": due_on,
        "overdue": overdue,
    }


def test_the_job_marks_what_the_rule_finds_on_a_ticket_row():
    """Unflagged rows: the lapse of the rule, read off the row (status as stored text)."""
    assert kind_to_mark(ticket(), NOW) is None
    assert kind_to_mark(ticket(ack=-1), NOW) is OverdueKind.ACK
    assert kind_to_mark(ticket("acknowledged", ack=-1), NOW) is None
    assert kind_to_mark(ticket("info_requested", ack=-1), NOW) is None
    assert kind_to_mark(ticket(ack=-5, resolve=-1), NOW) is OverdueKind.RESOLVE
    assert kind_to_mark(ticket("answered", resolve=-1), NOW) is OverdueKind.RESOLVE
    for closed in ("done", "rejected", "cancelled"):
        assert kind_to_mark(ticket(closed, ack=-5, resolve=-1), NOW) is None


def test_commitment_date_overrides_resolve_deadline():
    """A commitment date ends at local midnight; before that the ticket is not late."""
    due = date(2025, 12, 31)
    assert end_of_day(due) == datetime(2026, 1, 1, tzinfo=TIME_ZONE)
    t = ticket("answered", resolve=-1, due_on=due)
    assert resolve_deadline(t) == end_of_day(due)
    assert kind_to_mark(t, NOW) is None
    assert kind_to_mark(t, datetime(2025, 12, 31, 15, 59, tzinfo=UTC)) is None  # 23:59 local
    assert kind_to_mark(t, datetime(2025, 12, 31, 16, 0, 1, tzinfo=UTC)) is OverdueKind.RESOLVE


def test_kind_to_mark_is_idempotent_and_never_downgrades():
    """Already flagged for the lapse: nothing to mark; 'resolve' never goes back to 'ack'."""
    assert kind_to_mark(ticket(ack=-1), NOW) is OverdueKind.ACK
    assert kind_to_mark(ticket(ack=-1, overdue="ack"), NOW) is None
    assert kind_to_mark(ticket(ack=-5, resolve=-1, overdue="ack"), NOW) is OverdueKind.RESOLVE
    assert kind_to_mark(ticket(ack=-1, overdue="resolve"), NOW) is None
    assert OverdueKind.RESOLVE.reminder_kind == "resolve_overdue"


def test_scheduler_interval_from_env():
    """The interval defaults to 60 s and refuses nonsense."""
    assert interval_from_env({}) == DEFAULT_INTERVAL_S
    assert interval_from_env({"SANSHI_SCHEDULER_INTERVAL_S": "15"}) == 15.0
    for bad in ("soon", "0", "-3"):
        with pytest.raises(SettingsError):
            interval_from_env({"SANSHI_SCHEDULER_INTERVAL_S": bad})
