"""The county work calendar (工作日历) on real PostgreSQL: set, list and remove days through
the handlers and GraphQL, who may read and edit it, each typed error, the audit rows, and
new tickets whose deadlines skip holidays (法定节假日) and count make-up days (调休)."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.auth.model import Role
from services.departments import handlers
from services.departments.defaults import install_county_defaults
from services.departments.model import (
    CalendarDayInput,
    DayKind,
    DuplicateCalendarDay,
    TooManyCalendarDays,
    WorkdayNotOnWeekend,
)
from services.errors import CountyNotFound, Forbidden, InvalidInput, TextTooLong
from services.localtime import TIME_ZONE
from services.routing import handlers as routing
from services.routing.queries import TicketRow
from tenants.provisioning import ensure_county
from tenants.tx import platform_tx
from tests.integration.test_routing_flow import (  # the routing tests' own set-up helpers
    COUNTY,
    gql,
    major_matter,
    officer,
    person,
    tickets_of,
)

# 2026: National Day (国庆节) Thursday 1 October; Sunday 27 September is worked (调休).
NATIONAL_DAY = date(2026, 10, 1)
SATURDAY = date(2026, 10, 3)
MAKEUP_SUNDAY = date(2026, 9, 27)
NEXT_NEW_YEAR = date(2027, 1, 1)


@pytest.fixture
async def cal_county(dbs) -> str:
    """A county of this test's own: its calendar is nobody else's."""
    code = f"cal{secrets.token_hex(3)}"
    await ensure_county(code, "日历县", "Calendar County")
    return code


def day(d: date, kind: str, name_zh: str = "", name_en: str = "") -> CalendarDayInput:
    return CalendarDayInput(d, kind, name_zh, name_en)


async def audit_rows(county: str) -> list[dict[str, Any]]:
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            "SELECT actor, action, before, after FROM platform.audit_log WHERE subject = $1 "
            "ORDER BY id",
            f"county_calendar:{county}",
        )
    return [
        {
            "actor": r["actor"],
            "action": r["action"],
            "before": None if r["before"] is None else json.loads(r["before"]),
            "after": None if r["after"] is None else json.loads(r["after"]),
        }
        for r in rows
    ]


# -- handlers ------------------------------------------------------------------------------
async def test_set_list_and_remove_days(settings, cal_county):
    """Days are upserted, listed by date (a year at a time), removed; each act is audited."""
    admin = person(Role.COUNTY_ADMIN, county=cal_county)
    rows = await handlers.set_calendar_days(
        admin,
        cal_county,
        [
            day(NEXT_NEW_YEAR, "holiday", "元旦", "New Year's Day"),
            day(NATIONAL_DAY, "holiday", " 国庆节 ", "National Day"),
            day(SATURDAY, "holiday", "国庆节", "National Day"),  # harmless on a weekend
            day(MAKEUP_SUNDAY, DayKind.WORKDAY, "国庆节调休", "National Day make-up"),
        ],
        settings=settings,
    )
    assert [(r.day, r.kind) for r in rows] == [
        (MAKEUP_SUNDAY, "workday"),
        (NATIONAL_DAY, "holiday"),
        (SATURDAY, "holiday"),
        (NEXT_NEW_YEAR, "holiday"),
    ]
    assert rows[1].name_zh == "国庆节" and rows[1].updated_by == admin.subject
    assert len(await handlers.list_calendar(admin, cal_county)) == 4
    in_2026 = await handlers.list_calendar(admin, cal_county, year=2026)
    assert [r.day for r in in_2026] == [MAKEUP_SUNDAY, NATIONAL_DAY, SATURDAY]
    assert await handlers.list_calendar(admin, cal_county, year=2025) == []

    # The same day again replaces it (kind and names), by whoever set it last.
    other_admin = person(Role.COUNTY_ADMIN, county=cal_county)
    again = await handlers.set_calendar_days(
        other_admin, cal_county, [day(SATURDAY, "holiday", "国庆假期", "National Day holiday")]
    )
    assert [(r.name_zh, r.updated_by) for r in again] == [("国庆假期", other_admin.subject)]
    assert len(await handlers.list_calendar(admin, cal_county)) == 4

    removed = await handlers.remove_calendar_days(
        admin, cal_county, [SATURDAY, SATURDAY, date(2026, 12, 25)]
    )
    assert removed == [SATURDAY]  # the day not in the calendar is no error, not counted
    assert await handlers.remove_calendar_days(admin, cal_county, [SATURDAY]) == []
    left = await handlers.list_calendar(admin, cal_county)
    assert [r.day for r in left] == [MAKEUP_SUNDAY, NATIONAL_DAY, NEXT_NEW_YEAR]

    audits = await audit_rows(cal_county)
    assert [(a["action"], a["actor"]) for a in audits] == [
        ("routing.set_calendar_days", admin.subject),
        ("routing.set_calendar_days", other_admin.subject),
        ("routing.remove_calendar_days", admin.subject),
        ("routing.remove_calendar_days", admin.subject),
    ]
    first, replace, remove, remove_nothing = audits
    assert first["before"] == [] and len(first["after"]) == 4
    assert [(b["day"], b["name_zh"]) for b in replace["before"]] == [("2026-10-03", "国庆节")]
    assert [(a["day"], a["name_zh"]) for a in replace["after"]] == [("2026-10-03", "国庆假期")]
    assert [b["day"] for b in remove["before"]] == ["2026-10-03"]
    assert remove["after"]["removed"] == 1
    assert remove_nothing["before"] == [] and remove_nothing["after"]["removed"] == 0


async def test_typed_errors_write_nothing(settings, cal_county):
    """Each refusal is its typed, bilingual error, and the calendar stays as it was."""
    admin = person(Role.COUNTY_ADMIN, county=cal_county)
    wednesday = date(2026, 9, 30)
    long_name = "节" * (settings.max_name_length + 1)
    cases: list[tuple[list[CalendarDayInput], type[Exception], str]] = [
        ([day(NATIONAL_DAY, "holiday"), day(wednesday, "workday")], WorkdayNotOnWeekend, ""),
        (
            [day(date(2026, 1, 1) + timedelta(days=i), "holiday") for i in range(367)],
            TooManyCalendarDays,
            "",
        ),
        ([day(NATIONAL_DAY, "holiday"), day(NATIONAL_DAY, "holiday")], DuplicateCalendarDay, ""),
        ([day(NATIONAL_DAY, "festival")], InvalidInput, "festival"),
        ([], InvalidInput, ""),
        ([day(NATIONAL_DAY, "holiday", long_name)], TextTooLong, "name_zh"),
        ([day(NATIONAL_DAY, "holiday", "国庆节", "N" * 101)], TextTooLong, "name_en"),
    ]
    for days, error, mentions in cases:
        with pytest.raises(error) as raised:
            await handlers.set_calendar_days(admin, cal_county, days, settings=settings)
        err: Any = raised.value
        assert err.message_zh and err.message_en and err.message_zh != err.message_en
        assert mentions in err.message_en
    with pytest.raises(WorkdayNotOnWeekend) as raised:
        await handlers.set_calendar_days(admin, cal_county, [day(wednesday, "workday")])
    assert "2026-09-30" in raised.value.message_zh and "2026-09-30" in raised.value.message_en
    with pytest.raises(TooManyCalendarDays):
        await handlers.remove_calendar_days(
            admin, cal_county, [date(2026, 1, 1) + timedelta(days=i) for i in range(367)]
        )
    with pytest.raises(InvalidInput):
        await handlers.remove_calendar_days(admin, cal_county, [])
    with pytest.raises(InvalidInput):
        await handlers.list_calendar(admin, cal_county, year=99999)
    assert await handlers.list_calendar(admin, cal_county) == []
    assert await audit_rows(cal_county) == []


async def test_who_may_read_and_edit(settings, cal_county):
    """Readers as for deadline policies (county admins, leaders, its department officers);
    only its county admins edit; others see no county at all."""
    admin = person(Role.COUNTY_ADMIN, county=cal_county)
    await handlers.set_calendar_days(admin, cal_county, [day(NATIONAL_DAY, "holiday")])
    for reader in (
        admin,
        person(Role.COUNTY_LEADER, county=cal_county),
        officer("transport", county=cal_county),
    ):
        assert [r.day for r in await handlers.list_calendar(reader, cal_county)] == [NATIONAL_DAY]
    hidden = (
        person(Role.COUNTY_ADMIN, county=COUNTY),  # another county's administrator
        person(Role.COMMUNITY_CADRE, "alpha"),
        officer("transport", county=COUNTY),  # another county's department
    )
    for who in hidden:
        with pytest.raises(CountyNotFound):
            await handlers.list_calendar(who, cal_county)
    for who, error in (
        *((h, CountyNotFound) for h in hidden),
        (person(Role.COUNTY_LEADER, county=cal_county), Forbidden),
        (officer("transport", county=cal_county), Forbidden),
    ):
        with pytest.raises(error):
            await handlers.set_calendar_days(who, cal_county, [day(SATURDAY, "holiday")])
        with pytest.raises(error):
            await handlers.remove_calendar_days(who, cal_county, [NATIONAL_DAY])
    with pytest.raises(CountyNotFound):
        await handlers.list_calendar(person(Role.COUNTY_ADMIN, county="nosuch"), "nosuch")
    assert [r.day for r in await handlers.list_calendar(admin, cal_county)] == [NATIONAL_DAY]


# -- GraphQL -------------------------------------------------------------------------------
CALENDAR_Q = """
query($c: String!, $y: Int) {
  countyCalendar(county: $c, year: $y) { day kind nameZh nameEn updatedBy updatedAt }
}"""

SET_DAYS = """
mutation($c: String!, $i: SetCalendarDaysInput!) {
  setCalendarDays(county: $c, input: $i) {
    __typename
    ... on CalendarDays { county days { day kind nameZh nameEn updatedBy } }
    ... on Error { code message messageEn }
  }
}"""

REMOVE_DAYS = """
mutation($c: String!, $d: [Date!]!) {
  removeCalendarDays(county: $c, days: $d) {
    __typename
    ... on RemovedCalendarDays { county removed days }
    ... on Error { code message messageEn }
  }
}"""


async def test_graphql_set_read_remove(settings, cal_county):
    """The county admin sets, reads (one year) and removes days over GraphQL."""
    admin = person(Role.COUNTY_ADMIN, county=cal_county)
    made = await gql(
        settings,
        admin,
        SET_DAYS,
        c=cal_county,
        i={
            "days": [
                {
                    "day": "2026-10-01",
                    "kind": "HOLIDAY",
                    "nameZh": "国庆节",
                    "nameEn": "National Day",
                },
                {"day": "2026-09-27", "kind": "WORKDAY", "nameZh": "调休"},
                {"day": "2027-01-01", "kind": "HOLIDAY"},
            ]
        },
    )
    assert made["setCalendarDays"]["__typename"] == "CalendarDays"
    assert made["setCalendarDays"]["days"] == [
        {
            "day": "2026-09-27",
            "kind": "WORKDAY",
            "nameZh": "调休",
            "nameEn": "",
            "updatedBy": admin.subject,
        },
        {
            "day": "2026-10-01",
            "kind": "HOLIDAY",
            "nameZh": "国庆节",
            "nameEn": "National Day",
            "updatedBy": admin.subject,
        },
        {
            "day": "2027-01-01",
            "kind": "HOLIDAY",
            "nameZh": "",
            "nameEn": "",
            "updatedBy": admin.subject,
        },
    ]
    read = (await gql(settings, admin, CALENDAR_Q, c=cal_county, y=2026))["countyCalendar"]
    assert [(d["day"], d["kind"]) for d in read] == [
        ("2026-09-27", "WORKDAY"),
        ("2026-10-01", "HOLIDAY"),
    ]
    assert all(d["updatedAt"] for d in read)
    leader = person(Role.COUNTY_LEADER, county=cal_county)
    assert len((await gql(settings, leader, CALENDAR_Q, c=cal_county))["countyCalendar"]) == 3
    gone = await gql(settings, admin, REMOVE_DAYS, c=cal_county, d=["2026-10-01", "2026-10-02"])
    assert gone["removeCalendarDays"] == {
        "__typename": "RemovedCalendarDays",
        "county": cal_county,
        "removed": 1,
        "days": ["2026-10-01"],
    }
    left = (await gql(settings, admin, CALENDAR_Q, c=cal_county))["countyCalendar"]
    assert [d["day"] for d in left] == ["2026-09-27", "2027-01-01"]


async def test_graphql_errors_and_permissions(settings, cal_county):
    """Typed errors are union members; readers who may not edit are forbidden; others see
    null / CountyNotFoundError, the same as a missing county."""
    admin = person(Role.COUNTY_ADMIN, county=cal_county)
    for days, expected in (
        ([{"day": "2026-09-30", "kind": "WORKDAY"}], "WorkdayNotOnWeekendError"),
        (
            [{"day": "2026-10-01", "kind": "HOLIDAY"}, {"day": "2026-10-01", "kind": "HOLIDAY"}],
            "DuplicateCalendarDayError",
        ),
        (
            [
                {"day": (date(2026, 1, 1) + timedelta(days=i)).isoformat(), "kind": "HOLIDAY"}
                for i in range(367)
            ],
            "TooManyCalendarDaysError",
        ),
        ([{"day": "2026-10-01", "kind": "HOLIDAY", "nameZh": "节" * 101}], "TextTooLongError"),
        ([], "InvalidInputError"),
    ):
        got = (await gql(settings, admin, SET_DAYS, c=cal_county, i={"days": days}))[
            "setCalendarDays"
        ]
        assert got["__typename"] == expected, got
        assert got["message"] and got["messageEn"]
    many = [(date(2026, 1, 1) + timedelta(days=i)).isoformat() for i in range(367)]
    assert (await gql(settings, admin, REMOVE_DAYS, c=cal_county, d=many))["removeCalendarDays"][
        "__typename"
    ] == "TooManyCalendarDaysError"

    one = {"days": [{"day": "2026-10-01", "kind": "HOLIDAY"}]}
    for who, expected in (
        (person(Role.COUNTY_ADMIN, county=COUNTY), "CountyNotFoundError"),
        (person(Role.COMMUNITY_CADRE, "alpha"), "CountyNotFoundError"),
        (person(Role.COUNTY_LEADER, county=cal_county), "ForbiddenError"),
        (officer("transport", county=cal_county), "ForbiddenError"),
        (None, "UnauthenticatedError"),
    ):
        got = await gql(settings, who, SET_DAYS, c=cal_county, i=one)
        assert got["setCalendarDays"]["__typename"] == expected, (who, got)
        got = await gql(settings, who, REMOVE_DAYS, c=cal_county, d=["2026-10-01"])
        assert got["removeCalendarDays"]["__typename"] == expected, (who, got)
    for who in (
        person(Role.COUNTY_ADMIN, county=COUNTY),
        person(Role.COMMUNITY_CADRE, "alpha"),
        None,
    ):
        assert (await gql(settings, who, CALENDAR_Q, c=cal_county))["countyCalendar"] is None
    assert (await gql(settings, admin, CALENDAR_Q, c="nosuch"))["countyCalendar"] is None
    dept = officer("transport", county=cal_county)
    assert (await gql(settings, dept, CALENDAR_Q, c=cal_county))["countyCalendar"] == []


# -- deadlines of new tickets ----------------------------------------------------------------
@pytest.fixture
async def county(communities):
    """The test county with its defaults; the calendar days set here are removed after."""
    await install_county_defaults(COUNTY)
    yield COUNTY
    async with platform_tx() as tx:
        await tx.connection.execute(
            "DELETE FROM platform.county_calendar WHERE county_code = $1 "
            "AND day BETWEEN '2030-01-01' AND '2030-12-31'",
            COUNTY,
        )


def end_of(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 23, 59, 59, tzinfo=TIME_ZONE)


async def routed_now(settings, now: datetime) -> TicketRow:
    """A new transport matter in alpha routed at ``now``: its one ticket."""
    mid = await major_matter(settings, "alpha", "transport")
    snapshot = await routing.read_matter_for_routing("alpha", mid, 1)
    outcome = await routing.create_tickets(snapshot, now=now)
    assert [t.department_code for t in outcome.created] == ["transport"]
    return outcome.created[0]


async def test_new_tickets_skip_holidays_and_count_makeup_days(settings, county):
    """Routed on Friday 27 Sep 2030 (2 days to acknowledge, 15 to resolve): the National
    Day holidays push both deadlines out; a make-up Saturday then counts for tickets routed
    after it was set, while the ticket already created keeps its deadlines."""
    admin = person(Role.COUNTY_ADMIN)
    policies = await handlers.list_deadline_policies(admin, county)
    assert {p.category for p in policies} & {"transport"} == set()
    star = next(p for p in policies if p.category == "*")
    assert (star.ack_working_days, star.resolve_working_days) == (2, 15)
    friday = datetime(2030, 9, 27, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai

    plain = await routed_now(settings, friday)  # no calendar yet: Monday to Friday
    assert plain.ack_due_at == end_of(date(2030, 10, 1))
    assert plain.resolve_due_at == end_of(date(2030, 10, 18))

    holidays = [date(2030, 10, d) for d in (1, 2, 3, 4, 7)]  # Tue-Fri and the Monday after
    await handlers.set_calendar_days(
        admin, county, [day(d, "holiday", "国庆节", "National Day") for d in holidays]
    )
    first = await routed_now(settings, friday)
    # Mon 30 Sep is the 1st working day, Tue 8 Oct the 2nd; five holidays on the way out.
    assert first.ack_due_at == end_of(date(2030, 10, 8))
    assert first.resolve_due_at == end_of(date(2030, 10, 25))

    await handlers.set_calendar_days(
        admin, county, [day(date(2030, 10, 12), "workday", "国庆节调休", "make-up day")]
    )
    second = await routed_now(settings, friday)
    assert second.ack_due_at == end_of(date(2030, 10, 8))
    assert second.resolve_due_at == end_of(date(2030, 10, 24))  # Saturday 12 Oct counted

    # Changing the calendar does not move the deadlines of tickets already created.
    (again,) = [t for t in await tickets_of("alpha", first.matter_id)]
    assert (again.ack_due_at, again.resolve_due_at) == (
        first.ack_due_at,
        first.resolve_due_at,
    )
