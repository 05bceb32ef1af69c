"""The data tokens of some schemas now: one statement per placement database."""

from __future__ import annotations

from collections.abc import Iterable

from services.cache.readset import Dependency
from tenants import db

_CURRENT_TOKENS = (
    "SELECT platform.data_version_of(s)::text FROM unnest($1::text[]) WITH ORDINALITY AS u(s, i) "
    "ORDER BY i"
)


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
