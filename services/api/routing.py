"""GraphQL adapter of the routing context: county departments, routing rules, deadlines, and
where a major matter went (``Matter.routes``, ``Matter.departmentUpdates``).

County administrators edit departments, rules and deadline policies of their county; its
leaders and department officers read them. A county that is missing and one the caller
may not see read the same (null / CountyNotFoundError); a caller who sees the county but
may not edit it gets ForbiddenError (services.routing.handlers.access_county_routing).
This module imports no other adapter at load time: services.api.matters imports it for
the two Matter fields, and the ticket enums live in services.api.inbox (referenced lazily).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types import Info

from services.api.context import principal_of, require_principal
from services.api.errors import (
    CommunityNotFoundErrorType,
    CountyNotFoundErrorType,
    ForbiddenErrorType,
    InvalidInputErrorType,
    TextTooLongErrorType,
    UnauthenticatedErrorType,
    as_error,
    error_members,
    error_type,
)
from services.api.vocabulary import labelled
from services.errors import NotFound, SanshiError
from services.routing import handlers
from services.routing.rules import AckAfterResolve, DayKind, DeadlineOutOfRange

if TYPE_CHECKING:
    from services.api.inbox import TicketEventKindType, TicketOverdueType, TicketStatusType

TicketStatusRef = Annotated["TicketStatusType", strawberry.lazy("services.api.inbox")]
TicketEventKindRef = Annotated["TicketEventKindType", strawberry.lazy("services.api.inbox")]
TicketOverdueRef = Annotated["TicketOverdueType", strawberry.lazy("services.api.inbox")]

UnknownDepartmentErrorType = error_type(
    handlers.UnknownDepartment,
    "UnknownDepartmentError",
    "本县没有该部门 / The county has no such department",
)
FallbackMustStayActiveErrorType = error_type(
    handlers.FallbackMustStayActive,
    "FallbackMustStayActiveError",
    "兜底的协调办不能停用 / The fallback coordination office cannot be deactivated",
)
DeadlineOutOfRangeErrorType = error_type(
    DeadlineOutOfRange,
    "DeadlineOutOfRangeError",
    "时限超出允许范围 / A deadline outside the allowed working days",
)
AckAfterResolveErrorType = error_type(
    AckAfterResolve,
    "AckAfterResolveError",
    "签收时限长于办结时限 / Acknowledgement limit longer than the resolution limit",
)
WorkdayNotOnWeekendErrorType = error_type(
    handlers.WorkdayNotOnWeekend,
    "WorkdayNotOnWeekendError",
    "调休上班日须是周六或周日 / A make-up working day must be a Saturday or Sunday",
)
TooManyCalendarDaysErrorType = error_type(
    handlers.TooManyCalendarDays,
    "TooManyCalendarDaysError",
    "一次设置的日期过多 / Too many days at a time",
)
DuplicateCalendarDayErrorType = error_type(
    handlers.DuplicateCalendarDay,
    "DuplicateCalendarDayError",
    "同一日期出现多次 / The same day given more than once",
)


# --------------------------------------------------------------------------------------
# County administration
# --------------------------------------------------------------------------------------
@strawberry.type(name="Department", description="县级部门 / A county department")
class DepartmentType:
    code: str = strawberry.field(description="部门代码（稳定）/ Stable code")
    name_zh: str
    name_en: str
    contact: str
    is_fallback: bool = strawberry.field(
        description="兜底协调办：规则都不匹配时收件 / The fallback coordination office"
    )
    active: bool

    @classmethod
    def from_row(cls, r: Mapping[str, Any]) -> DepartmentType:
        return cls(
            code=r["code"],
            name_zh=r["name_zh"],
            name_en=r["name_en"],
            contact=r["contact"],
            is_fallback=r["is_fallback"],
            active=r["active"],
        )


@strawberry.type(
    name="RoutingRule",
    description="转办规则：类别（可限社区、网格）→ 部门 / "
    "Category (+ community, grid) → departments",
)
class RoutingRuleType:
    id: strawberry.ID
    category: str
    community_slug: str | None = strawberry.field(
        description="只适用于该社区；空为全县 / Only this community; null: county-wide"
    )
    grid_code: str | None = strawberry.field(
        description="只适用于该网格 / Only this grid of the community"
    )
    department_codes: list[str]
    include_address: bool = strawberry.field(
        description="部门可见住户地址 / Departments see the household's address"
    )
    include_circumstances: bool = strawberry.field(
        description="部门可见住户情况 / Departments see the household's circumstances"
    )
    active: bool

    @classmethod
    def from_row(cls, r: Mapping[str, Any]) -> RoutingRuleType:
        return cls(
            id=strawberry.ID(str(r["id"])),
            category=r["category"],
            community_slug=r["community_slug"],
            grid_code=r["grid_code"],
            department_codes=list(r["department_codes"]),
            include_address=r["include_address"],
            include_circumstances=r["include_circumstances"],
            active=r["active"],
        )


@strawberry.type(
    name="DeadlinePolicy",
    description="办理时限（工作日）；类别 * 为全县默认 / "
    "Working-day limits; category * is the default",
)
class DeadlinePolicyType:
    category: str
    ack_working_days: int = strawberry.field(description="签收时限 / Days to acknowledge")
    resolve_working_days: int = strawberry.field(description="办结时限 / Days to resolve")

    @classmethod
    def from_row(cls, r: Mapping[str, Any]) -> DeadlinePolicyType:
        return cls(
            category=r["category"],
            ack_working_days=r["ack_working_days"],
            resolve_working_days=r["resolve_working_days"],
        )


@strawberry.type(
    name="CountyRouting",
    description="县的转办设置：部门、规则、时限 / A county's departments, routing rules, deadlines",
)
class CountyRoutingType:
    county: str

    @strawberry.field(description="县级部门 / The county's departments")
    async def departments(self, info: Info, include_inactive: bool = True) -> list[DepartmentType]:
        rows = await handlers.list_departments(
            require_principal(info), self.county, include_inactive=include_inactive
        )
        return [DepartmentType.from_row(r) for r in rows]

    @strawberry.field(description="转办规则 / Routing rules")
    async def routing_rules(
        self, info: Info, include_inactive: bool = False
    ) -> list[RoutingRuleType]:
        rows = await handlers.list_routing_rules(
            require_principal(info), self.county, include_inactive=include_inactive
        )
        return [RoutingRuleType.from_row(r) for r in rows]

    @strawberry.field(description="办理时限 / Deadline policies")
    async def deadline_policies(self, info: Info) -> list[DeadlinePolicyType]:
        rows = await handlers.list_deadline_policies(require_principal(info), self.county)
        return [DeadlinePolicyType.from_row(r) for r in rows]


@strawberry.type
class RoutingQuery:
    @strawberry.field(
        description="县的转办设置（县管理员、县领导、本县部门）；不存在或无权查看时为空 / "
        "A county's routing setup (its administrators, leaders, department officers); "
        "null when missing or not visible"
    )
    async def county_routing(self, info: Info, county: str) -> CountyRoutingType | None:
        actor = principal_of(info)
        if actor is None:
            return None
        try:
            await handlers.access_county_routing(actor, county)
        except NotFound:
            return None
        return CountyRoutingType(county=county)


@strawberry.input(name="DepartmentInput")
class DepartmentInput:
    county: str = strawberry.field(description="县代码 / County code")
    code: str = strawberry.field(description="部门代码（新建或已有）/ Department code")
    name_zh: str
    name_en: str
    contact: str = ""
    active: bool = True


@strawberry.input(name="RoutingRuleInput")
class RoutingRuleInput:
    county: str = strawberry.field(description="县代码 / County code")
    category: str = strawberry.field(description="诉求类别代码 / Request category code")
    department_codes: list[str] = strawberry.field(description="一个或多个部门 / Departments")
    community_slug: str | None = None
    grid_code: str | None = None
    include_address: bool = False
    include_circumstances: bool = False
    active: bool = True


@strawberry.input(name="DeadlinePolicyInput")
class DeadlinePolicyInput:
    county: str = strawberry.field(description="县代码 / County code")
    category: str = strawberry.field(default="*", description="类别；* 为默认 / Category or *")
    ack_working_days: int
    resolve_working_days: int


SetDepartmentResult = Annotated[
    DepartmentType
    | UnauthenticatedErrorType
    | ForbiddenErrorType
    | CountyNotFoundErrorType
    | InvalidInputErrorType
    | TextTooLongErrorType
    | FallbackMustStayActiveErrorType,
    strawberry.union(
        "SetDepartmentResult", description="部门或失败原因 / The department or why not"
    ),
]
SET_DEPARTMENT_ERRORS = error_members(SetDepartmentResult)

SetRoutingRuleResult = Annotated[
    RoutingRuleType
    | UnauthenticatedErrorType
    | ForbiddenErrorType
    | CountyNotFoundErrorType
    | CommunityNotFoundErrorType
    | UnknownDepartmentErrorType
    | InvalidInputErrorType,
    strawberry.union("SetRoutingRuleResult", description="规则或失败原因 / The rule or why not"),
]
SET_ROUTING_RULE_ERRORS = error_members(SetRoutingRuleResult)

SetDeadlinePolicyResult = Annotated[
    DeadlinePolicyType
    | UnauthenticatedErrorType
    | ForbiddenErrorType
    | CountyNotFoundErrorType
    | InvalidInputErrorType
    | DeadlineOutOfRangeErrorType
    | AckAfterResolveErrorType,
    strawberry.union(
        "SetDeadlinePolicyResult", description="时限或失败原因 / The policy or why not"
    ),
]
SET_DEADLINE_POLICY_ERRORS = error_members(SetDeadlinePolicyResult)


@strawberry.type
class RoutingMutation:
    @strawberry.mutation(
        description="新增或修改县级部门（县管理员）/ Add or edit a county department (county admin)"
    )
    async def set_department(self, info: Info, input: DepartmentInput) -> SetDepartmentResult:
        try:
            row = await handlers.set_department(
                require_principal(info),
                input.county,
                input.code,
                name_zh=input.name_zh,
                name_en=input.name_en,
                contact=input.contact,
                active=input.active,
            )
        except SanshiError as err:
            return as_error(err, SET_DEPARTMENT_ERRORS)
        return DepartmentType.from_row(row)

    @strawberry.mutation(
        description="设置（类别、社区、网格）的转办规则（县管理员）/ "
        "Set the routing rule of (category, community, grid) (county admin)"
    )
    async def set_routing_rule(self, info: Info, input: RoutingRuleInput) -> SetRoutingRuleResult:
        try:
            row = await handlers.set_routing_rule(
                require_principal(info),
                input.county,
                handlers.RoutingRuleInput(
                    category=input.category,
                    department_codes=tuple(input.department_codes),
                    community_slug=input.community_slug or None,
                    grid_code=input.grid_code or None,
                    include_address=input.include_address,
                    include_circumstances=input.include_circumstances,
                    active=input.active,
                ),
            )
        except SanshiError as err:
            return as_error(err, SET_ROUTING_RULE_ERRORS)
        return RoutingRuleType.from_row(row)

    @strawberry.mutation(
        description="设置办理时限（工作日，县管理员）/ Set working-day limits (county admin)"
    )
    async def set_deadline_policy(
        self, info: Info, input: DeadlinePolicyInput
    ) -> SetDeadlinePolicyResult:
        try:
            row = await handlers.set_deadline_policy(
                require_principal(info),
                input.county,
                input.category,
                input.ack_working_days,
                input.resolve_working_days,
            )
        except SanshiError as err:
            return as_error(err, SET_DEADLINE_POLICY_ERRORS)
        return DeadlinePolicyType.from_row(row)


# --------------------------------------------------------------------------------------
# The county's work calendar (工作日历)
# --------------------------------------------------------------------------------------
@strawberry.enum(
    name="CalendarDayKind",
    description="工作日历中的特殊日期 / A day the work calendar sets apart from the plain week",
)
class CalendarDayKindType(enum.Enum):
    HOLIDAY = labelled(DayKind.HOLIDAY)
    WORKDAY = labelled(DayKind.WORKDAY)


@strawberry.type(
    name="CalendarDay",
    description="工作日历的一天：法定节假日或调休上班日 / "
    "A day of the county's work calendar: a public holiday or a make-up working day",
)
class CalendarDayType:
    day: date
    kind: CalendarDayKindType
    name_zh: str = strawberry.field(description="名称，如「春节」/ Name in Chinese")
    name_en: str = strawberry.field(description="英文名称 / Name in English")
    updated_by: str = strawberry.field(description="最后修改人 / Who set it last")
    updated_at: datetime

    @classmethod
    def from_row(cls, r: Mapping[str, Any]) -> CalendarDayType:
        return cls(
            day=r["day"],
            kind=CalendarDayKindType(r["kind"]),
            name_zh=r["name_zh"],
            name_en=r["name_en"],
            updated_by=r["updated_by"],
            updated_at=r["updated_at"],
        )


@strawberry.type(
    name="CalendarDays",
    description="已设置的日期 / The calendar days as set",
)
class CalendarDaysType:
    county: str
    days: list[CalendarDayType] = strawberry.field(description="按日期排序 / By date")


@strawberry.type(
    name="RemovedCalendarDays",
    description="已删除的日期 / The calendar days removed",
)
class RemovedCalendarDaysType:
    county: str
    removed: int = strawberry.field(
        description="实际删除的天数（不在日历中的不计）/ How many were removed "
        "(days not in the calendar do not count)"
    )
    days: list[date] = strawberry.field(description="删除的日期 / The days removed")


@strawberry.type
class CalendarQuery:
    @strawberry.field(
        description="县的工作日历（可按年份）；读取权限同办理时限；不存在或无权查看时为空 / "
        "The county's work calendar (optionally one year); readable by whoever may read its "
        "deadline policies; null when missing or not visible"
    )
    async def county_calendar(
        self, info: Info, county: str, year: int | None = None
    ) -> list[CalendarDayType] | None:
        actor = principal_of(info)
        if actor is None:
            return None
        try:
            rows = await handlers.list_calendar(actor, county, year=year)
        except NotFound:
            return None
        return [CalendarDayType.from_row(r) for r in rows]


@strawberry.input(name="CalendarDayInput")
class CalendarDayInput:
    day: date
    kind: CalendarDayKindType
    name_zh: str = strawberry.field(default="", description="名称，如「国庆节」/ Chinese name")
    name_en: str = strawberry.field(default="", description="英文名称 / English name")


@strawberry.input(name="SetCalendarDaysInput")
class SetCalendarDaysInput:
    days: list[CalendarDayInput] = strawberry.field(
        description="新增或替换的日期，每次最多 366 天 / Days to add or replace, at most 366"
    )


SetCalendarDaysResult = Annotated[
    CalendarDaysType
    | UnauthenticatedErrorType
    | ForbiddenErrorType
    | CountyNotFoundErrorType
    | InvalidInputErrorType
    | TextTooLongErrorType
    | WorkdayNotOnWeekendErrorType
    | TooManyCalendarDaysErrorType
    | DuplicateCalendarDayErrorType,
    strawberry.union(
        "SetCalendarDaysResult", description="设置的日期或失败原因 / The days set or why not"
    ),
]
SET_CALENDAR_DAYS_ERRORS = error_members(SetCalendarDaysResult)

RemoveCalendarDaysResult = Annotated[
    RemovedCalendarDaysType
    | UnauthenticatedErrorType
    | ForbiddenErrorType
    | CountyNotFoundErrorType
    | InvalidInputErrorType
    | TooManyCalendarDaysErrorType,
    strawberry.union(
        "RemoveCalendarDaysResult",
        description="删除的日期或失败原因 / The days removed or why not",
    ),
]
REMOVE_CALENDAR_DAYS_ERRORS = error_members(RemoveCalendarDaysResult)


@strawberry.type
class CalendarMutation:
    @strawberry.mutation(
        description="设置工作日历中的日期（县管理员）；已有工单的期限不变 / "
        "Add or replace work-calendar days (county admin); existing tickets keep their deadlines"
    )
    async def set_calendar_days(
        self, info: Info, county: str, input: SetCalendarDaysInput
    ) -> SetCalendarDaysResult:
        try:
            rows = await handlers.set_calendar_days(
                require_principal(info),
                county,
                [
                    handlers.CalendarDayInput(
                        day=d.day, kind=d.kind.value, name_zh=d.name_zh, name_en=d.name_en
                    )
                    for d in input.days
                ],
                settings=info.context.settings,
            )
        except SanshiError as err:
            return as_error(err, SET_CALENDAR_DAYS_ERRORS)
        return CalendarDaysType(county=county, days=[CalendarDayType.from_row(r) for r in rows])

    @strawberry.mutation(
        description="从工作日历中删除日期（县管理员）；不在日历中的日期不算错误 / "
        "Remove work-calendar days (county admin); a day not in the calendar is no error"
    )
    async def remove_calendar_days(
        self, info: Info, county: str, days: list[date]
    ) -> RemoveCalendarDaysResult:
        try:
            removed = await handlers.remove_calendar_days(require_principal(info), county, days)
        except SanshiError as err:
            return as_error(err, REMOVE_CALENDAR_DAYS_ERRORS)
        return RemovedCalendarDaysType(county=county, removed=len(removed), days=removed)


# --------------------------------------------------------------------------------------
# On Matter: where it went, and every department act (the community's copy)
# --------------------------------------------------------------------------------------
@strawberry.type(
    name="MatterRoute",
    description="事项转办到的部门及其办理情况 / A department a major matter was routed to",
)
class MatterRouteType:
    ticket_id: strawberry.ID
    department_code: str
    department_name_zh: str
    department_name_en: str
    status: TicketStatusRef
    commitment: str | None = strawberry.field(description="部门承诺 / The department's commitment")
    commitment_due_on: date | None
    resolve_due_at: datetime | None = strawberry.field(description="办结期限 / Due")
    overdue: TicketOverdueRef | None
    supervised: bool = strawberry.field(description="县里督办 / Supervised by the county")
    updated_at: datetime

    @classmethod
    def from_row(cls, r: Mapping[str, Any]) -> MatterRouteType:
        from services.api.inbox import TicketOverdueType, TicketStatusType

        return cls(
            ticket_id=strawberry.ID(str(r["ticket_id"])),
            department_code=r["department_code"],
            department_name_zh=r["department_name_zh"],
            department_name_en=r["department_name_en"],
            status=TicketStatusType(r["status"]),
            commitment=r["commitment"],
            commitment_due_on=r["commitment_due_on"],
            resolve_due_at=r["resolve_due_at"],
            overdue=None if r["overdue"] is None else TicketOverdueType(r["overdue"]),
            supervised=r["supervised"],
            updated_at=r["updated_at"],
        )


@strawberry.type(
    name="DepartmentUpdate",
    description="部门对事项的每一步办理 / "
    "A department's act on the matter, as the community sees it",
)
class DepartmentUpdateType:
    event_id: strawberry.ID
    ticket_id: strawberry.ID
    department_code: str
    department_name_zh: str
    department_name_en: str
    kind: TicketEventKindRef
    actor: str = strawberry.field(description="办理人 / Who acted")
    note: str
    data: JSON
    at: datetime

    @classmethod
    def from_row(cls, r: Mapping[str, Any]) -> DepartmentUpdateType:
        from services.api.inbox import TicketEventKindType

        return cls(
            event_id=strawberry.ID(str(r["event_id"])),
            ticket_id=strawberry.ID(str(r["ticket_id"])),
            department_code=r["department_code"],
            department_name_zh=r["department_name_zh"] or r["department_code"],
            department_name_en=r["department_name_en"] or r["department_code"],
            kind=TicketEventKindType(r["kind"]),
            actor=r["actor"],
            note=r["note"],
            data=r["data"],
            at=r["at"],
        )


async def _load_routing_views(
    keys: list[tuple[str, int]],
) -> list[handlers.RoutingView | BaseException]:
    """One tenant transaction per community for a batch of (slug, matter id) keys."""
    from services.api.loaders import load_per_community

    return await load_per_community(
        handlers.routing_by_matter, lambda: handlers.EMPTY_ROUTING_VIEW, keys
    )


async def _routing_view(root: Any, info: Info) -> handlers.RoutingView:
    """The matter's routes and updates: read with the matter when the page prefetched them
    (one snapshot with the matter's own row), else one loader for both fields (one
    snapshot for the two)."""
    related = getattr(root, "related", None)
    if related is not None and "routing" in related:
        return related["routing"].get(int(root.id), handlers.EMPTY_ROUTING_VIEW)
    loader = info.context.loaders.own(
        "routing_view", lambda: DataLoader(load_fn=_load_routing_views)
    )
    return await loader.load((root.slug, int(root.id)))


async def resolve_routes(root: Any, info: Info) -> list[MatterRouteType]:
    view = await _routing_view(root, info)
    return [MatterRouteType.from_row(r) for r in view.routes]


async def resolve_department_updates(root: Any, info: Info) -> list[DepartmentUpdateType]:
    view = await _routing_view(root, info)
    return [DepartmentUpdateType.from_row(r) for r in view.updates]


matter_routes_field = strawberry.field(
    resolver=resolve_routes,
    description="转办到的县级部门及其办理情况（大事）/ "
    "Where a major matter went, and how it stands",
)
department_updates_field = strawberry.field(
    resolver=resolve_department_updates,
    description="部门的每一步办理，时间顺序 / Every department act on the matter, oldest first",
)
