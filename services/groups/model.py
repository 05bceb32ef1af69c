"""Pure rules of resident groups (居民自治组织): kinds, roles, membership, who may do what.

No I/O and no framework imports. Handlers load the group, its current memberships and the
caller's own, call these, and write what they return.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from services.errors import InvalidInput, NotFound, SanshiError
from services.kernel.vocabulary import Labelled, labels
from services.kernel.votes import AlreadyVoted, NoQuorum, VoteRules, count_election

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


def voter_key(basis: BallotBasis, household_id: int, resident_id: int | None) -> str:
    """Whose ballot a member casts: their household's (``household:<id>``) where the group
    votes by household, their own (``resident:<id>``) where it votes by member."""
    if basis is BallotBasis.HOUSEHOLD:
        return f"household:{household_id}"
    if resident_id is None:
        # check_join refuses an unnamed member of a resident-basis group: a data error.
        raise ValueError("a member of a resident-basis group names its resident")
    return f"resident:{resident_id}"


def eligible_voters(basis: BallotBasis, members: Iterable[Membership]) -> frozenset[str]:
    """The voter keys of the current members: one per household or per member."""
    return frozenset(voter_key(basis, m.household_id, m.resident_id) for m in members if m.current)


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
