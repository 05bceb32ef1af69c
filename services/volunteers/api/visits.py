"""GraphQL adapter of visits and tasks: the assignment suggestion, assigning, reporting and
confirming, a household's visits, a volunteer's own assignments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry.types import Info

from services.api.kit.errors import error_type, query_error
from services.api.kit.ids import maybe_id, parse_id
from services.api.kit.request import principal_of
from services.api.kit.results import COMMUNITY_ACT, INPUT, attempt, result
from services.auth.model import Principal
from services.communities.api import CommunityType
from services.errors import Forbidden, SanshiError
from services.groups.api.core import ControlCharactersErrorType, GroupDissolvedErrorType
from services.households.api import HouseholdType
from services.volunteers import missed, model, queries, visits
from services.volunteers.api.services import VisitType
from services.volunteers.api.volunteers import VolunteerHasLeftErrorType, VolunteerNotFoundErrorType

VisitNotFoundErrorType = error_type(
    model.VisitNotFound,
    "VisitNotFoundError",
    "服务记录不存在或不可见 / No such visit (or not visible to you)",
)
VisitNotOpenErrorType = error_type(
    model.VisitNotOpen, "VisitNotOpenError", "该服务当前状态不允许此操作 / Not where it stands"
)
VisitNotYetErrorType = error_type(
    model.VisitNotYet, "VisitNotYetError", "服务尚未到期 / The visit's day has not come"
)
AlreadyConfirmedErrorType = error_type(
    model.AlreadyConfirmed, "VisitAlreadyConfirmedError", "该服务已确认 / Already confirmed"
)
VolunteerOfAnotherTeamErrorType = error_type(
    model.VolunteerOfAnotherTeam,
    "VolunteerOfAnotherTeamError",
    "不是本队的志愿者 / Not a volunteer of this team",
)
HoursOutOfRangeErrorType = error_type(
    model.HoursOutOfRange, "HoursOutOfRangeError", "服务时长须在 0–24 小时 / Hours 0-24"
)
HoursOverADayErrorType = error_type(
    model.HoursOverADay, "HoursOverADayError", "一天合计超过 24 小时 / Over 24 hours in a day"
)


@strawberry.type(
    name="VolunteerSuggestion",
    description="安排志愿者的建议（技能、可服务时间、本月时长最少者优先）/ A suggested "
    "volunteer (the skill, available that weekday, fewest hours this month first)",
)
class VolunteerSuggestionType:
    volunteer_id: strawberry.ID
    name: str
    has_skill: bool
    available: bool
    hours_this_month: Decimal


async def _suggestions(
    root: CommunityType, info: Info, visit_id: strawberry.ID
) -> list[VolunteerSuggestionType] | None:
    actor = principal_of(info)
    vid = maybe_id(visit_id)
    if actor is None or vid is None:
        return None
    try:
        found = await visits.suggestions_for(actor, root.slug, vid)
    except (model.VisitNotFound, Forbidden):
        return None
    except SanshiError as err:
        raise query_error(info, err) from None
    return [
        VolunteerSuggestionType(
            volunteer_id=strawberry.ID(str(s.volunteer_id)),
            name=v.name,
            has_skill=s.has_skill,
            available=s.available,
            hours_this_month=s.hours_this_month,
        )
        for v, s in found
    ]


async def _my_assignments(
    root: CommunityType, info: Info, first: date, last: date
) -> list[VisitType]:
    actor = principal_of(info)
    if actor is None:
        return []
    try:
        rows = await queries.my_assignments(actor, root.slug, first, last, community=root.registry)
    except Forbidden:
        return []
    except SanshiError as err:
        raise query_error(info, err) from None
    return [VisitType.of(v, root.slug) for v in rows]


@strawberry.type(
    name="SafetySignal",
    description="安全提示：独居老人的上门服务漏访 / "
    "A missed visit to an elderly person living alone",
)
class SafetySignalType:
    visit_id: strawberry.ID
    day: date
    what: str
    household_id: strawberry.ID
    address: str
    grid_id: strawberry.ID
    team_id: strawberry.ID
    team_name: str
    volunteer_id: strawberry.ID | None


async def _signals(
    root: CommunityType, info: Info, since: date | None = None
) -> list[SafetySignalType]:
    actor = principal_of(info)
    if actor is None:
        return []
    try:
        found = await missed.safety_signals(actor, root.slug, since=since)
    except Forbidden:
        return []
    return [
        SafetySignalType(
            visit_id=strawberry.ID(str(s.visit_id)),
            day=s.day,
            what=s.what,
            household_id=strawberry.ID(str(s.household_id)),
            address=s.address,
            grid_id=strawberry.ID(str(s.grid_id)),
            team_id=strawberry.ID(str(s.team_id)),
            team_name=s.team_name,
            volunteer_id=None if s.volunteer_id is None else strawberry.ID(str(s.volunteer_id)),
        )
        for s in found
    ]


@strawberry.type
class CommunityVisits:
    """The volunteers context's visit fields on Community."""

    visit_suggestions = strawberry.field(
        resolver=_suggestions,
        description="为某次服务建议志愿者（管理该队者）；不可见时为空 / "
        "Suggested volunteers for a visit (those who manage the team); null otherwise",
    )
    safety_signals = strawberry.field(
        resolver=_signals,
        description="安全提示：独居老人漏访（社区干部；网格员看本网格的；义工队负责人与骨干看本队的）"
        " / Missed visits to elderly people living alone (cadres; a grid worker their grid's; "
        "a team's leader and core their team's)",
    )
    my_volunteer_assignments = strawberry.field(
        resolver=_my_assignments,
        description="安排给当前用户（志愿者）的服务 / The visits and tasks assigned to the caller",
    )


async def _household_visits(
    root: HouseholdType, info: Info, first: date, last: date
) -> list[VisitType] | None:
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        rows = await queries.household_visits(actor, root.slug, int(root.id), first, last)
    except Forbidden:
        return None
    except SanshiError as err:
        raise query_error(info, err) from None
    return None if rows is None else [VisitType.of(v, root.slug) for v in rows]


@strawberry.type
class HouseholdVisits:
    """The volunteers context's field on Household."""

    volunteer_visits = strawberry.field(
        resolver=_household_visits,
        description="义工队对该户的服务（本户居民、社区干部与网格员可见）/ Volunteer visits "
        "and tasks to this household (its residents, cadres and grid workers)",
    )


@strawberry.input(name="VisitReadingInput", description="健康读数 / A health reading")
class VisitReadingInput:
    systolic: int | None = None
    diastolic: int | None = None
    pulse: int | None = None
    note: str = ""


@strawberry.input(name="VisitReportInput", description="服务情况 / What happened at a visit")
class VisitReportInput:
    done: bool
    notes: str = ""
    hours: Decimal | None = None
    reading: VisitReadingInput | None = None


_ACT = (*COMMUNITY_ACT, *INPUT, ControlCharactersErrorType)
AssignVisitResult = result(
    "AssignVisitResult",
    "安排后的服务或失败原因 / The assigned visit or why not",
    VisitType,
    *_ACT,
    VisitNotFoundErrorType,
    VisitNotOpenErrorType,
    GroupDissolvedErrorType,
    VolunteerNotFoundErrorType,
    VolunteerOfAnotherTeamErrorType,
    VolunteerHasLeftErrorType,
)
ReportVisitResult = result(
    "ReportVisitResult",
    "登记后的服务或失败原因 / The reported visit or why not",
    VisitType,
    *_ACT,
    VisitNotFoundErrorType,
    VisitNotOpenErrorType,
    VisitNotYetErrorType,
    GroupDissolvedErrorType,
    HoursOutOfRangeErrorType,
    HoursOverADayErrorType,
)
ConfirmVisitResult = result(
    "ConfirmVisitResult",
    "确认后的服务或失败原因 / The confirmed visit or why not",
    VisitType,
    *_ACT,
    VisitNotFoundErrorType,
    VisitNotOpenErrorType,
    AlreadyConfirmedErrorType,
)


@strawberry.type
class VisitMutation:
    @strawberry.mutation(
        description="安排志愿者（义工队负责人与骨干、社区干部）/ Assign a visit or task to a "
        "volunteer (the team's leader and core, cadres)"
    )
    async def assign_visit(
        self, info: Info, community: str, visit_id: strawberry.ID, volunteer_id: strawberry.ID
    ) -> AssignVisitResult:
        async def act(actor: Principal) -> VisitType:
            row = await visits.assign_visit(
                actor,
                community,
                parse_id(visit_id, model.VisitNotFound),
                parse_id(volunteer_id, model.VolunteerNotFound),
            )
            return VisitType.of(row, community)

        return await attempt(info, AssignVisitResult, act)

    @strawberry.mutation(
        description="登记服务情况：完成或未完成、说明、时长、健康读数（被安排的志愿者）/ "
        "Report a visit done or not, with notes, hours and a reading (the volunteer assigned)"
    )
    async def report_visit(
        self, info: Info, community: str, visit_id: strawberry.ID, input: VisitReportInput
    ) -> ReportVisitResult:
        async def act(actor: Principal) -> VisitType:
            reading = input.reading
            report = visits.Report(
                done=input.done,
                notes=input.notes,
                hours=input.hours,
                reading=None
                if reading is None
                else model.Reading(
                    reading.systolic, reading.diastolic, reading.pulse, reading.note
                ),
            )
            row = await visits.report_visit(
                actor, community, parse_id(visit_id, model.VisitNotFound), report
            )
            return VisitType.of(row, community)

        return await attempt(info, ReportVisitResult, act)

    @strawberry.mutation(
        description="确认服务确已进行（该户居民，或所在网格的网格员代为确认）/ Confirm a visit "
        "happened (a resident of the household, or the grid worker of its grid)"
    )
    async def confirm_visit(
        self, info: Info, community: str, visit_id: strawberry.ID
    ) -> ConfirmVisitResult:
        async def act(actor: Principal) -> VisitType:
            row = await visits.confirm_visit(
                actor, community, parse_id(visit_id, model.VisitNotFound)
            )
            return VisitType.of(row, community)

        return await attempt(info, ConfirmVisitResult, act)
