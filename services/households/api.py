"""GraphQL adapter of the households context: Household (户), Resident (居民), Staff, mutations.

Resolvers call ``services.households.handlers`` and show what the masking rules allow
(``services.households.masking``): circumstances and notes are null for roles without
VIEW_CIRCUMSTANCES, phone numbers masked for roles without VIEW_CONTACTS, login
subjects only for cadres. A household that is missing and one the caller may not see
(a resident's neighbour) read the same: null, or HouseholdNotFoundError.
"""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry
from strawberry.types import Info

from services.api.kit import loaders
from services.api.kit.errors import error_type, query_error
from services.api.kit.ids import parse_id
from services.api.kit.request import principal_of
from services.api.kit.results import COMMUNITY_ACT, INPUT, attempt, result
from services.api.kit.vocabulary import domain_member, labelled_enum
from services.auth.model import Principal, Role
from services.communities.api import CommunityType
from services.errors import Forbidden, InvalidInput, NotFound
from services.grids.api import GridType, grid_by_id
from services.households import handlers, queries
from services.households.masking import (
    Visibility,
    VisibleHousehold,
    VisibleResident,
    VisibleStaff,
    visible_household,
    visible_resident,
)
from services.households.model import Circumstance, Circumstances, HouseholdNotFound
from services.households.queries import HouseholdRow, ResidentRow
from services.kernel.pagination import decode_cursor, encode_cursor
from tenants.tx import tenant_tx

# -- errors of this context (the one declaration of each; see services/api/kit/errors.py) -----
HouseholdNotFoundErrorType = error_type(
    HouseholdNotFound,
    "HouseholdNotFoundError",
    "住户不存在或不可见 / No such household (or not visible to you)",
)
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
CircumstanceType = labelled_enum(
    Circumstance, "Circumstance", "影响分流的住户情况（敏感）/ A household circumstance"
)


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


# -- loaders -----------------------------------------------------------------------------------
async def _residents(slug: str, household_ids: list[int]) -> dict[int, list[ResidentRow]]:
    async with tenant_tx(slug):
        return await queries.residents_of(household_ids)


# Residents per (slug, household id): one transaction and one query per community. Unmasked
# rows: the types mask them.
residents_of_household = loaders.per_community(_residents, list)


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
    def from_row(cls, slug: str, row: HouseholdRow, view: Visibility) -> HouseholdType:
        """Mask a households row for ``view`` and wrap it (for other contexts' types)."""
        return cls.of(slug, visible_household(view, row))

    @strawberry.field(description="所在网格 / The grid it belongs to")
    async def grid(self, info: Info) -> GridType | None:
        return await grid_by_id(info, self.slug, self.grid_id)

    @strawberry.field(description="户内居民 / Residents of the household")
    async def residents(self, info: Info) -> list[ResidentType]:
        rows = await loaders.loader(info, residents_of_household).load((self.slug, int(self.id)))
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
        return await grid_by_id(info, self.slug, self.grid_id)


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
def _circumstances_from(values: list[CircumstanceType] | None) -> Circumstances:
    return Circumstances.of(*(domain_member(Circumstance, v) for v in values or []))


# -- fields on Community (declared in services/households/context.py) -------------------------
# Resolvers take the Community object as ``root`` (its ``slug`` and private ``county_code``);
# the community itself was access-checked when it was resolved.
async def resolve_households(
    root: CommunityType,
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
            grid_id = parse_id(filter.grid_id, handlers.GridNotFound())
        flt = queries.HouseholdFilter(
            grid_id=grid_id,
            address_contains=None if filter is None else filter.address_contains,
            circumstances=frozenset(
                domain_member(Circumstance, c) for c in (filter and filter.circumstances) or []
            ),
        )
        after_id = None if after is None else decode_cursor(after, int)[0]
        page = await handlers.list_households(actor, root.slug, flt, first=first, after_id=after_id)
    except handlers.GridNotFound:
        # A grid id that cannot exist filters everything out, like an unknown grid does.
        return HouseholdConnectionType(
            total_count=0, nodes=[], has_next_page=False, end_cursor=None
        )
    except NotFound:
        return None
    except (Forbidden, InvalidInput) as err:
        raise query_error(info, err) from None
    return HouseholdConnectionType(
        total_count=page.total,
        nodes=[HouseholdType.of(root.slug, h) for h in page.items],
        has_next_page=page.has_next,
        end_cursor=None if page.end_id is None else encode_cursor(page.end_id),
    )


async def resolve_household(
    root: CommunityType, info: Info, id: strawberry.ID
) -> HouseholdType | None:
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        found = await handlers.get_household(actor, root.slug, parse_id(id, HouseholdNotFound()))
    except (NotFound, Forbidden):
        return None
    return HouseholdType.of(root.slug, found)


async def resolve_staff(
    root: CommunityType, info: Info, include_inactive: bool = False
) -> list[StaffType]:
    actor = principal_of(info)
    if actor is None:
        return []
    try:
        found = await handlers.list_staff(actor, root.slug, include_inactive=include_inactive)
    except (NotFound, Forbidden):
        # Residents have no staff list: the ledger's roles do.
        return []
    return [StaffType.of(root.slug, s) for s in found]


@strawberry.type
class CommunityHouseholds:
    """The households context's fields on Community."""

    households = strawberry.field(
        resolver=resolve_households,
        description="住户分页列表（居民只看到自己的住户）；按住户情况筛选仅限有权角色 / "
        "Households, a page at a time (a resident sees their own only); circumstance filters "
        "only for roles that may see circumstances",
    )
    household = strawberry.field(
        resolver=resolve_household,
        description="按编号取住户；不存在或不可见时为空 / A household by id; null when missing "
        "or not visible",
    )
    staff = strawberry.field(
        resolver=resolve_staff,
        description="社区工作人员（社区干部、网格员）；居民看到空列表 / Community staff; "
        "empty for residents",
    )


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
_COMMON = (*COMMUNITY_ACT, *INPUT)

CreateHouseholdResult = result(
    "CreateHouseholdResult",
    "新住户或失败原因 / The new household",
    HouseholdType,
    *_COMMON,
    GridNotFoundErrorType,
)
UpdateHouseholdResult = result(
    "UpdateHouseholdResult",
    "修改后的住户 / The updated household",
    HouseholdType,
    *_COMMON,
    HouseholdNotFoundErrorType,
    GridNotFoundErrorType,
)
SetHouseholdCircumstancesResult = result(
    "SetHouseholdCircumstancesResult",
    "修改后的住户 / The updated household",
    HouseholdType,
    *_COMMON,
    HouseholdNotFoundErrorType,
)
AddResidentResult = result(
    "AddResidentResult",
    "新居民或失败原因 / The new resident",
    ResidentType,
    *_COMMON,
    HouseholdNotFoundErrorType,
    ResidentSubjectTakenErrorType,
)
UpdateResidentResult = result(
    "UpdateResidentResult",
    "修改后的居民 / The updated resident",
    ResidentType,
    *_COMMON,
    ResidentNotFoundErrorType,
    ResidentSubjectTakenErrorType,
)
RegisterStaffResult = result(
    "RegisterStaffResult",
    "新工作人员 / The new staff member",
    StaffType,
    *_COMMON,
    GridNotFoundErrorType,
    StaffSubjectTakenErrorType,
)
AssignStaffGridResult = result(
    "AssignStaffGridResult",
    "修改后的工作人员 / The staff member",
    StaffType,
    *_COMMON,
    StaffNotFoundErrorType,
    GridNotFoundErrorType,
)
DeactivateStaffResult = result(
    "DeactivateStaffResult",
    "停用后的工作人员 / The staff member",
    StaffType,
    *_COMMON,
    StaffNotFoundErrorType,
)


def _grid_id(value: strawberry.ID | None) -> int | None:
    return None if value is None else parse_id(value, handlers.GridNotFound())


@strawberry.type
class HouseholdMutation:
    @strawberry.mutation(
        description="登记住户（社区干部、网格员） / Register a household (cadres, grid workers)"
    )
    async def create_household(
        self, info: Info, community: str, input: CreateHouseholdInput
    ) -> CreateHouseholdResult:
        async def act(actor: Principal) -> HouseholdType:
            data = handlers.HouseholdInput(
                grid_id=parse_id(input.grid_id, handlers.GridNotFound()),
                address=input.address,
                size=input.size,
                circumstances=_circumstances_from(input.circumstances),
                notes=input.notes,
            )
            found = await handlers.create_household(actor, community, data, info.context.settings)
            return HouseholdType.of(community, found)

        return await attempt(info, CreateHouseholdResult, act)

    @strawberry.mutation(description="修改住户地址、人数或网格 / Change address, size or grid")
    async def update_household(
        self, info: Info, community: str, id: strawberry.ID, input: UpdateHouseholdInput
    ) -> UpdateHouseholdResult:
        async def act(actor: Principal) -> HouseholdType:
            changes = handlers.HouseholdChanges(
                address=input.address, size=input.size, grid_id=_grid_id(input.grid_id)
            )
            found = await handlers.update_household(
                actor,
                community,
                parse_id(id, HouseholdNotFound()),
                changes,
                info.context.settings,
            )
            return HouseholdType.of(community, found)

        return await attempt(info, UpdateHouseholdResult, act)

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
        async def act(actor: Principal) -> HouseholdType:
            found = await handlers.set_household_circumstances(
                actor,
                community,
                parse_id(id, HouseholdNotFound()),
                _circumstances_from(input.circumstances),
                info.context.settings,
                notes=input.notes,
            )
            return HouseholdType.of(community, found)

        return await attempt(info, SetHouseholdCircumstancesResult, act)

    @strawberry.mutation(description="为住户添加居民 / Add a resident to a household")
    async def add_resident(
        self, info: Info, community: str, household_id: strawberry.ID, input: AddResidentInput
    ) -> AddResidentResult:
        async def act(actor: Principal) -> ResidentType:
            found = await handlers.add_resident(
                actor,
                community,
                parse_id(household_id, HouseholdNotFound()),
                handlers.ResidentInput(name=input.name, phone=input.phone, subject=input.subject),
                info.context.settings,
            )
            return ResidentType.of(found)

        return await attempt(info, AddResidentResult, act)

    @strawberry.mutation(description="修改居民信息 / Change a resident's details")
    async def update_resident(
        self, info: Info, community: str, id: strawberry.ID, input: UpdateResidentInput
    ) -> UpdateResidentResult:
        async def act(actor: Principal) -> ResidentType:
            found = await handlers.update_resident(
                actor,
                community,
                parse_id(id, handlers.ResidentNotFound()),
                handlers.ResidentChanges(name=input.name, phone=input.phone, subject=input.subject),
                info.context.settings,
            )
            return ResidentType.of(found)

        return await attempt(info, UpdateResidentResult, act)

    @strawberry.mutation(
        description="登记社区干部或网格员（社区干部） / Register a cadre or grid worker (cadres)"
    )
    async def register_staff(
        self, info: Info, community: str, input: RegisterStaffInput
    ) -> RegisterStaffResult:
        async def act(actor: Principal) -> StaffType:
            data = handlers.StaffInput(
                subject=input.subject,
                name=input.name,
                role=Role[input.role.name],
                grid_id=_grid_id(input.grid_id),
                phone=input.phone,
            )
            found = await handlers.register_staff(actor, community, data, info.context.settings)
            return StaffType.of(community, found)

        return await attempt(info, RegisterStaffResult, act)

    @strawberry.mutation(
        description="为工作人员分配网格；gridId 为空则取消 / Assign a grid (null clears it)"
    )
    async def assign_staff_grid(
        self, info: Info, community: str, id: strawberry.ID, grid_id: strawberry.ID | None
    ) -> AssignStaffGridResult:
        async def act(actor: Principal) -> StaffType:
            found = await handlers.assign_staff_grid(
                actor, community, parse_id(id, handlers.StaffNotFound()), _grid_id(grid_id)
            )
            return StaffType.of(community, found)

        return await attempt(info, AssignStaffGridResult, act)

    @strawberry.mutation(description="停用工作人员 / Deactivate a staff member")
    async def deactivate_staff(
        self, info: Info, community: str, id: strawberry.ID
    ) -> DeactivateStaffResult:
        async def act(actor: Principal) -> StaffType:
            found = await handlers.deactivate_staff(
                actor, community, parse_id(id, handlers.StaffNotFound())
            )
            return StaffType.of(community, found)

        return await attempt(info, DeactivateStaffResult, act)
