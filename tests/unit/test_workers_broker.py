"""Broker construction from settings (no connection is opened to build one)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from services.settings import Settings
from workers import registry
from workers.broker import SanshiRedisBroker, build_broker, setup_broker
from workers.errors import RabbitmqUnavailable, RedisUrlRequired
from workers.idempotency import IdempotentReceiver
from workers.outbox import OutboxRow
from workers.relay import Relay

# Port 1 on localhost: nothing listens there, so any accidental connection would fail.
UNUSED = "redis://127.0.0.1:1/0"


def test_redis_broker_uses_tuned_redelivery_settings():
    """Heartbeat timeout, maintenance chance and namespace come from settings."""
    s = Settings(redis_url=UNUSED, redis_namespace="ns_x", dramatiq_heartbeat_timeout_ms=4000)
    broker = build_broker(s)
    assert isinstance(broker, SanshiRedisBroker)
    assert broker.heartbeat_timeout == 4000
    assert broker.maintenance_chance == s.dramatiq_maintenance_chance
    assert broker.namespace == "ns_x"
    receiver = next(m for m in broker.middleware if isinstance(m, IdempotentReceiver))
    assert receiver.namespace == "ns_x:sanshi"
    assert receiver.lock_ttl_ms < broker.heartbeat_timeout


def test_maintenance_is_forced_once_per_interval_per_queue():
    """Each queue gets a forced maintenance run at most once per interval; ack never."""
    broker = build_broker(
        Settings(
            redis_url=UNUSED, dramatiq_maintenance_chance=0, dramatiq_heartbeat_timeout_ms=60_000
        )
    )
    assert broker.maintenance_interval_s == 1.0
    assert broker._maintenance_flag("ack", "default") == 0
    assert broker._maintenance_flag("fetch", "default") == 1
    assert broker._maintenance_flag("fetch", "default") == 0
    assert broker._maintenance_flag("fetch", "other") == 1


def test_dispatch_override_still_matches_dramatiq():
    """The private hooks SanshiRedisBroker relies on still exist in the installed Dramatiq."""
    for name in ("_dispatch", "_should_do_maintenance", "_max_unpack_size"):
        assert callable(getattr(RedisBroker, name, None)), name
    assert "dispatch" in build_broker(Settings(redis_url=UNUSED)).scripts


def test_redis_url_is_required():
    """Without REDIS_URL the broker refuses with the bilingual RedisUrlRequired."""
    with pytest.raises(RedisUrlRequired) as err:
        build_broker(Settings(redis_url=None))
    assert "REDIS_URL" in err.value.message_zh and "REDIS_URL" in err.value.message_en


def test_rabbitmq_without_its_client_or_url_is_a_clear_error():
    """Choosing RabbitMQ where pika or its URL is missing fails clearly, not at first send."""
    with pytest.raises(RabbitmqUnavailable) as err:
        build_broker(Settings(redis_url=UNUSED, broker="rabbitmq"))
    assert err.value.code == "RABBITMQ_UNAVAILABLE"


def test_setup_broker_binds_declared_actors_and_installs_it_globally():
    """setup_broker binds system.heartbeat and is what dramatiq.get_broker() returns."""
    import dramatiq

    broker = setup_broker(Settings(redis_url=UNUSED, redis_namespace="ns_setup"))
    try:
        assert "system.heartbeat" in broker.actors
        assert dramatiq.get_broker() is broker
    finally:
        dramatiq.set_broker(StubBroker())


def test_relay_message_id_is_the_outbox_message_id():
    """The published message carries the row's message id, payload and community."""

    def body(**kwargs: object) -> None:
        """A test actor body."""

    broker = StubBroker()
    spec = registry.ActorSpec("test.broker_msg", body, "q1")
    with registry.declared(spec, topic_map={"test.broker_topic": "test.broker_msg"}):
        registry.bind(broker)
        mid = uuid.uuid4()
        created = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
        row = OutboxRow(1, mid, "test.broker_topic", "alpha", {"matter_id": 7}, created, 0, None)
        message = Relay(broker).message_for(row)
    assert message.message_id == str(mid)
    assert (message.actor_name, message.queue_name) == ("test.broker_msg", "q1")
    assert message.kwargs == {"matter_id": 7, "community": "alpha"}
    assert message.message_timestamp == int(created.timestamp() * 1000)
