"""Expected failures as GraphQL types: one type per SanshiError kind, mapped in one place.

Mutations return a union of their success type and the error types they can produce;
clients switch on ``__typename`` (or ``code``) and show ``message`` (Chinese) or
``messageEn``. Exceptions that are not in this mapping are bugs and get masked.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from services import errors as e
from services.kernel import votes


@strawberry.interface(
    name="Error",
    description="预期内的失败：机器可读的代码和中英文说明 / "
    "An expected failure: a machine code and a message in Chinese and English",
)
class ErrorType:
    code: str = strawberry.field(description="稳定的错误代码 / Stable machine-readable code")
    message: str = strawberry.field(description="中文说明 / Message in Chinese")
    message_en: str = strawberry.field(description="英文说明 / Message in English")


# The one mapping from domain errors to GraphQL types, filled by ``error_type`` below as
# each context's API module declares its errors. Lookup walks the exception's MRO, so a
# subclass without its own entry (e.g. TokenExpired) maps to its parent's type.
ERROR_TYPES: dict[type[e.SanshiError], type[ErrorType]] = {}


def error_type(domain: type[e.SanshiError], name: str, description: str) -> type[ErrorType]:
    """Declare the GraphQL type ``name`` for domain error ``domain`` and register it.

    Every context's API module declares its own errors this way, next to the mutations
    that return them; the schema lists every registered type.
    """
    if domain in ERROR_TYPES:
        raise ValueError(f"{domain.__name__} already has a GraphQL type")
    cls = type(f"{name}Type", (ErrorType,), {"__doc__": description})
    gql = strawberry.type(cls, name=name, description=description)
    ERROR_TYPES[domain] = gql
    return gql


UnauthenticatedErrorType = error_type(
    e.Unauthenticated, "UnauthenticatedError", "未登录 / Not signed in"
)
ForbiddenErrorType = error_type(
    e.Forbidden, "ForbiddenError", "角色无权操作 / The role may not do this"
)
InvalidSlugErrorType = error_type(
    e.InvalidSlug, "InvalidSlugError", "社区标识格式无效 / Malformed slug"
)
CommunityNotFoundErrorType = error_type(
    e.CommunityNotFound,
    "CommunityNotFoundError",
    "社区不存在或不可见 / No such community (or not visible to you)",
)
CountyNotFoundErrorType = error_type(
    e.CountyNotFound, "CountyNotFoundError", "县不存在 / No such county"
)
CommunityExistsErrorType = error_type(
    e.CommunityExists, "CommunityExistsError", "社区标识已被占用 / Slug taken"
)
CommunityArchivedErrorType = error_type(
    e.CommunityArchived, "CommunityArchivedError", "社区已归档，只读 / Archived, read-only"
)
ConfirmationRequiredErrorType = error_type(
    e.ConfirmationRequired,
    "ConfirmationRequiredError",
    "危险操作须再次输入社区标识 / Confirm by repeating the slug",
)
InvalidInputErrorType = error_type(e.InvalidInput, "InvalidInputError", "输入无效 / Invalid input")
TextTooLongErrorType = error_type(e.TextTooLong, "TextTooLongError", "文本过长 / Text too long")
NotFoundErrorType = error_type(
    e.NotFound, "NotFoundError", "对象不存在或不可见 / Not found (or not visible to you)"
)
# The vote kernel's one error every body that votes raises as it is (its words name no
# body): declared here, so a context shows it without importing the council's adapter.
InvalidDecisionRulesErrorType = error_type(
    votes.InvalidDecisionRules,
    "InvalidDecisionRulesError",
    "议事规则无效 / Invalid decision rules",
)
# The kernel's refusals of a bad ballot in an election (its words name no body either):
# resident groups' core elections show them first.
NotACandidateErrorType = error_type(
    votes.NotACandidate,
    "NotACandidateError",
    "选票上的人不是本次选举的候选人 / A name on the ballot is not a candidate",
)
SameCandidateTwiceErrorType = error_type(
    votes.SameCandidateTwice,
    "SameCandidateTwiceError",
    "一张选票两次选同一人 / A ballot names a candidate twice",
)
TooManyChoicesErrorType = error_type(
    votes.TooManyChoices,
    "TooManyChoicesError",
    "选票所选人数超过限额 / A ballot names more candidates than allowed",
)

# kernel vote errors (conventions)
# The kernel's refusals as they are, for every body that votes with its generic words (a
# body's own subclasses map here too, by their MRO). The council's own subclasses already
# publish "NoQuorumError" and "AlreadyVotedError", hence the "Vote" prefix.
VoteNoQuorumErrorType = error_type(
    votes.NoQuorum, "VoteNoQuorumError", "未达到法定人数 / No quorum"
)
VoteAlreadyVotedErrorType = error_type(
    votes.AlreadyVoted, "VoteAlreadyVotedError", "已经投过票 / Already voted"
)


def error_type_for(err: e.SanshiError) -> type[ErrorType] | None:
    """The GraphQL type of ``err`` (most specific mapped class), or None if unmapped."""
    for cls in type(err).__mro__:
        if cls in ERROR_TYPES:
            return ERROR_TYPES[cls]
    return None


def as_error(err: e.SanshiError, allowed: tuple[type[ErrorType], ...]) -> Any:
    """``err`` as a member of a result union whose error members are ``allowed``.

    Typed ``Any`` because it is one of the union's members, which mypy cannot narrow to.
    An error the union does not declare is re-raised: the schema promised the client a
    closed set of failures, so anything else is a bug (masked and logged, not leaked).
    """
    cls = error_type_for(err)
    if cls is None or cls not in allowed:
        raise err
    return cls(code=err.code, message=err.message_zh, message_en=err.message_en)


def query_error(info: Info, err: e.SanshiError) -> GraphQLError:
    """An expected failure of a QUERY field as a located GraphQL error with its code.

    Query fields return plain types (no unions), so a bad argument (a malformed cursor, an
    impossible date range, a role that may not list this) is reported like a validation
    error: an error that already carries its path reaches the client as it is (no original
    exception, so it is not masked), with the stable code and both languages.
    """
    return GraphQLError(
        err.message_zh,
        path=info.path.as_list(),
        extensions={"code": err.code, "messageEn": err.message_en},
    )
