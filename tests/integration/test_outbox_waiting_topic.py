"""A topic declared before its consumer: its rows wait in the outbox, unharmed, then flow."""

from __future__ import annotations

from dramatiq.brokers.stub import StubBroker

from tenants.tx import platform_tx, tenant_tx
from workers import outbox, registry
from workers.relay import Relay


async def _row(message_id):
    async with platform_tx() as tx:
        return await tx.connection.fetchrow(
            "SELECT sent_at, attempts, last_error FROM platform.outbox WHERE message_id = $1",
            message_id,
        )


WAITING_TOPIC = "test.waiting_topic"
# Declared by its producer before any consumer exists (as matter.major was before routing).
registry.topic(WAITING_TOPIC, "test.consumer_not_deployed_yet")


async def test_rows_of_a_topic_without_consumer_wait_then_flow(communities):
    """No consumer yet: the relay leaves the row unsent with no attempt; once the actor
    exists the same relay publishes it."""
    a, _ = communities
    assert WAITING_TOPIC not in registry.routable_topics()
    async with tenant_tx(a) as tx:
        mid = await outbox.enqueue(tx, WAITING_TOPIC, {"matter_id": 1}, community=a)
    broker = StubBroker()
    relay = Relay(broker, batch_size=50)
    await relay.relay_once()
    row = await _row(mid)
    assert row["sent_at"] is None and row["attempts"] == 0 and row["last_error"] is None

    def consume(*, community: str, matter_id: int) -> None:
        """The consumer, deployed later (this test only)."""

    spec = registry.ActorSpec(registry.topics()[WAITING_TOPIC], consume)
    with registry.declared(spec):
        registry.bind(broker)
        assert WAITING_TOPIC in registry.routable_topics()
        # The outbox is shared with the rest of the suite: rows other tests left unsent may
        # come first (oldest first, a batch at a time). Pass until ours is out or a pass
        # finds nothing more to take.
        for _ in range(100):
            result = await relay.relay_once()
            if (await _row(mid))["sent_at"] is not None or not result.batch_full:
                break
        queued = broker.queues[spec.queue_name].qsize()
        del broker.actors[spec.name]
    assert (await _row(mid))["sent_at"] is not None
    assert queued >= 1
