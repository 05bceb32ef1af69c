"""Who sees what over GraphQL: "not yours" reads exactly like "does not exist"."""

from __future__ import annotations

import pytest

BAD_SLUGS = [
    "public",
    "pg_catalog",
    "a,b",
    "alpha,beta",
    "c_alpha",
    "'; DROP TABLE x; --",
    '"alpha"',
    "Alpha",
    "",
    "a" * 200,
]


async def test_me_anonymous_and_signed_in(gql, operation):
    """Anonymous `me` is null; a cadre sees subject, labelled roles and scope."""
    anon = await gql(operation("me"))
    assert anon.json() == {"data": {"me": None}}
    r = await gql(operation("me"), as_="cadre_a")
    assert r.json()["data"]["me"] == {
        "subject": "e2e-community_cadre",
        "roles": [{"role": "COMMUNITY_CADRE", "labelZh": "社区干部", "labelEn": "Community cadre"}],
        "scope": {"kind": "COMMUNITY", "id": "alpha", "county": None},
    }


async def test_own_community_visible(gql, operation, e2e_data):
    """Alpha's cadre reads alpha with its county and grids."""
    r = await gql(operation("community"), {"slug": e2e_data["a"]}, as_="cadre_a")
    body = r.json()
    assert "errors" not in body
    c = body["data"]["community"]
    assert c["slug"] == "alpha" and c["nameZh"] == "甲社区" and c["status"] == "ACTIVE"
    assert c["county"] == {"code": "testcounty", "nameZh": "测试县", "nameEn": "Test County"}
    assert c["schemaVersion"] >= 1 and c["placement"] == "default"
    assert isinstance(c["grids"], list)


async def test_neighbour_reads_exactly_like_nonexistent(gql, operation):
    """Alpha's cadre asking for beta gets byte for byte the answer for a missing slug."""
    neighbour = await gql(operation("community"), {"slug": "beta"}, as_="cadre_a")
    missing = await gql(operation("community"), {"slug": "no_such_place"}, as_="cadre_a")
    assert neighbour.status_code == missing.status_code == 200
    assert neighbour.content == missing.content
    assert neighbour.json() == {"data": {"community": None}}
    assert {k: v for k, v in neighbour.headers.items() if k not in {"x-request-id", "date"}} == {
        k: v for k, v in missing.headers.items() if k not in {"x-request-id", "date"}
    }


async def test_anonymous_sees_no_community(gql, operation):
    """Without a token, even an existing community is null and the list is empty."""
    assert (await gql(operation("community"), {"slug": "alpha"})).json() == {
        "data": {"community": None}
    }
    assert (await gql(operation("communities"))).json() == {"data": {"communities": []}}


@pytest.mark.parametrize("slug", BAD_SLUGS, ids=lambda s: repr(s[:20]))
async def test_malicious_slugs_read_as_null(gql, operation, slug):
    """Schema-widening, quoted and overlong slugs are plain null: no error, no 500."""
    r = await gql(operation("community"), {"slug": slug}, as_="admin")
    assert r.status_code == 200
    assert r.json() == {"data": {"community": None}}


async def test_county_admin_lists_own_county_only(gql, operation, e2e_data):
    """The county admin sees alpha and beta, not the other county's gamma."""
    r = await gql(operation("communities"), as_="admin")
    slugs = {c["slug"] for c in r.json()["data"]["communities"]}
    assert {"alpha", "beta"} <= slugs
    assert e2e_data["other"] not in slugs
    assert all(c["county"]["code"] == "testcounty" for c in r.json()["data"]["communities"])
    other = await gql(operation("communities"), {"county": "othercounty"}, as_="admin")
    assert other.json() == {"data": {"communities": []}}
    theirs = await gql(operation("communities"), as_="other_admin")
    assert [c["slug"] for c in theirs.json()["data"]["communities"]] == [e2e_data["other"]]


async def test_cadre_lists_only_own_community(gql, operation):
    """A community cadre's list is their community only."""
    r = await gql(operation("communities"), as_="cadre_b")
    assert [c["slug"] for c in r.json()["data"]["communities"]] == ["beta"]


async def test_federation_service_sdl(gql):
    """`_service { sdl }` publishes the subgraph SDL with the Community key."""
    r = await gql("{ _service { sdl } }")
    sdl = r.json()["data"]["_service"]["sdl"]
    assert 'type Community @key(fields: "slug")' in sdl


ENTITIES = """query($reps: [_Any!]!) {
  _entities(representations: $reps) { ... on Community { slug nameZh } }
}"""


async def test_federation_entities_respect_access(gql):
    """`_entities` resolves alpha for alpha's cadre, null for beta's cadre and anonymous."""
    reps = {
        "reps": [
            {"__typename": "Community", "slug": "alpha"},
            {"__typename": "Community", "slug": "public"},
        ]
    }
    own = await gql(ENTITIES, reps, as_="cadre_a")
    assert own.json() == {"data": {"_entities": [{"slug": "alpha", "nameZh": "甲社区"}, None]}}
    other = await gql(ENTITIES, reps, as_="cadre_b")
    assert other.json() == {"data": {"_entities": [None, None]}}
    anon = await gql(ENTITIES, reps)
    assert anon.json() == {"data": {"_entities": [None, None]}}
