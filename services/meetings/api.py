"""GraphQL adapter of joint meetings (联席会议): types, queries, mutations.

Who sees a meeting is decided by the meetings context (services.meetings.queries: the
convening community's staff, the county's administrators and leaders, officers of invited
departments — who see only their own department's agenda items). Mutations are the
community cadre's and return unions of the result and this slice's typed errors.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types import Info

from services.api.kit.errors import error_type
from services.api.kit.ids import BIGINT_MAX, maybe_id, parse_id
from services.api.kit.request import principal_of, require_principal
from services.api.kit.results import COMMUNITY_ACT, INPUT, attempt, result
from services.auth.model import Principal
from services.communities.api import CommunityType
from services.errors import SanshiError
from services.meetings import handlers, queries
from services.meetings import model as m
from services.meetings.queries import MeetingItemView, MeetingView

# --------------------------------------------------------------------------------------
# Errors (declared here: the meetings slice raises only its own and the shared ones)
# --------------------------------------------------------------------------------------

JointMeetingNotFoundErrorType = error_type(
    m.JointMeetingNotFound,
    "JointMeetingNotFoundError",
    "联席会议不存在或不可见 / No such joint meeting (or not visible to you)",
)
JointMeetingItemNotFoundErrorType = error_type(
    m.JointMeetingItemNotFound,
    "JointMeetingItemNotFoundError",
    "议题不存在或不可见 / No such agenda item (or not visible to you)",
)
JointMeetingTicketNotFoundErrorType = error_type(
    m.JointMeetingTicketNotFound,
    "JointMeetingTicketNotFoundError",
    "本社区没有该转办工单 / No such routed ticket in this community",
)
JointMeetingTicketClosedErrorType = error_type(
    m.JointMeetingTicketClosed,
    "JointMeetingTicketClosedError",
    "工单已办结、退回或撤销 / The ticket is done, rejected or cancelled",
)
JointMeetingUnknownDepartmentErrorType = error_type(
    m.JointMeetingUnknownDepartment,
    "JointMeetingUnknownDepartmentError",
    "本县没有该在用部门 / No such active department in the county",
)
JointMeetingClosedErrorType = error_type(
    m.JointMeetingClosed,
    "JointMeetingClosedError",
    "会议已取消（或已召开），不能这样修改 / The meeting is cancelled (or held) for this",
)
JointMeetingItemDecidedErrorType = error_type(
    m.JointMeetingItemDecided,
    "JointMeetingItemDecidedError",
    "议题已记录结果 / The agenda item already has an outcome",
)


def _result(name: str, description: str, success: type, *errors: Any) -> Any:
    """A mutation's result: the community's access errors and bad input, then its own."""
    return result(name, description, success, *COMMUNITY_ACT, *INPUT, *errors)


# --------------------------------------------------------------------------------------
# Output types
# --------------------------------------------------------------------------------------


@strawberry.enum(name="JointMeetingStatus", description="联席会议状态 / Joint meeting status")
class JointMeetingStatusType(enum.Enum):
    PLANNED = strawberry.enum_value("planned", description="已召集 / Convened, not held yet")
    HELD = strawberry.enum_value("held", description="已召开 / Held")
    CANCELLED = strawberry.enum_value("cancelled", description="已取消 / Cancelled")


@strawberry.enum(name="JointMeetingOutcome", description="议题结果 / Outcome of an agenda item")
class JointMeetingOutcomeType(enum.Enum):
    ANSWERED = strawberry.enum_value(
        "answered", description="部门当面答复（工单已答复）/ Answered in person (ticket answered)"
    )
    COMMITMENT = strawberry.enum_value(
        "commitment",
        description="承诺办理并写明日期（工单已答复，办结期限为该日）/ "
        "A commitment with a due date (ticket answered; its deadline becomes that day)",
    )
    REFERRED = strawberry.enum_value(
        "referred", description="转交他处（工单不变）/ Referred elsewhere (ticket unchanged)"
    )
    NEEDS_FOLLOW_UP = strawberry.enum_value(
        "needs_follow_up", description="需会后跟进（工单不变）/ Followed up later (unchanged)"
    )


@strawberry.type(name="JointMeetingParticipant", description="参会人员 / A participant")
class ParticipantType:
    name: str = strawberry.field(description="姓名 / Name")
    role: str = strawberry.field(description="身份或职务 / What they attend as")


@strawberry.type(name="JointMeetingCommunity", description="召集社区 / The convening community")
class MeetingCommunityType:
    slug: str
    name_zh: str
    name_en: str


@strawberry.type(name="JointMeetingDepartment", description="受邀部门 / An invited department")
class MeetingDepartmentType:
    code: str
    name_zh: str
    name_en: str
    attended: bool | None = strawberry.field(
        description="是否到会（会议召开后填写）/ Whether it attended (set when held)"
    )


@strawberry.type(name="JointMeetingTicket", description="上会的转办工单 / A ticket on the agenda")
class MeetingTicketType:
    id: strawberry.ID
    matter_number: str = strawberry.field(description="事项编号 / The matter's number")
    title: str
    category: str
    department_code: str
    department_name_zh: str
    department_name_en: str
    status: str = strawberry.field(
        description="工单状态：routed, acknowledged, info_requested, answered, in_progress, "
        "done, rejected, cancelled / Ticket status"
    )
    status_zh: str
    status_en: str
    commitment: str | None
    commitment_due_on: date | None
    resolve_due_at: datetime = strawberry.field(description="办结期限 / Resolve deadline")
    overdue: str | None = strawberry.field(
        description="逾期：ack（未按期签收）或 resolve（未按期办结）/ 'ack' or 'resolve' if late"
    )


@strawberry.type(name="JointMeetingItem", description="会议议题 / An agenda item")
class MeetingItemType:
    id: strawberry.ID
    ticket: MeetingTicketType
    minutes: str = strawberry.field(description="会议记录 / Minutes")
    outcome: JointMeetingOutcomeType | None
    commitment: str | None = strawberry.field(description="承诺内容 / The commitment")
    commitment_due_on: date | None = strawberry.field(description="承诺完成日期 / Due date")
    recorded_by: str | None
    recorded_at: datetime | None

    @classmethod
    def from_view(cls, v: MeetingItemView) -> MeetingItemType:
        i, t = v.item, v.ticket
        status = t.status
        return cls(
            id=strawberry.ID(str(i.id)),
            ticket=MeetingTicketType(
                id=strawberry.ID(str(t.id)),
                matter_number=t.matter_number,
                title=t.title,
                category=t.category,
                department_code=t.department_code,
                department_name_zh=v.department_name_zh or t.department_code,
                department_name_en=v.department_name_en or t.department_code,
                status=status.value,
                status_zh=status.label_zh,
                status_en=status.label_en,
                commitment=t.commitment,
                commitment_due_on=t.commitment_due_on,
                resolve_due_at=t.resolve_due_at,
                overdue=None if t.overdue is None else t.overdue.value,
            ),
            minutes=i.minutes,
            outcome=None if i.outcome is None else JointMeetingOutcomeType(i.outcome.value),
            commitment=i.commitment,
            commitment_due_on=i.commitment_due_on,
            recorded_by=i.recorded_by,
            recorded_at=i.recorded_at,
        )


def _people(people: list[m.Participant]) -> list[ParticipantType]:
    return [ParticipantType(name=p.name, role=p.role) for p in people]


@strawberry.type(
    name="JointMeeting",
    description="联席会议：社区召集县级部门、镇干部、义工队负责人和相关居民当面议定大事 / "
    "A joint meeting on major matters, face to face with the county departments",
)
class JointMeetingType:
    id: strawberry.ID
    community: MeetingCommunityType
    held_on: date = strawberry.field(description="会议日期 / Date")
    place: str = strawberry.field(description="地点 / Place")
    title: str
    convened_by: str
    status: JointMeetingStatusType
    departments: list[MeetingDepartmentType] = strawberry.field(
        description="受邀部门 / Invited departments"
    )
    town_cadres: list[ParticipantType] = strawberry.field(description="镇干部 / Town cadres")
    volunteer_leaders: list[ParticipantType] = strawberry.field(
        description="义工队负责人 / Volunteer-team leaders"
    )
    residents: list[ParticipantType] = strawberry.field(description="相关居民 / Residents")
    items: list[MeetingItemType] = strawberry.field(
        description="议题；部门工作人员只看到本部门的 / Agenda items; a department officer "
        "sees their own department's only"
    )
    created_at: datetime

    @classmethod
    def from_view(cls, v: MeetingView) -> JointMeetingType:
        r = v.meeting
        return cls(
            id=strawberry.ID(str(r.id)),
            community=MeetingCommunityType(
                slug=r.community_slug,
                name_zh=v.community_name_zh,
                name_en=v.community_name_en,
            ),
            held_on=r.held_on,
            place=r.place,
            title=r.title,
            convened_by=r.convened_by,
            status=JointMeetingStatusType(r.status.value),
            departments=[
                MeetingDepartmentType(
                    code=d.code, name_zh=d.name_zh, name_en=d.name_en, attended=d.attended
                )
                for d in v.departments
            ],
            town_cadres=_people(r.town_cadres),
            volunteer_leaders=_people(r.volunteer_leaders),
            residents=_people(r.residents),
            items=[MeetingItemType.from_view(i) for i in v.items],
            created_at=r.created_at,
        )


# --------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------


def _int_id(value: strawberry.ID | str, not_found: type[SanshiError]) -> int:
    """A meeting's or item's id (platform tables have bigint ids)."""
    return parse_id(value, not_found, limit=BIGINT_MAX)


def _status(value: JointMeetingStatusType | None) -> m.MeetingStatus | None:
    return None if value is None else m.MeetingStatus(str(value.value))


async def _community_joint_meetings(
    root: CommunityType, info: Info, status: JointMeetingStatusType | None = None
) -> list[JointMeetingType]:
    views = await queries.community_meetings(
        require_principal(info), root.slug, status=_status(status)
    )
    return [JointMeetingType.from_view(v) for v in views]


@strawberry.type
class CommunityJointMeetings:
    """The meetings context's field on Community."""

    joint_meetings = strawberry.field(
        resolver=_community_joint_meetings,
        description="本社区的联席会议，新的在前 / The community's joint meetings, latest first",
    )


@strawberry.type
class MeetingQuery:
    @strawberry.field(
        description="可见的联席会议（部门工作人员：受邀的；社区：本社区的；县：全县的），"
        "新的在前 / Joint meetings visible to you (departments: those they are invited to), "
        "latest first"
    )
    async def joint_meetings(
        self,
        info: Info,
        community: str | None = None,
        status: JointMeetingStatusType | None = None,
        from_date: date | None = None,
        to_date: date | None = None,
        first: int = m.DEFAULT_PAGE,
    ) -> list[JointMeetingType]:
        views = await queries.list_meetings(
            principal_of(info),
            community=community,
            status=_status(status),
            from_date=from_date,
            to_date=to_date,
            first=first,
        )
        return [JointMeetingType.from_view(v) for v in views]

    @strawberry.field(
        description="按编号取联席会议；不存在或不可见时为空 / A joint meeting; null when "
        "missing or not visible"
    )
    async def joint_meeting(self, info: Info, id: strawberry.ID) -> JointMeetingType | None:
        view = await queries.find_meeting(principal_of(info), maybe_id(id, limit=BIGINT_MAX))
        return None if view is None else JointMeetingType.from_view(view)


# --------------------------------------------------------------------------------------
# Inputs and mutations
# --------------------------------------------------------------------------------------


@strawberry.input(name="JointMeetingParticipantInput")
class ParticipantInput:
    name: str = strawberry.field(description="姓名 / Name")
    role: str = strawberry.field(default="", description="身份或职务 / What they attend as")


@strawberry.input(name="ConveneJointMeetingInput")
class ConveneJointMeetingInput:
    held_on: date = strawberry.field(description="会议日期 / Date")
    place: str = strawberry.field(description="地点 / Place")
    title: str = strawberry.field(default="", description="会议名称 / Title")
    departments: list[str] = strawberry.field(
        default_factory=list, description="受邀部门代码 / Codes of invited departments"
    )
    town_cadres: list[ParticipantInput] = strawberry.field(default_factory=list)
    volunteer_leaders: list[ParticipantInput] = strawberry.field(default_factory=list)
    residents: list[ParticipantInput] = strawberry.field(default_factory=list)


@strawberry.input(name="JointMeetingOutcomeInput")
class JointMeetingOutcomeInput:
    outcome: JointMeetingOutcomeType
    minutes: str = strawberry.field(default="", description="会议记录 / Minutes")
    commitment: str | None = strawberry.field(
        default=None, description="承诺内容（仅承诺办理）/ The commitment (commitment only)"
    )
    commitment_due_on: date | None = strawberry.field(
        default=None, description="承诺完成日期（仅承诺办理）/ Its due date (commitment only)"
    )


def _participants(rows: list[ParticipantInput]) -> list[m.Participant]:
    return [m.Participant(p.name, p.role) for p in rows]


ConveneJointMeetingResult = _result(
    "ConveneJointMeetingResult",
    "召集的联席会议或失败原因 / The convened meeting, or why not",
    JointMeetingType,
    JointMeetingUnknownDepartmentErrorType,
)
SetJointMeetingAgendaResult = _result(
    "SetJointMeetingAgendaResult",
    "更新议程后的会议或失败原因 / The meeting with its agenda, or why not",
    JointMeetingType,
    JointMeetingNotFoundErrorType,
    JointMeetingClosedErrorType,
    JointMeetingTicketNotFoundErrorType,
    JointMeetingTicketClosedErrorType,
)
RecordJointMeetingOutcomeResult = _result(
    "RecordJointMeetingOutcomeResult",
    "记录结果后的议题或失败原因 / The agenda item with its outcome, or why not",
    MeetingItemType,
    JointMeetingItemNotFoundErrorType,
    JointMeetingClosedErrorType,
    JointMeetingItemDecidedErrorType,
    JointMeetingTicketClosedErrorType,
)
MarkJointMeetingHeldResult = _result(
    "MarkJointMeetingHeldResult",
    "已召开的会议或失败原因 / The held meeting, or why not",
    JointMeetingType,
    JointMeetingNotFoundErrorType,
    JointMeetingClosedErrorType,
)
CancelJointMeetingResult = _result(
    "CancelJointMeetingResult",
    "已取消的会议或失败原因 / The cancelled meeting, or why not",
    JointMeetingType,
    JointMeetingNotFoundErrorType,
    JointMeetingClosedErrorType,
)


async def _attempt(
    info: Info, union: Any, act: Callable[[Principal], Awaitable[Any]], wrap: Callable[[Any], Any]
) -> Any:
    """``kit.attempt`` over a handler call and the wrapping of its value."""

    async def run(actor: Principal) -> Any:
        return wrap(await act(actor))

    return await attempt(info, union, run)


@strawberry.type
class MeetingMutation:
    @strawberry.mutation(
        description="召集联席会议（社区干部）/ Convene a joint meeting (community cadre)"
    )
    async def convene_joint_meeting(
        self, info: Info, community: str, input: ConveneJointMeetingInput
    ) -> ConveneJointMeetingResult:
        data = m.ConveneInput(
            held_on=input.held_on,
            place=input.place,
            title=input.title,
            departments=input.departments,
            town_cadres=_participants(input.town_cadres),
            volunteer_leaders=_participants(input.volunteer_leaders),
            residents=_participants(input.residents),
        )
        return await _attempt(
            info,
            ConveneJointMeetingResult,
            lambda actor: handlers.convene_meeting(actor, community, data, info.context.settings),
            JointMeetingType.from_view,
        )

    @strawberry.mutation(
        description="设定议程：所列工单，或省略时本社区全部待办大事；已有结果的议题保留 / "
        "Set the agenda: these tickets, or all the community's pending major matters when "
        "omitted; items with an outcome stay"
    )
    async def set_joint_meeting_agenda(
        self, info: Info, meeting_id: strawberry.ID, ticket_ids: list[strawberry.ID] | None = None
    ) -> SetJointMeetingAgendaResult:
        async def act(actor: Principal) -> MeetingView:
            ids = None
            if ticket_ids is not None:
                ids = [_int_id(t, m.JointMeetingTicketNotFound) for t in ticket_ids]
            return await handlers.set_agenda(
                actor, _int_id(meeting_id, m.JointMeetingNotFound), ids
            )

        return await _attempt(info, SetJointMeetingAgendaResult, act, JointMeetingType.from_view)

    @strawberry.mutation(
        description="记录议题的会议记录和结果，并据此更新工单 / Record an agenda item's "
        "minutes and outcome; the ticket follows"
    )
    async def record_joint_meeting_outcome(
        self, info: Info, item_id: strawberry.ID, input: JointMeetingOutcomeInput
    ) -> RecordJointMeetingOutcomeResult:
        data = m.OutcomeInput(
            outcome=m.Outcome(str(input.outcome.value)),
            minutes=input.minutes,
            commitment=input.commitment,
            commitment_due_on=input.commitment_due_on,
        )
        return await _attempt(
            info,
            RecordJointMeetingOutcomeResult,
            lambda actor: handlers.record_outcome(
                actor,
                _int_id(item_id, m.JointMeetingItemNotFound),
                data,
                info.context.settings,
            ),
            MeetingItemType.from_view,
        )

    @strawberry.mutation(
        description="标记会议已召开，并记录到会部门 / Mark the meeting held, with the "
        "departments that attended"
    )
    async def mark_joint_meeting_held(
        self, info: Info, meeting_id: strawberry.ID, attended_departments: list[str]
    ) -> MarkJointMeetingHeldResult:
        return await _attempt(
            info,
            MarkJointMeetingHeldResult,
            lambda actor: handlers.mark_held(
                actor, _int_id(meeting_id, m.JointMeetingNotFound), attended_departments
            ),
            JointMeetingType.from_view,
        )

    @strawberry.mutation(description="取消会议（须说明理由）/ Cancel the meeting, with a reason")
    async def cancel_joint_meeting(
        self, info: Info, meeting_id: strawberry.ID, reason: str
    ) -> CancelJointMeetingResult:
        return await _attempt(
            info,
            CancelJointMeetingResult,
            lambda actor: handlers.cancel_meeting(
                actor, _int_id(meeting_id, m.JointMeetingNotFound), reason, info.context.settings
            ),
            JointMeetingType.from_view,
        )
