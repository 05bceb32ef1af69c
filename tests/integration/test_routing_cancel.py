"""A major matter withdrawn, or reclassified away from major: its open tickets are cancelled."""

from __future__ import annotations

import pytest

from services.auth.model import Role
from services.departments.defaults import install_county_defaults
from services.matters import handlers as matters
from services.matters.model import MatterKind
from services.routing import handlers
from tenants.tx import platform_tx
from tests.integration.test_routing_flow import (  # the routing tests' own set-up helpers
    COUNTY,
    major_matter,
    person,
    tickets_of,
)


@pytest.fixture
async def county(communities) -> str:
    """The test county with its default departments and rules."""
    await install_county_defaults(COUNTY)
    return COUNTY


async def _ended_messages(slug: str, matter_id: int) -> list[str]:
    async with platform_tx() as tx:
        rows = await tx.connection.fetch(
            "SELECT payload->>'reason' AS reason FROM platform.outbox "
            "WHERE topic = 'matter.routing_ended' AND community_slug = $1 "
            "AND (payload->>'matter_id')::int = $2 ORDER BY id",
            slug,
            matter_id,
        )
    return [r["reason"] for r in rows]


async def _route(slug: str, matter_id: int) -> None:
    async with platform_tx() as tx:
        version = await tx.connection.fetchval(
            "SELECT max((payload->>'sheet_version')::int) FROM platform.outbox "
            "WHERE topic = 'matter.major' AND community_slug = $1 "
            "AND (payload->>'matter_id')::int = $2",
            slug,
            matter_id,
        )
    await handlers.route_major_matter(slug, matter_id, version)


async def test_withdrawing_a_major_matter_cancels_its_open_tickets(settings, county):
    """Withdraw writes one routing_ended message; the use case cancels every open ticket once."""
    mid = await major_matter(settings, "alpha", "road_and_drainage")  # two departments
    await _route("alpha", mid)
    assert {t.status for t in await tickets_of("alpha", mid)} == {"routed"}
    await matters.withdraw_matter(
        person(Role.COMMUNITY_CADRE), "alpha", mid, settings, reason="居民自行解决了"
    )
    assert await _ended_messages("alpha", mid) == ["withdrawn"]
    assert await handlers.cancel_matter_tickets("alpha", mid, "withdrawn") == 2
    assert await handlers.cancel_matter_tickets("alpha", mid, "withdrawn") == 0  # redelivered
    tickets = await tickets_of("alpha", mid)
    assert len(tickets) == 2 and {t.status for t in tickets} == {"cancelled"}
    async with platform_tx() as tx:
        events = await tx.connection.fetch(
            "SELECT kind FROM platform.ticket_events WHERE ticket_id = ANY($1::bigint[]) "
            "AND kind = 'cancelled'",
            [t.id for t in tickets],
        )
    assert len(events) == 2


async def test_reclassifying_away_from_major_cancels_and_back_routes_again(settings, county):
    """Major → minor cancels the tickets; minor → major again routes a new classification."""
    mid = await major_matter(settings, "alpha", "transport")
    await _route("alpha", mid)
    cadre = person(Role.COMMUNITY_CADRE)
    await matters.reclassify_matter(
        cadre, "alpha", mid, MatterKind.MINOR, settings, reason="交通局说明属社区可协调事项"
    )
    assert await _ended_messages("alpha", mid) == ["reclassified"]
    assert await handlers.cancel_matter_tickets("alpha", mid, "reclassified") == 1
    await matters.reclassify_matter(
        cadre, "alpha", mid, MatterKind.MAJOR, settings, reason="协商未果，重新上报"
    )
    await _route("alpha", mid)
    statuses = sorted(t.status for t in await tickets_of("alpha", mid))
    assert statuses == ["cancelled", "routed"]
    assert await _ended_messages("alpha", mid) == ["reclassified"]  # only the move away


async def test_withdrawing_a_minor_matter_writes_no_routing_message(settings, county):
    """Only matters that are major when withdrawn concern the departments."""
    mid = await major_matter(settings, "alpha", "street_lighting", classify=False)
    await matters.withdraw_matter(
        person(Role.COMMUNITY_CADRE), "alpha", mid, settings, reason="登记重复"
    )
    assert await _ended_messages("alpha", mid) == []
