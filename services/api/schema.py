"""The one root schema: every context's queries and mutations merged into a federation
subgraph, with the caches, limits and error masking the service runs with."""

from __future__ import annotations

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

from services.api.auth import AuthQuery, RoleType
from services.api.communities import CommunityMutation, CommunityQuery
from services.api.councils import CouncilMutation
from services.api.errors import ERROR_TYPES
from services.api.execution import execution_context_class
from services.api.extensions import MaskUnexpectedErrors, log_errors
from services.api.grids import GridMutation
from services.api.households import HouseholdMutation
from services.api.inbox import InboxMutation, InboxQuery
from services.api.matters import MatterMutation
from services.api.meetings import MeetingMutation, MeetingQuery
from services.api.routing import CalendarMutation, CalendarQuery, RoutingMutation, RoutingQuery
from services.cache.extension import RecordReads
from services.settings import Settings

Query = merge_types(
    "Query",
    (AuthQuery, CommunityQuery, InboxQuery, MeetingQuery, RoutingQuery, CalendarQuery),
)
Mutation = merge_types(
    "Mutation",
    (
        CommunityMutation,
        GridMutation,
        HouseholdMutation,
        CouncilMutation,
        MatterMutation,
        InboxMutation,
        MeetingMutation,
        RoutingMutation,
        CalendarMutation,
    ),
)


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
    return SanshiSchema(
        query=Query,
        mutation=Mutation,
        # Every error type is listed so the Error interface's implementations are all in
        # the SDL even if no union names one yet; Role is part of the published vocabulary.
        types=[*ERROR_TYPES.values(), RoleType],
        extensions=extensions,
        # graphql-core's executor with a fast path for fields over objects in memory,
        # proven equal to the standard one by tests/unit/test_graphql_fast_path.py; the
        # standard one under another graphql-core or SANSHI_GRAPHQL_FAST_PATH=false.
        execution_context_class=execution_context_class(settings.graphql_fast_path),
    )


def sdl() -> str:
    """The subgraph SDL exactly as `graphql/schema.graphql` holds it."""
    return print_schema(build_schema()) + "\n"
