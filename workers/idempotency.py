"""The idempotent receiver: a message id's effect happens once, however often it arrives.

Transport is at-least-once: the relay republishes a row it published but could not mark
(crash in between), and Redis redelivers a killed worker's message. Each copy carries the
same Dramatiq ``message_id`` (the outbox row's ``message_id``), so this middleware keeps,
in Redis, per message id:

- ``done:<id>`` — set after the actor returned without an exception (Dramatiq acks only
  after ``after_process_message``); a later copy is skipped (acked without running);
- ``lock:<id>`` — held while a copy runs, with a short TTL renewed by a background thread,
  so a second copy arriving meanwhile is retried later (not dropped, not run twice), and a
  SIGKILLed worker's lock expires before its message is redelivered.

The window left open — the actor's effect committed, then the worker dies before
``done`` is written — is why actors must still be idempotent on their own keys.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

import redis
from dramatiq.errors import Retry
from dramatiq.middleware import Middleware, MiddlewareError, SkipMessage

log = logging.getLogger(__name__)

# How long a "done" mark is kept: longer than any realistic republish (a relay that
# crashed and stayed down for days) and redelivery window; 7 days matches how long
# Dramatiq keeps dead-lettered messages.
DONE_TTL_S = 7 * 24 * 3600

_ACQUIRE = """
if redis.call('exists', KEYS[1]) == 1 then return 1 end
if redis.call('set', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
return 2
"""
_FINISH = """
if ARGV[3] == '1' then redis.call('set', KEYS[1], '1', 'EX', ARGV[2]) end
if redis.call('get', KEYS[2]) == ARGV[1] then redis.call('del', KEYS[2]) end
return 1
"""
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_DONE, _ACQUIRED, _BUSY = 1, 0, 2


class DuplicateInFlight(MiddlewareError, Retry):
    """Another copy of this message is running now (or Redis could not say): retry later.

    A MiddlewareError, so Dramatiq lets it out of ``before_process_message`` instead of
    logging and running the actor anyway; a ``Retry`` with a delay, so the Retries
    middleware re-enqueues the copy quietly after ``delay`` ms.
    """

    def __init__(self, message: str, delay: int) -> None:
        Retry.__init__(self, message, delay=delay)


class IdempotentReceiver(Middleware):
    """Run each message id's actor to success at most once (see the module docstring)."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        namespace: str,
        lock_ttl_ms: int = 2500,
        done_ttl_s: int = DONE_TTL_S,
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.lock_ttl_ms = lock_ttl_ms
        self.done_ttl_s = done_ttl_s
        # register_script computes the SHA locally: no connection is opened here.
        self._acquire = client.register_script(_ACQUIRE)
        self._finish = client.register_script(_FINISH)
        self._renew = client.register_script(_RENEW)
        self._local = threading.local()
        self._held: dict[str, str] = {}  # token -> lock key, renewed while running
        self._held_lock = threading.Lock()
        self._renewer: threading.Thread | None = None
        self._stop = threading.Event()

    def done_key(self, message_id: str) -> str:
        """Redis key marking ``message_id`` as processed successfully."""
        return f"{self.namespace}:done:{message_id}"

    def lock_key(self, message_id: str) -> str:
        """Redis key held while a copy of ``message_id`` is being processed."""
        return f"{self.namespace}:lock:{message_id}"

    def is_done(self, message_id: str) -> bool:
        """Whether ``message_id`` has already been processed successfully."""
        return bool(self.client.exists(self.done_key(message_id)))

    # -- Dramatiq hooks ----------------------------------------------------------------
    def before_process_message(self, broker: Any, message: Any) -> None:
        """Skip a done message; take the per-message lock or ask for a retry."""
        self._local.held = None
        mid = message.message_id
        token = uuid.uuid4().hex
        try:
            outcome = self._acquire(
                keys=[self.done_key(mid), self.lock_key(mid)], args=[token, self.lock_ttl_ms]
            )
        except redis.RedisError as err:
            # Without Redis we cannot tell whether it already ran: do not run it now.
            raise DuplicateInFlight(f"idempotency check unavailable: {err}", 1000) from err
        if outcome == _DONE:
            log.info("message %s already processed; skipping this copy", mid)
            raise SkipMessage(f"message {mid} already processed")
        if outcome == _BUSY:
            log.info("message %s is being processed elsewhere; retrying this copy later", mid)
            raise DuplicateInFlight(f"message {mid} in flight elsewhere", self.lock_ttl_ms)
        self._local.held = (mid, token)
        with self._held_lock:
            self._held[token] = self.lock_key(mid)
        self._ensure_renewer()

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: Any = None
    ) -> None:
        """Mark done on success; release the lock either way (a failure is retried)."""
        self._release(success=exception is None)

    def after_skip_message(self, broker: Any, message: Any) -> None:
        """A later middleware skipped the message: release the lock, mark nothing."""
        self._release(success=False)

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        """Stop the lock-renewing thread."""
        self._stop.set()

    # -- internals ---------------------------------------------------------------------
    def _release(self, *, success: bool) -> None:
        held = getattr(self._local, "held", None)
        self._local.held = None
        if held is None:
            return
        mid, token = held
        with self._held_lock:
            self._held.pop(token, None)
        # Raising here would be logged and swallowed by Dramatiq; if this fails the lock
        # expires by itself and a later copy re-runs an actor that is idempotent anyway.
        self._finish(
            keys=[self.done_key(mid), self.lock_key(mid)],
            args=[token, self.done_ttl_s, "1" if success else "0"],
        )

    def _ensure_renewer(self) -> None:
        if self._renewer is not None and self._renewer.is_alive():
            return
        with self._held_lock:
            if self._renewer is not None and self._renewer.is_alive():
                return
            self._stop.clear()
            self._renewer = threading.Thread(
                target=self._renew_loop, name="sanshi-idempotency-renew", daemon=True
            )
            self._renewer.start()

    def _renew_loop(self) -> None:
        interval = self.lock_ttl_ms / 3000
        while not self._stop.wait(interval):
            with self._held_lock:
                held = list(self._held.items())
            for token, key in held:
                try:
                    self._renew(keys=[key], args=[token, self.lock_ttl_ms])
                except redis.RedisError:
                    log.warning("could not renew lock %s", key, exc_info=True)
