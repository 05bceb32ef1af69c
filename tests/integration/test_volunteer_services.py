"""Recurring services (服务项目) of volunteer teams through the GraphQL schema and the
generation of visits (two communities, real PostgreSQL): a circumstance service plans the
visits of the next 60 days for every elderly person living alone; a list service for the
households enrolled; generation is idempotent, also when runs overlap; ending a service or
an enrolment cancels its later planned visits; bad rules and bad input write nothing."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from services import localtime
from services.api.kit.request import SanshiContext
from services.api.schema import build_schema
from services.auth.model import Role
from services.grids.handlers import create_grid
from services.groups import handlers as groups
from services.groups.model import GroupKind, GroupRole
from services.households import handlers as hh
from services.households.model import Circumstance, Circumstances
from services.volunteers import services
from services.volunteers.model import VISIT_HORIZON_DAYS, parse_recurrence
from tenants.tx import tenant_tx
from tests.integration.groups_support import homes_with_residents, person, schema_runner

FOUNDED = date(2024, 5, 1)
CADRE = person(Role.COMMUNITY_CADRE)
MONTHLY_25 = "FREQ=MONTHLY;BYMONTHDAY=25"


@pytest.fixture(scope="module")
def gql(settings):
    return schema_runner(settings)


@dataclass
class World:
    tag: str
    team: int
    beta_team: int
    alone: list[int]  # alpha households of elderly people living alone
    others: list[int]  # alpha households without that circumstance
    leader: str  # the team leader's login
    member: str  # a plain member's login


@pytest.fixture(scope="module")
async def world(settings, communities) -> World:
    a, b = communities
    tag = secrets.token_hex(3)
    grid = (await create_grid(CADRE, a, f"sv-{tag}", "服务网格")).id
    alone_flags = Circumstances.of(Circumstance.ELDERLY_LIVING_ALONE)
    alone = [
        (
            await hh.create_household(
                CADRE, a, hh.HouseholdInput(grid, f"独居 {i} 号 {tag}", 1, alone_flags), settings
            )
        ).id
        for i in range(3)
    ]
    made = await homes_with_residents(
        settings, CADRE, a, grid, 3,
        address=f"普通 {{i}} 号 {tag}", name="队员{i}", subject=f"sv-{{i}}-{tag}",
    )  # fmt: skip
    team = await groups.register_group(
        CADRE, a, groups.GroupInput(GroupKind.VOLUNTEER_TEAM, f"金色港湾 {tag}", FOUNDED)
    )
    for i, role in ((0, GroupRole.LEADER), (1, GroupRole.MEMBER)):
        await groups.add_member(
            CADRE,
            a,
            team.group.id,
            groups.MemberInput(made.homes[i], FOUNDED, resident_id=made.residents[i], role=role),
        )
    async with tenant_tx(b) as tx:
        for table in ("groups", "volunteer_services", "service_enrolments"):
            await tx.connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"greatest(1000000, (SELECT coalesce(max(id), 0) FROM {table})))"
            )
    beta = await groups.register_group(
        person(Role.COMMUNITY_CADRE, b),
        b,
        groups.GroupInput(GroupKind.VOLUNTEER_TEAM, f"乙队 {tag}", FOUNDED),
    )
    return World(
        tag, team.group.id, beta.group.id, alone, made.homes, made.subjects[0], made.subjects[1]
    )


CREATE = """mutation($c: String!, $t: ID!, $input: VolunteerServiceInput!) {
  createVolunteerService(community: $c, teamId: $t, input: $input) { __typename
    ... on VolunteerService { id teamId titleZh rrule startsOn skill targetKind
      targetCircumstance hoursDefault enrolments { id } }
    ... on Error { code message messageEn } } }"""
ENROL = """mutation($c: String!, $s: ID!, $input: ServiceEnrolmentInput!) {
  enrolInVolunteerService(community: $c, serviceId: $s, input: $input) { __typename
    ... on ServiceEnrolment { id householdId consentBy enrolledOn endedOn }
    ... on Error { code message messageEn } } }"""
END_ENROLMENT = """mutation($c: String!, $id: ID!, $on: Date!, $why: String!) {
  endServiceEnrolment(community: $c, id: $id, endedOn: $on, reason: $why) { __typename
    ... on ServiceEnrolment { id endedOn endedReason } ... on Error { code } } }"""
END_SERVICE = """mutation($c: String!, $id: ID!, $on: Date!) {
  endVolunteerService(community: $c, id: $id, endsOn: $on) { __typename
    ... on VolunteerService { id endsOn } ... on Error { code } } }"""
SERVICES = """query($c: String!, $g: ID!, $first: Date!, $last: Date!) {
  community(slug: $c) { group(id: $g) { volunteerServices { id titleZh
    enrolments { id householdId }
    visits(first: $first, last: $last) { id householdId day status kind what } } } } }"""


def service(tag: str, **extra) -> dict:
    data = {
        "titleZh": f"每月25日量血压 {tag} {secrets.token_hex(2)}",
        "rrule": MONTHLY_25,
        "startsOn": "2026-01-25",
        "targetKind": "CIRCUMSTANCE",
        "targetCircumstance": "ELDERLY_LIVING_ALONE",
        "skill": "BLOOD_PRESSURE",
        "what": "上门量血压并记录",
        "hoursDefault": "1.5",
    }
    return {**data, **extra}


def days_ahead(rule: str = MONTHLY_25, start: date = date(2026, 1, 25)) -> list[date]:
    today = localtime.today()
    last = today + timedelta(days=VISIT_HORIZON_DAYS - 1)
    return parse_recurrence(rule, start).between(max(today, start), last)


async def visits_of(service_id: int | str, slug: str = "alpha") -> list[tuple[int, date, str]]:
    async with tenant_tx(slug) as tx:
        rows = await tx.connection.fetch(
            "SELECT household_id, day, status FROM visits WHERE service_id = $1 "
            "ORDER BY day, household_id",
            int(service_id),
        )
    return [(r["household_id"], r["day"], r["status"]) for r in rows]


async def count(sql: str, slug: str = "alpha") -> int:
    async with tenant_tx(slug) as tx:
        return await tx.connection.fetchval(sql)


async def create(gql, w: World, actor=CADRE, team: int | None = None, **data) -> dict:
    got = await gql(actor, CREATE, c="alpha", t=str(team or w.team), input=service(w.tag, **data))
    return got["createVolunteerService"]


async def test_a_circumstance_service_plans_the_next_60_days_for_people_living_alone(gql, world):
    """Golden Harbour's 25th-of-month blood pressure round: every elderly person living alone
    has a visit on each 25th of the coming 60 days, planned when the service is created."""
    made = await create(gql, world, person(Role.RESIDENT, subject=world.leader))
    assert made["__typename"] == "VolunteerService", made
    assert (made["targetKind"], made["targetCircumstance"], made["hoursDefault"]) == (
        "CIRCUMSTANCE",
        "ELDERLY_LIVING_ALONE",
        "1.50",
    )
    planned = await visits_of(made["id"])
    expected = [(h, d, "planned") for d in days_ahead() for h in sorted(world.alone)]
    ours = [v for v in planned if v[0] in world.alone]
    assert ours == expected and expected  # at least one 25th falls in any 60 days
    assert not [v for v in planned if v[0] in world.others]


async def test_generation_is_idempotent_even_when_runs_overlap(gql, world):
    """A repeated run inserts nothing; three runs at once make each visit once.

    The community is shared with other tests: a service of theirs may have targets that
    arrived after it was planned (households created since), which the first run plans —
    what the job is for. From then on, nothing."""
    made = await create(gql, world)
    before = await visits_of(made["id"])
    settled = await services.generate_visits("alpha")
    assert settled.services >= 1
    assert await visits_of(made["id"]) == before  # this service was planned at creation
    again = await services.generate_visits("alpha")
    assert again.inserted == 0
    runs = await asyncio.gather(*(services.generate_visits("alpha") for _ in range(3)))
    assert sum(r.inserted for r in runs) == 0
    assert await visits_of(made["id"]) == before
    dupes = await count(
        "SELECT count(*) FROM (SELECT service_id, household_id, day FROM visits "
        "WHERE service_id IS NOT NULL GROUP BY 1, 2, 3 HAVING count(*) > 1) d"
    )
    assert dupes == 0


async def test_a_later_run_plans_the_days_that_came_into_the_window(gql, world):
    """Tomorrow's run adds the day that entered the 60 days, and nothing already there."""
    made = await create(gql, world, rrule="FREQ=DAILY", skill=None)
    today = localtime.today()
    first = await visits_of(made["id"])
    assert {d for _, d, _ in first} == {today + timedelta(days=i) for i in range(60)}
    later = await services.generate_visits("alpha", today=today + timedelta(days=1))
    assert later.inserted >= len(world.alone)
    days = {d for _, d, _ in await visits_of(made["id"])}
    assert max(days) == today + timedelta(days=60)


async def test_a_list_service_visits_the_households_enrolled_from_their_day(gql, world):
    made = await create(
        gql, world, targetKind="LIST", targetCircumstance=None, rrule="FREQ=WEEKLY;BYDAY=TU"
    )
    assert await visits_of(made["id"]) == []  # nobody enrolled yet
    today = localtime.today()
    later = today + timedelta(days=14)
    enrolled = await gql(
        CADRE, ENROL, c="alpha", s=made["id"],
        input={"householdId": str(world.others[2]), "consentBy": "本人", "consentOn":
               today.isoformat(), "enrolledOn": later.isoformat(), "consentNote": "口头同意"},
    )  # fmt: skip
    e = enrolled["enrolInVolunteerService"]
    assert e["__typename"] == "ServiceEnrolment", e
    planned = await visits_of(made["id"])
    assert planned and {h for h, _, _ in planned} == {world.others[2]}
    assert min(d for _, d, _ in planned) >= later
    assert all(d.isoweekday() == 2 for _, d, _ in planned)
    twice = await gql(
        CADRE, ENROL, c="alpha", s=made["id"],
        input={"householdId": str(world.others[2]), "consentBy": "本人",
               "consentOn": today.isoformat(), "enrolledOn": today.isoformat()},
    )  # fmt: skip
    assert twice["enrolInVolunteerService"]["code"] == "ALREADY_ENROLLED"
    # Leaving: the visits after that day are cancelled, those before stay planned.
    cut = later + timedelta(days=14)
    ended = await gql(
        CADRE, END_ENROLMENT, c="alpha", id=e["id"], on=cut.isoformat(), why="搬去子女家"
    )
    assert ended["endServiceEnrolment"]["endedOn"] == cut.isoformat()
    after = await visits_of(made["id"])
    assert {s for _, d, s in after if d > cut} <= {"cancelled"}
    assert {s for _, d, s in after if d <= cut} == {"planned"}
    again = await gql(CADRE, END_ENROLMENT, c="alpha", id=e["id"], on=cut.isoformat(), why="x")
    assert again["endServiceEnrolment"]["code"] == "ENROLMENT_ENDED"


async def test_ending_a_service_cancels_its_later_visits(gql, world):
    made = await create(gql, world, rrule="FREQ=DAILY")
    today = localtime.today()
    ended = await gql(
        CADRE, END_SERVICE, c="alpha", id=made["id"], on=(today + timedelta(days=9)).isoformat()
    )
    assert ended["endVolunteerService"]["__typename"] == "VolunteerService"
    left = await visits_of(made["id"])
    assert {d for _, d, s in left if s == "planned"} == {
        today + timedelta(days=i) for i in range(10)
    }
    await services.generate_visits("alpha")
    assert await visits_of(made["id"]) == left  # the days after its end not planned again


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"rrule": "FREQ=MONTHLY;BYMONTHDAY=30;BYMONTH=2"}, "RECURRENCE_NEVER_OCCURS"),
        ({"rrule": "every 25th"}, "INVALID_RECURRENCE"),
        ({"rrule": "FREQ=HOURLY"}, "INVALID_RECURRENCE"),
        ({"rrule": "FREQ=DAILY;INTERVAL=0"}, "INVALID_RECURRENCE"),
        ({"targetKind": "LIST"}, "INVALID_INPUT"),  # a list service names no circumstance
        ({"targetCircumstance": None}, "INVALID_INPUT"),
        ({"hoursDefault": "25"}, "INVALID_INPUT"),
        ({"titleZh": ""}, "INVALID_INPUT"),
        ({"titleZh": "名" * 101}, "TEXT_TOO_LONG"),
        ({"what": "量\x00血压"}, "CONTROL_CHARACTERS"),
        ({"endsOn": "2026-01-01"}, "INVALID_INPUT"),  # before it starts
    ],
)
async def test_bad_service_input_is_typed_and_writes_nothing(gql, world, data, code):
    services_before = await count("SELECT count(*) FROM volunteer_services")
    visits_before = await count("SELECT count(*) FROM visits")
    got = await create(gql, world, **data)
    assert got["code"] == code, got
    assert got["message"] and got["messageEn"]
    assert await count("SELECT count(*) FROM volunteer_services") == services_before
    assert await count("SELECT count(*) FROM visits") == visits_before


async def test_a_title_is_once_per_team(gql, world):
    made = await create(gql, world, titleZh=f"陪护 {world.tag}")
    assert made["__typename"] == "VolunteerService"
    assert (await create(gql, world, titleZh=f"陪护 {world.tag}"))["code"] == (
        "VOLUNTEER_SERVICE_TITLE_TAKEN"
    )


async def test_who_creates_and_who_reads_services(gql, world):
    """The leader and cadres create; a plain member and a grid worker may not; a grid worker
    reads the team's services and visits; a resident outside the team reads none."""
    member = person(Role.RESIDENT, subject=world.member)
    assert (await create(gql, world, member))["code"] == "FORBIDDEN"
    assert (await create(gql, world, person(Role.GRID_WORKER)))["code"] == "FORBIDDEN"
    made = await create(gql, world)
    today = localtime.today()
    span = {"first": today.isoformat(), "last": (today + timedelta(days=59)).isoformat()}
    seen = await gql(person(Role.GRID_WORKER), SERVICES, c="alpha", g=str(world.team), **span)
    listed = {s["id"]: s for s in seen["community"]["group"]["volunteerServices"]}
    assert made["id"] in listed and listed[made["id"]]["visits"]
    outsider = person(Role.RESIDENT, subject=f"nobody-{world.tag}")
    hidden = await gql(outsider, SERVICES, c="alpha", g=str(world.team), **span)
    assert hidden["community"]["group"] is None or (
        hidden["community"]["group"]["volunteerServices"] is None
    )


async def test_a_period_of_visits_is_bounded(world, settings):
    """Reading more than a year of visits is the client's mistake: a located error with
    its code, not an internal error."""
    today = localtime.today()
    ctx = SanshiContext(settings=settings, request_id="t", principal=CADRE)
    got = await build_schema(settings).execute(
        SERVICES,
        variable_values={
            "c": "alpha",
            "g": str(world.team),
            "first": today.isoformat(),
            "last": (today + timedelta(days=400)).isoformat(),
        },
        context_value=ctx,
    )
    assert got.errors and got.errors[0].extensions["code"] == "INVALID_INPUT"


async def test_another_communitys_team_and_service_answer_as_missing(gql, world):
    assert (await create(gql, world, team=world.beta_team))["code"] == "GROUP_NOT_FOUND"
    made = await create(gql, world)
    beta_cadre = person(Role.COMMUNITY_CADRE, "beta")
    other = await gql(beta_cadre, END_SERVICE, c="beta", id=made["id"], on="2027-01-01")
    assert other["endVolunteerService"]["code"] == "VOLUNTEER_SERVICE_NOT_FOUND"
    enrol = await gql(
        beta_cadre, ENROL, c="beta", s=made["id"],
        input={"householdId": "1", "consentBy": "本人", "consentOn": "2026-12-01",
               "enrolledOn": "2026-12-01"},
    )  # fmt: skip
    assert enrol["enrolInVolunteerService"]["code"] == "VOLUNTEER_SERVICE_NOT_FOUND"


async def test_a_dissolved_teams_services_plan_nothing_more(gql, world, settings):
    team = await groups.register_group(
        CADRE, "alpha", groups.GroupInput(GroupKind.VOLUNTEER_TEAM, f"将解散 {world.tag}", FOUNDED)
    )
    made = await create(gql, world, team=team.group.id, rrule="FREQ=DAILY")
    planned = len(await visits_of(made["id"]))
    await groups.dissolve_group(CADRE, "alpha", team.group.id, localtime.today(), "人手不足")
    later = localtime.today() + timedelta(days=5)
    await services.generate_visits("alpha", today=later)
    assert len(await visits_of(made["id"])) == planned
