"""The GraphQL response cache over HTTP (services/cache/), real server process.

Writes are made from THIS process (another process than the server, as a worker or a
second replica would be): the server must notice them through the data versions alone.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from services.auth.model import SYSTEM, Role, Scope, ScopeKind
from services.communities.handlers import archive_community
from services.grids.handlers import create_grid
from tenants.provisioning import create_community

COUNTY = "testcounty"
HEADER = "x-sanshi-cache"


@pytest.fixture
async def fresh(e2e_data) -> str:
    """A community of the test county that no other test touches."""
    slug = f"rc_{secrets.token_hex(4)}"
    await create_community(slug, "缓存测试社区", COUNTY, name_en="Cache Test")
    return slug


def ask(http: httpx.AsyncClient, bearer: str) -> Callable[..., Any]:
    async def post(query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        return await http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {bearer}"},
        )

    return post


async def test_an_answer_is_served_again_until_its_data_changes(http, token, operation, fresh):
    post = ask(http, token("admin"))
    doc, variables = operation("community"), {"slug": fresh}

    first = await post(doc, variables)
    assert first.headers[HEADER] == "store"
    second = await post(doc, variables)
    assert second.headers[HEADER] == "hit"
    assert second.content == first.content
    assert second.json()["data"]["community"]["grids"] == []

    # a write by another process: the next answer is built again and shows it
    await create_grid(SYSTEM, fresh, "g1", "第一网格")
    third = await post(doc, variables)
    assert third.headers[HEADER] == "store"
    assert [g["code"] for g in third.json()["data"]["community"]["grids"]] == ["g1"]
    assert (await post(doc, variables)).headers[HEADER] == "hit"

    # a registry change (platform schema): archiving shows at once
    await archive_community(SYSTEM, fresh, confirm_slug=fresh)
    fourth = await post(doc, variables)
    assert fourth.headers[HEADER] == "store"
    assert fourth.json()["data"]["community"]["status"] == "ARCHIVED"


async def test_answers_are_never_shared_between_callers(http, token, operation, fresh):
    doc, variables = operation("community"), {"slug": fresh}
    admin = ask(http, token("admin"))
    cadre = ask(http, token(Role.COMMUNITY_CADRE, Scope(ScopeKind.COMMUNITY, fresh)))
    stranger = ask(http, token(Role.COMMUNITY_CADRE, Scope(ScopeKind.COMMUNITY, "beta")))

    assert (await admin(doc, variables)).headers[HEADER] == "store"
    mine = await cadre(doc, variables)
    assert mine.headers[HEADER] == "store"  # not the admin's entry
    assert mine.json()["data"]["community"]["slug"] == fresh
    theirs = await stranger(doc, variables)
    assert theirs.headers[HEADER] == "store"
    assert theirs.json()["data"]["community"] is None  # beta's cadre does not see it
    assert (await stranger(doc, variables)).json()["data"]["community"] is None
    # different variables are a different answer
    other = await cadre(doc, {"slug": "beta"})
    assert other.headers[HEADER] == "store"
    assert other.json()["data"]["community"] is None


async def test_mutations_errors_and_the_clock_are_never_kept(http, token, operation, fresh):
    post = ask(http, token("admin"))
    mutation = operation("createGrid")
    for code in ("m1", "m2"):
        r = await post(mutation, {"community": fresh, "input": {"code": code, "name": code}})
        assert r.headers[HEADER] == "miss", r.text
    assert "errors" not in r.json()

    bad = "query Bad($slug: String!) { community(slug: $slug) { noSuchField } }"
    for _ in range(2):
        r = await post(bad, {"slug": fresh})
        assert r.headers[HEADER] == "miss"
        assert r.json()["errors"]

    # overdue flags in the inbox change with the time alone
    for _ in range(2):
        r = await post(operation("departmentInbox"), {})
        assert r.status_code == 200 and "errors" not in r.json(), r.text
        assert r.headers[HEADER] == "miss"


async def test_the_cache_can_be_turned_off_and_answers_equal(
    http, token, operation, extra_server, fresh
):
    """A server with SANSHI_RESPONSE_CACHE_MB=0 keeps nothing; its answers equal the
    caching server's, hit or not, for the ledger and the community screens."""
    off = extra_server("/readyz", SANSHI_RESPONSE_CACHE_MB="0")
    await create_grid(SYSTEM, fresh, "e1", "相等网格")
    bearer = token("admin")
    cases = [
        (operation("community"), {"slug": fresh}),
        (operation("ledger"), {"community": "alpha"}),
        (operation("ledger"), {"community": "alpha", "first": 5}),
        (operation("communities"), {}),
    ]
    async with httpx.AsyncClient(base_url=off.base_url, timeout=30) as plain:
        for doc, variables in cases:
            cached = ask(http, bearer)
            uncached = ask(plain, bearer)
            await cached(doc, variables)
            hit = await cached(doc, variables)
            assert hit.headers[HEADER] == "hit"
            fresh_answer = await uncached(doc, variables)
            assert HEADER not in fresh_answer.headers
            assert fresh_answer.json() == hit.json()


async def test_readers_arriving_together_share_one_build(http, token, operation, fresh):
    """After a write every reader of a screen misses at once; the answer is built once and
    the others wait for it (then check it like any hit)."""
    post = ask(http, token("admin"))
    doc, variables = operation("community"), {"slug": fresh}
    await post(doc, variables)
    await create_grid(SYSTEM, fresh, "s1", "同时网格")
    answers = await asyncio.gather(*(post(doc, variables) for _ in range(8)))
    assert sorted(r.headers[HEADER] for r in answers) == ["hit"] * 7 + ["store"]
    assert len({r.content for r in answers}) == 1
    assert [g["code"] for g in answers[0].json()["data"]["community"]["grids"]] == ["s1"]
