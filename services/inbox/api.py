"""GraphQL adapter of the department inbox (部门工单): tickets, their events, department acts.

Resolvers call ``services.inbox.queries`` and ``services.inbox.handlers`` (one platform
transaction per call) and map their expected failures to typed union members. A ticket is
returned whole (a ``TicketView``: names and events read by the context in the same
transaction), so no field below a ticket runs a query of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from services import localtime
from services.api.kit.errors import (
    ForbiddenErrorType,
    InvalidInputErrorType,
    TextTooLongErrorType,
    UnauthenticatedErrorType,
    error_type,
    query_error,
)
from services.api.kit.ids import BIGINT_MAX, gid, maybe_id, parse_id
from services.api.kit.request import principal_of, require_principal
from services.api.kit.results import attempt, result
from services.auth.api import RoleType
from services.auth.model import Principal
from services.communities.api import CountyType
from services.departments.model import NoFallbackDepartment
from services.errors import SanshiError
from services.inbox import handlers as inbox
from services.inbox.model import (
    DEFAULT_PAGE,
    CannotRerouteToSelf,
    DepartmentNotFound,
    InboxFilter,
    InfoNotRequested,
    TicketAlreadyRouted,
    TicketClosed,
    TicketNotFound,
)
from services.inbox.queries import TicketView, department_inbox, find_ticket
from services.matters.api import ReasonRequiredErrorType
from services.routing.api import TicketEventKindType, TicketOverdueType, TicketStatusType
from services.routing.model import (
    TICKET_TRANSITIONS,
    EventKind,
    IllegalTicketTransition,
    TicketStatus,
    overdue_of,
)
from services.routing.queries import TicketEventRow

TicketNotFoundErrorType = error_type(
    TicketNotFound, "TicketNotFoundError", "工单不存在或不可见 / No such ticket (or not visible)"
)
IllegalTicketTransitionErrorType = error_type(
    IllegalTicketTransition,
    "IllegalTicketTransitionError",
    "工单当前状态不允许此操作 / The ticket's status does not allow this act",
)
DepartmentNotFoundErrorType = error_type(
    DepartmentNotFound,
    "DepartmentNotFoundError",
    "部门不存在或已停用 / No such active department in the county",
)
CannotRerouteToSelfErrorType = error_type(
    CannotRerouteToSelf,
    "CannotRerouteToSelfError",
    "不能转回本部门 / A ticket cannot be re-routed to the department rejecting it",
)
NoFallbackDepartmentErrorType = error_type(
    NoFallbackDepartment,
    "NoFallbackDepartmentError",
    "本县没有兜底协调部门 / The county has no fallback coordination office",
)
TicketAlreadyRoutedErrorType = error_type(
    TicketAlreadyRouted,
    "TicketAlreadyRoutedError",
    "该部门已有此事项的工单 / That department already has a ticket for this matter",
)
InfoNotRequestedErrorType = error_type(
    InfoNotRequested,
    "InfoNotRequestedError",
    "部门未要求补充材料 / The department has not asked for information",
)
TicketClosedErrorType = error_type(
    TicketClosed,
    "TicketClosedError",
    "工单已结束，不能督办 / A finished ticket cannot be supervised",
)

# --------------------------------------------------------------------------------------
# Output types
# --------------------------------------------------------------------------------------


_gid = gid


@strawberry.type(
    name="TicketEvent",
    description="工单上的一次行为，会同步到社区的事项记录 / "
    "One act on a ticket; it flows back to the community's matter history",
)
class TicketEventType:
    id: strawberry.ID
    kind: TicketEventKindType
    kind_label_zh: str
    kind_label_en: str
    actor: str
    actor_role: RoleType
    note: str = strawberry.field(description="说明、问题、理由或答复 / Note, question, reason")
    data: JSON = strawberry.field(description="结构化细节 / Structured details of the act")
    at: datetime

    @classmethod
    def from_row(cls, r: TicketEventRow) -> TicketEventType:
        kind = EventKind(r.kind)
        return cls(
            id=strawberry.ID(str(r.id)),
            kind=TicketEventKindType(kind.value),
            kind_label_zh=kind.label_zh,
            kind_label_en=kind.label_en,
            actor=r.actor,
            actor_role=RoleType(r.actor_role),
            note=r.note,
            data=JSON(r.data),
            at=r.at,
        )


@strawberry.type(
    name="Ticket",
    description="转给一个县级部门的大事工单：部门办理所需的信息（不含居民电话、身份证号）/ "
    "A major matter routed to one county department: only what the department needs",
)
class TicketType:
    id: strawberry.ID
    county: CountyType
    department_code: str
    department_name_zh: str
    department_name_en: str
    community_slug: str
    community_name_zh: str
    community_name_en: str
    matter_id: strawberry.ID
    matter_number: str = strawberry.field(description="社区台账编号 / The ledger number")
    sheet_version: int = strawberry.field(
        description="转办依据的三事归类单版本 / Classification sheet version that routed it"
    )
    title: str
    description: str
    category: str
    place: str
    grid_name: str
    household_address: str | None = strawberry.field(
        description="住户地址，仅在事项需要时提供 / The household's address, only where needed"
    )
    circumstances: JSON | None = strawberry.field(
        description="住户情况，仅在事项需要时提供 / Household circumstances, only where needed"
    )
    status: TicketStatusType
    status_label_zh: str
    status_label_en: str
    commitment: str | None = strawberry.field(
        description="部门的答复或承诺 / The department's answer or commitment"
    )
    commitment_due_on: date | None = strawberry.field(
        description="承诺完成日期（即办理期限）/ Commitment date (it is the resolve deadline)"
    )
    ack_due_at: datetime = strawberry.field(description="签收期限 / Acknowledge by")
    resolve_due_at: datetime = strawberry.field(description="办理期限 / Resolve by")
    overdue: bool = strawberry.field(description="是否超期（实时）/ Past a deadline now")
    overdue_kind: TicketOverdueType | None
    supervised: bool = strawberry.field(description="县里督办 / Supervised (督办) by the county")
    supervised_by: str | None
    supervision_note: str
    rerouted_from: strawberry.ID | None = strawberry.field(
        description="由哪张被退回的工单改派而来 / The rejected ticket this one replaces"
    )
    rerouted_to: strawberry.ID | None = strawberry.field(
        description="退回后改派生成的工单 / The ticket created when this one was rejected"
    )
    allowed_transitions: list[TicketStatusType] = strawberry.field(
        description="当前状态可变更为 / Statuses the lifecycle allows next"
    )
    events: list[TicketEventType] = strawberry.field(description="事件，最早的在前 / Oldest first")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_view(cls, v: TicketView, now: datetime | None = None) -> TicketType:
        t = v.ticket
        status = t.status
        # "overdue" changes with the time alone: localtime.now() keeps it out of the cache.
        overdue = overdue_of(status, t.ack_due_at, t.resolve_due_at, now or localtime.now())
        return cls(
            id=strawberry.ID(str(t.id)),
            county=CountyType(
                code=t.county_code,
                name_zh=v.county_name_zh or t.county_code,
                name_en=v.county_name_en or "",
            ),
            department_code=t.department_code,
            department_name_zh=v.department_name_zh or t.department_code,
            department_name_en=v.department_name_en or t.department_code,
            community_slug=t.community_slug,
            community_name_zh=v.community_name_zh or t.community_slug,
            community_name_en=v.community_name_en or "",
            matter_id=strawberry.ID(str(t.matter_id)),
            matter_number=t.matter_number,
            sheet_version=t.sheet_version,
            title=t.title,
            description=t.description,
            category=t.category,
            place=t.place,
            grid_name=t.grid_name,
            household_address=t.household_address,
            circumstances=None if t.circumstances is None else JSON(t.circumstances),
            status=TicketStatusType(status.value),
            status_label_zh=status.label_zh,
            status_label_en=status.label_en,
            commitment=t.commitment,
            commitment_due_on=t.commitment_due_on,
            ack_due_at=t.ack_due_at,
            resolve_due_at=t.resolve_due_at,
            overdue=overdue is not None,
            overdue_kind=None if overdue is None else TicketOverdueType(overdue),
            supervised=t.supervised,
            supervised_by=t.supervised_by,
            supervision_note=t.supervision_note,
            rerouted_from=_gid(t.rerouted_from),
            rerouted_to=_gid(v.rerouted_to),
            allowed_transitions=[
                TicketStatusType(s.value) for s in TicketStatus if s in TICKET_TRANSITIONS[status]
            ],
            events=[TicketEventType.from_row(e) for e in v.events],
            created_at=t.created_at,
            updated_at=t.updated_at,
        )


@strawberry.type(name="TicketPageInfo", description="分页信息 / Where this page ends")
class TicketPageInfoType:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(
        description="作为下一页的 after 参数 / Pass as `after` for the next page"
    )


@strawberry.type(
    name="TicketConnection",
    description="收件箱的一页（按办理期限、编号排序）/ A page of the inbox, soonest deadline first",
)
class TicketConnectionType:
    items: list[TicketType]
    page_info: TicketPageInfoType
    total_count: int = strawberry.field(description="筛选后的总条数 / Tickets matching the filter")


@strawberry.input(name="InboxFilterInput", description="收件箱筛选条件 / Inbox filters")
class InboxFilterInput:
    statuses: list[TicketStatusType] | None = strawberry.field(
        default=None, description="任一状态 / Any of these statuses"
    )
    communities: list[str] | None = strawberry.field(
        default=None, description="任一社区（标识）/ Any of these communities (slugs)"
    )
    departments: list[str] | None = strawberry.field(
        default=None,
        description="任一部门（县管理员、县领导用；部门工作人员只看本部门）/ "
        "Any of these departments (county users; an officer always sees only their own)",
    )
    due_from: date | None = strawberry.field(
        default=None, description="办理期限不早于此日（含）/ Resolve deadline on or after"
    )
    due_to: date | None = strawberry.field(
        default=None, description="办理期限不晚于此日（含）/ Resolve deadline on or before"
    )
    overdue_only: bool = strawberry.field(default=False, description="只看超期 / Overdue only")
    supervised_only: bool = strawberry.field(
        default=False, description="只看督办 / Supervised only"
    )

    def to_filter(self) -> InboxFilter:
        return InboxFilter(
            statuses=tuple(TicketStatus(s.value) for s in self.statuses or ()),
            communities=tuple(self.communities or ()),
            departments=tuple(self.departments or ()),
            due_from=self.due_from,
            due_to=self.due_to,
            overdue_only=self.overdue_only,
            supervised_only=self.supervised_only,
        )


# --------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------


def _ticket_id(value: strawberry.ID | str) -> int:
    """An ID argument as a ticket id (platform tables have bigint ids)."""
    return parse_id(value, TicketNotFound, limit=BIGINT_MAX)


@strawberry.type
class InboxQuery:
    @strawberry.field(
        description="本部门的工单（全县各社区），按办理期限排序；县管理员、县领导看全县各部门；"
        "其他角色无权（FORBIDDEN）/ The caller's department's tickets from every community "
        "of the county, soonest deadline first; county admins and leaders see every "
        "department of their county; other roles get FORBIDDEN"
    )
    async def department_inbox(
        self,
        info: Info,
        filter: InboxFilterInput | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> TicketConnectionType:
        try:
            actor = require_principal(info)
            filt = filter.to_filter() if filter else None
            page = await department_inbox(actor, filt, first, after)
        except SanshiError as err:
            raise query_error(info, err) from None
        return TicketConnectionType(
            items=[TicketType.from_view(v, page.now) for v in page.tickets],
            page_info=TicketPageInfoType(
                has_next_page=page.has_next_page, end_cursor=page.end_cursor
            ),
            total_count=page.total_count,
        )

    @strawberry.field(
        description="按编号取工单；不存在或不可见时为空 / A ticket by id; null when missing or "
        "not visible"
    )
    async def ticket(self, info: Info, id: strawberry.ID) -> TicketType | None:
        view = await find_ticket(principal_of(info), maybe_id(id, limit=BIGINT_MAX))
        return None if view is None else TicketType.from_view(view)


# --------------------------------------------------------------------------------------
# Mutations
# --------------------------------------------------------------------------------------

_BASE = (
    UnauthenticatedErrorType,
    ForbiddenErrorType,
    TicketNotFoundErrorType,
    InvalidInputErrorType,
    TextTooLongErrorType,
)


def _result(name: str, description: str, *errors: Any) -> Any:
    """The result of a ticket act: the ticket, or why not."""
    return result(name, description, TicketType, *_BASE, *errors)


AcknowledgeTicketResult = _result(
    "AcknowledgeTicketResult",
    "签收后的工单 / Acknowledged, or why not",
    IllegalTicketTransitionErrorType,
)
RequestTicketInfoResult = _result(
    "RequestTicketInfoResult",
    "已请社区补充材料 / Information asked for, or why not",
    IllegalTicketTransitionErrorType,
)
ProvideTicketInfoResult = _result(
    "ProvideTicketInfoResult",
    "已补充材料 / Information provided, or why not",
    IllegalTicketTransitionErrorType,
    InfoNotRequestedErrorType,
)
RejectTicketResult = _result(
    "RejectTicketResult",
    "退回的工单（已改派）/ The rejected (re-routed) ticket, or why not",
    IllegalTicketTransitionErrorType,
    ReasonRequiredErrorType,
    DepartmentNotFoundErrorType,
    CannotRerouteToSelfErrorType,
    NoFallbackDepartmentErrorType,
    TicketAlreadyRoutedErrorType,
)
AnswerTicketResult = _result(
    "AnswerTicketResult",
    "已答复（承诺）/ Answered with a commitment, or why not",
    IllegalTicketTransitionErrorType,
)
ReportTicketProgressResult = _result(
    "ReportTicketProgressResult",
    "已报告进展 / Progress reported, or why not",
    IllegalTicketTransitionErrorType,
)
MarkTicketDoneResult = _result(
    "MarkTicketDoneResult", "已办结 / Done, or why not", IllegalTicketTransitionErrorType
)
SuperviseTicketResult = _result(
    "SuperviseTicketResult",
    "督办标记 / Supervision set or lifted, or why not",
    TicketClosedErrorType,
)


async def _attempt(
    info: Info, union: Any, act: Callable[[Principal], Awaitable[TicketView]]
) -> Any:
    """Run a handler as the caller: the ticket it answers with, or the typed error member."""

    async def run(actor: Principal) -> TicketType:
        return TicketType.from_view(await act(actor))

    return await attempt(info, union, run)


@strawberry.type
class InboxMutation:
    @strawberry.mutation(description="签收工单 / Acknowledge (签收) a ticket")
    async def acknowledge_ticket(self, info: Info, id: strawberry.ID) -> AcknowledgeTicketResult:
        settings = info.context.settings
        return await _attempt(
            info,
            AcknowledgeTicketResult,
            lambda actor: inbox.acknowledge(actor, _ticket_id(id), settings),
        )

    @strawberry.mutation(
        description="请社区补充材料 / Ask the community for information on a ticket"
    )
    async def request_ticket_info(
        self, info: Info, id: strawberry.ID, question: str
    ) -> RequestTicketInfoResult:
        settings = info.context.settings
        return await _attempt(
            info,
            RequestTicketInfoResult,
            lambda actor: inbox.request_info(actor, _ticket_id(id), question, settings),
        )

    @strawberry.mutation(
        description="社区补充材料（社区干部、网格员）/ The community provides the information "
        "asked for (cadres, grid workers)"
    )
    async def provide_ticket_info(
        self, info: Info, id: strawberry.ID, text: str
    ) -> ProvideTicketInfoResult:
        settings = info.context.settings
        return await _attempt(
            info,
            ProvideTicketInfoResult,
            lambda actor: inbox.provide_info(actor, _ticket_id(id), text, settings),
        )

    @strawberry.mutation(
        description="退回（非本部门职责），改派给指定部门或县协调办 / Reject as not this "
        "department's; re-routed to the named department or the fallback office"
    )
    async def reject_ticket(
        self, info: Info, id: strawberry.ID, reason: str, reroute_to: str | None = None
    ) -> RejectTicketResult:
        settings = info.context.settings
        return await _attempt(
            info,
            RejectTicketResult,
            lambda actor: inbox.reject(
                actor, _ticket_id(id), reason, settings, reroute_to=reroute_to
            ),
        )

    @strawberry.mutation(
        description="答复，可附承诺完成日期（即新的办理期限）/ Answer, optionally with a "
        "commitment date (it becomes the resolve deadline)"
    )
    async def answer_ticket(
        self, info: Info, id: strawberry.ID, text: str, due_on: date | None = None
    ) -> AnswerTicketResult:
        settings = info.context.settings
        return await _attempt(
            info,
            AnswerTicketResult,
            lambda actor: inbox.answer(actor, _ticket_id(id), text, settings, due_on=due_on),
        )

    @strawberry.mutation(description="报告办理进展 / Report progress")
    async def report_ticket_progress(
        self, info: Info, id: strawberry.ID, note: str
    ) -> ReportTicketProgressResult:
        settings = info.context.settings
        return await _attempt(
            info,
            ReportTicketProgressResult,
            lambda actor: inbox.report_progress(actor, _ticket_id(id), note, settings),
        )

    @strawberry.mutation(description="办结，附说明 / Mark done, with a note")
    async def mark_ticket_done(
        self, info: Info, id: strawberry.ID, note: str
    ) -> MarkTicketDoneResult:
        settings = info.context.settings
        return await _attempt(
            info,
            MarkTicketDoneResult,
            lambda actor: inbox.mark_done(actor, _ticket_id(id), note, settings),
        )

    @strawberry.mutation(
        description="督办（县管理员）：设置或取消 / Supervise (督办) a ticket, or lift it "
        "(county administrators)"
    )
    async def supervise_ticket(
        self, info: Info, id: strawberry.ID, on: bool = True, note: str = ""
    ) -> SuperviseTicketResult:
        settings = info.context.settings
        return await _attempt(
            info,
            SuperviseTicketResult,
            lambda actor: inbox.supervise(actor, _ticket_id(id), note, settings, on=on),
        )
