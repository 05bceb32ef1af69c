"""The migration runner: the platform schema, then every community schema.

Idempotent; one transaction per community in which its migrations and its recorded
version commit together; 2-4 communities in parallel; one community's failure is
reported and leaves it at its old version while the others proceed. A session-level
advisory lock makes a second runner wait (bounded) or refuse.
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

from services.cache.triggers import COVER_NEW_TABLES
from services.errors import CommunityNotFound, MigrationInProgress
from services.settings import Settings
from tenants import db
from tenants.slugs import PLATFORM_SCHEMA, schema_for, validate_slug
from tenants.tx import schema_tx

# pg_advisory_lock key for "a migrator is running" (any 64-bit constant unique to us).
MIGRATOR_LOCK_KEY = 0x5A45_5348_4900_0001
# How long `wait=True` waits for another migrator before giving up (seconds).
DEFAULT_WAIT_TIMEOUT_S = 600.0
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

    def __post_init__(self) -> None:
        # The name is spliced into SQL as a literal (one round trip per migration), so
        # it must stay within the file-name alphabet.
        if not re.fullmatch(r"[a-z0-9_]+", self.name) or self.version < 1:
            raise ValueError(f"bad migration {self.version} {self.name!r}")


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
    """The version a schema has once every migration in ``migrations`` is applied."""
    return migrations[-1].version if migrations else 0


def _script(migrations: Iterable[Migration], current: int) -> tuple[str, int]:
    """One SQL script applying every migration newer than ``current``, and its version.

    Sent as one simple-protocol message: a migration costs one round trip however many
    statements it holds. ``\\n;\\n`` ends each part so a trailing ``--`` comment in a
    file cannot swallow the bookkeeping INSERT after it.
    """
    parts: list[str] = []
    version = current
    for mig in migrations:
        if mig.version <= current:
            continue
        parts.append(mig.sql)
        parts.append(
            f"INSERT INTO schema_migrations (version, name) VALUES ({mig.version}, '{mig.name}')"
        )
        version = mig.version
    if parts:
        parts.append(COVER_NEW_TABLES)
    return "\n;\n".join(parts), version


async def _apply(conn: asyncpg.Connection, migrations: Iterable[Migration], current: int) -> int:
    """Apply migrations newer than ``current`` on ``conn`` (inside the caller's transaction)."""
    script, version = _script(migrations, current)
    if script:
        await conn.execute(script)
    return version


async def _current_version(conn: asyncpg.Connection, schema: str) -> int:
    """The schema's own recorded version, creating its ``schema_migrations`` if missing.

    Existence is asked of THIS schema (``to_regclass`` on the qualified name), never
    "some table of that name anywhere" — Piccolo's ``table_exists()`` looks across all
    schemas and would answer yes for every community after the first (trap 6).
    """
    if await conn.fetchval("SELECT to_regclass($1) IS NULL", f'"{schema}".schema_migrations'):
        await conn.execute(VERSION_TABLE_DDL)
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations"))


async def migrate_platform(
    migrations: list[Migration] | None = None, *, placement: str = db.DEFAULT_PLACEMENT
) -> int:
    """Bring one database's platform schema up to date; returns its version."""
    migrations = load("platform") if migrations is None else migrations
    pool = db.current().pool(placement)
    # Creating the schema races with another process doing the same; the lock
    # serialises first-time set-up across processes.
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATOR_LOCK_KEY - 1)
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {PLATFORM_SCHEMA}")
    async with schema_tx(placement, PLATFORM_SCHEMA) as tx:
        await tx.raw.execute("SELECT pg_advisory_xact_lock($1)", MIGRATOR_LOCK_KEY - 1)
        current = await _current_version(tx.raw, PLATFORM_SCHEMA)
        return await _apply(tx.raw, migrations, current)


async def migrate_platforms(migrations: list[Migration] | None = None) -> dict[str, int]:
    """The platform schema of every placement database (the default one first).

    Only the default database's copy holds the registry and county-wide data; the others
    hold the outbox of the communities placed there.
    """
    return {
        name: await migrate_platform(migrations, placement=name)
        for name in sorted(db.current().pools, key=lambda n: n != db.DEFAULT_PLACEMENT)
    }


async def migrate_schema_in_tx(
    conn: asyncpg.Connection,
    slug: str,
    migrations: list[Migration],
    *,
    create_schema: bool = False,
    registry_version: int | None = None,
    update_registry: bool = True,
) -> tuple[int, int]:
    """Migrate community ``slug`` on ``conn``, inside the caller's ``schema_tx``.

    Returns (old version, new version). The registry row (default placement) is updated
    in the same transaction whenever it differs from the schema's own version, so the
    two can never disagree after a commit. Provisioning calls this after inserting the
    registry row in the same transaction; everything else calls ``migrate_community``.
    """
    schema = schema_for(slug)
    # Serialise with provisioning/archiving/migrating of the same community, and learn
    # whether its schema exists, in one round trip.
    exists = await conn.fetchval(
        "SELECT to_regnamespace($2) IS NOT NULL FROM pg_advisory_xact_lock(hashtext($1))",
        "sanshi:c:" + slug,
        f'"{schema}"',
    )
    if create_schema:
        # Fails with DuplicateSchemaError rather than adopting a schema of unknown origin.
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    elif not exists:
        raise RuntimeError(f"schema {schema} is missing")
    old = await _current_version(conn, schema)
    new = await _apply(conn, migrations, old)
    if update_registry and (new != old or registry_version != new):
        await conn.execute(
            "UPDATE platform.communities SET schema_version = $2 WHERE slug = $1", slug, new
        )
    return old, new


async def migrate_community(
    slug: str,
    placement: str,
    migrations: list[Migration],
    *,
    create_schema: bool = False,
    registry_version: int | None = None,
) -> tuple[int, int]:
    """Migrate one community in one transaction; returns (old version, new version).

    The tenant's own ``schema_migrations`` rows and the registry's ``schema_version``
    are written in the same transaction as the DDL (same database for the default
    placement; for another placement the registry is updated right after commit).
    """
    same_db = placement == db.DEFAULT_PLACEMENT
    async with schema_tx(placement, schema_for(slug)) as tx:
        old, new = await migrate_schema_in_tx(
            tx.raw,
            slug,
            migrations,
            create_schema=create_schema,
            registry_version=registry_version,
            update_registry=same_db,
        )
    if not same_db and (new != old or registry_version != new):
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
        """True when no community failed."""
        return not self.failed


Progress = Callable[[str, str], None]  # (slug, outcome: migrated|current|failed) -> None
Start = Callable[[int], None]  # (number of communities about to be looked at) -> None


async def _acquire_runner_lock(conn: asyncpg.Connection, wait: bool, timeout_s: float) -> None:
    if not wait:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", MIGRATOR_LOCK_KEY):
            raise MigrationInProgress()
        return
    # Waiting is bounded: pg_advisory_lock obeys lock_timeout, so a stuck migrator
    # elsewhere gives a clear error instead of a CLI hanging forever.
    await conn.execute(f"SET lock_timeout = {max(1, int(timeout_s * 1000))}")
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATOR_LOCK_KEY)
    except asyncpg.LockNotAvailableError:
        raise MigrationInProgress() from None
    await conn.execute("SET lock_timeout = 0")


async def migrate_all(
    *,
    workers: int = Settings.migrate_workers,
    migrations: list[Migration] | None = None,
    slugs: list[str] | None = None,
    wait: bool = False,
    wait_timeout_s: float = DEFAULT_WAIT_TIMEOUT_S,
    verify: bool = False,
    on_progress: Progress | None = None,
    on_start: Start | None = None,
) -> MigrationReport:
    """Migrate the platform schema, then every community (or those in ``slugs``).

    Archived communities are migrated too: their data is kept and must stay readable
    by the current code. Communities whose registry version is already the latest are
    skipped without opening their schema (the fast no-op path), unless ``verify`` asks
    to check each schema's own ``schema_migrations``. Raises MigrationInProgress when
    another migrator holds the lock (after up to ``wait_timeout_s`` with ``wait``),
    InvalidSlug / CommunityNotFound for a bad entry in ``slugs``.
    """
    if not 1 <= workers <= 8:
        raise ValueError("workers must be between 1 and 8")
    if slugs is not None:
        slugs = sorted({validate_slug(s) for s in slugs})
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
        await _acquire_runner_lock(lock_conn, wait, wait_timeout_s)
        try:
            await migrate_platforms()
            rows = await lock_conn.fetch(
                "SELECT slug, placement, schema_version FROM platform.communities "
                "WHERE status <> 'provisioning' AND ($1::text[] IS NULL OR slug = ANY($1)) "
                "ORDER BY slug",
                slugs,
            )
            if slugs is not None and len(rows) != len(slugs):
                missing = sorted(set(slugs) - {r["slug"] for r in rows})
                raise CommunityNotFound(detail=", ".join(missing))
            report.total = len(rows)
            if on_start:
                on_start(len(rows))
            await _run_communities(rows, migrations, target, workers, verify, report, on_progress)
        finally:
            await lock_conn.execute("SELECT pg_advisory_unlock($1)", MIGRATOR_LOCK_KEY)
    finally:
        await lock_conn.close()
    report.seconds = time.perf_counter() - started
    return report


async def _run_communities(
    rows: list[asyncpg.Record],
    migrations: list[Migration],
    target: int,
    workers: int,
    verify: bool,
    report: MigrationReport,
    on_progress: Progress | None,
) -> None:
    def done(slug: str, outcome: str) -> None:
        if on_progress:
            on_progress(slug, outcome)

    todo = []
    for r in rows:
        if r["schema_version"] >= target and not verify:
            report.current.append(r["slug"])
            done(r["slug"], "current")
        else:
            todo.append(r)
    queue: asyncio.Queue[asyncpg.Record] = asyncio.Queue()
    for r in todo:
        queue.put_nowait(r)

    async def worker() -> None:
        # A fixed set of workers pulling from a queue (not one task per community):
        # thousands of pending tasks would only cost memory and scheduling.
        while True:
            try:
                r = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            slug = r["slug"]
            try:
                old, new = await migrate_community(
                    slug, r["placement"], migrations, registry_version=r["schema_version"]
                )
            except Exception as exc:  # isolate: report and go on with the others
                report.failed[slug] = f"{type(exc).__name__}: {exc}"
                done(slug, "failed")
            else:
                (report.migrated if new != old else report.current).append(slug)
                done(slug, "migrated" if new != old else "current")

    await asyncio.gather(*(worker() for _ in range(min(workers, len(todo)))))
