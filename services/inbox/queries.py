"""Read side of the department inbox: a department's tickets as readers see them.

A ``TicketView`` is a ticket with its events and the names of its department, community
and county — read through the routing, departments and communities contexts' queries in
the caller's platform transaction, so an act answers with what it wrote without reading
the ticket again.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from services import localtime
from services.auth.model import Principal
from services.communities.queries import registry_names_in
from services.departments.queries import department_names_in
from services.inbox.model import (
    DEFAULT_PAGE,
    MAX_PAGE,
    InboxFilter,
    TicketNotFound,
    can_read_ticket,
    inbox_scope,
    inbox_search,
    rerouted_to,
)
from services.kernel.pagination import check_page_size, decode_cursor, encode_cursor
from services.routing.queries import (
    TicketEventRow,
    TicketRow,
    TicketWithEvents,
    count_tickets_in,
    ticket_page_in,
    ticket_with_events_in,
)
from tenants.db import SanshiTransaction
from tenants.tx import platform_tx


class TicketView(msgspec.Struct, frozen=True):
    """A ticket as its readers see it: its events (oldest first) and the names of its
    department, community and county (None where the name row is missing)."""

    ticket: TicketRow
    events: list[TicketEventRow]
    department_name_zh: str | None
    department_name_en: str | None
    community_name_zh: str | None
    community_name_en: str | None
    county_name_zh: str | None
    county_name_en: str | None

    @property
    def rerouted_to(self) -> int | None:
        """The ticket that replaced this one when it was rejected, if it was."""
        return rerouted_to(self.events)


class InboxPage(msgspec.Struct, frozen=True):
    """One page of an inbox, soonest deadline first, with the total over all pages, and
    the instant its overdue flags were judged at."""

    tickets: list[TicketView]
    total_count: int
    has_next_page: bool
    end_cursor: str | None
    now: datetime


async def views_in(tx: SanshiTransaction, found: list[TicketWithEvents]) -> list[TicketView]:
    """The tickets with the names a reader needs: two statements for any number of them
    (a ticket never disappears from an inbox because a name row is missing)."""
    if not found:
        return []
    conn = tx.connection
    tickets = [f.ticket for f in found]
    departments = await department_names_in(
        conn, ((t.county_code, t.department_code) for t in tickets)
    )
    names = await registry_names_in(
        conn, (t.community_slug for t in tickets), (t.county_code for t in tickets)
    )
    views = []
    for f in found:
        t = f.ticket
        department = departments.get((t.county_code, t.department_code))
        community = names.communities.get(t.community_slug)
        county = names.counties.get(t.county_code)
        views.append(
            TicketView(
                ticket=t,
                events=f.events,
                department_name_zh=department.name_zh if department else None,
                department_name_en=department.name_en if department else None,
                community_name_zh=community.name_zh if community else None,
                community_name_en=community.name_en if community else None,
                county_name_zh=county.name_zh if county else None,
                county_name_en=county.name_en if county else None,
            )
        )
    return views


async def access_ticket_in_tx(
    tx: SanshiTransaction, actor: Principal, ticket_id: int, *, for_update: bool = False
) -> TicketWithEvents:
    """The ticket with its events if ``actor`` may read it, else TicketNotFound (missing
    and not yours fail the same way); locked until the transaction ends with
    ``for_update``."""
    found = await ticket_with_events_in(tx.connection, ticket_id, for_update=for_update)
    if found is None or not can_read_ticket(actor, found.ticket):
        raise TicketNotFound()
    return found


async def department_inbox(
    actor: Principal,
    filt: InboxFilter | None = None,
    first: int = DEFAULT_PAGE,
    after: str | None = None,
) -> InboxPage:
    """One page of the caller's inbox: ordered by resolve deadline, then id.

    A department officer sees only their department's tickets, from every community of
    their county; county administrators and leaders see every department's of their
    county (filter by department); anyone else gets Forbidden.
    """
    inbox_scope(actor)  # Forbidden before anything about the arguments
    filt = filt or InboxFilter()
    check_page_size(first, MAX_PAGE)
    filt.check()
    position = decode_cursor(after, datetime, int) if after else None
    # The overdue flags and filter move with the time: the page is never cached.
    now = localtime.now()
    search = inbox_search(actor, filt, now)
    async with platform_tx() as tx:
        total = await count_tickets_in(tx.connection, search)
        found = await ticket_page_in(tx.connection, search, after=position, limit=first + 1)
        has_next = len(found) > first
        views = await views_in(tx, found[:first])
    last = views[-1].ticket if views else None
    # Inbox order is (resolve_due_at, id): the cursor is the last ticket's key.
    cursor = None if last is None else encode_cursor(last.resolve_due_at, last.id)
    return InboxPage(views, total, has_next, cursor, now)


async def get_ticket(actor: Principal, ticket_id: int) -> TicketView:
    """The ticket with its events; TicketNotFound when missing or not the caller's to see."""
    async with platform_tx() as tx:
        found = await access_ticket_in_tx(tx, actor, ticket_id)
        return (await views_in(tx, [found]))[0]


async def find_ticket(actor: Principal | None, ticket_id: int | None) -> TicketView | None:
    """``get_ticket``, or None for an anonymous caller, an id that cannot be a ticket's, a
    missing ticket and one not the caller's alike (``ticket(id)``)."""
    if actor is None or ticket_id is None:
        return None
    try:
        return await get_ticket(actor, ticket_id)
    except TicketNotFound:
        return None
