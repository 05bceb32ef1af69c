"""Expected failures as GraphQL types: one type per SanshiError kind, mapped in one place.

Mutations return a union of their success type and the error types they can produce;
clients switch on ``__typename`` (or ``code``) and show ``message`` (Chinese) or
``messageEn``. Exceptions that are not in this mapping are bugs and get masked.
"""

from __future__ import annotations

from typing import Any, get_args

import strawberry

from services import errors as e
from services.grids.handlers import GridExists


@strawberry.interface(
    name="Error",
    description="预期内的失败：机器可读的代码和中英文说明 / "
    "An expected failure: a machine code and a message in Chinese and English",
)
class ErrorType:
    code: str = strawberry.field(description="稳定的错误代码 / Stable machine-readable code")
    message: str = strawberry.field(description="中文说明 / Message in Chinese")
    message_en: str = strawberry.field(description="英文说明 / Message in English")


@strawberry.type(name="UnauthenticatedError", description="未登录 / Not signed in")
class UnauthenticatedErrorType(ErrorType):
    pass


@strawberry.type(name="ForbiddenError", description="角色无权操作 / The role may not do this")
class ForbiddenErrorType(ErrorType):
    pass


@strawberry.type(name="InvalidSlugError", description="社区标识格式无效 / Malformed slug")
class InvalidSlugErrorType(ErrorType):
    pass


@strawberry.type(
    name="CommunityNotFoundError",
    description="社区不存在或不可见 / No such community (or not visible to you)",
)
class CommunityNotFoundErrorType(ErrorType):
    pass


@strawberry.type(name="CountyNotFoundError", description="县不存在 / No such county")
class CountyNotFoundErrorType(ErrorType):
    pass


@strawberry.type(name="CommunityExistsError", description="社区标识已被占用 / Slug taken")
class CommunityExistsErrorType(ErrorType):
    pass


@strawberry.type(
    name="CommunityArchivedError", description="社区已归档，只读 / Archived, read-only"
)
class CommunityArchivedErrorType(ErrorType):
    pass


@strawberry.type(
    name="ConfirmationRequiredError",
    description="危险操作须再次输入社区标识 / Confirm by repeating the slug",
)
class ConfirmationRequiredErrorType(ErrorType):
    pass


@strawberry.type(name="InvalidInputError", description="输入无效 / Invalid input")
class InvalidInputErrorType(ErrorType):
    pass


@strawberry.type(name="TextTooLongError", description="文本过长 / Text too long")
class TextTooLongErrorType(ErrorType):
    pass


@strawberry.type(name="GridExistsError", description="网格编号已存在 / Grid code taken")
class GridExistsErrorType(ErrorType):
    pass


# The one mapping from domain errors to GraphQL types. Lookup walks the exception's
# MRO, so a subclass without its own entry (e.g. TokenExpired) maps to its parent's type.
ERROR_TYPES: dict[type[e.SanshiError], type[ErrorType]] = {
    e.Unauthenticated: UnauthenticatedErrorType,
    e.Forbidden: ForbiddenErrorType,
    e.InvalidSlug: InvalidSlugErrorType,
    e.CommunityNotFound: CommunityNotFoundErrorType,
    e.CountyNotFound: CountyNotFoundErrorType,
    e.CommunityExists: CommunityExistsErrorType,
    e.CommunityArchived: CommunityArchivedErrorType,
    e.ConfirmationRequired: ConfirmationRequiredErrorType,
    e.InvalidInput: InvalidInputErrorType,
    e.TextTooLong: TextTooLongErrorType,
    GridExists: GridExistsErrorType,
}


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


def error_members(result: Any) -> tuple[type[ErrorType], ...]:
    """The error types of a result union ``Annotated[Success | XError | ..., union(...)]``."""
    members = get_args(get_args(result)[0])
    return tuple(t for t in members if isinstance(t, type) and issubclass(t, ErrorType))
