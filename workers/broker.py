"""The Dramatiq broker, built from Settings when a process asks for it (never at import).

Redis is the default transport. Its broker re-queues a dead worker's messages only when
a command that runs "maintenance" touches that queue after the worker's heartbeat is
older than ``heartbeat_timeout``; with Dramatiq's defaults (60 s, 0.1% of commands) a
SIGKILLed worker's message waited minutes. We shorten the timeout, raise the chance,
and also force maintenance on each queue at least once a second (see
``SanshiRedisBroker``), so redelivery takes seconds. RabbitMQ is the scale-out path
(Dramatiq's Redis broker uses Lua scripts that Redis Cluster cannot run).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import MAINTENANCE_COMMAND_BLACKLIST, RedisBroker
from dramatiq.common import current_millis

from services.settings import Settings
from workers import registry
from workers.errors import BrokerNotReady, RabbitmqUnavailable, RedisUrlRequired
from workers.idempotency import IdempotentReceiver

# Redis client behaviour for the broker and our own keys: fail fast when Redis is down
# (the relay keeps rows and retries; a worker's consumer reconnects) instead of redis-py's
# default of several jittered retries of up to seconds each.
_CONNECT_TIMEOUT_S = 2.0
_SOCKET_TIMEOUT_S = 10.0


class SanshiRedisBroker(RedisBroker):
    """Dramatiq's RedisBroker with maintenance also forced per queue on a timer.

    Maintenance (re-queueing the messages of workers whose heartbeat is older than
    ``heartbeat_timeout``) only runs for the queue named in the command that triggers it,
    and only on a random fraction of commands. An idle worker sends about one command a
    second per queue, so even at a 10% chance redelivery was often 15 s or more. Forcing
    it at most every ``maintenance_interval_s`` per queue bounds redelivery to about
    heartbeat_timeout + interval + one poll, at a cost of one cheap script run a second.

    This overrides ``_dispatch``, a private method; its argument list mirrors
    dispatch.lua of Dramatiq 2.x (pinned <3 in pyproject), and the SIGKILL integration
    test fails if a Dramatiq upgrade breaks it.
    """

    def __init__(self, *, maintenance_interval_s: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.maintenance_interval_s = maintenance_interval_s
        self._maintenance_due: dict[str, float] = {}
        self._maintenance_lock = threading.Lock()

    def _maintenance_flag(self, command: str, queue_name: str) -> int:
        if command in MAINTENANCE_COMMAND_BLACKLIST:
            return 0
        now = time.monotonic()
        with self._maintenance_lock:
            if now >= self._maintenance_due.get(queue_name, 0.0):
                self._maintenance_due[queue_name] = now + self.maintenance_interval_s
                return 1
        return self._should_do_maintenance(command)

    def _dispatch(self, command: str) -> Any:
        dispatch = self.scripts["dispatch"]
        keys = [self.namespace]

        def do_dispatch(queue_name: str, *args: Any) -> Any:
            return dispatch(
                args=[
                    command,
                    current_millis(),
                    queue_name,
                    self.broker_id,
                    self.heartbeat_timeout,
                    self.dead_message_ttl,
                    self._maintenance_flag(command, queue_name),
                    self._max_unpack_size(),
                    *args,
                ],
                keys=keys,
            )

        return do_dispatch


def redis_client(settings: Settings) -> redis.Redis:
    """A Redis client for ``settings.redis_url`` (connects lazily, on first command)."""
    if not settings.redis_url:
        raise RedisUrlRequired()
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=_CONNECT_TIMEOUT_S,
        socket_timeout=_SOCKET_TIMEOUT_S,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 2),
    )


def build_broker(settings: Settings, *, client: redis.Redis | None = None) -> dramatiq.Broker:
    """A new broker as configured (no connection is opened until it is used).

    Redis is always required: besides being the default transport it holds the
    idempotent receiver's keys, also when RabbitMQ carries the messages.
    """
    client = client or redis_client(settings)
    heartbeat_ms = settings.dramatiq_heartbeat_timeout_ms
    broker: dramatiq.Broker
    if settings.broker == "redis":
        broker = SanshiRedisBroker(
            client=client,
            namespace=settings.redis_namespace,
            heartbeat_timeout=heartbeat_ms,
            maintenance_chance=settings.dramatiq_maintenance_chance,
            maintenance_interval_s=max(0.25, min(1.0, heartbeat_ms / 5000)),
        )
    elif settings.broker == "rabbitmq":
        broker = _rabbitmq_broker(settings)
    else:  # Settings.from_env validates this; a hand-built Settings may not have.
        raise ValueError(f"unknown broker {settings.broker!r}")
    # A message being processed holds a lock that lives a fraction of the heartbeat
    # timeout, so a killed worker's lock is gone before its message is redelivered.
    broker.add_middleware(
        IdempotentReceiver(
            client,
            namespace=f"{settings.redis_namespace}:sanshi",
            lock_ttl_ms=max(1000, heartbeat_ms // 2),
        )
    )
    # Dead letters (services/routing/deadletters.py): before Retries, so its after-hook
    # runs once Retries has decided whether the message failed for good.
    from dramatiq.middleware import Retries

    from services.routing.deadletters import DeadLetters

    broker.add_middleware(DeadLetters(), before=Retries)
    return broker


def _rabbitmq_broker(settings: Settings) -> dramatiq.Broker:
    try:
        from dramatiq.brokers.rabbitmq import RabbitmqBroker
    except ImportError:
        raise RabbitmqUnavailable(
            reason_zh="未安装 pika（pip install 'dramatiq[rabbitmq]'）",
            reason_en="pika is not installed (pip install 'dramatiq[rabbitmq]')",
        ) from None
    url = settings.rabbitmq_url
    if not url:
        raise RabbitmqUnavailable(
            reason_zh="未配置 RabbitMQ 地址（RABBITMQ_URL）",
            reason_en="no RabbitMQ URL is configured (RABBITMQ_URL)",
        )
    # RabbitMQ redelivers a dead consumer's unacked messages as soon as its connection
    # drops; no heartbeat/maintenance tuning is needed there.
    return RabbitmqBroker(url=url, heartbeat=5, connection_attempts=5)


_lock = threading.Lock()
_broker: dramatiq.Broker | None = None
_client: redis.Redis | None = None


def setup_broker(settings: Settings) -> dramatiq.Broker:
    """Build the process's broker, bind every declared actor to it and make it global.

    Also installed as Dramatiq's global broker so nothing ever falls back to the default
    one ``dramatiq.get_broker()`` would create. Call again (e.g. in tests) to replace it.
    """
    global _broker, _client
    registry.load_actor_modules()
    client = redis_client(settings)
    broker = build_broker(settings, client=client)
    registry.bind(broker)
    with _lock:
        _broker, _client = broker, client
    dramatiq.set_broker(broker)
    return broker


def current_broker() -> dramatiq.Broker:
    """The broker ``setup_broker`` built; BrokerNotReady before that."""
    if _broker is None:
        raise BrokerNotReady("call workers.broker.setup_broker(settings) first")
    return _broker


def current_redis() -> redis.Redis:
    """The Redis client of the current broker (actors use it for their own small keys)."""
    if _client is None:
        raise BrokerNotReady("call workers.broker.setup_broker(settings) first")
    return _client


def current_namespace() -> str:
    """The key prefix our own Redis keys go under (the broker's namespace + ':sanshi')."""
    broker = current_broker()
    for m in broker.middleware:
        if isinstance(m, IdempotentReceiver):
            return m.namespace
    raise BrokerNotReady("the broker has no IdempotentReceiver middleware")
