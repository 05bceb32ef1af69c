"""Data versions (services/cache/, platform migration 0004): what the response cache trusts.

A schema's token must change with every committed change of its data and with nothing
else, every table must be covered (tables added later too), the triggers must not add a
deadlock, and a recorded read must hold the token from BEFORE its data was read.
"""

from __future__ import annotations

import asyncio
import secrets

import asyncpg
import pytest

from services.cache import readset
from services.cache.readset import ReadSet
from services.cache.tokens import current_tokens
from services.errors import CommunityNotFound
from tenants import db
from tenants.migrate import Migration, latest, load
from tenants.provisioning import create_community, ensure_county
from tenants.tx import platform_tx, tenant_tx

COUNTY = "dvcounty"
BASE = load("tenant")


async def token_of(schema: str) -> str | None:
    (token,) = await current_tokens([(db.DEFAULT_PLACEMENT, schema)])
    return token


@pytest.fixture
async def make(dbs):
    """Throw-away communities (dropped after the test)."""
    await ensure_county(COUNTY, "版本测试县", "Data Version County")
    made: list[str] = []

    async def _make(migrations: list[Migration] | None = None) -> str:
        slug = f"dv_{secrets.token_hex(4)}"
        await create_community(slug, "版本测试社区", COUNTY, migrations=migrations)
        made.append(slug)
        return slug

    yield _make
    async with dbs.platform_pool.acquire() as conn:
        for slug in made:
            await conn.execute(f'DROP SCHEMA IF EXISTS "c_{slug}" CASCADE')
        await conn.execute("DELETE FROM platform.communities WHERE slug = ANY($1)", made)
    for slug in made:
        dbs._registry.pop(slug, None)


async def uncovered(schema: str) -> set[str]:
    """Tables of ``schema`` without the data-version trigger."""
    async with db.current().platform_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = $1 AND c.relkind = 'r' AND NOT EXISTS ("
            "  SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid "
            "  AND t.tgname = 'sanshi_data_version')",
            schema,
        )
    return {r[0] for r in rows}


async def test_every_table_is_covered(communities):
    slug, _ = communities
    assert await uncovered(f"c_{slug}") == {"data_version", "schema_migrations"}
    # the outbox is rewritten by the relay all the time and shown by no read
    assert await uncovered("platform") == {"data_version", "schema_migrations", "outbox"}


async def test_a_table_added_by_a_later_migration_is_covered(make):
    extra = Migration(latest(BASE) + 1, "extra", "CREATE TABLE extra_things (id int)")
    slug = await make([*BASE, extra])
    assert await uncovered(f"c_{slug}") == {"data_version", "schema_migrations"}
    before = await token_of(f"c_{slug}")
    async with tenant_tx(slug) as tx:
        await tx.raw.execute("INSERT INTO extra_things VALUES (1)")
    assert await token_of(f"c_{slug}") != before


async def test_token_changes_with_committed_data_only(make):
    slug, other = await make(), await make()
    schema = f"c_{slug}"
    t0, other0 = await token_of(schema), await token_of(f"c_{other}")
    assert t0 is not None

    async with tenant_tx(slug) as tx:  # a read changes nothing
        await tx.raw.fetch("SELECT * FROM grids")
    assert await token_of(schema) == t0

    with pytest.raises(RuntimeError):  # neither does a rolled-back write
        async with tenant_tx(slug) as tx:
            await tx.raw.execute("INSERT INTO grids (code, name) VALUES ('one', '一')")
            raise RuntimeError("roll back")
    assert await token_of(schema) == t0

    async with tenant_tx(slug) as tx:  # a committed one does, once, whatever its size
        await tx.raw.execute(
            "INSERT INTO grids (code, name) "
            "SELECT 'g' || i, '网格' || i FROM generate_series(1, 300) i"
        )
        await tx.raw.execute("UPDATE grids SET name = name || '!'")
        inside = await tx.raw.fetchval("SELECT token::text FROM data_version")
    t1 = await token_of(schema)
    assert t1 not in (None, t0)
    assert inside == t0  # deferred: the new token appears with the commit, not before

    async with tenant_tx(slug) as tx:
        await tx.raw.execute("DELETE FROM grids WHERE code = 'g1'")
    t2 = await token_of(schema)
    assert t2 not in (t0, t1)

    async with tenant_tx(slug) as tx:
        await tx.raw.execute("TRUNCATE grids CASCADE")
    assert await token_of(schema) not in (t0, t1, t2)

    assert await token_of(f"c_{other}") == other0  # another community is untouched


async def test_platform_token_follows_registry_not_outbox(communities):
    before = await token_of("platform")
    async with platform_tx() as tx:
        await tx.raw.execute(
            "INSERT INTO platform.outbox (message_id, topic, payload) "
            "VALUES (gen_random_uuid(), 'test.noop', '{}'::jsonb)"
        )
        await tx.raw.execute("DELETE FROM platform.outbox WHERE topic = 'test.noop'")
    assert await token_of("platform") == before
    async with platform_tx() as tx:
        await tx.raw.execute(
            "UPDATE platform.communities SET name_en = name_en WHERE slug = $1", communities[0]
        )
    assert await token_of("platform") != before


async def test_crossing_row_locks_do_not_deadlock(make, settings):
    """A writes row X, B writes row Y, then A writes Y (waits for B) and B commits.

    Had the token been bumped at each write, A would hold the one data_version row from
    its first write on, B's write would wait for it while A waits for B's row: a deadlock
    the application never asked for. Bumped at commit, B's write goes through, B commits,
    A goes on and commits."""
    slug = await make()
    async with tenant_tx(slug) as tx:
        ids = [
            r[0]
            for r in await tx.raw.fetch(
                "INSERT INTO grids (code, name) VALUES ('a', '甲'), ('b', '乙') RETURNING id"
            )
        ]
    before = await token_of(f"c_{slug}")
    a = await asyncpg.connect(settings.database_url)
    b = await asyncpg.connect(settings.database_url)
    try:
        for conn in (a, b):
            await conn.execute(f"SET search_path = c_{slug}")
            await conn.execute("SET deadlock_timeout = '100ms'")
            await conn.execute("BEGIN")
        await a.execute("UPDATE grids SET code = 'a1' WHERE id = $1", ids[0])
        # B's write must not wait for A (it would, on a row A locked at its first write)
        await asyncio.wait_for(b.execute("UPDATE grids SET code = 'b1' WHERE id = $1", ids[1]), 5)
        a_waits = asyncio.create_task(
            a.execute("UPDATE grids SET name = '乙2' WHERE id = $1", ids[1])
        )
        await asyncio.sleep(0.3)
        assert not a_waits.done()  # blocked on B's row, as it should be
        await asyncio.wait_for(b.execute("COMMIT"), 5)
        await asyncio.wait_for(a_waits, 5)
        await asyncio.wait_for(a.execute("COMMIT"), 5)
    finally:
        await a.close()
        await b.close()
    async with tenant_tx(slug) as tx:
        rows = await tx.raw.fetch("SELECT code, name FROM grids ORDER BY id")
    assert [tuple(r) for r in rows] == [("a1", "甲"), ("b1", "乙2")]
    assert await token_of(f"c_{slug}") != before


async def test_concurrent_writers_all_commit(make):
    """Many transactions writing the same community at once: every one commits."""
    slug = await make()
    before = await token_of(f"c_{slug}")

    async def write(i: int) -> None:
        async with tenant_tx(slug) as tx:
            await tx.raw.execute(
                "INSERT INTO grids (code, name) VALUES ($1, $2)", f"g{i}", f"网格{i}"
            )
            await asyncio.sleep(0.01)
            await tx.raw.execute("UPDATE grids SET name = name WHERE code = $1", f"g{i}")

    await asyncio.gather(*(write(i) for i in range(16)))
    async with tenant_tx(slug) as tx:
        assert await tx.raw.fetchval("SELECT count(*) FROM grids") == 16
    assert await token_of(f"c_{slug}") != before


async def test_a_recorded_read_holds_the_token_from_before_its_data(make, settings):
    """The token is read in the transaction's first statement: a commit that lands between
    it and a later read in the same transaction makes the recorded token stale, so an
    answer built from the newer data can never be served under the newer token."""
    slug = await make()
    schema = f"c_{slug}"
    rs = ReadSet()
    rs.arm()
    other = await asyncpg.connect(settings.database_url)
    try:
        with readset.recording(rs):
            async with tenant_tx(slug) as tx:
                recorded = rs.tokens[(db.DEFAULT_PLACEMENT, schema)]
                assert recorded == await token_of(schema)
                await other.execute(f"INSERT INTO {schema}.grids (code, name) VALUES ('new', '新')")
                seen = await tx.raw.fetchval("SELECT count(*) FROM grids")
        assert seen == 1  # READ COMMITTED: the later statement saw the new row...
        assert await token_of(schema) != recorded  # ...and the token it recorded is stale
    finally:
        await other.close()


async def test_unarmed_or_missing_community_records_nothing(communities):
    slug, _ = communities
    rs = ReadSet()  # not armed: mutations run like this
    with readset.recording(rs):
        async with tenant_tx(slug) as tx:
            await tx.raw.fetchval("SELECT 1")
    assert rs.tokens == {} and not rs.cacheable

    rs = ReadSet()
    rs.arm()
    with readset.recording(rs), pytest.raises(CommunityNotFound):
        async with tenant_tx("no_such_place"):
            pass
    assert rs.uncacheable == "community not found" and not rs.cacheable
