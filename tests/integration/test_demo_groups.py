"""The demo's resident groups: the dog owners' association founded by the dog disputes, its
elected core, convention in force, dogs and incidents in every duty state; the volunteer
team with the year's referrals linked; idempotence (a small seeded community)."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

import pytest

from services.api.kit.request import SanshiContext
from services.api.schema import build_schema
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.runtime.demo.groups import (
    ASSOCIATION,
    CONVENTION,
    CORE_SEATS,
    DemoGroupPeople,
    seed_groups,
)
from services.runtime.demo.triage import DOG_DISPUTES_TITLE, GOLDEN_HARBOUR, seed_realistic
from services.settings import Settings
from tenants.provisioning import create_community
from tenants.tx import tenant_tx

TODAY = date(2026, 6, 15)


@pytest.fixture(scope="module")
async def seeded(communities, settings: Settings) -> tuple[str, Any]:
    """One small community with its year of triage, then its groups."""
    slug = f"grouped_{secrets.token_hex(3)}"
    await create_community(slug, "结社社区", "testcounty", name_en="Grouped")
    await seed_realistic(slug, households=60, requests=40, settings=settings, today=TODAY)
    report = await seed_groups(slug, settings=settings, today=TODAY)
    assert not report.skipped
    return slug, report


async def _one(slug: str, sql: str, *args: Any) -> Any:
    async with tenant_tx(slug) as tx:
        return await tx.connection.fetchrow(sql, *args)


async def _gql(settings: Settings, principal: Principal, query: str, **variables: Any) -> Any:
    schema = build_schema(settings)
    ctx = SanshiContext(settings=settings, request_id="t", principal=principal)
    got = await schema.execute(query, variable_values=variables, context_value=ctx)
    assert not got.errors, got.errors
    return got.data


async def test_the_association_comes_out_of_the_major_matter(seeded):
    """Founded by the council's major matter on the dog disputes; members with dogs."""
    slug, report = seeded
    row = await _one(
        slug,
        "SELECT g.id, g.kind, m.kind AS matter_kind, m.title, "
        "(SELECT count(*) FROM group_members gm WHERE gm.group_id = g.id AND gm.left_on IS NULL)"
        " AS members, (SELECT count(DISTINCT household_id) FROM group_dogs d "
        "WHERE d.group_id = g.id) AS dog_households "
        "FROM groups g JOIN matters m ON m.id = g.founding_matter_id WHERE g.name_zh = $1",
        ASSOCIATION,
    )
    assert (row["kind"], row["matter_kind"], row["title"]) == (
        "self_governance",
        "major",
        DOG_DISPUTES_TITLE,
    )
    assert row["members"] >= 11 and row["dog_households"] == row["members"]
    assert report.dogs >= row["members"] and report.overdue_vaccinations >= 0


async def test_the_core_is_elected_and_the_convention_in_force(seeded, settings):
    """Five elected members sit on the core today; the convention is adopted; the leader
    (a login the seed gave) reads both, and the overdue vaccinations, over GraphQL."""
    slug, report = seeded
    assert report.core == CORE_SEATS and report.ballots > CORE_SEATS
    gid = (await _one(slug, "SELECT id FROM groups WHERE name_zh = $1", ASSOCIATION))["id"]
    leader = Principal(
        DemoGroupPeople(slug).dog_owner(1),
        frozenset({Role.RESIDENT}),
        Scope(ScopeKind.COMMUNITY, slug),
    )
    data = await _gql(
        settings,
        leader,
        """query($c: String!, $g: ID!) { community(slug: $c) { group(id: $g) {
             myRoles currentCore { id } overdueVaccinations { id vaccinationOverdue }
             conventionsInForce { status clauses { number incidentKinds } }
             elections { items { status } } } } }""",
        c=slug,
        g=str(gid),
    )
    group = data["community"]["group"]
    assert "LEADER" in group["myRoles"]
    assert len(group["currentCore"]) >= CORE_SEATS
    assert all(d["vaccinationOverdue"] for d in group["overdueVaccinations"])
    assert len(group["overdueVaccinations"]) == report.overdue_vaccinations
    [in_force] = group["conventionsInForce"]
    assert in_force["status"] == "ADOPTED" and len(in_force["clauses"]) == 6
    assert {"DOG_BITE"} <= {k for c in in_force["clauses"] for k in c["incidentKinds"]}
    assert [e["status"] for e in group["elections"]["items"]][-1] == "PUBLISHED"
    title = await _one(slug, "SELECT title_zh FROM group_conventions WHERE group_id = $1", gid)
    assert title["title_zh"] == CONVENTION


async def test_incidents_in_every_duty_state_and_one_escalated(seeded):
    """Duties fulfilled, refused and owed; the unpaid costs became a minor matter."""
    slug, report = seeded
    assert report.incidents == 5
    async with tenant_tx(slug) as tx:
        states = {
            r["state"]: r["n"]
            for r in await tx.connection.fetch(
                "SELECT state, count(*) AS n FROM group_duties GROUP BY state"
            )
        }
        escalated = await tx.connection.fetch(
            "SELECT d.kind, m.kind AS matter_kind, m.status FROM group_duties d "
            "JOIN matters m ON m.id = d.matter_id"
        )
    assert set(states) == {"owed", "fulfilled", "refused"}
    assert [(e["kind"], e["matter_kind"]) for e in escalated] == [("advance_costs", "minor")]
    assert dict(report.duties) == states


async def test_the_volunteer_team_has_the_years_referrals(seeded):
    """Registering 金色港湾义工队 linked the free-text referrals; its leader answered some."""
    slug, report = seeded
    row = await _one(
        slug,
        "SELECT count(*) FILTER (WHERE r.group_id = g.id) AS linked, "
        "count(*) FILTER (WHERE r.group_id IS NULL) AS unlinked, "
        "count(*) FILTER (WHERE r.status = 'completed') AS completed "
        "FROM referrals r, groups g WHERE g.name_zh = $1",
        GOLDEN_HARBOUR[1],
    )
    assert row["linked"] == report.referrals_linked >= 1 and row["unlinked"] == 0
    assert row["completed"] == report.referrals_acted["completed"]
    kinds = await _one(slug, "SELECT array_agg(kind ORDER BY kind) AS k FROM groups")
    assert kinds["k"] == ["elders", "interest", "self_governance", "volunteer_team"]


async def test_seeding_groups_again_does_nothing(seeded, settings):
    """A community that has groups is left as it is."""
    slug, _ = seeded
    before = await _one(slug, "SELECT count(*) AS n FROM audit_log")
    again = await seed_groups(slug, settings=settings, today=TODAY)
    assert again.skipped
    assert await _one(slug, "SELECT count(*) AS n FROM audit_log") == before
