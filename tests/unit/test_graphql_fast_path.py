"""The plain-leaf fast path (services.api.execution) answers exactly as graphql-core does.

Edge cases on a small schema: every kind of leaf (str, int, float, bool, ID, enum, date,
JSON), nulls on nullable and non-null fields, a value an enum cannot serialise, an
awaitable attribute, a raising property, aliases, fragments, @skip/@include, a field with
a resolver, lists. Each document runs through both executors and the results (data and
errors, as the client would get them) must be equal. tests/integration/
test_graphql_fast_path_equal.py does the same with the real schema and data.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import pytest
import strawberry
from strawberry.scalars import JSON
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from services.api.execution import SanshiExecutionContext


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Leaf:
    s: str
    n: int
    f: float
    b: bool
    i: strawberry.ID
    c: Colour
    d: date
    j: JSON
    maybe: str | None
    required_but_null: str
    bad_colour: Colour
    tags: list[str]
    later: int

    @property
    def broken(self) -> str:
        raise ValueError("boom")

    @strawberry.field
    def computed(self) -> str:
        return self.s.upper()


@strawberry.type
class Box:
    leaf: Leaf
    maybe_leaf: Leaf | None
    leaves: list[Leaf]
    broken: str = strawberry.field(resolver=lambda: (_ for _ in ()).throw(ValueError("x")))


async def _seven() -> int:
    return 7


class _Later:
    """An awaitable attribute (not a coroutine): graphql-core must await it."""

    def __await__(self) -> Any:
        return _seven().__await__()


def _leaf(**over: Any) -> Leaf:
    values: dict[str, Any] = dict(
        s="文字",
        n=42,
        f=1.5,
        b=True,
        i=strawberry.ID("7"),
        c=Colour.BLUE,
        d=date(2026, 3, 1),
        j={"a": [1, 2]},
        maybe=None,
        required_but_null="ok",
        bad_colour=Colour.RED,
        tags=["x", "y"],
        later=_Later(),
    )
    values.update(over)
    return Leaf(**values)


@strawberry.type
class Query:
    @strawberry.field
    def box(self) -> Box:
        return Box(
            leaf=_leaf(),
            maybe_leaf=_leaf(required_but_null=None),  # type: ignore[arg-type]
            leaves=[_leaf(n=i, bad_colour="purple" if i == 2 else Colour.RED) for i in range(4)],
        )

    @strawberry.field
    async def async_box(self) -> Box:
        return self.box()


def _schema(fast: bool) -> strawberry.Schema:
    cls = SanshiExecutionContext if fast else StrawberryGraphQLCoreExecutionContext
    return strawberry.Schema(query=Query, execution_context_class=cls)


DOCUMENTS = [
    "{ box { leaf { s n f b i c d j maybe tags computed } } }",
    "{ box { leaf { later } } }",
    "{ box { maybeLeaf { s requiredButNull } } }",
    "{ box { leaves { n badColour } } }",
    "{ box { leaves { n c alias: s other: n } } }",
    "{ box { broken } }",
    "{ asyncBox { leaf { s n c } leaves { n d } } }",
    "fragment F on Leaf { s n } { box { leaf { ...F ... on Leaf { c } } } }",
    "query($x: Boolean!) { box { leaf { s @skip(if: $x) n @include(if: $x) } } }",
    "{ box { leaf { __typename s } } }",
]


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_fast_path_equals_standard_executor(document: str) -> None:
    variables = {"x": True}
    fast = await _schema(True).execute(document, variable_values=variables)
    standard = await _schema(False).execute(document, variable_values=variables)
    assert fast.data == standard.data
    assert [e.formatted for e in fast.errors or []] == [e.formatted for e in standard.errors or []]


@strawberry.type
class Pair:
    s: str
    n: int


class _RaisingPair(Pair):
    """A Pair whose ``n`` raises when read (a bug in a type): reported as a field error."""

    def __init__(self) -> None:
        self.s = "ok"

    @property  # type: ignore[misc]
    def n(self) -> int:  # type: ignore[override]
        raise ValueError("boom")


@strawberry.type
class PairQuery:
    @strawberry.field
    def pair(self) -> Pair | None:
        return _RaisingPair()

    @strawberry.field
    def pairs(self) -> list[Pair | None]:
        return [Pair(s="a", n=1), _RaisingPair(), Pair(s="c", n=3)]


async def test_a_raising_attribute_fails_the_same_way() -> None:
    """The fast path lets the standard one report the error (located, null propagated)."""
    for document in ("{ pair { s n } }", "{ pairs { s n } }"):
        results = [
            await strawberry.Schema(query=PairQuery, execution_context_class=cls).execute(document)
            for cls in (SanshiExecutionContext, StrawberryGraphQLCoreExecutionContext)
        ]
        fast, standard = results
        assert fast.errors, "the raising attribute must be an error"
        assert fast.data == standard.data
        assert [e.formatted for e in fast.errors] == [e.formatted for e in standard.errors or []]
