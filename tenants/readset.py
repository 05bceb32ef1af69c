"""What a read depended on: the data versions of the schemas it read (for the response cache).

Every tenant schema and every placement's platform schema has a one-row ``data_version``
table whose ``token`` (a random uuid) changes in the same transaction as any change to
that schema's data: a deferred constraint trigger on each of its tables runs
``bump_data_version()`` at commit (tenant migration 0006, platform migration 0004). So
"the token is still X" means "nothing was committed in that schema since X was read".

A GraphQL query run with a :class:`ReadSet` armed records, in the FIRST statement of each
transaction it opens (``tenants.tx`` folds it into the ``set_config`` it runs anyway), the
token of that transaction's schema. Every later statement of that transaction (READ
COMMITTED) sees the data as of that token or newer; a newer commit changes the token. So
when a later request finds every recorded token unchanged, nothing that request read has
changed, and the same answer is still right. Things that are not data in a schema make
an answer uncacheable instead: the clock (:func:`uses_clock`), a negative answer from the
registry's short-lived in-process cache, a transaction on a schema without a
``data_version`` table.

This module holds no SQL of its own beyond :func:`current_tokens`; ``tenants.tx`` is still
the only place that touches ``search_path``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tenants import db

# (placement, schema) -> token
Dependency = tuple[str, str]

# Read in the first statement of an armed transaction, beside the search_path it sets.
SET_PATH_AND_VERSION = (
    "SELECT set_config('search_path', $1, true), platform.data_version_of($1)::text"
)
_CURRENT_TOKENS = (
    "SELECT platform.data_version_of(s)::text FROM unnest($1::text[]) WITH ORDINALITY AS u(s, i) "
    "ORDER BY i"
)


@dataclass
class ReadSet:
    """The schemas (and their tokens) one operation read, and whether it may be cached."""

    armed: bool = False
    tokens: dict[Dependency, str] = field(default_factory=dict)
    uncacheable: str | None = None

    def arm(self) -> None:
        """Start recording (the GraphQL layer arms it for query operations only)."""
        self.armed = True

    def note(self, placement: str, schema: str, token: str | None) -> None:
        """Record ``schema``'s token as first seen by this operation."""
        if token is None:
            self.refuse(f"no data_version in {schema}")
            return
        self.tokens.setdefault((placement, schema), token)

    def refuse(self, reason: str) -> None:
        """This answer must not be cached (the first reason is kept, for the logs)."""
        if self.uncacheable is None:
            self.uncacheable = reason

    @property
    def cacheable(self) -> bool:
        return self.armed and self.uncacheable is None and bool(self.tokens)


CURRENT: contextvars.ContextVar[ReadSet | None] = contextvars.ContextVar(
    "sanshi_readset", default=None
)


def current() -> ReadSet | None:
    """The armed read set of the running operation, if any."""
    rs = CURRENT.get()
    return rs if rs is not None and rs.armed else None


@contextmanager
def recording(rs: ReadSet) -> Iterator[ReadSet]:
    """Make ``rs`` the read set of the block (tasks spawned inside share it)."""
    token = CURRENT.set(rs)
    try:
        yield rs
    finally:
        CURRENT.reset(token)


def uses_clock(reason: str = "clock") -> None:
    """Call where an answer depends on the current time: it is then never cached."""
    rs = current()
    if rs is not None:
        rs.refuse(reason)


def refuse(reason: str) -> None:
    """The running operation's answer must not be cached."""
    rs = current()
    if rs is not None:
        rs.refuse(reason)


async def current_tokens(deps: Iterable[Dependency]) -> list[str | None]:
    """The tokens of ``deps`` now, in order: one statement per placement database.

    Runs on a pooled connection outside any transaction helper: the function it calls
    takes the schema as an argument (no ``search_path`` involved).
    """
    deps = list(deps)
    by_placement: dict[str, list[int]] = {}
    for i, (placement, _) in enumerate(deps):
        by_placement.setdefault(placement, []).append(i)
    out: list[str | None] = [None] * len(deps)
    dbs = db.current()
    for placement, indices in by_placement.items():
        async with dbs.pool(placement).acquire() as conn:
            rows = await conn.fetch(_CURRENT_TOKENS, [deps[i][1] for i in indices])
        for i, row in zip(indices, rows, strict=True):
            out[i] = row[0]
    return out
