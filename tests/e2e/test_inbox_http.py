"""The department inbox over HTTP with a department officer's bearer token."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from services.auth.model import Role, Scope, ScopeKind
from tenants.tx import platform_tx

COUNTY = "testcounty"
DEPT = f"ibx_e2e_{secrets.token_hex(3)}"

TICKET_FIELDS = """
  __typename
  ... on Ticket {
    id status statusLabelZh statusLabelEn commitment commitmentDueOn supervised
    county { code } departmentCode departmentNameZh communitySlug communityNameZh
    matterNumber title events { kind kindLabelZh actorRole note }
  }
  ... on Error { code message messageEn }
"""


async def _arrange(slug: str) -> int:
    """A department of the test county and one routed ticket for it from ``slug``."""
    now = datetime.now().astimezone()
    async with platform_tx() as tx:
        await tx.connection.execute(
            "INSERT INTO platform.departments (county_code, code, name_zh, name_en) "
            "VALUES ($1, $2, '县交通运输局', 'County Transport Bureau') ON CONFLICT DO NOTHING",
            COUNTY,
            DEPT,
        )
        return await tx.connection.fetchval(
            "INSERT INTO platform.tickets (county_code, department_code, community_slug, "
            "matter_id, sheet_version, matter_number, title, description, category, "
            "ack_due_at, resolve_due_at) VALUES ($1, $2, $3, $4, 1, 'DH-2025-0007', "
            "'公交站台太远', '老人走到站台要二十分钟', 'transport', $5, $6) RETURNING id",
            COUNTY,
            DEPT,
            slug,
            secrets.randbelow(10_000_000) + 500_000_000,
            now + timedelta(days=2),
            now + timedelta(days=20),
        )


async def test_bus_stop_ticket_through_the_inbox_over_http(gql, token, e2e_data):
    """签收, 答复 with a commitment, 督办, 办结 — and another department sees nothing."""
    ticket_id = await _arrange(e2e_data["a"])
    officer = token(Role.DEPARTMENT_OFFICER, Scope(ScopeKind.DEPARTMENT, DEPT, COUNTY))
    stranger = token(Role.DEPARTMENT_OFFICER, Scope(ScopeKind.DEPARTMENT, "water", COUNTY))

    inbox = await gql(
        "query($f: InboxFilterInput) { departmentInbox(filter: $f, first: 10) { totalCount "
        "pageInfo { hasNextPage } items { id title communitySlug overdue } } }",
        {"f": {"statuses": ["ROUTED"], "communities": [e2e_data["a"]]}},
        bearer=officer,
    )
    assert inbox.status_code == 200, inbox.text
    page = inbox.json()["data"]["departmentInbox"]
    assert [i["id"] for i in page["items"]] == [str(ticket_id)]
    assert page["totalCount"] == 1 and page["items"][0]["overdue"] is False

    ack = await gql(
        f"mutation($id: ID!) {{ acknowledgeTicket(id: $id) {{ {TICKET_FIELDS} }} }}",
        {"id": str(ticket_id)},
        bearer=officer,
    )
    assert ack.json()["data"]["acknowledgeTicket"]["status"] == "ACKNOWLEDGED"

    due = (date.today() + timedelta(days=60)).isoformat()
    answered = await gql(
        f"mutation($id: ID!, $due: Date) {{ answerTicket(id: $id, "
        f'text: "12月31日前调整站台", dueOn: $due) {{ {TICKET_FIELDS} }} }}',
        {"id": str(ticket_id), "due": due},
        bearer=officer,
    )
    body = answered.json()["data"]["answerTicket"]
    assert body["__typename"] == "Ticket", body
    assert body["commitment"] == "12月31日前调整站台" and body["commitmentDueOn"] == due
    assert body["departmentNameZh"] == "县交通运输局" and body["county"]["code"] == COUNTY

    unseen = await gql(
        "query($id: ID!) { ticket(id: $id) { id } }", {"id": str(ticket_id)}, bearer=stranger
    )
    assert unseen.json()["data"]["ticket"] is None
    not_theirs = await gql(
        f'mutation($id: ID!) {{ markTicketDone(id: $id, note: "x") {{ {TICKET_FIELDS} }} }}',
        {"id": str(ticket_id)},
        bearer=stranger,
    )
    assert not_theirs.json()["data"]["markTicketDone"]["code"] == "TICKET_NOT_FOUND"

    supervised = await gql(
        f'mutation($id: ID!) {{ superviseTicket(id: $id, note: "请按期完成") '
        f"{{ {TICKET_FIELDS} }} }}",
        {"id": str(ticket_id)},
        as_="admin",
    )
    assert supervised.json()["data"]["superviseTicket"]["supervised"] is True

    done = await gql(
        f'mutation($id: ID!) {{ markTicketDone(id: $id, note: "站台已迁移") '
        f"{{ {TICKET_FIELDS} }} }}",
        {"id": str(ticket_id)},
        bearer=officer,
    )
    final = done.json()["data"]["markTicketDone"]
    assert final["status"] == "DONE" and final["statusLabelZh"] == "已办结"
    assert [e["kind"] for e in final["events"]] == [
        "ACKNOWLEDGED",
        "ANSWERED",
        "SUPERVISED",
        "DONE",
    ]
    assert final["events"][2]["actorRole"] == "COUNTY_ADMIN"

    again = await gql(
        f"mutation($id: ID!) {{ acknowledgeTicket(id: $id) {{ {TICKET_FIELDS} }} }}",
        {"id": str(ticket_id)},
        bearer=officer,
    )
    refused = again.json()["data"]["acknowledgeTicket"]
    assert refused["__typename"] == "IllegalTicketTransitionError"
    assert "已办结" in refused["message"] and "done" in refused["messageEn"]

    async with platform_tx() as tx:
        queued = await tx.connection.fetchval(
            "SELECT count(*) FROM platform.outbox o JOIN platform.ticket_events e "
            "ON (o.payload->>'event_id')::bigint = e.id "
            "WHERE o.topic = 'department.event' AND e.ticket_id = $1",
            ticket_id,
        )
    assert queued == 4


async def test_inbox_refuses_community_roles_over_http(gql):
    """A community cadre asking for a department inbox gets FORBIDDEN, not someone's list."""
    response = await gql("{ departmentInbox { totalCount } }", as_="cadre_a")
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
