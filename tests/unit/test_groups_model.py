"""Pure rules of resident groups: joining, leaving, roles held by people, who may do what;
and the kernel's rule for text people type."""

from __future__ import annotations

from datetime import date

import pytest

from services.errors import FieldTooLong, InvalidInput
from services.groups import model
from services.groups.model import (
    BallotBasis,
    GroupAccess,
    GroupKind,
    GroupRole,
    Membership,
    check_join,
    check_leave,
    group_access,
)
from services.kernel.text import ControlCharacters, clean_text

FOUNDED = date(2026, 9, 10)


def member(
    id: int, household: int, resident: int | None = None, role: GroupRole = GroupRole.MEMBER,
    left: date | None = None,
) -> Membership:  # fmt: skip
    return Membership(id, household, resident, role, FOUNDED, left)


def test_vocabularies_have_both_labels():
    """Every kind, role and ballot basis reads in Chinese and English."""
    assert GroupKind.SELF_GOVERNANCE.label_zh == "自治协会"
    assert GroupKind.VOLUNTEER_TEAM.label_zh == "义工队"
    assert GroupRole.CORE.label_zh == "骨干" and GroupRole.LEADER.label_zh == "负责人"
    for enum_cls in (GroupKind, GroupRole, BallotBasis):
        assert all(m.label_zh and m.label_en for m in enum_cls)


@pytest.mark.parametrize(
    ("current", "household", "resident", "basis", "refused"),
    [
        ([], 1, None, BallotBasis.HOUSEHOLD, None),
        ([member(1, 1)], 1, None, BallotBasis.HOUSEHOLD, model.AlreadyAGroupMember),
        # a household is a member once whoever represents it
        (
            [member(1, 1, 10, GroupRole.LEADER)],
            1,
            None,
            BallotBasis.HOUSEHOLD,
            model.AlreadyAGroupMember,
        ),
        ([member(1, 1, left=date(2026, 10, 1))], 1, None, BallotBasis.HOUSEHOLD, None),
        ([member(1, 2)], 1, None, BallotBasis.HOUSEHOLD, None),
        # residents: each one named, once; two of one household may both be members
        ([], 1, None, BallotBasis.RESIDENT, InvalidInput),
        ([member(1, 1, 10)], 1, 11, BallotBasis.RESIDENT, None),
        ([member(1, 1, 10)], 1, 10, BallotBasis.RESIDENT, model.AlreadyAGroupMember),
    ],
)
def test_who_may_join(current, household, resident, basis, refused):
    """Once at a time: a household for household groups, a resident for resident groups."""
    call = lambda: check_join(  # noqa: E731
        current, household, resident, GroupRole.MEMBER, FOUNDED, FOUNDED, basis
    )
    if refused is None:
        call()
    else:
        with pytest.raises(refused):
            call()


def test_leaders_and_core_are_people_and_nobody_joins_before_the_founding():
    """A leader or core membership names its resident; joining predates nothing."""
    with pytest.raises(model.RoleNeedsResident) as caught:
        check_join([], 1, None, GroupRole.CORE, FOUNDED, FOUNDED)
    assert "骨干" in caught.value.message_zh and "core member" in caught.value.message_en
    check_join([], 1, 10, GroupRole.LEADER, FOUNDED, FOUNDED)
    with pytest.raises(InvalidInput):
        check_join([], 1, None, GroupRole.MEMBER, date(2026, 9, 9), FOUNDED)


def test_leaving_is_once_and_not_before_joining():
    """An ended membership is a record; a member cannot leave before they joined."""
    check_leave(member(1, 1), FOUNDED)
    with pytest.raises(InvalidInput):
        check_leave(member(1, 1), date(2026, 9, 9))
    with pytest.raises(model.MembershipEnded):
        check_leave(member(1, 1, left=date(2026, 10, 1)), date(2026, 10, 2))


def test_a_dissolved_group_takes_no_acts():
    """Only an active group takes acts; the message names the day."""
    model.check_open(None)
    with pytest.raises(model.GroupDissolved) as caught:
        model.check_open(date(2026, 12, 1))
    assert "2026-12-01" in caught.value.message_zh


@pytest.mark.parametrize(
    ("manages", "reads", "roles", "expected"),
    [
        (True, True, [], GroupAccess(read=True, manage=True, dissolve=True, vote=False)),
        (False, True, [], GroupAccess(read=True, manage=False, dissolve=False, vote=False)),
        (False, False, [GroupRole.LEADER], GroupAccess(read=True, manage=True, vote=True)),
        (False, False, [GroupRole.CORE], GroupAccess(read=True, manage=True, vote=True)),
        (False, False, [GroupRole.MEMBER], GroupAccess(read=True, manage=False, vote=True)),
        (False, False, [], model.NO_ACCESS),
        (
            True,
            True,
            [GroupRole.MEMBER],
            GroupAccess(read=True, manage=True, dissolve=True, vote=True),
        ),
    ],
)
def test_group_access_by_community_role_and_group_role(manages, reads, roles, expected):
    """Cadres manage every group; leader and core manage theirs; members read and vote;
    staff who read the community read every group; anyone else nothing."""
    got = group_access(manages_community_groups=manages, reads_community=reads, roles=roles)
    assert got == expected


@pytest.mark.parametrize(
    ("value", "multiline", "ok"),
    [
        ("  养犬自治协会  ", False, "养犬自治协会"),
        ("第一行\n第二行", True, "第一行\n第二行"),
        ("tab\there", True, "tab\there"),
    ],
)
def test_clean_text_trims_and_keeps_what_a_field_may_hold(value, multiline, ok):
    """Text is trimmed; a multi-line field keeps its line breaks and tabs."""
    assert clean_text(value, field="f", field_zh="字段", limit=20, multiline=multiline) == ok


@pytest.mark.parametrize("bad", ["名\x00字", "名\x1b[31m字", "名\x7f字", "名\x85字", "一行\n二行"])
def test_clean_text_refuses_control_characters(bad):
    """NUL, escapes, DEL, C1 controls, and a line break in a one-line field: refused."""
    with pytest.raises(ControlCharacters) as caught:
        clean_text(bad, field="name", field_zh="名称", limit=20)
    assert "名称" in caught.value.message_zh and "name" in caught.value.message_en


def test_clean_text_limits_count_characters_and_required_means_not_blank():
    """Twenty Chinese characters fit a limit of 20; twenty-one do not; blank is refused."""
    assert clean_text("字" * 20, field="f", field_zh="字段", limit=20) == "字" * 20
    with pytest.raises(FieldTooLong):
        clean_text("字" * 21, field="f", field_zh="字段", limit=20)
    with pytest.raises(InvalidInput):
        clean_text("   ", field="f", field_zh="字段", limit=20, required=True)
    with pytest.raises(ValueError):
        clean_text("x", field="f", field_zh="字段", limit=0)


# -- conventions: which dogs a clause binds, what an incident makes a member owe ------------
LARGE = model.DogFacts(model.SizeClass.LARGE, fierce=False)
SMALL_FIERCE = model.DogFacts(model.SizeClass.SMALL, fierce=True)
SMALL = model.DogFacts(model.SizeClass.SMALL, fierce=False)
LARGE_AND_FIERCE = model.DogFilter(frozenset({model.SizeClass.LARGE}), fierce=True)
D = model.DutyKind

BITE_CLAUSE = model.Clause(
    number=5,
    text_zh="犬伤害他人后，主人必须主动道歉，立即把伤者送往医院诊治，并先行垫付费用",
    incident_kinds=frozenset({model.IncidentKind.DOG_BITE}),
    duties=(
        model.DutySpec(D.APOLOGISE, 24),
        model.DutySpec(D.HOSPITAL, 1),
        model.DutySpec(D.ADVANCE_COSTS, 72),
    ),
)
MUZZLE_CLAUSE = model.Clause(
    number=3,
    text_zh="携犬出行时，对大型和烈性犬使用口罩、束犬链",
    binds=LARGE_AND_FIERCE,
    incident_kinds=frozenset({model.IncidentKind.OFF_LEASH, model.IncidentKind.DOG_BITE}),
    duties=(model.DutySpec(D.APOLOGISE, 48), model.DutySpec(D.COMPENSATE, 168)),
)


@pytest.mark.parametrize(
    ("dog", "bound"),
    [(LARGE, True), (SMALL_FIERCE, True), (SMALL, False), (None, False)],
)
def test_large_and_fierce_binds_a_large_dog_or_a_fierce_one(dog, bound):
    """ "Large and fierce dogs": a large dog, or a fierce dog of any size; not a small calm one."""
    assert LARGE_AND_FIERCE.binds(dog) is bound
    assert model.DogFilter().binds(dog) is True  # a clause for every dog binds any


def test_a_bite_owes_apology_hospital_and_costs_under_the_bite_clause():
    """The seed's convention: after a bite, apologise, hospital at once, advance the costs."""
    duties = model.derive_duties([BITE_CLAUSE], model.IncidentKind.DOG_BITE, SMALL)
    assert [(d.kind, d.clause, d.due_hours) for d in duties] == [
        (D.APOLOGISE, 5, 24),
        (D.HOSPITAL, 5, 1),
        (D.ADVANCE_COSTS, 5, 72),
    ]


def test_two_clauses_owing_one_duty_take_the_stricter_and_add_the_rest():
    """A large dog's bite falls under both clauses: the apology is owed once, by the earlier
    due time; the muzzle clause adds its compensation."""
    duties = model.derive_duties([BITE_CLAUSE, MUZZLE_CLAUSE], model.IncidentKind.DOG_BITE, LARGE)
    assert [(d.kind, d.clause, d.due_hours) for d in duties] == [
        (D.APOLOGISE, 5, 24),
        (D.COMPENSATE, 3, 168),
        (D.HOSPITAL, 5, 1),
        (D.ADVANCE_COSTS, 5, 72),
    ]


def test_a_duty_names_the_version_of_the_clause_that_created_it():
    """Two conventions in force may both number a clause 5: each duty names the version of
    the clause it is owed under, not the first version with that number."""
    from dataclasses import replace

    bite = replace(BITE_CLAUSE, version=7)
    muzzle = replace(MUZZLE_CLAUSE, number=BITE_CLAUSE.number, version=9)
    duties = model.derive_duties([bite, muzzle], model.IncidentKind.DOG_BITE, LARGE)
    by_kind = {d.kind: (d.clause, d.version) for d in duties}
    assert by_kind[D.COMPENSATE] == (BITE_CLAUSE.number, 9)
    assert by_kind[D.HOSPITAL] == (BITE_CLAUSE.number, 7)
    assert model.derive_duties([BITE_CLAUSE], model.IncidentKind.DOG_BITE, SMALL)[0].version is None


def test_clauses_that_do_not_govern_the_incident_or_bind_the_dog_owe_nothing():
    """Barking is governed by neither clause; a small calm dog off the leash is not bound."""
    clauses = [BITE_CLAUSE, MUZZLE_CLAUSE]
    assert model.derive_duties(clauses, model.IncidentKind.BARKING, LARGE) == []
    assert model.derive_duties(clauses, model.IncidentKind.OFF_LEASH, SMALL) == []
    assert [d.kind for d in model.derive_duties(clauses, model.IncidentKind.OFF_LEASH, LARGE)] == [
        D.APOLOGISE,
        D.COMPENSATE,
    ]
    assert model.derive_duties([], model.IncidentKind.DOG_BITE, LARGE) == []


def test_every_incident_kind_and_dog_combination_is_decided():
    """The default pair of clauses against every incident kind, size class and fierceness:
    a duty list comes back (never an error), and only bites owe hospital care."""
    for kind in model.IncidentKind:
        for size in model.SizeClass:
            for fierce in (False, True):
                dog = model.DogFacts(size, fierce)
                duties = model.derive_duties([BITE_CLAUSE, MUZZLE_CLAUSE], kind, dog)
                hospital = any(d.kind is D.HOSPITAL for d in duties)
                assert hospital is (kind is model.IncidentKind.DOG_BITE)
                assert len({d.kind for d in duties}) == len(duties)
