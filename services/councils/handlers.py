"""Use cases of the homeland council (家园理事会): seats, sessions, agenda, votes, decisions.

GraphQL, the CLI and the demo seed all call these. Each public handler is one transaction
(``tenant_tx``) and checks its operation with ``community_for`` first. Two acts leave a
record *and* report a failure: a member who must recuse gets ``MustRecuse`` with the
recusal recorded, and a deliberation without quorum or majority gets ``NoQuorum`` /
``NoMajority`` / ``Tie`` with the agenda item's outcome recorded. Both raise only after
their transaction has committed, so the record survives the error.

Each returns what the act's result shows, read in its own transaction (a vote with its
member, an agenda item with its matter and votes, a session with everything in it), so the
GraphQL resolvers only convert. The matters' rows (the matter, its sheet, the community's
settings row) are read and written through the matters context's ``*_in`` / ``*_in_tx``
functions, inside this context's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import asyncpg
import msgspec

from services import audit, localtime
from services.auth.model import Principal
from services.communities.handlers import community_for
from services.councils import model
from services.councils.model import (
    CastingVoteAlreadyCast,
    ChairMustRecuse,
    DecisionRules,
    MemberAbsent,
    MustRecuse,
    NoMajority,
    NoQuorum,
    NotACouncilMember,
    NoTieToBreak,
    NotTheChair,
    SessionDecided,
    Tie,
)
from services.councils.permissions import CAST_VOTE, DECIDE, MANAGE_COUNCIL
from services.councils.queries import (
    AgendaItemRow,
    CouncilRules,
    CouncilVoteRow,
    ItemView,
    MemberRow,
    SessionRow,
    SessionView,
    VoteView,
    council_settings_in,
    item_view,
    member_of,
    members_in,
    referred_members,
    seated_on,
    session_views_in,
)
from services.councils.tables import AgendaItem, CouncilMember, CouncilSession, VoteRow
from services.errors import InvalidInput, NotFound, SanshiError, TextTooLong
from services.grids import queries as grid_queries
from services.households import queries as household_queries
from services.matters import handlers as matters
from services.matters import queries as matter_queries
from services.matters.model import MatterKind, MatterStatus
from services.matters.rows import MatterRow, SheetRow
from services.settings import Settings
from tenants.db import SanshiTransaction
from tenants.tx import tenant_tx

# Row locks the handlers take (Piccolo's names for FOR UPDATE / FOR SHARE).
Lock = Literal["UPDATE", "SHARE"]

# -- errors --------------------------------------------------------------------------------


class CouncilMemberNotFound(NotFound):
    """No such council member in this community (another community's ids look the same)."""

    code = "COUNCIL_MEMBER_NOT_FOUND"
    zh = "理事会成员不存在"
    en = "Council member not found"


class CouncilSessionNotFound(NotFound):
    """No such council session in this community."""

    code = "COUNCIL_SESSION_NOT_FOUND"
    zh = "理事会会议不存在"
    en = "Council session not found"


class AgendaItemNotFound(NotFound):
    """No such agenda item in this community."""

    code = "AGENDA_ITEM_NOT_FOUND"
    zh = "议程事项不存在"
    en = "Agenda item not found"


class SessionClosed(SanshiError):
    code = "SESSION_CLOSED"
    zh = "本次理事会会议已闭会，不能再更改"
    en = "This council session is closed and can no longer be changed"


class TermEnded(SanshiError):
    code = "TERM_ENDED"
    zh = "该成员的任期已结束"
    en = "This member's term has ended"


class CouncilLoginTaken(SanshiError):
    code = "COUNCIL_LOGIN_TAKEN"
    zh = "该登录账号已关联另一位理事会成员"
    en = "This login is already linked to another council member"


class MatterNotPending(SanshiError):
    code = "MATTER_NOT_PENDING"
    zh = "只有已登记或待理事会审议的事项才能上会（当前状态：{status_zh}）"
    en = (
        "Only a registered matter or one awaiting the council can be deliberated (now: {status_en})"
    )


class AlreadyOnAgenda(SanshiError):
    code = "ALREADY_ON_AGENDA"
    zh = "该事项已列入议程，尚未审议完毕"
    en = "This matter is already on an agenda and has not been deliberated yet"


# -- inputs and results --------------------------------------------------------------------


@dataclass(frozen=True)
class ElectMemberInput:
    """A member elected by a grid's residents: who, for which grid, for how long, how many votes.

    ``resident_id`` links the member to the resident register (their household then comes
    from it); ``household_id`` alone is enough for recusal; ``subject`` is the login the
    member votes with (a token with role council_member and this subject).
    """

    grid_id: int
    name: str
    elected_on: date
    term_ends_on: date
    votes_received: int = 0
    resident_id: int | None = None
    household_id: int | None = None
    subject: str | None = None


class DecideResult(msgspec.Struct, frozen=True):
    """A decided agenda item: the item as the council now sees it, the classification sheet
    written, the tally."""

    item: ItemView
    sheet: SheetRow
    decision: model.Decision


# -- reading inside a transaction ----------------------------------------------------------


def as_seat(row: MemberRow) -> model.CouncilMember:
    """A member row as the pure model's seat (household None: nothing to recuse from)."""
    return model.CouncilMember(id=row.id, household_id=row.household_id, grid_id=row.grid_id)


async def _member(member_id: int, *, for_update: bool = False) -> MemberRow:
    query = CouncilMember.select().where(CouncilMember.id == member_id)
    if for_update:
        query = query.lock_rows("UPDATE")
    rows = await query.run()
    if not rows:
        raise CouncilMemberNotFound()
    return member_of(rows[0])


async def _session(session_id: int, *, lock: Lock | None = None) -> SessionRow:
    query = CouncilSession.select().where(CouncilSession.id == session_id)
    if lock:
        query = query.lock_rows(lock)
    rows = await query.run()
    if not rows:
        raise CouncilSessionNotFound()
    return SessionRow(**rows[0])


async def _open_session(session_id: int, *, lock: Lock = "SHARE") -> SessionRow:
    session = await _session(session_id, lock=lock)
    if session.status != "open":
        raise SessionClosed()
    return session


async def _item(item_id: int, *, lock: Lock | None = None) -> AgendaItemRow:
    query = AgendaItem.select().where(AgendaItem.id == item_id)
    if lock:
        query = query.lock_rows(lock)
    rows = await query.run()
    if not rows:
        raise AgendaItemNotFound()
    return AgendaItemRow(**rows[0])


async def _votes(item_id: int) -> list[CouncilVoteRow]:
    """The item's votes and recusals, oldest first."""
    rows = (
        await VoteRow.select().where(VoteRow.agenda_item_id == item_id).order_by(VoteRow.id).run()
    )
    return [CouncilVoteRow(**r) for r in rows]


async def _matter_of(
    tx: SanshiTransaction, item: AgendaItemRow, *, lock: bool = False
) -> MatterRow:
    """The item's matter, through the matters context (an item always has one: foreign key)."""
    matter = await matter_queries.matter_by_id_in(tx.connection, item.matter_id, for_update=lock)
    if matter is None:
        raise LookupError(f"agenda item {item.id} names a missing matter {item.matter_id}")
    return matter


async def _session_view(tx: SanshiTransaction, session_id: int) -> SessionView:
    """The session as a session act's result shows it, read in the act's transaction."""
    (view,) = await session_views_in(tx.connection, [session_id])
    return view


async def _present(tx: SanshiTransaction, session_id: int) -> set[int]:
    rows = await tx.connection.fetch(
        "SELECT member_id FROM session_attendance WHERE session_id = $1", session_id
    )
    return {r["member_id"] for r in rows}


def _check_len(field: str, value: str, limit: int) -> None:
    # services.errors.TextTooLong, not the matters model's subclass: the councils' unions
    # declare TextTooLongError and must not depend on how the matters slice maps its own.
    if len(value) > limit:
        raise TextTooLong(field=field, limit=limit)


# -- members -------------------------------------------------------------------------------


async def elect_member(
    actor: Principal, slug: str, data: ElectMemberInput, settings: Settings
) -> MemberRow:
    """Seat a member elected by a grid, if the grid has a free seat on the election day.

    A seat is held by an active member whose term has not ended by ``elected_on``; the
    council-wide lock (the settings row, ``council_settings_in``) is taken first, so two
    elections for a grid's last seat cannot both succeed.
    """
    await community_for(actor, slug, MANAGE_COUNCIL)
    name = data.name.strip()
    if not name:
        raise InvalidInput(field_zh="成员姓名不能为空", field_en="a member needs a name")
    _check_len("name", name, settings.max_name_length)
    if data.term_ends_on <= data.elected_on:
        raise InvalidInput(
            field_zh="任期结束日期须晚于当选日期",
            field_en="the term must end after the election date",
        )
    if data.votes_received < 0:
        raise InvalidInput(field_zh="得票数不能为负", field_en="votes received cannot be negative")
    subject = (data.subject or "").strip() or None
    if subject is not None:
        _check_len("subject", subject, settings.max_name_length)
    async with tenant_tx(slug) as tx:
        # Elections are rare: one lock for the whole council is simpler than one per grid
        # (and the grid's row belongs to the grids context).
        seats = (await council_settings_in(tx.connection, for_update=True)).seats_per_grid
        if not any(g.id == data.grid_id for g in await grid_queries.grids_in(tx.connection)):
            raise InvalidInput(field_zh="网格不存在", field_en="no such grid")
        household_id = await _member_household(data)
        holding = (
            await CouncilMember.select()
            .where(
                CouncilMember.grid_id == data.grid_id,
                CouncilMember.active.eq(True),
                CouncilMember.term_ends_on >= data.elected_on,
            )
            .run()
        )
        model.check_seat_available(data.grid_id, [as_seat(member_of(m)) for m in holding], seats)
        try:
            inserted = (
                await CouncilMember.insert(
                    CouncilMember(
                        grid_id=data.grid_id,
                        resident_id=data.resident_id,
                        household_id=household_id,
                        name=name,
                        subject=subject,
                        elected_on=data.elected_on,
                        term_ends_on=data.term_ends_on,
                        votes_received=data.votes_received,
                    )
                )
                .returning(*CouncilMember.all_columns())
                .run()
            )[0]
        except asyncpg.UniqueViolationError:
            raise CouncilLoginTaken() from None
        row = member_of(inserted)
        await audit.record(tx, actor, "council.elect", f"council_member:{row.id}", after=inserted)
    return row


async def _member_household(data: ElectMemberInput) -> int | None:
    """The household a member lives in: the resident's own, or the one given; both checked
    through the households context."""
    household_id = data.household_id
    if data.resident_id is not None:
        resident = await household_queries.resident_by_id(data.resident_id)
        if resident is None:
            raise InvalidInput(field_zh="关联的居民不存在", field_en="no such resident")
        if household_id is not None and household_id != resident.household_id:
            raise InvalidInput(
                field_zh="该居民不属于所填住户",
                field_en="the resident does not live in that household",
            )
        household_id = resident.household_id
    elif household_id is not None and not await household_queries.household_exists(household_id):
        raise InvalidInput(field_zh="关联的住户不存在", field_en="no such household")
    return household_id


async def set_chair(actor: Principal, slug: str, member_id: int) -> MemberRow:
    """Make a seated member the council's chair (主持人); the previous chair steps down."""
    await community_for(actor, slug, MANAGE_COUNCIL)
    async with tenant_tx(slug) as tx:
        await council_settings_in(tx.connection, for_update=True)
        member = await _member(member_id, for_update=True)
        if not member.active:
            raise TermEnded()
        before = (
            await CouncilMember.select(CouncilMember.id)
            .where(CouncilMember.is_chair.eq(True), CouncilMember.active.eq(True))
            .run()
        )
        await (
            CouncilMember.update({CouncilMember.is_chair: False})
            .where(CouncilMember.is_chair.eq(True), CouncilMember.id != member_id)
            .run()
        )
        row = member_of(
            (
                await CouncilMember.update({CouncilMember.is_chair: True})
                .where(CouncilMember.id == member_id)
                .returning(*CouncilMember.all_columns())
                .run()
            )[0]
        )
        await audit.record(
            tx,
            actor,
            "council.set_chair",
            f"council_member:{member_id}",
            before={"chair": [r["id"] for r in before]},
            after={"chair": member_id},
        )
    return row


async def end_term(
    actor: Principal, slug: str, member_id: int, *, ended_on: date | None = None
) -> MemberRow:
    """End a member's term (early if ``ended_on`` is before the term's end); the seat frees.

    The row stays (votes and attendance refer to it); the member is no longer seated,
    and no longer chair.
    """
    await community_for(actor, slug, MANAGE_COUNCIL)
    async with tenant_tx(slug) as tx:
        member = await _member(member_id, for_update=True)
        if not member.active:
            raise TermEnded()
        ends = member.term_ends_on
        if ended_on is not None:
            if ended_on <= member.elected_on:
                raise InvalidInput(
                    field_zh="任期结束日期须晚于当选日期",
                    field_en="the term must end after the election date",
                )
            ends = min(ends, ended_on)
        updated = (
            await CouncilMember.update(
                {
                    CouncilMember.active: False,
                    CouncilMember.is_chair: False,
                    CouncilMember.term_ends_on: ends,
                }
            )
            .where(CouncilMember.id == member_id)
            .returning(*CouncilMember.all_columns())
            .run()
        )[0]
        await audit.record(
            tx,
            actor,
            "council.end_term",
            f"council_member:{member_id}",
            before=msgspec.structs.asdict(member),
            after=updated,
        )
    return member_of(updated)


# -- sessions, attendance, agenda ----------------------------------------------------------


async def open_session(
    actor: Principal, slug: str, held_on: date, title: str, settings: Settings
) -> SessionView:
    """Open a council session on ``held_on`` (attendance and agenda are added next).

    Returns the session as its view shows it (the members seated that day counted)."""
    await community_for(actor, slug, MANAGE_COUNCIL)
    title = title.strip()
    _check_len("title", title, settings.max_title_length)
    async with tenant_tx(slug) as tx:
        row = (
            await CouncilSession.insert(
                CouncilSession(held_on=held_on, title=title, opened_by=actor.subject)
            )
            .returning(*CouncilSession.all_columns())
            .run()
        )[0]
        await audit.record(
            tx, actor, "council.open_session", f"council_session:{row['id']}", after=row
        )
        return await _session_view(tx, row["id"])


async def record_attendance(
    actor: Principal, slug: str, session_id: int, member_ids: list[int]
) -> SessionView:
    """Set who is present at an open session (the whole list; it replaces the previous one).

    Every member must be seated on the session's date. A member who has already voted or
    recused in this session cannot be taken off the list: their vote counted someone present.
    Returns the session as its view shows it.
    """
    await community_for(actor, slug, MANAGE_COUNCIL)
    wanted = set(member_ids)
    async with tenant_tx(slug) as tx:
        # UPDATE lock: votes and decisions take SHARE on the session, so the list cannot
        # change under a decision that is counting the quorum.
        session = await _open_session(session_id, lock="UPDATE")
        seated = {m.id for m in await seated_on(session.held_on)}
        unseated = sorted(wanted - seated)
        if unseated:
            ids = ", ".join(map(str, unseated))
            raise InvalidInput(
                field_zh=f"以下成员在会议当日不在任：{ids}",
                field_en=f"not seated on the session's date: {ids}",
            )
        before = await _present(tx, session_id)
        removed = before - wanted
        if removed:
            voted = await tx.connection.fetch(
                "SELECT DISTINCT v.member_id FROM votes v "
                "JOIN agenda_items i ON i.id = v.agenda_item_id "
                "WHERE i.session_id = $1 AND v.member_id = ANY($2::int[])",
                session_id,
                sorted(removed),
            )
            if voted:
                ids = ", ".join(str(r["member_id"]) for r in voted)
                raise InvalidInput(
                    field_zh=f"已投票或回避的成员不能移出出席名单：{ids}",
                    field_en=f"members who voted or recused cannot be removed: {ids}",
                )
            await tx.connection.execute(
                "DELETE FROM session_attendance "
                "WHERE session_id = $1 AND member_id = ANY($2::int[])",
                session_id,
                sorted(removed),
            )
        added = wanted - before
        if added:
            await tx.connection.execute(
                "INSERT INTO session_attendance (session_id, member_id) "
                "SELECT $1, unnest($2::int[])",
                session_id,
                sorted(added),
            )
        await audit.record(
            tx,
            actor,
            "council.attendance",
            f"council_session:{session_id}",
            before=sorted(before),
            after=sorted(wanted),
        )
        return await _session_view(tx, session_id)


async def add_to_agenda(actor: Principal, slug: str, session_id: int, matter_id: int) -> ItemView:
    """Put a pending request on an open session's agenda.

    A registered matter moves to awaiting_council (recorded in its history). A matter
    already awaiting the council may go on another session's agenda only if no earlier
    item for it is still open for deliberation: items that ended without a decision
    (no quorum, no majority) or were left pending when their session closed. Returns the
    item with its matter (no votes yet).
    """
    info = await community_for(actor, slug, MANAGE_COUNCIL)
    async with tenant_tx(slug) as tx:
        await _open_session(session_id)
        # Locking the matter serialises two sessions taking it at once.
        matter = await matters.access_matter_in_tx(
            actor, slug, info.county_code, matter_id, for_update=True
        )
        status = MatterStatus(matter.status)
        if status is MatterStatus.REGISTERED:
            matter = await matters.transition_in_tx(
                tx, actor, matter, MatterStatus.AWAITING_COUNCIL
            )
        elif status is MatterStatus.AWAITING_COUNCIL:
            still_open = await tx.connection.fetchval(
                "SELECT count(*) FROM agenda_items i "
                "JOIN council_sessions s ON s.id = i.session_id "
                "WHERE i.matter_id = $1 AND (i.session_id = $2 "
                "OR (i.status = 'pending' AND s.status = 'open'))",
                matter_id,
                session_id,
            )
            if still_open:
                raise AlreadyOnAgenda()
        else:
            raise MatterNotPending(status_zh=status.label_zh, status_en=status.label_en)
        try:
            item = AgendaItemRow(
                **(
                    await AgendaItem.insert(AgendaItem(session_id=session_id, matter_id=matter_id))
                    .returning(*AgendaItem.all_columns())
                    .run()
                )[0]
            )
        except asyncpg.UniqueViolationError:
            raise AlreadyOnAgenda() from None
        await audit.record(
            tx,
            actor,
            "council.add_to_agenda",
            f"matter:{matter_id}",
            after={"session": session_id, "agenda_item": item.id},
        )
    return item_view(item, matter, [], {})


async def close_session(actor: Principal, slug: str, session_id: int) -> SessionView:
    """Close a session. Items left undecided keep their outcome; their matters stay awaiting
    the council and can go on a later session's agenda. Returns the session as its view
    shows it."""
    await community_for(actor, slug, MANAGE_COUNCIL)
    async with tenant_tx(slug) as tx:
        await _open_session(session_id, lock="UPDATE")
        await (
            CouncilSession.update({CouncilSession.status: "closed"})
            .where(CouncilSession.id == session_id)
            .run()
        )
        await audit.record(
            tx,
            actor,
            "council.close_session",
            f"council_session:{session_id}",
            before={"status": "open"},
            after={"status": "closed"},
        )
        return await _session_view(tx, session_id)


# -- deliberation --------------------------------------------------------------------------


async def cast_vote(
    actor: Principal,
    slug: str,
    agenda_item_id: int,
    kind: MatterKind | None,
    settings: Settings,
    *,
    note: str = "",
    recuse: bool = False,
) -> VoteView:
    """Record the signed-in member's vote (private / minor / major + a note) on an item.

    The member is the seated council member whose login is ``actor.subject``. Refusals in
    the model's order: not a member, already decided, session closed, absent, must recuse,
    already voted. ``recuse=True`` declares a recusal instead of voting. A member asked to
    vote on their own household's request gets ``MustRecuse`` *and* the recusal is recorded
    (it is part of the session's minutes); every other refusal writes nothing. Returns the
    vote with its member.
    """
    await community_for(actor, slug, CAST_VOTE)
    note = note.strip()
    _check_len("note", note, settings.max_note_length)
    if kind is None and not recuse:
        raise InvalidInput(
            field_zh="请选择私事、小事或大事", field_en="choose private, minor or major"
        )
    refusal: MustRecuse | None = None
    async with tenant_tx(slug) as tx:
        # SHARE locks: votes on one item run side by side, a decision (UPDATE) waits for them.
        item = await _item(agenda_item_id, lock="SHARE")
        session = await _session(item.session_id, lock="SHARE")
        seated = await seated_on(session.held_on)
        member = next((m for m in seated if m.subject == actor.subject), None)
        if member is None:
            raise NotACouncilMember()
        if item.status == "decided":
            raise SessionDecided()
        if session.status != "open":
            raise SessionClosed()
        matter = await _matter_of(tx, item)
        rows = await _votes(agenda_item_id)
        votes = [
            model.Vote(member_id=r.member_id, kind=MatterKind(r.kind))
            for r in rows
            if not r.recused and r.kind is not None
        ]
        try:
            model.check_vote(
                member.id,
                seated=[as_seat(m) for m in seated],
                present=await _present(tx, session.id),
                concerns_household=matter.household_id,
                votes=votes,
                decided=False,
                recused=frozenset(r.member_id for r in rows if r.recused),
            )
        except MustRecuse as err:
            if any(r.member_id == member.id for r in rows):
                raise  # recorded already: nothing new to write
            # Asked to vote on their own household: record the recusal, then say why.
            # A member who declared the recusal themselves simply gets it recorded.
            refusal = None if recuse else err
            recuse = True
        row = (
            await VoteRow.insert(
                VoteRow(
                    agenda_item_id=agenda_item_id,
                    member_id=member.id,
                    kind=None if recuse else kind.value,  # type: ignore[union-attr]
                    recused=recuse,
                    note=note,
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(*VoteRow.all_columns())
            .run()
        )
        if not row:
            # A concurrent call by the same member got in first (the unique key holds).
            raise model.AlreadyVoted()
        await audit.record(
            tx,
            actor,
            "council.recuse" if recuse else "council.vote",
            f"agenda_item:{agenda_item_id}",
            after={"member": member.id, "kind": row[0]["kind"], "note": note},
        )
    if refusal is not None:
        raise refusal
    # The vote's answer is about the vote: its member without their resident/household
    # links (the council's list shows those to the roles that may see them).
    unlinked = msgspec.structs.replace(member, resident_id=None, household_id=None)
    return VoteView(**row[0], member=unlinked)


async def cast_casting_vote(
    actor: Principal,
    slug: str,
    agenda_item_id: int,
    kind: MatterKind,
    settings: Settings,
    *,
    note: str = "",
) -> ItemView:
    """Record the chair's casting vote (主持人决定票) on an item whose last count tied.

    The actor is the council member whose login is ``actor.subject``, seated on the session's
    date, present at it, and the council's active chair. Refusals in this order: not a seated
    member (``NotACouncilMember``), not the chair (``NotTheChair``), already decided, session
    closed, absent (``MemberAbsent``), the last decide attempt was not a tie
    (``NoTieToBreak``), a casting vote already given (``CastingVoteAlreadyCast``), a kind
    outside the tie (``CastingVoteNotInTie``), the request concerns the chair's own household
    or the chair recused on it (``ChairMustRecuse``: the rule that makes a member recuse
    holds for the casting vote too). The next ``decide`` uses the vote. Returns the item
    with its matter, votes and the chair.
    """
    await community_for(actor, slug, CAST_VOTE)
    note = note.strip()
    _check_len("note", note, settings.max_note_length)
    async with tenant_tx(slug) as tx:
        # UPDATE: one casting vote at a time, and a concurrent decide waits for it.
        item = await _item(agenda_item_id, lock="UPDATE")
        session = await _session(item.session_id, lock="SHARE")
        seated = await seated_on(session.held_on)
        member = next((m for m in seated if m.subject == actor.subject), None)
        if member is None:
            raise NotACouncilMember()
        if not member.is_chair:
            raise NotTheChair()
        if item.status == "decided":
            raise SessionDecided()
        if session.status != "open":
            raise SessionClosed()
        if member.id not in await _present(tx, session.id):
            raise MemberAbsent()
        matter = await _matter_of(tx, item)
        votes = await _votes(agenda_item_id)
        _check_chair_may_cast(as_seat(member), matter.household_id, votes)
        tied = [MatterKind(k) for k in item.tied_kinds or ()]
        if item.status != "no_majority" or not tied:
            raise NoTieToBreak()
        if item.casting_vote is not None:
            cast = MatterKind(item.casting_vote)
            raise CastingVoteAlreadyCast(kind_zh=cast.label_zh, kind_en=cast.label_en.lower())
        model.check_casting_vote(kind, tied)
        row = AgendaItemRow(
            **(
                await AgendaItem.update(
                    {
                        AgendaItem.casting_vote: kind.value,
                        AgendaItem.casting_vote_by: member.id,
                        AgendaItem.casting_vote_at: localtime.now(),
                        AgendaItem.casting_vote_note: note,
                    }
                )
                .where(AgendaItem.id == agenda_item_id)
                .returning(*AgendaItem.all_columns())
                .run()
            )[0]
        )
        await audit.record(
            tx,
            actor,
            "council.casting_vote",
            f"agenda_item:{agenda_item_id}",
            before={"tied": [k.value for k in tied]},
            after={"member": member.id, "kind": kind.value, "note": note},
        )
        known = {m.id: m for m in seated}
        members = await members_in(tx.connection, referred_members(row, votes), known)
    return item_view(row, matter, votes, members)


async def decide(
    actor: Principal,
    slug: str,
    agenda_item_id: int,
    settings: Settings,
    *,
    casting_vote: MatterKind | None = None,
    reasoning: str = "",
    explanation: str = "",
) -> DecideResult:
    """Close the deliberation of an agenda item: tally the votes and classify the matter.

    The tally uses the community's decision rules over the members seated on the session's
    date and present at it. A decision writes the classification sheet (三事归类单) through
    ``classify_in_tx`` in this same transaction (kind, responsible party, the votes, the
    session, whether the suggestion was followed; the ``matter.major`` outbox message for a
    major matter). No quorum / no majority / a tie without the chair's casting vote records
    the item's outcome (for a tie, the kinds that tied), leaves the matter awaiting the
    council and raises ``NoQuorum`` / ``NoMajority`` / ``Tie`` after the outcome has
    committed. The item can be decided again while its session is open (e.g. after the chair
    has cast the casting vote, or after more members arrive).

    The casting vote is the one the chair stored with ``cast_casting_vote``. ``casting_vote``
    is the fallback for a chair without a login: the deciding cadre gives it, and the sheet
    records the cadre as who cast it; refused (``ChairMustRecuse``) when the chair would have
    to recuse on this request. Given alongside a different stored vote it is refused
    (``CastingVoteAlreadyCast``). A stored vote for a tie that no longer stands (later votes
    changed the tied kinds) is dropped, so the chair can cast again for the new tie.

    Returns the decision with the item as the council now sees it (its matter classified,
    the votes, the members they name), all read in this transaction.
    """
    await community_for(actor, slug, DECIDE)
    reasoning, explanation = reasoning.strip(), explanation.strip()
    _check_len("reasoning", reasoning, settings.max_text_length)
    _check_len("explanation", explanation, settings.max_text_length)
    outcome: SanshiError | None = None
    async with tenant_tx(slug) as tx:
        item = await _item(agenda_item_id, lock="UPDATE")
        if item.status == "decided":
            raise SessionDecided()
        session = await _session(item.session_id, lock="SHARE")
        if session.status != "open":
            raise SessionClosed()
        matter = await _matter_of(tx, item, lock=True)
        status = MatterStatus(matter.status)
        if status is not MatterStatus.AWAITING_COUNCIL:  # e.g. withdrawn while on the agenda
            raise MatterNotPending(status_zh=status.label_zh, status_en=status.label_en)
        rules = (await council_settings_in(tx.connection)).rules
        seated = {m.id: m for m in await seated_on(session.held_on)}
        # Present and seated: a member whose term ended mid-session no longer counts.
        present = (await _present(tx, session.id)) & seated.keys()
        rows = await _votes(agenda_item_id)
        votes = [
            model.Vote(r.member_id, MatterKind(r.kind), r.note)
            for r in rows
            if not r.recused and r.kind is not None and r.member_id in present
        ]
        if casting_vote is not None and item.casting_vote is None:
            # Given on the chair's behalf: not when the chair could not give it themselves.
            chair = next((m for m in seated.values() if m.is_chair), None)
            if chair is not None:
                _check_chair_may_cast(as_seat(chair), matter.household_id, rows)
        chair_vote, cast_by, stale = _casting_vote(item, votes, casting_vote, actor, seated)
        try:
            decision = model.tally(votes, len(seated), len(present), rules, chair_vote=chair_vote)
        except (NoQuorum, NoMajority) as err:
            outcome = err
            status_after = "no_quorum" if isinstance(err, NoQuorum) else "no_majority"
            changes: dict[Any, Any] = {
                AgendaItem.status: status_after,
                AgendaItem.tied_kinds: [k.value for k in err.tied]
                if isinstance(err, Tie)
                else None,
            }
            if stale:
                changes |= {
                    AgendaItem.casting_vote: None,
                    AgendaItem.casting_vote_by: None,
                    AgendaItem.casting_vote_at: None,
                    AgendaItem.casting_vote_note: "",
                }
            await AgendaItem.update(changes).where(AgendaItem.id == agenda_item_id).run()
            await audit.record(
                tx,
                actor,
                "council.no_decision",
                f"agenda_item:{agenda_item_id}",
                after={"outcome": status_after, "code": err.code, "message": err.message_zh},
            )
        else:
            tally = _tally_record(decision, session, rows, seated, chair_vote, cast_by)
            classified = await matters.classify_in_tx(
                tx,
                actor,
                matter,
                decision.kind,
                reasoning=reasoning or _default_reasoning(decision),
                explanation=explanation,
                agenda_item_id=agenda_item_id,
                tally=tally,
            )
            decided = AgendaItemRow(
                **(
                    await AgendaItem.update(
                        {
                            AgendaItem.status: "decided",
                            AgendaItem.decided_kind: decision.kind.value,
                            AgendaItem.decided_at: localtime.now(),
                        }
                    )
                    .where(AgendaItem.id == agenda_item_id)
                    .returning(*AgendaItem.all_columns())
                    .run()
                )[0]
            )
            await audit.record(
                tx,
                actor,
                "council.decide",
                f"agenda_item:{agenda_item_id}",
                after={"kind": decision.kind.value, "tally": tally},
            )
            members = await members_in(tx.connection, referred_members(decided, rows), seated)
    if outcome is not None:
        raise outcome
    view = item_view(decided, classified.matter, rows, members)
    return DecideResult(item=view, sheet=classified.sheet, decision=decision)


@dataclass(frozen=True)
class _CastBy:
    """Who gave the casting vote: the chair (member id) or the deciding cadre (subject)."""

    by: int | str
    name: str | None
    role: Literal["chair", "cadre"]
    note: str = ""


def _check_chair_may_cast(
    chair: model.CouncilMember, household_id: int, votes: list[CouncilVoteRow]
) -> None:
    """ChairMustRecuse when the chair would have to recuse from voting on this item
    (``votes``: the item's vote rows, recusals included)."""
    recused = frozenset(r.member_id for r in votes if r.recused)
    if model.must_recuse(chair, household_id, recused):
        raise ChairMustRecuse()


def _casting_vote(
    item: AgendaItemRow,
    votes: list[model.Vote],
    given: MatterKind | None,
    actor: Principal,
    seated: dict[int, MemberRow],
) -> tuple[MatterKind | None, _CastBy | None, bool]:
    """The casting vote ``decide`` applies, who gave it, and whether a stored one is stale.

    The chair's stored vote comes first; the cadre's ``given`` one is the fallback (and must
    agree with a stored one). A stored vote outside today's tie is stale: it is dropped.
    """
    stored = MatterKind(item.casting_vote) if item.casting_vote else None
    if stored is not None:
        tied = model.tied_kinds(votes)
        if tied and stored not in tied:
            stored = None
            stale = True
        else:
            stale = False
    else:
        stale = False
    if stored is not None:
        if given is not None and given is not stored:
            raise CastingVoteAlreadyCast(kind_zh=stored.label_zh, kind_en=stored.label_en.lower())
        chair = item.casting_vote_by
        assert chair is not None  # stored with the vote (cast_casting_vote)
        name = seated[chair].name if chair in seated else None
        return stored, _CastBy(chair, name, "chair", item.casting_vote_note), False
    if given is not None:
        return given, _CastBy(actor.subject, None, "cadre"), stale
    return None, None, stale


def _default_reasoning(decision: model.Decision) -> str:
    """What the sheet says when the cadre gave no reasoning: the council's vote itself."""
    counts = "、".join(f"{k.label_zh} {decision.counts[k]} 票" for k in MatterKind)
    chair = "，平票由主持人决定" if decision.tie_broken_by_chair else ""
    return f"家园理事会表决：{counts}，归为{decision.kind.label_zh}{chair}"


def _tally_record(
    decision: model.Decision,
    session: SessionRow,
    rows: list[CouncilVoteRow],
    seated: dict[int, MemberRow],
    casting_vote: MatterKind | None,
    cast_by: _CastBy | None,
) -> dict[str, Any]:
    """The votes and counts as the classification sheet keeps them (jsonb).

    ``casting_vote_by`` is the chair's member id when the chair cast it, or the deciding
    cadre's login subject when given through ``decide`` (``casting_vote_by_role`` says which).
    """
    by = cast_by if decision.tie_broken_by_chair and casting_vote is not None else None
    return {
        "session_id": session.id,
        "session_held_on": session.held_on.isoformat(),
        "counts": {k.value: decision.counts[k] for k in MatterKind},
        "votes_cast": decision.votes_cast,
        "recused": sum(1 for r in rows if r.recused),
        "seated": decision.seated_count,
        "present": decision.present_count,
        "quorum_required": decision.quorum_required,
        "majority_required": decision.majority_required,
        "tie_broken_by_chair": decision.tie_broken_by_chair,
        "casting_vote": casting_vote.value if by and casting_vote else None,
        "casting_vote_by": by.by if by else None,
        "casting_vote_by_role": by.role if by else None,
        "casting_vote_by_name": by.name if by else None,
        "casting_vote_note": by.note if by else None,
        "votes": [
            {
                "member_id": r.member_id,
                "name": seated[r.member_id].name if r.member_id in seated else None,
                "kind": r.kind,
                "recused": r.recused,
                "note": r.note,
            }
            for r in rows
        ],
    }


# -- rules -----------------------------------------------------------------------------------


async def set_decision_rules(actor: Principal, slug: str, rules: DecisionRules) -> CouncilRules:
    """Store the community's quorum and majority rules (already validated by the model);
    returns them with the seats per grid (what the rules' view shows)."""
    await community_for(actor, slug, MANAGE_COUNCIL)
    stored = model.rules_to_json(rules)
    async with tenant_tx(slug) as tx:
        before = await council_settings_in(tx.connection, for_update=True)
        await matters.store_decision_rules_in_tx(tx, stored)
        await audit.record(
            tx,
            actor,
            "council.set_decision_rules",
            "community_settings:1",
            before=model.rules_to_json(before.rules),
            after=stored,
        )
    return CouncilRules(rules, before.seats_per_grid)
