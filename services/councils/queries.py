"""Read side of the homeland council: members, sessions with attendance, agenda and votes.

Two kinds of function. Those taking the actor decide what that actor may see of a
community they can already see (the GraphQL ``Community`` they hang under; its registry
entry comes along so the registry is not read again) and return only that. The ``*_in``
ones read inside a transaction the caller holds — the handlers build the result of an act
from what they read, in the act's own transaction. A page of sessions is read with a fixed
number of statements, whatever its size: sessions with their attendance, then the agenda
items, their matters (through the matters context) and votes of all of them at once, and
the council.

Rows are typed (``msgspec.Struct``): ``XRow`` a table's row as read, ``XView`` a row with
what it is shown with.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import msgspec

from services.auth.model import Principal, can_read_community
from services.auth.permissions import allowed
from services.communities.handlers import access_community_by_slug
from services.communities.permissions import VIEW_LEDGER
from services.councils import model
from services.councils.model import DecisionRules
from services.councils.tables import CouncilMember
from services.errors import CommunityNotFound
from services.matters import queries as matter_queries
from services.matters.rows import MatterRow, Row, columns_of
from tenants.provisioning import CommunityInfo
from tenants.tx import tenant_tx

MAX_PAGE = 100


# -- rows ------------------------------------------------------------------------------------
class MemberRow(Row, frozen=True):
    """A seat of the council as stored (``resident_id``/``household_id`` are None where
    the reader may not see the links)."""

    id: int
    grid_id: int
    resident_id: int | None
    household_id: int | None
    name: str
    subject: str | None
    elected_on: date
    term_ends_on: date
    votes_received: int
    is_chair: bool
    active: bool


class SessionRow(Row, frozen=True):
    """A council session as stored."""

    id: int
    held_on: date
    title: str
    status: str
    opened_by: str
    created_at: datetime


class AgendaItemRow(Row, frozen=True):
    """A matter on a session's agenda, and the outcome of deliberating it."""

    id: int
    session_id: int
    matter_id: int
    status: str
    decided_kind: str | None
    decided_at: datetime | None
    casting_vote: str | None
    casting_vote_by: int | None
    casting_vote_at: datetime | None
    casting_vote_note: str
    tied_kinds: list[str] | None


class CouncilVoteRow(Row, frozen=True):
    """A member's vote (or recusal) on one agenda item (the table is ``tables.VoteRow``)."""

    id: int
    agenda_item_id: int
    member_id: int
    kind: str | None
    recused: bool
    note: str
    cast_at: datetime


class MatterVoteRow(Row, frozen=True):
    """A vote as a matter shows it: with the session, the item and the member's name."""

    id: int
    agenda_item_id: int
    session_id: int
    matter_id: int
    member_id: int
    member_name: str
    kind: str | None
    recused: bool
    note: str
    cast_at: datetime


class VoteView(CouncilVoteRow, frozen=True, kw_only=True):
    """A vote with the member who cast it (what ``castVote`` answers)."""

    member: MemberRow


class ItemView(AgendaItemRow, frozen=True, kw_only=True):
    """An agenda item with its matter (as the matters context reads it), the votes so far
    and the members they — and the casting vote — refer to."""

    matter: MatterRow
    votes: list[CouncilVoteRow] = msgspec.field(default_factory=list)
    members: dict[int, MemberRow] = msgspec.field(default_factory=dict)


class SessionView(SessionRow, frozen=True, kw_only=True):
    """A session with its attendees, its agenda and the members they refer to."""

    attendee_ids: list[int]
    items: list[ItemView]
    seated_count: int
    members: dict[int, MemberRow]


class CouncilRules(msgspec.Struct, frozen=True):
    """The community's decision rules and seats per grid."""

    rules: DecisionRules
    seats_per_grid: int


def member_of(record: Any) -> MemberRow:
    """A council_members row (Piccolo dict) as a MemberRow."""
    return MemberRow(**record)


# -- who sees what ---------------------------------------------------------------------------
async def _community(actor: Principal, slug: str, community: CommunityInfo | None) -> CommunityInfo:
    """The community if ``actor`` may see it. ``community`` is the registry entry the caller
    already read in this request: the pure visibility rule is applied to it again, only
    the registry read is saved (as the matters context's ledger does)."""
    if community is None or community.slug != slug:
        return await access_community_by_slug(actor, slug)
    if not can_read_community(actor, community.slug, community.county_code):
        raise CommunityNotFound()
    return community


async def _seen(
    actor: Principal | None, slug: str, community: CommunityInfo | None
) -> CommunityInfo | None:
    """The community if ``actor`` is signed in and may see it, else None."""
    if actor is None:
        return None
    try:
        return await _community(actor, slug, community)
    except CommunityNotFound:
        return None


def _sees_ledger(actor: Principal, info: CommunityInfo) -> bool:
    """May ``actor`` see the agendas (other households' requests) and members' links?"""
    return allowed(actor, VIEW_LEDGER, info.slug, info.county_code)


async def council(
    actor: Principal | None,
    slug: str,
    community: CommunityInfo | None,
    *,
    grid_id: int | None = None,
    include_former: bool = False,
) -> list[MemberRow]:
    """The council by grid — the chair first within a grid, then by election order — as
    ``actor`` may see it: every signed-in reader of the community sees its representatives;
    their resident and household links only ledger roles (None for the others)."""
    info = await _seen(actor, slug, community)
    if actor is None or info is None:
        return []
    links = _sees_ledger(actor, info)
    async with tenant_tx(slug):
        query = CouncilMember.select()
        if grid_id is not None:
            query = query.where(CouncilMember.grid_id == grid_id)
        if not include_former:
            query = query.where(CouncilMember.active.eq(True))
        records = (
            await query.order_by(CouncilMember.grid_id)
            .order_by(CouncilMember.is_chair, ascending=False)
            .order_by(CouncilMember.id)
            .run()
        )
    rows = [member_of(r) for r in records]
    if links:
        return rows
    return [msgspec.structs.replace(r, resident_id=None, household_id=None) for r in rows]


async def sessions_page(
    actor: Principal | None,
    slug: str,
    community: CommunityInfo | None,
    *,
    first: int = 20,
    after: int | None = None,
) -> list[SessionView]:
    """Sessions newest first (by id), ``first`` of them after the session id ``after``;
    none for a reader who may not see agendas (they list other households' requests)."""
    info = await _seen(actor, slug, community)
    if actor is None or info is None or not _sees_ledger(actor, info):
        return []
    first = max(0, min(first, MAX_PAGE))
    async with tenant_tx(slug) as tx:
        records = await tx.connection.fetch(
            f"{_SESSIONS_SQL} WHERE ($1::int IS NULL OR s.id < $1) ORDER BY s.id DESC LIMIT $2",
            after,
            first,
        )
        return await _views(tx.connection, records)


async def session(
    actor: Principal | None, slug: str, community: CommunityInfo | None, session_id: int
) -> SessionView | None:
    """One session with everything in it; None if missing or not for this reader."""
    info = await _seen(actor, slug, community)
    if actor is None or info is None or not _sees_ledger(actor, info):
        return None
    async with tenant_tx(slug) as tx:
        views = await session_views_in(tx.connection, [session_id])
    return views[0] if views else None


async def council_rules(
    actor: Principal | None, slug: str, community: CommunityInfo | None
) -> CouncilRules | None:
    """The community's decision rules and seats per grid, for any signed-in reader."""
    if await _seen(actor, slug, community) is None:
        return None
    async with tenant_tx(slug) as tx:
        return await council_settings_in(tx.connection)


# -- settings and seats (inside the caller's transaction) -----------------------------------
def decision_rules_of(stored: Any) -> DecisionRules:
    """The decision rules as stored (jsonb; text through asyncpg, ``{}`` = the defaults)."""
    if isinstance(stored, str):
        stored = json.loads(stored)
    return model.rules_from_json(stored)


async def council_settings_in(connection: Any, *, for_update: bool = False) -> CouncilRules:
    """The council's settings, kept in the community's settings row (the matters
    context's); ``for_update`` takes the row's lock, the council-wide lock: chair changes
    and elections queue behind one another instead of tripping the one-chair index or
    filling a seat twice."""
    row = await matter_queries.settings_in(connection, for_update=for_update)
    return CouncilRules(decision_rules_of(row.decision_rules), row.seats_per_grid)


async def seated_on(day: date) -> list[MemberRow]:
    """Members holding a seat on ``day`` (inside the caller's tenant_tx): in office (not
    ended early) and within their term."""
    records = (
        await CouncilMember.select()
        .where(
            CouncilMember.active.eq(True),
            CouncilMember.elected_on <= day,
            CouncilMember.term_ends_on >= day,
        )
        .order_by(CouncilMember.id)
        .run()
    )
    return [member_of(r) for r in records]


def is_seated(member: MemberRow, day: date) -> bool:
    """The rule ``seated_on`` applies in SQL, for rows already loaded."""
    return member.active and member.elected_on <= day <= member.term_ends_on


_MEMBER_COLUMNS = columns_of(MemberRow)


async def members_in(
    connection: Any, ids: Iterable[int], known: dict[int, MemberRow] | None = None
) -> dict[int, MemberRow]:
    """The members ``ids`` names, taken from ``known`` (rows the caller already read) and
    read (one statement, none when ``known`` has them all) for the rest: e.g. a voter
    whose term ended after voting."""
    known = known or {}
    found = {i: known[i] for i in ids if i in known}
    missing = sorted({i for i in ids if i not in known})
    if missing:
        records = await connection.fetch(
            f"SELECT {_MEMBER_COLUMNS} FROM council_members WHERE id = ANY($1::int[])", missing
        )
        found |= {r["id"]: MemberRow(*r) for r in records}
    return found


def referred_members(item: AgendaItemRow, votes: Iterable[CouncilVoteRow]) -> set[int]:
    """The members an agenda item's view shows: its voters and the casting vote's chair."""
    ids = {v.member_id for v in votes}
    if item.casting_vote_by is not None:
        ids.add(item.casting_vote_by)
    return ids


def item_view(
    item: AgendaItemRow,
    matter: MatterRow,
    votes: list[CouncilVoteRow],
    members: dict[int, MemberRow],
) -> ItemView:
    """``item`` shown with its matter, votes and the members they refer to."""
    return ItemView(*msgspec.structs.astuple(item), matter=matter, votes=votes, members=members)


# -- sessions with everything in them --------------------------------------------------------
# A session with its attendees (ordered by member id) in one statement.
_SESSIONS_SQL = (
    f"SELECT {columns_of(SessionRow, 's.')}, ARRAY(SELECT a.member_id FROM session_attendance a "
    "WHERE a.session_id = s.id ORDER BY a.member_id) AS attendee_ids FROM council_sessions s"
)
_ITEMS_SQL = (
    f"SELECT {columns_of(AgendaItemRow)} FROM agenda_items WHERE session_id = ANY($1::int[]) "
    "ORDER BY id"
)
_VOTES_SQL = (
    f"SELECT {columns_of(CouncilVoteRow)} FROM votes WHERE agenda_item_id = ANY($1::int[]) "
    "ORDER BY id"
)


async def session_views_in(connection: Any, session_ids: list[int]) -> list[SessionView]:
    """The sessions ``session_ids`` with everything in them, read on ``connection`` (the
    caller's transaction: a handler answering with the session it changed)."""
    records = await connection.fetch(
        f"{_SESSIONS_SQL} WHERE s.id = ANY($1::int[]) ORDER BY s.id DESC", session_ids
    )
    return await _views(connection, records)


async def _views(connection: Any, records: list[Any]) -> list[SessionView]:
    """Sessions (records of ``_SESSIONS_SQL``) with their agenda items, the items' matters
    and votes, and the council; nothing is read for what is not there."""
    if not records:
        return []
    sessions = [(SessionRow(*r[:-1]), list(r[-1])) for r in records]
    ids = [s.id for s, _ in sessions]
    items = [AgendaItemRow(*r) for r in await connection.fetch(_ITEMS_SQL, ids)]
    votes: dict[int, list[CouncilVoteRow]] = {i.id: [] for i in items}
    matters: dict[int, MatterRow] = {}
    if items:
        matters = await matter_queries.matters_by_id_in(connection, {i.matter_id for i in items})
        for r in await connection.fetch(_VOTES_SQL, [i.id for i in items]):
            votes[r["agenda_item_id"]].append(CouncilVoteRow(*r))
    # The whole council, former members included: a few dozen rows at most; every attendee
    # and voter of any session is among them, and the seated count of each date comes of it.
    members = {
        m.id: m
        for m in (
            MemberRow(*r)
            for r in await connection.fetch(f"SELECT {_MEMBER_COLUMNS} FROM council_members")
        )
    }
    seated_counts = {
        d: sum(1 for m in members.values() if is_seated(m, d))
        for d in {s.held_on for s, _ in sessions}
    }
    by_session: dict[int, list[ItemView]] = {i: [] for i in ids}
    for item in items:
        by_session[item.session_id].append(
            item_view(item, matters[item.matter_id], votes[item.id], members)
        )
    return [
        SessionView(
            *msgspec.structs.astuple(s),
            attendee_ids=attendees,
            items=by_session[s.id],
            seated_count=seated_counts[s.held_on],
            members=members,
        )
        for s, attendees in sessions
    ]


# -- the council's votes on matters (the councils context's field on Matter) ---------------
_VOTES_OF_MATTERS_SQL = (
    "SELECT v.id, v.agenda_item_id, a.session_id, a.matter_id, v.member_id, "
    "m.name AS member_name, v.kind, v.recused, v.note, v.cast_at "
    "FROM votes v JOIN agenda_items a ON a.id = v.agenda_item_id "
    "JOIN council_members m ON m.id = v.member_id "
    "WHERE a.matter_id = ANY($1::int[]) ORDER BY v.id"
)


async def votes_by_matter_in(
    connection: Any, matter_ids: list[int]
) -> dict[int, list[MatterVoteRow]]:
    """Every vote (and recusal) on each of ``matter_ids``, oldest first, read on
    ``connection`` inside the caller's tenant transaction (a matter page's own)."""
    grouped: dict[int, list[MatterVoteRow]] = {}
    for r in await connection.fetch(_VOTES_OF_MATTERS_SQL, sorted(set(matter_ids))):
        grouped.setdefault(r["matter_id"], []).append(MatterVoteRow(*r))
    return grouped


async def votes_by_matter(slug: str, matter_ids: list[int]) -> dict[int, list[MatterVoteRow]]:
    """``votes_by_matter_in`` in a transaction of its own."""
    async with tenant_tx(slug) as tx:
        return await votes_by_matter_in(tx.connection, matter_ids)
