"""Use cases of a group's conventions (自治公约): draft, amend, put to the vote, vote, close.

The pattern of ``services.groups.handlers``: each act is ONE tenant transaction that checks
who is acting, writes, records the audit entry and returns the convention as the caller now
sees it; a refused act writes nothing. Drafting is the group's managers' (its leader and
core, the community's cadres); voting is its members'. Locks, always in this order: the
group row (every managing act, so amendments, closes and membership changes of one group
run one at a time), then the version row (UPDATE to change it, SHARE to cast a ballot, so
ballots run side by side and a close waits for them).

Closing a vote without a quorum is refused (ConventionNoQuorum, nothing written, the vote
stays open for more ballots) unless the closer asks for ``reject_without_quorum``: then the
version is recorded as rejected for want of a quorum. A quorum without a majority of yes
votes is a result, not an error: the version is rejected and the tally says why.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services import audit, localtime
from services.auth.model import Principal
from services.groups import queries
from services.groups.handlers import ballot_member_in, managed_group_in, writer_of
from services.groups.model import (
    BallotAlreadyCast,
    BallotBasis,
    Clause,
    ClauseDraft,
    ConventionNotFound,
    ConventionStatus,
    ConventionTitleTaken,
    ConventionVersionNotFound,
    GroupNotFound,
    amendment_of,
    check_draft,
    check_open,
    check_voting,
    convention_note,
    convention_title,
    count_convention_vote,
    draft_clauses,
)
from services.groups.queries import (
    ConventionRow,
    ConventionVersionRow,
    ConventionView,
    GroupView,
    Reader,
    clause_json,
)
from services.kernel.votes import Answer, rules_from_json
from tenants.db import SanshiTransaction
from tenants.tx import tenant_tx


# -- inputs --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConventionInput:
    """A new convention: its titles, and the clauses of its first version (a draft)."""

    title_zh: str
    clauses: Sequence[ClauseDraft]
    title_en: str = ""
    note: str = ""


@dataclass(frozen=True)
class AmendmentInput:
    """A new draft version: its clauses (None: a copy of the version in force, or of the
    latest version where none is in force), and what it changes."""

    clauses: Sequence[ClauseDraft] | None = None
    note: str = ""


# -- reading inside an act -------------------------------------------------------------------
async def _view(
    tx: SanshiTransaction, group: GroupView, actor: Principal, cid: int
) -> ConventionView:
    found = await queries.conventions_in(
        tx.connection, group.group, actor.subject, convention_id=cid
    )
    return found[0]


async def _version_for(
    tx: SanshiTransaction, reader: Reader, version_id: int
) -> tuple[ConventionVersionRow, ConventionRow, GroupView]:
    """The version (unlocked), its convention and its group, if ``reader`` reads the group;
    otherwise the version is missing."""
    conn = tx.connection
    version = await queries.version_in(conn, version_id)
    if version is None:
        raise ConventionVersionNotFound()
    convention = await queries.convention_in(conn, version.convention_id)
    assert convention is not None  # a foreign key
    try:
        group = await queries.readable_group_in(conn, reader, convention.group_id)
    except GroupNotFound:
        raise ConventionVersionNotFound() from None
    return version, convention, group


async def _managed_version(
    tx: SanshiTransaction, reader: Reader, version_id: int
) -> tuple[ConventionVersionRow, ConventionRow, GroupView]:
    """The version locked for a change by one who manages its group (the group locked
    first); a reader of the group who does not manage it is Forbidden."""
    _, convention, _ = await _version_for(tx, reader, version_id)
    group = await managed_group_in(tx, reader, convention.group_id)
    version = await queries.version_in(tx.connection, version_id, lock="UPDATE")
    assert version is not None  # versions are never deleted
    return version, convention, group


async def _insert_clauses(
    tx: SanshiTransaction, version_id: int, clauses: Sequence[Clause]
) -> None:
    rows = []
    for c in clauses:
        binds, kinds, duties = clause_json(c)
        rows.append((version_id, c.number, c.text_zh, c.text_en, binds, kinds, duties))
    await tx.connection.executemany(
        "INSERT INTO group_convention_clauses "
        "(version_id, number, text_zh, text_en, binds, incident_kinds, duties) "
        "VALUES ($1, $2, $3, $4, $5::jsonb, $6::text[], $7::jsonb)",
        rows,
    )


def _clauses_audit(clauses: Sequence[Clause]) -> list[dict[str, object]]:
    return [queries.clause_record(c) for c in clauses]


# -- drafting --------------------------------------------------------------------------------
async def create_convention(
    actor: Principal, slug: str, group_id: int, data: ConventionInput
) -> ConventionView:
    """Draft a new convention of the group: its title and version 1, a draft with its
    clauses (the group's leader and core, the community's cadres)."""
    reader = await writer_of(actor, slug)
    title_zh, title_en = convention_title(data.title_zh, data.title_en)
    note = convention_note(data.note)
    clauses = draft_clauses(data.clauses)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        group = await managed_group_in(tx, reader, group_id)
        now = localtime.now()
        try:
            convention_id = await conn.fetchval(
                "INSERT INTO group_conventions (group_id, title_zh, title_en, created_by, "
                "created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                group_id, title_zh, title_en, actor.subject, now,
            )  # fmt: skip
        except asyncpg.UniqueViolationError:
            raise ConventionTitleTaken(title=title_zh) from None
        version_id = await conn.fetchval(
            "INSERT INTO group_convention_versions (convention_id, version, status, note, "
            "drafted_by, drafted_at) VALUES ($1, 1, 'draft', $2, $3, $4) RETURNING id",
            convention_id, note, actor.subject, now,
        )  # fmt: skip
        await _insert_clauses(tx, version_id, clauses)
        await audit.record(
            tx,
            actor,
            "group.convention.create",
            f"group_convention:{convention_id}",
            after={
                "group_id": group_id,
                "title_zh": title_zh,
                "title_en": title_en,
                "version": 1,
                "note": note,
                "clauses": _clauses_audit(clauses),
            },
        )
        return await _view(tx, group, actor, convention_id)


async def amend_convention(
    actor: Principal, slug: str, convention_id: int, data: AmendmentInput
) -> ConventionView:
    """Draft the next version of a convention (the group's leader and core, cadres): its
    clauses given, or copied from the version in force to be edited. One amendment at a
    time: refused while a draft or a vote is open."""
    reader = await writer_of(actor, slug)
    note = convention_note(data.note)
    given = None if data.clauses is None else draft_clauses(data.clauses)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        convention = await queries.convention_in(conn, convention_id)
        if convention is None:
            raise ConventionNotFound()
        try:
            group = await managed_group_in(tx, reader, convention.group_id)
        except GroupNotFound:
            raise ConventionNotFound() from None
        known = await conn.fetch(
            "SELECT id, version, status FROM group_convention_versions "
            "WHERE convention_id = $1 ORDER BY version",
            convention_id,
        )
        number, base = amendment_of((r["version"], ConventionStatus(r["status"])) for r in known)
        version_id = await conn.fetchval(
            "INSERT INTO group_convention_versions (convention_id, version, status, note, "
            "drafted_by, drafted_at) VALUES ($1, $2, 'draft', $3, $4, $5) RETURNING id",
            convention_id, number, note, actor.subject, localtime.now(),
        )  # fmt: skip
        if given is not None:
            await _insert_clauses(tx, version_id, given)
        else:
            base_id = next(r["id"] for r in known if r["version"] == base)
            await conn.execute(
                "INSERT INTO group_convention_clauses "
                "(version_id, number, text_zh, text_en, binds, incident_kinds, duties) "
                "SELECT $1, number, text_zh, text_en, binds, incident_kinds, duties "
                "FROM group_convention_clauses WHERE version_id = $2",
                version_id,
                base_id,
            )
        await audit.record(
            tx,
            actor,
            "group.convention.amend",
            f"group_convention:{convention_id}",
            after={
                "version": number,
                "copied_from": None if given is not None else base,
                "note": note,
                "clauses": None if given is None else _clauses_audit(given),
            },
        )
        return await _view(tx, group, actor, convention_id)


async def edit_draft(
    actor: Principal,
    slug: str,
    version_id: int,
    clauses: Sequence[ClauseDraft],
    note: str | None = None,
) -> ConventionView:
    """Replace the clauses of a draft (and its note, if given) (the group's leader and
    core, cadres); a version put to the vote is no longer a draft."""
    reader = await writer_of(actor, slug)
    checked = draft_clauses(clauses)
    new_note = None if note is None else convention_note(note)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        version, convention, group = await _managed_version(tx, reader, version_id)
        check_draft(version.status, version.version)
        before = await conn.fetch(
            "SELECT c.number, c.text_zh, c.text_en, c.binds, c.incident_kinds, c.duties "
            "FROM group_convention_clauses c WHERE c.version_id = $1 ORDER BY c.number",
            version_id,
        )
        await conn.execute("DELETE FROM group_convention_clauses WHERE version_id = $1", version_id)
        await _insert_clauses(tx, version_id, checked)
        if new_note is not None:
            await conn.execute(
                "UPDATE group_convention_versions SET note = $2 WHERE id = $1", version_id, new_note
            )
        await audit.record(
            tx,
            actor,
            "group.convention.edit",
            f"group_convention_version:{version_id}",
            before={
                "note": version.note,
                "clauses": _clauses_audit([queries.clause_of(r) for r in before]),
            },
            after={
                "note": version.note if new_note is None else new_note,
                "clauses": _clauses_audit(checked),
            },
        )
        return await _view(tx, group, actor, convention.id)


# -- the members' vote -----------------------------------------------------------------------
async def open_convention_vote(actor: Principal, slug: str, version_id: int) -> ConventionView:
    """Put a draft to the members' vote (the group's leader and core, cadres): its clauses
    are fixed from now on."""
    reader = await writer_of(actor, slug)
    async with tenant_tx(slug) as tx:
        version, convention, group = await _managed_version(tx, reader, version_id)
        check_draft(version.status, version.version)
        now = localtime.now()
        await tx.connection.execute(
            "UPDATE group_convention_versions SET status = 'voting', vote_opened_at = $2 "
            "WHERE id = $1",
            version_id,
            now,
        )
        await audit.record(
            tx,
            actor,
            "group.convention.vote.open",
            f"group_convention_version:{version_id}",
            before={"status": version.status.value},
            after={"status": ConventionStatus.VOTING.value, "vote_opened_at": now.isoformat()},
        )
        return await _view(tx, group, actor, convention.id)


async def cast_convention_ballot(
    actor: Principal,
    slug: str,
    version_id: int,
    choice: Answer,
    *,
    member_id: int | None = None,
) -> ConventionView:
    """Cast a ballot (yes, no, abstain) on adopting a version while its vote is open: a
    member's own, one per member household or per member (the group's ballot basis); or a
    paper ballot recorded for the member named by ``member_id`` by those who record ballots
    (RECORD_GROUP_BALLOTS: cadres, grid workers; anyone else who reads the group is
    Forbidden, one who may not read it finds no such version). A second
    ballot for the same household or member is refused (BallotAlreadyCast), as is one
    before the vote opened or after it closed."""
    reader = await writer_of(actor, slug)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        _, convention, group = await _version_for(tx, reader, version_id)
        check_open(group.group.dissolved_on)
        # SHARE: ballots are cast side by side; the close (UPDATE) waits for them.
        version = await queries.version_in(conn, version_id, lock="SHARE")
        assert version is not None
        check_voting(version.status, version.version)
        member, key = await ballot_member_in(tx, reader, group.group, member_id)
        basis = BallotBasis(group.group.ballot_basis)
        refused = BallotAlreadyCast(
            voter=key,
            version=version.version,
            voter_zh="该户" if basis is BallotBasis.HOUSEHOLD else "该成员",
            voter_en="This household" if basis is BallotBasis.HOUSEHOLD else "This member",
            basis_zh=basis.label_zh,
            basis_en=basis.label_en.lower(),
        )
        if await conn.fetchval(
            "SELECT 1 FROM group_convention_ballots WHERE version_id = $1 AND voter_key = $2",
            version_id,
            key,
        ):
            raise refused
        try:
            ballot_id = await conn.fetchval(
                "INSERT INTO group_convention_ballots "
                "(version_id, voter_key, member_id, choice, cast_by, cast_at) "
                "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                version_id, key, member.id, choice.value, actor.subject, localtime.now(),
            )  # fmt: skip
        except asyncpg.UniqueViolationError:
            # Two residents of one household at the same moment: the second one loses.
            raise refused from None
        # The ballot's answer is in its row; the trail says who cast whose ballot.
        await audit.record(
            tx,
            actor,
            "group.convention.ballot",
            f"group_convention_version:{version_id}",
            after={"ballot_id": ballot_id, "voter_key": key, "member_id": member.id},
        )
        return await _view(tx, group, actor, convention.id)


async def close_convention_vote(
    actor: Principal, slug: str, version_id: int, *, reject_without_quorum: bool = False
) -> ConventionView:
    """Close a version's vote and count it with the group's decision rules (the group's
    leader and core, cadres). Adopted: the version is in force from today and the version
    in force until now is superseded. No majority: rejected, the tally says so. No quorum:
    refused (ConventionNoQuorum), nothing written, the vote stays open — unless
    ``reject_without_quorum``, which records the version rejected for want of a quorum.

    The electorate is the group's members when the vote closes: a ballot of a member who
    has left since is void, and one who joined while the vote was open could vote.
    """
    reader = await writer_of(actor, slug)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        version, convention, group = await _managed_version(tx, reader, version_id)
        check_voting(version.status, version.version)
        rules = rules_from_json(group.group.decision_rules)
        eligible = await queries.eligible_in(conn, group.group)
        ballots = await conn.fetch(
            "SELECT voter_key, choice FROM group_convention_ballots WHERE version_id = $1",
            version_id,
        )
        tally = count_convention_vote(
            [(b["voter_key"], Answer(b["choice"])) for b in ballots],
            eligible,
            rules,
            reject_without_quorum=reject_without_quorum,
        )
        now = localtime.now()
        superseded = None
        if tally.adopted:
            # Before this one is adopted: one version in force per convention (an index).
            superseded = await conn.fetchval(
                "UPDATE group_convention_versions SET status = 'superseded' "
                "WHERE convention_id = $1 AND status = 'adopted' RETURNING version",
                convention.id,
            )
        status = ConventionStatus.ADOPTED if tally.adopted else ConventionStatus.REJECTED
        in_force_on = localtime.local_day(now) if tally.adopted else None
        await conn.execute(
            "UPDATE group_convention_versions SET status = $2, vote_closed_at = $3, "
            "in_force_on = $4, tally = $5::jsonb WHERE id = $1",
            version_id,
            status.value,
            now,
            in_force_on,
            _json(tally.to_json()),
        )
        await audit.record(
            tx,
            actor,
            "group.convention.vote.close",
            f"group_convention_version:{version_id}",
            before={"status": version.status.value},
            after={
                "status": status.value,
                "in_force_on": in_force_on,
                "superseded_version": superseded,
                "tally": tally.to_json(),
            },
        )
        return await _view(tx, group, actor, convention.id)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
