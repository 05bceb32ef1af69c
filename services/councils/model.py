"""Pure rules of the homeland council (家园理事会): seats, who may vote, quorum, majority, tie.

No I/O and no framework imports. Handlers load the seated members, the session's attendance
and the votes so far, call ``check_vote`` before writing a vote and ``tally`` to decide.
Thresholds, quorum, majority and ties are the shared vote kernel's (services.kernel.votes,
also what resident groups vote with); this module gives them the council's words: its
options are the three kinds, its electorate the seated members, its tie-breaker the chair.
"""

from __future__ import annotations

import typing
from collections.abc import Hashable, Iterable, Mapping, Set
from dataclasses import dataclass, field

from services.errors import SanshiError
from services.kernel import votes as kernel

# The kernel's names the council uses as they are, re-exported (``X as X``) so that
# ``model.Threshold`` and the rest keep naming the very same objects.
from services.kernel.votes import AT_LEAST_TWO_THIRDS as AT_LEAST_TWO_THIRDS
from services.kernel.votes import MORE_THAN_HALF as MORE_THAN_HALF
from services.kernel.votes import InvalidDecisionRules as InvalidDecisionRules
from services.kernel.votes import Threshold as Threshold
from services.kernel.votes import rules_to_json as rules_to_json
from services.kernel.votes import threshold_text as threshold_text
from services.matters.model import MatterKind

# Ids are whatever the tables use (int, UUID, str); the rules only compare them.
Id = Hashable

# Each grid elects 3 resident representatives (Donghai: 7 grids x 3 = 21); per community.
DEFAULT_SEATS_PER_GRID = 3


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


class NotACouncilMember(SanshiError):
    code = "NOT_A_COUNCIL_MEMBER"
    zh = "只有在任的理事会成员才能投票"
    en = "Only a seated council member can vote"


class SessionDecided(SanshiError):
    code = "SESSION_DECIDED"
    zh = "该事项已作出决定，不能再投票"
    en = "This matter has been decided; no more votes can be cast"


class MemberAbsent(SanshiError):
    code = "MEMBER_ABSENT"
    zh = "未出席本次会议的成员不能投票"
    en = "A member who is not present at this session cannot vote"


class MustRecuse(SanshiError):
    code = "MUST_RECUSE"
    zh = "该诉求涉及本人家庭（或本人已申请回避），须回避，不能投票"
    en = "This request concerns the member's own household (or the member recused); no vote"


# The kernel's refusals in the council's words (its users have always read these); the
# GraphQL types are declared on these subclasses. Codes and parameters are the kernel's.


class AlreadyVoted(kernel.AlreadyVoted):
    zh = "每位成员对一个事项只能投一票"
    en = "A member votes only once on a matter"


class NoQuorum(kernel.NoQuorum):
    zh = "未达到法定人数：应到 {seated} 人，实到 {present} 人，至少需 {required} 人"
    en = "No quorum: {present} of {seated} seated members present, {required} needed"

    @classmethod
    def of(cls, eligible: int, present: int, required: int) -> typing.Self:
        """The council's electorate is its seated members: the parameter says so."""
        return cls(seated=eligible, present=present, required=required)


class NoMajority(kernel.NoMajority):
    zh = "没有类别获得多数（{counts_zh}，共 {cast} 票，需 {required} 票），请再议"
    en = "No kind has a majority ({counts_en}; {cast} cast, {required} needed); deliberate again"


class Tie(kernel.Tie, NoMajority):
    """A tie at the top with no casting vote: still no decision, but the chair can settle it."""

    zh = "平票（{counts_zh}），须由主持人投决定票"
    en = "Tied ({counts_en}); the chair must give a casting vote"

    @property
    def tied(self) -> tuple[MatterKind, ...]:
        """The kinds that tied at the top, in ``MatterKind`` order."""
        # params are untyped (**object); the council's tally gives the tied MatterKinds.
        return tuple(typing.cast("Iterable[MatterKind]", self.params.get("tied", ())))


class CastingVoteNotInTie(kernel.CastingVoteNotInTie):
    zh = "主持人的决定票只能投给平票的类别之一：{tied_zh}"
    en = "The chair's casting vote must go to one of the tied kinds: {tied_en}"


COUNCIL_ERRORS = kernel.VoteErrors(
    no_quorum=NoQuorum,
    no_majority=NoMajority,
    tie=Tie,
    casting_vote_not_in_tie=CastingVoteNotInTie,
    already_voted=AlreadyVoted,
)


class NotTheChair(SanshiError):
    code = "NOT_THE_CHAIR"
    zh = "只有理事会主持人才能投决定票"
    en = "Only the council's chair can give the casting vote"


class ChairMustRecuse(SanshiError):
    code = "CHAIR_MUST_RECUSE"
    zh = "该诉求涉及主持人本人家庭（或主持人已回避），不能投决定票；平票须在以后的会议上重新表决"
    en = (
        "The request concerns the chair's own household (or the chair recused): no casting "
        "vote; the tie goes back to a vote at a later session"
    )


class NoTieToBreak(SanshiError):
    code = "NO_TIE_TO_BREAK"
    zh = "该事项最近一次计票不是平票，不需要决定票"
    en = "The item's last count was not a tie; there is no casting vote to give"


class CastingVoteAlreadyCast(SanshiError):
    code = "CASTING_VOTE_ALREADY_CAST"
    zh = "主持人已就该事项投出决定票（{kind_zh}）"
    en = "The chair has already given the casting vote on this item ({kind_en})"


class GridSeatsFull(SanshiError):
    code = "GRID_SEATS_FULL"
    zh = "该网格的理事会席位已满（{seats} 席）"
    en = "This grid's council seats are all taken ({seats} seats)"


# --------------------------------------------------------------------------------------
# Seats and votes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CouncilMember:
    """A seat on the council: the member, the household they live in, the grid that elected them."""

    id: Id
    household_id: Id
    grid_id: Id


@dataclass(frozen=True)
class Vote:
    """One member's vote on one matter: the kind they think it is, and why."""

    member_id: Id
    kind: MatterKind
    note: str = ""


def council_size(grid_count: int, seats_per_grid: int = DEFAULT_SEATS_PER_GRID) -> int:
    """Seats on a community's council (Donghai: 7 grids x 3 = 21)."""
    return grid_count * seats_per_grid


def check_seat_available(
    grid_id: Id, seated: Iterable[CouncilMember], seats_per_grid: int = DEFAULT_SEATS_PER_GRID
) -> None:
    """Refuse seating another member for a grid whose seats are all taken."""
    if sum(1 for m in seated if m.grid_id == grid_id) >= seats_per_grid:
        raise GridSeatsFull(seats=seats_per_grid)


def must_recuse(
    member: CouncilMember, concerns_household: Id | None, recused: Set[Id] = frozenset()
) -> bool:
    """A member recuses from a request about their own household, or when they declared so."""
    return member.id in recused or (
        concerns_household is not None and member.household_id == concerns_household
    )


def eligible_voters(
    seated: Iterable[CouncilMember],
    present: Set[Id],
    concerns_household: Id | None,
    recused: Set[Id] = frozenset(),
) -> frozenset[Id]:
    """Members who may vote on this request: seated, present, not recused."""
    return frozenset(
        m.id for m in seated if m.id in present and not must_recuse(m, concerns_household, recused)
    )


def check_vote(
    member_id: Id,
    *,
    seated: Iterable[CouncilMember],
    present: Set[Id],
    concerns_household: Id | None,
    votes: Iterable[Vote],
    decided: bool,
    recused: Set[Id] = frozenset(),
) -> CouncilMember:
    """Allow ``member_id`` to vote on a request now, or raise the reason they may not.

    Checked in this order: who you are (``NotACouncilMember``), whether voting is still open
    (``SessionDecided``), then presence (``MemberAbsent``), recusal (``MustRecuse``) and
    double votes (``AlreadyVoted``). Returns the member, for the handler to record.
    """
    member = next((m for m in seated if m.id == member_id), None)
    if member is None:
        raise NotACouncilMember()
    if decided:
        raise SessionDecided()
    if member_id not in present:
        raise MemberAbsent()
    if must_recuse(member, concerns_household, recused):
        raise MustRecuse()
    if any(v.member_id == member_id for v in votes):
        raise AlreadyVoted()
    return member


# --------------------------------------------------------------------------------------
# Quorum, majority, tie
# --------------------------------------------------------------------------------------


# How a community's council decides, configurable per community: the kernel's VoteRules, with
# the seated members as the electorate (``quorum``: a share of them or a number present;
# ``majority``: a share of the votes cast). The same class, so stored rules read back equal.
DecisionRules = kernel.VoteRules
DEFAULT_DECISION_RULES = DecisionRules()


@dataclass(frozen=True)
class Decision:
    """The council's decision on one matter, with everything the classification sheet records."""

    kind: MatterKind
    counts: Mapping[MatterKind, int] = field(hash=False)
    votes_cast: int
    seated_count: int
    present_count: int
    quorum_required: int
    majority_required: int
    tie_broken_by_chair: bool = False

    @property
    def quorum_met(self) -> bool:
        """Always true for a decision (``tally`` raises ``NoQuorum`` instead); for the sheet."""
        return self.present_count >= self.quorum_required


KINDS = tuple(MatterKind)


def kind_label(kind: MatterKind) -> tuple[str, str]:
    """A kind as the council's counts name it: 小事 / minor matter."""
    return kind.label_zh, kind.label_en.lower()


def tied_kinds(votes: Iterable[Vote]) -> tuple[MatterKind, ...]:
    """The kinds tied at the top of the votes (in ``MatterKind`` order); empty if no tie."""
    return kernel.tied_options((v.kind for v in votes), KINDS)


def check_casting_vote(kind: MatterKind, tied: Iterable[MatterKind]) -> None:
    """A casting vote must go to one of the tied kinds (``CastingVoteNotInTie``)."""
    kernel.check_casting_vote(kind, tied, kind_label, COUNCIL_ERRORS)


def tally(
    votes: Iterable[Vote],
    seated_count: int,
    present_count: int,
    rules: DecisionRules = DEFAULT_DECISION_RULES,
    chair_vote: MatterKind | None = None,
) -> Decision:
    """Decide a matter's kind from the votes, or raise ``NoQuorum`` / ``Tie`` / ``NoMajority``.

    Counted by the shared kernel (``decide_choice``) in the council's words; its rules:

    - Quorum counts members *present*, recused ones included: a recusing member attended and
      the session is no less representative for it; they simply cast no vote.
    - Majority is over the votes *cast*. With three kinds there is no plurality win: a kind
      short of the majority means the council deliberates again.
    - A tie at the top goes to the chair's casting vote. It is a separate, extra vote, so it
      works the same whether the chair is a council member who also voted or a cadre who
      convened the session; it counts only in a tie (otherwise ignored), must go to one of the
      tied kinds, and the kind it favours must then meet the majority of votes cast plus one.
      A two-way tie is therefore always settled under simple majority; a 4-4-2 split is not,
      and neither is a tie under a two-thirds rule.
    """
    outcome = kernel.decide_choice(
        ((v.member_id, v.kind) for v in votes),
        KINDS,
        eligible=seated_count,
        present=present_count,
        rules=rules,
        casting_vote=chair_vote,
        label=kind_label,
        errors=COUNCIL_ERRORS,
    )
    return Decision(
        kind=outcome.winner,
        counts=outcome.counts,
        votes_cast=outcome.votes_cast,
        seated_count=outcome.eligible,
        present_count=outcome.present,
        quorum_required=outcome.quorum_required,
        majority_required=outcome.majority_required,
        tie_broken_by_chair=outcome.casting_vote_used,
    )


# --------------------------------------------------------------------------------------
# Decision rules as stored (community_settings.decision_rules, jsonb) and as people read them
# --------------------------------------------------------------------------------------
# The kernel's format (``rules_to_json`` above is the kernel's); {} means the defaults, so a
# community that never edited its rules follows DEFAULT_DECISION_RULES as it evolves.

# A share quorum is a share of the members seated on the session's date.
SEATED_MEMBERS = ("在任成员", "seated members")


def rules_from_json(data: Mapping[str, object] | None) -> DecisionRules:
    """The community's stored rules as ``DecisionRules``; missing parts take the defaults.

    Malformed or impossible rules raise ``InvalidDecisionRules`` (they are validated again
    here, not trusted, because the column can be edited by hand).
    """
    return kernel.rules_from_json(data, DEFAULT_DECISION_RULES)


def rules_text(rules: DecisionRules) -> tuple[str, str]:
    """One line for people: 法定人数：在任成员过半数出席；表决：过半数 / its English twin."""
    return kernel.rules_text(rules, SEATED_MEMBERS)
