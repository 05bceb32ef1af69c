"""Principals, roles and scopes, and the pure access rules over them (no I/O)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from services.kernel.vocabulary import Labelled, labels


class Role(Labelled):
    """A user's role. The values are stable (they travel in tokens)."""

    COUNTY_ADMIN = "county_admin"
    COUNTY_LEADER = "county_leader"
    COMMUNITY_CADRE = "community_cadre"
    GRID_WORKER = "grid_worker"
    COUNCIL_MEMBER = "council_member"
    RESIDENT = "resident"
    DEPARTMENT_OFFICER = "department_officer"


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.COUNTY_ADMIN: ("县管理员", "County administrator"),
    Role.COUNTY_LEADER: ("县领导", "County leader"),
    Role.COMMUNITY_CADRE: ("社区干部", "Community cadre"),
    Role.GRID_WORKER: ("网格员", "Grid worker"),
    Role.COUNCIL_MEMBER: ("家园理事会成员", "Homeland council member"),
    Role.RESIDENT: ("居民", "Resident"),
    Role.DEPARTMENT_OFFICER: ("县级部门工作人员", "County department officer"),
}
labels(Role, ROLE_LABELS)


class ScopeKind(enum.StrEnum):
    COMMUNITY = "community"
    COUNTY = "county"
    DEPARTMENT = "department"


# Which scope kind each role must carry.
ROLE_SCOPE: dict[Role, ScopeKind] = {
    Role.COUNTY_ADMIN: ScopeKind.COUNTY,
    Role.COUNTY_LEADER: ScopeKind.COUNTY,
    Role.COMMUNITY_CADRE: ScopeKind.COMMUNITY,
    Role.GRID_WORKER: ScopeKind.COMMUNITY,
    Role.COUNCIL_MEMBER: ScopeKind.COMMUNITY,
    Role.RESIDENT: ScopeKind.COMMUNITY,
    Role.DEPARTMENT_OFFICER: ScopeKind.DEPARTMENT,
}


@dataclass(frozen=True)
class Scope:
    """Where a principal's roles apply: one community, one county, or one department.

    A department belongs to a county, so department scopes carry the county too.
    """

    kind: ScopeKind
    id: str
    county: str | None = None

    def __str__(self) -> str:
        if self.kind is ScopeKind.DEPARTMENT:
            return f"department:{self.county}/{self.id}"
        return f"{self.kind.value}:{self.id}"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: subject, roles, scope (from a verified token)."""

    subject: str
    roles: frozenset[Role]
    scope: Scope

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def primary_role(self) -> Role:
        order = list(Role)
        return min(self.roles, key=order.index)


# A caller acting from the command line or a worker: recorded as such in the audit log.
SYSTEM = Principal("system", frozenset({Role.COUNTY_ADMIN}), Scope(ScopeKind.COUNTY, "*"))


def in_county(principal: Principal, county: str) -> bool:
    """County-scoped principal of this county (``*`` is the CLI/system principal)."""
    return principal.scope.kind is ScopeKind.COUNTY and principal.scope.id in (county, "*")


def can_read_community(principal: Principal, slug: str, county: str) -> bool:
    """May this principal see community ``slug`` (in ``county``) at all?

    Community-scoped users see their own community only; county administrators and
    leaders see every community of their county. Department officers see routed
    matters, not community data (a later issue gives them their inbox).
    """
    scope = principal.scope
    if scope.kind is ScopeKind.COMMUNITY:
        return scope.id == slug
    if scope.kind is ScopeKind.COUNTY:
        return in_county(principal, county) and principal.has(Role.COUNTY_ADMIN, Role.COUNTY_LEADER)
    return False


def can_manage_communities(principal: Principal, county: str) -> bool:
    """Create and archive communities: county administrators of that county."""
    return principal.has(Role.COUNTY_ADMIN) and in_county(principal, county)


def visible_counties(principal: Principal) -> set[str] | None:
    """Counties whose community list this principal may read (None = all, for SYSTEM)."""
    if principal.scope.kind is ScopeKind.COUNTY and principal.has(
        Role.COUNTY_ADMIN, Role.COUNTY_LEADER
    ):
        return None if principal.scope.id == "*" else {principal.scope.id}
    return set()
