"""Pure rules of elections of a group's core: opening, voter keys, the count through the
shared kernel, runoffs, who sits on the core when."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from services.errors import InvalidInput, SanshiError
from services.groups import model
from services.groups.model import (
    BallotBasis,
    CoreCount,
    ElectionStatus,
    GroupRole,
    Membership,
    ballots_to_count,
    check_ballot_open,
    check_candidate,
    check_election,
    check_publish,
    count_core,
    eligible_voters,
    on_core,
    runoff_votes_per_ballot,
    voter_key,
)
from services.kernel import votes
from services.kernel.votes import Threshold, VoteRules

FOUNDED = date(2026, 9, 10)
START, END = date(2026, 10, 1), date(2029, 9, 30)
HALF = VoteRules()


def member(
    id: int, household: int, resident: int | None = None, left: date | None = None
) -> Membership:
    return Membership(id, household, resident, GroupRole.MEMBER, FOUNDED, left)


def opening(**changes: object) -> None:
    kwargs: dict[str, object] = {
        "term_starts_on": START,
        "term_ends_on": END,
        "seats": 5,
        "votes_per_ballot": 5,
        "candidates": [1, 2, 3, 4, 5, 6],
        "founded_on": FOUNDED,
    }
    kwargs.update(changes)
    check_election(**kwargs)  # type: ignore[arg-type]


def test_statuses_read_in_both_languages():
    """Open 投票中, closed 已计票, published 已公布."""
    assert [s.label_zh for s in ElectionStatus] == ["投票中", "已计票", "已公布"]
    assert all(s.label_en for s in ElectionStatus)


def test_a_well_formed_election_opens():
    """Five seats, six candidates, five names a ballot: accepted."""
    opening()
    opening(seats=1, votes_per_ballot=1, candidates=[7])
    opening(seats=50, votes_per_ballot=50, candidates=list(range(1, 51)))


@pytest.mark.parametrize(
    ("changes", "refused"),
    [
        ({"term_ends_on": START}, InvalidInput),
        ({"term_ends_on": date(2026, 9, 1)}, InvalidInput),
        ({"term_starts_on": date(2026, 9, 9)}, InvalidInput),  # before the founding
        ({"seats": 0, "votes_per_ballot": 0}, InvalidInput),
        ({"seats": 51, "votes_per_ballot": 1, "candidates": list(range(60))}, InvalidInput),
        ({"votes_per_ballot": 6}, InvalidInput),  # more names than seats
        ({"votes_per_ballot": 0}, InvalidInput),
        ({"candidates": [1, 2, 3, 4, 5, 5]}, InvalidInput),  # one candidate twice
        ({"candidates": [1, 2, 3, 4]}, model.NotEnoughCandidates),
        ({"candidates": []}, model.NotEnoughCandidates),
    ],
)
def test_bad_numbers_are_refused(changes, refused):
    """Term, seats, votes per ballot and candidates are checked before anything is written."""
    with pytest.raises(refused):
        opening(**changes)


def test_not_enough_candidates_names_the_numbers():
    """The refusal says how many candidates and seats, in both languages."""
    with pytest.raises(model.NotEnoughCandidates) as caught:
        opening(candidates=[1, 2])
    assert "2 人" in caught.value.message_zh and "5 席" in caught.value.message_zh
    assert caught.value.message_en == "Fewer candidates (2) than seats (5)"


@pytest.mark.parametrize(
    ("other", "overlaps"),
    [
        ((date(2023, 10, 1), date(2026, 9, 30)), False),  # the previous term, back to back
        ((date(2029, 10, 1), date(2032, 9, 30)), False),  # the next one
        ((date(2023, 10, 1), date(2026, 10, 1)), True),  # one shared day
        ((date(2029, 9, 30), date(2031, 1, 1)), True),
        ((date(2027, 1, 1), date(2027, 12, 31)), True),  # inside
        ((date(2020, 1, 1), date(2035, 1, 1)), True),  # around
    ],
)
def test_one_core_at_a_time(other, overlaps):
    """A term overlapping another live election's, even by a day, is refused."""
    if overlaps:
        with pytest.raises(model.TermOverlap) as caught:
            opening(other_terms=[other])
        assert other[0].isoformat() in caught.value.message_zh
    else:
        opening(other_terms=[other])


@pytest.mark.parametrize(
    ("candidate", "refused"),
    [
        (member(1, 10, 100), None),
        (None, model.CandidateNotAMember),  # not of this group (or no such membership)
        (member(1, 10, 100, left=date(2026, 9, 30)), model.CandidateNotAMember),
        (member(1, 10), model.RoleNeedsResident),  # a household: a core seat is a person's
    ],
)
def test_candidates_are_current_members_and_people(candidate, refused):
    """A candidate is a current member of the group, naming its resident."""
    if refused is None:
        check_candidate(candidate, 1)
    else:
        with pytest.raises(refused):
            check_candidate(candidate, 1)


def test_candidate_not_a_member_is_a_not_a_member_error_with_its_own_code():
    """The refusal is caught as NotAGroupMember and names the membership."""
    err = model.CandidateNotAMember(member_id=42)
    assert isinstance(err, model.NotAGroupMember)
    assert err.code == "CANDIDATE_NOT_A_MEMBER"
    assert "42" in err.message_zh and "42" in err.message_en


@pytest.mark.parametrize(
    ("basis", "household", "resident", "key"),
    [
        (BallotBasis.HOUSEHOLD, 10, None, "household:10"),
        (BallotBasis.HOUSEHOLD, 10, 100, "household:10"),  # whoever represents the household
        (BallotBasis.RESIDENT, 10, 100, "resident:100"),
    ],
)
def test_voter_keys_follow_the_ballot_basis(basis, household, resident, key):
    """One ballot per household, or per member, as the group's ballot basis says."""
    assert voter_key(basis, household, resident) == key


def test_a_resident_basis_voter_must_be_named():
    """An unnamed member of a resident-basis group has no ballot, and no place in the count."""
    assert voter_key(BallotBasis.RESIDENT, 10, None) is None
    assert voter_key(BallotBasis.HOUSEHOLD, 10, None) == "household:10"


def test_the_electorate_is_the_current_members():
    """Former members have no ballot; two residents of a household are one household vote."""
    members = [
        member(1, 10, 100),
        member(2, 10, 101),
        member(3, 11, 102),
        member(4, 12, 103, left=date(2026, 12, 1)),
    ]
    assert eligible_voters(BallotBasis.HOUSEHOLD, members) == {"household:10", "household:11"}
    assert eligible_voters(BallotBasis.RESIDENT, members) == {
        "resident:100",
        "resident:101",
        "resident:102",
    }
    unnamed = [*members, member(5, 13, None)]  # a household member naming no resident
    assert eligible_voters(BallotBasis.RESIDENT, unnamed) == eligible_voters(
        BallotBasis.RESIDENT, members
    )


def test_ballots_of_voters_who_left_are_set_aside():
    """Only ballots of voters eligible at the close are counted."""
    ballots = [("household:1", [7]), ("household:2", [8]), ("household:3", [])]
    kept = ballots_to_count(ballots, frozenset({"household:1", "household:3"}))
    assert kept == [("household:1", [7]), ("household:3", [])]


def test_statuses_gate_ballots_and_publishing():
    """Ballots only while open; publish once, after the count."""
    check_ballot_open(ElectionStatus.OPEN)
    for status in (ElectionStatus.CLOSED, ElectionStatus.PUBLISHED):
        with pytest.raises(model.ElectionClosed):
            check_ballot_open(status)
    check_publish(ElectionStatus.CLOSED)
    with pytest.raises(model.ElectionStillOpen):
        check_publish(ElectionStatus.OPEN)
    with pytest.raises(model.ElectionPublished):
        check_publish(ElectionStatus.PUBLISHED)


def keys(n: int) -> frozenset[str]:
    return frozenset(f"household:{i}" for i in range(n))


def test_five_core_members_elected_outright():
    """Donghai's association: 5 seats, everyone names 5 of 7; the top five sit."""
    candidates = [1, 2, 3, 4, 5, 6, 7]
    ballots = [(f"household:{i}", [1, 2, 3, 4, 5]) for i in range(6)]
    ballots += [(f"household:{i}", [1, 2, 3, 6, 7]) for i in range(6, 9)]
    got = count_core(
        ballots, candidates, seats=5, votes_per_ballot=5, eligible=keys(10), rules=HALF
    )
    assert got.quorum_met and got.elected == (1, 2, 3, 4, 5)
    assert dict(got.counts) == {1: 9, 2: 9, 3: 9, 4: 6, 5: 6, 6: 3, 7: 3}
    assert (got.runoff, got.unfilled, got.ballots, got.eligible) == ((), 0, 9, 10)
    assert got.quorum_required == 6


def test_a_tie_for_the_last_seat_goes_to_a_runoff():
    """Two tied for the fifth seat: four elected, a runoff between the two for one seat."""
    ballots = [
        ("household:0", [1, 2, 3, 4, 5]),
        ("household:1", [1, 2, 3, 4, 6]),
        ("household:2", [1, 2, 3, 4]),
    ]
    got = count_core(
        ballots, [1, 2, 3, 4, 5, 6], seats=5, votes_per_ballot=5, eligible=keys(4), rules=HALF
    )
    assert got.elected == (1, 2, 3, 4)
    assert (got.runoff, got.runoff_seats, got.unfilled) == ((5, 6), 1, 0)
    runoff = count_core(
        [("household:0", [5]), ("household:1", [6]), ("household:2", [5])],
        list(got.runoff),
        seats=got.runoff_seats,
        votes_per_ballot=runoff_votes_per_ballot(5, got.runoff_seats),
        eligible=keys(4),
        rules=HALF,
    )
    assert runoff.elected == (5,) and runoff.runoff == ()


def test_a_runoff_that_ties_again_goes_to_another():
    """The count never picks among equals: a tie in the runoff is another runoff."""
    got = count_core(
        [("household:0", [5]), ("household:1", [6])],
        [5, 6],
        seats=1,
        votes_per_ballot=1,
        eligible=keys(3),
        rules=HALF,
    )
    assert got.elected == () and got.runoff == (5, 6) and got.runoff_seats == 1


def test_without_a_quorum_nobody_is_elected_and_no_counts_are_kept():
    """Two of ten households voted under "more than half": a failed election, a result."""
    got = count_core(
        [("household:0", [1]), ("household:1", [1])],
        [1, 2],
        seats=1,
        votes_per_ballot=1,
        eligible=keys(10),
        rules=HALF,
    )
    assert got == CoreCount(quorum_met=False, eligible=10, ballots=2, quorum_required=6, unfilled=1)


def test_set_aside_ballots_do_not_make_a_quorum():
    """Ballots of voters who left before the close count neither votes nor quorum."""
    ballots = [(f"household:{i}", [1]) for i in range(6)]
    got = count_core(
        ballots, [1, 2], seats=1, votes_per_ballot=1, eligible=keys(3) | {"household:9"},
        rules=HALF,
    )  # fmt: skip
    assert got.ballots == 3 and got.quorum_met and got.elected == (1,)
    gone = count_core(
        ballots[3:], [1, 2], seats=1, votes_per_ballot=1, eligible=keys(3) | {"household:9"},
        rules=HALF,
    )  # fmt: skip
    assert not gone.quorum_met and gone.ballots == 0


@pytest.mark.parametrize(
    ("rules", "returned", "met"),
    [
        (VoteRules(quorum=3), 3, True),
        (VoteRules(quorum=3), 2, False),
        (VoteRules(quorum=Threshold.at_least(Fraction(2, 3))), 7, True),  # 7 of 10
        (VoteRules(quorum=Threshold.at_least(Fraction(2, 3))), 6, False),
    ],
)
def test_the_groups_own_quorum_decides(rules, returned, met):
    """The quorum is the group's decision rules' (kernel JSON), a number or a share."""
    ballots = [(f"household:{i}", [1]) for i in range(returned)]
    got = count_core(ballots, [1], seats=1, votes_per_ballot=1, eligible=keys(10), rules=rules)
    assert got.quorum_met is met


def test_blank_ballots_count_for_the_quorum_only():
    """A blank ballot is present: it makes the quorum but elects nobody."""
    ballots = [(f"household:{i}", []) for i in range(6)] + [("household:6", [2])]
    got = count_core(ballots, [1, 2], seats=2, votes_per_ballot=2, eligible=keys(10), rules=HALF)
    assert got.quorum_met and got.elected == (2,) and got.unfilled == 1


def test_the_count_is_the_kernels():
    """count_core reports exactly what the kernel's count_election decides."""
    ballots = [("household:0", [1, 2]), ("household:1", [2, 3]), ("household:2", [3, 1])]
    ours = count_core(ballots, [1, 2, 3], seats=2, votes_per_ballot=2, eligible=keys(3), rules=HALF)
    kernel = votes.count_election(ballots, [1, 2, 3], seats=2, votes_per_ballot=2, eligible=3)
    assert ours.elected == kernel.elected and ours.runoff == kernel.runoff
    assert dict(ours.counts) == dict(kernel.counts)


@pytest.mark.parametrize(
    ("named", "error"),
    [
        ([9], votes.NotACandidate),
        ([1, 1], votes.SameCandidateTwice),
        ([1, 2, 3], votes.TooManyChoices),
    ],
)
def test_a_bad_ballot_is_refused_as_it_is_cast(named, error):
    """The kernel's ballot check, before anything is stored."""
    with pytest.raises(error):
        votes.check_ballot(named, [1, 2, 3], votes_per_ballot=2, voter="household:1")
    votes.check_ballot([], [1, 2, 3], votes_per_ballot=2)
    votes.check_ballot([3, 1], [1, 2, 3], votes_per_ballot=2)


@pytest.mark.parametrize(("per_ballot", "seats", "expected"), [(5, 1, 1), (1, 3, 1), (5, 2, 2)])
def test_a_runoff_ballot_names_no_more_than_its_seats(per_ballot, seats, expected):
    """A runoff for the seats left allows as many names as the first round, at most those."""
    assert runoff_votes_per_ballot(per_ballot, seats) == expected


@pytest.mark.parametrize(
    ("today", "seated"),
    [
        (date(2026, 9, 30), False),
        (START, True),  # the new core takes over on the first day of its term
        (date(2028, 1, 1), True),
        (END, True),  # and sits to the last
        (date(2029, 10, 1), False),
    ],
)
def test_the_core_sits_for_its_term(today, seated):
    """A term covers its first and last days."""
    assert on_core(START, END, today) is seated


@pytest.mark.parametrize("basis", list(BallotBasis))
def test_voting_twice_is_the_kernels_refusal_in_the_groups_words(basis):
    """AlreadyVotedInElection is the kernel's AlreadyVoted, worded by household or member."""
    err = model.AlreadyVotedInElection.of(basis)
    assert isinstance(err, votes.AlreadyVoted) and err.code == "ALREADY_VOTED"
    zh, en = ("户", "household") if basis is BallotBasis.HOUSEHOLD else ("人", "member")
    assert f"每{zh}只能投一张选票" in err.message_zh
    assert err.message_en.endswith(f"one ballot per {en}")


@pytest.mark.parametrize(
    "err",
    [
        model.ElectionNotFound(),
        model.CandidateNotAMember(member_id=1),
        model.NotEnoughCandidates(candidates=1, seats=2),
        model.TermOverlap(starts_on="2026-01-01", ends_on="2027-01-01"),
        model.ElectionClosed(),
        model.ElectionStillOpen(),
        model.ElectionPublished(),
        model.AlreadyVotedInElection.of(BallotBasis.HOUSEHOLD),
    ],
)
def test_every_refusal_is_coded_and_bilingual(err: SanshiError):
    """Each error has a code and a formatted message in Chinese and English."""
    assert err.code.isupper() and err.message_zh and err.message_en
    assert "{" not in err.message_zh and "{" not in err.message_en
