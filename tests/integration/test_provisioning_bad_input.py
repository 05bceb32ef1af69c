"""Provisioning refuses bad input clearly and leaves nothing half-written; archiving keeps data."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from services.errors import (
    CommunityArchived,
    CommunityExists,
    CommunityNotFound,
    CountyNotFound,
    InvalidInput,
    InvalidSlug,
    TextTooLong,
)
from tenants import db
from tenants.migrate import Migration
from tenants.provisioning import (
    archive_community,
    create_community,
    ensure_county,
    get_community,
    list_communities,
)
from tenants.tx import tenant_tx

COUNTY = "provcounty"


@pytest.fixture
async def slugs(dbs):
    """Fresh unique slugs for a test; whatever got created under them is dropped after."""
    await ensure_county(COUNTY, "开通测试县", "Provisioning Test County")
    made: list[str] = []

    def new() -> str:
        slug = f"prov_{secrets.token_hex(4)}"
        made.append(slug)
        return slug

    yield new
    async with dbs.platform_pool.acquire() as conn:
        for slug in made:
            await conn.execute(f'DROP SCHEMA IF EXISTS "c_{slug}" CASCADE')
        await conn.execute("DELETE FROM platform.communities WHERE slug = ANY($1)", made)
    for slug in made:
        dbs.forget(slug)


async def snapshot() -> tuple[list, list]:
    """The registry rows and the community schemas, to compare before/after a refusal."""
    async with db.current().platform_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT slug, name_zh, status, schema_version FROM platform.communities ORDER BY 1"
        )
        schemas = await conn.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'c\\_%' ORDER BY 1"
        )
    return [tuple(r) for r in rows], [r[0] for r in schemas]


@pytest.mark.parametrize(
    "bad",
    ["", "a", "Donghai", "1abc", "a,b", "c_x'; DROP", 'x"y', "dong hai", "x" * 200, "东海"],
)
async def test_malformed_slugs_are_refused_before_any_sql(slugs, bad):
    """A malformed slug raises InvalidSlug and changes nothing."""
    before = await snapshot()
    with pytest.raises(InvalidSlug):
        await create_community(bad, "东海社区", COUNTY)
    with pytest.raises(InvalidSlug):
        await archive_community(bad)
    assert await snapshot() == before


async def test_unknown_county_and_unknown_community(slugs):
    """An unknown county refuses creation; unknown communities are not found; nothing changes."""
    slug = slugs()
    before = await snapshot()
    with pytest.raises(CountyNotFound):
        await create_community(slug, "东海社区", "nosuchcounty")
    with pytest.raises(CommunityNotFound):
        await get_community(slug)
    with pytest.raises(CommunityNotFound):
        await archive_community(slug)
    assert await list_communities("a,b") == []
    assert await snapshot() == before


async def test_names_are_checked(slugs):
    """Empty, too long (over 100 characters) or control-character names are refused."""
    slug = slugs()
    before = await snapshot()
    with pytest.raises(InvalidInput):
        await create_community(slug, "   ", COUNTY)
    with pytest.raises(TextTooLong):
        await create_community(slug, "社" * 101, COUNTY)
    with pytest.raises(TextTooLong):
        await create_community(slug, "东海社区", COUNTY, name_en="x" * 101)
    with pytest.raises(InvalidInput):
        await create_community(slug, "东海\x00社区", COUNTY)
    with pytest.raises(InvalidInput):
        await create_community(slug, "东海社区", COUNTY, placement="nowhere")
    with pytest.raises(TextTooLong):
        await ensure_county("longcounty", "县" * 101)
    assert await snapshot() == before
    info = await create_community(slug, "社" * 100, COUNTY)
    assert info.name_zh == "社" * 100 and info.status == "active"


async def test_duplicate_creation_changes_nothing(slugs):
    """Creating an existing slug raises CommunityExists; registry and data stay as they were."""
    slug = slugs()
    await create_community(slug, "东海社区", COUNTY)
    async with tenant_tx(slug) as tx:
        await tx.raw.execute("INSERT INTO grids (code, name) VALUES ('g1', '一网格')")
    before = await snapshot()
    with pytest.raises(CommunityExists):
        await create_community(slug, "别的名字", COUNTY)
    assert await snapshot() == before
    async with tenant_tx(slug) as tx:
        assert await tx.raw.fetchval("SELECT count(code) FROM grids") == 1


async def test_concurrent_duplicate_creation_makes_one(slugs):
    """Two simultaneous creations of one slug: exactly one succeeds, the other CommunityExists."""
    slug = slugs()
    results = await asyncio.gather(
        create_community(slug, "甲", COUNTY),
        create_community(slug, "乙", COUNTY),
        return_exceptions=True,
    )
    assert sum(isinstance(r, CommunityExists) for r in results) == 1
    assert (await get_community(slug)).status == "active"


async def test_a_stray_schema_is_neither_adopted_nor_dropped(slugs, dbs):
    """A c_<slug> schema without a registry row makes creation refuse and stays untouched."""
    slug = slugs()
    async with dbs.platform_pool.acquire() as conn:
        await conn.execute(f'CREATE SCHEMA "c_{slug}"; CREATE TABLE "c_{slug}".keep (id int)')
    before = await snapshot()
    with pytest.raises(CommunityExists):
        await create_community(slug, "东海社区", COUNTY)
    assert await snapshot() == before
    async with dbs.platform_pool.acquire() as conn:
        assert await conn.fetchval("SELECT to_regclass($1)::text", f"c_{slug}.keep")


async def test_failed_migration_during_creation_leaves_nothing(slugs):
    """If a migration fails while creating, neither the schema nor the registry row remains."""
    slug = slugs()
    before = await snapshot()
    broken = [Migration(1, "broken", "CREATE TABLE ok (id int PRIMARY KEY); SELECT 1/0")]
    with pytest.raises(Exception, match="division by zero"):
        await create_community(slug, "东海社区", COUNTY, migrations=broken)
    assert await snapshot() == before


async def test_archive_keeps_data_and_refuses_twice(slugs, dbs):
    """Archiving marks the community archived, keeps its schema and rows; a second time refuses."""
    slug = slugs()
    await create_community(slug, "东海社区", COUNTY)
    async with tenant_tx(slug) as tx:
        await tx.raw.execute("INSERT INTO grids (code, name) VALUES ('g1', '一网格')")
    info = await archive_community(slug)
    assert info.status == "archived" and info.archived_at is not None
    with pytest.raises(CommunityArchived):
        await archive_community(slug)
    assert (await get_community(slug)).status == "archived"
    async with tenant_tx(slug) as tx:
        assert await tx.raw.fetchval("SELECT name FROM grids WHERE code='g1'") == "一网格"
    with pytest.raises(CommunityNotFound):
        async with tenant_tx(slug, include_archived=False):
            pass


async def test_ensure_county_is_idempotent(dbs):
    """The first call creates the county, the second reports it existed and changes nothing."""
    code = f"cty_{secrets.token_hex(4)}"
    try:
        assert await ensure_county(code, "新县") is True
        assert await ensure_county(code, "另一个名字") is False
        async with dbs.platform_pool.acquire() as conn:
            assert (
                await conn.fetchval("SELECT name_zh FROM platform.counties WHERE code=$1", code)
                == "新县"
            )
    finally:
        async with dbs.platform_pool.acquire() as conn:
            await conn.execute("DELETE FROM platform.counties WHERE code=$1", code)
