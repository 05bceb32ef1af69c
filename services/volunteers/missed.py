"""Missed visits (漏访) and the safety signal (安全提示) they raise for a resident living alone.

A visit or task still planned when its day has ended (county time) is marked missed by the
hourly per-community job (``actors.plan_visits`` marks, then plans). A missed visit to a
household of an elderly person living alone (独居老人) is a safety signal: in the same
transaction an outbox event ``volunteer.visit_missed`` is written (for the notifications
that come later; today its actor writes it to the log), and ``safety_signals`` lists it for
the grid worker of that household's grid, the team's leader and core, and the cadres.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services import localtime
from services.auth.model import Principal, Role
from services.groups import queries as group_queries
from services.groups.model import PERSONAL_ROLES
from services.volunteers import queries
from tenants.db import SanshiTransaction
from tenants.tx import tenant_tx
from workers import outbox, registry

log = logging.getLogger(__name__)

VISIT_MISSED_TOPIC = "volunteer.visit_missed"
SIGNAL_DAYS = 30  # how far back the signals list looks by default


@dataclass(frozen=True)
class Signal:
    """A missed visit to an elderly person living alone."""

    visit_id: int
    day: date
    what: str
    household_id: int
    address: str
    grid_id: int
    team_id: int
    team_name: str
    volunteer_id: int | None


async def mark_missed_in_tx(tx: SanshiTransaction, today: date) -> int:
    """Mark every visit and task still planned on a day before ``today`` missed; for a
    household of an elderly person living alone, write the signal's outbox event in the
    same transaction. Idempotent: a visit is marked (and signalled) once. Returns how many
    were marked."""
    conn = tx.connection
    marked = await conn.fetch(
        "UPDATE visits x SET status = 'missed' FROM households h "
        "WHERE h.id = x.household_id AND x.status = 'planned' AND x.day < $1 "
        "RETURNING x.id, x.day, x.household_id, x.group_id, h.grid_id, h.elderly_living_alone",
        today,
    )
    for m in marked:
        if m["elderly_living_alone"]:
            await outbox.enqueue(
                tx,
                VISIT_MISSED_TOPIC,
                {
                    "visit_id": m["id"],
                    "day": m["day"].isoformat(),
                    "household_id": m["household_id"],
                    "grid_id": m["grid_id"],
                    "team_id": m["group_id"],
                },
                community=tx.slug,
            )
    return len(marked)


async def mark_missed(slug: str, *, today: date | None = None) -> int:
    async with tenant_tx(slug) as tx:
        return await mark_missed_in_tx(tx, today or localtime.today())


@registry.actor("volunteers.visit_missed", topics=(VISIT_MISSED_TOPIC,), max_retries=3)
def visit_missed(*, community: str, **signal: Any) -> None:
    """A missed visit to a resident living alone: logged for the operators until the
    notifications (SMS, the grid worker's app) are built on this event."""
    log.warning("safety signal in %s: missed visit %s", community, signal)


async def safety_signals(actor: Principal, slug: str, *, since: date | None = None) -> list[Signal]:
    """The missed visits to elderly people living alone since ``since`` (default: the last
    SIGNAL_DAYS days), newest first, that the caller is the one to act on: the cadres see
    all; a grid worker those of their grid; a team's leader and core those of their team;
    anyone else none."""
    reader = await queries.team_reader_of(actor, slug)
    first = since or localtime.today() - timedelta(days=SIGNAL_DAYS)
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        records = await conn.fetch(
            "SELECT x.id, x.day, x.what, x.household_id, h.address, h.grid_id, x.group_id, "
            "g.name_zh, x.volunteer_id FROM visits x JOIN households h ON h.id = x.household_id "
            "JOIN groups g ON g.id = x.group_id WHERE x.status = 'missed' AND x.day >= $1 "
            "AND h.elderly_living_alone ORDER BY x.day DESC, x.id DESC",
            first,
        )
        if reader.groups.manages:
            visible = records
        else:
            grids: set[int] = set()
            if Role.GRID_WORKER in actor.roles:
                grids = {
                    r["grid_id"]
                    for r in await conn.fetch(
                        "SELECT grid_id FROM staff WHERE subject = $1 AND active "
                        "AND grid_id IS NOT NULL",
                        actor.subject,
                    )
                }
            roles = await group_queries.caller_roles_in(
                conn, actor.subject, {r["group_id"] for r in records}
            )
            leads = {g for g, held in roles.items() if set(held) & PERSONAL_ROLES}
            visible = [r for r in records if r["grid_id"] in grids or r["group_id"] in leads]
    return [
        Signal(
            visit_id=r["id"],
            day=r["day"],
            what=r["what"],
            household_id=r["household_id"],
            address=r["address"],
            grid_id=r["grid_id"],
            team_id=r["group_id"],
            team_name=r["name_zh"],
            volunteer_id=r["volunteer_id"],
        )
        for r in visible
    ]
