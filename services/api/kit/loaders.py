"""Per-request DataLoaders, one style for every context: ``loader(info, batch)``.

A context writes a batch function — keys in, one value (or exception) per key out — and
asks for the request's loader of it with ``loader(info, batch)``: the first call makes it,
later calls in the same request get the same one (its cache must not outlive the request).
Most keys are a community's ids; ``per_community(fetch)`` turns ``fetch(slug, ids)`` (one
tenant transaction, one query) into such a batch function, so a page costs the same number
of statements for 5 parents as for 50. graphql-core resolves sibling fields concurrently,
so each batch opens its own transaction(s); none is shared between resolver tasks.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types import Info

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Batch = Callable[[list[K]], Awaitable[Sequence[V | BaseException]]]
CommunityKey = tuple[str, int]


class Loaders:
    """The DataLoaders of one request, by batch function, made on first use."""

    __slots__ = ("_by_batch",)

    def __init__(self) -> None:
        self._by_batch: dict[Any, DataLoader[Any, Any]] = {}

    def of(self, batch: Callable[[list[K]], Awaitable[Sequence[Any]]]) -> DataLoader[K, Any]:
        found = self._by_batch.get(batch)
        if found is None:
            found = self._by_batch[batch] = DataLoader(load_fn=batch)
        return found


def loader(info: Info, batch: Callable[[list[K]], Awaitable[Sequence[Any]]]) -> DataLoader[K, Any]:
    """The request's DataLoader over ``batch``."""
    loaders: Loaders = info.context.loaders
    return loaders.of(batch)


def per_community(
    fetch: Callable[[str, list[int]], Awaitable[Mapping[int, V]]],
    missing: Callable[[], V],
) -> Callable[[list[CommunityKey]], Awaitable[list[V | BaseException]]]:
    """A batch function over (community slug, id) keys: ``fetch(slug, ids)`` once per
    community, concurrently; ``missing()`` for an id ``fetch`` did not return.

    A failure in one community is returned for that community's keys only (as the
    DataLoader protocol allows), so a broken tenant does not fail its neighbours' fields.
    """

    async def batch(keys: list[CommunityKey]) -> list[V | BaseException]:
        ids: dict[str, list[int]] = defaultdict(list)
        for slug, key_id in keys:
            ids[slug].append(key_id)
        slugs = list(ids)
        results = await asyncio.gather(*(fetch(s, ids[s]) for s in slugs), return_exceptions=True)
        by_slug = dict(zip(slugs, results, strict=True))
        out: list[V | BaseException] = []
        for slug, key_id in keys:
            found = by_slug[slug]
            if isinstance(found, BaseException):
                out.append(found)
            else:
                out.append(found.get(key_id, missing()))
        return out

    return batch


def per_slug(
    fetch: Callable[[str], Awaitable[V]],
) -> Callable[[list[str]], Awaitable[list[V | BaseException]]]:
    """A batch function over community slugs: ``fetch(slug)`` once per slug, concurrently,
    a failure returned for its own key only."""

    async def batch(slugs: list[str]) -> list[V | BaseException]:
        return list(await asyncio.gather(*(fetch(s) for s in slugs), return_exceptions=True))

    return batch
