"""The demo county: what seeding creates, that it is idempotent, and only on an empty database."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from services.grids.queries import list_grids
from services.runtime.bootstrap import platform_ready
from services.runtime.demo import county as demo
from services.settings import Settings
from tenants.provisioning import CommunityInfo, list_communities
from tenants.tx import platform_tx, tenant_tx


def _database_url(admin_url: str, name: str) -> str:
    """The same server, database ``name`` (keeps a ``?host=`` socket query)."""
    head, sep, query = admin_url.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}{sep}{query}"


@pytest.fixture
async def empty_platform(servers, settings: Settings) -> AsyncIterator[None]:
    """A brand-new database of its own, platform migrated, installed for the test.

    The session database already holds the fixtures' communities, so "seed only when
    empty" can only be exercised on a database nobody else writes to.
    """
    name = f"sanshi_demo_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(servers["admin_url"])
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        own = settings.with_overrides(database_url=_database_url(servers["admin_url"], name))
        async with platform_ready(own, min_size=1, max_size=3):
            yield
    finally:
        admin = await asyncpg.connect(servers["admin_url"])
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def _grid_codes(slug: str) -> list[tuple[str, str]]:
    return [(g.code, g.name) for g in await list_grids(slug)]


def _info(slug: str, status: str = "active") -> CommunityInfo:
    now = datetime.now(UTC)
    return CommunityInfo(slug, "某社区", "", "somecounty", status, 1, "default", now, None)


def test_should_seed_only_with_no_community_at_all():
    """The decision: an empty registry seeds; any community, even archived, does not."""
    assert demo.should_seed([]) is True
    assert demo.should_seed([_info("alpha")]) is False
    assert demo.should_seed([_info("old", status="archived")]) is False


async def test_seed_creates_shengsi_donghai_with_seven_grids_and_two_more(empty_platform):
    """An empty database gets 嵊泗县, 东海社区 with grids g1..g7, and two more communities."""
    report = await demo.seed_if_empty()
    assert report is not None and report.county_created
    infos = {c.slug: c for c in await list_communities()}
    assert set(infos) == {"donghai", "jinping", "haibin"}
    assert all(c.county_code == "shengsi" and c.status == "active" for c in infos.values())
    assert (infos["donghai"].name_zh, infos["donghai"].name_en) == ("东海社区", "Donghai Community")
    assert await _grid_codes("donghai") == [
        ("g1", "第一网格"),
        ("g2", "第二网格"),
        ("g3", "第三网格"),
        ("g4", "第四网格"),
        ("g5", "第五网格"),
        ("g6", "第六网格"),
        ("g7", "第七网格"),
    ]
    assert len(await _grid_codes("jinping")) >= 2
    assert len(await _grid_codes("haibin")) >= 2
    async with platform_tx() as tx:
        county = await tx.connection.fetchrow(
            "SELECT name_zh, name_en FROM platform.counties WHERE code = 'shengsi'"
        )
        acts = await tx.connection.fetch("SELECT actor, action FROM platform.audit_log ORDER BY id")
    assert tuple(county) == ("嵊泗县", "Shengsi County")
    # Through the handlers: the audit trail names the system principal for every act.
    assert [tuple(a) for a in acts] == [
        ("system", "county.create"),
        ("system", "routing.install_defaults"),
    ] + [("system", "community.create")] * 3
    async with tenant_tx("donghai") as tx:
        grid_acts = await tx.connection.fetchval(
            "SELECT count(*) FROM audit_log WHERE actor = 'system' AND action = 'grid.create'"
        )
    assert grid_acts == 7


async def test_seeding_twice_changes_nothing(empty_platform):
    """A second seed_demo creates nothing, and seed_if_empty declines to run at all."""
    await demo.seed_demo()
    before = {c.slug: await _grid_codes(c.slug) for c in await list_communities()}
    again = await demo.seed_demo()
    assert not again.changed
    assert await demo.seed_if_empty() is None
    after = {c.slug: await _grid_codes(c.slug) for c in await list_communities()}
    assert after == before
    async with platform_tx() as tx:
        assert await tx.connection.fetchval("SELECT count(*) FROM platform.counties") == 1


async def test_seed_demo_fills_in_only_what_is_missing(empty_platform):
    """With a grid removed, seed_demo adds exactly that grid back and touches nothing else."""
    await demo.seed_demo()
    async with tenant_tx("donghai") as tx:
        await tx.connection.execute("DELETE FROM grids WHERE code = 'g7'")
    report = await demo.seed_demo()
    assert (report.county_created, report.communities_created) == (False, [])
    assert report.grids_created == ["donghai/g7"]
    assert [c for c, _ in await _grid_codes("donghai")] == [f"g{i}" for i in range(1, 8)]


async def test_database_with_communities_is_not_seeded(communities):
    """The shared test database (alpha, beta in testcounty) gets no demo county."""
    assert await demo.seed_if_empty() is None
    slugs = {c.slug for c in await list_communities()}
    assert "donghai" not in slugs and set(communities) <= slugs
    async with platform_tx() as tx:
        assert (
            await tx.connection.fetchval("SELECT 1 FROM platform.counties WHERE code='shengsi'")
            is None
        )
