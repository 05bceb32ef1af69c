"""Mutation results: ``Success | XError | ...`` unions, and running a handler into one.

Every mutation returns a union of its success type and the typed errors it can meet
(``services.api.kit.errors``); ``attempt`` runs the handler as the caller and turns an
expected failure into the union's member. A failure the union does not list is a bug: it is
re-raised, masked for the client and logged with the request id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Union, get_args

import strawberry
from strawberry.types import Info

from services.api.kit.errors import (
    CommunityArchivedErrorType,
    CommunityNotFoundErrorType,
    ErrorType,
    ForbiddenErrorType,
    InvalidInputErrorType,
    TextTooLongErrorType,
    UnauthenticatedErrorType,
    as_error,
)
from services.api.kit.request import require_principal
from services.auth.model import Principal
from services.errors import SanshiError

# What any act in a community can meet: no caller, a role that may not, a community that
# is not visible, an archived (read-only) community. And bad text in an input.
COMMUNITY_ACT: tuple[type[ErrorType], ...] = (
    UnauthenticatedErrorType,
    ForbiddenErrorType,
    CommunityNotFoundErrorType,
    CommunityArchivedErrorType,
)
INPUT: tuple[type[ErrorType], ...] = (InvalidInputErrorType, TextTooLongErrorType)


def result(name: str, description: str, success: type, *errors: type[ErrorType]) -> Any:
    """``Annotated[success | errors..., strawberry.union(name)]``, members in this order
    (the order the SDL lists them in)."""
    members = (success, *errors)
    return Annotated[Union[members], strawberry.union(name, description=description)]  # noqa: UP007


_MEMBERS: dict[int, tuple[type[ErrorType], ...]] = {}


def error_members(union: Any) -> tuple[type[ErrorType], ...]:
    """The error types of a result union made by ``result`` (or spelled out by hand)."""
    found = _MEMBERS.get(id(union))
    if found is None:
        members = get_args(get_args(union)[0])
        found = tuple(t for t in members if isinstance(t, type) and issubclass(t, ErrorType))
        _MEMBERS[id(union)] = found
    return found


async def attempt(info: Info, union: Any, act: Callable[[Principal], Awaitable[Any]]) -> Any:
    """``act(caller)`` — it returns the success member — or the typed error it raised.

    Anonymous callers get the UnauthenticatedError member before ``act`` runs.
    """
    try:
        return await act(require_principal(info))
    except SanshiError as err:
        return as_error(err, error_members(union))
