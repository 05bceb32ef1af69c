"""Pure rules of conventions (自治公约): a draft's clauses, version states, amendments, voter
keys, and the count of an adoption vote through the shared kernel."""

from __future__ import annotations

from fractions import Fraction

import pytest

from services.errors import FieldTooLong, InvalidInput
from services.groups import model
from services.groups.model import (
    BallotBasis,
    ClauseDraft,
    ConventionRejection,
    ConventionStatus,
    ConventionTally,
    DogFilter,
    DutyKind,
    DutySpec,
    IncidentKind,
    SizeClass,
    amendment_of,
    count_convention_vote,
    draft_clauses,
    voter_key,
)
from services.kernel import votes
from services.kernel.text import ControlCharacters
from services.kernel.votes import Answer, Threshold, VoteRules

S = ConventionStatus
Y, N, A = Answer.YES, Answer.NO, Answer.ABSTAIN

MUZZLE = ClauseDraft(
    number=1,
    text_zh="携犬出行时，对大型和烈性犬使用口罩、束犬链",
    text_en="Large and fierce dogs wear a muzzle and a leash outdoors",
    size_classes=("large",),
    fierce=True,
    incident_kinds=("off_leash",),
    duties=(("apologise", 48),),
)
BITE = ClauseDraft(
    number=2,
    text_zh="犬伤害他人后，主人必须主动道歉，立即把伤者送往医院诊治，并先行垫付费用",
    incident_kinds=("dog_bite",),
    duties=(("apologise", 24), ("hospital", 1), ("advance_costs", 72)),
)


def draft(number: int, **kw: object) -> ClauseDraft:
    return ClauseDraft(number=number, text_zh=f"第{number}条", **kw)  # type: ignore[arg-type]


# -- the vocabulary --------------------------------------------------------------------------
def test_statuses_and_rejections_read_in_both_languages():
    """Each status and rejection reason has a Chinese and an English label."""
    assert [s.label_zh for s in S] == ["草案", "表决中", "生效", "未通过", "已废止"]
    assert all(m.label_en for m in (*S, *ConventionRejection))
    assert ConventionRejection.NO_QUORUM.label_zh == "未达到法定人数"
    assert {S.DRAFT, S.VOTING} == model.OPEN_STATUSES


# -- a draft's clauses -----------------------------------------------------------------------
def test_the_seed_conventions_clauses_become_the_model_clauses():
    """The muzzle clause binds large and fierce dogs; the bite clause owes its three duties."""
    muzzle, bite = draft_clauses([BITE, MUZZLE])  # given out of order, returned by number
    assert muzzle.number == 1 and muzzle.binds == DogFilter(frozenset({SizeClass.LARGE}), True)
    assert muzzle.incident_kinds == {IncidentKind.OFF_LEASH}
    assert muzzle.text_en.startswith("Large and fierce")
    assert bite.binds.binds_all
    assert bite.duties == (
        DutySpec(DutyKind.APOLOGISE, 24),
        DutySpec(DutyKind.HOSPITAL, 1),
        DutySpec(DutyKind.ADVANCE_COSTS, 72),
    )


def test_the_drafted_clauses_derive_the_seed_duties():
    """What the draft says is what an incident later owes under it (derive_duties)."""
    clauses = draft_clauses([MUZZLE, BITE])
    dog = model.DogFacts(SizeClass.SMALL, fierce=False)
    owed = model.derive_duties(clauses, IncidentKind.DOG_BITE, dog)
    assert [(d.kind, d.clause, d.due_hours) for d in owed] == [
        (DutyKind.APOLOGISE, 2, 24),
        (DutyKind.HOSPITAL, 2, 1),
        (DutyKind.ADVANCE_COSTS, 2, 72),
    ]


def test_an_empty_draft_is_refused():
    """A version without a clause has nothing to adopt."""
    with pytest.raises(model.EmptyConvention) as caught:
        draft_clauses([])
    assert "至少" in caught.value.message_zh and "at least one" in caught.value.message_en


@pytest.mark.parametrize(
    "numbers",
    [[0], [2], [1, 1], [1, 3], [2, 3], [1, 2, 2], [-1, 1], [1, 2, 4]],
)
def test_clause_numbers_must_run_from_one_without_gaps_or_repeats(numbers):
    """1..n, each once: a missing, repeated, zero or negative number is refused, naming them."""
    with pytest.raises(model.ClauseNumbersInvalid) as caught:
        draft_clauses([draft(n) for n in numbers])
    assert ", ".join(str(n) for n in numbers) in caught.value.message_zh


@pytest.mark.parametrize("numbers", [[1], [1, 2], [3, 1, 2]])
def test_clause_numbers_in_any_order_are_accepted(numbers):
    """Numbers may come in any order; the clauses come back by number."""
    assert [c.number for c in draft_clauses([draft(n) for n in numbers])] == sorted(numbers)


def test_too_many_clauses_are_refused():
    """At most MAX_CLAUSES clauses in one version."""
    draft_clauses([draft(n) for n in range(1, model.MAX_CLAUSES + 1)])
    with pytest.raises(InvalidInput):
        draft_clauses([draft(n) for n in range(1, model.MAX_CLAUSES + 2)])


@pytest.mark.parametrize(
    ("text_zh", "text_en", "refused"),
    [
        ("", "", InvalidInput),
        ("   ", "", InvalidInput),
        ("字" * (model.CLAUSE_TEXT_LIMIT + 1), "", FieldTooLong),
        ("条文", "x" * (model.CLAUSE_TEXT_LIMIT + 1), FieldTooLong),
        ("条文\x00", "", ControlCharacters),
        ("条文", "text\x1b[31m", ControlCharacters),
    ],
)
def test_clause_texts_are_required_limited_and_free_of_control_characters(
    text_zh, text_en, refused
):
    """The Chinese text is required; both are within the limit and without control characters."""
    with pytest.raises(refused) as caught:
        draft_clauses([ClauseDraft(1, text_zh, text_en)])
    assert "第 1 条" in caught.value.message_zh


def test_clause_texts_keep_their_line_breaks_and_are_trimmed():
    """A clause may run over several lines; surrounding blanks go."""
    (clause,) = draft_clauses([ClauseDraft(1, "  一、携犬出行\n二、拴绳  ", " en ")])
    assert (clause.text_zh, clause.text_en) == ("一、携犬出行\n二、拴绳", "en")
    limit = draft_clauses([ClauseDraft(1, "字" * model.CLAUSE_TEXT_LIMIT)])
    assert len(limit[0].text_zh) == model.CLAUSE_TEXT_LIMIT


@pytest.mark.parametrize(
    "bad",
    [
        {"size_classes": ("huge",)},
        {"incident_kinds": ("dog_theft",)},
        {"incident_kinds": ("dog_bite",), "duties": (("pay_a_fine", 24),)},
        {"size_classes": ("LARGE",)},  # values, not names
    ],
)
def test_values_outside_the_vocabularies_are_refused(bad):
    """Size classes, incident kinds and duty kinds come from the model's vocabularies."""
    with pytest.raises(InvalidInput) as caught:
        draft_clauses([draft(1, **bad)])
    assert "不是" in caught.value.message_zh


@pytest.mark.parametrize(
    ("hours", "ok"),
    [(0, False), (-5, False), (1, True), (24, True), (720, True), (721, False)],
)
def test_a_duty_is_due_in_one_to_seven_hundred_and_twenty_hours(hours, ok):
    """From "at once" (1 hour) to thirty days; outside that a typed error names the clause."""
    clause = draft(3, incident_kinds=("dog_bite",), duties=(("hospital", hours),))
    if ok:
        assert draft_clauses([draft(1), draft(2), clause])[2].duties[0].due_hours == hours
        return
    with pytest.raises(model.DueHoursOutOfRange) as caught:
        draft_clauses([draft(1), draft(2), clause])
    assert "第 3 条" in caught.value.message_zh and "立即送医诊治" in caught.value.message_zh
    assert str(hours) in caught.value.message_en and "720" in caught.value.message_en


def test_a_duty_kind_is_owed_once_per_clause():
    """The same duty twice in one clause is refused (the stricter one is for two clauses)."""
    with pytest.raises(InvalidInput) as caught:
        draft_clauses(
            [draft(1, incident_kinds=("dog_bite",), duties=(("apologise", 24), ("apologise", 2)))]
        )
    assert "主动道歉" in caught.value.message_zh


def test_duties_need_the_incidents_they_follow():
    """A clause with duties but no incident kind would never owe them: refused."""
    with pytest.raises(InvalidInput) as caught:
        draft_clauses([draft(1, duties=(("apologise", 24),))])
    assert "事件类型" in caught.value.message_zh
    # A rule of conduct without duties governs nothing and binds what it names: fine.
    (rule,) = draft_clauses([draft(1, size_classes=("large", "medium"))])
    assert rule.binds.size_classes == {SizeClass.LARGE, SizeClass.MEDIUM}
    assert rule.incident_kinds == frozenset() and rule.duties == ()


def test_titles_and_notes_are_checked_text():
    """The Chinese title is required; titles and notes keep to their limits."""
    assert model.convention_title(" 宠物豢养自治公约 ", "") == ("宠物豢养自治公约", "")
    with pytest.raises(InvalidInput):
        model.convention_title("  ", "Pets")
    with pytest.raises(FieldTooLong):
        model.convention_title("公" * (model.TITLE_LIMIT + 1), "")
    with pytest.raises(ControlCharacters):
        model.convention_title("公约\x07", "")
    assert model.convention_note("第一行\n第二行") == "第一行\n第二行"
    with pytest.raises(FieldTooLong):
        model.convention_note("注" * (model.NOTE_LIMIT + 1))


# -- states ------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", list(S))
def test_only_a_draft_is_edited_or_opened_and_only_a_vote_in_progress_takes_ballots(status):
    """check_draft passes a draft only; check_voting a version being voted on only."""
    if status is S.DRAFT:
        model.check_draft(status, 2)
    else:
        with pytest.raises(model.ConventionVersionNotDraft) as caught:
            model.check_draft(status, 2)
        assert "第 2 版" in caught.value.message_zh and status.label_zh in caught.value.message_zh
    if status is S.VOTING:
        model.check_voting(status, 2)
    else:
        with pytest.raises(model.ConventionVersionNotVoting) as caught:
            model.check_voting(status, 2)
        assert status.label_en.lower() in caught.value.message_en


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        ([(1, S.ADOPTED)], (2, 1)),
        ([(1, S.REJECTED)], (2, 1)),
        ([(1, S.SUPERSEDED), (2, S.ADOPTED)], (3, 2)),
        ([(1, S.ADOPTED), (2, S.REJECTED)], (3, 1)),  # copy what is in force, not the reject
        ([(2, S.REJECTED), (1, S.SUPERSEDED), (3, S.REJECTED)], (4, 3)),
    ],
)
def test_an_amendment_is_the_next_number_copied_from_the_version_in_force(versions, expected):
    """The next version's number, and the version its clauses are copied from."""
    assert amendment_of(versions) == expected


@pytest.mark.parametrize("open_status", [S.DRAFT, S.VOTING])
def test_one_amendment_at_a_time(open_status):
    """A draft or a vote in progress blocks another amendment, naming the version."""
    with pytest.raises(model.ConventionHasOpenVersion) as caught:
        amendment_of([(1, S.ADOPTED), (2, open_status)])
    assert "第 2 版" in caught.value.message_zh and open_status.label_zh in caught.value.message_zh
    with pytest.raises(ValueError):
        amendment_of([])


# -- who votes ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("basis", "household", "resident", "key"),
    [
        (BallotBasis.HOUSEHOLD, 7, None, "household:7"),
        (BallotBasis.HOUSEHOLD, 7, 70, "household:7"),  # whoever represents the household
        (BallotBasis.RESIDENT, 7, 70, "resident:70"),
        (BallotBasis.RESIDENT, 7, None, None),  # no resident named: no ballot
    ],
)
def test_voter_keys_follow_the_groups_ballot_basis(basis, household, resident, key):
    """One ballot per member household, or per member resident, as the group's rules say."""
    assert voter_key(basis, household, resident) == key


# -- the count -----------------------------------------------------------------------------------
FIVE = {f"household:{i}" for i in range(1, 6)}


def ballots(*answers: Answer, start: int = 1) -> list[tuple[str, Answer]]:
    return [(f"household:{i}", a) for i, a in enumerate(answers, start)]


def test_a_majority_of_yes_with_a_quorum_adopts():
    """3 of 5 vote, 2 yes 1 no: quorum (3) met, majority of 3 cast (2) met."""
    t = count_convention_vote(ballots(Y, Y, N), FIVE, votes.DEFAULT_VOTE_RULES)
    assert (t.adopted, t.rejection, t.yes, t.no, t.abstain) == (True, None, 2, 1, 0)
    assert (t.eligible, t.quorum_required, t.majority_required, t.void) == (5, 3, 2, 0)


@pytest.mark.parametrize(
    "answers",
    [(Y, N, N), (Y, N, A), (A, A, A), (Y, N, A, A)],
)
def test_a_quorum_without_a_majority_of_yes_rejects(answers):
    """No majority (a tie, more no, everyone abstaining) is a rejection, not an error."""
    t = count_convention_vote(ballots(*answers), FIVE, votes.DEFAULT_VOTE_RULES)
    assert t.adopted is False and t.rejection is ConventionRejection.NO_MAJORITY


def test_abstentions_count_for_the_quorum_but_cast_no_vote():
    """2 abstain and 1 yes of 5: the quorum is met, and the one yes is a majority of one."""
    t = count_convention_vote(ballots(A, A, Y), FIVE, votes.DEFAULT_VOTE_RULES)
    assert t.adopted and t.majority_required == 1 and t.present == 3


def test_no_quorum_is_refused_with_a_typed_error_unless_rejected_on_purpose():
    """2 of 5: ConventionNoQuorum (a kernel NoQuorum) with the numbers; asked to, a rejection."""
    with pytest.raises(model.ConventionNoQuorum) as caught:
        count_convention_vote(ballots(Y, Y), FIVE, votes.DEFAULT_VOTE_RULES)
    err = caught.value
    assert isinstance(err, votes.NoQuorum) and err.code == "NO_QUORUM"
    assert "5" in err.message_zh and "2" in err.message_zh and "3" in err.message_zh
    assert "stays open" in err.message_en
    t = count_convention_vote(
        ballots(Y, Y), FIVE, votes.DEFAULT_VOTE_RULES, reject_without_quorum=True
    )
    assert (t.adopted, t.rejection, t.yes, t.quorum_required, t.majority_required) == (
        False,
        ConventionRejection.NO_QUORUM,
        2,
        3,
        None,
    )


def test_reject_without_quorum_changes_nothing_when_there_is_a_quorum():
    """With a quorum the flag is moot: the count decides."""
    t = count_convention_vote(
        ballots(Y, Y, Y), FIVE, votes.DEFAULT_VOTE_RULES, reject_without_quorum=True
    )
    assert t.adopted


def test_ballots_of_voters_who_left_are_void():
    """A ballot whose voter is no longer a member at the close is not counted (void)."""
    cast = [*ballots(Y, Y), ("household:99", N), ("household:98", N)]
    t = count_convention_vote(
        cast, {"household:1", "household:2", "household:3"}, votes.DEFAULT_VOTE_RULES
    )
    assert (t.adopted, t.yes, t.no, t.void, t.eligible) == (True, 2, 0, 2, 3)


def test_nobody_eligible_is_no_quorum():
    """A group without members cannot adopt anything."""
    with pytest.raises(model.ConventionNoQuorum):
        count_convention_vote([], set(), votes.DEFAULT_VOTE_RULES)


def test_the_groups_rules_decide_quorum_and_majority():
    """A two-thirds majority and a quorum of 4 members, from the group's stored rules."""
    rules = votes.rules_from_json(
        {"quorum": {"members": 4}, "majority": {"share": "2/3", "inclusive": True}}
    )
    with pytest.raises(model.ConventionNoQuorum):
        count_convention_vote(ballots(Y, Y, Y), FIVE, rules)
    t = count_convention_vote(ballots(Y, Y, N, A), FIVE, rules)
    assert t.adopted and t.majority_required == 2  # 2/3 of 3 cast, at least
    t = count_convention_vote(ballots(Y, N, N, Y, Y), FIVE, rules)
    assert not t.adopted and t.majority_required == 4


def test_a_voter_twice_is_refused_by_the_kernel_in_the_groups_words():
    """A voter key twice (a bug upstream) is the kernel's AlreadyVoted; a second ballot
    refused at the door is BallotAlreadyCast, an AlreadyVoted in the groups' words."""
    with pytest.raises(votes.AlreadyVoted):
        count_convention_vote(
            [("household:1", Y), ("household:1", N)], FIVE, votes.DEFAULT_VOTE_RULES
        )
    err = model.BallotAlreadyCast(
        voter="household:1", version=2, voter_zh="该户", voter_en="This household",
        basis_zh="每户一票", basis_en="one ballot per member household",
    )  # fmt: skip
    assert (
        err.code == "ALREADY_VOTED" and "第 2 版" in err.message_zh and "每户一票" in err.message_zh
    )


@pytest.mark.parametrize(
    "tally",
    [
        ConventionTally(True, None, 3, 1, 1, 5, 0, 3, 3, votes.DEFAULT_VOTE_RULES),
        ConventionTally(
            False, ConventionRejection.NO_QUORUM, 1, 0, 0, 5, 1, 3, None,
            VoteRules(quorum=4, majority=Threshold.at_least(Fraction(2, 3))),
        ),
    ],
)  # fmt: skip
def test_the_tally_is_kept_and_read_back_as_it_was(tally):
    """to_json / from_json round-trip, rules included; an empty tally is no tally."""
    assert ConventionTally.from_json(tally.to_json()) == tally
    assert ConventionTally.from_json({}) is None and ConventionTally.from_json(None) is None
