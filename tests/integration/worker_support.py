"""What the tests that run real `sanshi worker` processes share: the subprocess's
environment, spawning and stopping it, waiting on a condition (with the logs on a timeout),
and a Redis namespace of the test's own."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from services.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def env_for(s: Settings, **extra: str) -> dict[str, str]:
    """The subprocess environment: this run's database, the given Redis and namespace."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANSHI_")}
    env.update(
        DATABASE_URL=s.database_url or "",
        REDIS_URL=s.redis_url or "",
        SANSHI_REDIS_NAMESPACE=s.redis_namespace,
        SANSHI_ENV="test",
        SANSHI_DB_POOL_MAX="3",
        SANSHI_OUTBOX_POLL_S="0.1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def spawn(code: str, s: Settings, log: Path, **extra: str) -> subprocess.Popen:
    """``python -c code`` (which ends by running the real `sanshi worker`) in its own
    session, output to ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env_for(s, **extra),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(*procs: subprocess.Popen | None) -> None:
    for p in procs:
        if p is not None and p.poll() is None:
            p.kill()
            p.wait(10)


async def wait_for(predicate, what: str, timeout_s: float, *logs: Path) -> float:
    """Poll an async or sync predicate until true; returns when it became true."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return time.time()
        if time.monotonic() > deadline:
            tails = "\n".join(p.read_text(errors="replace")[-3000:] for p in logs if p.exists())
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}\n{tails}")
        await asyncio.sleep(0.05)


def started(log: Path) -> bool:
    return log.exists() and b"worker started" in log.read_bytes()


@pytest.fixture
def ns_settings(settings: Settings) -> Iterator[Settings]:
    """This test's own Redis namespace (deleted afterwards)."""
    ns = f"{settings.redis_namespace}:rt{secrets.token_hex(3)}"
    yield settings.with_overrides(redis_namespace=ns)
    client = redis.Redis.from_url(settings.redis_url)
    keys = list(client.scan_iter(match=f"{ns}*"))
    if keys:
        client.delete(*keys)
    client.close()
