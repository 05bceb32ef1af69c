"""Pure rules of the department inbox: due dates, text, filters, cursors, scope.

Local days, the end of a due date and the overdue rule are services.localtime's
(test_localtime.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.auth.model import Principal, Role, Scope, ScopeKind
from services.errors import Forbidden, InvalidInput, TextTooLong
from services.inbox import model as inbox
from services.kernel.pagination import decode_cursor, encode_cursor
from services.routing.api import TicketEventKindType, TicketStatusType
from services.routing.model import EventKind, TicketStatus
from services.routing.queries import search_conditions

NOW = datetime(2025, 6, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
HOUR = timedelta(hours=1)


def test_commitment_dates_must_be_today_or_later_and_plausible():
    """Yesterday and a century out are refused; today and next year are fine."""
    inbox.check_due_on(date(2025, 6, 2), NOW)
    inbox.check_due_on(date(2026, 6, 2), NOW)
    for bad in (date(2025, 6, 1), date(2125, 1, 1)):
        with pytest.raises(InvalidInput):
            inbox.check_due_on(bad, NOW)
    # "today" is the Shanghai date: at 20:00 UTC on 1 June it is already 2 June there.
    inbox.check_due_on(date(2025, 6, 2), datetime(2025, 6, 1, 20, 0, tzinfo=UTC))
    with pytest.raises(InvalidInput):
        inbox.check_due_on(date(2025, 6, 1), datetime(2025, 6, 1, 20, 0, tzinfo=UTC))


def test_text_is_stripped_limited_and_may_be_required():
    """Over the limit: TextTooLong (naming the field in Chinese); blank but required: invalid."""
    assert inbox.check_text("note", "  好  ", 5) == "好"
    assert inbox.check_text("note", "", 5) == ""
    with pytest.raises(TextTooLong) as caught:
        inbox.check_text("question", "问" * 6, 5)
    assert "询问内容" in caught.value.message_zh
    with pytest.raises(InvalidInput):
        inbox.check_text("answer", "   ", 5, required=True)


def test_cursor_round_trips_and_rejects_garbage():
    """A cursor stands for (resolve_due_at, id); anything else is InvalidInput."""
    assert decode_cursor(encode_cursor(NOW, 42), datetime, int) == (NOW, 42)
    for bad in ("", "###", "WyJ4Il0", "WyIyMDI1LTA2LTAyVDA0OjAwOjAwIiwgMV0"):
        with pytest.raises(InvalidInput):
            decode_cursor(bad, datetime, int)


def test_filter_check_refuses_impossible_ranges_and_bad_codes():
    """A range ending before it starts, or a malformed code, is an error, not an empty inbox."""
    inbox.InboxFilter(communities=("donghai",), departments=("transport",)).check()
    with pytest.raises(InvalidInput):
        inbox.InboxFilter(due_from=date(2025, 2, 1), due_to=date(2025, 1, 1)).check()
    with pytest.raises(InvalidInput):
        inbox.InboxFilter(communities=("c_a,c_b",)).check()


def test_filter_conditions_are_parameterised():
    """Filter values travel as parameters; the SQL holds only placeholders."""
    args: list = []
    officer = _principal(Role.DEPARTMENT_OFFICER, Scope(ScopeKind.DEPARTMENT, "transport", "sx"))
    search = inbox.inbox_search(
        officer,
        inbox.InboxFilter(
            statuses=(TicketStatus.ROUTED,),
            communities=("x'--",),
            overdue_only=True,
            supervised_only=True,
        ),
        NOW,
    )
    conds = search_conditions(search, args)
    assert "x'--" not in " ".join(conds)
    assert args[:4] == ["sx", "transport", ["routed"], ["x'--"]] and NOW in args
    assert "t.supervised" in conds


def test_the_inbox_search_never_leaves_the_callers_scope():
    """A filter narrows the caller's scope; a department officer's never names another."""
    officer = _principal(Role.DEPARTMENT_OFFICER, Scope(ScopeKind.DEPARTMENT, "transport", "sx"))
    search = inbox.inbox_search(officer, inbox.InboxFilter(departments=("water",)), NOW)
    assert (search.county, search.department, search.departments) == ("sx", "transport", ("water",))
    assert search.overdue_at is None
    admin = _principal(Role.COUNTY_ADMIN, Scope(ScopeKind.COUNTY, "sx"))
    assert inbox.inbox_search(admin, inbox.InboxFilter(), NOW).department is None
    with pytest.raises(Forbidden):
        inbox.inbox_search(
            _principal(Role.RESIDENT, Scope(ScopeKind.COMMUNITY, "d")), inbox.InboxFilter(), NOW
        )


def _principal(role: Role, scope: Scope) -> Principal:
    return Principal("someone", frozenset({role}), scope)


def test_inbox_scope_by_role():
    """Officers: own department; county users: their county; everyone else: Forbidden."""
    officer = _principal(Role.DEPARTMENT_OFFICER, Scope(ScopeKind.DEPARTMENT, "transport", "sx"))
    assert inbox.inbox_scope(officer) == ("sx", "transport")
    for role in (Role.COUNTY_ADMIN, Role.COUNTY_LEADER):
        assert inbox.inbox_scope(_principal(role, Scope(ScopeKind.COUNTY, "sx"))) == ("sx", None)
    for role in (Role.COMMUNITY_CADRE, Role.GRID_WORKER, Role.COUNCIL_MEMBER, Role.RESIDENT):
        with pytest.raises(Forbidden):
            inbox.inbox_scope(_principal(role, Scope(ScopeKind.COMMUNITY, "donghai")))


def test_graphql_enums_match_the_model():
    """Every ticket status and event kind has its GraphQL enum member, and no more."""
    assert {m.value for m in TicketStatusType} == {s.value for s in TicketStatus}
    assert {m.value for m in TicketEventKindType} == {k.value for k in EventKind}
