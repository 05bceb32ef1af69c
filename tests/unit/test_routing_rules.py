"""What a department's act does to the community's matter (services.routing.model.matter_steps):
pure functions, no I/O."""

from __future__ import annotations

import pytest

from services.routing.model import matter_steps


# -- matter effects --------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["acknowledged", "answered", "progress", "meeting_outcome"])
def test_first_department_act_starts_a_classified_major_matter(kind):
    """The first engaging act moves a classified major matter to in progress."""
    assert matter_steps("classified", "major", kind, ["acknowledged"]) == ("in_progress",)


@pytest.mark.parametrize("kind", ["routed", "info_requested", "rejected", "overdue", "supervised"])
def test_non_engaging_events_change_nothing(kind):
    """Routing, reminders, supervision and rejection do not start the matter."""
    assert matter_steps("classified", "major", kind, ["routed"]) == ()


def test_already_in_progress_is_not_moved_again():
    """A second acknowledgement (another department) changes nothing."""
    assert matter_steps("in_progress", "major", "acknowledged", ["acknowledged"]) == ()


def test_last_ticket_done_resolves():
    """The done that leaves every ticket done resolves the matter."""
    assert matter_steps("in_progress", "major", "done", ["done", "done"]) == ("resolved",)


def test_done_with_other_ticket_open_does_not_resolve():
    """One department done, another still working: still in progress."""
    assert matter_steps("in_progress", "major", "done", ["done", "answered"]) == ()


def test_rejected_tickets_do_not_count():
    """A rejected (re-routed) ticket does not hold the matter open."""
    assert matter_steps("in_progress", "major", "done", ["rejected", "done"]) == ("resolved",)


def test_done_on_classified_matter_goes_through_in_progress():
    """Events arriving out of order: done first still moves classified → in progress → resolved."""
    assert matter_steps("classified", "major", "done", ["done"]) == ("in_progress", "resolved")


def test_reopened_matter_restarts_on_department_act():
    """A reopened major matter goes back in progress when a department acts."""
    assert matter_steps("reopened", "major", "answered", ["answered"]) == ("in_progress",)


@pytest.mark.parametrize("status", ["resolved", "closed", "withdrawn"])
def test_finished_matters_are_left_alone(status):
    """Never an illegal transition: finished matters do not move."""
    assert matter_steps(status, "major", "done", ["done"]) == ()


def test_matter_no_longer_major_is_left_alone():
    """A matter reclassified away from major is not moved by department events."""
    assert matter_steps("classified", "minor", "acknowledged", ["acknowledged"]) == ()
