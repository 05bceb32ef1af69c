"""Use cases of elections of a group's core (选举): open, cast a ballot, close and count, publish.

Each public handler is ONE tenant transaction that checks who is acting (the group's
leader and core or the community's cadres manage elections; a member casts their
household's or their own ballot; cadres and grid workers record paper ballots), writes,
records the audit entry, and returns the election as the caller sees it. A refused act
writes nothing. The count is the shared vote kernel's (``services.kernel.votes``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import asyncpg
import msgspec

from services import audit, localtime
from services.auth.model import Principal
from services.groups import queries
from services.groups.handlers import ballot_member_in, managed_group_in, writer_of
from services.groups.model import (
    NAME_LIMIT,
    RUNOFF_SUFFIX,
    AlreadyVotedInElection,
    BallotBasis,
    ElectionNotFound,
    ElectionStatus,
    GroupNotFound,
    check_ballot_open,
    check_candidate,
    check_election,
    check_open,
    check_publish,
    count_core,
    runoff_votes_per_ballot,
)
from services.groups.queries import ElectionRow, ElectionTally, ElectionView, GroupView
from services.kernel import votes
from services.kernel.text import clean_text
from tenants.db import SanshiTransaction
from tenants.tx import tenant_tx


@dataclass(frozen=True)
class ElectionInput:
    """A new election of the core: its title, the term (``term_ends_on``: its last day),
    seats, how many candidates a ballot may name, and the candidates (membership ids)."""

    title: str
    term_starts_on: date
    term_ends_on: date
    seats: int
    votes_per_ballot: int
    candidates: tuple[int, ...]


async def _election_for_act(
    tx: SanshiTransaction, reader: queries.Reader, election_id: int
) -> tuple[ElectionRow, GroupView]:
    """The election, locked, and its group, locked for managing: the group first, as every
    act that manages a group locks it; a ballot locks the election only, so the two never
    wait on each other in opposite orders."""
    found = await queries.election_in(tx.connection, election_id)
    if found is None:
        raise ElectionNotFound()
    try:
        view = await managed_group_in(tx, reader, found.group_id)
    except GroupNotFound:
        raise ElectionNotFound() from None
    election = await queries.election_in(tx.connection, election_id, for_update=True)
    assert election is not None  # elections are never deleted
    return election, view


async def _insert_election(
    tx: SanshiTransaction,
    actor: Principal,
    group_id: int,
    *,
    title: str,
    term: tuple[date, date],
    seats: int,
    votes_per_ballot: int,
    members: Sequence[int],
    runoff_of: int | None = None,
) -> int:
    """A new open election and its candidates (memberships, in the order named)."""
    conn = tx.connection
    election_id: int = await conn.fetchval(
        "INSERT INTO group_elections (group_id, title, term_starts_on, term_ends_on, seats, "
        "votes_per_ballot, runoff_of, opened_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        "RETURNING id",
        group_id,
        title,
        term[0],
        term[1],
        seats,
        votes_per_ballot,
        runoff_of,
        actor.subject,
    )
    await conn.execute(
        "INSERT INTO group_election_candidates (election_id, member_id) "
        "SELECT $1, m FROM unnest($2::int[]) WITH ORDINALITY AS c(m, n) ORDER BY n",
        election_id,
        list(members),
    )
    return election_id


async def open_election(
    actor: Principal, slug: str, group_id: int, data: ElectionInput
) -> ElectionView:
    """Open an election of the group's core (cadres, the group's leader and core).

    Candidates are current members of THIS group, each a named resident (a core seat is a
    person's); the term may not overlap that of another live election of the group.
    """
    reader = await writer_of(actor, slug)
    title = clean_text(
        data.title, field="title", field_zh="选举名称", limit=NAME_LIMIT, required=True
    )
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        view = await managed_group_in(tx, reader, group_id)
        # Runoffs share their election's term; a failed election (no quorum) seats nobody.
        others = await conn.fetch(
            "SELECT term_starts_on, term_ends_on FROM group_elections "
            "WHERE group_id = $1 AND runoff_of IS NULL AND (status = 'open' "
            "OR coalesce((result->>'quorum_met')::boolean, false))",
            group_id,
        )
        check_election(
            term_starts_on=data.term_starts_on,
            term_ends_on=data.term_ends_on,
            seats=data.seats,
            votes_per_ballot=data.votes_per_ballot,
            candidates=data.candidates,
            founded_on=view.group.founded_on,
            other_terms=[(r["term_starts_on"], r["term_ends_on"]) for r in others],
        )
        found = await queries.members_by_id_in(conn, data.candidates)
        for member_id in data.candidates:
            row = found.get(member_id)
            if row is not None and row.group_id != group_id:
                row = None  # another group's member is no member of this one
            check_candidate(None if row is None else queries.membership_of(row), member_id)
        election_id = await _insert_election(
            tx,
            actor,
            group_id,
            title=title,
            term=(data.term_starts_on, data.term_ends_on),
            seats=data.seats,
            votes_per_ballot=data.votes_per_ballot,
            members=data.candidates,
        )
        out = await queries.election_view_in(conn, actor.subject, view.group, election_id)
        await audit.record(
            tx,
            actor,
            "group.election.open",
            f"group_election:{election_id}",
            after={
                "group_id": group_id,
                "title": title,
                "term": [data.term_starts_on.isoformat(), data.term_ends_on.isoformat()],
                "seats": data.seats,
                "votes_per_ballot": data.votes_per_ballot,
                "candidate_members": list(data.candidates),
            },
        )
    return out


async def cast_election_ballot(
    actor: Principal,
    slug: str,
    election_id: int,
    choices: Sequence[int],
    *,
    member_id: int | None = None,
) -> ElectionView:
    """Cast a ballot naming candidates (candidate ids; none: a blank ballot).

    Without ``member_id`` the caller votes: their household's ballot where the group votes
    by household, their own where it votes by member. With it, a cadre or grid worker
    records the paper ballot of that member. One ballot per voter key: the election row is
    locked, so two ballots of one household (or a ballot racing the close) land one at a
    time, and the second finds the first (or the close).
    """
    reader = await writer_of(actor, slug)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        election = await queries.election_in(conn, election_id, for_update=True)
        if election is None:
            raise ElectionNotFound()
        view = await queries.view_in(conn, reader, election.group_id)
        if not view.access.read:
            raise ElectionNotFound()
        group = view.group
        check_open(group.dissolved_on)
        check_ballot_open(ElectionStatus(election.status))
        member, key = await ballot_member_in(tx, reader, group, member_id)
        candidates = (await queries.candidates_in(conn, [election_id])).get(election_id, [])
        votes.check_ballot(
            list(choices),
            [c for c, _ in candidates],
            votes_per_ballot=election.votes_per_ballot,
            voter=key,
        )
        # The unique key (election, voter key) decides; the refusal rolls the act back.
        try:
            await conn.execute(
                "INSERT INTO group_election_ballots "
                "(election_id, voter_key, member_id, choices, cast_by) "
                "VALUES ($1, $2, $3, $4, $5)",
                election_id,
                key,
                member.id,
                list(choices),
                actor.subject,
            )
        except asyncpg.UniqueViolationError:
            raise AlreadyVotedInElection.of(BallotBasis(group.ballot_basis)) from None
        out = await queries.election_view_in(conn, actor.subject, group, election_id)
        # Who voted is on record; what they chose stays in the ballot, not in the log.
        await audit.record(
            tx,
            actor,
            "group.election.ballot",
            f"group_election:{election_id}",
            after={"voter_key": key, "member_id": member.id, "paper": member_id is not None},
        )
    return out


def _tally_json(tally: ElectionTally) -> str:
    return json.dumps(msgspec.to_builtins(tally))


async def close_election(actor: Principal, slug: str, election_id: int) -> ElectionView:
    """Close the ballot and count it (cadres, the group's leader and core).

    The electorate is the voter keys of the current members at the close, the quorum the
    group's decision rules'. Candidates tied for the last seats go to a runoff (决选),
    opened here among them for the seats left, on the same term.
    """
    reader = await writer_of(actor, slug)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        election, view = await _election_for_act(tx, reader, election_id)
        check_ballot_open(ElectionStatus(election.status))
        group = view.group
        rules = votes.rules_from_json(group.decision_rules)
        eligible = await queries.eligible_in(conn, group)
        ballots = await conn.fetch(
            "SELECT voter_key, choices FROM group_election_ballots "
            "WHERE election_id = $1 ORDER BY id",
            election_id,
        )
        candidates = (await queries.candidates_in(conn, [election_id])).get(election_id, [])
        count = count_core(
            [(b["voter_key"], list(b["choices"])) for b in ballots],
            [c for c, _ in candidates],
            seats=election.seats,
            votes_per_ballot=election.votes_per_ballot,
            eligible=eligible,
            rules=rules,
        )
        runoff_id = None
        if count.runoff:
            member_of = dict(candidates)
            runoff_id = await _insert_election(
                tx,
                actor,
                group.id,
                title=election.title + RUNOFF_SUFFIX,
                term=(election.term_starts_on, election.term_ends_on),
                seats=count.runoff_seats,
                votes_per_ballot=runoff_votes_per_ballot(
                    election.votes_per_ballot, count.runoff_seats
                ),
                members=[member_of[c] for c in count.runoff],
                runoff_of=election_id,
            )
        tally = ElectionTally(**dataclasses.asdict(count), runoff_election_id=runoff_id)
        closed = await conn.fetchrow(
            "UPDATE group_elections e SET status = $2, closed_at = $3, result = $4::jsonb "
            f"WHERE e.id = $1 RETURNING {queries.ELECTION_COLUMNS}",
            election_id,
            ElectionStatus.CLOSED.value,
            localtime.now(),
            _tally_json(tally),
        )
        # The election as stored now, with the candidates and ballots just counted (it is
        # locked, and ballots take its lock too: none came meanwhile).
        views = await queries.election_views_in(
            conn,
            actor.subject,
            group,
            [queries.election_of(closed)],
            candidates={election_id: candidates},
            cast={election_id: len(ballots)},
            member=bool(view.my_roles),
        )
        out = views[0]
        await audit.record(
            tx,
            actor,
            "group.election.close",
            f"group_election:{election_id}",
            before={"status": election.status},
            after=msgspec.to_builtins(tally),
        )
    return out


async def publish_election(actor: Principal, slug: str, election_id: int) -> ElectionView:
    """Publish a counted election's results (cadres, the group's leader and core): those
    elected take their seats on the core for the term (``group_core_terms``), from its
    first day; a failed election (no quorum) publishes that it elected nobody."""
    reader = await writer_of(actor, slug)
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        election, view = await _election_for_act(tx, reader, election_id)
        check_publish(ElectionStatus(election.status))
        tally = election.tally
        assert tally is not None  # a closed election has its count
        member_of = dict((await queries.candidates_in(conn, [election_id])).get(election_id, []))
        seated = [member_of[c] for c in tally.elected]
        await conn.execute(
            "INSERT INTO group_core_terms (group_id, election_id, member_id, starts_on, ends_on) "
            "SELECT $1, $2, m, $4, $5 FROM unnest($3::int[]) AS m",
            view.group.id,
            election_id,
            seated,
            election.term_starts_on,
            election.term_ends_on,
        )
        await conn.execute(
            "UPDATE group_elections SET status = $2, published_at = $3 WHERE id = $1",
            election_id,
            ElectionStatus.PUBLISHED.value,
            localtime.now(),
        )
        out = await queries.election_view_in(conn, actor.subject, view.group, election_id)
        await audit.record(
            tx,
            actor,
            "group.election.publish",
            f"group_election:{election_id}",
            after={
                "seated_members": seated,
                "term": [election.term_starts_on.isoformat(), election.term_ends_on.isoformat()],
            },
        )
    return out
