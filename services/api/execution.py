"""A faster path through graphql-core for fields over objects already in memory.

Where the time goes (bench/README.md): on the ledger page of 50, ~1,000 fields are
executed; ~800 are leaves read straight off an object (``number``, ``title``, ...) and
most of the rest are objects and lists of objects held by attributes (``items``,
``household``, ``grid``, ``category``, ``suggestion``, ``pageInfo``) or returned by
synchronous resolvers over prefetched rows (``sheets``, ``votes``, ...). For each,
graphql-core makes a ``Path``, builds a ``GraphQLResolveInfo``, asks the middleware
manager for a wrapped resolver, calls Strawberry's basic resolver (which ignores that
info), checks for an awaitable and walks ``complete_value`` (non-null -> list -> leaf ->
abstract -> object) — bookkeeping that costs several times the attribute read itself.

``SanshiExecutionContext`` has two short cuts, both used only when no schema extension
wraps resolvers (no graphql-core middleware):

1. **Plain leaves** (``_fast_leaf``): the field's resolver is Strawberry's
   ``_get_basic_result`` (a field with no resolver, no permission classes, no field
   extensions, no exception handlers), whose whole body is
   ``field.default_resolver(source, field.python_name)`` (``getattr``) — it never looks at
   ``info`` or arguments, so the fast path makes that same call; the type is a scalar or
   enum, the node has no arguments, reading does not raise and the value is not None, not
   an exception, not awaitable and coerces to a non-null value. Then the result is
   ``coerce_output_value(value)``, what ``complete_leaf_value`` returns (for Strawberry
   enums through ``FastEnumOutput``, the same answer by dict). Otherwise the field goes
   on to 2. (reading a plain attribute again is harmless).

2. **Every other field** (``_execute_field``) runs graphql-core 3.3's ``execute_field``
   step for step — same ``Path``, same argument values, the resolver called once with the
   same ``GraphQLResolveInfo``, awaitable results handed to graphql-core's own
   ``complete_awaitable_value``, errors through graphql-core's ``handle_field_error`` (so
   paths, located errors and null propagation are its own) — with two differences:
   - a basic attribute field (as in 1., any type) is read with the same
     ``default_resolver`` call, without building the info it would ignore;
   - a value that is already there is completed by ``_complete``, graphql-core's
     ``complete_value`` / ``complete_list_value`` / ``complete_iterable_value`` /
     ``complete_list_item_value`` for the cases they spend most time on: non-null, null,
     a ``list``/``tuple`` of items (a field with no directives, so no ``@stream``), leaves
     (graphql-core's own ``complete_leaf_value``, same messages) and object types without
     ``is_type_of`` (graphql-core's own ``collect_and_execute_subfields``, so fragments,
     ``@skip``/``@include`` and field merging are its own). The info is built only if
     something needs it. Abstract types, ``is_type_of``, other iterables (async iterators,
     generators), awaitable list items and fields with directives go to graphql-core's
     methods with the info built exactly as it would have built it.

The error messages ``_complete`` raises itself are graphql-core's, word for word.
``execute_fields`` is graphql-core 3.3's method with 1. tried first for each field (no
``Path`` for a field that needs none) and 2. instead of ``execute_field``; keep all of this
in step with graphql-core when upgrading (the version is checked below).
``tests/unit/test_graphql_fast_path.py`` (edge cases) and
``tests/integration/test_graphql_fast_path_equal.py`` (the real schema, its ledger and
matter documents, every role) run the same operations through both executors and assert
identical results, data and errors.

The seam: ``execution_context_class`` gives the schema this context only while the
installed graphql-core is the one these methods were checked against
(``MIRRORED_GRAPHQL_CORE``) and the ``SANSHI_GRAPHQL_FAST_PATH`` setting is on; otherwise
Strawberry's standard context, which is slower but cannot be out of step with graphql-core.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import graphql
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_nullable_type,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, UndefinedType, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType
from strawberry.types.field import StrawberryField

logger = logging.getLogger("sanshi.graphql")

# The executor methods mirrored here are graphql-core's (``Executor`` in
# graphql/execution/executor.py) at this version. Under any other the standard context
# runs instead (``execution_context_class``) until someone re-checks them and moves this.
MIRRORED_GRAPHQL_CORE = "3.3.2"
# A module attribute rather than a read of graphql.version at each call, so that a test
# can stand in another version without reinstalling graphql-core.
INSTALLED_GRAPHQL_CORE: str = graphql.version
# The fallback is announced once per process, not once per schema built (tests and the
# CLI build many).
_fallback_logged = False

# Strawberry's resolver for a field without a resolver of its own (schema_converter):
# ``_get_basic_result(_source, *args, **kwargs) -> field.get_result(_source, info=None, ...)``
# and, with no ``base_resolver``, ``get_result`` is ``field.default_resolver(source, name)``.
_BASIC_RESOLVER_NAME = "_get_basic_result"

# (the field, read(source, python_name), python_name, the leaf type or None)
_Plan = tuple[GraphQLField, Callable[[Any, str], Any], str, Any]


def _attribute_plan(field_def: GraphQLField) -> _Plan | None:
    """How to read ``field_def`` without its resolver, or None when it has to be called."""
    resolve = field_def.resolve
    if resolve is None or getattr(resolve, "__name__", "") != _BASIC_RESOLVER_NAME:
        return None
    if not getattr(resolve, "_is_default", False) or field_def.args:
        return None
    definition = (field_def.extensions or {}).get("strawberry-definition")
    if definition is None or definition.base_resolver is not None:
        return None
    if not definition.is_basic_field:
        return None
    # A field class with its own get_result would not be a plain default_resolver call.
    if type(definition).get_result is not StrawberryField.get_result:
        return None
    leaf = get_nullable_type(field_def.type)
    coercer: Any = None
    if isinstance(leaf, CustomGraphQLEnumType):
        coercer = FastEnumOutput(leaf)
    elif is_leaf_type(leaf):
        coercer = leaf
    return (field_def, definition.default_resolver, definition.python_name, coercer)


class FastEnumOutput:
    """``coerce_output_value`` of a Strawberry enum type, by dict instead of by scan.

    Strawberry's ``CustomGraphQLEnumType.coerce_output_value`` walks every value of the enum
    comparing ``member.value`` (an enum property) for each one: on a ledger page that is a
    few hundred walks. Here the first name per value is looked up; anything else (not a
    member, an unknown or unhashable value) goes to the type's own method, so the result,
    or the error, is the same (tests/unit/test_graphql_fast_path.py).
    """

    __slots__ = ("_by_value", "_cls", "_type")

    def __init__(self, enum_type: CustomGraphQLEnumType) -> None:
        self._type = enum_type
        self._cls = enum_type.wrapped_cls
        by_value: dict[Any, str] = {}
        for name, value in enum_type.values.items():
            by_value.setdefault(value.value, name)
        self._by_value = by_value

    def coerce_output_value(self, output_value: Any) -> Any:
        if isinstance(output_value, self._cls):
            try:
                return self._by_value[output_value.value]
            except (KeyError, TypeError):
                pass
        return self._type.coerce_output_value(output_value)


# id(field) -> plan or None. The plan holds the field itself and is used only when it is
# that very object (an id can be reused after a schema is garbage-collected in tests).
_PLANS: dict[int, _Plan | None] = {}


def _plan_of(field_def: GraphQLField) -> _Plan | None:
    key = id(field_def)
    plan = _PLANS.get(key, Undefined)
    # isinstance, not `is Undefined`: the same test (a singleton), but one mypy narrows on.
    if isinstance(plan, UndefinedType) or (plan is not None and plan[0] is not field_def):
        plan = _PLANS[key] = _attribute_plan(field_def)
    return plan


_NOT_FAST = object()
_LIST_TYPES = (list, tuple)


def _nodes(field_details_list: Any) -> list[Any]:
    return [details.node for details in field_details_list]


class SanshiExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with the fast paths (see module docs)."""

    def _fast_leaf(self, parent_type: GraphQLObjectType, source: Any, node: Any) -> Any:
        """The completed value of a plain leaf field, or ``_NOT_FAST``."""
        if node.arguments:
            return _NOT_FAST
        field_def = self.schema.get_field(parent_type, node.name.value)
        if field_def is None:
            return _NOT_FAST
        plan = _plan_of(field_def)
        if plan is None or plan[3] is None:
            return _NOT_FAST
        try:
            value = plan[1](source, plan[2])
        except Exception:  # read again and reported by the standard path
            return _NOT_FAST
        if (
            value is None
            or value is Undefined
            or isinstance(value, Exception)
            or self.is_awaitable(value)
        ):
            return _NOT_FAST
        try:
            coerced = plan[3].coerce_output_value(value)
        except Exception:  # reported (located) by the standard path
            return _NOT_FAST
        if coerced is None or coerced is Undefined:
            return _NOT_FAST
        return coerced

    def _info(
        self, field_def: GraphQLField, field_details_list: Any, parent_type: Any, path: Path
    ) -> Any:
        return self.build_resolve_info(field_def, _nodes(field_details_list), parent_type, path)

    def _execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        """graphql-core's ``Executor.execute_field`` with the basic attribute read and
        ``_complete`` (module docs, 2.)."""
        first_field_details = field_details_list[0]
        first_field_node = first_field_details.node
        field_def = self.schema.get_field(parent_type, first_field_node.name.value)
        if not field_def:
            return Undefined
        return_type = field_def.type
        plan = None if first_field_node.arguments else _plan_of(field_def)
        info = None
        try:
            if plan is not None:
                # What Strawberry's _get_basic_result(source, info) returns.
                result = plan[1](source, plan[2])
            else:
                info = self._info(field_def, field_details_list, parent_type, path)
                args = (
                    get_argument_values(
                        field_def,
                        first_field_node,
                        self.variable_values,
                        first_field_details.fragment_variable_values,
                        self.hide_suggestions,
                    )
                    if field_def.args or first_field_node.arguments
                    else {}
                )
                result = (field_def.resolve or self.field_resolver)(source, info, **args)

            if self.is_awaitable(result):
                if info is None:
                    info = self._info(field_def, field_details_list, parent_type, path)
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, position_context
                )

            completed = self._complete(
                return_type,
                field_details_list,
                info,
                path,
                result,
                position_context,
                (field_def, parent_type, path),
            )
            if self.is_awaitable(completed):

                async def await_completed() -> Any:
                    try:
                        return await completed
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, return_type, field_details_list, path)
                        return None

                return await_completed()

        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

        return completed

    def _complete(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
        site: tuple[GraphQLField, GraphQLObjectType, Path],
    ) -> Any:
        """graphql-core's ``complete_value`` where ``info`` may still be None (built from
        ``site`` — the field, its parent type, its path — when something needs it)."""
        if isinstance(result, Exception):
            raise result

        if isinstance(return_type, GraphQLNonNull):
            completed = self._complete(
                return_type.of_type,
                field_details_list,
                info,
                path,
                result,
                position_context,
                site,
            )
            if completed is None:
                msg = (
                    "Cannot return null for non-nullable field"
                    f" {site[1]}.{field_details_list[0].node.name.value}."
                )
                raise TypeError(msg)
            return completed

        if result is None or result is Undefined:
            return None

        if isinstance(return_type, GraphQLList):
            if type(result) in _LIST_TYPES and not field_details_list[0].node.directives:
                return self._complete_list(
                    return_type.of_type,
                    field_details_list,
                    info,
                    path,
                    result,
                    position_context,
                    site,
                )
        elif isinstance(return_type, (GraphQLScalarType, GraphQLEnumType)):
            return self.complete_leaf_value(return_type, result)
        elif isinstance(return_type, GraphQLObjectType) and not return_type.is_type_of:
            return self.collect_and_execute_subfields(
                return_type, field_details_list, path, result, position_context
            )

        # Abstract types, is_type_of, other iterables, @stream: graphql-core's own.
        if info is None:
            info = self._info(site[0], field_details_list, site[1], site[2])
        return self.complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _complete_list(
        self,
        item_type: Any,
        field_details_list: Any,
        info: Any,
        path: Path,
        items: list[Any] | tuple[Any, ...],
        position_context: Any,
        site: tuple[GraphQLField, GraphQLObjectType, Path],
    ) -> Any:
        """graphql-core's ``complete_iterable_value`` + ``complete_list_item_value`` for a
        list or tuple (no ``@stream``: the field has no directives)."""
        is_awaitable = self.is_awaitable
        completed_results: list[Any] = []
        append_completed = completed_results.append
        awaitable_indices: list[int] = []
        append_awaitable = awaitable_indices.append
        index = 0
        try:
            for item in items:
                item_path = path.add_key(index, None)
                if is_awaitable(item):
                    if info is None:
                        info = self._info(site[0], field_details_list, site[1], site[2])
                    append_completed(
                        self.complete_awaitable_list_item_value(
                            item, item_type, field_details_list, info, item_path, position_context
                        )
                    )
                    append_awaitable(index)
                else:
                    try:
                        completed_item = self._complete(
                            item_type,
                            field_details_list,
                            info,
                            item_path,
                            item,
                            position_context,
                            site,
                        )
                        if is_awaitable(completed_item):
                            append_completed(
                                self._await_item(
                                    completed_item, item_type, field_details_list, item_path
                                )
                            )
                            append_awaitable(index)
                        else:
                            append_completed(completed_item)
                    except Exception as raw_error:
                        self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                        append_completed(None)
                index += 1
        except Exception:
            # As graphql-core: settle the awaitables already made before re-raising (a
            # list or tuple holds no further awaitables to drain that were not seen).
            remaining = [x for x in items[index + 1 :] if is_awaitable(x)]
            maybe_awaitables = [completed_results[i] for i in awaitable_indices] + remaining
            if maybe_awaitables:
                self.settle_in_background(maybe_awaitables)
            raise

        if not awaitable_indices:
            return completed_results

        async def get_completed_results() -> list[Any]:
            if len(awaitable_indices) == 1:
                i = awaitable_indices[0]
                completed_results[i] = await completed_results[i]
            else:
                awaited_results = await gather_with_cancel(
                    *(completed_results[i] for i in awaitable_indices)
                )
                for i, sub_result in zip(awaitable_indices, awaited_results, strict=True):
                    completed_results[i] = sub_result
            return completed_results

        return get_completed_results()

    async def _await_item(
        self, completed_item: Any, item_type: Any, field_details_list: Any, item_path: Path
    ) -> Any:
        """``complete_list_item_value``'s ``await_completed``."""
        try:
            return await completed_item
        except Exception as raw_error:
            self.handle_field_error(raw_error, item_type, field_details_list, item_path)
            return None

    def _plans_for(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[Any]:
        """(response name, field details, leaf plan or None) per field of a grouped field
        set, worked out once per request: graphql-core memoises the grouped field set of a
        selection (``collect_subfields``), so the 50 items of a page share one."""
        cache: dict[int, Any] | None = self.__dict__.get("_sanshi_plans")
        if cache is None:
            cache = self.__dict__["_sanshi_plans"] = {}
        key = id(grouped_field_set)
        hit = cache.get(key)
        # The entry keeps the grouped field set alive, so its id is not reused meanwhile.
        if hit is not None and hit[0] is grouped_field_set and hit[1] is parent_type:
            return hit[2]
        entries = []
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            field_def = self.schema.get_field(parent_type, node.name.value)
            plan = None if field_def is None or node.arguments else _plan_of(field_def)
            leaf = plan if plan is not None and plan[3] is not None else None
            entries.append((response_name, field_details_list, leaf))
        cache[key] = (grouped_field_set, parent_type, entries)
        return entries

    def _fast_enabled(self) -> bool:
        middleware = self.middleware_manager
        return middleware is None or not middleware.middlewares

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        # Reached for fields executed one by one (mutations run serially).
        if not self._fast_enabled():
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        fast = self._fast_leaf(parent_type, source, field_details_list[0].node)
        if fast is not _NOT_FAST:
            return fast
        return self._execute_field(parent_type, source, field_details_list, path, position_context)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core 3.3's ``Executor.execute_fields`` with the fast paths."""
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        append_awaitable = awaitable_fields.append
        if self._fast_enabled():
            entries = self._plans_for(parent_type, grouped_field_set)
            execute_field = self._execute_field
        else:
            entries = [(name, details, None) for name, details in grouped_field_set.items()]
            execute_field = super().execute_field
        try:
            for response_name, field_details_list, leaf in entries:
                if leaf is not None:
                    # 1. (module docs), inlined: the same checks as _fast_leaf.
                    try:
                        value = leaf[1](source_value, leaf[2])
                    except Exception:  # read again and reported by the standard path
                        value = None
                    t = type(value)
                    if (
                        t is str
                        or t is int
                        or t is bool
                        or t is float
                        or (
                            value is not None
                            and value is not Undefined
                            and not isinstance(value, Exception)
                            and not is_awaitable(value)
                        )
                    ):
                        try:
                            coerced = leaf[3].coerce_output_value(value)
                        except Exception:  # reported (located) by the standard path
                            coerced = None
                        if coerced is not None and coerced is not Undefined:
                            results[response_name] = coerced
                            continue
                field_path = Path(path, response_name, parent_type.name)
                result = execute_field(
                    parent_type, source_value, field_details_list, field_path, position_context
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        append_awaitable(response_name)
        except Exception:
            if awaitable_fields:
                # Ensure that awaitables created by other fields are settled,
                # as they may also fail.
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise

        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited_results = await gather_with_cancel(
                    *(results[field] for field in awaitable_fields)
                )
                results.update(zip(awaitable_fields, awaited_results, strict=True))
            return results

        return get_results()


def execution_context_class(fast_path: bool = True) -> type[StrawberryGraphQLCoreExecutionContext]:
    """The execution context a schema runs with: the fast one where it is proven equal.

    ``fast_path=False`` (``SANSHI_GRAPHQL_FAST_PATH=false``) asks for the standard one, to
    measure what the fast path buys or to rule it out when chasing a wrong answer. A
    graphql-core other than ``MIRRORED_GRAPHQL_CORE`` gets the standard one too, with one
    warning per process naming both versions: the mirrored methods may no longer match.
    """
    global _fallback_logged
    if not fast_path:
        return StrawberryGraphQLCoreExecutionContext
    if INSTALLED_GRAPHQL_CORE != MIRRORED_GRAPHQL_CORE:
        if not _fallback_logged:
            _fallback_logged = True
            logger.warning(
                "graphql-core %s is installed but the GraphQL fast path was verified against "
                "%s: using the standard executor (correct, slower); re-check "
                "services/api/execution.py against the new version to get the fast path back",
                INSTALLED_GRAPHQL_CORE,
                MIRRORED_GRAPHQL_CORE,
            )
        return StrawberryGraphQLCoreExecutionContext
    return SanshiExecutionContext
