"""Every document the frontend sends (graphql/operations) is valid against the schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

from services.api.schema import build_schema

OPERATIONS = sorted(
    (Path(__file__).resolve().parents[2] / "graphql" / "operations").glob("*.graphql")
)


def test_there_are_operations():
    """The allow-list is not empty (a glob typo would otherwise pass every test below)."""
    names = {p.stem for p in OPERATIONS}
    assert {"me", "community", "communities", "createCommunity", "archiveCommunity"} <= names


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.name)
def test_operation_validates(path: Path):
    """The document parses, validates, and names exactly one operation after its file."""
    document = parse(path.read_text(encoding="utf-8"))
    errors = validate(build_schema()._schema, document)
    assert errors == [], [e.message for e in errors]
    names = [d.name.value for d in document.definitions if hasattr(d, "operation") and d.name]
    assert [n.lower() for n in names] == [path.stem.lower()]
