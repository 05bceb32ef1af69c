"""Pure rules of the dog owners' association: vaccination overdue, duties owed and settled,
escalation's preconditions, and duty derivation against every incident kind and dog."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import product

import pytest

from services.errors import InvalidInput
from services.groups import model
from services.groups.model import (
    Clause,
    DogFacts,
    DogFilter,
    DutyDue,
    DutyKind,
    DutySpec,
    DutyState,
    IncidentKind,
    SizeClass,
    check_during_membership,
    check_escalate,
    check_occurred,
    check_settle,
    check_vaccinated,
    derive_duties,
    due_time,
    duty_overdue,
    vaccination_overdue,
)

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def test_duty_states_and_the_new_words_read_in_both_languages():
    """Every duty state, and every kind and size the register uses, has zh and en labels."""
    assert [s.label_zh for s in DutyState] == ["待履行", "已履行", "拒绝履行"]
    for enum_cls in (DutyState, SizeClass, IncidentKind, DutyKind):
        assert all(m.label_zh and m.label_en for m in enum_cls)
    assert IncidentKind.DOG_BITE.label_zh == "犬只伤人"


@pytest.mark.parametrize(
    ("vaccinated_on", "today", "overdue"),
    [
        (None, date(2026, 1, 1), True),  # never recorded: cannot be shown protected
        (date(2026, 1, 1), date(2026, 1, 1), False),
        (date(2025, 10, 1), date(2026, 9, 30), False),
        (date(2025, 10, 1), date(2026, 10, 1), False),  # the 365th day is the last covered
        (date(2025, 10, 1), date(2026, 10, 2), True),
        (date(2020, 1, 1), date(2026, 1, 1), True),
    ],
)
def test_vaccination_is_overdue_a_year_after_or_when_never_recorded(vaccinated_on, today, overdue):
    """A yearly vaccination: overdue after 365 days, or when no date is recorded."""
    assert vaccination_overdue(vaccinated_on, today) is overdue


def test_the_vaccination_period_is_a_parameter():
    """A county with a shorter period passes its own number of days."""
    assert vaccination_overdue(date(2026, 1, 1), date(2026, 7, 1), valid_days=180) is True
    assert vaccination_overdue(date(2026, 1, 1), date(2026, 6, 30), valid_days=180) is False


def test_a_vaccination_date_is_never_in_the_future():
    """Today is allowed, tomorrow is not."""
    check_vaccinated(None, date(2026, 1, 1))
    check_vaccinated(date(2026, 1, 1), date(2026, 1, 1))
    with pytest.raises(InvalidInput):
        check_vaccinated(date(2026, 1, 2), date(2026, 1, 1))


@pytest.mark.parametrize(
    ("state", "due_in", "overdue"),
    [
        (DutyState.OWED, timedelta(hours=-1), True),
        (DutyState.OWED, timedelta(0), False),  # due exactly now: not yet late
        (DutyState.OWED, timedelta(hours=1), False),
        (DutyState.FULFILLED, timedelta(hours=-1), False),
        (DutyState.REFUSED, timedelta(hours=-1), False),
    ],
)
def test_a_duty_is_overdue_only_while_owed_past_its_due_time(state, due_in, overdue):
    """Owed and past due: overdue; a settled duty never is."""
    assert duty_overdue(state, NOW + due_in, NOW) is overdue


def test_a_duty_falls_due_its_hours_after_the_incident():
    """Due time = when it happened + the clause's hours (across midnight and days)."""
    happened = datetime(2026, 9, 30, 22, 30, tzinfo=UTC)
    assert due_time(happened, DutyDue(DutyKind.HOSPITAL, 5, 1)) == happened + timedelta(hours=1)
    assert due_time(happened, DutyDue(DutyKind.ADVANCE_COSTS, 5, 72)) == datetime(
        2026, 10, 3, 22, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("state", "target", "refused"),
    [
        (DutyState.OWED, DutyState.FULFILLED, None),
        (DutyState.OWED, DutyState.REFUSED, None),
        (DutyState.OWED, DutyState.OWED, InvalidInput),
        (DutyState.FULFILLED, DutyState.REFUSED, model.DutyNotOwed),
        (DutyState.REFUSED, DutyState.FULFILLED, model.DutyNotOwed),
        (DutyState.FULFILLED, DutyState.FULFILLED, model.DutyNotOwed),
    ],
)
def test_an_owed_duty_settles_once_as_fulfilled_or_refused(state, target, refused):
    """Owed → fulfilled or refused; settled duties are final; 'owed' is no settlement."""
    if refused is None:
        check_settle(state, target)
    else:
        with pytest.raises(refused):
            check_settle(state, target)


def test_the_not_owed_message_names_the_state():
    """The member reads which state the duty is in."""
    with pytest.raises(model.DutyNotOwed) as caught:
        check_settle(DutyState.FULFILLED, DutyState.REFUSED)
    assert "已履行" in caught.value.message_zh and "fulfilled" in caught.value.message_en


@pytest.mark.parametrize(
    ("state", "due_in", "number", "refused"),
    [
        (DutyState.OWED, timedelta(hours=-1), None, None),
        (DutyState.OWED, timedelta(hours=1), None, model.DutyNotPastDue),
        (DutyState.OWED, timedelta(0), None, model.DutyNotPastDue),
        (DutyState.FULFILLED, timedelta(hours=-1), None, model.DutyNotOwed),
        (DutyState.REFUSED, timedelta(hours=-1), None, model.DutyNotOwed),
        # once a matter, always that matter: it is the first thing said
        (DutyState.OWED, timedelta(hours=-1), "DH2026-000001", model.AlreadyEscalated),
        (DutyState.FULFILLED, timedelta(hours=1), "DH2026-000001", model.AlreadyEscalated),
    ],
)
def test_escalation_needs_an_owed_duty_past_due_not_escalated_before(
    state, due_in, number, refused
):
    """Escalated once, while owed, after the due time; checks in the order a user reads."""
    call = lambda: check_escalate(state, NOW + due_in, NOW, number)  # noqa: E731
    if refused is None:
        call()
    else:
        with pytest.raises(refused):
            call()


def test_escalation_errors_say_when_and_which_matter():
    """Not yet due names the local due time; already escalated names the matter."""
    with pytest.raises(model.DutyNotPastDue) as early:
        check_escalate(DutyState.OWED, NOW + timedelta(hours=2), NOW, None)
    assert "2026-10-01 22:00" in early.value.message_zh  # 14:00 UTC is 22:00 in Shanghai
    with pytest.raises(model.AlreadyEscalated) as twice:
        check_escalate(DutyState.OWED, NOW, NOW, "DH2026-000007")
    assert "DH2026-000007" in twice.value.message_zh and "DH2026-000007" in twice.value.message_en


def test_an_incident_is_recorded_after_it_happened():
    """Now and earlier are fine; later, or a time without a zone, is refused."""
    check_occurred(NOW, NOW)
    check_occurred(NOW - timedelta(days=3), NOW)
    with pytest.raises(InvalidInput):
        check_occurred(NOW + timedelta(minutes=1), NOW)
    with pytest.raises(InvalidInput):
        check_occurred(datetime(2026, 10, 1, 8, 0), NOW)  # a naive time


def test_an_incident_is_the_groups_from_the_day_the_member_joined():
    """The joining day and later are the group's record; the day before is refused."""
    check_during_membership(date(2026, 3, 1), date(2026, 3, 1))
    check_during_membership(date(2026, 9, 1), date(2026, 3, 1))
    with pytest.raises(model.IncidentBeforeMembership) as before:
        check_during_membership(date(2026, 2, 28), date(2026, 3, 1))
    assert "2026-03-01" in before.value.message_zh and "2026-03-01" in before.value.message_en


def test_the_new_errors_have_codes_and_both_languages():
    """Each error of the slice has a stable code and a zh and en message."""
    errors = [
        model.DogNotFound(),
        model.HouseholdNotAMember(),
        model.DogRemoved(removed_on="2026-01-01"),
        model.DogNotOfMember(),
        model.MemberHasLeft(left_on="2026-01-01"),
        model.IncidentNotFound(),
        model.DutyNotFound(),
        model.DutyNotOwed(state_zh="已履行", state_en="fulfilled"),
        model.DutyNotPastDue(due_at="2026-01-01 08:00"),
        model.AlreadyEscalated(matter_number="X"),
    ]
    codes = [e.code for e in errors]
    assert len(set(codes)) == len(codes)
    assert all(e.message_zh and e.message_en and "{" not in e.message_zh for e in errors)
    assert "成员户" in model.HouseholdNotAMember().message_zh
    # a non-member household is a kind of "not a member": clients switching on that see it
    assert isinstance(model.HouseholdNotAMember(), model.NotAGroupMember)


# -- duty derivation: one convention, every incident kind × size class × fierceness ---------
K, D, S = IncidentKind, DutyKind, SizeClass
LARGE_OR_FIERCE = DogFilter(frozenset({S.LARGE}), fierce=True)

# A convention like Donghai's 《居民宠物豢养自治公约》, as data.
CONVENTION = [
    Clause(
        3,
        "携犬出行时，对大型和烈性犬使用口罩、束犬链",
        binds=LARGE_OR_FIERCE,
        incident_kinds=frozenset({K.OFF_LEASH, K.DOG_BITE}),
        duties=(DutySpec(D.APOLOGISE, 48), DutySpec(D.COMPENSATE, 168)),
    ),
    Clause(
        5,
        "犬伤害他人后，主人必须主动道歉，立即把伤者送往医院诊治，并先行垫付费用",
        incident_kinds=frozenset({K.DOG_BITE}),
        duties=(DutySpec(D.APOLOGISE, 24), DutySpec(D.HOSPITAL, 1), DutySpec(D.ADVANCE_COSTS, 72)),
    ),
    Clause(
        7,
        "犬只随地便溺的，主人应即时清理",
        incident_kinds=frozenset({K.FOULING}),
        duties=(DutySpec(D.OTHER, 2),),
    ),
    Clause(
        8,
        "中型、大型犬吠叫扰民的，主人应向邻居致歉",
        binds=DogFilter(frozenset({S.MEDIUM, S.LARGE})),
        incident_kinds=frozenset({K.BARKING}),
        duties=(DutySpec(D.APOLOGISE, 12),),
    ),
]

# A bound dog's bite falls under clauses 3 and 5: the apology once, by clause 5's earlier time.
BITE_BOUND = [
    (D.APOLOGISE, 5, 24),
    (D.COMPENSATE, 3, 168),
    (D.HOSPITAL, 5, 1),
    (D.ADVANCE_COSTS, 5, 72),
]
BITE = [(D.APOLOGISE, 5, 24), (D.HOSPITAL, 5, 1), (D.ADVANCE_COSTS, 5, 72)]
LEASH = [(D.APOLOGISE, 3, 48), (D.COMPENSATE, 3, 168)]
FOUL = [(D.OTHER, 7, 2)]
BARK = [(D.APOLOGISE, 8, 12)]

# Every case written out: (incident kind, size class or None for no dog, fierce) → duties.
EXPECTED = {
    (K.DOG_BITE, S.SMALL, False): BITE,
    (K.DOG_BITE, S.SMALL, True): BITE_BOUND,
    (K.DOG_BITE, S.MEDIUM, False): BITE,
    (K.DOG_BITE, S.MEDIUM, True): BITE_BOUND,
    (K.DOG_BITE, S.LARGE, False): BITE_BOUND,
    (K.DOG_BITE, S.LARGE, True): BITE_BOUND,
    (K.DOG_BITE, None, False): BITE,
    (K.OFF_LEASH, S.SMALL, False): [],
    (K.OFF_LEASH, S.SMALL, True): LEASH,
    (K.OFF_LEASH, S.MEDIUM, False): [],
    (K.OFF_LEASH, S.MEDIUM, True): LEASH,
    (K.OFF_LEASH, S.LARGE, False): LEASH,
    (K.OFF_LEASH, S.LARGE, True): LEASH,
    (K.OFF_LEASH, None, False): [],
    (K.FOULING, S.SMALL, False): FOUL,
    (K.FOULING, S.SMALL, True): FOUL,
    (K.FOULING, S.MEDIUM, False): FOUL,
    (K.FOULING, S.MEDIUM, True): FOUL,
    (K.FOULING, S.LARGE, False): FOUL,
    (K.FOULING, S.LARGE, True): FOUL,
    (K.FOULING, None, False): FOUL,
    (K.BARKING, S.SMALL, False): [],
    (K.BARKING, S.SMALL, True): [],  # the barking clause binds by size only
    (K.BARKING, S.MEDIUM, False): BARK,
    (K.BARKING, S.MEDIUM, True): BARK,
    (K.BARKING, S.LARGE, False): BARK,
    (K.BARKING, S.LARGE, True): BARK,
    (K.BARKING, None, False): [],
    (K.OTHER, S.SMALL, False): [],
    (K.OTHER, S.SMALL, True): [],
    (K.OTHER, S.MEDIUM, False): [],
    (K.OTHER, S.MEDIUM, True): [],
    (K.OTHER, S.LARGE, False): [],
    (K.OTHER, S.LARGE, True): [],
    (K.OTHER, None, False): [],
}


def test_the_table_covers_every_incident_kind_size_and_fierceness():
    """No combination is left out of the table below (a new kind or size fails here)."""
    every = set(product(IncidentKind, SizeClass, (False, True))) | {
        (k, None, False) for k in IncidentKind
    }
    assert set(EXPECTED) == every


@pytest.mark.parametrize(
    ("kind", "size", "fierce"),
    list(EXPECTED),
    ids=lambda v: getattr(v, "value", str(v)),
)
def test_derive_duties_for_every_incident_kind_and_dog(kind, size, fierce):
    """The convention as data, against each incident kind, size class and fierceness."""
    dog = None if size is None else DogFacts(size, fierce)
    got = derive_duties(CONVENTION, kind, dog)
    assert [(d.kind, d.clause, d.due_hours) for d in got] == EXPECTED[(kind, size, fierce)]


def test_derivation_does_not_depend_on_the_order_clauses_come_in():
    """Clauses read in any order give the same duties (ordered by clause number)."""
    dog = DogFacts(S.LARGE, True)
    forward = derive_duties(CONVENTION, K.DOG_BITE, dog)
    assert derive_duties(list(reversed(CONVENTION)), K.DOG_BITE, dog) == forward


def test_no_convention_in_force_owes_nothing():
    """A group without an adopted convention records incidents that owe no duty."""
    for kind, size in product(IncidentKind, SizeClass):
        assert derive_duties([], kind, DogFacts(size, True)) == []
