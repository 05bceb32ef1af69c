"""The per-process store of encoded answers: LRU bounded in bytes, keys, one build per key."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from services.auth.model import Principal
from services.cache.readset import Dependency, ReadSet
from services.cache.tokens import current_tokens

logger = logging.getLogger("sanshi.cache")

CACHE_HEADER = "x-sanshi-cache"
# Bookkeeping bytes per entry beyond the body and the key's strings (dict slot, tuples).
_OVERHEAD = 256
# How many fresher entries a lookup follows when its entry is replaced while it checks the
# tokens (each replacement is a finished build; under a stream of writes, give up and build).
_REPLACED_RETRIES = 2

Key = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    body: bytes
    deps: tuple[Dependency, ...]
    tokens: tuple[str, ...]
    size: int


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    stale: int = 0
    joined: int = 0
    stored: int = 0
    refused: int = 0
    evicted: int = 0
    refusals: dict[str, int] = field(default_factory=dict)


def principal_key(principal: Principal | None) -> tuple[str, ...] | None:
    """Everything about the caller an answer may depend on (None for anonymous)."""
    if principal is None:
        return None
    roles = ",".join(sorted(r.value for r in principal.roles))
    scope = principal.scope
    return (principal.subject, roles, scope.kind.value, scope.id, scope.county or "")


class _Body(msgspec.Struct, forbid_unknown_fields=True):
    query: str
    variables: dict[str, Any] | None = None
    operationName: str | None = None


_DECODER = msgspec.json.Decoder(_Body)


def request_key(principal: Principal | None, body: bytes) -> Key | None:
    """The cache key of a GraphQL POST body, or None when it is not a plain query request.

    Bodies with anything but ``query``/``variables``/``operationName`` (extensions,
    batches, uploads) or that do not decode are left to Strawberry, which answers them
    as it always does.
    """
    try:
        parsed = _DECODER.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    variables = msgspec.json.encode(parsed.variables or {}, order="sorted")
    return (principal_key(principal), parsed.query, parsed.operationName, variables)


class ResponseCache:
    """An LRU of encoded answers bounded by ``max_bytes``; one per app (per process).

    A query's encoded answer is kept under a key of who asks (subject, roles and scope of
    the verified token: masking and "a resident sees only their household" depend on it,
    so answers are never shared between callers) and what is asked (document, operation
    name, canonical variables), with the data tokens of every schema it read. It is served
    again only after one statement finds every one of those tokens unchanged — a commit
    in any of those schemas, from any process or worker, changes its token — so there is
    no time-to-live to tune and nothing to invalidate by hand. Not kept: mutations,
    subscriptions, answers with errors, answers that read the clock
    (``services.localtime.now``), answers that read nothing, requests that are not plain
    JSON POSTs. ``SANSHI_RESPONSE_CACHE_MB=0`` turns it off (no instance at all).
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.stats = CacheStats()
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._building: dict[Key, asyncio.Future[None]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def lookup(self, key: Key) -> bytes | None:
        """The stored answer if every schema it read is unchanged since; else None.

        If the entry is replaced while its tokens are being checked (another request built
        a fresher answer meanwhile), the fresher one is checked instead: a reader that
        arrived with the crowd after a write gets the answer the crowd's builder stored,
        instead of building it a second time.
        """
        entry = self._entries.get(key)
        for _ in range(_REPLACED_RETRIES + 1):
            if entry is None:
                self.stats.misses += 1
                return None
            if tuple(await current_tokens(entry.deps)) == entry.tokens:
                if key in self._entries:
                    self._entries.move_to_end(key)
                self.stats.hits += 1
                return entry.body
            self.stats.stale += 1
            current = self._entries.get(key)
            if current is entry:
                self._remove(key)
                return None
            entry = current  # replaced while we awaited the tokens
        return None

    async def join(self, key: Key) -> bytes | None:
        """If the same answer is being built right now, wait for it, then look it up.

        After a write, every reader of a screen misses at once; without this each would
        build the same answer. The waiter still checks the tokens (``lookup``), so it never
        gets an answer older than a commit it may have seen before asking.
        """
        building = self._building.get(key)
        if building is None:
            return None
        with contextlib.suppress(Exception):
            await asyncio.shield(building)
        self.stats.joined += 1
        return await self.lookup(key)

    @contextlib.asynccontextmanager
    async def building(self, key: Key) -> AsyncIterator[None]:
        """Mark ``key`` as being built for the block (the first builder only)."""
        if key in self._building:
            yield
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._building[key] = done
        try:
            yield
        finally:
            del self._building[key]
            done.set_result(None)

    def store(self, key: Key, rs: ReadSet, body: bytes) -> bool:
        """Keep ``body`` for ``key`` if the read set allows it; True if stored."""
        if not rs.cacheable:
            self.stats.refused += 1
            reason = rs.uncacheable or ("not a query" if not rs.armed else "read nothing")
            self.stats.refusals[reason] = self.stats.refusals.get(reason, 0) + 1
            return False
        deps = tuple(rs.tokens)
        size = len(body) + sum(len(k) for k in key[1:3] if k) + len(key[3]) + _OVERHEAD
        if size > self.max_bytes // 8:
            self.stats.refused += 1  # one answer may not crowd out the rest
            return False
        if key in self._entries:
            self._remove(key)
        self._entries[key] = Entry(body, deps, tuple(rs.tokens[d] for d in deps), size)
        self.size += size
        self.stats.stored += 1
        while self.size > self.max_bytes and self._entries:
            self._remove(next(iter(self._entries)))
            self.stats.evicted += 1
        return True

    def _remove(self, key: Key) -> None:
        entry = self._entries.pop(key)
        self.size -= entry.size
