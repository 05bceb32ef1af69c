"""Running async code (asyncpg, tenant_tx) from Dramatiq's synchronous worker threads.

Actors are plain functions run in Dramatiq worker threads; our data access is async.
An asyncpg pool belongs to the event loop that created it, and the process's Databases
(``tenants.db.install``) is process-wide, so a pool per worker thread would need a
Databases per thread that tenant_tx cannot find. Instead the process has ONE event loop
in one thread that owns the Databases (in ``sanshi worker`` the same loop runs the relay),
and ``run_async(coro)`` hands an actor's coroutine to it and waits for the result. The
loop multiplexes all worker threads' queries over the one pool, which is what asyncpg
is good at; worker threads just block, as Dramatiq expects.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


class LoopThread:
    """An event loop running forever in a daemon thread (stop it with ``stop()``)."""

    def __init__(self, name: str = "sanshi-async") -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._main, name=name, daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def start(self) -> LoopThread:
        """Start the thread; returns self."""
        self.thread.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the loop and join the thread (bounded); closes the loop if it stopped."""
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout_s)
        if not self.thread.is_alive() and not self.loop.is_closed():
            self.loop.close()


def attach(loop: asyncio.AbstractEventLoop | None) -> None:
    """Run actors' coroutines on ``loop`` (the loop that owns the Databases); None detaches."""
    global _loop
    with _lock:
        _loop = loop


def attached_loop() -> asyncio.AbstractEventLoop:
    """The loop run_async uses; a private loop thread is started on first use if none."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            _loop = LoopThread(name="sanshi-async-lazy").start().loop
        return _loop


def run_async(coro: Coroutine[Any, Any, T], *, timeout_s: float | None = None) -> T:
    """Run ``coro`` on the process's event loop from a worker thread and return its result.

    Must not be called from that loop's own thread (it would wait on itself forever).
    """
    loop = attached_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        coro.close()
        raise RuntimeError("run_async() called from the event loop it runs on; await instead")
    return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout_s)
