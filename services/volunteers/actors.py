"""Volunteers' actors: plan a community's visits of the coming days (one message per
community, fanned out by the scheduler's job through the outbox); end the help a referral
had set going when the team declines it (``group.referral_declined``).

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
from services.groups.referrals import REFERRAL_DECLINED_TOPIC
from services.routing.deadletters import PoisonMessage, record_poison
from services.volunteers import missed, referrals, services
from tenants.provisioning import get_community
from workers import registry
from workers.runtime import run_async

log = logging.getLogger(__name__)

PLAN_VISITS = "volunteers.plan_visits"
END_DECLINED_HELP = "volunteers.end_declined_help"
PLAN_TOPIC = "volunteers.plan_visits"
RETRY_OPTIONS: dict[str, Any] = {"max_retries": 5, "min_backoff": 1_000, "max_backoff": 30_000}


async def _check_live(community: str) -> None:
    """PoisonMessage when the community is gone or archived (nothing to do there, ever)."""
    try:
        info = await get_community(community)
    except (CommunityNotFound, InvalidSlug):
        raise PoisonMessage("community not found", community) from None
    if info.status == "archived":
        raise PoisonMessage("community archived", community)


async def plan_community(community: str, day: str | None = None) -> services.Generated:
    """Plan ``community``'s visits from ``day`` (ISO; today when None): PoisonMessage when
    the community is archived or gone."""
    await _check_live(community)
    try:
        today = None if day is None else date.fromisoformat(day)
    except ValueError:
        raise PoisonMessage("malformed day", str(day)) from None
    try:
        # First what the day that ended left undone (missed, and a resident living alone's
        # safety signal), then the coming days: two transactions, each idempotent.
        await missed.mark_missed(community, today=today)
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


async def end_help(community: str, referral_id: int) -> int:
    """End the help a declined referral had set going (PoisonMessage: community gone)."""
    await _check_live(community)
    return await referrals.end_declined_help(community, referral_id)


@registry.actor(END_DECLINED_HELP, topics=(REFERRAL_DECLINED_TOPIC,), **RETRY_OPTIONS)
def end_declined_help(*, community: str, referral_id: int) -> None:
    """A team declined a referral: its enrolment ends, its planned visits and task are
    cancelled (idempotent)."""
    try:
        cancelled = run_async(end_help(community, referral_id))
    except PoisonMessage as poison:
        record_poison(poison)
        return
    log.info("referral %s/%s declined: %d visit(s) cancelled", community, referral_id, cancelled)
