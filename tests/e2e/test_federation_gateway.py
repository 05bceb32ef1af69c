"""A real Apollo Gateway (npm @apollo/gateway) composes our subgraph with a second one.

graphql/gateway.mjs starts a small "census" subgraph that extends `Community @key(slug)`
with `censusNote` and has a root field returning a bare Community reference, then an
ApolloGateway (IntrospectAndCompose) over it and the API under test, forwarding the
caller's Authorization header to both subgraphs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

GRAPHQL_DIR = Path(__file__).resolve().parents[2] / "graphql"
READY_TIMEOUT_S = 60.0
READY_PREFIX = "GATEWAY READY "

# Sanshi's root field, then the census subgraph's `_entities` for censusNote.
COMMUNITY_WITH_CENSUS = """
query CommunityWithCensus($slug: String!) {
  community(slug: $slug) { __typename slug nameZh censusNote }
}
"""

# The census root field, then Sanshi's `_entities` for nameZh and status.
CENSUS_REFERENCE = """
query CensusReference($slug: String!) {
  censusCommunity(slug: $slug) { slug censusNote nameZh status }
}
"""


def _node_modules_current() -> bool:
    """node_modules holds exactly what package-lock.json pins (npm's hidden lockfile)."""
    hidden = GRAPHQL_DIR / "node_modules" / ".package-lock.json"
    if not hidden.is_file():
        return False
    pinned = json.loads((GRAPHQL_DIR / "package-lock.json").read_text(encoding="utf-8"))
    installed = json.loads(hidden.read_text(encoding="utf-8"))
    wanted = {k: v for k, v in pinned["packages"].items() if k}
    return installed.get("packages") == wanted


def _ensure_node_modules() -> None:
    """`npm ci` the pinned gateway tooling unless node_modules already matches the lock."""
    if _node_modules_current():
        return
    npm = shutil.which("npm")
    assert npm, "npm is needed for the federation gateway test (Node 20+)"
    subprocess.run([npm, "ci", "--no-fund", "--no-audit"], cwd=GRAPHQL_DIR, check=True, timeout=300)


@pytest.fixture(scope="module")
def gateway_url(server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`node graphql/gateway.mjs` in front of the API; stopped after the module."""
    _ensure_node_modules()
    node = shutil.which("node")
    assert node, "node is needed for the federation gateway test"
    log_path = tmp_path_factory.mktemp("gateway") / "gateway.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [node, "gateway.mjs", server.base_url + "/graphql", "0"],
            cwd=GRAPHQL_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield _wait_ready(process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert process.returncode == 0, f"the gateway did not stop cleanly on SIGTERM:\n{log[-4000:]}"


def _wait_ready(process: subprocess.Popen[bytes], log_path: Path) -> str:
    """The gateway's URL from its `GATEWAY READY <url>` line."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        for line in text.splitlines():
            if line.startswith(READY_PREFIX):
                return line.removeprefix(READY_PREFIX).strip()
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited during startup:\n{text[-4000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the gateway did not get ready:\n{text[-4000:]}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
async def via_gateway(
    gateway_url: str, token: Callable[..., str]
) -> AsyncIterator[Callable[..., Any]]:
    """POST a document to the gateway: await via_gateway(query, variables, as_="cadre_a")."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:

        async def post(
            query: str, variables: dict[str, Any] | None = None, *, as_: str | None = None
        ) -> dict[str, Any]:
            headers = {} if as_ is None else {"Authorization": f"Bearer {token(as_)}"}
            r = await client.post(
                "/", json={"query": query, "variables": variables or {}}, headers=headers
            )
            assert r.status_code == 200, r.text
            return r.json()

        yield post


async def test_supergraph_composes_both_subgraphs(via_gateway):
    """The composed Community has our fields and census's; federation internals are hidden."""
    body = await via_gateway(
        '{ __type(name: "Community") { fields { name } } '
        "__schema { queryType { fields { name } } } }"
    )
    fields = {f["name"] for f in body["data"]["__type"]["fields"]}
    assert {"slug", "nameZh", "grids", "censusNote"} <= fields
    roots = {f["name"] for f in body["data"]["__schema"]["queryType"]["fields"]}
    assert {"community", "communities", "censusCommunity"} <= roots
    assert not roots & {"_entities", "_service"}


async def test_our_root_field_joined_with_census(via_gateway, e2e_data):
    """alpha's cadre gets our nameZh/slug and census's censusNote in one community(slug:)."""
    slug = e2e_data["a"]
    body = await via_gateway(COMMUNITY_WITH_CENSUS, {"slug": slug}, as_="cadre_a")
    assert body == {
        "data": {
            "community": {
                "__typename": "Community",
                "slug": slug,
                "nameZh": "甲社区",
                "censusNote": f"人口普查备注: {slug}",
            }
        }
    }


async def test_census_reference_resolved_by_our_entities(via_gateway, e2e_data):
    """A census root field's Community is completed by our `_entities`, with the token forwarded."""
    slug = e2e_data["a"]
    body = await via_gateway(CENSUS_REFERENCE, {"slug": slug}, as_="cadre_a")
    assert body == {
        "data": {
            "censusCommunity": {
                "slug": slug,
                "censusNote": f"人口普查备注: {slug}",
                "nameZh": "甲社区",
                "status": "ACTIVE",
            }
        }
    }


async def test_anonymous_and_other_community_see_nothing(via_gateway, e2e_data):
    """Anonymous callers and beta's cadre get null for alpha through the gateway too."""
    slug = e2e_data["a"]
    for who in (None, "cadre_b"):
        body = await via_gateway(COMMUNITY_WITH_CENSUS, {"slug": slug}, as_=who)
        assert body == {"data": {"community": None}}, (who, body)
    own = await via_gateway(COMMUNITY_WITH_CENSUS, {"slug": e2e_data["b"]}, as_="cadre_b")
    assert own["data"]["community"]["censusNote"] == f"人口普查备注: {e2e_data['b']}"


async def test_census_reference_not_visible_to_others(via_gateway, e2e_data):
    """Our `_entities` answers null for a caller who may not see alpha: no name leaks.

    The gateway then nulls the nullable parent and says why under `extensions`.
    """
    slug = e2e_data["a"]
    for who in (None, "cadre_b"):
        body = await via_gateway(CENSUS_REFERENCE, {"slug": slug}, as_=who)
        assert body["data"] == {"censusCommunity": None}, (who, body)
        assert "errors" not in body, (who, body)
        [why] = body["extensions"]["valueCompletion"]
        assert why["path"] == ["censusCommunity", "nameZh"], (who, body)


async def test_typed_error_union_passes_through(via_gateway, operation, e2e_data):
    """archiveCommunity's typed errors (code, zh message) arrive intact; nothing is archived."""
    slug = e2e_data["a"]
    doc = operation("archiveCommunity")
    wrong = await via_gateway(doc, {"slug": slug, "confirmSlug": slug + "x"}, as_="admin")
    assert wrong == {
        "data": {
            "archiveCommunity": {
                "__typename": "ConfirmationRequiredError",
                "code": "CONFIRMATION_REQUIRED",
                "message": f"危险操作需要确认：请再次输入社区标识「{slug}」",
                "messageEn": (
                    f"This is destructive: confirm by giving the community slug '{slug}' again"
                ),
            }
        }
    }
    anon = await via_gateway(doc, {"slug": slug, "confirmSlug": slug})
    err = anon["data"]["archiveCommunity"]
    assert err["__typename"] == "UnauthenticatedError" and err["code"] == "UNAUTHENTICATED"
    assert err["message"] == "未登录或令牌无效"
    still = await via_gateway(CENSUS_REFERENCE, {"slug": slug}, as_="admin")
    assert still["data"]["censusCommunity"]["status"] == "ACTIVE"
