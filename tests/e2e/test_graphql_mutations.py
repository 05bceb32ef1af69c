"""Mutations over HTTP: success and every expected failure as a typed union member."""

from __future__ import annotations

import secrets

from tenants.provisioning import get_community


def _slug(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(3)}"


def _create_vars(slug: str, county: str = "testcounty") -> dict:
    return {"input": {"slug": slug, "nameZh": "新社区", "nameEn": "New", "county": county}}


async def test_create_community_then_duplicate(gql, operation):
    """A county admin creates a community; creating it again is CommunityExistsError."""
    slug = _slug("e2e_new")
    r = await gql(operation("createCommunity"), _create_vars(slug), as_="admin")
    created = r.json()["data"]["createCommunity"]
    assert created["__typename"] == "Community"
    assert created["slug"] == slug and created["status"] == "ACTIVE"
    assert created["schemaVersion"] >= 1 and created["county"] == {"code": "testcounty"}
    again = await gql(operation("createCommunity"), _create_vars(slug), as_="admin")
    err = again.json()["data"]["createCommunity"]
    assert err["__typename"] == "CommunityExistsError"
    assert err["code"] == "COMMUNITY_EXISTS"
    assert slug in err["message"] and "已存在" in err["message"]
    assert "already exists" in err["messageEn"]


async def test_create_community_invalid_slug(gql, operation):
    """A malformed slug is InvalidSlugError, nothing provisioned."""
    r = await gql(operation("createCommunity"), _create_vars("Bad-Slug"), as_="admin")
    err = r.json()["data"]["createCommunity"]
    assert err["__typename"] == "InvalidSlugError" and err["code"] == "INVALID_SLUG"
    assert "社区标识无效" in err["message"]


async def test_create_community_forbidden_and_unauthenticated(gql, operation):
    """A cadre, and another county's admin, get ForbiddenError; anonymous UnauthenticatedError."""
    slug = _slug("e2e_denied")
    cadre = await gql(operation("createCommunity"), _create_vars(slug), as_="cadre_a")
    assert cadre.json()["data"]["createCommunity"]["__typename"] == "ForbiddenError"
    foreign = await gql(operation("createCommunity"), _create_vars(slug), as_="other_admin")
    assert foreign.json()["data"]["createCommunity"]["code"] == "FORBIDDEN"
    anon = await gql(operation("createCommunity"), _create_vars(slug))
    err = anon.json()["data"]["createCommunity"]
    assert err["__typename"] == "UnauthenticatedError" and err["code"] == "UNAUTHENTICATED"
    check = await gql(operation("community"), {"slug": slug}, as_="admin")
    assert check.json() == {"data": {"community": None}}


async def test_archive_needs_confirmation_then_archives(gql, operation):
    """A wrong confirmSlug changes nothing (ConfirmationRequiredError); the right one archives."""
    slug = _slug("e2e_arch")
    await gql(operation("createCommunity"), _create_vars(slug), as_="admin")
    wrong = await gql(
        operation("archiveCommunity"), {"slug": slug, "confirmSlug": slug + "x"}, as_="admin"
    )
    err = wrong.json()["data"]["archiveCommunity"]
    assert err["__typename"] == "ConfirmationRequiredError"
    assert slug in err["message"] and slug in err["messageEn"]
    assert (await get_community(slug)).status == "active"
    assert (await get_community(slug)).archived_at is None
    right = await gql(
        operation("archiveCommunity"), {"slug": slug, "confirmSlug": slug}, as_="admin"
    )
    done = right.json()["data"]["archiveCommunity"]
    assert done["__typename"] == "Community" and done["status"] == "ARCHIVED"
    assert done["archivedAt"]
    twice = await gql(
        operation("archiveCommunity"), {"slug": slug, "confirmSlug": slug}, as_="admin"
    )
    assert twice.json()["data"]["archiveCommunity"]["code"] == "COMMUNITY_ARCHIVED"


async def test_archive_not_visible_or_not_allowed(gql, operation):
    """Beta's cadre archiving alpha: not found; alpha's cadre archiving alpha: forbidden."""
    hidden = await gql(
        operation("archiveCommunity"), {"slug": "alpha", "confirmSlug": "alpha"}, as_="cadre_b"
    )
    assert hidden.json()["data"]["archiveCommunity"]["__typename"] == "CommunityNotFoundError"
    own = await gql(
        operation("archiveCommunity"), {"slug": "alpha", "confirmSlug": "alpha"}, as_="cadre_a"
    )
    assert own.json()["data"]["archiveCommunity"]["__typename"] == "ForbiddenError"
    assert (await get_community("alpha")).status == "active"


async def test_create_grid(gql, operation):
    """A cadre adds a grid to their community; a duplicate code and a neighbour are errors."""
    code = _slug("g")
    variables = {"community": "alpha", "input": {"code": code, "name": "一网格"}}
    r = await gql(operation("createGrid"), variables, as_="cadre_a")
    grid = r.json()["data"]["createGrid"]
    assert grid["__typename"] == "Grid" and grid["code"] == code and grid["id"]
    dup = await gql(operation("createGrid"), variables, as_="cadre_a")
    assert dup.json()["data"]["createGrid"]["code"] == "GRID_EXISTS"
    neighbour = await gql(operation("createGrid"), variables, as_="cadre_b")
    assert neighbour.json()["data"]["createGrid"]["__typename"] == "CommunityNotFoundError"
    empty = await gql(
        operation("createGrid"),
        {"community": "alpha", "input": {"code": " ", "name": "x"}},
        as_="cadre_a",
    )
    assert empty.json()["data"]["createGrid"]["__typename"] == "InvalidInputError"
    seen = await gql(operation("community"), {"slug": "alpha"}, as_="cadre_a")
    assert code in [g["code"] for g in seen.json()["data"]["community"]["grids"]]
