"""Read side of the households context: plain selects run inside the caller's tenant_tx.

Nothing here checks who is asking: the handlers (``services.households.handlers``) decide
access, and every adapter masks what it shows (``services.households.masking``). Rows leave
as typed ``HouseholdRow`` / ``ResidentRow`` / ``StaffRow`` (unmasked: mask before showing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from services.households.model import Circumstance, Circumstances
from services.households.tables import Household, Resident, Staff


class HouseholdRow(msgspec.Struct, frozen=True):
    """A households row as stored: unmasked (``masking.visible_household`` masks it)."""

    id: int
    grid_id: int
    address: str
    size: int
    elderly_living_alone: bool
    elderly_without_family: bool
    disability: bool
    subsistence_allowance: bool
    renting: bool
    notes: str
    created_at: datetime | None = None

    @property
    def circumstances(self) -> Circumstances:
        """The circumstance columns as the triage model's value object."""
        return Circumstances(
            elderly_living_alone=self.elderly_living_alone,
            elderly_without_family=self.elderly_without_family,
            disability=self.disability,
            subsistence_allowance=self.subsistence_allowance,
            renting=self.renting,
        )


class ResidentRow(msgspec.Struct, frozen=True):
    """A residents row as stored: unmasked (``masking.visible_resident`` masks it)."""

    id: int
    household_id: int
    name: str
    phone: str
    subject: str | None
    created_at: datetime | None = None


class StaffRow(msgspec.Struct, frozen=True):
    """A staff row as stored: unmasked (``masking.visible_staff`` masks it)."""

    id: int
    subject: str
    name: str
    role: str
    grid_id: int | None
    phone: str
    active: bool


def household_of(record: Mapping[str, Any]) -> HouseholdRow:
    """A households record (asyncpg or Piccolo) as a typed row."""
    return HouseholdRow(**record)


def resident_of(record: Mapping[str, Any]) -> ResidentRow:
    """A residents record as a typed row."""
    return ResidentRow(**record)


def staff_of(record: Mapping[str, Any]) -> StaffRow:
    """A staff record as a typed row."""
    return StaffRow(**record)


@dataclass(frozen=True)
class HouseholdFilter:
    """How a household list is narrowed. Circumstance filters are sensitive (see handlers)."""

    grid_id: int | None = None
    address_contains: str | None = None
    # Households where ALL of these hold (独居 and 低保 = both).
    circumstances: frozenset[Circumstance] = field(default_factory=frozenset)


def _like_pattern(text: str) -> str:
    """A substring ILIKE pattern: the user's %, _ and \\ match themselves, not anything."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(flt: HouseholdFilter, only_id: int | None) -> list[Any]:
    conds: list[Any] = []
    if only_id is not None:
        conds.append(Household.id == only_id)
    if flt.grid_id is not None:
        conds.append(Household.grid_id == flt.grid_id)
    if flt.address_contains and flt.address_contains.strip():
        conds.append(Household.address.ilike(_like_pattern(flt.address_contains.strip())))
    for c in sorted(flt.circumstances):
        conds.append(getattr(Household, c.value).eq(True))
    return conds


async def households_page(
    flt: HouseholdFilter, *, first: int, after_id: int | None, only_id: int | None = None
) -> tuple[list[HouseholdRow], int]:
    """Up to ``first + 1`` households after ``after_id`` (by id), and how many match in all.

    The extra row tells the caller whether there is a next page without a second count.
    ``only_id`` narrows to one household (a resident's own).
    """
    conds = _conditions(flt, only_id)
    page = Household.select().order_by(Household.id).limit(first + 1)
    count = Household.count()
    if conds:
        page = page.where(*conds)
        count = count.where(*conds)
    if after_id is not None:
        page = page.where(Household.id > after_id)
    rows = await page.run()
    total = await count.run()
    return [household_of(r) for r in rows], total


async def household_by_id(household_id: int, *, for_update: bool = False) -> HouseholdRow | None:
    """One household row, or None; ``for_update`` locks it until the transaction ends."""
    query = Household.select().where(Household.id == household_id)
    if for_update:
        query = query.lock_rows("UPDATE")
    rows = await query.run()
    return household_of(rows[0]) if rows else None


async def household_exists(household_id: int) -> bool:
    """Is ``household_id`` a household of this community?"""
    return bool(await Household.exists().where(Household.id == household_id).run())


async def residents_of(household_ids: Sequence[int]) -> dict[int, list[ResidentRow]]:
    """Residents of each household (by id, oldest first) in one statement."""
    out: dict[int, list[ResidentRow]] = {h: [] for h in household_ids}
    if not household_ids:
        return out
    rows = (
        await Resident.select()
        .where(Resident.household_id.is_in(sorted(set(household_ids))))
        .order_by(Resident.id)
        .run()
    )
    for r in rows:
        out[r["household_id"]].append(resident_of(r))
    return out


async def resident_by_id(resident_id: int, *, for_update: bool = False) -> ResidentRow | None:
    """One resident row, or None."""
    query = Resident.select().where(Resident.id == resident_id)
    if for_update:
        query = query.lock_rows("UPDATE")
    rows = await query.run()
    return resident_of(rows[0]) if rows else None


async def resident_household_id(resident_id: int) -> int | None:
    """The household of resident ``resident_id``, or None if there is no such resident."""
    rows = await Resident.select(Resident.household_id).where(Resident.id == resident_id).run()
    return rows[0]["household_id"] if rows else None


async def own_household_id(subject: str) -> int | None:
    """The household a resident's login ``subject`` is linked to, or None."""
    rows = await Resident.select(Resident.household_id).where(Resident.subject == subject).run()
    return rows[0]["household_id"] if rows else None


async def staff_rows(*, include_inactive: bool) -> list[StaffRow]:
    """The community's staff, by role then name."""
    query = Staff.select().order_by(Staff.role).order_by(Staff.name).order_by(Staff.id)
    if not include_inactive:
        query = query.where(Staff.active.eq(True))
    return [staff_of(r) for r in await query.run()]


async def staff_by_id(staff_id: int, *, for_update: bool = False) -> StaffRow | None:
    """One staff row, or None."""
    query = Staff.select().where(Staff.id == staff_id)
    if for_update:
        query = query.lock_rows("UPDATE")
    rows = await query.run()
    return staff_of(rows[0]) if rows else None


_HOUSEHOLD_COLUMNS = ", ".join(c._meta.db_column_name for c in Household.all_columns())


async def households_by_id_in(connection: Any, ids: Iterable[int]) -> dict[int, HouseholdRow]:
    """Household rows by id, read on ``connection`` inside the caller's tenant transaction.

    For another context's page that shows households beside its own rows (the ledger):
    unmasked rows; the caller checked access and masks them (``masking.visible_household``).
    """
    records = await connection.fetch(
        f"SELECT {_HOUSEHOLD_COLUMNS} FROM households WHERE id = ANY($1::int[])",
        sorted(set(ids)),
    )
    return {r["id"]: household_of(r) for r in records}


_RESIDENT_COLUMNS = ", ".join(c._meta.db_column_name for c in Resident.all_columns())


async def residents_by_id_in(connection: Any, ids: Iterable[int]) -> dict[int, ResidentRow]:
    """Resident rows by id, read on ``connection`` inside the caller's tenant transaction
    (unmasked: the caller masks them with ``masking.visible_resident``)."""
    records = await connection.fetch(
        f"SELECT {_RESIDENT_COLUMNS} FROM residents WHERE id = ANY($1::int[])", sorted(set(ids))
    )
    return {r["id"]: resident_of(r) for r in records}
