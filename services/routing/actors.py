"""Routing actors: a major matter to its departments, and department acts back to the community.

Both take ids and the community slug only (the relay adds ``community=``), run the same
handlers a test or the CLI calls, and are idempotent on their own keys (tickets: the
(community, matter, sheet version, department) key; updates: the event id). A message
that can never succeed is recorded as a dead letter with its reason and acked; any other
error is retried with bounded backoff and, when the retries are spent, recorded by the
``DeadLetters`` middleware (services/routing/deadletters.py).
"""

from __future__ import annotations

import logging
from typing import Any

from services.routing import handlers
from services.routing.deadletters import PoisonMessage, record_poison
from workers import registry
from workers.runtime import run_async

log = logging.getLogger(__name__)

ROUTE_MAJOR_MATTER = "routing.route_major_matter"
APPLY_DEPARTMENT_EVENT = "routing.apply_department_event"
CANCEL_MATTER_TICKETS = "routing.cancel_matter_tickets"

# Bounded retries for unexpected errors (database restarting, a deadlock): 5 retries with
# 1 s doubling up to 30 s is about a minute of trying — long enough for a failover, short
# enough that a real bug reaches the dead letters (and an operator) quickly.
RETRY_OPTIONS: dict[str, Any] = {"max_retries": 5, "min_backoff": 1_000, "max_backoff": 30_000}


@registry.actor(ROUTE_MAJOR_MATTER, topics=("matter.major",), **RETRY_OPTIONS)
def route_major_matter(*, community: str, matter_id: int, sheet_version: int) -> None:
    """Route a major matter (classification ``sheet_version``) to its county departments.

    One ticket per department, created once however often the message arrives. Poison
    (withdrawn / no longer major / community archived or gone / county without a
    coordination office) is dead-lettered with its reason, not retried.
    """
    try:
        outcome = run_async(handlers.route_major_matter(community, matter_id, sheet_version))
    except PoisonMessage as poison:
        record_poison(poison)
        return
    if outcome.created:
        log.info(
            "routed %s/%s v%s to %s",
            community,
            matter_id,
            sheet_version,
            ", ".join(t.department_code for t in outcome.created),
        )


@registry.actor(APPLY_DEPARTMENT_EVENT, **RETRY_OPTIONS)
def apply_department_event(*, community: str, event_id: int) -> None:
    """Write a department's act (ticket event) into the community's matter (idempotent)."""
    try:
        run_async(handlers.apply_department_event(community, event_id))
    except PoisonMessage as poison:
        record_poison(poison)


@registry.actor(CANCEL_MATTER_TICKETS, topics=("matter.routing_ended",), **RETRY_OPTIONS)
def cancel_matter_tickets(*, community: str, matter_id: int, reason: str) -> None:
    """Cancel the open tickets of a matter that was withdrawn or is no longer major.

    Idempotent: tickets already cancelled (or done, rejected) are left as they are.
    """
    try:
        cancelled = run_async(handlers.cancel_matter_tickets(community, matter_id, reason))
    except PoisonMessage as poison:
        record_poison(poison)
        return
    if cancelled:
        log.info("cancelled %d ticket(s) of %s/%s (%s)", cancelled, community, matter_id, reason)
