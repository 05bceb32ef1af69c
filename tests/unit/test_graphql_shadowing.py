"""graphql/ is the published contract, never a Python package shadowing graphql-core."""

from __future__ import annotations

import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_graphql_is_graphql_core():
    """`import graphql` resolves to graphql-core under site-packages, not to ./graphql."""
    graphql = importlib.import_module("graphql")
    origin = Path(graphql.__file__).resolve()
    assert "site-packages" in origin.parts, origin
    assert not origin.is_relative_to(ROOT / "graphql")
    assert callable(graphql.graphql_sync)


def test_graphql_folder_holds_no_python():
    """No .py file anywhere under graphql/ (node_modules aside), so it can never be imported."""
    offenders = [
        p
        for p in (ROOT / "graphql").rglob("*.py")
        if "node_modules" not in p.relative_to(ROOT).parts
    ]
    assert offenders == []
