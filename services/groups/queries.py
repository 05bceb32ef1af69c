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
from typing import Any, Literal

import msgspec

from services import localtime
from services.auth.model import Principal
from services.auth.permissions import allowed
from services.communities.handlers import access_community_by_slug
from services.communities.permissions import VIEW_LEDGER
from services.errors import Forbidden
from services.groups.model import (
    OPEN_STATUSES,
    PERSONAL_ROLES,
    BallotBasis,
    Clause,
    ConventionStatus,
    ConventionTally,
    DogFilter,
    DutyKind,
    DutySpec,
    DutyState,
    ElectionNotFound,
    ElectionStatus,
    GroupAccess,
    GroupKind,
    GroupNotFound,
    GroupRole,
    IncidentKind,
    IncidentNotFound,
    Membership,
    SizeClass,
    duty_overdue,
    group_access,
    on_core,
    sees_referrals,
    vaccination_overdue,
    voter_key,
    voter_keys,
)
from services.groups.permissions import MANAGE_GROUPS, VIEW_GROUPS
from services.households import queries as household_queries
from services.households.queries import HouseholdRow, ResidentRow
from services.kernel.pagination import check_page_size, decode_cursor, encode_cursor
from services.matters import queries as matter_queries
from services.matters.model import ReferralStatus
from services.matters.rows import MatterRow, MatterView, ReferralRow
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
    # The join's "resident or household" (implied by the WHERE) lets the memberships be
    # found by their resident and household indexes, not by scanning every member.
    records = await connection.fetch(
        "SELECT m.group_id, "
        "CASE WHEN m.resident_id = r.id THEN m.role ELSE 'member' END AS role, "
        "t.starts_on, t.ends_on "
        "FROM residents r JOIN group_members m "
        "ON m.left_on IS NULL AND m.group_id = ANY($2::int[]) "
        "AND (m.resident_id = r.id OR m.household_id = r.household_id) "
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


async def view_in(
    connection: Any,
    reader: Reader,
    group_id: int,
    seen: GroupView | None = None,
    *,
    for_update: bool = False,
) -> GroupView:
    """The group as ``reader`` may see it; GroupNotFound when missing (every reader of the
    directory sees that a group exists: its name, kind and purpose are the directory).

    ``seen``: the view of this group the same request already read for the same caller
    (the Group object a field hangs under, as ``Community`` keeps its registry entry):
    what it may do there stands for the request, and nothing is read again."""
    if seen is not None and seen.group.id == group_id and not for_update:
        return seen
    row = await group_in(connection, group_id, for_update=for_update)
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
    # The filter ($1) is shared by the page and the count; the page adds its position and limit.
    conds = ["($1::text IS NULL OR g.kind = $1)"]
    if not include_dissolved:
        conds.append("g.dissolved_on IS NULL")
    where = " AND ".join(conds)
    wanted = None if kind is None else kind.value
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        records = await conn.fetch(
            f"{_WITH_COUNT} WHERE {where} AND g.id > $2 ORDER BY g.id LIMIT $3",
            wanted,
            position,
            first + 1,
        )
        total = await conn.fetchval(f"SELECT count(*) FROM groups g WHERE {where}", wanted)
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
    seen: GroupView | None = None,
) -> Page:
    """A page of the group's members (MemberView, by id) for a caller who may read the group
    (its members, the community's staff); anyone else: GroupNotFound, as if missing. The
    members' households and residents are read in the same transaction. ``seen``: as
    ``view_in``'s."""
    reader = await reader_of(actor, slug, community)
    check_page_size(first, MAX_PAGE)
    position = decode_cursor(after, int)[0] if after else 0
    current = "" if include_former else " AND m.left_on IS NULL"
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        view = await view_in(conn, reader, group_id, seen)
        if not view.access.read:
            raise GroupNotFound()
        # The total rides along with the page (an uncorrelated sub-select: one round trip);
        # a page past the end has no row to carry it.
        records = await conn.fetch(
            f"SELECT {MEMBER_COLUMNS}, (SELECT count(*) FROM group_members m "
            f"WHERE m.group_id = $1{current}) AS total_count FROM group_members m "
            f"WHERE m.group_id = $1 AND m.id > $2{current} ORDER BY m.id LIMIT $3",
            group_id,
            position,
            first + 1,
        )
        if records:
            total = records[0]["total_count"]
        else:
            total = await conn.fetchval(
                f"SELECT count(*) FROM group_members m WHERE m.group_id = $1{current}", group_id
            )
        rows = [
            MemberRow(**{f: r[f] for f in MemberRow.__struct_fields__}) for r in records[:first]
        ]
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


# -- referrals (转介): the matters referred to a group, as its leader and core see them ----
class ReferralView(msgspec.Struct, frozen=True):
    """A referral to a registered group, with the group as the caller sees it and the
    referred matter: the referral shares the matter with those who act on the group's
    referrals (``sees_referrals``), whatever the ledger would show them."""

    referral: ReferralRow
    group: GroupView | None
    matter: MatterRow | None


async def referrals_page(
    actor: Principal,
    slug: str,
    group_id: int,
    *,
    statuses: Iterable[ReferralStatus] = (),
    first: int = DEFAULT_PAGE,
    after: str | None = None,
    community: CommunityInfo | None = None,
) -> Page:
    """A page of the referrals to a group (ReferralView, newest first, of ``statuses``;
    none: any) with their matters, in one transaction, for a caller who sees them (cadres,
    the group's leader and core, staff who read every matter); anyone else: GroupNotFound,
    as if the group were missing."""
    reader = await reader_of(actor, slug, community)
    check_page_size(first, MAX_PAGE)
    before = decode_cursor(after, int)[0] if after else None
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        view = await view_in(conn, reader, group_id)
        if not sees_referrals(view.access, reads_community=reader.reads_all):
            raise GroupNotFound()
        rows, total = await matter_queries.referrals_of_group_in(
            conn, group_id, statuses=statuses, before_id=before, limit=first + 1
        )
        shown = rows[:first]
        matters = await matter_queries.matters_by_id_in(conn, {r.matter_id for r in shown})
    items = [ReferralView(r, view, matters.get(r.matter_id)) for r in shown]
    end = encode_cursor(shown[-1].id) if shown else None
    return Page(items, total, len(rows) > first, end)


async def group_views_by_id(
    actor: Principal, slug: str, group_ids: Iterable[int]
) -> dict[int, GroupView]:
    """Groups by id as ``actor`` sees them (the group a referral names), one transaction;
    none for a caller without the community's directory."""
    try:
        reader = await reader_of(actor, slug)
    except Forbidden:
        return {}
    async with tenant_tx(slug, snapshot=True) as tx:
        rows = await groups_by_id_in(tx.connection, group_ids)
        return {v.group.id: v for v in await views_in(tx.connection, reader, rows)}


# -- dogs, incidents, duties ---------------------------------------------------------------
class DogRow(msgspec.Struct, frozen=True):
    """A dog of the association's register as stored (``license_no`` None: unregistered)."""

    id: int
    group_id: int
    household_id: int
    name: str
    breed: str
    size_class: str
    fierce: bool
    vaccinated_on: date | None
    license_no: str | None
    registered_by: str
    registered_at: datetime
    removed_on: date | None
    removed_reason: str


class DogView(msgspec.Struct, frozen=True):
    """A dog with its household (unmasked: the adapter masks it) and whether its
    vaccination is overdue today."""

    dog: DogRow
    household: HouseholdRow | None
    vaccination_overdue: bool


class IncidentRow(msgspec.Struct, frozen=True):
    """An incident as stored."""

    id: int
    group_id: int
    kind: str
    member_id: int
    dog_id: int | None
    place: str
    occurred_at: datetime
    affected_party: str
    description: str
    recorded_by: str
    recorded_at: datetime


class DutyRow(msgspec.Struct, frozen=True):
    """A duty as stored (``matter_id``: the matter it was escalated into, if it was)."""

    id: int
    incident_id: int
    member_id: int
    kind: str
    clause_number: int
    version_id: int | None
    due_at: datetime
    state: str
    evidence: str
    settled_by: str | None
    settled_at: datetime | None
    matter_id: int | None
    escalated_by: str | None
    escalated_at: datetime | None


class DutyView(msgspec.Struct, frozen=True):
    """A duty and whether it is overdue now (owed past its due time); ``matter``: the
    matter it was just escalated into, read in the escalation's own transaction."""

    duty: DutyRow
    overdue: bool
    matter: MatterView | None = None


class IncidentView(msgspec.Struct, frozen=True):
    """An incident with its member, its dog and the duties it created."""

    incident: IncidentRow
    member: MemberView
    dog: DogView | None
    duties: list[DutyView]


DOG_COLUMNS = (
    "d.id, d.group_id, d.household_id, d.name, d.breed, d.size_class, d.fierce, "
    "d.vaccinated_on, d.license_no, d.registered_by, d.registered_at, d.removed_on, "
    "d.removed_reason"
)
INCIDENT_COLUMNS = (
    "i.id, i.group_id, i.kind, i.member_id, i.dog_id, i.place, i.occurred_at, "
    "i.affected_party, i.description, i.recorded_by, i.recorded_at"
)
DUTY_COLUMNS = (
    "u.id, u.incident_id, u.member_id, u.kind, u.clause_number, u.version_id, u.due_at, "
    "u.state, u.evidence, u.settled_by, u.settled_at, u.matter_id, u.escalated_by, "
    "u.escalated_at"
)


async def dog_in(
    connection: Any, dog_id: int, *, group_id: int | None = None, for_update: bool = False
) -> DogRow | None:
    """One dog on the caller's connection (of ``group_id`` when given), or None."""
    lock = " FOR UPDATE" if for_update else ""
    record = await connection.fetchrow(
        f"SELECT {DOG_COLUMNS} FROM group_dogs d WHERE d.id = $1{lock}", dog_id
    )
    if record is None or (group_id is not None and record["group_id"] != group_id):
        return None
    return DogRow(**record)


async def dog_views_in(connection: Any, rows: list[DogRow], today: date) -> list[DogView]:
    """``rows`` with their households (one statement) and the vaccination rule of ``today``."""
    households = await household_queries.households_by_id_in(
        connection, {r.household_id for r in rows}
    )
    return [
        DogView(r, households.get(r.household_id), vaccination_overdue(r.vaccinated_on, today))
        for r in rows
    ]


async def duty_in(connection: Any, duty_id: int, *, for_update: bool = False) -> DutyRow | None:
    """One duty on the caller's connection, or None."""
    lock = " FOR UPDATE" if for_update else ""
    record = await connection.fetchrow(
        f"SELECT {DUTY_COLUMNS} FROM group_duties u WHERE u.id = $1{lock}", duty_id
    )
    return None if record is None else DutyRow(**record)


def duty_view(row: DutyRow, now: datetime) -> DutyView:
    """``row`` with the overdue rule of ``now``."""
    return DutyView(row, duty_overdue(DutyState(row.state), row.due_at, now))


async def incident_views_in(
    connection: Any, rows: list[IncidentRow], now: datetime
) -> list[IncidentView]:
    """``rows`` with their members, dogs and duties: four statements for any number."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    members = await connection.fetch(
        f"SELECT {MEMBER_COLUMNS} FROM group_members m WHERE m.id = ANY($1::int[])",
        sorted({r.member_id for r in rows}),
    )
    member_views = {
        v.member.id: v for v in await member_views_in(connection, [member_of(m) for m in members])
    }
    dog_ids = sorted({r.dog_id for r in rows if r.dog_id is not None})
    dogs: dict[int, DogView] = {}
    if dog_ids:
        records = await connection.fetch(
            f"SELECT {DOG_COLUMNS} FROM group_dogs d WHERE d.id = ANY($1::int[])", dog_ids
        )
        today = localtime.local_day(now)
        views = await dog_views_in(connection, [DogRow(**d) for d in records], today)
        dogs = {v.dog.id: v for v in views}
    duties: dict[int, list[DutyView]] = {i: [] for i in ids}
    for record in await connection.fetch(
        f"SELECT {DUTY_COLUMNS} FROM group_duties u WHERE u.incident_id = ANY($1::int[]) "
        "ORDER BY u.id",
        ids,
    ):
        row = DutyRow(**record)
        duties[row.incident_id].append(duty_view(row, now))
    return [
        IncidentView(
            r,
            member_views[r.member_id],
            None if r.dog_id is None else dogs.get(r.dog_id),
            duties[r.id],
        )
        for r in rows
    ]


async def incident_in(connection: Any, incident_id: int) -> IncidentRow | None:
    """One incident on the caller's connection, or None."""
    record = await connection.fetchrow(
        f"SELECT {INCIDENT_COLUMNS} FROM group_incidents i WHERE i.id = $1", incident_id
    )
    return None if record is None else IncidentRow(**record)


async def clauses_in_force_by_version_in(
    connection: Any, group_id: int
) -> list[tuple[int, Clause]]:
    """The clauses in force (as ``clauses_in_force_in``), each with its version's id: a
    duty names the version whose clause created it."""
    records = await connection.fetch(
        "SELECT v.id AS version_id, c.number, c.text_zh, c.text_en, c.binds, "
        "c.incident_kinds, c.duties "
        "FROM group_conventions gc "
        "JOIN group_convention_versions v ON v.convention_id = gc.id AND v.status = 'adopted' "
        "JOIN group_convention_clauses c ON c.version_id = v.id "
        "WHERE gc.group_id = $1 ORDER BY gc.id, c.number",
        group_id,
    )
    return [(r["version_id"], clause_of(r)) for r in records]


async def _dogs_where_in(
    connection: Any, where: str, args: list[Any], include_removed: bool, today: date
) -> list[DogView]:
    current = "" if include_removed else " AND d.removed_on IS NULL"
    records = await connection.fetch(
        f"SELECT {DOG_COLUMNS} FROM group_dogs d WHERE {where}{current} ORDER BY d.id", *args
    )
    return await dog_views_in(connection, [DogRow(**r) for r in records], today)


async def group_dogs(
    actor: Principal,
    slug: str,
    group_id: int,
    *,
    include_removed: bool = False,
    community: CommunityInfo | None = None,
) -> list[DogView]:
    """The group's dogs register as the caller may see it: every dog for those who manage
    the group (its leader and core, the community's cadres); for anyone else only their
    own household's dogs. A group the caller cannot find answers GroupNotFound."""
    reader = await reader_of(actor, slug, community)
    today = localtime.today()
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        view = await view_in(conn, reader, group_id)
        if view.access.manage:
            return await _dogs_where_in(conn, "d.group_id = $1", [group_id], include_removed, today)
        own = await household_queries.own_household_id(actor.subject)
        if own is None:
            return []
        return await _dogs_where_in(
            conn, "d.group_id = $1 AND d.household_id = $2", [group_id, own], include_removed, today
        )


async def overdue_vaccinations(
    actor: Principal, slug: str, group_id: int, *, community: CommunityInfo | None = None
) -> list[DogView] | None:
    """The group's current dogs whose vaccination is overdue today (or never recorded),
    for those who manage the group; None for anyone else (not theirs to see)."""
    reader = await reader_of(actor, slug, community)
    today = localtime.today()
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        view = await view_in(conn, reader, group_id)
        if not view.access.manage:
            return None
        dogs = await _dogs_where_in(conn, "d.group_id = $1", [group_id], False, today)
    return [d for d in dogs if d.vaccination_overdue]


async def household_dogs(
    actor: Principal, slug: str, household_id: int, *, community: CommunityInfo | None = None
) -> list[DogView]:
    """A household's current dogs in every group, for a caller who already may see the
    household (the households context decided that: a resident their own, staff any)."""
    try:
        await reader_of(actor, slug, community)
    except Forbidden:
        return []
    today = localtime.today()
    async with tenant_tx(slug, snapshot=True) as tx:
        return await _dogs_where_in(
            tx.connection, "d.household_id = $1", [household_id], False, today
        )


async def incidents_page(
    actor: Principal,
    slug: str,
    group_id: int,
    *,
    first: int = DEFAULT_PAGE,
    after: str | None = None,
    community: CommunityInfo | None = None,
) -> Page:
    """A page of the group's incidents (IncidentView), newest first (occurred_at desc, id
    desc), for a caller who reads the group; anyone else: GroupNotFound, as if missing.
    Members, dogs and duties are read in the same transaction."""
    reader = await reader_of(actor, slug, community)
    check_page_size(first, MAX_PAGE)
    position = decode_cursor(after, datetime, int) if after else None
    now = localtime.now()
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        view = await view_in(conn, reader, group_id)
        if not view.access.read:
            raise GroupNotFound()
        args: list[Any] = [group_id]
        before = ""
        if position is not None:
            args += list(position)
            before = " AND (i.occurred_at, i.id) < ($2, $3)"
        records = await conn.fetch(
            f"SELECT {INCIDENT_COLUMNS} FROM group_incidents i WHERE i.group_id = $1{before} "
            f"ORDER BY i.occurred_at DESC, i.id DESC LIMIT ${len(args) + 1}",
            *args,
            first + 1,
        )
        total = await conn.fetchval(
            "SELECT count(*) FROM group_incidents WHERE group_id = $1", group_id
        )
        rows = [IncidentRow(**r) for r in records[:first]]
        items = await incident_views_in(conn, rows, now)
    end = encode_cursor(rows[-1].occurred_at, rows[-1].id) if rows else None
    return Page(items, total, len(records) > first, end)


async def get_incident(
    actor: Principal,
    slug: str,
    group_id: int,
    incident_id: int,
    *,
    community: CommunityInfo | None = None,
) -> IncidentView:
    """One incident of the group for a caller who reads the group; IncidentNotFound when
    missing, of another group, or not visible (the same answer)."""
    reader = await reader_of(actor, slug, community)
    now = localtime.now()
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        try:
            view = await view_in(conn, reader, group_id)
        except GroupNotFound:
            raise IncidentNotFound() from None
        row = await incident_in(conn, incident_id)
        if not view.access.read or row is None or row.group_id != group_id:
            raise IncidentNotFound()
        return (await incident_views_in(conn, [row], now))[0]


# -- conventions: versions, clauses, ballots; who reads what ------------------------------
# Who reads: those who read the group (members, the community's cadres and staff) read
# every convention and every version of it, drafts, tallies and superseded ones included;
# every reader of the community's directory (any resident) reads the versions in force,
# which bind the members towards their neighbours (``conventions_in_force``).
class ConventionRow(msgspec.Struct, frozen=True):
    """A convention as stored: its group and titles."""

    id: int
    group_id: int
    title_zh: str
    title_en: str
    created_by: str
    created_at: datetime


class ConventionVersionRow(msgspec.Struct, frozen=True):
    """A convention version as stored; ``tally`` is the count kept when its vote closed."""

    id: int
    convention_id: int
    version: int
    status: ConventionStatus
    note: str
    drafted_by: str
    drafted_at: datetime
    vote_opened_at: datetime | None
    vote_closed_at: datetime | None
    in_force_on: date | None
    tally: ConventionTally | None


class ConventionVersionView(msgspec.Struct, frozen=True):
    """A version with its clauses, the ballots cast so far, whether the caller's ballot
    (their household's, where households vote) is among them, and, for a superseded
    version, the day the next one came into force."""

    version: ConventionVersionRow
    convention: ConventionRow
    clauses: tuple[Clause, ...]
    ballots_cast: int
    has_voted: bool
    in_force_until: date | None = None


class ConventionView(msgspec.Struct, frozen=True):
    """A convention with its versions, newest first."""

    convention: ConventionRow
    versions: tuple[ConventionVersionView, ...]

    @property
    def in_force(self) -> ConventionVersionView | None:
        """The version in force, if one is."""
        return next(
            (v for v in self.versions if v.version.status is ConventionStatus.ADOPTED), None
        )

    @property
    def open_version(self) -> ConventionVersionView | None:
        """The draft or the version being voted on, if there is one."""
        return next((v for v in self.versions if v.version.status in OPEN_STATUSES), None)


CONVENTION_COLUMNS = "c.id, c.group_id, c.title_zh, c.title_en, c.created_by, c.created_at"
VERSION_COLUMNS = (
    "v.id, v.convention_id, v.version, v.status, v.note, v.drafted_by, v.drafted_at, "
    "v.vote_opened_at, v.vote_closed_at, v.in_force_on, v.tally"
)


def convention_of(record: Any) -> ConventionRow:
    """A group_conventions record as a typed row."""
    return ConventionRow(**record)


def version_of(record: Any) -> ConventionVersionRow:
    """A group_convention_versions record as a typed row (jsonb may come back as text)."""
    values = dict(record)
    tally = values["tally"]
    values["tally"] = ConventionTally.from_json(
        json.loads(tally) if isinstance(tally, str) else tally
    )
    values["status"] = ConventionStatus(values["status"])
    return ConventionVersionRow(**values)


def clause_record(clause: Clause) -> dict[str, object]:
    """A clause as the audit trail keeps it (the stored form, readable)."""
    binds, kinds, duties = clause_json(clause)
    return {
        "number": clause.number,
        "text_zh": clause.text_zh,
        "text_en": clause.text_en,
        "binds": json.loads(binds),
        "incident_kinds": kinds,
        "duties": json.loads(duties),
    }


async def convention_in(
    connection: Any, convention_id: int, *, for_update: bool = False
) -> ConventionRow | None:
    """One convention on the caller's connection, or None."""
    lock = " FOR UPDATE" if for_update else ""
    record = await connection.fetchrow(
        f"SELECT {CONVENTION_COLUMNS} FROM group_conventions c WHERE c.id = $1{lock}",
        convention_id,
    )
    return None if record is None else convention_of(record)


async def version_in(
    connection: Any, version_id: int, *, lock: Literal["UPDATE", "SHARE"] | None = None
) -> ConventionVersionRow | None:
    """One version on the caller's connection (locked FOR ``lock``, if given), or None."""
    suffix = "" if lock is None else f" FOR {lock}"
    record = await connection.fetchrow(
        f"SELECT {VERSION_COLUMNS} FROM group_convention_versions v WHERE v.id = $1{suffix}",
        version_id,
    )
    return None if record is None else version_of(record)


async def conventions_in(
    connection: Any,
    group: GroupRow,
    subject: str,
    *,
    convention_id: int | None = None,
    in_force_only: bool = False,
) -> list[ConventionView]:
    """The group's conventions (or the one ``convention_id``) with every version, its
    clauses and ballot counts, and whether ``subject``'s ballot is cast: four statements
    for any number of conventions. ``in_force_only``: each with its version in force only
    (none where none is), and only that version's clauses and ballots read."""
    records = await connection.fetch(
        f"SELECT {CONVENTION_COLUMNS} FROM group_conventions c "
        "WHERE c.group_id = $1 AND ($2::int IS NULL OR c.id = $2) ORDER BY c.id",
        group.id,
        convention_id,
    )
    conventions = [convention_of(r) for r in records]
    if not conventions:
        return []
    versions = [
        version_of(r)
        for r in await connection.fetch(
            f"SELECT {VERSION_COLUMNS} FROM group_convention_versions v "
            "WHERE v.convention_id = ANY($1::int[]) AND (NOT $2 OR v.status = 'adopted') "
            "ORDER BY v.convention_id, v.version DESC",
            [c.id for c in conventions],
            in_force_only,
        )
    ]
    version_ids = [v.id for v in versions]
    clauses: dict[int, list[Clause]] = {}
    for r in await connection.fetch(
        "SELECT c.version_id, c.number, c.text_zh, c.text_en, c.binds, c.incident_kinds, "
        "c.duties FROM group_convention_clauses c WHERE c.version_id = ANY($1::int[]) "
        "ORDER BY c.version_id, c.number",
        version_ids,
    ):
        clauses.setdefault(r["version_id"], []).append(clause_of(r))
    # The caller's ballot is their household's where households vote, their own otherwise.
    counts = {
        r["version_id"]: (r["cast"], r["mine"])
        for r in await connection.fetch(
            "SELECT b.version_id, count(*) AS cast, coalesce(bool_or(b.voter_key IN ("
            "SELECT CASE WHEN $2 = 'household' THEN 'household:' || r.household_id "
            "ELSE 'resident:' || r.id END FROM residents r WHERE r.subject = $3)), false) AS mine "
            "FROM group_convention_ballots b WHERE b.version_id = ANY($1::int[]) "
            "GROUP BY b.version_id",
            version_ids,
            group.ballot_basis,
            subject,
        )
    }
    by_convention: dict[int, list[ConventionVersionRow]] = {}
    for v in versions:
        by_convention.setdefault(v.convention_id, []).append(v)
    out = []
    for c in conventions:
        rows = by_convention.get(c.id, [])
        views = []
        for row in rows:
            cast, mine = counts.get(row.id, (0, False))
            views.append(
                ConventionVersionView(
                    row, c, tuple(clauses.get(row.id, ())), cast, mine, _until(row, rows)
                )
            )
        out.append(ConventionView(c, tuple(views)))
    return out


def _until(row: ConventionVersionRow, versions: list[ConventionVersionRow]) -> date | None:
    """A superseded version was in force until the next version that came into force."""
    if row.status is not ConventionStatus.SUPERSEDED:
        return None
    later = [v.in_force_on for v in versions if v.version > row.version and v.in_force_on]
    return min(later) if later else None


async def readable_group_in(
    connection: Any, reader: Reader, group_id: int, seen: GroupView | None = None
) -> GroupView:
    """The group, if ``reader`` may read its record (members, cadres, staff); anyone else
    finds it missing (GroupNotFound). ``seen``: as ``view_in``'s."""
    view = await view_in(connection, reader, group_id, seen)
    if not view.access.read:
        raise GroupNotFound()
    return view


async def group_conventions(
    actor: Principal,
    slug: str,
    group_id: int,
    *,
    convention_id: int | None = None,
    community: CommunityInfo | None = None,
    seen: GroupView | None = None,
) -> list[ConventionView]:
    """The group's conventions with every version, for a caller who reads the group;
    GroupNotFound for anyone else (as if missing). ``seen``: as ``view_in``'s."""
    reader = await reader_of(actor, slug, community)
    async with tenant_tx(slug, snapshot=True) as tx:
        view = await readable_group_in(tx.connection, reader, group_id, seen)
        return await conventions_in(
            tx.connection, view.group, actor.subject, convention_id=convention_id
        )


async def conventions_in_force(
    actor: Principal,
    slug: str,
    group_id: int,
    *,
    community: CommunityInfo | None = None,
    seen: GroupView | None = None,
) -> list[ConventionVersionView]:
    """The versions in force of the group's conventions, for every reader of the
    community's directory (the community reads what its groups' members have bound
    themselves to); GroupNotFound when the group is missing. ``seen``: as ``view_in``'s."""
    reader = await reader_of(actor, slug, community)
    async with tenant_tx(slug, snapshot=True) as tx:
        view = await view_in(tx.connection, reader, group_id, seen)
        found = await conventions_in(tx.connection, view.group, actor.subject, in_force_only=True)
    return [c.in_force for c in found if c.in_force is not None]


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
    records = await connection.fetch(
        "SELECT m.household_id, m.resident_id FROM group_members m "
        "WHERE m.group_id = $1 AND m.left_on IS NULL",
        group.id,
    )
    return voter_keys(BallotBasis(group.ballot_basis), (tuple(r) for r in records))


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
    connection: Any,
    subject: str,
    group: GroupRow,
    rows: list[ElectionRow],
    *,
    candidates: dict[int, list[tuple[int, int]]] | None = None,
    cast: dict[int, int] | None = None,
    member: bool | None = None,
) -> list[ElectionView]:
    """``rows`` (elections of ``group``) as the caller sees them: a fixed number of
    statements for any number of elections. ``candidates`` (as ``candidates_in``) and
    ``cast`` (ballots per election): what the caller's transaction already read of them
    under the elections' lock, not read again; ``member`` False: the caller's view of the
    group already says they hold no membership in it (no ballot of theirs to look up)."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    if candidates is None:
        candidates = await candidates_in(connection, ids)
    members = await members_by_id_in(
        connection, {m for pairs in candidates.values() for _, m in pairs}
    )
    views = {v.member.id: v for v in await member_views_in(connection, list(members.values()))}
    if cast is None:
        cast = dict(
            await connection.fetch(
                "SELECT election_id, count(*) FROM group_election_ballots "
                "WHERE election_id = ANY($1::int[]) GROUP BY election_id",
                ids,
            )
        )
    mine = None if member is False else await caller_member_in(connection, subject, group)
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


async def _readable_group_in(
    connection: Any, reader: Reader, group_id: int, seen: GroupView | None = None
) -> GroupView:
    view = await view_in(connection, reader, group_id, seen)
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
    seen: GroupView | None = None,
) -> Page:
    """A page of the group's elections, newest first (ElectionView), for a caller who may
    read the group; anyone else: GroupNotFound, as if missing. ``seen``: as ``view_in``'s."""
    reader = await reader_of(actor, slug, community)
    check_page_size(first, MAX_PAGE)
    position = decode_cursor(after, int)[0] if after else 2**31 - 1
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        view = await _readable_group_in(conn, reader, group_id, seen)
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
    seen: GroupView | None = None,
) -> ElectionView:
    """One election of the group; ElectionNotFound when missing, of another group, or of a
    group the caller may not read. ``seen``: as ``view_in``'s."""
    reader = await reader_of(actor, slug, community)
    async with tenant_tx(slug, snapshot=True) as tx:
        try:
            view = await _readable_group_in(tx.connection, reader, group_id, seen)
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
    actor: Principal,
    slug: str,
    group_id: int,
    *,
    community: CommunityInfo | None = None,
    seen: GroupView | None = None,
) -> list[CoreSeat]:
    """The group's core today, by membership: current members elected for a term covering
    today, and those whose stored role is leader or core (roles as data stay valid); for a
    caller who may read the group, GroupNotFound otherwise. ``seen``: as ``view_in``'s."""
    reader = await reader_of(actor, slug, community)
    async with tenant_tx(slug, snapshot=True) as tx:
        conn = tx.connection
        await _readable_group_in(conn, reader, group_id, seen)
        members = await current_members_in(conn, group_id)
        until = await core_until_in(conn, [m.id for m in members])
        seated = [
            m for m in members if until[m.id] is not None or GroupRole(m.role) in PERSONAL_ROLES
        ]
        views = await member_views_in(conn, seated)
    return [CoreSeat(v, until[v.member.id]) for v in views]
