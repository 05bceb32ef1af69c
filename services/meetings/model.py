"""Pure rules of the meetings context: joint meetings (联席会议) — their statuses and
outcomes, what an outcome does to a ticket, who sees a meeting, and the checks of what a
cadre enters (no I/O).

A community cadre convenes a meeting (date, place, invited departments, town cadres,
volunteer-team leaders, residents concerned), builds its agenda from the community's
pending major matters (its open routed tickets), records minutes and an outcome per agenda
item, and marks the meeting held (with the departments that attended) or cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from services.auth.model import Principal, Role, ScopeKind, in_county
from services.errors import InvalidInput, NotFound, SanshiError, TextTooLong
from services.kernel.vocabulary import Labelled, labels
from services.routing.model import EventKind, TicketStatus
from services.settings import Settings

# -- limits ---------------------------------------------------------------------------------

# The first joint meeting in Donghai took 40 major matters with 14 departments; these caps
# leave ample room and keep one meeting's payload bounded.
MAX_DEPARTMENTS = 60
MAX_PARTICIPANTS = 200  # per list (town cadres, volunteer leaders, residents)
MAX_ITEMS = 200
DEFAULT_PAGE = 50
MAX_PAGE = 200


# -- pure rules -----------------------------------------------------------------------------


class MeetingStatus(Labelled):
    """Where a joint meeting stands."""

    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


MEETING_STATUS_LABELS: Mapping[MeetingStatus, tuple[str, str]] = {
    MeetingStatus.PLANNED: ("已召集", "planned"),
    MeetingStatus.HELD: ("已召开", "held"),
    MeetingStatus.CANCELLED: ("已取消", "cancelled"),
}
labels(MeetingStatus, MEETING_STATUS_LABELS)


class Outcome(Labelled):
    """What an agenda item came to at the meeting."""

    ANSWERED = "answered"  # the department answered in person
    COMMITMENT = "commitment"  # the department committed to a result by a date
    REFERRED = "referred"  # handed on (another body, a later meeting); the ticket stays
    NEEDS_FOLLOW_UP = "needs_follow_up"  # not settled: followed up after the meeting


OUTCOME_LABELS: Mapping[Outcome, tuple[str, str]] = {
    Outcome.ANSWERED: ("当面答复", "Answered"),
    Outcome.COMMITMENT: ("承诺办理", "Commitment"),
    Outcome.REFERRED: ("转交", "Referred"),
    Outcome.NEEDS_FOLLOW_UP: ("需跟进", "Needs follow-up"),
}
labels(Outcome, OUTCOME_LABELS)

_T = TicketStatus


def ticket_moves(current: TicketStatus, outcome: Outcome) -> list[tuple[TicketStatus, EventKind]]:
    """The status moves (and their event kinds) an outcome makes on a ticket in ``current``.

    An answer or a commitment given face to face answers the ticket. A ticket the
    department had not acknowledged yet (routed, or waiting for information) is first
    acknowledged: the department head took it at the table, and the ticket lifecycle
    only lets an acknowledged ticket be answered. Referred / needs follow-up leave the
    status alone (the caller records a meeting-outcome event only). The caller refuses
    closed tickets before asking.
    """
    if outcome not in (Outcome.ANSWERED, Outcome.COMMITMENT):
        return []
    moves: list[tuple[TicketStatus, EventKind]] = []
    if current in (_T.ROUTED, _T.INFO_REQUESTED):
        moves.append((_T.ACKNOWLEDGED, EventKind.ACKNOWLEDGED))
    moves.append((_T.ANSWERED, EventKind.MEETING_OUTCOME))
    return moves


def can_read_meeting(actor: Principal, county: str, slug: str, invited: Sequence[str]) -> bool:
    """Who may see a joint meeting.

    The staff of the convening community (cadres, grid workers), the county's
    administrators and leaders, and officers of a department invited to it.
    """
    scope = actor.scope
    if scope.kind is ScopeKind.DEPARTMENT:
        return actor.has(Role.DEPARTMENT_OFFICER) and scope.county == county and scope.id in invited
    if scope.kind is ScopeKind.COUNTY:
        return in_county(actor, county) and actor.has(Role.COUNTY_ADMIN, Role.COUNTY_LEADER)
    if scope.kind is ScopeKind.COMMUNITY:
        return scope.id == slug and actor.has(Role.COMMUNITY_CADRE, Role.GRID_WORKER)
    return False


# -- errors ---------------------------------------------------------------------------------
# Meetings raise only their own errors and the shared ones (access, input, text limits), so
# the GraphQL unions of this slice stay closed whatever other slices map for tickets.


class JointMeetingNotFound(NotFound):
    """No such meeting — or not one the caller may see (the same answer)."""

    code = "JOINT_MEETING_NOT_FOUND"
    zh = "联席会议不存在"
    en = "Joint meeting not found"


class JointMeetingItemNotFound(NotFound):
    """No such agenda item — or one of a meeting the caller may not see."""

    code = "JOINT_MEETING_ITEM_NOT_FOUND"
    zh = "联席会议议题不存在"
    en = "Agenda item of the joint meeting not found"


class JointMeetingTicketNotFound(NotFound):
    """A ticket that does not exist or is not the convening community's (the same answer)."""

    code = "JOINT_MEETING_TICKET_NOT_FOUND"
    zh = "本社区没有编号为 {ticket_id} 的转办工单"
    en = "This community has no routed ticket {ticket_id}"


class JointMeetingTicketClosed(SanshiError):
    """A done, rejected or cancelled ticket: it cannot go on the agenda or take an outcome."""

    code = "JOINT_MEETING_TICKET_CLOSED"
    zh = "工单 {ticket_id}「{title}」已{status_zh}，不能上会或记录答复"
    en = "Ticket {ticket_id} ('{title}') is {status_en}: it cannot go on the agenda or be answered"


class JointMeetingUnknownDepartment(SanshiError):
    """An invited department that is not an active one of the community's county."""

    code = "JOINT_MEETING_UNKNOWN_DEPARTMENT"
    zh = "本县没有在用的部门「{department}」"
    en = "The county has no active department '{department}'"


class JointMeetingClosed(SanshiError):
    """An act a meeting's status no longer allows (cancelled, or held for agenda changes)."""

    code = "JOINT_MEETING_CLOSED"
    zh = "联席会议{status_zh}，不能再{act_zh}"
    en = "The joint meeting is {status_en}: cannot {act_en}"


class JointMeetingItemDecided(SanshiError):
    """An agenda item has one outcome: it is a record, not revised."""

    code = "JOINT_MEETING_ITEM_DECIDED"
    zh = "该议题已记录结果「{outcome_zh}」"
    en = "This agenda item already has an outcome ({outcome_en})"


# -- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participant:
    """A person at the meeting who is not a department: a name and what they are there as."""

    name: str
    role: str = ""


@dataclass(frozen=True)
class ConveneInput:
    """A joint meeting as a cadre convenes it."""

    held_on: date
    place: str
    title: str = ""
    departments: Sequence[str] = ()
    town_cadres: Sequence[Participant] = ()
    volunteer_leaders: Sequence[Participant] = ()
    residents: Sequence[Participant] = ()


@dataclass(frozen=True)
class OutcomeInput:
    """An agenda item's outcome as a cadre records it."""

    outcome: Outcome
    minutes: str = ""
    commitment: str | None = None
    commitment_due_on: date | None = None


# -- validation -----------------------------------------------------------------------------


def check_text(field_name: str, value: str, limit: int, *, required: bool = False) -> str:
    """``value`` stripped; TextTooLong beyond ``limit``, InvalidInput if blank but required."""
    value = value.strip()
    if len(value) > limit:
        raise TextTooLong(field=field_name, limit=limit)
    if required and not value:
        raise InvalidInput(field_zh=f"{field_name} 不能为空", field_en=f"{field_name} is required")
    return value


def check_people(
    field_name: str, people: Sequence[Participant], settings: Settings
) -> list[Participant]:
    """The participants of one list, names required and trimmed, at most MAX_PARTICIPANTS."""
    if len(people) > MAX_PARTICIPANTS:
        raise InvalidInput(
            field_zh=f"{field_name} 最多 {MAX_PARTICIPANTS} 人",
            field_en=f"{field_name}: at most {MAX_PARTICIPANTS} people",
        )
    out = []
    for p in people:
        name = check_text(f"{field_name}.name", p.name, settings.max_name_length, required=True)
        role = check_text(f"{field_name}.role", p.role, settings.max_name_length)
        out.append(Participant(name, role))
    return out


def check_department_codes(codes: Sequence[str]) -> list[str]:
    """Department codes without repeats (first one kept), at most MAX_DEPARTMENTS."""
    unique = list(dict.fromkeys(c.strip() for c in codes))
    if len(unique) > MAX_DEPARTMENTS:
        raise InvalidInput(
            field_zh=f"受邀部门最多 {MAX_DEPARTMENTS} 个",
            field_en=f"at most {MAX_DEPARTMENTS} invited departments",
        )
    return unique


def check_outcome(data: OutcomeInput, held_on: date, settings: Settings) -> OutcomeInput:
    """The outcome with its texts checked: a commitment needs its text and a due date not
    before the meeting; other outcomes take neither."""
    minutes = check_text("minutes", data.minutes, settings.max_text_length)
    if data.outcome is Outcome.COMMITMENT:
        commitment = check_text(
            "commitment", data.commitment or "", settings.max_note_length, required=True
        )
        if data.commitment_due_on is None:
            raise InvalidInput(
                field_zh="承诺办理须写明完成日期", field_en="a commitment needs a due date"
            )
        if data.commitment_due_on < held_on:
            raise InvalidInput(
                field_zh="承诺完成日期不能早于会议日期",
                field_en="the commitment's due date cannot be before the meeting",
            )
        return OutcomeInput(data.outcome, minutes, commitment, data.commitment_due_on)
    if data.commitment or data.commitment_due_on:
        raise InvalidInput(
            field_zh="只有「承诺办理」可以写承诺和完成日期",
            field_en="only a commitment outcome takes a commitment and a due date",
        )
    return OutcomeInput(data.outcome, minutes)


def own_department(actor: Principal) -> str | None:
    """A department officer sees only their own department's items of a shared agenda.

    The meeting itself is shared with every invited department, but a ticket is its
    department's business (another department's ticket reads as not found elsewhere), so
    the agenda is filtered the same way.
    """
    if actor.scope.kind is ScopeKind.DEPARTMENT:
        return actor.scope.id
    return None


def closed_error(status: MeetingStatus, act_zh: str, act_en: str) -> JointMeetingClosed:
    """The refusal of an act on a meeting that is no longer planned."""
    return JointMeetingClosed(
        status_zh=status.label_zh, status_en=status.label_en, act_zh=act_zh, act_en=act_en
    )


def ticket_closed_error(
    ticket_id: int, title: str, status: TicketStatus
) -> JointMeetingTicketClosed:
    """The refusal of a closed ticket on the agenda (or of an outcome on it)."""
    return JointMeetingTicketClosed(
        ticket_id=ticket_id,
        title=title,
        status_zh=status.label_zh,
        status_en=status.label_en.lower(),
    )
