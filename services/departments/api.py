"""GraphQL adapter of the departments context: county departments, routing rules, deadline
policies and the work calendar (工作日历).

County administrators edit them for their county; its leaders and department officers read
them. A county that is missing and one the caller may not see read the same (null /
CountyNotFoundError); a caller who sees the county but may not edit it gets ForbiddenError
(``services.departments.handlers.access_county_routing``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.tools import merge_types
from strawberry.types import Info

from services.api.kit.errors import (
    CommunityNotFoundErrorType,
    CountyNotFoundErrorType,
    ForbiddenErrorType,
    InvalidInputErrorType,
    TextTooLongErrorType,
    UnauthenticatedErrorType,
    error_type,
)
from services.api.kit.request import principal_of, require_principal
from services.api.kit.results import attempt, result
from services.api.kit.vocabulary import domain_member, labelled_enum
from services.auth.model import Principal
from services.departments import handlers
from services.departments.model import (
    AckAfterResolve,
    DayKind,
    DeadlineOutOfRange,
    DuplicateCalendarDay,
    FallbackMustStayActive,
    TooManyCalendarDays,
    UnknownDepartment,
    WorkdayNotOnWeekend,
)
from services.departments.model import (
    CalendarDayInput as CalendarDay,
)
from services.departments.model import (
    RoutingRuleInput as RuleInput,
)
from services.departments.queries import (
    CalendarDayRow,
    DeadlinePolicyRow,
    DepartmentRow,
    RoutingRuleRow,
)

UnknownDepartmentErrorType = error_type(
    UnknownDepartment,
    "UnknownDepartmentError",
    "本县没有该部门 / The county has no such department",
)
FallbackMustStayActiveErrorType = error_type(
    FallbackMustStayActive,
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
    WorkdayNotOnWeekend,
    "WorkdayNotOnWeekendError",
    "调休上班日须是周六或周日 / A make-up working day must be a Saturday or Sunday",
)
TooManyCalendarDaysErrorType = error_type(
    TooManyCalendarDays,
    "TooManyCalendarDaysError",
    "一次设置的日期过多 / Too many days at a time",
)
DuplicateCalendarDayErrorType = error_type(
    DuplicateCalendarDay,
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
    def from_row(cls, r: DepartmentRow) -> DepartmentType:
        return cls(
            code=r.code,
            name_zh=r.name_zh,
            name_en=r.name_en,
            contact=r.contact,
            is_fallback=r.is_fallback,
            active=r.active,
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
    def from_row(cls, r: RoutingRuleRow) -> RoutingRuleType:
        return cls(
            id=strawberry.ID(str(r.id)),
            category=r.category,
            community_slug=r.community_slug,
            grid_code=r.grid_code,
            department_codes=list(r.department_codes),
            include_address=r.include_address,
            include_circumstances=r.include_circumstances,
            active=r.active,
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
    def from_row(cls, r: DeadlinePolicyRow) -> DeadlinePolicyType:
        return cls(
            category=r.category,
            ack_working_days=r.ack_working_days,
            resolve_working_days=r.resolve_working_days,
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
        found = await handlers.find_county_routing(principal_of(info), county)
        return None if found is None else CountyRoutingType(county=found)


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


SetDepartmentResult = result(
    "SetDepartmentResult",
    "部门或失败原因 / The department or why not",
    DepartmentType,
    UnauthenticatedErrorType,
    ForbiddenErrorType,
    CountyNotFoundErrorType,
    InvalidInputErrorType,
    TextTooLongErrorType,
    FallbackMustStayActiveErrorType,
)

SetRoutingRuleResult = result(
    "SetRoutingRuleResult",
    "规则或失败原因 / The rule or why not",
    RoutingRuleType,
    UnauthenticatedErrorType,
    ForbiddenErrorType,
    CountyNotFoundErrorType,
    CommunityNotFoundErrorType,
    UnknownDepartmentErrorType,
    InvalidInputErrorType,
)

SetDeadlinePolicyResult = result(
    "SetDeadlinePolicyResult",
    "时限或失败原因 / The policy or why not",
    DeadlinePolicyType,
    UnauthenticatedErrorType,
    ForbiddenErrorType,
    CountyNotFoundErrorType,
    InvalidInputErrorType,
    DeadlineOutOfRangeErrorType,
    AckAfterResolveErrorType,
)


@strawberry.type
class RoutingMutation:
    @strawberry.mutation(
        description="新增或修改县级部门（县管理员）/ Add or edit a county department (county admin)"
    )
    async def set_department(self, info: Info, input: DepartmentInput) -> SetDepartmentResult:
        async def act(actor: Principal) -> Any:
            row = await handlers.set_department(
                actor,
                input.county,
                input.code,
                name_zh=input.name_zh,
                name_en=input.name_en,
                contact=input.contact,
                active=input.active,
            )
            return DepartmentType.from_row(row)

        return await attempt(info, SetDepartmentResult, act)

    @strawberry.mutation(
        description="设置（类别、社区、网格）的转办规则（县管理员）/ "
        "Set the routing rule of (category, community, grid) (county admin)"
    )
    async def set_routing_rule(self, info: Info, input: RoutingRuleInput) -> SetRoutingRuleResult:
        async def act(actor: Principal) -> Any:
            row = await handlers.set_routing_rule(
                actor,
                input.county,
                RuleInput(
                    category=input.category,
                    department_codes=tuple(input.department_codes),
                    community_slug=input.community_slug or None,
                    grid_code=input.grid_code or None,
                    include_address=input.include_address,
                    include_circumstances=input.include_circumstances,
                    active=input.active,
                ),
            )
            return RoutingRuleType.from_row(row)

        return await attempt(info, SetRoutingRuleResult, act)

    @strawberry.mutation(
        description="设置办理时限（工作日，县管理员）/ Set working-day limits (county admin)"
    )
    async def set_deadline_policy(
        self, info: Info, input: DeadlinePolicyInput
    ) -> SetDeadlinePolicyResult:
        async def act(actor: Principal) -> Any:
            row = await handlers.set_deadline_policy(
                actor,
                input.county,
                input.category,
                input.ack_working_days,
                input.resolve_working_days,
            )
            return DeadlinePolicyType.from_row(row)

        return await attempt(info, SetDeadlinePolicyResult, act)


# --------------------------------------------------------------------------------------
# The county's work calendar (工作日历)
# --------------------------------------------------------------------------------------
CalendarDayKindType = labelled_enum(
    DayKind,
    "CalendarDayKind",
    "工作日历中的特殊日期 / A day the work calendar sets apart from the plain week",
)


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
    def from_row(cls, r: CalendarDayRow) -> CalendarDayType:
        return cls(
            day=r.day,
            kind=CalendarDayKindType(r.kind.value),
            name_zh=r.name_zh,
            name_en=r.name_en,
            updated_by=r.updated_by,
            updated_at=r.updated_at,
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
        rows = await handlers.find_calendar(principal_of(info), county, year=year)
        return None if rows is None else [CalendarDayType.from_row(r) for r in rows]


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


SetCalendarDaysResult = result(
    "SetCalendarDaysResult",
    "设置的日期或失败原因 / The days set or why not",
    CalendarDaysType,
    UnauthenticatedErrorType,
    ForbiddenErrorType,
    CountyNotFoundErrorType,
    InvalidInputErrorType,
    TextTooLongErrorType,
    WorkdayNotOnWeekendErrorType,
    TooManyCalendarDaysErrorType,
    DuplicateCalendarDayErrorType,
)

RemoveCalendarDaysResult = result(
    "RemoveCalendarDaysResult",
    "删除的日期或失败原因 / The days removed or why not",
    RemovedCalendarDaysType,
    UnauthenticatedErrorType,
    ForbiddenErrorType,
    CountyNotFoundErrorType,
    InvalidInputErrorType,
    TooManyCalendarDaysErrorType,
)


@strawberry.type
class CalendarMutation:
    @strawberry.mutation(
        description="设置工作日历中的日期（县管理员）；已有工单的期限不变 / "
        "Add or replace work-calendar days (county admin); existing tickets keep their deadlines"
    )
    async def set_calendar_days(
        self, info: Info, county: str, input: SetCalendarDaysInput
    ) -> SetCalendarDaysResult:
        async def act(actor: Principal) -> Any:
            rows = await handlers.set_calendar_days(
                actor,
                county,
                [
                    CalendarDay(
                        day=d.day,
                        kind=domain_member(DayKind, d.kind),
                        name_zh=d.name_zh,
                        name_en=d.name_en,
                    )
                    for d in input.days
                ],
                settings=info.context.settings,
            )
            return CalendarDaysType(county=county, days=[CalendarDayType.from_row(r) for r in rows])

        return await attempt(info, SetCalendarDaysResult, act)

    @strawberry.mutation(
        description="从工作日历中删除日期（县管理员）；不在日历中的日期不算错误 / "
        "Remove work-calendar days (county admin); a day not in the calendar is no error"
    )
    async def remove_calendar_days(
        self, info: Info, county: str, days: list[date]
    ) -> RemoveCalendarDaysResult:
        async def act(actor: Principal) -> Any:
            removed = await handlers.remove_calendar_days(actor, county, days)
            return RemovedCalendarDaysType(county=county, removed=len(removed), days=removed)

        return await attempt(info, RemoveCalendarDaysResult, act)


DepartmentsQuery = merge_types("DepartmentsQuery", (RoutingQuery, CalendarQuery))
DepartmentsMutation = merge_types("DepartmentsMutation", (RoutingMutation, CalendarMutation))
