"""Pure rules of resident groups (居民自治组织): kinds, roles, membership, who may do what.

No I/O and no framework imports. Handlers load the group, its current memberships and the
caller's own, call these, and write what they return.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.errors import InvalidInput, NotFound, SanshiError
from services.kernel.vocabulary import Labelled, labels
from services.localtime import TIME_ZONE
from services.matters.model import ReferralStatus

NAME_LIMIT = 100
PURPOSE_LIMIT = 2_000
REASON_LIMIT = 1_000


# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------
class GroupKind(Labelled):
    """What kind of resident group it is."""

    SELF_GOVERNANCE = "self_governance"
    VOLUNTEER_TEAM = "volunteer_team"
    ELDERS = "elders"
    INTEREST = "interest"
    OTHER = "other"


labels(
    GroupKind,
    {
        GroupKind.SELF_GOVERNANCE: ("自治协会", "Self-governance association"),
        GroupKind.VOLUNTEER_TEAM: ("义工队", "Volunteer team"),
        GroupKind.ELDERS: ("老年协会", "Elders' association"),
        GroupKind.INTEREST: ("兴趣小组", "Interest group"),
        GroupKind.OTHER: ("其他组织", "Other group"),
    },
)


class GroupRole(Labelled):
    """A member's role in one group (data about who holds it, not a token role)."""

    LEADER = "leader"
    CORE = "core"
    MEMBER = "member"


labels(
    GroupRole,
    {
        GroupRole.LEADER: ("负责人", "Leader"),
        GroupRole.CORE: ("骨干", "Core member"),
        GroupRole.MEMBER: ("成员", "Member"),
    },
)

# Roles held by a person, so a membership with one of them names its resident.
PERSONAL_ROLES = frozenset({GroupRole.LEADER, GroupRole.CORE})


class BallotBasis(Labelled):
    """Who casts a ballot in the group's votes: each member household, or each member."""

    HOUSEHOLD = "household"
    RESIDENT = "resident"


labels(
    BallotBasis,
    {
        BallotBasis.HOUSEHOLD: ("每户一票", "One ballot per member household"),
        BallotBasis.RESIDENT: ("每人一票", "One ballot per member"),
    },
)


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------
class GroupNotFound(NotFound):
    """No such group in this community — or one the caller may not see (the same answer)."""

    code = "GROUP_NOT_FOUND"
    zh = "居民组织不存在"
    en = "Group not found"


class GroupMemberNotFound(NotFound):
    """No such membership (or not one the caller may see)."""

    code = "GROUP_MEMBER_NOT_FOUND"
    zh = "该成员记录不存在"
    en = "Group membership not found"


class GroupDissolved(SanshiError):
    """A dissolved group keeps its record but takes no new acts."""

    code = "GROUP_DISSOLVED"
    zh = "该组织已于 {dissolved_on} 解散，记录保留，不能再办理"
    en = "The group was dissolved on {dissolved_on}; its record is kept but it takes no new acts"


class GroupNameTaken(SanshiError):
    """Two groups of one community with one name would be confused (referrals match names)."""

    code = "GROUP_NAME_TAKEN"
    zh = "本社区已有名为「{name}」的组织"
    en = "The community already has a group named '{name}'"


class AlreadyAGroupMember(SanshiError):
    """A household (or resident) is a current member already."""

    code = "ALREADY_A_GROUP_MEMBER"
    zh = "已是该组织的成员"
    en = "Already a member of this group"


class NotAGroupMember(SanshiError):
    """The act needs a current member of the group (a candidate, a dog's household, ...)."""

    code = "NOT_A_GROUP_MEMBER"
    zh = "不是该组织的在册成员"
    en = "Not a current member of this group"


class RoleNeedsResident(SanshiError):
    """A leader or core member is a person: the membership must name its resident."""

    code = "ROLE_NEEDS_RESIDENT"
    zh = "「{role_zh}」须由具体的居民担任"
    en = "A {role_en} must be a named resident"


class MembershipEnded(SanshiError):
    """A membership that has ended is a record: it is not changed any more."""

    code = "MEMBERSHIP_ENDED"
    zh = "该成员已于 {left_on} 退出，记录不再修改"
    en = "The member left on {left_on}; the record is not changed any more"


# --------------------------------------------------------------------------------------
# Membership
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Membership:
    """A current or past membership as the rules see it."""

    id: int
    household_id: int
    resident_id: int | None
    role: GroupRole
    joined_on: date
    left_on: date | None = None

    @property
    def current(self) -> bool:
        return self.left_on is None


def check_open(dissolved_on: date | None) -> None:
    """GroupDissolved unless the group takes acts."""
    if dissolved_on is not None:
        raise GroupDissolved(dissolved_on=dissolved_on.isoformat())


def check_role_holder(role: GroupRole, resident_id: int | None) -> None:
    """A leader or core member names the resident who holds the role."""
    if role in PERSONAL_ROLES and resident_id is None:
        raise RoleNeedsResident(role_zh=role.label_zh, role_en=role.label_en.lower())


def check_join(
    current: Iterable[Membership],
    household_id: int,
    resident_id: int | None,
    role: GroupRole,
    joined_on: date,
    founded_on: date,
    basis: BallotBasis = BallotBasis.HOUSEHOLD,
) -> None:
    """May this household (or resident) join now, with this role?

    Where the group's members are households (its ballot basis), a household is a member
    once at a time, whoever represents it; where they are residents, each member is a named
    resident, once. Nobody joins before the group was founded.
    """
    check_role_holder(role, resident_id)
    if basis is BallotBasis.RESIDENT and resident_id is None:
        raise InvalidInput(
            field_zh="该组织以居民个人为成员，须指明居民",
            field_en="this group's members are residents: name the resident",
        )
    if joined_on < founded_on:
        raise InvalidInput(
            field_zh="入会日期早于组织成立日期", field_en="joined before the group was founded"
        )
    for m in current:
        if not m.current:
            continue
        if basis is BallotBasis.HOUSEHOLD and m.household_id == household_id:
            raise AlreadyAGroupMember()
        if basis is BallotBasis.RESIDENT and m.resident_id == resident_id:
            raise AlreadyAGroupMember()


def check_leave(member: Membership, left_on: date) -> None:
    """A current membership ends on or after the day it began."""
    if not member.current:
        assert member.left_on is not None
        raise MembershipEnded(left_on=member.left_on.isoformat())
    if left_on < member.joined_on:
        raise InvalidInput(field_zh="退出日期早于入会日期", field_en="left before joining")


# --------------------------------------------------------------------------------------
# Who may do what in one group
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupAccess:
    """What one caller may do in one group (decided once per group and caller)."""

    read: bool = False  # the group's members, elections, convention, incidents
    manage: bool = False  # members, roles, elections, convention drafts, incidents
    dissolve: bool = False  # the group itself (register, dissolve): the community's cadres
    vote: bool = False  # cast the caller's ballot (a member household's or their own)


NO_ACCESS = GroupAccess()


def group_access(
    *,
    manages_community_groups: bool,
    reads_community: bool,
    roles: Iterable[GroupRole],
) -> GroupAccess:
    """Cadres manage every group of their community; a group's leader and core manage its
    members, elections, convention drafts and incidents; its members read it and vote;
    staff who read the community's records read every group. ``roles``: the caller's
    current roles in this group (none for a non-member)."""
    held = frozenset(roles)
    leads = bool(held & PERSONAL_ROLES)
    member = bool(held)
    return GroupAccess(
        read=manages_community_groups or reads_community or member,
        manage=manages_community_groups or leads,
        dissolve=manages_community_groups,
        vote=member,
    )


# --------------------------------------------------------------------------------------
# Conventions (自治公约): which dogs a clause binds, which incidents it governs, what it owes
# --------------------------------------------------------------------------------------
class SizeClass(Labelled):
    """A dog's size class, as the dog owners' association registers it."""

    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


labels(
    SizeClass,
    {
        SizeClass.SMALL: ("小型犬", "Small dog"),
        SizeClass.MEDIUM: ("中型犬", "Medium dog"),
        SizeClass.LARGE: ("大型犬", "Large dog"),
    },
)


class IncidentKind(Labelled):
    """What happened (an incident a group records against a member and, for dogs, a dog)."""

    DOG_BITE = "dog_bite"
    BARKING = "barking"
    FOULING = "fouling"
    OFF_LEASH = "off_leash"
    OTHER = "other"


labels(
    IncidentKind,
    {
        IncidentKind.DOG_BITE: ("犬只伤人", "A dog injured someone"),
        IncidentKind.BARKING: ("犬吠扰民", "Nuisance barking"),
        IncidentKind.FOULING: ("犬只随地便溺", "Fouling"),
        IncidentKind.OFF_LEASH: ("未拴绳出行", "Off the leash outdoors"),
        IncidentKind.OTHER: ("其他", "Other"),
    },
)


class DutyKind(Labelled):
    """What a convention's clause makes a member owe after an incident."""

    APOLOGISE = "apologise"
    HOSPITAL = "hospital"
    ADVANCE_COSTS = "advance_costs"
    COMPENSATE = "compensate"
    OTHER = "other"


labels(
    DutyKind,
    {
        DutyKind.APOLOGISE: ("主动道歉", "Apologise"),
        DutyKind.HOSPITAL: ("立即送医诊治", "Take the injured person to hospital at once"),
        DutyKind.ADVANCE_COSTS: ("先行垫付费用", "Advance the costs"),
        DutyKind.COMPENSATE: ("赔偿损失", "Compensate the loss"),
        DutyKind.OTHER: ("其他义务", "Another duty"),
    },
)


@dataclass(frozen=True)
class DogFacts:
    """What a clause can ask of a dog."""

    size_class: SizeClass
    fierce: bool  # a restricted or fierce breed (烈性犬)


@dataclass(frozen=True)
class DogFilter:
    """The dogs a clause binds: of these size classes (empty: any size) and/or fierce ones.

    "Large and fierce dogs" (大型和烈性犬) is ``DogFilter({LARGE}, fierce=True)``: a large
    dog, or a fierce dog of any size — the convention's words read as either.
    """

    size_classes: frozenset[SizeClass] = frozenset()
    fierce: bool = False

    @property
    def binds_all(self) -> bool:
        return not self.size_classes and not self.fierce

    def binds(self, dog: DogFacts | None) -> bool:
        """Does the clause bind ``dog`` (None: an incident without a dog binds only a clause
        that binds every dog)?"""
        if self.binds_all:
            return True
        if dog is None:
            return False
        return dog.size_class in self.size_classes or (self.fierce and dog.fierce)


@dataclass(frozen=True)
class DutySpec:
    """One duty a clause creates: its kind and how many hours the member has to fulfil it."""

    kind: DutyKind
    due_hours: int


@dataclass(frozen=True)
class Clause:
    """A numbered clause of a convention version: its text, the dogs it binds, the kinds of
    incident it governs, and the duties it creates when one happens."""

    number: int
    text_zh: str
    text_en: str = ""
    binds: DogFilter = DogFilter()
    incident_kinds: frozenset[IncidentKind] = frozenset()
    duties: tuple[DutySpec, ...] = ()


@dataclass(frozen=True)
class DutyDue:
    """A duty an incident creates: owed under ``clause``, due ``due_hours`` after it."""

    kind: DutyKind
    clause: int
    due_hours: int


def derive_duties(
    clauses: Iterable[Clause], incident: IncidentKind, dog: DogFacts | None
) -> list[DutyDue]:
    """The duties the convention in force makes a member owe after an incident (pure).

    A clause applies when it governs this kind of incident and binds this dog; each of its
    duties is owed once. When two clauses owe the same kind of duty, the earlier due time
    wins (the stricter clause), and the duty names that clause. Ordered by clause number,
    then the duty's place in its clause.
    """
    chosen: dict[DutyKind, DutyDue] = {}
    order: list[DutyKind] = []
    for clause in sorted(clauses, key=lambda c: c.number):
        if incident not in clause.incident_kinds or not clause.binds.binds(dog):
            continue
        for spec in clause.duties:
            due = DutyDue(spec.kind, clause.number, spec.due_hours)
            known = chosen.get(spec.kind)
            if known is None:
                order.append(spec.kind)
                chosen[spec.kind] = due
            elif due.due_hours < known.due_hours:
                chosen[spec.kind] = due
    return [chosen[k] for k in order]


# --------------------------------------------------------------------------------------
# Referrals (转介): a private or minor matter the community refers to a group, whose
# leader and core accept, decline or complete it (the matters context keeps the referral
# and its status: services/matters/model.py ReferralStatus)
# --------------------------------------------------------------------------------------
REFERRAL_NOTE_LIMIT = 1_000


class ReferralAct(Labelled):
    """What a group's leader or core does with a matter referred to the group."""

    ACCEPT = "accept"
    DECLINE = "decline"
    COMPLETE = "complete"


labels(
    ReferralAct,
    {
        ReferralAct.ACCEPT: ("接受", "Accept"),
        ReferralAct.DECLINE: ("婉拒", "Decline"),
        ReferralAct.COMPLETE: ("完成", "Complete"),
    },
)

# referred → accepted → completed, or referred → declined; declined and completed are final
# (a matter declined by one group is referred again, to another, as a new referral).
REFERRAL_ACTS: dict[ReferralStatus, dict[ReferralAct, ReferralStatus]] = {
    ReferralStatus.REFERRED: {
        ReferralAct.ACCEPT: ReferralStatus.ACCEPTED,
        ReferralAct.DECLINE: ReferralStatus.DECLINED,
    },
    ReferralStatus.ACCEPTED: {ReferralAct.COMPLETE: ReferralStatus.COMPLETED},
}


@dataclass(frozen=True)
class ActNote:
    """The text an act keeps on the referral: whether it is required, and its name."""

    required: bool
    field: str
    field_zh: str


# Declining says why (the community must find other help), completing says what was done
# (the matter's follow-up reads it); accepting may say when or how.
ACT_NOTES: dict[ReferralAct, ActNote] = {
    ReferralAct.ACCEPT: ActNote(False, "note", "接受说明"),
    ReferralAct.DECLINE: ActNote(True, "reason", "婉拒理由"),
    ReferralAct.COMPLETE: ActNote(True, "note", "完成情况"),
}


class ReferralNotFound(NotFound):
    """No such referral to a group the caller may see (a free-text referral names no group
    to act on it): missing, another community's and not visible answer the same."""

    code = "REFERRAL_NOT_FOUND"
    zh = "转介记录不存在"
    en = "Referral not found"


class ReferralTransition(SanshiError):
    """The act does not follow from where the referral stands (e.g. completing one that was
    never accepted, accepting one already declined)."""

    code = "REFERRAL_TRANSITION"
    zh = "该转介为「{status_zh}」，不能{act_zh}"
    en = "The referral is '{status_en}': it cannot take the act '{act_en}'"


def referral_acts(status: ReferralStatus) -> frozenset[ReferralAct]:
    """The acts a referral in ``status`` can take next (none once declined or completed)."""
    return frozenset(REFERRAL_ACTS.get(status, {}))


def next_referral_status(status: ReferralStatus, act: ReferralAct) -> ReferralStatus:
    """Where ``act`` takes a referral in ``status``; ReferralTransition if it cannot."""
    following = REFERRAL_ACTS.get(status, {}).get(act)
    if following is None:
        raise ReferralTransition(
            status=status.value,
            status_zh=status.label_zh,
            status_en=status.label_en,
            act=act.value,
            act_zh=act.label_zh,
            act_en=act.label_en,
        )
    return following


def sees_referrals(access: GroupAccess, *, reads_community: bool) -> bool:
    """Who sees the matters referred to a group: those who act on them (the community's
    cadres, the group's leader and core) and staff who read every matter of the community.
    Plain members are not shown other households' matters."""
    return access.manage or reads_community


# --------------------------------------------------------------------------------------
# Dogs, incidents, duties
# --------------------------------------------------------------------------------------
DOG_NAME_LIMIT = 50
BREED_LIMIT = 50
LICENSE_LIMIT = 50
PLACE_LIMIT = 200
PARTY_LIMIT = 200
DESCRIPTION_LIMIT = 2_000
EVIDENCE_LIMIT = 1_000
# Rabies vaccination (狂犬疫苗) is yearly: a dog is due again a year after its last one.
VACCINATION_VALID_DAYS = 365


class DutyState(Labelled):
    """Where a duty a member owes stands: owed until fulfilled or refused (both final)."""

    OWED = "owed"
    FULFILLED = "fulfilled"
    REFUSED = "refused"


labels(
    DutyState,
    {
        DutyState.OWED: ("待履行", "Owed"),
        DutyState.FULFILLED: ("已履行", "Fulfilled"),
        DutyState.REFUSED: ("拒绝履行", "Refused"),
    },
)

# What settling a duty may record: fulfilled or refused, never back to owed.
SETTLED_STATES = frozenset({DutyState.FULFILLED, DutyState.REFUSED})


class DogNotFound(NotFound):
    """No such dog in this group — another community's dog id names nothing here either."""

    code = "DOG_NOT_FOUND"
    zh = "该犬只不存在"
    en = "Dog not found"


class HouseholdNotAMember(NotAGroupMember):
    """A dog is registered to a member household only (须为成员户)."""

    code = "HOUSEHOLD_NOT_A_MEMBER"
    zh = "该户不是本组织的在册成员户，须为成员户才能登记犬只"
    en = "The household is not a current member of the group; only members register dogs"


class DogRemoved(SanshiError):
    """A dog removed from the register (died, rehomed, moved away) is a record only."""

    code = "DOG_REMOVED"
    zh = "该犬只已于 {removed_on} 注销，记录保留，不能再办理"
    en = "The dog was removed from the register on {removed_on}; its record is kept"


class DogNotOfMember(SanshiError):
    """An incident names a member and a dog: the dog must be of that member's household."""

    code = "DOG_NOT_OF_MEMBER"
    zh = "该犬只不属于所填成员户"
    en = "The dog is not of that member's household"


class MemberHasLeft(SanshiError):
    """Duties fall on current members: a membership that ended takes no new incident."""

    code = "MEMBER_HAS_LEFT"
    zh = "该成员已于 {left_on} 退出，不能再记录其事件或义务"
    en = "The member left on {left_on}; no incident or duty can be recorded against them"


class IncidentNotFound(NotFound):
    """No such incident in this group (or not one the caller may see)."""

    code = "INCIDENT_NOT_FOUND"
    zh = "该事件记录不存在"
    en = "Incident not found"


class DutyNotFound(NotFound):
    """No such duty (or not one the caller may see)."""

    code = "DUTY_NOT_FOUND"
    zh = "该义务记录不存在"
    en = "Duty not found"


class DutyNotOwed(SanshiError):
    """Only an owed duty is settled or escalated: fulfilled and refused are final."""

    code = "DUTY_NOT_OWED"
    zh = "该义务已是「{state_zh}」，不能再办理"
    en = "The duty is already {state_en}; nothing more can be done with it"


class DutyNotPastDue(SanshiError):
    """A duty is escalated only once its due time has passed: the member has until then."""

    code = "DUTY_NOT_PAST_DUE"
    zh = "该义务尚未到期（{due_at} 到期），到期未履行方可升级为事项"
    en = "The duty is not yet due (due {due_at}); only a duty unfulfilled past due is escalated"


class AlreadyEscalated(SanshiError):
    """One case identity: a duty is escalated into one matter, once."""

    code = "ALREADY_ESCALATED"
    zh = "该义务已升级为事项（{matter_number}）"
    en = "The duty was already escalated into a matter ({matter_number})"


def vaccination_overdue(
    vaccinated_on: date | None, today: date, valid_days: int = VACCINATION_VALID_DAYS
) -> bool:
    """Is the dog's vaccination (免疫) overdue on ``today``? A dog never vaccinated (no
    date recorded) is overdue: the association cannot tell it is protected."""
    if vaccinated_on is None:
        return True
    return today > vaccinated_on + timedelta(days=valid_days)


def duty_overdue(state: DutyState, due_at: datetime, now: datetime) -> bool:
    """Is the duty past due and still owed (逾期未履行)? Settled duties are never overdue."""
    return state is DutyState.OWED and now > due_at


def due_time(occurred_at: datetime, due: DutyDue) -> datetime:
    """When a duty an incident created falls due: its hours after the incident."""
    return occurred_at + timedelta(hours=due.due_hours)


def check_settle(state: DutyState, target: DutyState) -> None:
    """An owed duty is settled as fulfilled or refused; a settled one is final."""
    if target not in SETTLED_STATES:
        raise InvalidInput(
            field_zh="义务只能记为已履行或拒绝履行",
            field_en="a duty settles as fulfilled or refused",
        )
    if state is not DutyState.OWED:
        raise DutyNotOwed(state_zh=state.label_zh, state_en=state.label_en.lower())


def check_escalate(
    state: DutyState, due_at: datetime, now: datetime, matter_number: str | None
) -> None:
    """A duty is escalated once, while owed, after its due time (pure; the order of the
    checks is the order a user reads them: already a matter, settled, not yet due)."""
    if matter_number is not None:
        raise AlreadyEscalated(matter_number=matter_number)
    if state is not DutyState.OWED:
        raise DutyNotOwed(state_zh=state.label_zh, state_en=state.label_en.lower())
    if not now > due_at:
        raise DutyNotPastDue(due_at=due_at.astimezone(TIME_ZONE).strftime("%Y-%m-%d %H:%M"))


def check_occurred(occurred_at: datetime, now: datetime) -> None:
    """An incident is recorded after it happened, never ahead of time."""
    if occurred_at.tzinfo is None:
        raise InvalidInput(field_zh="事件时间须带时区", field_en="the incident time needs a zone")
    if occurred_at > now:
        raise InvalidInput(
            field_zh="事件时间不能晚于现在", field_en="the incident cannot happen in the future"
        )


def check_vaccinated(vaccinated_on: date | None, today: date) -> None:
    """A vaccination date is a day that has come."""
    if vaccinated_on is not None and vaccinated_on > today:
        raise InvalidInput(
            field_zh="免疫日期不能晚于今天", field_en="the vaccination date is in the future"
        )
