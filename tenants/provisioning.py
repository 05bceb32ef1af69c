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
from tenants.migrate import Migration, latest, load, migrate_community, migrate_schema_in_tx
from tenants.slugs import is_valid_slug, schema_for, validate_slug
from tenants.tx import platform_tx, schema_tx

NAME_LIMIT = 100


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


@dataclass(frozen=True)
class CountyInfo:
    """A county as the registry knows it, with how many communities it has."""

    code: str
    name_zh: str
    name_en: str
    created_at: datetime
    communities: int


_COLUMNS = (
    "slug, name_zh, name_en, county_code, status, schema_version, placement, "
    "created_at, archived_at"
)


def _info(row: asyncpg.Record) -> CommunityInfo:
    return CommunityInfo(**dict(row))


def _check_name(name: str, field: str, *, required: bool, what_zh: str, what_en: str) -> str:
    """A trimmed display name, or InvalidInput / TextTooLong before any SQL."""
    name = (name or "").strip()
    if required and not name:
        raise InvalidInput(field_zh=f"{what_zh}不能为空", field_en=f"the {what_en} is required")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        # PostgreSQL rejects NUL outright; other control characters only confuse displays.
        raise InvalidInput(
            field_zh=f"{what_zh}含有控制字符", field_en=f"the {what_en} contains control characters"
        )
    if len(name) > NAME_LIMIT:
        raise TextTooLong(field=field, limit=NAME_LIMIT)
    return name


def _check_placement(placement: str) -> None:
    if placement not in db.current().pools:
        raise InvalidInput(
            field_zh=f"未知的数据库位置「{placement}」",
            field_en=f"unknown placement {placement!r} (see SANSHI_PLACEMENTS)",
        )


async def ensure_county(code: str, name_zh: str, name_en: str = "") -> bool:
    """Create the county if it does not exist yet (idempotent); True if it was created."""
    validate_slug(code)
    name_zh = _check_name(
        name_zh, "name_zh", required=True, what_zh="县名称", what_en="county name"
    )
    name_en = _check_name(
        name_en, "name_en", required=False, what_zh="县英文名称", what_en="English county name"
    )
    async with platform_tx() as tx:
        created = await tx.raw.fetchval(
            "INSERT INTO platform.counties (code, name_zh, name_en) VALUES ($1, $2, $3) "
            "ON CONFLICT (code) DO NOTHING RETURNING true",
            code,
            name_zh,
            name_en,
        )
    return bool(created)


async def list_counties() -> list[CountyInfo]:
    """Every county, with the number of its communities (archived ones included)."""
    async with platform_tx() as tx:
        rows = await tx.raw.fetch(
            "SELECT c.code, c.name_zh, c.name_en, c.created_at, "
            "  (SELECT count(*) FROM platform.communities m "
            "   WHERE m.county_code = c.code AND m.status <> 'provisioning')::int AS communities "
            "FROM platform.counties c ORDER BY c.code"
        )
    return [CountyInfo(**dict(r)) for r in rows]


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

    Raises InvalidSlug, InvalidInput, TextTooLong (before any SQL), CountyNotFound or
    CommunityExists; in every case nothing is left behind. In the default database the
    registry row, the schema and every migration commit in ONE transaction (one commit,
    and no half-made community if the process dies). In another placement the registry
    row is written first as ``provisioning`` and removed again if the schema cannot be
    built.
    """
    validate_slug(slug)
    validate_slug(county_code)
    name_zh = _check_name(
        name_zh, "name_zh", required=True, what_zh="社区名称", what_en="community name"
    )
    name_en = _check_name(
        name_en, "name_en", required=False, what_zh="社区英文名称", what_en="English name"
    )
    _check_placement(placement)
    migrations = load("tenant") if migrations is None else migrations
    if placement == db.DEFAULT_PLACEMENT:
        info = await _create_in_one_transaction(slug, name_zh, name_en, county_code, migrations)
    else:
        info = await _create_in_other_placement(
            slug, name_zh, name_en, county_code, placement, migrations
        )
    db.current().forget(slug)
    return info


async def _insert_registry_row(
    conn: asyncpg.Connection,
    slug: str,
    name_zh: str,
    name_en: str,
    county_code: str,
    placement: str,
    status: str,
    version: int,
) -> asyncpg.Record:
    try:
        return await conn.fetchrow(
            "INSERT INTO platform.communities "
            "(slug, name_zh, name_en, county_code, placement, status, schema_version) "
            f"VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_COLUMNS}",
            slug,
            name_zh,
            name_en,
            county_code,
            placement,
            status,
            version,
        )
    except asyncpg.UniqueViolationError:
        raise CommunityExists(slug=slug) from None
    except asyncpg.ForeignKeyViolationError:
        raise CountyNotFound() from None


async def _create_in_one_transaction(
    slug: str, name_zh: str, name_en: str, county_code: str, migrations: list[Migration]
) -> CommunityInfo:
    async with schema_tx(db.DEFAULT_PLACEMENT, schema_for(slug)) as tx:
        # A concurrent creation of the same slug blocks on the primary key until we
        # commit, then gets UniqueViolation -> CommunityExists.
        row = await _insert_registry_row(
            tx.raw,
            slug,
            name_zh,
            name_en,
            county_code,
            db.DEFAULT_PLACEMENT,
            "active",
            latest(migrations),
        )
        try:
            await migrate_schema_in_tx(
                tx.raw, slug, migrations, create_schema=True, update_registry=False
            )
        except asyncpg.DuplicateSchemaError:
            # A schema without a registry row (restored by hand?): never adopt or drop it.
            raise CommunityExists(slug=slug) from None
    return _info(row)


async def _create_in_other_placement(
    slug: str,
    name_zh: str,
    name_en: str,
    county_code: str,
    placement: str,
    migrations: list[Migration],
) -> CommunityInfo:
    # Two databases cannot share a transaction: the registry row marks the slug as
    # taken ('provisioning', invisible to tenant_tx and the migrator) while the schema
    # is built, and is removed again if that fails.
    async with platform_tx() as tx:
        await _insert_registry_row(
            tx.raw, slug, name_zh, name_en, county_code, placement, "provisioning", 0
        )
    try:
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
    return _info(row)


async def _forget(slug: str) -> None:
    async with platform_tx() as tx:
        await tx.raw.execute(
            "DELETE FROM platform.communities WHERE slug=$1 AND status='provisioning'", slug
        )


async def get_community(slug: str) -> CommunityInfo:
    """The registry entry of ``slug`` (archived ones included); CommunityNotFound if none."""
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
    """Registered communities, optionally of one county, ordered by county and slug."""
    if county_code is not None and not is_valid_slug(county_code):
        return []  # like an unknown county: nothing of that name exists
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
    """Mark a community archived: its schema and rows stay, it becomes read-only.

    CommunityNotFound for an unknown slug, CommunityArchived when already archived.
    """
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
