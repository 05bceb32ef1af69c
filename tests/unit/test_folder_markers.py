"""tests/conftest.py marks every test unit, integration or e2e after its folder."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ("pytester",)

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"
FOLDERS = ("unit", "integration", "e2e")


def test_this_unit_test_is_marked_unit(request):
    """A test in tests/unit carries the unit marker and no other folder's."""
    names = {m.name for m in request.node.iter_markers()}
    assert "unit" in names
    assert not names & {"integration", "e2e"}


# Each copied test checks its own markers: exactly its folder's, nothing written by hand.
INNER_TEST = """
def test_marked_by_folder(request):
    marks = {{m.name for m in request.node.iter_markers()}}
    assert marks & {{"unit", "integration", "e2e"}} == {{"{folder}"}}, marks
"""


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A copy of our conftest over one test per folder, all without a hand-written mark."""
    tests = pytester.mkdir("tests")
    (tests / "conftest.py").write_text(CONFTEST.read_text(encoding="utf-8"), encoding="utf-8")
    for folder in FOLDERS:
        (tests / folder).mkdir()
        (tests / folder / f"test_in_{folder}.py").write_text(
            INNER_TEST.format(folder=folder), encoding="utf-8"
        )
    pytester.makeini(
        "[pytest]\naddopts = --import-mode=importlib --strict-markers -p no:cacheprovider\n"
        "asyncio_default_fixture_loop_scope = session\n"
        "markers =\n    unit: u\n    integration: i\n    e2e: e\n"
    )
    return pytester


def test_each_folder_marks_its_tests(suite):
    """A test in tests/<folder> carries exactly that folder's marker (each checks its own)."""
    result = suite.runpytest_subprocess("tests")
    result.assert_outcomes(passed=3)


def test_a_unit_test_using_the_servers_is_refused(suite):
    """A unit test that pulls in the database/Redis fixtures stops the run before it starts."""
    (suite.path / "tests" / "unit" / "test_needs_db.py").write_text(
        "def test_needs_db(settings):\n    pass\n", encoding="utf-8"
    )
    result = suite.runpytest_subprocess("tests/unit")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_needs_db* is a unit test but uses PostgreSQL/Redis*"])
