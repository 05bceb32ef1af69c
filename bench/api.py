"""GraphQL API throughput and latency over HTTP against a seeded community (a benchmark).

    python bench/api.py [--duration 10] [--repeat 3] [--clients 32]
                        [--scenarios ledger,ledger-live,matter,flow]
                        [--variants asyncio-h11,uvloop-httptools] [--cache on|off|both]
                        [--fast-path on|off|both]
                        [--rate R] [--write-rate 2] [--database-url URL] [--redis-url URL]
                        [--keep NAME]

What it does:
1. creates a database of its own on DATABASE_URL (dropped at the end), migrates it,
   provisions one community and seeds it realistically: with
   ``services.runtime.demo.triage.seed_realistic`` when that module exists, otherwise with the
   generator below (7 grids, ~2,000 households with residents and circumstances, a
   council of 21, ~600 requests over a year, decided by council votes, followed up),
   always through the handlers, never by writing tables;
2. starts a REAL uvicorn server process (one process, like one production replica;
   ``--workers N`` for N) on a
   free port, per server variant (asyncio + h11 always; uvloop + httptools when they can
   be imported — they are not project dependencies, see bench/README.md);
   Every variant runs with the GraphQL response cache on (the default
   ``SANSHI_RESPONSE_CACHE_MB``) and off (``SANSHI_RESPONSE_CACHE_MB=0``), labelled
   ``cache-on`` / ``cache-off``, interleaved in the same repetitions (``--cache`` to pick);
   ``--fast-path both`` also runs each with the executor fast path off
   (``SANSHI_GRAPHQL_FAST_PATH=false``), labelled ``fast-on`` / ``fast-off``, interleaved too;
3. drives it with N concurrent keep-alive clients for a fixed duration per scenario:
   - ``ledger``: the ledger screen, a page of 50 with category, household, grid, ...;
     each client is one of 4 users (2 cadres, 2 grid workers: the cache never shares an
     answer between callers) and each request is one of ~20 ledger requests (no filter,
     by grid, by status, by kind; first, second, third page);
   - ``ledger-live``: the same reads while a grid worker registers new requests through
     the API at ``--write-rate`` per second (default 2): each write changes the
     community's data token, so every cached answer of it goes stale (the cache under
     churn). Read figures are the reads only; the writes are reported on their own line.
     Every unfiltered read is checked against the writes: its ``totalCount`` must count
     every write answered before the read was sent and none not yet sent (a stale or
     premature answer is counted as an error);
   - ``matter``: one matter with its full history (sheets, transitions, votes, feedback,
     referrals, negotiations with commitments), rotating over decided matters;
   - ``floor`` (not by default): ``{ __typename }`` with a token — HTTP, auth and GraphQL
     with no data, the most any document can do; ``ledger-brief`` (not by default): the
     ledger with only the fields the issue names;
   - ``flow``: register (grid worker) → add to agenda (cadre) → 11 votes (council members,
     each with their own token) → decide (cadre): 14 requests per flow;
4. prints throughput and p50/p95/p99 per scenario (median over --repeat runs), the CPU
   used by the server, the client and the whole machine, the cache hit ratio (responses
   with ``x-sanshi-cache: hit`` / requests), and the targets: p95 ≤ 25 ms for the ledger
   page of 50 and ≥ 300 requests/s with 32 concurrent clients.

The client is a minimal HTTP/1.1 keep-alive client on asyncio streams (``--client raw``,
the default): on a 2-core machine every millisecond of client CPU is taken from the
server, and httpx costs several times more per request. ``--client httpx`` is there to
compare. Client CPU is reported either way, so a reader can see what the server had left.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import itertools
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/api.py` from anywhere
    sys.path.insert(0, str(ROOT))

from services.auth.model import SYSTEM, Principal, Role, Scope, ScopeKind  # noqa: E402
from services.auth.tokens import issue_token  # noqa: E402
from services.settings import Settings  # noqa: E402
from tenants import db  # noqa: E402

# The response cache's header (services/cache/store.py: hit, store or miss; absent
# when the server runs without the cache).
CACHE_HEADER = b"x-sanshi-cache"
CACHE_ENV = "SANSHI_RESPONSE_CACHE_MB"
# The executor fast path (services/api/execution.py); "false" runs the standard executor.
FAST_PATH_ENV = "SANSHI_GRAPHQL_FAST_PATH"
IDLE_RECONNECT_S = 4.0  # below uvicorn's --timeout-keep-alive (5 s)
TARGET_LEDGER_P95_MS = 25.0
TARGET_RPS = 300.0
SLUG = "benchdonghai"
COUNTY = "benchcounty"
JWT_SECRET = "bench-secret-" + secrets.token_hex(16)
# uvloop/httptools are not project dependencies: `pip install --target <dir> uvloop httptools`
# and point SANSHI_BENCH_EXTRAS at <dir> to add the variant that uses them.
EXTRAS_DIR = Path(os.environ.get("SANSHI_BENCH_EXTRAS", "/tmp/sanshi-bench-extras"))  # noqa: S108

# The ledger page of 50 (the fields are those of the earlier results; filter and cursor
# vary per request so that a cache sees a realistic spread of distinct requests).
LEDGER_QUERY = """query Ledger(
  $c: String!, $first: Int!, $filter: MatterFilterInput, $after: String
) {
  community(slug: $c) {
    matters(filter: $filter, first: $first, after: $after) {
      items {
        id number title status kind channel occurredOn registeredAt responsible
        category { code nameZh }
        household { id address }
        grid { id name }
        suggestion { kind }
      }
      pageInfo { hasNextPage endCursor }
      totalCount
    }
  }
}"""

# Only what the issue's example names: number title status kind category household grid.
LEDGER_BRIEF_QUERY = """query LedgerBrief($c: String!) {
  community(slug: $c) {
    matters(first: 50) {
      items { number title status kind category { nameZh } household { address } grid { name } }
      totalCount
    }
  }
}"""

MATTER_QUERY = """query Matter($c: String!, $id: ID!) {
  community(slug: $c) {
    matter(id: $id) {
      id number title description place status kind responsible responsibleNote
      channel occurredOn registeredAt registeredBy resolvedAt closedAt
      category { code nameZh nameEn }
      household { id address size circumstances { elderlyLivingAlone disability renting } }
      grid { id code name }
      suggestion { kind reasonZh ruleId }
      sheets { version kind previousKind escalation responsible reasoning evidence
               explanation suggestedKind suggestionFollowed decidedBy decidedAt }
      history { fromStatus toStatus actor actorRole reason at }
      votes { memberId memberName kind recused note castAt }
      referrals { groupName note at }
      negotiations { heldOn agreement participants commitments { partyName description kept } }
      feedback { rating comment reopenReason givenBy onBehalf at }
      allowedTransitions
    }
  }
}"""

REGISTER_MUTATION = """mutation Register($c: String!, $input: RegisterRequestInput!) {
  registerRequest(community: $c, input: $input) {
    __typename ... on Matter { id number status suggestion { kind } } ... on Error { code }
  }
}"""

AGENDA_MUTATION = """mutation Agenda($c: String!, $s: ID!, $m: ID!) {
  addToAgenda(community: $c, sessionId: $s, matterId: $m) {
    __typename ... on AgendaItem { id } ... on Error { code }
  }
}"""

VOTE_MUTATION = """mutation Vote($c: String!, $input: CastVoteInput!) {
  castVote(community: $c, input: $input) {
    __typename ... on CouncilVote { id kind } ... on Error { code }
  }
}"""

OPEN_SESSION_MUTATION = """mutation Open($c: String!, $input: OpenCouncilSessionInput!) {
  openCouncilSession(community: $c, input: $input) {
    __typename ... on CouncilSession { id } ... on Error { code }
  }
}"""

ATTENDANCE_MUTATION = """mutation Attend($c: String!, $s: ID!, $members: [ID!]!) {
  recordAttendance(community: $c, sessionId: $s, memberIds: $members) {
    __typename ... on CouncilSession { id } ... on Error { code }
  }
}"""

# A council session carries a month's agenda (the seed: ~400 requests over 12 sessions);
# the flow opens a new one (every member present) after this many items, so a run does
# not pile thousands of items onto one session, which no community ever has.
ITEMS_PER_SESSION = 40

DECIDE_MUTATION = """mutation Decide($c: String!, $input: DecideAgendaItemInput!) {
  decideAgendaItem(community: $c, input: $input) {
    __typename ... on CouncilDecision { kind sheetVersion } ... on Error { code }
  }
}"""


# --------------------------------------------------------------------------------------
# Seeding (through the handlers)
# --------------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰建国海燕志强春梅"
ROADS = ("海滨路", "菜园路", "东海路", "渔港路", "沙河路", "金平路", "港湾路")
# (category, weight, title, description): what a year of requests in an island community
# looks like, roughly in proportion.
REQUESTS: tuple[tuple[str, int, str, str], ...] = (
    ("street_lighting", 14, "路灯不亮", "楼下路灯坏了一个多星期，晚上出行不便。"),
    ("home_lighting", 8, "家中电灯损坏", "厨房的灯不亮了，需要更换灯具。"),
    ("housing_repair", 12, "屋顶漏水", "下雨时屋顶漏水，墙面发霉。"),
    ("road_and_drainage", 9, "下水道堵塞", "小区下水道堵塞，雨天积水严重。"),
    ("public_health", 7, "每月量血压", "希望社区每月上门为老人量血压。"),
    ("sanitation", 8, "垃圾清运不及时", "垃圾桶满了没人清运，气味很大。"),
    ("elderly_care", 8, "老人助餐", "独居老人希望社区提供助餐服务。"),
    ("transport", 5, "增设公交站", "附近没有公交站，老人看病出行困难。"),
    ("illegal_construction", 4, "违章搭建", "邻居封闭屋檐搭建，影响通行。"),
    ("neighbour_dispute", 8, "邻里噪音纠纷", "楼上夜间噪音，协商未果。"),
    ("pets", 5, "犬只扰民", "小区有人遛狗不牵绳。"),
    ("public_facilities", 6, "健身器材损坏", "小广场健身器材损坏，存在安全隐患。"),
    ("safety", 4, "消防通道堵塞", "消防通道被杂物堵塞。"),
    ("other", 2, "其他诉求", "其他事项。"),
)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(str(rng.randint(0, 9)) for _ in range(9))


@dataclass
class Actors:
    """The principals (in process) and tokens (over HTTP) of the seeded community."""

    cadre: Principal
    worker: Principal
    members: list[Principal]  # council members, by seat
    member_ids: list[int] = field(default_factory=list)
    member_households: set[int] = field(default_factory=set)


def community_principal(subject: str, role: Role, slug: str) -> Principal:
    return Principal(subject, frozenset({role}), Scope(ScopeKind.COMMUNITY, slug))


def bench_token(settings: Settings, p: Principal) -> str:
    """A token for ``p`` valid for a day, signed with the bench servers' secret."""
    return issue_token(
        settings.with_overrides(jwt_secret=JWT_SECRET),
        subject=p.subject,
        roles=p.roles,
        scope=p.scope,
        ttl_s=24 * 3600,
    )


async def seed_generated(
    settings: Settings,
    slug: str,
    *,
    households: int = 2000,
    requests: int = 600,
    rng_seed: int = 20260301,
) -> Actors:
    """A community like Donghai (东海社区) through the handlers; returns its actors.

    7 grids; ``households`` households (1-5 people, ~9% elderly living alone, ~3%
    without family, ~4% disabled, ~3% on subsistence allowance, ~12% renting) with
    residents; 21 council members (3 seats per grid, each living in their grid);
    ``requests`` requests spread over the past year, put on fortnightly council
    sessions, voted on by the members present and decided; decided matters are then
    started, resolved, rated (some unsatisfied and reopened), some escalated, referred
    or negotiated, as a year of work leaves them.
    """
    from services.councils import handlers as councils
    from services.grids import handlers as grids
    from services.households import handlers as households_h
    from services.households.model import Circumstances
    from services.matters import handlers as matters
    from services.matters.model import Channel, MatterKind, Satisfaction

    rng = random.Random(rng_seed)
    cadre = community_principal("bench-cadre", Role.COMMUNITY_CADRE, slug)
    worker = community_principal("bench-worker", Role.GRID_WORKER, slug)
    numerals = "一二三四五六七"
    grid_ids = [
        (await grids.create_grid(SYSTEM, slug, f"g{i + 1}", f"第{numerals[i]}网格")).id
        for i in range(7)
    ]

    bulk = []
    for i in range(households):
        circ = Circumstances(
            elderly_living_alone=rng.random() < 0.09,
            elderly_without_family=rng.random() < 0.03,
            disability=rng.random() < 0.04,
            subsistence_allowance=rng.random() < 0.03,
            renting=rng.random() < 0.12,
        )
        size = 1 if circ.elderly_living_alone else rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))
        grid_id = grid_ids[i % 7]
        bulk.append(
            households_h.BulkHousehold(
                households_h.HouseholdInput(
                    grid_id=grid_id,
                    address=f"{ROADS[i % 7]}{i // 7 + 1}号"
                    f"{rng.randint(1, 6)}0{rng.randint(1, 4)}室",
                    size=size,
                    circumstances=circ,
                    notes="子女在外地" if circ.elderly_living_alone and rng.random() < 0.5 else "",
                ),
                tuple(
                    households_h.ResidentInput(name=_name(rng), phone=_phone(rng))
                    for _ in range(size)
                ),
            )
        )
    household_ids = await households_h.create_households_bulk(SYSTEM, slug, bulk, settings)
    by_grid: dict[int, list[int]] = {g: [] for g in grid_ids}
    for hid, b in zip(household_ids, bulk, strict=True):
        by_grid[b.household.grid_id].append(hid)

    year_ago = date.today() - timedelta(days=365)
    members: list[Principal] = []
    actors = Actors(cadre=cadre, worker=worker, members=members)
    for seat in range(21):
        grid_id = grid_ids[seat % 7]
        home = by_grid[grid_id][seat // 7]
        subject = f"bench-member-{seat + 1}"
        row = await councils.elect_member(
            cadre,
            slug,
            councils.ElectMemberInput(
                grid_id=grid_id,
                name=_name(rng),
                elected_on=year_ago - timedelta(days=30),
                term_ends_on=year_ago + timedelta(days=3 * 365),
                votes_received=rng.randint(40, 300),
                household_id=home,
                subject=subject,
            ),
            settings,
        )
        members.append(community_principal(subject, Role.COUNCIL_MEMBER, slug))
        actors.member_ids.append(row.id)
        actors.member_households.add(home)

    weights = [w for _, w, _, _ in REQUESTS]
    # Fortnightly sessions over the year; each decides the requests registered since the last.
    sessions = 26
    per_session = max(1, requests // sessions)
    kinds = (MatterKind.PRIVATE, MatterKind.MINOR, MatterKind.MAJOR)
    decided: list[dict[str, Any]] = []
    count = 0
    for s in range(sessions):
        held_on = year_ago + timedelta(days=14 * s + 13)
        session = await councils.open_session(
            cadre, slug, held_on, f"第{s + 1}次家园理事会", settings
        )
        present = sorted(rng.sample(range(21), rng.randint(12, 19)))
        await councils.record_attendance(
            cadre, slug, session.id, [actors.member_ids[i] for i in present]
        )
        n = per_session if s < sessions - 1 else requests - count
        for _ in range(n):
            count += 1
            category, _, title, description = rng.choices(REQUESTS, weights)[0]
            hid = rng.choice(household_ids)
            matter = await matters.register_request(
                worker if rng.random() < 0.7 else cadre,
                slug,
                matters.RegisterRequestInput(
                    household_id=hid,
                    channel=rng.choice(list(Channel)),
                    category=category,
                    title=title,
                    description=description,
                    occurred_on=held_on - timedelta(days=rng.randint(1, 13)),
                    place=f"{rng.choice(ROADS)}附近",
                ),
                settings,
            )
            if s == sessions - 1 and rng.random() < 0.5:
                continue  # the latest requests still wait for the council
            item = await councils.add_to_agenda(cadre, slug, session.id, matter.id)
            suggested = MatterKind(matter.suggested_kind)
            for i in present:
                voter = members[i]
                choice = suggested if rng.random() < 0.8 else rng.choice(kinds)
                try:
                    await councils.cast_vote(
                        voter,
                        slug,
                        item.id,
                        choice,
                        settings,
                        note="同意" if choice is suggested else "另议",
                    )
                except Exception as err:
                    # A member's own household: the handler records the recusal, then
                    # says so (MustRecuse) — part of a realistic year, not a failure.
                    if getattr(err, "code", "") != "MUST_RECUSE":
                        raise
            try:
                result = await councils.decide(cadre, slug, item.id, settings)
            except Exception as err:  # no majority / tie: the matter waits (realistic)
                if getattr(err, "code", "") not in ("NO_MAJORITY", "TIE", "NO_QUORUM"):
                    raise
                continue
            decided.append({"id": matter.id, "kind": result.decision.kind})
        await councils.close_session(cadre, slug, session.id)

    # A year of follow-up: most decided matters are started and resolved, rated by the
    # resident (via the grid worker), some reopened; some escalated; referrals and
    # negotiations recorded where the kind calls for them.
    for d in decided:
        mid, kind = d["id"], d["kind"]
        r = rng.random()
        if kind is MatterKind.PRIVATE and rng.random() < 0.5:
            await matters.explain_private_matter(
                worker, slug, mid, "经理事会讨论，属于住户自家的事，由住户自行处理。", settings
            )
            if rng.random() < 0.3:
                await matters.refer_matter(
                    worker,
                    slug,
                    mid,
                    settings,
                    group_ref="vol1",
                    group_name="金色港湾义工队",
                    note="上门协助",
                )
        if kind is MatterKind.MINOR and rng.random() < 0.4:
            await matters.record_negotiation(
                worker,
                slug,
                mid,
                matters.NegotiationInput(
                    held_on=date.today() - timedelta(days=rng.randint(1, 300)),
                    agreement="居民自行安装门灯，社区为其安装纱窗。",
                    participants=("住户", "社区干部", "网格员"),
                    place="社区会议室",
                    commitments=(
                        matters.CommitmentInput(
                            party="resident", party_name="住户", description="安装门灯"
                        ),
                        matters.CommitmentInput(
                            party="community", party_name="社区", description="安装纱窗"
                        ),
                    ),
                ),
                settings,
            )
        if kind is MatterKind.MINOR and rng.random() < 0.08:
            await matters.reclassify_matter(
                worker,
                slug,
                mid,
                MatterKind.MAJOR,
                settings,
                reason="现场核查发现违章搭建，需县级部门处理",
                evidence=("现场照片", "网格员核查记录"),
            )
        if r < 0.75:
            await matters.start_matter(worker, slug, mid, settings, responsible_note="网格员跟进")
            if r < 0.65:
                await matters.resolve_matter(worker, slug, mid, settings, note="已处理")
                if r < 0.55:
                    rating = rng.choices(list(Satisfaction), (70, 20, 10))[0]
                    await matters.give_feedback(
                        worker,
                        slug,
                        mid,
                        rating,
                        settings,
                        comment="谢谢社区",
                        reopen_reason="问题没有彻底解决"
                        if rating is Satisfaction.UNSATISFIED
                        else None,
                    )
    return actors


async def backdate(slug: str, days: int = 365) -> None:
    """Spread registration times over the past year (the handlers stamp "now").

    Only timestamps move, keeping their order, so the ledger's "newest first" order and
    its cursors behave as on a year of real data. A bench-only fix-up: no handler sets
    a registration time, and none should.
    """
    from tenants.tx import tenant_tx

    async with tenant_tx(slug) as tx:
        await tx.connection.execute(
            "WITH ranked AS (SELECT id, row_number() OVER (ORDER BY id) AS n, "
            "count(*) OVER () AS total FROM matters) "
            "UPDATE matters m SET registered_at = now() - make_interval(days => $1) "
            "+ (r.n::float / r.total) * make_interval(days => $1) FROM ranked r WHERE r.id = m.id",
            days,
        )


async def seed(settings: Settings, slug: str) -> tuple[Actors, str]:
    """Seed ``slug``: the acceptance seed when it exists, else the generator above."""
    try:
        demo = importlib.import_module("services.runtime.demo.triage")
        realistic = demo.seed_realistic
    except (ImportError, AttributeError):
        actors = await seed_generated(settings, slug)
        await backdate(slug)
        return actors, "bench generator (bench/api.py: seed_generated)"
    report = await realistic(slug, settings=settings)
    if getattr(report, "skipped", False):
        raise RuntimeError(f"{slug} was seeded already")
    await backdate_if_flat(slug)
    return await actors_of(slug), "services.runtime.demo.triage.seed_realistic"


async def backdate_if_flat(slug: str) -> None:
    """Backdate only when every registration carries the seeding day (the seed did not)."""
    from tenants.tx import tenant_tx

    async with tenant_tx(slug) as tx:
        span = await tx.connection.fetchval(
            "SELECT max(registered_at) - min(registered_at) FROM matters"
        )
    if span is not None and span < timedelta(days=1):
        await backdate(slug)


async def actors_of(slug: str) -> Actors:
    """Actors for a community seeded by someone else: members by their login subjects."""
    from tenants.tx import tenant_tx

    async with tenant_tx(slug) as tx:
        rows = await tx.connection.fetch(
            "SELECT id, subject, household_id FROM council_members "
            "WHERE active AND subject IS NOT NULL ORDER BY id"
        )
    actors = Actors(
        cadre=community_principal("bench-cadre", Role.COMMUNITY_CADRE, slug),
        worker=community_principal("bench-worker", Role.GRID_WORKER, slug),
        members=[community_principal(r["subject"], Role.COUNCIL_MEMBER, slug) for r in rows],
        member_ids=[r["id"] for r in rows],
        member_households={r["household_id"] for r in rows if r["household_id"]},
    )
    return actors


async def seed_summary(slug: str) -> dict[str, int]:
    from tenants.tx import tenant_tx

    out = {}
    async with tenant_tx(slug) as tx:
        for table in (
            "grids",
            "households",
            "residents",
            "council_members",
            "council_sessions",
            "matters",
            "votes",
            "classification_sheets",
            "matter_transitions",
            "feedback",
        ):
            out[table] = await tx.connection.fetchval(f"SELECT count(*) FROM {table}")
    return out


# --------------------------------------------------------------------------------------
# The clients
# --------------------------------------------------------------------------------------


class RawClient:
    """One keep-alive HTTP/1.1 connection: POST a JSON body, read a Content-Length reply.

    Deliberately minimal (uvicorn answers with Content-Length, never chunked, for these
    responses) so that the client takes as little of the machine as possible.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.index = 0  # which bench client this is (picks its user)
        self.last_cache: str | None = None  # x-sanshi-cache of the last response
        self.last_body = b""
        self.last_used = 0.0

    async def post(self, path: str, body: bytes, token: str) -> tuple[int, bytes]:
        now = time.perf_counter()
        if self.writer is not None and now - self.last_used > IDLE_RECONNECT_S:
            # uvicorn closes a keep-alive connection idle for 5 s: open a new one rather
            # than send on one the server may be closing (a slow open loop, a rare writer).
            self.writer.close()
            self.writer = None
        self.last_used = now
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        assert self.reader is not None
        status_line = await self.reader.readline()
        if not status_line:
            self.writer.close()
            self.writer = None
            raise Failure("the server closed the connection without an answer")
        status = int(status_line.split()[1])
        length = 0
        self.last_cache = None
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.lower()
            if name == b"content-length":
                length = int(value)
            elif name == CACHE_HEADER:
                self.last_cache = value.strip().decode()
        answer = await self.reader.readexactly(length)
        self.last_used = time.perf_counter()
        return status, answer

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class HttpxClient:
    def __init__(self, host: str, port: int) -> None:
        import httpx

        self.client = httpx.AsyncClient(base_url=f"http://{host}:{port}", timeout=30)
        self.index = 0
        self.last_cache: str | None = None
        self.last_body = b""

    async def post(self, path: str, body: bytes, token: str) -> tuple[int, bytes]:
        r = await self.client.post(
            path,
            content=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        self.last_cache = r.headers.get(CACHE_HEADER.decode())
        return r.status_code, r.content

    async def close(self) -> None:
        await self.client.aclose()


class Failure(RuntimeError):
    pass


async def gql(client: Any, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    status, raw = await client.post(
        "/graphql", json.dumps({"query": query, "variables": variables}).encode(), token
    )
    client.last_body = raw
    body = json.loads(raw)
    if status != 200 or body.get("errors"):
        raise Failure(f"HTTP {status}: {raw[:300]!r}")
    return body["data"]


@dataclass(frozen=True)
class LedgerRequest:
    """One of the distinct ledger requests the clients rotate through."""

    label: str  # e.g. "grid g3 p1", "status CLOSED p2"
    filter: dict[str, Any] | None  # MatterFilterInput, None = the whole ledger
    after: str | None  # the cursor of the page before (None = first page)

    def variables(self) -> dict[str, Any]:
        return {"c": SLUG, "first": 50, "filter": self.filter, "after": self.after}


@dataclass
class Shared:
    """What the scenarios need: tokens, ids, the open council session."""

    cadre: str
    worker: str
    members: list[str]
    matter_ids: list[int]
    households: list[int]
    member_ids: list[int] = field(default_factory=list)
    # The ledger's readers (distinct users: 2 cadres, 2 grid workers) and requests.
    readers: list[str] = field(default_factory=list)
    ledger_requests: list[LedgerRequest] = field(default_factory=list)
    # A cadre token for a fresh subject (never answered from the cache): (subject) -> token.
    fresh_cadre: Callable[[str], str] | None = None
    session_id: int = 0
    session_items: int = 0
    session_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    seq: int = 0
    # ledger-live: the unfiltered ledger's total before the run, and the writes so far.
    live_total0: int = -1
    writes_started: int = 0
    writes_done: int = 0
    # ledger (no writes): the first answer seen per (user, request), to compare every
    # later answer to (a hit must be byte for byte what a build gave).
    answers: dict[tuple[int, str], bytes] | None = None


Record = Callable[..., None]  # record(name, seconds, cache_header_or_None)
Op = Callable[[Any, Shared, random.Random, Record], Awaitable[None]]


def _check_ledger(req: LedgerRequest, matters: dict[str, Any]) -> None:
    rows, total = len(matters["items"]), matters["totalCount"]
    if req.after is None and rows != min(50, total):
        raise Failure(f"ledger {req.label}: {rows} rows of {total}, not a page of 50")
    if req.after is not None and not (0 < rows <= 50):
        raise Failure(f"ledger {req.label}: {rows} rows after the cursor")
    if matters["pageInfo"]["hasNextPage"] and rows != 50:
        raise Failure(f"ledger {req.label}: {rows} rows but a next page")


async def _ledger_read(
    client: Any, sh: Shared, rng: random.Random, record: Record, name: str
) -> dict[str, Any]:
    """One ledger request: client i reads as user i mod 4, a request drawn at random."""
    req = rng.choice(sh.ledger_requests)
    user = client.index % len(sh.readers)
    token = sh.readers[user]
    done_before = sh.writes_done
    t0 = time.perf_counter()
    data = await gql(client, token, LEDGER_QUERY, req.variables())
    record(name, time.perf_counter() - t0, client.last_cache)
    matters = data["community"]["matters"]
    _check_ledger(req, matters)
    if sh.answers is not None:
        first = sh.answers.setdefault((user, req.label), client.last_body)
        if first != client.last_body:
            raise Failure(
                f"INCONSISTENT ledger {req.label} for user {user} ({client.last_cache}): "
                "the answer differs from the first one, with no write in between"
            )
    if sh.live_total0 >= 0 and req.filter is None:
        # Freshness: every write answered before this read was sent must be counted,
        # none that had not been sent by the time the answer came.
        low, high = sh.live_total0 + done_before, sh.live_total0 + sh.writes_started
        if not low <= matters["totalCount"] <= high:
            raise Failure(
                f"STALE ledger {req.label} ({client.last_cache}): totalCount "
                f"{matters['totalCount']}, expected {low}..{high}"
            )
    return data


async def op_ledger(client: Any, sh: Shared, rng: random.Random, record: Record) -> None:
    await _ledger_read(client, sh, rng, record, "ledger")


async def op_ledger_live(client: Any, sh: Shared, rng: random.Random, record: Record) -> None:
    """The ledger reads of ``ledger-live`` (the writer runs beside them, see drive)."""
    await _ledger_read(client, sh, rng, record, "ledger-live")


def registration(sh: Shared, rng: random.Random) -> dict[str, Any]:
    """The variables of a registerRequest by the grid worker (flow and ledger-live)."""
    sh.seq += 1
    return {
        "c": SLUG,
        "input": {
            "householdId": str(rng.choice(sh.households)),
            "channel": "PHONE",
            "category": "street_lighting",
            "title": f"路灯不亮（基准 {sh.seq}）",
            "description": "楼下路灯坏了，晚上出行不便。",
            "occurredOn": date.today().isoformat(),
            "place": "海滨路",
        },
    }


async def live_writer(
    client: Any,
    sh: Shared,
    rate: float,
    stop: Callable[[], bool],
    record: Callable[[float], None],
    failed: Callable[[str], None],
) -> None:
    """Register requests (grid worker) at ``rate`` per second on a fixed schedule."""
    rng = random.Random(7)
    start, k = time.perf_counter(), 0
    while not stop():
        scheduled = start + k / rate
        k += 1
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        if stop():
            break
        sh.writes_started += 1
        t0 = time.perf_counter()
        try:
            data = await gql(client, sh.worker, REGISTER_MUTATION, registration(sh, rng))
        except Failure as err:
            failed(str(err))
            continue  # counted as started, so the checks' upper bound stays right
        result = data["registerRequest"]
        if "code" in result:
            failed(f"register: {result['code']}")
            continue
        sh.writes_done += 1
        record(time.perf_counter() - t0)


async def op_matter(client: Any, sh: Shared, rng: random.Random, record: Record) -> None:
    mid = rng.choice(sh.matter_ids)
    t0 = time.perf_counter()
    data = await gql(client, sh.cadre, MATTER_QUERY, {"c": SLUG, "id": str(mid)})
    record("matter", time.perf_counter() - t0, client.last_cache)
    if data["community"]["matter"] is None:
        raise Failure(f"matter {mid} missing")


async def op_flow(client: Any, sh: Shared, rng: random.Random, record: Record) -> None:
    """register → agenda → 11 votes (quorum of 21) → decide, each by the right role."""

    async def timed(name: str, token: str, query: str, variables: dict[str, Any]) -> dict:
        t0 = time.perf_counter()
        data = await gql(client, token, query, variables)
        record(name, time.perf_counter() - t0)
        result = next(iter(data.values()))
        if "code" in result:
            raise Failure(f"{name}: {result['code']}")
        return result

    async with sh.session_lock:
        if sh.session_id == 0 or sh.session_items >= ITEMS_PER_SESSION:
            opened = await timed(
                "session",
                sh.cadre,
                OPEN_SESSION_MUTATION,
                {"c": SLUG, "input": {"heldOn": date.today().isoformat(), "title": "基准会议"}},
            )
            await timed(
                "session",
                sh.cadre,
                ATTENDANCE_MUTATION,
                {"c": SLUG, "s": opened["id"], "members": [str(m) for m in sh.member_ids]},
            )
            sh.session_id, sh.session_items = int(opened["id"]), 0
        sh.session_items += 1
    registered = await timed("register", sh.worker, REGISTER_MUTATION, registration(sh, rng))
    item = await timed(
        "agenda",
        sh.cadre,
        AGENDA_MUTATION,
        {"c": SLUG, "s": str(sh.session_id), "m": registered["id"]},
    )
    for token in rng.sample(sh.members, 11):
        await timed(
            "vote",
            token,
            VOTE_MUTATION,
            {"c": SLUG, "input": {"agendaItemId": item["id"], "kind": "MINOR", "note": "同意"}},
        )
    await timed(
        "decide", sh.cadre, DECIDE_MUTATION, {"c": SLUG, "input": {"agendaItemId": item["id"]}}
    )


async def op_floor(client: Any, sh: Shared, rng: random.Random, record: Record) -> None:
    """The floor: an authenticated ``{ __typename }`` (HTTP, auth, GraphQL, no data)."""
    t0 = time.perf_counter()
    await gql(client, sh.cadre, "{ __typename }", {})
    record("floor", time.perf_counter() - t0, client.last_cache)


async def op_ledger_brief(client: Any, sh: Shared, rng: random.Random, record: Record) -> None:
    """The ledger page with only the fields the issue names (for comparison)."""
    t0 = time.perf_counter()
    data = await gql(client, sh.cadre, LEDGER_BRIEF_QUERY, {"c": SLUG})
    record("ledger-brief", time.perf_counter() - t0, client.last_cache)
    if len(data["community"]["matters"]["items"]) != 50:
        raise Failure("the ledger page is not 50 rows")


SCENARIOS: dict[str, Op] = {
    "ledger": op_ledger,
    "ledger-live": op_ledger_live,
    "matter": op_matter,
    "flow": op_flow,
    "floor": op_floor,
    "ledger-brief": op_ledger_brief,
}


@dataclass
class RunResult:
    scenario: str
    seconds: float
    latencies: dict[str, list[float]]
    errors: int
    server_cpu_s: float
    client_cpu_s: float
    machine_busy: float  # fraction of all cores busy
    # x-sanshi-cache of the scenario's own requests: hit/store/miss/none -> count
    cache: dict[str, int] = field(default_factory=dict)
    # ledger-live: the writer's latencies and errors (not part of the read figures)
    writes: list[float] = field(default_factory=list)
    write_errors: int = 0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def hit_ratio(self) -> float | None:
        """hits / requests, None when no response carried the header (cache off)."""
        total = sum(self.cache.values())
        if not total or self.cache.get("none", 0) == total:
            return None
        return self.cache.get("hit", 0) / total

    @property
    def server_ms_per_request(self) -> float:
        """Server CPU per request served, writes included (they used the CPU too)."""
        return self.server_cpu_s / max(1, self.requests + len(self.writes)) * 1000

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, p: float, name: str | None = None) -> float:
        values = self.latencies[name] if name else [x for v in self.latencies.values() for x in v]
        return _pct(values, p) * 1000 if values else float("nan")


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _one_proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the task ended meanwhile
            out.extend(int(x) for x in (task / "children").read_text().split())
    return out


def _proc_cpu(pid: int) -> float:
    """user+system CPU seconds of a process and its live descendants (Linux /proc): with
    ``--workers N`` uvicorn's supervisor does nothing and its N children serve."""
    total, stack = 0.0, [pid]
    while stack:
        p = stack.pop()
        total += _one_proc_cpu(p)
        stack.extend(_children(p))
    return total


def _machine() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]
    total = sum(parts[:8])
    return total - idle, total


async def drive(
    host: str,
    port: int,
    server_pid: int,
    sh: Shared,
    scenario: str,
    clients: int,
    duration: float,
    warmup: float,
    client_kind: str,
    rate: float = 0.0,
    write_rate: float = 0.0,
) -> RunResult:
    op = SCENARIOS[scenario]
    latencies: dict[str, list[float]] = {}
    cache: dict[str, int] = {}
    writes: list[float] = []
    errors = write_errors = 0
    measuring = False
    stop_at = 0.0

    def new_client(index: int) -> Any:
        client = RawClient(host, port) if client_kind == "raw" else HttpxClient(host, port)
        client.index = index
        return client

    def record(name: str, seconds: float, cache_header: str | None = None) -> None:
        if measuring:
            latencies.setdefault(name, []).append(seconds)
            if name == scenario:
                key = cache_header or "none"
                cache[key] = cache.get(key, 0) + 1

    def report_error(err: str) -> None:
        nonlocal errors
        errors += 1
        if errors <= 3 or err.startswith(("STALE", "INCONSISTENT")):
            print(f"    ! {scenario}: {err}", file=sys.stderr)

    async def one(i: int) -> None:
        client = new_client(i)
        rng = random.Random(i)
        start, k = time.perf_counter(), 0
        header: list[str | None] = [None]

        def capture(name: str, seconds: float, cache_header: str | None = None) -> None:
            header[0] = cache_header

        try:
            while time.perf_counter() < stop_at:
                scheduled = 0.0
                if rate:
                    # Open loop: client i owns every clients-th slot of a fixed schedule;
                    # latency counts from the slot, so a late start is not hidden
                    # (no coordinated omission).
                    scheduled = start + (k * clients + i % clients) / rate
                    k += 1
                    if scheduled >= stop_at:
                        break  # a slot after the window would stretch it (fewer req/s)
                    await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
                try:
                    await op(client, sh, rng, capture if rate else record)
                    if rate:
                        record(scenario, time.perf_counter() - scheduled, header[0])
                except Failure as err:
                    report_error(str(err))
        finally:
            await client.close()

    sh.answers = {} if scenario == "ledger" else None
    writer: asyncio.Task[None] | None = None
    writer_client: Any = None
    finished = [False]  # the writer stops when the readers have
    sh.live_total0 = -1
    if scenario == "ledger-live" and write_rate > 0:
        # The unfiltered ledger's total now, read as a user never seen before (so built,
        # not answered from the cache); the readers' answers are checked against it.
        assert sh.fresh_cadre is not None
        probe = new_client(0)
        data = await gql(
            probe,
            sh.fresh_cadre(f"bench-probe-{secrets.token_hex(4)}"),
            LEDGER_QUERY,
            {"c": SLUG, "first": 1, "filter": None, "after": None},
        )
        await probe.close()
        sh.writes_started = sh.writes_done = 0
        sh.live_total0 = data["community"]["matters"]["totalCount"]

        def wrote(seconds: float) -> None:
            if measuring and not finished[0]:
                writes.append(seconds)

        def write_failed(err: str) -> None:
            nonlocal write_errors
            write_errors += 1
            if write_errors <= 3:
                print(f"    ! {scenario} writer: {err}", file=sys.stderr)

        writer_client = new_client(-1)
        writer = asyncio.create_task(
            live_writer(
                writer_client,
                sh,
                write_rate,
                lambda: finished[0],
                wrote,
                write_failed,
            )
        )

    try:
        stop_at = time.perf_counter() + warmup
        await asyncio.gather(*(one(i) for i in range(clients)))
        measuring = True
        cpu0, srv0, (busy0, total0) = time.process_time(), _proc_cpu(server_pid), _machine()
        t0 = time.perf_counter()
        stop_at = t0 + duration
        await asyncio.gather(*(one(100 + i) for i in range(clients)))
        seconds = time.perf_counter() - t0
        busy1, total1 = _machine()
        server_cpu_s = _proc_cpu(server_pid) - srv0
        client_cpu_s = time.process_time() - cpu0
    finally:
        finished[0] = True
        if writer is not None:
            await writer  # it stops now (after at most one write in flight)
            await writer_client.close()
        sh.live_total0 = -1
    return RunResult(
        scenario=scenario,
        seconds=seconds,
        latencies=latencies,
        errors=errors,
        server_cpu_s=server_cpu_s,
        client_cpu_s=client_cpu_s,
        machine_busy=(busy1 - busy0) / max(1, total1 - total0),
        cache=cache,
        writes=writes,
        write_errors=write_errors,
    )


# --------------------------------------------------------------------------------------
# The server process
# --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available_variants() -> dict[str, tuple[list[str], str | None]]:
    """Server variants: name -> (uvicorn flags, extra PYTHONPATH)."""
    variants: dict[str, tuple[list[str], str | None]] = {
        "asyncio-h11": (["--loop", "asyncio", "--http", "h11"], None)
    }
    extra = str(EXTRAS_DIR) if EXTRAS_DIR.is_dir() else None
    probe = subprocess.run(
        [sys.executable, "-c", "import uvloop, httptools"],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [extra, str(ROOT)]))},
        capture_output=True,
    )
    if probe.returncode == 0:
        variants["uvloop-httptools"] = (["--loop", "uvloop", "--http", "httptools"], extra)
    return variants


def start_server(
    database_url: str,
    redis_url: str,
    flags: list[str],
    extra_path: str | None,
    root: Path = ROOT,
    workers: int = 1,
    cache: bool = True,
    fast_path: bool = True,
) -> tuple[subprocess.Popen[bytes], int]:
    """uvicorn with the app of the tree at ``root`` (this checkout unless --baseline).

    ``cache``: the GraphQL response cache on (``SANSHI_RESPONSE_CACHE_MB`` as set in the
    environment if positive, else the app's default) or off (``SANSHI_RESPONSE_CACHE_MB=0``).
    ``fast_path``: the GraphQL executor fast path on (the default) or off (the standard
    executor, ``SANSHI_GRAPHQL_FAST_PATH=false``).
    """
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SANSHI_ENV": "production",
        "SANSHI_JWT_SECRET": JWT_SECRET,
        "PYTHONPATH": os.pathsep.join(filter(None, [extra_path, str(root)])),
    }
    if not cache:
        env[CACHE_ENV] = "0"
    elif env.get(CACHE_ENV, "").strip() in ("0", ""):
        env.pop(CACHE_ENV, None)
    env[FAST_PATH_ENV] = "true" if fast_path else "false"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "services.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
        *flags,
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=root)
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if b" 200 " in s.recv(100):
                    return proc, port
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not become ready")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --------------------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    head, sep, query = url.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}{sep}{query}"


async def create_database(url: str, name: str) -> bool:
    """Database ``name`` on the server of ``url``, created unless it exists; whether it
    was created (a bench's own database; ``drop_database`` at the end)."""
    admin = await asyncpg.connect(url)
    try:
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        await admin.execute(f'CREATE DATABASE "{name}"')
        return True
    finally:
        await admin.close()


async def drop_database(url: str, name: str) -> None:
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def add_server_args(parser: argparse.ArgumentParser) -> None:
    """--database-url and --redis-url, from DATABASE_URL and REDIS_URL by default."""
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )


async def ledger_requests(cadre: Principal) -> list[LedgerRequest]:
    """~20 distinct ledger requests: what a community's staff open in a day.

    The whole ledger (pages 1-3), each grid (page 1), in progress / closed (pages 1-2),
    the open ones (registered, awaiting the council, classified, reopened), minor /
    major (pages 1-2), private; the second and third pages' cursors are read here,
    in process, so every request is one the ledger screen could send.
    """
    from services.matters.model import MatterKind, MatterStatus
    from services.matters.queries import MatterFilter, list_matters
    from tenants.tx import tenant_tx

    async with tenant_tx(SLUG) as tx:
        grids = await tx.connection.fetch("SELECT id, code FROM grids ORDER BY code")
    open_statuses = ("REGISTERED", "AWAITING_COUNCIL", "CLASSIFIED", "REOPENED")
    # (label, GraphQL filter, the same as a MatterFilter, pages)
    wanted: list[tuple[str, dict[str, Any] | None, MatterFilter, int]] = [
        ("all", None, MatterFilter(), 3),
        *(
            (f"grid {g['code']}", {"gridIds": [str(g["id"])]}, MatterFilter(grid_ids=(g["id"],)), 1)
            for g in grids
        ),
        *(
            (f"status {s}", {"statuses": [s]}, MatterFilter(statuses=(MatterStatus[s],)), 2)
            for s in ("IN_PROGRESS", "CLOSED")
        ),
        (
            "status open",
            {"statuses": list(open_statuses)},
            MatterFilter(statuses=tuple(MatterStatus[s] for s in open_statuses)),
            1,
        ),
        *(
            (f"kind {k}", {"kinds": [k]}, MatterFilter(kinds=(MatterKind[k],)), pages)
            for k, pages in (("MINOR", 2), ("MAJOR", 2), ("PRIVATE", 1))
        ),
    ]
    out: list[LedgerRequest] = []
    for label, gql_filter, filt, pages in wanted:
        after: str | None = None
        for page_no in range(1, pages + 1):
            out.append(LedgerRequest(f"{label} p{page_no}", gql_filter, after))
            page = await list_matters(cadre, SLUG, filt, 50, after)
            if not page.has_next_page:
                break
            after = page.end_cursor
    return out


async def prepare(settings: Settings, fresh: bool) -> tuple[Shared, str, dict[str, int]]:
    """Migrate, provision, seed (a fresh database); the tokens and ids the scenarios use."""
    from tenants.migrate import migrate_platform
    from tenants.provisioning import create_community, ensure_county
    from tenants.tx import tenant_tx

    if fresh:
        await migrate_platform()
        await ensure_county(COUNTY, "基准县", "Bench County")
        await create_community(SLUG, "东海社区（基准）", COUNTY)
        started = time.perf_counter()
        actors, how = await seed(settings, SLUG)
        print(f"seeded with {how} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    else:
        actors, how = await actors_of(SLUG), "kept database (--keep)"
    summary = await seed_summary(SLUG)
    async with tenant_tx(SLUG) as tx:
        # Matters with a history worth showing: decided ones, richest first.
        matter_ids = [
            r["id"]
            for r in await tx.connection.fetch(
                "SELECT m.id FROM matters m JOIN classification_sheets s ON s.matter_id = m.id "
                "GROUP BY m.id ORDER BY count(*) DESC, m.id LIMIT 200"
            )
        ]
        households = [
            r["id"]
            for r in await tx.connection.fetch(
                "SELECT id FROM households WHERE NOT (id = ANY($1::int[])) ORDER BY id LIMIT 500",
                sorted(actors.member_households),
            )
        ]

    def token(p: Principal) -> str:
        return bench_token(settings, p)

    # The ledger's readers: distinct users (the cache keeps an answer per caller).
    readers = [
        community_principal("bench-reader-cadre-1", Role.COMMUNITY_CADRE, SLUG),
        community_principal("bench-reader-worker-1", Role.GRID_WORKER, SLUG),
        community_principal("bench-reader-cadre-2", Role.COMMUNITY_CADRE, SLUG),
        community_principal("bench-reader-worker-2", Role.GRID_WORKER, SLUG),
    ]
    shared = Shared(
        cadre=token(actors.cadre),
        worker=token(actors.worker),
        members=[token(m) for m in actors.members],
        matter_ids=matter_ids,
        households=households,
        member_ids=actors.member_ids,
        readers=[token(p) for p in readers],
        ledger_requests=await ledger_requests(actors.cadre),
        fresh_cadre=lambda subject: token(community_principal(subject, Role.COMMUNITY_CADRE, SLUG)),
    )
    return shared, how, summary


VARIANT_WIDTH = 30


def fmt_ms(x: float) -> str:
    return f"{x:7.1f}"


def report(
    results: dict[str, dict[str, list[RunResult]]],
    clients: int,
    workers: int = 1,
    rate: float = 0.0,
) -> bool:
    """Print the medians per variant and scenario; True when the targets are met."""
    cores = os.cpu_count()
    load = f"open loop, {rate:g} req/s offered" if rate else "closed loop"
    print()
    print(
        f"cores: {cores} · clients: {clients} · {load} · "
        f"{workers} uvicorn process{'es' if workers > 1 else ''} per variant"
    )
    # Wide enough for the longest label ("baseline cache-off fast-off") and a space.
    w = max([VARIANT_WIDTH, *(len(v) + 1 for v in results)])
    print(
        f"{'variant':<{w}}{'scenario':<13}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'server':>8}{'ms/req':>8}{'client':>8}{'machine':>9}{'hit':>7}"
    )
    met = True
    for variant, by_scenario in results.items():
        for scenario, runs in by_scenario.items():

            def med(f: Callable[[RunResult], float], runs: list[RunResult] = runs) -> float:
                return statistics.median(f(r) for r in runs)

            rps, p50 = med(lambda r: r.rps), med(lambda r: r.pct(50))
            p95, p99 = med(lambda r: r.pct(95)), med(lambda r: r.pct(99))
            ratios = [r.hit_ratio for r in runs if r.hit_ratio is not None]
            hit = f"{statistics.median(ratios) * 100:6.1f}%" if ratios else f"{'-':>7}"
            print(
                f"{variant:<{w}}{scenario:<13}{rps:8.1f}{fmt_ms(p50):>9}{fmt_ms(p95):>9}"
                f"{fmt_ms(p99):>9}{sum(r.errors for r in runs):>8}"
                f"{med(lambda r: r.server_cpu_s / r.seconds) * 100:7.0f}%"
                f"{med(lambda r: r.server_ms_per_request):8.2f}"
                f"{med(lambda r: r.client_cpu_s / r.seconds) * 100:7.0f}%"
                f"{med(lambda r: r.machine_busy) * 100:8.0f}%{hit}"
            )
            if any(r.cache for r in runs):
                counts: dict[str, int] = {}
                for r in runs:
                    for k, v in r.cache.items():
                        counts[k] = counts.get(k, 0) + v
                print(
                    f"{'':<{w}}  x-sanshi-cache over the runs: "
                    + ", ".join(f"{k} {counts[k]}" for k in sorted(counts))
                )
            if scenario == "ledger-live":
                writes = [x for r in runs for x in r.writes]
                print(
                    f"{'':<{w}}  writes (not in the figures above): "
                    f"{med(lambda r: len(r.writes) / r.seconds):.2f}/s, "
                    f"p50 {_pct(writes, 50) * 1000 if writes else float('nan'):.1f} ms, "
                    f"p95 {_pct(writes, 95) * 1000 if writes else float('nan'):.1f} ms, "
                    f"errors {sum(r.write_errors for r in runs)}"
                )
            if scenario == "flow":
                for name in ("session", "register", "agenda", "vote", "decide"):
                    if name in runs[0].latencies:
                        print(
                            f"{'':<{w}}  {name:<11}{'':>8}"
                            f"{fmt_ms(med(lambda r, n=name: r.pct(50, n))):>9}"
                            f"{fmt_ms(med(lambda r, n=name: r.pct(95, n))):>9}"
                            f"{fmt_ms(med(lambda r, n=name: r.pct(99, n))):>9}"
                        )
            if scenario in ("ledger", "ledger-live"):
                ok_p95 = p95 <= TARGET_LEDGER_P95_MS
                # Open loop: served = offered less the edge of the window (300.0 prints
                # as 299.97 req/s); offered ≥ target and ≥ 99 % of it served counts.
                ok_rps = rps >= TARGET_RPS or (rate >= TARGET_RPS and rps >= 0.99 * rate)
                met = met and ok_p95 and ok_rps
                p95_verdict = f"MISSED 未达标 ({p95 / TARGET_LEDGER_P95_MS:.1f}×)"
                rps_verdict = f"MISSED 未达标 ({rps / TARGET_RPS:.0%})"
                print(
                    f"{'':<{w}}  target ledger p95 ≤ {TARGET_LEDGER_P95_MS:.0f} ms: "
                    f"{'OK 达标' if ok_p95 else p95_verdict}"
                    f" · ≥ {TARGET_RPS:.0f} req/s: {'OK 达标' if ok_rps else rps_verdict}"
                )
    print(
        "server/client = CPU of that process as % of one core; ms/req = server CPU per "
        "request (robust to other load; ledger-live: per read or write); machine = all "
        "cores busy; hit = responses with x-sanshi-cache: hit / requests (median of runs)"
    )
    return met


async def run(args: argparse.Namespace) -> int:
    name = args.keep or f"sanshi_bench_api_{secrets.token_hex(4)}"
    fresh = await create_database(args.database_url, name)
    url = _with_database(args.database_url, name)
    settings = Settings(environment="test", database_url=url, redis_url=args.redis_url)
    try:
        async with db.running(settings):
            shared, how, summary = await prepare(settings, fresh)
        print(f"seed: {how}: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
        variants = available_variants()
        wanted = [v for v in args.variants.split(",") if v]
        roots = {v: ROOT for v in variants}
        if args.baseline:
            # The same server variant, run from another tree (e.g. the previous commit),
            # interleaved with this one: before/after under the same load on the machine.
            variants["baseline"] = variants["asyncio-h11"]
            roots["baseline"] = Path(args.baseline)
            wanted.insert(0, "baseline")
        missing = [v for v in wanted if v not in variants]
        if missing:
            print(f"variants not available here (not importable): {', '.join(missing)}")
        results: dict[str, dict[str, list[RunResult]]] = {}
        scenarios = [s for s in args.scenarios.split(",") if s]
        unknown = [s for s in scenarios if s not in SCENARIOS]
        if unknown:
            raise SystemExit(f"unknown scenarios: {', '.join(unknown)}")
        caches = {"on": [True], "off": [False], "both": [True, False]}[args.cache]
        fast_paths = {"on": [True], "off": [False], "both": [True, False]}[args.fast_path]
        # Interleave variants (cache and fast path on/off) within each repetition, so drift (other
        # load, autovacuum, growing tables in the flow and ledger-live scenarios) does not
        # favour one of them.
        for rep in range(args.repeat):
            for variant in [v for v in wanted if v in variants]:
                for cache, fast_path in itertools.product(caches, fast_paths):
                    label = f"{variant} cache-{'on' if cache else 'off'}"
                    if args.fast_path != "on":
                        label += f" fast-{'on' if fast_path else 'off'}"
                    flags, extra = variants[variant]
                    proc, port = start_server(
                        url,
                        args.redis_url,
                        flags,
                        extra,
                        roots[variant],
                        args.workers,
                        cache,
                        fast_path,
                    )
                    try:
                        for scenario in scenarios:
                            r = await drive(
                                "127.0.0.1",
                                port,
                                proc.pid,
                                shared,
                                scenario,
                                args.clients,
                                args.duration,
                                args.warmup,
                                args.client,
                                args.rate if scenario != "flow" else 0.0,
                                args.write_rate,
                            )
                            results.setdefault(label, {}).setdefault(scenario, []).append(r)
                            hit = "-" if r.hit_ratio is None else f"{r.hit_ratio:.0%}"
                            print(
                                f"  run {rep + 1}/{args.repeat} {label} {scenario}: "
                                f"{r.rps:.1f} req/s, p50 {r.pct(50):.1f} ms, "
                                f"p95 {r.pct(95):.1f} ms, "
                                f"server {r.server_ms_per_request:.2f} ms CPU/req, "
                                f"machine {r.machine_busy:.0%}, errors {r.errors}, "
                                f"hit {hit} {r.cache}"
                                + (
                                    f", writes {len(r.writes)} ({r.write_errors} errors)"
                                    if scenario == "ledger-live"
                                    else ""
                                ),
                                file=sys.stderr,
                            )
                    finally:
                        stop_server(proc)
        return 0 if report(results, args.clients, args.workers, args.rate) else 1
    finally:
        if not args.keep:
            await drop_database(args.database_url, name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (median)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--scenarios",
        default="ledger,ledger-live,matter,flow",
        help=f"comma-separated, of: {', '.join(SCENARIOS)}",
    )
    parser.add_argument("--variants", default="asyncio-h11,uvloop-httptools")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument(
        "--cache",
        choices=("on", "off", "both"),
        default="both",
        help="the GraphQL response cache: on (default size), off (SANSHI_RESPONSE_CACHE_MB=0) "
        "or both, interleaved (default)",
    )
    parser.add_argument(
        "--fast-path",
        choices=("on", "off", "both"),
        default="on",
        help="the GraphQL executor fast path: on (default), off (SANSHI_GRAPHQL_FAST_PATH="
        "false, the standard executor) or both, interleaved",
    )
    parser.add_argument(
        "--write-rate",
        type=float,
        default=2.0,
        help="ledger-live: registrations per second beside the reads (default 2)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="uvicorn processes per server (server CPU sums them); default 1, one replica",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="open loop: offered requests/s for ledger and matter (default: closed loop)",
    )
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        default=None,
        help="also serve from the tree in DIR (e.g. `git archive HEAD | tar -x -C DIR`), "
        "asyncio + h11, interleaved with this tree's variants",
    )
    parser.add_argument(
        "--keep",
        metavar="NAME",
        default=None,
        help="use database NAME, seeding it only if it does not exist, and keep it",
    )
    add_server_args(parser)
    args = parser.parse_args()
    if args.baseline:
        args.baseline = os.path.abspath(args.baseline)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
