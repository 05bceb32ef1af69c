"""The GraphQL adapter kit and the pagination kernel: ids, cursors, results, loaders."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import strawberry

from services.api.kit import loaders
from services.api.kit.errors import (
    CommunityNotFoundErrorType,
    ForbiddenErrorType,
    UnauthenticatedErrorType,
)
from services.api.kit.ids import BIGINT_MAX, INT_MAX, gid, input_id, maybe_id, parse_id
from services.api.kit.results import COMMUNITY_ACT, INPUT, attempt, error_members, result
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.errors import CommunityExists, CommunityNotFound, Forbidden, InvalidInput, NotFound
from services.kernel.pagination import check_page_size, decode_cursor, encode_cursor

AT = datetime(2026, 3, 1, 8, 30, tzinfo=timezone(timedelta(hours=8)))


# -- ids -----------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["abc", "0", "-3", str(INT_MAX + 1), "1.5", "", None, "9" * 40])
def test_an_id_that_cannot_exist_is_not_found(raw):
    """Not an integer, not positive, past the column's range: the thing's not-found error."""
    assert maybe_id(raw) is None
    with pytest.raises(NotFound):
        parse_id(raw, NotFound)
    with pytest.raises(CommunityNotFound):
        parse_id(raw, CommunityNotFound())


def test_ids_in_range_parse_and_print_back():
    """An integer id of the column's range is itself; gid prints it as an ID."""
    assert (
        parse_id("7", NotFound) == 7 and parse_id(strawberry.ID(str(INT_MAX)), NotFound) == INT_MAX
    )
    assert parse_id(str(INT_MAX + 1), NotFound, limit=BIGINT_MAX) == INT_MAX + 1
    assert gid(42) == "42" and gid(None) is None


def test_a_malformed_id_inside_an_input_is_invalid_input():
    """Inside an input a bad id is the caller's mistake, named in both languages."""
    assert input_id(None, "网格", "grid") is None and input_id("3", "网格", "grid") == 3
    with pytest.raises(InvalidInput) as caught:
        input_id("three", "网格", "grid")
    assert (
        "网格编号无效" in caught.value.message_zh and "invalid grid id" in caught.value.message_en
    )


# -- cursors -------------------------------------------------------------------------------
def test_cursors_round_trip_their_key():
    """Whatever the shape, the decoded key is the encoded one (aware times stay aware)."""
    assert decode_cursor(encode_cursor(AT, 17), datetime, int) == (AT, 17)
    assert decode_cursor(encode_cursor(5), int) == (5,)
    assert "=" not in encode_cursor(AT, 1)  # no padding: safe in a URL as it is


@pytest.mark.parametrize(
    ("cursor", "shape"),
    [
        ("not-a-cursor", (datetime, int)),
        ("", (int,)),
        (encode_cursor(AT, 17), (int,)),  # another list's cursor
        (encode_cursor(5), (datetime, int)),
        (encode_cursor(-1), (int,)),
        (encode_cursor(2**63), (int,)),
        ("W3RydWVd", (int,)),  # [true]: a JSON boolean is not an id
        ("WyIyMDI2LTAzLTAxVDA4OjMwOjAwIiwgMV0", (datetime, int)),  # a naive time
        ("WyJub29uIiwgMV0", (datetime, int)),  # not a time at all
    ],
)
def test_anything_but_a_cursor_of_the_shape_is_invalid_input(cursor, shape):
    """Garbage, another list's cursor, a naive time, a bool: InvalidInput, never a crash."""
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(cursor, *shape)
    assert caught.value.message_en.endswith("invalid page cursor")


def test_a_cursor_shape_other_than_times_and_ints_is_a_programming_error():
    """Asking for a shape the codec does not have is our bug, not the client's input."""
    with pytest.raises(TypeError):
        decode_cursor(encode_cursor(1), str)


def test_page_size_bounds():
    """1..maximum rows per page; anything else is refused with the bounds in the message."""
    check_page_size(1, 50)
    check_page_size(50, 50)
    for bad in (0, 51, -1):
        with pytest.raises(InvalidInput) as caught:
            check_page_size(bad, 50)
        assert "between 1 and 50" in caught.value.message_en


# -- results -------------------------------------------------------------------------------
@strawberry.type
class _Thing:
    name: str


_ThingResult = result("ThingResult", "测试 / A test union", _Thing, *COMMUNITY_ACT, *INPUT)


def _info(principal: Principal | None) -> SimpleNamespace:
    return SimpleNamespace(context=SimpleNamespace(principal=principal))


CADRE = Principal("c", frozenset({Role.COMMUNITY_CADRE}), Scope(ScopeKind.COMMUNITY, "alpha"))


def test_result_unions_list_their_members_in_order():
    """The error members, in the order given (the order the SDL prints)."""
    assert error_members(_ThingResult) == (*COMMUNITY_ACT, *INPUT)
    assert error_members(_ThingResult)[:3] == (
        UnauthenticatedErrorType,
        ForbiddenErrorType,
        CommunityNotFoundErrorType,
    )


async def test_attempt_returns_the_success_or_the_typed_error():
    """A handler's value, its SanshiError as the member, no caller before the act runs."""

    async def ok(actor: Principal) -> _Thing:
        return _Thing(name=actor.subject)

    async def refused(actor: Principal) -> _Thing:
        raise Forbidden()

    ran: list[str] = []

    async def never(actor: Principal) -> _Thing:
        ran.append(actor.subject)
        return _Thing(name="x")

    assert (await attempt(_info(CADRE), _ThingResult, ok)).name == "c"
    forbidden = await attempt(_info(CADRE), _ThingResult, refused)
    assert isinstance(forbidden, ForbiddenErrorType) and forbidden.code == "FORBIDDEN"
    anonymous = await attempt(_info(None), _ThingResult, never)
    assert isinstance(anonymous, UnauthenticatedErrorType) and ran == []


async def test_attempt_reraises_an_error_the_union_does_not_declare():
    """A failure outside the union is a bug: it propagates (to be masked and logged)."""

    async def surprising(actor: Principal) -> _Thing:
        raise CommunityExists(slug="x")

    with pytest.raises(CommunityExists):
        await attempt(_info(CADRE), _ThingResult, surprising)


# -- loaders -------------------------------------------------------------------------------
async def test_per_community_batches_fetch_once_per_community_and_isolate_failures():
    """One fetch per community for any number of keys; a broken one fails only its keys."""
    calls: list[tuple[str, list[int]]] = []

    async def fetch(slug: str, ids: list[int]) -> dict[int, str]:
        calls.append((slug, sorted(ids)))
        if slug == "broken":
            raise RuntimeError("down")
        return {i: f"{slug}:{i}" for i in ids if i != 404}

    batch = loaders.per_community(fetch, lambda: "missing")
    out = await batch([("alpha", 1), ("beta", 2), ("alpha", 404), ("broken", 3), ("alpha", 3)])
    assert sorted(calls) == [("alpha", [1, 3, 404]), ("beta", [2]), ("broken", [3])]
    assert out[:3] == ["alpha:1", "beta:2", "missing"] and out[4] == "alpha:3"
    assert isinstance(out[3], RuntimeError)


async def test_per_slug_batches_isolate_failures():
    """One fetch per slug, concurrently; an exception is that slug's value only."""

    async def fetch(slug: str) -> str:
        await asyncio.sleep(0)
        if slug == "broken":
            raise LookupError(slug)
        return slug.upper()

    out = await loaders.per_slug(fetch)(["a", "broken", "b"])
    assert out[0] == "A" and out[2] == "B" and isinstance(out[1], LookupError)


async def test_one_loader_per_batch_per_request():
    """The same batch function gives the same loader within a request, a new one in the next."""

    async def batch(keys: list[int]) -> list[int]:
        return [k * 2 for k in keys]

    first, second = _loaders_info(), _loaders_info()
    assert loaders.loader(first, batch) is loaders.loader(first, batch)
    assert loaders.loader(first, batch) is not loaders.loader(second, batch)
    assert await loaders.loader(first, batch).load(21) == 42


def _loaders_info() -> SimpleNamespace:
    return SimpleNamespace(context=SimpleNamespace(loaders=loaders.Loaders()))


def test_utc_and_local_cursor_times_compare_equal():
    """A cursor written in one offset decodes to the same instant (keyset order is by instant)."""
    (at, _) = decode_cursor(encode_cursor(AT.astimezone(UTC), 1), datetime, int)
    assert at == AT
