"""GraphQL adapter of service hours and certificates: Community.volunteerHours,
Community.volunteerCertificate, issueVolunteerCertificate (the printable page is served at
``/communities/{slug}/volunteer-certificates/{number}``, services/app.py)."""

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
from services.volunteers import certificates, model
from services.volunteers.api.volunteers import VolunteerNotFoundErrorType
from services.volunteers.certificates import CertificateRow

NoConfirmedServiceErrorType = error_type(
    model.NoConfirmedService,
    "NoConfirmedServiceError",
    "该期间没有经确认的服务 / No confirmed service in the period",
)
CertificateNotFoundErrorType = error_type(
    model.CertificateNotFound,
    "CertificateNotFoundError",
    "服务证明不存在或不可见 / No such certificate (or not visible to you)",
)


@strawberry.type(
    name="VolunteerMonthHours",
    description="志愿者某月在某队经确认的服务时长 / A volunteer's confirmed hours in a month",
)
class VolunteerMonthHoursType:
    month: date
    team_id: strawberry.ID
    hours: Decimal
    visits: int


@strawberry.type(name="CertificateLine", description="证明上的一项服务 / A line of service")
class CertificateLineType:
    title: str
    visits: int
    hours: Decimal


@strawberry.type(
    name="VolunteerCertificate",
    description="志愿服务记录证明（按出具时记录，不再修改）/ A service certificate, as issued",
)
class VolunteerCertificateType:
    number: str
    volunteer_id: strawberry.ID
    volunteer_name: str
    volunteer_identity: str
    period_from: date
    period_to: date
    hours: Decimal
    visits: int
    lines: list[CertificateLineType]
    organisation: str
    responsible_person: str
    issued_on: date
    page_path: str = strawberry.field(
        description="可打印页面的地址（同样需要登录令牌）/ The printable page (same token)"
    )

    @classmethod
    def of(cls, slug: str, c: CertificateRow) -> VolunteerCertificateType:
        return cls(
            number=c.number,
            volunteer_id=strawberry.ID(str(c.volunteer_id)),
            volunteer_name=c.volunteer_name,
            volunteer_identity=c.volunteer_identity,
            period_from=c.period_from,
            period_to=c.period_to,
            hours=c.hours,
            visits=c.visits,
            lines=[
                CertificateLineType(
                    title=i["title"], visits=int(i["visits"]), hours=Decimal(i["hours"])
                )
                for i in c.content
            ],
            organisation=c.organisation,
            responsible_person=c.responsible_person,
            issued_on=c.issued_on,
            page_path=f"/communities/{slug}/volunteer-certificates/{c.number}",
        )


async def _hours(
    root: CommunityType, info: Info, volunteer_id: strawberry.ID, first: date, last: date
) -> list[VolunteerMonthHoursType] | None:
    actor = principal_of(info)
    vid = maybe_id(volunteer_id)
    if actor is None or vid is None:
        return None
    try:
        found = await certificates.volunteer_hours(actor, root.slug, vid, first, last)
    except (model.VolunteerNotFound, Forbidden):
        return None
    except SanshiError as err:
        raise query_error(info, err) from None
    return [
        VolunteerMonthHoursType(
            month=m.month, team_id=strawberry.ID(str(m.team_id)), hours=m.hours, visits=m.visits
        )
        for m in found
    ]


async def _certificate(
    root: CommunityType, info: Info, number: str
) -> VolunteerCertificateType | None:
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        found = await certificates.get_certificate(actor, root.slug, number)
    except (model.CertificateNotFound, Forbidden):
        return None
    return VolunteerCertificateType.of(root.slug, found)


@strawberry.type
class CommunityVolunteerRecords:
    """The volunteers context's hours and certificates on Community."""

    volunteer_hours = strawberry.field(
        resolver=_hours,
        description="志愿者经确认的服务时长（按月、按队；本人与管理该队者可见）/ A volunteer's "
        "confirmed hours by month and team (the volunteer, those who manage the team)",
    )
    volunteer_certificate = strawberry.field(
        resolver=_certificate,
        description="按编号取服务证明；不可见时为空 / A certificate by number; null if not visible",
    )


IssueVolunteerCertificateResult = result(
    "IssueVolunteerCertificateResult",
    "出具的证明或失败原因 / The certificate issued, or why not",
    VolunteerCertificateType,
    *COMMUNITY_ACT,
    *INPUT,
    ControlCharactersErrorType,
    VolunteerNotFoundErrorType,
    GroupDissolvedErrorType,
    NoConfirmedServiceErrorType,
)


@strawberry.type
class CertificateMutation:
    @strawberry.mutation(
        description="出具志愿服务记录证明（义工队负责人与骨干、社区干部）/ Issue a volunteer's "
        "service certificate for a period (the team's leader and core, cadres)"
    )
    async def issue_volunteer_certificate(
        self,
        info: Info,
        community: str,
        volunteer_id: strawberry.ID,
        period_from: date,
        period_to: date,
        responsible_person: str,
    ) -> IssueVolunteerCertificateResult:
        async def act(actor: Principal) -> VolunteerCertificateType:
            row = await certificates.issue_certificate(
                actor,
                community,
                parse_id(volunteer_id, model.VolunteerNotFound),
                period_from,
                period_to,
                responsible_person,
            )
            return VolunteerCertificateType.of(community, row)

        return await attempt(info, IssueVolunteerCertificateResult, act)
