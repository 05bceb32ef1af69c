"""Creating, listing and archiving communities (tenants) and their counties."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.errors import (
    CommunityArchived,
    CommunityExists,
    CommunityNotFound,
    CountyNotFound,
    InvalidInput,
    TextTooLong,
)
from tenants import db
from tenants.migrate import Migration, latest, load, migrate_community
from tenants.slugs import validate_slug
from tenants.tx import platform_tx


@dataclass(frozen=True)
class CommunityInfo:
    """A community as the registry knows it."""

    slug: str
    name_zh: str
    name_en: str
    county_code: str
    status: str
    schema_version: int
    placement: str
    created_at: datetime
    archived_at: datetime | None


_COLUMNS = (
    "slug, name_zh, name_en, county_code, status, schema_version, placement, "
    "created_at, archived_at"
)


def _info(row: asyncpg.Record) -> CommunityInfo:
    return CommunityInfo(**dict(row))


def _check_name(name: str, field: str, limit: int = 100) -> str:
    name = (name or "").strip()
    if not name and field == "name_zh":
        raise InvalidInput(field_zh="社区中文名称不能为空", field_en="the Chinese name is required")
    if len(name) > limit:
        raise TextTooLong(field=field, limit=limit)
    return name


async def ensure_county(code: str, name_zh: str, name_en: str = "") -> None:
    """Create the county if it does not exist yet (idempotent)."""
    validate_slug(code)
    name_zh = _check_name(name_zh, "name_zh")
    async with platform_tx() as tx:
        await tx.raw.execute(
            "INSERT INTO platform.counties (code, name_zh, name_en) VALUES ($1, $2, $3) "
            "ON CONFLICT (code) DO NOTHING",
            code,
            name_zh,
            name_en,
        )


async def create_community(
    slug: str,
    name_zh: str,
    county_code: str,
    *,
    name_en: str = "",
    placement: str = db.DEFAULT_PLACEMENT,
    migrations: list[Migration] | None = None,
) -> CommunityInfo:
    """Register a community, create its schema and migrate it — all or nothing.

    In the default database the registry row, the schema and every migration commit in
    one transaction. In another placement the registry row is written first as
    ``provisioning`` and removed again if the schema cannot be built.
    """
    validate_slug(slug)
    validate_slug(county_code)
    name_zh = _check_name(name_zh, "name_zh")
    name_en = _check_name(name_en, "name_en")
    dbs = db.current()
    dbs.pool(placement)  # unknown placement -> error before anything is written
    migrations = load("tenant") if migrations is None else migrations
    async with platform_tx() as tx:
        if not await tx.raw.fetchval("SELECT 1 FROM platform.counties WHERE code=$1", county_code):
            raise CountyNotFound()
        if await tx.raw.fetchval("SELECT 1 FROM platform.communities WHERE slug=$1", slug):
            raise CommunityExists(slug=slug)
        try:
            await tx.raw.execute(
                "INSERT INTO platform.communities (slug, name_zh, name_en, county_code, placement)"
                " VALUES ($1, $2, $3, $4, $5)",
                slug,
                name_zh,
                name_en,
                county_code,
                placement,
            )
        except asyncpg.UniqueViolationError:
            raise CommunityExists(slug=slug) from None
    try:
        # The registry row is 'provisioning' until the schema is complete; the migrator and
        # tenant_tx ignore such rows except for this call.
        await migrate_community(slug, placement, migrations, create_schema=True)
    except asyncpg.DuplicateSchemaError:
        await _forget(slug)
        raise CommunityExists(slug=slug) from None
    except BaseException:
        await _forget(slug)
        raise
    async with platform_tx() as tx:
        row = await tx.raw.fetchrow(
            f"UPDATE platform.communities SET status='active', schema_version=$2 "
            f"WHERE slug=$1 RETURNING {_COLUMNS}",
            slug,
            latest(migrations),
        )
    dbs.forget(slug)
    return _info(row)


async def _forget(slug: str) -> None:
    async with platform_tx() as tx:
        await tx.raw.execute(
            "DELETE FROM platform.communities WHERE slug=$1 AND status='provisioning'", slug
        )


async def get_community(slug: str) -> CommunityInfo:
    validate_slug(slug)
    async with platform_tx() as tx:
        row = await tx.raw.fetchrow(
            f"SELECT {_COLUMNS} FROM platform.communities WHERE slug=$1 AND status<>'provisioning'",
            slug,
        )
    if row is None:
        raise CommunityNotFound()
    return _info(row)


async def list_communities(
    county_code: str | None = None, *, include_archived: bool = True
) -> list[CommunityInfo]:
    async with platform_tx() as tx:
        rows = await tx.raw.fetch(
            f"SELECT {_COLUMNS} FROM platform.communities "
            "WHERE status <> 'provisioning' AND ($1::text IS NULL OR county_code = $1) "
            "AND ($2 OR status <> 'archived') ORDER BY county_code, slug",
            county_code,
            include_archived,
        )
    return [_info(r) for r in rows]


async def archive_community(slug: str) -> CommunityInfo:
    """Mark a community archived: its data stays, it becomes read-only."""
    validate_slug(slug)
    async with platform_tx() as tx:
        row = await tx.raw.fetchrow(
            f"SELECT {_COLUMNS} FROM platform.communities WHERE slug=$1 AND status<>'provisioning'"
            " FOR UPDATE",
            slug,
        )
        if row is None:
            raise CommunityNotFound()
        if row["status"] == "archived":
            raise CommunityArchived(slug=slug)
        row = await tx.raw.fetchrow(
            f"UPDATE platform.communities SET status='archived', archived_at=now() "
            f"WHERE slug=$1 RETURNING {_COLUMNS}",
            slug,
        )
    db.current().forget(slug)
    return _info(row)
