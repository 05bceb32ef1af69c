"""The redelivery trap: a worker SIGKILLed mid-message; the message runs again within ~10 s."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import pytest
import redis

from services.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ACTOR = "test.sigkill_slow"
REDELIVERY_BOUND_S = 10.0

# The worker subprocess: declares a slow test actor, then runs the real `sanshi worker`
# command (without the relay: this test publishes directly). The first run of a marker
# sleeps long enough to be killed; a later run finishes.
WORKER_CODE = f"""
import sys, time
from workers import registry
from workers.broker import current_namespace, current_redis

@registry.actor({ACTOR!r}, max_retries=0)
def slow(*, marker):
    r, ns = current_redis(), current_namespace()
    r.rpush(f"{{ns}}:starts:{{marker}}", repr(time.time()))
    if r.incr(f"{{ns}}:runs:{{marker}}") == 1:
        time.sleep(120)
    r.set(f"{{ns}}:finished:{{marker}}", repr(time.time()))

from workers.cli import worker
worker.main(["--threads", "1", "--no-relay", "--shutdown-timeout", "5"], prog_name="sanshi worker")
"""


@pytest.fixture
def rsettings(settings: Settings) -> Iterator[Settings]:
    """This test's own Redis namespace, deleted afterwards."""
    ns = f"{settings.redis_namespace}:sigkill"
    yield settings.with_overrides(redis_namespace=ns)
    client = redis.Redis.from_url(settings.redis_url)
    keys = list(client.scan_iter(match=f"{ns}*"))
    if keys:
        client.delete(*keys)
    client.close()


def _spawn(s: Settings, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": s.database_url or "",
        "REDIS_URL": s.redis_url or "",
        "SANSHI_REDIS_NAMESPACE": s.redis_namespace,
        "SANSHI_ENV": "test",
        "SANSHI_DB_POOL_MAX": "2",
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", WORKER_CODE],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait(predicate, what: str, timeout_s: float, *logs: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            tails = "\n".join(p.read_text(errors="replace")[-2000:] for p in logs)
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}\n{tails}")
        time.sleep(0.05)


def test_sigkilled_workers_message_runs_again_within_seconds(rsettings: Settings, dbs, tmp_path):
    """SIGKILL a worker mid-message: another worker re-runs it within the bound, and only once."""
    client = redis.Redis.from_url(rsettings.redis_url)
    ns = f"{rsettings.redis_namespace}:sanshi"
    marker = uuid.uuid4().hex
    log_a, log_b = tmp_path / "worker-a.log", tmp_path / "worker-b.log"
    a = _spawn(rsettings, log_a)
    b: subprocess.Popen | None = None
    try:
        from workers.broker import build_broker

        broker = build_broker(rsettings)
        broker.enqueue(
            dramatiq.Message(
                queue_name="default",
                actor_name=ACTOR,
                args=(),
                kwargs={"marker": marker},
                options={},
                message_id=str(uuid.uuid4()),
            )
        )
        _wait(lambda: client.get(f"{ns}:runs:{marker}") == b"1", "worker A to start", 60, log_a)

        b = _spawn(rsettings, log_b)
        _wait(lambda: b"worker started" in log_b.read_bytes(), "worker B to start", 60, log_b)

        os.kill(a.pid, signal.SIGKILL)
        killed_at = time.time()
        a.wait(10)
        _wait(
            lambda: client.get(f"{ns}:finished:{marker}") is not None,
            "the message to run again",
            REDELIVERY_BOUND_S + 20,
            log_b,
        )
        starts = [float(x) for x in client.lrange(f"{ns}:starts:{marker}", 0, -1)]
        redelivered_after = starts[1] - killed_at
        print(
            f"\nSIGKILL redelivery: heartbeat timeout {rsettings.dramatiq_heartbeat_timeout_ms} ms,"
            f" maintenance chance {rsettings.dramatiq_maintenance_chance}/1e6 + forced 1/s;"
            f" re-run started {redelivered_after:.2f} s after the kill"
        )
        assert len(starts) == 2, starts
        assert redelivered_after <= REDELIVERY_BOUND_S

        # Graceful stop of the surviving worker: SIGTERM, exit 0, bounded.
        b.send_signal(signal.SIGTERM)
        assert b.wait(30) == 0, log_b.read_text(errors="replace")[-2000:]
        assert b"stopped" in log_b.read_bytes()
    finally:
        for p in (a, b):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(10)
        client.close()
