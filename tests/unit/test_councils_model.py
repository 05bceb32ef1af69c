"""Pure rules of the homeland council: seats, who may vote, quorum, majority, tie, recusal."""

from fractions import Fraction

import pytest

from services.councils.model import (
    AT_LEAST_TWO_THIRDS,
    DEFAULT_DECISION_RULES,
    DEFAULT_SEATS_PER_GRID,
    MORE_THAN_HALF,
    AlreadyVoted,
    CastingVoteNotInTie,
    CouncilMember,
    DecisionRules,
    GridSeatsFull,
    InvalidDecisionRules,
    MemberAbsent,
    MustRecuse,
    NoMajority,
    NoQuorum,
    NotACouncilMember,
    SessionDecided,
    Threshold,
    Tie,
    Vote,
    check_seat_available,
    check_vote,
    council_size,
    eligible_voters,
    must_recuse,
    tally,
)
from services.errors import SanshiError
from services.matters.model import MatterKind

P, MI, MA = MatterKind.PRIVATE, MatterKind.MINOR, MatterKind.MAJOR

# A small council: grid g1 seats m1..m3, grid g2 seats m4..m6; each lives in household h<n>.
SEATED = [CouncilMember(f"m{i}", f"h{i}", "g1" if i <= 3 else "g2") for i in range(1, 7)]
PRESENT = frozenset({"m1", "m2", "m3", "m4"})


def votes(*kinds: MatterKind) -> list[Vote]:
    """Votes by members v1, v2, ... in order."""
    return [Vote(f"v{i}", k) for i, k in enumerate(kinds, 1)]


# --------------------------------------------------------------------------------------
# Seats
# --------------------------------------------------------------------------------------


def test_donghai_council_has_21_seats():
    """Each grid elects 3 representatives by default: Donghai's 7 grids make 21 seats."""
    assert DEFAULT_SEATS_PER_GRID == 3
    assert council_size(7) == 21
    assert council_size(7, seats_per_grid=5) == 35


def test_seat_available_until_grid_full():
    """A grid takes members up to its seats; one more is refused."""
    check_seat_available("g1", SEATED[:2])
    with pytest.raises(GridSeatsFull) as exc:
        check_seat_available("g1", SEATED)
    assert "3" in exc.value.message_zh
    check_seat_available("g1", SEATED, seats_per_grid=4)
    check_seat_available("g3", SEATED)


# --------------------------------------------------------------------------------------
# Who may vote
# --------------------------------------------------------------------------------------


def vote_check(member_id, *, concerns="h99", existing=(), decided=False, recused=frozenset()):
    return check_vote(
        member_id,
        seated=SEATED,
        present=PRESENT,
        concerns_household=concerns,
        votes=list(existing),
        decided=decided,
        recused=recused,
    )


def test_present_member_may_vote():
    """A seated, present, uninvolved member who has not voted may vote; we get the member back."""
    assert vote_check("m1") == SEATED[0]


@pytest.mark.parametrize(
    ("member_id", "kwargs", "error"),
    [
        ("stranger", {}, NotACouncilMember),
        ("m5", {}, MemberAbsent),
        ("m2", {"concerns": "h2"}, MustRecuse),
        ("m2", {"recused": frozenset({"m2"})}, MustRecuse),
        ("m1", {"existing": [Vote("m1", MI)]}, AlreadyVoted),
        ("m1", {"decided": True}, SessionDecided),
        # order: identity before state, state before presence, presence before recusal
        ("stranger", {"decided": True}, NotACouncilMember),
        ("m5", {"decided": True}, SessionDecided),
        ("m5", {"concerns": "h5"}, MemberAbsent),
        ("m2", {"concerns": "h2", "existing": [Vote("m2", MI)]}, MustRecuse),
    ],
)
def test_vote_refused(member_id, kwargs, error):
    """Non-members, absent members, recused members, double votes and late votes are refused."""
    with pytest.raises(error) as exc:
        vote_check(member_id, **kwargs)
    assert isinstance(exc.value, SanshiError)
    assert exc.value.message_zh and exc.value.message_en
    assert exc.value.message_zh != exc.value.message_en


def test_other_members_vote_when_one_recuses():
    """Recusal is personal: the member whose household it is recuses, the others vote."""
    with pytest.raises(MustRecuse):
        vote_check("m3", concerns="h3")
    assert vote_check("m1", concerns="h3") == SEATED[0]


def test_no_household_means_no_recusal():
    """A request about no particular household (a bus stop) makes nobody recuse."""
    assert not any(must_recuse(m, None) for m in SEATED)
    assert vote_check("m1", concerns=None) == SEATED[0]


def test_another_members_vote_does_not_block():
    """Only a member's own earlier vote counts as a double vote."""
    assert vote_check("m1", existing=[Vote("m2", MI), Vote("m3", MA)]) == SEATED[0]


def test_eligible_voters():
    """Eligible voters: seated and present, minus those who must recuse."""
    assert eligible_voters(SEATED, PRESENT, "h2") == {"m1", "m3", "m4"}
    assert eligible_voters(SEATED, PRESENT, None, recused=frozenset({"m4"})) == {"m1", "m2", "m3"}
    assert eligible_voters(SEATED, PRESENT | {"outsider"}, None) == PRESENT


# --------------------------------------------------------------------------------------
# Thresholds and rules
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("threshold", "base", "required"),
    [
        (MORE_THAN_HALF, 21, 11),
        (MORE_THAN_HALF, 20, 11),
        (MORE_THAN_HALF, 10, 6),
        (MORE_THAN_HALF, 1, 1),
        (MORE_THAN_HALF, 0, 1),
        (AT_LEAST_TWO_THIRDS, 21, 14),
        (AT_LEAST_TWO_THIRDS, 10, 7),
        (AT_LEAST_TWO_THIRDS, 9, 6),
        (Threshold.at_least(Fraction(1, 2)), 10, 5),
        (Threshold.at_least(Fraction(1)), 5, 5),
    ],
)
def test_threshold_required(threshold, base, required):
    """'More than half' of 20 is 11, 'at least two-thirds' of 9 is 6; never below 1."""
    assert threshold.required(base) == required
    assert threshold.met(required, base)
    assert not threshold.met(required - 1, base) or required == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"quorum": 0},
        {"quorum": -3},
        {"quorum": Threshold.at_least(Fraction(0))},
        {"quorum": Threshold.at_least(Fraction(3, 2))},
        {"quorum": Threshold.more_than(Fraction(1))},
        {"majority": Threshold.more_than(Fraction(1))},
        {"majority": Threshold.at_least(Fraction(-1, 2))},
    ],
)
def test_invalid_decision_rules_refused(kwargs):
    """A community cannot configure a quorum or majority nobody (or anybody) could meet."""
    with pytest.raises(InvalidDecisionRules) as exc:
        DecisionRules(**kwargs)
    assert "议事规则" in exc.value.message_zh and "decision rules" in exc.value.message_en


def test_default_rules():
    """Defaults: quorum more than half of seated, majority more than half of votes cast."""
    assert DEFAULT_DECISION_RULES.quorum == MORE_THAN_HALF
    assert DEFAULT_DECISION_RULES.majority == MORE_THAN_HALF
    assert DEFAULT_DECISION_RULES.quorum_required(21) == 11
    assert DecisionRules(quorum=7).quorum_required(21) == 7


# --------------------------------------------------------------------------------------
# Tally
# --------------------------------------------------------------------------------------


def test_march_session_simple_majority():
    """21 seated, all present: 12 minor, 6 private, 3 major decides minor."""
    d = tally(votes(*[MI] * 12, *[P] * 6, *[MA] * 3), seated_count=21, present_count=21)
    assert d.kind is MI
    assert d.counts == {P: 6, MI: 12, MA: 3}
    assert (d.votes_cast, d.quorum_required, d.majority_required) == (21, 11, 11)
    assert d.quorum_met and not d.tie_broken_by_chair


@pytest.mark.parametrize(
    ("seated", "present", "rules", "required"),
    [
        (21, 10, DEFAULT_DECISION_RULES, 11),
        (20, 10, DEFAULT_DECISION_RULES, 11),
        (21, 13, DecisionRules(quorum=AT_LEAST_TWO_THIRDS), 14),
        (21, 6, DecisionRules(quorum=7), 7),
        (0, 0, DEFAULT_DECISION_RULES, 1),
    ],
)
def test_no_quorum(seated, present, rules, required):
    """Too few present: NoQuorum, naming seated, present and required in both languages."""
    with pytest.raises(NoQuorum) as exc:
        tally(votes(*[MI] * present), seated, present, rules)
    err = exc.value
    assert err.params == {"seated": seated, "present": present, "required": required}
    assert f"{required}" in err.message_zh and f"{required}" in err.message_en


@pytest.mark.parametrize(
    ("seated", "present", "rules"),
    [
        (21, 11, DEFAULT_DECISION_RULES),
        (20, 11, DEFAULT_DECISION_RULES),
        (21, 14, DecisionRules(quorum=AT_LEAST_TWO_THIRDS)),
        (21, 7, DecisionRules(quorum=7)),
    ],
)
def test_quorum_met_at_the_boundary(seated, present, rules):
    """Exactly the required number present is a quorum."""
    assert tally(votes(*[MA] * present), seated, present, rules).kind is MA


def test_recused_members_count_for_quorum_but_cast_no_vote():
    """11 of 21 present with 2 recused: quorum met, 9 votes cast, majority of 9 decides."""
    d = tally(votes(*[P] * 5, *[MI] * 4), seated_count=21, present_count=11)
    assert d.kind is P
    assert (d.present_count, d.votes_cast, d.majority_required) == (11, 9, 5)


def test_abstention_lowers_votes_cast_not_quorum():
    """A present member who does not vote counts for quorum; the majority is of votes cast."""
    d = tally(votes(MA, MA, MI), seated_count=6, present_count=4)
    assert d.kind is MA and d.votes_cast == 3 and d.majority_required == 2


@pytest.mark.parametrize(
    ("kinds", "rules", "required"),
    [
        ([P] * 4 + [MI] * 3 + [MA] * 3, DEFAULT_DECISION_RULES, 6),  # plurality is not enough
        ([MI] * 6 + [P] * 4, DecisionRules(majority=AT_LEAST_TWO_THIRDS), 7),
        ([MA] * 5 + [MI] * 4 + [P] * 2, DEFAULT_DECISION_RULES, 6),  # 5 of 11 leads, short
    ],
)
def test_no_majority(kinds, rules, required):
    """The leading kind short of the majority of votes cast: NoMajority, deliberate again."""
    with pytest.raises(NoMajority) as exc:
        tally(votes(*kinds), 21, 21, rules)
    err = exc.value
    assert err.params["required"] == required and err.params["cast"] == len(kinds)
    assert "再议" in err.message_zh and "again" in err.message_en


def test_no_votes_cast_is_no_majority():
    """A quorate session where nobody voted decides nothing."""
    with pytest.raises(NoMajority) as exc:
        tally([], 21, 15)
    assert not isinstance(exc.value, Tie)


def test_tie_without_chair_vote():
    """A tie at the top with no casting vote is a Tie (a kind of NoMajority), listing the counts."""
    with pytest.raises(Tie) as exc:
        tally(votes(*[MI] * 5, *[MA] * 5), 21, 11)
    err = exc.value
    assert isinstance(err, NoMajority) and err.code == "TIE"
    assert "小事 5 票" in err.message_zh and "大事 5 票" in err.message_zh
    assert "minor matter 5" in err.message_en


@pytest.mark.parametrize("chair", [MI, MA])
def test_tie_broken_by_chair(chair):
    """5-5 between minor and major: the chair's casting vote decides, either way."""
    d = tally(votes(*[MI] * 5, *[MA] * 5), 21, 11, chair_vote=chair)
    assert d.kind is chair and d.tie_broken_by_chair
    assert d.counts == {P: 0, MI: 5, MA: 5}  # the casting vote is not a member's vote
    assert d.votes_cast == 10


def test_casting_vote_must_go_to_a_tied_kind():
    """The chair cannot use the casting vote for a kind outside the tie."""
    with pytest.raises(CastingVoteNotInTie) as exc:
        tally(votes(*[MI] * 5, *[MA] * 5), 21, 11, chair_vote=P)
    assert "小事" in exc.value.message_zh and "大事" in exc.value.message_zh


def test_chair_vote_ignored_without_tie():
    """Without a tie the casting vote is not used and cannot overturn the majority."""
    d = tally(votes(*[MI] * 6, *[MA] * 4), 21, 11, chair_vote=MA)
    assert d.kind is MI and not d.tie_broken_by_chair


@pytest.mark.parametrize(
    ("kinds", "rules"),
    [
        ([P] * 4 + [MI] * 4 + [MA] * 2, DEFAULT_DECISION_RULES),  # 5 of 11 after casting
        ([P] * 3 + [MI] * 3 + [MA] * 3, DEFAULT_DECISION_RULES),  # three-way tie
        ([MI] * 5 + [MA] * 5, DecisionRules(majority=AT_LEAST_TWO_THIRDS)),  # 6 of 11 < 2/3
        ([MI] * 3 + [MA] * 3, DecisionRules(majority=AT_LEAST_TWO_THIRDS)),  # 4 of 7, not 4 of 6
    ],
)
def test_casting_vote_still_needs_majority(kinds, rules):
    """The casting vote is one extra vote; if that is not a majority, the council deliberates."""
    with pytest.raises(NoMajority) as exc:
        tally(votes(*kinds), 21, 11, rules, chair_vote=P if P in kinds else MI)
    assert not isinstance(exc.value, Tie)


def test_two_way_tie_under_simple_majority_always_settled():
    """Under simple majority a tie between two kinds is always settled by the casting vote."""
    for n in range(1, 8):
        d = tally(votes(*[P] * n, *[MI] * n), 21, 21, chair_vote=P)
        assert d.kind is P


def test_tally_refuses_double_votes():
    """Even if a double vote slipped past check_vote, the tally refuses to count it."""
    with pytest.raises(AlreadyVoted):
        tally([Vote("m1", P), Vote("m1", MI)], 21, 21)


@pytest.mark.parametrize(
    ("n_votes", "seated", "present"),
    [(5, 21, 4), (0, 5, 6), (0, 5, -1)],
)
def test_tally_refuses_impossible_counts(n_votes, seated, present):
    """More votes than present, or more present than seated, is a handler bug."""
    with pytest.raises(ValueError, match="inconsistent"):
        tally(votes(*[MI] * n_votes), seated, present)


def test_decision_is_independent_of_vote_order():
    """The same votes in another order give the same decision."""
    vs = votes(*[MI] * 6, *[P] * 3, *[MA] * 2)
    assert tally(vs, 21, 12) == tally(list(reversed(vs)), 21, 12)


@pytest.mark.parametrize(
    ("kinds", "kind"),
    [
        ([P] * 11 + [MI] * 2, P),  # the healthy family's house repair
        ([MI] * 9 + [P] * 2, MI),  # the missing street light
        ([MA] * 12, MA),  # the bus stop
    ],
)
def test_domain_cases_decided(kinds, kind):
    """DOMAIN.md's cases, decided by the council with a clear majority."""
    assert tally(votes(*kinds), 21, 15).kind is kind


# -- decision rules as stored ----------------------------------------------------------------
def test_rules_json_round_trip():
    """Stored rules read back as the same DecisionRules, for shares and absolute quorums."""
    from services.councils.model import rules_from_json, rules_to_json

    for rules in (
        DEFAULT_DECISION_RULES,
        DecisionRules(quorum=AT_LEAST_TWO_THIRDS, majority=AT_LEAST_TWO_THIRDS),
        DecisionRules(quorum=11, majority=MORE_THAN_HALF),
    ):
        assert rules_from_json(rules_to_json(rules)) == rules


def test_empty_stored_rules_are_the_defaults():
    """A community that never edited its rules ({} or a missing key) gets the defaults."""
    from services.councils.model import rules_from_json

    assert rules_from_json({}) == DEFAULT_DECISION_RULES
    assert rules_from_json(None) == DEFAULT_DECISION_RULES
    only_majority = rules_from_json({"majority": {"share": "2/3", "inclusive": True}})
    assert only_majority == DecisionRules(majority=AT_LEAST_TWO_THIRDS)


@pytest.mark.parametrize(
    "stored",
    [
        {"quorum": {"share": "abc"}},
        {"quorum": {"share": "1/0"}},
        {"quorum": {"members": "11"}},
        {"quorum": {"members": True}},
        {"quorum": {"members": 0}},
        {"majority": {"share": "3/2", "inclusive": True}},
        {"majority": {"share": "1/1", "inclusive": False}},
        {"majority": {"share": "1/2", "inclusive": "yes"}},
        {"majority": "half"},
    ],
)
def test_malformed_or_impossible_stored_rules_are_refused(stored):
    """Bad shapes and impossible shares are InvalidDecisionRules, never a crash."""
    from services.councils.model import rules_from_json

    with pytest.raises(InvalidDecisionRules):
        rules_from_json(stored)


def test_rules_text_reads_like_people_say_it():
    """The defaults read 过半数 / more than half; two-thirds and absolute quorums too."""
    from services.councils.model import rules_text, threshold_text

    zh, en = rules_text(DEFAULT_DECISION_RULES)
    assert "过半数" in zh and "more than half" in en
    assert threshold_text(AT_LEAST_TWO_THIRDS) == ("不少于 2/3", "at least 2/3")
    assert "至少 11 名" in rules_text(DecisionRules(quorum=11))[0]
