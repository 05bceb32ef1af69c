"""System actors: the worker heartbeat (liveness readable from Redis)."""

from __future__ import annotations

import time

import redis

from workers import registry
from workers.broker import current_namespace, current_redis

HEARTBEAT = "system.heartbeat"
# How often `sanshi worker` sends itself a heartbeat message.
HEARTBEAT_EVERY_S = 30.0


def heartbeat_key(namespace: str) -> str:
    """Redis key holding the UNIX time of the last heartbeat a worker processed."""
    return f"{namespace}:heartbeat"


# max_retries=0: a heartbeat that failed is stale by the time it would be retried.
@registry.actor(HEARTBEAT, topics=(HEARTBEAT,), max_retries=0)
def heartbeat() -> None:
    """Record now as the time a worker last took a message off the queue and ran it."""
    current_redis().set(heartbeat_key(current_namespace()), repr(time.time()))


def last_heartbeat(client: redis.Redis, namespace: str) -> float | None:
    """UNIX time of the last processed heartbeat under ``namespace``, or None if never."""
    raw = client.get(heartbeat_key(namespace))
    return float(raw) if raw is not None else None
