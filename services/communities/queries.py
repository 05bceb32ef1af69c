"""Read side of the communities context: counties by code (for the Community.county field),
and the registry's names for county-wide views."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from tenants.registry import County
from tenants.tx import platform_tx


class CountyInfo(msgspec.Struct, frozen=True):
    """A county's code and names."""

    code: str
    name_zh: str
    name_en: str


async def counties_by_code(codes: Iterable[str]) -> dict[str, CountyInfo]:
    """Counties by code in one platform query (an unknown code is absent)."""
    async with platform_tx():
        rows = await County.select(County.code, County.name_zh, County.name_en).where(
            County.code.is_in(list(set(codes)))
        )
    return {r["code"]: CountyInfo(r["code"], r["name_zh"], r["name_en"]) for r in rows}


class RegistryName(msgspec.Struct, frozen=True):
    """A community's or a county's code and names, as the registry holds them."""

    code: str
    name_zh: str
    name_en: str


class RegistryNames(msgspec.Struct, frozen=True):
    """Names of some communities (by slug) and counties (by code); unknown ones absent."""

    communities: dict[str, RegistryName]
    counties: dict[str, RegistryName]


async def registry_names_in(
    connection: Any, slugs: Iterable[str], county_codes: Iterable[str] = ()
) -> RegistryNames:
    """Names of communities and counties in ONE statement on ``connection``, inside the
    caller's platform transaction (a county-wide view that names where its rows come
    from: a department's tickets, a joint meeting)."""
    records = await connection.fetch(
        "SELECT 'community' AS what, slug AS code, name_zh, name_en FROM platform.communities "
        "WHERE slug = ANY($1::text[]) UNION ALL "
        "SELECT 'county', code, name_zh, name_en FROM platform.counties "
        "WHERE code = ANY($2::text[])",
        sorted(set(slugs)),
        sorted(set(county_codes)),
    )
    found: dict[str, dict[str, RegistryName]] = {"community": {}, "county": {}}
    for r in records:
        found[r["what"]][r["code"]] = RegistryName(r["code"], r["name_zh"], r["name_en"])
    return RegistryNames(found["community"], found["county"])
