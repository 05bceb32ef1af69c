"""Volunteers of volunteer teams through the GraphQL schema (two communities, real PostgreSQL):
register with consent, residents and outside people, who sees what (phones), the volunteer's
own record, changes, leaving, bad input that writes nothing, another community's team."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from services.auth.model import Role
from services.grids.handlers import create_grid
from services.groups import handlers as groups
from services.groups.model import GroupKind, GroupRole
from tenants.tx import tenant_tx
from tests.integration.groups_support import homes_with_residents, person, schema_runner

FOUNDED = date(2024, 5, 1)
CADRE = person(Role.COMMUNITY_CADRE)


@pytest.fixture(scope="module")
def gql(settings):
    return schema_runner(settings)


@dataclass
class World:
    tag: str
    team: int  # alpha's volunteer team
    other_group: int  # alpha's elders' association (not a team)
    beta_team: int  # beta's volunteer team
    residents: list[int]  # alpha: 0 the team leader, 1 a plain member, 2..4 others
    subjects: list[str]

    def resident(self, i: int):
        return person(Role.RESIDENT, subject=self.subjects[i])


@pytest.fixture(scope="module")
async def world(settings, communities) -> World:
    a, b = communities
    tag = secrets.token_hex(3)
    cadre_b = person(Role.COMMUNITY_CADRE, b)
    grid = (await create_grid(CADRE, a, f"vg-{tag}", "志愿网格")).id
    made = await homes_with_residents(
        settings, CADRE, a, grid, 5,
        address=f"金港路 {{i}} 号 {tag}", name="志愿者{i}", subject=f"vol-{{i}}-{tag}",
    )  # fmt: skip
    team = await groups.register_group(
        CADRE, a, groups.GroupInput(GroupKind.VOLUNTEER_TEAM, f"金色港湾义工队 {tag}", FOUNDED)
    )
    for i, role in ((0, GroupRole.LEADER), (1, GroupRole.MEMBER)):
        await groups.add_member(
            CADRE,
            a,
            team.group.id,
            groups.MemberInput(made.homes[i], FOUNDED, resident_id=made.residents[i], role=role),
        )
    elders = await groups.register_group(
        CADRE, a, groups.GroupInput(GroupKind.ELDERS, f"老年协会 {tag}", FOUNDED)
    )
    # beta's group and volunteer ids start far above alpha's: an id of one community's
    # names nothing in the other (each schema counts its own ids, so they would collide).
    async with tenant_tx(b) as tx:
        for table in ("groups", "volunteers"):
            await tx.connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"greatest(1000000, (SELECT coalesce(max(id), 0) FROM {table})))"
            )
    beta = await groups.register_group(
        cadre_b, b, groups.GroupInput(GroupKind.VOLUNTEER_TEAM, f"乙队 {tag}", FOUNDED)
    )
    return World(tag, team.group.id, elders.group.id, beta.group.id, made.residents, made.subjects)


FIELDS = """id teamId name phone residentId skills availableWeekdays availabilityNote
  joinedOn leftOn consent { givenOn how note recordedBy }"""
REGISTER = f"""mutation($c: String!, $t: ID!, $input: RegisterVolunteerInput!) {{
  registerVolunteer(community: $c, teamId: $t, input: $input) {{ __typename
    ... on Volunteer {{ {FIELDS} }} ... on Error {{ code message messageEn }} }} }}"""
CHANGE = f"""mutation($c: String!, $id: ID!, $input: ChangeVolunteerInput!) {{
  changeVolunteer(community: $c, id: $id, input: $input) {{ __typename
    ... on Volunteer {{ {FIELDS} }} ... on Error {{ code message messageEn }} }} }}"""
END = """mutation($c: String!, $id: ID!, $on: Date!) {
  endVolunteer(community: $c, id: $id, leftOn: $on) { __typename
    ... on Volunteer { id leftOn } ... on Error { code message messageEn } } }"""
LIST = """query($c: String!, $g: ID!, $left: Boolean! = false, $first: Int! = 50, $after: String) {
  community(slug: $c) { group(id: $g) { volunteers(includeLeft: $left, first: $first,
    after: $after) { totalCount pageInfo { hasNextPage endCursor }
    items { id name phone skills leftOn } } } } }"""
MINE = """query($c: String!) { community(slug: $c) { myVolunteering { id teamId name phone } } }"""

CONSENT = {"givenOn": "2026-11-01", "how": "WRITTEN", "note": "同意书 2026-017"}


def outside(**extra: Any) -> dict[str, Any]:
    data = {
        "joinedOn": "2026-11-02",
        "consent": CONSENT,
        "name": "王医生",
        "phone": f"139{secrets.randbelow(10**8):08d}",
        "skills": ["BLOOD_PRESSURE", "COMPANIONSHIP"],
        "availableWeekdays": ["WEDNESDAY", "MONDAY"],
    }
    return {**data, **extra}


async def register(gql, w: World, actor=CADRE, team: int | None = None, **data) -> dict:
    got = await gql(actor, REGISTER, c="alpha", t=str(team or w.team), input=data)
    return got["registerVolunteer"]


async def volunteers_in(slug: str = "alpha") -> int:
    async with tenant_tx(slug) as tx:
        return await tx.connection.fetchval("SELECT count(*) FROM volunteers")


async def test_the_leader_registers_a_resident_and_an_outside_volunteer(gql, world):
    """A resident of the community (their name and phone come from the resident record) and
    an outside person with a name and phone; skills and weekdays in the vocabulary's order;
    the consent as recorded, by whom."""
    leader = world.resident(0)
    mine = await register(
        gql, world, leader, residentId=str(world.residents[2]), joinedOn="2026-11-02",
        consent=CONSENT, skills=["CLEANING", "REPAIRS", "CLEANING"],
    )  # fmt: skip
    assert mine["__typename"] == "Volunteer", mine
    assert (mine["name"], mine["residentId"], mine["skills"]) == (
        "志愿者2",
        str(world.residents[2]),
        ["REPAIRS", "CLEANING"],
    )
    assert mine["phone"] == "13800000000"  # the leader manages the team: unmasked
    assert mine["consent"] == {**CONSENT, "recordedBy": world.subjects[0]}
    them = await register(gql, world, leader, **outside())
    assert them["__typename"] == "Volunteer", them
    assert (them["name"], them["residentId"], them["availableWeekdays"]) == (
        "王医生",
        None,
        ["MONDAY", "WEDNESDAY"],
    )


async def test_without_consent_nothing_is_kept(gql, world):
    before = await volunteers_in()
    got = await register(gql, world, **outside(consent=None))
    assert got["code"] == "CONSENT_REQUIRED" and got["message"] and got["messageEn"]
    late = await register(gql, world, **outside(consent={**CONSENT, "givenOn": "2026-12-01"}))
    assert late["code"] == "INVALID_INPUT"  # consent given after joining
    assert await volunteers_in() == before


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"name": ""}, "VOLUNTEER_IDENTITY_INVALID"),  # an outside person without a name
        ({"phone": ""}, "VOLUNTEER_IDENTITY_INVALID"),  # ... or a phone
        ({"residentId": "1"}, "VOLUNTEER_IDENTITY_INVALID"),  # a resident AND an outside name
        ({"phone": "call me"}, "INVALID_PHONE"),
        ({"name": "王\x1b[31m医生"}, "CONTROL_CHARACTERS"),
        ({"name": "长" * 51}, "TEXT_TOO_LONG"),
        ({"availabilityNote": "注" * 501}, "TEXT_TOO_LONG"),
        ({"residentId": "x"}, "INVALID_INPUT"),
    ],
)
async def test_bad_volunteer_input_is_typed_and_writes_nothing(gql, world, data, code):
    before = await volunteers_in()
    got = await register(gql, world, **outside(**data))
    assert got["code"] == code, got
    assert got["message"] and got["messageEn"]
    assert await volunteers_in() == before


async def test_a_person_is_a_current_volunteer_of_a_team_once(gql, world):
    data = outside(phone="13911112222")
    assert (await register(gql, world, **data))["__typename"] == "Volunteer"
    again = await register(gql, world, **data)
    assert again["code"] == "ALREADY_A_VOLUNTEER"
    resident = {"residentId": str(world.residents[3]), "joinedOn": "2026-11-02", "consent": CONSENT}
    assert (await register(gql, world, **resident))["__typename"] == "Volunteer"
    assert (await register(gql, world, **resident))["code"] == "ALREADY_A_VOLUNTEER"


async def test_only_a_volunteer_team_has_volunteers(gql, world):
    got = await register(gql, world, team=world.other_group, **outside())
    assert got["code"] == "NOT_A_VOLUNTEER_TEAM"
    listed = await gql(CADRE, LIST, c="alpha", g=str(world.other_group))
    assert listed["community"]["group"]["volunteers"] is None


async def test_who_registers_and_who_reads_volunteers(gql, world):
    """The team's leader and the cadres register; a plain member of the team is Forbidden;
    a grid worker reads the team with phones masked; a resident who is not in the team
    reads no list (null); a council member neither."""
    member = await register(gql, world, world.resident(1), **outside())
    assert member["code"] == "FORBIDDEN"
    grid = await register(gql, world, person(Role.GRID_WORKER), **outside())
    assert grid["code"] == "FORBIDDEN"
    made = await register(gql, world, **outside(phone="13812345678"))
    seen = await gql(person(Role.GRID_WORKER), LIST, c="alpha", g=str(world.team))
    phones = {i["id"]: i["phone"] for i in seen["community"]["group"]["volunteers"]["items"]}
    assert phones[made["id"]] == "138****5678"
    by_leader = await gql(world.resident(0), LIST, c="alpha", g=str(world.team))
    items = by_leader["community"]["group"]["volunteers"]["items"]
    assert {i["id"]: i["phone"] for i in items}[made["id"]] == "13812345678"
    for nobody in (world.resident(4), world.resident(1), person(Role.COUNCIL_MEMBER)):
        listed = await gql(nobody, LIST, c="alpha", g=str(world.team))
        assert listed["community"]["group"] is None or (
            listed["community"]["group"]["volunteers"] is None
        )


async def test_a_volunteer_reads_their_own_record(gql, world):
    made = await register(
        gql, world, residentId=str(world.residents[4]), joinedOn="2026-11-03", consent=CONSENT
    )
    assert made["__typename"] == "Volunteer", made
    mine = await gql(world.resident(4), MINE, c="alpha")
    assert [(v["id"], v["phone"]) for v in mine["community"]["myVolunteering"]] == [
        (made["id"], "13800000000")
    ]
    assert (await gql(world.resident(1), MINE, c="alpha"))["community"]["myVolunteering"] == []


async def test_a_volunteer_is_changed_then_leaves_and_the_record_stays(gql, world):
    made = await register(gql, world, **outside())
    changed = await gql(
        CADRE, CHANGE, c="alpha", id=made["id"],
        input={"skills": ["ERRANDS"], "availabilityNote": "周末上午"},
    )  # fmt: skip
    v = changed["changeVolunteer"]
    assert (v["skills"], v["availableWeekdays"], v["availabilityNote"]) == (
        ["ERRANDS"],
        ["MONDAY", "WEDNESDAY"],  # not given: unchanged
        "周末上午",
    )
    early = await gql(CADRE, END, c="alpha", id=made["id"], on="2026-11-01")
    assert early["endVolunteer"]["code"] == "INVALID_INPUT"  # before joining
    left = await gql(CADRE, END, c="alpha", id=made["id"], on="2026-11-30")
    assert left["endVolunteer"]["leftOn"] == "2026-11-30"
    again = await gql(CADRE, END, c="alpha", id=made["id"], on="2026-12-01")
    assert again["endVolunteer"]["code"] == "VOLUNTEER_HAS_LEFT"
    late = await gql(CADRE, CHANGE, c="alpha", id=made["id"], input={"skills": []})
    assert late["changeVolunteer"]["code"] == "VOLUNTEER_HAS_LEFT"
    current = await gql(CADRE, LIST, c="alpha", g=str(world.team))
    everyone = await gql(CADRE, LIST, c="alpha", g=str(world.team), left=True)
    ids = [i["id"] for i in current["community"]["group"]["volunteers"]["items"]]
    all_ids = [i["id"] for i in everyone["community"]["group"]["volunteers"]["items"]]
    assert made["id"] not in ids and made["id"] in all_ids
    async with tenant_tx("alpha") as tx:
        logged = await tx.connection.fetch(
            "SELECT action FROM audit_log WHERE subject = $1 ORDER BY id", f"volunteer:{made['id']}"
        )
    assert [r["action"] for r in logged] == [
        "volunteer.register",
        "volunteer.change",
        "volunteer.leave",
    ]


async def test_volunteers_page_in_order_with_a_total(gql, world):
    for _ in range(3):
        await register(gql, world, **outside())
    first = await gql(CADRE, LIST, c="alpha", g=str(world.team), first=2)
    page = first["community"]["group"]["volunteers"]
    assert len(page["items"]) == 2 and page["pageInfo"]["hasNextPage"]
    rest = await gql(
        CADRE, LIST, c="alpha", g=str(world.team), first=200, after=page["pageInfo"]["endCursor"]
    )
    more = rest["community"]["group"]["volunteers"]
    ids = [int(i["id"]) for i in page["items"] + more["items"]]
    assert ids == sorted(ids) and len(ids) == page["totalCount"] == more["totalCount"]


async def test_another_communitys_team_and_volunteer_answer_as_missing(gql, world):
    """alpha's cadre naming beta's team finds no group; beta's cadre naming alpha's
    volunteer finds no volunteer; nothing written in either community."""
    before = await volunteers_in("beta")
    got = await register(gql, world, team=world.beta_team, **outside())
    assert got["code"] == "GROUP_NOT_FOUND"
    made = await register(gql, world, **outside())
    beta_cadre = person(Role.COMMUNITY_CADRE, "beta")
    other = await gql(beta_cadre, END, c="beta", id=made["id"], on="2026-11-30")
    assert other["endVolunteer"]["code"] == "VOLUNTEER_NOT_FOUND"
    wrong = await gql(beta_cadre, END, c="alpha", id=made["id"], on="2026-11-30")
    assert wrong["endVolunteer"]["code"] == "COMMUNITY_NOT_FOUND"
    assert await volunteers_in("beta") == before
