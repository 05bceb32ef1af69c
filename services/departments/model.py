"""Pure rules of the departments context: routing rules, the work calendar, deadlines (no I/O).

Which county department (县级部门) gets a major matter (大事) is data: a county's
routing rules map a category — optionally narrowed to one community or one grid — to one
or more departments. ``route`` picks the most specific active rule; the county's
coordination office (县协调办) is the fallback. Deadlines count working days in the county's
time zone: Monday to Friday, corrected by its work calendar (工作日历: public holidays and
make-up working days, 调休). Who may read and edit a county's reference data, and the
checks of what an administrator enters, are here too (docs/routing.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.auth.model import Principal, Role, ScopeKind, in_county
from services.errors import InvalidInput, SanshiError, TextTooLong
from services.kernel.vocabulary import Labelled, labels
from services.localtime import TIME_ZONE, last_second_of
from services.settings import Settings

# The county default when no policy row exists at all: acknowledge (签收) within 2
# working days, resolve (办结) within 15.
DEFAULT_ACK_WORKING_DAYS = 2
DEFAULT_RESOLVE_WORKING_DAYS = 15
ANY_CATEGORY = "*"


@dataclass(frozen=True)
class DepartmentInfo:
    """A county department as routing sees it."""

    code: str
    name_zh: str
    name_en: str
    active: bool = True
    is_fallback: bool = False


@dataclass(frozen=True)
class Rule:
    """Category (+ optionally community, + optionally grid) → departments."""

    id: int
    category: str
    department_codes: tuple[str, ...]
    community_slug: str | None = None
    grid_code: str | None = None
    include_address: bool = False
    include_circumstances: bool = False
    active: bool = True

    @property
    def specificity(self) -> int:
        """2 for a grid rule, 1 for a community rule, 0 for a county-wide category rule."""
        if self.grid_code is not None:
            return 2
        return 1 if self.community_slug is not None else 0

    def matches(self, category: str, community_slug: str, grid_code: str | None) -> bool:
        """Whether this rule applies to a matter of ``category`` in that community/grid."""
        if not self.active or self.category != category:
            return False
        if self.community_slug is not None and self.community_slug != community_slug:
            return False
        return self.grid_code is None or self.grid_code == grid_code


@dataclass(frozen=True)
class RouteDecision:
    """Where a matter goes and what of the household the departments may see."""

    department_codes: tuple[str, ...]
    include_address: bool
    include_circumstances: bool
    rule_id: int | None
    fallback: bool = False


class NoFallbackDepartment(SanshiError):
    """The county has no coordination office: nothing can be routed until it has one."""

    code = "NO_FALLBACK_DEPARTMENT"
    zh = "该县未设置兜底的协调办，无法转办（请先安装默认部门）"
    en = "The county has no fallback coordination office; install the default departments"


def fallback_of(departments: Iterable[DepartmentInfo]) -> DepartmentInfo:
    """The county's fallback department (the coordination office); raises if none."""
    for d in departments:
        if d.is_fallback:
            return d
    raise NoFallbackDepartment()


def route(
    category: str,
    community_slug: str,
    grid_code: str | None,
    rules: Sequence[Rule],
    departments: Sequence[DepartmentInfo],
) -> RouteDecision:
    """Decide the departments for a matter of ``category`` in that community and grid.

    The most specific matching active rule wins (grid > community > county-wide); among
    equally specific ones the lowest id (the database keeps one active rule per key, so
    this only orders hand-built data). Inactive departments of the winning rule are
    skipped; when nothing matches, or none of its departments is active, the matter goes
    to the fallback coordination office, which re-routes it by hand. The fallback is used
    even if it was marked inactive: a major matter must always reach someone.
    """
    fallback = fallback_of(departments)
    by_code = {d.code: d for d in departments}
    matching = [r for r in rules if r.matches(category, community_slug, grid_code)]
    if not matching:
        return RouteDecision((fallback.code,), False, False, None, fallback=True)
    best = min(matching, key=lambda r: (-r.specificity, r.id))
    targets: list[str] = []
    for code in best.department_codes:
        dept = by_code.get(code)
        if dept is not None and dept.active and code not in targets:
            targets.append(code)
    if not targets:
        return RouteDecision(
            (fallback.code,),
            best.include_address,
            best.include_circumstances,
            best.id,
            fallback=True,
        )
    return RouteDecision(tuple(targets), best.include_address, best.include_circumstances, best.id)


# -- deadlines ---------------------------------------------------------------------------
class DayKind(Labelled):
    """A day the county's calendar (工作日历) sets apart from the plain week."""

    HOLIDAY = "holiday"  # 法定节假日: no work although a weekday
    WORKDAY = "workday"  # 调休上班日: work although a weekend day


labels(
    DayKind,
    {
        DayKind.HOLIDAY: ("法定节假日", "Holiday"),
        DayKind.WORKDAY: ("调休上班日", "Make-up working day"),
    },
)


@dataclass(frozen=True)
class WorkCalendar:
    """Monday to Friday, except the county's holidays, plus its make-up working days."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @classmethod
    def of(cls, days: Iterable[tuple[date, DayKind | str]]) -> WorkCalendar:
        holidays: set[date] = set()
        workdays: set[date] = set()
        for day, kind in days:
            (holidays if DayKind(kind) is DayKind.HOLIDAY else workdays).add(day)
        return cls(frozenset(holidays), frozenset(workdays))


PLAIN_WEEK = WorkCalendar()


def is_working_day(day: date, calendar: WorkCalendar = PLAIN_WEEK) -> bool:
    """A make-up working day (调休) works; a holiday does not; otherwise Monday to Friday."""
    if day in calendar.workdays:
        return True
    if day in calendar.holidays:
        return False
    return day.weekday() < 5


def add_working_days(day: date, working_days: int, calendar: WorkCalendar = PLAIN_WEEK) -> date:
    """The ``working_days``-th working day after ``day`` (``day`` itself never counts)."""
    if working_days < 0:
        raise ValueError("working_days must not be negative")
    current, left = day, working_days
    while left:
        current += timedelta(days=1)
        if is_working_day(current, calendar):
            left -= 1
    return current


def due_at(
    start: datetime,
    working_days: int,
    tz: ZoneInfo = TIME_ZONE,
    calendar: WorkCalendar = PLAIN_WEEK,
) -> datetime:
    """End of the ``working_days``-th working day after ``start``'s local date in ``tz``.

    A matter routed on Friday evening with 2 working days is due Tuesday 23:59:59; one
    routed on Saturday is due Tuesday too (the weekend does not count). ``start`` must be
    timezone-aware: a naive time would silently be read in the server's zone.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    local_day = start.astimezone(tz).date()
    return last_second_of(add_working_days(local_day, working_days, calendar), tz)


@dataclass(frozen=True)
class DeadlinePolicy:
    """Working days to acknowledge and to resolve, for one category or ``*``."""

    category: str
    ack_working_days: int
    resolve_working_days: int


@dataclass(frozen=True)
class Deadlines:
    """When a ticket must be acknowledged and resolved, and which policy said so."""

    ack_due_at: datetime
    resolve_due_at: datetime
    policy_category: str | None  # None: the built-in default
    by_commitment: bool = False


def policy_for(category: str, policies: Iterable[DeadlinePolicy]) -> DeadlinePolicy:
    """The category's own policy, else the county's ``*`` policy, else the built-in one."""
    found = {p.category: p for p in policies}
    if category in found:
        return found[category]
    if ANY_CATEGORY in found:
        return found[ANY_CATEGORY]
    return DeadlinePolicy(ANY_CATEGORY, DEFAULT_ACK_WORKING_DAYS, DEFAULT_RESOLVE_WORKING_DAYS)


def deadlines_for(
    category: str,
    policies: Iterable[DeadlinePolicy],
    commitment_due_on: date | None = None,
    *,
    start: datetime,
    tz: ZoneInfo = TIME_ZONE,
    calendar: WorkCalendar = PLAIN_WEEK,
) -> Deadlines:
    """Acknowledge and resolve deadlines for a ticket routed at ``start``.

    A department's commitment date (承诺办结日期) overrides the resolve deadline — it may
    be later than the policy ("done by year end") — and the acknowledgement deadline
    stays as the policy says.
    """
    policies = list(policies)
    own = {p.category for p in policies}
    policy = policy_for(category, policies)
    known = policy.category if (policy.category in own) else None
    ack = due_at(start, policy.ack_working_days, tz, calendar)
    if commitment_due_on is not None:
        return Deadlines(ack, last_second_of(commitment_due_on, tz), known, by_commitment=True)
    return Deadlines(ack, due_at(start, policy.resolve_working_days, tz, calendar), known)


def check_deadline_policy(ack_working_days: int, resolve_working_days: int) -> None:
    """Refuse limits the database would refuse, and an acknowledgement after resolution."""
    if not 1 <= ack_working_days <= 60:
        raise DeadlineOutOfRange(what_zh="签收时限", what_en="acknowledgement", low=1, high=60)
    if not 1 <= resolve_working_days <= 365:
        raise DeadlineOutOfRange(what_zh="办结时限", what_en="resolution", low=1, high=365)
    if ack_working_days > resolve_working_days:
        raise AckAfterResolve()


class DeadlineOutOfRange(SanshiError):
    """A deadline outside the allowed number of working days."""

    code = "DEADLINE_OUT_OF_RANGE"
    zh = "{what_zh}须在 {low}–{high} 个工作日之间"
    en = "The {what_en} limit must be {low}-{high} working days"


class AckAfterResolve(SanshiError):
    """An acknowledgement limit longer than the resolution limit."""

    code = "ACK_AFTER_RESOLVE"
    zh = "签收时限不能长于办结时限"
    en = "The acknowledgement limit cannot be longer than the resolution limit"


# -- who may read and edit a county's reference data -----------------------------------------
def can_read_county_routing(actor: Principal, county: str) -> bool:
    """County administrators and leaders of ``county`` and its department officers."""
    if actor.scope.kind is ScopeKind.DEPARTMENT:
        return actor.has(Role.DEPARTMENT_OFFICER) and actor.scope.county == county
    return in_county(actor, county) and actor.has(Role.COUNTY_ADMIN, Role.COUNTY_LEADER)


def can_manage_county(actor: Principal, county: str) -> bool:
    """County administrators of ``county``: departments, rules, deadlines, supervision."""
    return actor.has(Role.COUNTY_ADMIN) and in_county(actor, county)


# -- what a county administrator enters -------------------------------------------------------
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
NAME_LIMIT = 100
CONTACT_LIMIT = 200


class UnknownDepartment(SanshiError):
    """A rule names a department the county does not have."""

    code = "UNKNOWN_DEPARTMENT"
    zh = "本县没有代码为「{department}」的部门"
    en = "The county has no department with code '{department}'"


class FallbackMustStayActive(SanshiError):
    """The coordination office receives what nothing else matches: it cannot be switched off."""

    code = "FALLBACK_MUST_STAY_ACTIVE"
    zh = "兜底的协调办不能停用"
    en = "The fallback coordination office cannot be deactivated"


def check_name(value: str, field: str, *, required: bool, limit: int = NAME_LIMIT) -> str:
    """A name or contact trimmed; InvalidInput if required and blank, TextTooLong if long."""
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(field_zh=f"{field}不能为空", field_en=f"{field} is required")
    if len(value) > limit:
        raise TextTooLong(field=field, limit=limit)
    return value


@dataclass(frozen=True)
class RoutingRuleInput:
    """A rule as a county administrator sets it; (category, community, grid) is its key."""

    category: str
    department_codes: tuple[str, ...]
    community_slug: str | None = None
    grid_code: str | None = None
    include_address: bool = False
    include_circumstances: bool = False
    active: bool = True


# -- the work calendar as an administrator sets it ------------------------------------------
# Read by whoever may read the county's deadline policies, edited by its administrators.
# New tickets count their deadlines with it; changing it never moves the deadlines of
# tickets already created (docs/routing.md).
MAX_CALENDAR_DAYS = 366


class WorkdayNotOnWeekend(SanshiError):
    """A make-up working day (调休上班日) on a weekday: it is a working day anyway."""

    code = "WORKDAY_NOT_ON_WEEKEND"
    zh = "调休上班日须是周六或周日：{day} 本来就是工作日"
    en = "A make-up working day must be a Saturday or Sunday: {day} is a weekday already"


class TooManyCalendarDays(SanshiError):
    """More days than one call may set or remove."""

    code = "TOO_MANY_CALENDAR_DAYS"
    zh = "一次最多设置 {limit} 天，收到 {count} 天"
    en = "At most {limit} days at a time; got {count}"


class DuplicateCalendarDay(SanshiError):
    """The same day twice in one call (which of the two would win is not obvious)."""

    code = "DUPLICATE_CALENDAR_DAY"
    zh = "日期 {day} 出现了不止一次"
    en = "The day {day} is given more than once"


@dataclass(frozen=True)
class CalendarDayInput:
    """One day of the county's calendar as an administrator sets it."""

    day: date
    kind: DayKind | str
    name_zh: str = ""
    name_en: str = ""


def check_calendar_day(data: CalendarDayInput, settings: Settings) -> CalendarDayInput:
    """``data`` with its kind as a DayKind and names trimmed, or the typed error.

    A holiday may fall on a weekend (harmless: it was no working day anyway); a make-up
    working day must be a Saturday or Sunday (WorkdayNotOnWeekend).
    """
    try:
        kind = DayKind(data.kind)
    except ValueError:
        raise InvalidInput(
            field_zh=f"日期类型「{data.kind}」无效（holiday 节假日 / workday 调休上班日）",
            field_en=f"unknown kind '{data.kind}' (holiday / workday)",
        ) from None
    if kind is DayKind.WORKDAY and data.day.weekday() < 5:
        raise WorkdayNotOnWeekend(day=data.day.isoformat())
    limit = settings.max_name_length
    return CalendarDayInput(
        day=data.day,
        kind=kind,
        name_zh=check_name(data.name_zh, "name_zh", required=False, limit=limit),
        name_en=check_name(data.name_en, "name_en", required=False, limit=limit),
    )


def check_calendar_days(
    days: Sequence[CalendarDayInput], settings: Settings
) -> list[CalendarDayInput]:
    """Every day checked (``check_calendar_day``), none twice, at most MAX_CALENDAR_DAYS,
    sorted by date: what one call of ``set_calendar_days`` may write, all or nothing."""
    check_day_count(len(days))
    checked = [check_calendar_day(d, settings) for d in days]
    seen: set[date] = set()
    for d in checked:
        if d.day in seen:
            raise DuplicateCalendarDay(day=d.day.isoformat())
        seen.add(d.day)
    return sorted(checked, key=lambda d: d.day)


def check_day_count(count: int) -> None:
    """At least one day and at most MAX_CALENDAR_DAYS per call."""
    if count == 0:
        raise InvalidInput(field_zh="至少指定一天", field_en="name at least one day")
    if count > MAX_CALENDAR_DAYS:
        raise TooManyCalendarDays(limit=MAX_CALENDAR_DAYS, count=count)


def year_range(year: int) -> tuple[date, date]:
    """The first and last day of ``year`` (a calendar listing's range), or InvalidInput."""
    if not 1900 <= year <= 2200:
        raise InvalidInput(field_zh="年份须在 1900–2200 之间", field_en="year must be 1900-2200")
    return date(year, 1, 1), date(year, 12, 31)
