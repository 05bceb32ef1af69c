"""Every use of the clock in services/ is either a write or marks its answer uncacheable.

The response cache keeps an answer while the data it read is unchanged; an answer that
also depends on the time ("overdue") must call ``tenants.readset.uses_clock()``. This test
finds every function that reads the clock (``datetime.now``, ``date.today``, ``time.time``,
SQL ``SELECT now()``/``current_date``) and fails for one that neither calls
``uses_clock`` nor is listed below as a write path (mutations and jobs are never cached).
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "services"

# (file relative to services/, function): why its clock reading is not a cached answer.
WRITES = {
    ("routing/overdue.py", "mark_overdue"): "the scheduler's job, not a GraphQL read",
    ("routing/inbox.py", "answer"): "mutation: checks a due date against today",
    ("routing/inbox.py", "_create_rerouted_in_tx"): "mutation: new deadlines",
    ("routing/handlers.py", "create_tickets"): "worker: deadlines of new tickets",
    ("auth/tokens.py", "issue_token"): "token issue time, not data",
    ("councils/handlers.py", "cast_casting_vote"): "mutation: when it was cast",
    ("councils/handlers.py", "decide"): "mutation: when it was decided",
}
# Not request-serving code at all (runtime/ holds the supervisor and the demo seeds).
SKIPPED_DIRS = {"runtime"}
CLOCK_ATTRS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}
CLOCK_SQL = ("select now()", "current_date", "current_timestamp", "localtimestamp")


def _reads_clock(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute):
            owner = sub.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
            if (name, sub.func.attr) in CLOCK_ATTRS:
                return True
        if (
            isinstance(sub, ast.Constant)
            and isinstance(sub.value, str)
            and any(s in sub.value.lower() for s in CLOCK_SQL)
        ):
            return True
    return False


def _marks_clock(node: ast.AST) -> bool:
    return any(
        isinstance(sub, ast.Call)
        and (
            (isinstance(sub.func, ast.Attribute) and sub.func.attr == "uses_clock")
            or (isinstance(sub.func, ast.Name) and sub.func.id == "uses_clock")
        )
        for sub in ast.walk(node)
    )


def clock_readers() -> dict[tuple[str, str], bool]:
    """(file, function) -> whether it marks its answer uncacheable, for every clock reader
    (the innermost function holding the reading)."""
    found: dict[tuple[str, str], bool] = {}
    for path in sorted(SERVICES.rglob("*.py")):
        rel = path.relative_to(SERVICES).as_posix()
        if rel.split("/")[0] in SKIPPED_DIRS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            inner = [
                n
                for n in ast.walk(fn)
                if n is not fn and isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
            if _reads_clock(fn) and not any(_reads_clock(n) for n in inner):
                found[(rel, fn.name)] = _marks_clock(fn)
    return found


def test_every_clock_reading_is_a_write_or_uncacheable():
    readers = clock_readers()
    unmarked = sorted(k for k, marked in readers.items() if not marked and k not in WRITES)
    assert unmarked == [], (
        "these read the clock: call tenants.readset.uses_clock() in them (their answer "
        "changes with the time), or list them in WRITES with the reason they never "
        f"serve a cached GraphQL answer: {unmarked}"
    )


def test_the_known_time_dependent_reads_are_found_and_marked():
    """The scan is not blind: the inbox's overdue reads are found and marked."""
    readers = clock_readers()
    assert readers[("routing/inbox.py", "department_inbox")] is True
    assert readers[("api/inbox.py", "from_row")] is True
    assert set(WRITES) <= set(readers), "a WRITES entry no longer reads the clock: drop it"
