"""Read side of the communities context: counties by code (for the Community.county field)."""

from __future__ import annotations

from collections.abc import Iterable

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
