"""Deadlines: what the overdue job marks, commitment dates, and the scheduler's interval.

The overdue rule itself (services.localtime.overdue_kind) is tested in test_localtime.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.localtime import TIME_ZONE, OverdueKind, end_of_day
from services.meetings.overdue import kind_to_mark, resolve_deadline
from services.routing.model import TicketStatus
from services.routing.queries import TicketRow
from services.settings import Settings, SettingsError
from workers.scheduler import default_jobs

NOW = datetime(2025, 6, 10, 9, 0, tzinfo=UTC)


def ticket(status="routed", ack=1, resolve=10, overdue=None, due_on=None) -> TicketRow:
    """A ticket row whose deadlines are ``ack`` / ``resolve`` days after NOW."""
    return TicketRow(
        id=1,
        county_code="sx",
        department_code="transport",
        community_slug="donghai",
        matter_id=1,
        sheet_version=1,
        matter_number="M-1",
        title="公交站台太远",
        description="",
        category="transport",
        place="",
        grid_name="",
        household_address=None,
        circumstances=None,
        status=TicketStatus(status),
        commitment=None,
        commitment_due_on=due_on,
        ack_due_at=NOW + timedelta(days=ack),
        resolve_due_at=NOW + timedelta(days=resolve),
        overdue=None if overdue is None else OverdueKind(overdue),
        supervised=False,
        supervised_by=None,
        supervision_note="",
        rerouted_from=None,
        created_at=NOW,
        updated_at=NOW,
    )


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
    assert Settings.from_env({}).scheduler_interval_s == Settings().scheduler_interval_s
    assert Settings().scheduler_interval_s == 60.0
    assert Settings.from_env({"SANSHI_SCHEDULER_INTERVAL_S": "15"}).scheduler_interval_s == 15.0
    for bad in ("soon", "0", "-3"):
        with pytest.raises(SettingsError):
            Settings.from_env({"SANSHI_SCHEDULER_INTERVAL_S": bad})


def test_default_jobs_take_the_interval_from_settings_unless_given():
    """default_jobs(None) runs the overdue job at the setting's interval; a number wins; a
    job that names its own interval (planning visits: hourly) keeps it."""
    jobs = {j.name: j for j in default_jobs(settings=Settings(scheduler_interval_s=15.0))}
    assert jobs["routing.mark_overdue"].interval_s == 15.0
    assert jobs["volunteers.plan_visits"].interval_s == 3600.0
    jobs = {j.name: j for j in default_jobs(7.5, settings=Settings(scheduler_interval_s=15.0))}
    assert jobs["routing.mark_overdue"].interval_s == 7.5
    assert jobs["volunteers.plan_visits"].interval_s == 3600.0


def test_default_jobs_without_settings_read_the_process_settings(monkeypatch):
    """default_jobs() with nothing given uses get_settings(), i.e. the environment."""
    from services import settings as settings_module

    settings_module.get_settings.cache_clear()
    try:
        monkeypatch.setenv("SANSHI_SCHEDULER_INTERVAL_S", "42")
        jobs = {j.name: j for j in default_jobs()}
        assert jobs["routing.mark_overdue"].interval_s == 42.0
    finally:
        settings_module.get_settings.cache_clear()


def test_scheduler_interval_help_names_the_variable_not_a_number():
    """`sanshi scheduler --interval` points at the setting instead of repeating its default."""
    from workers.scheduler import scheduler

    (option,) = [p for p in scheduler.params if p.name == "interval"]
    help_text = getattr(option, "help", "") or ""
    assert "SANSHI_SCHEDULER_INTERVAL_S" in help_text
    assert str(int(Settings().scheduler_interval_s)) not in help_text
