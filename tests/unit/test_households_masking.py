"""Masking of household circumstances, notes, phone numbers and login subjects (pure rules)."""

from __future__ import annotations

import pytest

from services.auth.model import Principal, Role, Scope, ScopeKind
from services.households.masking import (
    NOTHING,
    Visibility,
    mask_phone,
    visibility_for,
    visible_household,
    visible_resident,
    visible_staff,
)
from services.households.model import Circumstance, Circumstances
from services.households.queries import HouseholdRow, ResidentRow, StaffRow

SLUG, COUNTY = "alpha", "testcounty"

HOUSEHOLD = HouseholdRow(
    **{
        "id": 7,
        "grid_id": 2,
        "address": "东海路 12 号",
        "size": 1,
        "elderly_living_alone": True,
        "elderly_without_family": False,
        "disability": False,
        "subsistence_allowance": True,
        "renting": False,
        "notes": "儿子在外地，很少回来",
        "created_at": None,
    }
)
RESIDENT = ResidentRow(
    **{
        "id": 3,
        "household_id": 7,
        "name": "王阿婆",
        "phone": "13812345678",
        "subject": "wang-apo",
        "created_at": None,
    }
)
STAFF = StaffRow(
    **{
        "id": 1,
        "subject": "li-gw",
        "name": "李网格",
        "role": "grid_worker",
        "grid_id": 2,
        "phone": "13900001111",
        "active": True,
    }
)


def _principal(role: Role) -> Principal:
    county_wide = role in {Role.COUNTY_ADMIN, Role.COUNTY_LEADER}
    scope = Scope(ScopeKind.COUNTY, COUNTY) if county_wide else Scope(ScopeKind.COMMUNITY, SLUG)
    return Principal(f"u-{role.value}", frozenset({role}), scope)


# role -> (circumstances, contacts, subjects)
EXPECTED = {
    Role.COUNTY_ADMIN: (False, False, False),
    Role.COUNTY_LEADER: (False, False, False),
    Role.COMMUNITY_CADRE: (True, True, True),
    Role.GRID_WORKER: (True, True, False),
    Role.COUNCIL_MEMBER: (True, False, False),
    Role.RESIDENT: (False, False, False),
    Role.DEPARTMENT_OFFICER: (False, False, False),
}


@pytest.mark.parametrize("role", list(EXPECTED), ids=lambda r: r.value)
def test_visibility_follows_the_permission_matrix(role: Role):
    """Each role's visibility is read off Op.VIEW_CIRCUMSTANCES / VIEW_CONTACTS / MANAGE_STAFF."""
    v = visibility_for(_principal(role), SLUG, COUNTY)
    assert (v.circumstances, v.contacts, v.subjects) == EXPECTED[role]


def test_visibility_is_nothing_in_another_community():
    """A cadre of alpha sees nothing sensitive of beta (roles apply in their own scope only)."""
    assert visibility_for(_principal(Role.COMMUNITY_CADRE), "beta", COUNTY) == NOTHING


def test_county_admin_of_another_county_sees_nothing_sensitive():
    """County scopes apply only in their own county."""
    admin = Principal("a", frozenset({Role.COMMUNITY_CADRE}), Scope(ScopeKind.COUNTY, "other"))
    assert visibility_for(admin, SLUG, COUNTY) == NOTHING


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "+86*******5678"),
        ("138-1234-5678", "138******5678"),
        ("5081234", "****234"),
        ("0580-5081234", "058*****1234"),
        ("12345", "***45"),
        ("1234", "****"),
        ("", ""),
        ("  13812345678 ", "138****5678"),
    ],
)
def test_mask_phone(phone: str, masked: str):
    """Mobile numbers keep prefix and last four; short ones keep a small tail; nothing else."""
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("phone", ["13812345678", "5081234", "0580-5081234", "12345", "12"])
def test_masked_phone_keeps_length_and_hides_enough(phone: str):
    """Same length, at least 4 hidden for mobiles and at least half hidden for shorter numbers."""
    masked = mask_phone(phone)
    hidden = masked.count("*")
    assert len(masked) == len(phone) and masked != phone
    assert hidden >= (4 if len(phone) >= 11 else (len(phone) + 1) // 2)


def test_household_masked_fields_are_none_not_false():
    """Hidden circumstances are None, never "all false" (which would read as ordinary)."""
    h = visible_household(NOTHING, HOUSEHOLD)
    assert h.circumstances is None and h.notes is None and h.masked
    assert (h.id, h.grid_id, h.address, h.size) == (7, 2, "东海路 12 号", 1)


def test_household_visible_fields_for_a_role_that_may_see_them():
    """With VIEW_CIRCUMSTANCES the flags and notes come through as the triage value object."""
    h = visible_household(Visibility(circumstances=True), HOUSEHOLD)
    assert h.circumstances == Circumstances.of(
        Circumstance.ELDERLY_LIVING_ALONE, Circumstance.SUBSISTENCE_ALLOWANCE
    )
    assert h.notes == HOUSEHOLD.notes and not h.masked


def test_household_remembers_the_view_it_was_masked_for():
    """Nested data (residents) is masked with the same view as its household."""
    view = Visibility(circumstances=True, contacts=False)
    assert visible_household(view, HOUSEHOLD).view == view


def test_resident_phone_masked_and_subject_withheld_by_default():
    """Without VIEW_CONTACTS the phone is masked; without MANAGE_STAFF no subject."""
    r = visible_resident(NOTHING, RESIDENT)
    assert (r.phone, r.subject, r.name) == ("138****5678", None, "王阿婆")


def test_resident_in_full_for_a_cadre_view():
    """Contacts and subjects come through unmasked when the view allows."""
    r = visible_resident(Visibility(True, True, True), RESIDENT)
    assert (r.phone, r.subject) == ("13812345678", "wang-apo")


def test_staff_masking_matches_residents():
    """Staff phones and subjects follow the same rules as residents'."""
    s = visible_staff(NOTHING, STAFF)
    assert (s.phone, s.subject, s.role, s.active) == ("139****1111", None, "grid_worker", True)
    full = visible_staff(Visibility(True, True, True), STAFF)
    assert (full.phone, full.subject) == ("13900001111", "li-gw")
