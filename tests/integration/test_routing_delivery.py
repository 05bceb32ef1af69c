"""Delivery guarantees of routing, for real: `sanshi worker` processes on Redis and PostgreSQL.

(a) a worker SIGKILLed while routing: the message runs again within 10 s and the department
    still has exactly one ticket; (b) Redis down when the council classifies: the outbox
    keeps the message and it is routed once Redis is back; (c) poison and exhausted
    retries end in ``platform.dead_letters``, listed and re-driven from the CLI.

The worker subprocess runs the real `sanshi worker` command. For (a) it first wraps
``services.routing.handlers.record_ticket_event_in_tx`` (a test actor wrapper, not a
production setting): the first time it runs for the matter named in ``SLOW_MATTER`` it
sleeps 120 s — inside the platform transaction that has just inserted the ticket — so the
kill lands mid-routing with the ticket uncommitted.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dramatiq
import pytest
import redis

from services.auth.model import Principal, Role, Scope, ScopeKind
from services.departments.defaults import install_county_defaults
from services.grids.tables import Grid
from services.households.tables import Household
from services.matters import handlers as matters
from services.matters.model import Channel, MatterKind, MatterStatus
from services.matters.rows import MatterRow
from services.matters.tables import Matter
from services.runtime.embedded import EmbeddedRedis, start_redis, stop_redis
from services.settings import Settings
from tenants import provisioning
from tenants.tx import platform_tx, tenant_tx
from tests.integration import worker_support
from tests.integration.worker_support import env_for, started, stop, wait_for

ROOT = Path(__file__).resolve().parents[2]
SANSHI = str(Path(sys.executable).parent / "sanshi")
REDELIVERY_BOUND_S = 10.0
_n = itertools.count(1)

WORKER_CODE = """
import asyncio, os, time
from services.routing import handlers
from workers import registry
from workers.broker import current_namespace, current_redis

SLOW = os.environ.get("SLOW_MATTER", "")
_record = handlers.record_ticket_event_in_tx

async def slow_record(tx, actor, ticket, kind, **kw):
    key = f"{ticket.community_slug}:{ticket.matter_id}"
    if key == SLOW:
        r, ns = current_redis(), current_namespace()
        r.rpush(f"{ns}:starts:{key}", repr(time.time()))
        if r.incr(f"{ns}:runs:{key}") == 1:
            await asyncio.sleep(120)  # killed here, the ticket inserted but not committed
    return await _record(tx, actor, ticket, kind, **kw)

handlers.record_ticket_event_in_tx = slow_record

@registry.actor("test.flaky", max_retries=2, min_backoff=100, max_backoff=200)
def flaky(*, marker):
    r, ns = current_redis(), current_namespace()
    r.incr(f"{ns}:flaky_runs:{marker}")
    if not r.exists(f"{ns}:flaky_ok:{marker}"):
        raise RuntimeError("flaky test actor failing on purpose")
    r.set(f"{ns}:flaky_done:{marker}", "1")

from workers.cli import worker
worker.main(["--threads", "2", "--no-scheduler", "--shutdown-timeout", "5"],
            prog_name="sanshi worker")
"""


def cadre(slug: str) -> Principal:
    return Principal(
        f"cadre-{secrets.token_hex(3)}",
        frozenset({Role.COMMUNITY_CADRE}),
        Scope(ScopeKind.COMMUNITY, slug),
    )


ns_settings = worker_support.ns_settings  # this test's own Redis namespace (a fixture)


def spawn(s: Settings, log: Path, **extra: str) -> subprocess.Popen:
    return worker_support.spawn(WORKER_CODE, s, log, **extra)


@pytest.fixture
async def county(communities) -> str:
    await install_county_defaults("testcounty")
    return "testcounty"


async def registered(settings: Settings, slug: str, category: str) -> int:
    """A registered matter (not decided yet) in its own grid and household."""
    async with tenant_tx(slug):
        grid = (
            await Grid.insert(Grid(code=f"dl{next(_n)}", name="投递网格")).returning(Grid.id).run()
        )[0]["id"]
        hid = (
            await Household.insert(Household(grid_id=grid, address="东海路1号"))
            .returning(Household.id)
            .run()
        )[0]["id"]
    row = await matters.register_request(
        cadre(slug),
        slug,
        matters.RegisterRequestInput(
            household_id=hid,
            channel=Channel.PHONE,
            category=category,
            title="公交站台需要调整",
            description="站台离小区太远",
            occurred_on=date(2026, 3, 2),
        ),
        settings,
    )
    return row.id


async def decide_major(slug: str, matter_id: int) -> None:
    """The council classifies the matter major: the outbox row commits with it."""
    who = cadre(slug)
    async with tenant_tx(slug) as tx:
        row = MatterRow(**(await Matter.select().where(Matter.id == matter_id).run())[0])
        row = await matters.transition_in_tx(tx, who, row, MatterStatus.AWAITING_COUNCIL)
        await matters.classify_in_tx(tx, who, row, MatterKind.MAJOR, reasoning="理事会决定")


async def tickets(slug: str, matter_id: int) -> list[str]:
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            "SELECT department_code FROM platform.tickets WHERE community_slug = $1 "
            "AND matter_id = $2 ORDER BY department_code",
            slug,
            matter_id,
        )
    return [r["department_code"] for r in rows]


async def routed_copy(slug: str, matter_id: int) -> int:
    async with tenant_tx(slug) as tx:
        return await tx.connection.fetchval(
            "SELECT count(*) FROM matter_routes WHERE matter_id = $1", matter_id
        )


async def test_sigkilled_worker_routing_runs_again_and_one_ticket(
    ns_settings: Settings, county, tmp_path
):
    """SIGKILL mid-routing: another worker re-runs it within 10 s; exactly one ticket."""
    s = ns_settings
    client = redis.Redis.from_url(s.redis_url)
    ns = f"{s.redis_namespace}:sanshi"
    mid = await registered(s, "alpha", "transport")
    key = f"alpha:{mid}"
    log_a, log_b = tmp_path / "a.log", tmp_path / "b.log"
    a = spawn(s, log_a, SLOW_MATTER=key)
    b = None
    try:
        await wait_for(lambda: started(log_a), "worker A to start", 60, log_a)
        await decide_major("alpha", mid)
        await wait_for(lambda: client.get(f"{ns}:runs:{key}") == b"1", "A to route", 30, log_a)
        b = spawn(s, log_b, SLOW_MATTER=key)
        await wait_for(lambda: started(log_b), "worker B to start", 60, log_b)

        os.kill(a.pid, signal.SIGKILL)
        killed_at = time.time()
        a.wait(10)
        assert await tickets("alpha", mid) == []  # the killed transaction committed nothing
        routed_at = await wait_for(
            lambda: tickets("alpha", mid), "the ticket after redelivery", 40, log_b
        )
        starts = [float(x) for x in client.lrange(f"{ns}:starts:{key}", 0, -1)]
        rerun_after = starts[1] - killed_at
        print(
            f"\nrouting SIGKILL: heartbeat {s.dramatiq_heartbeat_timeout_ms} ms; re-run started "
            f"{rerun_after:.2f} s after the kill, "
            f"ticket visible after {routed_at - killed_at:.2f} s"
        )
        assert len(starts) == 2 and rerun_after <= REDELIVERY_BOUND_S
        # The flow-back gives the community its copy; nothing doubles after a while.
        await wait_for(lambda: routed_copy("alpha", mid), "the community's copy", 30, log_b)
        await asyncio.sleep(1.0)
        assert await tickets("alpha", mid) == ["transport"]
        assert await routed_copy("alpha", mid) == 1
    finally:
        stop(a, b)
        client.close()


@pytest.fixture
def own_redis() -> Iterator[EmbeddedRedis]:
    """A redis-server of our own, on a short unix-socket path, that the test can stop."""
    directory = Path(tempfile.mkdtemp(prefix="sanshi-rr-"))
    server = start_redis(directory, persist=False)
    yield server
    server.stop()
    stop_redis(directory)
    shutil.rmtree(directory, ignore_errors=True)


async def outbox_row(slug: str, matter_id: int):
    async with platform_tx() as tx:
        return await tx.connection.fetchrow(
            "SELECT sent_at, attempts FROM platform.outbox WHERE topic = 'matter.major' "
            "AND community_slug = $1 AND payload->>'matter_id' = $2",
            slug,
            str(matter_id),
        )


async def test_redis_down_when_classified_routes_once_back(
    settings: Settings, county, own_redis: EmbeddedRedis, tmp_path
):
    """Redis down at classification: it commits, the outbox keeps it, routed once Redis is back."""
    s = settings.with_overrides(redis_url=own_redis.url, redis_namespace="rdown_routing")
    log = tmp_path / "w.log"
    mid = await registered(s, "beta", "road_and_drainage")
    w = spawn(s, log)
    try:
        await wait_for(lambda: started(log), "the worker to start", 60, log)
        own_redis.stop()
        await decide_major("beta", mid)  # succeeds: nothing on this path needs Redis
        async with tenant_tx("beta") as tx:
            status = await tx.connection.fetchval("SELECT status FROM matters WHERE id = $1", mid)
        assert status == "classified"
        await asyncio.sleep(2.0)
        row = await outbox_row("beta", mid)
        assert row["sent_at"] is None and row["attempts"] >= 1  # the relay tried, kept it
        assert await tickets("beta", mid) == []

        start_redis(own_redis.directory, persist=False)
        back = time.time()
        routed = await wait_for(lambda: tickets("beta", mid), "routing after Redis", 60, log)
        print(f"\nRedis back: routed {routed - back:.2f} s later")
        await asyncio.sleep(1.0)
        assert await tickets("beta", mid) == ["housing", "water"]
        assert (await outbox_row("beta", mid))["sent_at"] is not None
    finally:
        stop(w)


def cli(s: Settings, *args: str) -> subprocess.CompletedProcess:
    """Run `sanshi ARGS` against this run's database and the given Redis."""
    return subprocess.run(
        [SANSHI, *args],
        cwd=ROOT,
        env=env_for(s),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def dead_letters_for(
    slug: str | None = None, matter_id: int | None = None, marker: str | None = None
) -> list[dict]:
    # A matter id is unique in its community only (each tenant schema has its sequence):
    # another community's dead letter may name the same id.
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            "SELECT id, actor_name, reason, kwargs::text AS kwargs, redriven_at "
            "FROM platform.dead_letters WHERE ($1::text IS NULL OR kwargs->>'matter_id' = $1) "
            "AND ($2::text IS NULL OR kwargs->>'marker' = $2) "
            "AND ($3::text IS NULL OR kwargs->>'community' = $3) ORDER BY id",
            None if matter_id is None else str(matter_id),
            marker,
            slug,
        )
    return [dict(r) for r in rows]


async def test_poison_and_exhausted_retries_are_dead_lettered_and_redriven(
    ns_settings: Settings, county, tmp_path
):
    """Withdrawn matter, archived community, a failing actor: dead letters, CLI list/redrive."""
    s = ns_settings
    client = redis.Redis.from_url(s.redis_url)
    ns = f"{s.redis_namespace}:sanshi"
    # A withdrawn matter: classified major, withdrawn before any worker routed it.
    withdrawn = await registered(s, "alpha", "transport")
    await decide_major("alpha", withdrawn)
    await matters.withdraw_matter(cadre("alpha"), "alpha", withdrawn, s, reason="居民撤回诉求")
    # An archived community with a major matter waiting.
    slug = f"arch{secrets.token_hex(3)}"
    await provisioning.create_community(slug, "归档社区", "testcounty")
    archived = await registered(s, slug, "transport")
    await decide_major(slug, archived)
    await provisioning.archive_community(slug)

    log = tmp_path / "w.log"
    w = spawn(s, log)
    marker = uuid.uuid4().hex
    try:
        await wait_for(lambda: started(log), "the worker to start", 60, log)
        from workers.broker import build_broker

        broker = build_broker(s)
        broker.enqueue(
            dramatiq.Message(
                queue_name="default",
                actor_name="test.flaky",
                args=(),
                kwargs={"marker": marker},
                options={},
                message_id=str(uuid.uuid4()),
            )
        )
        await wait_for(
            lambda: dead_letters_for("alpha", withdrawn), "withdrawn dead letter", 30, log
        )
        await wait_for(lambda: dead_letters_for(slug, archived), "archived dead letter", 30, log)
        await wait_for(lambda: dead_letters_for(marker=marker), "flaky dead letter", 30, log)
        (dw,) = await dead_letters_for("alpha", withdrawn)
        (da,) = await dead_letters_for(slug, archived)
        (df,) = await dead_letters_for(marker=marker)
        assert (
            dw["reason"] == "matter withdrawn" and dw["actor_name"] == "routing.route_major_matter"
        )
        assert da["reason"] == "community archived"
        assert df["reason"] == "retries exhausted after 3 attempts"
        assert client.get(f"{ns}:flaky_runs:{marker}") == b"3"  # first run + 2 retries, no more
        assert await tickets("alpha", withdrawn) == [] and await tickets(slug, archived) == []

        listed = await asyncio.to_thread(cli, s, "deadletters", "list")
        assert listed.returncode == 0, listed.stderr
        for d in (dw, da, df):
            assert f"\n{d['id']}\t" in "\n" + listed.stdout
        assert "matter withdrawn" in listed.stdout and "community archived" in listed.stdout

        # The cause is fixed: re-drive the flaky one; it now succeeds, once.
        client.set(f"{ns}:flaky_ok:{marker}", "1")
        redriven = await asyncio.to_thread(cli, s, "deadletters", "redrive", str(df["id"]))
        assert redriven.returncode == 0, redriven.stderr
        await wait_for(
            lambda: client.get(f"{ns}:flaky_done:{marker}") == b"1", "re-driven run", 30, log
        )
        assert (await dead_letters_for(marker=marker))[0]["redriven_at"] is not None
        again = await asyncio.to_thread(cli, s, "deadletters", "redrive", str(df["id"]))
        assert again.returncode != 0  # already re-driven: refused, nothing re-sent
        # Poison stays poison when re-driven: a new dead letter, no ticket, no loop.
        await asyncio.to_thread(cli, s, "deadletters", "redrive", str(dw["id"]))
        await wait_for(
            lambda: _count(dead_letters_for("alpha", withdrawn), 2),
            "second withdrawn dead letter",
            30,
            log,
        )
        assert await tickets("alpha", withdrawn) == []
    finally:
        stop(w)
        client.close()


async def _count(rows, n: int) -> bool:
    return len(await rows) == n
