"""Read side of the groups context: the directory, one group, its members; typed rows.

Who may read what is decided here (``reader_of`` and ``group_access`` over the caller's own
memberships), not by the adapters: a group of another community, one the caller may not
see and one that does not exist answer the same (GroupNotFound / null).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import msgspec

from services import localtime
from services.auth.model import Principal
from services.auth.permissions import allowed
from services.communities.handlers import access_community_by_slug
from services.communities.permissions import VIEW_LEDGER
from services.errors import Forbidden
from services.groups.model import (
    PERSONAL_ROLES,
    BallotBasis,
    Clause,
    DogFilter,
    DutyKind,
    DutySpec,
    ElectionNotFound,
    ElectionStatus,
    GroupAccess,
    GroupKind,
    GroupNotFound,
    GroupRole,
    IncidentKind,
    Membership,
    SizeClass,
    eligible_voters,
    group_access,
    on_core,
    voter_key,
)
from services.groups.permissions import MANAGE_GROUPS, VIEW_GROUPS
from services.households import queries as household_queries
from services.households.queries import HouseholdRow, ResidentRow
from services.kernel.pagination import check_page_size, decode_cursor, encode_cursor
from tenants.provisioning import CommunityInfo
from tenants.tx import tenant_tx

DEFAULT_PAGE = 50
MAX_PAGE = 200


class GroupRow(msgspec.Struct, frozen=True):
    """A group as stored, with the number of its current members."""

    id: int
    kind: str
    name_zh: str
    name_en: str
    purpose: str
    founded_on: date
    founding_matter_id: int | None
    ballot_basis: str
    decision_rules: dict[str, Any]
    dissolved_on: date | None
    dissolved_reason: str
    registered_by: str
    created_at: datetime
    member_count: int = 0


class MemberRow(msgspec.Struct, frozen=True):
    """A membership as stored: a household, the resident when it names one, role and dates."""

    id: int
    group_id: int
    household_id: int
    resident_id: int | None
    role: str
    joined_on: date
    left_on: date | None
    created_at: datetime


class MemberView(msgspec.Struct, frozen=True):
    """A membership with its household and resident rows (unmasked: the adapter masks them
    with the households context's ``visible_household`` / ``visible_resident``)."""

    member: MemberRow
    household: HouseholdRow | None
    resident: ResidentRow | None


class GroupView(msgspec.Struct, frozen=True):
    """A group with what the caller may do in it and their own current roles."""

    group: GroupRow
    access: GroupAccess
    my_roles: tuple[GroupRole, ...] = ()


class Page(msgspec.Struct, frozen=True):
    """One page of a list, with the total over all pages and the cursor after it."""

    items: list[Any]
    total_count: int
    has_next_page: bool
    end_cursor: str | None


@dataclass(frozen=True)
class Reader:
    """Someone reading the groups of one community, and what the matrix lets them do."""

    community: CommunityInfo
    actor: Principal
    manages: bool  # MANAGE_GROUPS: the community's cadres
    reads_all: bool  # VIEW_LEDGER: staff who read every record of the community


GROUP_COLUMNS = (
    "g.id, g.kind, g.name_zh, g.name_en, g.purpose, g.founded_on, g.founding_matter_id, "
    "g.ballot_basis, g.decision_rules, g.dissolved_on, g.dissolved_reason, g.registered_by, "
    "g.created_at"
)
MEMBER_COLUMNS = (
    "m.id, m.group_id, m.household_id, m.resident_id, m.role, m.joined_on, m.left_on, m.created_at"
)
_WITH_COUNT = (
    f"SELECT {GROUP_COLUMNS}, (SELECT count(*) FROM group_members c "
    "WHERE c.group_id = g.id AND c.left_on IS NULL) AS member_count FROM groups g"
)


def group_of(record: Any) -> GroupRow:
    """A groups record (raw asyncpg: jsonb comes back as text) as a typed row."""
    values = dict(record)
    rules = values.get("decision_rules")
    if isinstance(rules, str):
        values["decision_rules"] = json.loads(rules)
    return GroupRow(**values)


def member_of(record: Any) -> MemberRow:
    """A group_members record as a typed row."""
    return MemberRow(**record)


# -- access --------------------------------------------------------------------------------
async def reader_of(actor: Principal, slug: str, community: CommunityInfo | None = None) -> Reader:
    """How ``actor`` reads groups in ``slug``: CommunityNotFound if the community is not
    theirs to see, Forbidden for a role without the directory. ``community``: the registry
    entry the caller already read (the Community object a field hangs under)."""
    if community is None or community.slug != slug:
        community = await access_community_by_slug(actor, slug)
    county = community.county_code
    if not allowed(actor, VIEW_GROUPS, slug, county):
        raise Forbidden()
    return Reader(
        community=community,
        actor=actor,
        manages=allowed(actor, MANAGE_GROUPS, slug, county),
        reads_all=allowed(actor, VIEW_LEDGER, slug, county),
    )


async def caller_roles_in(
    connection: Any, subject: str, group_ids: Iterable[int]
) -> dict[int, tuple[GroupRole, ...]]:
    """The caller's current roles in each group, through their resident (by login subject):
    a membership in their own name; or, where the group's members are households (its
    ballot basis), their household's membership, which makes them a member. A membership in
    their own name elected to the core for a term covering today is core (elections)."""
    ids = sorted(set(group_ids))
    if not ids:
        return {}
    records = await connection.fetch(
        "SELECT m.group_id, "
        "CASE WHEN m.resident_id = r.id THEN m.role ELSE 'member' END AS role, "
        "t.starts_on, t.ends_on "
        "FROM residents r JOIN group_members m "
        "ON m.left_on IS NULL AND m.group_id = ANY($2::int[]) "
        "JOIN groups g ON g.id = m.group_id "
        "LEFT JOIN group_core_terms t ON t.member_id = m.id AND m.resident_id = r.id "
        "WHERE r.subject = $1 AND (m.resident_id = r.id "
        "OR (g.ballot_basis = 'household' AND m.household_id = r.household_id))",
        subject,
        ids,
    )
    out: dict[int, set[GroupRole]] = {}
    today: date | None = None
    for r in records:
        out.setdefault(r["group_id"], set()).add(GroupRole(r["role"]))
        if r["starts_on"] is not None:
            # The clock only for a caller elected to a core: other answers stay cacheable.
            today = today or localtime.today()
            if on_core(r["starts_on"], r["ends_on"], today):
                out[r["group_id"]].add(GroupRole.CORE)
    order = list(GroupRole)
    return {g: tuple(sorted(roles, key=order.index)) for g, roles in out.items()}


def access_of(reader: Reader, roles: Iterable[GroupRole]) -> GroupAccess:
    """What ``reader`` may do in a group where they hold ``roles``."""
    return group_access(
        manages_community_groups=reader.manages, reads_community=reader.reads_all, roles=roles
    )


async def group_in(connection: Any, group_id: int, *, for_update: bool = False) -> GroupRow | None:
    """One group (with its member count) on the caller's connection, or None."""
    lock = " FOR UPDATE OF g" if for_update else ""
    record = await connection.fetchrow(f"{_WITH_COUNT} WHERE g.id = $1{lock}", group_id)
    return None if record is None else group_of(record)


async def views_in(connection: Any, reader: Reader, rows: list[GroupRow]) -> list[GroupView]:
    """The groups of ``rows`` with what ``reader`` may do in each (one statement for the
    caller's roles in all of them)."""
    roles = await caller_roles_in(connection, reader.actor.subject, [r.id for r in rows])
    return [GroupView(r, access_of(reader, roles.get(r.id, ())), roles.get(r.id, ())) for r in rows]


async def groups_by_id_in(connection: Any, ids: Iterable[int]) -> list[GroupRow]:
    """Groups by id (with their member counts), by id, on the caller's connection."""
    records = await connection.fetch(
        f"{_WITH_COUNT} WHERE g.id = ANY($1::int[]) ORDER BY g.id", sorted(set(ids))
    )
    return [group_of(r) for r in records]


async def view_in(connection: Any, reader: Reader, group_id: int) -> GroupView:
    """The group as ``reader`` may see it; GroupNotFound when missing (every reader of the
    directory sees that a group exists: its name, kind and purpose are the directory)."""
    row = await group_in(connection, group_id)
    if row is None:
        raise GroupNotFound()
    roles = (await caller_roles_in(connection, reader.actor.subject, [group_id])).get(group_id, ())
    return GroupView(row, access_of(reader, roles), roles)


# -- reads ---------------------------------------------------------------------------------
async def list_groups(
    actor: Principal,
    slug: str,
    *,
    kind: GroupKind | None = None,
    include_dissolved: bool = False,
    first: int = DEFAULT_PAGE,
    after: str | None = None,
    community: CommunityInfo | None = None,
) -> Page:
    """The community's groups by id (a page of GroupView, with the total): the directory
    every reader of the community sees, each with what the caller may do in it."""
    reader = await reader_of(actor, slug, community)
    check_page_size(first, MAX_PAGE)
    position = decode_cursor(after, int)[0] if after else 0
    conds, args = ["g.id > $1"], [position]
    if kind is not None:
        args.append(kind.value)
        conds.append(f"g.kind = ${len(args)}")
    if not include_dissolved:
        conds.append("g.dissolved_on IS NULL")
    where = " AND ".join(conds)
    count_where = " AND ".join(conds[1:]) or "true"
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        records = await conn.fetch(
            f"{_WITH_COUNT} WHERE {where} ORDER BY g.id LIMIT ${len(args) + 1}",
            *args,
            first + 1,
        )
        total = await conn.fetchval(f"SELECT count(*) FROM groups g WHERE {count_where}", *args[1:])
        rows = [group_of(r) for r in records[:first]]
        items = await views_in(conn, reader, rows)
    end = encode_cursor(rows[-1].id) if rows else None
    return Page(items, total, len(records) > first, end)


async def get_group(
    actor: Principal, slug: str, group_id: int, *, community: CommunityInfo | None = None
) -> GroupView:
    """One group as the caller may see it; GroupNotFound when missing."""
    reader = await reader_of(actor, slug, community)
    async with tenant_tx(slug, snapshot=True) as tx:
        return await view_in(tx.connection, reader, group_id)


async def members_page(
    actor: Principal,
    slug: str,
    group_id: int,
    *,
    first: int = DEFAULT_PAGE,
    after: str | None = None,
    include_former: bool = False,
    community: CommunityInfo | None = None,
) -> Page:
    """A page of the group's members (MemberView, by id) for a caller who may read the group
    (its members, the community's staff); anyone else: GroupNotFound, as if missing. The
    members' households and residents are read in the same transaction."""
    reader = await reader_of(actor, slug, community)
    check_page_size(first, MAX_PAGE)
    position = decode_cursor(after, int)[0] if after else 0
    current = "" if include_former else " AND m.left_on IS NULL"
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        view = await view_in(conn, reader, group_id)
        if not view.access.read:
            raise GroupNotFound()
        records = await conn.fetch(
            f"SELECT {MEMBER_COLUMNS} FROM group_members m "
            f"WHERE m.group_id = $1 AND m.id > $2{current} ORDER BY m.id LIMIT $3",
            group_id,
            position,
            first + 1,
        )
        total = await conn.fetchval(
            f"SELECT count(*) FROM group_members m WHERE m.group_id = $1{current}", group_id
        )
        rows = [member_of(r) for r in records[:first]]
        items = await member_views_in(conn, rows)
    end = encode_cursor(rows[-1].id) if rows else None
    return Page(items, total, len(records) > first, end)


async def member_views_in(connection: Any, rows: list[MemberRow]) -> list[MemberView]:
    """``rows`` with their households and residents, two statements for any number."""
    households = await household_queries.households_by_id_in(
        connection, {r.household_id for r in rows}
    )
    residents = await household_queries.residents_by_id_in(
        connection, {r.resident_id for r in rows if r.resident_id is not None}
    )
    return [
        MemberView(
            r,
            households.get(r.household_id),
            None if r.resident_id is None else residents.get(r.resident_id),
        )
        for r in rows
    ]


async def founded_groups(
    actor: Principal, slug: str, matter_id: int, *, community: CommunityInfo | None = None
) -> list[GroupView]:
    """The groups a matter founded (its resolution shows them), as the caller may see them;
    none for a caller without the directory."""
    try:
        reader = await reader_of(actor, slug, community)
    except Forbidden:
        return []
    async with tenant_tx(slug, snapshot=True) as tx:
        records = await tx.connection.fetch(
            f"{_WITH_COUNT} WHERE g.founding_matter_id = $1 ORDER BY g.id", matter_id
        )
        return await views_in(tx.connection, reader, [group_of(r) for r in records])


async def household_memberships(
    actor: Principal, slug: str, household_id: int, *, community: CommunityInfo | None = None
) -> list[tuple[MemberView, GroupView]]:
    """A household's memberships (current first, then past) with their groups, for a caller
    who already may see the household (the households context decided that: a resident
    sees their own, staff any): its memberships are part of what it shows."""
    try:
        reader = await reader_of(actor, slug, community)
    except Forbidden:
        return []
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        records = await conn.fetch(
            f"SELECT {MEMBER_COLUMNS} FROM group_members m WHERE m.household_id = $1 "
            "ORDER BY (m.left_on IS NULL) DESC, m.id",
            household_id,
        )
        members = await member_views_in(conn, [member_of(r) for r in records])
        rows = await groups_by_id_in(conn, {m.member.group_id for m in members})
        groups = {v.group.id: v for v in await views_in(conn, reader, rows)}
    return [(m, groups[m.member.group_id]) for m in members]


# -- conventions: the clauses in force (what incidents are judged by) ----------------------
def clause_of(record: Any) -> Clause:
    """A group_convention_clauses record as the pure model's Clause (jsonb may be text)."""
    binds = record["binds"]
    duties = record["duties"]
    binds = json.loads(binds) if isinstance(binds, str) else binds
    duties = json.loads(duties) if isinstance(duties, str) else duties
    return Clause(
        number=record["number"],
        text_zh=record["text_zh"],
        text_en=record["text_en"],
        binds=DogFilter(
            size_classes=frozenset(SizeClass(s) for s in binds.get("size_classes", ())),
            fierce=bool(binds.get("fierce", False)),
        ),
        incident_kinds=frozenset(IncidentKind(k) for k in record["incident_kinds"] or ()),
        duties=tuple(DutySpec(DutyKind(d["kind"]), int(d["due_hours"])) for d in duties),
    )


def clause_json(clause: Clause) -> tuple[str, list[str], str]:
    """(binds, incident kinds, duties) of ``clause`` as its row stores them."""
    binds: dict[str, object] = {}
    if clause.binds.size_classes:
        order = list(SizeClass)
        binds["size_classes"] = sorted(
            (s.value for s in clause.binds.size_classes), key=lambda v: order.index(SizeClass(v))
        )
    if clause.binds.fierce:
        binds["fierce"] = True
    kinds = [k.value for k in IncidentKind if k in clause.incident_kinds]
    duties = [{"kind": d.kind.value, "due_hours": d.due_hours} for d in clause.duties]
    return json.dumps(binds), kinds, json.dumps(duties)


async def clauses_in_force_in(connection: Any, group_id: int) -> list[Clause]:
    """The clauses of every convention of the group in the version now in force (adopted),
    by convention then clause number, on the caller's connection."""
    records = await connection.fetch(
        "SELECT c.number, c.text_zh, c.text_en, c.binds, c.incident_kinds, c.duties "
        "FROM group_conventions gc "
        "JOIN group_convention_versions v ON v.convention_id = gc.id AND v.status = 'adopted' "
        "JOIN group_convention_clauses c ON c.version_id = v.id "
        "WHERE gc.group_id = $1 ORDER BY gc.id, c.number",
        group_id,
    )
    return [clause_of(r) for r in records]


# -- elections of the core (选举): views, the caller's ballot, who sits on the core -------
class ElectionTally(msgspec.Struct, frozen=True):
    """An election's count as its record keeps it (``group_elections.result``); candidates
    by their candidate ids. Only a closed or published election has one."""

    quorum_met: bool
    eligible: int
    ballots: int
    quorum_required: int
    votes_required: int = 0
    counts: tuple[tuple[int, int], ...] = ()
    elected: tuple[int, ...] = ()
    runoff: tuple[int, ...] = ()
    runoff_seats: int = 0
    unfilled: int = 0
    runoff_election_id: int | None = None


class ElectionRow(msgspec.Struct, frozen=True):
    """An election as stored; ``tally`` None while it is open (the counts are not shown
    before the close: only how many ballots were cast)."""

    id: int
    group_id: int
    title: str
    term_starts_on: date
    term_ends_on: date
    seats: int
    votes_per_ballot: int
    status: str
    runoff_of: int | None
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None
    published_at: datetime | None
    tally: ElectionTally | None


class CandidateView(msgspec.Struct, frozen=True):
    """A candidate (its candidate id, what ballots name) and the membership standing."""

    id: int
    member: MemberView


class ElectionView(msgspec.Struct, frozen=True):
    """An election as a reader of the group sees it: candidates, ballots cast so far, the
    electorate (live while open, as counted after), whether the caller's ballot is in
    (None: the caller has no ballot in this group), and the count once closed."""

    election: ElectionRow
    candidates: list[CandidateView]
    ballots_cast: int
    eligible: int
    has_voted: bool | None

    @property
    def tally(self) -> ElectionTally | None:
        return self.election.tally


class CoreSeat(msgspec.Struct, frozen=True):
    """A member on the group's core today, and until when an elected term seats them (None:
    the member's stored role is leader or core, with no elected term covering today)."""

    member: MemberView
    until: date | None


ELECTION_COLUMNS = (
    "e.id, e.group_id, e.title, e.term_starts_on, e.term_ends_on, e.seats, e.votes_per_ballot, "
    "e.status, e.runoff_of, e.opened_by, e.opened_at, e.closed_at, e.published_at, e.result"
)


def election_of(record: Any) -> ElectionRow:
    """A group_elections record as a typed row (jsonb may come back as text)."""
    values = dict(record)
    result = values.pop("result")
    if isinstance(result, str):
        result = json.loads(result)
    open_ = values["status"] == ElectionStatus.OPEN.value
    tally = None if open_ or not result else msgspec.convert(result, ElectionTally)
    return ElectionRow(**values, tally=tally)


def membership_of(row: MemberRow) -> Membership:
    """A stored membership as the pure rules see it."""
    return Membership(
        id=row.id,
        household_id=row.household_id,
        resident_id=row.resident_id,
        role=GroupRole(row.role),
        joined_on=row.joined_on,
        left_on=row.left_on,
    )


async def election_in(
    connection: Any, election_id: int, *, for_update: bool = False
) -> ElectionRow | None:
    """One election on the caller's connection (``for_update``: locked to the transaction's
    end, as ballots and the close take it), or None."""
    lock = " FOR UPDATE" if for_update else ""
    record = await connection.fetchrow(
        f"SELECT {ELECTION_COLUMNS} FROM group_elections e WHERE e.id = $1{lock}", election_id
    )
    return None if record is None else election_of(record)


async def members_by_id_in(connection: Any, ids: Iterable[int]) -> dict[int, MemberRow]:
    """Memberships by id, on the caller's connection."""
    records = await connection.fetch(
        f"SELECT {MEMBER_COLUMNS} FROM group_members m WHERE m.id = ANY($1::int[])",
        sorted(set(ids)),
    )
    return {r["id"]: member_of(r) for r in records}


async def current_members_in(connection: Any, group_id: int) -> list[MemberRow]:
    """The group's current memberships, by id."""
    records = await connection.fetch(
        f"SELECT {MEMBER_COLUMNS} FROM group_members m "
        "WHERE m.group_id = $1 AND m.left_on IS NULL ORDER BY m.id",
        group_id,
    )
    return [member_of(r) for r in records]


async def eligible_in(connection: Any, group: GroupRow) -> frozenset[str]:
    """The voter keys of the group's current members (its electorate now)."""
    members = await current_members_in(connection, group.id)
    return eligible_voters(BallotBasis(group.ballot_basis), map(membership_of, members))


async def caller_member_in(connection: Any, subject: str, group: GroupRow) -> MemberRow | None:
    """The current membership whose ballot the caller (by login subject) casts: their
    household's where the group votes by household, their own where it votes by member."""
    basis = BallotBasis(group.ballot_basis)
    match = (
        "m.household_id = r.household_id"
        if basis is BallotBasis.HOUSEHOLD
        else ("m.resident_id = r.id")
    )
    record = await connection.fetchrow(
        f"SELECT {MEMBER_COLUMNS} FROM residents r JOIN group_members m "
        f"ON m.group_id = $2 AND m.left_on IS NULL AND {match} "
        "WHERE r.subject = $1 ORDER BY m.id LIMIT 1",
        subject,
        group.id,
    )
    return None if record is None else member_of(record)


async def candidates_in(
    connection: Any, election_ids: Iterable[int]
) -> dict[int, list[tuple[int, int]]]:
    """(candidate id, member id) of each election, in the order they were named."""
    records = await connection.fetch(
        "SELECT id, election_id, member_id FROM group_election_candidates "
        "WHERE election_id = ANY($1::int[]) ORDER BY id",
        sorted(set(election_ids)),
    )
    out: dict[int, list[tuple[int, int]]] = {}
    for r in records:
        out.setdefault(r["election_id"], []).append((r["id"], r["member_id"]))
    return out


async def election_views_in(
    connection: Any, subject: str, group: GroupRow, rows: list[ElectionRow]
) -> list[ElectionView]:
    """``rows`` (elections of ``group``) as the caller sees them: a fixed number of
    statements for any number of elections."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    candidates = await candidates_in(connection, ids)
    members = await members_by_id_in(
        connection, {m for pairs in candidates.values() for _, m in pairs}
    )
    views = {v.member.id: v for v in await member_views_in(connection, list(members.values()))}
    cast = dict(
        await connection.fetch(
            "SELECT election_id, count(*) FROM group_election_ballots "
            "WHERE election_id = ANY($1::int[]) GROUP BY election_id",
            ids,
        )
    )
    mine = await caller_member_in(connection, subject, group)
    voted: set[int] = set()
    if mine is not None:
        key = voter_key(BallotBasis(group.ballot_basis), mine.household_id, mine.resident_id)
        voted = {
            r["election_id"]
            for r in await connection.fetch(
                "SELECT election_id FROM group_election_ballots "
                "WHERE election_id = ANY($1::int[]) AND voter_key = $2",
                ids,
                key,
            )
        }
    live = None
    if any(r.tally is None for r in rows):
        live = len(await eligible_in(connection, group))
    return [
        ElectionView(
            election=r,
            candidates=[CandidateView(c, views[m]) for c, m in candidates.get(r.id, [])],
            ballots_cast=cast.get(r.id, 0),
            eligible=r.tally.eligible if r.tally is not None else (live or 0),
            has_voted=None if mine is None else r.id in voted,
        )
        for r in rows
    ]


async def election_view_in(
    connection: Any, subject: str, group: GroupRow, election_id: int
) -> ElectionView:
    """One election of ``group`` as the caller sees it (after an act, in its transaction)."""
    row = await election_in(connection, election_id)
    if row is None or row.group_id != group.id:
        raise ElectionNotFound()
    return (await election_views_in(connection, subject, group, [row]))[0]


async def _readable_group_in(connection: Any, reader: Reader, group_id: int) -> GroupView:
    view = await view_in(connection, reader, group_id)
    if not view.access.read:
        raise GroupNotFound()
    return view


async def elections_page(
    actor: Principal,
    slug: str,
    group_id: int,
    *,
    first: int = DEFAULT_PAGE,
    after: str | None = None,
    community: CommunityInfo | None = None,
) -> Page:
    """A page of the group's elections, newest first (ElectionView), for a caller who may
    read the group; anyone else: GroupNotFound, as if missing."""
    reader = await reader_of(actor, slug, community)
    check_page_size(first, MAX_PAGE)
    position = decode_cursor(after, int)[0] if after else 2**31 - 1
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        view = await _readable_group_in(conn, reader, group_id)
        records = await conn.fetch(
            f"SELECT {ELECTION_COLUMNS} FROM group_elections e "
            "WHERE e.group_id = $1 AND e.id < $2 ORDER BY e.id DESC LIMIT $3",
            group_id,
            position,
            first + 1,
        )
        total = await conn.fetchval(
            "SELECT count(*) FROM group_elections WHERE group_id = $1", group_id
        )
        rows = [election_of(r) for r in records[:first]]
        items = await election_views_in(conn, actor.subject, view.group, rows)
    end = encode_cursor(rows[-1].id) if rows else None
    return Page(items, total, len(records) > first, end)


async def get_election(
    actor: Principal,
    slug: str,
    group_id: int,
    election_id: int,
    *,
    community: CommunityInfo | None = None,
) -> ElectionView:
    """One election of the group; ElectionNotFound when missing, of another group, or of a
    group the caller may not read."""
    reader = await reader_of(actor, slug, community)
    async with tenant_tx(slug, snapshot=True) as tx:
        try:
            view = await _readable_group_in(tx.connection, reader, group_id)
        except GroupNotFound:
            raise ElectionNotFound() from None
        return await election_view_in(tx.connection, actor.subject, view.group, election_id)


async def core_terms_in(
    connection: Any, member_ids: Iterable[int]
) -> dict[int, list[tuple[date, date]]]:
    """The elected core terms (starts, ends) of each membership, by start."""
    records = await connection.fetch(
        "SELECT member_id, starts_on, ends_on FROM group_core_terms "
        "WHERE member_id = ANY($1::int[]) ORDER BY starts_on, id",
        sorted(set(member_ids)),
    )
    out: dict[int, list[tuple[date, date]]] = {}
    for r in records:
        out.setdefault(r["member_id"], []).append((r["starts_on"], r["ends_on"]))
    return out


def _seated_until(terms: list[tuple[date, date]], today: date | None) -> date | None:
    """The last day of the term covering ``today`` (the latest, should two cover it)."""
    if today is None:
        return None
    covering = [ends for starts, ends in terms if on_core(starts, ends, today)]
    return max(covering, default=None)


async def core_until_in(connection: Any, member_ids: Iterable[int]) -> dict[int, date | None]:
    """Until when an elected term seats each membership on the core today (None: no term
    covers today). The clock is read only when some membership has a term."""
    terms = await core_terms_in(connection, member_ids)
    today = localtime.today() if terms else None
    return {m: _seated_until(terms.get(m, []), today) for m in member_ids}


async def core_until(slug: str, member_ids: list[int]) -> dict[int, date | None]:
    """``core_until_in`` in its own snapshot (a member object already shown to the caller
    carries this: the access was decided where the member was read)."""
    async with tenant_tx(slug, snapshot=True) as tx:
        return await core_until_in(tx.connection, member_ids)


async def current_core(
    actor: Principal, slug: str, group_id: int, *, community: CommunityInfo | None = None
) -> list[CoreSeat]:
    """The group's core today, by membership: current members elected for a term covering
    today, and those whose stored role is leader or core (roles as data stay valid); for a
    caller who may read the group, GroupNotFound otherwise."""
    reader = await reader_of(actor, slug, community)
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        await _readable_group_in(conn, reader, group_id)
        members = await current_members_in(conn, group_id)
        until = await core_until_in(conn, [m.id for m in members])
        seated = [
            m for m in members if until[m.id] is not None or GroupRole(m.role) in PERSONAL_ROLES
        ]
        views = await member_views_in(conn, seated)
    return [CoreSeat(v, until[v.member.id]) for v in views]
