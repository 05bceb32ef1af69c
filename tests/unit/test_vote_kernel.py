"""The shared vote kernel: thresholds, quorum, a single choice, elections, adoptions."""

import ast
import itertools
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from services.councils import model as council
from services.errors import SanshiError
from services.kernel import votes
from services.kernel.votes import (
    AT_LEAST_TWO_THIRDS,
    DEFAULT_VOTE_RULES,
    MORE_THAN_HALF,
    AlreadyVoted,
    Answer,
    CastingVoteNotInTie,
    InvalidDecisionRules,
    NoMajority,
    NoQuorum,
    NotACandidate,
    NotAnOption,
    SameCandidateTwice,
    Threshold,
    Tie,
    TooManyChoices,
    VoteErrors,
    VoteRules,
    check_casting_vote,
    count_adoption,
    count_election,
    decide_choice,
    rules_from_json,
    rules_text,
    threshold_text,
    tied_options,
)

A, B, C = "A", "B", "C"
OPTIONS = (A, B, C)
YES, NO, ABSTAIN = Answer.YES, Answer.NO, Answer.ABSTAIN


def choices(*options):
    """(voter, option) pairs by voters v1, v2, ... in order."""
    return [(f"v{i}", o) for i, o in enumerate(options, 1)]


def decide(chosen, eligible=None, present=None, **kw):
    """decide_choice over A, B, C; by default everyone eligible is present and votes."""
    present = len(chosen) if present is None else present
    eligible = present if eligible is None else eligible
    return decide_choice(chosen, OPTIONS, eligible=eligible, present=present, **kw)


def ballots(*named):
    """(voter, names) ballots by voters b1, b2, ... in order; a string names its letters."""
    return [(f"b{i}", tuple(n)) for i, n in enumerate(named, 1)]


def elect(bs, candidates="ABCDE", seats=3, votes_per_ballot=None, eligible=None, **kw):
    result = count_election(
        bs,
        tuple(candidates),
        seats=seats,
        votes_per_ballot=seats if votes_per_ballot is None else votes_per_ballot,
        eligible=len(bs) if eligible is None else eligible,
        **kw,
    )
    assert result.seats == seats  # every seat is elected, in a runoff, or unfilled
    return result


def answers(yes=0, no=0, abstain=0):
    """Yes/no/abstain ballots by voters m1, m2, ..."""
    kinds = [YES] * yes + [NO] * no + [ABSTAIN] * abstain
    return [(f"m{i}", a) for i, a in enumerate(kinds, 1)]


def smallest(fraction, inclusive, base):
    """The threshold worked out by search: the least count >= 1 meeting the share."""
    return next(
        n
        for n in itertools.count(1)
        if (n >= fraction * base if inclusive else n > fraction * base)
    )


# --------------------------------------------------------------------------------------
# The kernel is pure, and it is what the council uses
# --------------------------------------------------------------------------------------


def test_the_kernel_imports_only_the_standard_library_errors_and_kernel():
    """votes.py imports the standard library, services.errors and services.kernel.* only."""
    tree = ast.parse(Path(votes.__file__).read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    bad = {
        m
        for m in imported
        if m.split(".")[0] not in sys.stdlib_module_names
        and m != "services.errors"
        and not m.startswith("services.kernel.")
    }
    assert bad == set()
    # The kernel's CLI and registration modules build on auth: not for a pure rule.
    assert imported.isdisjoint({"services.kernel.cli", "services.kernel.registration"})


def test_the_council_decides_with_the_kernel_not_a_copy():
    """The council's rules, thresholds and errors are the kernel's objects (or subclasses)."""
    assert council.Threshold is Threshold and council.DecisionRules is VoteRules
    assert council.MORE_THAN_HALF is MORE_THAN_HALF
    assert council.AT_LEAST_TWO_THIRDS is AT_LEAST_TWO_THIRDS
    assert council.InvalidDecisionRules is InvalidDecisionRules
    assert council.DEFAULT_DECISION_RULES == DEFAULT_VOTE_RULES
    for mine, kernels in [
        (council.NoQuorum, NoQuorum),
        (council.NoMajority, NoMajority),
        (council.Tie, Tie),
        (council.CastingVoteNotInTie, CastingVoteNotInTie),
        (council.AlreadyVoted, AlreadyVoted),
    ]:
        assert issubclass(mine, kernels) and mine.code == kernels.code
    assert issubclass(council.Tie, council.NoMajority)


def test_the_council_tally_and_the_kernel_agree():
    """The same votes give the same numbers through the council's tally and decide_choice."""
    P, MI, MA = council.KINDS
    kinds = [MI] * 5 + [MA] * 5
    d = council.tally(
        [council.Vote(f"m{i}", k) for i, k in enumerate(kinds)], 21, 12, chair_vote=MA
    )
    o = decide_choice(
        [(f"m{i}", k) for i, k in enumerate(kinds)],
        council.KINDS,
        eligible=21,
        present=12,
        casting_vote=MA,
    )
    assert d.kind is o.winner is MA and dict(d.counts) == dict(o.counts) == {P: 0, MI: 5, MA: 5}
    assert (d.votes_cast, d.quorum_required, d.majority_required) == (10, 11, 6)
    assert (o.votes_cast, o.quorum_required, o.majority_required) == (10, 11, 6)
    assert d.tie_broken_by_chair and o.casting_vote_used


def test_a_councils_refusals_are_caught_as_the_kernels():
    """Code written against the kernel's errors catches the council's worded ones."""
    with pytest.raises(NoQuorum) as exc:
        council.tally([], 21, 3)
    assert isinstance(exc.value, council.NoQuorum) and "seated" in exc.value.message_en
    assert exc.value.params == {"seated": 21, "present": 3, "required": 11}


# --------------------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------------------

BASES = range(13)


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize(
    ("threshold", "fraction", "inclusive"),
    [
        (MORE_THAN_HALF, Fraction(1, 2), False),
        (Threshold.at_least(Fraction(1, 2)), Fraction(1, 2), True),
        (AT_LEAST_TWO_THIRDS, Fraction(2, 3), True),
        (Threshold.more_than(Fraction(2, 3)), Fraction(2, 3), False),
        (Threshold.at_least(Fraction(1)), Fraction(1), True),
        (Threshold.more_than(Fraction(1, 3)), Fraction(1, 3), False),
    ],
)
def test_threshold_at_every_boundary(threshold, fraction, inclusive, base):
    """required() is the least count meeting the share (never 0); one fewer does not meet it."""
    need = smallest(fraction, inclusive, base)
    assert threshold.required(base) == need
    assert threshold.met(need, base) and threshold.met(need + 1, base)
    assert not threshold.met(need - 1, base)


@pytest.mark.parametrize(
    ("threshold", "base", "required"),
    [
        (MORE_THAN_HALF, 0, 1),
        (MORE_THAN_HALF, 1, 1),
        (MORE_THAN_HALF, 2, 2),  # 1 of 2 is half, not more
        (MORE_THAN_HALF, 11, 6),
        (MORE_THAN_HALF, 12, 7),
        (Threshold.at_least(Fraction(1, 2)), 12, 6),
        (Threshold.at_least(Fraction(1, 2)), 11, 6),
        (AT_LEAST_TWO_THIRDS, 3, 2),
        (AT_LEAST_TWO_THIRDS, 9, 6),
        (AT_LEAST_TWO_THIRDS, 10, 7),
        (AT_LEAST_TWO_THIRDS, 12, 8),
        (Threshold.more_than(Fraction(2, 3)), 12, 9),
        (Threshold.more_than(Fraction(2, 3)), 9, 7),
    ],
)
def test_threshold_known_values(threshold, base, required):
    """Worked values: more than half of 2 is 2, at least 2/3 of 12 is 8, more than 2/3 of 9 is 7."""
    assert threshold.required(base) == required


def test_nobody_never_meets_a_threshold():
    """Zero of zero meets no threshold: a vote nobody took part in decides nothing."""
    for t in (MORE_THAN_HALF, AT_LEAST_TWO_THIRDS, Threshold.at_least(Fraction(1))):
        assert not t.met(0, 0) and t.met(1, 0)


# --------------------------------------------------------------------------------------
# Vote rules: validation, quorum, storage, text
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"quorum": 0},
        {"quorum": -1},
        {"quorum": Threshold.at_least(Fraction(0))},
        {"quorum": Threshold.more_than(Fraction(0))},
        {"quorum": Threshold.at_least(Fraction(5, 4))},
        {"quorum": Threshold.more_than(Fraction(1))},
        {"majority": Threshold.more_than(Fraction(1))},
        {"majority": Threshold.at_least(Fraction(0))},
        {"majority": Threshold.at_least(Fraction(-1, 3))},
    ],
)
def test_impossible_rules_refused(kwargs):
    """A quorum or majority nobody (or anybody) could meet is InvalidDecisionRules."""
    with pytest.raises(InvalidDecisionRules) as exc:
        VoteRules(**kwargs)
    assert (
        "议事规则无效" in exc.value.message_zh and "Invalid decision rules" in exc.value.message_en
    )


@pytest.mark.parametrize(
    "rules",
    [
        VoteRules(quorum=1),
        VoteRules(quorum=Threshold.at_least(Fraction(1))),
        VoteRules(majority=Threshold.at_least(Fraction(1))),  # unanimity
        VoteRules(quorum=Threshold.more_than(Fraction(1, 100))),
    ],
)
def test_edge_rules_accepted(rules):
    """One member, all of them, unanimity, a tiny share: possible rules, accepted."""
    assert rules_from_json(votes.rules_to_json(rules)) == rules


@pytest.mark.parametrize(
    ("rules", "eligible", "required"),
    [
        (DEFAULT_VOTE_RULES, 21, 11),
        (DEFAULT_VOTE_RULES, 20, 11),
        (DEFAULT_VOTE_RULES, 0, 1),
        (VoteRules(quorum=AT_LEAST_TWO_THIRDS), 21, 14),
        (VoteRules(quorum=AT_LEAST_TWO_THIRDS), 80, 54),
        (VoteRules(quorum=7), 21, 7),
        (VoteRules(quorum=7), 3, 7),  # a number is a number, whatever the electorate
    ],
)
def test_quorum_by_share_and_by_number(rules, eligible, required):
    """A share quorum scales with the electorate; a number quorum does not."""
    assert rules.quorum_required(eligible) == required


def test_rules_json_round_trip_and_defaults():
    """Stored rules read back equal; missing parts take the given default's."""
    two_thirds = VoteRules(majority=AT_LEAST_TWO_THIRDS)
    for rules in (DEFAULT_VOTE_RULES, two_thirds, VoteRules(quorum=11)):
        assert rules_from_json(votes.rules_to_json(rules)) == rules
    assert rules_from_json(None) == rules_from_json({}) == DEFAULT_VOTE_RULES
    assert rules_from_json({}, default=two_thirds) == two_thirds
    assert rules_from_json({"quorum": {"members": 5}}, default=two_thirds) == VoteRules(
        quorum=5, majority=AT_LEAST_TWO_THIRDS
    )


@pytest.mark.parametrize(
    "stored",
    [
        {"quorum": {"share": "x"}},
        {"quorum": {"share": "1/0"}},
        {"quorum": {"members": 2.5}},
        {"quorum": {"members": False}},
        {"quorum": {"members": -1}},
        {"quorum": []},
        {"majority": {"share": "1/1"}},
        {"majority": {"share": "2/3", "inclusive": 1}},
        {"majority": None},
    ],
)
def test_malformed_stored_rules_refused(stored):
    """Hand-edited rules are validated again: bad shapes are InvalidDecisionRules."""
    with pytest.raises(InvalidDecisionRules):
        rules_from_json(stored)


def test_threshold_and_rules_text():
    """过半数 / 不少于 / 超过 read as people say them; the electorate is the caller's word."""
    assert threshold_text(MORE_THAN_HALF) == ("过半数", "more than half")
    assert threshold_text(AT_LEAST_TWO_THIRDS) == ("不少于 2/3", "at least 2/3")
    assert threshold_text(Threshold.more_than(Fraction(1, 3))) == ("超过 1/3", "more than 1/3")
    assert threshold_text(Threshold.at_least(Fraction(1, 2))) == ("不少于 1/2", "at least 1/2")
    assert rules_text(DEFAULT_VOTE_RULES) == (
        "法定人数：有表决权的成员过半数出席；表决：获投票数过半数",
        "Quorum: more than half of eligible members present; decision: more than half of the "
        "votes cast",
    )
    zh, en = rules_text(VoteRules(quorum=AT_LEAST_TWO_THIRDS), ("会员", "association members"))
    assert zh.startswith("法定人数：会员不少于 2/3出席") and "of association members" in en
    assert rules_text(VoteRules(quorum=9))[0].startswith("法定人数：至少 9 名成员出席")


def test_council_rules_text_unchanged():
    """The council's line still names its seated members, word for word."""
    assert council.rules_text(council.DEFAULT_DECISION_RULES) == (
        "法定人数：在任成员过半数出席；表决：获投票数过半数",
        "Quorum: more than half of seated members present; decision: more than half of the "
        "votes cast",
    )


# --------------------------------------------------------------------------------------
# A single choice
# --------------------------------------------------------------------------------------


def test_single_choice_majority_wins():
    """12-6-3 of 21: A wins with its counts in the options' order and the sheet's numbers."""
    o = decide(choices(*[B] * 6, *[A] * 12, *[C] * 3))
    assert o.winner == A and list(o.counts.items()) == [(A, 12), (B, 6), (C, 3)]
    assert (o.votes_cast, o.eligible, o.present) == (21, 21, 21)
    assert (o.quorum_required, o.majority_required, o.casting_vote_used) == (11, 11, False)


def test_single_choice_is_independent_of_order():
    """The same votes in another order give the same outcome."""
    cs = choices(*[A] * 5, *[B] * 2, C)
    assert decide(cs) == decide(list(reversed(cs)))


@pytest.mark.parametrize(
    ("eligible", "present", "rules", "required"),
    [
        (21, 10, DEFAULT_VOTE_RULES, 11),
        (12, 6, DEFAULT_VOTE_RULES, 7),
        (0, 0, DEFAULT_VOTE_RULES, 1),
        (21, 13, VoteRules(quorum=AT_LEAST_TWO_THIRDS), 14),
        (21, 4, VoteRules(quorum=5), 5),
    ],
)
def test_single_choice_no_quorum(eligible, present, rules, required):
    """Fewer present than the quorum: NoQuorum with the electorate, present and required."""
    with pytest.raises(NoQuorum) as exc:
        decide(choices(*[A] * present), eligible, present, rules=rules)
    err = exc.value
    assert type(err) is NoQuorum
    assert err.params == {"eligible": eligible, "present": present, "required": required}
    assert f"应到 {eligible} 人" in err.message_zh and f"{required} needed" in err.message_en


@pytest.mark.parametrize(
    ("eligible", "present", "rules"),
    [
        (21, 11, DEFAULT_VOTE_RULES),
        (12, 7, DEFAULT_VOTE_RULES),
        (21, 14, VoteRules(quorum=AT_LEAST_TWO_THIRDS)),
        (21, 5, VoteRules(quorum=5)),
    ],
)
def test_single_choice_quorum_at_the_boundary(eligible, present, rules):
    """Exactly the quorum present decides."""
    assert decide(choices(*[C] * present), eligible, present, rules=rules).winner == C


def test_present_but_not_voting_counts_for_quorum_only():
    """11 present, 7 voting: quorum met; the majority is of the 7 votes cast (4)."""
    o = decide(choices(A, A, A, A, B, B, C), present=11)
    assert o.winner == A and (o.present, o.votes_cast, o.majority_required) == (11, 7, 4)


@pytest.mark.parametrize(
    ("chosen", "rules", "required"),
    [
        ([A] * 4 + [B] * 3 + [C] * 3, DEFAULT_VOTE_RULES, 6),  # a plurality is not enough
        ([A] * 5 + [B] * 4 + [C] * 2, DEFAULT_VOTE_RULES, 6),  # 5 of 11 leads, short
        ([A] * 6 + [B] * 4, VoteRules(majority=AT_LEAST_TWO_THIRDS), 7),
        ([A] * 8 + [B] * 4, VoteRules(majority=Threshold.more_than(Fraction(2, 3))), 9),
        ([A] * 9 + [B], VoteRules(majority=Threshold.at_least(Fraction(1))), 10),  # unanimity
    ],
)
def test_single_choice_no_majority(chosen, rules, required):
    """The leading option short of the majority of votes cast: NoMajority, not a tie."""
    with pytest.raises(NoMajority) as exc:
        decide(choices(*chosen), rules=rules)
    err = exc.value
    assert type(err) is NoMajority
    assert err.params["required"] == required and err.params["cast"] == len(chosen)
    assert "请再议" in err.message_zh and "again" in err.message_en


def test_nobody_voting_decides_nothing():
    """A quorate meeting where nobody voted: NoMajority, not a tie."""
    with pytest.raises(NoMajority) as exc:
        decide([], present=15)
    assert not isinstance(exc.value, Tie) and exc.value.params["cast"] == 0


@pytest.mark.parametrize(
    ("chosen", "tied"),
    [
        ([A] * 5 + [B] * 5, (A, B)),
        ([B] * 5 + [C] * 5 + [A] * 2, (B, C)),
        ([C] * 3 + [A] * 3 + [B] * 3, (A, B, C)),  # three-way, in the options' order
        ([A, B], (A, B)),
    ],
)
def test_tie_without_casting_vote(chosen, tied):
    """A tie at the top without a casting vote is a Tie naming the tied options in order."""
    with pytest.raises(Tie) as exc:
        decide(choices(*chosen))
    err = exc.value
    assert err.tied == tied and err.code == "TIE" and isinstance(err, NoMajority)
    assert err.params["cast"] == len(chosen)
    assert tied_options([o for _, o in choices(*chosen)], OPTIONS) == tied


def test_tie_below_the_top_is_no_tie():
    """6-2-2: the tie is for second place; A decides."""
    assert decide(choices(*[A] * 6, B, B, C, C)).winner == A
    assert tied_options([A] * 6 + [B, B, C, C], OPTIONS) == ()
    assert tied_options([], OPTIONS) == ()
    with pytest.raises(NotAnOption):
        tied_options([A, "Z"], OPTIONS)


@pytest.mark.parametrize("casting", [A, B])
def test_two_way_tie_settled_by_casting_vote(casting):
    """5-5: the casting vote is one extra vote (6 of 11), enough under simple majority."""
    o = decide(choices(*[A] * 5, *[B] * 5), casting_vote=casting)
    assert o.winner == casting and o.casting_vote_used
    assert dict(o.counts) == {A: 5, B: 5, C: 0}  # the casting vote is no voter's vote
    assert (o.votes_cast, o.majority_required) == (10, 6)


def test_two_way_tie_always_settled_under_simple_majority():
    """n-n between two options, any n: the casting vote settles it."""
    for n in range(1, 12):
        assert decide(choices(*[A] * n, *[B] * n), casting_vote=B).winner == B


@pytest.mark.parametrize(
    ("chosen", "rules", "casting"),
    [
        ([A] * 3 + [B] * 3 + [C] * 3, DEFAULT_VOTE_RULES, A),  # three-way: 4 of 10
        ([A] * 4 + [B] * 4 + [C] * 2, DEFAULT_VOTE_RULES, B),  # 5 of 11
        ([A] * 5 + [B] * 5, VoteRules(majority=AT_LEAST_TWO_THIRDS), A),  # 6 of 11 < 8
        ([A] * 3 + [B] * 3, VoteRules(majority=AT_LEAST_TWO_THIRDS), B),  # 4 of 7 < 5
    ],
)
def test_casting_vote_still_needs_the_majority(chosen, rules, casting):
    """A casting vote short of the majority of votes cast + 1 is NoMajority (not a Tie)."""
    with pytest.raises(NoMajority) as exc:
        decide(choices(*chosen), rules=rules, casting_vote=casting)
    assert not isinstance(exc.value, Tie)
    assert exc.value.params["required"] == rules.majority.required(len(chosen) + 1)


@pytest.mark.parametrize(
    ("chosen", "casting"),
    [
        ([A] * 5 + [B] * 5, C),
        ([A] * 3 + [B] * 3 + [C], C),  # C has votes, but is not in the tie
    ],
)
def test_casting_vote_outside_the_tie_refused(chosen, casting):
    """A casting vote for an option outside the tie: CastingVoteNotInTie naming the tied."""
    with pytest.raises(CastingVoteNotInTie) as exc:
        decide(choices(*chosen), casting_vote=casting)
    assert exc.value.params == {"tied_zh": "A、B", "tied_en": "A, B"}


def test_casting_vote_ignored_without_a_tie():
    """No tie: the casting vote is not used and cannot overturn the majority."""
    o = decide(choices(*[A] * 6, *[B] * 4), casting_vote=B)
    assert o.winner == A and not o.casting_vote_used and o.majority_required == 6


def test_check_casting_vote_alone():
    """The check a chair's stored casting vote goes through, with the caller's labels."""
    check_casting_vote(A, (A, B))
    with pytest.raises(CastingVoteNotInTie) as exc:
        check_casting_vote(C, (A, B), label=lambda o: (f"选项{o}", f"option {o}"))
    assert "选项A、选项B" in exc.value.message_zh and "option A, option B" in exc.value.message_en


def test_duplicate_voter_refused_before_anything_else():
    """A voter twice is AlreadyVoted, even where the quorum would also fail."""
    with pytest.raises(AlreadyVoted) as exc:
        decide([("v1", A), ("v2", B), ("v1", B)], eligible=21, present=3)
    assert exc.value.params == {"voter": "v1"} and type(exc.value) is AlreadyVoted


def test_option_outside_the_options_refused():
    """A vote for something that is not an option: NotAnOption."""
    with pytest.raises(NotAnOption) as exc:
        decide(choices(A, "Z"))
    assert "Z" in exc.value.message_zh


@pytest.mark.parametrize(
    ("n_votes", "eligible", "present"),
    [(5, 21, 4), (0, 5, 6), (0, 5, -1)],
)
def test_impossible_counts_are_a_callers_bug(n_votes, eligible, present):
    """More votes than present, or more present than eligible: ValueError."""
    with pytest.raises(ValueError, match="inconsistent"):
        decide(choices(*[A] * n_votes), eligible, present)


@pytest.mark.parametrize("options", [(), (A, A, B)])
def test_options_must_be_distinct_and_some(options):
    """No options, or an option twice, is a caller's bug."""
    with pytest.raises(ValueError, match="options"):
        decide_choice([], options, eligible=3, present=3)


def test_counts_read_with_the_callers_labels():
    """The counts in the messages use the label the caller gives."""
    with pytest.raises(Tie) as exc:
        decide(choices(A, B), label=lambda o: (f"甲{o}", f"opt {o}"))
    assert exc.value.params["counts_zh"] == "甲A 1 票、甲B 1 票、甲C 0 票"
    assert exc.value.params["counts_en"] == "opt A 1, opt B 1, opt C 0"


def test_a_body_raises_its_own_worded_errors():
    """VoteErrors: the count raises the caller's subclasses, with the kernel's numbers."""

    class GroupNoQuorum(NoQuorum):
        zh = "到会会员不足：{present}/{eligible}，需 {required}"

    class GroupTie(Tie):
        zh = "平票（{counts_zh}），下次会员大会再议"

    errors = VoteErrors(no_quorum=GroupNoQuorum, tie=GroupTie)
    with pytest.raises(GroupNoQuorum) as q:
        decide(choices(A), eligible=21, present=1, errors=errors)
    assert q.value.message_zh == "到会会员不足：1/21，需 11"
    with pytest.raises(GroupTie) as t:
        decide(choices(A, B), errors=errors)
    assert t.value.tied == (A, B) and "下次会员大会" in t.value.message_zh


@pytest.mark.parametrize(
    "err",
    [
        NoQuorum.of(eligible=3, present=1, required=2),
        NoMajority(counts_zh="A 1 票", counts_en="A 1", cast=1, required=2),
        Tie(counts_zh="A 1 票、B 1 票", counts_en="A 1, B 1", cast=2, tied=(A, B)),
        CastingVoteNotInTie(tied_zh="A、B", tied_en="A, B"),
        AlreadyVoted(voter="v1"),
        NotAnOption(option="Z"),
        NotACandidate(voter="b1", candidate="Z", candidate_zh="Z", candidate_en="Z"),
        SameCandidateTwice(voter="b1", candidate=A, candidate_zh=A, candidate_en=A),
        TooManyChoices(voter="b1", allowed=3, named=4),
        InvalidDecisionRules(problem_zh="x", problem_en="x"),
    ],
)
def test_every_refusal_is_bilingual_and_coded(err):
    """Each kernel error is a SanshiError with a code and distinct zh/en messages, filled in."""
    assert isinstance(err, SanshiError) and err.code.isupper()
    assert err.message_zh != err.message_en and "{" not in err.message_zh + err.message_en


# --------------------------------------------------------------------------------------
# A multi-seat election
# --------------------------------------------------------------------------------------


def test_election_outright():
    """Clear counts: the top three of five take the three seats, most votes first."""
    r = elect(ballots("ABC", "ABD", "BCE", "AB", "AC", "A"))
    assert list(r.counts.items()) == [("A", 5), ("B", 4), ("C", 3), ("D", 1), ("E", 1)]
    assert (r.elected, r.runoff, r.runoff_seats, r.unfilled) == (("A", "B", "C"), (), 0, 0)
    assert (r.ballots, r.quorum_required, r.votes_required) == (6, 4, 1)


def test_tie_at_the_cut_goes_to_a_runoff_for_the_last_seat():
    """A 4, B 3, C 2, D 2 for 3 seats: A and B elected; C and D run off for one seat."""
    r = elect(ballots("ABC", "ABD", "AB", "AC", "D"), candidates="ABCD")
    assert list(r.counts.values()) == [4, 3, 2, 2]
    assert (r.elected, r.runoff, r.runoff_seats, r.unfilled) == (("A", "B"), ("C", "D"), 1, 0)


def test_tie_at_the_cut_for_two_seats():
    """A 3 and B, C, D 2 each for 3 seats: A elected; B, C, D run off for the other two."""
    r = elect(ballots("AB", "AC", "AD", "BCD"), candidates="ABCD")
    assert (r.elected, r.runoff, r.runoff_seats) == (("A",), ("B", "C", "D"), 2)


def test_tie_inside_the_elected_set_needs_no_runoff():
    """A 3, B 3, C 2, D 1 for 3 seats: the A-B tie is inside the seats; C takes the third."""
    r = elect(ballots("ABC", "ABD", "ABC"), candidates="ABCD")
    assert (r.elected, r.runoff, r.runoff_seats) == (("A", "B", "C"), (), 0)


def test_tie_exactly_filling_the_seats_needs_no_runoff():
    """Three tied for three seats with the rest behind: all three elected."""
    r = elect(ballots("ABC", "ABC", "ABD", "C"), candidates="ABCD")
    assert list(r.counts.values()) == [3, 3, 3, 1]
    assert r.elected == ("A", "B", "C") and r.runoff == ()


def test_everyone_tied():
    """Four candidates with one vote each for two seats: all four run off for both seats."""
    r = elect(ballots("A", "B", "C", "D"), candidates="ABCD", seats=2, votes_per_ballot=1)
    assert (r.elected, r.runoff, r.runoff_seats, r.unfilled) == ((), ("A", "B", "C", "D"), 2, 0)


def test_runoff_is_the_same_count_over_the_tied():
    """The runoff counts ballots over the tied candidates for the seats left; it can tie again."""
    first = elect(ballots("ABC", "ABD", "AB", "AC", "D"), candidates="ABCD")
    second = count_election(
        ballots("C", "C", "D"),
        first.runoff,
        seats=first.runoff_seats,
        votes_per_ballot=first.runoff_seats,
        eligible=5,
    )
    assert second.elected == ("C",) and second.runoff == ()
    again = count_election(
        ballots("C", "D", "C", "D"), first.runoff, seats=1, votes_per_ballot=1, eligible=5
    )
    assert (again.elected, again.runoff, again.runoff_seats) == ((), ("C", "D"), 1)
    with pytest.raises(NotACandidate):  # only the tied stand in the runoff
        count_election(ballots("A"), first.runoff, seats=1, votes_per_ballot=1, eligible=5)


def test_fewer_candidates_than_seats():
    """Two candidates for five seats: both elected, three seats unfilled."""
    r = elect(ballots("AB", "A", "B"), candidates="AB", seats=5)
    assert (r.elected, r.runoff, r.unfilled) == (("A", "B"), (), 3)


def test_a_candidate_without_votes_is_not_elected():
    """Nobody is elected by no votes: seats stay unfilled rather than go to a zero."""
    r = elect(ballots("A", "A"), candidates="ABC", seats=3, votes_per_ballot=1)
    assert (r.elected, r.runoff, r.unfilled) == (("A",), (), 2)


def test_blank_ballots_count_for_quorum_but_elect_nobody():
    """Six blank ballots of ten eligible: the quorum is met, every seat stays unfilled."""
    r = elect(ballots(*[""] * 6), eligible=10)
    assert (r.ballots, r.elected, r.runoff, r.unfilled) == (6, (), (), 3)
    assert all(n == 0 for n in r.counts.values())


@pytest.mark.parametrize("eligible", [0, 1, 10])
def test_zero_ballots_is_no_quorum(eligible):
    """No ballot returned never makes a quorum (the quorum is at least one)."""
    with pytest.raises(NoQuorum) as exc:
        elect([], eligible=eligible)
    assert exc.value.params["present"] == 0 and exc.value.params["required"] >= 1


@pytest.mark.parametrize(
    ("returned", "eligible", "quorum", "required"),
    [
        (40, 80, MORE_THAN_HALF, 41),
        (53, 80, AT_LEAST_TWO_THIRDS, 54),
        (19, 80, 20, 20),
    ],
)
def test_election_without_quorum(returned, eligible, quorum, required):
    """Too few ballots of the eligible voters: NoQuorum (a share or a number)."""
    bs = ballots(*["A"] * returned)
    with pytest.raises(NoQuorum) as exc:
        elect(bs, eligible=eligible, quorum=quorum)
    assert exc.value.params == {"eligible": eligible, "present": returned, "required": required}
    assert elect(ballots(*["A"] * required), eligible=eligible, quorum=quorum).elected == ("A",)


def test_minimum_share_of_ballots():
    """With 'more than half of the ballots', C (2 of 5) is not elected; a seat stays unfilled."""
    bs = ballots("ABC", "AB", "AB", "BC", "A")
    r = elect(bs, candidates="ABC", min_share=MORE_THAN_HALF)
    assert (r.elected, r.unfilled, r.votes_required) == (("A", "B"), 1, 3)
    assert elect(bs, candidates="ABC").elected == ("A", "B", "C")


def test_minimum_share_decides_who_can_tie_at_the_cut():
    """Only qualified candidates tie at the cut: a tie below the minimum elects nobody."""
    bs = ballots("AB", "AC", "A", "B", "C")  # A 3, B 2, C 2 of 5 ballots
    r = elect(bs, candidates="ABC", seats=2, min_share=MORE_THAN_HALF)
    assert (r.elected, r.runoff, r.unfilled) == (("A",), (), 1)
    r = elect(bs, candidates="ABC", seats=2, min_share=Threshold.at_least(Fraction(2, 5)))
    assert (r.elected, r.runoff, r.runoff_seats) == (("A",), ("B", "C"), 1)


def test_election_is_independent_of_ballot_order():
    """The same ballots in another order give the same result."""
    bs = ballots("ABC", "ABD", "AB", "AC", "D")
    assert elect(bs, candidates="ABCD") == elect(list(reversed(bs)), candidates="ABCD")


def test_dog_owners_elect_five_core_members():
    """80 households, 5 seats, up to 5 names each: the five most named are the core."""
    pattern = ["ABCDE", "ABCDF", "ABCEG", "ABDEF", "ACDEG"] * 10  # 50 ballots
    r = elect(ballots(*pattern), candidates="ABCDEFG", seats=5, eligible=80)
    assert r.elected == ("A", "B", "C", "D", "E") and r.runoff == ()
    assert list(r.counts.values()) == [50, 40, 40, 40, 40, 20, 20]
    assert (r.ballots, r.quorum_required) == (50, 41)


@pytest.mark.parametrize(
    ("bad", "error", "params"),
    [
        ([("x", ("A", "Z"))], NotACandidate, {"voter": "x", "candidate": "Z"}),
        ([("x", ("A", "A"))], SameCandidateTwice, {"voter": "x", "candidate": "A"}),
        ([("x", ("A", "B", "C", "D"))], TooManyChoices, {"voter": "x", "named": 4, "allowed": 3}),
        ([("x", ("A",)), ("x", ("B",))], AlreadyVoted, {"voter": "x"}),
        ([("b1", ("D",))], AlreadyVoted, {"voter": "b1"}),  # b1 already cast "AB"
        # the order: a voter twice, then a non-candidate, a name twice, too many names
        ([("x", ("Z",)), ("x", ("A",))], AlreadyVoted, {"voter": "x"}),
        ([("x", ("A", "A", "B", "Z"))], NotACandidate, {"candidate": "Z"}),
        ([("x", ("A", "B", "C", "C"))], SameCandidateTwice, {"candidate": "C"}),
    ],
)
def test_bad_ballots_refused(bad, error, params):
    """A non-candidate, a name twice, too many names, a voter twice: typed refusals."""
    with pytest.raises(error) as exc:
        elect([*ballots("AB", "C"), *bad], eligible=10)
    assert exc.value.params.items() >= params.items()
    assert exc.value.message_zh != exc.value.message_en


def test_one_vote_per_ballot():
    """votes_per_ballot=1: one name (or none) per ballot; two names are too many."""
    r = elect(ballots("A", "B", "A", ""), candidates="AB", seats=1, votes_per_ballot=1)
    assert r.elected == ("A",) and r.ballots == 4
    with pytest.raises(TooManyChoices) as exc:
        elect(ballots("A", "AB"), candidates="AB", seats=1, votes_per_ballot=1)
    assert "最多选 1 人" in exc.value.message_zh and "at most 1 candidates" in exc.value.message_en


def test_bad_candidate_names_on_ballots_use_labels():
    """A candidate named twice is shown by the caller's label."""
    with pytest.raises(SameCandidateTwice) as exc:
        count_election(
            [("b1", (1, 1))],
            (1, 2),
            seats=1,
            votes_per_ballot=2,
            eligible=1,
            label=lambda c: (f"{c}号候选人", f"candidate no. {c}"),
        )
    assert "1号候选人" in exc.value.message_zh and "candidate no. 1" in exc.value.message_en


@pytest.mark.parametrize(
    "kwargs",
    [
        {"seats": 0},
        {"votes_per_ballot": 0},
        {"candidates": "ABA"},
        {"eligible": 1},  # two ballots from an electorate of one
    ],
)
def test_election_callers_bugs(kwargs):
    """No seats, no votes per ballot, a candidate twice, more ballots than voters: ValueError."""
    args = {"candidates": "ABC", "seats": 1, "votes_per_ballot": 1, "eligible": 5} | kwargs
    with pytest.raises(ValueError):
        count_election(ballots("A", "B"), tuple(args.pop("candidates")), **args)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"quorum": 0},
        {"quorum": Threshold.more_than(Fraction(1))},
        {"min_share": Threshold.at_least(Fraction(0))},
        {"min_share": Threshold.more_than(Fraction(1))},
    ],
)
def test_election_impossible_rules(kwargs):
    """A quorum or minimum share nobody could meet: InvalidDecisionRules."""
    with pytest.raises(InvalidDecisionRules):
        elect(ballots("A"), **kwargs)


# --------------------------------------------------------------------------------------
# A yes/no adoption
# --------------------------------------------------------------------------------------


def test_convention_adopted():
    """30 yes, 10 no, 5 abstaining of 80: quorum (45 of 41), 30 of 40 cast: adopted."""
    a = count_adoption(answers(30, 10, 5), eligible=80)
    assert a.adopted and (a.yes, a.no, a.abstain) == (30, 10, 5)
    assert (a.present, a.votes_cast, a.quorum_required, a.majority_required) == (45, 40, 41, 21)


def test_convention_rejected():
    """More no than yes: not adopted — a result, not an error."""
    a = count_adoption(answers(12, 30), eligible=80)
    assert not a.adopted and a.majority_required == 22


@pytest.mark.parametrize("n", range(1, 8))
def test_a_tie_is_not_adopted(n):
    """yes = no is not more than half of the votes cast: not adopted."""
    a = count_adoption(answers(n, n), eligible=2 * n)
    assert not a.adopted and a.majority_required == n + 1


def test_a_tie_adopts_under_at_least_half():
    """Where the rule is 'at least half' (inclusive), yes = no is enough."""
    rules = VoteRules(majority=Threshold.at_least(Fraction(1, 2)))
    assert count_adoption(answers(3, 3), eligible=6, rules=rules).adopted


def test_abstentions_are_present_but_not_cast():
    """3 yes, 2 no, 40 abstaining of 80: the abstainers make the quorum; 3 of 5 cast adopts."""
    a = count_adoption(answers(3, 2, 40), eligible=80)
    assert a.adopted and (a.present, a.votes_cast, a.majority_required) == (45, 5, 3)
    b = count_adoption(answers(2, 3, 40), eligible=80)
    assert not b.adopted


def test_everyone_abstaining_adopts_nothing():
    """A quorate vote with no yes and no no: not adopted."""
    a = count_adoption(answers(abstain=50), eligible=80)
    assert not a.adopted and a.votes_cast == 0 and a.majority_required == 1


@pytest.mark.parametrize(
    ("yes", "no", "adopted"),
    [(20, 10, True), (19, 10, False), (40, 20, True), (39, 20, False)],
)
def test_two_thirds_adoption_at_the_boundary(yes, no, adopted):
    """At least two-thirds of the votes cast: 20 of 30 adopts, 19 of 29 does not."""
    rules = VoteRules(majority=AT_LEAST_TWO_THIRDS)
    assert count_adoption(answers(yes, no), eligible=yes + no, rules=rules).adopted is adopted


@pytest.mark.parametrize(
    ("ballots_", "eligible", "rules", "required"),
    [
        (answers(20, 10, 10), 81, DEFAULT_VOTE_RULES, 41),
        (answers(abstain=53), 80, VoteRules(quorum=AT_LEAST_TWO_THIRDS), 54),
        (answers(9), 80, VoteRules(quorum=10), 10),
        ([], 0, DEFAULT_VOTE_RULES, 1),
    ],
)
def test_adoption_without_quorum(ballots_, eligible, rules, required):
    """Too few ballots, abstentions included: NoQuorum, whatever the yes count."""
    with pytest.raises(NoQuorum) as exc:
        count_adoption(ballots_, eligible=eligible, rules=rules)
    present = len(ballots_)
    assert exc.value.params == {"eligible": eligible, "present": present, "required": required}


def test_adoption_refusals():
    """A member twice, an answer that is none, more ballots than members: refused."""
    with pytest.raises(AlreadyVoted):
        count_adoption([("m1", YES), ("m1", NO)], eligible=5)
    with pytest.raises(NotAnOption):
        count_adoption([("m1", "maybe")], eligible=5)
    with pytest.raises(ValueError, match="inconsistent"):
        count_adoption(answers(3), eligible=2)
    assert count_adoption([("m1", "yes")], eligible=1).adopted  # a stored value is an answer


def test_answer_labels():
    """Yes/no/abstain read 赞成/反对/弃权."""
    assert [(a.value, a.label_zh, a.label_en) for a in Answer] == [
        ("yes", "赞成", "Yes"),
        ("no", "反对", "No"),
        ("abstain", "弃权", "Abstain"),
    ]
