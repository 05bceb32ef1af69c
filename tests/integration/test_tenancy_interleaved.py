"""Randomised isolation: thousands of interleaved requests on a 2-connection pool."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from services.grids.tables import Grid
from tenants import db
from tenants.provisioning import create_community
from tenants.tx import tenant_tx

REQUESTS = 2_400
EXTRA = ("iso_gamma", "iso_delta")


async def _request(slug: str, n: int, rng: random.Random, seen: Counter) -> None:
    """One 'request': write a marked grid or read all grids, yielding the loop in between."""
    async with tenant_tx(slug) as tx:
        await asyncio.sleep(0)
        if rng.random() < 0.3:
            await Grid.insert(Grid(code=f"{slug}#{n}", name=slug)).run()
        await asyncio.sleep(rng.random() / 1000)
        rows = await Grid.select(Grid.code, Grid.name).where(Grid.code.like("%#%")).run()
        path = await tx.connection.fetchval("SHOW search_path")
    assert path == f"c_{slug}"
    for row in rows:
        seen[
            "own" if row["name"] == slug and row["code"].startswith(slug + "#") else "foreign"
        ] += 1


async def test_interleaved_requests_only_ever_see_their_own_rows(settings, communities):
    """2,400 random requests over 4 communities, 2 pooled connections: zero foreign rows."""
    for slug in EXTRA:
        await create_community(slug, f"隔离{slug}", "testcounty")
    slugs = [*communities, *EXTRA]
    rng = random.Random(20261127)
    seen: Counter = Counter()
    async with db.running(settings.with_overrides(db_pool_min=2, db_pool_max=2)):
        gate = asyncio.Semaphore(64)

        async def guarded(i: int) -> None:
            async with gate:
                await _request(rng.choice(slugs), i, rng, seen)

        await asyncio.gather(*(guarded(i) for i in range(REQUESTS)))
        for slug in slugs:
            async with tenant_tx(slug):
                await Grid.delete().where(Grid.code.like(f"{slug}#%")).run()
    assert seen["foreign"] == 0
    assert seen["own"] > REQUESTS  # the reads really returned rows
