"""Per-request DataLoaders: one batch per field instead of one query per parent object.

Each batch opens its own transaction(s) (graphql-core resolves sibling fields
concurrently, so no transaction is ever shared between resolver tasks).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from services.grids.handlers import list_grids
from tenants.registry import County
from tenants.tx import platform_tx


@dataclass(frozen=True)
class CountyInfo:
    """A county's code and names (what the Community.county field shows)."""

    code: str
    name_zh: str
    name_en: str


async def load_grids(slugs: list[str]) -> Sequence[list[dict] | BaseException]:
    """Grids of each community: one tenant transaction per distinct slug, run concurrently.

    A failure in one community is returned for that key only, so one broken tenant does
    not take its neighbours' fields down with it. Callers have checked access already.
    """
    results = await asyncio.gather(*(list_grids(s) for s in slugs), return_exceptions=True)
    return list(results)


async def load_counties(codes: list[str]) -> Sequence[CountyInfo | None]:
    """Counties by code in one platform query (None for an unknown code)."""
    async with platform_tx():
        rows = await County.select(County.code, County.name_zh, County.name_en).where(
            County.code.is_in(list(set(codes)))
        )
    by_code = {r["code"]: CountyInfo(r["code"], r["name_zh"], r["name_en"]) for r in rows}
    return [by_code.get(c) for c in codes]


@dataclass
class Loaders:
    """The DataLoaders of one request (their caches must not outlive it)."""

    grids: DataLoader[str, list[dict]] = field(
        default_factory=lambda: DataLoader(load_fn=load_grids)
    )
    counties: DataLoader[str, CountyInfo | None] = field(
        default_factory=lambda: DataLoader(load_fn=load_counties)
    )
