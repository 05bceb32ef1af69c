"""GraphQL adapter of volunteers: Group.volunteers, Community.myVolunteering, and the team's
acts on its volunteers (register, change, leave).

Who may see or do what is the context's (``services.volunteers.queries`` / ``handlers``):
a team the caller may not see reads as missing (null, GroupNotFoundError); resolvers only
call and convert.
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from services.api.kit.errors import error_type, query_error
from services.api.kit.ids import input_id, parse_id
from services.api.kit.pages import PageInfoType
from services.api.kit.request import principal_of
from services.api.kit.results import COMMUNITY_ACT, INPUT, attempt, result
from services.api.kit.vocabulary import domain_member, labelled_enum
from services.auth.model import Principal
from services.communities.api import CommunityType
from services.errors import Forbidden, SanshiError
from services.groups import model as group_model
from services.groups.api.core import (
    ControlCharactersErrorType,
    GroupDissolvedErrorType,
    GroupNotFoundErrorType,
    GroupType,
)
from services.households.api import ResidentNotFoundErrorType
from services.households.masking import mask_phone
from services.volunteers import handlers, model, queries
from services.volunteers.model import ConsentHow, Skill, Weekday
from services.volunteers.queries import VolunteerView

# -- vocabulary and errors ------------------------------------------------------------------
SkillType = labelled_enum(Skill, "VolunteerSkill", "志愿者技能 / What a volunteer can do")
WeekdayType = labelled_enum(Weekday, "Weekday", "星期 / A day of the week")
ConsentHowType = labelled_enum(
    ConsentHow, "ConsentHow", "同意保存个人信息的方式 / How consent to keep data was given"
)

VolunteerNotFoundErrorType = error_type(
    model.VolunteerNotFound,
    "VolunteerNotFoundError",
    "志愿者不存在或不可见 / No such volunteer (or not visible to you)",
)
NotAVolunteerTeamErrorType = error_type(
    model.NotAVolunteerTeam, "NotAVolunteerTeamError", "该组织不是义工队 / Not a volunteer team"
)
ConsentRequiredErrorType = error_type(
    model.ConsentRequired,
    "ConsentRequiredError",
    "未记录本人同意 / No recorded consent to keep the volunteer's data",
)
VolunteerIdentityInvalidErrorType = error_type(
    model.VolunteerIdentityInvalid,
    "VolunteerIdentityInvalidError",
    "志愿者身份不完整 / A resident, or an outside person with name and phone",
)
AlreadyAVolunteerErrorType = error_type(
    model.AlreadyAVolunteer,
    "AlreadyAVolunteerError",
    "已是该义工队的在册志愿者 / Already a current volunteer of the team",
)
VolunteerHasLeftErrorType = error_type(
    model.VolunteerHasLeft, "VolunteerHasLeftError", "志愿者已退出 / The volunteer has left"
)


# -- output types ---------------------------------------------------------------------------
@strawberry.type(
    name="VolunteerConsent",
    description="本人同意保存其信息的记录 / The recorded consent to keep a volunteer's data",
)
class VolunteerConsentType:
    given_on: date
    how: ConsentHowType
    note: str
    recorded_by: str


@strawberry.type(
    name="Volunteer",
    description="义工队的志愿者：本社区居民或外来人员 / "
    "A volunteer of a team: a resident of the community, or an outside person",
)
class VolunteerType:
    id: strawberry.ID
    team_id: strawberry.ID
    name: str
    phone: str = strawberry.field(
        description="电话；管理该队者与本人可见，其他人看到打码号码 / "
        "Phone; masked but for those who manage the team and the volunteer"
    )
    resident_id: strawberry.ID | None = strawberry.field(
        description="本社区居民志愿者的居民编号；外来人员为空 / The resident, for a resident"
    )
    skills: list[SkillType]
    available_weekdays: list[WeekdayType]
    availability_note: str
    joined_on: date
    left_on: date | None = strawberry.field(description="退出日期；在册时为空 / Null while serving")
    consent: VolunteerConsentType
    registered_at: datetime

    @classmethod
    def of(cls, v: VolunteerView) -> VolunteerType:
        r = v.volunteer
        return cls(
            id=strawberry.ID(str(r.id)),
            team_id=strawberry.ID(str(r.group_id)),
            name=v.name,
            phone=v.phone if v.contacts else mask_phone(v.phone),
            resident_id=None if r.resident_id is None else strawberry.ID(str(r.resident_id)),
            skills=[SkillType(s) for s in r.skills],
            available_weekdays=[WeekdayType(Weekday.of_iso(d).value) for d in r.available_weekdays],
            availability_note=r.availability_note,
            joined_on=r.joined_on,
            left_on=r.left_on,
            consent=VolunteerConsentType(
                given_on=r.consent_on,
                how=ConsentHowType(r.consent_how),
                note=r.consent_note,
                recorded_by=r.consent_recorded_by,
            ),
            registered_at=r.registered_at,
        )


@strawberry.type(name="VolunteerConnection", description="志愿者的一页 / A page of volunteers")
class VolunteerConnectionType:
    items: list[VolunteerType]
    page_info: PageInfoType
    total_count: int = strawberry.field(description="符合条件的志愿者数 / Volunteers in all")


# -- fields on Group and Community ----------------------------------------------------------
async def _volunteers(
    root: GroupType,
    info: Info,
    first: int = queries.DEFAULT_PAGE,
    after: str | None = None,
    include_left: bool = False,
) -> VolunteerConnectionType | None:
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        page = await queries.volunteers_page(
            actor, root.slug, int(root.id), first=first, after=after, include_left=include_left
        )
    except (group_model.GroupNotFound, model.NotAVolunteerTeam, Forbidden):
        return None
    except SanshiError as err:
        raise query_error(info, err) from None
    return VolunteerConnectionType(
        items=[VolunteerType.of(v) for v in page.items],
        page_info=PageInfoType(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        total_count=page.total_count,
    )


@strawberry.type
class GroupVolunteers:
    """The volunteers context's field on Group (a volunteer team's)."""

    volunteers = strawberry.field(
        resolver=_volunteers,
        description="义工队的志愿者，按登记先后；可含已退出者；非义工队或不可见时为空 / "
        "A volunteer team's volunteers, oldest first (former ones optional); null for "
        "another kind of group or one not visible to you",
    )


async def _my_volunteering(root: CommunityType, info: Info) -> list[VolunteerType]:
    actor = principal_of(info)
    if actor is None:
        return []
    try:
        found = await queries.my_volunteering(actor, root.slug, community=root.registry)
    except Forbidden:
        return []
    return [VolunteerType.of(v) for v in found]


@strawberry.type
class CommunityVolunteering:
    """The volunteers context's field on Community: the caller's own volunteering."""

    my_volunteering = strawberry.field(
        resolver=_my_volunteering,
        description="当前用户在本社区各义工队的志愿者记录（在册的在前）/ "
        "The caller's own volunteer records in the community, current first",
    )


# -- inputs and results ---------------------------------------------------------------------
@strawberry.input(name="VolunteerConsentInput", description="本人同意的记录 / Recorded consent")
class VolunteerConsentInput:
    given_on: date = strawberry.field(description="同意日期 / When consent was given")
    how: ConsentHowType
    note: str = strawberry.field(default="", description="如：书面同意书编号 / e.g. the form")


@strawberry.input(name="RegisterVolunteerInput", description="登记志愿者 / Register a volunteer")
class RegisterVolunteerInput:
    joined_on: date = strawberry.field(description="加入日期 / Date joined")
    consent: VolunteerConsentInput | None = strawberry.field(
        default=None,
        description="本人同意保存其信息（必填，缺少则不登记）/ "
        "Consent to keep their data (required: without it nothing is kept)",
    )
    resident_id: strawberry.ID | None = strawberry.field(
        default=None, description="本社区居民 / A resident of the community"
    )
    name: str = strawberry.field(default="", description="外来人员姓名 / An outside person's name")
    phone: str = strawberry.field(default="", description="外来人员电话 / Their phone")
    subject: str | None = strawberry.field(
        default=None, description="外来人员的登录账号（可选）/ An outside person's login"
    )
    skills: list[SkillType] = strawberry.field(default_factory=list)
    available_weekdays: list[WeekdayType] = strawberry.field(default_factory=list)
    availability_note: str = ""


@strawberry.input(name="ChangeVolunteerInput", description="修改志愿者信息 / Change a volunteer")
class ChangeVolunteerInput:
    skills: list[SkillType] | None = None
    available_weekdays: list[WeekdayType] | None = None
    availability_note: str | None = None


_ACT = (*COMMUNITY_ACT, *INPUT, ControlCharactersErrorType)

RegisterVolunteerResult = result(
    "RegisterVolunteerResult",
    "新志愿者或失败原因 / The new volunteer or why not",
    VolunteerType,
    *_ACT,
    GroupNotFoundErrorType,
    GroupDissolvedErrorType,
    NotAVolunteerTeamErrorType,
    ResidentNotFoundErrorType,
    ConsentRequiredErrorType,
    VolunteerIdentityInvalidErrorType,
    AlreadyAVolunteerErrorType,
)
ChangeVolunteerResult = result(
    "ChangeVolunteerResult",
    "修改后的志愿者或失败原因 / The changed volunteer or why not",
    VolunteerType,
    *_ACT,
    VolunteerNotFoundErrorType,
    GroupDissolvedErrorType,
    VolunteerHasLeftErrorType,
)
EndVolunteerResult = result(
    "EndVolunteerResult",
    "退出后的志愿者记录或失败原因 / The volunteer's ended record or why not",
    VolunteerType,
    *_ACT,
    VolunteerNotFoundErrorType,
    GroupDissolvedErrorType,
    VolunteerHasLeftErrorType,
)


def _enums(domain: type[Skill] | type[Weekday], values: list | None) -> tuple | None:
    return None if values is None else tuple(domain_member(domain, v) for v in values)


@strawberry.type
class VolunteerMutation:
    @strawberry.mutation(
        description="登记志愿者，须记录本人同意（义工队负责人与骨干、社区干部）/ "
        "Register a volunteer, with their recorded consent (the team's leader and core, cadres)"
    )
    async def register_volunteer(
        self, info: Info, community: str, team_id: strawberry.ID, input: RegisterVolunteerInput
    ) -> RegisterVolunteerResult:
        async def act(actor: Principal) -> VolunteerType:
            consent = (
                None
                if input.consent is None
                else model.Consent(
                    given_on=input.consent.given_on,
                    how=domain_member(ConsentHow, input.consent.how),
                    note=input.consent.note,
                )
            )
            data = handlers.VolunteerInput(
                joined_on=input.joined_on,
                consent=consent,
                resident_id=input_id(input.resident_id, "居民", "resident"),
                outside_name=input.name,
                outside_phone=input.phone,
                subject=input.subject,
                skills=_enums(Skill, input.skills) or (),
                weekdays=_enums(Weekday, input.available_weekdays) or (),
                availability_note=input.availability_note,
            )
            view = await handlers.register_volunteer(
                actor, community, parse_id(team_id, group_model.GroupNotFound), data
            )
            return VolunteerType.of(view)

        return await attempt(info, RegisterVolunteerResult, act)

    @strawberry.mutation(
        description="修改志愿者的技能与可服务时间（义工队负责人与骨干、社区干部）/ "
        "Change a volunteer's skills and availability (the team's leader and core, cadres)"
    )
    async def change_volunteer(
        self, info: Info, community: str, id: strawberry.ID, input: ChangeVolunteerInput
    ) -> ChangeVolunteerResult:
        async def act(actor: Principal) -> VolunteerType:
            changes = handlers.VolunteerChanges(
                skills=_enums(Skill, input.skills),
                weekdays=_enums(Weekday, input.available_weekdays),
                availability_note=input.availability_note,
            )
            view = await handlers.change_volunteer(
                actor, community, parse_id(id, model.VolunteerNotFound), changes
            )
            return VolunteerType.of(view)

        return await attempt(info, ChangeVolunteerResult, act)

    @strawberry.mutation(
        description="志愿者退出，记录保留（义工队负责人与骨干、社区干部）/ "
        "A volunteer leaves; the record is kept (the team's leader and core, cadres)"
    )
    async def end_volunteer(
        self, info: Info, community: str, id: strawberry.ID, left_on: date
    ) -> EndVolunteerResult:
        async def act(actor: Principal) -> VolunteerType:
            view = await handlers.end_volunteer(
                actor, community, parse_id(id, model.VolunteerNotFound), left_on
            )
            return VolunteerType.of(view)

        return await attempt(info, EndVolunteerResult, act)
