"""Per-request DataLoaders: one batch per field instead of one query per parent object.

Each batch opens its own transaction(s) (graphql-core resolves sibling fields
concurrently, so no transaction is ever shared between resolver tasks).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from strawberry.dataloader import DataLoader

from services.grids.handlers import list_grids
from services.matters import queries as matter_queries
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


# -- matter pages: keys are (community slug, id) -----------------------------------------
# A page of matters asks for each matter's household, history, votes, ... Each loader
# groups its keys by community and runs ONE tenant transaction (one query) per community,
# so a page costs the same number of statements for 5 matters as for 50.
CommunityKey = tuple[str, int]


async def load_per_community(
    fetch: Callable[[str, list[int]], Awaitable[Mapping[int, Any]]],
    missing: Callable[[], Any],
    keys: list[CommunityKey],
) -> list[Any]:
    """Load ``keys`` with ``fetch(slug, ids)`` once per community, concurrently.

    A failure in one community is returned for that community's keys only (as the
    DataLoader protocol allows), so a broken tenant does not fail its neighbours' fields.
    """
    ids: dict[str, list[int]] = defaultdict(list)
    for slug, key_id in keys:
        ids[slug].append(key_id)
    slugs = list(ids)
    results = await asyncio.gather(*(fetch(s, ids[s]) for s in slugs), return_exceptions=True)
    by_slug = dict(zip(slugs, results, strict=True))
    out: list[Any] = []
    for slug, key_id in keys:
        found = by_slug[slug]
        out.append(found if isinstance(found, BaseException) else found.get(key_id, missing()))
    return out


def _by_matter(what: str) -> DataLoader[CommunityKey, list[dict[str, Any]]]:
    """Rows of ``what`` (see matter_queries.BY_MATTER) per (slug, matter id)."""

    async def fetch(slug: str, ids: list[int]) -> Mapping[int, list[dict[str, Any]]]:
        return await matter_queries.rows_by_matter(slug, what, ids)

    return DataLoader(load_fn=partial(load_per_community, fetch, list))


def _households() -> DataLoader[CommunityKey, dict[str, Any] | None]:
    """Household rows per (slug, household id), unmasked (types mask them)."""
    fetch = matter_queries.households_by_id
    return DataLoader(load_fn=partial(load_per_community, fetch, lambda: None))


async def load_categories(slugs: list[str]) -> Sequence[list[dict] | BaseException]:
    """Every category of each community (inactive too), one transaction per slug."""
    coros = (matter_queries.categories_of(s) for s in slugs)
    return list(await asyncio.gather(*coros, return_exceptions=True))


@dataclass
class Loaders:
    """The DataLoaders of one request (their caches must not outlive it)."""

    grids: DataLoader[str, list[dict]] = field(
        default_factory=lambda: DataLoader(load_fn=load_grids)
    )
    counties: DataLoader[str, CountyInfo | None] = field(
        default_factory=lambda: DataLoader(load_fn=load_counties)
    )
    categories: DataLoader[str, list[dict]] = field(
        default_factory=lambda: DataLoader(load_fn=load_categories)
    )
    households: DataLoader[CommunityKey, dict[str, Any] | None] = field(default_factory=_households)
    matter_sheets: DataLoader[CommunityKey, list[dict[str, Any]]] = field(
        default_factory=lambda: _by_matter("sheets")
    )
    matter_history: DataLoader[CommunityKey, list[dict[str, Any]]] = field(
        default_factory=lambda: _by_matter("history")
    )
    matter_votes: DataLoader[CommunityKey, list[dict[str, Any]]] = field(
        default_factory=lambda: _by_matter("votes")
    )
    matter_referrals: DataLoader[CommunityKey, list[dict[str, Any]]] = field(
        default_factory=lambda: _by_matter("referrals")
    )
    matter_negotiations: DataLoader[CommunityKey, list[dict[str, Any]]] = field(
        default_factory=lambda: _by_matter("negotiations")
    )
    matter_commitments: DataLoader[CommunityKey, list[dict[str, Any]]] = field(
        default_factory=lambda: _by_matter("commitments")
    )
    matter_feedback: DataLoader[CommunityKey, list[dict[str, Any]]] = field(
        default_factory=lambda: _by_matter("feedback")
    )
    # Loaders a context's API module declares for itself (households, routing, ...),
    # created on first use and living exactly as long as the request.
    _own: dict[str, Any] = field(default_factory=dict)

    def own(self, name: str, factory: Callable[[], Any]) -> Any:
        """The request's loader ``name`` of some context, made by ``factory`` on first use."""
        found = self._own.get(name)
        if found is None:
            found = self._own[name] = factory()
        return found
