"""Households through the GraphQL schema: masking per role, isolation, permissions, pages."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import pytest

from services.api.kit.loaders import Loaders
from services.api.kit.request import SanshiContext
from services.api.schema import build_schema
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.grids.handlers import create_grid
from services.households import handlers as hh
from services.households.model import Circumstance, Circumstances
from tenants.db import statements

COUNTY = "testcounty"
PHONE = "13812345678"
MASKED = "138****5678"


def person(role: Role, slug: str = "alpha", subject: str | None = None) -> Principal:
    """A principal of ``role`` in community ``slug`` (county roles: the test county)."""
    county_wide = role in {Role.COUNTY_ADMIN, Role.COUNTY_LEADER}
    if role is Role.DEPARTMENT_OFFICER:
        scope = Scope(ScopeKind.DEPARTMENT, "transport", COUNTY)
    else:
        scope = Scope(ScopeKind.COUNTY, COUNTY) if county_wide else Scope(ScopeKind.COMMUNITY, slug)
    return Principal(subject or f"{role.value}-{slug}", frozenset({role}), scope)


@pytest.fixture(scope="module")
def schema(settings):
    return build_schema(settings)


@pytest.fixture(scope="module")
def gql(schema, settings):
    """Run a document as ``principal``; returns (data, errors)."""

    async def run(principal: Principal | None, query: str, **variables: Any):
        ctx = SanshiContext(
            settings=settings, request_id="test", principal=principal, loaders=Loaders()
        )
        result = await schema.execute(query, variable_values=variables, context_value=ctx)
        return result.data, result.errors

    return run


@dataclass
class World:
    """Two communities with a grid, households and residents each."""

    tag: str
    grid_a: int
    grid_b: int
    own: int  # alpha household of the resident `own_subject`
    other: int  # another alpha household (a neighbour)
    in_b: int  # a beta household whose id alpha does not have
    own_subject: str
    other_subject: str


@pytest.fixture(scope="module")
async def world(settings, communities) -> World:
    a, b = communities
    tag = secrets.token_hex(3)
    cadre_a, cadre_b = person(Role.COMMUNITY_CADRE, a), person(Role.COMMUNITY_CADRE, b)
    grid_a = (await create_grid(cadre_a, a, f"hg-{tag}", "住户测试网格")).id
    grid_b = (await create_grid(cadre_b, b, f"hg-{tag}", "住户测试网格")).id
    alone = Circumstances.of(Circumstance.ELDERLY_LIVING_ALONE, Circumstance.SUBSISTENCE_ALLOWANCE)
    own = await hh.create_household(
        cadre_a,
        a,
        hh.HouseholdInput(grid_a, f"东海路 1 号 {tag}", 1, alone, "儿子在外地"),
        settings,
    )
    other = await hh.create_household(
        cadre_a, a, hh.HouseholdInput(grid_a, f"东海路 2 号 {tag}", 3), settings
    )
    own_subject, other_subject = f"res-own-{tag}", f"res-other-{tag}"
    await hh.add_resident(
        cadre_a, a, own.id, hh.ResidentInput("王阿婆", PHONE, own_subject), settings
    )
    await hh.add_resident(
        cadre_a, a, other.id, hh.ResidentInput("张三", "13900001111", other_subject), settings
    )
    # Make beta's newest household an id alpha does not have.
    in_b = 0
    while in_b <= other.id + 5:
        in_b = (
            await hh.create_household(
                cadre_b, b, hh.HouseholdInput(grid_b, f"乙社区路 {tag}", 2, alone), settings
            )
        ).id
    return World(tag, grid_a, grid_b, own.id, other.id, in_b, own_subject, other_subject)


HOUSEHOLD_Q = """
query($slug: String!, $id: ID!) {
  community(slug: $slug) {
    household(id: $id) {
      id address size notes
      grid { id }
      circumstances { elderlyLivingAlone subsistenceAllowance renting
                      flags { circumstance labelZh labelEn } }
      residents { name phone subject }
    }
  }
}"""

FULL = {"circumstances": True, "notes": True, "phone": PHONE, "subject": True}
# role -> what it sees of its own community's household (None: the household is not visible)
MATRIX = {
    "county_admin": {"circumstances": False, "notes": False, "phone": MASKED, "subject": False},
    "county_leader": {"circumstances": False, "notes": False, "phone": MASKED, "subject": False},
    "community_cadre": FULL,
    "grid_worker": {"circumstances": True, "notes": True, "phone": PHONE, "subject": False},
    "council_member": {"circumstances": True, "notes": True, "phone": MASKED, "subject": False},
    "resident_own": {"circumstances": False, "notes": False, "phone": MASKED, "subject": False},
    "resident_other": None,
    "department_officer": None,
}


def _who(name: str, w: World) -> Principal:
    if name == "resident_own":
        return person(Role.RESIDENT, subject=w.own_subject)
    if name == "resident_other":
        return person(Role.RESIDENT, subject=w.other_subject)
    return person(Role(name))


@pytest.mark.parametrize("who", list(MATRIX))
async def test_masking_matrix(gql, world, who):
    """Each role sees circumstances, notes, phones and subjects exactly as the matrix says."""
    data, errors = await gql(_who(who, world), HOUSEHOLD_Q, slug="alpha", id=str(world.own))
    assert errors is None
    expected = MATRIX[who]
    if expected is None:
        household = (data["community"] or {}).get("household")
        assert household is None
        return
    h = data["community"]["household"]
    assert h["id"] == str(world.own) and h["grid"] == {"id": str(world.grid_a)}
    if expected["circumstances"]:
        assert h["circumstances"]["elderlyLivingAlone"] is True
        assert h["circumstances"]["renting"] is False
        assert [f["labelZh"] for f in h["circumstances"]["flags"]] == ["独居老人", "低保"]
    else:
        assert h["circumstances"] is None
    assert h["notes"] == ("儿子在外地" if expected["notes"] else None)
    [resident] = h["residents"]
    assert resident["name"] == "王阿婆" and resident["phone"] == expected["phone"]
    assert resident["subject"] == (world.own_subject if expected["subject"] else None)


async def test_resident_neighbour_and_missing_household_look_identical(gql, world):
    """A resident's neighbour's household, a missing id and another community's id: all null."""
    resident = person(Role.RESIDENT, subject=world.own_subject)
    answers = []
    for hid in (str(world.other), str(world.in_b), "999999", "not-a-number"):
        data, errors = await gql(resident, HOUSEHOLD_Q, slug="alpha", id=hid)
        answers.append((data, errors))
    assert all(a == ({"community": {"household": None}}, None) for a in answers)


async def test_resident_of_alpha_cannot_see_beta(gql, world):
    """Beta's household read by alpha's resident and cadre: the community itself is null."""
    for who in (person(Role.RESIDENT, subject=world.own_subject), person(Role.COMMUNITY_CADRE)):
        data, errors = await gql(who, HOUSEHOLD_Q, slug="beta", id=str(world.in_b))
        assert (data, errors) == ({"community": None}, None)


async def test_household_of_beta_is_missing_in_alpha_for_alpha_cadre(gql, world):
    """An id that exists only in beta is null inside alpha, even for alpha's cadre."""
    data, errors = await gql(
        person(Role.COMMUNITY_CADRE), HOUSEHOLD_Q, slug="alpha", id=str(world.in_b)
    )
    assert (data, errors) == ({"community": {"household": None}}, None)


LIST_Q = """
query($slug: String!, $filter: HouseholdFilterInput, $first: Int!, $after: String) {
  community(slug: $slug) {
    households(filter: $filter, first: $first, after: $after) {
      totalCount hasNextPage endCursor nodes { id address circumstances { renting } }
    }
  }
}"""


async def test_resident_lists_only_their_own_household(gql, world):
    """The household list of a resident holds their own household and nothing else."""
    data, errors = await gql(
        person(Role.RESIDENT, subject=world.own_subject), LIST_Q, slug="alpha", first=50
    )
    assert errors is None
    page = data["community"]["households"]
    assert page["totalCount"] == 1 and [n["id"] for n in page["nodes"]] == [str(world.own)]


async def test_unlinked_resident_lists_nothing(gql, world):
    """A resident whose login is linked to no household sees an empty list."""
    data, _ = await gql(person(Role.RESIDENT, subject="nobody"), LIST_Q, slug="alpha", first=5)
    assert data["community"]["households"] == {
        "totalCount": 0,
        "hasNextPage": False,
        "endCursor": None,
        "nodes": [],
    }


async def test_pages_filter_by_grid_and_search_address(gql, world, settings):
    """Paging by cursor walks every match once; grid filter and address search narrow it."""
    cadre = person(Role.COMMUNITY_CADRE)
    grid = (await create_grid(cadre, "alpha", f"pg-{world.tag}", "分页网格")).id
    made = [
        (
            await hh.create_household(
                cadre, "alpha", hh.HouseholdInput(grid, f"海滨路 {i} 号 100%"), settings
            )
        ).id
        for i in range(5)
    ]
    seen, after = [], None
    while True:
        data, errors = await gql(
            cadre, LIST_Q, slug="alpha", filter={"gridId": str(grid)}, first=2, after=after
        )
        assert errors is None
        page = data["community"]["households"]
        assert page["totalCount"] == 5
        seen += [int(n["id"]) for n in page["nodes"]]
        if not page["hasNextPage"]:
            break
        after = page["endCursor"]
    assert seen == made
    data, _ = await gql(
        cadre, LIST_Q, slug="alpha", filter={"addressContains": "海滨路 3 号 100%"}, first=10
    )
    assert [int(n["id"]) for n in data["community"]["households"]["nodes"]] == [made[3]]
    # % is a literal, not a wildcard: "路 _ 号" matches nothing.
    data, _ = await gql(
        cadre, LIST_Q, slug="alpha", filter={"addressContains": "路 _ 号"}, first=10
    )
    assert data["community"]["households"]["totalCount"] == 0


async def test_circumstance_filter_for_roles_that_may_see_them(gql, world):
    """A council member filters by circumstance; a county admin is refused with FORBIDDEN."""
    flt = {"circumstances": ["ELDERLY_LIVING_ALONE", "SUBSISTENCE_ALLOWANCE"]}
    data, errors = await gql(
        person(Role.COUNCIL_MEMBER), LIST_Q, slug="alpha", filter=flt, first=100
    )
    assert errors is None
    ids = {n["id"] for n in data["community"]["households"]["nodes"]}
    assert str(world.own) in ids and str(world.other) not in ids
    data, errors = await gql(person(Role.COUNTY_ADMIN), LIST_Q, slug="alpha", filter=flt, first=5)
    assert data == {"community": {"households": None}}
    assert [e.extensions["code"] for e in errors] == ["FORBIDDEN"]
    assert "无权" in errors[0].message and "not allowed" in errors[0].extensions["messageEn"]


async def test_bad_page_arguments_are_refused_not_masked(gql, world):
    """first out of 1..100 and a forged cursor are client errors with codes, not 500s."""
    cadre = person(Role.COMMUNITY_CADRE)
    for kwargs in ({"first": 0}, {"first": 101}, {"first": 5, "after": "bm9wZQ=="}):
        data, errors = await gql(cadre, LIST_Q, slug="alpha", **kwargs)
        assert data == {"community": {"households": None}}
        assert [e.extensions["code"] for e in errors] in (["INVALID_PAGE"], ["INVALID_INPUT"])


async def test_page_with_residents_costs_constant_statements(gql, world, settings):
    """A page of households with their residents and grids: the same SQL count for 3 or 30."""
    cadre = person(Role.COMMUNITY_CADRE)
    counts = []
    for n in (3, 30):
        grid = (await create_grid(cadre, "alpha", f"sc{n}-{world.tag}", "计数网格")).id
        rows = [
            hh.BulkHousehold(
                hh.HouseholdInput(grid, f"计数路 {i} 号"), [hh.ResidentInput(f"居民{i}", PHONE)]
            )
            for i in range(n)
        ]
        await hh.create_households_bulk(cadre, "alpha", rows, settings)
        query = LIST_Q.replace("renting }", "renting } grid { code } residents { phone }")
        with statements() as log:
            data, errors = await gql(
                cadre, query, slug="alpha", filter={"gridId": str(grid)}, first=50
            )
        assert errors is None and len(data["community"]["households"]["nodes"]) == n
        counts.append(len(log))
    assert counts[0] == counts[1]


async def test_staff_list_masks_per_role(gql, world, settings):
    """Cadres see staff subjects and phones; council members see masked phones; residents none."""
    cadre = person(Role.COMMUNITY_CADRE)
    subject = f"gw-{world.tag}"
    await hh.register_staff(
        cadre,
        "alpha",
        hh.StaffInput(subject, "李网格", Role.GRID_WORKER, world.grid_a, PHONE),
        settings,
    )
    q = '{ community(slug: "alpha") { staff { subject name role phone grid { id } active } } }'
    data, _ = await gql(cadre, q)
    mine = [s for s in data["community"]["staff"] if s["subject"] == subject]
    assert mine == [
        {
            "subject": subject,
            "name": "李网格",
            "role": "GRID_WORKER",
            "phone": PHONE,
            "grid": {"id": str(world.grid_a)},
            "active": True,
        }
    ]
    data, _ = await gql(person(Role.COUNCIL_MEMBER), q)
    names = {(s["name"], s["phone"], s["subject"]) for s in data["community"]["staff"]}
    assert ("李网格", MASKED, None) in names
    data, _ = await gql(person(Role.RESIDENT, subject=world.own_subject), q)
    assert data == {"community": {"staff": []}}


# -- permission matrix for writes ------------------------------------------------------------
WRITES = {
    "createHousehold": (
        "mutation($c: String!, $g: ID!) { r: createHousehold(community: $c, "
        'input: {gridId: $g, address: "矩阵路 1 号"}) { __typename } }'
    ),
    "updateHousehold": (
        "mutation($c: String!, $h: ID!) { r: updateHousehold(community: $c, id: $h, "
        "input: {size: 2}) { __typename } }"
    ),
    "setHouseholdCircumstances": (
        "mutation($c: String!, $h: ID!) { r: setHouseholdCircumstances(community: $c, id: $h, "
        "input: {circumstances: [RENTING]}) { __typename } }"
    ),
    "addResident": (
        "mutation($c: String!, $h: ID!) { r: addResident(community: $c, householdId: $h, "
        'input: {name: "矩阵"}) { __typename } }'
    ),
    "registerStaff": (
        "mutation($c: String!, $s: String!) { r: registerStaff(community: $c, "
        'input: {subject: $s, name: "矩阵", role: GRID_WORKER}) { __typename } }'
    ),
}
SUCCESS = {"registerStaff": "Staff", "addResident": "Resident"}


def expected_write(op: str, role: Role) -> str:
    """What the permission matrix says ``role`` gets from ``op`` in its own community."""
    if role is Role.DEPARTMENT_OFFICER:
        return "CommunityNotFoundError"  # cannot even see the community
    writers = (
        {Role.COMMUNITY_CADRE}
        if op == "registerStaff"
        else {
            Role.COMMUNITY_CADRE,
            Role.GRID_WORKER,
        }
    )
    return SUCCESS.get(op, "Household") if role in writers else "ForbiddenError"


@pytest.mark.parametrize("op", list(WRITES))
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
async def test_permission_matrix_for_writes(gql, world, op, role):
    """role × household operation -> the success type or ForbiddenError (as the matrix says)."""
    data, errors = await gql(
        person(role),
        WRITES[op],
        c="alpha",
        g=str(world.grid_a),
        h=str(world.other),
        s=f"m-{role.value}-{secrets.token_hex(3)}",
    )
    assert errors is None
    assert data["r"]["__typename"] == expected_write(op, role)


async def test_anonymous_writes_are_unauthenticated(gql, world):
    """No principal: every write answers UnauthenticatedError."""
    for op, doc in WRITES.items():
        data, errors = await gql(
            None, doc, c="alpha", g=str(world.grid_a), h=str(world.other), s="x"
        )
        assert (errors, data["r"]["__typename"]) == (None, "UnauthenticatedError"), op


async def test_alpha_cadre_writes_to_beta_see_no_such_community(gql, world):
    """A cadre of alpha adding to beta's household gets CommunityNotFoundError (as if missing)."""
    data, _ = await gql(
        person(Role.COMMUNITY_CADRE), WRITES["addResident"], c="beta", h=str(world.in_b)
    )
    assert data["r"]["__typename"] == "CommunityNotFoundError"
