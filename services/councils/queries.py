"""Read side of the homeland council: members, sessions with attendance, agenda and votes.

Callers have checked access (the GraphQL resolvers under a visible ``Community``). A page of
sessions is read with a fixed number of statements, whatever its size: sessions, then the
attendance, agenda items (with their matters) and votes of all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.councils.handlers import decision_rules_of, settings_row
from services.councils.model import DecisionRules
from services.councils.tables import CouncilMember, CouncilSession
from tenants.db import SanshiTransaction
from tenants.tx import tenant_tx

MAX_PAGE = 100


@dataclass
class ItemView:
    """An agenda item with what the council sees of its matter, and the votes so far."""

    row: dict[str, Any]
    matter: dict[str, Any]
    votes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SessionView:
    """A session with its attendees, its agenda and the members they refer to."""

    row: dict[str, Any]
    attendee_ids: list[int]
    items: list[ItemView]
    seated_count: int
    members: dict[int, dict[str, Any]]


async def list_members(
    slug: str, *, grid_id: int | None = None, include_former: bool = False
) -> list[dict[str, Any]]:
    """The council by grid: the chair first within a grid, then by election order."""
    async with tenant_tx(slug):
        query = CouncilMember.select()
        if grid_id is not None:
            query = query.where(CouncilMember.grid_id == grid_id)
        if not include_former:
            query = query.where(CouncilMember.active.eq(True))
        return (
            await query.order_by(CouncilMember.grid_id)
            .order_by(CouncilMember.is_chair, ascending=False)
            .order_by(CouncilMember.id)
            .run()
        )


async def member(slug: str, member_id: int) -> dict[str, Any] | None:
    """One member (former ones too: votes keep pointing at them)."""
    async with tenant_tx(slug):
        rows = await CouncilMember.select().where(CouncilMember.id == member_id).run()
    return rows[0] if rows else None


async def members_by_id(slug: str) -> dict[int, dict[str, Any]]:
    """The whole council, former members included, by id."""
    async with tenant_tx(slug):
        return {m["id"]: m for m in await CouncilMember.select().run()}


async def council_rules(slug: str) -> tuple[DecisionRules, int]:
    """The community's decision rules and seats per grid."""
    async with tenant_tx(slug):
        row = await settings_row()
    return decision_rules_of(row), row["seats_per_grid"]


async def sessions_page(
    slug: str, *, first: int = 20, after: int | None = None
) -> list[SessionView]:
    """Sessions newest first (by id), ``first`` of them after the session id ``after``."""
    first = max(0, min(first, MAX_PAGE))
    async with tenant_tx(slug) as tx:
        query = CouncilSession.select()
        if after is not None:
            query = query.where(CouncilSession.id < after)
        rows = await query.order_by(CouncilSession.id, ascending=False).limit(first).run()
        return await _views(tx, rows)


async def session(slug: str, session_id: int) -> SessionView | None:
    """One session with everything in it, or None."""
    async with tenant_tx(slug) as tx:
        rows = await CouncilSession.select().where(CouncilSession.id == session_id).run()
        views = await _views(tx, rows)
    return views[0] if views else None


async def agenda_item(slug: str, item_id: int) -> ItemView | None:
    """One agenda item with its matter and votes, or None."""
    async with tenant_tx(slug) as tx:
        session_id = await tx.connection.fetchval(
            "SELECT session_id FROM agenda_items WHERE id = $1", item_id
        )
        if session_id is None:
            return None
        rows = await CouncilSession.select().where(CouncilSession.id == session_id).run()
        # Only this item: a session's agenda can hold hundreds of items, and every vote
        # and decision returns its item.
        views = await _views(tx, rows, item_ids=[item_id])
    return views[0].items[0]


async def _views(
    tx: SanshiTransaction, sessions: list[dict[str, Any]], *, item_ids: list[int] | None = None
) -> list[SessionView]:
    """Sessions with attendance, agenda items (all, or only ``item_ids``) and their votes."""
    if not sessions:
        return []
    ids = [s["id"] for s in sessions]
    attendance = await tx.connection.fetch(
        "SELECT session_id, member_id FROM session_attendance WHERE session_id = ANY($1::int[]) "
        "ORDER BY member_id",
        ids,
    )
    items = await tx.connection.fetch(
        "SELECT i.id, i.session_id, i.matter_id, i.status, i.decided_kind, i.decided_at, "
        "i.tied_kinds, i.casting_vote, i.casting_vote_by, i.casting_vote_at, i.casting_vote_note, "
        "m.number, m.title, m.status AS matter_status, m.category, m.grid_id, m.kind, "
        "m.suggested_kind, m.suggestion_reason_zh, m.suggestion_reason_en "
        "FROM agenda_items i JOIN matters m ON m.id = i.matter_id "
        "WHERE i.session_id = ANY($1::int[]) AND ($2::int[] IS NULL OR i.id = ANY($2::int[])) "
        "ORDER BY i.id",
        ids,
        item_ids,
    )
    votes = await tx.connection.fetch(
        "SELECT id, agenda_item_id, member_id, kind, recused, note, cast_at FROM votes "
        "WHERE agenda_item_id = ANY($1::int[]) ORDER BY id",
        [i["id"] for i in items],
    )
    # The whole council, former members included: a few dozen rows at most, and every
    # attendee and voter of any session is among them.
    members = {m["id"]: m for m in await CouncilMember.select().run()}
    seated_counts = {
        d: sum(1 for m in members.values() if is_seated(m, d))
        for d in {s["held_on"] for s in sessions}
    }

    item_views: dict[int, ItemView] = {}
    by_session: dict[int, list[ItemView]] = {i: [] for i in ids}
    for r in items:
        view = ItemView(
            row={
                k: r[k]
                for k in (
                    "id",
                    "session_id",
                    "matter_id",
                    "status",
                    "decided_kind",
                    "decided_at",
                    "tied_kinds",
                    "casting_vote",
                    "casting_vote_by",
                    "casting_vote_at",
                    "casting_vote_note",
                )
            },
            matter={
                "id": r["matter_id"],
                "number": r["number"],
                "title": r["title"],
                "status": r["matter_status"],
                "category": r["category"],
                "grid_id": r["grid_id"],
                "kind": r["kind"],
                "suggested_kind": r["suggested_kind"],
                "suggestion_reason_zh": r["suggestion_reason_zh"],
                "suggestion_reason_en": r["suggestion_reason_en"],
            },
        )
        item_views[r["id"]] = view
        by_session[r["session_id"]].append(view)
    for v in votes:
        item_views[v["agenda_item_id"]].votes.append(dict(v))
    present: dict[int, list[int]] = {i: [] for i in ids}
    for a in attendance:
        present[a["session_id"]].append(a["member_id"])
    return [
        SessionView(
            row=s,
            attendee_ids=present[s["id"]],
            items=by_session[s["id"]],
            seated_count=seated_counts[s["held_on"]],
            members=members,
        )
        for s in sessions
    ]


def is_seated(member: dict[str, Any], day: date) -> bool:
    """The rule ``handlers.seated_on`` applies in SQL, for rows already loaded."""
    return bool(member["active"]) and member["elected_on"] <= day <= member["term_ends_on"]


_VOTES_OF_MATTERS_SQL = (
    "SELECT v.id, v.agenda_item_id, a.session_id, a.matter_id, v.member_id, "
    "m.name AS member_name, v.kind, v.recused, v.note, v.cast_at "
    "FROM votes v JOIN agenda_items a ON a.id = v.agenda_item_id "
    "JOIN council_members m ON m.id = v.member_id "
    "WHERE a.matter_id = ANY($1::int[]) ORDER BY v.id"
)


async def votes_by_matter_in(
    connection: Any, matter_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """Every vote (and recusal) on each of ``matter_ids``, oldest first, read on
    ``connection`` inside the caller's tenant transaction (a matter page's own)."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for r in await connection.fetch(_VOTES_OF_MATTERS_SQL, sorted(set(matter_ids))):
        grouped.setdefault(r["matter_id"], []).append(dict(r))
    return grouped


async def votes_by_matter(slug: str, matter_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """``votes_by_matter_in`` in a transaction of its own."""
    async with tenant_tx(slug) as tx:
        return await votes_by_matter_in(tx.connection, matter_ids)
