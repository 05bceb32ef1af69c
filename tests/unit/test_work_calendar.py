"""The county's work calendar (工作日历) in working-day deadlines: pure functions, no I/O.

The days used are an illustration of how a Chinese holiday week with make-up working days
(调休) looks — a five-day break from a Thursday to the next Monday, worked back on the
Saturday before and the Sunday after — not an official calendar.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.departments.model import (
    PLAIN_WEEK,
    DayKind,
    DeadlinePolicy,
    WorkCalendar,
    add_working_days,
    deadlines_for,
    due_at,
    is_working_day,
)
from services.localtime import TIME_ZONE

# Thu 1 Oct 2026 .. Mon 5 Oct: holidays; Sat 26 Sep and Sun 11 Oct: worked (调休).
BREAK = [date(2026, 10, 1) + timedelta(days=i) for i in range(5)]
MAKE_UP = [date(2026, 9, 26), date(2026, 10, 11)]
CALENDAR = WorkCalendar.of(
    [(d, DayKind.HOLIDAY) for d in BREAK] + [(d, "workday") for d in MAKE_UP]
)


def test_the_calendar_is_built_from_rows_of_either_kind():
    assert CALENDAR.holidays == frozenset(BREAK)
    assert CALENDAR.workdays == frozenset(MAKE_UP)
    with pytest.raises(ValueError):
        WorkCalendar.of([(date(2026, 1, 1), "festival")])
    assert DayKind.HOLIDAY.label_zh == "法定节假日" and DayKind.WORKDAY.label_en


def test_which_days_are_worked():
    assert date(2026, 9, 26).weekday() == 5 and is_working_day(date(2026, 9, 26), CALENDAR)
    assert not is_working_day(date(2026, 9, 26))  # a plain Saturday otherwise
    assert date(2026, 10, 1).weekday() == 3 and not is_working_day(date(2026, 10, 1), CALENDAR)
    assert is_working_day(date(2026, 10, 1), PLAIN_WEEK)
    assert not is_working_day(date(2026, 10, 10), CALENDAR)  # Saturday, not made up
    assert is_working_day(date(2026, 10, 6), CALENDAR)  # Tuesday after the break


@pytest.mark.parametrize(
    ("start", "n", "plain", "with_calendar"),
    [
        # Friday 25 Sep: Mon 28 .. Wed 30 are 3 working days either way; with the calendar
        # the make-up Saturday 26 Sep comes first.
        (date(2026, 9, 25), 1, date(2026, 9, 28), date(2026, 9, 26)),
        (date(2026, 9, 25), 4, date(2026, 10, 1), date(2026, 9, 30)),
        # Wednesday 30 Sep, 1 working day: Thursday plainly; with the break, Tuesday 6 Oct.
        (date(2026, 9, 30), 1, date(2026, 10, 1), date(2026, 10, 6)),
        # 5 working days from 30 Sep: 7 Oct plainly; 6,7,8,9 Oct then the make-up Sunday 11.
        (date(2026, 9, 30), 5, date(2026, 10, 7), date(2026, 10, 11)),
        # Far from the break, nothing changes.
        (date(2026, 11, 2), 3, date(2026, 11, 5), date(2026, 11, 5)),
        (date(2026, 9, 30), 0, date(2026, 9, 30), date(2026, 9, 30)),
    ],
)
def test_working_days_skip_holidays_and_count_make_up_days(start, n, plain, with_calendar):
    assert add_working_days(start, n) == plain
    assert add_working_days(start, n, CALENDAR) == with_calendar


def test_a_ticket_routed_before_the_break_is_due_after_it():
    """Routed Wednesday 30 Sep at 16:00 Beijing time; 1 working day to acknowledge, 5 to
    resolve: acknowledge by Tuesday 6 Oct, resolve by Sunday 11 Oct (a make-up day)."""
    start = datetime(2026, 9, 30, 16, 0, tzinfo=TIME_ZONE)
    policy = [DeadlinePolicy("*", 1, 5)]
    plain = deadlines_for("bus_stop", policy, start=start)
    held = deadlines_for("bus_stop", policy, start=start, calendar=CALENDAR)
    assert plain.ack_due_at.date() == date(2026, 10, 1)
    assert held.ack_due_at.date() == date(2026, 10, 6)
    assert held.resolve_due_at.date() == date(2026, 10, 11)
    assert held.resolve_due_at == due_at(start, 5, TIME_ZONE, CALENDAR)
    # a commitment date (承诺办结日期) still overrides the resolve deadline, calendar or not
    promised = deadlines_for("bus_stop", policy, date(2026, 12, 31), start=start, calendar=CALENDAR)
    assert promised.resolve_due_at.date() == date(2026, 12, 31) and promised.by_commitment
    assert promised.ack_due_at == held.ack_due_at
