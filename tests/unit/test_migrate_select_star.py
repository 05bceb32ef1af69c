"""No `SELECT *` in SQL of services/, tenants/, workers/ (trap 7: it breaks mid-migration)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAR = re.compile(r"\bselect\s+(?:distinct\s+|all\s+)?(?:\w+\s*\.\s*)?\*", re.IGNORECASE)


def _python_strings(path: Path) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    kinds = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    return [(t.start[0], t.string) for t in tokens if t.type in kinds]


def _sql_lines(path: Path) -> list[tuple[int, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(n, line.split("--", 1)[0]) for n, line in enumerate(lines, start=1)]


def find_select_star(root: Path) -> list[str]:
    """Every `SELECT *` in Python string literals and .sql files under ``root``'s packages."""
    found = []
    for package in ("services", "tenants", "workers"):
        for path in sorted((root / package).rglob("*")):
            if path.suffix == ".py":
                chunks = _python_strings(path)
            elif path.suffix == ".sql":
                chunks = _sql_lines(path)
            else:
                continue
            found += [f"{path.relative_to(root)}:{n}" for n, text in chunks if STAR.search(text)]
    return found


def test_no_select_star_in_application_sql():
    """Application SQL names its columns (SELECT * breaks across tenants of different versions)."""
    assert find_select_star(ROOT) == []


def test_the_scan_finds_what_it_looks_for(tmp_path):
    """The scanner flags Python strings and .sql files, and ignores SQL comments."""
    (tmp_path / "services").mkdir()
    (tmp_path / "tenants").mkdir()
    (tmp_path / "workers").mkdir()
    (tmp_path / "services" / "a.py").write_text('Q = "select  t.* from grids t"\n')
    (tmp_path / "tenants" / "b.sql").write_text("-- SELECT * is banned\nSELECT 1;\n")
    (tmp_path / "workers" / "c.py").write_text("n = 1  # select * in a comment is fine\n")
    assert find_select_star(tmp_path) == ["services/a.py:1"]
