"""What answerTicket costs: the act and what its result shows, in ONE platform transaction.

The published document (graphql/operations/answerTicket.graphql) runs through the real
schema in-process inside ``tenants.db.statements()``, which logs every statement, each
transaction's first ``SELECT set_config('search_path', ...)`` included. The flow-back to
the community goes through the outbox (a row in the same transaction), so no tenant
transaction is opened on the request path, and the resolver reads nothing again.
"""

from __future__ import annotations

import contextlib
import itertools
import secrets
from datetime import date, datetime, timedelta
from pathlib import Path

from services.api.kit.loaders import Loaders
from services.api.kit.request import SanshiContext
from services.api.schema import build_schema
from services.auth.model import Principal, Role, Scope, ScopeKind
from services.errors import CommunityExists
from services.inbox.queries import get_ticket
from tenants.db import statements
from tenants.provisioning import create_community, ensure_county
from tenants.tx import platform_tx

COUNTY, SLUG, DEPT = "ibxsone", "ibxs_own", "transport"
DOCUMENT = (
    Path(__file__).resolve().parents[2] / "graphql" / "operations" / "answerTicket.graphql"
).read_text(encoding="utf-8")
_matters = itertools.count(secrets.randbelow(10_000_000) + 400_000_000)


async def _acknowledged_ticket() -> int:
    await ensure_county(COUNTY, f"{COUNTY}县")
    with contextlib.suppress(CommunityExists):
        await create_community(SLUG, f"{SLUG}社区", COUNTY)
    now = datetime.now().astimezone()
    async with platform_tx() as tx:
        await tx.connection.execute(
            "INSERT INTO platform.departments (county_code, code, name_zh, name_en) "
            "VALUES ($1, $2, '交通运输局', 'Transport') ON CONFLICT DO NOTHING",
            COUNTY,
            DEPT,
        )
        return await tx.connection.fetchval(
            "INSERT INTO platform.tickets (county_code, department_code, community_slug, "
            "matter_id, sheet_version, matter_number, title, description, category, status, "
            "ack_due_at, resolve_due_at) VALUES ($1, $2, $3, $4, 1, 'M-1', '公交站', "
            "'站台太远', 'transport', 'acknowledged', $5, $6) RETURNING id",
            COUNTY,
            DEPT,
            SLUG,
            next(_matters),
            now + timedelta(days=2),
            now + timedelta(days=20),
        )


async def test_answer_ticket_is_one_transaction(dbs, settings):
    """answerTicket through the schema: one platform transaction, nothing read afterwards."""
    ticket_id = await _acknowledged_ticket()
    officer = Principal(
        "officer-ibxs",
        frozenset({Role.DEPARTMENT_OFFICER}),
        Scope(ScopeKind.DEPARTMENT, DEPT, COUNTY),
    )
    context = SanshiContext(
        settings=settings, request_id="test", principal=officer, loaders=Loaders()
    )
    schema = build_schema(settings)
    due = (date.today() + timedelta(days=40)).isoformat()
    variables = {"id": str(ticket_id), "text": "年底前调整站点", "dueOn": due}
    with statements() as log:
        result = await schema.execute(DOCUMENT, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    answered = result.data["answerTicket"]
    assert answered["__typename"] == "Ticket", answered
    assert answered["status"] == "ANSWERED" and answered["commitmentDueOn"] == due
    assert [e["kind"] for e in answered["events"]] == ["ANSWERED"]
    shown = "\n".join(f"{i:2}. {s.strip()[:160]}" for i, s in enumerate(log, start=1))
    opened = [s for s in log if "set_config('search_path'" in s]
    assert len(opened) == 1, f"{len(opened)} transactions:\n{shown}"
    # The flow-back is the outbox's business: no community table on the request path.
    assert not any("matter_routes" in s or "department_updates" in s for s in log), shown
    # set_config; the ticket with its events, locked; the move; the event and its outbox
    # row; the department's and the registry's names (their contexts' queries).
    assert len(log) <= 7, f"{len(log)} statements:\n{shown}"
    # What the act answered is what a fresh read shows: built from what it wrote.
    selection = DOCUMENT[DOCUMENT.index("... on Ticket {") + len("... on Ticket") :]
    selection = selection[: selection.index("... on Error")].strip()
    fresh = await schema.execute(
        f"query($id: ID!) {{ ticket(id: $id) {selection} }}",
        variable_values={"id": str(ticket_id)},
        context_value=SanshiContext(
            settings=settings, request_id="test", principal=officer, loaders=Loaders()
        ),
    )
    assert fresh.errors is None, fresh.errors
    assert {**fresh.data["ticket"], "__typename": "Ticket"} == answered
    # Events read as JSON with their ticket come back as the same instants, in UTC, as a
    # plain read of the table hands them over (clients see one spelling of a time).
    view = await get_ticket(officer, ticket_id)
    async with platform_tx() as tx:
        stored = await tx.connection.fetchval(
            "SELECT at FROM platform.ticket_events WHERE ticket_id = $1", ticket_id
        )
    assert [e.at for e in view.events] == [stored]
    assert view.events[0].at.isoformat() == stored.isoformat()
