"""Households handlers: bad input writes nothing, circumstance changes are audited, bulk seeding."""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from services.auth.model import SYSTEM, Principal, Role, Scope, ScopeKind
from services.errors import CommunityNotFound, Forbidden, InvalidInput, TextTooLong
from services.grids.handlers import create_grid
from services.households import handlers as hh
from services.households.model import Circumstance, Circumstances, HouseholdNotFound
from services.households.tables import Household, Resident, Staff
from tenants.db import statements
from tenants.tx import tenant_tx

A = "alpha"


def cadre(slug: str = A) -> Principal:
    return Principal(
        f"cadre-{slug}", frozenset({Role.COMMUNITY_CADRE}), Scope(ScopeKind.COMMUNITY, slug)
    )


def grid_worker(slug: str = A) -> Principal:
    return Principal(f"gw-{slug}", frozenset({Role.GRID_WORKER}), Scope(ScopeKind.COMMUNITY, slug))


@pytest.fixture(scope="module")
async def grid(communities) -> int:
    return (await create_grid(cadre(), A, f"hh-{secrets.token_hex(3)}", "处理网格")).id


@pytest.fixture(scope="module")
async def household(settings, grid) -> int:
    made = await hh.create_household(
        cadre(), A, hh.HouseholdInput(grid, "海滨路 9 号", 2), settings
    )
    return made.id


async def _counts(slug: str = A) -> tuple[int, int, int, int]:
    async with tenant_tx(slug) as tx:
        return (
            await Household.count().run(),
            await Resident.count().run(),
            await Staff.count().run(),
            await tx.connection.fetchval("SELECT count(*) FROM audit_log"),
        )


async def _refused(
    act: Callable[[], Awaitable[Any]], error: type[Exception], code: str | None = None
) -> None:
    """``act`` raises ``error`` (with ``code``) and leaves every table as it was."""
    before = await _counts()
    with pytest.raises(error) as caught:
        await act()
    if code is not None:
        assert caught.value.code == code
    assert await _counts() == before


# -- bad input ---------------------------------------------------------------------------------
async def test_unknown_grid_is_refused(settings, grid):
    """A grid id the community does not have: GridNotFound, nothing written."""
    data = hh.HouseholdInput(grid + 10_000, "无网格路 1 号")
    await _refused(lambda: hh.create_household(cadre(), A, data, settings), hh.GridNotFound)


async def test_other_communitys_grid_is_unknown(settings, communities):
    """Beta's grid id (absent in alpha) is refused in alpha like any unknown grid."""
    beta_grid = (await create_grid(cadre("beta"), "beta", f"x-{secrets.token_hex(3)}", "乙")).id
    async with tenant_tx(A):
        from services.grids.tables import Grid

        alpha_max = max(r["id"] for r in await Grid.select(Grid.id).run())
    if beta_grid <= alpha_max:  # ids run per schema; only a beta-only id proves the point
        beta_grid = alpha_max + 1_000
    data = hh.HouseholdInput(beta_grid, "乙的网格")
    await _refused(lambda: hh.create_household(cadre(), A, data, settings), hh.GridNotFound)


@pytest.mark.parametrize("size", [0, 51, -1])
async def test_size_out_of_range_is_refused(settings, grid, size):
    """Household size outside 1..50: a typed InvalidInput with its own code."""
    data = hh.HouseholdInput(grid, "人数路 1 号", size)
    await _refused(
        lambda: hh.create_household(cadre(), A, data, settings),
        InvalidInput,
        "HOUSEHOLD_SIZE_OUT_OF_RANGE",
    )


async def test_size_bounds_are_accepted(settings, grid):
    """Sizes 1 and 50 are both fine."""
    for size in (1, 50):
        made = await hh.create_household(
            cadre(), A, hh.HouseholdInput(grid, "边界路", size), settings
        )
        assert made.size == size


async def test_overlong_address_and_notes_are_refused(settings, grid):
    """Address over max_title_length and notes over max_note_length: TextTooLong in Chinese."""
    long_address = hh.HouseholdInput(grid, "路" * (settings.max_title_length + 1))
    await _refused(lambda: hh.create_household(cadre(), A, long_address, settings), TextTooLong)
    long_notes = hh.HouseholdInput(grid, "备注路", notes="注" * (settings.max_note_length + 1))
    with pytest.raises(TextTooLong) as caught:
        await hh.create_household(cadre(), A, long_notes, settings)
    assert "备注" in caught.value.message_zh and "notes" in caught.value.message_en


async def test_exact_limits_are_accepted(settings, grid):
    """Text exactly at the limits is fine (characters, not bytes)."""
    data = hh.HouseholdInput(
        grid, "路" * settings.max_title_length, notes="注" * settings.max_note_length
    )
    made = await hh.create_household(cadre(), A, data, settings)
    assert len(made.address) == settings.max_title_length


async def test_blank_address_is_refused(settings, grid):
    """An address of spaces is no address."""
    data = hh.HouseholdInput(grid, "   ")
    await _refused(lambda: hh.create_household(cadre(), A, data, settings), InvalidInput)


async def test_update_bad_size_or_grid_changes_nothing(settings, grid, household):
    """A refused update leaves the household as it was."""
    changes = hh.HouseholdChanges(address="新地址", size=51)
    await _refused(
        lambda: hh.update_household(cadre(), A, household, changes, settings), InvalidInput
    )
    changes = hh.HouseholdChanges(address="新地址", grid_id=grid + 10_000)
    await _refused(
        lambda: hh.update_household(cadre(), A, household, changes, settings), hh.GridNotFound
    )
    assert (await hh.get_household(cadre(), A, household)).address == "海滨路 9 号"


async def test_duplicate_resident_subject_is_refused(settings, household):
    """A login already linked to a resident cannot be linked to another: nothing written."""
    subject = f"dup-{secrets.token_hex(3)}"
    await hh.add_resident(cadre(), A, household, hh.ResidentInput("甲", "", subject), settings)
    again = hh.ResidentInput("乙", "", subject)
    await _refused(
        lambda: hh.add_resident(cadre(), A, household, again, settings), hh.ResidentSubjectTaken
    )


async def test_relinking_a_taken_subject_is_refused(settings, household):
    """Updating a resident to a login another resident has: ResidentSubjectTaken."""
    taken = f"taken-{secrets.token_hex(3)}"
    await hh.add_resident(cadre(), A, household, hh.ResidentInput("甲", "", taken), settings)
    other = await hh.add_resident(cadre(), A, household, hh.ResidentInput("乙"), settings)
    change = hh.ResidentChanges(subject=taken)
    await _refused(
        lambda: hh.update_resident(cadre(), A, other.id, change, settings),
        hh.ResidentSubjectTaken,
    )


async def test_duplicate_staff_subject_is_refused(settings, grid):
    """A login already registered as staff cannot be registered again."""
    subject = f"staff-{secrets.token_hex(3)}"
    data = hh.StaffInput(subject, "李干部", Role.COMMUNITY_CADRE, grid)
    await hh.register_staff(cadre(), A, data, settings)
    await _refused(lambda: hh.register_staff(cadre(), A, data, settings), hh.StaffSubjectTaken)


async def test_staff_role_must_be_cadre_or_grid_worker(settings):
    """Registering a council member or county admin as staff is refused."""
    for role in (Role.COUNCIL_MEMBER, Role.COUNTY_ADMIN):
        data = hh.StaffInput(f"s-{secrets.token_hex(3)}", "某人", role)
        await _refused(lambda d=data: hh.register_staff(cadre(), A, d, settings), InvalidInput)


@pytest.mark.parametrize(
    ("phone", "error"),
    [("abc", InvalidInput), ("138 1234 5678; DROP", InvalidInput), ("1" * 21, TextTooLong)],
)
async def test_bad_phone_is_refused(settings, household, phone, error):
    """A phone that is not digits and separators (or too long) is refused."""
    data = hh.ResidentInput("丙", phone)
    await _refused(lambda: hh.add_resident(cadre(), A, household, data, settings), error)


async def test_missing_household_and_resident(settings):
    """Writes to ids that do not exist: HouseholdNotFound / ResidentNotFound."""
    await _refused(
        lambda: hh.add_resident(cadre(), A, 2_000_000, hh.ResidentInput("丁"), settings),
        HouseholdNotFound,
    )
    await _refused(
        lambda: hh.update_resident(cadre(), A, 2_000_000, hh.ResidentChanges(name="x"), settings),
        hh.ResidentNotFound,
    )
    await _refused(lambda: hh.deactivate_staff(cadre(), A, 2_000_000), hh.StaffNotFound)


async def test_writes_to_another_community_look_missing(settings, household):
    """A cadre of beta writing to alpha gets CommunityNotFound, the same as a missing slug."""
    data = hh.ResidentInput("戊")
    await _refused(
        lambda: hh.add_resident(cadre("beta"), A, household, data, settings), CommunityNotFound
    )
    await _refused(
        lambda: hh.add_resident(cadre("beta"), "nosuchplace", household, data, settings),
        CommunityNotFound,
    )


# -- audit -------------------------------------------------------------------------------------
async def _audit(subject: str, action: str) -> list[dict[str, Any]]:
    async with tenant_tx(A) as tx:
        rows = await tx.connection.fetch(
            "SELECT actor, role, before, after FROM audit_log "
            "WHERE subject = $1 AND action = $2 ORDER BY id",
            subject,
            action,
        )
    return [
        {
            "actor": r["actor"],
            "role": r["role"],
            "before": json.loads(r["before"]) if r["before"] else None,
            "after": json.loads(r["after"]) if r["after"] else None,
        }
        for r in rows
    ]


async def test_circumstance_changes_are_audited_with_before_and_after(settings, grid):
    """Setting circumstances records who, role, flags and notes before and after; no-ops don't."""
    made = await hh.create_household(cadre(), A, hh.HouseholdInput(grid, "审计路 1 号"), settings)
    alone = Circumstances.of(Circumstance.ELDERLY_LIVING_ALONE)
    await hh.set_household_circumstances(
        grid_worker(), A, made.id, alone, settings, notes="独居，女儿在上海"
    )
    await hh.set_household_circumstances(grid_worker(), A, made.id, alone, settings)  # no change
    both = Circumstances.of(Circumstance.ELDERLY_LIVING_ALONE, Circumstance.DISABILITY)
    await hh.set_household_circumstances(cadre(), A, made.id, both, settings)
    entries = await _audit(f"household:{made.id}", "household.circumstances")
    assert entries == [
        {
            "actor": "gw-alpha",
            "role": "grid_worker",
            "before": {"circumstances": [], "notes": ""},
            "after": {"circumstances": ["elderly_living_alone"], "notes": "独居，女儿在上海"},
        },
        {
            "actor": "cadre-alpha",
            "role": "community_cadre",
            "before": {"circumstances": ["elderly_living_alone"], "notes": "独居，女儿在上海"},
            "after": {
                "circumstances": ["disability", "elderly_living_alone"],
                "notes": "独居，女儿在上海",
            },
        },
    ]


async def test_household_update_is_audited(settings, grid, household):
    """An address/size change records only the changed fields, before and after."""
    made = await hh.create_household(cadre(), A, hh.HouseholdInput(grid, "旧地址", 2), settings)
    await hh.update_household(
        cadre(), A, made.id, hh.HouseholdChanges(address="新地址", size=2), settings
    )
    [entry] = await _audit(f"household:{made.id}", "household.update")
    assert (entry["before"], entry["after"]) == ({"address": "旧地址"}, {"address": "新地址"})


async def test_refused_circumstance_change_writes_no_audit(settings, household):
    """A council member may see circumstances but not set them: Forbidden, nothing recorded."""
    member = Principal("m-alpha", frozenset({Role.COUNCIL_MEMBER}), Scope(ScopeKind.COMMUNITY, A))
    flags = Circumstances.of(Circumstance.RENTING)
    await _refused(
        lambda: hh.set_household_circumstances(member, A, household, flags, settings), Forbidden
    )


# -- staff -------------------------------------------------------------------------------------
async def test_staff_assign_grid_and_deactivate(settings, grid):
    """A grid worker is registered, assigned a grid, deactivated, and drops off the list."""
    subject = f"gw-{secrets.token_hex(3)}"
    made = await hh.register_staff(
        cadre(), A, hh.StaffInput(subject, "周网格", Role.GRID_WORKER), settings
    )
    assert made.grid_id is None and made.subject == subject
    assigned = await hh.assign_staff_grid(cadre(), A, made.id, grid)
    assert assigned.grid_id == grid
    gone = await hh.deactivate_staff(cadre(), A, made.id)
    assert gone.active is False
    assert made.id not in {s.id for s in await hh.list_staff(cadre(), A)}
    assert made.id in {s.id for s in await hh.list_staff(cadre(), A, include_inactive=True)}
    actions = [e["after"] for e in await _audit(f"staff:{made.id}", "staff.deactivate")]
    assert actions == [{"active": False}]


# -- bulk --------------------------------------------------------------------------------------
async def test_bulk_creates_households_and_residents_in_order(settings, grid):
    """300 households with residents in one go: ids in input order, constant statement count."""
    tag = secrets.token_hex(3)
    rows = [
        hh.BulkHousehold(
            hh.HouseholdInput(
                grid,
                f"批量路 {i} 号",
                size=1 + i % 5,
                circumstances=Circumstances(renting=i % 3 == 0),
            ),
            [hh.ResidentInput(f"居民{i}", "13800000000", f"bulk-{tag}-{i}")],
        )
        for i in range(300)
    ]
    with statements() as log:
        ids = await hh.create_households_bulk(cadre(), A, rows, settings)
    assert len(ids) == 300 and ids == sorted(ids)
    assert len(log) <= 6  # set_config, grids, subjects, ids, audit (COPY is not logged)
    async with tenant_tx(A):
        got = await Household.select(Household.id, Household.address, Household.renting).where(
            Household.id.is_in(ids)
        )
        residents = await Resident.select(Resident.household_id, Resident.subject).where(
            Resident.household_id.is_in(ids)
        )
    by_id = {r["id"]: r for r in got}
    assert [by_id[i]["address"] for i in ids] == [f"批量路 {i} 号" for i in range(300)]
    assert [by_id[i]["renting"] for i in ids] == [i % 3 == 0 for i in range(300)]
    assert {r["household_id"]: r["subject"] for r in residents} == {
        hid: f"bulk-{tag}-{i}" for i, hid in enumerate(ids)
    }


async def test_bulk_with_one_bad_row_writes_nothing(settings, grid):
    """A bad row anywhere (size 0, unknown grid, duplicate subject) refuses the whole batch."""
    good = [hh.HouseholdInput(grid, f"好路 {i} 号") for i in range(5)]
    for bad, error in (
        (hh.HouseholdInput(grid, "坏路", size=0), InvalidInput),
        (hh.HouseholdInput(grid + 10_000, "坏路"), hh.GridNotFound),
    ):
        await _refused(
            lambda b=bad: hh.create_households_bulk(cadre(), A, [*good, b], settings), error
        )
    twins = [
        hh.BulkHousehold(good[0], [hh.ResidentInput("甲", "", "twin")]),
        hh.BulkHousehold(good[1], [hh.ResidentInput("乙", "", "twin")]),
    ]
    await _refused(
        lambda: hh.create_households_bulk(cadre(), A, twins, settings), hh.ResidentSubjectTaken
    )


async def test_bulk_permissions(settings, grid):
    """The system principal and cadres may seed; a council member may not."""
    row = [hh.HouseholdInput(grid, "系统路 1 号")]
    assert len(await hh.create_households_bulk(SYSTEM, A, row, settings)) == 1
    member = Principal("m", frozenset({Role.COUNCIL_MEMBER}), Scope(ScopeKind.COMMUNITY, A))
    await _refused(lambda: hh.create_households_bulk(member, A, row, settings), Forbidden)
