"""The committed subgraph SDL is exactly what the code prints."""

from __future__ import annotations

import difflib
from pathlib import Path

from services.api.schema import sdl

SDL_FILE = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"


def test_schema_graphql_is_current():
    """graphql/schema.graphql equals the freshly printed SDL (else: run `make sdl`)."""
    fresh = sdl()
    committed = SDL_FILE.read_text(encoding="utf-8") if SDL_FILE.exists() else ""
    if committed != fresh:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                fresh.splitlines(keepends=True),
                "graphql/schema.graphql",
                "printed",
                n=1,
            )
        )
        raise AssertionError(f"graphql/schema.graphql is stale: run `make sdl`\n{diff[:4000]}")


def test_sdl_declares_federation_v2_and_community_key():
    """The SDL links Federation v2 and makes Community an entity keyed by slug."""
    text = sdl()
    assert '@link(url: "https://specs.apollo.dev/federation/v2.' in text
    assert 'type Community @key(fields: "slug")' in text
    assert "union _Entity = Community" in text
