"""The rules that decide a vote — threshold, quorum, tally, tie — for every body that votes.

Pure: no I/O, no framework, only the standard library, ``services.errors`` and the kernel.
The homeland council decides a matter's kind with ``decide_choice``; resident groups elect
their core with ``count_election`` and adopt a convention with ``count_adoption``. The
arithmetic lives here once. A body that words the refusals its own way (the council says
"seated members", "kind", "the chair") passes its subclasses of the errors in a
``VoteErrors``; the kernel raises those, with the same numbers.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Generic, Self, TypeVar

from services.errors import SanshiError
from services.kernel.vocabulary import Labelled, labels

# Options and candidates are whatever the body votes on (an enum, ids); the rules only
# compare them and keep the order they are given in.
T = TypeVar("T", bound=Hashable)
# Voters likewise (member ids, login subjects).
Voter = Hashable


def plain_label(option: object) -> tuple[str, str]:
    """An option's (Chinese, English) name when the caller gives none: its text, twice."""
    text = str(option)
    return text, text


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


class InvalidDecisionRules(SanshiError):
    code = "INVALID_DECISION_RULES"
    zh = "议事规则无效：{problem_zh}"
    en = "Invalid decision rules: {problem_en}"


class NoQuorum(SanshiError):
    """Too few took part: of ``eligible`` voters, ``present`` did, ``required`` were needed."""

    code = "NO_QUORUM"
    zh = "未达到法定人数：应到 {eligible} 人，实到 {present} 人，至少需 {required} 人"
    en = "No quorum: {present} of {eligible} eligible voters took part, {required} needed"

    @classmethod
    def of(cls, eligible: int, present: int, required: int) -> Self:
        """The error for these numbers. A subclass whose words name its electorate otherwise
        (the council's "seated") overrides this to name the parameter its way."""
        return cls(eligible=eligible, present=present, required=required)


class NoMajority(SanshiError):
    """No option reached the majority of votes cast (params ``counts_zh``/``counts_en``,
    ``cast``, ``required``)."""

    code = "NO_MAJORITY"
    zh = "没有选项获得多数（{counts_zh}，共 {cast} 票，需 {required} 票），请再议"
    en = "No option has a majority ({counts_en}; {cast} cast, {required} needed); vote again"


class Tie(NoMajority):
    """A tie at the top with no casting vote (params ``counts_zh``/``counts_en``, ``cast``,
    ``tied``): no decision yet, but a casting vote can settle it."""

    code = "TIE"
    zh = "平票（{counts_zh}），未能作出决定"
    en = "Tied ({counts_en}); no decision"

    @property
    def tied(self) -> tuple[Hashable, ...]:
        """The options that tied at the top, in the options' order."""
        # params are untyped (**object); "tied" is always given as the tied options.
        return tuple(typing.cast("Iterable[Hashable]", self.params.get("tied", ())))


class CastingVoteNotInTie(SanshiError):
    code = "CASTING_VOTE_NOT_IN_TIE"
    zh = "决定票只能投给平票的选项之一：{tied_zh}"
    en = "The casting vote must go to one of the tied options: {tied_en}"


class AlreadyVoted(SanshiError):
    """A voter's second vote (param ``voter``)."""

    code = "ALREADY_VOTED"
    zh = "每人只能投一票"
    en = "Each voter votes only once"


class NotAnOption(SanshiError):
    code = "NOT_AN_OPTION"
    zh = "「{option}」不是本次表决的选项"
    en = "'{option}' is not an option in this vote"


class NotACandidate(SanshiError):
    code = "NOT_A_CANDIDATE"
    zh = "选票上的「{candidate_zh}」不是本次选举的候选人"
    en = "'{candidate_en}' on the ballot is not a candidate in this election"


class SameCandidateTwice(SanshiError):
    code = "SAME_CANDIDATE_TWICE"
    zh = "一张选票不能两次选同一人（{candidate_zh}）"
    en = "A ballot cannot name the same candidate twice ({candidate_en})"


class TooManyChoices(SanshiError):
    code = "TOO_MANY_CHOICES"
    zh = "每张选票最多选 {allowed} 人，这张选了 {named} 人"
    en = "A ballot names at most {allowed} candidates; this one names {named}"


@dataclass(frozen=True)
class VoteErrors:
    """The errors a count raises. The defaults speak of options and voters; a body with its
    own words (the council) gives its subclasses, so its users read what they always read."""

    no_quorum: type[NoQuorum] = NoQuorum
    no_majority: type[NoMajority] = NoMajority
    tie: type[Tie] = Tie
    casting_vote_not_in_tie: type[CastingVoteNotInTie] = CastingVoteNotInTie
    already_voted: type[AlreadyVoted] = AlreadyVoted


VOTE_ERRORS = VoteErrors()


# --------------------------------------------------------------------------------------
# Thresholds and rules
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """A share of a base: "more than half" (过半数) or "at least two-thirds" (三分之二以上)."""

    fraction: Fraction
    inclusive: bool  # True: at least the share; False: strictly more than it

    @classmethod
    def more_than(cls, fraction: Fraction) -> Threshold:
        return cls(fraction, inclusive=False)

    @classmethod
    def at_least(cls, fraction: Fraction) -> Threshold:
        return cls(fraction, inclusive=True)

    def required(self, base: int) -> int:
        """The smallest count that meets the threshold; never below 1 (nobody is no one)."""
        scaled = self.fraction * base
        need = -(-scaled.numerator // scaled.denominator) if self.inclusive else int(scaled) + 1
        return max(1, need)

    def met(self, count: int, base: int) -> bool:
        return count >= self.required(base)


MORE_THAN_HALF = Threshold.more_than(Fraction(1, 2))
AT_LEAST_TWO_THIRDS = Threshold.at_least(Fraction(2, 3))


def check_share(t: Threshold, name_zh: str, name_en: str) -> None:
    """A share must be in (0, 1], and "more than all" is a rule nobody can meet."""
    if not (0 < t.fraction <= 1) or (t.fraction == 1 and not t.inclusive):
        raise InvalidDecisionRules(
            problem_zh=f"{name_zh}的比例须大于 0 且不超过全部",
            problem_en=f"{name_en} must be a share above 0 and at most all",
        )


def check_quorum(quorum: Threshold | int) -> None:
    """A quorum is a possible share of the electorate or a number of at least one."""
    if isinstance(quorum, int):
        if quorum < 1:
            raise InvalidDecisionRules(
                problem_zh="法定人数至少为 1", problem_en="the quorum must be at least 1"
            )
    else:
        check_share(quorum, "法定人数", "the quorum")


def quorum_required(quorum: Threshold | int, eligible: int) -> int:
    """How many must take part, of ``eligible`` voters, for the vote to count."""
    return quorum if isinstance(quorum, int) else quorum.required(eligible)


@dataclass(frozen=True)
class VoteRules:
    """How a body decides; configurable per body.

    ``quorum``: a share of the *eligible* electorate (the council: its seated members), or an
    absolute number taking part. ``majority``: a share of the *votes cast* (abstainers and
    recused members cast none). Defaults: more than half of both.
    """

    quorum: Threshold | int = MORE_THAN_HALF
    majority: Threshold = MORE_THAN_HALF

    def __post_init__(self) -> None:
        check_quorum(self.quorum)
        check_share(self.majority, "多数", "the majority")

    def quorum_required(self, eligible: int) -> int:
        """How many must be present, of ``eligible`` voters, for the body to decide."""
        return quorum_required(self.quorum, eligible)


DEFAULT_VOTE_RULES = VoteRules()


# --------------------------------------------------------------------------------------
# Checks every count shares
# --------------------------------------------------------------------------------------


def _check_voters(voters: Iterable[Voter], errors: VoteErrors) -> None:
    """Refuse a voter who appears twice: whatever let the second vote through, it is not counted."""
    seen: set[Voter] = set()
    for voter in voters:
        if voter in seen:
            raise errors.already_voted(voter=voter)
        seen.add(voter)


def _check_quorum(quorum: Threshold | int, eligible: int, present: int, errors: VoteErrors) -> int:
    """The quorum's number; ``NoQuorum`` when fewer than that took part."""
    required = quorum_required(quorum, eligible)
    if present < required:
        raise errors.no_quorum.of(eligible=eligible, present=present, required=required)
    return required


def _inconsistent(**counts: int) -> ValueError:
    # A caller's bug, not a voter's mistake: counts that cannot all be true.
    return ValueError("inconsistent counts: " + " ".join(f"{k}={v}" for k, v in counts.items()))


# --------------------------------------------------------------------------------------
# A single choice among options (the council: a matter's kind)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceOutcome(Generic[T]):
    """The option chosen, with the numbers a record of the vote keeps."""

    winner: T
    counts: Mapping[T, int] = field(hash=False)  # every option, in the options' order
    votes_cast: int
    eligible: int
    present: int
    quorum_required: int
    majority_required: int
    casting_vote_used: bool = False


def counts_text(counts: Mapping[T, int], label: Callable[[T], tuple[str, str]]) -> tuple[str, str]:
    """The counts as people read them: 私事 6 票、小事 12 票 / private matter 6, minor matter 12."""
    zh = "、".join(f"{label(o)[0]} {n} 票" for o, n in counts.items())
    en = ", ".join(f"{label(o)[1]} {n}" for o, n in counts.items())
    return zh, en


def tied_options(chosen: Iterable[T], options: Sequence[T]) -> tuple[T, ...]:
    """The options tied at the top of ``chosen`` (in the options' order); empty if no tie."""
    counts = dict.fromkeys(options, 0)
    for option in chosen:
        if option not in counts:
            raise NotAnOption(option=option)
        counts[option] += 1
    top = max(counts.values(), default=0)
    leaders = tuple(o for o in options if counts[o] == top)
    return leaders if top and len(leaders) > 1 else ()


def check_casting_vote(
    option: T,
    tied: Iterable[T],
    label: Callable[[T], tuple[str, str]] = plain_label,
    errors: VoteErrors = VOTE_ERRORS,
) -> None:
    """A casting vote must go to one of the tied options (``CastingVoteNotInTie``)."""
    tied = tuple(tied)
    if option not in tied:
        raise errors.casting_vote_not_in_tie(
            tied_zh="、".join(label(o)[0] for o in tied),
            tied_en=", ".join(label(o)[1] for o in tied),
        )


def decide_choice(
    choices: Iterable[tuple[Voter, T]],
    options: Sequence[T],
    *,
    eligible: int,
    present: int,
    rules: VoteRules = DEFAULT_VOTE_RULES,
    casting_vote: T | None = None,
    label: Callable[[T], tuple[str, str]] = plain_label,
    errors: VoteErrors = VOTE_ERRORS,
) -> ChoiceOutcome[T]:
    """The option ``choices`` (voter, option) decide, or raise why they decide none.

    Checked in this order: a voter twice (``AlreadyVoted``), an option outside ``options``
    (``NotAnOption``), counts that cannot be true (``ValueError``: a caller's bug), the
    quorum (``NoQuorum``), a tie at the top without a casting vote (``Tie``), a casting vote
    outside the tie (``CastingVoteNotInTie``), the majority (``NoMajority``).

    - Quorum counts those *present* out of ``eligible``, voting or not: a member who attended
      and abstained or recused makes the meeting no less representative.
    - Majority is over the votes *cast*; with more than two options a plurality is not
      enough.
    - A casting vote counts only in a tie at the top (otherwise it is ignored), must go to a
      tied option, and is one extra vote: the option it favours must then meet the majority
      of the votes cast plus one. So a two-way tie is always settled under simple majority; a
      4-4-2 split is not, and neither is a tie under a two-thirds rule.
    """
    if not options or len(set(options)) != len(options):
        raise ValueError(f"a choice needs distinct options, not {options!r}")
    choices = list(choices)
    _check_voters((voter for voter, _ in choices), errors)
    counts = dict.fromkeys(options, 0)
    for _, option in choices:
        if option not in counts:
            raise NotAnOption(option=option)
        counts[option] += 1
    cast = len(choices)
    if not 0 <= present <= eligible or cast > present:
        raise _inconsistent(eligible=eligible, present=present, votes=cast)
    quorum = _check_quorum(rules.quorum, eligible, present, errors)

    counts_zh, counts_en = counts_text(counts, label)
    top = max(counts.values())
    leaders = [o for o in options if counts[o] == top]
    used = False
    if cast and len(leaders) > 1:
        if casting_vote is None:
            raise errors.tie(
                counts_zh=counts_zh, counts_en=counts_en, cast=cast, tied=tuple(leaders)
            )
        check_casting_vote(casting_vote, leaders, label, errors)
        winner, winner_count, base, used = casting_vote, top + 1, cast + 1, True
    else:
        winner, winner_count, base = leaders[0], top, cast

    majority = rules.majority.required(base)
    if cast == 0 or winner_count < majority:
        raise errors.no_majority(
            counts_zh=counts_zh, counts_en=counts_en, cast=cast, required=majority
        )
    return ChoiceOutcome(
        winner=winner,
        counts=counts,
        votes_cast=cast,
        eligible=eligible,
        present=present,
        quorum_required=quorum,
        majority_required=majority,
        casting_vote_used=used,
    )


# --------------------------------------------------------------------------------------
# A multi-seat election (a resident group's core)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElectionResult(Generic[T]):
    """Who is elected, and who goes to a runoff for the seats a tie at the cut left open.

    ``elected``: elected outright, most votes first (ties in the candidates' order).
    ``runoff``: the candidates tied for the last ``runoff_seats`` seats (candidates' order);
    their runoff is ``count_election`` over them and ``runoff_seats`` seats. ``unfilled``:
    seats nobody qualified for (too few candidates with a vote and the minimum share).
    """

    elected: tuple[T, ...]
    runoff: tuple[T, ...]
    runoff_seats: int
    unfilled: int
    counts: Mapping[T, int] = field(hash=False)  # every candidate, in the candidates' order
    ballots: int
    eligible: int
    quorum_required: int
    votes_required: int  # to be elected: the minimum share of ballots, at least one vote

    @property
    def seats(self) -> int:
        return len(self.elected) + self.runoff_seats + self.unfilled


def _check_ballot(
    voter: Voter,
    named: Sequence[T],
    candidates: Set[T],
    votes_per_ballot: int,
    label: Callable[[T], tuple[str, str]],
) -> None:
    """One ballot's names: candidates only, each once, no more than the ballot allows."""
    if len(named) <= votes_per_ballot:
        distinct = set(named)
        if len(distinct) == len(named) and distinct <= candidates:
            return  # the usual ballot, decided in one pass; a bad one is told apart below
    for c in named:
        if c not in candidates:
            text = str(c)
            raise NotACandidate(voter=voter, candidate=c, candidate_zh=text, candidate_en=text)
    seen: set[T] = set()
    for c in named:
        if c in seen:
            zh, en = label(c)
            raise SameCandidateTwice(voter=voter, candidate=c, candidate_zh=zh, candidate_en=en)
        seen.add(c)
    if len(named) > votes_per_ballot:
        raise TooManyChoices(voter=voter, allowed=votes_per_ballot, named=len(named))


def check_ballot(
    named: Sequence[T],
    candidates: Iterable[T],
    *,
    votes_per_ballot: int,
    voter: Voter = None,
    label: Callable[[T], tuple[str, str]] = plain_label,
) -> None:
    """One ballot as it is cast, before it is stored: the checks ``count_election`` makes of
    every ballot (``NotACandidate``, ``SameCandidateTwice``, ``TooManyChoices``), so a body
    refuses a bad ballot when it is handed in rather than at the count."""
    _check_ballot(voter, named, frozenset(candidates), votes_per_ballot, label)


def count_election(
    ballots: Iterable[tuple[Voter, Sequence[T]]],
    candidates: Sequence[T],
    *,
    seats: int,
    votes_per_ballot: int,
    eligible: int,
    quorum: Threshold | int = MORE_THAN_HALF,
    min_share: Threshold | None = None,
    label: Callable[[T], tuple[str, str]] = plain_label,
    errors: VoteErrors = VOTE_ERRORS,
) -> ElectionResult[T]:
    """Count an election of ``seats`` seats: each ballot (voter, names) names up to
    ``votes_per_ballot`` candidates (1: exactly one, or a blank ballot).

    Refused in this order: a voter twice (``AlreadyVoted``), then per ballot a name that is no
    candidate (``NotACandidate``), the same candidate twice (``SameCandidateTwice``), too many
    names (``TooManyChoices``); then counts that cannot be true (``ValueError``) and the
    quorum (``NoQuorum``: ballots returned, blank ones included, against ``eligible``).

    A candidate qualifies with at least one vote and, if ``min_share`` is given, that share of
    the ballots. Qualified candidates take the seats by votes; candidates tied for the last
    seats (more of them than seats left) go to a runoff for those seats instead of any of them
    being elected; a tie wholly inside the elected set needs none. Seats without enough
    qualified candidates stay unfilled. A runoff that ties again is for the body to settle
    (another runoff, or its rules' lot): the count never picks among equals.
    """
    if seats < 1 or votes_per_ballot < 1:
        raise ValueError(
            f"an election fills seats={seats} with votes_per_ballot={votes_per_ballot}"
        )
    if len(set(candidates)) != len(candidates):
        raise ValueError(f"candidates named twice: {candidates!r}")
    check_quorum(quorum)
    if min_share is not None:
        check_share(min_share, "当选所需的得票比例", "the share of ballots to be elected")

    ballots = list(ballots)
    _check_voters((voter for voter, _ in ballots), errors)
    counts = dict.fromkeys(candidates, 0)
    for voter, named in ballots:
        _check_ballot(voter, named, counts.keys(), votes_per_ballot, label)
    for _, named in ballots:
        for c in named:
            counts[c] += 1
    returned = len(ballots)
    if returned > eligible:
        raise _inconsistent(eligible=eligible, ballots=returned)
    required = _check_quorum(quorum, eligible, returned, errors)
    votes_required = min_share.required(returned) if min_share is not None else 1

    elected: list[T] = []
    runoff: tuple[T, ...] = ()
    left = seats
    qualified = [c for c in candidates if counts[c] >= votes_required]
    for n in sorted({counts[c] for c in qualified}, reverse=True):
        if left == 0:
            break
        level = [c for c in qualified if counts[c] == n]
        if len(level) <= left:
            elected += level
            left -= len(level)
        else:
            runoff = tuple(level)
            break
    runoff_seats = left if runoff else 0
    return ElectionResult(
        elected=tuple(elected),
        runoff=runoff,
        runoff_seats=runoff_seats,
        unfilled=left - runoff_seats,
        counts=counts,
        ballots=returned,
        eligible=eligible,
        quorum_required=required,
        votes_required=votes_required,
    )


# --------------------------------------------------------------------------------------
# A yes/no adoption (a convention adopted by a members' vote)
# --------------------------------------------------------------------------------------


class Answer(Labelled):
    """An answer on a yes/no ballot."""

    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


labels(
    Answer,
    {
        Answer.YES: ("赞成", "Yes"),
        Answer.NO: ("反对", "No"),
        Answer.ABSTAIN: ("弃权", "Abstain"),
    },
)


@dataclass(frozen=True)
class Adoption:
    """Whether the proposal is adopted, with the counts a record of the vote keeps."""

    adopted: bool
    yes: int
    no: int
    abstain: int
    eligible: int
    quorum_required: int
    majority_required: int  # yes votes needed: the majority share of yes + no

    @property
    def present(self) -> int:
        """Ballots returned, abstentions included: what the quorum counts."""
        return self.yes + self.no + self.abstain

    @property
    def votes_cast(self) -> int:
        """Yes and no: what the majority is a share of."""
        return self.yes + self.no


def count_adoption(
    ballots: Iterable[tuple[Voter, Answer]],
    *,
    eligible: int,
    rules: VoteRules = DEFAULT_VOTE_RULES,
    errors: VoteErrors = VOTE_ERRORS,
) -> Adoption:
    """Count a yes/no vote on a proposal: adopted, or not, with the counts.

    As the council counts: the quorum is over ballots returned (abstentions are present),
    the majority over the votes cast, yes + no (abstentions cast none), so an abstention
    neither helps nor blocks. A tie (yes = no) is not adopted under "more than half", and
    neither is a vote where everyone abstained. Refused: a voter twice (``AlreadyVoted``),
    an answer that is not an ``Answer`` (``NotAnOption``), more ballots than voters
    (``ValueError``), too few ballots (``NoQuorum``). Rejection is a result, not an error.
    """
    ballots = list(ballots)
    _check_voters((voter for voter, _ in ballots), errors)
    tally = dict.fromkeys(Answer, 0)
    for _, answer in ballots:
        try:
            tally[Answer(answer)] += 1
        except ValueError:
            raise NotAnOption(option=answer) from None
    if len(ballots) > eligible:
        raise _inconsistent(eligible=eligible, ballots=len(ballots))
    required = _check_quorum(rules.quorum, eligible, len(ballots), errors)
    yes, no = tally[Answer.YES], tally[Answer.NO]
    majority = rules.majority.required(yes + no)
    return Adoption(
        adopted=yes >= majority,
        yes=yes,
        no=no,
        abstain=tally[Answer.ABSTAIN],
        eligible=eligible,
        quorum_required=required,
        majority_required=majority,
    )


# --------------------------------------------------------------------------------------
# Rules as stored (jsonb) and as people read them
# --------------------------------------------------------------------------------------
# {"quorum": {"share": "1/2", "inclusive": false} | {"members": 11},
#  "majority": {"share": "2/3", "inclusive": true}}; a missing key (or {}) is the default,
# so a body that never edited its rules follows the defaults as they evolve.


def _share_to_json(t: Threshold) -> dict[str, object]:
    return {"share": f"{t.fraction.numerator}/{t.fraction.denominator}", "inclusive": t.inclusive}


def _share_from_json(data: object, name_zh: str, name_en: str) -> Threshold:
    try:
        assert isinstance(data, Mapping)
        fraction = Fraction(str(data["share"]))
        inclusive = data.get("inclusive", False)
        assert isinstance(inclusive, bool)
    except (AssertionError, KeyError, ValueError, ZeroDivisionError):
        raise InvalidDecisionRules(
            problem_zh=f"{name_zh}的格式有误", problem_en=f"{name_en} is malformed"
        ) from None
    return Threshold(fraction, inclusive)


def rules_to_json(rules: VoteRules) -> dict[str, object]:
    """``rules`` as a body stores them (the inverse of ``rules_from_json``)."""
    quorum: dict[str, object] = (
        {"members": rules.quorum} if isinstance(rules.quorum, int) else _share_to_json(rules.quorum)
    )
    return {"quorum": quorum, "majority": _share_to_json(rules.majority)}


def rules_from_json(
    data: Mapping[str, object] | None, default: VoteRules = DEFAULT_VOTE_RULES
) -> VoteRules:
    """Stored rules as ``VoteRules``; missing parts take ``default``'s.

    Malformed or impossible rules raise ``InvalidDecisionRules`` (they are validated again
    here, not trusted, because the column can be edited by hand).
    """
    data = data or {}
    quorum: Threshold | int = default.quorum
    majority = default.majority
    if "quorum" in data:
        q = data["quorum"]
        if isinstance(q, Mapping) and "members" in q:
            members = q["members"]
            if not isinstance(members, int) or isinstance(members, bool):
                raise InvalidDecisionRules(
                    problem_zh="法定人数须为整数", problem_en="the quorum must be a whole number"
                )
            quorum = members
        else:
            quorum = _share_from_json(q, "法定人数", "the quorum")
    if "majority" in data:
        majority = _share_from_json(data["majority"], "多数", "the majority")
    return VoteRules(quorum=quorum, majority=majority)


def threshold_text(t: Threshold) -> tuple[str, str]:
    """How people say a threshold: 过半数 / more than half, 不少于 2/3 / at least 2/3."""
    if t == MORE_THAN_HALF:
        return "过半数", "more than half"
    share = f"{t.fraction.numerator}/{t.fraction.denominator}"
    if t.inclusive:
        return f"不少于 {share}", f"at least {share}"
    return f"超过 {share}", f"more than {share}"


# Who a share quorum is a share of, when the body does not name its electorate itself.
ELIGIBLE_MEMBERS = ("有表决权的成员", "eligible members")


def rules_text(rules: VoteRules, electorate: tuple[str, str] = ELIGIBLE_MEMBERS) -> tuple[str, str]:
    """One line for people, naming the electorate (Chinese, English) a share quorum is of:
    法定人数：有表决权的成员过半数出席；表决：获投票数过半数 / its English twin."""
    if isinstance(rules.quorum, int):
        q_zh, q_en = f"至少 {rules.quorum} 名成员出席", f"at least {rules.quorum} members present"
    else:
        zh, en = threshold_text(rules.quorum)
        q_zh, q_en = f"{electorate[0]}{zh}出席", f"{en} of {electorate[1]} present"
    m_zh, m_en = threshold_text(rules.majority)
    return (
        f"法定人数：{q_zh}；表决：获投票数{m_zh}",
        f"Quorum: {q_en}; decision: {m_en} of the votes cast",
    )
