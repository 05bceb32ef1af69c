"""Turning settings into running connections: embedded servers when no URL is given."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services.runtime import embedded
from services.settings import Settings
from tenants import db
from tenants.migrate import migrate_platforms

EMBEDDED_DATABASE = "sanshi"


def with_embedded_database(settings: Settings) -> Settings:
    """Settings with ``database_url`` filled in: the embedded PostgreSQL if none was given.

    The embedded server keeps running after this process exits (it is stopped by
    `make run`'s supervisor or `sanshi embedded stop`), so CLI calls are quick.
    """
    if settings.database_url:
        return settings
    pg = embedded.start_postgres(settings.data_dir)
    asyncio.run(embedded.ensure_database(pg.admin_url, EMBEDDED_DATABASE))
    return settings.with_overrides(database_url=pg.url(EMBEDDED_DATABASE))


@asynccontextmanager
async def platform_ready(
    settings: Settings, **pool_overrides: object
) -> AsyncIterator[db.Databases]:
    """Pools started and installed, platform schemas migrated, for the block."""
    async with db.running(settings, **pool_overrides) as dbs:
        await migrate_platforms()
        yield dbs
