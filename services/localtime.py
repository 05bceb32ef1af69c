"""Local time (本地时间): the county's time zone, the one clock reading, due days' ends, overdue."""

# Importable by pure model modules: no I/O here, and the one import from the service is
# the response cache's read set, a context variable with no I/O of its own.

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.cache import readset

# Every county served is in China, one time zone: a date a user types or a due date
# ("by 31 December") is a date there. The name is for SQL (``AT TIME ZONE``).
TIME_ZONE_NAME = "Asia/Shanghai"
TIME_ZONE = ZoneInfo(TIME_ZONE_NAME)
# The last second of a working day: a working-day deadline (办理时限) "within 2 working
# days" of a Monday morning runs to Wednesday 23:59:59, however late on Monday it came.
_LAST_SECOND = time(23, 59, 59)


def now() -> datetime:
    """The current instant, aware, in UTC (as PostgreSQL hands timestamps back).

    The service's one reading of the clock. An answer that asks for it changes with the
    time alone, not with a commit, so an armed read (a GraphQL query the response cache
    might keep) is refused by the cache; elsewhere (mutations, jobs, the CLI) that is a
    no-op. Rules never call this: they take ``now`` as an argument.
    """
    readset.refuse("clock")
    return datetime.now(UTC)


def today() -> date:
    """Today's local date (marks the answer as clock-dependent, as ``now`` does)."""
    return local_day(now())


def local_day(instant: datetime) -> date:
    """The local calendar day of an aware ``instant``."""
    return instant.astimezone(TIME_ZONE).date()


def end_of_day(day: date) -> datetime:
    """The instant a due date (到期日, 承诺日期) runs out: the next local midnight."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=TIME_ZONE)


def last_second_of(day: date, tz: ZoneInfo = TIME_ZONE) -> datetime:
    """A working-day deadline falling on ``day``: its last second, 23:59:59 in ``tz``.

    Not ``end_of_day``: deadlines counted in working days have always been stored this
    way (tickets hold them), one second before a due date's end.
    """
    return datetime.combine(day, _LAST_SECOND, tzinfo=tz)


class OverdueKind(enum.StrEnum):
    """Which deadline has been missed (超期; the values of ``tickets.overdue``)."""

    ACK = "ack"
    RESOLVE = "resolve"

    @property
    def reminder_kind(self) -> str:
        """The ``reminders.kind`` value for this lapse."""
        return f"{self.value}_overdue"


def overdue_kind(
    *,
    open: bool,
    awaiting_ack: bool,
    ack_due_at: datetime,
    resolve_due_at: datetime,
    now: datetime,
) -> OverdueKind | None:
    """Which deadline a ticket has missed at ``now`` (超期), or None (pure).

    Only open tickets can be late. The resolve deadline (办结) outranks acknowledging
    (签收): a ticket still unacknowledged after it is late for resolving, the graver lapse.
    Acknowledging is late only while the ticket still awaits it. (Which statuses are open
    and which await acknowledging is the ticket lifecycle's: ``routing.model.overdue_of``.)
    """
    if not open:
        return None
    if now > resolve_due_at:
        return OverdueKind.RESOLVE
    if awaiting_ack and now > ack_due_at:
        return OverdueKind.ACK
    return None
