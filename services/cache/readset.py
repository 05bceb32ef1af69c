"""What one operation read: each schema with its data token, and whether its answer may be kept."""

# No I/O and no imports from the rest of the service: services.localtime (imported by
# pure model modules) marks clock readings through this module.

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# (placement, schema) -> token
Dependency = tuple[str, str]


@dataclass
class ReadSet:
    """The schemas (and their tokens) one operation read, and whether it may be cached.

    Every tenant schema and every placement's platform schema has a one-row
    ``data_version`` whose token (a random uuid) changes at the commit of any change to
    that schema's data. A transaction opened while a read set is armed notes its schema's
    token in its FIRST statement (``tenants.tx``); its later statements (READ COMMITTED)
    see the data as of that token or newer, and anything newer changed the token. So a
    later request that finds every noted token unchanged would build the same answer.
    What is not data in a schema makes an answer uncacheable instead (``refuse``): the
    clock (``services.localtime.now``), a negative answer from the registry's short-lived
    in-process cache, a schema without ``data_version``.
    """

    armed: bool = False
    tokens: dict[Dependency, str] = field(default_factory=dict)
    uncacheable: str | None = None

    def arm(self) -> None:
        """Start recording (the GraphQL layer arms it for query operations only)."""
        self.armed = True

    def note(self, placement: str, schema: str, token: str | None) -> None:
        """Record ``schema``'s token as first seen by this operation."""
        if token is None:
            self.refuse(f"no data_version in {schema}")
            return
        self.tokens.setdefault((placement, schema), token)

    def refuse(self, reason: str) -> None:
        """This answer must not be cached (the first reason is kept, for the logs)."""
        if self.uncacheable is None:
            self.uncacheable = reason

    @property
    def cacheable(self) -> bool:
        return self.armed and self.uncacheable is None and bool(self.tokens)


CURRENT: contextvars.ContextVar[ReadSet | None] = contextvars.ContextVar(
    "sanshi_readset", default=None
)


def current() -> ReadSet | None:
    """The armed read set of the running operation, if any."""
    rs = CURRENT.get()
    return rs if rs is not None and rs.armed else None


@contextmanager
def recording(rs: ReadSet) -> Iterator[ReadSet]:
    """Make ``rs`` the read set of the block (tasks spawned inside share it)."""
    token = CURRENT.set(rs)
    try:
        yield rs
    finally:
        CURRENT.reset(token)


def refuse(reason: str) -> None:
    """The running operation's answer must not be cached (a no-op outside an armed read)."""
    rs = current()
    if rs is not None:
        rs.refuse(reason)
