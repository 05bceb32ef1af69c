"""JWT bearer tokens: what verifies, and every way a token must not."""

from __future__ import annotations

import time

import jwt
import pytest

from services.auth.model import Role, Scope, ScopeKind
from services.auth.tokens import ALGORITHM, issue_token, verify_token
from services.errors import InvalidInput, TokenExpired, Unauthenticated
from services.settings import Settings

SETTINGS = Settings(environment="test", jwt_secret="unit-test-secret-" + "x" * 32)
DONGHAI = Scope(ScopeKind.COMMUNITY, "donghai")
SHENGSI = Scope(ScopeKind.COUNTY, "shengsi")


def _raw(claims: dict, secret: str = SETTINGS.jwt_secret or "") -> str:
    base = {
        "iss": "sanshi",
        "aud": "sanshi",
        "sub": "alice",
        "iat": int(time.time()),
        "exp": int(time.time()) + 600,
        "roles": ["community_cadre"],
        "scope": {"kind": "community", "id": "donghai"},
    }
    return jwt.encode({**base, **claims}, secret, algorithm=ALGORITHM)


def test_round_trip():
    """An issued token verifies to the same subject, roles and scope."""
    token = issue_token(
        SETTINGS, subject="alice", roles=[Role.COMMUNITY_CADRE, Role.GRID_WORKER], scope=DONGHAI
    )
    p = verify_token(SETTINGS, token)
    assert p.subject == "alice"
    assert p.roles == {Role.COMMUNITY_CADRE, Role.GRID_WORKER}
    assert p.scope == DONGHAI


def test_department_scope_round_trip():
    """A department scope keeps its county."""
    scope = Scope(ScopeKind.DEPARTMENT, "transport", "shengsi")
    token = issue_token(SETTINGS, subject="d", roles=[Role.DEPARTMENT_OFFICER], scope=scope)
    assert verify_token(SETTINGS, token).scope == scope


def test_expired():
    """A token past its exp raises TokenExpired (code TOKEN_EXPIRED)."""
    token = issue_token(
        SETTINGS, subject="alice", roles=[Role.COUNTY_ADMIN], scope=SHENGSI, ttl_s=-5
    )
    with pytest.raises(TokenExpired) as info:
        verify_token(SETTINGS, token)
    assert info.value.code == "TOKEN_EXPIRED"


def test_forged_signature():
    """A token signed with another secret is Unauthenticated, not expired or valid."""
    other = SETTINGS.with_overrides(jwt_secret="attacker-secret-" + "y" * 32)
    token = issue_token(other, subject="mallory", roles=[Role.COUNTY_ADMIN], scope=SHENGSI)
    with pytest.raises(Unauthenticated) as info:
        verify_token(SETTINGS, token)
    assert info.value.code == "UNAUTHENTICATED"


def test_alg_none_is_rejected():
    """An unsigned token (alg none) never verifies."""
    token = jwt.encode(
        {"sub": "m", "iss": "sanshi", "aud": "sanshi", "exp": int(time.time()) + 60},
        key=None,
        algorithm="none",
    )
    with pytest.raises(Unauthenticated):
        verify_token(SETTINGS, token)


def test_wrong_audience_and_issuer():
    """Tokens minted for another audience or by another issuer are rejected."""
    with pytest.raises(Unauthenticated):
        verify_token(SETTINGS, _raw({"aud": "someone-else"}))
    with pytest.raises(Unauthenticated):
        verify_token(SETTINGS, _raw({"iss": "someone-else"}))


def test_garbage_is_unauthenticated():
    """Malformed strings are Unauthenticated (not a crash)."""
    for bad in ("", "abc", "a.b.c", "Bearer x"):
        with pytest.raises(Unauthenticated):
            verify_token(SETTINGS, bad)


def test_role_scope_mismatch_in_token_is_rejected():
    """A signed token whose roles do not fit its scope kind is not accepted."""
    token = _raw({"roles": ["county_admin"], "scope": {"kind": "community", "id": "donghai"}})
    with pytest.raises(Unauthenticated):
        verify_token(SETTINGS, token)


def test_unknown_role_or_missing_scope_is_rejected():
    """Unknown role names and a missing scope claim are rejected."""
    with pytest.raises(Unauthenticated):
        verify_token(SETTINGS, _raw({"roles": ["emperor"]}))
    with pytest.raises(Unauthenticated):
        verify_token(SETTINGS, _raw({"scope": None}))


def test_issue_refuses_role_scope_mismatch():
    """Minting a county role in a community scope fails with a bilingual InvalidInput."""
    with pytest.raises(InvalidInput) as info:
        issue_token(SETTINGS, subject="x", roles=[Role.COUNTY_ADMIN], scope=DONGHAI)
    assert "角色与范围不符" in info.value.message_zh
    assert "do not fit" in info.value.message_en
