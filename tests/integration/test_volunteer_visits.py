"""Visits through the GraphQL schema (two communities, real PostgreSQL): the leader assigns
a visit with the suggestion, the volunteer reports it with hours and a blood-pressure
reading, the resident (or the grid worker of the grid) confirms it; who reads the reading
(health data) is tested for every role; bad input writes nothing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from services import localtime
from services.auth.model import Role
from services.grids.handlers import create_grid
from services.groups import handlers as groups
from services.groups.model import GroupKind, GroupRole
from services.households import handlers as hh
from services.volunteers import handlers as vh
from services.volunteers import services
from services.volunteers.model import Consent, ConsentHow, Skill, TargetKind, Weekday
from tenants.tx import tenant_tx
from tests.integration.groups_support import person, schema_runner

FOUNDED = date(2024, 5, 1)
CADRE = person(Role.COMMUNITY_CADRE)


@pytest.fixture(scope="module")
def gql(settings):
    return schema_runner(settings)


@dataclass
class World:
    tag: str
    team: int
    service: int
    elder: int  # the household visited (one elderly resident, who logs in)
    elder_subject: str
    neighbour_subject: str  # a resident of another household
    leader_subject: str  # the team's leader (a resident)
    core_subject: str
    volunteers: dict[str, int]  # name -> volunteer id
    volunteer_subjects: dict[str, str]  # name -> login (resident volunteers)
    grid_worker: str  # the grid worker of the elder's grid (staff row)
    other_grid_worker: str  # a grid worker of another grid


async def _resident(settings, slug, grid, address, name, subject) -> tuple[int, int]:
    h = await hh.create_household(CADRE, slug, hh.HouseholdInput(grid, address, 1), settings)
    r = await hh.add_resident(
        CADRE, slug, h.id, hh.ResidentInput(name, "13800000002", subject), settings
    )
    return h.id, r.id


@pytest.fixture(scope="module")
async def world(settings, communities) -> World:
    a, _ = communities
    tag = secrets.token_hex(3)
    grid = (await create_grid(CADRE, a, f"vv-{tag}", "走访网格")).id
    other_grid = (await create_grid(CADRE, a, f"vw-{tag}", "别的网格")).id
    s = {
        k: f"{k}-{tag}"
        for k in ("elder", "neighbour", "leader", "core", "li", "zhang", "gw", "gw2")
    }
    elder, _ = await _resident(settings, a, grid, f"独居 1 号 {tag}", "王大爷", s["elder"])
    await _resident(settings, a, grid, f"隔壁 2 号 {tag}", "邻居", s["neighbour"])
    people = {}
    for key, name in (
        ("leader", "李队长"),
        ("core", "陈骨干"),
        ("li", "李医生"),
        ("zhang", "张阿姨"),
    ):
        people[key] = await _resident(settings, a, grid, f"{name}家 {tag}", name, s[key])
    for key, g in (("gw", grid), ("gw2", other_grid)):
        await hh.register_staff(
            CADRE, a, hh.StaffInput(s[key], f"网格员{key}", Role.GRID_WORKER, grid_id=g), settings
        )
    team = await groups.register_group(
        CADRE, a, groups.GroupInput(GroupKind.VOLUNTEER_TEAM, f"金色港湾 {tag}", FOUNDED)
    )
    gid = team.group.id
    for key, role in (("leader", GroupRole.LEADER), ("core", GroupRole.CORE)):
        home, res = people[key]
        await groups.add_member(CADRE, a, gid, groups.MemberInput(home, FOUNDED, res, role))
    consent = Consent(date(2026, 1, 1), ConsentHow.WRITTEN)
    volunteers = {}
    for key, skills, days in (
        ("li", (Skill.BLOOD_PRESSURE,), tuple(Weekday)),
        ("zhang", (Skill.CLEANING,), tuple(Weekday)),
    ):
        made = await vh.register_volunteer(
            CADRE, a, gid,
            vh.VolunteerInput(date(2026, 1, 2), consent, resident_id=people[key][1],
                              skills=skills, weekdays=days),
        )  # fmt: skip
        volunteers[key] = made.volunteer.id
    service = await services.create_service(
        CADRE, a, gid,
        services.ServiceInput(title_zh="每日量血压", rrule="FREQ=DAILY", starts_on=date(2026, 1, 1),
                              target_kind=TargetKind.LIST, skill=Skill.BLOOD_PRESSURE),
    )  # fmt: skip
    await services.enrol_household(
        CADRE, a, service.id,
        services.EnrolmentInput(elder, "王大爷本人", localtime.today(), localtime.today()),
    )  # fmt: skip
    return World(
        tag, gid, service.id, elder, s["elder"], s["neighbour"], s["leader"], s["core"],
        volunteers, {"li": s["li"], "zhang": s["zhang"]}, s["gw"], s["gw2"],
    )  # fmt: skip


def resident(subject: str):
    return person(Role.RESIDENT, subject=subject)


def grid_worker(subject: str):
    return person(Role.GRID_WORKER, subject=subject)


_VISIT = "id day status volunteerId notes hours confirmedAt"
SUGGEST = """query($c: String!, $v: ID!) { community(slug: $c) { visitSuggestions(visitId: $v) {
  volunteerId name hasSkill available hoursThisMonth } } }"""
ASSIGN = f"""mutation($c: String!, $v: ID!, $who: ID!) {{
  assignVisit(community: $c, visitId: $v, volunteerId: $who) {{ __typename
    ... on Visit {{ {_VISIT} }} ... on Error {{ code message messageEn }} }} }}"""
REPORT = f"""mutation($c: String!, $v: ID!, $input: VisitReportInput!) {{
  reportVisit(community: $c, visitId: $v, input: $input) {{ __typename
    ... on Visit {{ {_VISIT} }} ... on Error {{ code message messageEn }} }} }}"""
CONFIRM = f"""mutation($c: String!, $v: ID!) {{
  confirmVisit(community: $c, visitId: $v) {{ __typename
    ... on Visit {{ {_VISIT} }} ... on Error {{ code message messageEn }} }} }}"""
HOUSEHOLD = """query($c: String!, $h: ID!, $first: Date!, $last: Date!) { community(slug: $c) {
  household(id: $h) { volunteerVisits(first: $first, last: $last) {
    id day status reading { systolic diastolic pulse note } } } } }"""
# Every way a caller may come to a visit: the household's visits, the team's services'
# visits, their own assignments as a volunteer.
EVERY_PATH = """query($c: String!, $h: ID!, $g: ID!, $first: Date!, $last: Date!) {
  community(slug: $c) {
    household(id: $h) { volunteerVisits(first: $first, last: $last) { id reading { systolic
      diastolic pulse note } } }
    group(id: $g) { volunteerServices { visits(first: $first, last: $last) { id
      reading { systolic diastolic pulse note } } } }
    myVolunteerAssignments(first: $first, last: $last) { id reading { systolic diastolic
      pulse note } } } }"""
MINE = """query($c: String!, $first: Date!, $last: Date!) { community(slug: $c) {
  myVolunteerAssignments(first: $first, last: $last) { id day status reading { systolic } } } }"""


async def visit_on(w: World, offset: int) -> int:
    """The elder's visit ``offset`` days from today: planned by the service for today and
    after; for a past day written as the job would have planned it then (a visit is
    reported on or after its day, so the tests that report use past days)."""
    day = localtime.today() + timedelta(days=offset)
    async with tenant_tx("alpha") as tx:
        await tx.connection.execute(
            "INSERT INTO visits (kind, service_id, group_id, household_id, day, what) "
            "VALUES ('visit', $1, $2, $3, $4, '量血压') ON CONFLICT (service_id, household_id, "
            "day) WHERE service_id IS NOT NULL DO NOTHING",
            w.service,
            w.team,
            w.elder,
            day,
        )
        return await tx.connection.fetchval(
            "SELECT id FROM visits WHERE service_id = $1 AND household_id = $2 AND day = $3",
            w.service,
            w.elder,
            day,
        )


async def row(visit_id: int) -> dict:
    async with tenant_tx("alpha") as tx:
        return dict(
            await tx.connection.fetchrow(
                "SELECT status, volunteer_id, hours, confirmed_at, notes FROM visits WHERE id = $1",
                visit_id,
            )
        )


def span() -> dict[str, str]:
    today = localtime.today()
    return {"first": today.isoformat(), "last": (today + timedelta(days=59)).isoformat()}


async def test_the_suggestion_puts_the_skilled_volunteer_first(gql, world):
    v = await visit_on(world, 0)
    got = await gql(resident(world.leader_subject), SUGGEST, c="alpha", v=str(v))
    ranked = got["community"]["visitSuggestions"]
    assert [(r["name"], r["hasSkill"], r["available"]) for r in ranked] == [
        ("李医生", True, True),
        ("张阿姨", False, True),
    ]
    assert (await gql(resident(world.elder_subject), SUGGEST, c="alpha", v=str(v)))["community"][
        "visitSuggestions"
    ] is None


async def test_assign_report_confirm_and_the_hours_count(gql, world):
    """The leader assigns 李医生; she reports it done with 1.5 hours and a reading; the
    elder confirms; the visit reads done, confirmed, 1.5 hours."""
    v = await visit_on(world, 0)
    leader = resident(world.leader_subject)
    got = await gql(leader, ASSIGN, c="alpha", v=str(v), who=str(world.volunteers["li"]))
    assert got["assignVisit"]["volunteerId"] == str(world.volunteers["li"]), got
    li = resident(world.volunteer_subjects["li"])
    done = await gql(
        li, REPORT, c="alpha", v=str(v),
        input={"done": True, "notes": "精神很好", "hours": "1.5",
               "reading": {"systolic": 135, "diastolic": 85, "pulse": 72, "note": "饭后"}},
    )  # fmt: skip
    assert (done["reportVisit"]["status"], done["reportVisit"]["hours"]) == ("DONE", "1.50")
    mine = await gql(li, MINE, c="alpha", **span())
    assert [a["id"] for a in mine["community"]["myVolunteerAssignments"]] == [str(v)]
    confirmed = await gql(resident(world.elder_subject), CONFIRM, c="alpha", v=str(v))
    assert confirmed["confirmVisit"]["confirmedAt"], confirmed
    again = await gql(resident(world.elder_subject), CONFIRM, c="alpha", v=str(v))
    assert again["confirmVisit"]["code"] == "VISIT_ALREADY_CONFIRMED"
    # Confirmed hours rank the suggestion: 李医生 now has 1.5 hours this month.
    later = await visit_on(world, 1)
    ranked = (await gql(leader, SUGGEST, c="alpha", v=str(later)))["community"]["visitSuggestions"]
    hours = {r["name"]: r["hoursThisMonth"] for r in ranked}
    if (localtime.today() + timedelta(days=1)).month == localtime.today().month:
        assert hours["李医生"] == "1.50"


async def test_the_grid_worker_of_the_grid_confirms_on_the_residents_behalf(gql, world):
    v = await visit_on(world, -2)
    await gql(CADRE, ASSIGN, c="alpha", v=str(v), who=str(world.volunteers["zhang"]))
    zhang = resident(world.volunteer_subjects["zhang"])
    await gql(zhang, REPORT, c="alpha", v=str(v), input={"done": True, "hours": "1"})
    other = await gql(grid_worker(world.other_grid_worker), CONFIRM, c="alpha", v=str(v))
    assert other["confirmVisit"]["code"] == "VISIT_NOT_FOUND"
    neighbour = await gql(resident(world.neighbour_subject), CONFIRM, c="alpha", v=str(v))
    assert neighbour["confirmVisit"]["code"] == "VISIT_NOT_FOUND"  # another household's
    assert (await row(v))["confirmed_at"] is None
    ok = await gql(grid_worker(world.grid_worker), CONFIRM, c="alpha", v=str(v))
    assert ok["confirmVisit"]["confirmedAt"], ok


async def test_who_reads_the_health_reading(gql, world):
    """The reading of the first test's visit: the elder's household, the volunteer who took
    it, the team's leader and core — and nobody else: not a cadre, a grid worker, a council
    member, a county role, another volunteer, a neighbour."""
    v = await visit_on(world, 0)
    readers = {
        "elder": resident(world.elder_subject),
        "volunteer": resident(world.volunteer_subjects["li"]),
        "leader": resident(world.leader_subject),
        "core": resident(world.core_subject),
    }
    others = {
        "cadre": CADRE,
        "grid worker": grid_worker(world.grid_worker),
        "council member": person(Role.COUNCIL_MEMBER),
        "county leader": person(Role.COUNTY_LEADER),
        "county admin": person(Role.COUNTY_ADMIN),
        "other volunteer": resident(world.volunteer_subjects["zhang"]),
        "neighbour": resident(world.neighbour_subject),
    }
    found = {}
    for who, actor in {**readers, **others}.items():
        got = (
            await gql(actor, EVERY_PATH, c="alpha", h=str(world.elder), g=str(world.team), **span())
        )["community"]
        seen = [*((got["household"] or {}).get("volunteerVisits") or [])]
        for svc in (got["group"] or {}).get("volunteerServices") or []:
            seen += svc["visits"]
        seen += got["myVolunteerAssignments"]
        readings = [x["reading"] for x in seen if x["id"] == str(v) and x["reading"]]
        found[who] = readings[0] if readings else None
    reading = {"systolic": 135, "diastolic": 85, "pulse": 72, "note": "饭后"}
    assert {k: found[k] for k in readers} == dict.fromkeys(readers, reading)
    assert {k: found[k] for k in others} == dict.fromkeys(others)
    mine = await gql(readers["volunteer"], MINE, c="alpha", **span())
    assert mine["community"]["myVolunteerAssignments"][0]["reading"]["systolic"] == 135
    async with tenant_tx("alpha") as tx:
        logged = await tx.connection.fetchval(
            "SELECT after::text FROM audit_log WHERE subject = $1 AND action = $2",
            f"visit:{v}",
            "volunteer.visit.report",
        )
    assert "135" not in logged  # the audit says a reading was taken, not its values


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"hours": "-1"}, "HOURS_OUT_OF_RANGE"),
        ({"hours": "25"}, "HOURS_OUT_OF_RANGE"),
        ({"hours": "1.234"}, "HOURS_OUT_OF_RANGE"),
        ({"reading": {"systolic": 1200, "diastolic": 80}}, "INVALID_INPUT"),
        ({"reading": {"systolic": 120}}, "INVALID_INPUT"),
        ({"reading": {"systolic": 80, "diastolic": 120}}, "INVALID_INPUT"),
        ({"done": False, "hours": "2"}, "INVALID_INPUT"),
        ({"notes": "好\x1b"}, "CONTROL_CHARACTERS"),
    ],
)
async def test_bad_reports_are_typed_and_write_nothing(gql, world, data, code):
    v = await visit_on(world, -5)
    await gql(CADRE, ASSIGN, c="alpha", v=str(v), who=str(world.volunteers["li"]))
    before = await row(v)
    li = resident(world.volunteer_subjects["li"])
    got = await gql(li, REPORT, c="alpha", v=str(v), input={"done": True, **data})
    assert got["reportVisit"]["code"] == code, got
    assert got["reportVisit"]["message"] and got["reportVisit"]["messageEn"]
    assert await row(v) == before


async def test_a_volunteers_hours_in_one_day_stay_within_24(gql, world):
    """Two visits on one day: 20 hours on one, then 5 on the other is refused."""
    first, second = await visit_on(world, -6), await visit_on(world, -6)
    assert first == second  # one visit per household and day: use a task for the second
    leader = resident(world.leader_subject)
    await gql(leader, ASSIGN, c="alpha", v=str(first), who=str(world.volunteers["zhang"]))
    async with tenant_tx("alpha") as tx:
        task = await tx.connection.fetchval(
            "INSERT INTO visits (kind, group_id, household_id, day, what, volunteer_id) "
            "VALUES ('task', $1, $2, $3, '打扫', $4) RETURNING id",
            world.team,
            world.elder,
            localtime.today() - timedelta(days=6),
            world.volunteers["zhang"],
        )
    zhang = resident(world.volunteer_subjects["zhang"])
    ok = await gql(zhang, REPORT, c="alpha", v=str(first), input={"done": True, "hours": "20"})
    assert ok["reportVisit"]["status"] == "DONE"
    over = await gql(zhang, REPORT, c="alpha", v=str(task), input={"done": True, "hours": "5"})
    assert over["reportVisit"]["code"] == "HOURS_OVER_A_DAY"
    assert (await row(task))["status"] == "planned"


async def test_assigning_is_for_managers_and_to_a_current_volunteer_of_the_team(gql, world):
    v = await visit_on(world, 7)
    for nobody in (resident(world.elder_subject), grid_worker(world.grid_worker)):
        got = await gql(nobody, ASSIGN, c="alpha", v=str(v), who=str(world.volunteers["li"]))
        assert got["assignVisit"]["code"] in {"VISIT_NOT_FOUND", "FORBIDDEN"}, got
    other_team = await groups.register_group(
        CADRE, "alpha", groups.GroupInput(GroupKind.VOLUNTEER_TEAM, f"别队 {world.tag}", FOUNDED)
    )
    stranger = await vh.register_volunteer(
        CADRE, "alpha", other_team.group.id,
        vh.VolunteerInput(date(2026, 1, 2), Consent(date(2026, 1, 1), ConsentHow.WRITTEN),
                          outside_name="外队", outside_phone="13900000009"),
    )  # fmt: skip
    got = await gql(CADRE, ASSIGN, c="alpha", v=str(v), who=str(stranger.volunteer.id))
    assert got["assignVisit"]["code"] == "VOLUNTEER_OF_ANOTHER_TEAM"
    leaving = await vh.register_volunteer(
        CADRE, "alpha", world.team,
        vh.VolunteerInput(date(2026, 1, 2), Consent(date(2026, 1, 1), ConsentHow.WRITTEN),
                          outside_name="将走", outside_phone="13900000010"),
    )  # fmt: skip
    await vh.end_volunteer(CADRE, "alpha", leaving.volunteer.id, localtime.today())
    got = await gql(CADRE, ASSIGN, c="alpha", v=str(v), who=str(leaving.volunteer.id))
    assert got["assignVisit"]["code"] == "VOLUNTEER_HAS_LEFT"
    assert (await row(v))["volunteer_id"] is None
    # A volunteer not assigned may not report it; nobody reports a cancelled visit.
    zhang = resident(world.volunteer_subjects["zhang"])
    got = await gql(zhang, REPORT, c="alpha", v=str(v), input={"done": True})
    assert got["reportVisit"]["code"] == "VISIT_NOT_FOUND"


async def test_another_communitys_visit_answers_as_missing(gql, world):
    v = await visit_on(world, 8)
    beta = person(Role.COMMUNITY_CADRE, "beta")
    got = await gql(beta, ASSIGN, c="beta", v=str(v), who=str(world.volunteers["li"]))
    assert got["assignVisit"]["code"] in {"VISIT_NOT_FOUND", "VOLUNTEER_NOT_FOUND"}
    got = await gql(beta, ASSIGN, c="alpha", v=str(v), who=str(world.volunteers["li"]))
    assert got["assignVisit"]["code"] == "COMMUNITY_NOT_FOUND"
    assert (await row(v))["volunteer_id"] is None


SIGNALS = """query($c: String!, $since: Date) { community(slug: $c) { safetySignals(since: $since) {
  visitId day householdId teamName gridId } } }"""


async def test_a_missed_visit_to_a_resident_living_alone_is_a_safety_signal(gql, world, settings):
    """The day ends with a visit still planned: the job marks it missed; for an elderly
    person living alone the outbox carries the signal (once) and the grid worker of the
    grid, the team's leader and the cadres see it — the other grid's worker and the
    neighbours do not. (Marking runs for the whole community, as the job does: this is the
    module's last test, and no later module reads the statuses of alpha's visits.)"""
    from services.households.model import Circumstance, Circumstances
    from services.volunteers import missed
    from tenants.tx import platform_tx

    await hh.set_household_circumstances(
        CADRE, "alpha", world.elder, Circumstances.of(Circumstance.ELDERLY_LIVING_ALONE), settings
    )
    v = await visit_on(world, -9)
    day_after = localtime.today()
    marked = await missed.mark_missed("alpha", today=day_after)
    assert marked >= 1 and (await row(v))["status"] == "missed"
    assert await missed.mark_missed("alpha", today=day_after) == 0  # once
    async with platform_tx() as tx:
        events = await tx.raw.fetch(
            "SELECT payload FROM platform.outbox WHERE topic = $1 AND community_slug = 'alpha' "
            "AND (payload->>'visit_id')::int = $2",
            missed.VISIT_MISSED_TOPIC,
            v,
        )
    assert len(events) == 1
    since = (localtime.today() - timedelta(days=30)).isoformat()
    seen = {}
    for who, actor in {
        "grid worker": grid_worker(world.grid_worker),
        "leader": resident(world.leader_subject),
        "cadre": CADRE,
        "other grid worker": grid_worker(world.other_grid_worker),
        "neighbour": resident(world.neighbour_subject),
        "volunteer": resident(world.volunteer_subjects["zhang"]),
    }.items():
        got = await gql(actor, SIGNALS, c="alpha", since=since)
        seen[who] = str(v) in [s["visitId"] for s in got["community"]["safetySignals"]]
    assert seen == {
        "grid worker": True,
        "leader": True,
        "cadre": True,
        "other grid worker": False,
        "neighbour": False,
        "volunteer": False,
    }
    # A missed visit is not assigned any more, but may still be reported, late (by the
    # team's leader for the volunteer); a reported visit is not marked missed again.
    late = await gql(CADRE, ASSIGN, c="alpha", v=str(v), who=str(world.volunteers["zhang"]))
    assert late["assignVisit"]["code"] == "VISIT_NOT_OPEN"
    leader = resident(world.leader_subject)
    done = await gql(leader, REPORT, c="alpha", v=str(v), input={"done": True, "notes": "补记"})
    assert done["reportVisit"]["status"] == "DONE"
    await missed.mark_missed("alpha", today=day_after + timedelta(days=1))
    assert (await row(v))["status"] == "done"
