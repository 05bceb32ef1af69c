"""The matters core: registration with a suggestion, classification onto the sheet."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from services.auth.model import Principal, Role, Scope, ScopeKind
from services.grids.tables import Grid
from services.households.model import HouseholdNotFound
from services.households.tables import Household
from services.matters import handlers
from services.matters.model import Channel, IllegalTransition, MatterKind, MatterStatus
from services.matters.tables import ClassificationSheet, MatterTransition
from tenants.tx import tenant_tx

_grid_codes = itertools.count(1)


def cadre(slug: str) -> Principal:
    return Principal(
        f"cadre@{slug}", frozenset({Role.COMMUNITY_CADRE}), Scope(ScopeKind.COMMUNITY, slug)
    )


async def _household(slug: str, **circumstances: bool) -> int:
    async with tenant_tx(slug):
        grid = (
            await Grid.insert(Grid(code=f"core{next(_grid_codes)}", name="核心"))
            .returning(Grid.id)
            .run()
        )[0]
        row = (
            await Household.insert(
                Household(grid_id=grid["id"], address="东海路1号", size=1, **circumstances)
            )
            .returning(Household.id)
            .run()
        )
    return row[0]["id"]


def _request(household_id: int, category: str = "home_lighting") -> handlers.RegisterRequestInput:
    return handlers.RegisterRequestInput(
        household_id=household_id,
        channel=Channel.HOME_VISIT,
        category=category,
        title="家里灯坏了",
        description="厨房的灯不亮了",
        occurred_on=date(2026, 3, 1),
    )


async def test_home_light_suggestion_depends_on_circumstances(settings, communities):
    """Home lighting: private for an ordinary household, minor for an elderly person alone."""
    a, _ = communities
    ordinary = await _household(a)
    alone = await _household(a, elderly_living_alone=True)
    m1 = await handlers.register_request(cadre(a), a, _request(ordinary), settings)
    m2 = await handlers.register_request(cadre(a), a, _request(alone), settings)
    assert (m1.suggested_kind, m2.suggested_kind) == ("private", "minor")
    assert m1.status == "registered" and m1.number.startswith("M2026-")


async def test_other_communitys_household_is_not_found(settings, communities):
    """A household id of community A does not exist in community B."""
    a, b = communities
    for _ in range(3):  # ids run per schema: make A's newest id one that B does not have
        hid = await _household(a)
    async with tenant_tx(b):
        assert not await Household.exists().where(Household.id == hid).run()
    with pytest.raises(HouseholdNotFound):
        await handlers.register_request(cadre(b), b, _request(hid), settings)


async def test_classification_writes_sheet_history_and_refuses_illegal_moves(settings, communities):
    """Classify records sheet v1 and history; classifying a registered matter is illegal."""
    a, _ = communities
    hid = await _household(a)
    m = await handlers.register_request(cadre(a), a, _request(hid, "street_lighting"), settings)
    async with tenant_tx(a) as tx:
        with pytest.raises(IllegalTransition):
            await handlers.classify_in_tx(tx, cadre(a), m, MatterKind.MINOR, reasoning="x")
    async with tenant_tx(a) as tx:
        m = await handlers.transition_in_tx(tx, cadre(a), m, MatterStatus.AWAITING_COUNCIL)
        classified = await handlers.classify_in_tx(
            tx, cadre(a), m, MatterKind.MINOR, reasoning="社区和居民协商解决"
        )
    sheet = classified.sheet
    assert sheet.version == 1 and sheet.responsible == "community_and_residents"
    assert sheet.suggestion_followed is True
    assert (classified.matter.status, classified.matter.kind) == ("classified", "minor")
    async with tenant_tx(a):
        history = (
            await MatterTransition.select(MatterTransition.to_status)
            .where(MatterTransition.matter_id == m.id)
            .order_by(MatterTransition.id)
            .run()
        )
        sheets = (
            await ClassificationSheet.count().where(ClassificationSheet.matter_id == m.id).run()
        )
    assert [h["to_status"] for h in history] == ["registered", "awaiting_council", "classified"]
    assert sheets == 1
