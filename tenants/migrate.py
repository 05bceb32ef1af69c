"""The migration runner: the platform schema, then every community schema.

Idempotent; one transaction per community in which its migrations and its recorded
version commit together; 2-4 communities in parallel; one community's failure is
reported and leaves it at its old version while the others proceed. A session-level
advisory lock makes a second runner wait or refuse.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import asyncpg

from services.errors import MigrationInProgress
from tenants import db
from tenants.slugs import PLATFORM_SCHEMA, schema_for
from tenants.tx import schema_tx

# pg_advisory_lock key for "a migrator is running" (any 64-bit constant unique to us).
MIGRATOR_LOCK_KEY = 0x5A45_5348_4900_0001
_FILE_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

VERSION_TABLE_DDL = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    """One numbered migration: plain SQL, run with search_path set to its schema."""

    version: int
    name: str
    sql: str


def load(kind: str, directory: Path | None = None) -> list[Migration]:
    """Migrations of ``kind`` ("platform" or "tenant"), ordered, versions 1..n without gaps."""
    if directory is None:
        base = resources.files("tenants.migrations").joinpath(kind)
        files = [(p.name, p.read_text(encoding="utf-8")) for p in base.iterdir()]
    else:
        files = [(p.name, p.read_text(encoding="utf-8")) for p in directory.iterdir()]
    out = []
    for name, text in files:
        m = _FILE_RE.match(name)
        if m:
            out.append(Migration(int(m.group(1)), m.group(2), text))
    out.sort(key=lambda m: m.version)
    for expected, mig in enumerate(out, start=1):
        if mig.version != expected:
            raise ValueError(f"{kind} migrations must be numbered 1..n; found {mig.version}")
    return out


def latest(migrations: list[Migration]) -> int:
    return migrations[-1].version if migrations else 0


async def _apply(conn: asyncpg.Connection, migrations: Iterable[Migration], current: int) -> int:
    """Apply migrations newer than ``current`` on ``conn`` (inside the caller's transaction)."""
    version = current
    for mig in migrations:
        if mig.version <= current:
            continue
        await conn.execute(mig.sql)
        await conn.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", mig.version, mig.name
        )
        version = mig.version
    return version


async def _current_version(conn: asyncpg.Connection) -> int:
    await conn.execute(VERSION_TABLE_DDL)
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))


async def migrate_platform(migrations: list[Migration] | None = None) -> int:
    """Bring the platform schema up to date; returns its version."""
    migrations = load("platform") if migrations is None else migrations
    pool = db.current().platform_pool
    async with pool.acquire() as conn:
        # Creating the schema races with another process doing the same; the lock
        # serialises first-time set-up across processes.
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATOR_LOCK_KEY - 1)
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {PLATFORM_SCHEMA}")
    async with schema_tx(db.DEFAULT_PLACEMENT, PLATFORM_SCHEMA) as tx:
        await tx.raw.execute("SELECT pg_advisory_xact_lock($1)", MIGRATOR_LOCK_KEY - 1)
        current = await _current_version(tx.raw)
        return await _apply(tx.raw, migrations, current)


async def migrate_community(
    slug: str, placement: str, migrations: list[Migration], *, create_schema: bool = False
) -> tuple[int, int]:
    """Migrate one community in one transaction; returns (old version, new version).

    The tenant's own ``schema_migrations`` rows and the registry's ``schema_version``
    are written in the same transaction as the DDL (same database for the default
    placement; for another placement the registry is updated right after commit).
    """
    schema = schema_for(slug)
    async with schema_tx(placement, schema) as tx:
        conn = tx.raw
        # Serialise with provisioning/archiving of the same community.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", "sanshi:c:" + slug)
        if create_schema:
            await conn.execute(f'CREATE SCHEMA "{schema}"')
        else:
            exists = await conn.fetchval(
                "SELECT 1 FROM pg_namespace WHERE nspname = $1", schema
            )
            if not exists:
                raise RuntimeError(f"schema {schema} is missing")
        old = await _current_version(conn)
        new = await _apply(conn, migrations, old)
        if placement == db.DEFAULT_PLACEMENT and new != old:
            await conn.execute(
                "UPDATE platform.communities SET schema_version = $2 WHERE slug = $1", slug, new
            )
    if placement != db.DEFAULT_PLACEMENT and new != old:
        async with db.current().platform_pool.acquire() as pconn:
            await pconn.execute(
                "UPDATE platform.communities SET schema_version = $2 WHERE slug = $1", slug, new
            )
    return old, new


@dataclass
class MigrationReport:
    """What one run did: per-community outcomes and the time it took."""

    target: int
    total: int = 0
    migrated: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


Progress = Callable[[str, str], None]  # (slug, outcome) -> None


async def _acquire_runner_lock(conn: asyncpg.Connection, wait: bool) -> None:
    if wait:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATOR_LOCK_KEY)
        return
    if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", MIGRATOR_LOCK_KEY):
        raise MigrationInProgress()


async def migrate_all(
    *,
    workers: int = 2,
    migrations: list[Migration] | None = None,
    slugs: list[str] | None = None,
    wait: bool = False,
    verify: bool = False,
    on_progress: Progress | None = None,
) -> MigrationReport:
    """Migrate the platform schema, then every community (or those in ``slugs``).

    Communities whose registry version is already the latest are skipped without
    opening their schema, unless ``verify`` asks to check each schema's own table.
    """
    if not 1 <= workers <= 8:
        raise ValueError("workers must be between 1 and 8")
    migrations = load("tenant") if migrations is None else migrations
    target = latest(migrations)
    report = MigrationReport(target=target)
    started = time.perf_counter()
    # The runner lock is held on a connection of its own, outside the pool, so a small
    # pool still has `workers` connections for the communities.
    dbs = db.current()
    lock_conn = await asyncpg.connect(
        dbs.urls[db.DEFAULT_PLACEMENT], server_settings={"application_name": "sanshi-migrator"}
    )
    try:
        await _acquire_runner_lock(lock_conn, wait)
        try:
            await migrate_platform()
            rows = await lock_conn.fetch(
                "SELECT slug, placement, schema_version FROM platform.communities "
                "WHERE status <> 'provisioning' AND ($1::text[] IS NULL OR slug = ANY($1)) "
                "ORDER BY slug",
                slugs,
            )
            report.total = len(rows)
            sem = asyncio.Semaphore(workers)

            async def one(slug: str, placement: str, version: int) -> None:
                if version >= target and not verify:
                    report.current.append(slug)
                    outcome = "current"
                else:
                    async with sem:
                        try:
                            old, new = await migrate_community(slug, placement, migrations)
                        except Exception as exc:  # isolate: report and go on with the others
                            report.failed[slug] = f"{type(exc).__name__}: {exc}"
                            outcome = "failed"
                        else:
                            (report.migrated if new != old else report.current).append(slug)
                            outcome = "migrated" if new != old else "current"
                if on_progress:
                    on_progress(slug, outcome)

            await asyncio.gather(
                *(one(r["slug"], r["placement"], r["schema_version"]) for r in rows)
            )
        finally:
            await lock_conn.execute("SELECT pg_advisory_unlock($1)", MIGRATOR_LOCK_KEY)
    finally:
        await lock_conn.close()
    report.seconds = time.perf_counter() - started
    return report
