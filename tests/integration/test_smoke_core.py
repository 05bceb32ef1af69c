"""Core smoke: two communities provisioned, each sees only its own grids."""

from tenants.registry import Community
from tenants.tx import platform_tx, tenant_tx


async def test_each_community_sees_only_its_own_rows(communities):
    """A grid written in alpha is invisible in beta."""
    a, b = communities
    async with tenant_tx(a) as tx:
        await tx.connection.execute("INSERT INTO grids (code, name) VALUES ('g_smoke', '一网格')")
    async with tenant_tx(b) as tx:
        assert await tx.connection.fetchval("SELECT count(*) FROM grids WHERE code='g_smoke'") == 0
    async with tenant_tx(a) as tx:
        assert await tx.connection.fetchval("SELECT count(*) FROM grids WHERE code='g_smoke'") == 1
        await tx.connection.execute("DELETE FROM grids WHERE code='g_smoke'")
    async with platform_tx():
        rows = await Community.select(Community.slug).where(Community.slug.is_in([a, b])).run()
    assert sorted(r["slug"] for r in rows) == [a, b]


async def test_grid_handlers_through_piccolo(communities):
    """create_grid/list_grids go through Piccolo inside tenant_tx and stay per community."""
    from services.auth.model import SYSTEM
    from services.grids.handlers import create_grid
    from services.grids.queries import list_grids

    a, b = communities
    await create_grid(SYSTEM, a, "g_piccolo", "测试网格")
    assert "g_piccolo" in [g.code for g in await list_grids(a)]
    assert "g_piccolo" not in [g.code for g in await list_grids(b)]


async def test_statement_log_counts_what_runs_in_transactions(communities):
    """db.statements() sees every statement, including those of tasks spawned inside."""
    import asyncio

    from services.grids.tables import Grid
    from tenants import db

    a, b = communities
    with db.statements() as log:

        async def read(slug: str) -> int:
            async with tenant_tx(slug):
                return await Grid.count().run()

        await asyncio.gather(read(a), read(b))
    assert len([q for q in log if "grids" in q]) == 2
    assert sum("set_config" in q for q in log) == 2  # one per transaction, counted too
