"""The one root schema: every context's queries and mutations merged into a federation
subgraph, with the caches, limits and error masking the service runs with."""

from __future__ import annotations

from functools import cache
from typing import Any

import strawberry
from graphql.error import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.printer import print_schema
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from services.api.execution import execution_context_class
from services.api.extensions import MaskUnexpectedErrors, log_errors
from services.api.kit.errors import ERROR_TYPES
from services.cache.extension import RecordReads
from services.contexts import CONTEXTS
from services.kernel.registration import FieldsOn, resolve
from services.settings import Settings


def _extend(on: FieldsOn) -> None:
    """Add the fields of ``on.fields`` to the type ``on.on`` names, where ``on.before`` says.

    Strawberry builds a type's definition when the class is decorated; the schema is
    converted from ``definition.fields`` later, so a context's fields join the owner's
    type here, before any schema is built — the owner's module never imports them.

    A contribution that reads rows with its parent's page (``services.api.kit.prefetch``)
    says which in its ``PREFETCH`` mapping; it joins the owner's.
    """
    owner_cls, contribution = resolve(on.on), resolve(on.fields)
    owner = owner_cls.__strawberry_definition__
    added = list(contribution.__strawberry_definition__.fields)
    names = [f.python_name for f in owner.fields]
    clash = {f.python_name for f in added} & set(names)
    if clash:
        raise ValueError(f"{on.fields} redefines {sorted(clash)} of {on.on}")
    at = len(names) if on.before is None else names.index(on.before)
    owner.fields[at:at] = added
    prefetch = getattr(contribution, "PREFETCH", None)
    if prefetch:
        owner_cls.PREFETCH.update(prefetch)


@cache
def _roots() -> tuple[type, type]:
    """The root Query and Mutation types of every context, each context's fields on the
    others' types added once per process (in the order of ``services.contexts.CONTEXTS``,
    which is the order of the published SDL)."""
    for context in CONTEXTS:
        for on in context.fields:
            _extend(on)
    query = merge_types("Query", tuple(resolve(c.query) for c in CONTEXTS if c.query is not None))
    mutation = merge_types(
        "Mutation", tuple(resolve(c.mutation) for c in CONTEXTS if c.mutation is not None)
    )
    return query, mutation


def _listed_types() -> list[Any]:
    """Types the schema lists although no field may name them: every error type (so the
    Error interface's implementations are all in the SDL) and the contexts' own."""
    extra = [resolve(ref) for c in CONTEXTS for ref in c.types]
    return [*ERROR_TYPES.values(), *extra]


class SanshiSchema(strawberry.federation.Schema):
    """The federation schema, logging errors with the request id before they are masked."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_errors(errors, execution_context.context if execution_context else None)


def build_schema(settings: Settings | None = None) -> SanshiSchema:
    """The schema with limits from ``settings`` (the SDL does not depend on them)."""
    settings = settings or Settings()
    # Built once, not per request: ValidationCache keys on the rule classes, and the
    # limiters create new classes on every construction, which would make every request
    # a cache miss.
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.graphql_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.graphql_max_aliases).validation_rules,
    ]
    max_tokens = settings.graphql_max_tokens
    extensions: list[Any] = [
        MaskUnexpectedErrors,
        RecordReads,
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        ParserCache,
        lambda: AddValidationRules(limit_rules),
        ValidationCache,
    ]
    query, mutation = _roots()
    return SanshiSchema(
        query=query,
        mutation=mutation,
        types=_listed_types(),
        extensions=extensions,
        # graphql-core's executor with a fast path for fields over objects in memory,
        # proven equal to the standard one by tests/unit/test_graphql_fast_path.py; the
        # standard one under another graphql-core or SANSHI_GRAPHQL_FAST_PATH=false.
        execution_context_class=execution_context_class(settings.graphql_fast_path),
    )


def sdl() -> str:
    """The subgraph SDL exactly as `graphql/schema.graphql` holds it."""
    return print_schema(build_schema()) + "\n"
