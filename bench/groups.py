"""Groups figures (issue 9): a group of 500 member households, one request at a time (a benchmark).

    python bench/groups.py [--rounds 5] [--requests 40] [--closes 8] [--cache on|off|both]
                           [--no-in-process] [--baseline DIR] [--database-url URL]
                           [--redis-url URL] [--keep NAME]

The issue asks, for a group of 500 member households, for the median and p95 *server time*
of three requests, each with a goal of p95 ≤ 10 ms:

- ``members``: the member page of 50 — the published ``graphql/operations/group.graphql``
  (the group with its first page of members: household address, resident name, role,
  joined date, total count), read by a community cadre; ``members p6`` is the same
  operation for a later page (members 251-300, by cursor);
- ``close``: an election count — the published ``closeGroupElection.graphql`` (close the
  ballot and count ~500 ballots, 8 candidates for 5 seats; the answer carries the
  candidates, their votes and the results), by a community cadre. Every close needs an
  election of its own, open with its ballots in: they are all set up before anything is
  timed, and only the close is timed;
- ``in force``: reading the convention in force — ``Group.conventionsInForce`` with its
  clauses (the published ``groupConventions.graphql`` minus its members-only part: what
  every resident of the community reads), by a resident who is a member; the convention
  has 3 versions (12, 15, 18 clauses), each voted on by the 500 households, the third in
  force;
- ``floor`` (beside, no goal): ``{ __typename }`` with a token — what any request costs
  over HTTP before it reads anything, and how noisy the machine was.

How "server time" is measured — two ways, both printed:

1. **HTTP, one request at a time** (the headline): a real ``uvicorn`` process (one process,
   ``SANSHI_ENV=production``, started as ``bench/api.py`` starts it) per variant, the
   client sending the next request only when the last answer is in, so the latency is the
   server's time for one request plus the loopback (~0.1 ms). Two servers run side by
   side: **cache-on** (the GraphQL response cache at its default size) and **cache-off**
   (``SANSHI_RESPONSE_CACHE_MB=0``: every answer built); requests alternate between them
   one by one (ABBA order), so both see the same machine. Also printed: the server's CPU
   per request (its process's CPU over a scenario's block / requests) and the share of
   cache hits (``x-sanshi-cache: hit``). ``--baseline DIR`` adds a third server, cache
   off, serving the tree in DIR (e.g. the commit before a change), in the same rotation.
2. **In process**: the same documents through ``services.api.schema.build_schema``'s
   ``schema.execute`` in this process (no HTTP, no response cache — that lives in the HTTP
   layer), wall time per execution.

Setup: a database of its own on DATABASE_URL (dropped at the end unless ``--keep``), one
community, 500 households with a resident each (``create_households_bulk``), one
self-governance group (the dog owners' association), its 500 memberships, the convention
(created, amended twice, every version voted on by the 500 households and adopted) and the
first election (500 ballots cast) all through the handlers. The elections that are closed
while timing are opened through the handler too; their ballots (500 each, tens of thousands
in all) are copied in SQL from the first election's, candidate by candidate position —
through the handler that would take minutes. Then ``ANALYZE``: a live database's planner
statistics follow its tables (autovacuum), a just-seeded one's do not (without them the
planner guesses its plans: a close took ~15 ms in process instead of ~7). Every answer is
checked (counts, pages, elected, no runoff); a wrong one is counted as an error.
``uptime`` is printed at the start and the end: the figures are only as quiet as the
machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/groups.py` from anywhere
    sys.path.insert(0, str(ROOT))

from bench.api import (  # noqa: E402
    Failure,
    RawClient,
    _pct,
    _proc_cpu,
    _with_database,
    add_server_args,
    available_variants,
    bench_token,
    community_principal,
    create_database,
    drop_database,
    gql,
    start_server,
    stop_server,
)
from services.auth.model import SYSTEM, Principal, Role  # noqa: E402
from services.settings import Settings  # noqa: E402
from tenants import db  # noqa: E402

SLUG = "benchgroups"
COUNTY = "benchgcounty"
HOUSEHOLDS = 500
CANDIDATES = 8
SEATS = 5
GOAL_P95_MS = 10.0
OPERATIONS = ROOT / "graphql" / "operations"
GROUP_QUERY = (OPERATIONS / "group.graphql").read_text()
CLOSE_MUTATION = (OPERATIONS / "closeGroupElection.graphql").read_text()
IN_FORCE_QUERY = """query InForce($community: String!, $groupId: ID!) {
  community(slug: $community) {
    group(id: $groupId) {
      id
      nameZh
      canManage
      conventionsInForce {
        id conventionId titleZh titleEn number inForceOn
        clauses {
          number textZh textEn
          binds { sizeClasses fierce bindsAll }
          incidentKinds
          duties { kind dueHours }
        }
      }
    }
  }
}"""
ROADS = ("海滨路", "菜园路", "东海路", "渔港路", "沙河路", "金平路", "港湾路")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉建国海燕志春梅"


@dataclass
class Setup:
    """What the scenarios need: ids, the later page's cursor, the elections to close."""

    group_id: int
    cadre: Principal
    resident: Principal
    later_cursor: str
    elections: list[int]
    clauses_in_force: int
    counts: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# Setup, through the handlers
# --------------------------------------------------------------------------------------


def _clauses(n: int, version: int) -> tuple[Any, ...]:
    from services.groups.model import ClauseDraft

    kinds = ("dog_bite", "barking", "fouling", "off_leash")
    out = []
    for i in range(1, n + 1):
        extra: dict[str, Any] = {}
        if i % 3 == 0:
            extra = {"incident_kinds": (kinds[i % 4],), "duties": (("apologise", 24),)}
        if i % 5 == 0:
            extra["size_classes"] = ("large",)
            extra["fierce"] = True
        out.append(
            ClauseDraft(
                i,
                f"第{i}条（第{version}版）：养犬户应文明养犬，遵守本公约的约定，"
                "尊重邻里，发生纠纷先由协会骨干调处。",
                f"Clause {i} (version {version}): owners keep their dogs civilly, keep to "
                "this convention and respect their neighbours.",
                **extra,
            )
        )
    return tuple(out)


async def _ballots_copied(slug: str, template: int, election_ids: list[int]) -> None:
    """The first election's ballots again in each of ``election_ids``, candidate by
    candidate position (SQL: through the handler, tens of thousands would take minutes)."""
    from services.groups import queries
    from tenants.tx import tenant_tx

    async with tenant_tx(slug) as tx:
        conn = tx.connection
        candidates = await queries.candidates_in(conn, [template, *election_ids])
        position = {c: n for n, (c, _) in enumerate(candidates[template])}
        ballots = await conn.fetch(
            "SELECT voter_key, member_id, choices, cast_by FROM group_election_ballots "
            "WHERE election_id = $1 ORDER BY id",
            template,
        )
        for eid in election_ids:
            mine = [c for c, _ in candidates[eid]]
            records = [
                (eid, b["voter_key"], b["member_id"], [mine[position[c]] for c in b["choices"]])
                for b in ballots
            ]
            await conn.copy_records_to_table(
                "group_election_ballots",
                records=[(*r, b["cast_by"]) for r, b in zip(records, ballots, strict=True)],
                columns=["election_id", "voter_key", "member_id", "choices", "cast_by"],
            )


async def seed(settings: Settings, elections_needed: int) -> Setup:
    """The community, its 500 member households, the convention, the elections."""
    from services.grids import handlers as grids
    from services.groups import conventions, elections
    from services.groups import handlers as groups
    from services.groups.model import GroupKind, GroupRole
    from services.households import handlers as hh
    from services.kernel.pagination import encode_cursor
    from services.kernel.votes import Answer
    from tenants.migrate import migrate_platform
    from tenants.provisioning import create_community, ensure_county
    from tenants.tx import tenant_tx

    rng = random.Random(20261204)
    await migrate_platform()
    await ensure_county(COUNTY, "基准县", "Bench County")
    await create_community(SLUG, "金港社区（基准）", COUNTY)
    cadre = community_principal("bench-cadre", Role.COMMUNITY_CADRE, SLUG)
    grid = (await grids.create_grid(SYSTEM, SLUG, "g1", "第一网格")).id
    homes = []
    for i in range(HOUSEHOLDS):
        address = f"{ROADS[i % 7]}{i // 7 + 1}号{rng.randint(1, 6)}0{i % 4 + 1}室"
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=2))
        phone = f"138{rng.randint(0, 99999999):08d}"
        homes.append(
            hh.BulkHousehold(
                hh.HouseholdInput(grid, address, rng.randint(1, 5)),
                (hh.ResidentInput(name, phone, f"bench-resident-{i}"),),
            )
        )
    household_ids = await hh.create_households_bulk(SYSTEM, SLUG, homes, settings)
    async with tenant_tx(SLUG) as tx:
        resident_of = dict(
            await tx.connection.fetch("SELECT household_id, id FROM residents ORDER BY id")
        )
    founded = date(2025, 3, 1)
    group_id = (
        await groups.register_group(
            cadre,
            SLUG,
            groups.GroupInput(
                GroupKind.SELF_GOVERNANCE,
                "金港社区养犬自治协会",
                founded,
                purpose="养犬户自我管理：犬只登记与免疫、文明养犬、纠纷自行调处",
                name_en="Jingang Dog Owners' Self-Governance Association",
            ),
        )
    ).group.id
    members = []
    for n, hid in enumerate(household_ids):
        role = GroupRole.LEADER if n == 0 else GroupRole.MEMBER
        joined = founded + timedelta(days=rng.randint(0, 200))
        view = await groups.add_member(
            cadre, SLUG, group_id, groups.MemberInput(hid, joined, resident_of[hid], role)
        )
        members.append(view.member.id)
    print(f"  {len(members)} members", file=sys.stderr)

    # The convention: three versions, each voted on by every household and adopted.
    answers = [Answer.YES] * 8 + [Answer.NO, Answer.ABSTAIN]
    created = await conventions.create_convention(
        cadre,
        SLUG,
        group_id,
        conventions.ConventionInput("文明养犬公约", _clauses(12, 1), title_en="Pet-Keeping"),
    )
    convention_id = created.convention.id
    version_id = created.versions[0].version.id
    for number, size in ((1, 12), (2, 15), (3, 18)):
        if number > 1:
            amended = await conventions.amend_convention(
                cadre,
                SLUG,
                convention_id,
                conventions.AmendmentInput(_clauses(size, number), note=f"第{number}版修订"),
            )
            version_id = amended.versions[0].version.id
        await conventions.open_convention_vote(cadre, SLUG, version_id)
        for member_id in members:
            await conventions.cast_convention_ballot(
                cadre, SLUG, version_id, rng.choice(answers), member_id=member_id
            )
        closed = await conventions.close_convention_vote(cadre, SLUG, version_id)
        assert closed.in_force is not None and closed.in_force.version.version == number
    print("  the convention: 3 versions adopted in turn", file=sys.stderr)

    # Elections: the first one's ballots through the handler, then counted; the others
    # (to be closed while timing) opened through the handler, their ballots copied.
    weights = [CANDIDATES - i for i in range(CANDIDATES)]

    def opened(n: int) -> elections.ElectionInput:
        starts = date(2030, 1, 1) + timedelta(days=10 * n)
        return elections.ElectionInput(
            f"第{n + 1}届骨干选举",
            starts,
            starts + timedelta(days=8),
            SEATS,
            SEATS,
            tuple(members[1 : CANDIDATES + 1]),
        )

    first = await elections.open_election(cadre, SLUG, group_id, opened(0))
    ids = [c.id for c in first.candidates]
    for member_id in members:
        pool, w = list(ids), list(weights)
        chosen = []
        while len(chosen) < SEATS:
            pick = rng.choices(range(len(pool)), weights=w)[0]
            chosen.append(pool.pop(pick))
            w.pop(pick)
        await elections.cast_election_ballot(
            cadre, SLUG, first.election.id, chosen, member_id=member_id
        )
    counted = await elections.close_election(cadre, SLUG, first.election.id)
    assert counted.tally is not None and len(counted.tally.elected) == SEATS, counted.tally
    assert counted.tally.runoff_election_id is None, "the template's count has a runoff"
    pool_ids = [
        (await elections.open_election(cadre, SLUG, group_id, opened(n))).election.id
        for n in range(1, elections_needed + 1)
    ]
    await _ballots_copied(SLUG, first.election.id, pool_ids)
    print(f"  {len(pool_ids)} elections with {HOUSEHOLDS} ballots each", file=sys.stderr)
    # A live database's statistics follow its tables (autovacuum analyzes after this many
    # changed rows); without them the planner guesses, e.g., that an election has 1 ballot.
    async with tenant_tx(SLUG) as tx:
        await tx.connection.execute("ANALYZE")

    async with tenant_tx(SLUG) as tx:
        conn = tx.connection
        counts = {
            t: await conn.fetchval(f"SELECT count(*) FROM {t}")
            for t in (
                "households",
                "residents",
                "group_members",
                "group_convention_versions",
                "group_convention_clauses",
                "group_convention_ballots",
                "group_elections",
                "group_election_ballots",
            )
        }
    resident = community_principal(f"bench-resident-{HOUSEHOLDS // 2}", Role.RESIDENT, SLUG)
    return Setup(
        group_id=group_id,
        cadre=cadre,
        resident=resident,
        later_cursor=encode_cursor(members[249]),
        elections=pool_ids,
        clauses_in_force=18,
        counts=counts,
    )


# --------------------------------------------------------------------------------------
# The requests and their checks
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    reader: str  # "cadre" or "resident"
    document: str
    variables: Callable[[Setup], dict[str, Any]]
    check: Callable[[Setup, dict[str, Any]], None]


def _check_members(first_index: int) -> Callable[[Setup, dict[str, Any]], None]:
    def check(s: Setup, data: dict[str, Any]) -> None:
        page = data["community"]["group"]["members"]
        items = page["items"]
        if (
            page["totalCount"] != HOUSEHOLDS
            or len(items) != 50
            or not page["pageInfo"]["hasNextPage"]
        ):
            raise Failure(f"members page from {first_index}: {page['totalCount']}, {len(items)}")
        if any(i["household"]["address"] is None or i["resident"] is None for i in items):
            raise Failure("a member without household address or resident")

    return check


def _check_in_force(s: Setup, data: dict[str, Any]) -> None:
    found = data["community"]["group"]["conventionsInForce"]
    if len(found) != 1 or found[0]["number"] != 3 or len(found[0]["clauses"]) != 18:
        raise Failure(f"conventions in force: {found!r:.200}")


def _check_close(s: Setup, data: dict[str, Any]) -> None:
    got = data["closeGroupElection"]
    results = got.get("results") or {}
    if (
        got.get("status") != "CLOSED"
        or results.get("ballots") != HOUSEHOLDS
        or len(results.get("elected", ())) != SEATS
        or results.get("runoffElectionId") is not None
    ):
        raise Failure(f"close: {got!r:.300}")


def _group_vars(after: Callable[[Setup], str | None]) -> Callable[[Setup], dict[str, Any]]:
    return lambda s: {"community": SLUG, "id": str(s.group_id), "after": after(s)}


def _check_floor(s: Setup, data: dict[str, Any]) -> None:
    if data != {"__typename": "Query"}:
        raise Failure(f"floor: {data!r}")


READS = [
    Scenario("members p1", "cadre", GROUP_QUERY, _group_vars(lambda s: None), _check_members(1)),
    Scenario(
        "members p6", "cadre", GROUP_QUERY, _group_vars(lambda s: s.later_cursor), _check_members(6)
    ),
    Scenario(
        "in force",
        "resident",
        IN_FORCE_QUERY,
        lambda s: {"community": SLUG, "groupId": str(s.group_id)},
        _check_in_force,
    ),
    # No data: HTTP, the token, GraphQL — what any request costs before it reads anything.
    Scenario("floor", "cadre", "{ __typename }", lambda s: {}, _check_floor),
]
CLOSE = "close (count)"
SCENARIO_NAMES = [*(r.name for r in READS), CLOSE]


def _close_vars(election_id: int) -> dict[str, Any]:
    return {"community": SLUG, "electionId": str(election_id)}


@dataclass
class Figures:
    """One (path, scenario): latencies in seconds, server CPU, cache headers, errors."""

    latencies: list[float] = field(default_factory=list)
    cpu_s: float = 0.0
    hits: int = 0
    errors: int = 0

    def ms(self, p: float) -> float:
        return _pct(self.latencies, p) * 1000 if self.latencies else float("nan")


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------


@dataclass
class Server:
    label: str
    proc: subprocess.Popen[bytes]
    client: RawClient


async def _http_one(
    server: Server, token: str, document: str, variables: dict[str, Any]
) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    data = await gql(server.client, token, document, variables)
    return time.perf_counter() - started, data


def _turns(servers: list[Server], count: int, block: int) -> list[Server]:
    """The order the servers get ``count`` requests each: in turns of ``block`` requests,
    the first server of each turn rotating (block 1: request by request, ABBA...)."""
    order: list[Server] = []
    for turn, start in enumerate(range(0, count, block)):
        size = min(block, count - start)
        for sv in servers[turn % len(servers) :] + servers[: turn % len(servers)]:
            order.extend([sv] * size)
    return order


async def http_round(
    servers: list[Server],
    tokens: dict[str, str],
    s: Setup,
    requests: int,
    closes: int,
    out: dict[str, dict[str, Figures]],
    rnd: int,
    block: int = 1,
) -> None:
    """Each read ``requests`` times and ``closes`` closes on each server, alternating
    between the servers in turns of ``block`` requests (1: request by request, ABBA), one
    request in flight at a time; the reads' order turns round by round."""
    for sc in READS[rnd % len(READS) :] + READS[: rnd % len(READS)]:
        for sv in servers:  # warm-up: connections, prepared statements, the first store
            for _ in range(10):
                await gql(sv.client, tokens[sc.reader], sc.document, sc.variables(s))
        cpu = {sv.label: _proc_cpu(sv.proc.pid) for sv in servers}
        for sv in _turns(servers, requests, block):
            fig = out[sv.label][sc.name]
            try:
                took, data = await _http_one(sv, tokens[sc.reader], sc.document, sc.variables(s))
                sc.check(s, data)
            except Failure as err:
                fig.errors += 1
                print(f"    {sv.label} {sc.name}: {err}", file=sys.stderr)
                continue
            fig.latencies.append(took)
            fig.hits += sv.client.last_cache == "hit"
        for sv in servers:
            out[sv.label][sc.name].cpu_s += _proc_cpu(sv.proc.pid) - cpu[sv.label]
    for sv in servers:  # warm-up of the close (not counted)
        data = await gql(sv.client, tokens["cadre"], CLOSE_MUTATION, _close_vars(s.elections.pop()))
        _check_close(s, data)
    cpu = {sv.label: _proc_cpu(sv.proc.pid) for sv in servers}
    for sv in _turns(servers, closes, block):
        fig = out[sv.label][CLOSE]
        try:
            took, data = await _http_one(
                sv, tokens["cadre"], CLOSE_MUTATION, _close_vars(s.elections.pop())
            )
            _check_close(s, data)
        except Failure as err:
            fig.errors += 1
            print(f"    {sv.label} close: {err}", file=sys.stderr)
            continue
        fig.latencies.append(took)
    for sv in servers:
        out[sv.label][CLOSE].cpu_s += _proc_cpu(sv.proc.pid) - cpu[sv.label]


async def in_process_round(
    settings: Settings, s: Setup, requests: int, closes: int, out: dict[str, Figures]
) -> None:
    """The same documents through ``schema.execute`` in this process (no HTTP, no cache)."""
    from services.api.kit.request import SanshiContext
    from services.api.schema import build_schema

    schema = build_schema(settings)
    readers = {"cadre": s.cadre, "resident": s.resident}

    async def execute(who: str, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        ctx = SanshiContext(settings=settings, request_id="bench", principal=readers[who])
        got = await schema.execute(document, variable_values=variables, context_value=ctx)
        if got.errors or got.data is None:
            raise Failure(f"errors: {got.errors!r:.300}")
        return got.data

    async def timed(fig: Figures, who: str, document: str, variables: dict[str, Any]) -> None:
        cpu, started = time.process_time(), time.perf_counter()
        try:
            data = await execute(who, document, variables)
            took = time.perf_counter() - started
            (check_of[document] if document != CLOSE_MUTATION else _check_close)(s, data)
        except Failure as err:
            fig.errors += 1
            print(f"    in-process: {err}", file=sys.stderr)
            return
        fig.latencies.append(took)
        fig.cpu_s += time.process_time() - cpu

    check_of: dict[str, Callable[[Setup, dict[str, Any]], None]] = {}
    for sc in READS:
        check_of[sc.document] = sc.check
        for _ in range(10):
            await execute(sc.reader, sc.document, sc.variables(s))
        for _ in range(requests):
            await timed(out[sc.name], sc.reader, sc.document, sc.variables(s))
    await execute("cadre", CLOSE_MUTATION, _close_vars(s.elections.pop()))
    for _ in range(closes):
        await timed(out[CLOSE], "cadre", CLOSE_MUTATION, _close_vars(s.elections.pop()))


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


def report(out: dict[str, dict[str, Figures]]) -> None:
    print()
    print(
        f"{'scenario':<15} {'path':<26} {'n':>4} {'median ms':>10} {'p95 ms':>8} "
        f"{'max ms':>8} {'CPU ms/req':>10} {'hit':>5} {'err':>4}  goal p95 ≤ 10 ms"
    )
    for name in SCENARIO_NAMES:
        for path, figs in out.items():
            fig = figs[name]
            if not fig.latencies and not fig.errors:
                continue
            n = len(fig.latencies)
            cpu = fig.cpu_s * 1000 / max(1, n + fig.errors)
            hit = f"{fig.hits / n:.0%}" if n and path == "HTTP cache-on" and name != CLOSE else "-"
            verdict = "✓" if fig.ms(95) <= GOAL_P95_MS else "✗"
            print(
                f"{name:<15} {path:<26} {n:>4} {statistics.median(fig.latencies) * 1000:>10.2f} "
                f"{fig.ms(95):>8.2f} {max(fig.latencies) * 1000:>8.2f} {cpu:>10.2f} "
                f"{hit:>5} {fig.errors:>4}  {verdict}"
            )
    print(
        "\nHTTP: latency of one request at a time over loopback to a real uvicorn process "
        "(≈ server time + ~0.1 ms); CPU ms/req: the server process's CPU over the block.\n"
        "in-process: wall time of schema.execute in the bench's process (no HTTP, no "
        "response cache); CPU ms/req: the bench process's CPU."
    )


async def run(args: argparse.Namespace) -> int:
    print(f"uptime at start: {_uptime()}")
    name = args.keep or f"sanshi_bench_groups_{secrets.token_hex(4)}"
    paths = {"on": ["HTTP cache-on"], "off": ["HTTP cache-off"]}.get(
        args.cache, ["HTTP cache-on", "HTTP cache-off"]
    )
    if args.baseline:
        paths.append("HTTP baseline cache-off")
    per_round = len(paths) + (0 if args.no_in_process else 1)
    needed = args.rounds * per_round * (args.closes + 1)
    if not await create_database(args.database_url, name):
        raise SystemExit(f"database {name} exists: drop it or name another (--keep)")
    url = _with_database(args.database_url, name)
    settings = Settings(environment="test", database_url=url, redis_url=args.redis_url)
    try:
        async with db.running(settings):
            started = time.perf_counter()
            s = await seed(settings, needed)
            print(
                f"seeded in {time.perf_counter() - started:.1f} s: "
                + ", ".join(f"{k} {v}" for k, v in s.counts.items())
            )
            tokens = {"cadre": bench_token(settings, s.cadre)}
            tokens["resident"] = bench_token(settings, s.resident)
            flags, extra = available_variants()["asyncio-h11"]
            out: dict[str, dict[str, Figures]] = {
                p: {n: Figures() for n in SCENARIO_NAMES}
                for p in [*paths, *([] if args.no_in_process else ["in-process"])]
            }
            for rnd in range(args.rounds):
                servers: list[Server] = []
                try:
                    for label in paths[rnd % len(paths) :] + paths[: rnd % len(paths)]:
                        root = Path(args.baseline) if "baseline" in label else ROOT
                        proc, port = start_server(
                            url, args.redis_url, flags, extra, root, cache=label.endswith("on")
                        )
                        servers.append(Server(label, proc, RawClient("127.0.0.1", port)))
                    await http_round(
                        servers, tokens, s, args.requests, args.closes, out, rnd, args.block
                    )
                finally:
                    for sv in servers:
                        await sv.client.close()
                        stop_server(sv.proc)
                if not args.no_in_process:
                    await in_process_round(
                        settings, s, args.requests, args.closes, out["in-process"]
                    )
                print(f"  round {rnd + 1}/{args.rounds} done; {_uptime()}", file=sys.stderr)
        report(out)
        print(f"\nuptime at end: {_uptime()}")
        return 0 if all(f.errors == 0 for figs in out.values() for f in figs.values()) else 1
    finally:
        if not args.keep:
            await drop_database(args.database_url, name)


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (servers restarted)")
    parser.add_argument("--requests", type=int, default=40, help="per read, path and round")
    parser.add_argument("--closes", type=int, default=8, help="election closes per path, round")
    parser.add_argument("--cache", choices=("on", "off", "both"), default="both")
    parser.add_argument(
        "--block",
        type=int,
        default=1,
        help="requests per server per turn (1: alternate request by request; N: N in a row, "
        "so each server runs warm, as one serving a user's requests back to back)",
    )
    parser.add_argument("--no-in-process", action="store_true", help="HTTP only")
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        default=None,
        help="also serve from the tree in DIR (e.g. `git archive REV | tar -x -C DIR`), "
        "cache off, interleaved with this tree's servers",
    )
    parser.add_argument("--keep", metavar="NAME", default=None, help="keep database NAME")
    add_server_args(parser)
    return parser


def main() -> int:
    return asyncio.run(run(arguments().parse_args()))


if __name__ == "__main__":
    sys.exit(main())
