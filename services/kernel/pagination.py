"""Keyset pagination for every list of the service: one opaque cursor codec, one page bound.

A cursor is the sort key of the last row of a page — e.g. (registered_at, id) for the
ledger, (resolve_due_at, id) for the inbox, (id,) for households — as URL-safe base64 of a
JSON array without padding. Clients treat it as opaque; the server decodes it against the
shape it expects, and anything else (garbage, another list's cursor, a naive time) is the
client's mistake: ``InvalidInput``, never an internal error.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from services.errors import InvalidInput

_BIGINT_MAX = 2**63 - 1


def _bad_cursor() -> InvalidInput:
    return InvalidInput(field_zh="分页游标无效", field_en="invalid page cursor")


def encode_cursor(*key: datetime | int) -> str:
    """An opaque cursor for the sort key ``key`` (aware datetimes and integers)."""
    values = [k.isoformat() if isinstance(k, datetime) else k for k in key]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *shape: type) -> tuple[Any, ...]:
    """The sort key ``cursor`` stands for, one value per type of ``shape`` (``datetime`` or
    ``int``); InvalidInput for anything that is not a cursor of that shape."""
    if not all(kind in (datetime, int) for kind in shape):  # a programming error
        raise TypeError(f"cursor values are datetime or int, not {shape!r}")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(shape):
            raise ValueError(cursor)
        out: list[Any] = []
        for value, kind in zip(values, shape, strict=True):
            if kind is datetime:
                parsed = datetime.fromisoformat(value)
                if parsed.tzinfo is None:
                    raise ValueError(cursor)
                out.append(parsed)
            elif (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not 0 <= value <= _BIGINT_MAX
            ):
                raise ValueError(cursor)
            else:
                out.append(value)
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise _bad_cursor() from None
    return tuple(out)


def check_page_size(first: int, maximum: int) -> None:
    """``first`` (rows per page) must be 1..``maximum``."""
    if not 1 <= first <= maximum:
        raise InvalidInput(
            field_zh=f"每页条数须在 1 到 {maximum} 之间",
            field_en=f"first must be between 1 and {maximum}",
        )
