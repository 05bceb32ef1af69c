"""GraphQL enum values from the domain's vocabulary: the stored value and its zh/en labels."""

from __future__ import annotations

from typing import Any, Protocol

import strawberry


class Labelled(Protocol):
    """A domain enum member with its labels (their one owner is the context's model).

    Read-only members: an enum member's ``value`` and its ``label_*`` properties cannot be
    assigned, so plain (settable) attributes here would reject every domain enum.
    """

    @property
    def value(self) -> str: ...

    @property
    def label_zh(self) -> str: ...

    @property
    def label_en(self) -> str: ...


def labelled(member: Labelled) -> Any:
    """``strawberry.enum_value`` for ``member``: its value, described "中文 / English"."""
    return strawberry.enum_value(member.value, description=f"{member.label_zh} / {member.label_en}")
