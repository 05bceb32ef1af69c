"""Use cases of the households context: households (户), residents (居民), staff (社区工作人员).

GraphQL, the CLI and the demo seed call these. Each public handler checks its operation
(``community_for``) and runs in ONE tenant transaction, so a refused input writes nothing.
Read handlers return rows already masked for the caller (``services.households.masking``):
the rule of who sees circumstances and phone numbers is applied here, not left to adapters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import asyncpg
import msgspec

from services import audit
from services.auth.model import SYSTEM, Principal, Role
from services.auth.permissions import allowed
from services.communities.handlers import access_community_by_slug, community_for
from services.communities.permissions import VIEW_LEDGER, VIEW_OWN_MATTERS
from services.errors import (
    CommunityArchived,
    FieldTooLong,
    Forbidden,
    InvalidInput,
    NotFound,
    SanshiError,
)
from services.grids import queries as grid_queries
from services.households import queries
from services.households.masking import (
    Visibility,
    VisibleHousehold,
    VisibleResident,
    VisibleStaff,
    visibility_for,
    visible_household,
    visible_resident,
    visible_staff,
)
from services.households.model import (
    ORDINARY_HOUSEHOLD,
    Circumstance,
    Circumstances,
    HouseholdNotFound,
)
from services.households.permissions import MANAGE_HOUSEHOLDS, MANAGE_STAFF
from services.households.queries import HouseholdFilter, HouseholdRow, ResidentRow
from services.households.tables import Household, Resident, Staff
from services.settings import Settings
from tenants.provisioning import CommunityInfo
from tenants.tx import tenant_tx

MIN_SIZE, MAX_SIZE = 1, 50  # also a CHECK in migration 0002
MAX_PAGE = 100
MAX_PHONE_LENGTH = 20
MAX_SUBJECT_LENGTH = 200
# Digits with the separators people type (+86 138-1234-5678, (0580) 5081234, 分机 as "ext").
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]*(?:\s*(?:ext|转)\s*[0-9]+)?$")
STAFF_ROLES = frozenset({Role.COMMUNITY_CADRE, Role.GRID_WORKER})


# -- errors ------------------------------------------------------------------------------------
class GridNotFound(NotFound):
    """The grid named in an input is not a grid of this community."""

    code = "GRID_NOT_FOUND"
    zh = "网格不存在"
    en = "Grid not found"


class ResidentNotFound(NotFound):
    """No such resident in this community — or not one the caller may see (same answer)."""

    code = "RESIDENT_NOT_FOUND"
    zh = "居民不存在"
    en = "Resident not found"


class StaffNotFound(NotFound):
    """No such staff member in this community."""

    code = "STAFF_NOT_FOUND"
    zh = "工作人员不存在"
    en = "Staff member not found"


class ResidentSubjectTaken(SanshiError):
    """A login can belong to one resident only (it decides which household they see)."""

    code = "RESIDENT_SUBJECT_TAKEN"
    zh = "登录账号「{subject}」已关联到另一位居民"
    en = "Login '{subject}' is already linked to another resident"


class StaffSubjectTaken(SanshiError):
    """A login can belong to one staff member only."""

    code = "STAFF_SUBJECT_TAKEN"
    zh = "登录账号「{subject}」已登记为工作人员"
    en = "Login '{subject}' is already registered as staff"


class HouseholdSizeOutOfRange(InvalidInput):
    code = "HOUSEHOLD_SIZE_OUT_OF_RANGE"
    zh = "户人数须在 {low} 到 {high} 之间（收到 {size}）"
    en = "Household size must be between {low} and {high} (got {size})"


class InvalidPhone(InvalidInput):
    code = "INVALID_PHONE"
    zh = "电话号码格式无效：只能包含数字、空格、括号、连字符和开头的 +"
    en = "Invalid phone number: digits, spaces, brackets, hyphens and a leading + only"


class InvalidStaffRole(InvalidInput):
    code = "INVALID_STAFF_ROLE"
    zh = "工作人员只能是社区干部或网格员"
    en = "Staff are community cadres or grid workers"


class InvalidPage(InvalidInput):
    code = "INVALID_PAGE"
    zh = "每页数量须在 1 到 {limit} 之间"
    en = "Page size must be between 1 and {limit}"


# -- inputs ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HouseholdInput:
    """A new household: where it is, how many live there, and its circumstances."""

    grid_id: int
    address: str
    size: int = 1
    circumstances: Circumstances = ORDINARY_HOUSEHOLD
    notes: str = ""


@dataclass(frozen=True)
class HouseholdChanges:
    """Changes to a household's address, size or grid; None leaves a field as it is."""

    address: str | None = None
    size: int | None = None
    grid_id: int | None = None


@dataclass(frozen=True)
class ResidentInput:
    """A resident of a household; ``subject`` links a resident's login to the household."""

    name: str
    phone: str = ""
    subject: str | None = None


@dataclass(frozen=True)
class ResidentChanges:
    """None leaves a field as it is; ``subject=""`` unlinks the login, ``phone=""`` clears it."""

    name: str | None = None
    phone: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class StaffInput:
    """A cadre or grid worker who signs in as ``subject``."""

    subject: str
    name: str
    role: Role
    grid_id: int | None = None
    phone: str = ""


@dataclass(frozen=True)
class BulkHousehold:
    """A household with its residents, for ``create_households_bulk``."""

    household: HouseholdInput
    residents: Sequence[ResidentInput] = field(default_factory=tuple)


@dataclass(frozen=True)
class HouseholdPage:
    """One page of households (masked for the caller) and how many match in all."""

    items: list[VisibleHousehold]
    total: int
    has_next: bool

    @property
    def end_id(self) -> int | None:
        return self.items[-1].id if self.items else None


@dataclass(frozen=True)
class Reader:
    """Someone reading households in a community, and how much of them they may see."""

    community: CommunityInfo
    visibility: Visibility
    # Residents read only their own household; everyone else with the ledger, all of them.
    own_only: bool


# -- validation ------------------------------------------------------------------------------
_LABELS_ZH = {"address": "地址", "notes": "备注", "name": "姓名", "phone": "电话"}


def _check_length(field_name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise FieldTooLong(field=field_name, field_zh=_LABELS_ZH[field_name], limit=limit)


def _clean_address(address: str, settings: Settings) -> str:
    address = address.strip()
    if not address:
        raise InvalidInput(field_zh="地址不能为空", field_en="the address is required")
    _check_length("address", address, settings.max_title_length)
    return address


def _check_size(size: int) -> None:
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise HouseholdSizeOutOfRange(low=MIN_SIZE, high=MAX_SIZE, size=size)


def _clean_notes(notes: str, settings: Settings) -> str:
    notes = notes.strip()
    _check_length("notes", notes, settings.max_note_length)
    return notes


def _clean_name(name: str, settings: Settings) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput(field_zh="姓名不能为空", field_en="the name is required")
    _check_length("name", name, settings.max_name_length)
    return name


def clean_phone(phone: str) -> str:
    """A phone number as typed, stripped: InvalidPhone unless digits and the usual
    separators (every context that keeps a phone uses this one rule)."""
    phone = phone.strip()
    if not phone:
        return ""
    _check_length("phone", phone, MAX_PHONE_LENGTH)
    if not PHONE_RE.match(phone):
        raise InvalidPhone()
    return phone


def clean_subject(subject: str) -> str:
    """A login subject, stripped: required, at most MAX_SUBJECT_LENGTH characters."""
    subject = subject.strip()
    if not subject:
        raise InvalidInput(field_zh="登录账号不能为空", field_en="the login subject is required")
    if len(subject) > MAX_SUBJECT_LENGTH:
        raise InvalidInput(
            field_zh=f"登录账号最多 {MAX_SUBJECT_LENGTH} 个字符",
            field_en=f"the login subject has at most {MAX_SUBJECT_LENGTH} characters",
        )
    return subject


def _validated(data: HouseholdInput, settings: Settings) -> HouseholdInput:
    _check_size(data.size)
    return HouseholdInput(
        grid_id=data.grid_id,
        address=_clean_address(data.address, settings),
        size=data.size,
        circumstances=data.circumstances,
        notes=_clean_notes(data.notes, settings),
    )


def _validated_resident(data: ResidentInput, settings: Settings) -> ResidentInput:
    return ResidentInput(
        name=_clean_name(data.name, settings),
        phone=clean_phone(data.phone),
        subject=None if data.subject is None else clean_subject(data.subject),
    )


def _household_values(data: HouseholdInput) -> dict[str, Any]:
    return {
        "grid_id": data.grid_id,
        "address": data.address,
        "size": data.size,
        **asdict(data.circumstances),
        "notes": data.notes,
    }


def _circumstance_record(row: HouseholdRow) -> dict[str, Any]:
    """What the audit log keeps of a household's circumstances (flags by name, and notes)."""
    return {
        "circumstances": sorted(c.value for c in row.circumstances.flags),
        "notes": row.notes,
    }


def _dict(row: msgspec.Struct) -> dict[str, Any]:
    """A row as the audit log records it (column -> value)."""
    return msgspec.structs.asdict(row)


# -- access ------------------------------------------------------------------------------------
async def households_reader(actor: Principal, slug: str) -> Reader:
    """How ``actor`` may read households of ``slug``; CommunityNotFound / Forbidden otherwise.

    Roles of the ledger (VIEW_LEDGER) read every household; a resident
    (VIEW_OWN_MATTERS) reads only their own — every other household looks missing.
    """
    info = await access_community_by_slug(actor, slug)
    view = visibility_for(actor, info.slug, info.county_code)
    if allowed(actor, VIEW_LEDGER, info.slug, info.county_code):
        return Reader(info, view, own_only=False)
    if allowed(actor, VIEW_OWN_MATTERS, info.slug, info.county_code):
        return Reader(info, view, own_only=True)
    raise Forbidden()


async def access_household_in_tx(
    actor: Principal, reader: Reader, household_id: int, *, for_update: bool = False
) -> HouseholdRow:
    """The household row if ``actor`` may see it, else HouseholdNotFound (missing looks the same).

    Runs inside the caller's ``tenant_tx``; the row is unmasked (mask it before showing it).
    """
    row = await queries.household_by_id(household_id, for_update=for_update)
    if row is None:
        raise HouseholdNotFound()
    if reader.own_only and await queries.own_household_id(actor.subject) != row.id:
        raise HouseholdNotFound()
    return row


async def _require_grid(grid_id: int | None) -> None:
    if grid_id is not None and not await grid_queries.grid_exists(grid_id):
        raise GridNotFound()


# -- households ------------------------------------------------------------------------------
async def create_household(
    actor: Principal, slug: str, data: HouseholdInput, settings: Settings
) -> VisibleHousehold:
    """Register a household (grid, address, size, circumstances, notes) in the community."""
    info = await community_for(actor, slug, MANAGE_HOUSEHOLDS)
    data = _validated(data, settings)
    async with tenant_tx(slug) as tx:
        await _require_grid(data.grid_id)
        row = queries.household_of(
            (
                await Household.insert(Household(**_household_values(data)))
                .returning(*Household.all_columns())
                .run()
            )[0]
        )
        await audit.record(tx, actor, "household.create", f"household:{row.id}", after=_dict(row))
    return visible_household(visibility_for(actor, slug, info.county_code), row)


async def update_household(
    actor: Principal, slug: str, household_id: int, changes: HouseholdChanges, settings: Settings
) -> VisibleHousehold:
    """Change a household's address, size or grid (audited with before/after)."""
    info = await community_for(actor, slug, MANAGE_HOUSEHOLDS)
    values: dict[str, Any] = {}
    if changes.address is not None:
        values["address"] = _clean_address(changes.address, settings)
    if changes.size is not None:
        _check_size(changes.size)
        values["size"] = changes.size
    if changes.grid_id is not None:
        values["grid_id"] = changes.grid_id
    async with tenant_tx(slug) as tx:
        row = await queries.household_by_id(household_id, for_update=True)
        if row is None:
            raise HouseholdNotFound()
        await _require_grid(changes.grid_id)
        changed: dict[Any, Any] = {k: v for k, v in values.items() if getattr(row, k) != v}
        if changed:
            before = {k: getattr(row, k) for k in changed}
            row = queries.household_of(
                (
                    await Household.update(changed)
                    .where(Household.id == household_id)
                    .returning(*Household.all_columns())
                    .run()
                )[0]
            )
            await audit.record(
                tx,
                actor,
                "household.update",
                f"household:{household_id}",
                before=before,
                after=changed,
            )
    return visible_household(visibility_for(actor, slug, info.county_code), row)


async def set_household_circumstances(
    actor: Principal,
    slug: str,
    household_id: int,
    circumstances: Circumstances,
    settings: Settings,
    *,
    notes: str | None = None,
) -> VisibleHousehold:
    """Set a household's circumstances (and notes, unless None): they change triage.

    Audited as ``household.circumstances`` with the flags and notes before and after, so
    who decided that a household is, say, 低保 is on record. Nothing is recorded when
    nothing changes.
    """
    info = await community_for(actor, slug, MANAGE_HOUSEHOLDS)
    cleaned_notes = None if notes is None else _clean_notes(notes, settings)
    async with tenant_tx(slug) as tx:
        row = await queries.household_by_id(household_id, for_update=True)
        if row is None:
            raise HouseholdNotFound()
        values: dict[Any, Any] = dict(asdict(circumstances))
        if cleaned_notes is not None:
            values["notes"] = cleaned_notes
        if any(getattr(row, k) != v for k, v in values.items()):
            before = _circumstance_record(row)
            row = queries.household_of(
                (
                    await Household.update(values)
                    .where(Household.id == household_id)
                    .returning(*Household.all_columns())
                    .run()
                )[0]
            )
            await audit.record(
                tx,
                actor,
                "household.circumstances",
                f"household:{household_id}",
                before=before,
                after=_circumstance_record(row),
            )
    return visible_household(visibility_for(actor, slug, info.county_code), row)


async def get_household(actor: Principal, slug: str, household_id: int) -> VisibleHousehold:
    """One household as ``actor`` may see it; HouseholdNotFound if missing or not theirs."""
    reader = await households_reader(actor, slug)
    async with tenant_tx(slug):
        row = await access_household_in_tx(actor, reader, household_id)
    return visible_household(reader.visibility, row)


async def list_households(
    actor: Principal,
    slug: str,
    flt: HouseholdFilter | None = None,
    *,
    first: int = 50,
    after_id: int | None = None,
) -> HouseholdPage:
    """A page of households by id, filtered, with the total; residents see only their own.

    Filtering by circumstance is refused (Forbidden) for roles that may not see
    circumstances: the filtered list would reveal them just as well.
    """
    flt = flt or HouseholdFilter()
    if not 1 <= first <= MAX_PAGE:
        raise InvalidPage(limit=MAX_PAGE)
    reader = await households_reader(actor, slug)
    if flt.circumstances and not reader.visibility.circumstances:
        raise Forbidden()
    async with tenant_tx(slug):
        only_id = None
        if reader.own_only:
            only_id = await queries.own_household_id(actor.subject)
            if only_id is None:
                return HouseholdPage([], 0, has_next=False)
        rows, total = await queries.households_page(
            flt, first=first, after_id=after_id, only_id=only_id
        )
    return HouseholdPage(
        [visible_household(reader.visibility, r) for r in rows[:first]],
        total,
        has_next=len(rows) > first,
    )


# -- residents -------------------------------------------------------------------------------
async def _insert_resident(household_id: int, data: ResidentInput) -> ResidentRow:
    try:
        record = (
            await Resident.insert(
                Resident(
                    household_id=household_id,
                    name=data.name,
                    phone=data.phone,
                    subject=data.subject,
                )
            )
            .returning(*Resident.all_columns())
            .run()
        )[0]
        return queries.resident_of(record)
    except asyncpg.UniqueViolationError:
        raise ResidentSubjectTaken(subject=data.subject) from None


async def add_resident(
    actor: Principal, slug: str, household_id: int, data: ResidentInput, settings: Settings
) -> VisibleResident:
    """Add a resident to a household; a login subject links that resident's token to it."""
    info = await community_for(actor, slug, MANAGE_HOUSEHOLDS)
    data = _validated_resident(data, settings)
    async with tenant_tx(slug) as tx:
        if not await queries.household_exists(household_id):
            raise HouseholdNotFound()
        row = await _insert_resident(household_id, data)
        await audit.record(tx, actor, "resident.add", f"resident:{row.id}", after=_dict(row))
    return visible_resident(visibility_for(actor, slug, info.county_code), row)


async def update_resident(
    actor: Principal, slug: str, resident_id: int, changes: ResidentChanges, settings: Settings
) -> VisibleResident:
    """Change a resident's name, phone or login link (audited with before/after)."""
    info = await community_for(actor, slug, MANAGE_HOUSEHOLDS)
    values: dict[str, Any] = {}
    if changes.name is not None:
        values["name"] = _clean_name(changes.name, settings)
    if changes.phone is not None:
        values["phone"] = clean_phone(changes.phone)
    if changes.subject is not None:
        values["subject"] = clean_subject(changes.subject) if changes.subject.strip() else None
    async with tenant_tx(slug) as tx:
        row = await queries.resident_by_id(resident_id, for_update=True)
        if row is None:
            raise ResidentNotFound()
        changed: dict[Any, Any] = {k: v for k, v in values.items() if getattr(row, k) != v}
        if changed:
            before = {k: getattr(row, k) for k in changed}
            try:
                row = queries.resident_of(
                    (
                        await Resident.update(changed)
                        .where(Resident.id == resident_id)
                        .returning(*Resident.all_columns())
                        .run()
                    )[0]
                )
            except asyncpg.UniqueViolationError:
                raise ResidentSubjectTaken(subject=changed.get("subject")) from None
            await audit.record(
                tx,
                actor,
                "resident.update",
                f"resident:{resident_id}",
                before=before,
                after=changed,
            )
    return visible_resident(visibility_for(actor, slug, info.county_code), row)


async def list_residents(actor: Principal, slug: str, household_id: int) -> list[VisibleResident]:
    """Residents of a household the caller may see (HouseholdNotFound otherwise)."""
    reader = await households_reader(actor, slug)
    async with tenant_tx(slug):
        await access_household_in_tx(actor, reader, household_id)
        rows = (await queries.residents_of([household_id]))[household_id]
    return [visible_resident(reader.visibility, r) for r in rows]


# -- staff -----------------------------------------------------------------------------------
async def register_staff(
    actor: Principal, slug: str, data: StaffInput, settings: Settings
) -> VisibleStaff:
    """Register a community cadre or grid worker who signs in as ``data.subject``."""
    info = await community_for(actor, slug, MANAGE_STAFF)
    if data.role not in STAFF_ROLES:
        raise InvalidStaffRole()
    subject = clean_subject(data.subject)
    name = _clean_name(data.name, settings)
    phone = clean_phone(data.phone)
    async with tenant_tx(slug) as tx:
        await _require_grid(data.grid_id)
        try:
            record = (
                await Staff.insert(
                    Staff(
                        subject=subject,
                        name=name,
                        role=data.role.value,
                        grid_id=data.grid_id,
                        phone=phone,
                    )
                )
                .returning(*Staff.all_columns())
                .run()
            )[0]
        except asyncpg.UniqueViolationError:
            raise StaffSubjectTaken(subject=subject) from None
        row = queries.staff_of(record)
        await audit.record(tx, actor, "staff.register", f"staff:{row.id}", after=_dict(row))
    return visible_staff(visibility_for(actor, slug, info.county_code), row)


async def _change_staff(
    actor: Principal, slug: str, staff_id: int, values: dict[str, Any], action: str
) -> VisibleStaff:
    info = await community_for(actor, slug, MANAGE_STAFF)
    async with tenant_tx(slug) as tx:
        row = await queries.staff_by_id(staff_id, for_update=True)
        if row is None:
            raise StaffNotFound()
        await _require_grid(values.get("grid_id"))
        changed: dict[Any, Any] = {k: v for k, v in values.items() if getattr(row, k) != v}
        if changed:
            before = {k: getattr(row, k) for k in changed}
            row = queries.staff_of(
                (
                    await Staff.update(changed)
                    .where(Staff.id == staff_id)
                    .returning(*Staff.all_columns())
                    .run()
                )[0]
            )
            await audit.record(tx, actor, action, f"staff:{staff_id}", before=before, after=changed)
    return visible_staff(visibility_for(actor, slug, info.county_code), row)


async def assign_staff_grid(
    actor: Principal, slug: str, staff_id: int, grid_id: int | None
) -> VisibleStaff:
    """Assign a staff member (usually a grid worker) to a grid; None clears the assignment."""
    return await _change_staff(actor, slug, staff_id, {"grid_id": grid_id}, "staff.assign_grid")


async def deactivate_staff(actor: Principal, slug: str, staff_id: int) -> VisibleStaff:
    """Deactivate a staff member (kept for the record: their past acts name them)."""
    return await _change_staff(actor, slug, staff_id, {"active": False}, "staff.deactivate")


async def list_staff(
    actor: Principal, slug: str, *, include_inactive: bool = False
) -> list[VisibleStaff]:
    """The community's staff for roles of the ledger (Forbidden for residents)."""
    info = await community_for(actor, slug, VIEW_LEDGER, write=False)
    async with tenant_tx(slug):
        rows = await queries.staff_rows(include_inactive=include_inactive)
    view = visibility_for(actor, slug, info.county_code)
    return [visible_staff(view, r) for r in rows]


# -- bulk (seeding) ---------------------------------------------------------------------------
HOUSEHOLD_COPY_COLUMNS = (
    "id",
    "grid_id",
    "address",
    "size",
    *(c.value for c in Circumstance),
    "notes",
)
RESIDENT_COPY_COLUMNS = ("household_id", "name", "phone", "subject")


async def create_households_bulk(
    actor: Principal,
    slug: str,
    rows: Sequence[HouseholdInput | BulkHousehold],
    settings: Settings,
) -> list[int]:
    """Create many households (and their residents) in ONE transaction; their ids, in order.

    For seeding (the demo's ~2,000 households). Every row is validated before anything is
    written, so a bad row writes nothing. Ids are drawn from the sequence first, so the
    rows can go in with COPY (fast) and still come back in input order. One audit entry
    records the batch. The CLI's SYSTEM principal may seed; anyone else needs
    MANAGE_HOUSEHOLDS in the community.
    """
    if actor is SYSTEM:
        info = await access_community_by_slug(actor, slug)
        if info.status == "archived":
            raise CommunityArchived(slug=slug)
    else:
        await community_for(actor, slug, MANAGE_HOUSEHOLDS)
    items = [r if isinstance(r, BulkHousehold) else BulkHousehold(r) for r in rows]
    households = [_validated(i.household, settings) for i in items]
    residents = [[_validated_resident(r, settings) for r in i.residents] for i in items]
    subjects = [r.subject for rs in residents for r in rs if r.subject is not None]
    seen: set[str] = set()
    for s in subjects:
        if s in seen:
            raise ResidentSubjectTaken(subject=s)
        seen.add(s)
    if not households:
        return []
    async with tenant_tx(slug) as tx:
        known = await grid_queries.grid_ids()
        if any(h.grid_id not in known for h in households):
            raise GridNotFound()
        if subjects:
            taken = await tx.connection.fetchval(
                "SELECT subject FROM residents WHERE subject = ANY($1::text[]) LIMIT 1", subjects
            )
            if taken is not None:
                raise ResidentSubjectTaken(subject=taken)
        ids = [
            r["id"]
            for r in await tx.connection.fetch(
                "SELECT nextval(pg_get_serial_sequence('households', 'id')) AS id "
                "FROM generate_series(1, $1)",
                len(households),
            )
        ]
        await tx.connection.copy_records_to_table(
            "households",
            records=[
                (hid, h.grid_id, h.address, h.size, *asdict(h.circumstances).values(), h.notes)
                for hid, h in zip(ids, households, strict=True)
            ],
            columns=list(HOUSEHOLD_COPY_COLUMNS),
        )
        resident_records = [
            (hid, r.name, r.phone, r.subject)
            for hid, rs in zip(ids, residents, strict=True)
            for r in rs
        ]
        if resident_records:
            await tx.connection.copy_records_to_table(
                "residents", records=resident_records, columns=list(RESIDENT_COPY_COLUMNS)
            )
        await audit.record(
            tx,
            actor,
            "household.bulk_create",
            f"households:{ids[0]}..{ids[-1]}",
            after={"households": len(ids), "residents": len(resident_records)},
        )
    return ids
