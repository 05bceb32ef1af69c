"""The pure models of the contexts split out of routing load no I/O or framework modules."""

from __future__ import annotations

import json
import subprocess
import sys

MODELS = (
    "services.departments.model",
    "services.routing.model",
    "services.inbox.model",
    "services.meetings.model",
)
# Modules a pure rule has no business loading: the database, the ORM, GraphQL, the broker.
FORBIDDEN = ("asyncpg", "piccolo", "strawberry", "dramatiq", "redis", "tenants.db", "tenants.tx")


def test_the_models_import_nothing_that_does_io():
    """Importing each model in a fresh interpreter loads none of the forbidden modules."""
    code = (
        "import importlib, json, sys\n"
        f"for m in {list(MODELS)!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
    )
    assert all(m in loaded for m in MODELS)
    bad = sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN or m in FORBIDDEN)
    assert bad == []
