"""Use cases of the groups context: register and dissolve groups; members join, leave, hold roles.

Each public handler is ONE tenant transaction that checks who is acting (the matrix for the
community's cadres, the caller's own memberships for a group's leader and core), writes,
records the audit entry, and returns what its caller shows. A refused act writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg
import msgspec

from services import audit
from services.auth.model import Principal
from services.auth.permissions import allowed
from services.errors import CommunityArchived, Forbidden, InvalidInput
from services.groups import queries
from services.groups.model import (
    NAME_LIMIT,
    PURPOSE_LIMIT,
    REASON_LIMIT,
    BallotBasis,
    GroupKind,
    GroupMemberNotFound,
    GroupNameTaken,
    GroupNotFound,
    GroupRole,
    Membership,
    NotAGroupMember,
    check_join,
    check_leave,
    check_open,
    check_role_holder,
    voter_key,
)
from services.groups.permissions import RECORD_GROUP_BALLOTS
from services.groups.queries import GroupRow, GroupView, MemberRow, MemberView, Reader
from services.households import queries as household_queries
from services.households.model import HouseholdNotFound
from services.kernel.text import clean_text
from services.matters.errors import MatterNotFound
from services.matters.handlers import link_referrals_in_tx
from services.matters.queries import matter_by_id_in
from tenants.db import SanshiTransaction
from tenants.tx import tenant_tx


# -- inputs --------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupInput:
    """A new group: kind, names, purpose, founding date, and the matter that led to it."""

    kind: GroupKind
    name_zh: str
    founded_on: date
    purpose: str = ""
    name_en: str = ""
    founding_matter_id: int | None = None
    ballot_basis: BallotBasis = BallotBasis.HOUSEHOLD


@dataclass(frozen=True)
class MemberInput:
    """A household joining a group (``resident_id``: the person, required for a leader or
    core member, and for a member in their own name)."""

    household_id: int
    joined_on: date
    resident_id: int | None = None
    role: GroupRole = GroupRole.MEMBER


def _as_audit(row: msgspec.Struct) -> dict[str, object]:
    return msgspec.structs.asdict(row)


def _membership(row: MemberRow) -> Membership:
    return Membership(
        id=row.id,
        household_id=row.household_id,
        resident_id=row.resident_id,
        role=GroupRole(row.role),
        joined_on=row.joined_on,
        left_on=row.left_on,
    )


async def _member_in(tx: SanshiTransaction, member_id: int) -> MemberRow:
    record = await tx.connection.fetchrow(
        f"SELECT {queries.MEMBER_COLUMNS} FROM group_members m WHERE m.id = $1 FOR UPDATE",
        member_id,
    )
    if record is None:
        raise GroupMemberNotFound()
    return queries.member_of(record)


async def managed_group_in(tx: SanshiTransaction, reader: Reader, group_id: int) -> GroupView:
    """The group locked for the act, if ``reader`` manages it; a reader who may not see it
    finds it missing, one who sees but does not manage it is Forbidden.

    The row is locked by the statement that reads it (one round trip less than reading,
    deciding, then locking): a caller who is then refused held the lock only for their
    refused transaction, which writes nothing and ends at once."""
    view = await queries.view_in(tx.connection, reader, group_id, for_update=True)
    if not view.access.read:
        raise GroupNotFound()
    if not view.access.manage:
        raise Forbidden()
    check_open(view.group.dissolved_on)
    return view


async def _member_group_in(tx: SanshiTransaction, reader: Reader, member: MemberRow) -> GroupView:
    """The membership's group, locked, for an act on the membership by one who manages it.

    A caller who may not read the group finds the membership missing (GroupMemberNotFound,
    the answer for an id that names nothing), so a membership's existence does not leak to
    those who cannot see the group; a reader who does not manage it is Forbidden."""
    try:
        return await managed_group_in(tx, reader, member.group_id)
    except GroupNotFound:
        raise GroupMemberNotFound() from None


async def writer_of(actor: Principal, slug: str, *, manages: bool = False) -> Reader:
    """The reader of the community's groups, refusing an archived community (a write);
    ``manages``: the act is the community's cadres' own (Forbidden for anyone else)."""
    reader = await queries.reader_of(actor, slug)
    if manages and not reader.manages:
        raise Forbidden()
    if reader.community.status == "archived":
        raise CommunityArchived(slug=slug)
    return reader


async def ballot_member_in(
    tx: SanshiTransaction, reader: Reader, group: GroupRow, member_id: int | None
) -> tuple[MemberRow, str]:
    """Whose ballot is cast, and its voter key, for every vote a group holds (its core's
    elections, its conventions): the caller's own membership (their household's where
    households vote) when ``member_id`` is None or names it; otherwise the paper ballot of
    the member named, which only those who record ballots may enter (RECORD_GROUP_BALLOTS:
    cadres, grid workers). A membership of another group, one that ended, or a member of
    a resident-basis group who names no resident: not a voter (NotAGroupMember)."""
    conn = tx.connection
    own = await queries.caller_member_in(conn, reader.actor.subject, group)
    if member_id is None or (own is not None and own.id == member_id):
        if own is None:
            raise NotAGroupMember()
        member = own
    else:
        if not allowed(
            reader.actor, RECORD_GROUP_BALLOTS, reader.community.slug, reader.community.county_code
        ):
            raise Forbidden()
        found = (await queries.members_by_id_in(conn, [member_id])).get(member_id)
        if found is None:
            raise GroupMemberNotFound()
        if found.group_id != group.id or found.left_on is not None:
            raise NotAGroupMember()
        member = found
    key = voter_key(BallotBasis(group.ballot_basis), member.household_id, member.resident_id)
    if key is None:
        raise NotAGroupMember()
    return member, key


async def _member_view(tx: SanshiTransaction, row: MemberRow) -> MemberView:
    return (await queries.member_views_in(tx.connection, [row]))[0]


# -- groups --------------------------------------------------------------------------------
async def register_group(actor: Principal, slug: str, data: GroupInput) -> GroupView:
    """Register a resident group of the community (community cadres).

    ``founding_matter_id`` names the matter whose resolution founded it (Donghai's dog
    association came out of a major matter): that matter then shows the group.
    """
    reader = await writer_of(actor, slug, manages=True)
    name_zh = clean_text(
        data.name_zh, field="name_zh", field_zh="名称", limit=NAME_LIMIT, required=True
    )
    name_en = clean_text(data.name_en, field="name_en", field_zh="英文名称", limit=NAME_LIMIT)
    purpose = clean_text(
        data.purpose, field="purpose", field_zh="宗旨", limit=PURPOSE_LIMIT, multiline=True
    )
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        founding = data.founding_matter_id
        if founding is not None and await matter_by_id_in(conn, founding) is None:
            raise MatterNotFound()
        try:
            group_id = await conn.fetchval(
                "INSERT INTO groups (kind, name_zh, name_en, purpose, founded_on, "
                "founding_matter_id, ballot_basis, registered_by) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                data.kind.value,
                name_zh,
                name_en,
                purpose,
                data.founded_on,
                data.founding_matter_id,
                data.ballot_basis.value,
                actor.subject,
            )
        except asyncpg.UniqueViolationError:
            raise GroupNameTaken(name=name_zh) from None
        # Free-text referrals made before the group was registered name it from now on.
        await link_referrals_in_tx(tx, actor, name_zh, group_id)
        view = await queries.view_in(conn, reader, group_id)
        await audit.record(
            tx, actor, "group.register", f"group:{group_id}", after=_as_audit(view.group)
        )
    return view


async def dissolve_group(
    actor: Principal, slug: str, group_id: int, dissolved_on: date, reason: str
) -> GroupView:
    """Dissolve a group (community cadres): its record, members and history are kept."""
    reader = await writer_of(actor, slug, manages=True)
    reason = clean_text(
        reason, field="reason", field_zh="解散原因", limit=REASON_LIMIT, required=True
    )
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        before = await queries.group_in(conn, group_id, for_update=True)
        if before is None:
            raise GroupNotFound()
        check_open(before.dissolved_on)
        if dissolved_on < before.founded_on:
            raise InvalidInput(
                field_zh="解散日期早于成立日期", field_en="dissolved before it was founded"
            )
        await conn.execute(
            "UPDATE groups SET dissolved_on = $2, dissolved_reason = $3 WHERE id = $1",
            group_id,
            dissolved_on,
            reason,
        )
        view = await queries.view_in(conn, reader, group_id)
        await audit.record(
            tx,
            actor,
            "group.dissolve",
            f"group:{group_id}",
            after={"dissolved_on": dissolved_on.isoformat(), "reason": reason},
        )
    return view


# -- members -------------------------------------------------------------------------------
async def add_member(actor: Principal, slug: str, group_id: int, data: MemberInput) -> MemberView:
    """A household (or a resident of it) joins the group (cadres, the group's leader/core).

    The household must be of this community and the resident of that household; a
    household (or resident) is a current member once at a time.
    """
    reader = await writer_of(actor, slug)
    check_role_holder(data.role, data.resident_id)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        view = await managed_group_in(tx, reader, group_id)
        if not await household_queries.household_exists(data.household_id):
            raise HouseholdNotFound()
        if data.resident_id is not None:
            home = await household_queries.resident_household_id(data.resident_id)
            if home != data.household_id:
                raise InvalidInput(
                    field_zh="该居民不属于所填住户",
                    field_en="the resident is not of that household",
                )
        current = await conn.fetch(
            f"SELECT {queries.MEMBER_COLUMNS} FROM group_members m "
            "WHERE m.group_id = $1 AND m.left_on IS NULL",
            group_id,
        )
        check_join(
            [_membership(queries.member_of(r)) for r in current],
            data.household_id,
            data.resident_id,
            data.role,
            data.joined_on,
            view.group.founded_on,
            BallotBasis(view.group.ballot_basis),
        )
        record = await conn.fetchrow(
            "INSERT INTO group_members (group_id, household_id, resident_id, role, joined_on) "
            f"VALUES ($1, $2, $3, $4, $5) RETURNING {queries.MEMBER_COLUMNS.replace('m.', '')}",
            group_id,
            data.household_id,
            data.resident_id,
            data.role.value,
            data.joined_on,
        )
        row = queries.member_of(record)
        await audit.record(
            tx, actor, "group.member.add", f"group_member:{row.id}", after=_as_audit(row)
        )
        return await _member_view(tx, row)


async def end_membership(actor: Principal, slug: str, member_id: int, left_on: date) -> MemberView:
    """A member leaves the group on ``left_on`` (cadres, the group's leader/core): the
    membership is kept as history. A caller who may not read the group finds no such
    membership (GroupMemberNotFound); one who reads but does not manage it is Forbidden."""
    reader = await writer_of(actor, slug)
    async with tenant_tx(slug) as tx:
        member = await _member_in(tx, member_id)
        await _member_group_in(tx, reader, member)
        check_leave(_membership(member), left_on)
        record = await tx.connection.fetchrow(
            "UPDATE group_members SET left_on = $2 WHERE id = $1 "
            f"RETURNING {queries.MEMBER_COLUMNS.replace('m.', '')}",
            member_id,
            left_on,
        )
        row = queries.member_of(record)
        await audit.record(
            tx,
            actor,
            "group.member.leave",
            f"group_member:{member_id}",
            after={"left_on": left_on.isoformat()},
        )
        return await _member_view(tx, row)


async def set_member_role(
    actor: Principal, slug: str, member_id: int, role: GroupRole
) -> MemberView:
    """Give a current member another role in the group (cadres, the group's leader/core).
    A caller who may not read the group finds no such membership (GroupMemberNotFound); one
    who reads but does not manage it is Forbidden."""
    reader = await writer_of(actor, slug)
    async with tenant_tx(slug) as tx:
        member = await _member_in(tx, member_id)
        await _member_group_in(tx, reader, member)
        check_leave(_membership(member), member.joined_on)  # an ended membership is a record
        check_role_holder(role, member.resident_id)
        if member.role == role.value:
            return await _member_view(tx, member)
        record = await tx.connection.fetchrow(
            "UPDATE group_members SET role = $2 WHERE id = $1 "
            f"RETURNING {queries.MEMBER_COLUMNS.replace('m.', '')}",
            member_id,
            role.value,
        )
        row = queries.member_of(record)
        await audit.record(
            tx,
            actor,
            "group.member.role",
            f"group_member:{member_id}",
            before={"role": member.role},
            after={"role": role.value},
        )
        return await _member_view(tx, row)
