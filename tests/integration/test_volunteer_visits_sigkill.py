"""Planning visits survives a worker SIGKILLed mid-run: a real `sanshi worker` process runs
the real ``volunteers.plan_visits`` actor, is killed while its transaction is open, and the
redelivered message — run by a second worker — plans every visit exactly once.

How the kill lands mid-run, without a test hook in the product: the test's own open
transaction has inserted one of the visits the run is about to plan (same service,
household and day) and not committed; the worker's single INSERT … ON CONFLICT DO NOTHING
waits on that row, inside the worker's transaction. The test sees it waiting (in
``pg_stat_activity``), SIGKILLs the worker, then commits its row. The killed worker's
transaction never commits; the second worker's run plans all the rest and skips the row
that now exists.
"""

from __future__ import annotations

import os
import secrets
import signal
import time
import uuid
from datetime import date, timedelta

import asyncpg
import dramatiq
import pytest

from services import localtime
from services.auth.model import Role
from services.grids.handlers import create_grid
from services.groups import handlers as groups
from services.groups.model import GroupKind
from services.households import handlers as hh
from services.households.model import Circumstance, Circumstances
from services.settings import Settings
from services.volunteers import services
from services.volunteers.actors import PLAN_VISITS
from services.volunteers.model import TargetKind
from tenants.provisioning import create_community
from tenants.slugs import schema_for
from tenants.tx import tenant_tx
from tests.integration import worker_support
from tests.integration.groups_support import person
from tests.integration.worker_support import started, stop, wait_for

ns_settings = worker_support.ns_settings  # this test's own Redis namespace (a fixture)

WORKER_CODE = """
from workers.cli import worker
worker.main(["--threads", "1", "--no-relay", "--no-scheduler", "--shutdown-timeout", "5"],
            prog_name="sanshi worker")
"""
HOUSEHOLDS = 12
REDELIVERY_BOUND_S = 10.0


async def _visits(slug: str, service_id: int) -> list[tuple[int, date]]:
    async with tenant_tx(slug) as tx:
        rows = await tx.connection.fetch(
            "SELECT household_id, day FROM visits WHERE service_id = $1 ORDER BY 1, 2",
            service_id,
        )
    return [(r["household_id"], r["day"]) for r in rows]


async def _waiting_insert(settings: Settings) -> bool:
    """Whether a backend is waiting on a lock while inserting visits (the worker's run)."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        return bool(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE '%INSERT INTO visits%'"
            )
        )
    finally:
        await conn.close()


@pytest.fixture
async def planned_community(communities, settings):
    """A community of its own with a daily service for 12 elderly people living alone."""
    slug = f"vk_{secrets.token_hex(3)}"
    await create_community(slug, "走访社区", "testcounty", name_en="Visits")
    cadre = person(Role.COMMUNITY_CADRE, slug)
    grid = (await create_grid(cadre, slug, "k1", "一网格")).id
    alone = Circumstances.of(Circumstance.ELDERLY_LIVING_ALONE)
    homes = [
        (
            await hh.create_household(
                cadre, slug, hh.HouseholdInput(grid, f"独居 {i} 号", 1, alone), settings
            )
        ).id
        for i in range(HOUSEHOLDS)
    ]
    team = await groups.register_group(
        cadre, slug, groups.GroupInput(GroupKind.VOLUNTEER_TEAM, "夕阳红义工队", date(2025, 1, 1))
    )
    service = await services.create_service(
        cadre,
        slug,
        team.group.id,
        services.ServiceInput(
            title_zh="每日电话问候",
            rrule="FREQ=DAILY",
            starts_on=date(2025, 1, 1),
            target_kind=TargetKind.CIRCUMSTANCE,
            target_circumstance=Circumstance.ELDERLY_LIVING_ALONE,
        ),
    )
    return slug, team.group.id, service.id, homes


async def test_a_worker_killed_mid_run_plans_every_visit_once_on_redelivery(
    ns_settings: Settings, planned_community, tmp_path
):
    slug, team, service_id, homes = planned_community
    s = ns_settings
    # The run asked of the worker plans from a day 30 days on: 30 new days per household
    # beyond what creating the service planned.
    later = localtime.today() + timedelta(days=30)
    before = await _visits(slug, service_id)
    blocker_day = later + timedelta(days=45)
    blocker = await asyncpg.connect(s.database_url)
    await blocker.execute(f'SET search_path TO "{schema_for(slug)}"')
    blocking = blocker.transaction()
    await blocking.start()
    await blocker.execute(
        "INSERT INTO visits (kind, service_id, group_id, household_id, day, what) "
        "VALUES ('visit', $1, $2, $3, $4, '每日电话问候')",
        service_id,
        team,
        homes[-1],
        blocker_day,
    )
    log_a, log_b = tmp_path / "a.log", tmp_path / "b.log"
    a = worker_support.spawn(WORKER_CODE, s, log_a)
    b = None
    try:
        await wait_for(lambda: started(log_a), "worker A to start", 60, log_a)
        from workers.broker import build_broker

        build_broker(s).enqueue(
            dramatiq.Message(
                queue_name="default",
                actor_name=PLAN_VISITS,
                args=(),
                kwargs={"community": slug, "day": later.isoformat()},
                options={},
                message_id=str(uuid.uuid4()),
            )
        )
        await wait_for(lambda: _waiting_insert(s), "A's run to wait on the row", 30, log_a)
        b = worker_support.spawn(WORKER_CODE, s, log_b)
        await wait_for(lambda: started(log_b), "worker B to start", 60, log_b)
        os.kill(a.pid, signal.SIGKILL)
        killed_at = time.time()
        a.wait(10)
        await blocking.commit()  # the row A waited on now exists; A committed nothing
        await blocker.close()
        assert await _visits(slug, service_id) == sorted([*before, (homes[-1], blocker_day)])

        span = {later + timedelta(days=i) for i in range(60)}
        expected = sorted({*before, *((h, d) for h in homes for d in span)})
        done_at = await wait_for(
            lambda: _all_planned(slug, service_id, len(expected)),
            "the redelivered run to plan the rest",
            REDELIVERY_BOUND_S + 30,
            log_b,
        )
        print(f"\nvisits SIGKILL: planned again {done_at - killed_at:.2f} s after the kill")
        got = await _visits(slug, service_id)
        assert got == expected  # every (household, day) once: none missing, none twice
    finally:
        stop(a, b)
        if not blocker.is_closed():
            await blocker.close()


async def _all_planned(slug: str, service_id: int, n: int) -> bool:
    return len(await _visits(slug, service_id)) >= n
