"""Test harness: a fresh database and Redis namespace per run, two communities everywhere.

With DATABASE_URL / REDIS_URL set (CI) the real servers are used; otherwise the embedded
ones under var/test. Nothing here skips: an unreachable server fails the tests. Every test
is marked unit, integration or e2e after its folder.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from services.settings import Settings
from tenants import db
from tenants.migrate import migrate_platform
from tenants.provisioning import create_community, ensure_county

ROOT = Path(__file__).resolve().parent.parent
RUN_ID = secrets.token_hex(4)
TEST_DB = f"sanshi_test_{RUN_ID}"
COUNTY = "testcounty"
A, B = "alpha", "beta"


# The marker every test gets from the folder its file is in (`-m unit` selects tests/unit).
FOLDER_MARKERS = {"unit": "unit", "integration": "integration", "e2e": "e2e"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test by its folder; refuse a unit test that would start the servers."""
    here = Path(__file__).resolve().parent
    for item in items:
        try:
            folder = item.path.resolve().relative_to(here).parts[0]
        except ValueError:  # not under tests/ (e.g. a pytester run of its own)
            continue
        marker = FOLDER_MARKERS.get(folder)
        if marker is None:
            continue
        item.add_marker(marker)
        # `make test-unit` runs without PostgreSQL or Redis: a unit test that needs them
        # (through `servers`, which every database fixture builds on) is in the wrong folder.
        if marker == "unit" and "servers" in getattr(item, "fixturenames", ()):
            raise pytest.UsageError(
                f"{item.nodeid} is a unit test but uses PostgreSQL/Redis fixtures; "
                "move it to tests/integration"
            )


def _with_database(url: str, name: str) -> str:
    """The same server URL pointing at database ``name`` (handles ?host= socket URLs)."""
    head, sep, query = url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}{sep}{query}"


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, str]]:
    """Admin URL of a PostgreSQL server and a Redis URL (real ones, or embedded)."""
    from services.runtime import embedded

    started: list = []
    pg_url = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not pg_url:
        pg = embedded.start_postgres(ROOT / "var" / "test")
        pg_url = pg.admin_url
    if not redis_url:
        r = embedded.start_redis(ROOT / "var" / "test" / f"redis-{RUN_ID}", persist=False)
        started.append(r)
        redis_url = r.url
    yield {"admin_url": pg_url, "redis_url": redis_url}
    for s in started:
        s.stop()


@pytest.fixture(scope="session")
async def test_database(servers: dict[str, str]) -> AsyncIterator[str]:
    """A database created for this run and dropped after it."""
    admin = await asyncpg.connect(servers["admin_url"])
    try:
        await admin.execute(f'CREATE DATABASE "{TEST_DB}"')
    finally:
        await admin.close()
    yield _with_database(servers["admin_url"], TEST_DB)
    admin = await asyncpg.connect(servers["admin_url"])
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{TEST_DB}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def settings(test_database: str, servers: dict[str, str]) -> Settings:
    """Settings every test uses: the run's database, its own Redis namespace."""
    return Settings(
        environment="test",
        data_dir=ROOT / "var" / "test",
        database_url=test_database,
        redis_url=servers["redis_url"],
        redis_namespace=f"sanshi_test_{RUN_ID}",
        jwt_secret="test-secret-" + RUN_ID * 8,
        db_pool_max=4,
    )


@pytest.fixture(scope="session")
async def dbs(settings: Settings) -> AsyncIterator[db.Databases]:
    """Started pools installed as the process's databases, platform schema migrated."""
    async with db.running(settings) as databases:
        await migrate_platform()
        yield databases


@pytest.fixture(scope="session")
async def communities(dbs: db.Databases) -> tuple[str, str]:
    """Two communities in one county: every isolation test has a neighbour to leak into."""
    await ensure_county(COUNTY, "测试县", "Test County")
    for slug, name in ((A, "甲社区"), (B, "乙社区")):
        await create_community(slug, name, COUNTY, name_en=slug.title())
    return A, B
