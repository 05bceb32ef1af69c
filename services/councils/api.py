"""GraphQL adapter of the homeland council (家园理事会): members, sessions, agenda, votes.

Types and the fields they hang off ``Community`` (``council``, ``councilSessions``,
``councilSession``, ``decisionRules``; declared in services/councils/context.py), the council's
mutations, and the GraphQL types of its domain errors. Resolvers call
``services.councils.handlers`` (writes) and ``services.councils.queries`` (reads, which decide
what the caller may see) and convert what they return: never SQL, never a second read.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from fractions import Fraction
from typing import Any, ClassVar

import strawberry
from strawberry.types import Info

from services.api.kit import loaders
from services.api.kit.errors import (
    InvalidDecisionRulesErrorType,
    InvalidInputErrorType,
    TextTooLongErrorType,
    error_type,
)
from services.api.kit.ids import gid, input_id, maybe_id, parse_id
from services.api.kit.request import principal_of
from services.api.kit.results import COMMUNITY_ACT, attempt, result
from services.auth.model import Principal
from services.communities.api import CommunityType
from services.councils import handlers, model, queries
from services.councils.handlers import DecideResult, ElectMemberInput
from services.councils.queries import (
    CouncilRules,
    CouncilVoteRow,
    ItemView,
    MatterVoteRow,
    MemberRow,
    SessionView,
)
from services.grids.api import GridType, grid_by_id
from services.matters.api import MatterKindType, MatterNotFoundErrorType, MatterType, kind_out
from services.matters.errors import MatterNotFound
from services.matters.model import MatterKind, ResponsibleParty

# -- error types -----------------------------------------------------------------------------

NotACouncilMemberErrorType = error_type(
    model.NotACouncilMember,
    "NotACouncilMemberError",
    "不是在任理事会成员 / Not a seated council member",
)
SessionDecidedErrorType = error_type(
    model.SessionDecided, "SessionDecidedError", "该事项已作出决定 / Already decided"
)
MemberAbsentErrorType = error_type(
    model.MemberAbsent, "MemberAbsentError", "成员未出席本次会议 / Member not present"
)
MustRecuseErrorType = error_type(
    model.MustRecuse,
    "MustRecuseError",
    "涉及本人家庭，须回避（已记录回避）/ Own household: must recuse (recusal recorded)",
)
AlreadyVotedErrorType = error_type(
    model.AlreadyVoted, "AlreadyVotedError", "已经投过票 / Already voted"
)
NoQuorumErrorType = error_type(
    model.NoQuorum,
    "NoQuorumError",
    "未达到法定人数（结果已记录）/ No quorum (outcome recorded)",
)
NoMajorityErrorType = error_type(
    model.NoMajority,
    "NoMajorityError",
    "没有类别获得多数，须再议（结果已记录）/ No majority; deliberate again (outcome recorded)",
)
TieErrorType = error_type(
    model.Tie,
    "TieError",
    "平票，须主持人投决定票（结果已记录）/ Tied; the chair's casting vote is needed (recorded)",
)
CastingVoteNotInTieErrorType = error_type(
    model.CastingVoteNotInTie,
    "CastingVoteNotInTieError",
    "决定票须投给平票的类别之一 / The casting vote must go to a tied kind",
)
NotTheChairErrorType = error_type(
    model.NotTheChair,
    "NotTheChairError",
    "只有主持人才能投决定票 / Only the chair gives the casting vote",
)
ChairMustRecuseErrorType = error_type(
    model.ChairMustRecuse,
    "ChairMustRecuseError",
    "涉及主持人本人家庭，主持人不能投决定票 / The chair's own household: no casting vote",
)
NoTieToBreakErrorType = error_type(
    model.NoTieToBreak,
    "NoTieToBreakError",
    "最近一次计票不是平票 / The last count was not a tie",
)
CastingVoteAlreadyCastErrorType = error_type(
    model.CastingVoteAlreadyCast,
    "CastingVoteAlreadyCastError",
    "主持人已投决定票 / The chair has already given the casting vote",
)
GridSeatsFullErrorType = error_type(
    model.GridSeatsFull, "GridSeatsFullError", "该网格席位已满 / The grid's seats are full"
)
CouncilMemberNotFoundErrorType = error_type(
    handlers.CouncilMemberNotFound,
    "CouncilMemberNotFoundError",
    "理事会成员不存在 / No such council member",
)
CouncilSessionNotFoundErrorType = error_type(
    handlers.CouncilSessionNotFound,
    "CouncilSessionNotFoundError",
    "理事会会议不存在 / No such council session",
)
AgendaItemNotFoundErrorType = error_type(
    handlers.AgendaItemNotFound,
    "AgendaItemNotFoundError",
    "议程事项不存在 / No such agenda item",
)
SessionClosedErrorType = error_type(
    handlers.SessionClosed, "SessionClosedError", "会议已闭会 / The session is closed"
)
TermEndedErrorType = error_type(
    handlers.TermEnded, "TermEndedError", "成员任期已结束 / The member's term has ended"
)
CouncilLoginTakenErrorType = error_type(
    handlers.CouncilLoginTaken,
    "CouncilLoginTakenError",
    "登录账号已关联其他成员 / Login linked to another member",
)
MatterNotPendingErrorType = error_type(
    handlers.MatterNotPending,
    "MatterNotPendingError",
    "事项不在待审议状态 / The matter is not pending the council",
)
AlreadyOnAgendaErrorType = error_type(
    handlers.AlreadyOnAgenda,
    "AlreadyOnAgendaError",
    "事项已在议程上 / The matter is already on an agenda",
)


@strawberry.enum(name="CouncilSessionStatus", description="会议状态 / Session status")
class CouncilSessionStatusType(enum.Enum):
    OPEN = strawberry.enum_value("open", description="进行中 / Open")
    CLOSED = strawberry.enum_value("closed", description="已闭会 / Closed")


@strawberry.enum(name="AgendaItemStatus", description="议程事项的审议结果 / Outcome of an item")
class AgendaItemStatusType(enum.Enum):
    PENDING = strawberry.enum_value("pending", description="待审议 / Not yet decided")
    DECIDED = strawberry.enum_value("decided", description="已决定 / Decided")
    NO_QUORUM = strawberry.enum_value(
        "no_quorum", description="未达法定人数，未作决定 / No quorum; no decision"
    )
    NO_MAJORITY = strawberry.enum_value(
        "no_majority", description="未获多数（含平票），未作决定 / No majority (or tie)"
    )


# -- output types ------------------------------------------------------------------------------


@strawberry.type(
    name="CouncilMember", description="家园理事会成员（群众代表）/ A homeland council member"
)
class CouncilMemberType:
    id: strawberry.ID
    grid_id: strawberry.ID = strawberry.field(description="选出该成员的网格 / Electing grid")
    name: str
    resident_id: strawberry.ID | None = strawberry.field(
        description="关联的居民（仅台账权限可见）/ Linked resident (ledger roles only)"
    )
    household_id: strawberry.ID | None = strawberry.field(
        description="所住住户，用于回避（仅台账权限可见）/ Household, for recusal (ledger roles)"
    )
    elected_on: date = strawberry.field(description="当选日期 / Election date")
    term_ends_on: date = strawberry.field(description="任期结束日期 / End of term")
    votes_received: int = strawberry.field(description="得票数 / Votes received")
    is_chair: bool = strawberry.field(description="主持人（理事长）/ The council's chair")
    active: bool = strawberry.field(description="在任（任期未提前结束）/ In office")
    slug: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: MemberRow, slug: str) -> CouncilMemberType:
        """The member as read (its links None where the reader may not see them)."""
        return cls(
            id=strawberry.ID(str(row.id)),
            grid_id=strawberry.ID(str(row.grid_id)),
            name=row.name,
            resident_id=gid(row.resident_id),
            household_id=gid(row.household_id),
            elected_on=row.elected_on,
            term_ends_on=row.term_ends_on,
            votes_received=row.votes_received,
            is_chair=row.is_chair,
            active=row.active,
            slug=slug,
        )

    @strawberry.field(description="选出该成员的网格 / The grid that elected the member")
    async def grid(self, info: Info) -> GridType | None:
        return await grid_by_id(info, self.slug, int(self.grid_id))


@strawberry.type(name="CouncilVote", description="成员对一个议程事项的表决或回避 / A vote")
class VoteType:
    id: strawberry.ID
    member: CouncilMemberType
    kind: MatterKindType | None = strawberry.field(
        description="所投类别；回避时为空 / The kind voted for; null for a recusal"
    )
    recused: bool = strawberry.field(description="回避 / Recused")
    note: str = strawberry.field(description="表决意见 / Why")
    cast_at: datetime


@strawberry.type(name="Tally", description="计票 / The votes counted")
class TallyType:
    private: int = strawberry.field(description="私事票 / Votes for private")
    minor: int = strawberry.field(description="小事票 / Votes for minor")
    major: int = strawberry.field(description="大事票 / Votes for major")
    votes_cast: int = strawberry.field(description="有效票数 / Votes cast")
    recused: int = strawberry.field(description="回避人数 / Members who recused")

    @classmethod
    def of(cls, votes: list[CouncilVoteRow]) -> TallyType:
        counts = {k.value: 0 for k in MatterKind}
        for v in votes:
            if not v.recused and v.kind is not None:
                counts[v.kind] += 1
        return cls(
            private=counts["private"],
            minor=counts["minor"],
            major=counts["major"],
            votes_cast=sum(counts.values()),
            recused=sum(1 for v in votes if v.recused),
        )


@strawberry.type(
    name="AgendaItem", description="会议议程上的一件诉求及其审议 / A matter on a session's agenda"
)
class AgendaItemType:
    id: strawberry.ID
    session_id: strawberry.ID
    matter_id: strawberry.ID
    matter_number: str = strawberry.field(description="事项编号 / Matter number")
    matter_title: str = strawberry.field(description="诉求标题 / Request title")
    matter_status: str = strawberry.field(description="事项当前状态 / The matter's status now")
    category: str = strawberry.field(description="诉求类别代码 / Category code")
    suggested_kind: MatterKindType | None = strawberry.field(
        description="系统建议的类别 / The kind the rules suggest"
    )
    suggestion_reason: str = strawberry.field(description="建议理由 / Why (Chinese)")
    suggestion_reason_en: str = strawberry.field(description="Why the rules suggest it (English)")
    status: AgendaItemStatusType
    decided_kind: MatterKindType | None = strawberry.field(
        description="理事会决定的类别 / The kind the council decided"
    )
    decided_at: datetime | None
    votes: list[VoteType]
    tally: TallyType = strawberry.field(description="当前计票 / The votes so far")
    tied_kinds: list[MatterKindType] = strawberry.field(
        description="最近一次计票平票的类别（非平票时为空）/ Kinds tied at the last count"
    )
    casting_vote: MatterKindType | None = strawberry.field(
        description="主持人的决定票 / The chair's casting vote"
    )
    casting_vote_by: CouncilMemberType | None = strawberry.field(
        description="投决定票的主持人 / The chair who gave it"
    )
    casting_vote_at: datetime | None
    casting_vote_note: str = strawberry.field(description="决定票意见 / Why")

    @classmethod
    def from_view(cls, view: ItemView, members: dict[int, CouncilMemberType]) -> AgendaItemType:
        """The item; ``members`` are the view's members as GraphQL objects (a session's
        items share one set)."""
        m = view.matter
        by = view.casting_vote_by
        return cls(
            id=strawberry.ID(str(view.id)),
            session_id=strawberry.ID(str(view.session_id)),
            matter_id=strawberry.ID(str(m.id)),
            matter_number=m.number,
            matter_title=m.title,
            matter_status=m.status,
            category=m.category,
            suggested_kind=kind_out(m.suggested_kind),
            suggestion_reason=m.suggestion_reason_zh,
            suggestion_reason_en=m.suggestion_reason_en,
            status=AgendaItemStatusType(view.status),
            decided_kind=kind_out(view.decided_kind),
            decided_at=view.decided_at,
            votes=[
                VoteType(
                    id=strawberry.ID(str(v.id)),
                    member=members[v.member_id],
                    kind=kind_out(v.kind),
                    recused=v.recused,
                    note=v.note,
                    cast_at=v.cast_at,
                )
                for v in view.votes
            ],
            tally=TallyType.of(view.votes),
            tied_kinds=[MatterKindType(k) for k in view.tied_kinds or ()],
            casting_vote=kind_out(view.casting_vote),
            casting_vote_by=None if by is None else members.get(by),
            casting_vote_at=view.casting_vote_at,
            casting_vote_note=view.casting_vote_note,
        )

    @classmethod
    def of(cls, view: ItemView, slug: str) -> AgendaItemType:
        """A single item (an act's result), with the members of its own view."""
        members = {i: CouncilMemberType.from_row(r, slug) for i, r in view.members.items()}
        return cls.from_view(view, members)


@strawberry.type(name="CouncilSession", description="家园理事会会议 / A council session")
class CouncilSessionType:
    id: strawberry.ID
    held_on: date = strawberry.field(description="会议日期 / Date held")
    title: str
    status: CouncilSessionStatusType
    opened_by: str = strawberry.field(description="召集人账号 / Who opened it")
    created_at: datetime
    seated_count: int = strawberry.field(
        description="会议当日在任成员数 / Members seated on the session's date"
    )
    attendees: list[CouncilMemberType] = strawberry.field(description="出席成员 / Present")
    agenda: list[AgendaItemType] = strawberry.field(description="议程 / The agenda")

    @classmethod
    def from_view(cls, view: SessionView, slug: str) -> CouncilSessionType:
        members = {i: CouncilMemberType.from_row(r, slug) for i, r in view.members.items()}
        return cls(
            id=strawberry.ID(str(view.id)),
            held_on=view.held_on,
            title=view.title,
            status=CouncilSessionStatusType(view.status),
            opened_by=view.opened_by,
            created_at=view.created_at,
            seated_count=view.seated_count,
            attendees=[members[i] for i in view.attendee_ids],
            agenda=[AgendaItemType.from_view(i, members) for i in view.items],
        )


@strawberry.type(name="Threshold", description="比例门槛 / A share threshold")
class ThresholdType:
    numerator: int
    denominator: int
    inclusive: bool = strawberry.field(
        description="true：不少于该比例；false：超过该比例 / at least (true) or more than (false)"
    )

    @classmethod
    def of(cls, t: model.Threshold) -> ThresholdType:
        return cls(
            numerator=t.fraction.numerator,
            denominator=t.fraction.denominator,
            inclusive=t.inclusive,
        )


@strawberry.type(
    name="DecisionRules",
    description="议事规则：法定人数与多数 / How the council decides: quorum and majority",
)
class DecisionRulesType:
    quorum_share: ThresholdType | None = strawberry.field(
        description="法定人数：在任成员的比例 / Quorum as a share of seated members"
    )
    quorum_members: int | None = strawberry.field(
        description="法定人数：固定人数 / Quorum as a number of members present"
    )
    majority: ThresholdType = strawberry.field(
        description="多数：有效票的比例 / Majority as a share of the votes cast"
    )
    summary: str = strawberry.field(description="中文说明 / In Chinese")
    summary_en: str = strawberry.field(description="In English")
    seats_per_grid: int = strawberry.field(description="每个网格的席位 / Seats per grid")

    @classmethod
    def of(cls, council: CouncilRules) -> DecisionRulesType:
        rules, seats_per_grid = council.rules, council.seats_per_grid
        zh, en = model.rules_text(rules)
        share = None if isinstance(rules.quorum, int) else ThresholdType.of(rules.quorum)
        return cls(
            quorum_share=share,
            quorum_members=rules.quorum if isinstance(rules.quorum, int) else None,
            majority=ThresholdType.of(rules.majority),
            summary=zh,
            summary_en=en,
            seats_per_grid=seats_per_grid,
        )


@strawberry.type(
    name="CouncilDecision",
    description="理事会的决定，已写入三事归类单 / "
    "The council's decision, written to the classification sheet",
)
class CouncilDecisionType:
    agenda_item: AgendaItemType
    kind: MatterKindType
    responsible: str = strawberry.field(description="责任方代码 / Responsible party code")
    responsible_label: str = strawberry.field(description="责任方 / Responsible party (Chinese)")
    responsible_label_en: str = strawberry.field(description="Responsible party (English)")
    sheet_version: int = strawberry.field(description="归类单版本 / Sheet version")
    reasoning: str = strawberry.field(description="归类理由 / Reasoning on the sheet")
    suggestion_followed: bool | None = strawberry.field(
        description="是否采纳系统建议 / Whether the suggestion was followed"
    )
    seated: int
    present: int
    quorum_required: int
    majority_required: int
    tie_broken_by_chair: bool = strawberry.field(
        description="平票由主持人决定 / A tie settled by the chair"
    )


# -- on Matter: the council's votes on it (declared in services/councils/context.py) ---------
@strawberry.type(
    name="MatterVote",
    description="理事会成员对该事项的表决（或回避）/ A council member's vote (or recusal)",
)
class MatterVoteType:
    member_id: strawberry.ID
    member_name: str
    session_id: strawberry.ID
    agenda_item_id: strawberry.ID
    kind: MatterKindType | None = strawberry.field(description="回避时为空 / Null when recused")
    recused: bool
    note: str
    cast_at: datetime

    @classmethod
    def from_row(cls, r: MatterVoteRow) -> MatterVoteType:
        return cls(
            member_id=strawberry.ID(str(r.member_id)),
            member_name=r.member_name,
            session_id=strawberry.ID(str(r.session_id)),
            agenda_item_id=strawberry.ID(str(r.agenda_item_id)),
            kind=kind_out(r.kind),
            recused=r.recused,
            note=r.note,
            cast_at=r.cast_at,
        )


votes_of_matter = loaders.per_community(queries.votes_by_matter, list)


def _votes(root: MatterType, info: Info) -> list[MatterVoteType]:
    loader = loaders.loader(info, votes_of_matter)
    return root.many("votes", loader, MatterVoteType.from_row)


@strawberry.type
class MatterCouncilVotes:
    """The councils context's field on Matter (read with a matter page when selected)."""

    PREFETCH: ClassVar[dict[str, tuple[str, Any]]] = {
        "votes": ("votes", queries.votes_by_matter_in)
    }

    votes = strawberry.field(
        resolver=_votes, description="理事会的表决 / The council's votes on it"
    )


# -- input helpers -----------------------------------------------------------------------------


def _required_id(value: str, what_zh: str, what_en: str) -> int:
    """A required ID inside an input (never None)."""
    n = input_id(value, what_zh, what_en)
    assert n is not None
    return n


# -- fields on Community (declared in services/councils/context.py) ----------------------------


async def _council(
    root: CommunityType,
    info: Info,
    grid_id: strawberry.ID | None = None,
    include_former: bool = False,
) -> list[CouncilMemberType]:
    grid = None
    if grid_id is not None:
        grid = maybe_id(grid_id)
        if grid is None:
            return []
    rows = await queries.council(
        principal_of(info),
        root.slug,
        root.registry,
        grid_id=grid,
        include_former=include_former,
    )
    return [CouncilMemberType.from_row(r, root.slug) for r in rows]


async def _council_sessions(
    root: CommunityType,
    info: Info,
    first: int = 20,
    after: strawberry.ID | None = None,
) -> list[CouncilSessionType]:
    cursor = None
    if after is not None:
        cursor = maybe_id(after)
        if cursor is None:
            return []
    views = await queries.sessions_page(
        principal_of(info), root.slug, root.registry, first=first, after=cursor
    )
    return [CouncilSessionType.from_view(v, root.slug) for v in views]


async def _council_session(
    root: CommunityType, info: Info, id: strawberry.ID
) -> CouncilSessionType | None:
    session_id = maybe_id(id)
    if session_id is None:
        return None
    view = await queries.session(principal_of(info), root.slug, root.registry, session_id)
    return None if view is None else CouncilSessionType.from_view(view, root.slug)


async def _decision_rules(root: CommunityType, info: Info) -> DecisionRulesType | None:
    rules = await queries.council_rules(principal_of(info), root.slug, root.registry)
    return None if rules is None else DecisionRulesType.of(rules)


@strawberry.type
class CommunityCouncil:
    """The councils context's fields on Community."""

    council = strawberry.field(
        resolver=_council,
        description="家园理事会成员，按网格排列（可按网格筛选；含已卸任者可选）/ "
        "The homeland council by grid (filter by grid; former members optional)",
    )
    council_sessions = strawberry.field(
        resolver=_council_sessions,
        description="理事会会议，新的在前；after 为上一页最后一个会议的 id / "
        "Council sessions, newest first; `after` is the last id of the previous page",
    )
    council_session = strawberry.field(
        resolver=_council_session,
        description="按 id 取理事会会议；不存在或无权查看时为空 / "
        "A session by id; null if not visible",
    )
    decision_rules = strawberry.field(
        resolver=_decision_rules,
        description="理事会议事规则 / How the council decides (quorum, majority)",
    )


# -- inputs ------------------------------------------------------------------------------------


@strawberry.input(name="ElectCouncilMemberInput")
class ElectCouncilMemberInput:
    grid_id: strawberry.ID = strawberry.field(description="选举的网格 / Electing grid")
    name: str = strawberry.field(description="姓名 / Name")
    elected_on: date = strawberry.field(description="当选日期 / Election date")
    term_ends_on: date = strawberry.field(description="任期结束日期 / End of term")
    votes_received: int = strawberry.field(default=0, description="得票数 / Votes received")
    resident_id: strawberry.ID | None = strawberry.field(
        default=None, description="关联的居民 / Linked resident"
    )
    household_id: strawberry.ID | None = strawberry.field(
        default=None, description="所住住户（无居民关联时）/ Household (without a resident link)"
    )
    subject: str | None = strawberry.field(
        default=None, description="成员登录账号（用于投票）/ The member's login subject (to vote)"
    )


@strawberry.input(name="OpenCouncilSessionInput")
class OpenCouncilSessionInput:
    held_on: date = strawberry.field(description="会议日期 / Date")
    title: str = strawberry.field(default="", description="会议名称 / Title")


@strawberry.input(name="CastVoteInput")
class CastVoteInput:
    agenda_item_id: strawberry.ID
    kind: MatterKindType | None = strawberry.field(
        default=None, description="私事、小事或大事 / Private, minor or major"
    )
    note: str = strawberry.field(default="", description="表决意见 / Why")
    recuse: bool = strawberry.field(
        default=False, description="申请回避而不投票 / Recuse instead of voting"
    )


@strawberry.input(name="CastCastingVoteInput")
class CastCastingVoteInput:
    agenda_item_id: strawberry.ID
    kind: MatterKindType = strawberry.field(description="平票的类别之一 / One of the tied kinds")
    note: str = strawberry.field(default="", description="决定票意见 / Why")


@strawberry.input(name="DecideAgendaItemInput")
class DecideAgendaItemInput:
    agenda_item_id: strawberry.ID
    casting_vote: MatterKindType | None = strawberry.field(
        default=None,
        description="代主持人投的决定票（主持人未在系统中时），仅在平票时有效；主持人已用 "
        "castCastingVote 投票时以其为准 / The casting vote on the chair's behalf when the chair "
        "has no login (ties only); a vote the chair cast with castCastingVote comes first",
    )
    reasoning: str = strawberry.field(
        default="", description="归类理由（空则记录表决结果）/ Reasoning (default: the vote)"
    )
    explanation: str = strawberry.field(
        default="", description="向居民的说明（私事）/ Explanation to the resident (private)"
    )


@strawberry.input(name="ThresholdInput")
class ThresholdInput:
    numerator: int
    denominator: int
    inclusive: bool = strawberry.field(
        default=False, description="true：不少于；false：超过 / at least (true) or more than"
    )


@strawberry.input(name="DecisionRulesInput")
class DecisionRulesInput:
    quorum_share: ThresholdInput | None = strawberry.field(
        default=None, description="法定人数（在任成员的比例）/ Quorum as a share of seated"
    )
    quorum_members: int | None = strawberry.field(
        default=None, description="法定人数（固定人数），与比例二选一 / Or a number of members"
    )
    majority: ThresholdInput = strawberry.field(
        description="多数（有效票的比例）/ Majority as a share of votes cast"
    )


def _threshold(t: ThresholdInput) -> model.Threshold:
    if t.denominator <= 0 or t.numerator < 0:
        raise model.InvalidDecisionRules(
            problem_zh="比例的分母须为正数", problem_en="a share needs a positive denominator"
        )
    return model.Threshold(Fraction(t.numerator, t.denominator), t.inclusive)


def _rules(data: DecisionRulesInput) -> model.DecisionRules:
    """The input as validated rules: exactly one quorum form, shares the model accepts."""
    if (data.quorum_share is None) == (data.quorum_members is None):
        raise model.InvalidDecisionRules(
            problem_zh="法定人数须按比例或按人数给出，且只能二选一",
            problem_en="give the quorum as a share or as a number of members, not both",
        )
    quorum: model.Threshold | int = (
        data.quorum_members if data.quorum_share is None else _threshold(data.quorum_share)  # type: ignore[assignment]
    )
    return model.DecisionRules(quorum=quorum, majority=_threshold(data.majority))


# -- results -----------------------------------------------------------------------------------

ElectCouncilMemberResult = result(
    "ElectCouncilMemberResult",
    "新成员或失败原因 / The member or why not",
    CouncilMemberType,
    *COMMUNITY_ACT,
    InvalidInputErrorType,
    TextTooLongErrorType,
    GridSeatsFullErrorType,
    CouncilLoginTakenErrorType,
)
SetCouncilChairResult = result(
    "SetCouncilChairResult",
    "新主持人或失败原因 / The chair or why not",
    CouncilMemberType,
    *COMMUNITY_ACT,
    CouncilMemberNotFoundErrorType,
    TermEndedErrorType,
)
EndCouncilTermResult = result(
    "EndCouncilTermResult",
    "卸任的成员或失败原因 / The member or why not",
    CouncilMemberType,
    *COMMUNITY_ACT,
    CouncilMemberNotFoundErrorType,
    TermEndedErrorType,
    InvalidInputErrorType,
)
OpenCouncilSessionResult = result(
    "OpenCouncilSessionResult",
    "新会议或失败原因 / The session or why not",
    CouncilSessionType,
    *COMMUNITY_ACT,
    TextTooLongErrorType,
)
RecordAttendanceResult = result(
    "RecordAttendanceResult",
    "会议或失败原因 / The session or why not",
    CouncilSessionType,
    *COMMUNITY_ACT,
    CouncilSessionNotFoundErrorType,
    SessionClosedErrorType,
    InvalidInputErrorType,
)
AddToAgendaResult = result(
    "AddToAgendaResult",
    "议程事项或失败原因 / The agenda item or why not",
    AgendaItemType,
    *COMMUNITY_ACT,
    CouncilSessionNotFoundErrorType,
    SessionClosedErrorType,
    MatterNotFoundErrorType,
    MatterNotPendingErrorType,
    AlreadyOnAgendaErrorType,
)
CastVoteResult = result(
    "CastVoteResult",
    "记录的表决或失败原因 / The vote or why not",
    VoteType,
    *COMMUNITY_ACT,
    AgendaItemNotFoundErrorType,
    NotACouncilMemberErrorType,
    SessionDecidedErrorType,
    SessionClosedErrorType,
    MemberAbsentErrorType,
    MustRecuseErrorType,
    AlreadyVotedErrorType,
    InvalidInputErrorType,
    TextTooLongErrorType,
)
CastCastingVoteResult = result(
    "CastCastingVoteResult",
    "议程事项或失败原因 / The agenda item or why not",
    AgendaItemType,
    *COMMUNITY_ACT,
    AgendaItemNotFoundErrorType,
    NotACouncilMemberErrorType,
    NotTheChairErrorType,
    SessionDecidedErrorType,
    SessionClosedErrorType,
    MemberAbsentErrorType,
    NoTieToBreakErrorType,
    CastingVoteAlreadyCastErrorType,
    CastingVoteNotInTieErrorType,
    ChairMustRecuseErrorType,
    TextTooLongErrorType,
)
DecideAgendaItemResult = result(
    "DecideAgendaItemResult",
    "决定或未能决定的原因 / The decision or why none",
    CouncilDecisionType,
    *COMMUNITY_ACT,
    AgendaItemNotFoundErrorType,
    SessionDecidedErrorType,
    SessionClosedErrorType,
    MatterNotPendingErrorType,
    NoQuorumErrorType,
    NoMajorityErrorType,
    TieErrorType,
    CastingVoteNotInTieErrorType,
    CastingVoteAlreadyCastErrorType,
    ChairMustRecuseErrorType,
    TextTooLongErrorType,
)
CloseCouncilSessionResult = result(
    "CloseCouncilSessionResult",
    "会议或失败原因 / The session or why not",
    CouncilSessionType,
    *COMMUNITY_ACT,
    CouncilSessionNotFoundErrorType,
    SessionClosedErrorType,
)
SetDecisionRulesResult = result(
    "SetDecisionRulesResult",
    "议事规则或失败原因 / The rules or why not",
    DecisionRulesType,
    *COMMUNITY_ACT,
    InvalidDecisionRulesErrorType,
)


def _decision_out(result: DecideResult, slug: str) -> CouncilDecisionType:
    d, sheet = result.decision, result.sheet
    responsible = ResponsibleParty(sheet.responsible)
    return CouncilDecisionType(
        agenda_item=AgendaItemType.of(result.item, slug),
        kind=MatterKindType(d.kind.value),
        responsible=responsible.value,
        responsible_label=responsible.label_zh,
        responsible_label_en=responsible.label_en,
        sheet_version=sheet.version,
        reasoning=sheet.reasoning,
        suggestion_followed=sheet.suggestion_followed,
        seated=d.seated_count,
        present=d.present_count,
        quorum_required=d.quorum_required,
        majority_required=d.majority_required,
        tie_broken_by_chair=d.tie_broken_by_chair,
    )


def _kind_in(value: MatterKindType | None) -> MatterKind | None:
    return None if value is None else MatterKind(value.value)


# -- mutations ---------------------------------------------------------------------------------


@strawberry.type
class CouncilMutation:
    @strawberry.mutation(
        description="选举产生网格的理事会成员（受每网格席位限制），社区干部 / "
        "Seat a member elected by a grid (seats per grid apply); cadres"
    )
    async def elect_council_member(
        self, info: Info, community: str, input: ElectCouncilMemberInput
    ) -> ElectCouncilMemberResult:
        async def act(actor: Principal) -> Any:
            data = ElectMemberInput(
                grid_id=_required_id(input.grid_id, "网格", "grid"),
                name=input.name,
                elected_on=input.elected_on,
                term_ends_on=input.term_ends_on,
                votes_received=input.votes_received,
                resident_id=input_id(input.resident_id, "居民", "resident"),
                household_id=input_id(input.household_id, "住户", "household"),
                subject=input.subject,
            )
            row = await handlers.elect_member(actor, community, data, info.context.settings)
            return CouncilMemberType.from_row(row, community)

        return await attempt(info, ElectCouncilMemberResult, act)

    @strawberry.mutation(
        description="指定理事会主持人（原主持人不再主持），社区干部 / "
        "Make a member the chair; cadres"
    )
    async def set_council_chair(
        self, info: Info, community: str, member_id: strawberry.ID
    ) -> SetCouncilChairResult:
        async def act(actor: Principal) -> Any:
            mid = parse_id(member_id, handlers.CouncilMemberNotFound)
            row = await handlers.set_chair(actor, community, mid)
            return CouncilMemberType.from_row(row, community)

        return await attempt(info, SetCouncilChairResult, act)

    @strawberry.mutation(
        description="结束成员任期（可提前），席位随之空出，社区干部 / End a member's term; cadres"
    )
    async def end_council_term(
        self, info: Info, community: str, member_id: strawberry.ID, ended_on: date | None = None
    ) -> EndCouncilTermResult:
        async def act(actor: Principal) -> Any:
            mid = parse_id(member_id, handlers.CouncilMemberNotFound)
            row = await handlers.end_term(actor, community, mid, ended_on=ended_on)
            return CouncilMemberType.from_row(row, community)

        return await attempt(info, EndCouncilTermResult, act)

    @strawberry.mutation(description="召开理事会会议，社区干部 / Open a council session; cadres")
    async def open_council_session(
        self, info: Info, community: str, input: OpenCouncilSessionInput
    ) -> OpenCouncilSessionResult:
        async def act(actor: Principal) -> Any:
            view = await handlers.open_session(
                actor, community, input.held_on, input.title, info.context.settings
            )
            return CouncilSessionType.from_view(view, community)

        return await attempt(info, OpenCouncilSessionResult, act)

    @strawberry.mutation(
        description="登记出席成员（整份名单，替换原名单），社区干部 / "
        "Set who is present (the whole list); cadres"
    )
    async def record_attendance(
        self,
        info: Info,
        community: str,
        session_id: strawberry.ID,
        member_ids: list[strawberry.ID],
    ) -> RecordAttendanceResult:
        async def act(actor: Principal) -> Any:
            sid = parse_id(session_id, handlers.CouncilSessionNotFound)
            ids = [_required_id(m, "成员", "member") for m in member_ids]
            view = await handlers.record_attendance(actor, community, sid, ids)
            return CouncilSessionType.from_view(view, community)

        return await attempt(info, RecordAttendanceResult, act)

    @strawberry.mutation(
        description="将待议诉求列入会议议程（事项转为待理事会审议），社区干部 / "
        "Put a pending request on a session's agenda; cadres"
    )
    async def add_to_agenda(
        self, info: Info, community: str, session_id: strawberry.ID, matter_id: strawberry.ID
    ) -> AddToAgendaResult:
        async def act(actor: Principal) -> Any:
            sid = parse_id(session_id, handlers.CouncilSessionNotFound)
            mid = parse_id(matter_id, MatterNotFound)
            item = await handlers.add_to_agenda(actor, community, sid, mid)
            return AgendaItemType.of(item, community)

        return await attempt(info, AddToAgendaResult, act)

    @strawberry.mutation(
        description="出席成员对议程事项投票（私事/小事/大事）或回避，理事会成员本人 / "
        "A present member votes (or recuses) on an agenda item; council members"
    )
    async def cast_vote(self, info: Info, community: str, input: CastVoteInput) -> CastVoteResult:
        async def act(actor: Principal) -> Any:
            item_id = parse_id(input.agenda_item_id, handlers.AgendaItemNotFound)
            vote = await handlers.cast_vote(
                actor,
                community,
                item_id,
                _kind_in(input.kind),
                info.context.settings,
                note=input.note,
                recuse=input.recuse,
            )
            return VoteType(
                id=strawberry.ID(str(vote.id)),
                member=CouncilMemberType.from_row(vote.member, community),
                kind=kind_out(vote.kind),
                recused=vote.recused,
                note=vote.note,
                cast_at=vote.cast_at,
            )

        return await attempt(info, CastVoteResult, act)

    @strawberry.mutation(
        description="平票后主持人投决定票（平票类别之一），下次计票采用，主持人本人 / "
        "After a tie the chair gives the casting vote (one of the tied kinds), used by the next "
        "decideAgendaItem; the council's chair"
    )
    async def cast_casting_vote(
        self, info: Info, community: str, input: CastCastingVoteInput
    ) -> CastCastingVoteResult:
        async def act(actor: Principal) -> Any:
            item_id = parse_id(input.agenda_item_id, handlers.AgendaItemNotFound)
            kind = _kind_in(input.kind)
            assert kind is not None
            item = await handlers.cast_casting_vote(
                actor, community, item_id, kind, info.context.settings, note=input.note
            )
            return AgendaItemType.of(item, community)

        return await attempt(info, CastCastingVoteResult, act)

    @strawberry.mutation(
        description="计票并作出决定，写入三事归类单；未达法定人数或多数时记录结果并返回原因，"
        "社区干部 / Tally and decide, writing the classification sheet; without quorum or "
        "majority the outcome is recorded and returned as the error; cadres"
    )
    async def decide_agenda_item(
        self, info: Info, community: str, input: DecideAgendaItemInput
    ) -> DecideAgendaItemResult:
        async def act(actor: Principal) -> Any:
            item_id = parse_id(input.agenda_item_id, handlers.AgendaItemNotFound)
            outcome = await handlers.decide(
                actor,
                community,
                item_id,
                info.context.settings,
                casting_vote=_kind_in(input.casting_vote),
                reasoning=input.reasoning,
                explanation=input.explanation,
            )
            return _decision_out(outcome, community)

        return await attempt(info, DecideAgendaItemResult, act)

    @strawberry.mutation(description="闭会，社区干部 / Close a council session; cadres")
    async def close_council_session(
        self, info: Info, community: str, session_id: strawberry.ID
    ) -> CloseCouncilSessionResult:
        async def act(actor: Principal) -> Any:
            sid = parse_id(session_id, handlers.CouncilSessionNotFound)
            view = await handlers.close_session(actor, community, sid)
            return CouncilSessionType.from_view(view, community)

        return await attempt(info, CloseCouncilSessionResult, act)

    @strawberry.mutation(
        description="修改议事规则（法定人数、多数），社区干部 / Change quorum and majority; cadres"
    )
    async def set_decision_rules(
        self, info: Info, community: str, input: DecisionRulesInput
    ) -> SetDecisionRulesResult:
        async def act(actor: Principal) -> Any:
            rules = await handlers.set_decision_rules(actor, community, _rules(input))
            return DecisionRulesType.of(rules)

        return await attempt(info, SetDecisionRulesResult, act)
