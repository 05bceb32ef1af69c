"""Pure rules of the homeland council (家园理事会): seats, who may vote, quorum, majority, tie.

No I/O and no framework imports. Handlers load the seated members, the session's attendance
and the votes so far, call ``check_vote`` before writing a vote and ``tally`` to decide.
"""

from __future__ import annotations

import typing
from collections.abc import Hashable, Iterable, Mapping, Set
from dataclasses import dataclass, field
from fractions import Fraction

from services.errors import SanshiError
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


class AlreadyVoted(SanshiError):
    code = "ALREADY_VOTED"
    zh = "每位成员对一个事项只能投一票"
    en = "A member votes only once on a matter"


class NoQuorum(SanshiError):
    code = "NO_QUORUM"
    zh = "未达到法定人数：应到 {seated} 人，实到 {present} 人，至少需 {required} 人"
    en = "No quorum: {present} of {seated} seated members present, {required} needed"


class NoMajority(SanshiError):
    code = "NO_MAJORITY"
    zh = "没有类别获得多数（{counts_zh}，共 {cast} 票，需 {required} 票），请再议"
    en = "No kind has a majority ({counts_en}; {cast} cast, {required} needed); deliberate again"


class Tie(NoMajority):
    """A tie at the top with no casting vote: still no decision, but the chair can settle it."""

    code = "TIE"
    zh = "平票（{counts_zh}），须由主持人投决定票"
    en = "Tied ({counts_en}); the chair must give a casting vote"

    @property
    def tied(self) -> tuple[MatterKind, ...]:
        """The kinds that tied at the top, in ``MatterKind`` order."""
        # params are untyped (**object); "tied" is always given as the tied MatterKinds.
        return tuple(typing.cast("Iterable[MatterKind]", self.params.get("tied", ())))


class CastingVoteNotInTie(SanshiError):
    code = "CASTING_VOTE_NOT_IN_TIE"
    zh = "主持人的决定票只能投给平票的类别之一：{tied_zh}"
    en = "The chair's casting vote must go to one of the tied kinds: {tied_en}"


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


class InvalidDecisionRules(SanshiError):
    code = "INVALID_DECISION_RULES"
    zh = "议事规则无效：{problem_zh}"
    en = "Invalid decision rules: {problem_en}"


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


@dataclass(frozen=True)
class DecisionRules:
    """How a community's council decides; configurable per community.

    ``quorum``: a share of the *seated* members, or an absolute number of members present.
    ``majority``: a share of the *votes cast* (abstainers and recused members cast none).
    Defaults: more than half of seated members present; more than half of the votes cast.
    """

    quorum: Threshold | int = MORE_THAN_HALF
    majority: Threshold = MORE_THAN_HALF

    def __post_init__(self) -> None:
        if isinstance(self.quorum, int):
            if self.quorum < 1:
                raise InvalidDecisionRules(
                    problem_zh="法定人数至少为 1", problem_en="the quorum must be at least 1"
                )
        else:
            _check_share(self.quorum, "法定人数", "the quorum")
        _check_share(self.majority, "多数", "the majority")

    def quorum_required(self, seated_count: int) -> int:
        """How many members must be present for the council to decide."""
        if isinstance(self.quorum, int):
            return self.quorum
        return self.quorum.required(seated_count)


def _check_share(t: Threshold, name_zh: str, name_en: str) -> None:
    """A share must be in (0, 1], and "more than all" is a rule nobody can meet."""
    if not (0 < t.fraction <= 1) or (t.fraction == 1 and not t.inclusive):
        raise InvalidDecisionRules(
            problem_zh=f"{name_zh}的比例须大于 0 且不超过全部",
            problem_en=f"{name_en} must be a share above 0 and at most all",
        )


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


def _counts_text(counts: Mapping[MatterKind, int]) -> tuple[str, str]:
    zh = "、".join(f"{k.label_zh} {counts[k]} 票" for k in MatterKind)
    en = ", ".join(f"{k.label_en.lower()} {counts[k]}" for k in MatterKind)
    return zh, en


def tied_kinds(votes: Iterable[Vote]) -> tuple[MatterKind, ...]:
    """The kinds tied at the top of the votes (in ``MatterKind`` order); empty if no tie."""
    counts = {k: 0 for k in MatterKind}
    for v in votes:
        counts[v.kind] += 1
    top = max(counts.values())
    leaders = tuple(k for k in MatterKind if counts[k] == top)
    return leaders if top and len(leaders) > 1 else ()


def check_casting_vote(kind: MatterKind, tied: Iterable[MatterKind]) -> None:
    """A casting vote must go to one of the tied kinds (``CastingVoteNotInTie``)."""
    tied = tuple(tied)
    if kind not in tied:
        raise CastingVoteNotInTie(
            tied_zh="、".join(k.label_zh for k in tied),
            tied_en=", ".join(k.label_en.lower() for k in tied),
        )


def tally(
    votes: Iterable[Vote],
    seated_count: int,
    present_count: int,
    rules: DecisionRules = DEFAULT_DECISION_RULES,
    chair_vote: MatterKind | None = None,
) -> Decision:
    """Decide a matter's kind from the votes, or raise ``NoQuorum`` / ``Tie`` / ``NoMajority``.

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
    votes = list(votes)
    if len({v.member_id for v in votes}) != len(votes):
        raise AlreadyVoted()
    if not 0 <= present_count <= seated_count or len(votes) > present_count:
        # A handler bug, not a user's mistake: counts that cannot all be true.
        raise ValueError(
            f"inconsistent counts: seated={seated_count} present={present_count} votes={len(votes)}"
        )
    quorum_required = rules.quorum_required(seated_count)
    if present_count < quorum_required:
        raise NoQuorum(seated=seated_count, present=present_count, required=quorum_required)

    counts = {k: 0 for k in MatterKind}
    for v in votes:
        counts[v.kind] += 1
    cast = len(votes)
    counts_zh, counts_en = _counts_text(counts)
    top = max(counts.values())
    leaders = [k for k in MatterKind if counts[k] == top]

    tie_broken = False
    if cast and len(leaders) > 1:
        if chair_vote is None:
            raise Tie(counts_zh=counts_zh, counts_en=counts_en, cast=cast, tied=tuple(leaders))
        check_casting_vote(chair_vote, leaders)
        winner, winner_count, base, tie_broken = chair_vote, top + 1, cast + 1, True
    else:
        winner, winner_count, base = leaders[0], top, cast

    majority_required = rules.majority.required(base)
    if cast == 0 or winner_count < majority_required:
        raise NoMajority(
            counts_zh=counts_zh, counts_en=counts_en, cast=cast, required=majority_required
        )
    return Decision(
        kind=winner,
        counts=counts,
        votes_cast=cast,
        seated_count=seated_count,
        present_count=present_count,
        quorum_required=quorum_required,
        majority_required=majority_required,
        tie_broken_by_chair=tie_broken,
    )


# --------------------------------------------------------------------------------------
# Decision rules as stored (community_settings.decision_rules, jsonb)
# --------------------------------------------------------------------------------------
# {"quorum": {"share": "1/2", "inclusive": false} | {"members": 11},
#  "majority": {"share": "2/3", "inclusive": true}}; a missing key (or {}) is the default,
# so a community that never edited its rules follows DEFAULT_DECISION_RULES as it evolves.


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


def rules_to_json(rules: DecisionRules) -> dict[str, object]:
    """``rules`` as the community stores them (the inverse of ``rules_from_json``)."""
    quorum: dict[str, object] = (
        {"members": rules.quorum} if isinstance(rules.quorum, int) else _share_to_json(rules.quorum)
    )
    return {"quorum": quorum, "majority": _share_to_json(rules.majority)}


def rules_from_json(data: Mapping[str, object] | None) -> DecisionRules:
    """The community's stored rules as ``DecisionRules``; missing parts take the defaults.

    Malformed or impossible rules raise ``InvalidDecisionRules`` (they are validated again
    here, not trusted, because the column can be edited by hand).
    """
    data = data or {}
    quorum: Threshold | int = DEFAULT_DECISION_RULES.quorum
    majority = DEFAULT_DECISION_RULES.majority
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
    return DecisionRules(quorum=quorum, majority=majority)


def threshold_text(t: Threshold) -> tuple[str, str]:
    """How people say a threshold: 过半数 / more than half, 不少于 2/3 / at least 2/3."""
    if t == MORE_THAN_HALF:
        return "过半数", "more than half"
    share = f"{t.fraction.numerator}/{t.fraction.denominator}"
    if t.inclusive:
        return f"不少于 {share}", f"at least {share}"
    return f"超过 {share}", f"more than {share}"


def rules_text(rules: DecisionRules) -> tuple[str, str]:
    """One line for people: 法定人数：在任成员过半数出席；表决：过半数 / its English twin."""
    if isinstance(rules.quorum, int):
        q_zh, q_en = f"至少 {rules.quorum} 名成员出席", f"at least {rules.quorum} members present"
    else:
        zh, en = threshold_text(rules.quorum)
        q_zh, q_en = f"在任成员{zh}出席", f"{en} of seated members present"
    m_zh, m_en = threshold_text(rules.majority)
    return (
        f"法定人数：{q_zh}；表决：获投票数{m_zh}",
        f"Quorum: {q_en}; decision: {m_en} of the votes cast",
    )
