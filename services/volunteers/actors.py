"""Volunteers' actors: plan a community's visits of the coming days (one message per
community, fanned out by the scheduler's job through the outbox).

Idempotent by the visits' own key (one per service, household and day): a redelivered
message, or one whose worker died half-way, plans only what is missing. A community that
was archived or removed meanwhile is a dead letter with its reason, not retried; any other
error is retried with bounded backoff and then dead-lettered (services/routing/deadletters).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from services.errors import CommunityArchived, CommunityNotFound, InvalidSlug
from services.routing.deadletters import PoisonMessage, record_poison
from services.volunteers import services
from tenants.provisioning import get_community
from workers import registry
from workers.runtime import run_async

log = logging.getLogger(__name__)

PLAN_VISITS = "volunteers.plan_visits"
PLAN_TOPIC = "volunteers.plan_visits"
RETRY_OPTIONS: dict[str, Any] = {"max_retries": 5, "min_backoff": 1_000, "max_backoff": 30_000}


async def plan_community(community: str, day: str | None = None) -> services.Generated:
    """Plan ``community``'s visits from ``day`` (ISO; today when None): PoisonMessage when
    the community is archived or gone."""
    try:
        info = await get_community(community)
    except (CommunityNotFound, InvalidSlug):
        raise PoisonMessage("community not found", community) from None
    if info.status == "archived":
        raise PoisonMessage("community archived", community)
    try:
        today = None if day is None else date.fromisoformat(day)
    except ValueError:
        raise PoisonMessage("malformed day", str(day)) from None
    try:
        return await services.generate_visits(community, today=today)
    except CommunityArchived:
        raise PoisonMessage("community archived", community) from None


@registry.actor(PLAN_VISITS, topics=(PLAN_TOPIC,), **RETRY_OPTIONS)
def plan_visits(*, community: str, day: str | None = None) -> None:
    """Plan one community's visits of the coming days (idempotent)."""
    try:
        result = run_async(plan_community(community, day))
    except PoisonMessage as poison:
        record_poison(poison)
        return
    if result.inserted:
        log.info(
            "planned %d visit(s) of %d service(s) in %s",
            result.inserted,
            result.services,
            community,
        )
