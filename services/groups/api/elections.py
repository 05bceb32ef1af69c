"""GraphQL adapter of elections of a group's core (选举): GroupElection, Group.elections,
Group.currentCore, GroupMember.onCore, and the four acts of an election.

Who may see or do what is the context's (``services.groups.queries`` and
``services.groups.elections``); resolvers only call and convert.
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from services.api.kit.errors import (
    InvalidDecisionRulesErrorType,
    NotACandidateErrorType,
    SameCandidateTwiceErrorType,
    TooManyChoicesErrorType,
    error_type,
    query_error,
)
from services.api.kit.ids import input_id, maybe_id, parse_id
from services.api.kit.loaders import loader, per_community
from services.api.kit.pages import PageInfoType
from services.api.kit.request import principal_of
from services.api.kit.results import COMMUNITY_ACT, INPUT, attempt, result
from services.api.kit.vocabulary import domain_member, labelled_enum
from services.auth.model import Principal
from services.errors import Forbidden, SanshiError
from services.groups import elections, model, queries
from services.groups.api.core import (
    ControlCharactersErrorType,
    GroupDissolvedErrorType,
    GroupMemberNotFoundErrorType,
    GroupMemberType,
    GroupNotFoundErrorType,
    GroupType,
    NotAGroupMemberErrorType,
    RoleNeedsResidentErrorType,
)
from services.groups.model import PERSONAL_ROLES, ElectionStatus, GroupRole
from services.groups.queries import CandidateView, ElectionView
from services.households.masking import Visibility
from services.matters import queries as matter_queries

# -- vocabulary and errors ------------------------------------------------------------------
GroupElectionStatusType = labelled_enum(
    ElectionStatus, "GroupElectionStatus", "骨干选举的状态 / Where an election of the core stands"
)

GroupElectionNotFoundErrorType = error_type(
    model.ElectionNotFound,
    "GroupElectionNotFoundError",
    "选举不存在或不可见 / No such election (or not visible to you)",
)
CandidateNotAMemberErrorType = error_type(
    model.CandidateNotAMember,
    "CandidateNotAMemberError",
    "候选人须为该组织的在册成员 / A candidate must be a current member of the group",
)
NotEnoughCandidatesErrorType = error_type(
    model.NotEnoughCandidates,
    "NotEnoughCandidatesError",
    "候选人少于席位数 / Fewer candidates than seats",
)
TermOverlapErrorType = error_type(
    model.TermOverlap,
    "TermOverlapError",
    "任期与已有选举重叠 / The term overlaps another election's",
)
ElectionClosedErrorType = error_type(
    model.ElectionClosed, "ElectionClosedError", "投票已截止 / Voting has closed"
)
ElectionStillOpenErrorType = error_type(
    model.ElectionStillOpen,
    "ElectionStillOpenError",
    "选举仍在投票中，须先计票 / Still open: close and count it first",
)
ElectionPublishedErrorType = error_type(
    model.ElectionPublished,
    "ElectionPublishedError",
    "选举结果已公布 / The results are already published",
)
AlreadyVotedInElectionErrorType = error_type(
    model.AlreadyVotedInElection,
    "AlreadyVotedInElectionError",
    "该户（或该成员）已投过票 / The household (or member) has already voted",
)


# -- output types ---------------------------------------------------------------------------
@strawberry.type(
    name="GroupElectionCandidate",
    description="选举的候选人（组织成员）及计票后的得票 / "
    "A candidate (a member of the group) and, once counted, their votes",
)
class GroupElectionCandidateType:
    id: strawberry.ID = strawberry.field(
        description="候选人编号，选票以此指明所选之人 / The candidate id a ballot names"
    )
    member: GroupMemberType
    votes: int | None = strawberry.field(
        description="得票数；计票前（或未达法定人数）为空 / Votes; null before the count "
        "(or without a quorum)"
    )
    elected: bool | None = strawberry.field(
        description="是否当选；计票前为空 / Elected; null before the count"
    )
    in_runoff: bool | None = strawberry.field(
        description="是否因末位平票进入决选；计票前为空 / Tied for the last seats and in the "
        "runoff; null before the count"
    )


@strawberry.type(
    name="GroupElectionResults",
    description="计票结果：法定人数、当选者、末位平票与决选 / "
    "The count: quorum, who is elected, who tied for the last seats and their runoff",
)
class GroupElectionResultsType:
    quorum_met: bool = strawberry.field(
        description="是否达到法定人数；未达到则无人当选 / Quorum met (without it nobody is elected)"
    )
    quorum_required: int = strawberry.field(description="法定人数 / Ballots the quorum needs")
    eligible: int = strawberry.field(description="截止时有表决权的户（或人）数 / Electorate")
    ballots: int = strawberry.field(description="计入的选票数 / Ballots counted")
    votes_required: int = strawberry.field(description="当选所需最低票数 / Votes to be elected")
    elected: list[GroupElectionCandidateType] = strawberry.field(
        description="当选者，得票多者在前 / The elected, most votes first"
    )
    tied: list[GroupElectionCandidateType] = strawberry.field(
        description="末位平票者（进入决选）/ Tied for the last seats (in the runoff)"
    )
    runoff_seats: int = strawberry.field(description="决选的席位数 / Seats left to the runoff")
    unfilled: int = strawberry.field(description="空缺席位 / Seats nobody qualified for")
    runoff_election_id: strawberry.ID | None = strawberry.field(
        description="为平票开启的决选 / The runoff opened for the tie"
    )


@strawberry.type(
    name="GroupElection",
    description="组织骨干的选举：任期、席位、候选人、投票、计票与公布 / "
    "An election of a group's core: term, seats, candidates, ballots, count, results",
)
class GroupElectionType:
    id: strawberry.ID
    group_id: strawberry.ID
    title: str
    term_starts_on: date = strawberry.field(
        description="任期开始；当选者自该日起为骨干 / The term's first day: the elected sit from it"
    )
    term_ends_on: date = strawberry.field(description="任期最后一天 / The term's last day")
    seats: int = strawberry.field(description="席位数 / Seats")
    votes_per_ballot: int = strawberry.field(
        description="每张选票最多可选人数 / Candidates a ballot may name"
    )
    status: GroupElectionStatusType
    runoff_of_id: strawberry.ID | None = strawberry.field(
        description="决选所继续的选举 / The election this runoff continues"
    )
    candidates: list[GroupElectionCandidateType]
    ballots_cast: int = strawberry.field(
        description="已投选票数（投票中只显示此数，不显示得票）/ Ballots cast (while open the "
        "only number shown)"
    )
    eligible: int = strawberry.field(
        description="有表决权的户（或人）数：投票中为当前数，计票后为截止时数 / "
        "The electorate: now while open, at the close once counted"
    )
    has_voted: bool | None = strawberry.field(
        description="当前用户（或其户）是否已投票；无表决权时为空 / Whether the caller's "
        "ballot is in; null when the caller has none in this group"
    )
    results: GroupElectionResultsType | None = strawberry.field(
        description="计票结果；投票中为空 / The count; null while open"
    )
    opened_at: datetime
    closed_at: datetime | None
    published_at: datetime | None

    @classmethod
    def of(cls, slug: str, v: ElectionView, view: Visibility) -> GroupElectionType:
        e, tally = v.election, v.tally
        votes = dict(tally.counts) if tally is not None else {}
        elected = set(tally.elected) if tally is not None else set()
        tied = set(tally.runoff) if tally is not None else set()

        def candidate(c: CandidateView) -> GroupElectionCandidateType:
            return GroupElectionCandidateType(
                id=strawberry.ID(str(c.id)),
                member=GroupMemberType.of(slug, c.member, view),
                votes=votes.get(c.id) if tally is not None and tally.quorum_met else None,
                elected=None if tally is None else c.id in elected,
                in_runoff=None if tally is None else c.id in tied,
            )

        candidates = [candidate(c) for c in v.candidates]
        by_id = {int(c.id): c for c in candidates}
        results = None
        if tally is not None:
            results = GroupElectionResultsType(
                quorum_met=tally.quorum_met,
                quorum_required=tally.quorum_required,
                eligible=tally.eligible,
                ballots=tally.ballots,
                votes_required=tally.votes_required,
                elected=[by_id[c] for c in tally.elected],
                tied=[by_id[c] for c in tally.runoff],
                runoff_seats=tally.runoff_seats,
                unfilled=tally.unfilled,
                runoff_election_id=None
                if tally.runoff_election_id is None
                else strawberry.ID(str(tally.runoff_election_id)),
            )
        return cls(
            id=strawberry.ID(str(e.id)),
            group_id=strawberry.ID(str(e.group_id)),
            title=e.title,
            term_starts_on=e.term_starts_on,
            term_ends_on=e.term_ends_on,
            seats=e.seats,
            votes_per_ballot=e.votes_per_ballot,
            status=GroupElectionStatusType(e.status),
            runoff_of_id=None if e.runoff_of is None else strawberry.ID(str(e.runoff_of)),
            candidates=candidates,
            ballots_cast=v.ballots_cast,
            eligible=v.eligible,
            has_voted=v.has_voted,
            results=results,
            opened_at=e.opened_at,
            closed_at=e.closed_at,
            published_at=e.published_at,
        )


@strawberry.type(name="GroupElectionConnection", description="选举的一页 / A page of elections")
class GroupElectionConnectionType:
    items: list[GroupElectionType]
    page_info: PageInfoType
    total_count: int = strawberry.field(description="该组织的选举数 / Elections in all")


# -- fields on Group ------------------------------------------------------------------------
def _visibility(actor: Principal, slug: str) -> Visibility:
    return matter_queries.household_visibility(actor, slug)


async def _elections(
    root: GroupType, info: Info, first: int = queries.DEFAULT_PAGE, after: str | None = None
) -> GroupElectionConnectionType | None:
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        page = await queries.elections_page(
            actor,
            root.slug,
            int(root.id),
            first=first,
            after=after,
            community=root.registry,
            seen=root.view,
        )
    except (model.GroupNotFound, Forbidden):
        return None
    except SanshiError as err:
        raise query_error(info, err) from None
    view = _visibility(actor, root.slug)
    return GroupElectionConnectionType(
        items=[GroupElectionType.of(root.slug, v, view) for v in page.items],
        page_info=PageInfoType(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        total_count=page.total_count,
    )


async def _election(root: GroupType, info: Info, id: strawberry.ID) -> GroupElectionType | None:
    actor = principal_of(info)
    election_id = maybe_id(id)
    if actor is None or election_id is None:
        return None
    try:
        found = await queries.get_election(
            actor, root.slug, int(root.id), election_id, community=root.registry, seen=root.view
        )
    except (model.ElectionNotFound, Forbidden):
        return None
    return GroupElectionType.of(root.slug, found, _visibility(actor, root.slug))


async def _current_core(root: GroupType, info: Info) -> list[GroupMemberType] | None:
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        seats = await queries.current_core(
            actor, root.slug, int(root.id), community=root.registry, seen=root.view
        )
    except (model.GroupNotFound, Forbidden):
        return None
    view = _visibility(actor, root.slug)
    return [GroupMemberType.of(root.slug, s.member, view) for s in seats]


@strawberry.type
class GroupElections:
    """The elections' fields on Group."""

    elections = strawberry.field(
        resolver=_elections,
        description="该组织的骨干选举，新的在前（成员与社区工作人员可见）/ "
        "The group's elections of its core, newest first (for its members and staff)",
    )
    election = strawberry.field(
        resolver=_election,
        description="按编号取该组织的一次选举；不存在或不可见时为空 / "
        "One of its elections by id; null when missing or not visible",
    )
    current_core = strawberry.field(
        resolver=_current_core,
        description="今日在任的骨干：任期覆盖今日的当选者，及角色为负责人、骨干的成员 / "
        "The core today: members elected for a term covering today, and those whose role "
        "is leader or core",
    )


# GroupMember carries no community of its own: its household (always there) does.
def _slug_of(member: GroupMemberType) -> str | None:
    return None if member.household is None else member.household.slug


_core_until = per_community(queries.core_until, lambda: None)


async def _core_until_of(root: GroupMemberType, info: Info) -> date | None:
    slug = _slug_of(root)
    if slug is None or root.left_on is not None:
        return None
    until: date | None = await loader(info, _core_until).load((slug, int(root.id)))
    return until


async def _on_core(root: GroupMemberType, info: Info) -> bool:
    if root.left_on is not None:
        return False
    if domain_member(GroupRole, root.role) in PERSONAL_ROLES:
        return True
    return await _core_until_of(root, info) is not None


@strawberry.type
class GroupMemberCoreTerm:
    """The elections' fields on GroupMember: whether the member sits on the core today."""

    on_core = strawberry.field(
        resolver=_on_core,
        description="今日是否为骨干（当选任期覆盖今日，或角色为负责人、骨干）/ On the core "
        "today (elected for a term covering today, or holding the role of leader or core)",
    )
    core_until = strawberry.field(
        resolver=_core_until_of,
        description="当选骨干任期的最后一天（任期覆盖今日时）/ The last day of the elected "
        "term covering today, if any",
    )


# -- inputs and results ---------------------------------------------------------------------
@strawberry.input(
    name="OpenGroupElectionInput", description="开启骨干选举 / Open an election of the core"
)
class OpenGroupElectionInput:
    title: str = strawberry.field(description="选举名称 / Title, e.g. 2026年骨干选举")
    term_starts_on: date = strawberry.field(description="任期开始 / The term's first day")
    term_ends_on: date = strawberry.field(description="任期最后一天 / The term's last day")
    seats: int = strawberry.field(description="席位数（1–50）/ Seats (1-50)")
    votes_per_ballot: int = strawberry.field(
        description="每张选票最多可选人数（不超过席位数）/ Candidates a ballot may name (≤ seats)"
    )
    candidate_member_ids: list[strawberry.ID] = strawberry.field(
        description="候选人：本组织在册成员的成员编号 / Candidates: ids of current members"
    )


def _ids(values: list[strawberry.ID], what_zh: str, what_en: str) -> list[int]:
    """Ids inside an input: a malformed one is invalid input (``kit.ids.input_id``)."""
    out = []
    for value in values:
        n = input_id(value, what_zh, what_en)
        assert n is not None  # a value given is an id or InvalidInput
        out.append(n)
    return out


_ELECTION_ACT = (*COMMUNITY_ACT, GroupElectionNotFoundErrorType, GroupDissolvedErrorType)

OpenGroupElectionResult = result(
    "OpenGroupElectionResult",
    "开启的选举或失败原因 / The election opened or why not",
    GroupElectionType,
    *COMMUNITY_ACT,
    *INPUT,
    ControlCharactersErrorType,
    GroupNotFoundErrorType,
    GroupDissolvedErrorType,
    CandidateNotAMemberErrorType,
    RoleNeedsResidentErrorType,
    NotEnoughCandidatesErrorType,
    TermOverlapErrorType,
)
CastGroupElectionBallotResult = result(
    "CastGroupElectionBallotResult",
    "投票后的选举或失败原因 / The election with the ballot in, or why not",
    GroupElectionType,
    *_ELECTION_ACT,
    *INPUT,
    ElectionClosedErrorType,
    NotAGroupMemberErrorType,
    GroupMemberNotFoundErrorType,
    AlreadyVotedInElectionErrorType,
    NotACandidateErrorType,
    SameCandidateTwiceErrorType,
    TooManyChoicesErrorType,
)
CloseGroupElectionResult = result(
    "CloseGroupElectionResult",
    "计票后的选举或失败原因 / The counted election or why not",
    GroupElectionType,
    *_ELECTION_ACT,
    ElectionClosedErrorType,
    InvalidDecisionRulesErrorType,
)
PublishGroupElectionResult = result(
    "PublishGroupElectionResult",
    "公布结果后的选举或失败原因 / The election with its results published, or why not",
    GroupElectionType,
    *_ELECTION_ACT,
    ElectionStillOpenErrorType,
    ElectionPublishedErrorType,
)


@strawberry.type
class GroupElectionMutation:
    @strawberry.mutation(
        description="开启骨干选举（社区干部、组织负责人与骨干）/ "
        "Open an election of the group's core (cadres, the group's leader and core)"
    )
    async def open_group_election(
        self, info: Info, community: str, group_id: strawberry.ID, input: OpenGroupElectionInput
    ) -> OpenGroupElectionResult:
        async def act(actor: Principal) -> GroupElectionType:
            candidates = tuple(_ids(input.candidate_member_ids, "候选人成员", "candidate member"))
            data = elections.ElectionInput(
                title=input.title,
                term_starts_on=input.term_starts_on,
                term_ends_on=input.term_ends_on,
                seats=input.seats,
                votes_per_ballot=input.votes_per_ballot,
                candidates=candidates,
            )
            found = await elections.open_election(
                actor, community, parse_id(group_id, model.GroupNotFound), data
            )
            return GroupElectionType.of(community, found, _visibility(actor, community))

        return await attempt(info, OpenGroupElectionResult, act)

    @strawberry.mutation(
        description="投票：成员投本户（或本人）的一票；社区干部、网格员可代录纸质选票 / "
        "Cast a ballot: a member casts their household's (or own); cadres and grid workers "
        "record a member's paper ballot (memberId)"
    )
    async def cast_group_election_ballot(
        self,
        info: Info,
        community: str,
        election_id: strawberry.ID,
        choices: list[strawberry.ID],
        member_id: strawberry.ID | None = None,
    ) -> CastGroupElectionBallotResult:
        async def act(actor: Principal) -> GroupElectionType:
            named = _ids(choices, "候选人", "candidate")
            found = await elections.cast_election_ballot(
                actor,
                community,
                parse_id(election_id, model.ElectionNotFound),
                named,
                member_id=None
                if member_id is None
                else parse_id(member_id, model.GroupMemberNotFound),
            )
            return GroupElectionType.of(community, found, _visibility(actor, community))

        return await attempt(info, CastGroupElectionBallotResult, act)

    @strawberry.mutation(
        description="截止投票并计票；末位平票时开启决选（社区干部、组织负责人与骨干）/ "
        "Close the ballot and count it; a tie for the last seats opens a runoff"
    )
    async def close_group_election(
        self, info: Info, community: str, election_id: strawberry.ID
    ) -> CloseGroupElectionResult:
        async def act(actor: Principal) -> GroupElectionType:
            found = await elections.close_election(
                actor, community, parse_id(election_id, model.ElectionNotFound)
            )
            return GroupElectionType.of(community, found, _visibility(actor, community))

        return await attempt(info, CloseGroupElectionResult, act)

    @strawberry.mutation(
        description="公布选举结果，当选者自任期开始之日起为骨干（社区干部、组织负责人与骨干）/ "
        "Publish the results: the elected sit on the core from the term's first day"
    )
    async def publish_group_election(
        self, info: Info, community: str, election_id: strawberry.ID
    ) -> PublishGroupElectionResult:
        async def act(actor: Principal) -> GroupElectionType:
            found = await elections.publish_election(
                actor, community, parse_id(election_id, model.ElectionNotFound)
            )
            return GroupElectionType.of(community, found, _visibility(actor, community))

        return await attempt(info, PublishGroupElectionResult, act)
