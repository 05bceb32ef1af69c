"""A faster path through graphql-core for the commonest field: a plain attribute that is a leaf.

Where the time goes (bench/README.md): on the ledger page of 50, ~1,000 fields are
executed and ~800 of them are leaves read straight off an object (``number``, ``title``,
``status``, ...). For each, graphql-core makes a ``Path``, builds a ``GraphQLResolveInfo``,
asks the middleware manager for a wrapped resolver, calls Strawberry's basic resolver
(which ignores that info), checks for an awaitable and walks ``complete_value`` (non-null
-> leaf -> coerce). That bookkeeping costs several times the attribute read itself.

``SanshiExecutionContext`` short-cuts exactly this case and nothing else:

- the field's resolver is Strawberry's ``_get_basic_result`` (a field with no resolver, no
  permission classes, no field extensions, no exception handlers): it returns
  ``field.default_resolver(source, field.python_name)`` (``getattr``) and never looks at
  ``info`` or arguments — the fast path makes that same call;
- the field's type is a scalar or enum (possibly non-null), the node has no arguments;
- no schema extension wraps resolvers (no graphql-core middleware);
- reading it does not raise, and the value is not None, not an exception, not awaitable,
  and coerces to a non-null value.

Then the result is ``return_type.coerce_output_value(value)`` — what ``complete_value`` ->
``complete_leaf_value`` would return. Every other case (nulls, errors, lists, objects,
custom resolvers) goes to graphql-core's own ``execute_field`` unchanged — which reads the
attribute again, harmless for a plain attribute — so errors, paths and null propagation
are graphql-core's own.

``execute_fields`` is graphql-core 3.3's method with the fast path tried first for each
field (so no ``Path`` is made for a field that needs none); keep it in step with
graphql-core when upgrading. ``tests/unit/test_graphql_fast_path.py`` (edge cases) and
``tests/integration/test_graphql_fast_path_equal.py`` (the real schema, its ledger and
matter documents, every role) run the same operations through both executors and assert
identical results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLField, GraphQLObjectType, get_nullable_type, is_leaf_type
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# Strawberry's resolver for a field without a resolver of its own (schema_converter):
# ``_get_basic_result(_source, *args, **kwargs) -> field.get_result(_source, info=None, ...)``
# and, with no ``base_resolver``, ``get_result`` is ``field.default_resolver(source, name)``.
_BASIC_RESOLVER_NAME = "_get_basic_result"

# (the field, read(source, python_name), python_name, the leaf type)
_Plan = tuple[GraphQLField, Callable[[Any, str], Any], str, Any]


def _leaf_plan(field_def: GraphQLField) -> _Plan | None:
    """How to read ``field_def`` on the fast path, or None when it does not qualify."""
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
    leaf = get_nullable_type(field_def.type)
    if not is_leaf_type(leaf):
        return None
    return field_def, definition.default_resolver, definition.python_name, leaf


# id(field) -> plan or None. The plan holds the field itself and is used only when it is
# that very object (an id can be reused after a schema is garbage-collected in tests).
_PLANS: dict[int, _Plan | None] = {}


def _plan_of(field_def: GraphQLField) -> _Plan | None:
    key = id(field_def)
    plan = _PLANS.get(key, Undefined)
    if plan is Undefined or (plan is not None and plan[0] is not field_def):
        plan = _PLANS[key] = _leaf_plan(field_def)
    return plan  # type: ignore[return-value]


_NOT_FAST = object()


class SanshiExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with the plain-leaf fast path (see module docs)."""

    def _fast_leaf(self, parent_type: GraphQLObjectType, source: Any, node: Any) -> Any:
        """The completed value of a plain leaf field, or ``_NOT_FAST``."""
        if node.arguments:
            return _NOT_FAST
        middleware = self.middleware_manager
        if middleware is not None and middleware.middlewares:
            return _NOT_FAST
        field_def = self.schema.get_field(parent_type, node.name.value)
        if field_def is None:
            return _NOT_FAST
        plan = _plan_of(field_def)
        if plan is None:
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

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        # Reached for fields executed one by one (mutations run serially).
        fast = self._fast_leaf(parent_type, source, field_details_list[0].node)
        if fast is not _NOT_FAST:
            return fast
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core 3.3's ``Executor.execute_fields`` with the fast path first."""
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        append_awaitable = awaitable_fields.append
        fast_leaf = self._fast_leaf
        standard = super().execute_field
        try:
            for response_name, field_details_list in grouped_field_set.items():
                fast = fast_leaf(parent_type, source_value, field_details_list[0].node)
                if fast is not _NOT_FAST:
                    results[response_name] = fast
                    continue
                field_path = Path(path, response_name, parent_type.name)
                result = standard(
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
