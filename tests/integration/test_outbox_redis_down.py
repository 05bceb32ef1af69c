"""Redis down at publish time: outbox rows wait, with the failure recorded, and go out after."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import dramatiq
import pytest

from services.runtime.embedded import EmbeddedRedis, start_redis, stop_redis
from services.settings import Settings
from tenants.tx import platform_tx, tenant_tx
from workers import outbox, registry
from workers.broker import current_namespace, current_redis, setup_broker
from workers.relay import Relay

ACTOR = "test.outbox_down_count"
TOPIC = "test.outbox_down"
TIMEOUT_S = 30.0


def count_run(*, community: str, marker: str) -> None:
    """Test actor: counts its runs per marker in Redis (INCR, not idempotent on purpose)."""
    current_redis().incr(f"{current_namespace()}:runs:{marker}")


@pytest.fixture(scope="module", autouse=True)
def test_actors() -> Iterator[None]:
    """Declare this module's actor and topic for its tests only."""
    with registry.declared(registry.ActorSpec(ACTOR, count_run), topic_map={TOPIC: ACTOR}):
        yield


@pytest.fixture
def own_redis() -> Iterator[EmbeddedRedis]:
    """A redis-server of our own (on a short unix-socket path) that the test can stop."""
    directory = Path(tempfile.mkdtemp(prefix="sanshi-rd-"))
    server = start_redis(directory, persist=False)
    yield server
    server.stop()
    stop_redis(directory)  # the one the test restarted on the same folder, if any
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
async def down_settings(settings: Settings, own_redis: EmbeddedRedis) -> AsyncIterator[Settings]:
    """Settings pointing the broker at our own redis-server."""
    yield settings.with_overrides(redis_url=own_redis.url, redis_namespace="rdown")


async def _rows(ids: list[uuid.UUID]):
    async with platform_tx() as tx:
        return await tx.connection.fetch(
            "SELECT message_id, sent_at, attempts, last_error FROM platform.outbox "
            "WHERE message_id = ANY($1) ORDER BY id",
            ids,
        )


async def test_rows_survive_redis_outage_and_are_published_once_after(
    communities, dbs, down_settings: Settings, own_redis: EmbeddedRedis
):
    """Publishing while Redis is down records the error, keeps rows; all run once when back."""
    broker = setup_broker(down_settings)
    markers = [uuid.uuid4().hex for _ in range(3)]
    async with tenant_tx("beta") as tx:
        ids = [await outbox.enqueue(tx, TOPIC, {"marker": m}, community="beta") for m in markers]

    own_redis.stop()
    result = await Relay(broker, topics=[TOPIC]).relay_once()
    assert result.broker_down and result.published == 0
    rows = await _rows(ids)
    assert all(r["sent_at"] is None for r in rows)
    assert rows[0]["attempts"] == 1 and "Connection" in rows[0]["last_error"]

    # The relay loop keeps backing off while Redis is down ...
    stop = asyncio.Event()
    loop_task = asyncio.create_task(
        Relay(broker, topics=[TOPIC], poll_interval_s=0.05, max_backoff_s=0.5).run(stop)
    )
    await asyncio.sleep(1.0)
    assert all(r["sent_at"] is None for r in await _rows(ids))

    # ... and Redis comes back on the same socket, empty (nothing had been published).
    start_redis(own_redis.directory, persist=False)
    deadline = time.monotonic() + TIMEOUT_S
    while any(r["sent_at"] is None for r in await _rows(ids)):
        assert time.monotonic() < deadline, "rows were not published after Redis came back"
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(loop_task, TIMEOUT_S)

    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=100)
    worker.start()
    try:
        client, ns = current_redis(), current_namespace()
        deadline = time.monotonic() + TIMEOUT_S
        while [client.get(f"{ns}:runs:{m}") for m in markers] != [b"1"] * 3:
            assert time.monotonic() < deadline, "not every message ran exactly once"
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # a duplicate would show up as a 2 by now
        assert [client.get(f"{ns}:runs:{m}") for m in markers] == [b"1"] * 3
    finally:
        await asyncio.to_thread(worker.stop, 10_000)
