"""CLI commands of the auth context: mint development tokens (`sanshi tokens issue`)."""

from __future__ import annotations

import re

import click

from services.auth.model import ROLE_SCOPE, Role, Scope, ScopeKind
from services.auth.tokens import issue_token
from services.errors import InvalidInput
from services.settings import get_settings

_TTL_RE = re.compile(r"^(\d+)([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ttl(text: str) -> int:
    """``90``, ``90s``, ``15m``, ``8h``, ``7d`` -> seconds (positive)."""
    m = _TTL_RE.fullmatch(text.strip().lower())
    if not m or int(m.group(1)) == 0:
        raise InvalidInput(
            field_zh=f"有效期「{text}」无效，例如 90s、15m、8h、7d",
            field_en=f"TTL {text!r} is not valid; use e.g. 90s, 15m, 8h, 7d",
        )
    return int(m.group(1)) * _UNITS[m.group(2)]


def scope_for(
    roles: list[Role], community: str | None, county: str | None, department: str | None
) -> Scope:
    """The scope the options describe; it must be the one kind every role is held in."""
    kinds = {ROLE_SCOPE[r] for r in roles}
    if len(kinds) != 1:
        raise InvalidInput(
            field_zh="这些角色不能同在一个范围内", field_en="these roles need different scopes"
        )
    kind = kinds.pop()
    if kind is ScopeKind.COMMUNITY:
        if not community or county or department:
            raise InvalidInput(
                field_zh="社区角色只需要 --community",
                field_en="community roles need --community only",
            )
        return Scope(ScopeKind.COMMUNITY, community)
    if kind is ScopeKind.COUNTY:
        if not county or community or department:
            raise InvalidInput(
                field_zh="县级角色只需要 --county", field_en="county roles need --county only"
            )
        return Scope(ScopeKind.COUNTY, county)
    if not department or not county or community:
        raise InvalidInput(
            field_zh="部门角色需要 --department 和 --county",
            field_en="department roles need --department and --county",
        )
    return Scope(ScopeKind.DEPARTMENT, department, county)


@click.group("tokens")
def tokens() -> None:
    """令牌（开发用）/ Bearer tokens for development."""


@tokens.command("issue")
@click.option("--subject", required=True, help="用户标识 / Who the token is for")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="角色，可重复 / Role (repeatable)",
)
@click.option("--community", default=None, help="社区标识 / Community slug (community roles)")
@click.option("--county", default=None, help="县代码 / County code (county, department roles)")
@click.option("--department", default=None, help="部门代码 / Department code")
@click.option("--ttl", default=None, help="有效期，如 8h / Lifetime, e.g. 90s 15m 8h 7d")
def issue(
    subject: str,
    roles: tuple[str, ...],
    community: str | None,
    county: str | None,
    department: str | None,
    ttl: str | None,
) -> None:
    """签发令牌并打印 / Mint a signed token and print it."""
    role_list = [Role(r) for r in roles]
    scope = scope_for(role_list, community, county, department)
    ttl_s = parse_ttl(ttl) if ttl else None
    click.echo(
        issue_token(get_settings(), subject=subject, roles=role_list, scope=scope, ttl_s=ttl_s)
    )


COMMANDS = [tokens]
