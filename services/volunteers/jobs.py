"""Periodic jobs of the volunteers context, run by the scheduler (workers/scheduler.py)."""

from __future__ import annotations

import logging

from services import localtime
from services.volunteers.actors import PLAN_TOPIC
from tenants.provisioning import list_communities
from tenants.tx import platform_tx
from workers.outbox import enqueue

log = logging.getLogger("sanshi.scheduler")


async def plan_visits_job() -> int:
    """Fan out: one outbox message per active community to plan its visits of the coming
    days (the actors do the work, in parallel on every worker; each is idempotent, so a
    run repeated by a second scheduler taking over costs nothing but the messages).
    Returns the number of messages written, in ONE platform transaction."""
    communities = await list_communities(include_archived=False)
    day = localtime.today().isoformat()
    async with platform_tx() as tx:
        for c in communities:
            await enqueue(tx, PLAN_TOPIC, {"day": day}, community=c.slug)
    if communities:
        log.info("visits: planning asked of %d communities", len(communities))
    return len(communities)
