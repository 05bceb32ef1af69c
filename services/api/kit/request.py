"""Per-request GraphQL context: who is asking, the request id, settings, DataLoaders."""

from __future__ import annotations

import msgspec
from strawberry.litestar import BaseContext
from strawberry.types import Info

from services.api.kit.loaders import Loaders
from services.auth.model import Principal
from services.errors import Unauthenticated
from services.settings import Settings


class SanshiContext(BaseContext, kw_only=True):
    """Built once per HTTP request by the app; resolvers reach it as ``info.context``.

    ``principal`` is None for anonymous callers (no Authorization header); a bad token
    never gets this far (the app answers 401 before any GraphQL runs).
    """

    settings: Settings
    request_id: str
    principal: Principal | None = None
    loaders: Loaders = msgspec.field(default_factory=lambda: Loaders())


def principal_of(info: Info) -> Principal | None:
    """The caller, or None when anonymous."""
    return info.context.principal


def require_principal(info: Info) -> Principal:
    """The caller; anonymous callers get Unauthenticated (an UnauthenticatedError member)."""
    principal = info.context.principal
    if principal is None:
        raise Unauthenticated()
    return principal
