"""Routing rules, working-day deadlines and the default departments of a county
(services.departments): pure functions, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.departments.defaults import DEFAULT_DEPARTMENTS, DEFAULT_RULES, FALLBACK_CODE
from services.departments.model import (
    AckAfterResolve,
    DeadlineOutOfRange,
    DeadlinePolicy,
    DepartmentInfo,
    NoFallbackDepartment,
    Rule,
    add_working_days,
    check_deadline_policy,
    deadlines_for,
    due_at,
    route,
)
from services.localtime import TIME_ZONE
from services.matters.model import DEFAULT_CATEGORIES

DEPTS = (
    DepartmentInfo("transport", "县交通运输局", "Transport"),
    DepartmentInfo("housing", "县住建局", "Housing"),
    DepartmentInfo("water", "县水利局", "Water"),
    DepartmentInfo("urban_management", "县城管", "Urban management"),
    DepartmentInfo("closed_bureau", "已撤并局", "Merged away", active=False),
    DepartmentInfo("coordination", "县协调办", "Coordination", is_fallback=True),
)


def rule(rid: int, category: str, *codes: str, **kw) -> Rule:
    return Rule(id=rid, category=category, department_codes=codes, **kw)


RULES = (
    rule(1, "transport", "transport"),
    rule(2, "road_and_drainage", "housing", "water"),
    rule(3, "transport", "urban_management", community_slug="donghai"),
    rule(4, "transport", "housing", community_slug="donghai", grid_code="g1"),
    rule(5, "sanitation", "closed_bureau"),
    rule(6, "pets", "transport", active=False),
    rule(7, "housing_repair", "housing", include_address=True, include_circumstances=True),
    rule(8, "safety", "closed_bureau", "water"),
)


def test_category_rule_routes_to_its_department():
    """A county-wide category rule sends the matter to its department."""
    d = route("transport", "jinping", "g1", RULES, DEPTS)
    assert d.department_codes == ("transport",) and d.rule_id == 1 and not d.fallback


def test_two_departments():
    """A rule naming two departments routes to both, in order."""
    assert route("road_and_drainage", "x", None, RULES, DEPTS).department_codes == (
        "housing",
        "water",
    )


def test_community_rule_beats_category_rule():
    """A community's own rule is more specific than the county-wide one."""
    d = route("transport", "donghai", "g2", RULES, DEPTS)
    assert d.department_codes == ("urban_management",) and d.rule_id == 3


def test_grid_rule_beats_community_rule():
    """A grid rule is the most specific of all."""
    d = route("transport", "donghai", "g1", RULES, DEPTS)
    assert d.department_codes == ("housing",) and d.rule_id == 4


def test_grid_rule_of_another_community_does_not_apply():
    """A grid rule applies only in its own community, even for the same grid code."""
    assert route("transport", "jinping", "g1", RULES, DEPTS).rule_id == 1


def test_nothing_matches_goes_to_fallback():
    """An unknown category goes to the coordination office, with nothing of the household."""
    d = route("neighbour_dispute", "donghai", "g1", RULES, DEPTS)
    assert d.department_codes == ("coordination",) and d.fallback and d.rule_id is None
    assert not d.include_address and not d.include_circumstances


def test_inactive_rule_is_ignored():
    """An inactive rule is as if it did not exist."""
    d = route("pets", "donghai", None, RULES, DEPTS)
    assert d.fallback and d.rule_id is None


def test_inactive_department_is_skipped():
    """Inactive departments are skipped; the active ones of the rule still get it."""
    assert route("safety", "x", None, RULES, DEPTS).department_codes == ("water",)


def test_no_active_target_goes_to_fallback():
    """A rule whose only department is inactive falls back to the coordination office."""
    d = route("sanitation", "x", None, RULES, DEPTS)
    assert d.department_codes == ("coordination",) and d.fallback and d.rule_id == 5


def test_unknown_department_in_rule_is_skipped():
    """A code the county does not have is skipped like an inactive one."""
    d = route("x", "c", None, (rule(1, "x", "nope", "water"),), DEPTS)
    assert d.department_codes == ("water",)


def test_duplicate_codes_are_routed_once():
    """A department named twice gets one ticket."""
    d = route("x", "c", None, (rule(1, "x", "water", "water"),), DEPTS)
    assert d.department_codes == ("water",)


def test_include_flags_come_from_the_rule():
    """Address and circumstances are shared only when the winning rule says so."""
    d = route("housing_repair", "c", None, RULES, DEPTS)
    assert d.include_address and d.include_circumstances
    d2 = route("transport", "c", None, RULES, DEPTS)
    assert not d2.include_address and not d2.include_circumstances


def test_equally_specific_rules_lowest_id_wins():
    """Hand-built duplicates are ordered by id (the database keeps one per key)."""
    rules = (rule(9, "x", "water"), rule(2, "x", "housing"))
    assert route("x", "c", None, rules, DEPTS).department_codes == ("housing",)


def test_county_without_fallback_raises():
    """No coordination office: routing refuses instead of dropping the matter."""
    with pytest.raises(NoFallbackDepartment):
        route("transport", "c", None, RULES, [d for d in DEPTS if not d.is_fallback])


def test_inactive_fallback_still_receives():
    """A major matter always reaches someone, even an inactive fallback."""
    depts = [DepartmentInfo("coordination", "协调办", "Co", active=False, is_fallback=True)]
    assert route("x", "c", None, (), depts).department_codes == ("coordination",)


# -- working days --------------------------------------------------------------------------
MON = date(2026, 3, 2)  # a Monday


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (MON, 0, MON),
        (MON, 1, date(2026, 3, 3)),
        (MON, 4, date(2026, 3, 6)),  # Friday
        (MON, 5, date(2026, 3, 9)),  # next Monday
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday + 1 -> Monday
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # Saturday + 1 -> Monday
        (date(2026, 3, 8), 2, date(2026, 3, 10)),  # Sunday + 2 -> Tuesday
        (MON, 15, date(2026, 3, 23)),  # three weeks
    ],
)
def test_add_working_days(start, n, expected):
    """Weekends never count; the start day itself never counts."""
    assert add_working_days(start, n) == expected


def test_add_negative_working_days_is_refused():
    """A negative limit is a bug, not a date in the past."""
    with pytest.raises(ValueError):
        add_working_days(MON, -1)


def test_due_at_is_end_of_day_in_shanghai():
    """Friday evening + 2 working days = Tuesday 23:59:59 Beijing time."""
    start = datetime(2026, 3, 6, 20, 30, tzinfo=TIME_ZONE)
    due = due_at(start, 2)
    assert due == datetime(2026, 3, 10, 23, 59, 59, tzinfo=TIME_ZONE)


def test_due_at_uses_the_local_date_not_utc():
    """Monday 01:00 Beijing is Sunday 17:00 UTC: counting starts from Monday's date."""
    start = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # Mon 01:00 in Shanghai
    assert due_at(start, 1).date() == date(2026, 3, 3)


def test_due_at_refuses_naive_datetimes():
    """A naive time would be read in the server's zone: refused."""
    with pytest.raises(ValueError):
        due_at(datetime(2026, 3, 2, 9, 0), 2)


START = datetime(2026, 3, 2, 9, 0, tzinfo=TIME_ZONE)


def test_deadlines_default_when_no_policy():
    """No policy at all: 2 working days to acknowledge, 15 to resolve."""
    d = deadlines_for("transport", [], start=START)
    assert d.ack_due_at.date() == date(2026, 3, 4)
    assert d.resolve_due_at.date() == date(2026, 3, 23)
    assert d.policy_category is None and not d.by_commitment


def test_deadlines_county_default_policy():
    """The county's * policy applies to categories without their own."""
    d = deadlines_for("transport", [DeadlinePolicy("*", 1, 10)], start=START)
    assert d.ack_due_at.date() == date(2026, 3, 3)
    assert d.resolve_due_at.date() == date(2026, 3, 16)
    assert d.policy_category == "*"


def test_deadlines_category_policy_beats_default():
    """A category's own policy beats the county default."""
    policies = [DeadlinePolicy("*", 2, 15), DeadlinePolicy("safety", 1, 3)]
    d = deadlines_for("safety", policies, start=START)
    assert d.resolve_due_at.date() == date(2026, 3, 5) and d.policy_category == "safety"


def test_commitment_date_overrides_resolve_deadline():
    """A commitment ("done by year end") replaces the resolve deadline, not the ack one."""
    d = deadlines_for("transport", [], date(2026, 12, 31), start=START)
    assert d.resolve_due_at == datetime(2026, 12, 31, 23, 59, 59, tzinfo=TIME_ZONE)
    assert d.ack_due_at.date() == date(2026, 3, 4) and d.by_commitment


@pytest.mark.parametrize(
    ("ack", "resolve", "error"),
    [
        (0, 15, DeadlineOutOfRange),
        (61, 100, DeadlineOutOfRange),
        (2, 366, DeadlineOutOfRange),
        (5, 3, AckAfterResolve),
    ],
)
def test_deadline_policy_checks(ack, resolve, error):
    """Limits outside the allowed range, or ack after resolve, are typed errors."""
    with pytest.raises(error) as caught:
        check_deadline_policy(ack, resolve)
    assert caught.value.message_zh and caught.value.message_en


def test_deadline_policy_accepts_edges():
    """1/1 and 60/365 are allowed."""
    check_deadline_policy(1, 1)
    check_deadline_policy(60, 365)


# -- defaults ------------------------------------------------------------------------------
def test_defaults_name_only_existing_departments_and_categories():
    """Every default rule names default departments and a default category."""
    codes = {d.code for d in DEFAULT_DEPARTMENTS}
    for category, r in DEFAULT_RULES.items():
        assert category in DEFAULT_CATEGORIES
        assert set(r.department_codes) <= codes


def test_defaults_have_exactly_one_fallback():
    """The coordination office is the one fallback."""
    assert [d.code for d in DEFAULT_DEPARTMENTS if d.is_fallback] == [FALLBACK_CODE]


def test_default_routing_examples():
    """Transport → transport bureau; roads and drainage → housing + water; other → fallback."""
    depts = [
        DepartmentInfo(d.code, d.name_zh, d.name_en, True, d.is_fallback)
        for d in DEFAULT_DEPARTMENTS
    ]
    rules = [
        Rule(i, c, r.department_codes, include_address=r.include_address)
        for i, (c, r) in enumerate(DEFAULT_RULES.items(), 1)
    ]
    assert route("transport", "c", None, rules, depts).department_codes == ("transport",)
    assert route("road_and_drainage", "c", None, rules, depts).department_codes == (
        "housing",
        "water",
    )
    assert route("illegal_construction", "c", None, rules, depts).department_codes == (
        "urban_management",
    )
    assert route("other", "c", None, rules, depts).department_codes == (FALLBACK_CODE,)
