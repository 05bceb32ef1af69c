"""Loading numbered migration files and composing the one-round-trip script."""

from __future__ import annotations

import pytest

from services.cache.triggers import COVER_NEW_TABLES
from tenants.migrate import Migration, _script, latest, load


def test_project_migrations_are_numbered_without_gaps():
    """The shipped platform and tenant migrations load as 1..n."""
    for kind in ("platform", "tenant"):
        migrations = load(kind)
        assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
        assert latest(migrations) == len(migrations)


def test_a_gap_in_numbering_is_refused(tmp_path):
    """0001 and 0003 without 0002 is an error, not a silent skip."""
    (tmp_path / "0001_a.sql").write_text("SELECT 1")
    (tmp_path / "0003_c.sql").write_text("SELECT 3")
    (tmp_path / "README.md").write_text("ignored")
    with pytest.raises(ValueError, match=r"1\.\.n"):
        load("tenant", tmp_path)


def test_names_that_could_break_the_script_are_refused():
    """A migration name is spliced into SQL, so only [a-z0-9_] is allowed."""
    with pytest.raises(ValueError):
        Migration(1, "x'); DROP TABLE grids; --", "SELECT 1")
    with pytest.raises(ValueError):
        Migration(0, "zero", "SELECT 1")


def test_script_applies_only_newer_migrations_and_survives_trailing_comments():
    """Only versions above the current one; a trailing -- comment cannot hide the bookkeeping."""
    migrations = [Migration(1, "a", "SELECT 1"), Migration(2, "b", "SELECT 2 -- no newline")]
    script, version = _script(migrations, 1)
    assert version == 2 and "SELECT 1" not in script
    # the bookkeeping INSERT comes after the migration's text, then the data-version
    # triggers go on any new table (tests/integration/test_data_version.py)
    parts = script.split("\n;\n")
    assert parts[0] == "SELECT 2 -- no newline"
    assert parts[1].startswith("INSERT INTO schema_migrations")
    assert parts[2] == COVER_NEW_TABLES
    assert _script(migrations, 2) == ("", 2)
