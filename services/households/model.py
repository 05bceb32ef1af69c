"""Pure rules and vocabulary of the households context: household circumstances (住户情况).

Circumstances are recorded on the household and change triage (不能一刀切): the matters
context's suggestion rules match on them. Sensitive: handlers decide who sees them.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.errors import NotFound
from services.kernel.vocabulary import Labelled, labels


class Circumstance(Labelled):
    """A household circumstance that changes triage (不能一刀切)."""

    ELDERLY_LIVING_ALONE = "elderly_living_alone"
    ELDERLY_WITHOUT_FAMILY = "elderly_without_family"
    DISABILITY = "disability"
    SUBSISTENCE_ALLOWANCE = "subsistence_allowance"
    RENTING = "renting"


labels(
    Circumstance,
    {
        Circumstance.ELDERLY_LIVING_ALONE: ("独居老人", "Elderly person living alone"),
        Circumstance.ELDERLY_WITHOUT_FAMILY: ("孤寡老人", "Elderly person without family"),
        Circumstance.DISABILITY: ("残疾", "Disability"),
        Circumstance.SUBSISTENCE_ALLOWANCE: ("低保", "Subsistence allowance"),
        Circumstance.RENTING: ("出租户", "Renting household"),
    },
)


@dataclass(frozen=True)
class Circumstances:
    """A household's circumstances that change triage. Sensitive: handlers decide who sees them."""

    elderly_living_alone: bool = False
    elderly_without_family: bool = False
    disability: bool = False
    subsistence_allowance: bool = False
    renting: bool = False

    @property
    def flags(self) -> frozenset[Circumstance]:
        """The circumstances that hold, as vocabulary members (what rules match on)."""
        return frozenset(c for c in Circumstance if getattr(self, c.value))

    @classmethod
    def of(cls, *flags: Circumstance) -> Circumstances:
        """Circumstances with exactly these flags set."""
        return cls(**{c.value: True for c in flags})


ORDINARY_HOUSEHOLD = Circumstances()


class HouseholdNotFound(NotFound):
    """No such household in this community — or not the caller's own (same answer)."""

    code = "HOUSEHOLD_NOT_FOUND"
    zh = "住户不存在"
    en = "Household not found"
