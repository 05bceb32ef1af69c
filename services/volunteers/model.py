"""Pure rules of volunteer teams (义工队): volunteers and their consent, skills and
availability; recurring services (服务项目) and their recurrence; who is suggested for a
visit; service hours (志愿服务时长).

No I/O and no framework imports. A volunteer team is a group of the groups context
(``services.groups``) of kind ``volunteer_team``; this module knows only what a team adds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from dateutil import rrule as dateutil_rrule

from services.errors import InvalidInput, NotFound, SanshiError
from services.kernel.vocabulary import Labelled, labels

NAME_LIMIT = 50
PHONE_LIMIT = 30
NOTE_LIMIT = 500
MAX_SKILLS = 10


# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------
class Skill(Labelled):
    """What a volunteer can do (and what a service needs)."""

    BLOOD_PRESSURE = "blood_pressure"
    REPAIRS = "repairs"
    COMPANIONSHIP = "companionship"
    CLEANING = "cleaning"
    ERRANDS = "errands"
    OTHER = "other"


labels(
    Skill,
    {
        Skill.BLOOD_PRESSURE: ("量血压", "Blood-pressure measurement"),
        Skill.REPAIRS: ("维修", "Repairs"),
        Skill.COMPANIONSHIP: ("陪护", "Company for the elderly"),
        Skill.CLEANING: ("保洁", "Cleaning"),
        Skill.ERRANDS: ("代办跑腿", "Errands"),
        Skill.OTHER: ("其他", "Other"),
    },
)


class ConsentHow(Labelled):
    """How a volunteer's consent to keep their data (个人信息) was given."""

    WRITTEN = "written"
    ORAL_WITNESSED = "oral_witnessed"
    ONLINE = "online"


labels(
    ConsentHow,
    {
        ConsentHow.WRITTEN: ("书面签字", "Signed in writing"),
        ConsentHow.ORAL_WITNESSED: ("口头同意（有见证人）", "Oral, witnessed"),
        ConsentHow.ONLINE: ("本人在线确认", "Confirmed online by the volunteer"),
    },
)


class Weekday(Labelled):
    """A day of the week a volunteer can serve (ISO numbering in rows: 1 = Monday)."""

    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def iso(self) -> int:
        return list(Weekday).index(self) + 1

    @classmethod
    def of_iso(cls, number: int) -> Weekday:
        return list(cls)[number - 1]


labels(
    Weekday,
    {
        Weekday.MONDAY: ("星期一", "Monday"),
        Weekday.TUESDAY: ("星期二", "Tuesday"),
        Weekday.WEDNESDAY: ("星期三", "Wednesday"),
        Weekday.THURSDAY: ("星期四", "Thursday"),
        Weekday.FRIDAY: ("星期五", "Friday"),
        Weekday.SATURDAY: ("星期六", "Saturday"),
        Weekday.SUNDAY: ("星期日", "Sunday"),
    },
)


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------
class VolunteerNotFound(NotFound):
    """No such volunteer in this community — or not visible to the caller (same answer)."""

    code = "VOLUNTEER_NOT_FOUND"
    zh = "志愿者不存在或不可见"
    en = "No such volunteer (or not visible to you)"


class NotAVolunteerTeam(SanshiError):
    code = "NOT_A_VOLUNTEER_TEAM"
    zh = "该组织不是义工队"
    en = "The group is not a volunteer team"


class ConsentRequired(SanshiError):
    """A volunteer without recorded consent to keep their data: nothing is kept."""

    code = "CONSENT_REQUIRED"
    zh = "未记录本人同意保存其信息，不能登记为志愿者"
    en = "A volunteer cannot be registered without their recorded consent to keep their data"


class ResidentConsentRequired(SanshiError):
    """Help set going by a referral needs the resident's consent, recorded."""

    code = "RESIDENT_CONSENT_REQUIRED"
    zh = "未记录居民（或家属）同意接受服务，不能纳入服务"
    en = "The resident's (or their family's) consent to the help must be recorded"


class VolunteerIdentityInvalid(SanshiError):
    """A volunteer is a resident of the community, or an outside person with a name and
    phone: exactly one of the two."""

    code = "VOLUNTEER_IDENTITY_INVALID"
    zh = "志愿者须为本社区居民，或填写姓名与电话的外来人员（二者择一）"
    en = (
        "A volunteer is either a resident of the community or an outside person with a name "
        "and a phone number (one of the two)"
    )


class AlreadyAVolunteer(SanshiError):
    code = "ALREADY_A_VOLUNTEER"
    zh = "此人已是该义工队的在册志愿者"
    en = "This person is already a current volunteer of the team"


class VolunteerHasLeft(SanshiError):
    code = "VOLUNTEER_HAS_LEFT"
    zh = "志愿者已于 {left_on} 退出"
    en = "The volunteer left on {left_on}"


class TooManySkills(InvalidInput):
    code = "TOO_MANY_SKILLS"
    zh = "技能最多 {limit} 项"
    en = "At most {limit} skills"


class InvalidRecurrence(SanshiError):
    """An RRULE that does not parse, or asks for what a visit cannot be (hours, minutes)."""

    code = "INVALID_RECURRENCE"
    zh = "重复规则无效：{reason_zh}"
    en = "Invalid recurrence rule: {reason_en}"


class RecurrenceNeverOccurs(SanshiError):
    code = "RECURRENCE_NEVER_OCCURS"
    zh = "重复规则在 {years} 年内一次也不会发生"
    en = "The recurrence rule never occurs within {years} years"


class ServiceNotFound(NotFound):
    code = "VOLUNTEER_SERVICE_NOT_FOUND"
    zh = "服务项目不存在或不可见"
    en = "No such volunteer service (or not visible to you)"


class ServiceTitleTaken(SanshiError):
    code = "VOLUNTEER_SERVICE_TITLE_TAKEN"
    zh = "本队已有名为「{title}」的服务项目"
    en = "The team already has a service named '{title}'"


class ServiceEnded(SanshiError):
    code = "VOLUNTEER_SERVICE_ENDED"
    zh = "服务项目已于 {ends_on} 结束"
    en = "The service ended on {ends_on}"


class AlreadyEnrolled(SanshiError):
    code = "ALREADY_ENROLLED"
    zh = "该户已在此服务项目中"
    en = "The household is already enrolled in this service"


class EnrolmentNotFound(NotFound):
    code = "ENROLMENT_NOT_FOUND"
    zh = "服务对象记录不存在或不可见"
    en = "No such enrolment (or not visible to you)"


class EnrolmentEnded(SanshiError):
    code = "ENROLMENT_ENDED"
    zh = "该户已于 {ended_on} 退出此服务项目"
    en = "The household left this service on {ended_on}"


class HoursOutOfRange(SanshiError):
    code = "HOURS_OUT_OF_RANGE"
    zh = "服务时长须在 0 到 24 小时之间（最多两位小数）"
    en = "Service hours must be between 0 and 24 (at most two decimals)"


class HoursOverADay(SanshiError):
    code = "HOURS_OVER_A_DAY"
    zh = "志愿者 {day} 的服务时长合计 {total} 小时，超过 24 小时"
    en = "The volunteer's hours on {day} would total {total}, over 24"


class VolunteerOfAnotherTeam(SanshiError):
    code = "VOLUNTEER_OF_ANOTHER_TEAM"
    zh = "该志愿者不是本队的"
    en = "The volunteer is not one of this team's"


class VisitNotFound(NotFound):
    """No such visit — or one the caller may not see (another household's): same answer."""

    code = "VISIT_NOT_FOUND"
    zh = "服务记录不存在或不可见"
    en = "No such visit (or not visible to you)"


class VisitNotOpen(SanshiError):
    """The act does not follow from where the visit stands (assigning a done one, reporting
    a cancelled one, confirming one not done)."""

    code = "VISIT_NOT_OPEN"
    zh = "该服务为「{status_zh}」，不能{act_zh}"
    en = "The visit is '{status_en}': it cannot be {act_en}"


class VisitNotYet(SanshiError):
    """A visit is reported on or after its day, not before it happened."""

    code = "VISIT_NOT_YET"
    zh = "该服务安排在 {day}，尚未到期，不能登记为已进行"
    en = "The visit is on {day}: it cannot be reported before its day"


class AlreadyConfirmed(SanshiError):
    code = "VISIT_ALREADY_CONFIRMED"
    zh = "该服务已确认"
    en = "The visit is already confirmed"


class NoConfirmedService(SanshiError):
    code = "NO_CONFIRMED_SERVICE"
    zh = "该时间段内没有经确认的志愿服务，不能出具证明"
    en = "No confirmed volunteer service in that period: no certificate can be issued"


class CertificateNotFound(NotFound):
    code = "CERTIFICATE_NOT_FOUND"
    zh = "服务证明不存在或不可见"
    en = "No such certificate (or not visible to you)"


# --------------------------------------------------------------------------------------
# Volunteers
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Consent:
    """Recorded consent to keep a volunteer's data: when, how, and a note (e.g. the form)."""

    given_on: date
    how: ConsentHow
    note: str = ""


def check_identity(resident_id: int | None, outside_name: str, outside_phone: str) -> None:
    """A resident, or an outside person with both a name and a phone — one of the two."""
    outside = bool(outside_name) or bool(outside_phone)
    if resident_id is not None and outside:
        raise VolunteerIdentityInvalid()
    if resident_id is None and not (outside_name and outside_phone):
        raise VolunteerIdentityInvalid()


def check_consent(consent: Consent | None, joined_on: date) -> Consent:
    """Consent must be recorded, and given no later than the volunteer joins."""
    if consent is None:
        raise ConsentRequired()
    if consent.given_on > joined_on:
        raise InvalidInput(
            field_zh="同意日期晚于加入日期", field_en="consent given after the volunteer joined"
        )
    return consent


def normal_skills(skills: Iterable[Skill]) -> tuple[Skill, ...]:
    """Skills once each, in the vocabulary's order; at most MAX_SKILLS."""
    held = frozenset(skills)
    if len(held) > MAX_SKILLS:
        raise TooManySkills(limit=MAX_SKILLS)
    return tuple(s for s in Skill if s in held)


def normal_weekdays(days: Iterable[Weekday]) -> tuple[Weekday, ...]:
    """Weekdays once each, Monday first."""
    held = frozenset(days)
    return tuple(d for d in Weekday if d in held)


def check_current(left_on: date | None) -> None:
    """A volunteer who has left is a record: nothing about them changes any more."""
    if left_on is not None:
        raise VolunteerHasLeft(left_on=left_on.isoformat())


def check_leave(joined_on: date, left_on: date | None, leaving_on: date) -> None:
    """A current volunteer leaves on or after the day they joined."""
    check_current(left_on)
    if leaving_on < joined_on:
        raise InvalidInput(field_zh="退出日期早于加入日期", field_en="left before joining")


def serves_on(joined_on: date, left_on: date | None, day: date) -> bool:
    """Whether a volunteer is on the team on ``day`` (the day they leave is their last)."""
    return joined_on <= day and (left_on is None or day <= left_on)


# --------------------------------------------------------------------------------------
# Recurrence (RFC 5545 RRULE, through python-dateutil)
# --------------------------------------------------------------------------------------
RRULE_LIMIT = 300
NEVER_YEARS = 5
_DAY_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_SUB_DAY_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")


@dataclass(frozen=True)
class Recurrence:
    """A validated recurrence: the rule's text (as stored) and its first day."""

    rule: str
    starts_on: date

    def _rrule(self) -> dateutil_rrule.rrule:
        start = datetime.combine(self.starts_on, time())
        parsed = dateutil_rrule.rrulestr(self.rule, dtstart=start, forceset=False)
        assert isinstance(parsed, dateutil_rrule.rrule)
        return parsed

    def between(self, first: date, last: date) -> list[date]:
        """The days it occurs on from ``first`` to ``last``, both included."""
        if last < first:
            return []
        found = self._rrule().between(
            datetime.combine(first, time()), datetime.combine(last, time()), inc=True
        )
        return [d.date() for d in found]


def parse_recurrence(text: str, starts_on: date) -> Recurrence:
    """A recurrence from an RRULE (``FREQ=MONTHLY;BYMONTHDAY=25``, an ``RRULE:`` prefix
    allowed) starting on ``starts_on``: InvalidRecurrence when it does not parse, is not
    by days (a visit is per day: no HOURLY, no BYHOUR), or is more than one rule;
    RecurrenceNeverOccurs when it has no day in its first NEVER_YEARS years."""
    rule = text.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[len("RRULE:") :].strip()
    if not rule:
        raise InvalidRecurrence(reason_zh="规则为空", reason_en="the rule is empty")
    if len(rule) > RRULE_LIMIT or any(c in rule for c in "\r\n"):
        raise InvalidRecurrence(
            reason_zh=f"须为一行、不超过 {RRULE_LIMIT} 个字符",
            reason_en=f"one line of at most {RRULE_LIMIT} characters",
        )
    parts = {p.split("=", 1)[0].strip().upper() for p in rule.split(";") if p.strip()}
    if "DTSTART" in parts:
        raise InvalidRecurrence(
            reason_zh="开始日期另行填写，不写在规则中",
            reason_en="the start date is given on its own, not in the rule",
        )
    try:
        parsed = dateutil_rrule.rrulestr(
            rule, dtstart=datetime.combine(starts_on, time()), forceset=False
        )
    except (ValueError, TypeError, OverflowError, IndexError, KeyError) as err:
        raise InvalidRecurrence(
            reason_zh="无法解析", reason_en=f"it does not parse ({err})"
        ) from None
    if not isinstance(parsed, dateutil_rrule.rrule):
        raise InvalidRecurrence(reason_zh="只能是一条规则", reason_en="one rule only")
    # dateutil keeps what it parsed in private attributes; INTERVAL=0 would never advance
    # (dateutil would loop for ever), so it is refused here.
    freq = dateutil_rrule.FREQNAMES[parsed._freq]
    if parsed._interval < 1:
        raise InvalidRecurrence(reason_zh="间隔须至少为 1", reason_en="INTERVAL must be at least 1")
    if freq not in _DAY_FREQUENCIES or parts & set(_SUB_DAY_PARTS):
        raise InvalidRecurrence(
            reason_zh="须按日、周、月或年重复，不按小时或分钟",
            reason_en="it must repeat by days, weeks, months or years, not hours or minutes",
        )
    recurrence = Recurrence(rule=rule, starts_on=starts_on)
    horizon = _add_years(starts_on, NEVER_YEARS)
    if (
        parsed.between(
            datetime.combine(starts_on, time()),
            datetime.combine(horizon, time()),
            inc=True,
            count=1,
        )
        == []
    ):
        raise RecurrenceNeverOccurs(years=NEVER_YEARS)
    return recurrence


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --------------------------------------------------------------------------------------
# Who is suggested for a visit
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A volunteer as the suggestion sees them."""

    volunteer_id: int
    name: str
    skills: frozenset[Skill]
    weekdays: frozenset[Weekday]
    joined_on: date
    left_on: date | None


@dataclass(frozen=True)
class Suggestion:
    volunteer_id: int
    has_skill: bool
    available: bool
    hours_this_month: Decimal


def suggest(
    day: date,
    skill: Skill | None,
    volunteers: Iterable[Candidate],
    hours_this_month: Mapping[int, Decimal],
) -> list[Suggestion]:
    """The team's volunteers who serve on ``day``, best first: those with the service's
    skill, then those available on that weekday, then the fewest hours this month, then by
    name and id (a total order: the same data always suggests the same list). Volunteers
    who left before the day or join after it are not suggested."""
    weekday = Weekday.of_iso(day.isoweekday())
    ranked: list[tuple[tuple[int, int, Decimal, str, int], Suggestion]] = []
    for v in volunteers:
        if not serves_on(v.joined_on, v.left_on, day):
            continue
        has_skill = skill is None or skill in v.skills
        available = weekday in v.weekdays
        hours = hours_this_month.get(v.volunteer_id, Decimal(0))
        key = (0 if has_skill else 1, 0 if available else 1, hours, v.name, v.volunteer_id)
        ranked.append((key, Suggestion(v.volunteer_id, has_skill, available, hours)))
    ranked.sort(key=lambda pair: pair[0])
    return [s for _, s in ranked]


# --------------------------------------------------------------------------------------
# Recurring services (服务项目) and the visits they plan
# --------------------------------------------------------------------------------------
TITLE_LIMIT = 100
WHAT_LIMIT = 1_000
VISIT_HORIZON_DAYS = 60  # how far ahead the job plans visits


class TargetKind(Labelled):
    """Whom a service visits: the households enrolled in it, or every household with a
    circumstance (fixed on each visit when the visits are generated) and those enrolled."""

    LIST = "list"
    CIRCUMSTANCE = "circumstance"


labels(
    TargetKind,
    {
        TargetKind.LIST: ("指定住户", "Listed households"),
        TargetKind.CIRCUMSTANCE: ("按住户情况", "Households with a circumstance"),
    },
)


def plan_window(
    today: date, starts_on: date, ends_on: date | None, days: int = VISIT_HORIZON_DAYS
) -> tuple[date, date] | None:
    """The days a service's visits are planned for now: from today (or its first day) for
    ``days`` days, not past its last day; None when nothing is left to plan."""
    first, last = window(today, days)
    first = max(first, starts_on)
    if ends_on is not None:
        last = min(last, ends_on)
    return None if last < first else (first, last)


def window(today: date, days: int) -> tuple[date, date]:
    """Today and the ``days - 1`` days after it."""
    return today, today + timedelta(days=days - 1)


def check_service_open(ends_on: date | None, today: date) -> None:
    """A service that has ended takes no new household."""
    if ends_on is not None and ends_on < today:
        raise ServiceEnded(ends_on=ends_on.isoformat())


class VisitKind(Labelled):
    """A visit of a recurring service, or a one-off task (e.g. from a referral)."""

    VISIT = "visit"
    TASK = "task"


labels(
    VisitKind,
    {VisitKind.VISIT: ("上门服务", "Visit"), VisitKind.TASK: ("一次性任务", "One-off task")},
)


class VisitStatus(Labelled):
    """Where a visit stands: planned, then done or not done (by the volunteer), or missed
    (not reported by the end of its day), or cancelled (its service or enrolment ended)."""

    PLANNED = "planned"
    DONE = "done"
    NOT_DONE = "not_done"
    MISSED = "missed"
    CANCELLED = "cancelled"


labels(
    VisitStatus,
    {
        VisitStatus.PLANNED: ("待服务", "Planned"),
        VisitStatus.DONE: ("已完成", "Done"),
        VisitStatus.NOT_DONE: ("未完成", "Not done"),
        VisitStatus.MISSED: ("漏访", "Missed"),
        VisitStatus.CANCELLED: ("已取消", "Cancelled"),
    },
)


# --------------------------------------------------------------------------------------
# Hours (志愿服务时长)
# --------------------------------------------------------------------------------------
DAY_HOURS = Decimal(24)


def check_hours(value: Decimal | float | str) -> Decimal:
    """Hours of one visit or task: 0 to 24, at most two decimals."""
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise HoursOutOfRange() from None
    if not hours.is_finite() or hours < 0 or hours > DAY_HOURS:
        raise HoursOutOfRange()
    if hours != hours.quantize(Decimal("0.01")):
        raise HoursOutOfRange()
    return hours.quantize(Decimal("0.01"))


def check_day_total(day: date, already: Decimal, adding: Decimal) -> None:
    """A volunteer's hours over all their visits and tasks of one day stay within 24."""
    total = already + adding
    if total > DAY_HOURS:
        raise HoursOverADay(day=day.isoformat(), total=str(total.normalize()))


def month_of(day: date) -> date:
    """The first day of ``day``'s month (the key hours are kept by)."""
    return day.replace(day=1)


REPORTABLE = frozenset({"planned", "missed"})  # a missed visit may still be reported, late


def check_assignable(status: str) -> None:
    if status != "planned":
        _not_open(status, "安排志愿者", "assigned")


def check_reportable(status: str, day: date, today: date) -> None:
    """A planned (or missed) visit, on or after its day."""
    if status not in REPORTABLE:
        _not_open(status, "登记服务情况", "reported")
    if day > today:
        raise VisitNotYet(day=day.isoformat())


def check_confirmable(status: str, confirmed: bool) -> None:
    if status != "done":
        _not_open(status, "确认", "confirmed")
    if confirmed:
        raise AlreadyConfirmed()


def _not_open(status: str, act_zh: str, act_en: str) -> None:
    s = VisitStatus(status)
    raise VisitNotOpen(status_zh=s.label_zh, status_en=s.label_en, act_zh=act_zh, act_en=act_en)


# --------------------------------------------------------------------------------------
# Health readings (健康数据): sensitive
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reading:
    """A blood-pressure reading taken at a visit (mmHg), the pulse, a note."""

    systolic: int | None = None
    diastolic: int | None = None
    pulse: int | None = None
    note: str = ""


def check_reading(r: Reading) -> Reading:
    """Plausible values only (a typo such as 1200 is refused): systolic 50-260, diastolic
    30-160 and below the systolic, pulse 20-250; something must be given."""
    if r.systolic is None and r.diastolic is None and r.pulse is None and not r.note:
        raise InvalidInput(field_zh="读数为空", field_en="an empty reading")
    if (r.systolic is None) != (r.diastolic is None):
        raise InvalidInput(field_zh="血压须同时填写高压和低压", field_en="both pressures")
    high, low = r.systolic, r.diastolic
    if high is not None and low is not None:  # noqa: SIM102 - mypy narrows both here
        if not (50 <= high <= 260 and 30 <= low <= 160 and low < high):
            raise InvalidInput(field_zh="血压读数不合理", field_en="an implausible blood pressure")
    if r.pulse is not None and not 20 <= r.pulse <= 250:
        raise InvalidInput(field_zh="脉搏读数不合理", field_en="an implausible pulse")
    return r


def reads_health(*, own_household: bool, recorded_it: bool, leads_team: bool) -> bool:
    """Who reads a visit's health readings: the household's own residents, the volunteer
    who took them, and the team's leader and core (by their membership, not by a token
    role) — no cadre, grid worker, council member or county role."""
    return own_household or recorded_it or leads_team
