"""Demo tokens, one per role, and the ready-to-paste text `sanshi run` prints with them."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

from services.auth.model import Role, Scope, ScopeKind
from services.auth.tokens import issue_token
from services.demo import COUNTY_CODE, DEMO_DEPARTMENT
from services.settings import Settings

DEMO_COMMUNITY = "donghai"


@dataclass(frozen=True)
class DemoToken:
    """A signed token for one demo user; ``var`` is the shell variable it is exported as."""

    role: Role
    scope: Scope
    token: str

    @property
    def var(self) -> str:
        return f"SANSHI_TOKEN_{self.role.value.upper()}"

    @property
    def subject(self) -> str:
        return f"demo.{self.role.value}"


def demo_scope(role: Role) -> Scope:
    """County roles in Shengsi, community roles in Donghai, the officer in the transport bureau."""
    if role in (Role.COUNTY_ADMIN, Role.COUNTY_LEADER):
        return Scope(ScopeKind.COUNTY, COUNTY_CODE)
    if role is Role.DEPARTMENT_OFFICER:
        return Scope(ScopeKind.DEPARTMENT, DEMO_DEPARTMENT, county=COUNTY_CODE)
    return Scope(ScopeKind.COMMUNITY, DEMO_COMMUNITY)


def demo_tokens(settings: Settings) -> list[DemoToken]:
    """One token per role, signed with the development secret (kept in the data folder)."""
    out = []
    for role in Role:
        scope = demo_scope(role)
        token = issue_token(settings, subject=f"demo.{role.value}", roles=[role], scope=scope)
        out.append(DemoToken(role, scope, token))
    return out


EXAMPLE_QUERY = '{ me { subject } community(slug: "donghai") { slug nameZh grids { code name } } }'


def curl_example(graphql_url: str, var: str) -> str:
    """A curl command that runs the example query with the token in ``$var``."""
    body = json.dumps({"query": EXAMPLE_QUERY}, ensure_ascii=False)
    return (
        f"curl -s {graphql_url} -H 'Content-Type: application/json' "
        f'-H "Authorization: Bearer ${var}" -d {shlex.quote(body)}'
    )


def exports(tokens: list[DemoToken]) -> str:
    """Shell lines exporting every token (also written to ``<data_dir>/demo-tokens.sh``)."""
    lines = []
    for t in tokens:
        lines.append(f"# {t.role.label_zh} {t.role.label_en} — {t.scope}")
        lines.append(f"export {t.var}={shlex.quote(t.token)}")
    return "\n".join(lines)
