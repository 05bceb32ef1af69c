"""Expected failures of the matters context that are not pure-rule failures."""

from __future__ import annotations

from services.errors import NotFound


class MatterNotFound(NotFound):
    """No such matter in this community — or not one the caller may see (same answer)."""

    code = "MATTER_NOT_FOUND"
    zh = "事项不存在"
    en = "Matter not found"


class HouseholdNotFound(NotFound):
    """No such household in this community — or not the caller's own (same answer)."""

    code = "HOUSEHOLD_NOT_FOUND"
    zh = "住户不存在"
    en = "Household not found"
