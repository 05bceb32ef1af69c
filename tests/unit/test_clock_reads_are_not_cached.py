"""services/ reads the clock only through services.localtime, which the response cache knows.

The response cache keeps an answer while the data it read is unchanged; an answer that also
depends on the time ("overdue") must not be kept. ``services.localtime.now()`` (and
``today()``, which calls it) tells the running read set so. This test finds every direct
clock reading in services/ (``datetime.now``, ``date.today``, ``time.time``, ...; SQL
``SELECT now()``/``current_date``/...) and fails for any outside services/localtime.py —
there is no list of exceptions: a write path asks ``localtime.now()`` too (outside an armed
query read it only returns the time). Only services/runtime (process supervision) and the
demo seeds are not request-serving code and are skipped.
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "services"

CLOCK_MODULE = "localtime.py"
# Not request-serving code at all (runtime/ holds the supervisor and the demo seeds).
SKIPPED_DIRS = {"runtime"}
CLOCK_ATTRS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}
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


def _readers_in(tree: ast.AST) -> list[str]:
    """The innermost functions (or "<module>") of ``tree`` holding a clock reading."""
    found = []
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for fn in functions:
        inner = [
            n
            for n in ast.walk(fn)
            if n is not fn and isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        if _reads_clock(fn) and not any(_reads_clock(n) for n in inner):
            found.append(fn.name)
    if not found and _reads_clock(tree):
        found.append("<module>")
    return found


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(SERVICES.rglob("*.py")):
        rel = path.relative_to(SERVICES).as_posix()
        if rel.split("/")[0] in SKIPPED_DIRS:
            continue
        out.append((rel, path))
    return out


def clock_readers() -> dict[tuple[str, str], Path]:
    """(file relative to services/, innermost function) for every direct clock reading."""
    found: dict[tuple[str, str], Path] = {}
    for rel, path in _modules():
        for fn in _readers_in(ast.parse(path.read_text(encoding="utf-8"))):
            found[(rel, fn)] = path
    return found


def _calls(path: Path, function: str, module: str, attr: str) -> bool:
    """Whether ``function`` in ``path`` calls ``module.attr(...)``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) and fn.name == function:
            for sub in ast.walk(fn):
                if (
                    isinstance(sub, ast.Call)
                    and isinstance(sub.func, ast.Attribute)
                    and sub.func.attr == attr
                    and isinstance(sub.func.value, ast.Name)
                    and sub.func.value.id == module
                ):
                    return True
    return False


def test_only_the_local_time_module_reads_the_clock():
    readers = clock_readers()
    direct = sorted(k for k in readers if k[0] != CLOCK_MODULE)
    assert direct == [], (
        "these read the clock directly: call services.localtime.now() (or today()) "
        "instead, so that an answer depending on the time is never cached, and take `now` "
        f"as an argument in pure rules: {direct}"
    )


def test_the_scan_is_not_blind():
    """It finds the one real clock reading, and each kind of reading it looks for."""
    assert sorted(k for k in clock_readers() if k[0] == CLOCK_MODULE) == [(CLOCK_MODULE, "now")]
    samples = {
        "def f():\n    return datetime.now(UTC)": ["f"],
        "def f():\n    return dt.datetime.utcnow()": ["f"],
        "def f():\n    return date.today()": ["f"],
        "def f():\n    return int(time.time())": ["f"],
        "async def f(c):\n    return await c.fetchval('SELECT now()')": ["f"],
        "def f():\n    q = 'WHERE due < CURRENT_DATE'": ["f"],
        "def outer():\n    def inner():\n        return time.time()\n    return inner": ["inner"],
        "STARTED = time.time()": ["<module>"],
        "def f(c):\n    c.execute('UPDATE t SET updated_at = now()')": [],  # a write's stamp
        "def f(now):\n    return now > deadline": [],  # a pure rule taking `now`
        "def f():\n    return localtime.now()": [],
    }
    for source, expected in samples.items():
        assert _readers_in(ast.parse(source)) == expected, source


def test_the_time_zone_is_written_once():
    """Asia/Shanghai is named in services/localtime.py only (SQL uses TIME_ZONE_NAME)."""
    naming = sorted(
        rel
        for rel, path in _modules()
        if "asia/shanghai" in path.read_text(encoding="utf-8").lower()
    )
    assert naming == [CLOCK_MODULE]


def test_the_time_dependent_reads_go_through_the_clock_module():
    """The department inbox and a ticket's live overdue flag ask localtime.now()."""
    assert _calls(SERVICES / "inbox" / "queries.py", "department_inbox", "localtime", "now")
    assert _calls(SERVICES / "inbox" / "api.py", "from_view", "localtime", "now")
    assert _calls(SERVICES / "localtime.py", "now", "readset", "refuse")
    # ...and _calls is not blind either: a pure rule of the module does not mark anything.
    assert not _calls(SERVICES / "localtime.py", "overdue_kind", "readset", "refuse")
