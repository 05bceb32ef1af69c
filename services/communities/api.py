"""GraphQL adapter of the communities context (社区): the Community entity, queries, mutations.

"Not yours", "does not exist" and "not even a valid slug" all read as null, so a user of
community A learns nothing about community B (the access handler decides; see
services.communities.handlers.access_community_by_slug).
"""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry
from strawberry.types import Info

from services.api.kit import loaders
from services.api.kit.errors import (
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
)
from services.api.kit.request import principal_of
from services.api.kit.results import attempt, result
from services.auth.model import Principal
from services.communities import handlers, queries
from services.errors import NotFound
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

    @classmethod
    def of(cls, county: queries.CountyInfo) -> CountyType:
        return cls(code=county.code, name_zh=county.name_zh, name_en=county.name_en)


async def _counties(codes: list[str]) -> list[queries.CountyInfo | None]:
    """Counties by code in one platform query (None for an unknown code)."""
    found = await queries.counties_by_code(codes)
    return [found.get(c) for c in codes]


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
        county = await loaders.loader(info, _counties).load(self.county_code)
        if county is None:  # a foreign key guarantees it; None would be a bug
            raise LookupError(f"county {self.county_code!r} of {self.slug!r} is missing")
        return CountyType.of(county)

    # Other contexts add their fields here (grids, households, council, the ledger, joint
    # meetings, ...): see their CONTEXT declarations (services/contexts.py).


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


CreateCommunityResult = result(
    "CreateCommunityResult",
    "新社区或失败原因 / The new community or why not",
    CommunityType,
    UnauthenticatedErrorType,
    ForbiddenErrorType,
    InvalidSlugErrorType,
    CommunityExistsErrorType,
    CountyNotFoundErrorType,
    InvalidInputErrorType,
    TextTooLongErrorType,
)
ArchiveCommunityResult = result(
    "ArchiveCommunityResult",
    "归档后的社区或失败原因 / The archived community or why not",
    CommunityType,
    UnauthenticatedErrorType,
    ForbiddenErrorType,
    CommunityNotFoundErrorType,
    CommunityArchivedErrorType,
    ConfirmationRequiredErrorType,
)


@strawberry.type
class CommunityMutation:
    @strawberry.mutation(
        description="创建社区（建 schema 并迁移），县管理员 / Provision a community (county admin)"
    )
    async def create_community(
        self, info: Info, input: CreateCommunityInput
    ) -> CreateCommunityResult:
        async def act(actor: Principal) -> CommunityType:
            created = await handlers.create_community(
                actor, input.slug, input.name_zh, input.county, name_en=input.name_en
            )
            return CommunityType.from_info(created)

        return await attempt(info, CreateCommunityResult, act)

    @strawberry.mutation(
        description="归档社区（数据保留，只读）；须再次输入标识 / "
        "Archive a community (data kept); repeat the slug in confirmSlug"
    )
    async def archive_community(
        self, info: Info, slug: str, confirm_slug: str
    ) -> ArchiveCommunityResult:
        async def act(actor: Principal) -> CommunityType:
            archived = await handlers.archive_community(actor, slug, confirm_slug=confirm_slug)
            return CommunityType.from_info(archived)

        return await attempt(info, ArchiveCommunityResult, act)
