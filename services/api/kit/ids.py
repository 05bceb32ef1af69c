"""Global ids: row ids as GraphQL ``ID`` values and back, one set of rules for every context.

An id argument naming the thing acted on that cannot be a row id (not an integer, out of
the column's range) names nothing: it is "not found", exactly like a well-formed id of a
row that does not exist or is not visible. A malformed id INSIDE an input is the client's
mistake instead: ``InvalidInput``.
"""

from __future__ import annotations

import strawberry

from services.errors import InvalidInput, SanshiError

# Row ids are PostgreSQL integer columns; platform tables with BigSerial ids say so.
INT_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1


def gid(value: int | None) -> strawberry.ID | None:
    """A row id as a GraphQL ID (None stays None)."""
    return None if value is None else strawberry.ID(str(value))


def maybe_id(value: object, *, limit: int = INT_MAX) -> int | None:
    """``value`` as a row id, or None if it cannot be one."""
    try:
        n = int(str(value))
    except ValueError:
        return None
    return n if 1 <= n <= limit else None


def parse_id(
    value: object, missing: type[SanshiError] | SanshiError, *, limit: int = INT_MAX
) -> int:
    """An id naming the thing acted on; one that cannot exist raises ``missing``."""
    n = maybe_id(value, limit=limit)
    if n is None:
        raise missing() if isinstance(missing, type) else missing
    return n


def input_id(value: object | None, what_zh: str, what_en: str) -> int | None:
    """An optional id inside an input: malformed is invalid input, not a missing object."""
    if value is None:
        return None
    n = maybe_id(value)
    if n is None:
        raise InvalidInput(field_zh=f"{what_zh}编号无效", field_en=f"invalid {what_en} id")
    return n
