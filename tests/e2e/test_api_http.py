"""The HTTP surface: health probes, request ids, and bearer authentication failures."""

from __future__ import annotations

import httpx

from services.auth.model import Role, Scope, ScopeKind

ME = "{ me { subject } }"


async def test_healthz(http):
    """/healthz says the process is up."""
    r = await http.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


async def test_readyz(http):
    """/readyz is 200 when the database and Redis both answer."""
    r = await http.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


async def test_readyz_names_the_failing_dependency(extra_server, settings):
    """With Redis unreachable the process is healthy but /readyz is 503 naming redis."""
    srv = extra_server(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    async with httpx.AsyncClient(base_url=srv.base_url, timeout=30) as client:
        assert (await client.get("/healthz")).status_code == 200
        r = await client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"] == {"database": "ok", "redis": "unavailable"}


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_request_id_echoed_or_generated(http, gql):
    """A sane X-Request-ID comes back unchanged; none, or an unsafe one, gets a fresh id."""
    given = await gql(ME, headers={"X-Request-ID": "e2e-abc-123"})
    assert given.headers["x-request-id"] == "e2e-abc-123"
    fresh = await gql(ME)
    assert len(fresh.headers["x-request-id"]) >= 16
    unsafe = await gql(ME, headers={"X-Request-ID": "bad id; rm -rf"})
    assert unsafe.headers["x-request-id"] != "bad id; rm -rf"
    assert (await http.get("/healthz")).headers["x-request-id"]


async def test_expired_token_is_401_token_expired(gql, token):
    """An expired token gets HTTP 401, code TOKEN_EXPIRED, bilingual, and a request id."""
    r = await gql(ME, bearer=token("admin", ttl_s=-30))
    assert r.status_code == 401
    err = r.json()["errors"][0]
    assert err["extensions"]["code"] == "TOKEN_EXPIRED"
    assert "过期" in err["message"] and "expired" in err["extensions"]["messageEn"]
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.headers["x-request-id"]
    assert "data" not in r.json()


async def test_forged_and_malformed_tokens_are_401_unauthenticated(gql, http, token):
    """A token signed with another secret, garbage, or a non-Bearer scheme: 401 UNAUTHENTICATED."""
    forged = token("admin", secret="not-the-server-secret-" + "q" * 32)
    for headers in (
        {"Authorization": f"Bearer {forged}"},
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
    ):
        r = await http.post("/graphql", json={"query": ME}, headers=headers)
        assert r.status_code == 401, headers
        assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_rejected_token_executes_nothing(gql, token, operation):
    """A mutation sent with an expired county-admin token creates nothing."""
    expired = token(Role.COUNTY_ADMIN, Scope(ScopeKind.COUNTY, "testcounty"), ttl_s=-30)
    variables = {"input": {"slug": "e2e_never", "nameZh": "不应存在", "county": "testcounty"}}
    r = await gql(operation("createCommunity"), variables, bearer=expired)
    assert r.status_code == 401
    check = await gql(operation("community"), {"slug": "e2e_never"}, as_="admin")
    assert check.json() == {"data": {"community": None}}
