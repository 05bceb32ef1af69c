"""Periodic jobs of the meetings context, run by the scheduler (workers/scheduler.py)."""

from __future__ import annotations

import logging
from typing import Any

from services.meetings.overdue import mark_overdue

log = logging.getLogger("sanshi.scheduler")


async def mark_overdue_job() -> Any:
    """Flag tickets past a deadline (督办), logging what was marked."""
    result = await mark_overdue()
    if result.marked:
        log.info(
            "overdue: %d late for acknowledging, %d late for resolving",
            len(result.ack),
            len(result.resolve),
        )
    return result
