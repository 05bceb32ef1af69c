"""GraphQL adapter of referrals that become help: referMatterToVolunteerTeam, and
Matter.volunteerHelp — who is helping, the next visit, the last visit's outcome."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from services.api.kit import loaders
from services.api.kit.errors import error_type
from services.api.kit.ids import input_id, parse_id
from services.api.kit.results import COMMUNITY_ACT, INPUT, attempt, result
from services.auth.model import Principal
from services.groups import model as group_model
from services.groups.api.core import (
    ControlCharactersErrorType,
    GroupDissolvedErrorType,
    GroupNotFoundErrorType,
)
from services.groups.api.referrals import referral_of
from services.matters.api import (
    MatterNotFoundErrorType,
    MatterNotOpenErrorType,
    MatterType,
    ReferralType,
    WrongKindErrorType,
)
from services.matters.errors import MatterNotFound
from services.volunteers import model, referrals
from services.volunteers.api.services import (
    AlreadyEnrolledErrorType,
    ServiceEndedErrorType,
    ServiceNotFoundErrorType,
    VisitType,
)
from services.volunteers.api.volunteers import NotAVolunteerTeamErrorType
from services.volunteers.referrals import Help

ResidentConsentRequiredErrorType = error_type(
    model.ResidentConsentRequired,
    "ResidentConsentRequiredError",
    "未记录居民同意接受服务 / The resident's consent to the help is not recorded",
)


def _short_day(day: date) -> tuple[str, str]:
    return f"{day.month}月{day.day}日", day.strftime("%d %b").lstrip("0")


@strawberry.type(
    name="VolunteerHelp",
    description="义工队为该事项提供的帮助：服务项目或一次性任务，下次与上次服务 / "
    "Help a volunteer team gives for the matter: a service or a task, next and last visit",
)
class VolunteerHelpType:
    kind: str = strawberry.field(description="service（服务项目）或 task（一次性任务）")
    team_id: strawberry.ID
    team_name_zh: str
    team_name_en: str
    title: str = strawberry.field(description="服务项目名称或任务内容 / The service or task")
    active: bool = strawberry.field(description="仍在提供 / Still going on")
    ended_reason: str = strawberry.field(description="结束原因（如婉拒）/ Why it ended")
    next_visit: VisitType | None
    last_visit: VisitType | None
    summary_zh: str = strawberry.field(description="如：金色港湾义工队 · 下次服务 12月25日")
    summary_en: str = strawberry.field(description="e.g. Golden Harbour · next visit 25 Dec")

    @classmethod
    def of(cls, h: Help, slug: str) -> VolunteerHelpType:
        name_en = h.team_name_en or h.team_name_zh
        if h.next_visit is not None:
            zh_day, en_day = _short_day(h.next_visit.day)
            zh, en = f"下次服务 {zh_day}", f"next visit {en_day}"
        elif not h.active:
            zh, en = "已结束", "ended"
        elif h.last_visit is not None:
            status = model.VisitStatus(h.last_visit.status)
            zh_day, en_day = _short_day(h.last_visit.day)
            zh, en = f"上次 {zh_day} {status.label_zh}", f"last {en_day}: {status.label_en}"
        else:
            zh, en = "待安排", "to be arranged"
        return cls(
            kind=h.kind,
            team_id=strawberry.ID(str(h.team_id)),
            team_name_zh=h.team_name_zh,
            team_name_en=h.team_name_en,
            title=h.title,
            active=h.active,
            ended_reason=h.ended_reason,
            next_visit=None if h.next_visit is None else VisitType.of(h.next_visit, slug),
            last_visit=None if h.last_visit is None else VisitType.of(h.last_visit, slug),
            summary_zh=f"{h.team_name_zh} · {zh}",
            summary_en=f"{name_en} · {en}",
        )


# One read-only transaction per community for all the matters of a page.
_help_batch = loaders.per_community(referrals.matter_help, list)


async def _volunteer_help(root: MatterType, info: Info) -> list[VolunteerHelpType]:
    found = await loaders.loader(info, _help_batch).load((root.slug, int(root.id)))
    return [VolunteerHelpType.of(h, root.slug) for h in found]


@strawberry.type
class MatterVolunteerHelp:
    """The volunteers context's field on Matter."""

    volunteer_help = strawberry.field(
        resolver=_volunteer_help,
        description="义工队为该事项提供的帮助（转介而来）/ "
        "The help volunteer teams give for this matter (from its referrals)",
    )


@strawberry.input(name="ResidentConsentInput", description="居民同意 / The resident's consent")
class ResidentConsentInput:
    by: str = strawberry.field(description="同意人（居民本人或家属）/ Who consented")
    on: date
    note: str = ""


@strawberry.input(name="VolunteerTaskInput", description="一次性任务 / A one-off task")
class VolunteerTaskInput:
    day: date
    what: str


@strawberry.input(
    name="ReferToVolunteerTeamInput",
    description="转介给义工队：纳入一个服务项目，或一次性任务（二者择一），并记录居民同意 / "
    "Refer to a team: enrol in one of its services, or one task, with the resident's consent",
)
class ReferToVolunteerTeamInput:
    consent: ResidentConsentInput | None = None
    service_id: strawberry.ID | None = None
    task: VolunteerTaskInput | None = None
    note: str = ""


ReferMatterToVolunteerTeamResult = result(
    "ReferMatterToVolunteerTeamResult",
    "转介记录或失败原因 / The referral, or why not",
    ReferralType,
    *COMMUNITY_ACT,
    *INPUT,
    ControlCharactersErrorType,
    MatterNotFoundErrorType,
    MatterNotOpenErrorType,
    WrongKindErrorType,
    GroupNotFoundErrorType,
    GroupDissolvedErrorType,
    NotAVolunteerTeamErrorType,
    ServiceNotFoundErrorType,
    ServiceEndedErrorType,
    AlreadyEnrolledErrorType,
    ResidentConsentRequiredErrorType,
)


@strawberry.type
class VolunteerReferralMutation:
    @strawberry.mutation(
        description="把私事（或小事）转介给义工队，并纳入其服务项目或安排一次性任务，记录居民"
        "同意（社区干部、网格员）/ Refer a private (or minor) matter to a volunteer team, "
        "enrolling the household in one of its services or creating a one-off task, with "
        "the resident's consent (cadres, grid workers)"
    )
    async def refer_matter_to_volunteer_team(
        self,
        info: Info,
        community: str,
        matter_id: strawberry.ID,
        team_id: strawberry.ID,
        input: ReferToVolunteerTeamInput,
    ) -> ReferMatterToVolunteerTeamResult:
        async def act(actor: Principal) -> ReferralType:
            data = referrals.HelpInput(
                consent=None
                if input.consent is None
                else referrals.ResidentConsent(
                    input.consent.by, input.consent.on, input.consent.note
                ),
                service_id=input_id(input.service_id, "服务项目", "service"),
                task=None
                if input.task is None
                else referrals.TaskInput(input.task.day, input.task.what),
                note=input.note,
            )
            view = await referrals.refer_to_team(
                actor,
                community,
                parse_id(matter_id, MatterNotFound),
                parse_id(team_id, group_model.GroupNotFound),
                data,
            )
            return referral_of(community, view)

        return await attempt(info, ReferMatterToVolunteerTeamResult, act)
