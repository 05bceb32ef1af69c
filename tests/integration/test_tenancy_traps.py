"""The tenancy traps of ARCHITECTURE.md, each reproduced and proved absent."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from services.errors import CommunityNotFound, InvalidSlug
from services.grids.tables import Grid
from tenants import db
from tenants.db import NO_TENANT_SEARCH_PATH, IsolationError
from tenants.tx import TenantSwitchError, platform_tx, tenant_tx


async def _noop_reset(conn: asyncpg.Connection) -> None:
    """A pool that hands connections back as they are (PgBouncer transaction mode, RDS Proxy)."""


# asyncpg's own reset on release (RESET ALL, ...): ``reset=None`` — the service's pools
# skip it (tenants.db.keep_session), so both kinds are tested.
ASYNCPG_RESET = {"reset": None}


def _one_connection(settings, **extra):
    return db.running(settings.with_overrides(db_pool_min=1, db_pool_max=1), **extra)


@pytest.mark.parametrize("pool_kind", ["asyncpg-reset", "no-reset"])
async def test_search_path_never_outlives_the_tenant_transaction(settings, communities, pool_kind):
    """Trap 1: after tenant_tx the same pooled connection is back on the no-tenant path."""
    a, _ = communities
    extra = {"reset": _noop_reset} if pool_kind == "no-reset" else ASYNCPG_RESET
    async with _one_connection(settings, **extra) as dbs:
        async with tenant_tx(a) as tx:
            assert await tx.connection.fetchval("SHOW search_path") == f"c_{a}"
            backend = await tx.connection.fetchval("SELECT pg_backend_pid()")
        async with dbs.platform_pool.acquire() as conn:
            assert await conn.fetchval("SELECT pg_backend_pid()") == backend  # same connection
            assert await conn.fetchval("SHOW search_path") == NO_TENANT_SEARCH_PATH


async def test_session_level_set_does_leak_through_a_non_resetting_pool(settings, communities):
    """Trap 1, reproduced: a session-level SET survives release when the pool does not reset."""
    a, _ = communities
    async with _one_connection(settings, reset=_noop_reset) as dbs:
        async with dbs.platform_pool.acquire() as conn:
            await conn.execute(f"SET search_path = c_{a}")
        async with dbs.platform_pool.acquire() as conn:
            leaked = await conn.fetchval("SHOW search_path")
    assert leaked == f"c_{a}"  # why the helper only ever uses set_config(..., true)


async def test_session_level_set_is_wiped_by_asyncpg_reset(settings, communities):
    """Trap 1, reproduced: asyncpg's RESET ALL wipes a session SET (wrong tenant next time)."""
    a, _ = communities
    async with _one_connection(settings, **ASYNCPG_RESET) as dbs:
        async with dbs.platform_pool.acquire() as conn:
            await conn.execute(f"SET search_path = c_{a}")
        async with dbs.platform_pool.acquire() as conn:
            assert await conn.fetchval("SHOW search_path") == NO_TENANT_SEARCH_PATH


async def test_the_services_pools_skip_the_reset_round_trip_and_leak_nothing(settings, communities):
    """The service's own pools (no RESET ALL on release): a tenant transaction leaves the
    connection on the no-tenant path, and one released with its transaction still open
    comes back out of it (asyncpg rolls it back)."""
    a, _ = communities
    async with _one_connection(settings) as dbs:
        assert dbs.platform_pool._reset is db.keep_session
        async with tenant_tx(a) as tx:
            backend = await tx.connection.fetchval("SELECT pg_backend_pid()")
        async with dbs.platform_pool.acquire() as conn:
            assert await conn.fetchval("SELECT pg_backend_pid()") == backend
            assert await conn.fetchval("SHOW search_path") == NO_TENANT_SEARCH_PATH
            await conn.execute("BEGIN")
            await conn.execute("SELECT set_config('search_path', $1, true)", f"c_{a}")
        async with dbs.platform_pool.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SHOW search_path") == NO_TENANT_SEARCH_PATH


async def test_batch_is_refused(communities):
    """Trap 2: Piccolo's .batch() would open its own connection; it raises instead."""
    a, _ = communities
    async with tenant_tx(a):
        with pytest.raises(IsolationError, match="batch"):
            await Grid.select().batch(batch_size=10)


async def test_iterate_streams_inside_the_tenant_transaction(communities):
    """Trap 2: the safe replacement streams rows of the current community only."""
    a, b = communities
    async with tenant_tx(a) as tx:
        await Grid.insert(*(Grid(code=f"it_{i}", name="批量") for i in range(25))).run()
        seen = []
        async for chunk in tx.iterate(Grid.select(Grid.code).where(Grid.code.like("it_%")), 10):
            assert len(chunk) <= 10
            seen.extend(r["code"] for r in chunk)
        assert sorted(seen) == sorted(f"it_{i}" for i in range(25))
        await Grid.delete().where(Grid.code.like("it_%")).run()
    async with tenant_tx(b) as tx:
        assert [c async for c in tx.iterate(Grid.select().where(Grid.code.like("it_%")))] == []


async def test_query_outside_any_transaction_is_refused(communities):
    """A Piccolo query that escaped the helper raises, it does not pick a connection itself."""
    with pytest.raises(IsolationError, match="outside tenant_tx"):
        await Grid.select().run()


async def test_raw_connection_outside_helper_sees_no_tenant_tables(dbs, communities):
    """A pooled connection used directly has a search_path that holds no tables."""
    async with dbs.platform_pool.acquire() as conn:
        with pytest.raises(asyncpg.UndefinedTableError):
            await conn.fetchval("SELECT count(*) FROM grids")


async def test_nested_switch_to_another_community_is_refused(communities):
    """Trap 3: tenant_tx(B) inside tenant_tx(A) raises and A's transaction stays on A."""
    a, b = communities
    async with tenant_tx(a) as tx:
        with pytest.raises(TenantSwitchError):
            async with tenant_tx(b):
                pass
        with pytest.raises(TenantSwitchError):
            async with platform_tx():
                pass
        assert await tx.connection.fetchval("SHOW search_path") == f"c_{a}"
        async with tenant_tx(a) as inner:  # same community: the same transaction
            assert inner is tx


async def test_platform_tx_refuses_a_tenant_inside(communities):
    """Trap 3, the other way round: a community cannot be entered from the platform transaction."""
    a, _ = communities
    async with platform_tx():
        with pytest.raises(TenantSwitchError):
            async with tenant_tx(a):
                pass


BAD_SLUGS = [
    "public",
    "pg_catalog",
    "pg_toast",
    "information_schema",
    "platform",
    "a,b",
    "c_a,c_b",
    "alpha,public",
    "alpha; DROP SCHEMA c_beta",
    'alpha"',
    "alpha'",
    "Alpha",
    "a",
    "",
    "x" * 200,
    "1abc",
    "al-pha",
    "alpha ",
    "ålpha",
    None,
    42,
]


class _Exploding:
    """Stands in for the databases: any use means SQL was attempted."""

    def __getattr__(self, name: str):
        raise AssertionError(f"SQL attempted via Databases.{name}")


@pytest.mark.parametrize("slug", BAD_SLUGS, ids=repr)
async def test_malformed_slugs_are_rejected_before_any_sql(monkeypatch, slug):
    """Trap 4: malformed slugs raise InvalidSlug without touching the database."""
    monkeypatch.setattr(db, "_current", _Exploding())
    with pytest.raises(InvalidSlug):
        async with tenant_tx(slug):
            pass


@pytest.mark.parametrize("slug", ["nosuchcommunity", "gamma_2"])
async def test_well_formed_unknown_slugs_are_not_found(communities, slug):
    """Trap 4: well-formed but unregistered names are unknown communities."""
    with pytest.raises(CommunityNotFound):
        async with tenant_tx(slug):
            pass


async def test_no_fall_through_to_another_schema(dbs, communities):
    """Trap 4: a table missing from the community errors; public and others are never searched."""
    a, b = communities
    async with dbs.platform_pool.acquire() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS public.only_public (x int)")
        await conn.execute(f"CREATE TABLE IF NOT EXISTS c_{a}.only_alpha (x int)")
    try:
        async with tenant_tx(a) as tx:
            assert await tx.connection.fetchval("SELECT count(*) FROM only_alpha") == 0
        for table in ("only_alpha", "only_public"):
            with pytest.raises(asyncpg.UndefinedTableError):
                async with tenant_tx(b) as tx:
                    await tx.connection.fetchval(f"SELECT count(*) FROM {table}")
    finally:
        async with dbs.platform_pool.acquire() as conn:
            await conn.execute("DROP TABLE public.only_public")
            await conn.execute(f"DROP TABLE c_{a}.only_alpha")


async def test_concurrent_queries_on_one_transaction_are_serialised(communities):
    """Trap 5: gathered queries inside one tenant transaction do not collide."""
    a, _ = communities
    async with tenant_tx(a) as tx:
        results = await asyncio.gather(
            *(Grid.count().run() for _ in range(40)),
            *(
                tx.connection.fetchval("SELECT pg_sleep(0.001)::text || $1::text", str(i))
                for i in range(10)
            ),
        )
    assert len(results) == 50


async def test_concurrent_queries_on_a_bare_connection_collide(dbs):
    """Trap 5, reproduced: the same on a bare asyncpg connection raises InterfaceError."""
    async with dbs.platform_pool.acquire() as conn, conn.transaction():
        # return_exceptions: wait for the one query that did start before leaving the block.
        results = await asyncio.gather(
            *(conn.fetchval("SELECT pg_sleep(0.01)") for _ in range(5)), return_exceptions=True
        )
    collisions = [r for r in results if isinstance(r, asyncpg.InterfaceError)]
    assert collisions and all("another operation is in progress" in str(c) for c in collisions)
