"""The fast paths (services.api.execution) answer exactly as graphql-core does.

Edge cases on a small schema: every kind of leaf (str, int, float, bool, ID, enum, date,
JSON), nulls on nullable and non-null fields, a value an enum cannot serialise, an
awaitable attribute, a raising property, aliases, fragments, @skip/@include, a field with
a resolver, lists; and for object and list fields: lists of lists, tuples, generators,
null items in non-null lists, awaitable items, objects whose non-null field is null (null
propagation up to the nearest nullable parent), a non-list where a list is due, unions and
interfaces, ``is_type_of``, synchronous and async resolvers returning objects, arguments.
Each document runs through both executors and the results (data and errors, as the client
would get them) must be equal. tests/integration/test_graphql_fast_path_equal.py does the
same with the real schema and data.
"""

from __future__ import annotations

import enum
import logging
from datetime import date
from typing import Any

import pytest
import strawberry
from strawberry.scalars import JSON
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from services.api import execution
from services.api.execution import (
    MIRRORED_GRAPHQL_CORE,
    SanshiExecutionContext,
    execution_context_class,
)
from services.api.schema import build_schema
from services.settings import Settings


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a process that has not announced the fallback yet."""
    monkeypatch.setattr(execution, "_fallback_logged", False)


def _fallback_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "sanshi.graphql" and r.levelno == logging.WARNING and "fast path" in r.message
    ]


def test_the_verified_graphql_core_gets_the_fast_path(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, fresh_process: None
) -> None:
    """With the graphql-core execution.py mirrors, the schema runs the fast path, quietly."""
    monkeypatch.setattr(execution, "INSTALLED_GRAPHQL_CORE", MIRRORED_GRAPHQL_CORE)
    with caplog.at_level(logging.WARNING, logger="sanshi.graphql"):
        assert build_schema(Settings()).execution_context_class is SanshiExecutionContext
        assert execution_context_class() is SanshiExecutionContext
    assert _fallback_warnings(caplog) == []


async def test_another_graphql_core_gets_the_standard_executor_and_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, fresh_process: None
) -> None:
    """Any other graphql-core: the standard context, one warning per process naming both
    versions however many schemas are built, and the same answers."""
    monkeypatch.setattr(execution, "INSTALLED_GRAPHQL_CORE", "3.3.99")
    with caplog.at_level(logging.WARNING, logger="sanshi.graphql"):
        schemas = [build_schema(Settings()) for _ in range(3)]
        chosen = execution_context_class()
    assert chosen is StrawberryGraphQLCoreExecutionContext
    assert all(s.execution_context_class is StrawberryGraphQLCoreExecutionContext for s in schemas)
    warnings = _fallback_warnings(caplog)
    assert len(warnings) == 1
    assert "3.3.99" in warnings[0].message and MIRRORED_GRAPHQL_CORE in warnings[0].message
    for document in DOCUMENTS:
        fallback = await strawberry.Schema(query=Query, execution_context_class=chosen).execute(
            document, variable_values={"x": True}
        )
        fast = await _schema(True).execute(document, variable_values={"x": True})
        assert fallback.data == fast.data
        assert [e.formatted for e in fallback.errors or []] == [
            e.formatted for e in fast.errors or []
        ]
    real = await schemas[0].execute("{ __typename }")
    assert real.data == {"__typename": "Query"} and not real.errors


def test_the_fast_path_can_be_turned_off(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, fresh_process: None
) -> None:
    """SANSHI_GRAPHQL_FAST_PATH=false (for measuring it) gives the standard context, and
    says nothing: nothing is wrong."""
    monkeypatch.setattr(execution, "INSTALLED_GRAPHQL_CORE", MIRRORED_GRAPHQL_CORE)
    off = Settings.from_env({"SANSHI_GRAPHQL_FAST_PATH": "false"})
    assert off.graphql_fast_path is False
    assert Settings.from_env({}).graphql_fast_path is True
    with caplog.at_level(logging.WARNING, logger="sanshi.graphql"):
        schema = build_schema(off)
    assert schema.execution_context_class is StrawberryGraphQLCoreExecutionContext
    assert _fallback_warnings(caplog) == []


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


# --------------------------------------------------------------------------------------
# Object and list fields
# --------------------------------------------------------------------------------------


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Cat(Named):
    lives: int


@strawberry.type
class Dog(Named):
    good: bool


@strawberry.type
class Typed:
    """A type with its own is_type_of (graphql-core must check it)."""

    n: int

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, Typed) and obj.n >= 0


async def _async_pair() -> Pair:
    return Pair(s="later", n=9)


class _LaterPair:
    def __await__(self) -> Any:
        return _async_pair().__await__()


@strawberry.type
class Node:
    label: str
    child: Node | None
    required_child: Node
    kids: list[Node]
    maybe_kids: list[Node | None] | None
    grid: list[list[int]]
    maybe_grid: list[list[int | None] | None]
    tuple_kids: list[Pair]
    pets: list[Named]
    either: Cat | Dog
    typed: list[Typed]
    pending: list[Pair]
    later_pair: Pair | None
    not_a_list: list[int] | None

    @strawberry.field
    def sync_kids(self, first: int = 2) -> list[Pair]:
        return [Pair(s=f"k{i}", n=i) for i in range(first)]

    @strawberry.field
    async def async_kid(self) -> Pair:
        return Pair(s="async", n=5)

    @strawberry.field
    def generated(self) -> list[int]:
        return (i * i for i in range(3))  # type: ignore[return-value]

    @strawberry.field
    def strict_kids(self) -> list[Pair]:
        return [Pair(s="a", n=1), None, Pair(s="c", n=3)]  # type: ignore[list-item]


def _node(depth: int = 2, label: str = "n") -> Node:
    leaf = depth <= 0
    return Node(
        label=label,
        child=None if leaf else _node(depth - 1, label + ".c"),
        required_child=None if leaf else _node(depth - 1, label + ".r"),  # type: ignore[arg-type]
        kids=[] if leaf else [_node(depth - 1, f"{label}.{i}") for i in range(2)],
        maybe_kids=None if leaf else [None, _node(0, label + ".m")],
        grid=[[1, 2], [], [3]],
        maybe_grid=[[1, None], None],
        tuple_kids=(Pair(s="t", n=1), Pair(s="u", n=2)),  # type: ignore[arg-type]
        pets=[Cat(name="咪", lives=9), Dog(name="旺", good=True)],
        either=Dog(name="旺", good=True) if depth % 2 else Cat(name="咪", lives=9),
        typed=[Typed(n=1), Typed(n=-1)],
        pending=[Pair(s="now", n=1), _LaterPair()],  # type: ignore[list-item]
        later_pair=_LaterPair(),  # type: ignore[arg-type]
        not_a_list=7,  # type: ignore[arg-type]
    )


@strawberry.type
class NodeQuery:
    @strawberry.field
    def node(self) -> Node:
        return _node()

    @strawberry.field
    def nodes(self) -> list[Node]:
        return [_node(1, "a"), _node(0, "b")]

    @strawberry.field
    def maybe_node(self) -> Node | None:
        return _node()


def _node_schema(fast: bool) -> strawberry.Schema:
    cls = SanshiExecutionContext if fast else StrawberryGraphQLCoreExecutionContext
    return strawberry.Schema(query=NodeQuery, types=[Cat, Dog], execution_context_class=cls)


NODE_DOCUMENTS = [
    "{ node { label child { label child { label } } kids { label kids { label } } } }",
    "{ nodes { label kids { label } tupleKids { s n } grid maybeGrid } }",
    # required_child is null at depth 0: null propagates to the nearest nullable parent.
    "{ node { requiredChild { label requiredChild { label requiredChild { label } } } } }",
    "{ maybeNode { requiredChild { requiredChild { requiredChild { label } } } } }",
    "{ node { kids { requiredChild { requiredChild { label } } } } }",
    "{ maybeNode { kids { label requiredChild { label requiredChild { label } } } } }",
    "{ node { maybeKids { label } child { maybeKids { label child { label } } } } }",
    "{ node { pets { name ... on Cat { lives } ... on Dog { good } } either { __typename } } }",
    "{ node { either { ... on Cat { lives } ... on Dog { good } } } }",
    "{ node { typed { n } } }",
    "{ node { pending { s n } laterPair { s } } }",
    "{ node { notAList } }",
    "{ node { syncKids { s } few: syncKids(first: 1) { n } asyncKid { s n } } }",
    "{ node { generated strictKids { s } } }",
    "{ maybeNode { strictKids { s n } } }",
    "query($x: Boolean!) { node { kids @include(if: $x) { label } child @skip(if: $x) "
    "{ label } grid @skip(if: false) } }",
    "fragment K on Node { label kids { label } } { node { ...K child { ...K } "
    "a: child { label } b: child { kids { label } } } }",
]


@pytest.mark.parametrize("document", NODE_DOCUMENTS)
async def test_object_and_list_fields_equal_the_standard_executor(document: str) -> None:
    variables = {"x": True}
    fast = await _node_schema(True).execute(document, variable_values=variables)
    standard = await _node_schema(False).execute(document, variable_values=variables)
    assert fast.data == standard.data
    assert [e.formatted for e in fast.errors or []] == [e.formatted for e in standard.errors or []]
    if "notAList" in document or "strictKids" in document or "requiredChild" in document:
        assert standard.errors  # the error cases really are errors


def test_fast_enum_output_answers_as_strawberry_does():
    """FastEnumOutput (a dict instead of Strawberry's scan) gives the same name for every
    member of every enum of the schema, and the same error for anything else."""
    from strawberry.schema.schema_converter import CustomGraphQLEnumType

    from services.api.execution import FastEnumOutput

    enums = [
        t for t in build_schema()._schema.type_map.values() if isinstance(t, CustomGraphQLEnumType)
    ]
    assert len(enums) >= 10
    for enum_type in enums:
        fast = FastEnumOutput(enum_type)
        for member in enum_type.wrapped_cls:
            assert fast.coerce_output_value(member) == enum_type.coerce_output_value(member)
        for other in ("not-a-member", 12345, None):
            try:
                expected: object = enum_type.coerce_output_value(other)
            except Exception as err:  # the same kind of error, or the same value
                expected = type(err)
            try:
                got: object = fast.coerce_output_value(other)
            except Exception as err:
                got = type(err)
            assert got == expected, (enum_type.name, other)
