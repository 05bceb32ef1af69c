"""The councils' GraphQL adapter: closed error unions, rules input, ids, the MatterKind enum."""

from __future__ import annotations

import pytest

from services.api.kit.errors import ForbiddenErrorType, UnauthenticatedErrorType
from services.api.kit.ids import input_id, parse_id
from services.api.kit.results import error_members
from services.councils import api
from services.councils.handlers import AgendaItemNotFound
from services.councils.model import AT_LEAST_TWO_THIRDS, MORE_THAN_HALF, InvalidDecisionRules
from services.errors import InvalidInput
from services.matters.model import MatterKind

ALL_ERRORS = [
    error_members(api.ElectCouncilMemberResult),
    error_members(api.SetCouncilChairResult),
    error_members(api.EndCouncilTermResult),
    error_members(api.OpenCouncilSessionResult),
    error_members(api.RecordAttendanceResult),
    error_members(api.AddToAgendaResult),
    error_members(api.CastVoteResult),
    error_members(api.DecideAgendaItemResult),
    error_members(api.CloseCouncilSessionResult),
    error_members(api.SetDecisionRulesResult),
]


def test_every_council_mutation_can_say_who_you_are_not():
    """Each council union declares the anonymous and the forbidden caller."""
    for members in ALL_ERRORS:
        assert UnauthenticatedErrorType in members and ForbiddenErrorType in members


def test_vote_and_decide_unions_hold_the_deliberation_errors():
    """castVote and decideAgendaItem declare every refusal the model can raise."""
    assert {
        api.NotACouncilMemberErrorType,
        api.SessionDecidedErrorType,
        api.MemberAbsentErrorType,
        api.MustRecuseErrorType,
        api.AlreadyVotedErrorType,
    } <= set(error_members(api.CastVoteResult))
    assert {
        api.NoQuorumErrorType,
        api.NoMajorityErrorType,
        api.TieErrorType,
        api.CastingVoteNotInTieErrorType,
    } <= set(error_members(api.DecideAgendaItemResult))


def test_rules_input_becomes_model_rules():
    """A share quorum or a member count, and the majority share, as DecisionRules."""
    half = api.ThresholdInput(numerator=1, denominator=2, inclusive=False)
    two_thirds = api.ThresholdInput(numerator=2, denominator=3, inclusive=True)
    rules = api._rules(api.DecisionRulesInput(quorum_share=half, majority=two_thirds))
    assert (rules.quorum, rules.majority) == (MORE_THAN_HALF, AT_LEAST_TWO_THIRDS)
    assert api._rules(api.DecisionRulesInput(quorum_members=11, majority=half)).quorum == 11


@pytest.mark.parametrize(
    "data",
    [
        {"quorum_share": None, "quorum_members": None},
        {"quorum_share": api.ThresholdInput(numerator=1, denominator=2), "quorum_members": 3},
        {"quorum_share": api.ThresholdInput(numerator=1, denominator=0), "quorum_members": None},
        {"quorum_share": api.ThresholdInput(numerator=-1, denominator=2), "quorum_members": None},
    ],
)
def test_bad_rules_input_is_invalid_decision_rules(data):
    """Neither or both quorum forms, a zero denominator, a negative share: refused."""
    half = api.ThresholdInput(numerator=1, denominator=2)
    with pytest.raises(InvalidDecisionRules):
        api._rules(api.DecisionRulesInput(majority=half, **data))


@pytest.mark.parametrize("raw", ["abc", "0", "-3", "2147483648", "1.5", ""])
def test_ids_that_cannot_exist_are_not_found(raw):
    """An id no row can have is the thing's not-found error (not a crash, not a 500)."""
    with pytest.raises(AgendaItemNotFound):
        parse_id(raw, AgendaItemNotFound)


def test_malformed_ids_inside_inputs_are_invalid_input():
    """Inside an input a malformed id is the caller's mistake: InvalidInput."""
    assert input_id(None, "网格", "grid") is None
    assert input_id("7", "网格", "grid") == 7
    with pytest.raises(InvalidInput):
        input_id("seven", "网格", "grid")


def test_matter_kind_enum_matches_the_domain():
    """The GraphQL MatterKind has the domain's values, with both labels as descriptions."""
    assert [m.value for m in api.MatterKindType] == [k.value for k in MatterKind]
    values = {v.name: v.description for v in api.MatterKindType.__strawberry_definition__.values}
    for kind in MatterKind:
        assert values[kind.name] == f"{kind.label_zh} / {kind.label_en}"
    assert api.kind_out(None) is None and api.kind_out("major") is api.MatterKindType.MAJOR
