"""Pure rules of referrals to real groups (转介): where a referral moves on each act, which
acts need a note, who sees a group's referrals; their vocabulary and GraphQL error types."""

from __future__ import annotations

import itertools

import pytest

from services.api.kit.errors import error_type_for
from services.errors import FieldTooLong, InvalidInput
from services.groups import model, referrals
from services.groups.api import referrals as api
from services.groups.model import (
    ACT_NOTES,
    REFERRAL_NOTE_LIMIT,
    GroupRole,
    ReferralAct,
    ReferralTransition,
    group_access,
    next_referral_status,
    referral_acts,
    sees_referrals,
)
from services.kernel.text import ControlCharacters, clean_text
from services.matters.api import ReferralStatusType
from services.matters.model import ReferralStatus

R, A, D, C = (
    ReferralStatus.REFERRED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.DECLINED,
    ReferralStatus.COMPLETED,
)
ALLOWED = {
    (R, ReferralAct.ACCEPT): A,
    (R, ReferralAct.DECLINE): D,
    (A, ReferralAct.COMPLETE): C,
}
EVERY_PAIR = list(itertools.product(ReferralStatus, ReferralAct))


def test_vocabularies_read_in_both_languages():
    """Statuses and acts carry the words users read: 已转介/已接受/已婉拒/已完成, 接受/婉拒/完成."""
    assert [s.label_zh for s in ReferralStatus] == ["已转介", "已接受", "已婉拒", "已完成"]
    assert [a.label_zh for a in ReferralAct] == ["接受", "婉拒", "完成"]
    assert all(m.label_en for m in (*ReferralStatus, *ReferralAct))


@pytest.mark.parametrize(
    ("gql", "domain"),
    [(ReferralStatusType, ReferralStatus), (api.ReferralActType, ReferralAct)],
    ids=["ReferralStatus", "ReferralAct"],
)
def test_graphql_enums_mirror_the_model(gql, domain):
    """Same members and values as the model's enum, described `中文 / English`."""
    assert [(m.name, m.value) for m in gql] == [(d.name, d.value) for d in domain]
    described = {v.name: v.description for v in gql.__strawberry_definition__.values}
    assert all(described[d.name] == f"{d.label_zh} / {d.label_en}" for d in domain)


@pytest.mark.parametrize(("status", "act"), EVERY_PAIR, ids=lambda v: str(v))
def test_every_status_and_act(status, act):
    """referred → accepted | declined, accepted → completed; every other pair is refused."""
    if (status, act) in ALLOWED:
        assert next_referral_status(status, act) is ALLOWED[(status, act)]
    else:
        with pytest.raises(ReferralTransition) as refused:
            next_referral_status(status, act)
        assert refused.value.code == "REFERRAL_TRANSITION"
        assert status.label_zh in refused.value.message_zh
        assert act.label_zh in refused.value.message_zh
        assert status.label_en in refused.value.message_en


@pytest.mark.parametrize("status", list(ReferralStatus), ids=str)
def test_the_acts_possible_in_each_status_are_the_transitions(status):
    """referral_acts lists exactly the acts next_referral_status accepts."""
    expected = {act for (s, act) in ALLOWED if s is status}
    assert referral_acts(status) == expected


def test_declined_and_completed_are_final():
    """Nothing follows a declined or a completed referral."""
    assert referral_acts(D) == referral_acts(C) == frozenset()


def test_the_refusal_message_names_status_and_act():
    """Completing a referral never accepted says so in Chinese and English."""
    with pytest.raises(ReferralTransition) as refused:
        next_referral_status(R, ReferralAct.COMPLETE)
    assert refused.value.message_zh == "该转介为「已转介」，不能完成"
    assert (
        refused.value.message_en == "The referral is 'Referred': it cannot take the act 'Complete'"
    )


@pytest.mark.parametrize(
    ("act", "required"),
    [(ReferralAct.ACCEPT, False), (ReferralAct.DECLINE, True), (ReferralAct.COMPLETE, True)],
    ids=str,
)
def test_which_acts_need_their_note(act, required):
    """Declining needs a reason, completing says what was done; accepting may be silent."""
    spec = ACT_NOTES[act]
    assert spec.required is required

    def clean(text: str) -> str:
        return clean_text(
            text, field=spec.field, field_zh=spec.field_zh, limit=REFERRAL_NOTE_LIMIT,
            required=spec.required, multiline=True,
        )  # fmt: skip

    if required:
        with pytest.raises(InvalidInput):
            clean("   ")
    else:
        assert clean("  ") == ""
    assert clean(" 每月25日上门\n量血压 ") == "每月25日上门\n量血压"
    with pytest.raises(ControlCharacters):
        clean("坏\x1b[0m")
    with pytest.raises(FieldTooLong):
        clean("长" * (REFERRAL_NOTE_LIMIT + 1))


def test_every_act_has_its_note():
    """No act is without its note's rule (a new act must say whether it needs one)."""
    assert set(ACT_NOTES) == set(ReferralAct)
    assert ACT_NOTES[ReferralAct.DECLINE].field_zh == "婉拒理由"


@pytest.mark.parametrize(
    ("manages", "reads_all", "roles", "sees"),
    [
        (True, True, (), True),  # a cadre
        (False, True, (), True),  # a grid worker reads every matter anyway
        (False, False, (GroupRole.LEADER,), True),
        (False, False, (GroupRole.CORE,), True),
        (False, False, (GroupRole.MEMBER,), False),  # not another household's matter
        (False, False, (), False),  # a resident outside the group
    ],
    ids=["cadre", "staff", "leader", "core", "member", "outsider"],
)
def test_who_sees_a_groups_referrals(manages, reads_all, roles, sees):
    """Those who act on a group's referrals see them, and staff who read every matter."""
    access = group_access(manages_community_groups=manages, reads_community=reads_all, roles=roles)
    assert sees_referrals(access, reads_community=reads_all) is sees
    # and those who act on them are those who manage the group (handlers: managed_group_in)
    assert access.manage is (manages or bool(set(roles) - {GroupRole.MEMBER}))


def test_errors_have_their_own_graphql_types():
    """Each referral error maps to the GraphQL type named after it."""
    assert error_type_for(model.ReferralNotFound()).__name__ == "ReferralNotFoundErrorType"
    refused = ReferralTransition(
        status="declined", status_zh="已婉拒", status_en="Declined", act="accept",
        act_zh="接受", act_en="Accept",
    )  # fmt: skip
    assert error_type_for(refused).__name__ == "ReferralTransitionErrorType"
    assert model.ReferralNotFound().message_en == "Referral not found"


def test_a_registered_groups_reference():
    """A referral to a registered group keeps a reference that names it."""
    assert referrals.group_ref(12) == "group:12"
