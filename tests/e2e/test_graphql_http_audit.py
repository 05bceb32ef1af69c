"""The graphql-http (npm) GraphQL-over-HTTP audit passes with zero errors against the server."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

GRAPHQL_DIR = Path(__file__).resolve().parents[2] / "graphql"


def _ensure_node_modules() -> None:
    """Install the pinned audit tooling (graphql/package-lock.json) on first use."""
    if (GRAPHQL_DIR / "node_modules" / "graphql-http").is_dir():
        return
    npm = shutil.which("npm")
    assert npm, "npm is needed for the graphql-http audit (Node 20+)"
    subprocess.run([npm, "ci", "--no-fund", "--no-audit"], cwd=GRAPHQL_DIR, check=True, timeout=300)


def test_graphql_over_http_audit(server):
    """Every MUST of the GraphQL-over-HTTP spec holds (warnings are the optional SHOULDs)."""
    _ensure_node_modules()
    node = shutil.which("node")
    assert node, "node is needed for the graphql-http audit"
    run = subprocess.run(
        [node, "audit-http.mjs", server.base_url + "/graphql"],
        cwd=GRAPHQL_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(run.stdout)
    errors = [f for f in report["findings"] if f["status"] == "error"]
    assert errors == [], json.dumps(errors, ensure_ascii=False, indent=2)
    assert run.returncode == 0, run.stderr
    assert report["counts"]["ok"] >= 50, report["counts"]
