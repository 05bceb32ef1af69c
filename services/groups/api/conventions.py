"""GraphQL adapter of conventions (自治公约): versions and clauses, drafting, the members' vote.

Who may read or do what is the context's (``services.groups.queries`` and
``services.groups.conventions``); resolvers only call and convert.
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from services.api.kit.errors import (
    InvalidDecisionRulesErrorType,
    VoteAlreadyVotedErrorType,
    VoteNoQuorumErrorType,
    error_type,
    query_error,
)
from services.api.kit.ids import maybe_id, parse_id
from services.api.kit.request import principal_of
from services.api.kit.results import COMMUNITY_ACT, INPUT, attempt, result
from services.api.kit.vocabulary import domain_member, labelled_enum
from services.auth.model import Principal
from services.errors import Forbidden, SanshiError
from services.groups import conventions as handlers
from services.groups import model, queries
from services.groups.api.core import (
    ControlCharactersErrorType,
    GroupDissolvedErrorType,
    GroupMemberNotFoundErrorType,
    GroupNotFoundErrorType,
    GroupType,
    NotAGroupMemberErrorType,
)

# -- vocabulary -----------------------------------------------------------------------------
from services.groups.api.vocabulary import DutyKindType, IncidentKindType, SizeClassType
from services.groups.model import (
    Clause,
    ClauseDraft,
    ConventionRejection,
    ConventionStatus,
    ConventionTally,
    DutyKind,
    IncidentKind,
    SizeClass,
)
from services.groups.queries import ConventionVersionView, ConventionView
from services.kernel.votes import Answer, rules_text

ConventionStatusType = labelled_enum(
    ConventionStatus, "ConventionStatus", "公约版本的状态 / Where a convention version stands"
)
ConventionRejectionType = labelled_enum(
    ConventionRejection,
    "ConventionRejection",
    "公约版本未通过的原因 / Why a vote did not adopt the version",
)
AdoptionAnswerType = labelled_enum(
    Answer, "AdoptionAnswer", "表决票：赞成、反对、弃权 / A ballot's answer: yes, no, abstain"
)

# -- errors ---------------------------------------------------------------------------------
ConventionNotFoundErrorType = error_type(
    model.ConventionNotFound,
    "ConventionNotFoundError",
    "公约不存在或不可见 / No such convention (or not visible to you)",
)
ConventionVersionNotFoundErrorType = error_type(
    model.ConventionVersionNotFound,
    "ConventionVersionNotFoundError",
    "公约版本不存在或不可见 / No such convention version (or not visible to you)",
)
ConventionVersionNotDraftErrorType = error_type(
    model.ConventionVersionNotDraft,
    "ConventionVersionNotDraftError",
    "只有草案可以修改或提交表决 / Only a draft can be changed or put to the vote",
)
ConventionVersionNotVotingErrorType = error_type(
    model.ConventionVersionNotVoting,
    "ConventionVersionNotVotingError",
    "该版本不在表决中 / The version is not being voted on",
)
ConventionHasOpenVersionErrorType = error_type(
    model.ConventionHasOpenVersion,
    "ConventionHasOpenVersionError",
    "已有未完成的草案或表决 / A draft or a vote of the convention is still open",
)
ClauseNumbersInvalidErrorType = error_type(
    model.ClauseNumbersInvalid,
    "ClauseNumbersInvalidError",
    "条款须从 1 起连续编号 / Clauses are numbered 1 to n, each once",
)
ConventionTitleTakenErrorType = error_type(
    model.ConventionTitleTaken,
    "ConventionTitleTakenError",
    "本组织已有同名公约 / The group has a convention with that title",
)
EmptyConventionErrorType = error_type(
    model.EmptyConvention,
    "EmptyConventionError",
    "公约至少要有一条条款 / A convention needs at least one clause",
)
DueHoursOutOfRangeErrorType = error_type(
    model.DueHoursOutOfRange,
    "DueHoursOutOfRangeError",
    "义务期限须为 1 至 720 小时 / A duty is due in 1 to 720 hours",
)


# -- output types ---------------------------------------------------------------------------
@strawberry.type(
    name="DogBinding",
    description="条款约束哪些犬只：所列体型的犬，和/或烈性犬；都不列则约束所有犬只 / "
    "The dogs a clause binds: of these size classes and/or fierce ones; neither: every dog",
)
class DogBindingType:
    size_classes: list[SizeClassType]
    fierce: bool = strawberry.field(description="约束烈性犬 / Binds fierce dogs (烈性犬)")
    binds_all: bool = strawberry.field(description="约束所有犬只 / Binds every dog")


@strawberry.type(
    name="ClauseDuty",
    description="条款规定的义务及期限（事件发生后若干小时内）/ "
    "A duty the clause creates, due so many hours after the incident",
)
class ClauseDutyType:
    kind: DutyKindType
    due_hours: int


@strawberry.type(
    name="GroupConventionClause",
    description="公约的一条条款：条文、约束的犬只、适用的事件及由此产生的义务 / "
    "A numbered clause: its text, the dogs it binds, the incidents it governs, their duties",
)
class GroupConventionClauseType:
    number: int
    text_zh: str
    text_en: str
    binds: DogBindingType
    incident_kinds: list[IncidentKindType]
    duties: list[ClauseDutyType]

    @classmethod
    def of(cls, c: Clause) -> GroupConventionClauseType:
        return cls(
            number=c.number,
            text_zh=c.text_zh,
            text_en=c.text_en,
            binds=DogBindingType(
                size_classes=[
                    SizeClassType(s.value) for s in SizeClass if s in c.binds.size_classes
                ],
                fierce=c.binds.fierce,
                binds_all=c.binds.binds_all,
            ),
            incident_kinds=[
                IncidentKindType(k.value) for k in IncidentKind if k in c.incident_kinds
            ],
            duties=[
                ClauseDutyType(kind=DutyKindType(d.kind.value), due_hours=d.due_hours)
                for d in c.duties
            ],
        )


@strawberry.type(
    name="ConventionTally",
    description="表决结束时的计票：是否通过及原因、票数、议事规则要求的人数 / "
    "The count kept when the vote closed: adopted or why not, the answers, what the rules asked",
)
class ConventionTallyType:
    adopted: bool
    rejection: ConventionRejectionType | None = strawberry.field(
        description="未通过的原因；通过时为空 / Why not adopted; null when adopted"
    )
    yes: int
    no: int
    abstain: int
    eligible: int = strawberry.field(description="有表决权的票数 / Eligible ballots")
    void: int = strawberry.field(
        description="表决结束时已退出者的票，不计入 / Ballots of voters who had left: not counted"
    )
    quorum_required: int
    majority_required: int | None = strawberry.field(
        description="通过所需赞成票；未达法定人数时为空 / Yes votes needed; null without a quorum"
    )
    rules: str = strawberry.field(description="适用的议事规则 / The decision rules applied")
    rules_en: str

    @classmethod
    def of(cls, t: ConventionTally) -> ConventionTallyType:
        zh, en = rules_text(t.rules)
        return cls(
            adopted=t.adopted,
            rejection=None if t.rejection is None else ConventionRejectionType(t.rejection.value),
            yes=t.yes, no=t.no, abstain=t.abstain, eligible=t.eligible, void=t.void,
            quorum_required=t.quorum_required, majority_required=t.majority_required,
            rules=zh, rules_en=en,
        )  # fmt: skip


@strawberry.type(
    name="GroupConventionVersion",
    description="公约的一个版本：草案、表决中、生效、未通过或已废止；每个版本都可查阅 / "
    "A version of a convention: draft, being voted on, in force, rejected or superseded; "
    "every version stays readable",
)
class GroupConventionVersionType:
    id: strawberry.ID
    convention_id: strawberry.ID
    title_zh: str = strawberry.field(description="公约名称 / The convention's title")
    title_en: str
    number: int = strawberry.field(description="版本号（从 1 起）/ Version number, from 1")
    status: ConventionStatusType
    note: str = strawberry.field(description="本版说明 / What this version changes")
    drafted_at: datetime
    vote_opened_at: datetime | None
    vote_closed_at: datetime | None
    in_force_on: date | None = strawberry.field(description="生效日期 / In force from")
    in_force_until: date | None = strawberry.field(
        description="被下一版取代的日期 / The day the next version replaced it"
    )
    clauses: list[GroupConventionClauseType]
    tally: ConventionTallyType | None = strawberry.field(
        description="表决结束后的计票；之前为空 / The count once the vote closed"
    )
    ballots_cast: int = strawberry.field(description="已投票数 / Ballots cast so far")
    has_voted: bool = strawberry.field(
        description="当前用户（按户表决时为其住户）已投票 / "
        "The caller's ballot (their household's, where households vote) is cast"
    )

    @classmethod
    def of(cls, v: ConventionVersionView) -> GroupConventionVersionType:
        row, c = v.version, v.convention
        return cls(
            id=strawberry.ID(str(row.id)),
            convention_id=strawberry.ID(str(c.id)),
            title_zh=c.title_zh,
            title_en=c.title_en,
            number=row.version,
            status=ConventionStatusType(row.status.value),
            note=row.note,
            drafted_at=row.drafted_at,
            vote_opened_at=row.vote_opened_at,
            vote_closed_at=row.vote_closed_at,
            in_force_on=row.in_force_on,
            in_force_until=v.in_force_until,
            clauses=[GroupConventionClauseType.of(x) for x in v.clauses],
            tally=None if row.tally is None else ConventionTallyType.of(row.tally),
            ballots_cast=v.ballots_cast,
            has_voted=v.has_voted,
        )


@strawberry.type(
    name="GroupConvention",
    description="居民组织的自治公约（如《居民宠物豢养自治公约》），含全部版本 / "
    "A group's self-governance convention, with every version",
)
class GroupConventionType:
    id: strawberry.ID
    group_id: strawberry.ID
    title_zh: str
    title_en: str
    created_at: datetime
    versions: list[GroupConventionVersionType] = strawberry.field(
        description="全部版本，新的在前 / Every version, newest first"
    )
    in_force: GroupConventionVersionType | None = strawberry.field(
        description="现行有效的版本 / The version in force"
    )
    open_version: GroupConventionVersionType | None = strawberry.field(
        description="草案或表决中的版本 / The draft or the version being voted on"
    )

    @strawberry.field(description="按版本号取某一版本 / One version by its number")
    def version(self, number: int) -> GroupConventionVersionType | None:
        return next((v for v in self.versions if v.number == number), None)

    @classmethod
    def of(cls, v: ConventionView) -> GroupConventionType:
        versions = [GroupConventionVersionType.of(x) for x in v.versions]
        by_id = {x.id: x for x in versions}
        in_force, open_version = v.in_force, v.open_version
        return cls(
            id=strawberry.ID(str(v.convention.id)),
            group_id=strawberry.ID(str(v.convention.group_id)),
            title_zh=v.convention.title_zh,
            title_en=v.convention.title_en,
            created_at=v.convention.created_at,
            versions=versions,
            in_force=None if in_force is None else by_id[strawberry.ID(str(in_force.version.id))],
            open_version=None
            if open_version is None
            else by_id[strawberry.ID(str(open_version.version.id))],
        )


# -- fields on Group ------------------------------------------------------------------------
async def _conventions(root: GroupType, info: Info) -> list[GroupConventionType] | None:
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        found = await queries.group_conventions(
            actor, root.slug, int(root.id), community=root.registry, seen=root.view
        )
    except (model.GroupNotFound, Forbidden):
        return None
    except SanshiError as err:
        raise query_error(info, err) from None
    return [GroupConventionType.of(v) for v in found]


async def _convention(root: GroupType, info: Info, id: strawberry.ID) -> GroupConventionType | None:
    actor = principal_of(info)
    convention_id = maybe_id(id)
    if actor is None or convention_id is None:
        return None
    try:
        found = await queries.group_conventions(
            actor,
            root.slug,
            int(root.id),
            convention_id=convention_id,
            community=root.registry,
            seen=root.view,
        )
    except (model.GroupNotFound, Forbidden):
        return None
    return GroupConventionType.of(found[0]) if found else None


async def _in_force(root: GroupType, info: Info) -> list[GroupConventionVersionType]:
    actor = principal_of(info)
    if actor is None:
        return []
    try:
        found = await queries.conventions_in_force(
            actor, root.slug, int(root.id), community=root.registry, seen=root.view
        )
    except (model.GroupNotFound, Forbidden):
        return []
    return [GroupConventionVersionType.of(v) for v in found]


@strawberry.type
class GroupConventions:
    """The conventions' fields on Group."""

    conventions = strawberry.field(
        resolver=_conventions,
        description="组织的自治公约及其全部版本（成员、社区干部与工作人员可见）；他人为空 / "
        "The group's conventions with every version (for its members and the community's "
        "staff); null for anyone else",
    )
    convention = strawberry.field(
        resolver=_convention,
        description="按编号取公约；不存在或不可见时为空 / A convention by id; null when "
        "missing or not visible",
    )
    conventions_in_force = strawberry.field(
        resolver=_in_force,
        description="现行有效的公约版本（社区居民均可查阅）/ "
        "The versions in force of the group's conventions (every reader of the community)",
    )


# -- inputs ---------------------------------------------------------------------------------
@strawberry.input(
    name="DogBindingInput",
    description="条款约束哪些犬只；都不填则约束所有犬只 / The dogs a clause binds; "
    "neither given: every dog",
)
class DogBindingInput:
    size_classes: list[SizeClassType] = strawberry.field(default_factory=list)
    fierce: bool = strawberry.field(default=False, description="约束烈性犬 / Binds fierce dogs")


@strawberry.input(name="ClauseDutyInput", description="条款规定的义务 / A duty a clause creates")
class ClauseDutyInput:
    kind: DutyKindType
    due_hours: int = strawberry.field(description="期限（1–720 小时）/ Due in 1 to 720 hours")


@strawberry.input(name="GroupConventionClauseInput", description="一条条款 / A clause")
class GroupConventionClauseInput:
    number: int = strawberry.field(description="条款号，从 1 起连续 / Numbered 1 to n")
    text_zh: str
    text_en: str = ""
    binds: DogBindingInput | None = strawberry.field(
        default=None, description="约束的犬只；空为所有犬只 / The dogs it binds; null: every dog"
    )
    incident_kinds: list[IncidentKindType] = strawberry.field(
        default_factory=list, description="适用的事件类型 / The incidents it governs"
    )
    duties: list[ClauseDutyInput] = strawberry.field(
        default_factory=list, description="事件后产生的义务 / The duties such an incident creates"
    )


@strawberry.input(
    name="CreateGroupConventionInput",
    description="起草公约：名称与第 1 版草案的条款 / A new convention and its first draft",
)
class CreateGroupConventionInput:
    title_zh: str
    clauses: list[GroupConventionClauseInput]
    title_en: str = ""
    note: str = strawberry.field(default="", description="说明 / A note on the draft")


@strawberry.input(
    name="AmendGroupConventionInput",
    description="修订公约：新版本草案的条款；不填则照抄现行版本 / "
    "The next version's clauses; null: a copy of the version in force to edit",
)
class AmendGroupConventionInput:
    clauses: list[GroupConventionClauseInput] | None = None
    note: str = strawberry.field(default="", description="修订说明 / What it changes and why")


def _drafts(clauses: list[GroupConventionClauseInput]) -> list[ClauseDraft]:
    return [
        ClauseDraft(
            number=c.number,
            text_zh=c.text_zh,
            text_en=c.text_en,
            size_classes=()
            if c.binds is None
            else tuple(domain_member(SizeClass, s).value for s in c.binds.size_classes),
            fierce=False if c.binds is None else c.binds.fierce,
            incident_kinds=tuple(domain_member(IncidentKind, k).value for k in c.incident_kinds),
            duties=tuple((domain_member(DutyKind, d.kind).value, d.due_hours) for d in c.duties),
        )
        for c in clauses
    ]


# -- results --------------------------------------------------------------------------------
_ACT = (*COMMUNITY_ACT, GroupDissolvedErrorType)
_DRAFT = (
    *INPUT,
    ControlCharactersErrorType,
    EmptyConventionErrorType,
    ClauseNumbersInvalidErrorType,
    DueHoursOutOfRangeErrorType,
)

CreateGroupConventionResult = result(
    "CreateGroupConventionResult",
    "新公约（第 1 版草案）或失败原因 / The new convention (version 1, a draft) or why not",
    GroupConventionType,
    *_ACT,
    *_DRAFT,
    GroupNotFoundErrorType,
    ConventionTitleTakenErrorType,
)
AmendGroupConventionResult = result(
    "AmendGroupConventionResult",
    "含新草案的公约或失败原因 / The convention with its new draft or why not",
    GroupConventionType,
    *_ACT,
    *_DRAFT,
    ConventionNotFoundErrorType,
    ConventionHasOpenVersionErrorType,
)
EditGroupConventionDraftResult = result(
    "EditGroupConventionDraftResult",
    "修改草案后的公约或失败原因 / The convention with the edited draft or why not",
    GroupConventionType,
    *_ACT,
    *_DRAFT,
    ConventionVersionNotFoundErrorType,
    ConventionVersionNotDraftErrorType,
)
OpenGroupConventionVoteResult = result(
    "OpenGroupConventionVoteResult",
    "开始表决后的公约或失败原因 / The convention with the version put to the vote or why not",
    GroupConventionType,
    *_ACT,
    ConventionVersionNotFoundErrorType,
    ConventionVersionNotDraftErrorType,
)
CastGroupConventionBallotResult = result(
    "CastGroupConventionBallotResult",
    "投票后的公约或失败原因 / The convention after the ballot or why not",
    GroupConventionType,
    *_ACT,
    ConventionVersionNotFoundErrorType,
    ConventionVersionNotVotingErrorType,
    NotAGroupMemberErrorType,
    GroupMemberNotFoundErrorType,
    VoteAlreadyVotedErrorType,
)
CloseGroupConventionVoteResult = result(
    "CloseGroupConventionVoteResult",
    "表决结束后的公约（通过或未通过）或失败原因 / "
    "The convention after the count (adopted or rejected) or why not",
    GroupConventionType,
    *_ACT,
    ConventionVersionNotFoundErrorType,
    ConventionVersionNotVotingErrorType,
    VoteNoQuorumErrorType,
    InvalidDecisionRulesErrorType,
)


def _version_id(value: strawberry.ID) -> int:
    return parse_id(value, model.ConventionVersionNotFound)


@strawberry.type
class ConventionMutation:
    @strawberry.mutation(
        description="起草自治公约：名称与第 1 版草案（组织负责人与骨干、社区干部）/ "
        "Draft a convention, version 1 (the group's leader and core, community cadres)"
    )
    async def create_group_convention(
        self, info: Info, community: str, group_id: strawberry.ID, input: CreateGroupConventionInput
    ) -> CreateGroupConventionResult:
        async def act(actor: Principal) -> GroupConventionType:
            data = handlers.ConventionInput(
                title_zh=input.title_zh,
                title_en=input.title_en,
                note=input.note,
                clauses=_drafts(input.clauses),
            )
            view = await handlers.create_convention(
                actor, community, parse_id(group_id, model.GroupNotFound), data
            )
            return GroupConventionType.of(view)

        return await attempt(info, CreateGroupConventionResult, act)

    @strawberry.mutation(
        description="修订公约：起草下一版（组织负责人与骨干、社区干部）；同一时间只能有一个"
        "草案或表决 / Draft the next version (the group's leader and core, cadres); one "
        "draft or vote at a time"
    )
    async def amend_group_convention(
        self,
        info: Info,
        community: str,
        convention_id: strawberry.ID,
        input: AmendGroupConventionInput,
    ) -> AmendGroupConventionResult:
        async def act(actor: Principal) -> GroupConventionType:
            data = handlers.AmendmentInput(
                clauses=None if input.clauses is None else _drafts(input.clauses),
                note=input.note,
            )
            view = await handlers.amend_convention(
                actor, community, parse_id(convention_id, model.ConventionNotFound), data
            )
            return GroupConventionType.of(view)

        return await attempt(info, AmendGroupConventionResult, act)

    @strawberry.mutation(
        description="修改草案的条款（组织负责人与骨干、社区干部）/ "
        "Replace a draft's clauses (the group's leader and core, cadres)"
    )
    async def edit_group_convention_draft(
        self,
        info: Info,
        community: str,
        version_id: strawberry.ID,
        clauses: list[GroupConventionClauseInput],
        note: str | None = None,
    ) -> EditGroupConventionDraftResult:
        async def act(actor: Principal) -> GroupConventionType:
            view = await handlers.edit_draft(
                actor, community, _version_id(version_id), _drafts(clauses), note
            )
            return GroupConventionType.of(view)

        return await attempt(info, EditGroupConventionDraftResult, act)

    @strawberry.mutation(
        description="将草案提交成员表决（组织负责人与骨干、社区干部）/ "
        "Put a draft to the members' vote (the group's leader and core, cadres)"
    )
    async def open_group_convention_vote(
        self, info: Info, community: str, version_id: strawberry.ID
    ) -> OpenGroupConventionVoteResult:
        async def act(actor: Principal) -> GroupConventionType:
            view = await handlers.open_convention_vote(actor, community, _version_id(version_id))
            return GroupConventionType.of(view)

        return await attempt(info, OpenGroupConventionVoteResult, act)

    @strawberry.mutation(
        description="对公约版本投票：成员本人（按户表决时每户一票），或社区干部、网格员代为"
        "登记指定成员的纸质票 / Cast a ballot: a member's own (one per household where "
        "households vote), or a paper ballot a cadre or grid worker records for the member named"
    )
    async def cast_group_convention_ballot(
        self,
        info: Info,
        community: str,
        version_id: strawberry.ID,
        choice: AdoptionAnswerType,
        member_id: strawberry.ID | None = None,
    ) -> CastGroupConventionBallotResult:
        async def act(actor: Principal) -> GroupConventionType:
            member = None if member_id is None else parse_id(member_id, model.GroupMemberNotFound)
            view = await handlers.cast_convention_ballot(
                actor,
                community,
                _version_id(version_id),
                domain_member(Answer, choice),
                member_id=member,
            )
            return GroupConventionType.of(view)

        return await attempt(info, CastGroupConventionBallotResult, act)

    @strawberry.mutation(
        description="结束表决并按组织议事规则计票：通过则生效、旧版废止；未获多数则未通过；"
        "未达法定人数则拒绝结束（rejectWithoutQuorum 为真时按未通过结束）/ Close the vote and "
        "count it: adopted (in force, the old version superseded) or rejected; without a "
        "quorum it is refused unless rejectWithoutQuorum"
    )
    async def close_group_convention_vote(
        self,
        info: Info,
        community: str,
        version_id: strawberry.ID,
        reject_without_quorum: bool = False,
    ) -> CloseGroupConventionVoteResult:
        async def act(actor: Principal) -> GroupConventionType:
            view = await handlers.close_convention_vote(
                actor,
                community,
                _version_id(version_id),
                reject_without_quorum=reject_without_quorum,
            )
            return GroupConventionType.of(view)

        return await attempt(info, CloseGroupConventionVoteResult, act)
