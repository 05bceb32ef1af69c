"""One scheduler only: two schedulers (tasks, then processes) never both fire the jobs."""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from services.localtime import TIME_ZONE
from services.meetings.overdue import mark_overdue
from services.settings import Settings
from tenants.provisioning import create_community, ensure_county
from tenants.tx import platform_tx
from workers.scheduler import LOCK_KEY, PeriodicJob, Scheduler

ROOT = Path(__file__).resolve().parents[2]
INTERVAL_S = 0.1
# The meetings slice's own county, and a community of this module (see test_overdue_marking).
COUNTY, COMMUNITY = "meetcounty", "mt_sched"
# The real `sanshi scheduler` command, in a process of its own.
SCHEDULER_CODE = "from services.cli import main; main(['scheduler'], prog_name='sanshi')"


@pytest.fixture(scope="module")
async def community(dbs) -> str:
    await ensure_county(COUNTY, "会议测试县", "Meeting Test County")
    await create_community(COMMUNITY, "调度测试社区", COUNTY, name_en="Scheduler")
    return COMMUNITY


async def add_overdue_ticket() -> int:
    """A ticket of the module's community already late for acknowledging."""
    now = datetime.now(TIME_ZONE)
    async with platform_tx() as tx:
        return await tx.connection.fetchval(
            "INSERT INTO platform.tickets (county_code, department_code, community_slug, "
            "matter_id, sheet_version, matter_number, title, description, category, "
            "ack_due_at, resolve_due_at) VALUES ($4, 'sched_test', $5, $1, 1, "
            "'M-S', '调度测试', '调度测试', 'roads', $2, $3) RETURNING id",
            secrets.randbelow(2**30),
            now - timedelta(hours=1),
            now + timedelta(days=10),
            COUNTY,
            COMMUNITY,
        )


async def counts(ticket: int) -> tuple[int, int]:
    """(reminders, events) of ``ticket``."""
    async with platform_tx() as tx:
        return (
            await tx.connection.fetchval(
                "SELECT count(*) FROM platform.reminders WHERE ticket_id = $1", ticket
            ),
            await tx.connection.fetchval(
                "SELECT count(*) FROM platform.ticket_events WHERE ticket_id = $1", ticket
            ),
        )


async def until(predicate, what: str, timeout_s: float) -> None:
    """Wait (bounded) until ``predicate()`` holds."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        await asyncio.sleep(0.02)


async def test_two_scheduler_tasks_do_not_double_fire(settings: Settings, community):
    """Two schedulers on separate connections: one fires, the other waits, then takes over."""
    ticket = await add_overdue_ticket()
    key = secrets.randbelow(2**62)  # this test's own lock: no other scheduler competes
    spans: list[tuple[str, float, float]] = []

    def job(name: str) -> PeriodicJob:
        async def run() -> None:
            start = time.monotonic()
            await mark_overdue()
            spans.append((name, start, time.monotonic()))

        return PeriodicJob("overdue", INTERVAL_S, run)

    dsn = settings.database_url or ""
    one = Scheduler(dsn, [job("one")], lock_key=key, retry_s=0.05, name="one")
    two = Scheduler(dsn, [job("two")], lock_key=key, retry_s=0.05, name="two")
    stops = {"one": asyncio.Event(), "two": asyncio.Event()}
    tasks = [asyncio.create_task(s.run(stops[s.name])) for s in (one, two)]
    try:
        await until(lambda: len(spans) >= 3, "first runs", 10)
        window_start = time.monotonic()
        await asyncio.sleep(1.5)
        window = [s for s in spans if s[1] >= window_start]
        leaders = {name for name, _, _ in spans}
        assert len(leaders) == 1, f"both fired: {leaders}"
        assert one.is_leader != two.is_leader
        # At most one run per interval in the window (a double-firing pair would give ~2x).
        assert len(window) <= 1.5 / INTERVAL_S + 2, len(window)
        assert await counts(ticket) == (1, 1)  # one reminder, one overdue event

        # The holder stops (its session closes): the other takes over, within bounds.
        leader = one if one.is_leader else two
        follower = two if leader is one else one
        stops[leader.name].set()
        await asyncio.wait_for(tasks[0 if leader is one else 1], timeout=10)
        fired_before = leader.runs["overdue"]
        await until(lambda: follower.runs["overdue"] > 0, "take-over", 10)
        await asyncio.sleep(0.3)
        assert leader.runs["overdue"] == fired_before
        ordered = sorted(spans, key=lambda s: s[1])
        for a, b in itertools.pairwise(ordered):
            assert b[1] >= a[2] or a[0] == b[0], f"overlapping runs {a} {b}"
        assert await counts(ticket) == (1, 1)
    finally:
        for event in stops.values():
            event.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=10)


def _spawn(settings: Settings, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "SANSHI_ENV": "test",
        "SANSHI_DB_POOL_MAX": "2",
        "SANSHI_SCHEDULER_INTERVAL_S": "1",
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", SCHEDULER_CODE],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def _holders(conn: asyncpg.Connection) -> list[int]:
    """Backend pids of `sanshi scheduler` processes holding the scheduler lock."""
    rows = await conn.fetch(
        "SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted "
        "AND ((l.classid::bigint << 32) | l.objid::bigint) = $1 "
        "AND a.application_name = 'sanshi-scheduler'",
        LOCK_KEY,
    )
    return [r["pid"] for r in rows]


async def test_two_scheduler_processes_one_lock_holder(settings: Settings, community, tmp_path):
    """Two `sanshi scheduler` processes: one holds the lock; SIGKILL it, the other takes it."""
    ticket = await add_overdue_ticket()
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [_spawn(settings, log) for log in logs]
    conn = await asyncpg.connect(settings.database_url)
    try:

        async def holders() -> list[int]:
            return await _holders(conn)

        async def eventually(pred: Any, what: str, timeout_s: float) -> list[int]:
            deadline = time.monotonic() + timeout_s
            while True:
                found = await holders()
                if pred(found):
                    return found
                if time.monotonic() > deadline:
                    tails = "\n".join(p.read_text(errors="replace")[-1500:] for p in logs)
                    raise AssertionError(f"timed out waiting for {what}: {found}\n{tails}")
                await asyncio.sleep(0.1)

        first = await eventually(lambda h: len(h) == 1, "one lock holder", 30)
        await asyncio.sleep(2.5)  # both running, a couple of intervals
        assert await holders() == first
        assert await counts(ticket) == (1, 1)

        # SIGKILL the holder's process: its session dies, the lock goes with it.
        holder_log = next(
            (p for p, log in zip(procs, logs, strict=True) if "holding" in log.read_text()),
            None,
        )
        assert holder_log is not None, [log.read_text()[-500:] for log in logs]
        os.kill(holder_log.pid, signal.SIGKILL)
        holder_log.wait(timeout=10)
        second = await eventually(lambda h: len(h) == 1 and h != first, "take-over", 20)
        assert second != first
        assert await counts(ticket) == (1, 1)
    finally:
        await conn.close()
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
