"""`sanshi counties|communities|migrate` run as a real process against the test database."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import select
import subprocess
import time
from pathlib import Path

import asyncpg
import pytest

from tenants.migrate import MIGRATOR_LOCK_KEY

ROOT = Path(__file__).resolve().parents[2]
SANSHI = ROOT / ".venv" / "bin" / "sanshi"
TIMEOUT_S = 60


def command() -> list[str]:
    """The real console script (every context's commands on one root group)."""
    return [str(SANSHI)]


@pytest.fixture
def env(settings):
    """The environment of a CLI process: the test database, nothing embedded."""
    return {**os.environ, "DATABASE_URL": settings.database_url, "SANSHI_ENV": "test"}


def sanshi(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `sanshi ARGS` with no terminal (stdin closed), capturing output."""
    return subprocess.run(
        [*command(), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        cwd=ROOT,
    )


def sanshi_on_a_terminal(env: dict[str, str], typed: str, *args: str) -> tuple[int, str]:
    """Run `sanshi ARGS` on a pseudo-terminal and type ``typed`` at the confirmation prompt."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [*command(), *args], env=env, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT
    )
    os.close(slave)
    out, typed_yet = b"", False
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
                if not typed_yet and b"to confirm" in out:
                    os.write(master, typed.encode() + b"\n")
                    typed_yet = True
            elif proc.poll() is not None:
                break
        return proc.wait(timeout=TIMEOUT_S), out.decode(errors="replace")
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()


async def status_of(dbs, slug: str) -> str | None:
    async with dbs.platform_pool.acquire() as conn:
        return await conn.fetchval("SELECT status FROM platform.communities WHERE slug=$1", slug)


@pytest.fixture
async def county(dbs, env):
    """A county made through the CLI; its communities are dropped after the test."""
    code = f"cli_{secrets.token_hex(3)}"
    created = sanshi(env, "counties", "create", code, "--name", "嵊泗县", "--name-en", "Shengsi")
    assert created.returncode == 0, created.stderr
    yield code
    async with dbs.platform_pool.acquire() as conn:
        for slug in await conn.fetch(
            "SELECT slug FROM platform.communities WHERE county_code=$1", code
        ):
            await conn.execute(f'DROP SCHEMA IF EXISTS "c_{slug[0]}" CASCADE')
            dbs.forget(slug[0])
        await conn.execute("DELETE FROM platform.communities WHERE county_code=$1", code)


def new_community(env, county: str, name: str = "东海社区") -> str:
    slug = f"cli_{secrets.token_hex(4)}"
    done = sanshi(env, "communities", "create", slug, "--name", name, "--county", county)
    assert done.returncode == 0, done.stderr
    return slug


async def test_counties_create_and_list(env, county):
    """A county is created once, reported as existing the second time, and listed."""
    again = sanshi(env, "counties", "create", county, "--name", "嵊泗县")
    assert again.returncode == 0 and "已存在" in again.stdout
    listed = json.loads(sanshi(env, "counties", "list", "--json").stdout)
    assert {"code": county, "name_zh": "嵊泗县", "name_en": "Shengsi"}.items() <= next(
        c for c in listed if c["code"] == county
    ).items()


async def test_communities_create_list_and_refusals(env, county, dbs):
    """create/list work; duplicates, bad slugs and unknown counties exit 2 and change nothing."""
    slug = new_community(env, county)
    listed = json.loads(sanshi(env, "communities", "list", "--county", county, "--json").stdout)
    assert [(c["slug"], c["name_zh"], c["status"]) for c in listed] == [
        (slug, "东海社区", "active")
    ]
    table = sanshi(env, "communities", "list", "--county", county)
    assert table.returncode == 0
    assert table.stdout.splitlines()[0].split("\t") == [
        "slug",
        "名称 Name",
        "县 County",
        "状态 Status",
        "版本 Version",
        "位置 Placement",
    ]
    assert slug in table.stdout

    dup = sanshi(env, "communities", "create", slug, "--name", "别名", "--county", county)
    assert dup.returncode == 2 and "COMMUNITY_EXISTS" in dup.stderr and "已存在" in dup.stderr
    bad = sanshi(env, "communities", "create", "Bad,Slug", "--name", "x", "--county", county)
    assert bad.returncode == 2 and "INVALID_SLUG" in bad.stderr
    other = f"cli_{secrets.token_hex(4)}"
    nocounty = sanshi(env, "communities", "create", other, "--name", "x", "--county", "nosuch")
    assert nocounty.returncode == 2 and "COUNTY_NOT_FOUND" in nocounty.stderr
    assert await status_of(dbs, other) is None
    assert "Traceback" not in dup.stderr + bad.stderr + nocounty.stderr


async def test_archive_without_terminal_or_with_wrong_slug_changes_nothing(env, county, dbs):
    """No --yes and no terminal refuses; a mistyped confirmation refuses; both keep it active."""
    slug = new_community(env, county)
    no_tty = sanshi(env, "communities", "archive", slug)
    assert no_tty.returncode == 2 and "--yes" in no_tty.stderr
    assert "CONFIRMATION_REQUIRED" in no_tty.stderr
    code, out = sanshi_on_a_terminal(env, slug + "x", "communities", "archive", slug)
    assert code == 2 and "未做任何更改" in out, out
    assert await status_of(dbs, slug) == "active"


async def test_archive_confirmed_by_typing_or_yes(env, county, dbs):
    """Typing the slug again, or --yes, archives; archiving twice exits 2; data is kept."""
    typed, yes = new_community(env, county), new_community(env, county)
    code, out = sanshi_on_a_terminal(env, typed, "communities", "archive", typed)
    assert code == 0 and "已归档" in out, out
    done = sanshi(env, "communities", "archive", yes, "--yes")
    assert done.returncode == 0, done.stderr
    assert await status_of(dbs, typed) == "archived" == await status_of(dbs, yes)
    twice = sanshi(env, "communities", "archive", yes, "--yes")
    assert twice.returncode == 2 and "COMMUNITY_ARCHIVED" in twice.stderr
    unknown = sanshi(env, "communities", "archive", "cli_nosuch", "--yes")
    assert unknown.returncode == 2 and "COMMUNITY_NOT_FOUND" in unknown.stderr
    async with dbs.platform_pool.acquire() as conn:
        assert await conn.fetchval("SELECT to_regclass($1)::text", f"c_{yes}.grids")
        actors = await conn.fetch(
            "SELECT actor FROM platform.audit_log WHERE action='community.archive' AND subject=$1",
            f"community:{yes}",
        )
    assert [a["actor"] for a in actors] == [f"cli:{_user()}"]


def _user() -> str:
    import getpass

    return getpass.getuser()


async def test_migrate_exit_codes_and_failure_report(env, county, dbs):
    """All current -> 0; one community whose migration fails -> 1, listed, left at version 0."""
    ok = sanshi(env, "migrate")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 失败 failed" in ok.stdout
    good, broken = new_community(env, county), new_community(env, county)
    async with dbs.platform_pool.acquire() as conn:
        # Make `broken` look never migrated while a table the first migration creates is
        # already there: migration 1 fails in that schema only.
        await conn.execute(f'DELETE FROM "c_{broken}".schema_migrations')
        await conn.execute("UPDATE platform.communities SET schema_version=0 WHERE slug=$1", broken)
    try:
        failed = sanshi(env, "communities", "migrate", good, broken, "--workers", "2")
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert f"{broken}: DuplicateTableError" in failed.stdout
        assert "1 失败 failed" in failed.stdout and "1 已是最新 already current" in failed.stdout
        async with dbs.platform_pool.acquire() as conn:
            assert (
                await conn.fetchval(
                    "SELECT schema_version FROM platform.communities WHERE slug=$1", broken
                )
                == 0
            )
            assert (
                await conn.fetchval(f'SELECT count(version) FROM "c_{broken}".schema_migrations')
                == 0
            )
        unknown = sanshi(env, "communities", "migrate", "cli_nosuch")
        assert unknown.returncode == 2 and "cli_nosuch" in unknown.stderr
        toomany = sanshi(env, "migrate", "--workers", "9")
        assert toomany.returncode == 2  # click's usage error: 1..4
    finally:
        async with dbs.platform_pool.acquire() as conn:
            await conn.execute(f'DROP SCHEMA "c_{broken}" CASCADE')
            await conn.execute("DELETE FROM platform.communities WHERE slug=$1", broken)
        dbs.forget(broken)


async def test_migrate_refuses_or_waits_for_a_running_migrator(env, settings):
    """With the runner lock held: `sanshi migrate` exits 2 clearly; with --wait it waits, then 0."""
    holder = await asyncpg.connect(settings.database_url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATOR_LOCK_KEY)
        refused = sanshi(env, "migrate")
        assert refused.returncode == 2 and "MIGRATION_IN_PROGRESS" in refused.stderr
        assert "--wait" in refused.stderr
        timed_out = sanshi(env, "migrate", "--wait", "--wait-timeout", "1")
        assert timed_out.returncode == 2 and "MIGRATION_IN_PROGRESS" in timed_out.stderr
        waiting = await asyncio.create_subprocess_exec(
            *command(),
            "migrate",
            "--wait",
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        await asyncio.sleep(2.0)
        assert waiting.returncode is None  # still waiting for the lock
        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATOR_LOCK_KEY)
        stdout, stderr = await asyncio.wait_for(waiting.communicate(), TIMEOUT_S)
        out = stdout.decode()
        assert waiting.returncode == 0, out + stderr.decode()
        assert "迁移完成 Migration finished" in out
    finally:
        await holder.close()
