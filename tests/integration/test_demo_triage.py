"""The realistic community seed: what a small instance holds, its DOMAIN cases, idempotence."""

from __future__ import annotations

import secrets
from datetime import date

import pytest

from services.runtime.demo.triage import DOG_DISPUTES_TITLE, DemoPeople, seed_realistic
from services.settings import Settings
from tenants.provisioning import create_community
from tenants.tx import platform_tx, tenant_tx

HOUSEHOLDS, REQUESTS = 60, 40
TODAY = date(2025, 6, 15)
STATUSES = {
    "registered",
    "awaiting_council",
    "classified",
    "in_progress",
    "resolved",
    "closed",
    "reopened",
    "withdrawn",
}


async def _new_community() -> str:
    slug = f"seeded_{secrets.token_hex(3)}"
    await create_community(slug, "播种社区", "testcounty", name_en="Seeded")
    return slug


async def _summary(slug: str) -> dict[str, object]:
    """Counts that describe a seeded community (compared across seeds and runs)."""
    async with tenant_tx(slug) as tx:
        c = tx.connection
        return {
            "households": await c.fetchval("SELECT count(*) FROM households"),
            "residents": await c.fetchval("SELECT count(*) FROM residents"),
            "staff": await c.fetchval("SELECT count(*) FROM staff"),
            "members": await c.fetchval("SELECT count(*) FROM council_members"),
            "sessions": await c.fetchval("SELECT count(*) FROM council_sessions"),
            "matters": await c.fetchval("SELECT count(*) FROM matters"),
            "votes": await c.fetchval("SELECT count(*) FROM votes"),
            "statuses": dict(
                await c.fetch("SELECT status, count(*) FROM matters GROUP BY status ORDER BY 1")
            ),
            "kinds": dict(
                await c.fetch(
                    "SELECT coalesce(kind, '-'), count(*) FROM matters GROUP BY 1 ORDER BY 1"
                )
            ),
            "audit": await c.fetchval("SELECT count(*) FROM audit_log"),
        }


@pytest.fixture(scope="module")
async def seeded(communities, settings: Settings) -> str:
    """One small seeded community shared by the tests of this module."""
    slug = await _new_community()
    report = await seed_realistic(
        slug, households=HOUSEHOLDS, requests=REQUESTS, settings=settings, today=TODAY
    )
    assert not report.skipped
    assert (report.households, report.requests, report.council) == (HOUSEHOLDS, REQUESTS, 21)
    return slug


async def test_counts_and_people(seeded):
    """Staff, households with residents, 12 sessions and every request, as asked."""
    s = await _summary(seeded)
    assert s["households"] == HOUSEHOLDS and s["matters"] == REQUESTS
    assert s["residents"] >= HOUSEHOLDS and s["sessions"] == 12
    assert s["staff"] == 4 + 7  # secretary, three cadres, one grid worker per grid
    people = DemoPeople(seeded)
    async with tenant_tx(seeded) as tx:
        staff = {r["subject"]: r for r in await tx.connection.fetch("SELECT * FROM staff")}
        linked = await tx.connection.fetch(
            "SELECT subject, household_id FROM residents WHERE subject IS NOT NULL ORDER BY 1"
        )
        renting = await tx.connection.fetchval("SELECT count(*) FROM households WHERE renting")
        alone = await tx.connection.fetchval(
            "SELECT count(*) FROM households WHERE elderly_living_alone"
        )
    assert staff[people.secretary]["role"] == "community_cadre"
    assert all(staff[people.grid_worker(n)]["grid_id"] is not None for n in range(1, 8))
    assert [r["subject"] for r in linked] == [people.resident(n) for n in range(1, 6)]
    assert renting > 0 and alone > 0


async def test_every_promised_status_is_present(seeded):
    """The year ends with a request in every status of the lifecycle."""
    assert set((await _summary(seeded))["statuses"]) == STATUSES


async def test_council_of_three_per_grid_with_a_chair(seeded):
    """21 members, 3 per grid, each with a login and a household; exactly one chair."""
    async with tenant_tx(seeded) as tx:
        rows = await tx.connection.fetch(
            "SELECT grid_id, subject, household_id, is_chair FROM council_members"
        )
    per_grid: dict[int, int] = {}
    for r in rows:
        per_grid[r["grid_id"]] = per_grid.get(r["grid_id"], 0) + 1
    assert sorted(per_grid.values()) == [3] * 7
    assert sum(r["is_chair"] for r in rows) == 1
    assert all(r["subject"] and r["household_id"] for r in rows)
    assert DemoPeople(seeded).council_member(1, 1) in {r["subject"] for r in rows}


async def test_classified_matters_have_sheets_and_majors_outbox_rows(seeded):
    """Every decided matter has a sheet; one matter.major outbox row per major classification."""
    async with tenant_tx(seeded) as tx:
        unsheeted = await tx.connection.fetchval(
            "SELECT count(*) FROM matters m WHERE m.kind IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM classification_sheets s WHERE s.matter_id = m.id)"
        )
        sheeted_undecided = await tx.connection.fetchval(
            "SELECT count(*) FROM matters m WHERE m.kind IS NULL AND EXISTS "
            "(SELECT 1 FROM classification_sheets s WHERE s.matter_id = m.id)"
        )
        majors = await tx.connection.fetchval(
            "SELECT count(*) FROM classification_sheets WHERE kind = 'major'"
        )
    async with platform_tx() as tx:
        outbox = await tx.connection.fetchval(
            "SELECT count(*) FROM platform.outbox WHERE community_slug = $1 "
            "AND topic = 'matter.major'",
            seeded,
        )
    assert unsheeted == 0 and sheeted_undecided == 0
    assert majors > 0 and outbox == majors


async def test_domain_cases_are_in_the_ledger(seeded):
    """The repair, blood pressure, street light, eaves, bus stop, dog disputes and home light
    cases."""
    async with tenant_tx(seeded) as tx:
        c = tx.connection
        by_title = {
            r["title"]: r
            for r in await c.fetch("SELECT id, title, kind, status, suggested_kind FROM matters")
        }
        repair = by_title["请政府帮忙修缮老房子"]
        assert (repair["kind"], repair["status"]) == ("private", "closed")
        assert await c.fetchval(
            "SELECT explanation <> '' FROM classification_sheets WHERE matter_id = $1",
            repair["id"],
        )
        bp = by_title["每月25日上门量血压"]
        assert await c.fetchval(
            "SELECT group_name FROM referrals WHERE matter_id = $1", bp["id"]
        ) == ("金色港湾义工队")
        light = by_title["巷口没有路灯"]
        parties = await c.fetch(
            "SELECT party, kept FROM commitments WHERE matter_id = $1 ORDER BY party", light["id"]
        )
        assert [(p["party"], p["kept"]) for p in parties] == [
            ("community", True),
            ("resident", True),
        ]
        eaves = by_title["邻居在屋檐下搭建围挡"]
        sheets = await c.fetch(
            "SELECT kind, previous_kind, evidence FROM classification_sheets "
            "WHERE matter_id = $1 ORDER BY version",
            eaves["id"],
        )
        assert [(s["kind"], s["previous_kind"]) for s in sheets] == [
            ("minor", None),
            ("major", "minor"),
        ]
        assert sheets[1]["evidence"]
        assert by_title["公交站点东移"]["kind"] == "major"
        # The dog disputes: a major matter, solved mainly by the owners' own association.
        assert by_title[DOG_DISPUTES_TITLE]["kind"] == "major"
        assert by_title["家里的灯坏了"]["suggested_kind"] == "private"
        elderly = by_title["独居老人家里的灯坏了"]
        assert (elderly["suggested_kind"], elderly["kind"]) == ("minor", "minor")
        reopened = await c.fetchval(
            "SELECT count(*) FROM matter_transitions WHERE matter_id = $1 "
            "AND to_status = 'reopened'",
            elderly["id"],
        )
        assert reopened == 1 and elderly["status"] == "closed"


async def test_seeding_again_does_nothing(seeded, settings):
    """A community that has households is left exactly as it is."""
    before = await _summary(seeded)
    again = await seed_realistic(seeded, households=10, requests=5, settings=settings)
    assert again.skipped
    assert await _summary(seeded) == before


async def test_same_seed_same_community(seeded, settings):
    """Another community seeded with the same seed and day holds the same counts."""
    other = await _new_community()
    await seed_realistic(
        other, households=HOUSEHOLDS, requests=REQUESTS, settings=settings, today=TODAY
    )
    assert await _summary(other) == await _summary(seeded)
