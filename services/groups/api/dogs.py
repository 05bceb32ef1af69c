"""GraphQL adapter of the dog owners' association: Dog, GroupIncident, GroupDuty and their acts.

Who may see or do what is the context's (``services.groups.queries``, ``services.groups.dogs``):
resolvers only call and convert. A dog, incident or duty the caller may not see reads as
missing (null, or the NotFound error of the union).
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from services.api.kit.errors import error_type, query_error
from services.api.kit.ids import gid, input_id, maybe_id, parse_id
from services.api.kit.pages import PageInfoType
from services.api.kit.request import principal_of
from services.api.kit.results import attempt, result
from services.api.kit.vocabulary import domain_member, labelled_enum
from services.auth.model import Principal
from services.errors import Forbidden, SanshiError
from services.groups import dogs, model, queries
from services.groups.api.core import (
    _GROUP_ACT,
    GroupDissolvedErrorType,
    GroupMemberNotFoundErrorType,
    GroupMemberType,
    GroupNotFoundErrorType,
    GroupType,
)
from services.groups.api.vocabulary import DutyKindType, IncidentKindType, SizeClassType
from services.groups.model import DutyState, IncidentKind, SizeClass
from services.groups.queries import DogView, DutyView, IncidentView
from services.households.api import HouseholdNotFoundErrorType, HouseholdType
from services.households.masking import Visibility
from services.households.model import HouseholdNotFound
from services.matters import queries as matter_queries
from services.matters.api import MatterKindType, MatterType, UnknownCategoryErrorType
from services.matters.model import MatterKind
from services.matters.rows import MatterView

# -- vocabulary and errors ------------------------------------------------------------------
DutyStateType = labelled_enum(DutyState, "DutyState", "义务的履行状态 / Where a duty stands")

DogNotFoundErrorType = error_type(
    model.DogNotFound,
    "DogNotFoundError",
    "犬只不存在或不可见 / No such dog (or not visible to you)",
)
HouseholdNotAMemberErrorType = error_type(
    model.HouseholdNotAMember,
    "HouseholdNotAMemberError",
    "须为成员户才能登记犬只 / Only a member household registers dogs",
)
DogRemovedErrorType = error_type(
    model.DogRemoved, "DogRemovedError", "犬只已注销 / The dog is removed from the register"
)
DogNotOfMemberErrorType = error_type(
    model.DogNotOfMember,
    "DogNotOfMemberError",
    "犬只不属于该成员户 / The dog is not of that member's household",
)
MemberHasLeftErrorType = error_type(
    model.MemberHasLeft,
    "MemberHasLeftError",
    "成员已退出，不能再记录事件或义务 / The member has left: no new incident or duty",
)
IncidentBeforeMembershipErrorType = error_type(
    model.IncidentBeforeMembership,
    "IncidentBeforeMembershipError",
    "事件发生在成员加入之前 / The incident happened before the member joined",
)
IncidentNotFoundErrorType = error_type(
    model.IncidentNotFound,
    "IncidentNotFoundError",
    "事件记录不存在或不可见 / No such incident (or not visible to you)",
)
DutyNotFoundErrorType = error_type(
    model.DutyNotFound,
    "DutyNotFoundError",
    "义务记录不存在或不可见 / No such duty (or not visible to you)",
)
DutyNotOwedErrorType = error_type(
    model.DutyNotOwed, "DutyNotOwedError", "义务已履行或已拒绝 / The duty is already settled"
)
DutyNotPastDueErrorType = error_type(
    model.DutyNotPastDue,
    "DutyNotPastDueError",
    "义务尚未到期，不能升级 / The duty is not past due yet",
)
AlreadyEscalatedErrorType = error_type(
    model.AlreadyEscalated,
    "AlreadyEscalatedError",
    "义务已升级为事项 / The duty was already escalated into a matter",
)


# -- output types ---------------------------------------------------------------------------
@strawberry.type(
    name="Dog",
    description="成员户登记的犬只（养犬自治协会的犬只名册）/ "
    "A member household's dog in the dog owners' association's register",
)
class DogType:
    id: strawberry.ID
    group_id: strawberry.ID
    name: str
    breed: str
    size_class: SizeClassType
    fierce: bool = strawberry.field(description="烈性犬 / A restricted or fierce breed")
    vaccinated_on: date | None = strawberry.field(
        description="最近一次免疫日期；未记录时为空 / The last vaccination; null if none recorded"
    )
    vaccination_overdue: bool = strawberry.field(
        description="免疫已过期（一年）或从未记录 / Vaccination overdue (a year) or never recorded"
    )
    license_no: str | None = strawberry.field(
        description="犬证号；未办证时为空 / Dog licence number; null for an unregistered dog"
    )
    registered_at: datetime
    removed_on: date | None = strawberry.field(description="注销日期 / Null while registered")
    removed_reason: str
    household: HouseholdType | None = strawberry.field(
        description="犬主住户（按角色遮蔽敏感信息）/ The owning household, masked for the caller"
    )

    @classmethod
    def of(cls, slug: str, v: DogView, view: Visibility) -> DogType:
        d = v.dog
        return cls(
            id=strawberry.ID(str(d.id)),
            group_id=strawberry.ID(str(d.group_id)),
            name=d.name,
            breed=d.breed,
            size_class=SizeClassType(d.size_class),
            fierce=d.fierce,
            vaccinated_on=d.vaccinated_on,
            vaccination_overdue=v.vaccination_overdue,
            license_no=d.license_no,
            registered_at=d.registered_at,
            removed_on=d.removed_on,
            removed_reason=d.removed_reason,
            household=None
            if v.household is None
            else HouseholdType.from_row(slug, v.household, view),
        )


@strawberry.type(
    name="GroupDuty",
    description="事件按公约条款使成员承担的义务：期限、履行状态、凭据、升级的事项 / "
    "A duty an incident makes a member owe under a clause: due time, state, evidence, matter",
)
class GroupDutyType:
    id: strawberry.ID
    incident_id: strawberry.ID
    member_id: strawberry.ID
    kind: DutyKindType
    clause_number: int = strawberry.field(
        description="设定该义务的公约条款号 / The clause that created it"
    )
    due_at: datetime
    state: DutyStateType
    evidence: str = strawberry.field(description="履行或拒绝的凭据 / What shows it was settled")
    settled_at: datetime | None
    overdue: bool = strawberry.field(description="逾期未履行 / Still owed past its due time")
    matter_id: strawberry.ID | None = strawberry.field(
        description="升级成的事项；未升级时为空 / The matter it was escalated into, if it was"
    )
    escalated_at: datetime | None
    slug: strawberry.Private[str]
    # The matter the act just escalated into, read in its transaction (None: read it here).
    escalated: strawberry.Private[MatterView | None] = None

    @classmethod
    def of(cls, slug: str, v: DutyView) -> GroupDutyType:
        u = v.duty
        return cls(
            id=strawberry.ID(str(u.id)),
            incident_id=strawberry.ID(str(u.incident_id)),
            member_id=strawberry.ID(str(u.member_id)),
            kind=DutyKindType(u.kind),
            clause_number=u.clause_number,
            due_at=u.due_at,
            state=DutyStateType(u.state),
            evidence=u.evidence,
            settled_at=u.settled_at,
            overdue=v.overdue,
            matter_id=gid(u.matter_id),
            escalated_at=u.escalated_at,
            slug=slug,
            escalated=v.matter,
        )

    @strawberry.field(
        description="升级成的事项（事项的权限规则决定可见与否）/ "
        "The matter it was escalated into (visible as the matters' rules say)"
    )
    async def matter(self, info: Info) -> MatterType | None:
        actor = principal_of(info)
        if actor is None or self.matter_id is None:
            return None
        found = self.escalated
        if found is None:
            found = await matter_queries.get_matter(actor, self.slug, int(self.matter_id))
        return None if found is None else MatterType.from_row(found, self.slug, actor, info)


@strawberry.type(
    name="GroupIncident",
    description="组织记录的事件（犬只伤人、犬吠扰民等）及其产生的义务 / "
    "An incident a group records (a dog bite, nuisance barking, ...) and the duties it created",
)
class GroupIncidentType:
    id: strawberry.ID
    group_id: strawberry.ID
    kind: IncidentKindType
    member: GroupMemberType = strawberry.field(description="当事成员 / The member concerned")
    dog: DogType | None = strawberry.field(description="涉事犬只 / The dog concerned, if any")
    place: str
    occurred_at: datetime
    affected_party: str = strawberry.field(
        description="受伤或受影响的一方 / The injured or affected party"
    )
    description: str
    recorded_at: datetime
    duties: list[GroupDutyType] = strawberry.field(
        description="按生效公约产生的义务 / The duties the convention in force created"
    )

    @classmethod
    def of(cls, slug: str, v: IncidentView, view: Visibility) -> GroupIncidentType:
        i = v.incident
        return cls(
            id=strawberry.ID(str(i.id)),
            group_id=strawberry.ID(str(i.group_id)),
            kind=IncidentKindType(i.kind),
            member=GroupMemberType.of(slug, v.member, view),
            dog=None if v.dog is None else DogType.of(slug, v.dog, view),
            place=i.place,
            occurred_at=i.occurred_at,
            affected_party=i.affected_party,
            description=i.description,
            recorded_at=i.recorded_at,
            duties=[GroupDutyType.of(slug, d) for d in v.duties],
        )


@strawberry.type(name="GroupIncidentConnection", description="事件的一页 / A page of incidents")
class GroupIncidentConnectionType:
    items: list[GroupIncidentType]
    page_info: PageInfoType
    total_count: int = strawberry.field(description="该组织的事件数 / Incidents in all")


def _view(actor: Principal, slug: str) -> Visibility:
    return matter_queries.household_visibility(actor, slug)


# -- fields on Group and Household ----------------------------------------------------------
async def _dogs(root: GroupType, info: Info, include_removed: bool = False) -> list[DogType]:
    actor = principal_of(info)
    if actor is None:
        return []
    try:
        found = await queries.group_dogs(
            actor,
            root.slug,
            int(root.id),
            include_removed=include_removed,
            community=root.registry,
        )
    except (model.GroupNotFound, Forbidden):
        return []
    view = _view(actor, root.slug)
    return [DogType.of(root.slug, d, view) for d in found]


async def _overdue(root: GroupType, info: Info) -> list[DogType] | None:
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        found = await queries.overdue_vaccinations(
            actor, root.slug, int(root.id), community=root.registry
        )
    except (model.GroupNotFound, Forbidden):
        return None
    if found is None:
        return None
    view = _view(actor, root.slug)
    return [DogType.of(root.slug, d, view) for d in found]


async def _incidents(
    root: GroupType, info: Info, first: int = queries.DEFAULT_PAGE, after: str | None = None
) -> GroupIncidentConnectionType | None:
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        page = await queries.incidents_page(
            actor, root.slug, int(root.id), first=first, after=after, community=root.registry
        )
    except (model.GroupNotFound, Forbidden):
        return None
    except SanshiError as err:
        raise query_error(info, err) from None
    view = _view(actor, root.slug)
    return GroupIncidentConnectionType(
        items=[GroupIncidentType.of(root.slug, i, view) for i in page.items],
        page_info=PageInfoType(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        total_count=page.total_count,
    )


async def _incident(root: GroupType, info: Info, id: strawberry.ID) -> GroupIncidentType | None:
    actor = principal_of(info)
    incident_id = maybe_id(id)
    if actor is None or incident_id is None:
        return None
    try:
        found = await queries.get_incident(
            actor, root.slug, int(root.id), incident_id, community=root.registry
        )
    except (model.IncidentNotFound, Forbidden):
        return None
    return GroupIncidentType.of(root.slug, found, _view(actor, root.slug))


@strawberry.type
class GroupDogs:
    """The dogs slice's fields on Group."""

    dogs = strawberry.field(
        resolver=_dogs,
        description="犬只名册：负责人、骨干和社区干部看到全部，其他人只看到自家的 / "
        "The dogs register: every dog for the leader, core and cadres, one's own for others",
    )
    overdue_vaccinations = strawberry.field(
        resolver=_overdue,
        description="免疫过期或未记录的在册犬只（负责人、骨干和社区干部）；其他人为空 / "
        "Registered dogs whose vaccination is overdue or unrecorded (leader, core, cadres)",
    )
    incidents = strawberry.field(
        resolver=_incidents,
        description="事件，最新的在前（能查看该组织者）/ "
        "Incidents, newest first (for readers of the group)",
    )
    incident = strawberry.field(
        resolver=_incident,
        description="按编号取事件；不存在或不可见时为空 / An incident by id; null when missing",
    )


async def _household_dogs(root: HouseholdType, info: Info) -> list[DogType]:
    actor = principal_of(info)
    if actor is None:
        return []
    found = await queries.household_dogs(actor, root.slug, int(root.id))
    return [DogType.of(root.slug, d, root.visibility) for d in found]


@strawberry.type
class HouseholdDogs:
    """The dogs slice's field on Household: the household's registered dogs."""

    dogs = strawberry.field(
        resolver=_household_dogs,
        description="该户在各组织登记的在册犬只 / The household's registered dogs, in every group",
    )


# -- inputs and results ---------------------------------------------------------------------
@strawberry.input(name="RegisterDogInput", description="登记犬只 / Register a dog")
class RegisterDogInput:
    household_id: strawberry.ID = strawberry.field(description="成员户 / The member household")
    name: str = strawberry.field(description="犬名 / The dog's name")
    size_class: SizeClassType
    breed: str = ""
    fierce: bool = strawberry.field(default=False, description="烈性犬 / A fierce breed")
    vaccinated_on: date | None = strawberry.field(
        default=None, description="免疫日期 / The last vaccination"
    )
    license_no: str | None = strawberry.field(default=None, description="犬证号 / Licence no.")


@strawberry.input(
    name="UpdateDogInput",
    description="新的免疫日期、犬证号；为空的不变 / A new vaccination date or licence; null keeps",
)
class UpdateDogInput:
    vaccinated_on: date | None = None
    license_no: str | None = None


@strawberry.input(name="RecordGroupIncidentInput", description="记录事件 / Record an incident")
class RecordGroupIncidentInput:
    kind: IncidentKindType
    member_id: strawberry.ID = strawberry.field(description="当事成员 / The member concerned")
    occurred_at: datetime = strawberry.field(description="发生时间（带时区）/ When, with zone")
    dog_id: strawberry.ID | None = strawberry.field(
        default=None, description="涉事犬只（须为该成员户的）/ The dog, of that member's household"
    )
    place: str = ""
    affected_party: str = strawberry.field(
        default="", description="受伤或受影响的一方 / The injured or affected party"
    )
    description: str = ""


@strawberry.input(
    name="EscalateGroupDutyInput",
    description="把逾期未履行的义务升级为事项 / Escalate a duty unfulfilled past due",
)
class EscalateGroupDutyInput:
    kind: MatterKindType = strawberry.field(
        default=MatterKindType.MINOR,
        description="小事（社区调解，默认）或大事（转办县级部门）/ "
        "Minor (community mediation, the default) or major (routed to departments)",
    )
    category: str = strawberry.field(
        default=dogs.DEFAULT_ESCALATION_CATEGORY,
        description="事项类别（默认宠物饲养）/ The matter's category (default: pets)",
    )
    reason: str = strawberry.field(default="", description="升级理由 / Why")


_DOG_ACT = (*_GROUP_ACT, GroupDissolvedErrorType, DogNotFoundErrorType, DogRemovedErrorType)

RegisterDogResult = result(
    "RegisterDogResult",
    "登记的犬只或失败原因 / The registered dog or why not",
    DogType,
    *_GROUP_ACT,
    GroupNotFoundErrorType,
    GroupDissolvedErrorType,
    HouseholdNotFoundErrorType,
    HouseholdNotAMemberErrorType,
)
UpdateDogResult = result(
    "UpdateDogResult", "更新后的犬只或失败原因 / The updated dog or why not", DogType, *_DOG_ACT
)
RemoveDogResult = result(
    "RemoveDogResult", "注销后的犬只或失败原因 / The removed dog or why not", DogType, *_DOG_ACT
)
RecordGroupIncidentResult = result(
    "RecordGroupIncidentResult",
    "记录的事件及其义务，或失败原因 / The incident and its duties, or why not",
    GroupIncidentType,
    *_GROUP_ACT,
    GroupNotFoundErrorType,
    GroupDissolvedErrorType,
    GroupMemberNotFoundErrorType,
    MemberHasLeftErrorType,
    IncidentBeforeMembershipErrorType,
    DogNotFoundErrorType,
    DogNotOfMemberErrorType,
    DogRemovedErrorType,
)
SettleGroupDutyResult = result(
    "SettleGroupDutyResult",
    "履行情况已记录的义务或失败原因 / The settled duty or why not",
    GroupDutyType,
    *_GROUP_ACT,
    DutyNotFoundErrorType,
    DutyNotOwedErrorType,
)
EscalateGroupDutyResult = result(
    "EscalateGroupDutyResult",
    "已升级为事项的义务或失败原因 / The escalated duty or why not",
    GroupDutyType,
    *_GROUP_ACT,
    DutyNotFoundErrorType,
    DutyNotOwedErrorType,
    DutyNotPastDueErrorType,
    AlreadyEscalatedErrorType,
    UnknownCategoryErrorType,
)


@strawberry.type
class DogMutation:
    @strawberry.mutation(
        description="登记成员户的犬只（负责人、骨干、社区干部；成员登记自家的）/ "
        "Register a member household's dog (leader, core, cadres; a member their own)"
    )
    async def register_dog(
        self, info: Info, community: str, group_id: strawberry.ID, input: RegisterDogInput
    ) -> RegisterDogResult:
        async def act(actor: Principal) -> DogType:
            data = dogs.DogInput(
                household_id=parse_id(input.household_id, HouseholdNotFound),
                name=input.name,
                size_class=domain_member(SizeClass, input.size_class),
                breed=input.breed,
                fierce=input.fierce,
                vaccinated_on=input.vaccinated_on,
                license_no=input.license_no,
            )
            found = await dogs.register_dog(
                actor, community, parse_id(group_id, model.GroupNotFound), data
            )
            return DogType.of(community, found, _view(actor, community))

        return await attempt(info, RegisterDogResult, act)

    @strawberry.mutation(
        description="记录犬只新的免疫日期、犬证号 / Record a dog's new vaccination date or licence"
    )
    async def update_dog(
        self, info: Info, community: str, id: strawberry.ID, input: UpdateDogInput
    ) -> UpdateDogResult:
        async def act(actor: Principal) -> DogType:
            data = dogs.DogUpdate(vaccinated_on=input.vaccinated_on, license_no=input.license_no)
            found = await dogs.update_dog(actor, community, parse_id(id, model.DogNotFound), data)
            return DogType.of(community, found, _view(actor, community))

        return await attempt(info, UpdateDogResult, act)

    @strawberry.mutation(
        description="注销犬只（死亡、送养、迁出），记录保留 / Remove a dog; its record is kept"
    )
    async def remove_dog(
        self, info: Info, community: str, id: strawberry.ID, removed_on: date, reason: str
    ) -> RemoveDogResult:
        async def act(actor: Principal) -> DogType:
            found = await dogs.remove_dog(
                actor, community, parse_id(id, model.DogNotFound), removed_on, reason
            )
            return DogType.of(community, found, _view(actor, community))

        return await attempt(info, RemoveDogResult, act)

    @strawberry.mutation(
        description="记录事件及按生效公约产生的义务（负责人、骨干、社区干部）/ "
        "Record an incident and the duties the convention in force creates (leader, core, cadres)"
    )
    async def record_group_incident(
        self, info: Info, community: str, group_id: strawberry.ID, input: RecordGroupIncidentInput
    ) -> RecordGroupIncidentResult:
        async def act(actor: Principal) -> GroupIncidentType:
            data = dogs.IncidentInput(
                kind=domain_member(IncidentKind, input.kind),
                member_id=parse_id(input.member_id, model.GroupMemberNotFound),
                occurred_at=input.occurred_at,
                dog_id=input_id(input.dog_id, "犬只", "dog"),
                place=input.place,
                affected_party=input.affected_party,
                description=input.description,
            )
            found = await dogs.record_incident(
                actor, community, parse_id(group_id, model.GroupNotFound), data
            )
            return GroupIncidentType.of(community, found, _view(actor, community))

        return await attempt(info, RecordGroupIncidentResult, act)

    @strawberry.mutation(
        description="记录义务已履行或拒绝履行及凭据（成员本人；负责人、骨干、社区干部）/ "
        "Record a duty fulfilled or refused, with evidence (the member; leader, core, cadres)"
    )
    async def settle_group_duty(
        self, info: Info, community: str, id: strawberry.ID, state: DutyStateType, evidence: str
    ) -> SettleGroupDutyResult:
        async def act(actor: Principal) -> GroupDutyType:
            found = await dogs.settle_duty(
                actor,
                community,
                parse_id(id, model.DutyNotFound),
                domain_member(DutyState, state),
                evidence,
            )
            return GroupDutyType.of(community, found)

        return await attempt(info, SettleGroupDutyResult, act)

    @strawberry.mutation(
        description="把逾期未履行的义务升级为事项：默认小事（社区调解），"
        "或大事转办部门（社区干部）/ "
        "Escalate a duty unfulfilled past due into a matter: minor by default, or major (cadres)"
    )
    async def escalate_group_duty(
        self,
        info: Info,
        community: str,
        id: strawberry.ID,
        input: EscalateGroupDutyInput | None = None,
    ) -> EscalateGroupDutyResult:
        async def act(actor: Principal) -> GroupDutyType:
            given = input or EscalateGroupDutyInput()
            data = dogs.EscalationInput(
                kind=domain_member(MatterKind, given.kind),
                category=given.category,
                reason=given.reason,
            )
            found = await dogs.escalate_duty(
                actor, community, parse_id(id, model.DutyNotFound), data, info.context.settings
            )
            return GroupDutyType.of(community, found)

        return await attempt(info, EscalateGroupDutyResult, act)
