"""A referral to a volunteer team becomes help that is followed (two communities, real
PostgreSQL): the blood-pressure request referred to Golden Harbour enrols the household in
the 25th-of-month service (or a one-off task) with the resident's consent, in one
transaction with the referral; the matter shows who helps and the next visit; the team's
decline ends the help through the outbox; bad input writes nothing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from services import localtime
from services.auth.model import Role
from services.grids.handlers import create_grid
from services.groups import handlers as groups
from services.groups import referrals as group_referrals
from services.groups.model import GroupKind, GroupRole
from services.households import handlers as hh
from services.matters.model import MatterKind
from services.volunteers import actors, services
from services.volunteers.model import TargetKind
from tenants.tx import platform_tx, tenant_tx
from tests.integration.groups_support import decided_matter, person, schema_runner

FOUNDED = date(2024, 5, 1)
CADRE = person(Role.COMMUNITY_CADRE)


@pytest.fixture(scope="module")
def gql(settings):
    return schema_runner(settings)


@dataclass
class World:
    tag: str
    team: int
    service: int  # the team's monthly 25th blood-pressure service (a list)
    other_team_service: int  # another team's service
    homes: list[int]
    leader: str


@pytest.fixture(scope="module")
async def world(settings, communities) -> World:
    a, _ = communities
    tag = secrets.token_hex(3)
    grid = (await create_grid(CADRE, a, f"vr-{tag}", "转介网格")).id
    homes = []
    leader_subject = f"vr-leader-{tag}"
    for i in range(4):
        h = await hh.create_household(
            CADRE, a, hh.HouseholdInput(grid, f"老人 {i} 号 {tag}", 1), settings
        )
        homes.append(h.id)
    leader_res = await hh.add_resident(
        CADRE, a, homes[0], hh.ResidentInput("李队长", "13800000001", leader_subject), settings
    )
    team = await groups.register_group(
        CADRE, a, groups.GroupInput(GroupKind.VOLUNTEER_TEAM, f"金色港湾义工队 {tag}", FOUNDED)
    )
    await groups.add_member(
        CADRE,
        a,
        team.group.id,
        groups.MemberInput(homes[0], FOUNDED, resident_id=leader_res.id, role=GroupRole.LEADER),
    )
    service = await services.create_service(
        CADRE,
        a,
        team.group.id,
        services.ServiceInput(
            title_zh="每月25日量血压",
            rrule="FREQ=MONTHLY;BYMONTHDAY=25",
            starts_on=date(2026, 1, 25),
            target_kind=TargetKind.LIST,
        ),
    )
    other = await groups.register_group(
        CADRE, a, groups.GroupInput(GroupKind.VOLUNTEER_TEAM, f"别的队 {tag}", FOUNDED)
    )
    other_service = await services.create_service(
        CADRE,
        a,
        other.group.id,
        services.ServiceInput(
            title_zh="周二保洁",
            rrule="FREQ=WEEKLY;BYDAY=TU",
            starts_on=date(2026, 1, 6),
            target_kind=TargetKind.LIST,
        ),
    )
    return World(tag, team.group.id, service.id, other_service.id, homes, leader_subject)


REFER = """mutation($c: String!, $m: ID!, $t: ID!, $input: ReferToVolunteerTeamInput!) {
  referMatterToVolunteerTeam(community: $c, matterId: $m, teamId: $t, input: $input) {
    __typename ... on Referral { id status groupName group { id } }
    ... on Error { code message messageEn } } }"""
HELP = """query($c: String!, $m: ID!) { community(slug: $c) { matter(id: $m) {
  referrals { id status actNote }
  volunteerHelp { kind teamNameZh title active endedReason summaryZh summaryEn
    nextVisit { day status kind } lastVisit { day status } } } } }"""
DECLINE = """mutation($c: String!, $r: ID!, $why: String!) {
  declineGroupReferral(community: $c, referralId: $r, reason: $why) { __typename
    ... on Referral { id status } ... on Error { code } } }"""

CONSENT = {"by": "王大爷本人", "on": "2026-12-01", "note": "电话中同意"}


def next_25th() -> date:
    today = localtime.today()
    day = today.replace(day=25)
    if day < today:
        day = (today.replace(day=1) + timedelta(days=32)).replace(day=25)
    return day


async def private_matter(settings, w: World, home: int) -> int:
    return await decided_matter(settings, CADRE, "alpha", w.homes[home], MatterKind.PRIVATE)


async def counts(matter_id: int) -> tuple[int, int, int]:
    async with tenant_tx("alpha") as tx:
        conn = tx.connection
        return (
            await conn.fetchval("SELECT count(*) FROM referrals WHERE matter_id = $1", matter_id),
            await conn.fetchval(
                "SELECT count(*) FROM service_enrolments WHERE matter_id = $1", matter_id
            ),
            await conn.fetchval("SELECT count(*) FROM visits WHERE matter_id = $1", matter_id),
        )


async def test_the_blood_pressure_request_is_enrolled_in_the_25th_service(gql, settings, world):
    """Referred with the resident's consent: the household is enrolled in the service, its
    visits planned at once, and the matter reads "金色港湾义工队 · 下次服务 12月25日"."""
    mid = await private_matter(settings, world, 1)
    got = await gql(
        CADRE, REFER, c="alpha", m=str(mid), t=str(world.team),
        input={"serviceId": str(world.service), "consent": CONSENT, "note": "每月25日上门"},
    )  # fmt: skip
    referral = got["referMatterToVolunteerTeam"]
    assert referral["__typename"] == "Referral", referral
    assert (referral["status"], referral["group"]["id"]) == ("REFERRED", str(world.team))
    shown = (await gql(CADRE, HELP, c="alpha", m=str(mid)))["community"]["matter"]
    (help_,) = shown["volunteerHelp"]
    day = next_25th()
    assert (help_["kind"], help_["title"], help_["active"]) == ("service", "每月25日量血压", True)
    assert help_["nextVisit"] == {"day": day.isoformat(), "status": "PLANNED", "kind": "VISIT"}
    assert help_["summaryZh"] == f"金色港湾义工队 {world.tag} · 下次服务 {day.month}月{day.day}日"
    assert help_["summaryEn"].endswith(f"next visit {day.day} {day.strftime('%b')}")
    async with tenant_tx("alpha") as tx:
        enrolled = await tx.connection.fetchrow(
            "SELECT household_id, consent_by, consent_note, referral_id FROM service_enrolments "
            "WHERE matter_id = $1",
            mid,
        )
    assert dict(enrolled) == {
        "household_id": world.homes[1],
        "consent_by": "王大爷本人",
        "consent_note": "电话中同意",
        "referral_id": int(referral["id"]),
    }


async def test_a_one_off_task_is_the_next_visit(gql, settings, world):
    mid = await private_matter(settings, world, 2)
    day = localtime.today() + timedelta(days=3)
    got = await gql(
        CADRE, REFER, c="alpha", m=str(mid), t=str(world.team),
        input={"task": {"day": day.isoformat(), "what": "陪同去医院复查"}, "consent": CONSENT},
    )  # fmt: skip
    assert got["referMatterToVolunteerTeam"]["__typename"] == "Referral", got
    (help_,) = (await gql(CADRE, HELP, c="alpha", m=str(mid)))["community"]["matter"][
        "volunteerHelp"
    ]
    assert (help_["kind"], help_["title"]) == ("task", "陪同去医院复查")
    assert help_["nextVisit"] == {"day": day.isoformat(), "status": "PLANNED", "kind": "TASK"}


async def test_the_teams_decline_ends_the_help_and_the_community_sees_why(gql, settings, world):
    """The leader declines with a reason: the decline is written to the outbox in its
    transaction, the actor ends the enrolment and cancels the planned visits; the matter
    shows the help ended, with the reason. Running the actor again changes nothing."""
    mid = await private_matter(settings, world, 3)
    made = await gql(
        CADRE, REFER, c="alpha", m=str(mid), t=str(world.team),
        input={"serviceId": str(world.service), "consent": CONSENT},
    )  # fmt: skip
    rid = made["referMatterToVolunteerTeam"]["id"]
    leader = person(Role.RESIDENT, subject=world.leader)
    no = await gql(leader, DECLINE, c="alpha", r=rid, why="本月人手不足，请转其他队")
    assert no["declineGroupReferral"]["status"] == "DECLINED"
    async with platform_tx() as tx:
        queued = await tx.raw.fetch(
            "SELECT payload FROM platform.outbox WHERE topic = $1 AND community_slug = 'alpha' "
            "AND payload->>'referral_id' = $2",
            group_referrals.REFERRAL_DECLINED_TOPIC,
            rid,
        )
    assert len(queued) == 1
    cancelled = await actors.end_help("alpha", int(rid))
    assert cancelled >= 1
    assert await actors.end_help("alpha", int(rid)) == 0  # idempotent
    shown = (await gql(CADRE, HELP, c="alpha", m=str(mid)))["community"]["matter"]
    (help_,) = shown["volunteerHelp"]
    assert (help_["active"], help_["nextVisit"]) == (False, None)
    assert "本月人手不足" in help_["endedReason"]
    assert help_["summaryZh"].endswith("已结束")
    assert shown["referrals"][0]["actNote"] == "本月人手不足，请转其他队"
    async with tenant_tx("alpha") as tx:
        planned = await tx.connection.fetchval(
            "SELECT count(*) FROM visits WHERE service_id = $1 AND household_id = $2 "
            "AND status = 'planned'",
            world.service,
            world.homes[3],
        )
    assert planned == 0


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"consent": None}, "RESIDENT_CONSENT_REQUIRED"),
        ({"serviceId": None}, "INVALID_INPUT"),  # neither a service nor a task
        ({"task": {"day": "2027-01-05", "what": "修水管"}}, "INVALID_INPUT"),  # both
        ({"serviceId": "OTHER"}, "VOLUNTEER_SERVICE_NOT_FOUND"),  # another team's service
        ({"serviceId": "999999"}, "VOLUNTEER_SERVICE_NOT_FOUND"),
        ({"consent": {**CONSENT, "by": ""}}, "INVALID_INPUT"),
        ({"consent": {**CONSENT, "on": "2099-01-01"}}, "INVALID_INPUT"),
        ({"consent": {**CONSENT, "note": "同\x07意"}}, "CONTROL_CHARACTERS"),
        ({"note": "注" * 1001}, "TEXT_TOO_LONG"),
    ],
)
async def test_bad_referral_input_is_typed_and_writes_nothing(gql, settings, world, data, code):
    mid = await private_matter(settings, world, 1)
    base = {"serviceId": str(world.service), "consent": CONSENT}
    if data.get("serviceId") == "OTHER":
        data = {**data, "serviceId": str(world.other_team_service)}
    got = await gql(CADRE, REFER, c="alpha", m=str(mid), t=str(world.team), input={**base, **data})
    err = got["referMatterToVolunteerTeam"]
    assert err["code"] == code, err
    assert err["message"] and err["messageEn"]
    assert await counts(mid) == (0, 0, 0)


async def test_a_task_in_the_past_and_a_major_matter_are_refused(gql, settings, world):
    mid = await private_matter(settings, world, 2)
    past = (localtime.today() - timedelta(days=1)).isoformat()
    got = await gql(
        CADRE, REFER, c="alpha", m=str(mid), t=str(world.team),
        input={"task": {"day": past, "what": "修水管"}, "consent": CONSENT},
    )  # fmt: skip
    assert got["referMatterToVolunteerTeam"]["code"] == "INVALID_INPUT"
    major = await decided_matter(settings, CADRE, "alpha", world.homes[2], MatterKind.MAJOR)
    got = await gql(
        CADRE, REFER, c="alpha", m=str(major), t=str(world.team),
        input={"serviceId": str(world.service), "consent": CONSENT},
    )  # fmt: skip
    assert got["referMatterToVolunteerTeam"]["code"] == "WRONG_KIND"
    assert await counts(major) == (0, 0, 0) and await counts(mid) == (0, 0, 0)


async def test_a_household_already_enrolled_is_refused_and_nothing_is_referred(
    gql, settings, world
):
    """Home 1 is in the service already (the first test): a second referral of another of
    its matters into the same service is refused — and the referral itself is not kept."""
    first = await private_matter(settings, world, 1)
    data = {"serviceId": str(world.service), "consent": CONSENT}
    await gql(CADRE, REFER, c="alpha", m=str(first), t=str(world.team), input=data)
    mid = await private_matter(settings, world, 1)
    got = await gql(CADRE, REFER, c="alpha", m=str(mid), t=str(world.team), input=data)
    assert got["referMatterToVolunteerTeam"]["code"] == "ALREADY_ENROLLED"
    assert await counts(mid) == (0, 0, 0)


async def test_only_staff_refer_and_only_to_a_volunteer_team(gql, settings, world):
    mid = await private_matter(settings, world, 2)
    data = {"serviceId": str(world.service), "consent": CONSENT}
    for nobody in (person(Role.RESIDENT, subject=world.leader), person(Role.COUNCIL_MEMBER)):
        got = await gql(nobody, REFER, c="alpha", m=str(mid), t=str(world.team), input=data)
        assert got["referMatterToVolunteerTeam"]["code"] == "FORBIDDEN"
    elders = await groups.register_group(
        CADRE, "alpha", groups.GroupInput(GroupKind.ELDERS, f"老年协会 {world.tag}", FOUNDED)
    )
    got = await gql(CADRE, REFER, c="alpha", m=str(mid), t=str(elders.group.id), input=data)
    assert got["referMatterToVolunteerTeam"]["code"] == "NOT_A_VOLUNTEER_TEAM"
    grid = await gql(person(Role.GRID_WORKER), REFER, c="alpha", m=str(mid), t=str(world.team),
                     input=data)  # fmt: skip
    assert grid["referMatterToVolunteerTeam"]["__typename"] == "Referral"
    referrals, enrolments, _ = await counts(mid)
    assert (referrals, enrolments) == (1, 1)


async def test_a_team_that_is_not_in_the_community_answers_as_missing(gql, settings, world):
    """No team by that id in alpha (beta's ids start elsewhere): GROUP_NOT_FOUND."""
    mid = await private_matter(settings, world, 2)
    data = {"serviceId": str(world.service), "consent": CONSENT}
    got = await gql(CADRE, REFER, c="alpha", m=str(mid), t="987654", input=data)
    assert got["referMatterToVolunteerTeam"]["code"] == "GROUP_NOT_FOUND"
    other = await gql(
        person(Role.COMMUNITY_CADRE, "beta"), REFER, c="alpha", m=str(mid), t=str(world.team),
        input=data,
    )  # fmt: skip
    assert other["referMatterToVolunteerTeam"]["code"] == "COMMUNITY_NOT_FOUND"
    assert await counts(mid) == (0, 0, 0)
