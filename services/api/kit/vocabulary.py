"""GraphQL enum values from the domain's vocabulary: the stored value and its zh/en labels."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

import strawberry


class Labelled(Protocol):
    """A domain enum member with its labels (their one owner is the context's model).

    Read-only members: an enum member's ``value`` and its ``label_*`` properties cannot be
    assigned, so plain (settable) attributes here would reject every domain enum.
    """

    @property
    def name(self) -> str: ...

    @property
    def value(self) -> str: ...

    @property
    def label_zh(self) -> str: ...

    @property
    def label_en(self) -> str: ...


def labelled(member: Labelled) -> Any:
    """``strawberry.enum_value`` for ``member``: its value, described "中文 / English"."""
    return strawberry.enum_value(member.value, description=f"{member.label_zh} / {member.label_en}")


def labelled_enum(domain: Iterable[Labelled], name: str, description: str) -> Any:
    """The GraphQL enum of a domain vocabulary: one value per member, in the domain's order,
    each with the member's value and "中文 / English" description.

    Written once here instead of member by member in every adapter, so a member added to
    the domain's enum is in the schema without another edit (and cannot be missed there).
    """
    members = {m.name: labelled(m) for m in domain}
    graphql_enum: Any = enum.Enum(f"{name}Type", members)  # type: ignore[misc]
    return strawberry.enum(graphql_enum, name=name, description=description)


E = TypeVar("E", bound=enum.Enum)


def domain_member(domain: type[E], member: Any) -> E:
    """The domain enum's member for a member of its ``labelled_enum`` (same value)."""
    return domain(member.value)
