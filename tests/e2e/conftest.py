"""E2E harness: a real uvicorn process serving the app, driven over HTTP with httpx.

The server runs against the run's test database and Redis (from tests/conftest.py), so
tests can arrange data in-process and observe it over HTTP. A third community in another
county makes "county admins see only their county" observable.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.auth.model import Role, Scope, ScopeKind
from services.auth.tokens import issue_token
from services.settings import Settings
from tenants.provisioning import create_community, ensure_county

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "graphql" / "operations"
OTHER_COUNTY = "othercounty"
OTHER_COMMUNITY = "gamma"
STARTUP_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running API process: where to reach it and where its log goes."""

    base_url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def server_env(settings: Settings, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SANSHI_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DATABASE_URL=settings.database_url or "",
        REDIS_URL=settings.redis_url or "",
        SANSHI_JWT_SECRET=settings.jwt_secret or "",
        SANSHI_ENV="test",
        SANSHI_DATA_DIR=str(data_dir),
        SANSHI_REDIS_NAMESPACE=settings.redis_namespace,
        SANSHI_DB_POOL_MAX="4",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def start_server(env: dict[str, str], log_path: Path, wait_path: str) -> Server:
    """Start uvicorn with the app factory and wait until ``wait_path`` answers 200."""
    port = free_port()
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "services.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    server = Server(f"http://127.0.0.1:{port}", log_path, process)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the API exited during startup:\n{server.log()[-4000:]}")
        try:
            if httpx.get(server.base_url + wait_path, timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError(f"the API did not get ready:\n{server.log()[-4000:]}")
        time.sleep(0.1)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(5)


@pytest.fixture(scope="session")
async def e2e_data(communities: tuple[str, str]) -> dict[str, str]:
    """alpha, beta (county testcounty) and gamma in another county."""
    await ensure_county(OTHER_COUNTY, "另一县", "Other County")
    await create_community(OTHER_COMMUNITY, "丙社区", OTHER_COUNTY, name_en="Gamma")
    a, b = communities
    return {"a": a, "b": b, "other": OTHER_COMMUNITY}


@pytest.fixture(scope="session")
def server(
    settings: Settings, e2e_data: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The API in its own process, ready (database and Redis reachable)."""
    tmp = tmp_path_factory.mktemp("api")
    srv = start_server(server_env(settings, tmp), tmp / "server.log", "/readyz")
    yield srv
    stop_server(srv)


@pytest.fixture(scope="session")
def token(settings: Settings) -> Callable[..., str]:
    """Mint a token: token("cadre_a") etc., or token(role, scope, ttl_s=...)."""
    named = {
        "cadre_a": (Role.COMMUNITY_CADRE, Scope(ScopeKind.COMMUNITY, "alpha")),
        "cadre_b": (Role.COMMUNITY_CADRE, Scope(ScopeKind.COMMUNITY, "beta")),
        "admin": (Role.COUNTY_ADMIN, Scope(ScopeKind.COUNTY, "testcounty")),
        "other_admin": (Role.COUNTY_ADMIN, Scope(ScopeKind.COUNTY, OTHER_COUNTY)),
    }

    def mint(
        who: str | Role,
        scope: Scope | None = None,
        *,
        ttl_s: int | None = None,
        secret: str | None = None,
    ) -> str:
        role, sc = (who, scope) if isinstance(who, Role) else named[who]
        s = settings if secret is None else settings.with_overrides(jwt_secret=secret)
        return issue_token(s, subject=f"e2e-{role.value}", roles=[role], scope=sc, ttl_s=ttl_s)

    return mint


@pytest.fixture(scope="session")
async def http(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def gql(http: httpx.AsyncClient, token: Callable[..., str]) -> Callable[..., Any]:
    """POST a GraphQL document: await gql(query, variables, as_="cadre_a") -> httpx.Response.

    ``as_`` is a named principal, a raw token (``bearer=``), or None for anonymous.
    """

    async def post(
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: str | None = None,
        bearer: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        h = dict(headers or {})
        if as_ is not None:
            h["Authorization"] = f"Bearer {token(as_)}"
        elif bearer is not None:
            h["Authorization"] = f"Bearer {bearer}"
        return await http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=h
        )

    return post


@pytest.fixture(scope="session")
def operation() -> Callable[[str], str]:
    """The text of graphql/operations/<name>.graphql (what the frontend sends)."""
    return lambda name: (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


@pytest.fixture
def extra_server(settings: Settings, tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start another API process with some environment changed (stopped after the test)."""
    started: list[Server] = []

    def start(wait_path: str = "/healthz", **env: str) -> Server:
        srv = start_server(server_env(settings, tmp_path, **env), tmp_path / "extra.log", wait_path)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        stop_server(srv)
