"""Read side of the departments context: a county's reference data as typed rows.

Every function runs on the connection of a platform transaction the caller holds (the
``*_in`` functions): dispatch reads the county's rules in the transaction that creates the
tickets, the inbox and the meetings read department names in the transaction of their
own act. Nothing here checks who is asking; ``services.departments.handlers`` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import msgspec

from services.departments.model import (
    DayKind,
    DeadlinePolicy,
    DepartmentInfo,
    Rule,
    WorkCalendar,
)
from services.departments.tables import CountyCalendarDay, Department, RoutingRule
from services.departments.tables import DeadlinePolicy as DeadlinePolicyTable


def _columns(table: Any) -> str:
    return ", ".join(c._meta.db_column_name for c in table.all_columns())


DEPARTMENT_COLUMNS = _columns(Department)
RULE_COLUMNS = _columns(RoutingRule)
POLICY_COLUMNS = _columns(DeadlinePolicyTable)
CALENDAR_COLUMNS = _columns(CountyCalendarDay)


class DepartmentRow(msgspec.Struct, frozen=True):
    """A county department as stored."""

    county_code: str
    code: str
    name_zh: str
    name_en: str
    contact: str
    is_fallback: bool
    active: bool
    created_at: datetime

    @property
    def info(self) -> DepartmentInfo:
        """The department as the pure routing rules see it."""
        return DepartmentInfo(self.code, self.name_zh, self.name_en, self.active, self.is_fallback)


class RoutingRuleRow(msgspec.Struct, frozen=True):
    """A county's routing rule as stored."""

    id: int
    county_code: str
    category: str
    community_slug: str | None
    grid_code: str | None
    department_codes: list[str]
    include_address: bool
    include_circumstances: bool
    active: bool

    @property
    def rule(self) -> Rule:
        """The stored rule as the pure model's value object."""
        return Rule(
            id=self.id,
            category=self.category,
            department_codes=tuple(self.department_codes),
            community_slug=self.community_slug,
            grid_code=self.grid_code,
            include_address=self.include_address,
            include_circumstances=self.include_circumstances,
            active=self.active,
        )


class DeadlinePolicyRow(msgspec.Struct, frozen=True):
    """A county's deadline policy of one category (``*``: its default) as stored."""

    county_code: str
    category: str
    ack_working_days: int
    resolve_working_days: int

    @property
    def policy(self) -> DeadlinePolicy:
        """The stored policy as the pure model's value object."""
        return DeadlinePolicy(self.category, self.ack_working_days, self.resolve_working_days)


class CalendarDayRow(msgspec.Struct, frozen=True):
    """A day of a county's work calendar as stored."""

    county_code: str
    day: date
    kind: DayKind
    name_zh: str
    name_en: str
    updated_by: str
    updated_at: datetime


class DepartmentName(msgspec.Struct, frozen=True):
    """A department's names, for another context's view of its tickets or meetings."""

    county_code: str
    code: str
    name_zh: str
    name_en: str


class CountyRouting(msgspec.Struct, frozen=True):
    """What dispatch needs of a county: departments, active rules, deadline policies."""

    departments: list[DepartmentInfo]
    rules: list[Rule]
    policies: list[DeadlinePolicy]


def department_of(record: Any) -> DepartmentRow:
    """A departments record as a typed row."""
    return DepartmentRow(**record)


def rule_of(record: Any) -> RoutingRuleRow:
    """A routing_rules record as a typed row (asyncpg hands the array over as a list)."""
    return RoutingRuleRow(**{**record, "department_codes": list(record["department_codes"])})


def policy_of(record: Any) -> DeadlinePolicyRow:
    """A deadline_policies record as a typed row."""
    return DeadlinePolicyRow(**record)


def calendar_day_of(record: Any) -> CalendarDayRow:
    """A county_calendar record as a typed row (its kind as a DayKind)."""
    return CalendarDayRow(**{**record, "kind": DayKind(record["kind"])})


# -- what dispatch needs ------------------------------------------------------------------------
async def county_routing_in(conn: Any, county: str) -> CountyRouting:
    """The county's departments, active rules and deadline policies as value objects."""
    departments = await departments_in(conn, county)
    rules = await conn.fetch(
        f"SELECT {RULE_COLUMNS} FROM platform.routing_rules "
        "WHERE county_code = $1 AND active ORDER BY id",
        county,
    )
    return CountyRouting(
        departments=[d.info for d in departments],
        rules=[rule_of(r).rule for r in rules],
        policies=[p.policy for p in await policies_in(conn, county)],
    )


async def county_calendar_in(conn: Any, county: str, *, since: date) -> WorkCalendar:
    """The county's calendar days from ``since`` on (the past does not move deadlines)."""
    rows = await conn.fetch(
        "SELECT day, kind FROM platform.county_calendar WHERE county_code = $1 AND day >= $2",
        county,
        since,
    )
    return WorkCalendar.of((r["day"], r["kind"]) for r in rows)


async def department_names_in(
    conn: Any, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], DepartmentName]:
    """Names of departments by (county, code), in one statement; unknown ones are absent."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = await conn.fetch(
        "SELECT d.county_code, d.code, d.name_zh, d.name_en FROM platform.departments d "
        "JOIN unnest($1::text[], $2::text[]) AS k(county_code, code) "
        "ON d.county_code = k.county_code AND d.code = k.code",
        [k[0] for k in wanted],
        [k[1] for k in wanted],
    )
    return {(r["county_code"], r["code"]): DepartmentName(**r) for r in rows}


async def active_department_codes_in(conn: Any, county: str, codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` are active departments of ``county``."""
    wanted = sorted(set(codes))
    if not wanted:
        return set()
    rows = await conn.fetch(
        "SELECT code FROM platform.departments "
        "WHERE county_code = $1 AND code = ANY($2::text[]) AND active",
        county,
        wanted,
    )
    return {r["code"] for r in rows}


async def fallback_code_in(conn: Any, county: str) -> str | None:
    """The county's fallback department (the coordination office), active or not."""
    code = await conn.fetchval(
        "SELECT code FROM platform.departments WHERE county_code = $1 AND is_fallback", county
    )
    return None if code is None else str(code)


# -- the county's reference data as administrators list it ------------------------------------
async def departments_in(
    conn: Any, county: str, *, include_inactive: bool = True
) -> list[DepartmentRow]:
    """The county's departments, the fallback office last, else by code."""
    rows = await conn.fetch(
        f"SELECT {DEPARTMENT_COLUMNS} FROM platform.departments WHERE county_code = $1 "
        "AND ($2 OR active) ORDER BY is_fallback, code",
        county,
        include_inactive,
    )
    return [department_of(r) for r in rows]


async def rules_in(conn: Any, county: str, *, include_inactive: bool) -> list[RoutingRuleRow]:
    """The county's routing rules, by category then specificity."""
    rows = await conn.fetch(
        f"SELECT {RULE_COLUMNS} FROM platform.routing_rules WHERE county_code = $1 "
        "AND ($2 OR active) ORDER BY category, community_slug NULLS FIRST, "
        "grid_code NULLS FIRST, id",
        county,
        include_inactive,
    )
    return [rule_of(r) for r in rows]


async def policies_in(conn: Any, county: str) -> list[DeadlinePolicyRow]:
    """The county's deadline policies, ``*`` first."""
    rows = await conn.fetch(
        f"SELECT {POLICY_COLUMNS} FROM platform.deadline_policies WHERE county_code = $1 "
        "ORDER BY category <> '*', category",
        county,
    )
    return [policy_of(r) for r in rows]


async def calendar_days_in(conn: Any, county: str, first: date, last: date) -> list[CalendarDayRow]:
    """The county's calendar days between ``first`` and ``last`` (inclusive), by date."""
    rows = await conn.fetch(
        f"SELECT {CALENDAR_COLUMNS} FROM platform.county_calendar WHERE county_code = $1 "
        "AND day BETWEEN $2 AND $3 ORDER BY day",
        county,
        first,
        last,
    )
    return [calendar_day_of(r) for r in rows]
