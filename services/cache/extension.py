"""The Strawberry extension that arms the request's read set for query operations only."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from services.cache import readset


class RecordReads(SchemaExtension):
    """Arm the request's read set (``services.cache.readset``) for query operations only.

    The response cache (services/app.py) opens a read set around every request it might
    keep; only a query's answer may be kept, so mutations and subscriptions run
    unrecorded (and cost nothing extra).
    """

    def on_execute(self) -> Iterator[None]:
        rs = readset.CURRENT.get()
        if rs is not None and self.execution_context.operation_type is OperationType.QUERY:
            rs.arm()
        yield
