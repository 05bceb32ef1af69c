"""`sanshi departments list|install-defaults` and `sanshi calendar list|import`."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click
from msgspec.structs import asdict

from services.kernel.cli import cli_actor, print_table, run
from services.settings import get_settings

if TYPE_CHECKING:
    from services.departments.model import CalendarDayInput


@click.group("departments")
def departments() -> None:
    """县级部门 County departments: list, install the defaults."""


@departments.command("list")
@click.option("--county", required=True, help="县代码 county code, e.g. shengsi")
@click.option("--json", "as_json", is_flag=True, help="JSON output for scripts")
def departments_list(county: str, as_json: bool) -> None:
    """List the county's departments (the fallback coordination office last)."""
    from services.departments.handlers import list_departments

    rows = run(lambda: list_departments(cli_actor(), county))
    if as_json:
        click.echo(json.dumps([asdict(r) for r in rows], default=str, ensure_ascii=False))
        return
    print_table(
        ["code", "名称 Name", "英文 English", "在用 Active", "兜底 Fallback"],
        [
            [
                r.code,
                r.name_zh,
                r.name_en,
                "是 yes" if r.active else "否 no",
                "是 yes" if r.is_fallback else "",
            ]
            for r in rows
        ],
    )


@departments.command("install-defaults")
@click.option("--county", required=True, help="县代码 county code, e.g. shengsi")
def departments_install_defaults(county: str) -> None:
    """Install the default departments, routing rules and deadlines (idempotent)."""
    from services.departments.defaults import install_county_defaults

    report = run(lambda: install_county_defaults(county, cli_actor()))
    click.echo(
        f"县 county {county}: 新增部门 departments +{report.departments}, "
        f"规则 rules +{report.rules}, 时限 deadline policies +{report.deadline_policies}"
        + ("" if report.changed else " (已齐全，未做更改 already complete, nothing changed)")
    )


@click.group("calendar")
def calendar() -> None:
    """工作日历 Work calendar: public holidays (节假日) and make-up working days (调休)."""


@calendar.command("list")
@click.option("--county", required=True, help="县代码 county code, e.g. shengsi")
@click.option("--year", type=click.IntRange(1900, 2200), help="只列该年 only this year")
@click.option("--json", "as_json", is_flag=True, help="JSON output for scripts")
def calendar_list(county: str, year: int | None, as_json: bool) -> None:
    """List the county's calendar days by date (only --year's if given)."""
    from services.departments.handlers import list_calendar

    rows = run(lambda: list_calendar(cli_actor(), county, year=year))
    if as_json:
        click.echo(json.dumps([asdict(r) for r in rows], default=str, ensure_ascii=False))
        return
    print_table(
        ["日期 Day", "星期 Weekday", "类型 Kind", "名称 Name", "英文 English"],
        [
            [
                r.day.isoformat(),
                _WEEKDAYS[r.day.weekday()],
                f"{r.kind.label_zh} {r.kind.label_en}",
                r.name_zh,
                r.name_en,
            ]
            for r in rows
        ],
    )
    click.echo(f"共 {len(rows)} 天 / {len(rows)} days")


_WEEKDAYS = ("周一 Mon", "周二 Tue", "周三 Wed", "周四 Thu", "周五 Fri", "周六 Sat", "周日 Sun")
CALENDAR_HEADER = ["day", "kind", "name_zh", "name_en"]


def read_calendar_csv(text: str) -> tuple[list[CalendarDayInput], list[str]]:
    """The CalendarDayInputs of a ``day,kind,name_zh,name_en`` CSV, and its bad rows.

    Every row is checked as ``set_calendar_days`` would (``check_calendar_day``) and days
    given twice are caught, so each problem is reported with its line number (bilingual).
    """
    from services.departments.model import CalendarDayInput, check_calendar_day
    from services.errors import SanshiError

    settings = get_settings()
    problems: list[str] = []
    days: list[CalendarDayInput] = []
    first_line: dict[date, int] = {}
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != CALENDAR_HEADER:
        return [], ["第 1 行 line 1: 表头须为 header must be: " + ",".join(CALENDAR_HEADER)]
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        where = f"第 {line} 行 line {line}"
        if not 2 <= len(row) <= 4:
            problems.append(
                f"{where}: 须有 2–4 列 expected 2-4 columns (day,kind[,name_zh,name_en])"
            )
            continue
        cells = [c.strip() for c in row] + [""] * (4 - len(row))
        try:
            day = date.fromisoformat(cells[0])
        except ValueError:
            problems.append(f"{where}: 日期无效 invalid date {cells[0]!r} (YYYY-MM-DD)")
            continue
        try:
            item = check_calendar_day(
                CalendarDayInput(day, cells[1].lower(), cells[2], cells[3]), settings
            )
        except SanshiError as err:
            problems.append(f"{where}: [{err.code}] {err.message_zh} / {err.message_en}")
            continue
        if day in first_line:
            problems.append(
                f"{where}: 日期 {day} 与第 {first_line[day]} 行重复 "
                f"duplicates line {first_line[day]}"
            )
            continue
        first_line[day] = line
        days.append(item)
    if not days and not problems:
        problems.append("文件中没有日期 the file has no days")
    return days, problems


@calendar.command("import")
@click.option("--county", required=True, help="县代码 county code, e.g. shengsi")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def calendar_import(county: str, file: Path) -> None:
    """Add or replace calendar days from a CSV file (all or nothing).

    FILE is UTF-8 with the header day,kind,name_zh,name_en; one bad row (reported with its
    line number) and nothing is written. kind is holiday (节假日) or
    workday (调休上班日, a Saturday or Sunday). Existing tickets keep their deadlines.
    """
    from services.departments.handlers import set_calendar_days

    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException("文件须为 UTF-8 编码 / the file must be UTF-8") from None
    days, problems = read_calendar_csv(text)
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        click.echo(
            f"{len(problems)} 处错误，未写入任何日期 / "
            f"{len(problems)} problems, nothing was written",
            err=True,
        )
        sys.exit(2)
    rows = run(lambda: set_calendar_days(cli_actor(), county, days))
    holidays = sum(1 for r in rows if r.kind == "holiday")
    click.echo(
        f"县 county {county}: 已写入 {len(rows)} 天（节假日 {holidays}，调休上班日 "
        f"{len(rows) - holidays}）/ {len(rows)} days written ({holidays} holidays, "
        f"{len(rows) - holidays} make-up working days); 已有工单期限不变 existing tickets "
        "keep their deadlines"
    )


COMMANDS = [departments, calendar]
