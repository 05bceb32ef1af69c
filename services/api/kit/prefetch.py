"""Fields answered now from rows read with their parent, or later through a DataLoader.

A page (the ledger, a matter) reads the rows its sub-fields will show in its own
transaction, chosen from the selection. Fields under it then answer synchronously from
those rows: no task, no future, no DataLoader batch per field — on a page of 50 that is
most of what GraphQL execution costs (bench/README.md). An object built anywhere else (a
mutation's result) has no prefetched rows and its fields go through the per-request
DataLoaders. Both paths build the same objects from the same rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar, cast

from strawberry.types.nodes import SelectedField, Selection

T = TypeVar("T")


def later(pending: Coroutine[Any, Any, T]) -> T:
    """Return a coroutine from a synchronous resolver: graphql-core awaits any awaitable a
    resolver returns, so one resolver can answer now (prefetched) or later (loader)."""
    return cast(T, pending)


class Pending:
    """A field value loaded if and when GraphQL awaits it (graphql-core awaits awaitable
    attribute values as it does resolver results): an attribute can then hold either the
    object itself (prefetched) or this, and costs no resolver call when prefetched."""

    __slots__ = ("_build", "_load")

    def __init__(self, load: Callable[[], Awaitable[Any]], build: Callable[[Any], Any]) -> None:
        self._load, self._build = load, build

    def __await__(self) -> Any:
        async def run() -> Any:
            return self._build(await self._load())

        return run().__await__()


def selected_names(selections: list[Selection]) -> dict[str, list[SelectedField]]:
    """The fields of a selection set by name, looking through fragments (directives are
    ignored: prefetching a skipped field only reads rows nobody shows)."""
    out: dict[str, list[SelectedField]] = {}
    stack = list(selections)
    while stack:
        sel = stack.pop()
        if isinstance(sel, SelectedField):
            out.setdefault(sel.name, []).append(sel)
        else:  # FragmentSpread or InlineFragment
            stack.extend(sel.selections)
    return out
