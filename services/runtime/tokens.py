"""Demo tokens, one per role, and the ready-to-paste text `sanshi run` prints with them."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

from services.auth.model import Role, Scope, ScopeKind
from services.auth.tokens import issue_token
from services.runtime.demo.county import COUNTY_CODE, DEMO_DEPARTMENT
from services.runtime.demo.triage import DemoPeople
from services.settings import Settings

DEMO_COMMUNITY = "donghai"
_PEOPLE = DemoPeople(DEMO_COMMUNITY)
# Community roles act as people the demo seed created (services/runtime/demo/triage.py), so a
# council member's token can vote and a resident's sees their own household's requests.
DEMO_PEOPLE: dict[Role, tuple[str, str]] = {
    Role.COMMUNITY_CADRE: (_PEOPLE.secretary, "东海社区书记 the party secretary"),
    Role.GRID_WORKER: (_PEOPLE.grid_worker(1), "第一网格网格员 grid worker of g1"),
    Role.COUNCIL_MEMBER: (
        _PEOPLE.council_member(1, 1),
        "第一网格理事会成员、主持人 council member of g1, the chair",
    ),
    Role.RESIDENT: (
        _PEOPLE.resident(1),
        "东海路18号住户，修房诉求 resident of 东海路18号 (house repair)",
    ),
}


@dataclass(frozen=True)
class DemoToken:
    """A signed token for one demo user; ``var`` is the shell variable it is exported as."""

    role: Role
    scope: Scope
    token: str
    subject: str = ""
    who: str = ""

    @property
    def var(self) -> str:
        return f"SANSHI_TOKEN_{self.role.value.upper()}"


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
        subject, who = DEMO_PEOPLE.get(role, (f"demo.{role.value}", ""))
        token = issue_token(settings, subject=subject, roles=[role], scope=scope)
        out.append(DemoToken(role, scope, token, subject, who))
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
        who = f" — {t.subject}（{t.who}）" if t.who else ""
        lines.append(f"# {t.role.label_zh} {t.role.label_en} — {t.scope}{who}")
        lines.append(f"export {t.var}={shlex.quote(t.token)}")
    return "\n".join(lines)
