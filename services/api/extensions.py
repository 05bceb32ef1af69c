"""Schema extensions.

Masking unexpected errors: clients get a bilingual message with the request id, the log gets
the real exception with the same id (so support can find it from a screenshot). (Recording
reads for the response cache is ``services.cache.extension.RecordReads``.)"""

from __future__ import annotations

import logging

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

logger = logging.getLogger("sanshi.graphql")

INTERNAL_ERROR_CODE = "INTERNAL_ERROR"


def is_unexpected(error: GraphQLError) -> bool:
    """An exception raised while executing (a bug), as opposed to a document the client got
    wrong: parse, validation and limit errors carry no original exception, expected domain
    failures are union members, not errors."""
    return error.original_error is not None


def request_id_of(context: object) -> str:
    return str(getattr(context, "request_id", None) or "-")


def masked_message(request_id: str) -> str:
    return f"内部错误，请联系管理员 Internal error; contact support (request id: {request_id})"


class MaskUnexpectedErrors(MaskErrors):
    """MaskErrors whose message names the request (a fresh instance per request)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = request_id_of(self.execution_context.context)
        return GraphQLError(
            message=masked_message(request_id),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={
                "code": INTERNAL_ERROR_CODE,
                "messageEn": f"Internal error (request id: {request_id})",
                "requestId": request_id,
            },
        )


def log_errors(errors: list[GraphQLError], context: object) -> None:
    """Log each error before masking: unexpected ones with their traceback."""
    request_id = request_id_of(context)
    for error in errors:
        if is_unexpected(error):
            original = error.original_error
            logger.error(
                "request_id=%s unexpected error at %s: %r",
                request_id,
                ".".join(map(str, error.path or [])) or "-",
                original,
                exc_info=(type(original), original, original.__traceback__)
                if original is not None
                else None,
            )
        else:
            # The client's mistake (syntax, validation, limits): worth a line, not an alarm.
            logger.info("request_id=%s rejected document: %s", request_id, error.message)
