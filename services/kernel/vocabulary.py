"""Enums that own a piece of the domain's vocabulary: stable values, Chinese and English labels.

Values are stored in rows and sent over GraphQL; labels are what people read. A context's
model declares ``class X(Labelled)`` and its labels with ``labels(X, {member: (zh, en)})``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

# One table per enum class. Not one shared dict keyed by member: StrEnum members hash and
# compare as their string value, so "minor" of two enums would collide.
_LABELS: dict[type[enum.StrEnum], Mapping[Any, tuple[str, str]]] = {}


class Labelled(enum.StrEnum):
    """A StrEnum whose members carry a Chinese and an English label."""

    @property
    def label_zh(self) -> str:
        return _LABELS[type(self)][self][0]

    @property
    def label_en(self) -> str:
        return _LABELS[type(self)][self][1]


def labels(enum_cls: type[Labelled], table: Mapping[Any, tuple[str, str]]) -> None:
    """Give every member of ``enum_cls`` its (Chinese, English) labels, all at once."""
    missing = set(enum_cls) - set(table)
    if missing:
        raise ValueError(f"{enum_cls.__name__}: no labels for {sorted(missing)}")
    _LABELS[enum_cls] = dict(table)
