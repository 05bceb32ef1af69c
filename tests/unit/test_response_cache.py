"""The response cache's own logic: keys, what is refused, staleness, the byte bound.

The data tokens are faked here (pure logic); tests/integration/test_data_version.py and
tests/e2e/test_response_cache_http.py use the real ones.
"""

from __future__ import annotations

import asyncio

import pytest

from services.auth.model import Principal, Role, Scope, ScopeKind
from services.cache import store
from services.cache.readset import ReadSet
from services.cache.store import ResponseCache, principal_key, request_key

CADRE = Principal("u1", frozenset({Role.COMMUNITY_CADRE}), Scope(ScopeKind.COMMUNITY, "alpha"))
OFFICER_A = Principal(
    "u2", frozenset({Role.DEPARTMENT_OFFICER}), Scope(ScopeKind.DEPARTMENT, "transport", "a")
)
OFFICER_B = Principal(
    "u2", frozenset({Role.DEPARTMENT_OFFICER}), Scope(ScopeKind.DEPARTMENT, "transport", "b")
)


@pytest.fixture
def tokens(monkeypatch):
    """The 'database': schema -> current token."""
    now: dict[str, str] = {}

    async def current_tokens(deps):
        return [now.get(schema) for _, schema in deps]

    monkeypatch.setattr(store, "current_tokens", current_tokens)
    return now


def read(*schemas: str, tokens: dict[str, str]) -> ReadSet:
    rs = ReadSet()
    rs.arm()
    for s in schemas:
        rs.note("default", s, tokens[s])
    return rs


def test_keys_separate_callers_documents_and_variables():
    body = b'{"query": "{ a }", "variables": {"x": 1, "y": [2]}}'
    same = b'{"variables": {"y": [2], "x": 1}, "query": "{ a }"}'
    assert request_key(CADRE, body) == request_key(CADRE, same)  # key order is irrelevant
    assert request_key(CADRE, body) != request_key(None, body)
    assert request_key(OFFICER_A, body) != request_key(OFFICER_B, body)  # county counts
    assert request_key(CADRE, body) != request_key(CADRE, b'{"query": "{ a }"}')
    assert request_key(CADRE, b'{"query": "{ a }", "operationName": "A"}') != request_key(
        CADRE, b'{"query": "{ a }"}'
    )
    assert principal_key(None) is None


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'[{"query": "{ a }"}]',  # a batch
        b'{"variables": {}}',  # no query
        b'{"query": "{ a }", "extensions": {"persistedQuery": {}}}',
        b'{"query": 1}',
    ],
)
def test_other_bodies_are_left_to_strawberry(body):
    assert request_key(CADRE, body) is None


async def test_served_while_every_token_is_unchanged(tokens):
    tokens.update({"c_alpha": "t1", "platform": "p1"})
    cache = ResponseCache(1 << 20)
    key = request_key(CADRE, b'{"query": "{ a }"}')
    assert await cache.lookup(key) is None
    assert cache.store(key, read("c_alpha", "platform", tokens=tokens), b'{"data":1}')
    assert await cache.lookup(key) == b'{"data":1}'
    tokens["platform"] = "p2"  # any one of them changes: stale, and dropped
    assert await cache.lookup(key) is None
    assert len(cache) == 0 and cache.size == 0
    assert (cache.stats.hits, cache.stats.stale, cache.stats.misses) == (1, 1, 1)


def test_what_is_never_stored(tokens):
    tokens["c_alpha"] = "t1"
    cache = ResponseCache(1 << 20)
    key = request_key(CADRE, b'{"query": "{ a }"}')
    unarmed = ReadSet()  # a mutation: never armed
    assert not cache.store(key, unarmed, b"{}")
    nothing = ReadSet()
    nothing.arm()  # read no schema at all
    assert not cache.store(key, nothing, b"{}")
    clock = read("c_alpha", tokens=tokens)
    clock.refuse("clock")
    assert not cache.store(key, clock, b"{}")
    missing = ReadSet()
    missing.arm()
    missing.note("default", "c_new", None)  # a schema without data_version
    assert not cache.store(key, missing, b"{}")
    huge = read("c_alpha", tokens=tokens)
    assert not cache.store(key, huge, b"x" * (1 << 20))  # over 1/8 of the cache
    assert len(cache) == 0
    assert cache.stats.refusals == {
        "not a query": 1,
        "read nothing": 1,
        "clock": 1,
        "no data_version in c_new": 1,
    }


async def test_least_recently_used_goes_first_and_bytes_stay_bounded(tokens):
    tokens["c_alpha"] = "t1"
    cache = ResponseCache(8 * 1024)
    keys = [request_key(CADRE, b'{"query": "{ a%d }"}' % i) for i in range(12)]
    for k in keys[:6]:
        assert cache.store(k, read("c_alpha", tokens=tokens), b"x" * 700)
    assert await cache.lookup(keys[0]) is not None  # 0 is now the most recent
    for k in keys[6:]:
        cache.store(k, read("c_alpha", tokens=tokens), b"x" * 700)
    assert cache.size <= cache.max_bytes
    # 8 entries of ~965 bytes fit; 1-4 were the least recently used (0 was looked at)
    assert len(cache) == 8 and cache.stats.evicted == 4
    assert [await cache.lookup(k) is not None for k in keys] == [
        True,
        False,
        False,
        False,
        False,
        True,
        True,
        True,
        True,
        True,
        True,
        True,
    ]
    # the byte count matches the entries held
    assert cache.size == sum(e.size for e in cache._entries.values())


def test_restoring_a_key_replaces_its_entry(tokens):
    tokens["c_alpha"] = "t1"
    cache = ResponseCache(1 << 20)
    key = request_key(CADRE, b'{"query": "{ a }"}')
    cache.store(key, read("c_alpha", tokens=tokens), b"old")
    cache.store(key, read("c_alpha", tokens=tokens), b"new!")
    assert len(cache) == 1
    assert cache.size == sum(e.size for e in cache._entries.values())


async def _request(cache: ResponseCache, key, build) -> tuple[str, bytes]:
    """What services/app.py does with a request (lookup, join, build under `building`)."""
    body = await cache.lookup(key) or await cache.join(key)
    if body is not None:
        return "hit", body
    async with cache.building(key):
        rs, body = await build()
        stored = cache.store(key, rs, body)
    return "store" if stored else "miss", body


async def test_concurrent_misses_build_the_answer_once(tokens):
    tokens["c_alpha"] = "t1"
    cache = ResponseCache(1 << 20)
    key = request_key(CADRE, b'{"query": "{ a }"}')
    builds = 0

    async def build():
        nonlocal builds
        builds += 1
        await asyncio.sleep(0.02)
        return read("c_alpha", tokens=tokens), b"answer"

    got = await asyncio.gather(*(_request(cache, key, build) for _ in range(10)))
    assert builds == 1
    assert sorted(h for h, _ in got) == ["hit"] * 9 + ["store"]
    assert {b for _, b in got} == {b"answer"}
    assert cache.stats.joined == 9


async def test_a_waiter_never_takes_an_answer_a_commit_made_stale(tokens):
    """A commit lands while the first request builds: the ones waiting for it check the
    tokens like any hit, find the answer stale, and build their own."""
    tokens["c_alpha"] = "t1"
    cache = ResponseCache(1 << 20)
    key = request_key(CADRE, b'{"query": "{ a }"}')
    builds = 0

    async def build():
        nonlocal builds
        builds += 1
        rs = read("c_alpha", tokens=tokens)  # the token is read first...
        if builds == 1:
            await asyncio.sleep(0.02)
            tokens["c_alpha"] = "t2"  # ...then a commit lands during the build
        return rs, b"answer %d" % builds

    got = await asyncio.gather(*(_request(cache, key, build) for _ in range(4)))
    assert got[0] == ("store", b"answer 1")  # its own answer, as of when it read
    assert all(body != b"answer 1" for _, body in got[1:])  # nobody after it gets that
    assert builds >= 2


async def test_a_failed_build_lets_the_waiters_build(tokens):
    tokens["c_alpha"] = "t1"
    cache = ResponseCache(1 << 20)
    key = request_key(CADRE, b'{"query": "{ a }"}')
    calls = 0

    async def build():
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        if calls == 1:
            raise RuntimeError("database went away")
        return read("c_alpha", tokens=tokens), b"answer"

    got = await asyncio.gather(
        *(_request(cache, key, build) for _ in range(3)), return_exceptions=True
    )
    assert isinstance(got[0], RuntimeError)
    assert [g[1] for g in got[1:]] == [b"answer", b"answer"]
    assert not cache._building  # nothing left marked as being built


async def test_a_lookup_whose_entry_is_replaced_meanwhile_checks_the_fresher_one(
    tokens, monkeypatch
):
    """The crowd after a write: a reader still checking the OLD entry's tokens when the
    builder stores the new one takes the new one (a hit), instead of building it again."""
    tokens["c_alpha"] = "t1"
    cache = ResponseCache(1 << 20)
    key = request_key(CADRE, b'{"query": "{ a }"}')
    cache.store(key, read("c_alpha", tokens=tokens), b"old")
    tokens["c_alpha"] = "t2"  # a commit: the stored answer is stale
    fake = store.current_tokens
    checking = asyncio.Event()
    release = asyncio.Event()

    async def slow_tokens(deps):
        checking.set()
        await release.wait()  # the reader is mid-check ...
        return await fake(deps)

    monkeypatch.setattr(store, "current_tokens", slow_tokens)
    reader = asyncio.create_task(cache.lookup(key))
    await checking.wait()
    cache.store(key, read("c_alpha", tokens=tokens), b"new")  # ... when the builder stores
    monkeypatch.setattr(store, "current_tokens", fake)
    release.set()
    assert await reader == b"new"
    assert (cache.stats.stale, cache.stats.hits) == (1, 1)
