"""run_async: actors' coroutines run on the process's one event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from workers import runtime


def test_run_async_runs_on_the_attached_loop_from_another_thread():
    """A worker thread gets the coroutine's result, computed on the attached loop's thread."""
    lt = runtime.LoopThread(name="test-loop").start()
    runtime.attach(lt.loop)
    try:

        async def where() -> str:
            await asyncio.sleep(0)
            return threading.current_thread().name

        results: list[str] = []
        t = threading.Thread(target=lambda: results.append(runtime.run_async(where(), timeout_s=5)))
        t.start()
        t.join(10)
        assert results == ["test-loop"]
    finally:
        runtime.attach(None)
        lt.stop()
    assert lt.loop.is_closed()


def test_run_async_errors_propagate_to_the_actor():
    """An exception in the coroutine is raised in the calling thread."""
    lt = runtime.LoopThread().start()
    runtime.attach(lt.loop)
    try:

        async def boom() -> None:
            raise KeyError("x")

        with pytest.raises(KeyError):
            runtime.run_async(boom(), timeout_s=5)
    finally:
        runtime.attach(None)
        lt.stop()


def test_run_async_refuses_to_wait_on_its_own_loop():
    """Calling run_async from the loop it would run on fails instead of deadlocking."""

    async def main() -> None:
        runtime.attach(asyncio.get_running_loop())
        try:

            async def nothing() -> None:
                return None

            with pytest.raises(RuntimeError, match="await instead"):
                runtime.run_async(nothing())
        finally:
            runtime.attach(None)

    asyncio.run(main())
