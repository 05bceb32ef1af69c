"""The outbox relay: publishes committed outbox rows to Dramatiq and marks them sent.

One pass, in one platform transaction: lock a batch of unsent rows (``FOR UPDATE SKIP
LOCKED``, so any number of relays share the work without sending a row twice at the same
time), publish each with the row's ``message_id`` as Dramatiq's message id, then mark
the published rows ``sent_at``. If the process dies between publishing and committing,
the rows stay unsent and are published again by the next pass — the same message id, so
the IdempotentReceiver lets its effect happen once. If the broker is down nothing is
marked, the failure is recorded on the row, and the relay backs off and retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Collection
from dataclasses import dataclass

import dramatiq
import redis
from dramatiq.errors import ActorNotFound, BrokerError

from services.settings import Settings
from tenants.db import DEFAULT_PLACEMENT
from tenants.tx import platform_tx
from workers import registry
from workers.errors import UnknownTopic
from workers.outbox import COMMUNITY_ARG, OutboxRow

log = logging.getLogger(__name__)

# The broker (not the row) is at fault: stop the pass and back the whole relay off.
BROKER_DOWN = (redis.RedisError, BrokerError, OSError)
# A row's own back-off after a row-specific failure, e.g. a topic this process's code
# does not know (an older deployment): 2, 4, 8 ... seconds, at most this.
ROW_BACKOFF_MAX_S = 300.0

_SELECT = """
SELECT id, message_id, topic, community_slug, payload, created_at, attempts, last_error
FROM platform.outbox
WHERE sent_at IS NULL
  AND (next_attempt_at IS NULL OR next_attempt_at <= now())
  AND ($2::text[] IS NULL OR topic = ANY($2::text[]))
ORDER BY id
LIMIT $1
FOR UPDATE SKIP LOCKED
"""


@dataclass(frozen=True)
class RelayPass:
    """What one pass did: rows published, rows that failed, and whether the broker was down."""

    published: int
    failed: int
    broker_down: bool
    batch_full: bool


class Relay:
    """Publishes unsent outbox rows; run ``relay_once`` in a loop, or ``run(stop)``."""

    def __init__(
        self,
        broker: dramatiq.Broker,
        *,
        batch_size: int = Settings.outbox_batch_size,
        poll_interval_s: float = Settings.outbox_poll_interval_s,
        max_backoff_s: float = 10.0,
        topics: Collection[str] | None = None,
        placement: str = DEFAULT_PLACEMENT,
    ) -> None:
        self.broker = broker
        # Each database holds the outbox of the communities placed in it; one relay per
        # placement publishes it (a change and its outbox row commit in one database).
        self.placement = placement
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.max_backoff_s = max_backoff_s
        # A relay may be limited to some topics (a dedicated relay for a busy topic); by
        # default it takes every topic whose actor exists here, so messages of a topic
        # whose consumer is not deployed yet wait in the outbox instead of failing.
        self.topics = sorted(topics) if topics is not None else None

    @classmethod
    def from_settings(cls, settings: Settings, broker: dramatiq.Broker, **kw: object) -> Relay:
        """A relay with batch size and poll interval from settings."""
        return cls(
            broker,
            batch_size=settings.outbox_batch_size,
            poll_interval_s=settings.outbox_poll_interval_s,
            **kw,  # type: ignore[arg-type]
        )

    def message_for(self, row: OutboxRow) -> dramatiq.Message:
        """The Dramatiq message for a row: its id is the row's message_id (deterministic)."""
        spec = registry.actor_for_topic(row.topic)
        actor = self.broker.get_actor(spec.name)  # ActorNotFound if not bound here
        kwargs = dict(row.payload)
        if row.community_slug is not None:
            kwargs[COMMUNITY_ARG] = row.community_slug
        return dramatiq.Message(
            queue_name=actor.queue_name,
            actor_name=actor.actor_name,
            args=(),
            kwargs=kwargs,
            options={},
            message_id=str(row.message_id),
            message_timestamp=int(row.created_at.timestamp() * 1000),
        )

    async def before_mark(self, published: list[OutboxRow]) -> None:
        """Called after publishing a batch and before marking it sent (a seam for tests)."""

    async def relay_once(self) -> RelayPass:
        """Publish one batch of due unsent rows and mark those published as sent."""
        published: list[OutboxRow] = []
        failed: list[tuple[OutboxRow, str, float | None]] = []
        broker_down = False
        async with platform_tx(self.placement) as tx:
            topics = self.topics if self.topics is not None else registry.routable_topics()
            records = await tx.connection.fetch(_SELECT, self.batch_size, topics)
            for row in map(OutboxRow.from_record, records):
                try:
                    message = self.message_for(row)
                except (UnknownTopic, ActorNotFound, TypeError, ValueError) as err:
                    failed.append((row, _describe(err), _row_backoff(row.attempts)))
                    continue
                try:
                    # The Redis client blocks; keep the event loop (and other relays'
                    # database work on it) running meanwhile.
                    await asyncio.to_thread(self.broker.enqueue, message)
                except BROKER_DOWN as err:
                    failed.append((row, _describe(err), None))
                    broker_down = True
                    break
                published.append(row)
            await self.before_mark(published)
            if published:
                await tx.connection.execute(
                    "UPDATE platform.outbox SET sent_at = now(), attempts = attempts + 1, "
                    "next_attempt_at = NULL WHERE id = ANY($1::bigint[])",
                    [r.id for r in published],
                )
            for row, error, backoff_s in failed:
                await tx.connection.execute(
                    "UPDATE platform.outbox SET attempts = attempts + 1, last_error = $2, "
                    "next_attempt_at = CASE WHEN $3::float8 IS NULL THEN NULL "
                    "ELSE now() + make_interval(secs => $3::float8) END WHERE id = $1",
                    row.id,
                    error,
                    backoff_s,
                )
        for row, error, _ in failed:
            log.warning("outbox row %s (%s) not published: %s", row.id, row.topic, error)
        return RelayPass(
            published=len(published),
            failed=len(failed),
            broker_down=broker_down,
            batch_full=len(records) == self.batch_size,
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until ``stop`` is set, backing off while the broker or database is down."""
        failures = 0
        while not stop.is_set():
            try:
                result = await self.relay_once()
            except (TimeoutError, OSError) as err:
                log.warning("outbox relay: database unavailable: %s", err)
                result = None
            except Exception:
                # Keep relaying: one bad pass (e.g. a transient SQL error) must not stop
                # delivery for the whole process.
                log.exception("outbox relay pass failed")
                result = None
            if result is None or result.broker_down:
                failures += 1
                delay = self._backoff(failures)
            else:
                failures = 0
                delay = 0.0 if result.batch_full else self.poll_interval_s
            if delay:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)

    def _backoff(self, failures: int) -> float:
        base = min(self.max_backoff_s, self.poll_interval_s * 2**failures)
        return base * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not security)


def _row_backoff(attempts: int) -> float:
    return min(ROW_BACKOFF_MAX_S, 2.0 ** (attempts + 1))


def _describe(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"[:1000]
