"""Pure rules of the routing context: the ticket lifecycle, event kinds, and what a
department's act does to the community's matter (no I/O, no frameworks)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from services.auth.model import ROLE_SCOPE, Principal, Role, Scope, ScopeKind
from services.errors import SanshiError
from services.kernel.vocabulary import Labelled, labels
from services.localtime import OverdueKind, overdue_kind
from services.matters.model import MatterStatus, allowed_targets


class TicketStatus(Labelled):
    """Where a routed ticket stands in its department."""

    ROUTED = "routed"
    ACKNOWLEDGED = "acknowledged"
    INFO_REQUESTED = "info_requested"
    ANSWERED = "answered"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


TICKET_STATUS_LABELS: Mapping[TicketStatus, tuple[str, str]] = {
    TicketStatus.ROUTED: ("已转办", "Routed"),
    TicketStatus.ACKNOWLEDGED: ("已签收", "Acknowledged"),
    TicketStatus.INFO_REQUESTED: ("待补充材料", "Information requested"),
    TicketStatus.ANSWERED: ("已答复", "Answered"),
    TicketStatus.IN_PROGRESS: ("办理中", "In progress"),
    TicketStatus.DONE: ("已办结", "Done"),
    TicketStatus.REJECTED: ("已退回", "Rejected (not this department's)"),
    TicketStatus.CANCELLED: ("已撤销", "Cancelled"),
}
labels(TicketStatus, TICKET_STATUS_LABELS)

T = TicketStatus

# The one table of allowed ticket moves. A department first acknowledges (签收); it may ask
# the community for information, reject the ticket as not its own (it is then re-routed),
# answer with a commitment and a date, report progress, and mark it done. Cancelled: the
# matter was withdrawn or is no longer major.
TICKET_TRANSITIONS: Mapping[TicketStatus, frozenset[TicketStatus]] = {
    T.ROUTED: frozenset({T.ACKNOWLEDGED, T.INFO_REQUESTED, T.REJECTED, T.CANCELLED}),
    T.ACKNOWLEDGED: frozenset(
        {T.INFO_REQUESTED, T.ANSWERED, T.IN_PROGRESS, T.DONE, T.REJECTED, T.CANCELLED}
    ),
    T.INFO_REQUESTED: frozenset({T.ACKNOWLEDGED, T.REJECTED, T.CANCELLED}),
    T.ANSWERED: frozenset({T.ANSWERED, T.IN_PROGRESS, T.DONE, T.CANCELLED}),
    T.IN_PROGRESS: frozenset({T.ANSWERED, T.IN_PROGRESS, T.DONE, T.CANCELLED}),
    T.DONE: frozenset(),
    T.REJECTED: frozenset(),
    T.CANCELLED: frozenset(),
}

OPEN_STATUSES: frozenset[TicketStatus] = frozenset(
    s for s in TicketStatus if s not in {T.DONE, T.REJECTED, T.CANCELLED}
)


def overdue_of(
    status: TicketStatus, ack_due_at: datetime, resolve_due_at: datetime, now: datetime
) -> OverdueKind | None:
    """Which deadline a ticket in ``status`` has missed at ``now`` (``localtime``'s rule):
    open statuses can be late, and only a merely routed ticket awaits acknowledging."""
    return overdue_kind(
        open=status in OPEN_STATUSES,
        awaiting_ack=status is TicketStatus.ROUTED,
        ack_due_at=ack_due_at,
        resolve_due_at=resolve_due_at,
        now=now,
    )


class IllegalTicketTransition(SanshiError):
    """A department act that the ticket's status does not allow."""

    code = "ILLEGAL_TICKET_TRANSITION"
    zh = "工单状态为「{from_zh}」，不能变为「{to_zh}」"
    en = "A ticket that is {from_en} cannot become {to_en}"


def check_ticket_transition(current: TicketStatus, target: TicketStatus) -> None:
    """Allow ``current -> target`` or raise IllegalTicketTransition (bilingual)."""
    if target not in TICKET_TRANSITIONS[current]:
        raise IllegalTicketTransition(
            from_zh=current.label_zh,
            to_zh=target.label_zh,
            from_en=current.label_en.lower(),
            to_en=target.label_en.lower(),
        )


class EventKind(Labelled):
    """What happened to a ticket; each becomes a line in the community's matter history."""

    ROUTED = "routed"
    ACKNOWLEDGED = "acknowledged"
    INFO_REQUESTED = "info_requested"
    INFO_PROVIDED = "info_provided"
    REJECTED = "rejected"
    REROUTED = "rerouted"
    ANSWERED = "answered"
    PROGRESS = "progress"
    DONE = "done"
    CANCELLED = "cancelled"
    OVERDUE = "overdue"
    SUPERVISED = "supervised"
    MEETING_OUTCOME = "meeting_outcome"


EVENT_LABELS: Mapping[EventKind, tuple[str, str]] = {
    EventKind.ROUTED: ("已转办", "routed"),
    EventKind.ACKNOWLEDGED: ("已签收", "acknowledged"),
    EventKind.INFO_REQUESTED: ("请社区补充材料", "asked the community for information"),
    EventKind.INFO_PROVIDED: ("社区已补充材料", "information provided by the community"),
    EventKind.REJECTED: ("退回（非本部门职责）", "rejected as not its own"),
    EventKind.REROUTED: ("已改派", "re-routed"),
    EventKind.ANSWERED: ("已答复", "answered"),
    EventKind.PROGRESS: ("办理进展", "progress reported"),
    EventKind.DONE: ("已办结", "done"),
    EventKind.CANCELLED: ("已撤销", "cancelled"),
    EventKind.OVERDUE: ("已超期", "overdue"),
    EventKind.SUPERVISED: ("县里督办", "supervised by the county"),
    EventKind.MEETING_OUTCOME: ("联席会议结果", "joint meeting outcome"),
}
labels(EventKind, EVENT_LABELS)


# -- searching tickets (the department inbox) ----------------------------------------------
@dataclass(frozen=True)
class TicketSearch:
    """Which tickets a search finds; empty tuples and None mean "any".

    Due dates are local and inclusive, on the resolve deadline. ``overdue_at``: only
    tickets late at that instant (``localtime.overdue_kind``, as the inbox shows it).
    """

    county: str | None = None
    department: str | None = None
    statuses: tuple[TicketStatus, ...] = ()
    communities: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    due_from: date | None = None
    due_to: date | None = None
    overdue_at: datetime | None = None
    supervised_only: bool = False


# -- who acts in routing's own events -------------------------------------------------------
def routing_actor(county: str) -> Principal:
    """Who routing acts as in events and audit: the system, for this county."""
    return Principal(
        "system:routing", frozenset({Role.COUNTY_ADMIN}), Scope(ScopeKind.COUNTY, county)
    )


def event_actor(
    subject: str, role_value: str, *, county: str, department: str, community: str
) -> Principal:
    """The principal a ticket event acted as: its subject and role, scoped like it (the
    matter history of the community names the department officer who acted)."""
    try:
        role = Role(role_value)
    except ValueError:
        role = Role.DEPARTMENT_OFFICER
    if ROLE_SCOPE[role] is ScopeKind.DEPARTMENT:
        scope = Scope(ScopeKind.DEPARTMENT, department, county)
    elif ROLE_SCOPE[role] is ScopeKind.COUNTY:
        scope = Scope(ScopeKind.COUNTY, county)
    else:
        scope = Scope(ScopeKind.COMMUNITY, community)
    return Principal(subject, frozenset({role}), scope)


# -- effects of department acts on the community's matter --------------------------------
# Acts that show a department is working on the matter: the matter is then in progress.
ENGAGING_EVENTS = frozenset({"acknowledged", "answered", "progress", "done", "meeting_outcome"})
# Tickets that no longer count towards "all done": re-routed elsewhere or withdrawn.
CLOSED_WITHOUT_WORK = frozenset({"rejected", "cancelled"})


def matter_steps(
    matter_status: str,
    matter_kind: str | None,
    event_kind: str,
    ticket_statuses: Iterable[str],
) -> tuple[str, ...]:
    """The matter status changes a department event causes, in order (often none).

    - the first engaging act (acknowledgement, answer, progress, done, meeting outcome)
      on a classified — or reopened — major matter moves it to in progress;
    - the ``done`` that leaves every counted ticket of the matter done resolves it (via
      in progress if it had not got there yet). Rejected and cancelled tickets do not
      count: a rejection is followed by a re-routed ticket that does.
    Only moves the matter lifecycle allows from ``matter_status`` are returned, so
    applying them never raises IllegalTransition, and a matter no longer major, already
    resolved, closed or withdrawn is left alone.
    """
    if matter_kind != "major":
        return ()
    steps: list[str] = []
    status = MatterStatus(matter_status)
    if event_kind in ENGAGING_EVENTS and MatterStatus.IN_PROGRESS in allowed_targets(status):
        steps.append(MatterStatus.IN_PROGRESS.value)
        status = MatterStatus.IN_PROGRESS
    counted = [s for s in ticket_statuses if s not in CLOSED_WITHOUT_WORK]
    all_done = bool(counted) and all(s == "done" for s in counted)
    if (
        event_kind == "done"
        and all_done
        and status is MatterStatus.IN_PROGRESS
        and MatterStatus.RESOLVED in allowed_targets(status)
    ):
        steps.append(MatterStatus.RESOLVED.value)
    return tuple(steps)


def event_label(kind: str) -> tuple[str, str]:
    """The zh/en label of an event kind as stored (an unknown kind reads as itself)."""
    if kind in EventKind.__members__.values():
        found = EventKind(kind)
        return found.label_zh, found.label_en
    return kind, kind
