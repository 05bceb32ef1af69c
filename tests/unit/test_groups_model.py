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
