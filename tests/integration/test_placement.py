"""A community placed in another database: provisioning, isolation, migrations, its outbox."""

from __future__ import annotations

import asyncpg
from dramatiq.brokers.stub import StubBroker

from services.grids.tables import Grid
from tenants import db
from tenants.migrate import migrate_all, migrate_platforms
from tenants.provisioning import create_community, get_community
from tenants.tx import platform_tx, tenant_tx
from workers import outbox, registry
from workers.relay import Relay

SLUG = "placed_east"


async def _unsent(placement: str) -> int:
    async with platform_tx(placement) as tx:
        return await tx.connection.fetchval(
            "SELECT count(*) FROM platform.outbox WHERE sent_at IS NULL"
        )


def _sibling(url: str, name: str) -> str:
    head, sep, query = url.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}{sep}{query}"


async def test_a_community_in_a_second_database_works_end_to_end(settings, communities):
    """Created in placement `east`: its schema is there, the registry stays in the default
    database, tenant_tx reaches it, the migrator covers it, and its outbox is relayed."""
    east_db = settings.database_url.partition("?")[0].rsplit("/", 1)[1] + "_east"
    admin = await asyncpg.connect(settings.database_url)
    await admin.execute(f'CREATE DATABASE "{east_db}"')
    await admin.close()
    east_url = _sibling(settings.database_url, east_db)
    try:
        with_east = settings.with_overrides(placements={"east": east_url})
        async with db.running(with_east) as dbs:
            await migrate_platforms()
            info = await create_community(SLUG, "东区社区", "testcounty", placement="east")
            assert info.placement == "east" and (await get_community(SLUG)).status == "active"
            async with tenant_tx(SLUG) as tx:
                assert tx.placement == "east"
                await Grid.insert(Grid(code="e1", name="东一网格")).run()
                await outbox.enqueue(tx, "system.heartbeat", {}, community=SLUG)
            # The schema lives only in east; the registry row only in the default database.
            async with dbs.pool("east").acquire() as conn:
                assert await conn.fetchval("SELECT to_regnamespace('c_placed_east') IS NOT NULL")
                assert await conn.fetchval("SELECT count(*) FROM platform.communities") == 0
            async with dbs.platform_pool.acquire() as conn:
                assert not await conn.fetchval(
                    "SELECT to_regnamespace('c_placed_east') IS NOT NULL"
                )
            report = await migrate_all(slugs=[SLUG], verify=True)
            assert report.ok and SLUG in report.current
            # The default database's relay does not see east's outbox; east's relay does.
            broker = StubBroker()
            registry.load_actor_modules()
            registry.bind(broker)
            await Relay(broker).relay_once()
            assert await _unsent("east") == 1  # the default database's relay never sees it
            east_pass = await Relay(broker, placement="east").relay_once()
            assert east_pass.published == 1
            assert await _unsent("east") == 0
            async with platform_tx() as tx:
                await tx.connection.execute(
                    "DELETE FROM platform.communities WHERE slug = $1", SLUG
                )
    finally:
        admin = await asyncpg.connect(settings.database_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{east_db}" WITH (FORCE)')
        await admin.close()
