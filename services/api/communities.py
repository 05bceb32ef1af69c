"""GraphQL adapter of the communities context (社区): the Community entity, queries, mutations.

"Not yours", "does not exist" and "not even a valid slug" all read as null, so a user of
community A learns nothing about community B (the access handler decides; see
services.communities.handlers.access_community_by_slug).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from services.api.context import principal_of, require_principal
from services.api.councils import (
    council_field,
    council_session_field,
    council_sessions_field,
    decision_rules_field,
)
from services.api.errors import (
    CommunityArchivedErrorType,
    CommunityExistsErrorType,
    CommunityNotFoundErrorType,
    ConfirmationRequiredErrorType,
    CountyNotFoundErrorType,
    ForbiddenErrorType,
    InvalidInputErrorType,
    InvalidSlugErrorType,
    TextTooLongErrorType,
    UnauthenticatedErrorType,
    as_error,
    error_members,
)
from services.api.grids import GridType
from services.api.households import household_field, households_field, staff_field
from services.api.matters import (
    community_categories,
    community_matter,
    community_matter_settings,
    community_matters,
    community_suggestion_rules,
)
from services.api.meetings import community_joint_meetings
from services.communities import handlers
from services.errors import NotFound, SanshiError
from tenants.provisioning import CommunityInfo


@strawberry.enum(name="CommunityStatus", description="社区状态 / Community status")
class CommunityStatusType(enum.Enum):
    ACTIVE = strawberry.enum_value("active", description="使用中 / In use")
    ARCHIVED = strawberry.enum_value(
        "archived", description="已归档：数据保留，只读 / Archived: data kept, read-only"
    )


@strawberry.type(name="County", description="县 / A county")
class CountyType:
    code: str
    name_zh: str
    name_en: str


@strawberry.federation.type(
    name="Community",
    keys=["slug"],
    description="社区：一个租户，数据在自己的数据库 schema 中 / A community (one tenant)",
)
class CommunityType:
    slug: str = strawberry.field(description="社区标识 / The community's slug")
    name_zh: str
    name_en: str
    status: CommunityStatusType
    schema_version: int = strawberry.field(
        description="已应用的迁移版本 / Migration version applied"
    )
    placement: str = strawberry.field(description="所在数据库 / Database it lives in")
    created_at: datetime
    archived_at: datetime | None
    county_code: strawberry.Private[str]
    # The registry entry this object was made from, already access-checked for the caller:
    # fields under it (the ledger, a matter) re-apply the pure visibility rule to it
    # instead of reading the registry again in a transaction of their own.
    registry: strawberry.Private[CommunityInfo | None] = None

    @classmethod
    def from_info(cls, info: CommunityInfo) -> CommunityType:
        return cls(
            slug=info.slug,
            name_zh=info.name_zh,
            name_en=info.name_en,
            status=CommunityStatusType(info.status),
            schema_version=info.schema_version,
            placement=info.placement,
            created_at=info.created_at,
            archived_at=info.archived_at,
            county_code=info.county_code,
            registry=info,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, slug: str) -> CommunityType | None:
        """Federation: the same access rule as `community(slug:)` (not visible -> null)."""
        return await visible_community(info, slug)

    @strawberry.field(description="所属的县 / The county it belongs to")
    async def county(self, info: Info) -> CountyType:
        county = await info.context.loaders.counties.load(self.county_code)
        if county is None:  # a foreign key guarantees it; None would be a bug
            raise LookupError(f"county {self.county_code!r} of {self.slug!r} is missing")
        return CountyType(code=county.code, name_zh=county.name_zh, name_en=county.name_en)

    @strawberry.field(description="社区的网格，按编号排序 / Its grids, by code")
    async def grids(self, info: Info) -> list[GridType]:
        rows = await info.context.loaders.grids.load(self.slug)
        return [GridType.from_row(r) for r in rows]

    # Households slice (services/api/households.py): households, household(id), staff.
    households = households_field
    household = household_field
    staff = staff_field

    # Councils slice (services/api/councils.py): the homeland council and its sessions.
    council = council_field
    council_sessions = council_sessions_field
    council_session = council_session_field
    decision_rules = decision_rules_field

    # Matters slice (services/api/matters.py): the ledger, a matter, categories, rules.
    matters = community_matters
    matter = community_matter
    categories = community_categories
    suggestion_rules = community_suggestion_rules
    matter_settings = community_matter_settings

    # Meetings slice (services/api/meetings.py): the community's joint meetings (联席会议).
    joint_meetings = community_joint_meetings


async def visible_community(info: Info, slug: str) -> CommunityType | None:
    """The community if the caller may see it, else None (anonymous callers see none)."""
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        found = await handlers.access_community_by_slug(actor, slug)
    except NotFound:
        return None
    return CommunityType.from_info(found)


@strawberry.type
class CommunityQuery:
    @strawberry.field(
        description="按标识取社区；不存在或无权查看时为空 / "
        "A community by slug; null when missing or not visible"
    )
    async def community(self, info: Info, slug: str) -> CommunityType | None:
        return await visible_community(info, slug)

    @strawberry.field(
        description="可见的社区，可按县筛选 / Communities visible to you, optionally of a county"
    )
    async def communities(self, info: Info, county: str | None = None) -> list[CommunityType]:
        actor = principal_of(info)
        if actor is None:
            return []
        found = await handlers.list_communities(actor, county)
        return [CommunityType.from_info(c) for c in found]


@strawberry.input(name="CreateCommunityInput")
class CreateCommunityInput:
    slug: str = strawberry.field(
        description="社区标识：小写字母开头，小写字母、数字、下划线 / Lowercase slug"
    )
    name_zh: str = strawberry.field(description="中文名称 / Chinese name")
    county: str = strawberry.field(description="所属县代码 / County code")
    name_en: str = strawberry.field(default="", description="英文名称 / English name")


CreateCommunityResult = Annotated[
    CommunityType
    | UnauthenticatedErrorType
    | ForbiddenErrorType
    | InvalidSlugErrorType
    | CommunityExistsErrorType
    | CountyNotFoundErrorType
    | InvalidInputErrorType
    | TextTooLongErrorType,
    strawberry.union(
        "CreateCommunityResult", description="新社区或失败原因 / The new community or why not"
    ),
]
CREATE_COMMUNITY_ERRORS = error_members(CreateCommunityResult)

ArchiveCommunityResult = Annotated[
    CommunityType
    | UnauthenticatedErrorType
    | ForbiddenErrorType
    | CommunityNotFoundErrorType
    | CommunityArchivedErrorType
    | ConfirmationRequiredErrorType,
    strawberry.union(
        "ArchiveCommunityResult",
        description="归档后的社区或失败原因 / The archived community or why not",
    ),
]
ARCHIVE_COMMUNITY_ERRORS = error_members(ArchiveCommunityResult)


@strawberry.type
class CommunityMutation:
    @strawberry.mutation(
        description="创建社区（建 schema 并迁移），县管理员 / Provision a community (county admin)"
    )
    async def create_community(
        self, info: Info, input: CreateCommunityInput
    ) -> CreateCommunityResult:
        try:
            actor = require_principal(info)
            created = await handlers.create_community(
                actor, input.slug, input.name_zh, input.county, name_en=input.name_en
            )
        except SanshiError as err:
            return as_error(err, CREATE_COMMUNITY_ERRORS)
        return CommunityType.from_info(created)

    @strawberry.mutation(
        description="归档社区（数据保留，只读）；须再次输入标识 / "
        "Archive a community (data kept); repeat the slug in confirmSlug"
    )
    async def archive_community(
        self, info: Info, slug: str, confirm_slug: str
    ) -> ArchiveCommunityResult:
        try:
            actor = require_principal(info)
            archived = await handlers.archive_community(actor, slug, confirm_slug=confirm_slug)
        except SanshiError as err:
            return as_error(err, ARCHIVE_COMMUNITY_ERRORS)
        return CommunityType.from_info(archived)
