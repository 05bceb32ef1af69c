"""`sanshi calendar import|list` run as a real process against the test database: a good
file is written in one go; a bad one names every bad line and writes nothing."""

from __future__ import annotations

import getpass
import json
import secrets
from pathlib import Path

import pytest

from tests.integration.test_cli_tenants import env, sanshi  # noqa: F401 (env is a fixture)


@pytest.fixture
def county(dbs, env) -> str:  # noqa: F811 (env is the imported fixture)
    """A county made through the CLI (its calendar is this test's own)."""
    code = f"clical_{secrets.token_hex(3)}"
    made = sanshi(env, "counties", "create", code, "--name", "日历县", "--name-en", "Calendar")
    assert made.returncode == 0, made.stderr
    return code


def listed(env, county: str, *year: str) -> list[dict]:  # noqa: F811
    done = sanshi(env, "calendar", "list", "--county", county, "--json", *year)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


GOOD = (
    "\ufeffday,kind,name_zh,name_en\n"
    "2026-10-01,holiday,国庆节,National Day\n"
    "2026-10-02,holiday,国庆节,National Day\n"
    "\n"
    "2026-09-27,workday,国庆节调休,National Day make-up\n"
    "2027-01-01,Holiday,元旦\n"
)

BAD = (
    "day,kind,name_zh,name_en\n"
    "2026-10-01,holiday,国庆节,National Day\n"  # line 2: fine
    "2026-10-32,holiday,国庆节,National Day\n"  # line 3: no such date
    "2026-10-05,festival,,\n"  # line 4: unknown kind
    "2026-09-30,workday,调休,\n"  # line 5: a Wednesday
    "2026-10-01,holiday,国庆节,\n"  # line 6: again line 2's day
)


async def test_import_good_file_then_list(env, county, dbs, tmp_path: Path):  # noqa: F811
    """A UTF-8 file with a BOM is imported in one go, listed, and audited as the CLI user."""
    path = tmp_path / "calendar.csv"
    path.write_text(GOOD, encoding="utf-8")
    done = sanshi(env, "calendar", "import", "--county", county, str(path))
    assert done.returncode == 0, done.stderr
    assert "4 days written" in done.stdout and "已写入 4 天" in done.stdout
    assert "3 holidays, 1 make-up working days" in done.stdout
    days = listed(env, county)
    assert [(d["day"], d["kind"], d["name_zh"], d["name_en"]) for d in days] == [
        ("2026-09-27", "workday", "国庆节调休", "National Day make-up"),
        ("2026-10-01", "holiday", "国庆节", "National Day"),
        ("2026-10-02", "holiday", "国庆节", "National Day"),
        ("2027-01-01", "holiday", "元旦", ""),
    ]
    assert [d["day"] for d in listed(env, county, "--year", "2027")] == ["2027-01-01"]
    table = sanshi(env, "calendar", "list", "--county", county, "--year", "2026")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split("\t")[0] == "日期 Day"
    assert "2026-09-27\t周日 Sun\t调休上班日 Make-up working day" in table.stdout
    assert lines[-1] == "共 3 天 / 3 days"
    async with dbs.platform_pool.acquire() as conn:
        actors = await conn.fetch(
            "SELECT actor FROM platform.audit_log WHERE action = 'routing.set_calendar_days' "
            "AND subject = $1",
            f"county_calendar:{county}",
        )
    assert [a["actor"] for a in actors] == [f"cli:{getpass.getuser()}"]


async def test_import_bad_file_names_lines_and_writes_nothing(env, county, tmp_path: Path):  # noqa: F811
    """Every bad row is reported with its line number; the good row is not written either."""
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    done = sanshi(env, "calendar", "import", "--county", county, str(path))
    assert done.returncode == 2, done.stdout
    err = done.stderr
    assert "Traceback" not in err
    for line, words in (
        (3, "invalid date"),
        (4, "festival"),
        (5, "WORKDAY_NOT_ON_WEEKEND"),
        (6, "duplicates line 2"),
    ):
        assert any(f"line {line}:" in row and words in row for row in err.splitlines()), (
            line,
            err,
        )
    assert "line 2:" not in err
    assert "4 problems, nothing was written" in err and "未写入任何日期" in err
    assert listed(env, county) == []

    header = tmp_path / "header.csv"
    header.write_text("date,type\n2026-10-01,holiday\n", encoding="utf-8")
    wrong = sanshi(env, "calendar", "import", "--county", county, str(header))
    assert wrong.returncode == 2 and "line 1:" in wrong.stderr
    nocounty = sanshi(env, "calendar", "import", "--county", "nosuch", str(tmp_path / "bad.csv"))
    assert nocounty.returncode == 2  # the rows are checked first: still nothing written
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    missing = sanshi(env, "calendar", "import", "--county", "nosuch", str(good))
    assert missing.returncode == 2 and "COUNTY_NOT_FOUND" in missing.stderr
    assert listed(env, county) == []
