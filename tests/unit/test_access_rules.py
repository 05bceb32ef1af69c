"""Who may see and manage which community (pure rules over principals)."""

import pytest

from services.auth.model import (
    SYSTEM,
    Principal,
    Role,
    Scope,
    ScopeKind,
    can_manage_communities,
    can_read_community,
    visible_counties,
)


def p(role: Role, kind: ScopeKind, sid: str, county: str | None = None) -> Principal:
    return Principal("u", frozenset({role}), Scope(kind, sid, county))


CADRE_A = p(Role.COMMUNITY_CADRE, ScopeKind.COMMUNITY, "alpha")
RESIDENT_A = p(Role.RESIDENT, ScopeKind.COMMUNITY, "alpha")
ADMIN_X = p(Role.COUNTY_ADMIN, ScopeKind.COUNTY, "xian")
LEADER_X = p(Role.COUNTY_LEADER, ScopeKind.COUNTY, "xian")
OFFICER_X = p(Role.DEPARTMENT_OFFICER, ScopeKind.DEPARTMENT, "transport", "xian")


@pytest.mark.parametrize(
    ("who", "slug", "county", "allowed"),
    [
        (CADRE_A, "alpha", "xian", True),
        (CADRE_A, "beta", "xian", False),
        (RESIDENT_A, "alpha", "xian", True),
        (RESIDENT_A, "beta", "xian", False),
        (ADMIN_X, "alpha", "xian", True),
        (ADMIN_X, "alpha", "other", False),
        (LEADER_X, "beta", "xian", True),
        (OFFICER_X, "alpha", "xian", False),
        (SYSTEM, "alpha", "any", True),
    ],
)
def test_read_community_matrix(who, slug, county, allowed):
    """Community users see their own community; county users their county's; officers none."""
    assert can_read_community(who, slug, county) is allowed


@pytest.mark.parametrize(
    ("who", "county", "allowed"),
    [
        (ADMIN_X, "xian", True),
        (ADMIN_X, "other", False),
        (LEADER_X, "xian", False),
        (CADRE_A, "xian", False),
        (OFFICER_X, "xian", False),
        (SYSTEM, "xian", True),
    ],
)
def test_manage_communities_matrix(who, county, allowed):
    """Only a county administrator of that county (or the CLI) creates and archives."""
    assert can_manage_communities(who, county) is allowed


def test_visible_counties():
    """County users list their county; community users list none; the CLI lists all."""
    assert visible_counties(ADMIN_X) == {"xian"}
    assert visible_counties(CADRE_A) == set()
    assert visible_counties(SYSTEM) is None


def test_roles_have_bilingual_labels():
    """Every role has a Chinese and an English label."""
    for role in Role:
        assert role.label_zh and role.label_en and role.label_zh != role.label_en
