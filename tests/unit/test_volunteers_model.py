"""Pure rules of volunteer teams: who a volunteer is, consent, skills and weekdays, recurrence
(RRULE) expansion and its bad input, and the assignment suggestion."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.volunteers import model
from services.volunteers.model import (
    Candidate,
    Consent,
    ConsentHow,
    Skill,
    Weekday,
    parse_recurrence,
    suggest,
)

START = date(2026, 12, 1)  # a Tuesday


# -- identity and consent ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("resident", "name", "phone", "ok"),
    [
        (7, "", "", True),  # a resident of the community
        (None, "王医生", "13900000000", True),  # an outside person with name and phone
        (None, "王医生", "", False),
        (None, "", "13900000000", False),
        (None, "", "", False),
        (7, "王医生", "", False),  # both
        (7, "", "13900000000", False),
    ],
)
def test_a_volunteer_is_a_resident_or_an_outside_person(resident, name, phone, ok):
    if ok:
        model.check_identity(resident, name, phone)
    else:
        with pytest.raises(model.VolunteerIdentityInvalid):
            model.check_identity(resident, name, phone)


def test_consent_is_required_and_given_no_later_than_joining():
    with pytest.raises(model.ConsentRequired):
        model.check_consent(None, START)
    given = Consent(START, ConsentHow.WRITTEN)
    assert model.check_consent(given, START) is given
    with pytest.raises(model.InvalidInput):
        model.check_consent(Consent(date(2026, 12, 2), ConsentHow.ONLINE), START)


def test_skills_and_weekdays_once_each_in_order():
    assert model.normal_skills([Skill.CLEANING, Skill.BLOOD_PRESSURE, Skill.CLEANING]) == (
        Skill.BLOOD_PRESSURE,
        Skill.CLEANING,
    )
    assert model.normal_weekdays([Weekday.SUNDAY, Weekday.MONDAY]) == (
        Weekday.MONDAY,
        Weekday.SUNDAY,
    )
    assert [Weekday.of_iso(d.iso) for d in Weekday] == list(Weekday)
    assert Weekday.MONDAY.iso == 1 and Weekday.SUNDAY.iso == 7


def test_leaving_is_once_and_not_before_joining():
    model.check_leave(START, None, START)
    with pytest.raises(model.InvalidInput):
        model.check_leave(START, None, date(2026, 11, 30))
    with pytest.raises(model.VolunteerHasLeft):
        model.check_leave(START, date(2026, 12, 5), date(2026, 12, 6))


def test_a_volunteer_serves_from_joining_to_the_day_they_leave():
    assert model.serves_on(START, None, date(2027, 5, 1))
    assert not model.serves_on(START, None, date(2026, 11, 30))
    assert model.serves_on(START, date(2026, 12, 10), date(2026, 12, 10))
    assert not model.serves_on(START, date(2026, 12, 10), date(2026, 12, 11))


# -- recurrence ----------------------------------------------------------------------------
def test_the_25th_of_every_month():
    """Golden Harbour's service: monthly on the 25th."""
    rule = parse_recurrence("FREQ=MONTHLY;BYMONTHDAY=25", START)
    assert rule.between(START, date(2027, 2, 28)) == [
        date(2026, 12, 25),
        date(2027, 1, 25),
        date(2027, 2, 25),
    ]
    assert rule.between(date(2026, 12, 26), date(2027, 1, 24)) == []
    assert rule.between(date(2027, 1, 25), date(2027, 1, 25)) == [date(2027, 1, 25)]  # inclusive
    assert rule.between(date(2027, 2, 1), date(2027, 1, 1)) == []


def test_weekly_on_tuesday_with_the_prefix_and_a_count():
    rule = parse_recurrence("RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=3", START)
    assert rule.rule == "FREQ=WEEKLY;BYDAY=TU;COUNT=3"
    assert rule.between(START, date(2027, 3, 1)) == [
        date(2026, 12, 1),
        date(2026, 12, 8),
        date(2026, 12, 15),
    ]


def test_the_31st_skips_short_months():
    rule = parse_recurrence("FREQ=MONTHLY;BYMONTHDAY=31", START)
    assert rule.between(START, date(2027, 4, 30)) == [
        date(2026, 12, 31),
        date(2027, 1, 31),
        date(2027, 3, 31),
    ]


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MONTHLY;BYMONTHDAY=30;BYMONTH=2",  # 30 February
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31",
        "FREQ=DAILY;COUNT=0",
        "FREQ=DAILY;UNTIL=20200101",  # ended before the start
    ],
)
def test_a_rule_that_never_occurs_is_refused(rule):
    with pytest.raises(model.RecurrenceNeverOccurs):
        parse_recurrence(rule, START)


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "   ",
        "garbage",
        "FREQ=FORTNIGHTLY",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=HOURLY",  # a visit is per day
        "FREQ=MINUTELY;INTERVAL=5",
        "FREQ=DAILY;BYHOUR=9",
        "FREQ=DAILY;INTERVAL=0",  # would never advance
        "FREQ=DAILY;INTERVAL=-2",
        "DTSTART:20261201\nRRULE:FREQ=DAILY",  # two lines
        "FREQ=DAILY;DTSTART=20261201",
        "FREQ=DAILY;" + "BYMONTHDAY=1;" * 40,  # over the length limit
    ],
)
def test_a_malformed_rule_is_refused(rule):
    with pytest.raises(model.InvalidRecurrence) as err:
        parse_recurrence(rule, START)
    assert err.value.message_zh and err.value.message_en


def test_a_leap_day_rule_occurs_within_the_horizon():
    rule = parse_recurrence("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", START)
    assert rule.between(START, date(2028, 12, 31)) == [date(2028, 2, 29)]


# -- who is suggested for a visit ----------------------------------------------------------
def _v(i: int, name: str, skills=(), days=(), joined=date(2026, 1, 1), left=None) -> Candidate:
    return Candidate(i, name, frozenset(skills), frozenset(days), joined, left)


VISIT_DAY = date(2026, 12, 25)  # a Friday


def test_skill_first_then_availability_then_fewest_hours():
    team = [
        _v(1, "甲", [Skill.BLOOD_PRESSURE], [Weekday.MONDAY]),
        _v(2, "乙", [Skill.BLOOD_PRESSURE], [Weekday.FRIDAY]),
        _v(3, "丙", [Skill.CLEANING], [Weekday.FRIDAY]),
        _v(4, "丁", [Skill.BLOOD_PRESSURE], [Weekday.FRIDAY]),
    ]
    hours = {2: Decimal("6.5"), 4: Decimal("2")}
    ranked = suggest(VISIT_DAY, Skill.BLOOD_PRESSURE, team, hours)
    assert [s.volunteer_id for s in ranked] == [4, 2, 1, 3]
    assert (ranked[0].has_skill, ranked[0].available, ranked[0].hours_this_month) == (
        True,
        True,
        Decimal("2"),
    )
    assert (ranked[-1].has_skill, ranked[-1].available) == (False, True)


def test_no_skill_needed_ranks_by_availability_and_hours():
    team = [_v(1, "甲", days=[Weekday.MONDAY]), _v(2, "乙", days=[Weekday.FRIDAY])]
    assert [s.volunteer_id for s in suggest(VISIT_DAY, None, team, {})] == [2, 1]


def test_volunteers_who_left_or_have_not_joined_are_not_suggested():
    team = [
        _v(1, "甲", left=date(2026, 12, 24)),
        _v(2, "乙", joined=date(2026, 12, 26)),
        _v(3, "丙", left=VISIT_DAY),  # their last day
    ]
    assert [s.volunteer_id for s in suggest(VISIT_DAY, None, team, {})] == [3]


def test_the_suggestion_is_a_total_order():
    """Equal in skill, availability and hours: by name (code points: 乙 U+4E59 before 甲
    U+7532), then id — whatever the input order."""
    team = [_v(3, "乙"), _v(1, "甲"), _v(2, "甲")]
    first = [s.volunteer_id for s in suggest(VISIT_DAY, None, team, {})]
    again = [s.volunteer_id for s in suggest(VISIT_DAY, None, list(reversed(team)), {})]
    assert first == again == [3, 1, 2]


# -- hours, visits' acts, health readings ----------------------------------------------------
@pytest.mark.parametrize(
    ("value", "ok"),
    [("0", True), ("1.5", True), ("24", True), ("0.25", True), ("-0.01", False),
     ("24.01", False), ("1.234", False), ("NaN", False), ("Infinity", False), ("abc", False)],
)  # fmt: skip
def test_hours_are_0_to_24_with_two_decimals(value, ok):
    if ok:
        assert model.check_hours(value) == Decimal(value).quantize(Decimal("0.01"))
    else:
        with pytest.raises(model.HoursOutOfRange):
            model.check_hours(value)


def test_a_volunteers_day_stays_within_24_hours():
    model.check_day_total(START, Decimal("20"), Decimal("4"))
    with pytest.raises(model.HoursOverADay) as err:
        model.check_day_total(START, Decimal("20"), Decimal("4.5"))
    assert "24.5" in err.value.message_en


@pytest.mark.parametrize(
    ("status", "assign", "report", "confirm"),
    [
        ("planned", True, True, False),
        ("missed", False, True, False),  # a missed visit may still be reported, late
        ("done", False, False, True),
        ("not_done", False, False, False),
        ("cancelled", False, False, False),
    ],
)
def test_what_each_visit_status_allows(status, assign, report, confirm):
    for check, allowed in (
        (model.check_assignable, assign),
        (lambda s: model.check_reportable(s, START, START), report),
        (lambda s: model.check_confirmable(s, False), confirm),
    ):
        if allowed:
            check(status)
        else:
            with pytest.raises(model.VisitNotOpen):
                check(status)


def test_a_visit_is_reported_on_or_after_its_day():
    model.check_reportable("planned", START, START + timedelta(days=3))
    with pytest.raises(model.VisitNotYet):
        model.check_reportable("planned", START + timedelta(days=1), START)


def test_a_visit_is_confirmed_once():
    with pytest.raises(model.AlreadyConfirmed):
        model.check_confirmable("done", True)


@pytest.mark.parametrize(
    ("reading", "ok"),
    [
        (model.Reading(135, 85, 72), True),
        (model.Reading(pulse=80), True),
        (model.Reading(note="老人拒绝测量"), True),
        (model.Reading(), False),  # nothing
        (model.Reading(systolic=120), False),  # one pressure only
        (model.Reading(1200, 80), False),  # a typo
        (model.Reading(80, 120), False),  # diastolic above systolic
        (model.Reading(120, 80, pulse=5), False),
    ],
)
def test_readings_are_plausible(reading, ok):
    if ok:
        assert model.check_reading(reading) is reading
    else:
        with pytest.raises(model.InvalidInput):
            model.check_reading(reading)


def test_who_reads_health_readings():
    """The household, the volunteer who took it, the team's leader and core: any one is
    enough; none of them, no reading."""
    import itertools

    for own, recorded, leads in itertools.product((False, True), repeat=3):
        allowed = model.reads_health(own_household=own, recorded_it=recorded, leads_team=leads)
        assert allowed is (own or recorded or leads)
