"""Routing figures: major matters through the real relay, Redis and `sanshi worker` processes.

    python bench/routing.py [--communities 4] [--rate 100] [--seconds 20] [--burst 3000]
                            [--repeats 3] [--workers 1,2] [--threads 4]

Creates a database of its own (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/
postgres) and a Redis namespace of its own (REDIS_URL, default redis://127.0.0.1:6379/0), a
county with its default departments and N communities, then for each repeat and each
number of worker processes (real `sanshi worker` subprocesses: relay + routing actors):

- **steady**: the council's decision (``classify_in_tx`` as major: the classification sheet
  and the ``matter.major`` outbox row, one transaction per matter) at ``--rate`` matters/s
  for ``--seconds``; target p95 ≤ 1 s from that transaction's commit to the ticket row
  visible in platform.tickets;
- **burst**: ``--burst`` decisions committed as fast as the generator can (transactions of
  50, 4 at a time), then drained; sustained routings/s = matters routed per second while
  the backlog drains (target ≥ 200/s with 2 worker processes), plus the latency
  percentiles (queueing-dominated by construction).

Latency: the generator takes ``time.monotonic()`` when the classification transaction's
commit returns; a watcher polls platform.tickets every 5 ms on its own connection and
notes when each matter's ticket first appears (so a latency is accurate to ~5 ms). Each
run waits until the flow back (the ``routed`` events written into the communities'
``matter_routes``) has finished too, so runs do not overlap, and reports when it did.
Matters are set up outside the measurement: one registered matter per category and
community through the handlers, cloned in SQL (status awaiting council) for each run.
Prints medians over the repeats, and 1 vs 2 worker processes side by side. Exit status 0
when both targets were met.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import asyncpg
import redis

from services.auth.model import SYSTEM, Principal, Role, Scope, ScopeKind
from services.communities.handlers import create_county
from services.grids.tables import Grid
from services.households.tables import Household
from services.matters import handlers as matters
from services.matters.handlers import MATTER_COLUMNS
from services.matters.model import Channel, MatterKind, MatterStatus
from services.matters.tables import Matter
from services.settings import Settings
from tenants import db
from tenants.migrate import migrate_platform
from tenants.provisioning import create_community
from tenants.tx import platform_tx, tenant_tx

ROOT = Path(__file__).resolve().parents[1]
SANSHI = str(Path(sys.executable).parent / "sanshi")
COUNTY = "bench"
# Categories with one department each by the default rules (one routing = one ticket).
CATEGORIES = ("transport", "sanitation", "public_health", "safety")
TARGET_P95_S = 1.0
TARGET_BURST_PER_S = 200.0
POLL_S = 0.005
DRAIN_TIMEOUT_S = 180.0
BURST_CHUNK = 50
BURST_PARALLEL = 4


def _with_database(url: str, name: str) -> str:
    head, sep, query = url.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}{sep}{query}"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _verdict(ok: bool) -> str:
    return "OK 达标" if ok else "MISSED 未达标"


def cadre(slug: str) -> Principal:
    return Principal(
        f"{slug}.secretary", frozenset({Role.COMMUNITY_CADRE}), Scope(ScopeKind.COMMUNITY, slug)
    )


# -- set-up --------------------------------------------------------------------------------


@dataclass
class Community:
    slug: str
    templates: dict[str, int]  # category -> a matter awaiting the council, cloned per run


async def setup(settings: Settings, n: int) -> list[Community]:
    """The county (default departments and rules) and ``n`` communities with templates."""
    await migrate_platform()
    await create_county(SYSTEM, COUNTY, "基准县", "Bench County")
    out = []
    for i in range(n):
        slug = f"bench{i}"
        await create_community(slug, f"基准社区{i}", COUNTY)
        async with tenant_tx(slug):
            grid = (await Grid.insert(Grid(code="g1", name="第一网格")).returning(Grid.id).run())[
                0
            ]["id"]
            household = (
                await Household.insert(Household(grid_id=grid, address="基准路1号"))
                .returning(Household.id)
                .run()
            )[0]["id"]
        templates = {}
        for category in CATEGORIES:
            row = await matters.register_request(
                cadre(slug),
                slug,
                matters.RegisterRequestInput(
                    household_id=household,
                    channel=Channel.WALK_IN,
                    category=category,
                    title=f"基准事项（{category}）",
                    description="基准测试用的大事",
                    occurred_on=date(2026, 3, 1),
                ),
                settings,
            )
            async with tenant_tx(slug) as tx:
                await matters.transition_in_tx(tx, cadre(slug), row, MatterStatus.AWAITING_COUNCIL)
            templates[category] = row["id"]
        out.append(Community(slug, templates))
    return out


_CLONE_COLUMNS = [
    c._meta.db_column_name
    for c in Matter.all_columns()
    if c._meta.db_column_name not in {"id", "number"}
]


async def clone_matters(c: Community, n: int, tag: str) -> list[int]:
    """``n`` matters awaiting the council (copies of the templates, categories in turn)."""
    cols = ", ".join(_CLONE_COLUMNS)
    ids: list[int] = []
    async with tenant_tx(c.slug) as tx:
        for k, category in enumerate(CATEGORIES):
            count = len(range(k, n, len(CATEGORIES)))
            if not count:
                continue
            rows = await tx.connection.fetch(
                f"INSERT INTO matters (number, {cols}) SELECT $2 || g, {cols} FROM matters, "
                "generate_series(1, $3) g WHERE id = $1 RETURNING id",
                c.templates[category],
                f"BENCH-{tag}-{category}-",
                count,
            )
            ids += [r["id"] for r in rows]
    return ids


async def classify(slug: str, ids: list[int]) -> float:
    """The council decides these matters major in ONE transaction; returns its commit time."""
    who = cadre(slug)
    async with tenant_tx(slug) as tx:
        rows = await tx.connection.fetch(
            f"SELECT {MATTER_COLUMNS} FROM matters WHERE id = ANY($1) ORDER BY id", ids
        )
        for row in rows:
            await matters.classify_in_tx(
                tx, who, dict(row), MatterKind.MAJOR, reasoning="理事会表决：大事"
            )
    return time.monotonic()


# -- observing -----------------------------------------------------------------------------


class Watcher:
    """Polls platform.tickets on its own connection; notes when each matter's ticket appears.

    Ticket ids are taken at insert and committed in another order, so each poll looks back
    ``LOOKBACK`` ids behind the highest seen (a ticket committed late is still noticed).
    """

    LOOKBACK = 1000

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.seen: dict[tuple[str, int], float] = {}
        self.last_id = 0

    async def run(self, stop: asyncio.Event) -> None:
        conn = await asyncpg.connect(self.dsn)
        try:
            self.last_id = await conn.fetchval("SELECT coalesce(max(id), 0) FROM platform.tickets")
            while not stop.is_set():
                rows = await conn.fetch(
                    "SELECT id, community_slug, matter_id FROM platform.tickets WHERE id > $1 "
                    "ORDER BY id",
                    self.last_id - self.LOOKBACK,
                )
                now = time.monotonic()
                for r in rows:
                    self.seen.setdefault((r["community_slug"], r["matter_id"]), now)
                if rows:
                    self.last_id = max(self.last_id, rows[-1]["id"])
                await asyncio.sleep(POLL_S)
        finally:
            await conn.close()


@dataclass
class Run:
    mode: str
    workers: int
    latencies: list[float]
    commit_s: float  # how long the generator took to commit everything
    routed_per_s: float  # matters routed per second (see run_burst / run_steady)
    flow_back_s: float  # from the first commit until every routed event was in its community
    extra: dict[str, float] = field(default_factory=dict)

    def line(self) -> str:
        lat = self.latencies
        return (
            f"  {self.mode:6} {self.workers} worker(s): n={len(lat)} "
            f"p50 {_pct(lat, 50) * 1000:.0f} ms · p95 {_pct(lat, 95) * 1000:.0f} ms · "
            f"p99 {_pct(lat, 99) * 1000:.0f} ms · max {max(lat) * 1000:.0f} ms · "
            f"{self.routed_per_s:.0f} routings/s · generator {self.commit_s:.1f} s · "
            f"flow back done {self.flow_back_s:.1f} s"
        )


async def _routes_count(communities: list[Community]) -> int:
    total = 0
    for c in communities:
        async with tenant_tx(c.slug) as tx:
            total += await tx.connection.fetchval("SELECT count(*) FROM matter_routes")
    return total


async def _drain(
    watcher: Watcher, expected: dict[tuple[str, int], float], communities: list[Community]
) -> float:
    """Wait (bounded) until every expected ticket is seen and flowed back; returns the time."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while any(k not in watcher.seen for k in expected):
        if time.monotonic() > deadline:
            missing = sum(k not in watcher.seen for k in expected)
            raise RuntimeError(f"{missing} matters not routed after {DRAIN_TIMEOUT_S} s")
        await asyncio.sleep(0.02)
    async with platform_tx() as tx:
        tickets = await tx.connection.fetchval("SELECT count(*) FROM platform.tickets")
    while await _routes_count(communities) < tickets:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the flow back did not finish in {DRAIN_TIMEOUT_S} s")
        await asyncio.sleep(0.05)
    return time.monotonic()


async def run_steady(
    communities: list[Community], dsn: str, workers: int, rate: float, seconds: float, tag: str
) -> Run:
    """One transaction per decision at ``rate``/s; latency per matter from its commit."""
    n = int(rate * seconds)
    per = {c.slug: await clone_matters(c, -(-n // len(communities)), tag) for c in communities}
    plan = []
    for i in range(n):
        slug = communities[i % len(communities)].slug
        plan.append((slug, per[slug][i // len(communities)]))
    watcher, stop = Watcher(dsn), asyncio.Event()
    watching = asyncio.create_task(watcher.run(stop))
    await asyncio.sleep(0.1)
    committed: dict[tuple[str, int], float] = {}
    tasks = []
    start = time.monotonic()

    async def one(slug: str, mid: int) -> None:
        committed[(slug, mid)] = await classify(slug, [mid])

    for i, (slug, mid) in enumerate(plan):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(slug, mid)))
    await asyncio.gather(*tasks)
    commit_s = time.monotonic() - start
    try:
        done = await _drain(watcher, committed, communities)
    finally:
        stop.set()
        await watching
    lat = [watcher.seen[k] - t for k, t in committed.items()]
    last = max(watcher.seen[k] for k in committed)
    return Run(
        "steady",
        workers,
        lat,
        commit_s,
        n / (last - start),
        done - start,
        {"achieved_rate": n / commit_s},
    )


async def run_burst(communities: list[Community], dsn: str, workers: int, n: int, tag: str) -> Run:
    """Commit ``n`` decisions as fast as possible, then measure the drain."""
    per = {c.slug: await clone_matters(c, -(-n // len(communities)), tag) for c in communities}
    chunks = [
        (slug, ids[i : i + BURST_CHUNK])
        for slug, ids in per.items()
        for i in range(0, len(ids), BURST_CHUNK)
    ]
    # Interleave the communities, as decisions would arrive.
    chunks.sort(key=lambda ch: ch[1][0] - per[ch[0]][0])
    watcher, stop = Watcher(dsn), asyncio.Event()
    watching = asyncio.create_task(watcher.run(stop))
    await asyncio.sleep(0.1)
    committed: dict[tuple[str, int], float] = {}
    gate = asyncio.Semaphore(BURST_PARALLEL)
    start = time.monotonic()

    async def one(slug: str, ids: list[int]) -> None:
        async with gate:
            at = await classify(slug, ids)
        for mid in ids:
            committed[(slug, mid)] = at

    await asyncio.gather(*(one(slug, ids) for slug, ids in chunks))
    commit_s = time.monotonic() - start
    try:
        done = await _drain(watcher, committed, communities)
    finally:
        stop.set()
        await watching
    seen = sorted(watcher.seen[k] for k in committed)
    total = len(seen)
    # Sustained rate: the middle 80 % of the drain (start-up and tail excluded).
    lo, hi = seen[int(total * 0.1)], seen[int(total * 0.9) - 1]
    sustained = (int(total * 0.9) - 1 - int(total * 0.1)) / (hi - lo) if hi > lo else 0.0
    lat = [watcher.seen[k] - t for k, t in committed.items()]
    return Run(
        "burst",
        workers,
        lat,
        commit_s,
        sustained,
        done - start,
        {"overall_per_s": total / (seen[-1] - start), "commit_per_s": total / commit_s},
    )


async def run_backlog(
    communities: list[Community], dsn: str, workers: int, n: int, tag: str, start_workers
) -> Run:
    """Commit ``n`` decisions while no worker runs, then start the workers and time the drain.

    The burst above measures routing while the generator still competes for the same two
    cores; this isolates the routing capacity itself (a backlog, e.g. after a Redis
    outage). Latency here is dominated by the wait before the workers start, so only the
    sustained rate is meaningful.
    """
    per = {c.slug: await clone_matters(c, -(-n // len(communities)), tag) for c in communities}
    committed: dict[tuple[str, int], float] = {}
    for slug, ids in per.items():
        for i in range(0, len(ids), BURST_CHUNK):
            at = await classify(slug, ids[i : i + BURST_CHUNK])
            for mid in ids[i : i + BURST_CHUNK]:
                committed[(slug, mid)] = at
    watcher, stop = Watcher(dsn), asyncio.Event()
    watching = asyncio.create_task(watcher.run(stop))
    await asyncio.sleep(0.1)
    with start_workers():
        start = time.monotonic()
        try:
            done = await _drain(watcher, committed, communities)
        finally:
            stop.set()
            await watching
    seen = sorted(watcher.seen[k] for k in committed)
    total = len(seen)
    lo, hi = seen[int(total * 0.1)], seen[int(total * 0.9) - 1]
    sustained = (int(total * 0.9) - 1 - int(total * 0.1)) / (hi - lo) if hi > lo else 0.0
    lat = [watcher.seen[k] - start for k in committed]
    return Run(
        "backlog",
        workers,
        lat,
        0.0,
        sustained,
        done - start,
        {"overall_per_s": total / (seen[-1] - start)},
    )


# -- worker processes ----------------------------------------------------------------------


@contextmanager
def worker_processes(
    count: int, settings: Settings, namespace: str, threads: int, logs: Path
) -> Iterator[list[subprocess.Popen]]:
    """``count`` real `sanshi worker` processes (relay + actors, no scheduler)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SANSHI_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DATABASE_URL=settings.database_url or "",
        REDIS_URL=settings.redis_url or "",
        SANSHI_REDIS_NAMESPACE=namespace,
        SANSHI_ENV="test",
        SANSHI_DB_POOL_MAX=str(max(4, threads + 2)),
        PYTHONUNBUFFERED="1",
    )
    for key in ("SANSHI_OUTBOX_POLL_S", "SANSHI_OUTBOX_BATCH"):
        if key in os.environ:
            env[key] = os.environ[key]
    procs: list[subprocess.Popen] = []
    paths = [logs / f"worker{i}.log" for i in range(count)]
    try:
        for path in paths:
            with path.open("wb") as out:
                procs.append(
                    subprocess.Popen(
                        [
                            SANSHI,
                            "worker",
                            "--threads",
                            str(threads),
                            "--no-scheduler",
                            "--shutdown-timeout",
                            "5",
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + 60
        for p, path in zip(procs, paths, strict=True):
            while b"worker started" not in path.read_bytes():
                if p.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker did not start:\n{path.read_text()[-3000:]}")
                time.sleep(0.05)
        yield procs
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


# -- the run -------------------------------------------------------------------------------


def _median_line(runs: list[Run]) -> str:
    def med(f) -> float:
        return statistics.median(f(r) for r in runs)

    return (
        f"p50 {med(lambda r: _pct(r.latencies, 50)) * 1000:.0f} ms · "
        f"p95 {med(lambda r: _pct(r.latencies, 95)) * 1000:.0f} ms · "
        f"p99 {med(lambda r: _pct(r.latencies, 99)) * 1000:.0f} ms · "
        f"{med(lambda r: r.routed_per_s):.0f} routings/s"
    )


async def run(args: argparse.Namespace, admin_url: str, redis_url: str) -> int:
    name = f"sanshi_bench_{secrets.token_hex(4)}"
    namespace = f"sanshi_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    settings = Settings(
        environment="test",
        database_url=_with_database(admin_url, name),
        redis_url=redis_url,
        redis_namespace=namespace,
        db_pool_min=1,
        db_pool_max=12,
    )
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / name  # noqa: S108 (worker logs)
    logs.mkdir(parents=True, exist_ok=True)
    try:
        async with db.running(settings):
            communities = await setup(settings, args.communities)
            assert settings.database_url
            return await _measure(args, settings, communities, logs)
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{namespace}*"))
        if keys:
            client.delete(*keys)
        client.close()


async def _measure(
    args: argparse.Namespace, settings: Settings, communities: list[Community], logs: Path
) -> int:
    dsn = settings.database_url or ""
    print(
        f"cores {os.cpu_count()} · {len(communities)} communities · steady {args.rate:.0f}/s "
        f"for {args.seconds:.0f} s · burst {args.burst} · {args.threads} threads per worker · "
        f"repeats {args.repeats} · worker processes {args.workers} · logs {logs}"
    )
    results: dict[tuple[str, int], list[Run]] = {}
    for rep in range(args.repeats):
        for count in args.workers:
            with worker_processes(count, settings, settings.redis_namespace, args.threads, logs):
                tag = f"r{rep}w{count}"
                steady = await run_steady(
                    communities, dsn, count, args.rate, args.seconds, tag + "s"
                )
                print(steady.line() + f" · achieved {steady.extra['achieved_rate']:.0f}/s")
                burst = await run_burst(communities, dsn, count, args.burst, tag + "b")
                print(
                    burst.line() + f" · overall {burst.extra['overall_per_s']:.0f}/s · "
                    f"commits {burst.extra['commit_per_s']:.0f}/s"
                )
            results.setdefault(("steady", count), []).append(steady)
            results.setdefault(("burst", count), []).append(burst)
            backlog = await run_backlog(
                communities,
                dsn,
                count,
                args.burst,
                f"r{rep}w{count}q",
                lambda count=count: worker_processes(
                    count, settings, settings.redis_namespace, args.threads, logs
                ),
            )
            print(
                f"  backlog {count} worker(s): n={len(backlog.latencies)} · "
                f"{backlog.routed_per_s:.0f} routings/s sustained · "
                f"{backlog.extra['overall_per_s']:.0f}/s overall · "
                f"flow back done {backlog.flow_back_s:.1f} s"
            )
            results.setdefault(("backlog", count), []).append(backlog)

    print(f"\nmedians over {args.repeats} repeat(s):")
    for (mode, count), runs in sorted(results.items()):
        print(f"  {mode:6} {count} worker process(es): {_median_line(runs)}")
    met = True
    top = max(args.workers)
    for count in args.workers:
        p95 = statistics.median(_pct(r.latencies, 95) for r in results[("steady", count)])
        print(
            f"steady {args.rate:.0f}/s, {count} worker(s): p95 {p95 * 1000:.0f} ms   "
            f"[target ≤{TARGET_P95_S * 1000:.0f} ms: {_verdict(p95 <= TARGET_P95_S)}]"
        )
        met &= p95 <= TARGET_P95_S
    rate = statistics.median(r.routed_per_s for r in results[("burst", top)])
    print(
        f"burst, {top} worker(s): sustained {rate:.0f} routings/s while the generator runs "
        f"(informational)"
    )
    backlog_rate = statistics.median(r.routed_per_s for r in results[("backlog", top)])
    print(
        f"backlog, {top} worker(s): sustained {backlog_rate:.0f} routings/s   "
        f"[target ≥{TARGET_BURST_PER_S:.0f}/s: {_verdict(backlog_rate >= TARGET_BURST_PER_S)}]"
    )
    met &= backlog_rate >= TARGET_BURST_PER_S
    return 0 if met else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=4)
    parser.add_argument("--rate", type=float, default=100.0, help="steady matters/s")
    parser.add_argument("--seconds", type=float, default=20.0, help="steady duration")
    parser.add_argument("--burst", type=int, default=3000, help="matters in the burst")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4, help="threads per worker process")
    parser.add_argument(
        "--workers",
        default="1,2",
        type=lambda s: [int(x) for x in s.split(",")],
        help="worker process counts to compare (default 1,2)",
    )
    args = parser.parse_args()
    if args.communities < 1 or args.burst < 10 or args.rate <= 0 or args.seconds <= 0:
        parser.error("need at least one community, a burst of 10, a positive rate and time")
    admin_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    return asyncio.run(run(args, admin_url, redis_url))


if __name__ == "__main__":
    sys.exit(main())
