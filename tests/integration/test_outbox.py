"""Transactional outbox + relay + Dramatiq on real PostgreSQL and Redis: exactly-once effects."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import dramatiq
import pytest
from dramatiq.middleware import Middleware

from services.settings import Settings
from tenants.tx import platform_tx, tenant_tx
from workers import outbox, registry, runtime
from workers.broker import setup_broker
from workers.errors import InvalidMessage, UnknownTopic
from workers.idempotency import DuplicateInFlight
from workers.relay import Relay

EFFECT = "test.outbox_effect"
TOPIC = "test.outbox_effect"
SLOW = "test.outbox_slow"
TIMEOUT_S = 30.0


def _record_effect(community: str, marker: str) -> None:
    """Insert one audit row per run, inside the community's transaction (via run_async)."""

    async def write() -> None:
        async with tenant_tx(community) as tx:
            await tx.connection.execute(
                "INSERT INTO platform.audit_log (actor, role, action, subject) "
                "VALUES ('worker', 'system', $1, $2)",
                EFFECT,
                marker,
            )

    runtime.run_async(write(), timeout_s=TIMEOUT_S)


def effect(*, community: str, marker: str) -> None:
    """Test actor: deliberately NOT idempotent, so a second run shows as a second row."""
    _record_effect(community, marker)


def slow_effect(*, community: str, marker: str) -> None:
    """Test actor: like ``effect`` but slow, so two copies overlap in flight."""
    time.sleep(1.5)
    _record_effect(community, marker)


class Recorder(Middleware):
    """Records which message ids were enqueued, run, skipped or told to retry."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def after_enqueue(self, broker, message, delay):
        self.events.append(("enqueue", message.message_id))

    def after_process_message(self, broker, message, *, result=None, exception=None):
        kind = "retry" if isinstance(exception, DuplicateInFlight) else "processed"
        self.events.append((kind, message.message_id))

    def after_skip_message(self, broker, message):
        self.events.append(("skip", message.message_id))

    def count(self, kind: str, message_id: object) -> int:
        return self.events.count((kind, str(message_id)))


@pytest.fixture(scope="module")
def wsettings(settings: Settings) -> Iterator[Settings]:
    """Settings with this module's own Redis namespace, whose keys are deleted afterwards."""
    import redis

    ns = f"{settings.redis_namespace}:outbox"
    yield settings.with_overrides(redis_namespace=ns, outbox_batch_size=5)
    client = redis.Redis.from_url(settings.redis_url)
    keys = list(client.scan_iter(match=f"{ns}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="module", autouse=True)
def test_actors() -> Iterator[None]:
    """Declare this module's actors and topics for its tests only."""
    with registry.declared(
        registry.ActorSpec(EFFECT, effect, options={"max_retries": 3}),
        registry.ActorSpec(SLOW, slow_effect, options={"max_retries": 10}),
        topic_map={TOPIC: EFFECT, SLOW: SLOW},
    ):
        yield


@pytest.fixture
async def broker(wsettings: Settings, dbs) -> AsyncIterator[tuple[dramatiq.Broker, Recorder]]:
    """A fresh broker on real Redis with a Recorder; actors' coroutines run on this loop."""
    b = setup_broker(wsettings)
    rec = Recorder()
    b.add_middleware(rec)
    b.flush_all()
    runtime.attach(asyncio.get_running_loop())
    yield b, rec
    runtime.attach(None)
    b.flush_all()


@pytest.fixture
async def worker(broker) -> AsyncIterator[dramatiq.Worker]:
    """A real Dramatiq worker (threads in this process) consuming from Redis."""
    w = dramatiq.Worker(broker[0], worker_threads=2, worker_timeout=100)
    w.start()
    yield w
    await asyncio.to_thread(w.stop, 10_000)


async def _effects(marker: str) -> int:
    async with platform_tx() as tx:
        return await tx.connection.fetchval(
            "SELECT count(*) FROM platform.audit_log WHERE action = $1 AND subject = $2",
            EFFECT,
            marker,
        )


async def _row(message_id: uuid.UUID):
    async with platform_tx() as tx:
        return await tx.connection.fetchrow(
            "SELECT * FROM platform.outbox WHERE message_id = $1", message_id
        )


async def _until(predicate, what: str, timeout_s: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        await asyncio.sleep(0.05)


async def _drain(relay: Relay) -> int:
    total = 0
    for _ in range(100):
        result = await relay.relay_once()
        total += result.published
        if not result.batch_full:
            return total
    raise AssertionError("relay never drained")


class _Crash(Exception):
    """Stands for the relay process dying."""


class CrashingRelay(Relay):
    """A relay that dies after publishing and before marking the rows sent."""

    async def before_mark(self, published):
        if published:
            raise _Crash


async def test_rolled_back_outbox_row_is_never_published(communities, broker, worker):
    """A row written in a tenant transaction that raised leaves nothing to publish."""
    b, rec = broker
    marker = uuid.uuid4().hex
    with pytest.raises(RuntimeError, match="boom"):
        async with tenant_tx("alpha") as tx:
            mid = await outbox.enqueue(tx, TOPIC, {"marker": marker}, community="alpha")
            raise RuntimeError("boom")
    assert await _row(mid) is None
    relay = Relay(b, topics=[TOPIC])
    await _drain(relay)
    await asyncio.sleep(0.5)  # give a (wrongly) published message time to run
    assert rec.count("enqueue", mid) == 0
    assert await _effects(marker) == 0


async def test_committed_row_runs_once_even_when_relay_crashes_before_marking(
    communities, broker, worker
):
    """Published, relay dies before marking, republished by a fresh relay: one effect."""
    b, rec = broker
    marker = uuid.uuid4().hex
    async with tenant_tx("alpha") as tx:
        mid = await outbox.enqueue(tx, TOPIC, {"marker": marker}, community="alpha")

    with pytest.raises(_Crash):
        await CrashingRelay(b, topics=[TOPIC]).relay_once()
    row = await _row(mid)
    assert row["sent_at"] is None  # the crash rolled the marking back
    assert rec.count("enqueue", mid) == 1

    async def ran_once() -> bool:
        return await _effects(marker) == 1

    await _until(ran_once, "the first copy to run")

    assert await _drain(Relay(b, topics=[TOPIC])) >= 1  # the restarted relay republishes
    assert rec.count("enqueue", mid) == 2
    assert (await _row(mid))["sent_at"] is not None

    async def second_copy_skipped() -> bool:
        return rec.count("skip", mid) == 1

    await _until(second_copy_skipped, "the second copy to be skipped")
    assert await _effects(marker) == 1
    assert rec.count("processed", mid) == 1


async def test_two_copies_in_flight_at_once_run_once(communities, broker, worker):
    """Two copies of one message processed concurrently: one runs, the other retries then skips."""
    b, rec = broker
    marker = uuid.uuid4().hex
    async with tenant_tx("beta") as tx:
        mid = await outbox.enqueue(tx, SLOW, {"marker": marker}, community="beta")
    relay = Relay(b, topics=[SLOW])
    message = relay.message_for(outbox.OutboxRow.from_record(await _row(mid)))
    # Both copies go out back to back (what a relay restart racing a slow actor yields).
    await asyncio.to_thread(b.enqueue, message)
    await asyncio.to_thread(b.enqueue, message)

    async def settled() -> bool:
        return rec.count("skip", mid) == 1

    await _until(settled, "the duplicate to be retried and then skipped")
    assert rec.count("retry", mid) >= 1
    assert rec.count("processed", mid) == 1
    assert await _effects(marker) == 1


async def test_two_relays_publish_each_row_once(communities, broker):
    """Two relays draining the same rows concurrently publish every row exactly once."""
    b, rec = broker
    ids = []
    async with tenant_tx("alpha") as tx:
        for i in range(40):
            ids.append(await outbox.enqueue(tx, TOPIC, {"marker": f"pair{i}"}, community="alpha"))
    r1, r2 = Relay(b, batch_size=5, topics=[TOPIC]), Relay(b, batch_size=5, topics=[TOPIC])
    n1, n2 = await asyncio.gather(_drain(r1), _drain(r2))
    assert n1 + n2 == 40
    assert n1 > 0 and n2 > 0, "both relays should have taken part"
    assert all(rec.count("enqueue", mid) == 1 for mid in ids)
    async with platform_tx() as tx:
        unsent = await tx.connection.fetchval(
            "SELECT count(*) FROM platform.outbox WHERE message_id = ANY($1) AND sent_at IS NULL",
            ids,
        )
    assert unsent == 0


async def test_enqueue_refuses_unknown_topics_and_bad_payloads(communities, dbs):
    """Unknown topic, a community key in the payload, or another community's tx: error, no row."""
    async with tenant_tx("alpha") as tx:
        with pytest.raises(UnknownTopic):
            await outbox.enqueue(tx, "nobody.listens", {}, community="alpha")
        with pytest.raises(InvalidMessage):
            await outbox.enqueue(tx, TOPIC, {"community": "beta"}, community="alpha")
        with pytest.raises(InvalidMessage):
            await outbox.enqueue(tx, TOPIC, {"marker": "x"}, community="beta")
        with pytest.raises(InvalidMessage):
            await outbox.enqueue(tx, TOPIC, {"marker": object()}, community="alpha")
        count = await tx.connection.fetchval(
            "SELECT count(*) FROM platform.outbox WHERE topic = 'nobody.listens'"
        )
    assert count == 0


async def test_heartbeat_actor_records_its_last_run_in_redis(broker, worker):
    """system.heartbeat through the outbox and a worker sets the liveness key."""
    from workers.broker import current_namespace, current_redis
    from workers.system import last_heartbeat

    b, _ = broker
    before = time.time()
    async with platform_tx() as tx:
        await outbox.enqueue(tx, "system.heartbeat", {}, community=None)
    await _drain(Relay(b, topics=["system.heartbeat"]))

    async def beat() -> bool:
        seen = last_heartbeat(current_redis(), current_namespace())
        return seen is not None and seen >= before

    await _until(beat, "the heartbeat key")
