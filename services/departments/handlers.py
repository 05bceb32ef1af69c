"""Use cases of the departments context: a county's departments, routing rules, deadline
policies and work calendar (工作日历), read and edited by its administrators.

Each public handler is one platform transaction (checking access inside it); every edit is
audited. Who may read is ``model.can_read_county_routing``, who may edit
``model.can_manage_county``; a county not visible and one that does not exist fail the same
way (CountyNotFound).
"""

from __future__ import annotations

from datetime import date

from msgspec.structs import asdict

from services import audit
from services.auth.model import Principal
from services.communities.queries import counties_by_code
from services.departments import queries
from services.departments.model import (
    ANY_CATEGORY,
    CODE_RE,
    CONTACT_LIMIT,
    CalendarDayInput,
    DayKind,
    FallbackMustStayActive,
    RoutingRuleInput,
    UnknownDepartment,
    can_manage_county,
    can_read_county_routing,
    check_calendar_days,
    check_day_count,
    check_deadline_policy,
    check_name,
    year_range,
)
from services.departments.queries import (
    CALENDAR_COLUMNS,
    DEPARTMENT_COLUMNS,
    POLICY_COLUMNS,
    RULE_COLUMNS,
    CalendarDayRow,
    DeadlinePolicyRow,
    DepartmentRow,
    RoutingRuleRow,
)
from services.errors import (
    CommunityNotFound,
    CountyNotFound,
    Forbidden,
    InvalidInput,
    InvalidSlug,
    NotFound,
)
from services.grids.queries import grid_by_code_in
from services.settings import Settings, get_settings
from tenants import provisioning
from tenants.tx import platform_tx, tenant_tx


# -- access ------------------------------------------------------------------------------------
async def access_county_routing(actor: Principal, county: str, *, write: bool = False) -> str:
    """The county code if ``actor`` may read (or, with ``write``, edit) its reference data.

    Not visible and not existing are the same CountyNotFound; visible but not a county
    administrator of it is Forbidden for a write. Inside a platform transaction it reads
    in that one.
    """
    if not CODE_RE.fullmatch(county or "") or not can_read_county_routing(actor, county):
        raise CountyNotFound()
    if county not in await counties_by_code([county]):
        raise CountyNotFound()
    if write and not can_manage_county(actor, county):
        raise Forbidden()
    return county


async def find_county_routing(actor: Principal | None, county: str) -> str | None:
    """The county code if the caller may read its reference data; None for an anonymous
    caller, a county not visible and one that does not exist alike (``countyRouting``)."""
    if actor is None:
        return None
    try:
        return await access_county_routing(actor, county)
    except NotFound:
        return None


# -- departments --------------------------------------------------------------------------------
async def list_departments(
    actor: Principal, county: str, *, include_inactive: bool = True
) -> list[DepartmentRow]:
    """The county's departments, the fallback office last (CountyNotFound when not visible)."""
    async with platform_tx() as tx:
        await access_county_routing(actor, county)
        return await queries.departments_in(
            tx.connection, county, include_inactive=include_inactive
        )


async def set_department(
    actor: Principal,
    county: str,
    code: str,
    *,
    name_zh: str,
    name_en: str,
    contact: str = "",
    active: bool = True,
) -> DepartmentRow:
    """Add or edit a department of ``county`` (county administrators of it); audited.

    The code is the department's stable key (tickets and tokens carry it), so it cannot be
    renamed; a department is switched off with ``active = false`` (its open tickets stay).
    """
    await access_county_routing(actor, county, write=True)
    if not CODE_RE.fullmatch(code or ""):
        raise InvalidInput(
            field_zh="部门代码须以小写字母开头，只含小写字母、数字和下划线",
            field_en="a department code is lowercase letters, digits and underscores",
        )
    name_zh = check_name(name_zh, "name_zh", required=True)
    name_en = check_name(name_en, "name_en", required=True)
    contact = check_name(contact, "contact", required=False, limit=CONTACT_LIMIT)
    async with platform_tx() as tx:
        conn = tx.connection
        found = await conn.fetchrow(
            f"SELECT {DEPARTMENT_COLUMNS} FROM platform.departments "
            "WHERE county_code = $1 AND code = $2 FOR UPDATE",
            county,
            code,
        )
        before = None if found is None else queries.department_of(found)
        if before is not None and before.is_fallback and not active:
            raise FallbackMustStayActive()
        row = queries.department_of(
            await conn.fetchrow(
                "INSERT INTO platform.departments (county_code, code, name_zh, name_en, contact, "
                "active) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (county_code, code) "
                "DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, "
                "contact = EXCLUDED.contact, active = EXCLUDED.active "
                f"RETURNING {DEPARTMENT_COLUMNS}",
                county,
                code,
                name_zh,
                name_en,
                contact,
                active,
            )
        )
        await audit.record(
            tx,
            actor,
            "routing.set_department",
            f"department:{county}/{code}",
            before=None if before is None else asdict(before),
            after=asdict(row),
            platform=True,
        )
    return row


# -- routing rules ------------------------------------------------------------------------------
async def list_routing_rules(
    actor: Principal, county: str, *, include_inactive: bool = False
) -> list[RoutingRuleRow]:
    """The county's routing rules, by category then specificity (CountyNotFound if hidden)."""
    async with platform_tx() as tx:
        await access_county_routing(actor, county)
        return await queries.rules_in(tx.connection, county, include_inactive=include_inactive)


async def _check_rule_scope(county: str, data: RoutingRuleInput) -> None:
    """The rule's community is one of the county's (CommunityNotFound) and its grid one of
    the community's (InvalidInput), read through those contexts."""
    if data.community_slug is None:
        return
    try:
        info = await provisioning.get_community(data.community_slug)
    except (CommunityNotFound, InvalidSlug):
        raise CommunityNotFound() from None
    if info.county_code != county:
        raise CommunityNotFound()
    if data.grid_code is None:
        return
    async with tenant_tx(data.community_slug) as tx:
        grid = await grid_by_code_in(tx.connection, data.grid_code)
    if grid is None:
        raise InvalidInput(
            field_zh=f"社区没有网格「{data.grid_code}」",
            field_en=f"the community has no grid '{data.grid_code}'",
        )


async def set_routing_rule(actor: Principal, county: str, data: RoutingRuleInput) -> RoutingRuleRow:
    """Add or replace the county's rule for (category, community, grid); audited.

    Every department must exist in the county (UnknownDepartment); the community must be
    one of the county's (CommunityNotFound) and the grid one of the community's
    (InvalidInput). ``active = false`` switches the rule off (the next less specific rule,
    or the coordination office, then applies).
    """
    await access_county_routing(actor, county, write=True)
    if not CODE_RE.fullmatch(data.category or ""):
        raise InvalidInput(field_zh="类别代码无效", field_en="invalid category code")
    codes = tuple(dict.fromkeys(c.strip() for c in data.department_codes if c.strip()))
    if not codes:
        raise InvalidInput(field_zh="至少指定一个部门", field_en="name at least one department")
    if data.grid_code is not None and data.community_slug is None:
        raise InvalidInput(
            field_zh="按网格的规则须同时指定社区", field_en="a grid rule needs its community"
        )
    await _check_rule_scope(county, data)
    async with platform_tx() as tx:
        conn = tx.connection
        known = {d.code for d in await queries.departments_in(conn, county)}
        for code in codes:
            if code not in known:
                raise UnknownDepartment(department=code)
        key = (county, data.category, data.community_slug, data.grid_code)
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"rule:{key}")
        found = await conn.fetchrow(
            f"SELECT {RULE_COLUMNS} FROM platform.routing_rules WHERE county_code = $1 "
            "AND category = $2 AND community_slug IS NOT DISTINCT FROM $3 "
            "AND grid_code IS NOT DISTINCT FROM $4 ORDER BY active DESC, id DESC LIMIT 1 "
            "FOR UPDATE",
            *key,
        )
        before = None if found is None else queries.rule_of(found)
        values = (list(codes), data.include_address, data.include_circumstances, data.active)
        if before is None:
            record = await conn.fetchrow(
                "INSERT INTO platform.routing_rules (county_code, category, community_slug, "
                "grid_code, department_codes, include_address, include_circumstances, active) "
                f"VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {RULE_COLUMNS}",
                *key,
                *values,
            )
        else:
            record = await conn.fetchrow(
                "UPDATE platform.routing_rules SET department_codes = $2, include_address = $3, "
                f"include_circumstances = $4, active = $5 WHERE id = $1 RETURNING {RULE_COLUMNS}",
                before.id,
                *values,
            )
        row = queries.rule_of(record)
        await audit.record(
            tx,
            actor,
            "routing.set_rule",
            f"routing_rule:{row.id}",
            before=None if before is None else asdict(before),
            after=asdict(row),
            platform=True,
        )
    return row


# -- deadline policies --------------------------------------------------------------------------
async def list_deadline_policies(actor: Principal, county: str) -> list[DeadlinePolicyRow]:
    """The county's deadline policies (``*`` first), CountyNotFound when not visible."""
    async with platform_tx() as tx:
        await access_county_routing(actor, county)
        return await queries.policies_in(tx.connection, county)


async def set_deadline_policy(
    actor: Principal, county: str, category: str, ack_working_days: int, resolve_working_days: int
) -> DeadlinePolicyRow:
    """Set the working-day limits of ``category`` (``*``: the county default); audited.

    Applies to tickets routed from now on; existing tickets keep their due dates.
    """
    await access_county_routing(actor, county, write=True)
    if category != ANY_CATEGORY and not CODE_RE.fullmatch(category or ""):
        raise InvalidInput(field_zh="类别代码无效", field_en="invalid category code")
    check_deadline_policy(ack_working_days, resolve_working_days)
    async with platform_tx() as tx:
        before = await tx.connection.fetchrow(
            "SELECT ack_working_days, resolve_working_days FROM platform.deadline_policies "
            "WHERE county_code = $1 AND category = $2 FOR UPDATE",
            county,
            category,
        )
        row = queries.policy_of(
            await tx.connection.fetchrow(
                "INSERT INTO platform.deadline_policies (county_code, category, "
                "ack_working_days, resolve_working_days) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (county_code, category) "
                "DO UPDATE SET ack_working_days = EXCLUDED.ack_working_days, "
                "resolve_working_days = EXCLUDED.resolve_working_days "
                f"RETURNING {POLICY_COLUMNS}",
                county,
                category,
                ack_working_days,
                resolve_working_days,
            )
        )
        await audit.record(
            tx,
            actor,
            "routing.set_deadline_policy",
            f"deadline_policy:{county}/{category}",
            before=None if before is None else dict(before),
            after=asdict(row),
            platform=True,
        )
    return row


# -- the work calendar (工作日历): holidays (法定节假日) and make-up working days (调休) --------
async def list_calendar(
    actor: Principal, county: str, *, year: int | None = None
) -> list[CalendarDayRow]:
    """The county's calendar days by date (only ``year``'s if given); CountyNotFound when
    not visible. Who may read: as for deadline policies (``can_read_county_routing``)."""
    async with platform_tx() as tx:
        await access_county_routing(actor, county)
        first, last = year_range(year) if year is not None else (date.min, date.max)
        return await queries.calendar_days_in(tx.connection, county, first, last)


async def find_calendar(
    actor: Principal | None, county: str, *, year: int | None = None
) -> list[CalendarDayRow] | None:
    """``list_calendar``, or None for an anonymous caller and a county not visible or
    missing alike (``countyCalendar``); a bad year is still InvalidInput."""
    if actor is None:
        return None
    try:
        return await list_calendar(actor, county, year=year)
    except NotFound:
        return None


async def set_calendar_days(
    actor: Principal,
    county: str,
    days: list[CalendarDayInput],
    *,
    settings: Settings | None = None,
) -> list[CalendarDayRow]:
    """Add or replace days of the county's calendar (county administrators of it); audited.

    All or nothing, in one transaction: at most MAX_CALENDAR_DAYS days, no day twice,
    each checked by ``check_calendar_day``. Returns the days as stored, by date. Tickets
    already created keep their deadlines; tickets routed from now on count with it.
    """
    settings = settings or get_settings()
    await access_county_routing(actor, county, write=True)
    checked = check_calendar_days(days, settings)
    wanted = [d.day for d in checked]
    async with platform_tx() as tx:
        conn = tx.connection
        before = await conn.fetch(
            f"SELECT {CALENDAR_COLUMNS} FROM platform.county_calendar WHERE county_code = $1 "
            "AND day = ANY($2::date[]) ORDER BY day FOR UPDATE",
            county,
            wanted,
        )
        rows = await conn.fetch(
            "INSERT INTO platform.county_calendar (county_code, day, kind, name_zh, name_en, "
            "updated_by) SELECT $1, u.day, u.kind, u.name_zh, u.name_en, $6 "
            "FROM unnest($2::date[], $3::text[], $4::text[], $5::text[]) "
            "AS u(day, kind, name_zh, name_en) "
            "ON CONFLICT (county_code, day) DO UPDATE SET kind = EXCLUDED.kind, "
            "name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, "
            "updated_by = EXCLUDED.updated_by, updated_at = now() "
            f"RETURNING {CALENDAR_COLUMNS}",
            county,
            wanted,
            [DayKind(d.kind).value for d in checked],
            [d.name_zh for d in checked],
            [d.name_en for d in checked],
            actor.subject,
        )
        after = sorted((queries.calendar_day_of(r) for r in rows), key=lambda r: r.day)
        await audit.record(
            tx,
            actor,
            "routing.set_calendar_days",
            f"county_calendar:{county}",
            before=[asdict(queries.calendar_day_of(r)) for r in before],
            after=[asdict(r) for r in after],
            platform=True,
        )
    return after


async def remove_calendar_days(actor: Principal, county: str, days: list[date]) -> list[date]:
    """Remove days from the county's calendar (county administrators of it); audited.

    A day that is not in the calendar is no error; returns the days actually removed, by
    date. At most MAX_CALENDAR_DAYS days; one transaction.
    """
    await access_county_routing(actor, county, write=True)
    wanted = sorted(set(days))
    check_day_count(len(wanted))
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            "DELETE FROM platform.county_calendar WHERE county_code = $1 "
            f"AND day = ANY($2::date[]) RETURNING {CALENDAR_COLUMNS}",
            county,
            wanted,
        )
        removed = sorted((queries.calendar_day_of(r) for r in rows), key=lambda r: r.day)
        await audit.record(
            tx,
            actor,
            "routing.remove_calendar_days",
            f"county_calendar:{county}",
            before=[asdict(r) for r in removed],
            after={"removed": len(removed), "asked": [d.isoformat() for d in wanted]},
            platform=True,
        )
    return [r.day for r in removed]
