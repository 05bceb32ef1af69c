"""Dead letters (死信): messages refused as poison or out of retries, kept to be re-driven.

Two ways in, one table (``platform.dead_letters``):

- **Known poison** — the actor itself sees that the message can never succeed (the matter
  was withdrawn or is no longer major, the community is archived or gone). It records the
  dead letter with a clear reason and returns normally: retrying would only loop.
- **Retries exhausted** — an unexpected error was retried with bounded backoff (the
  actor's ``max_retries``, ``min_backoff``, ``max_backoff``); when Dramatiq's Retries
  middleware gives up it marks the message failed, and ``DeadLetters`` (a middleware that
  runs after Retries) records it.

``sanshi deadletters list`` shows them; ``sanshi deadletters redrive ID|--all`` sends the
same actor the same keyword arguments again under a NEW message id (the old id may be
marked done by the idempotent receiver, which would skip it) and records ``redriven_at``.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware

from tenants.tx import platform_tx

log = logging.getLogger(__name__)

RETRIES_EXHAUSTED = "retries exhausted"
# Longest error text kept per row: the traceback's tail says what failed.
ERROR_LIMIT = 4000


class PoisonMessage(Exception):
    """A message that can never succeed; ``reason`` is what the operator reads."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class DeadLetterRow:
    """One dead letter as the CLI shows it."""

    id: int
    message_id: str
    actor_name: str
    queue_name: str
    kwargs: dict[str, Any]
    reason: str
    error: str
    failed_at: datetime
    redriven_at: datetime | None


_COLUMNS = "id, message_id, actor_name, queue_name, kwargs, reason, error, failed_at, redriven_at"


def _row(r: Any) -> DeadLetterRow:
    data = dict(r)
    if isinstance(data["kwargs"], str):
        data["kwargs"] = json.loads(data["kwargs"])
    return DeadLetterRow(**data)


async def record_dead_letter(
    *,
    message_id: str,
    actor_name: str,
    queue_name: str,
    kwargs: dict[str, Any],
    reason: str,
    error: str = "",
) -> DeadLetterRow:
    """Record (or refresh) the dead letter of ``message_id``; one row per message id."""
    async with platform_tx() as tx:
        row = await tx.connection.fetchrow(
            "INSERT INTO platform.dead_letters (message_id, actor_name, queue_name, kwargs, "
            "reason, error) VALUES ($1, $2, $3, $4::jsonb, $5, $6) "
            "ON CONFLICT (message_id) DO UPDATE SET reason = EXCLUDED.reason, "
            "error = EXCLUDED.error, failed_at = now(), redriven_at = NULL "
            f"RETURNING {_COLUMNS}",
            message_id,
            actor_name,
            queue_name,
            json.dumps(kwargs, ensure_ascii=False, default=str),
            reason,
            error[-ERROR_LIMIT:],
        )
    return _row(row)


async def list_dead_letters(
    *, include_redriven: bool = False, limit: int = 100
) -> list[DeadLetterRow]:
    """Dead letters, newest first; re-driven ones only when asked."""
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            f"SELECT {_COLUMNS} FROM platform.dead_letters "
            "WHERE $1 OR redriven_at IS NULL ORDER BY id DESC LIMIT $2",
            include_redriven,
            limit,
        )
    return [_row(r) for r in rows]


class DeadLetterNotFound(LookupError):
    """No dead letter with that id (or it was re-driven already)."""


async def redrive(broker: dramatiq.Broker, ids: list[int] | None) -> list[tuple[int, str]]:
    """Re-enqueue the given dead letters (None: every one not yet re-driven).

    Each goes to the same actor and queue with the same kwargs under a new message id;
    ``redriven_at`` is set in the same transaction that held the row, after the broker
    accepted the message (a broker failure leaves the row as it was). Returns
    ``(dead letter id, new message id)`` pairs. DeadLetterNotFound for an unknown id or
    one already re-driven.
    """
    done: list[tuple[int, str]] = []
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            f"SELECT {_COLUMNS} FROM platform.dead_letters WHERE redriven_at IS NULL "
            "AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[])) ORDER BY id FOR UPDATE",
            ids,
        )
        found = {r["id"] for r in rows}
        missing = sorted(set(ids or ()) - found)
        if missing:
            raise DeadLetterNotFound(missing)
        for r in map(_row, rows):
            new_id = str(uuid.uuid4())
            broker.enqueue(
                dramatiq.Message(
                    queue_name=r.queue_name,
                    actor_name=r.actor_name,
                    args=(),
                    kwargs=r.kwargs,
                    options={},
                    message_id=new_id,
                )
            )
            await tx.connection.execute(
                "UPDATE platform.dead_letters SET redriven_at = now() WHERE id = $1", r.id
            )
            done.append((r.id, new_id))
    return done


# -- inside a worker -----------------------------------------------------------------------
_current = threading.local()


def current_message() -> Any | None:
    """The message the calling worker thread is processing (None outside an actor)."""
    return getattr(_current, "message", None)


def record_poison(error: PoisonMessage) -> None:
    """From an actor: record the message being processed as poison (never raises).

    Called from a worker thread; the row is written on the worker's event loop. Outside a
    worker (a direct call in a test) there is no message, and only a log line is written.
    """
    from workers.runtime import run_async

    message = current_message()
    if message is None:
        log.warning("poison outside a worker: %s", error)
        return
    try:
        run_async(
            record_dead_letter(
                message_id=message.message_id,
                actor_name=message.actor_name,
                queue_name=message.queue_name,
                kwargs=dict(message.kwargs),
                reason=error.reason,
                error=error.detail,
            )
        )
        log.warning("message %s dead-lettered: %s", message.message_id, error)
    except Exception:
        # The message is acked anyway (retrying poison would loop); the log keeps it.
        log.exception("could not record dead letter of message %s", message.message_id)


class DeadLetters(Middleware):
    """Records failed messages (retries exhausted, or an expected ``throws``) as dead letters.

    Add it BEFORE Dramatiq's Retries middleware: ``after_*`` hooks run in reverse order,
    so Retries has decided (and marked the message failed, or re-enqueued it) by the
    time this runs. Also remembers the current message per thread for ``record_poison``.
    """

    def before_process_message(self, broker: Any, message: Any) -> None:
        """Remember the message this thread processes."""
        _current.message = message

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        """Record a message Retries gave up on; forget the current message either way."""
        _current.message = None
        if exception is None or not getattr(message, "failed", False):
            return
        from workers.runtime import run_async

        # Retries has counted this failure already: "retries" is the number of runs.
        attempts = message.options.get("retries", 0)
        error = message.options.get("traceback") or f"{type(exception).__name__}: {exception}"
        try:
            run_async(
                record_dead_letter(
                    message_id=message.message_id,
                    actor_name=message.actor_name,
                    queue_name=message.queue_name,
                    kwargs=dict(message.kwargs),
                    reason=f"{RETRIES_EXHAUSTED} after {attempts} attempts",
                    error=error,
                ),
                timeout_s=30,
            )
        except Exception:
            # Dramatiq keeps the failed message in its own dead-letter queue too; the
            # log line says which one could not be recorded here.
            log.exception("could not record dead letter of message %s", message.message_id)

    def after_skip_message(self, broker: Any, message: Any) -> None:
        """Forget the current message."""
        _current.message = None
