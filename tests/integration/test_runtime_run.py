"""The real `sanshi run` on embedded servers: ready, GraphQL, Ctrl-C stops all, data kept."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import redis

from services.runtime import embedded

READY_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 60.0
QUERY = '{ me { subject } community(slug: "donghai") { slug nameZh grids { code } } }'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Run:
    """One `sanshi run` process (its own session, like a terminal's foreground job)."""

    process: subprocess.Popen[bytes]
    log: Path
    port: int

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self) -> float:
        """Seconds from start until /readyz answered 200 (fails after READY_TIMEOUT_S)."""
        started = time.monotonic()
        while time.monotonic() - started < READY_TIMEOUT_S:
            assert self.process.poll() is None, f"sanshi run exited early:\n{self.output()}"
            try:
                url = f"http://127.0.0.1:{self.port}/readyz"
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        pytest.fail(f"/readyz not ready within {READY_TIMEOUT_S} s:\n{self.output()}")

    def token(self, role: str) -> str:
        """The demo token printed for ``role`` (waits briefly: the banner follows /readyz)."""
        deadline = time.monotonic() + 30
        pattern = re.compile(rf"^export SANSHI_TOKEN_{role.upper()}=(\S+)$", re.MULTILINE)
        while time.monotonic() < deadline:
            m = pattern.search(self.output())
            if m:
                return m.group(1).strip("'")
            time.sleep(0.2)
        pytest.fail(f"no demo token for {role} in the output:\n{self.output()}")

    def graphql(self, token: str, query: str = QUERY) -> dict:
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql",
            data=json.dumps({"query": query}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - local http
            return json.loads(resp.read())

    def interrupt(self) -> int:
        """Ctrl-C as a terminal sends it (to the job's process group); the exit code."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"sanshi run did not stop within {STOP_TIMEOUT_S} s:\n{self.output()}")


def _sanshi() -> list[str]:
    script = Path(sys.executable).with_name("sanshi")
    if script.exists():
        return [str(script), "run"]
    return [sys.executable, "-c", "from services.cli import main; main()", "run"]


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A fresh data folder; whatever a failed test left running on it is stopped after."""
    path = tmp_path / "data"
    yield path
    embedded.stop_redis(path / "redis")
    embedded.stop_postgres(path / "pg")


def _start(data_dir: Path, log: Path, port: int) -> Run:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SANSHI_JWT_SECRET", "SANSHI_ENV"}
    }
    env.update(SANSHI_DATA_DIR=str(data_dir), SANSHI_PORT=str(port), SANSHI_HOST="127.0.0.1")
    with log.open("wb") as out:
        process = subprocess.Popen(
            _sanshi(), env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Run(process, log, port)


def _everything_started_by(run: Run, data_dir: Path) -> set[int]:
    """PIDs of the supervisor's children and of the embedded PostgreSQL and Redis."""
    pids = {p.pid for p in psutil.Process(run.process.pid).children(recursive=True)}
    pg = embedded.postgres_pid(data_dir / "pg")
    rd = embedded.redis_pid(data_dir / "redis")
    assert pg and rd, "embedded PostgreSQL and Redis should be running"
    pids |= {pg, rd} | {p.pid for p in psutil.Process(pg).children(recursive=True)}
    return pids


def _alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (waits up to 10 s for stragglers to be reaped)."""
    deadline = time.monotonic() + 10
    while True:
        alive = set()
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.add(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def _kill_leftovers(run: Run) -> None:
    if run.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.process.pid, signal.SIGKILL)
        run.process.wait(10)


def test_run_serves_stops_cleanly_and_restarts_with_data_kept(tmp_path, data_dir):
    """Ready, GraphQL with a printed token; Ctrl-C stops all (exit 0); restart, data kept."""
    port = _free_port()
    first = _start(data_dir, tmp_path / "first.log", port)
    try:
        first_ready = first.wait_ready()
        answer = first.graphql(first.token("county_admin"))
        assert answer.get("errors") is None, answer
        community = answer["data"]["community"]
        assert community["slug"] == "donghai" and community["nameZh"] == "东海社区"
        assert [g["code"] for g in community["grids"]] == [f"g{i}" for i in range(1, 8)]
        assert answer["data"]["me"]["subject"] == "demo.county_admin"
        started = _everything_started_by(first, data_dir)
        # Redis data must survive the restart as well (append-only file under data/redis).
        client = redis.Redis(unix_socket_path=str(data_dir / "redis" / "redis.sock"))
        client.set("sanshi:test:survives", "1")
        client.close()
        assert first.interrupt() == 0, first.output()
        assert _alive(started) == set(), f"left running after Ctrl-C:\n{first.output()}"
    finally:
        _kill_leftovers(first)

    second = _start(data_dir, tmp_path / "second.log", port)
    try:
        second_ready = second.wait_ready()
        out = second.output()
        assert "Seeded demo county" not in out and "demo data not seeded" in out, out
        answer = second.graphql(second.token("community_cadre"))
        assert [g["code"] for g in answer["data"]["community"]["grids"]] == [
            f"g{i}" for i in range(1, 8)
        ]
        client = redis.Redis(unix_socket_path=str(data_dir / "redis" / "redis.sock"))
        assert client.get("sanshi:test:survives") == b"1"
        client.close()
        started = _everything_started_by(second, data_dir)
        assert second.interrupt() == 0, second.output()
        assert _alive(started) == set(), f"left running after Ctrl-C:\n{second.output()}"
    finally:
        _kill_leftovers(second)
    # Timings are printed, not asserted (shared machines are noisy); the second start's
    # work is checked above: no seeding, data kept.
    print(f"time to ready: first {first_ready:.1f} s, second {second_ready:.1f} s")


def test_a_child_dying_stops_the_rest_and_exits_non_zero(tmp_path, data_dir):
    """When the worker dies on its own, the API and embedded servers are stopped, exit code 1."""
    run = _start(data_dir, tmp_path / "run.log", _free_port())
    try:
        run.wait_ready()
        started = _everything_started_by(run, data_dir)
        workers = [
            p
            for p in psutil.Process(run.process.pid).children()
            if "worker" in " ".join(p.cmdline())
        ]
        assert len(workers) == 1, [p.cmdline() for p in workers]
        workers[0].kill()
        try:
            code = run.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"sanshi run kept running after its worker died:\n{run.output()}")
        assert code == 1, run.output()
        assert "worker" in run.output() and "stopped unexpectedly" in run.output()
        assert _alive(started) == set(), f"left running:\n{run.output()}"
    finally:
        _kill_leftovers(run)
