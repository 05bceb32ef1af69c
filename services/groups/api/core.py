"""GraphQL adapter of resident groups: Group, GroupMember, the community's groups, members' acts.

Who may see or do what is the context's (``services.groups.queries``): a group the caller
may not see reads as missing (null, GroupNotFoundError); resolvers only call and convert.
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from services.api.kit.errors import (
    error_type,
    query_error,
)
from services.api.kit.ids import input_id, maybe_id, parse_id
from services.api.kit.pages import PageInfoType
from services.api.kit.request import principal_of
from services.api.kit.results import COMMUNITY_ACT, INPUT, attempt, result
from services.api.kit.vocabulary import domain_member, labelled_enum
from services.auth.model import Principal
from services.communities.api import CommunityType
from services.errors import Forbidden, SanshiError
from services.groups import handlers, model, queries
from services.groups.model import BallotBasis, GroupKind, GroupRole
from services.groups.queries import GroupView, MemberView
from services.households.api import HouseholdNotFoundErrorType, HouseholdType, ResidentType
from services.households.masking import Visibility, visible_resident
from services.households.model import HouseholdNotFound
from services.kernel.text import ControlCharacters
from services.matters import queries as matter_queries
from services.matters.api import MatterNotFoundErrorType, MatterType
from tenants.provisioning import CommunityInfo

# -- vocabulary and errors ------------------------------------------------------------------
GroupKindType = labelled_enum(GroupKind, "GroupKind", "居民组织的类型 / Kind of resident group")
GroupRoleType = labelled_enum(GroupRole, "GroupRole", "组织内的角色 / A member's role in a group")
BallotBasisType = labelled_enum(
    BallotBasis, "BallotBasis", "组织表决时谁投票 / Who casts a ballot in the group's votes"
)

GroupNotFoundErrorType = error_type(
    model.GroupNotFound,
    "GroupNotFoundError",
    "居民组织不存在或不可见 / No such group (or not visible to you)",
)
GroupMemberNotFoundErrorType = error_type(
    model.GroupMemberNotFound,
    "GroupMemberNotFoundError",
    "成员记录不存在或不可见 / No such membership (or not visible to you)",
)
GroupDissolvedErrorType = error_type(
    model.GroupDissolved, "GroupDissolvedError", "组织已解散 / The group is dissolved"
)
GroupNameTakenErrorType = error_type(
    model.GroupNameTaken, "GroupNameTakenError", "组织名称已被占用 / Group name taken"
)
AlreadyAGroupMemberErrorType = error_type(
    model.AlreadyAGroupMember,
    "AlreadyAGroupMemberError",
    "已是该组织成员 / Already a member of the group",
)
NotAGroupMemberErrorType = error_type(
    model.NotAGroupMember,
    "NotAGroupMemberError",
    "不是该组织的在册成员 / Not a current member of the group",
)
RoleNeedsResidentErrorType = error_type(
    model.RoleNeedsResident,
    "RoleNeedsResidentError",
    "负责人、骨干须为具体居民 / A leader or core member must be a named resident",
)
MembershipEndedErrorType = error_type(
    model.MembershipEnded,
    "MembershipEndedError",
    "成员已退出，记录不再修改 / The membership has ended",
)
ControlCharactersErrorType = error_type(
    ControlCharacters,
    "ControlCharactersError",
    "文本含有控制字符 / Text with control characters",
)


# -- output types ---------------------------------------------------------------------------
@strawberry.type(
    name="GroupMember",
    description="组织成员（住户或居民）及其角色、入会与退出日期 / "
    "A member of a group (a household, or a resident of it), its role and dates",
)
class GroupMemberType:
    id: strawberry.ID
    group_id: strawberry.ID
    role: GroupRoleType
    joined_on: date
    left_on: date | None = strawberry.field(
        description="退出日期；在册时为空 / Null while a member"
    )
    household: HouseholdType | None = strawberry.field(
        description="成员住户（按角色遮蔽敏感信息）/ The household, masked for the caller"
    )
    resident: ResidentType | None = strawberry.field(
        description="担任角色或以个人名义入会的居民 / The resident, where the membership names one"
    )

    @classmethod
    def of(cls, slug: str, v: MemberView, view: Visibility) -> GroupMemberType:
        m = v.member
        return cls(
            id=strawberry.ID(str(m.id)),
            group_id=strawberry.ID(str(m.group_id)),
            role=GroupRoleType(m.role),
            joined_on=m.joined_on,
            left_on=m.left_on,
            household=None
            if v.household is None
            else HouseholdType.from_row(slug, v.household, view),
            resident=None
            if v.resident is None
            else ResidentType.of(visible_resident(view, v.resident)),
        )


@strawberry.type(name="GroupMemberConnection", description="成员的一页 / A page of members")
class GroupMemberConnectionType:
    items: list[GroupMemberType]
    page_info: PageInfoType
    total_count: int = strawberry.field(description="符合条件的成员数 / Members in all")


@strawberry.type(
    name="Group",
    description="居民自治组织：养犬自治协会、义工队、老年协会等 / "
    "A resident group: the dog owners' association, a volunteer team, an elders' association",
)
class GroupType:
    id: strawberry.ID
    kind: GroupKindType
    name_zh: str
    name_en: str
    purpose: str = strawberry.field(description="宗旨 / What the group is for")
    founded_on: date
    dissolved_on: date | None = strawberry.field(description="解散日期 / Null while active")
    dissolved_reason: str
    ballot_basis: BallotBasisType
    member_count: int = strawberry.field(description="在册成员数 / Current members")
    my_roles: list[GroupRoleType] = strawberry.field(
        description="当前用户在该组织中的角色 / The caller's roles in this group"
    )
    can_manage: bool = strawberry.field(
        description="当前用户可管理成员、选举、公约草案、事件 / The caller manages it"
    )
    registered_at: datetime
    slug: strawberry.Private[str]
    founding_matter_id: strawberry.Private[int | None]
    # The registry entry of the Community this group was read under (already access-checked
    # for the caller), for the group's own fields to pass on instead of reading the
    # registry again, each in a transaction of its own; None: read it (a mutation's group).
    registry: strawberry.Private[CommunityInfo | None] = None
    # The group as the caller sees it, read for this object: its fields pass it on (their
    # access is decided on it) instead of reading the group and the caller's roles again.
    view: strawberry.Private[GroupView | None] = None

    @classmethod
    def of(cls, slug: str, v: GroupView, registry: CommunityInfo | None = None) -> GroupType:
        g = v.group
        return cls(
            id=strawberry.ID(str(g.id)),
            kind=GroupKindType(g.kind),
            name_zh=g.name_zh,
            name_en=g.name_en,
            purpose=g.purpose,
            founded_on=g.founded_on,
            dissolved_on=g.dissolved_on,
            dissolved_reason=g.dissolved_reason,
            ballot_basis=BallotBasisType(g.ballot_basis),
            member_count=g.member_count,
            my_roles=[GroupRoleType(r.value) for r in v.my_roles],
            can_manage=v.access.manage,
            registered_at=g.created_at,
            slug=slug,
            founding_matter_id=g.founding_matter_id,
            registry=registry,
            view=v,
        )

    @strawberry.field(
        description="成员，按入会先后；可含已退出者 / Members, oldest first (former ones optional)"
    )
    async def members(
        self,
        info: Info,
        first: int = queries.DEFAULT_PAGE,
        after: str | None = None,
        include_former: bool = False,
    ) -> GroupMemberConnectionType | None:
        actor = principal_of(info)
        if actor is None:
            return None
        try:
            page = await queries.members_page(
                actor, self.slug, int(self.id), first=first, after=after,
                include_former=include_former, community=self.registry, seen=self.view,
            )  # fmt: skip
        except (model.GroupNotFound, Forbidden):
            return None
        except SanshiError as err:
            raise query_error(info, err) from None
        view = matter_queries.household_visibility(actor, self.slug)
        return GroupMemberConnectionType(
            items=[GroupMemberType.of(self.slug, m, view) for m in page.items],
            page_info=PageInfoType(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            total_count=page.total_count,
        )

    @strawberry.field(
        description="促成该组织成立的事项（如养犬纠纷这件大事）/ "
        "The matter that led to its founding"
    )
    async def founding_matter(self, info: Info) -> MatterType | None:
        actor = principal_of(info)
        if actor is None or self.founding_matter_id is None:
            return None
        found = await matter_queries.get_matter(actor, self.slug, self.founding_matter_id)
        return None if found is None else MatterType.from_row(found, self.slug, actor, info)


@strawberry.type(name="GroupConnection", description="组织的一页 / A page of groups")
class GroupConnectionType:
    items: list[GroupType]
    page_info: PageInfoType
    total_count: int = strawberry.field(description="符合条件的组织数 / Groups in all")


# -- fields on Community, Matter and Household ----------------------------------------------
async def _groups(
    root: CommunityType,
    info: Info,
    kind: GroupKindType | None = None,
    include_dissolved: bool = False,
    first: int = queries.DEFAULT_PAGE,
    after: str | None = None,
) -> GroupConnectionType | None:
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        page = await queries.list_groups(
            actor,
            root.slug,
            kind=None if kind is None else domain_member(GroupKind, kind),
            include_dissolved=include_dissolved,
            first=first,
            after=after,
            community=root.registry,
        )
    except Forbidden:
        return None
    except SanshiError as err:
        raise query_error(info, err) from None
    return GroupConnectionType(
        items=[GroupType.of(root.slug, v, root.registry) for v in page.items],
        page_info=PageInfoType(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        total_count=page.total_count,
    )


async def _group(root: CommunityType, info: Info, id: strawberry.ID) -> GroupType | None:
    actor = principal_of(info)
    group_id = maybe_id(id)
    if actor is None or group_id is None:
        return None
    try:
        view = await queries.get_group(actor, root.slug, group_id, community=root.registry)
    except (model.GroupNotFound, Forbidden):
        return None
    return GroupType.of(root.slug, view, root.registry)


@strawberry.type
class CommunityGroups:
    """The groups context's fields on Community."""

    groups = strawberry.field(
        resolver=_groups,
        description="社区的居民组织（名录），按登记先后；默认不含已解散的 / "
        "The community's resident groups (the directory), oldest first; dissolved ones optional",
    )
    group = strawberry.field(
        resolver=_group,
        description="按编号取组织；不存在或不可见时为空 / "
        "A group by id; null when missing or not visible",
    )


async def _founded_groups(root: MatterType, info: Info) -> list[GroupType]:
    actor = principal_of(info)
    if actor is None:
        return []
    views = await queries.founded_groups(actor, root.slug, int(root.id))
    return [GroupType.of(root.slug, v) for v in views]


@strawberry.type
class MatterFoundedGroups:
    """The groups context's field on Matter: what the matter's resolution founded."""

    founded_groups = strawberry.field(
        resolver=_founded_groups,
        description="因该事项成立的居民组织（如养犬自治协会）/ "
        "Groups founded to resolve this matter (e.g. the dog owners' association)",
    )


async def _memberships(root: HouseholdType, info: Info) -> list[GroupMemberType]:
    actor = principal_of(info)
    if actor is None:
        return []
    found = await queries.household_memberships(actor, root.slug, int(root.id))
    return [GroupMemberType.of(root.slug, m, root.visibility) for m, _ in found]


@strawberry.type
class HouseholdGroupMemberships:
    """The groups context's field on Household: the household's memberships."""

    group_memberships = strawberry.field(
        resolver=_memberships,
        description="该户的组织成员身份（在册的在前）/ The household's memberships, current first",
    )


# -- inputs and results ---------------------------------------------------------------------
@strawberry.input(name="RegisterGroupInput", description="登记居民组织 / Register a group")
class RegisterGroupInput:
    kind: GroupKindType
    name_zh: str = strawberry.field(description="中文名称 / Chinese name")
    founded_on: date = strawberry.field(description="成立日期 / Founding date")
    purpose: str = strawberry.field(default="", description="宗旨 / Purpose")
    name_en: str = ""
    founding_matter_id: strawberry.ID | None = strawberry.field(
        default=None, description="促成成立的事项 / The matter that led to it"
    )
    ballot_basis: BallotBasisType = strawberry.field(
        default=BallotBasisType.HOUSEHOLD, description="表决方式 / Who casts a ballot"
    )


@strawberry.input(name="GroupMemberInput", description="成员入会 / A member joining")
class GroupMemberInput:
    household_id: strawberry.ID
    joined_on: date = strawberry.field(description="入会日期 / Date joined")
    resident_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="担任角色或以个人名义入会的居民 / The resident, where it names one",
    )
    role: GroupRoleType = strawberry.field(default=GroupRoleType.MEMBER)


_GROUP_ACT = (*COMMUNITY_ACT, *INPUT, ControlCharactersErrorType)

RegisterGroupResult = result(
    "RegisterGroupResult",
    "新组织或失败原因 / The new group or why not",
    GroupType,
    *_GROUP_ACT,
    GroupNameTakenErrorType,
    MatterNotFoundErrorType,
)
DissolveGroupResult = result(
    "DissolveGroupResult",
    "解散后的组织或失败原因 / The dissolved group or why not",
    GroupType,
    *_GROUP_ACT,
    GroupNotFoundErrorType,
    GroupDissolvedErrorType,
)
AddGroupMemberResult = result(
    "AddGroupMemberResult",
    "新成员或失败原因 / The new member or why not",
    GroupMemberType,
    *_GROUP_ACT,
    GroupNotFoundErrorType,
    GroupDissolvedErrorType,
    HouseholdNotFoundErrorType,
    AlreadyAGroupMemberErrorType,
    RoleNeedsResidentErrorType,
)
EndGroupMembershipResult = result(
    "EndGroupMembershipResult",
    "退出后的成员记录或失败原因 / The ended membership or why not",
    GroupMemberType,
    *_GROUP_ACT,
    GroupNotFoundErrorType,
    GroupMemberNotFoundErrorType,
    GroupDissolvedErrorType,
    MembershipEndedErrorType,
)
SetGroupMemberRoleResult = result(
    "SetGroupMemberRoleResult",
    "新角色的成员或失败原因 / The member with the new role or why not",
    GroupMemberType,
    *_GROUP_ACT,
    GroupNotFoundErrorType,
    GroupMemberNotFoundErrorType,
    GroupDissolvedErrorType,
    MembershipEndedErrorType,
    RoleNeedsResidentErrorType,
)


def _view(info: Info, actor: Principal, slug: str) -> Visibility:
    return matter_queries.household_visibility(actor, slug)


@strawberry.type
class GroupMutation:
    @strawberry.mutation(
        description="登记居民组织（社区干部）/ Register a resident group (community cadres)"
    )
    async def register_group(
        self, info: Info, community: str, input: RegisterGroupInput
    ) -> RegisterGroupResult:
        async def act(actor: Principal) -> GroupType:
            data = handlers.GroupInput(
                kind=domain_member(GroupKind, input.kind),
                name_zh=input.name_zh,
                name_en=input.name_en,
                purpose=input.purpose,
                founded_on=input.founded_on,
                founding_matter_id=input_id(input.founding_matter_id, "事项", "matter"),
                ballot_basis=domain_member(BallotBasis, input.ballot_basis),
            )
            view = await handlers.register_group(actor, community, data)
            return GroupType.of(community, view)

        return await attempt(info, RegisterGroupResult, act)

    @strawberry.mutation(
        description="解散组织（社区干部），记录保留 / Dissolve a group (cadres); its record is kept"
    )
    async def dissolve_group(
        self, info: Info, community: str, id: strawberry.ID, dissolved_on: date, reason: str
    ) -> DissolveGroupResult:
        async def act(actor: Principal) -> GroupType:
            view = await handlers.dissolve_group(
                actor, community, parse_id(id, model.GroupNotFound), dissolved_on, reason
            )
            return GroupType.of(community, view)

        return await attempt(info, DissolveGroupResult, act)

    @strawberry.mutation(
        description="成员入会（社区干部、组织负责人与骨干）/ "
        "A household (or resident) joins (cadres, the group's leader and core)"
    )
    async def add_group_member(
        self, info: Info, community: str, group_id: strawberry.ID, input: GroupMemberInput
    ) -> AddGroupMemberResult:
        async def act(actor: Principal) -> GroupMemberType:
            data = handlers.MemberInput(
                household_id=parse_id(input.household_id, HouseholdNotFound),
                joined_on=input.joined_on,
                resident_id=input_id(input.resident_id, "居民", "resident"),
                role=domain_member(GroupRole, input.role),
            )
            found = await handlers.add_member(
                actor, community, parse_id(group_id, model.GroupNotFound), data
            )
            return GroupMemberType.of(community, found, _view(info, actor, community))

        return await attempt(info, AddGroupMemberResult, act)

    @strawberry.mutation(
        description="成员退出，记录保留（社区干部、组织负责人与骨干）/ "
        "A member leaves; the history is kept (cadres, the group's leader and core)"
    )
    async def end_group_membership(
        self, info: Info, community: str, member_id: strawberry.ID, left_on: date
    ) -> EndGroupMembershipResult:
        async def act(actor: Principal) -> GroupMemberType:
            found = await handlers.end_membership(
                actor, community, parse_id(member_id, model.GroupMemberNotFound), left_on
            )
            return GroupMemberType.of(community, found, _view(info, actor, community))

        return await attempt(info, EndGroupMembershipResult, act)

    @strawberry.mutation(
        description="设定成员角色：负责人、骨干、成员（社区干部、组织负责人与骨干）/ "
        "Set a member's role (cadres, the group's leader and core)"
    )
    async def set_group_member_role(
        self, info: Info, community: str, member_id: strawberry.ID, role: GroupRoleType
    ) -> SetGroupMemberRoleResult:
        async def act(actor: Principal) -> GroupMemberType:
            found = await handlers.set_member_role(
                actor,
                community,
                parse_id(member_id, model.GroupMemberNotFound),
                domain_member(GroupRole, role),
            )
            return GroupMemberType.of(community, found, _view(info, actor, community))

        return await attempt(info, SetGroupMemberRoleResult, act)
