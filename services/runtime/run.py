"""`sanshi run`: embedded servers if needed, migrate, seed the demo, then API + worker."""

from __future__ import annotations

import asyncio
import fcntl
import os
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import click

from services.errors import SanshiError
from services.runtime import embedded, supervisor
from services.runtime.bootstrap import EMBEDDED_DATABASE
from services.runtime.supervisor import Interrupted, Supervisor
from services.settings import Settings

READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0


class RunFailed(Exception):
    """`sanshi run` cannot start; the message is shown to the user as it is (zh + en)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh}\n  {en}")
        self.zh = zh
        self.en = en


def say(zh: str, en: str = "") -> None:
    """One line for the person at the terminal, Chinese first."""
    click.echo(f"{zh}  {en}".rstrip() if en else zh)


# -- pieces -----------------------------------------------------------------------------


def public_host(host: str) -> str:
    """The host to put in a URL for a server bound to ``host`` (wildcards -> loopback)."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - we only map the wildcard to loopback
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def redact(url: str) -> str:
    """``url`` without its password, for printing."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def check_port_free(host: str, port: int) -> None:
    """Fail before starting anything if the API port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise RunFailed(
                f"端口 {host}:{port} 已被占用或不可用（{exc.strerror}）；"
                "请设置 SANSHI_PORT 换一个端口。",
                f"Port {host}:{port} is in use or unavailable ({exc.strerror}); "
                "set SANSHI_PORT to another port.",
            ) from None


def lock_data_dir(data_dir: Path) -> IO[str]:
    """Hold ``<data_dir>/run.lock`` for the life of this process.

    Two supervisors on one data folder would share (and each stop) the same embedded
    servers; the second one is refused instead. The lock goes away with the process,
    however it ends.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = (data_dir / "run.lock").open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise RunFailed(
            f"另一个 sanshi run 正在使用数据目录 {data_dir}。",
            f"Another `sanshi run` is using the data folder {data_dir}.",
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def child_env(settings: Settings) -> dict[str, str]:
    """The environment of the API and the worker: ours plus the servers' actual URLs."""
    env = dict(os.environ)
    assert settings.database_url and settings.redis_url  # filled in before spawning
    env.update(
        DATABASE_URL=settings.database_url,
        REDIS_URL=settings.redis_url,
        # Absolute, so a child started elsewhere still finds the JWT secret file.
        SANSHI_DATA_DIR=str(settings.data_dir.resolve()),
        SANSHI_HOST=settings.host,
        SANSHI_PORT=str(settings.port),
        PYTHONUNBUFFERED="1",
    )
    return env


def api_argv(settings: Settings) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn",
        "--factory", "services.app:create_app",
        "--host", settings.host,
        "--port", str(settings.port),
        "--timeout-graceful-shutdown", "10",
        # Our own log lines carry request ids (as in `sanshi serve`).
        "--no-access-log",
    ]  # fmt: skip


def worker_argv() -> list[str]:
    script = Path(sys.executable).with_name("sanshi")
    if script.exists():
        return [str(script), "worker"]
    return [sys.executable, "-c", "from services.cli import main; main()", "worker"]


def wait_ready(url: str, sup: Supervisor, timeout_s: float) -> bool:
    """Poll ``url`` until it answers 200; False on timeout. Stops early if a child dies."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if sup.dead():
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - our own http URL
                if resp.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    return False


async def prepare_database(settings: Settings, *, seed: bool, workers: int) -> bool:
    """Migrate the platform and every community, then seed the demo county if empty.

    Returns False when some community failed to migrate (the others are migrated).
    """
    from services.runtime.demo.county import seed_if_empty
    from services.runtime.demo.groups import describe, seed_groups
    from services.runtime.demo.triage import seed_demo_communities
    from services.runtime.demo.volunteers import describe as describe_volunteers
    from services.runtime.demo.volunteers import seed_volunteers
    from tenants import db
    from tenants.migrate import migrate_all

    async with db.running(settings, min_size=1, max_size=max(2, workers + 1)) as _:

        def progress(slug: str, outcome: str) -> None:
            # Up-to-date communities stay quiet: a restart over many of them prints nothing.
            if outcome != "current":
                say(f"  迁移 migrate {slug}: {outcome}")

        # wait=True: a `sanshi migrate` running elsewhere finishes first, then we check.
        report = await migrate_all(workers=workers, wait=True, on_progress=progress)
        say(
            f"迁移完成：{report.total} 个社区，{len(report.migrated)} 个已升级，"
            f"{len(report.failed)} 个失败（{report.seconds:.1f} 秒）",
            f"Migrated: {report.total} communities, {len(report.migrated)} upgraded, "
            f"{len(report.failed)} failed ({report.seconds:.1f} s)",
        )
        for slug, error in sorted(report.failed.items()):
            say(f"  迁移失败 {slug}", f"migration failed {slug}: {error}")
        if not report.ok:
            return False
        if seed:
            seeded = await seed_if_empty()
            if seeded is None:
                say("数据库已有社区，不播种演示数据。", "Communities exist; demo data not seeded.")
            else:
                say(
                    f"已播种演示县 嵊泗县：社区 {', '.join(seeded.communities_created)}，"
                    f"网格 {len(seeded.grids_created)} 个",
                    f"Seeded demo county Shengsi: communities "
                    f"{', '.join(seeded.communities_created)}, {len(seeded.grids_created)} grids",
                )
                # A year of triage in each new demo community (docs/demo.md).
                say("播种演示社区的住户、理事会和一年的诉求…", "Seeding a year of triage…")
                await seed_demo_communities(seeded.communities_created, settings, progress=say)
                # Their resident groups: the dog owners' association, ... (docs/demo.md).
                for slug in seeded.communities_created:
                    say(*describe(await seed_groups(slug, settings=settings)))
                    # Its volunteer teams: 13 in Donghai, Golden Harbour's 25th round, ...
                    say(*describe_volunteers(await seed_volunteers(slug, settings=settings)))
    return True


def print_banner(settings: Settings, *, started: float) -> None:
    """URLs, demo tokens (development only) and a curl example."""
    from services.runtime.tokens import curl_example, demo_tokens, exports

    base = f"http://{public_host(settings.host)}:{settings.port}"
    rule = "─" * 72
    click.echo(rule)
    say(f"三事平台已就绪（{supervisor.elapsed(started)}）", "Sanshi is ready")
    say(f"  GraphQL（浏览器中打开即为 GraphiQL）: {base}/graphql", "(GraphiQL in a browser)")
    say(f"  存活检查 liveness:  {base}/healthz")
    say(f"  就绪检查 readiness: {base}/readyz")
    if settings.is_production:
        click.echo(rule)
        return
    tokens = demo_tokens(settings)
    token_file = settings.data_dir.resolve() / "demo-tokens.sh"
    token_file.write_text(exports(tokens) + "\n", encoding="utf-8")
    token_file.chmod(0o600)
    click.echo(rule)
    say(
        "演示令牌（每个角色一个，复制到终端即可使用；也已写入",
        f"Demo tokens, one per role, ready to paste (also in {token_file}):",
    )
    click.echo(exports(tokens))
    click.echo(rule)
    say("示例 Example（县管理员查询东海社区 county admin reads Donghai）:")
    click.echo(curl_example(f"{base}/graphql", "SANSHI_TOKEN_COUNTY_ADMIN"))
    say(
        '在 GraphiQL 中：Headers 填 {"Authorization": "Bearer <令牌>"}',
        'In GraphiQL: set Headers to {"Authorization": "Bearer <token>"}',
    )
    click.echo(rule)
    say("按 Ctrl-C 停止全部进程。", "Press Ctrl-C to stop every process.")


# -- the whole run ----------------------------------------------------------------------


@dataclass
class _Cleanups:
    """Things to undo, last started first stopped (Redis before PostgreSQL)."""

    steps: list[tuple[str, Callable[[], object]]] = field(default_factory=list)

    def push(self, name: str, fn: Callable[[], object]) -> None:
        self.steps.append((name, fn))

    def run(self) -> None:
        for name, fn in reversed(self.steps):
            try:
                fn()
            except Exception as exc:  # keep stopping the rest
                say(f"停止 {name} 时出错", f"error stopping {name}: {exc}")


def run_platform(settings: Settings, *, seed: bool = True) -> int:
    """Start everything, supervise until Ctrl-C/SIGTERM (exit 0) or a child dies (exit 1)."""
    started = time.monotonic()
    sup = Supervisor()
    cleanups = _Cleanups()
    code = 0
    supervisor.handle_signals()
    try:
        check_port_free(settings.host, settings.port)
        data_dir = settings.data_dir.resolve()
        if not settings.database_url or not settings.redis_url:
            lock = lock_data_dir(data_dir)
            cleanups.push("run.lock", lock.close)
        if settings.database_url:
            say(f"使用 PostgreSQL {redact(settings.database_url)}", "(DATABASE_URL)")
        else:
            say(
                f"启动内置 PostgreSQL（数据在 {data_dir / 'pg'}）…", "Starting embedded PostgreSQL…"
            )
            # Registered before starting: a Ctrl-C during start-up must not leave it running.
            cleanups.push("PostgreSQL", lambda: embedded.stop_postgres(data_dir / "pg"))
            pg = embedded.start_postgres(data_dir)
            asyncio.run(embedded.ensure_database(pg.admin_url, EMBEDDED_DATABASE))
            settings = settings.with_overrides(database_url=pg.url(EMBEDDED_DATABASE))
            pgdata = pg.pgdata
            sup.watched["PostgreSQL"] = lambda: embedded.postgres_pid(pgdata) is not None
        if settings.redis_url:
            say(f"使用 Redis {redact(settings.redis_url)}", "(REDIS_URL)")
        else:
            say(f"启动内置 Redis（数据在 {data_dir / 'redis'}）…", "Starting embedded Redis…")
            redis_dir = data_dir / "redis"
            cleanups.push("Redis", lambda: embedded.stop_redis(redis_dir))
            try:
                redis = embedded.start_redis(redis_dir, persist=True)
            except RuntimeError as exc:
                raise RunFailed("内置 Redis 无法启动。", str(exc)) from None
            cleanups.push("Redis", redis.stop)
            settings = settings.with_overrides(redis_url=redis.url)
            sup.watched["Redis"] = lambda: redis.process.poll() is None
        ok = asyncio.run(prepare_database(settings, seed=seed, workers=settings.migrate_workers))
        if not ok:
            raise RunFailed(
                "有社区迁移失败，未启动服务。", "Some communities failed to migrate; not starting."
            )
        env = child_env(settings)
        sup.spawn("API", api_argv(settings), env)
        sup.spawn("worker", worker_argv(), env)
        ready_url = f"http://{public_host(settings.host)}:{settings.port}/readyz"
        if wait_ready(ready_url, sup, READY_TIMEOUT_S):
            print_banner(settings, started=started)
        elif not sup.dead():
            say(
                f"警告：{READY_TIMEOUT_S:.0f} 秒内 /readyz 未就绪，继续运行。",
                f"Warning: /readyz not ready within {READY_TIMEOUT_S:.0f} s; still running.",
            )
        dead = sup.wait()
        for name, rc in dead:
            say(
                f"进程 {name} 意外退出（退出码 {rc}），正在停止其余进程。",
                f"{name} stopped unexpectedly (exit code {rc}); stopping the rest.",
            )
        code = 1
    except Interrupted as sig:
        say(f"收到 {sig}，正在停止…", f"Got {sig}, stopping…")
        code = 0
    except RunFailed as err:
        say(f"错误：{err.zh}", f"Error: {err.en}")
        code = 2
    except SanshiError as err:  # e.g. another migrator held the lock past the wait
        say(f"错误 [{err.code}]：{err.message_zh}", err.message_en)
        code = 2
    finally:
        supervisor.ignore_signals()
        sup.stop_all(timeout_s=STOP_TIMEOUT_S)
        cleanups.run()
    say("已全部停止。", "Everything stopped.")
    return code
