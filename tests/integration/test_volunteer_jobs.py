"""The job that plans visits: one outbox message per active community (fan-out), and the
actor's work per community — idempotent, and a dead letter for a community that is gone."""

from __future__ import annotations

import json

import pytest

from services import localtime
from services.routing.deadletters import PoisonMessage
from services.volunteers import actors, jobs
from tenants.provisioning import list_communities
from tenants.tx import platform_tx


async def _rows() -> list[tuple[str, dict]]:
    async with platform_tx() as tx:
        rows = await tx.raw.fetch(
            "SELECT community_slug, payload FROM platform.outbox WHERE topic = $1 "
            "AND sent_at IS NULL ORDER BY id",
            actors.PLAN_TOPIC,
        )
    return [(r["community_slug"], json.loads(r["payload"])) for r in rows]


async def _forget() -> None:
    async with platform_tx() as tx:
        await tx.raw.execute("DELETE FROM platform.outbox WHERE topic = $1", actors.PLAN_TOPIC)


async def test_the_job_asks_each_active_community_once(communities):
    await _forget()
    try:
        written = await jobs.plan_visits_job()
        active = {c.slug for c in await list_communities(include_archived=False)}
        rows = await _rows()
        assert written == len(active) == len(rows)
        assert {slug for slug, _ in rows} == active and {"alpha", "beta"} <= active
        assert {p["day"] for _, p in rows} == {localtime.today().isoformat()}
    finally:
        await _forget()


async def test_the_actor_plans_a_community_and_a_second_run_adds_nothing(communities):
    first = await actors.plan_community("alpha")
    again = await actors.plan_community("alpha", localtime.today().isoformat())
    assert again.inserted == 0 and again.services == first.services


@pytest.mark.parametrize("slug", ["nosuchcommunity", "Not A Slug"])
async def test_a_community_that_is_gone_is_poison(slug):
    with pytest.raises(PoisonMessage):
        await actors.plan_community(slug)


async def test_a_malformed_day_is_poison(communities):
    with pytest.raises(PoisonMessage):
        await actors.plan_community("alpha", "the 25th")
