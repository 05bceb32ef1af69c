"""Provisioning and migration figures for N communities (a benchmark, not a test).

    python bench/provisioning.py [--communities 200] [--workers 2] [--database-url URL]

Creates a database of its own on the server (DATABASE_URL, else the embedded one),
drops it at the end, and prints: create+migrate one community (median, p95, sequential),
the migrator when everything is current (registry fast path and --verify), and one new
migration (ALTER TABLE grids ADD COLUMN ...) applied to all N with the given workers.
Targets on a 2-core machine: ≤150 ms median; no-op over 1,000 ≤10 s; one column over
1,000 ≤20 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import time

import asyncpg

from services.runtime.bootstrap import with_embedded_database
from services.settings import Settings
from tenants import db
from tenants.migrate import Migration, latest, load, migrate_all, migrate_platform
from tenants.provisioning import create_community, ensure_county

TARGET_CREATE_MS = 150.0
TARGET_NOOP_S_PER_1000 = 10.0
TARGET_COLUMN_S_PER_1000 = 20.0


def _with_database(url: str, name: str) -> str:
    head, sep, query = url.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}{sep}{query}"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _verdict(ok: bool) -> str:
    return "OK 达标" if ok else "MISSED 未达标"


async def run(admin_url: str, n: int, workers: int) -> int:
    """Run the benchmark in a fresh database; 0 when every target was met."""
    name = f"sanshi_bench_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    settings = Settings(
        environment="test",
        database_url=_with_database(admin_url, name),
        db_pool_min=1,
        db_pool_max=workers + 2,
    )
    try:
        async with db.running(settings):
            return await _measure(n, workers)
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def _measure(n: int, workers: int) -> int:
    await migrate_platform()
    await ensure_county("bench", "基准县", "Bench County")
    migrations = load("tenant")
    print(f"N = {n} communities · workers = {workers} · cores = {os.cpu_count()}")

    create_ms = []
    width = len(str(n))
    for i in range(n):
        started = time.perf_counter()
        await create_community(f"b{i:0{width}d}", "基准社区", "bench", migrations=migrations)
        create_ms.append((time.perf_counter() - started) * 1000)
        if (i + 1) % 100 == 0:
            print(f"  … {i + 1}/{n} created", file=sys.stderr)
    median = statistics.median(create_ms)
    print(
        f"create+migrate one community (sequential): median {median:.1f} ms · "
        f"p95 {_pct(create_ms, 95):.1f} ms · max {max(create_ms):.1f} ms   "
        f"[target ≤{TARGET_CREATE_MS:.0f} ms median: {_verdict(median <= TARGET_CREATE_MS)}]"
    )

    noop = await migrate_all(workers=workers, migrations=migrations)
    assert noop.ok and len(noop.current) == n, noop
    noop_target = TARGET_NOOP_S_PER_1000 * n / 1000
    print(
        f"migrate, everything current ({n}): {noop.seconds:.2f} s   "
        f"[target ≤{noop_target:.1f} s: {_verdict(noop.seconds <= noop_target)}]"
    )
    verify = await migrate_all(workers=workers, migrations=migrations, verify=True)
    assert verify.ok and len(verify.current) == n, verify
    print(f"migrate --verify, everything current ({n}, opens each schema): {verify.seconds:.2f} s")

    column = [
        *migrations,
        Migration(latest(migrations) + 1, "bench_column", "ALTER TABLE grids ADD COLUMN note text"),
    ]
    added = await migrate_all(workers=workers, migrations=column)
    assert added.ok and len(added.migrated) == n, added.failed
    column_target = TARGET_COLUMN_S_PER_1000 * n / 1000
    print(
        f"one new migration (ADD COLUMN) to {n} with {workers} workers: {added.seconds:.2f} s "
        f"({added.seconds / n * 1000:.1f} ms each)   "
        f"[target ≤{column_target:.1f} s: {_verdict(added.seconds <= column_target)}]"
    )
    met = (
        median <= TARGET_CREATE_MS
        and noop.seconds <= noop_target
        and added.seconds <= column_target
    )
    return 0 if met else 1


def main() -> int:
    """Parse arguments, pick the server, run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=200, help="N (default 200)")
    parser.add_argument("--workers", type=int, default=2, choices=range(1, 5), help="1-4")
    parser.add_argument("--database-url", default=None, help="admin URL of a server")
    args = parser.parse_args()
    if args.communities < 1:
        parser.error("--communities must be at least 1")
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        url = with_embedded_database(Settings.from_env({})).database_url
    assert url
    return asyncio.run(run(url, args.communities, args.workers))


if __name__ == "__main__":
    sys.exit(main())
