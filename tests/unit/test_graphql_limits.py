"""Depth, alias and token limits reject documents before any resolver runs; caches hit."""

from __future__ import annotations

from strawberry.extensions.validation_cache import DEFAULT_MAXSIZE, _get_validate_cache

from services.api.schema import build_schema
from services.settings import Settings

SMALL = Settings(graphql_max_depth=1, graphql_max_aliases=3, graphql_max_tokens=40)


async def test_depth_limit():
    """A document deeper than graphql_max_depth is rejected (no resolver touches the DB)."""
    result = await build_schema(SMALL).execute('{ community(slug: "alpha") { grids { code } } }')
    assert result.data is None
    assert any("exceeds maximum operation depth of 1" in e.message for e in result.errors)


async def test_alias_limit():
    """More aliases than graphql_max_aliases is rejected."""
    result = await build_schema(SMALL).execute(
        "{ a: __typename b: __typename c: __typename d: __typename }"
    )
    assert result.data is None
    assert any("4 aliases found. Allowed: 3" in e.message for e in result.errors)


async def test_token_limit():
    """A document with more tokens than graphql_max_tokens is not even parsed."""
    result = await build_schema(SMALL).execute("{ " + "__typename " * 60 + "}")
    assert result.data is None
    assert any("more than 40 tokens" in e.message for e in result.errors)


async def test_within_limits_executes_and_introspection_is_not_depth_limited():
    """A small document runs; introspection (deep by nature) is exempt from the depth rule."""
    schema = build_schema(SMALL)
    ok = await schema.execute("{ __typename }")
    assert ok.errors is None and ok.data == {"__typename": "Query"}
    deep = await schema.execute("{ __schema { types { fields { type { ofType { name } } } } } }")
    assert deep.errors is None


async def test_validation_cache_hits_across_requests():
    """The second identical request is served from the validation cache (rules are shared)."""
    schema = build_schema(Settings())
    cache = _get_validate_cache(DEFAULT_MAXSIZE)
    query = "{ __typename unitCacheProbe: __typename }"
    await schema.execute(query)
    hits = cache.cache_info().hits
    await schema.execute(query)
    assert cache.cache_info().hits == hits + 1
