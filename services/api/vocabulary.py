"""GraphQL enum values from the domain's vocabulary: the stored value, the zh/en labels; and
the one enum two contexts share (MatterKind)."""

from __future__ import annotations

import enum
from typing import Any, Protocol

import strawberry

from services.matters.model import MatterKind


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


@strawberry.enum(
    name="MatterKind", description="三事分类：私事、小事、大事 / Private, minor or major matter"
)
class MatterKindType(enum.Enum):
    """The three kinds (私事/小事/大事). Here, not in councils.py or matters.py, because both use
    it: a lazy reference from one to the other would be resolved again (with file-system
    calls) each time an input holding it is converted, e.g. every ledger filter."""

    PRIVATE = labelled(MatterKind.PRIVATE)
    MINOR = labelled(MatterKind.MINOR)
    MAJOR = labelled(MatterKind.MAJOR)
