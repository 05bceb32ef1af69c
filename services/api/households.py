"""GraphQL adapter of the households context: Household (户), Resident (居民), Staff, mutations.

Resolvers call ``services.households.handlers`` and show what the masking rules allow
(``services.households.masking``): circumstances and notes are null for roles without
Op.VIEW_CIRCUMSTANCES, phone numbers masked for roles without Op.VIEW_CONTACTS, login
subjects only for cadres. A household that is missing and one the caller may not see
(a resident's neighbour) read the same: null, or HouseholdNotFoundError.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import strawberry
from graphql.error import GraphQLError
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from services.api.context import principal_of, require_principal
from services.api.errors import (
    CommunityArchivedErrorType,
    CommunityNotFoundErrorType,
    ForbiddenErrorType,
    InvalidInputErrorType,
    TextTooLongErrorType,
    UnauthenticatedErrorType,
    as_error,
    error_members,
    error_type,
)
from services.api.grids import GridType

# The Circumstance vocabulary and HouseholdNotFoundError are declared once, by the matters
# adapter (a matter's household uses them first); this module reuses them.
from services.api.matters import CircumstanceType, HouseholdNotFoundErrorType
from services.auth.model import Role
from services.errors import Forbidden, InvalidInput, NotFound, SanshiError
from services.households import handlers, queries
from services.households.masking import (
    Visibility,
    VisibleHousehold,
    VisibleResident,
    VisibleStaff,
    visibility_for,
    visible_household,
    visible_resident,
)
from services.matters.errors import HouseholdNotFound
from services.matters.model import Circumstance, Circumstances
from tenants.tx import tenant_tx

MAX_DB_ID = 2**31 - 1  # ids are PostgreSQL integers; anything else cannot exist

# -- errors of this context (the one declaration of each; see services/api/errors.py) ---------
GridNotFoundErrorType = error_type(
    handlers.GridNotFound, "GridNotFoundError", "网格不存在 / No such grid in this community"
)
ResidentNotFoundErrorType = error_type(
    handlers.ResidentNotFound,
    "ResidentNotFoundError",
    "居民不存在或不可见 / No such resident (or not visible to you)",
)
StaffNotFoundErrorType = error_type(
    handlers.StaffNotFound, "StaffNotFoundError", "工作人员不存在 / No such staff member"
)
ResidentSubjectTakenErrorType = error_type(
    handlers.ResidentSubjectTaken,
    "ResidentSubjectTakenError",
    "登录账号已关联其他居民 / The login is linked to another resident",
)
StaffSubjectTakenErrorType = error_type(
    handlers.StaffSubjectTaken,
    "StaffSubjectTakenError",
    "登录账号已登记为工作人员 / The login is already registered as staff",
)


# -- vocabulary --------------------------------------------------------------------------------
@strawberry.enum(name="StaffRole", description="工作人员角色 / A staff member's role")
class StaffRoleType(enum.Enum):
    COMMUNITY_CADRE = strawberry.enum_value(
        Role.COMMUNITY_CADRE.value,
        description=f"{Role.COMMUNITY_CADRE.label_zh} / {Role.COMMUNITY_CADRE.label_en}",
    )
    GRID_WORKER = strawberry.enum_value(
        Role.GRID_WORKER.value,
        description=f"{Role.GRID_WORKER.label_zh} / {Role.GRID_WORKER.label_en}",
    )


@strawberry.type(
    name="CircumstanceInfo", description="住户情况及其中英文名称 / A circumstance with labels"
)
class CircumstanceInfoType:
    circumstance: CircumstanceType
    label_zh: str
    label_en: str

    @classmethod
    def of(cls, c: Circumstance) -> CircumstanceInfoType:
        return cls(circumstance=CircumstanceType[c.name], label_zh=c.label_zh, label_en=c.label_en)


@strawberry.type(
    name="HouseholdCircumstances",
    description="住户情况（敏感，仅有权角色可见） / A household's circumstances (sensitive)",
)
class HouseholdCircumstancesType:
    elderly_living_alone: bool = strawberry.field(description="独居老人 / Elderly living alone")
    elderly_without_family: bool = strawberry.field(
        description="孤寡老人 / Elderly without family support"
    )
    disability: bool = strawberry.field(description="残疾 / Disability")
    subsistence_allowance: bool = strawberry.field(description="低保 / Subsistence allowance")
    renting: bool = strawberry.field(description="出租户 / Renting household")
    flags: list[CircumstanceInfoType] = strawberry.field(
        description="成立的情况及其名称 / The circumstances that hold, with their labels"
    )

    @classmethod
    def of(cls, c: Circumstances) -> HouseholdCircumstancesType:
        # Built for every household on a ledger page: read the attributes in vocabulary
        # order off a tuple instead of building the frozenset ``c.flags`` and iterating
        # the enum class (same flags, same order, a fraction of the cost).
        holding = [x for x in _CIRCUMSTANCES if getattr(c, x.value)]
        return cls(
            elderly_living_alone=c.elderly_living_alone,
            elderly_without_family=c.elderly_without_family,
            disability=c.disability,
            subsistence_allowance=c.subsistence_allowance,
            renting=c.renting,
            flags=[CircumstanceInfoType.of(x) for x in holding],
        )


_CIRCUMSTANCES = tuple(Circumstance)


def _circumstances_from(values: list[CircumstanceType] | None) -> Circumstances:
    return Circumstances.of(*(Circumstance(v.value) for v in values or []))


# -- loaders -----------------------------------------------------------------------------------
HouseholdKey = tuple[str, int]


async def load_residents(keys: list[HouseholdKey]) -> list[list[dict[str, Any]] | BaseException]:
    """Residents per (slug, household id): one transaction and one query per community.

    Unmasked rows: the types mask them. A failing community fails only its own keys.
    """
    wanted: dict[str, list[int]] = defaultdict(list)
    for slug, hid in keys:
        wanted[slug].append(hid)

    async def fetch(slug: str) -> dict[int, list[dict[str, Any]]]:
        async with tenant_tx(slug):
            return await queries.residents_of(wanted[slug])

    slugs = list(wanted)
    results = await asyncio.gather(*(fetch(s) for s in slugs), return_exceptions=True)
    by_slug = dict(zip(slugs, results, strict=True))
    out: list[list[dict[str, Any]] | BaseException] = []
    for slug, hid in keys:
        found = by_slug[slug]
        out.append(found if isinstance(found, BaseException) else found.get(hid, []))
    return out


@dataclass
class HouseholdLoaders:
    """This context's DataLoaders of one request (kept beside the shared ``Loaders``)."""

    residents: DataLoader[HouseholdKey, list[dict[str, Any]]] = field(
        default_factory=lambda: DataLoader(load_fn=load_residents)
    )


def household_loaders(info: Info) -> HouseholdLoaders:
    """The request's HouseholdLoaders (households by (slug, id) are ``Loaders.households``)."""
    return info.context.loaders.own("households", HouseholdLoaders)


# -- output types ------------------------------------------------------------------------------
@strawberry.type(name="Resident", description="居民 / A resident of a household")
class ResidentType:
    id: strawberry.ID
    household_id: strawberry.ID
    name: str
    phone: str = strawberry.field(
        description="电话；无权查看联系方式的角色看到打码号码（138****5678） / "
        "Phone; masked for roles that may not see contacts"
    )
    subject: str | None = strawberry.field(
        description="关联的登录账号，仅社区干部可见 / Linked login subject (cadres only)"
    )

    @classmethod
    def of(cls, r: VisibleResident) -> ResidentType:
        return cls(
            id=strawberry.ID(str(r.id)),
            household_id=strawberry.ID(str(r.household_id)),
            name=r.name,
            phone=r.phone,
            subject=r.subject,
        )


async def _grid(info: Info, slug: str, grid_id: int | None) -> GridType | None:
    if grid_id is None:
        return None
    grids = await info.context.loaders.grids.load(slug)
    return next((GridType.from_row(g) for g in grids if g["id"] == grid_id), None)


@strawberry.type(name="Household", description="住户（户） / A household of a grid")
class HouseholdType:
    id: strawberry.ID
    address: str
    size: int = strawberry.field(description="户人数（1–50） / Number of people (1-50)")
    circumstances: HouseholdCircumstancesType | None = strawberry.field(
        description="住户情况；无权查看的角色为空 / Circumstances; null when not visible to you"
    )
    notes: str | None = strawberry.field(
        description="备注（敏感）；无权查看的角色为空 / Notes (sensitive); null when not visible"
    )
    created_at: datetime | None
    slug: strawberry.Private[str]
    grid_id: strawberry.Private[int]
    visibility: strawberry.Private[Visibility]

    @classmethod
    def of(cls, slug: str, h: VisibleHousehold) -> HouseholdType:
        """The GraphQL object of a household already masked (for ``h.view``)."""
        return cls(
            id=strawberry.ID(str(h.id)),
            address=h.address,
            size=h.size,
            circumstances=None
            if h.circumstances is None
            else HouseholdCircumstancesType.of(h.circumstances),
            notes=h.notes,
            created_at=h.created_at,
            slug=slug,
            grid_id=h.grid_id,
            visibility=h.view,
        )

    @classmethod
    def from_row(cls, slug: str, row: dict[str, Any], view: Visibility) -> HouseholdType:
        """Mask a households row for ``view`` and wrap it (for other contexts' types)."""
        return cls.of(slug, visible_household(view, row))

    @strawberry.field(description="所在网格 / The grid it belongs to")
    async def grid(self, info: Info) -> GridType | None:
        return await _grid(info, self.slug, self.grid_id)

    @strawberry.field(description="户内居民 / Residents of the household")
    async def residents(self, info: Info) -> list[ResidentType]:
        rows = await household_loaders(info).residents.load((self.slug, int(self.id)))
        return [ResidentType.of(visible_resident(self.visibility, r)) for r in rows]


@strawberry.type(name="Staff", description="社区工作人员（社区干部、网格员） / Community staff")
class StaffType:
    id: strawberry.ID
    subject: str | None = strawberry.field(
        description="登录账号，仅社区干部可见 / Login subject (cadres only)"
    )
    name: str
    role: StaffRoleType
    phone: str = strawberry.field(description="电话（按角色打码） / Phone (masked per role)")
    active: bool
    slug: strawberry.Private[str]
    grid_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, slug: str, s: VisibleStaff) -> StaffType:
        return cls(
            id=strawberry.ID(str(s.id)),
            subject=s.subject,
            name=s.name,
            role=StaffRoleType(s.role),
            phone=s.phone,
            active=s.active,
            slug=slug,
            grid_id=s.grid_id,
        )

    @strawberry.field(description="负责的网格 / The grid assigned")
    async def grid(self, info: Info) -> GridType | None:
        return await _grid(info, self.slug, self.grid_id)


@strawberry.type(
    name="HouseholdConnection", description="住户分页列表 / A page of households, by id"
)
class HouseholdConnectionType:
    total_count: int = strawberry.field(description="符合条件的总数 / How many match in all")
    nodes: list[HouseholdType]
    has_next_page: bool
    end_cursor: str | None = strawberry.field(
        description="传给 after 取下一页 / Pass as `after` for the next page"
    )


@strawberry.input(name="HouseholdFilterInput")
class HouseholdFilterInput:
    grid_id: strawberry.ID | None = None
    address_contains: str | None = strawberry.field(
        default=None, description="地址包含 / Address contains"
    )
    circumstances: list[CircumstanceType] | None = strawberry.field(
        default=None,
        description="同时具备这些情况（仅有权查看住户情况的角色可用） / "
        "All of these hold (only for roles that may see circumstances)",
    )


# -- helpers -----------------------------------------------------------------------------------
def _db_id(value: str | None, missing: SanshiError) -> int:
    """An ID argument as a database id; anything that cannot be one is ``missing``."""
    try:
        n = int(str(value))
    except ValueError:
        raise missing from None
    if not 1 <= n <= MAX_DB_ID:
        raise missing
    return n


def _encode_cursor(household_id: int) -> str:
    return base64.urlsafe_b64encode(f"household:{household_id}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        kind, _, raw = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        n = int(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput(field_zh="分页游标无效", field_en="invalid cursor") from None
    if kind != "household" or not 0 <= n <= MAX_DB_ID:
        raise InvalidInput(field_zh="分页游标无效", field_en="invalid cursor")
    return n


def _refusal(info: Info, err: SanshiError) -> GraphQLError:
    """An expected refusal of a query field as a located error with code and both messages.

    Query fields have no result union to put typed errors in; an error that already
    carries its path is passed through by graphql-core as it is (no original exception),
    so it is not masked as an internal error.
    """
    return GraphQLError(
        err.message_zh,
        path=info.path.as_list(),
        extensions={"code": err.code, "messageEn": err.message_en},
    )


# -- fields on Community (added to CommunityType in services/api/communities.py) ----------------
# Resolvers take the Community object as ``root`` (its ``slug`` and private ``county_code``);
# the community itself was access-checked when it was resolved.
async def resolve_households(
    root: Any,
    info: Info,
    filter: HouseholdFilterInput | None = None,
    first: int = 50,
    after: str | None = None,
) -> HouseholdConnectionType | None:
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        grid_id = None
        if filter is not None and filter.grid_id is not None:
            grid_id = _db_id(filter.grid_id, handlers.GridNotFound())
        flt = queries.HouseholdFilter(
            grid_id=grid_id,
            address_contains=None if filter is None else filter.address_contains,
            circumstances=frozenset(
                Circumstance(c.value) for c in (filter and filter.circumstances) or []
            ),
        )
        after_id = None if after is None else _decode_cursor(after)
        page = await handlers.list_households(actor, root.slug, flt, first=first, after_id=after_id)
    except handlers.GridNotFound:
        # A grid id that cannot exist filters everything out, like an unknown grid does.
        return HouseholdConnectionType(
            total_count=0, nodes=[], has_next_page=False, end_cursor=None
        )
    except NotFound:
        return None
    except (Forbidden, InvalidInput) as err:
        raise _refusal(info, err) from None
    return HouseholdConnectionType(
        total_count=page.total,
        nodes=[HouseholdType.of(root.slug, h) for h in page.items],
        has_next_page=page.has_next,
        end_cursor=None if page.end_id is None else _encode_cursor(page.end_id),
    )


async def resolve_household(root: Any, info: Info, id: strawberry.ID) -> HouseholdType | None:
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        found = await handlers.get_household(actor, root.slug, _db_id(id, HouseholdNotFound()))
    except (NotFound, Forbidden):
        return None
    return HouseholdType.of(root.slug, found)


async def resolve_staff(root: Any, info: Info, include_inactive: bool = False) -> list[StaffType]:
    actor = principal_of(info)
    if actor is None:
        return []
    try:
        found = await handlers.list_staff(actor, root.slug, include_inactive=include_inactive)
    except (NotFound, Forbidden):
        # Residents have no staff list: the ledger's roles do.
        return []
    return [StaffType.of(root.slug, s) for s in found]


households_field = strawberry.field(
    resolver=resolve_households,
    description="住户分页列表（居民只看到自己的住户）；按住户情况筛选仅限有权角色 / "
    "Households, a page at a time (a resident sees their own only); circumstance filters "
    "only for roles that may see circumstances",
)
household_field = strawberry.field(
    resolver=resolve_household,
    description="按编号取住户；不存在或不可见时为空 / A household by id; null when missing "
    "or not visible",
)
staff_field = strawberry.field(
    resolver=resolve_staff,
    description="社区工作人员（社区干部、网格员）；居民看到空列表 / Community staff; "
    "empty for residents",
)


async def load_visible_household(
    info: Info, slug: str, county: str, household_id: int
) -> HouseholdType | None:
    """A household for another context's type (e.g. Matter.household), masked for the caller.

    Does NOT decide whether the caller may see it: call it only for a household the caller
    reached through something they may see (a matter they may see is of a household they
    may see). Uses the shared ``Loaders.households`` batch.
    """
    actor = principal_of(info)
    row = await info.context.loaders.households.load((slug, household_id))
    if row is None or actor is None:
        return None
    return HouseholdType.from_row(slug, row, visibility_for(actor, slug, county))


# -- inputs ------------------------------------------------------------------------------------
@strawberry.input(name="CreateHouseholdInput")
class CreateHouseholdInput:
    grid_id: strawberry.ID = strawberry.field(description="所在网格 / Grid")
    address: str = strawberry.field(description="地址 / Address")
    size: int = strawberry.field(default=1, description="户人数（1–50） / People (1-50)")
    circumstances: list[CircumstanceType] = strawberry.field(
        default_factory=list, description="住户情况 / Circumstances that hold"
    )
    notes: str = strawberry.field(default="", description="备注（敏感） / Notes (sensitive)")


@strawberry.input(name="UpdateHouseholdInput")
class UpdateHouseholdInput:
    address: str | None = strawberry.field(default=None, description="地址 / Address")
    size: int | None = strawberry.field(default=None, description="户人数 / People")
    grid_id: strawberry.ID | None = strawberry.field(default=None, description="网格 / Grid")


@strawberry.input(name="SetHouseholdCircumstancesInput")
class SetHouseholdCircumstancesInput:
    circumstances: list[CircumstanceType] = strawberry.field(
        description="成立的全部情况（未列出的即不成立） / All that hold (others are cleared)"
    )
    notes: str | None = strawberry.field(
        default=None, description="备注；省略则不变 / Notes; omitted = unchanged"
    )


@strawberry.input(name="AddResidentInput")
class AddResidentInput:
    name: str = strawberry.field(description="姓名 / Name")
    phone: str = strawberry.field(default="", description="电话 / Phone")
    subject: str | None = strawberry.field(
        default=None, description="居民的登录账号（唯一） / The resident's login (unique)"
    )


@strawberry.input(name="UpdateResidentInput")
class UpdateResidentInput:
    name: str | None = None
    phone: str | None = strawberry.field(
        default=None, description="电话；空字符串清除 / Phone; empty clears it"
    )
    subject: str | None = strawberry.field(
        default=None, description="登录账号；空字符串解除关联 / Login; empty unlinks it"
    )


@strawberry.input(name="RegisterStaffInput")
class RegisterStaffInput:
    subject: str = strawberry.field(description="登录账号（唯一） / Login subject (unique)")
    name: str
    role: StaffRoleType
    grid_id: strawberry.ID | None = None
    phone: str = ""


# -- results -----------------------------------------------------------------------------------
_COMMON = (
    UnauthenticatedErrorType
    | ForbiddenErrorType
    | CommunityNotFoundErrorType
    | CommunityArchivedErrorType
    | InvalidInputErrorType
    | TextTooLongErrorType
)

CreateHouseholdResult = Annotated[
    HouseholdType | _COMMON | GridNotFoundErrorType,
    strawberry.union("CreateHouseholdResult", description="新住户或失败原因 / The new household"),
]
UpdateHouseholdResult = Annotated[
    HouseholdType | _COMMON | HouseholdNotFoundErrorType | GridNotFoundErrorType,
    strawberry.union("UpdateHouseholdResult", description="修改后的住户 / The updated household"),
]
SetHouseholdCircumstancesResult = Annotated[
    HouseholdType | _COMMON | HouseholdNotFoundErrorType,
    strawberry.union(
        "SetHouseholdCircumstancesResult", description="修改后的住户 / The updated household"
    ),
]
AddResidentResult = Annotated[
    ResidentType | _COMMON | HouseholdNotFoundErrorType | ResidentSubjectTakenErrorType,
    strawberry.union("AddResidentResult", description="新居民或失败原因 / The new resident"),
]
UpdateResidentResult = Annotated[
    ResidentType | _COMMON | ResidentNotFoundErrorType | ResidentSubjectTakenErrorType,
    strawberry.union("UpdateResidentResult", description="修改后的居民 / The updated resident"),
]
RegisterStaffResult = Annotated[
    StaffType | _COMMON | GridNotFoundErrorType | StaffSubjectTakenErrorType,
    strawberry.union("RegisterStaffResult", description="新工作人员 / The new staff member"),
]
AssignStaffGridResult = Annotated[
    StaffType | _COMMON | StaffNotFoundErrorType | GridNotFoundErrorType,
    strawberry.union("AssignStaffGridResult", description="修改后的工作人员 / The staff member"),
]
DeactivateStaffResult = Annotated[
    StaffType | _COMMON | StaffNotFoundErrorType,
    strawberry.union("DeactivateStaffResult", description="停用后的工作人员 / The staff member"),
]
CREATE_HOUSEHOLD_ERRORS = error_members(CreateHouseholdResult)
UPDATE_HOUSEHOLD_ERRORS = error_members(UpdateHouseholdResult)
SET_CIRCUMSTANCES_ERRORS = error_members(SetHouseholdCircumstancesResult)
ADD_RESIDENT_ERRORS = error_members(AddResidentResult)
UPDATE_RESIDENT_ERRORS = error_members(UpdateResidentResult)
REGISTER_STAFF_ERRORS = error_members(RegisterStaffResult)
ASSIGN_STAFF_GRID_ERRORS = error_members(AssignStaffGridResult)
DEACTIVATE_STAFF_ERRORS = error_members(DeactivateStaffResult)


@strawberry.type
class HouseholdMutation:
    @strawberry.mutation(
        description="登记住户（社区干部、网格员） / Register a household (cadres, grid workers)"
    )
    async def create_household(
        self, info: Info, community: str, input: CreateHouseholdInput
    ) -> CreateHouseholdResult:
        try:
            actor = require_principal(info)
            data = handlers.HouseholdInput(
                grid_id=_db_id(input.grid_id, handlers.GridNotFound()),
                address=input.address,
                size=input.size,
                circumstances=_circumstances_from(input.circumstances),
                notes=input.notes,
            )
            found = await handlers.create_household(actor, community, data, info.context.settings)
            return HouseholdType.of(community, found)
        except SanshiError as err:
            return as_error(err, CREATE_HOUSEHOLD_ERRORS)

    @strawberry.mutation(description="修改住户地址、人数或网格 / Change address, size or grid")
    async def update_household(
        self, info: Info, community: str, id: strawberry.ID, input: UpdateHouseholdInput
    ) -> UpdateHouseholdResult:
        try:
            actor = require_principal(info)
            changes = handlers.HouseholdChanges(
                address=input.address,
                size=input.size,
                grid_id=None
                if input.grid_id is None
                else _db_id(input.grid_id, handlers.GridNotFound()),
            )
            found = await handlers.update_household(
                actor,
                community,
                _db_id(id, HouseholdNotFound()),
                changes,
                info.context.settings,
            )
            return HouseholdType.of(community, found)
        except SanshiError as err:
            return as_error(err, UPDATE_HOUSEHOLD_ERRORS)

    @strawberry.mutation(
        description="设置住户情况（记入审计日志） / Set a household's circumstances (audited)"
    )
    async def set_household_circumstances(
        self,
        info: Info,
        community: str,
        id: strawberry.ID,
        input: SetHouseholdCircumstancesInput,
    ) -> SetHouseholdCircumstancesResult:
        try:
            actor = require_principal(info)
            found = await handlers.set_household_circumstances(
                actor,
                community,
                _db_id(id, HouseholdNotFound()),
                _circumstances_from(input.circumstances),
                info.context.settings,
                notes=input.notes,
            )
            return HouseholdType.of(community, found)
        except SanshiError as err:
            return as_error(err, SET_CIRCUMSTANCES_ERRORS)

    @strawberry.mutation(description="为住户添加居民 / Add a resident to a household")
    async def add_resident(
        self, info: Info, community: str, household_id: strawberry.ID, input: AddResidentInput
    ) -> AddResidentResult:
        try:
            actor = require_principal(info)
            found = await handlers.add_resident(
                actor,
                community,
                _db_id(household_id, HouseholdNotFound()),
                handlers.ResidentInput(name=input.name, phone=input.phone, subject=input.subject),
                info.context.settings,
            )
        except SanshiError as err:
            return as_error(err, ADD_RESIDENT_ERRORS)
        return ResidentType.of(found)

    @strawberry.mutation(description="修改居民信息 / Change a resident's details")
    async def update_resident(
        self, info: Info, community: str, id: strawberry.ID, input: UpdateResidentInput
    ) -> UpdateResidentResult:
        try:
            actor = require_principal(info)
            found = await handlers.update_resident(
                actor,
                community,
                _db_id(id, handlers.ResidentNotFound()),
                handlers.ResidentChanges(name=input.name, phone=input.phone, subject=input.subject),
                info.context.settings,
            )
        except SanshiError as err:
            return as_error(err, UPDATE_RESIDENT_ERRORS)
        return ResidentType.of(found)

    @strawberry.mutation(
        description="登记社区干部或网格员（社区干部） / Register a cadre or grid worker (cadres)"
    )
    async def register_staff(
        self, info: Info, community: str, input: RegisterStaffInput
    ) -> RegisterStaffResult:
        try:
            actor = require_principal(info)
            data = handlers.StaffInput(
                subject=input.subject,
                name=input.name,
                role=Role[input.role.name],
                grid_id=None
                if input.grid_id is None
                else _db_id(input.grid_id, handlers.GridNotFound()),
                phone=input.phone,
            )
            found = await handlers.register_staff(actor, community, data, info.context.settings)
        except SanshiError as err:
            return as_error(err, REGISTER_STAFF_ERRORS)
        return StaffType.of(community, found)

    @strawberry.mutation(
        description="为工作人员分配网格；gridId 为空则取消 / Assign a grid (null clears it)"
    )
    async def assign_staff_grid(
        self, info: Info, community: str, id: strawberry.ID, grid_id: strawberry.ID | None
    ) -> AssignStaffGridResult:
        try:
            actor = require_principal(info)
            found = await handlers.assign_staff_grid(
                actor,
                community,
                _db_id(id, handlers.StaffNotFound()),
                None if grid_id is None else _db_id(grid_id, handlers.GridNotFound()),
            )
        except SanshiError as err:
            return as_error(err, ASSIGN_STAFF_GRID_ERRORS)
        return StaffType.of(community, found)

    @strawberry.mutation(description="停用工作人员 / Deactivate a staff member")
    async def deactivate_staff(
        self, info: Info, community: str, id: strawberry.ID
    ) -> DeactivateStaffResult:
        try:
            actor = require_principal(info)
            found = await handlers.deactivate_staff(
                actor, community, _db_id(id, handlers.StaffNotFound())
            )
        except SanshiError as err:
            return as_error(err, DEACTIVATE_STAFF_ERRORS)
        return StaffType.of(community, found)
