"""Households over HTTP: a cadre registers a household, residents and roles see it masked."""

from __future__ import annotations

import secrets

import pytest

from services.auth.model import Role, Scope, ScopeKind
from services.auth.tokens import issue_token

CREATE = """
mutation($c: String!, $g: ID!, $a: String!, $size: Int!) {
  createHousehold(community: $c, input: {gridId: $g, address: $a, size: $size,
                  circumstances: [ELDERLY_LIVING_ALONE], notes: "独居"}) {
    __typename
    ... on Household { id circumstances { flags { circumstance labelZh labelEn } } notes }
    ... on Error { code message messageEn }
  }
}"""
ADD_RESIDENT = """
mutation($c: String!, $h: ID!, $s: String) {
  addResident(community: $c, householdId: $h,
              input: {name: "王阿婆", phone: "13812345678", subject: $s}) {
    __typename ... on Resident { id phone subject } ... on Error { code }
  }
}"""
READ = """
query($c: String!, $id: ID!) {
  community(slug: $c) {
    household(id: $id) { id circumstances { elderlyLivingAlone } notes
                         residents { name phone subject } }
  }
}"""


@pytest.fixture(scope="module")
async def household(gql) -> dict[str, str]:
    """A household in alpha (elderly living alone) with a resident who can sign in."""
    tag = secrets.token_hex(3)
    grid = await gql(
        'mutation($code: String!) { createGrid(community: "alpha", '
        'input: {code: $code, name: "HTTP 网格"}) { ... on Grid { id } } }',
        {"code": f"http-{tag}"},
        as_="cadre_a",
    )
    grid_id = grid.json()["data"]["createGrid"]["id"]
    made = await gql(
        CREATE, {"c": "alpha", "g": grid_id, "a": f"东海路 {tag} 号", "size": 1}, as_="cadre_a"
    )
    body = made.json()["data"]["createHousehold"]
    assert body["__typename"] == "Household"
    assert body["circumstances"]["flags"] == [
        {
            "circumstance": "ELDERLY_LIVING_ALONE",
            "labelZh": "独居老人",
            "labelEn": "Elderly person living alone",
        }
    ]
    subject = f"http-res-{tag}"
    added = await gql(ADD_RESIDENT, {"c": "alpha", "h": body["id"], "s": subject}, as_="cadre_a")
    assert added.json()["data"]["addResident"]["subject"] == subject
    neighbour = await gql(
        CREATE, {"c": "alpha", "g": grid_id, "a": f"东海路 {tag}-2 号", "size": 2}, as_="cadre_a"
    )
    return {
        "id": body["id"],
        "grid": grid_id,
        "subject": subject,
        "neighbour": neighbour.json()["data"]["createHousehold"]["id"],
    }


def _bearer(settings, subject: str, role: Role, slug: str = "alpha") -> str:
    scope = Scope(ScopeKind.COMMUNITY, slug)
    return issue_token(settings, subject=subject, roles=[role], scope=scope)


async def test_resident_sees_own_household_masked(gql, settings, household):
    """A resident reads their own household: no circumstances, no notes, phone masked."""
    token = _bearer(settings, household["subject"], Role.RESIDENT)
    r = await gql(READ, {"c": "alpha", "id": household["id"]}, bearer=token)
    assert r.status_code == 200
    assert r.json() == {
        "data": {
            "community": {
                "household": {
                    "id": household["id"],
                    "circumstances": None,
                    "notes": None,
                    "residents": [{"name": "王阿婆", "phone": "138****5678", "subject": None}],
                }
            }
        }
    }


async def test_neighbour_and_missing_household_answer_identically(gql, settings, household):
    """Over HTTP a neighbour's household and a missing id give byte-identical bodies."""
    token = _bearer(settings, household["subject"], Role.RESIDENT)
    neighbour = await gql(READ, {"c": "alpha", "id": household["neighbour"]}, bearer=token)
    missing = await gql(READ, {"c": "alpha", "id": "987654"}, bearer=token)
    assert neighbour.status_code == missing.status_code == 200
    assert neighbour.content == missing.content
    assert neighbour.json() == {"data": {"community": {"household": None}}}


async def test_resident_of_alpha_sees_nothing_of_beta(gql, settings, household):
    """Asking beta for the household id reads as a community that does not exist."""
    token = _bearer(settings, household["subject"], Role.RESIDENT)
    r = await gql(READ, {"c": "beta", "id": household["id"]}, bearer=token)
    assert r.json() == {"data": {"community": None}}


async def test_council_member_sees_circumstances_but_not_contacts(gql, settings, household):
    """A council member needs circumstances to decide, not residents' phone numbers."""
    token = _bearer(settings, "member-http", Role.COUNCIL_MEMBER)
    r = await gql(READ, {"c": "alpha", "id": household["id"]}, bearer=token)
    h = r.json()["data"]["community"]["household"]
    assert h["circumstances"] == {"elderlyLivingAlone": True} and h["notes"] == "独居"
    assert h["residents"] == [{"name": "王阿婆", "phone": "138****5678", "subject": None}]


async def test_bad_size_is_a_typed_bilingual_error(gql, household):
    """Size 51 over HTTP: an InvalidInputError with its own code and both languages."""
    r = await gql(
        CREATE, {"c": "alpha", "g": household["grid"], "a": "超员路", "size": 51}, as_="cadre_a"
    )
    body = r.json()["data"]["createHousehold"]
    assert body["__typename"] == "InvalidInputError"
    assert body["code"] == "HOUSEHOLD_SIZE_OUT_OF_RANGE"
    assert "1 到 50" in body["message"] and "between 1 and 50" in body["messageEn"]
