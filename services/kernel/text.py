"""Text people type into the service: trimmed, within its limit, free of control characters.

Limits count characters, not bytes: one Chinese character is one character to the people
typing it. Control characters (NUL, escapes, the C0/C1 ranges) are refused rather than kept
or silently dropped: they break exports, terminals and the printed ledger, and no field
here needs them (a multi-line field may hold line breaks and tabs).
"""

from __future__ import annotations

import unicodedata

from services.errors import FieldTooLong, InvalidInput

_MULTILINE_ALLOWED = frozenset("\n\t")


class ControlCharacters(InvalidInput):
    """Text with a control character in it (a NUL, an escape sequence, ...)."""

    code = "CONTROL_CHARACTERS"
    zh = "「{field_zh}」含有控制字符"
    en = "'{field_en}' contains control characters"


def clean_text(
    value: str,
    *,
    field: str,
    field_zh: str,
    limit: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """``value`` stripped, or a typed error: FieldTooLong beyond ``limit`` characters,
    ControlCharacters for a control character (line breaks and tabs allowed in a
    ``multiline`` field), InvalidInput when empty but ``required``."""
    if limit < 1:
        raise ValueError(f"text limit for {field!r} must be positive, got {limit}")
    text = value.strip()
    allowed = _MULTILINE_ALLOWED if multiline else frozenset()
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in text):
        raise ControlCharacters(field_zh=field_zh, field_en=field)
    if len(text) > limit:
        raise FieldTooLong(field=field, field_zh=field_zh, limit=limit)
    if required and not text:
        raise InvalidInput(field_zh=f"{field_zh}不能为空", field_en=f"the {field} is required")
    return text
