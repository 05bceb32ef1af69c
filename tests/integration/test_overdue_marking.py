"""The overdue job on real PostgreSQL: marks, one reminder per kind, events, commitment dates."""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from services.localtime import TIME_ZONE
from services.meetings.overdue import mark_overdue
from tenants.provisioning import create_community, ensure_county
from tenants.tx import platform_tx

# The meetings slice's own county, and a community of this module: other slices' tests
# of the shared test county never see these tickets, events or reminders.
COUNTY, COMMUNITY = "meetcounty", "mt_overdue"
DEPARTMENT = f"od_{secrets.token_hex(3)}"


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of a platform query."""
    async with platform_tx() as tx:
        return [dict(r) for r in await tx.connection.fetch(sql, *args)]


async def add_ticket(
    status: str, ack: timedelta, resolve: timedelta, due_on: date | None = None
) -> int:
    """A ticket of the module's community whose deadlines are ``ack`` / ``resolve`` from now."""
    now = datetime.now(TIME_ZONE)
    async with platform_tx() as tx:
        return await tx.connection.fetchval(
            "INSERT INTO platform.tickets (county_code, department_code, community_slug, "
            "matter_id, sheet_version, matter_number, title, description, category, status, "
            "ack_due_at, resolve_due_at, commitment_due_on) VALUES ($1, $2, $8, $3, 1, "
            "'M-OD', '逾期测试', '逾期测试', 'roads', $4, $5, $6, $7) RETURNING id",
            COUNTY,
            DEPARTMENT,
            secrets.randbelow(2**30),
            status,
            now + ack,
            now + resolve,
            due_on,
            COMMUNITY,
        )


async def state(ticket: int) -> tuple[str | None, list[str], list[str]]:
    """The ticket's flag, its reminder kinds, and its event kinds (ordered)."""
    [row] = await fetch("SELECT overdue FROM platform.tickets WHERE id = $1", ticket)
    reminders = await fetch(
        "SELECT kind FROM platform.reminders WHERE ticket_id = $1 ORDER BY id", ticket
    )
    events = await fetch(
        "SELECT kind FROM platform.ticket_events WHERE ticket_id = $1 ORDER BY id", ticket
    )
    return row["overdue"], [r["kind"] for r in reminders], [e["kind"] for e in events]


H, D = timedelta(hours=1), timedelta(days=1)


@pytest.fixture(scope="module")
async def community(dbs) -> str:
    await ensure_county(COUNTY, "会议测试县", "Meeting Test County")
    await create_community(COMMUNITY, "逾期测试社区", COUNTY, name_en="Overdue")
    return COMMUNITY


@pytest.fixture
async def tickets(community) -> dict[str, int]:
    today = datetime.now(TIME_ZONE).date()
    return {
        "ack": await add_ticket("routed", -H, 10 * D),
        "resolve": await add_ticket("acknowledged", -5 * D, -H),
        "fine": await add_ticket("routed", H, 10 * D),
        "acked_late": await add_ticket("acknowledged", -H, 10 * D),
        "committed": await add_ticket("answered", -5 * D, -D, today + timedelta(days=30)),
        "commitment_passed": await add_ticket("answered", -5 * D, 10 * D, today - timedelta(2)),
        "done": await add_ticket("done", -5 * D, -D),
    }


async def test_marks_ack_and_resolve_respecting_commitments(tickets):
    """Past-deadline open tickets are flagged with a reminder and an event; others are not."""
    run = await mark_overdue()
    assert tickets["ack"] in run.ack
    assert {tickets["resolve"], tickets["commitment_passed"]} <= set(run.resolve)
    assert await state(tickets["ack"]) == ("ack", ["ack_overdue"], ["overdue"])
    assert await state(tickets["resolve"]) == ("resolve", ["resolve_overdue"], ["overdue"])
    assert await state(tickets["commitment_passed"]) == (
        "resolve",
        ["resolve_overdue"],
        ["overdue"],
    )
    for calm in ("fine", "acked_late", "committed", "done"):
        assert await state(tickets[calm]) == (None, [], []), calm

    [event] = await fetch(
        "SELECT id, actor, note, data FROM platform.ticket_events WHERE ticket_id = $1",
        tickets["ack"],
    )
    assert event["actor"] == "system:overdue"
    assert "签收" in event["note"] and "acknowledged" in event["note"]
    assert json.loads(event["data"])["overdue"] == "ack"
    outbox = await fetch(
        "SELECT community_slug FROM platform.outbox WHERE topic = 'department.event' "
        "AND (payload->>'event_id')::bigint = $1",
        event["id"],
    )
    assert outbox == [{"community_slug": COMMUNITY}]


async def test_idempotent_and_one_reminder_per_kind(tickets):
    """Runs again, concurrently, and after re-flagging: one reminder per ticket and kind."""
    await mark_overdue()
    again = await asyncio.gather(mark_overdue(), mark_overdue())
    marked = {t for run in again for t in (*run.ack, *run.resolve)}
    assert not marked & set(tickets.values())
    assert await state(tickets["ack"]) == ("ack", ["ack_overdue"], ["overdue"])

    # Still unacknowledged when the resolve deadline passes too: escalates to 'resolve'.
    async with platform_tx() as tx:
        await tx.connection.execute(
            "UPDATE platform.tickets SET resolve_due_at = now() - interval '1 minute' "
            "WHERE id = $1",
            tickets["ack"],
        )
    await mark_overdue()
    assert await state(tickets["ack"]) == (
        "resolve",
        ["ack_overdue", "resolve_overdue"],
        ["overdue", "overdue"],
    )

    # A new commitment cleared the flag and then lapsed too: flagged and told again, but
    # the reminders' unique key keeps one reminder per kind.
    async with platform_tx() as tx:
        await tx.connection.execute(
            "UPDATE platform.tickets SET overdue = NULL, commitment_due_on = current_date - 3 "
            "WHERE id = $1",
            tickets["resolve"],
        )
    await mark_overdue()
    assert await state(tickets["resolve"]) == (
        "resolve",
        ["resolve_overdue"],
        ["overdue", "overdue"],
    )
