"""JWT bearer tokens (HS256): minting for development, verifying on every request."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import jwt

from services import localtime
from services.auth.model import ROLE_SCOPE, Principal, Role, Scope, ScopeKind
from services.errors import InvalidInput, TokenExpired, Unauthenticated
from services.settings import Settings

ALGORITHM = "HS256"
# Development secrets read from data folders, by path (the file never changes once written).
_FILE_SECRETS: dict[Path, str] = {}


def resolve_secret(settings: Settings) -> str:
    """The signing secret: SANSHI_JWT_SECRET, or (outside production) one kept in data_dir.

    Keeping the development secret on disk makes the demo tokens `make run` prints valid
    across restarts.
    """
    if settings.jwt_secret:
        return settings.jwt_secret
    if settings.is_production:
        raise Unauthenticated("no SANSHI_JWT_SECRET in production")
    path = Path(settings.data_dir).resolve() / "jwt-secret"
    cached = _FILE_SECRETS.get(path)
    if cached is not None:  # read once per process: verify_token runs on every request
        return cached
    if not path.exists():
        # Several processes (`sanshi run`, the API, the CLI) may get here at once on a
        # fresh data folder: write a temporary file and link it into place, which fails
        # if another process won — then everyone reads the one that is there.
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".jwt-secret.{os.getpid()}.{secrets.token_hex(4)}")
        tmp.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    secret = path.read_text(encoding="utf-8").strip()
    _FILE_SECRETS[path] = secret
    return secret


def scope_claim(scope: Scope) -> dict[str, str]:
    claim = {"kind": scope.kind.value, "id": scope.id}
    if scope.county:
        claim["county"] = scope.county
    return claim


def parse_scope(claim: object) -> Scope:
    if not isinstance(claim, dict):
        raise Unauthenticated("scope claim missing")
    try:
        kind = ScopeKind(claim["kind"])
        sid = str(claim["id"])
    except (KeyError, ValueError):
        raise Unauthenticated("scope claim malformed") from None
    county = claim.get("county")
    if kind is ScopeKind.DEPARTMENT and not county:
        raise Unauthenticated("department scope needs a county")
    return Scope(kind, sid, str(county) if county else None)


def check_roles_fit_scope(roles: frozenset[Role], scope: Scope) -> None:
    """Every role must be one that is held in this kind of scope."""
    wrong = [r for r in roles if ROLE_SCOPE[r] is not scope.kind]
    if not roles or wrong:
        raise InvalidInput(
            field_zh=f"角色与范围不符：{', '.join(r.label_zh for r in wrong) or '无角色'}",
            field_en=f"roles do not fit a {scope.kind.value} scope: "
            f"{', '.join(r.value for r in wrong) or 'no role'}",
        )


def issue_token(
    settings: Settings,
    *,
    subject: str,
    roles: list[Role] | frozenset[Role],
    scope: Scope,
    ttl_s: int | None = None,
) -> str:
    """Mint a signed token for ``subject`` with ``roles`` in ``scope``."""
    role_set = frozenset(roles)
    check_roles_fit_scope(role_set, scope)
    now = int(localtime.now().timestamp())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "iat": now,
        "exp": now + (settings.jwt_default_ttl_s if ttl_s is None else ttl_s),
        "roles": sorted(r.value for r in role_set),
        "scope": scope_claim(scope),
    }
    return jwt.encode(claims, resolve_secret(settings), algorithm=ALGORITHM)


def verify_token(settings: Settings, token: str) -> Principal:
    """The principal a token stands for; TokenExpired / Unauthenticated when it is not valid."""
    try:
        claims = jwt.decode(
            token,
            resolve_secret(settings),
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenExpired() from None
    except jwt.PyJWTError:
        raise Unauthenticated() from None
    try:
        roles = frozenset(Role(r) for r in claims.get("roles", []))
    except ValueError:
        raise Unauthenticated("unknown role") from None
    scope = parse_scope(claims.get("scope"))
    try:
        check_roles_fit_scope(roles, scope)
    except InvalidInput:
        raise Unauthenticated("roles do not fit scope") from None
    return Principal(subject=str(claims["sub"]), roles=roles, scope=scope)


def authenticate(settings: Settings, authorization: str | None) -> Principal | None:
    """The caller from an ``Authorization: Bearer`` header; None when there is no header.

    A header that is present but not a valid bearer token is an error, never "anonymous":
    silently downgrading would hide an expired session behind empty results.
    """
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated()
    return verify_token(settings, token.strip())
