"""Joint meetings: pure rules (outcome moves on tickets, who sees a meeting, outcome input)."""

from __future__ import annotations

from datetime import date

import pytest

from services.auth.model import Principal, Role, Scope, ScopeKind
from services.errors import InvalidInput, TextTooLong
from services.meetings.model import (
    Outcome,
    OutcomeInput,
    can_read_meeting,
    check_outcome,
    ticket_moves,
)
from services.routing.model import OPEN_STATUSES, EventKind, TicketStatus, check_ticket_transition
from services.settings import Settings

T = TicketStatus
DAY = date(2025, 5, 30)


def who(role: Role, kind: ScopeKind, scope_id: str, county: str | None = None) -> Principal:
    """A principal with one role in one scope."""
    return Principal(f"{role.value}-{scope_id}", frozenset({role}), Scope(kind, scope_id, county))


def test_commitment_on_routed_ticket_acknowledges_then_answers():
    """A routed ticket answered at the table is first acknowledged, then answered."""
    assert ticket_moves(T.ROUTED, Outcome.COMMITMENT) == [
        (T.ACKNOWLEDGED, EventKind.ACKNOWLEDGED),
        (T.ANSWERED, EventKind.MEETING_OUTCOME),
    ]


def test_answer_on_acknowledged_ticket_is_one_move():
    """An acknowledged ticket goes straight to answered with a meeting-outcome event."""
    assert ticket_moves(T.ACKNOWLEDGED, Outcome.ANSWERED) == [
        (T.ANSWERED, EventKind.MEETING_OUTCOME)
    ]


@pytest.mark.parametrize("outcome", [Outcome.REFERRED, Outcome.NEEDS_FOLLOW_UP])
def test_referred_and_follow_up_leave_status(outcome):
    """Referred / needs follow-up never move the ticket."""
    for status in OPEN_STATUSES:
        assert ticket_moves(status, outcome) == []


@pytest.mark.parametrize("status", sorted(OPEN_STATUSES))
@pytest.mark.parametrize("outcome", [Outcome.ANSWERED, Outcome.COMMITMENT])
def test_moves_are_legal_from_every_open_status(status, outcome):
    """Every planned move is allowed by the ticket lifecycle, from every open status."""
    current = status
    for target, _ in ticket_moves(status, outcome):
        check_ticket_transition(current, target)
        current = target
    assert current is T.ANSWERED


def test_meeting_visibility_by_role():
    """Invited departments, the community's staff and county users see it; no one else."""
    invited = ["transport", "urban"]
    rule = lambda p: can_read_meeting(p, "sx", "donghai", invited)  # noqa: E731
    D, C, K = ScopeKind.DEPARTMENT, ScopeKind.COMMUNITY, ScopeKind.COUNTY
    assert rule(who(Role.DEPARTMENT_OFFICER, D, "transport", "sx"))
    assert not rule(who(Role.DEPARTMENT_OFFICER, D, "water", "sx"))
    assert not rule(who(Role.DEPARTMENT_OFFICER, D, "transport", "other"))
    assert rule(who(Role.COMMUNITY_CADRE, C, "donghai"))
    assert rule(who(Role.GRID_WORKER, C, "donghai"))
    assert not rule(who(Role.RESIDENT, C, "donghai"))
    assert not rule(who(Role.COUNCIL_MEMBER, C, "donghai"))
    assert not rule(who(Role.COMMUNITY_CADRE, C, "xihai"))
    assert rule(who(Role.COUNTY_ADMIN, K, "sx"))
    assert rule(who(Role.COUNTY_LEADER, K, "sx"))
    assert not rule(who(Role.COUNTY_ADMIN, K, "other"))


def test_commitment_needs_text_and_date_not_before_meeting():
    """A commitment without text or date, or due before the meeting, is invalid input."""
    s = Settings()
    with pytest.raises(InvalidInput):
        check_outcome(OutcomeInput(Outcome.COMMITMENT, commitment="年底前调整"), DAY, s)
    with pytest.raises(InvalidInput):
        check_outcome(OutcomeInput(Outcome.COMMITMENT, commitment_due_on=DAY), DAY, s)
    with pytest.raises(InvalidInput):
        check_outcome(
            OutcomeInput(Outcome.COMMITMENT, commitment="x", commitment_due_on=date(2025, 5, 1)),
            DAY,
            s,
        )
    ok = check_outcome(
        OutcomeInput(Outcome.COMMITMENT, " 纪要 ", " 年底前调整 ", date(2025, 12, 31)), DAY, s
    )
    assert (ok.minutes, ok.commitment) == ("纪要", "年底前调整")


def test_only_commitment_takes_a_date_and_minutes_are_limited():
    """Other outcomes refuse a commitment; minutes over the limit are TextTooLong."""
    s = Settings(max_text_length=10)
    with pytest.raises(InvalidInput):
        check_outcome(OutcomeInput(Outcome.ANSWERED, commitment_due_on=DAY), DAY, s)
    with pytest.raises(TextTooLong):
        check_outcome(OutcomeInput(Outcome.ANSWERED, minutes="长" * 11), DAY, s)
