"""No import cycles in services/, tenants/ and workers/ — function-local imports count too.

The graph has an edge A -> B for every ``import B`` / ``from B import x`` anywhere in module
A (at module level, inside functions, under ``if TYPE_CHECKING``): a cycle held together by
a function-local import or a lazy type reference is still a cycle. ``from P import m``
where ``P.m`` is a module is an edge to ``P.m``. Importing a submodule also runs its
package's ``__init__``, which only ever holds a docstring here (checked below), so those
implicit edges cannot close a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("services", "tenants", "workers")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The longest known module that ``name`` is or lies inside."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """Module -> the first-party modules it imports (anywhere in its body)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, base] if base else parent)
                targets = [f"{base}.{a.name}" for a in node.names]
            for target in targets:
                owner = _owner(target, modules)
                if owner is not None and owner != name:
                    graph[name].add(owner)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles():
    """No two first-party modules import each other, directly or through others."""
    assert cycles(import_graph()) == []


def test_the_cycle_finder_sees_cycles_and_function_local_imports():
    """The check is not blind: a cycle closed by a function-local import is found."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    real = import_graph()
    # workers.cli imports workers.scheduler at module level; a function-local import back
    # (as there used to be) would make them one component.
    assert "workers.scheduler" in real["workers.cli"]
    assert cycles({**real, "workers.scheduler": {*real["workers.scheduler"], "workers.cli"}})


def test_function_local_imports_are_edges():
    """An import inside a function body is in the graph (registry -> services.contexts)."""
    assert "services.contexts" in import_graph()["workers.registry"]


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def test_package_inits_hold_no_code():
    """Every package __init__ is a docstring only, so importing a submodule adds no edge."""
    for package in PACKAGES:
        for init in (ROOT / package).rglob("__init__.py"):
            body = ast.parse(init.read_text(encoding="utf-8")).body
            assert [n for n in body if not _is_docstring(n)] == [], init


# The four contexts split out of routing build on each other in one direction only:
# departments (reference data) <- routing (tickets) <- inbox, meetings.
MAY_IMPORT = {
    "departments": set(),
    "routing": {"departments"},
    "inbox": {"departments", "routing"},
    "meetings": {"departments", "routing"},
}


def _context(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "services" and len(parts) > 1 else None


def test_routing_contexts_depend_in_one_direction():
    """departments imports none of the others, routing only departments, inbox and meetings
    only those two (never each other), function-local imports included."""
    wrong = sorted(
        (module, target)
        for module, targets in import_graph().items()
        if (ctx := _context(module)) in MAY_IMPORT
        for target in targets
        if (other := _context(target)) in MAY_IMPORT
        and other != ctx
        and other not in MAY_IMPORT[ctx]
    )
    assert wrong == []


def test_the_direction_check_is_not_blind():
    """The real graph has the allowed edges the check looks at."""
    graph = import_graph()
    assert "services.routing.queries" in graph["services.inbox.queries"]
    assert "services.departments.queries" in graph["services.routing.handlers"]
    assert "services.routing.handlers" in graph["services.meetings.handlers"]


def context_graph() -> dict[str, set[str]]:
    """Context -> the contexts it imports (any module of one importing any of the other's).

    The shared pieces every context builds on (services.api, services.kernel, services.cache,
    services.runtime, and the list services.contexts) are not contexts.
    """
    from services.contexts import CONTEXTS

    names = {c.name for c in CONTEXTS}
    graph: dict[str, set[str]] = {n: set() for n in names}
    for module, targets in import_graph().items():
        ctx = _context(module)
        if ctx not in names:
            continue
        for target in targets:
            other = _context(target)
            if other in names and other != ctx:
                graph[ctx].add(other)
    return graph


def test_contexts_depend_on_each_other_one_way():
    """No two contexts build on each other, even through a third: a context's dependencies
    point one way (docs/architecture.md draws them); a new context is checked too."""
    graph = context_graph()
    assert cycles(graph) == [], graph
    assert "matters" in graph["councils"] and "councils" not in graph["matters"]
    assert "departments" not in graph["communities"]  # a new county's defaults: a hook
