"""What the auth context adds: the caller (`me`), the role vocabulary, `sanshi tokens`."""

from services.kernel.registration import Context

CONTEXT = Context(
    name="auth",
    summary="principals, roles, scopes, tokens (身份与权限)",
    query="services.auth.api:AuthQuery",
    # The Role enum is part of the published vocabulary even where no field names it.
    types=("services.auth.api:RoleType",),
    commands="services.auth.cli:COMMANDS",
)
