"""Who sees what of a household: masking of contacts and sensitive circumstances (pure, no I/O).

Every adapter that shows a household or a resident (this context's GraphQL types, the
matters slice's `Matter.household`, CSV exports) goes through these functions, so the rule
lives in one place:

- circumstances (独居老人、孤寡、残疾、低保、出租户) and free-text notes are sensitive: roles
  without ``VIEW_CIRCUMSTANCES`` get ``None`` (not ``False``: "hidden" must not read as
  "ordinary household");
- phone numbers are personal data: roles without ``VIEW_CONTACTS`` get them masked
  (``138****5678``);
- login subjects are account data: only roles that manage staff (``MANAGE_STAFF``,
  community cadres) see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.auth.model import Principal
from services.auth.permissions import allowed
from services.households.model import Circumstances
from services.households.permissions import MANAGE_STAFF, VIEW_CIRCUMSTANCES, VIEW_CONTACTS
from services.households.queries import HouseholdRow, ResidentRow, StaffRow

MASK = "*"


@dataclass(frozen=True)
class Visibility:
    """What one caller may see of households in one community (decided once per request)."""

    circumstances: bool = False
    contacts: bool = False
    subjects: bool = False


# Nothing sensitive: what an unknown caller would get.
NOTHING = Visibility()


def visibility_for(actor: Principal, slug: str, county: str) -> Visibility:
    """The caller's visibility in community ``slug`` of ``county``, read off the matrix."""
    return Visibility(
        circumstances=allowed(actor, VIEW_CIRCUMSTANCES, slug, county),
        contacts=allowed(actor, VIEW_CONTACTS, slug, county),
        subjects=allowed(actor, MANAGE_STAFF, slug, county),
    )


def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678``: never more than 7 characters of a number shown.

    Mobile numbers (11+ characters) keep the carrier prefix and the last four digits, as
    Chinese services conventionally show them; shorter ones (landlines without area code)
    keep at most half of their characters, from the end, and at most four. Every other
    character, separators included, becomes ``*``: the length stays visible, the number
    cannot be dialled.
    """
    phone = phone.strip()
    n = len(phone)
    if n >= 11:
        return phone[:3] + MASK * (n - 7) + phone[-4:]
    if n <= 4:
        return MASK * n
    tail = min(4, n // 2)
    return MASK * (n - tail) + phone[-tail:]


@dataclass(frozen=True)
class VisibleHousehold:
    """A household as one caller may see it; ``None`` marks a masked field."""

    id: int
    grid_id: int
    address: str
    size: int
    circumstances: Circumstances | None
    notes: str | None
    created_at: datetime | None
    # What it was masked for: nested data (its residents) is masked the same way.
    view: Visibility = NOTHING

    @property
    def masked(self) -> bool:
        """True when the sensitive fields were withheld from this caller."""
        return self.circumstances is None


@dataclass(frozen=True)
class VisibleResident:
    """A resident as one caller may see them; ``subject`` is None when withheld."""

    id: int
    household_id: int
    name: str
    phone: str
    subject: str | None
    created_at: datetime | None


@dataclass(frozen=True)
class VisibleStaff:
    """A staff member (cadre or grid worker) as one caller may see them."""

    id: int
    subject: str | None
    name: str
    role: str
    grid_id: int | None
    phone: str
    active: bool


def visible_household(view: Visibility, row: HouseholdRow) -> VisibleHousehold:
    """``row`` (a households row) with what ``view`` may not see set to None.

    The one function every adapter uses to show a household (see docs/households.md).
    It does not decide whether the caller may see the household at all: that is
    ``services.households.handlers.access_household_in_tx`` (residents: own household only).
    """
    return VisibleHousehold(
        id=row.id,
        grid_id=row.grid_id,
        address=row.address,
        size=row.size,
        circumstances=row.circumstances if view.circumstances else None,
        notes=row.notes if view.circumstances else None,
        created_at=row.created_at,
        view=view,
    )


def visible_resident(view: Visibility, row: ResidentRow) -> VisibleResident:
    """``row`` (a residents row) with the phone masked and the subject withheld as ``view`` says."""
    phone = row.phone or ""
    return VisibleResident(
        id=row.id,
        household_id=row.household_id,
        name=row.name,
        phone=phone if view.contacts else mask_phone(phone),
        subject=row.subject if view.subjects else None,
        created_at=row.created_at,
    )


def visible_staff(view: Visibility, row: StaffRow) -> VisibleStaff:
    """``row`` (a staff row) with the phone masked and the subject withheld as ``view`` says."""
    phone = row.phone or ""
    return VisibleStaff(
        id=row.id,
        subject=row.subject if view.subjects else None,
        name=row.name,
        role=row.role,
        grid_id=row.grid_id,
        phone=phone if view.contacts else mask_phone(phone),
        active=row.active,
    )
