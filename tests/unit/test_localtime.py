"""Local time (services.localtime): the clock reading the cache knows of, due days, overdue."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from services import localtime
from services.cache import readset
from services.cache.readset import ReadSet
from services.localtime import OverdueKind
from services.routing.model import TicketStatus, overdue_of

NOW = datetime(2025, 6, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
HOUR = timedelta(hours=1)


def test_now_marks_an_armed_read_as_depending_on_the_clock():
    """A query being recorded for the cache that reads the time is never kept."""
    rs = ReadSet()
    rs.arm()
    rs.note("default", "c_alpha", "t1")
    assert rs.cacheable
    with readset.recording(rs):
        instant = localtime.now()
    assert rs.uncacheable == "clock" and not rs.cacheable
    assert instant.tzinfo is UTC
    assert abs(datetime.now(UTC) - instant) < timedelta(seconds=5)


def test_now_outside_an_armed_read_is_a_plain_clock():
    """Mutations (never armed), jobs and the CLI (no read set at all) are not affected."""
    unarmed = ReadSet()
    with readset.recording(unarmed):
        localtime.now()
        localtime.today()
    assert unarmed.uncacheable is None
    before = datetime.now(UTC)
    assert before - timedelta(seconds=5) < localtime.now() < before + timedelta(seconds=5)


def test_today_is_the_local_date_and_marks_the_read():
    """today() is the Shanghai date of now(), and goes through it (the cache is told)."""
    rs = ReadSet()
    rs.arm()
    with readset.recording(rs):
        day = localtime.today()
    assert rs.uncacheable == "clock"
    assert day in {
        localtime.local_day(datetime.now(UTC) - timedelta(seconds=5)),
        localtime.local_day(datetime.now(UTC)),
    }


def test_local_day_uses_the_county_time_zone():
    """At 20:00 UTC it is already the next day in Shanghai."""
    assert localtime.local_day(datetime(2025, 6, 1, 20, 0, tzinfo=UTC)) == date(2025, 6, 2)
    assert localtime.local_day(datetime(2025, 6, 1, 15, 59, tzinfo=UTC)) == date(2025, 6, 1)
    assert str(localtime.TIME_ZONE) == localtime.TIME_ZONE_NAME == "Asia/Shanghai"


def test_a_due_date_runs_out_at_local_midnight():
    """ "By 31 December" ends at 1 January 00:00 Shanghai time (16:00 UTC the day before)."""
    deadline = localtime.end_of_day(date(2025, 12, 31))
    assert deadline == datetime(2026, 1, 1, tzinfo=localtime.TIME_ZONE)
    assert deadline.astimezone(UTC) == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)


def test_a_working_day_deadline_is_the_last_second_of_its_day():
    """Working-day deadlines end at 23:59:59 local, one second before the day runs out."""
    day = date(2026, 3, 10)
    last = localtime.last_second_of(day)
    assert last == datetime(2026, 3, 10, 23, 59, 59, tzinfo=localtime.TIME_ZONE)
    assert localtime.end_of_day(day) - last == timedelta(seconds=1)
    assert localtime.last_second_of(day, UTC) == datetime(2026, 3, 10, 23, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "ack", "resolve", "expected"),
    [
        (TicketStatus.ROUTED, NOW + HOUR, NOW + HOUR, None),
        (TicketStatus.ROUTED, NOW - HOUR, NOW + HOUR, OverdueKind.ACK),
        (TicketStatus.ROUTED, NOW - HOUR, NOW - HOUR, OverdueKind.RESOLVE),
        (TicketStatus.ACKNOWLEDGED, NOW - HOUR, NOW + HOUR, None),
        (TicketStatus.INFO_REQUESTED, NOW - HOUR, NOW + HOUR, None),
        (TicketStatus.ANSWERED, NOW + HOUR, NOW - HOUR, OverdueKind.RESOLVE),
        (TicketStatus.IN_PROGRESS, NOW - HOUR, NOW - HOUR, OverdueKind.RESOLVE),
        (TicketStatus.DONE, NOW - HOUR, NOW - HOUR, None),
        (TicketStatus.REJECTED, NOW - HOUR, NOW - HOUR, None),
        (TicketStatus.CANCELLED, NOW - HOUR, NOW - HOUR, None),
        # exactly at a deadline is not yet past it
        (TicketStatus.ROUTED, NOW, NOW + HOUR, None),
        (TicketStatus.ACKNOWLEDGED, NOW - HOUR, NOW, None),
    ],
)
def test_overdue_rule(status, ack, resolve, expected):
    """Open tickets past the resolve deadline, or unacknowledged past the ack one."""
    assert overdue_of(status, ack, resolve, NOW) is expected


def test_not_overdue_before_deadlines():
    """Nothing is late while both deadlines are ahead."""
    days = timedelta(days=1)
    assert overdue_of(TicketStatus.ROUTED, NOW + days, NOW + 10 * days, NOW) is None


def test_ack_overdue_only_while_routed():
    """Past the acknowledge deadline: late if still routed, not once acknowledged."""
    ack, resolve = NOW - timedelta(days=1), NOW + timedelta(days=10)
    assert overdue_of(TicketStatus.ROUTED, ack, resolve, NOW) is OverdueKind.ACK
    assert overdue_of(TicketStatus.ACKNOWLEDGED, ack, resolve, NOW) is None
    assert overdue_of(TicketStatus.INFO_REQUESTED, ack, resolve, NOW) is None


def test_resolve_outranks_ack_and_closed_is_never_late():
    """Past the resolve deadline any open ticket is resolve-late; closed ones never are."""
    ack, resolve = NOW - timedelta(days=5), NOW - timedelta(days=1)
    assert overdue_of(TicketStatus.ROUTED, ack, resolve, NOW) is OverdueKind.RESOLVE
    answered = overdue_of(TicketStatus.ANSWERED, NOW, resolve, NOW)
    assert answered is OverdueKind.RESOLVE
    for closed in (TicketStatus.DONE, TicketStatus.REJECTED, TicketStatus.CANCELLED):
        assert overdue_of(closed, ack, resolve, NOW) is None


def test_the_rule_speaks_the_tickets_vocabulary():
    """Its answers are the values stored in ``tickets.overdue`` and shown as TicketOverdue."""
    assert {k.value for k in OverdueKind} == {"ack", "resolve"}
    assert OverdueKind.RESOLVE.reminder_kind == "resolve_overdue"
    assert OverdueKind.ACK == "ack"


SERVICES = Path(__file__).resolve().parents[2] / "services"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_pure_modules_can_import_it():
    """No I/O behind it: the module and the read set it marks import only the standard
    library and pure rules (a model module importing localtime stays free of I/O)."""
    services = SERVICES
    assert _imports(services / "localtime.py") <= {
        "__future__",
        "datetime",
        "enum",
        "zoneinfo",
        "services.cache",
    }
    assert _imports(services / "cache" / "readset.py") <= {
        "__future__",
        "contextvars",
        "collections.abc",
        "contextlib",
        "dataclasses",
    }
    assert _imports(services / "cache" / "__init__.py") == set()
    # The ticket lifecycle asks local time for the overdue rule, not the other way round.
    assert "services.localtime" in _imports(services / "routing" / "model.py")
    assert not any(m.startswith("services.routing") for m in _imports(services / "localtime.py"))


def test_the_overdue_rule_on_its_own_terms():
    """Closed is never late; resolving outranks acknowledging; ack only while awaited."""
    late, early = NOW - HOUR, NOW + HOUR

    def kind(**flags: bool) -> OverdueKind | None:
        return localtime.overdue_kind(ack_due_at=late, resolve_due_at=early, now=NOW, **flags)

    assert kind(open=True, awaiting_ack=True) is OverdueKind.ACK
    assert kind(open=True, awaiting_ack=False) is None
    assert kind(open=False, awaiting_ack=True) is None
    both = localtime.overdue_kind(
        open=True, awaiting_ack=True, ack_due_at=late, resolve_due_at=late, now=NOW
    )
    assert both is OverdueKind.RESOLVE
