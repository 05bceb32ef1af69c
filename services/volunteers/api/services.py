"""GraphQL adapter of recurring services (服务项目): Group.volunteerServices, a service's
enrolments and visits, and the team's acts (create and end a service, enrol a household and
end its enrolment)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from services.api.kit.errors import error_type, query_error
from services.api.kit.ids import input_id, parse_id
from services.api.kit.request import principal_of
from services.api.kit.results import COMMUNITY_ACT, INPUT, attempt, result
from services.api.kit.vocabulary import domain_member, labelled_enum
from services.auth.model import Principal
from services.errors import Forbidden, SanshiError
from services.groups import model as group_model
from services.groups.api.core import (
    ControlCharactersErrorType,
    GroupDissolvedErrorType,
    GroupNotFoundErrorType,
    GroupType,
)
from services.households.api import CircumstanceType, HouseholdNotFoundErrorType
from services.households.model import Circumstance, HouseholdNotFound
from services.matters.api import MatterNotFoundErrorType
from services.volunteers import model, queries, services, visits
from services.volunteers.api.volunteers import NotAVolunteerTeamErrorType, SkillType
from services.volunteers.model import Skill, TargetKind
from services.volunteers.queries import EnrolmentRow, ServiceRow, VisitRow

TargetKindType = labelled_enum(
    TargetKind, "ServiceTargetKind", "服务对象的确定方式 / Whom a service visits"
)
VisitStatusType = labelled_enum(
    model.VisitStatus, "VisitStatus", "上门服务的状态 / Where a visit stands"
)
VisitKindType = labelled_enum(model.VisitKind, "VisitKind", "走访或一次性任务 / Visit or task")

InvalidRecurrenceErrorType = error_type(
    model.InvalidRecurrence,
    "InvalidRecurrenceError",
    "重复规则无效 / A malformed recurrence rule (RRULE)",
)
RecurrenceNeverOccursErrorType = error_type(
    model.RecurrenceNeverOccurs,
    "RecurrenceNeverOccursError",
    "重复规则不会发生 / A recurrence rule that never occurs",
)
ServiceNotFoundErrorType = error_type(
    model.ServiceNotFound,
    "VolunteerServiceNotFoundError",
    "服务项目不存在或不可见 / No such service (or not visible to you)",
)
ServiceTitleTakenErrorType = error_type(
    model.ServiceTitleTaken,
    "VolunteerServiceTitleTakenError",
    "本队已有同名服务项目 / The team has a service with that name",
)
ServiceEndedErrorType = error_type(
    model.ServiceEnded, "VolunteerServiceEndedError", "服务项目已结束 / The service has ended"
)
AlreadyEnrolledErrorType = error_type(
    model.AlreadyEnrolled,
    "AlreadyEnrolledError",
    "该户已在此服务项目中 / The household is already enrolled",
)
EnrolmentNotFoundErrorType = error_type(
    model.EnrolmentNotFound,
    "EnrolmentNotFoundError",
    "服务对象记录不存在或不可见 / No such enrolment (or not visible to you)",
)
EnrolmentEndedErrorType = error_type(
    model.EnrolmentEnded, "EnrolmentEndedError", "该户已退出此服务项目 / The enrolment has ended"
)


@strawberry.type(
    name="ServiceEnrolment",
    description="纳入服务项目的住户及其同意记录 / A household enrolled in a service, with consent",
)
class ServiceEnrolmentType:
    id: strawberry.ID
    service_id: strawberry.ID
    household_id: strawberry.ID
    matter_id: strawberry.ID | None = strawberry.field(
        description="由哪件事项转介而来 / The matter it was referred from"
    )
    consent_by: str = strawberry.field(description="同意人 / Who consented")
    consent_on: date
    consent_note: str
    enrolled_on: date
    ended_on: date | None
    ended_reason: str

    @classmethod
    def of(cls, e: EnrolmentRow) -> ServiceEnrolmentType:
        return cls(
            id=strawberry.ID(str(e.id)),
            service_id=strawberry.ID(str(e.service_id)),
            household_id=strawberry.ID(str(e.household_id)),
            matter_id=None if e.matter_id is None else strawberry.ID(str(e.matter_id)),
            consent_by=e.consent_by,
            consent_on=e.consent_on,
            consent_note=e.consent_note,
            enrolled_on=e.enrolled_on,
            ended_on=e.ended_on,
            ended_reason=e.ended_reason,
        )


@strawberry.type(name="VisitReading", description="健康读数 / A health reading")
class VisitReadingType:
    systolic: int | None = strawberry.field(description="高压 mmHg / Systolic")
    diastolic: int | None = strawberry.field(description="低压 mmHg / Diastolic")
    pulse: int | None = strawberry.field(description="脉搏 / Pulse")
    note: str


@strawberry.type(name="Visit", description="上门服务或一次性任务 / A visit, or a one-off task")
class VisitType:
    id: strawberry.ID
    kind: VisitKindType
    service_id: strawberry.ID | None
    household_id: strawberry.ID
    day: date
    what: str
    status: VisitStatusType
    volunteer_id: strawberry.ID | None
    notes: str
    hours: Decimal | None
    confirmed_at: datetime | None
    slug: strawberry.Private[str] = ""

    @strawberry.field(
        description="健康读数（敏感）：仅该户居民、测量的志愿者、义工队负责人与骨干可见，"
        "其他人为空 / Health reading (sensitive): the household, the volunteer who took it "
        "and the team's leader and core only; null for anyone else"
    )
    async def reading(self, info: Info) -> VisitReadingType | None:
        actor = principal_of(info)
        if actor is None or not self.slug:
            return None
        try:
            found = await visits.readings_for(actor, self.slug, int(self.id))
        except (Forbidden, model.VisitNotFound):
            return None
        if found is None:
            return None
        return VisitReadingType(
            systolic=found.systolic, diastolic=found.diastolic, pulse=found.pulse, note=found.note
        )

    @classmethod
    def of(cls, v: VisitRow, slug: str = "") -> VisitType:
        return cls(
            id=strawberry.ID(str(v.id)),
            kind=VisitKindType(v.kind),
            service_id=None if v.service_id is None else strawberry.ID(str(v.service_id)),
            household_id=strawberry.ID(str(v.household_id)),
            day=v.day,
            what=v.what,
            status=VisitStatusType(v.status),
            volunteer_id=None if v.volunteer_id is None else strawberry.ID(str(v.volunteer_id)),
            notes=v.notes,
            hours=v.hours,
            confirmed_at=v.confirmed_at,
            slug=slug,
        )


@strawberry.type(
    name="VolunteerService",
    description="义工队的服务项目：做什么、按什么规则重复、服务哪些住户 / "
    "A team's recurring service: what is done, its recurrence, whom it visits",
)
class VolunteerServiceType:
    id: strawberry.ID
    team_id: strawberry.ID
    title_zh: str
    title_en: str
    what: str
    rrule: str = strawberry.field(description="iCalendar 重复规则 / The RFC 5545 RRULE")
    starts_on: date
    ends_on: date | None
    skill: SkillType | None
    target_kind: TargetKindType
    target_circumstance: CircumstanceType | None
    hours_default: Decimal = strawberry.field(description="每次服务时长 / Hours per visit")
    enrolments: list[ServiceEnrolmentType] = strawberry.field(
        description="在册的服务对象 / Households enrolled now"
    )
    slug: strawberry.Private[str]

    @classmethod
    def of(cls, slug: str, s: ServiceRow, enrolments: list[EnrolmentRow]) -> VolunteerServiceType:
        return cls(
            id=strawberry.ID(str(s.id)),
            team_id=strawberry.ID(str(s.group_id)),
            title_zh=s.title_zh,
            title_en=s.title_en,
            what=s.what,
            rrule=s.rrule,
            starts_on=s.starts_on,
            ends_on=s.ends_on,
            skill=None if s.skill is None else SkillType(s.skill),
            target_kind=TargetKindType(s.target_kind),
            target_circumstance=None
            if s.target_circumstance is None
            else CircumstanceType(s.target_circumstance),
            hours_default=s.hours_default,
            enrolments=[ServiceEnrolmentType.of(e) for e in enrolments],
            slug=slug,
        )

    @strawberry.field(
        description="某段时间（不超过一年）的上门服务 / The service's visits over a period "
        "(at most a year)"
    )
    async def visits(self, info: Info, first: date, last: date) -> list[VisitType]:
        actor = principal_of(info)
        if actor is None:
            return []
        try:
            rows = await queries.service_visits(actor, self.slug, int(self.id), first, last)
        except (model.ServiceNotFound, Forbidden):
            return []
        except SanshiError as err:
            raise query_error(info, err) from None
        return [VisitType.of(v, self.slug) for v in rows]


async def _services(root: GroupType, info: Info) -> list[VolunteerServiceType] | None:
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        _, found, enrolled = await queries.team_services(actor, root.slug, int(root.id))
    except (group_model.GroupNotFound, model.NotAVolunteerTeam, Forbidden):
        return None
    return [VolunteerServiceType.of(root.slug, s, enrolled.get(s.id, [])) for s in found]


@strawberry.type
class GroupVolunteerServices:
    """The volunteers context's field on Group: a volunteer team's services."""

    volunteer_services = strawberry.field(
        resolver=_services,
        description="义工队的服务项目；非义工队或不可见时为空 / "
        "A volunteer team's recurring services; null for another kind or not visible",
    )


# -- inputs and results ---------------------------------------------------------------------
@strawberry.input(name="VolunteerServiceInput", description="新服务项目 / A new service")
class VolunteerServiceInput:
    title_zh: str
    rrule: str = strawberry.field(
        description="重复规则，如 FREQ=MONTHLY;BYMONTHDAY=25 / e.g. FREQ=MONTHLY;BYMONTHDAY=25"
    )
    starts_on: date
    target_kind: TargetKindType
    target_circumstance: CircumstanceType | None = None
    what: str = ""
    title_en: str = ""
    ends_on: date | None = None
    skill: SkillType | None = None
    hours_default: Decimal = Decimal(1)


@strawberry.input(name="ServiceEnrolmentInput", description="纳入服务对象 / Enrol a household")
class ServiceEnrolmentInput:
    household_id: strawberry.ID
    consent_by: str = strawberry.field(description="同意人（居民本人或家属）/ Who consented")
    consent_on: date
    enrolled_on: date
    consent_note: str = ""
    matter_id: strawberry.ID | None = None


_ACT = (*COMMUNITY_ACT, *INPUT, ControlCharactersErrorType)
CreateVolunteerServiceResult = result(
    "CreateVolunteerServiceResult",
    "新服务项目或失败原因 / The new service or why not",
    VolunteerServiceType,
    *_ACT,
    GroupNotFoundErrorType,
    GroupDissolvedErrorType,
    NotAVolunteerTeamErrorType,
    InvalidRecurrenceErrorType,
    RecurrenceNeverOccursErrorType,
    ServiceTitleTakenErrorType,
)
EndVolunteerServiceResult = result(
    "EndVolunteerServiceResult",
    "结束后的服务项目或失败原因 / The ended service or why not",
    VolunteerServiceType,
    *_ACT,
    ServiceNotFoundErrorType,
    GroupDissolvedErrorType,
    ServiceEndedErrorType,
)
EnrolInVolunteerServiceResult = result(
    "EnrolInVolunteerServiceResult",
    "纳入记录或失败原因 / The enrolment or why not",
    ServiceEnrolmentType,
    *_ACT,
    ServiceNotFoundErrorType,
    GroupDissolvedErrorType,
    ServiceEndedErrorType,
    HouseholdNotFoundErrorType,
    MatterNotFoundErrorType,
    AlreadyEnrolledErrorType,
)
EndServiceEnrolmentResult = result(
    "EndServiceEnrolmentResult",
    "退出后的纳入记录或失败原因 / The ended enrolment or why not",
    ServiceEnrolmentType,
    *_ACT,
    EnrolmentNotFoundErrorType,
    GroupDissolvedErrorType,
    EnrolmentEndedErrorType,
)


@strawberry.type
class VolunteerServiceMutation:
    @strawberry.mutation(
        description="新建服务项目，并排出未来 60 天的上门服务（义工队负责人与骨干、社区干部）/ "
        "Create a recurring service and plan its next 60 days of visits (the team's leader "
        "and core, cadres)"
    )
    async def create_volunteer_service(
        self, info: Info, community: str, team_id: strawberry.ID, input: VolunteerServiceInput
    ) -> CreateVolunteerServiceResult:
        async def act(actor: Principal) -> VolunteerServiceType:
            data = services.ServiceInput(
                title_zh=input.title_zh,
                rrule=input.rrule,
                starts_on=input.starts_on,
                target_kind=domain_member(TargetKind, input.target_kind),
                target_circumstance=None
                if input.target_circumstance is None
                else domain_member(Circumstance, input.target_circumstance),
                what=input.what,
                title_en=input.title_en,
                ends_on=input.ends_on,
                skill=None if input.skill is None else domain_member(Skill, input.skill),
                hours_default=input.hours_default,
            )
            row = await services.create_service(
                actor, community, parse_id(team_id, group_model.GroupNotFound), data
            )
            return VolunteerServiceType.of(community, row, [])

        return await attempt(info, CreateVolunteerServiceResult, act)

    @strawberry.mutation(
        description="结束服务项目：之后已排的上门服务取消 / End a service: later planned "
        "visits are cancelled (the team's leader and core, cadres)"
    )
    async def end_volunteer_service(
        self, info: Info, community: str, id: strawberry.ID, ends_on: date
    ) -> EndVolunteerServiceResult:
        async def act(actor: Principal) -> VolunteerServiceType:
            row = await services.end_service(
                actor, community, parse_id(id, model.ServiceNotFound), ends_on
            )
            return VolunteerServiceType.of(community, row, [])

        return await attempt(info, EndVolunteerServiceResult, act)

    @strawberry.mutation(
        description="把住户纳入服务项目，记录居民同意（义工队负责人与骨干、社区干部）/ "
        "Enrol a household in a service, with the resident's consent (leader, core, cadres)"
    )
    async def enrol_in_volunteer_service(
        self, info: Info, community: str, service_id: strawberry.ID, input: ServiceEnrolmentInput
    ) -> EnrolInVolunteerServiceResult:
        async def act(actor: Principal) -> ServiceEnrolmentType:
            data = services.EnrolmentInput(
                household_id=parse_id(input.household_id, HouseholdNotFound),
                consent_by=input.consent_by,
                consent_on=input.consent_on,
                enrolled_on=input.enrolled_on,
                consent_note=input.consent_note,
                matter_id=input_id(input.matter_id, "事项", "matter"),
            )
            row = await services.enrol_household(
                actor, community, parse_id(service_id, model.ServiceNotFound), data
            )
            return ServiceEnrolmentType.of(row)

        return await attempt(info, EnrolInVolunteerServiceResult, act)

    @strawberry.mutation(
        description="住户退出服务项目：之后已排的上门服务取消 / A household leaves a service: "
        "later planned visits are cancelled (leader, core, cadres)"
    )
    async def end_service_enrolment(
        self, info: Info, community: str, id: strawberry.ID, ended_on: date, reason: str
    ) -> EndServiceEnrolmentResult:
        async def act(actor: Principal) -> ServiceEnrolmentType:
            row = await services.end_enrolment(
                actor, community, parse_id(id, model.EnrolmentNotFound), ended_on, reason
            )
            return ServiceEnrolmentType.of(row)

        return await attempt(info, EndServiceEnrolmentResult, act)
