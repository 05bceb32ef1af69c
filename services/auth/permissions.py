"""The permission matrix: which role may do which operation in a community (pure data).

Each context declares its own operations (its rows of the matrix) in its
``permissions.py`` and lists them in its ``CONTEXT``; ``services.contexts.operations()`` is
the whole matrix. A community-scoped role applies in its own community; county-scoped roles
apply in every community of their county. Some operations are further limited to the
actor's own household (residents) or own seat (council members); those checks live in the
handlers, which know the rows involved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.auth.model import Principal, Role, ScopeKind, in_county


@dataclass(frozen=True)
class Op:
    """An operation in a community: one row of the matrix (``value`` is stable; tests and
    docs name it) and the roles that may perform it."""

    value: str
    roles: frozenset[Role]
    doc: str

    def __str__(self) -> str:
        return self.value


def op(value: str, roles: Iterable[Role], doc: str) -> Op:
    """Declare an operation (in the owning context's ``permissions.py``)."""
    return Op(value, frozenset(roles), doc)


def allowed(actor: Principal, operation: Op, slug: str, county: str) -> bool:
    """May ``actor`` perform ``operation`` in community ``slug`` (of ``county``)?

    The role must be in the operation's row AND held in a scope that covers the community.
    """
    if operation.roles.isdisjoint(actor.roles):
        return False
    scope = actor.scope
    if scope.kind is ScopeKind.COMMUNITY:
        return scope.id == slug
    if scope.kind is ScopeKind.COUNTY:
        return in_county(actor, county)
    return False
