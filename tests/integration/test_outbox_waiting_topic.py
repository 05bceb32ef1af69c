"""A topic declared before its consumer: `matter.major` rows wait in the outbox, unharmed."""

from __future__ import annotations

from dramatiq.brokers.stub import StubBroker

from services.matters.handlers import MAJOR_TOPIC
from tenants.tx import platform_tx, tenant_tx
from workers import outbox, registry
from workers.relay import Relay


async def _row(message_id):
    async with platform_tx() as tx:
        return await tx.connection.fetchrow(
            "SELECT sent_at, attempts, last_error FROM platform.outbox WHERE message_id = $1",
            message_id,
        )


async def test_rows_of_a_topic_without_consumer_wait_then_flow(communities):
    """No routing actor yet: the relay leaves the row unsent with no attempt; once the actor
    exists the same relay publishes it."""
    a, _ = communities
    assert MAJOR_TOPIC not in registry.routable_topics()
    async with tenant_tx(a) as tx:
        mid = await outbox.enqueue(tx, MAJOR_TOPIC, {"matter_id": 1}, community=a)
    broker = StubBroker()
    relay = Relay(broker, batch_size=50)
    await relay.relay_once()
    row = await _row(mid)
    assert row["sent_at"] is None and row["attempts"] == 0 and row["last_error"] is None

    def route(*, community: str, matter_id: int) -> None:
        """Stand-in consumer for this test only."""

    spec = registry.ActorSpec(registry.topics()[MAJOR_TOPIC], route)
    with registry.declared(spec):
        registry.bind(broker)
        assert MAJOR_TOPIC in registry.routable_topics()
        await relay.relay_once()
        queued = broker.queues[spec.queue_name].qsize()
        del broker.actors[spec.name]
    assert (await _row(mid))["sent_at"] is not None
    assert queued >= 1
