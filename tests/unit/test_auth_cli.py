"""`sanshi tokens issue`: the options map to a scope, the TTL parses, bad input is refused."""

from __future__ import annotations

import jwt
import pytest
from click.testing import CliRunner

from services.auth.cli import parse_ttl, tokens
from services.auth.model import Role, Scope, ScopeKind
from services.auth.tokens import verify_token
from services.errors import InvalidInput
from services.settings import Settings, get_settings

SECRET = "cli-test-secret-" + "z" * 32


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    """A known secret in the environment and a fresh settings cache around each test."""
    monkeypatch.setenv("SANSHI_JWT_SECRET", SECRET)
    monkeypatch.setenv("SANSHI_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield Settings(jwt_secret=SECRET)
    get_settings.cache_clear()


def _issue(*args: str):
    return CliRunner().invoke(tokens, ["issue", *args])


def test_county_admin(cli_env):
    """--role county_admin --county shengsi --ttl 8h mints a county token valid for 8 hours."""
    result = _issue(
        "--subject", "alice", "--role", "county_admin", "--county", "shengsi", "--ttl", "8h"
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    p = verify_token(cli_env, token)
    assert p.roles == {Role.COUNTY_ADMIN} and p.scope == Scope(ScopeKind.COUNTY, "shengsi")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 8 * 3600


def test_community_cadre_and_department_officer(cli_env):
    """Community and department roles get community and department scopes."""
    cadre = _issue("--subject", "bob", "--role", "community_cadre", "--community", "donghai")
    assert verify_token(cli_env, cadre.output.strip()).scope == Scope(
        ScopeKind.COMMUNITY, "donghai"
    )
    officer = _issue(
        "--subject",
        "carol",
        "--role",
        "department_officer",
        "--department",
        "transport",
        "--county",
        "shengsi",
    )
    assert verify_token(cli_env, officer.output.strip()).scope == Scope(
        ScopeKind.DEPARTMENT, "transport", "shengsi"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--role", "community_cadre", "--county", "shengsi"],
        ["--role", "county_admin", "--community", "donghai"],
        ["--role", "department_officer", "--department", "transport"],
        ["--role", "county_admin", "--role", "resident", "--county", "shengsi"],
        ["--role", "county_admin", "--county", "shengsi", "--ttl", "forever"],
    ],
)
def test_bad_combinations_raise_bilingual_errors(cli_env, args):
    """Mismatched options raise InvalidInput (the CLI root prints it in zh and en)."""
    result = _issue("--subject", "x", *args)
    assert isinstance(result.exception, InvalidInput), result.output
    assert result.exception.message_zh and result.exception.message_en


def test_parse_ttl():
    """Seconds, minutes, hours, days; zero and junk refused."""
    assert [parse_ttl(t) for t in ("90", "90s", "15m", "8h", "7d")] == [
        90,
        90,
        900,
        28800,
        604800,
    ]
    for bad in ("0", "8w", "-1h", "h"):
        with pytest.raises(InvalidInput):
            parse_ttl(bad)
