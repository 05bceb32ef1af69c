"""The scheduler: the contexts' periodic jobs (e.g. the overdue job, 督办) run by one process.

Every `sanshi worker` runs a Scheduler, and `sanshi scheduler` runs one alone; all of them
compete for one PostgreSQL *session* advisory lock taken on a connection of the
scheduler's own (not a pooled one: a pooled connection goes back to the pool and a session
lock would go with it to whoever borrows it next). The holder runs the jobs; the others
retry every few seconds. The lock lives exactly as long as that connection: a process that
dies, is SIGKILLed or loses its network loses its session and with it the lock, and
another scheduler takes over — no TTL to tune, no clock to trust. Before each run the
holder checks its lock connection still answers, so a scheduler that lost its session
stops firing. (If a session drops while a job is mid-run, the next holder may overlap the
tail of that run; the jobs are idempotent for exactly that reason.)

Nothing here connects at import time; `Scheduler.run(stop)` does, on the caller's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import click

from services.settings import Settings, SettingsError, get_settings
from workers.process import configure_logging, process_settings

log = logging.getLogger("sanshi.scheduler")

# The advisory lock key of "the scheduler" (any fixed bigint; spells "SANSHI" + 1).
LOCK_KEY = 0x53414E534849_01
# How often a non-holder asks for the lock again, and the longest the holder sleeps
# between checks that its lock connection is alive.
RETRY_S = 5.0
CONNECT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler runs every ``interval_s`` seconds (first run on taking the lock)."""

    name: str
    interval_s: float
    run: Callable[[], Awaitable[Any]]


def default_jobs(
    interval_s: float | None = None, *, settings: Settings | None = None
) -> list[PeriodicJob]:
    """The jobs a deployment runs: every context's (services/contexts.py).

    Each runs every ``interval_s`` unless the job names its own interval; None means the
    setting (``Settings.scheduler_interval_s``, from ``settings`` or else the process's).
    """
    from services.contexts import jobs
    from services.kernel.registration import resolve

    every = (settings or get_settings()).scheduler_interval_s if interval_s is None else interval_s
    return [PeriodicJob(j.name, j.interval_s or every, resolve(j.run)) for j in jobs()]


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=max(seconds, 0.0))


class Scheduler:
    """Runs ``jobs`` while holding the advisory lock ``lock_key`` on its own connection.

    ``runs`` counts job runs by name (for operators and tests); ``is_leader`` tells
    whether this instance holds the lock now.
    """

    def __init__(
        self,
        dsn: str,
        jobs: list[PeriodicJob],
        *,
        lock_key: int = LOCK_KEY,
        retry_s: float = RETRY_S,
        name: str = "scheduler",
    ) -> None:
        self.dsn = dsn
        self.jobs = jobs
        self.lock_key = lock_key
        self.retry_s = retry_s
        self.name = name
        self.is_leader = False
        self.runs: dict[str, int] = {j.name: 0 for j in jobs}

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set: connect, wait for the lock, run the jobs while it is held."""
        while not stop.is_set():
            try:
                conn = await asyncpg.connect(
                    self.dsn,
                    timeout=CONNECT_TIMEOUT_S,
                    server_settings={"application_name": f"sanshi-{self.name}"},
                )
            except (TimeoutError, OSError, asyncpg.PostgresError) as err:
                log.warning("%s: cannot reach the database (%s); retrying", self.name, err)
                await _wait(stop, self.retry_s)
                continue
            try:
                await self._session(conn, stop)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as err:
                if self.is_leader:
                    log.warning("%s: lost the scheduler lock (%s)", self.name, err)
            finally:
                self.is_leader = False
                # Closing the session releases the lock at once for the next scheduler.
                try:
                    await asyncio.wait_for(conn.close(), timeout=5)
                except Exception:  # a dead connection may not close politely
                    conn.terminate()
            if not stop.is_set():
                await _wait(stop, self.retry_s)

    async def _session(self, conn: asyncpg.Connection, stop: asyncio.Event) -> None:
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.lock_key):
            await _wait(stop, self.retry_s)
            if stop.is_set():
                return
        self.is_leader = True
        log.info("%s: holding the scheduler lock; running %s", self.name, list(self.runs))
        due = dict.fromkeys(self.runs, time.monotonic())
        while not stop.is_set():
            for job in self.jobs:
                if time.monotonic() < due[job.name]:
                    continue
                # The session still answers, so the lock is still ours: fire.
                await conn.fetchval("SELECT 1")
                await self._fire(job)
                due[job.name] = time.monotonic() + job.interval_s
            next_due = min(due.values()) - time.monotonic()
            await _wait(stop, min(next_due, self.retry_s))
            if not stop.is_set():
                await conn.fetchval("SELECT 1")  # notice a lost session while idle, too

    async def _fire(self, job: PeriodicJob) -> None:
        self.runs[job.name] += 1
        try:
            await job.run()
        except Exception:  # one failed run must not stop the schedule; the next one retries
            log.exception("%s: job %s failed", self.name, job.name)


async def run_scheduler(settings: Settings, stop: asyncio.Event) -> None:
    """The deployment's scheduler on ``settings.database_url`` (Databases already installed)."""
    if not settings.database_url:
        raise SettingsError("the scheduler needs a database URL")
    await Scheduler(settings.database_url, default_jobs(settings=settings)).run(stop)


async def _scheduler_main(settings: Settings, interval_s: float | None) -> None:
    from services.runtime.bootstrap import platform_ready

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with platform_ready(settings):
        click.echo(f"调度器已启动 / scheduler started: pid {os.getpid()}", err=True)
        assert settings.database_url  # platform_ready needs it; for the type checker
        jobs = default_jobs(interval_s, settings=settings)
        await Scheduler(settings.database_url, jobs).run(stop)
    click.echo("已停止 / stopped", err=True)


@click.command()
@click.option(
    "--interval",
    type=click.FloatRange(1, 86_400),
    default=None,
    help="两次超期检查的间隔秒数 Seconds between overdue runs "
    "(default: SANSHI_SCHEDULER_INTERVAL_S).",
)
def scheduler(interval: float | None) -> None:
    """Run only the scheduler (periodic jobs; one instance holds the lock) (只运行调度器)."""
    configure_logging()
    asyncio.run(_scheduler_main(process_settings(need_redis=False), interval))
