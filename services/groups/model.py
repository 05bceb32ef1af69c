"""Pure rules of resident groups (居民自治组织): kinds, roles, membership, who may do what.

No I/O and no framework imports. Handlers load the group, its current memberships and the
caller's own, call these, and write what they return.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from services.errors import InvalidInput, NotFound, SanshiError
from services.kernel import votes
from services.kernel.text import clean_text
from services.kernel.vocabulary import Labelled, labels
from services.kernel.votes import AlreadyVoted, NoQuorum, VoteRules, count_election
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
    # The stored version it is a clause of (two conventions in force may both have a
    # clause 1); None for a clause not read from a stored version.
    version: int | None = None


@dataclass(frozen=True)
class DutyDue:
    """A duty an incident creates: owed under ``clause`` of ``version``, due ``due_hours``
    after it."""

    kind: DutyKind
    clause: int
    due_hours: int
    version: int | None = None


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
            due = DutyDue(spec.kind, clause.number, spec.due_hours, clause.version)
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


# A matter the resident withdrew: its referral can still be declined, nothing else (a
# closed matter's referral may be taken on and completed: a private matter is closed once
# explained, while the team's monthly visits go on).
WITHDRAWN_MATTER_ACTS = frozenset({ReferralAct.DECLINE})


def referral_acts(
    status: ReferralStatus, *, matter_withdrawn: bool = False
) -> frozenset[ReferralAct]:
    """The acts a referral in ``status`` can take next (none once declined or completed;
    only declining once its matter was withdrawn)."""
    acts = frozenset(REFERRAL_ACTS.get(status, {}))
    return acts & WITHDRAWN_MATTER_ACTS if matter_withdrawn else acts


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


class IncidentBeforeMembership(SanshiError):
    """The convention binds a household as a member: what happened before it joined is not
    the group's record (the community handles it as a matter, if at all)."""

    code = "INCIDENT_BEFORE_MEMBERSHIP"
    zh = "事件发生在该成员 {joined_on} 加入之前，不受本组织公约约束，不能记录为本组织事件"
    en = (
        "The incident happened before the member joined on {joined_on}: the group's "
        "convention did not bind them, so it is not the group's record"
    )


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


def check_during_membership(occurred_on: date, joined_on: date) -> None:
    """An incident is the group's record only from the day the member joined."""
    if occurred_on < joined_on:
        raise IncidentBeforeMembership(joined_on=joined_on.isoformat())


def check_vaccinated(vaccinated_on: date | None, today: date) -> None:
    """A vaccination date is a day that has come."""
    if vaccinated_on is not None and vaccinated_on > today:
        raise InvalidInput(
            field_zh="免疫日期不能晚于今天", field_en="the vaccination date is in the future"
        )


# --------------------------------------------------------------------------------------
# Conventions (自治公约): versions, a draft's clauses, adoption by the members' vote
# --------------------------------------------------------------------------------------
TITLE_LIMIT = 200
CLAUSE_TEXT_LIMIT = 2_000
NOTE_LIMIT = 1_000
MAX_CLAUSES = 100
# A duty is due within an hour at the soonest ("take to hospital at once") and within
# thirty days at the latest: a longer one is no longer an incident's duty but a dispute.
DUE_HOURS_MIN, DUE_HOURS_MAX = 1, 720


class ConventionStatus(Labelled):
    """Where a convention version stands: drafted, put to the vote, and then in force
    (adopted) or not (rejected); an adopted version is superseded by the next adopted one."""

    DRAFT = "draft"
    VOTING = "voting"
    ADOPTED = "adopted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


labels(
    ConventionStatus,
    {
        ConventionStatus.DRAFT: ("草案", "Draft"),
        ConventionStatus.VOTING: ("表决中", "Being voted on"),
        ConventionStatus.ADOPTED: ("生效", "In force"),
        ConventionStatus.REJECTED: ("未通过", "Rejected"),
        ConventionStatus.SUPERSEDED: ("已废止", "Superseded"),
    },
)

# A draft or a version being voted on: a convention has at most one at a time.
OPEN_STATUSES = frozenset({ConventionStatus.DRAFT, ConventionStatus.VOTING})


class ConventionRejection(Labelled):
    """Why a closed vote did not adopt the version."""

    NO_QUORUM = "no_quorum"
    NO_MAJORITY = "no_majority"


labels(
    ConventionRejection,
    {
        ConventionRejection.NO_QUORUM: ("未达到法定人数", "No quorum"),
        ConventionRejection.NO_MAJORITY: ("赞成票未过多数", "Too few yes votes"),
    },
)


class ConventionNotFound(NotFound):
    """No such convention in this community, or one of a group the caller may not read."""

    code = "CONVENTION_NOT_FOUND"
    zh = "自治公约不存在"
    en = "Convention not found"


class ConventionVersionNotFound(NotFound):
    """No such convention version (or not one the caller may read)."""

    code = "CONVENTION_VERSION_NOT_FOUND"
    zh = "公约版本不存在"
    en = "Convention version not found"


class ConventionVersionNotDraft(SanshiError):
    """Only a draft's clauses change, and only a draft is put to the vote."""

    code = "CONVENTION_VERSION_NOT_DRAFT"
    zh = "第 {version} 版已是「{status_zh}」，只有草案可以修改或提交表决"
    en = "Version {version} is {status_en}; only a draft can be changed or put to the vote"


class ConventionVersionNotVoting(SanshiError):
    """A ballot, or the close, on a version that is not being voted on (before the vote
    opened, or after it closed)."""

    code = "CONVENTION_VERSION_NOT_VOTING"
    zh = "第 {version} 版不在表决中（{status_zh}）"
    en = "Version {version} is not being voted on ({status_en})"


class ConventionHasOpenVersion(SanshiError):
    """One amendment at a time: a draft or a vote in progress comes to an end first."""

    code = "CONVENTION_HAS_OPEN_VERSION"
    zh = "该公约的第 {version} 版尚在「{status_zh}」，请先完成它再提出修订"
    en = "Version {version} of this convention is still {status_en}; finish it before amending"


class ClauseNumbersInvalid(SanshiError):
    """Clauses are numbered 1, 2, ... n, each once: members cite them by number."""

    code = "CLAUSE_NUMBERS_INVALID"
    zh = "条款须从第 1 条起连续编号、不得重复（现为：{numbers}）"
    en = "Clauses are numbered 1 to n, each once (given: {numbers})"


class ConventionTitleTaken(SanshiError):
    """Two conventions of one group with one title would be confused."""

    code = "CONVENTION_TITLE_TAKEN"
    zh = "本组织已有名为「{title}」的公约"
    en = "The group already has a convention titled '{title}'"


class EmptyConvention(SanshiError):
    """A version without a clause has nothing to adopt."""

    code = "EMPTY_CONVENTION"
    zh = "公约至少要有一条条款"
    en = "A convention needs at least one clause"


class DueHoursOutOfRange(SanshiError):
    """A duty is due 1 to 720 hours after the incident."""

    code = "DUE_HOURS_OUT_OF_RANGE"
    zh = "第 {number} 条「{duty_zh}」的期限须为 {low} 至 {high} 小时（现为 {hours}）"
    en = "Clause {number}: '{duty_en}' must be due in {low} to {high} hours (given: {hours})"


class ConventionNoQuorum(votes.NoQuorum):
    """Closing a vote too few took part in adopts nothing and writes nothing: the vote
    stays open for more ballots (or is closed as rejected on purpose)."""

    zh = (
        "未达到法定人数：有表决权的 {eligible} 票中已投 {present} 票，至少需 {required} 票；"
        "表决继续进行（或按未通过结束表决）"
    )
    en = (
        "No quorum: {present} of {eligible} eligible ballots cast, {required} needed; the vote "
        "stays open (or close it as rejected)"
    )


class BallotAlreadyCast(votes.AlreadyVoted):
    """The member (or their household, where households vote) has voted on this version."""

    zh = "{voter_zh}已对第 {version} 版投过票（{basis_zh}）"
    en = "{voter_en} has already voted on version {version} ({basis_en})"


# The kernel's refusals in the groups' words where the kernel gives the numbers they need
# (a voter twice cannot reach the count: the ballots' table keeps one per voter key).
CONVENTION_VOTE_ERRORS = votes.VoteErrors(no_quorum=ConventionNoQuorum)


@dataclass(frozen=True)
class ClauseDraft:
    """A clause as a drafter types it (values of the vocabularies as strings, so the CLI, a
    seed and GraphQL give the same input); ``draft_clauses`` checks it into a ``Clause``."""

    number: int
    text_zh: str
    text_en: str = ""
    size_classes: tuple[str, ...] = ()
    fierce: bool = False
    incident_kinds: tuple[str, ...] = ()
    duties: tuple[tuple[str, int], ...] = ()  # (duty kind, due hours)


def _member_of(vocabulary: type[Labelled], value: str, what_zh: str, what_en: str) -> Any:
    try:
        return vocabulary(value)
    except ValueError:
        raise InvalidInput(
            field_zh=f"「{value}」不是{what_zh}", field_en=f"'{value}' is not {what_en}"
        ) from None


def _clause(draft: ClauseDraft) -> Clause:
    n = draft.number
    text_zh = clean_text(
        draft.text_zh,
        field=f"clause {n} text_zh",
        field_zh=f"第 {n} 条条文",
        limit=CLAUSE_TEXT_LIMIT,
        required=True,
        multiline=True,
    )
    text_en = clean_text(
        draft.text_en,
        field=f"clause {n} text_en",
        field_zh=f"第 {n} 条英文条文",
        limit=CLAUSE_TEXT_LIMIT,
        multiline=True,
    )
    sizes = frozenset(
        _member_of(SizeClass, s, "犬只体型", "a size class") for s in draft.size_classes
    )
    kinds = frozenset(
        _member_of(IncidentKind, k, "事件类型", "an incident kind") for k in draft.incident_kinds
    )
    duties: list[DutySpec] = []
    for value, hours in draft.duties:
        kind = _member_of(DutyKind, value, "义务类型", "a duty kind")
        if any(d.kind is kind for d in duties):
            raise InvalidInput(
                field_zh=f"第 {n} 条的「{kind.label_zh}」写了两次",
                field_en=f"clause {n} names '{kind.label_en}' twice",
            )
        if not DUE_HOURS_MIN <= hours <= DUE_HOURS_MAX:
            raise DueHoursOutOfRange(
                number=n, duty_zh=kind.label_zh, duty_en=kind.label_en, hours=hours,
                low=DUE_HOURS_MIN, high=DUE_HOURS_MAX,
            )  # fmt: skip
        duties.append(DutySpec(kind, hours))
    # Duties are owed after an incident the clause governs: without one they never arise.
    if duties and not kinds:
        raise InvalidInput(
            field_zh=f"第 {n} 条规定了义务，须写明适用的事件类型",
            field_en=f"clause {n} creates duties: name the kinds of incident it governs",
        )
    return Clause(
        number=n,
        text_zh=text_zh,
        text_en=text_en,
        binds=DogFilter(sizes, fierce=draft.fierce),
        incident_kinds=kinds,
        duties=tuple(duties),
    )


def draft_clauses(drafts: Sequence[ClauseDraft]) -> tuple[Clause, ...]:
    """A draft's clauses checked, by number: at least one, at most ``MAX_CLAUSES``, numbered
    1..n each once (ClauseNumbersInvalid), each text within its limit and free of control
    characters, vocabulary values only, duties due in 1..720 hours, each duty kind once per
    clause, and duties only on a clause that names the incidents it governs."""
    if not drafts:
        raise EmptyConvention()
    if len(drafts) > MAX_CLAUSES:
        raise InvalidInput(
            field_zh=f"条款不能超过 {MAX_CLAUSES} 条", field_en=f"at most {MAX_CLAUSES} clauses"
        )
    numbers = [d.number for d in drafts]
    if sorted(numbers) != list(range(1, len(drafts) + 1)):
        raise ClauseNumbersInvalid(numbers=", ".join(str(n) for n in numbers))
    return tuple(_clause(d) for d in sorted(drafts, key=lambda d: d.number))


def convention_title(title_zh: str, title_en: str) -> tuple[str, str]:
    """The convention's titles, checked (the Chinese one is required)."""
    return (
        clean_text(
            title_zh, field="title_zh", field_zh="公约名称", limit=TITLE_LIMIT, required=True
        ),
        clean_text(title_en, field="title_en", field_zh="英文名称", limit=TITLE_LIMIT),
    )


def convention_note(note: str) -> str:
    """A version's note (what it changes and why), checked."""
    return clean_text(note, field="note", field_zh="说明", limit=NOTE_LIMIT, multiline=True)


def check_draft(status: ConventionStatus, version: int) -> None:
    """ConventionVersionNotDraft unless the version is a draft."""
    if status is not ConventionStatus.DRAFT:
        raise ConventionVersionNotDraft(
            version=version, status_zh=status.label_zh, status_en=status.label_en.lower()
        )


def check_voting(status: ConventionStatus, version: int) -> None:
    """ConventionVersionNotVoting unless the version's vote is open."""
    if status is not ConventionStatus.VOTING:
        raise ConventionVersionNotVoting(
            version=version, status_zh=status.label_zh, status_en=status.label_en.lower()
        )


def amendment_of(versions: Iterable[tuple[int, ConventionStatus]]) -> tuple[int, int]:
    """(the new version's number, the version its clauses are copied from) for an
    amendment: refused while a draft or a vote is open; copied from the version in force,
    or from the latest one where none is in force."""
    known = sorted(versions)
    if not known:
        raise ValueError("a convention has at least its first version")
    for number, status in known:
        if status in OPEN_STATUSES:
            raise ConventionHasOpenVersion(
                version=number, status_zh=status.label_zh, status_en=status.label_en.lower()
            )
    in_force = [n for n, s in known if s is ConventionStatus.ADOPTED]
    return known[-1][0] + 1, in_force[-1] if in_force else known[-1][0]


def voter_key(basis: BallotBasis, household_id: int, resident_id: int | None) -> str | None:
    """Whose ballot a membership casts: its household's (``household:<id>``) where the group
    votes by household, its resident's (``resident:<id>``) where each member votes; None for
    a membership that names no resident in a group of residents (it has no ballot)."""
    if basis is BallotBasis.HOUSEHOLD:
        return f"household:{household_id}"
    return None if resident_id is None else f"resident:{resident_id}"


@dataclass(frozen=True)
class ConventionTally:
    """The count kept with a closed vote: adopted or why not, the answers, and the numbers
    the group's rules asked for. ``void``: ballots of voters who were no longer members
    when the vote closed (not counted). ``majority_required``: None without a quorum."""

    adopted: bool
    rejection: ConventionRejection | None
    yes: int
    no: int
    abstain: int
    eligible: int
    void: int
    quorum_required: int
    majority_required: int | None
    rules: votes.VoteRules

    @property
    def present(self) -> int:
        return self.yes + self.no + self.abstain

    def to_json(self) -> dict[str, object]:
        """As the version's ``tally`` column keeps it."""
        return {
            "outcome": "adopted" if self.adopted else "rejected",
            "rejection": None if self.rejection is None else self.rejection.value,
            "yes": self.yes,
            "no": self.no,
            "abstain": self.abstain,
            "eligible": self.eligible,
            "void": self.void,
            "quorum_required": self.quorum_required,
            "majority_required": self.majority_required,
            "rules": votes.rules_to_json(self.rules),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ConventionTally | None:
        """The kept count, or None for a vote not closed yet (an empty tally)."""
        if not data:
            return None
        rejection = data.get("rejection")
        return cls(
            adopted=data["outcome"] == "adopted",
            rejection=None if rejection is None else ConventionRejection(rejection),
            yes=int(data["yes"]),
            no=int(data["no"]),
            abstain=int(data["abstain"]),
            eligible=int(data["eligible"]),
            void=int(data.get("void", 0)),
            quorum_required=int(data["quorum_required"]),
            majority_required=data.get("majority_required"),
            rules=votes.rules_from_json(data.get("rules")),
        )


def count_convention_vote(
    ballots: Iterable[tuple[str, votes.Answer]],
    eligible: Collection[str],
    rules: votes.VoteRules,
    *,
    reject_without_quorum: bool = False,
) -> ConventionTally:
    """The outcome of closing a vote, counted by the shared kernel (``count_adoption``).

    ``ballots``: (voter key, answer); ``eligible``: the voter keys of the members when the
    vote closes — a ballot of a voter who has left since is void. Too few ballots raise
    ConventionNoQuorum (closing adopts nothing and the vote stays open) unless
    ``reject_without_quorum``: then the version is rejected for want of a quorum. A quorum
    without the majority of yes over yes + no rejects it.
    """
    keys = frozenset(eligible)
    cast = list(ballots)
    counted = [(k, a) for k, a in cast if k in keys]
    void = len(cast) - len(counted)
    try:
        result = votes.count_adoption(
            counted, eligible=len(keys), rules=rules, errors=CONVENTION_VOTE_ERRORS
        )
    except ConventionNoQuorum:
        if not reject_without_quorum:
            raise
        answers = [votes.Answer(a) for _, a in counted]
        return ConventionTally(
            adopted=False,
            rejection=ConventionRejection.NO_QUORUM,
            yes=answers.count(votes.Answer.YES),
            no=answers.count(votes.Answer.NO),
            abstain=answers.count(votes.Answer.ABSTAIN),
            eligible=len(keys),
            void=void,
            quorum_required=rules.quorum_required(len(keys)),
            majority_required=None,
            rules=rules,
        )
    return ConventionTally(
        adopted=result.adopted,
        rejection=None if result.adopted else ConventionRejection.NO_MAJORITY,
        yes=result.yes,
        no=result.no,
        abstain=result.abstain,
        eligible=result.eligible,
        void=void,
        quorum_required=result.quorum_required,
        majority_required=result.majority_required,
        rules=rules,
    )


# --------------------------------------------------------------------------------------
# Elections (选举) of the core (骨干): a term (任期), seats (席位), candidates (候选人) who are
# members, one ballot (选票) per voter key, counted by the shared vote kernel
# (services/kernel/votes.py count_election), a runoff (决选) among those tied for the last seats
# --------------------------------------------------------------------------------------
SEATS_LIMIT = 50  # the tables' CHECK: seats and votes per ballot between 1 and 50
RUNOFF_SUFFIX = "（决选）"  # a runoff's title: its election's, marked


class ElectionStatus(Labelled):
    """Where an election of the core stands: ballots taken, counted, results published."""

    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


labels(
    ElectionStatus,
    {
        ElectionStatus.OPEN: ("投票中", "Voting open"),
        ElectionStatus.CLOSED: ("已计票", "Counted"),
        ElectionStatus.PUBLISHED: ("已公布", "Results published"),
    },
)


class ElectionNotFound(NotFound):
    """No such election in this community — or one of a group the caller may not read."""

    code = "GROUP_ELECTION_NOT_FOUND"
    zh = "该选举不存在"
    en = "Election not found"


class CandidateNotAMember(NotAGroupMember):
    """A candidate must be a current member of the group holding the election."""

    code = "CANDIDATE_NOT_A_MEMBER"
    zh = "候选人须为该组织的在册成员（成员编号 {member_id}）"
    en = "A candidate must be a current member of the group (member {member_id})"


class NotEnoughCandidates(SanshiError):
    """An election needs at least as many candidates as seats (等额 or 差额, never fewer)."""

    code = "NOT_ENOUGH_CANDIDATES"
    zh = "候选人（{candidates} 人）不能少于席位数（{seats} 席）"
    en = "Fewer candidates ({candidates}) than seats ({seats})"


class TermOverlap(SanshiError):
    """Two elections for overlapping terms would seat two cores at once."""

    code = "TERM_OVERLAP"
    zh = "任期与已有选举（{starts_on} 至 {ends_on}）重叠"
    en = "The term overlaps that of another election ({starts_on} to {ends_on})"


class ElectionClosed(SanshiError):
    """Ballots are taken only while the election is open; a closed one is counted once."""

    code = "ELECTION_CLOSED"
    zh = "本次选举的投票已截止"
    en = "Voting in this election has closed"


class ElectionStillOpen(SanshiError):
    """Results are published only after the count."""

    code = "ELECTION_STILL_OPEN"
    zh = "选举仍在投票中，须先截止计票才能公布结果"
    en = "The election is still open: close and count it before publishing"


class ElectionPublished(SanshiError):
    """Published results are a record: published once."""

    code = "ELECTION_PUBLISHED"
    zh = "本次选举结果已公布"
    en = "The results of this election are already published"


class AlreadyVotedInElection(AlreadyVoted):
    """The kernel's refusal in the group's words: one ballot per member household (or per
    member, as the group's ballot basis says). Code and meaning are the kernel's."""

    zh = "{voter_zh}已在本次选举中投过票，每{unit_zh}只能投一张选票"
    en = "{voter_en} has already voted in this election: one ballot per {unit_en}"

    @classmethod
    def of(cls, basis: BallotBasis) -> AlreadyVotedInElection:
        if basis is BallotBasis.HOUSEHOLD:
            return cls(voter_zh="该户", voter_en="The household", unit_zh="户", unit_en="household")
        return cls(voter_zh="该成员", voter_en="The member", unit_zh="人", unit_en="member")


def eligible_voters(basis: BallotBasis, members: Iterable[Membership]) -> frozenset[str]:
    """The voter keys of the current members: one per household or per member (a member of
    a resident-basis group who names no resident has none)."""
    return voter_keys(basis, ((m.household_id, m.resident_id) for m in members if m.current))


def voter_keys(basis: BallotBasis, holders: Iterable[tuple[int, int | None]]) -> frozenset[str]:
    """The voter keys of current memberships given as (household id, resident id or None):
    ``eligible_voters`` for rows read as just those two columns (a group's whole electorate
    at a count, without building a membership per member)."""
    keys = (voter_key(basis, household_id, resident_id) for household_id, resident_id in holders)
    return frozenset(k for k in keys if k is not None)


def check_election(
    *,
    term_starts_on: date,
    term_ends_on: date,
    seats: int,
    votes_per_ballot: int,
    candidates: Sequence[int],
    founded_on: date,
    other_terms: Iterable[tuple[date, date]] = (),
) -> None:
    """May an election be opened with these numbers?

    A term ends after it starts (``term_ends_on``, its last day) and not before the group
    was founded; 1 to 50 seats; a ballot names at most as many candidates as there are
    seats; each candidate once and at least as many as seats. ``other_terms``: the terms of
    the group's other live elections (open, or counted with a quorum): one core at a time.
    """
    if term_ends_on <= term_starts_on:
        raise InvalidInput(
            field_zh="任期结束日期须晚于开始日期", field_en="the term ends before it starts"
        )
    if term_starts_on < founded_on:
        raise InvalidInput(
            field_zh="任期早于组织成立日期", field_en="the term starts before the group was founded"
        )
    if not 1 <= seats <= SEATS_LIMIT:
        raise InvalidInput(
            field_zh=f"席位数须为 1 至 {SEATS_LIMIT}", field_en=f"seats must be 1 to {SEATS_LIMIT}"
        )
    if not 1 <= votes_per_ballot <= seats:
        raise InvalidInput(
            field_zh="每张选票可选人数须为 1 至席位数",
            field_en="votes per ballot must be 1 to the number of seats",
        )
    if len(set(candidates)) != len(candidates):
        raise InvalidInput(field_zh="候选人重复", field_en="a candidate is named twice")
    if len(candidates) < seats:
        raise NotEnoughCandidates(candidates=len(candidates), seats=seats)
    for starts_on, ends_on in other_terms:
        if starts_on <= term_ends_on and term_starts_on <= ends_on:
            raise TermOverlap(starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat())


def check_candidate(member: Membership | None, member_id: int) -> None:
    """A candidate is a current member of this group, a named person (a core seat is held by
    a resident, as a core role is)."""
    if member is None or not member.current:
        raise CandidateNotAMember(member_id=member_id)
    check_role_holder(GroupRole.CORE, member.resident_id)


def check_ballot_open(status: ElectionStatus) -> None:
    """ElectionClosed unless ballots are still taken."""
    if status is not ElectionStatus.OPEN:
        raise ElectionClosed()


def check_publish(status: ElectionStatus) -> None:
    """Results are published once, after the count."""
    if status is ElectionStatus.OPEN:
        raise ElectionStillOpen()
    if status is ElectionStatus.PUBLISHED:
        raise ElectionPublished()


def ballots_to_count(
    ballots: Iterable[tuple[str, Sequence[int]]], eligible: frozenset[str]
) -> list[tuple[str, Sequence[int]]]:
    """The ballots the count takes: those of voters still eligible at the close. A member
    who left after voting is no longer of the electorate the quorum is measured against, so
    their ballot is set aside rather than counted against a smaller electorate."""
    return [(voter, named) for voter, named in ballots if voter in eligible]


def runoff_votes_per_ballot(votes_per_ballot: int, runoff_seats: int) -> int:
    """A runoff ballot names at most as many as the first round allowed, and no more than
    the seats left."""
    return max(1, min(votes_per_ballot, runoff_seats))


def on_core(starts_on: date, ends_on: date, today: date) -> bool:
    """Does a core term cover ``today``? The new core takes over on the first day of its
    term and sits to its last day (``ends_on`` inclusive)."""
    return starts_on <= today <= ends_on


@dataclass(frozen=True)
class CoreCount:
    """The count of an election of the core, as its record keeps it (candidates by id).

    Without a quorum the election elects nobody and no counts are kept: a vote too few took
    part in decides nothing (``quorum_met`` False, every seat unfilled).
    """

    quorum_met: bool
    eligible: int
    ballots: int  # ballots counted: returned by voters still eligible at the close
    quorum_required: int
    votes_required: int = 0
    counts: tuple[tuple[int, int], ...] = ()  # (candidate, votes), in the candidates' order
    elected: tuple[int, ...] = ()
    runoff: tuple[int, ...] = ()  # tied for the last seats: a runoff among them
    runoff_seats: int = 0
    unfilled: int = 0


def count_core(
    ballots: Iterable[tuple[str, Sequence[int]]],
    candidates: Sequence[int],
    *,
    seats: int,
    votes_per_ballot: int,
    eligible: frozenset[str],
    rules: VoteRules,
) -> CoreCount:
    """Count an election of the core with the shared kernel (``count_election``) against
    the group's quorum: ``eligible`` are the voter keys of the current members at the close.

    Ballots of voters no longer eligible are set aside (``ballots_to_count``). No quorum is
    an outcome, not a refusal: the election is counted as failed and a new one is needed.
    """
    counted = ballots_to_count(ballots, eligible)
    try:
        result = count_election(
            counted,
            candidates,
            seats=seats,
            votes_per_ballot=votes_per_ballot,
            eligible=len(eligible),
            quorum=rules.quorum,
        )
    except NoQuorum:
        return CoreCount(
            quorum_met=False,
            eligible=len(eligible),
            ballots=len(counted),
            quorum_required=rules.quorum_required(len(eligible)),
            unfilled=seats,
        )
    return CoreCount(
        quorum_met=True,
        eligible=result.eligible,
        ballots=result.ballots,
        quorum_required=result.quorum_required,
        votes_required=result.votes_required,
        counts=tuple(result.counts.items()),
        elected=result.elected,
        runoff=result.runoff,
        runoff_seats=result.runoff_seats,
        unfilled=result.unfilled,
    )
