"""The demo's volunteer teams (docs/demo.md): seeded after a community's year of triage and
its groups, through the handlers; Golden Harbour's 25th round with a year behind it."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

import pytest

from services.runtime.demo.groups import seed_groups
from services.runtime.demo.triage import seed_realistic
from services.runtime.demo.volunteers import describe, seed_volunteers
from services.settings import Settings
from tenants.provisioning import create_community
from tenants.tx import tenant_tx

TODAY = date(2026, 12, 4)


@pytest.fixture(scope="module")
async def seeded(communities, settings: Settings) -> tuple[str, Any]:
    slug = f"helped_{secrets.token_hex(3)}"
    await create_community(slug, "义工社区", "testcounty", name_en="Helped")
    await seed_realistic(slug, households=300, requests=60, settings=settings, today=TODAY)
    await seed_groups(slug, settings=settings, today=TODAY)
    report = await seed_volunteers(slug, settings=settings, today=TODAY)
    return slug, report


async def _one(slug: str, sql: str) -> Any:
    async with tenant_tx(slug) as tx:
        return await tx.connection.fetchval(sql)


async def test_teams_and_volunteers_with_consent(seeded):
    slug, report = seeded
    assert not report.skipped and report.teams >= 2
    assert await _one(slug, "SELECT count(*) FROM groups WHERE kind = 'volunteer_team'") == (
        report.teams
    )
    assert await _one(slug, "SELECT count(*) FROM volunteers") == report.volunteers >= 40
    assert await _one(slug, "SELECT count(*) FROM volunteers WHERE consent_on IS NULL") == 0
    assert await _one(slug, "SELECT count(*) FROM volunteers WHERE resident_id IS NULL") > 0


async def test_golden_harbours_round_has_a_year_behind_it_and_60_days_ahead(seeded):
    slug, report = seeded
    v = report.visits
    assert v["done_confirmed"] > v["done"] > 0 and v["missed"] > 0
    assert report.planned > 0
    statuses = await _one(
        slug,
        "SELECT string_agg(DISTINCT status, ',' ORDER BY status) FROM visits x "
        "JOIN volunteer_services s ON s.id = x.service_id WHERE s.rrule LIKE '%BYMONTHDAY=25%'",
    )
    assert statuses == "done,missed,planned"
    assert (
        await _one(
            slug, "SELECT count(*) FROM visits WHERE status = 'done' AND confirmed_at IS NOT NULL"
        )
        == v["done_confirmed"]
    )


async def test_one_blood_pressure_referral_became_help_and_again_is_nothing(seeded, settings):
    slug, report = seeded
    assert report.enrolled_by_referral == 1
    assert (
        await _one(slug, "SELECT count(*) FROM service_enrolments WHERE referral_id IS NOT NULL")
        == 1
    )
    again = await seed_volunteers(slug, settings=settings, today=TODAY)
    assert again.skipped and "未播种" in describe(again)[0]
    zh, en = describe(report)
    assert "金色港湾" in zh and "Golden Harbour" in en
