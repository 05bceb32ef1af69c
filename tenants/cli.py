"""`sanshi counties`, `sanshi communities` and `sanshi migrate`: the registry from a shell."""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any, TypeVar

import click

from services.auth.model import Principal, Role, Scope, ScopeKind
from services.errors import CommunityNotFound, ConfirmationRequired
from services.settings import Settings, get_settings

T = TypeVar("T")

STATUS_LABELS = {"active": "在用 active", "archived": "已归档 archived"}


def cli_actor() -> Principal:
    """The principal CLI acts are recorded under: a county administrator of every county."""
    return Principal(
        f"cli:{getpass.getuser()}", frozenset({Role.COUNTY_ADMIN}), Scope(ScopeKind.COUNTY, "*")
    )


def _settings() -> Settings:
    from services.runtime.bootstrap import with_embedded_database

    return with_embedded_database(get_settings())


def _run(make: Callable[[], Awaitable[T]], *, connections: int | None = None) -> T:
    """Start pools (platform schema migrated), await ``make()``, close everything."""
    from services.runtime.bootstrap import platform_ready

    settings = _settings()
    overrides: dict[str, Any] = {"min_size": 1}
    if connections is not None:
        overrides["max_size"] = max(settings.db_pool_max, connections)

    async def main() -> T:
        async with platform_ready(settings, **overrides):
            return await make()

    return asyncio.run(main())


# -- counties ---------------------------------------------------------------------------
@click.group("counties")
def counties() -> None:
    """县 Counties: create and list."""


@counties.command("create")
@click.argument("code")
@click.option("--name", "name_zh", required=True, help="中文名称 Chinese name, e.g. 嵊泗县")
@click.option("--name-en", default="", help="英文名称 English name")
def counties_create(code: str, name_zh: str, name_en: str) -> None:
    """Create county CODE (e.g. shengsi) with its default departments and routing rules;
    an existing county only gets the defaults it lacks."""
    from services.communities.handlers import create_county

    def go() -> Any:
        return create_county(cli_actor(), code, name_zh, name_en)

    if _run(go):
        click.echo(f"已创建县 Created county: {code} {name_zh}")
    else:
        click.echo(f"县已存在，未做更改 County already exists, nothing changed: {code}")


@counties.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON output for scripts")
def counties_list(as_json: bool) -> None:
    """List counties with their number of communities."""
    from tenants import provisioning

    rows = _run(provisioning.list_counties)
    if as_json:
        click.echo(json.dumps([asdict(r) for r in rows], default=str, ensure_ascii=False))
        return
    _table(
        ["code", "名称 Name", "英文 English", "社区数 Communities"],
        [[r.code, r.name_zh, r.name_en, str(r.communities)] for r in rows],
    )


# -- communities ------------------------------------------------------------------------
@click.group("communities")
def communities() -> None:
    """社区 Communities (tenants): create, list, migrate, archive."""


@communities.command("create")
@click.argument("slug")
@click.option("--name", "name_zh", required=True, help="中文名称 Chinese name, e.g. 东海社区")
@click.option("--county", "county_code", required=True, help="县代码 county code, e.g. shengsi")
@click.option("--name-en", default="", help="英文名称 English name")
@click.option("--placement", default="default", show_default=True, help="数据库位置 database")
def communities_create(
    slug: str, name_zh: str, county_code: str, name_en: str, placement: str
) -> None:
    """Create community SLUG: registry row, schema c_SLUG, all migrations — or nothing."""
    from services.communities import handlers

    async def go() -> Any:
        return await handlers.create_community(
            cli_actor(), slug, name_zh, county_code, name_en=name_en, placement=placement
        )

    info = _run(go)
    click.echo(
        f"已创建社区 Created community: {info.slug} {info.name_zh} "
        f"(县 county {info.county_code}, 版本 version {info.schema_version}, "
        f"位置 placement {info.placement})"
    )


@communities.command("list")
@click.option("--county", "county_code", default=None, help="只列出此县 only this county")
@click.option("--json", "as_json", is_flag=True, help="JSON output for scripts")
def communities_list(county_code: str | None, as_json: bool) -> None:
    """List communities (archived ones included)."""
    from services.communities import handlers

    infos = _run(lambda: handlers.list_communities(cli_actor(), county_code))
    if as_json:
        click.echo(json.dumps([asdict(i) for i in infos], default=str, ensure_ascii=False))
        return
    _table(
        ["slug", "名称 Name", "县 County", "状态 Status", "版本 Version", "位置 Placement"],
        [
            [
                i.slug,
                i.name_zh,
                i.county_code,
                STATUS_LABELS.get(i.status, i.status),
                str(i.schema_version),
                i.placement,
            ]
            for i in infos
        ],
    )


@communities.command("archive")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="不再询问 do not ask for the slug again")
def communities_archive(slug: str, yes: bool) -> None:
    """Archive community SLUG: its data stays, it becomes read-only."""
    from services.communities import handlers

    actor = cli_actor()
    # Look it up first: an unknown slug fails before anyone is asked to confirm.
    info = _run(lambda: handlers.access_community_by_slug(actor, slug))
    confirm = slug
    if not yes:
        if not sys.stdin.isatty():
            click.echo(
                "没有可供确认的终端：请在命令后加 --yes。未做任何更改。\n"
                "  No terminal to confirm on: add --yes. Nothing was changed.",
                err=True,
            )
            raise ConfirmationRequired(slug=slug)
        click.echo(
            f"将归档社区 About to archive: {info.slug} {info.name_zh} "
            "（数据保留，变为只读 data is kept, it becomes read-only）",
            err=True,
        )
        confirm = click.prompt(
            "请再次输入社区标识以确认 Type the slug again to confirm",
            default="",
            show_default=False,
            err=True,
        ).strip()
        if confirm != slug:
            click.echo("输入不一致，未做任何更改 Does not match; nothing was changed", err=True)
            raise ConfirmationRequired(slug=slug)
    after = _run(lambda: handlers.archive_community(actor, slug, confirm_slug=confirm))
    click.echo(f"已归档社区 Archived community: {after.slug} {after.name_zh}")


# -- migrate ----------------------------------------------------------------------------
@click.command("migrate")
@click.argument("slugs", nargs=-1)
@click.option(
    "--workers",
    type=click.IntRange(1, 4),
    default=None,
    help="并行数 communities migrated in parallel (default: SANSHI_MIGRATE_WORKERS)",
)
@click.option("--wait", is_flag=True, help="等待正在运行的迁移 wait for a running migrator")
@click.option(
    "--wait-timeout",
    type=click.FloatRange(1, 3600),
    default=600,
    show_default=True,
    help="--wait 最长等待秒数 at most this many seconds",
)
@click.option(
    "--verify", is_flag=True, help="逐个检查社区模式 check every schema, not just the registry"
)
def migrate(
    slugs: tuple[str, ...], workers: int | None, wait: bool, wait_timeout: float, verify: bool
) -> None:
    """Apply migrations: the platform schema, then every community (or SLUGS).

    Exit code 0 when every community is current, 1 when any failed (listed at the end),
    2 for an expected error such as another migrator running.
    """
    from tenants.migrate import migrate_all

    workers = workers or min(4, max(1, get_settings().migrate_workers))
    progress = _Progress()

    async def go() -> Any:
        try:
            return await migrate_all(
                workers=workers,
                slugs=list(slugs) or None,
                wait=wait,
                wait_timeout_s=wait_timeout,
                verify=verify,
                on_start=progress.start,
                on_progress=progress.advance,
            )
        finally:
            progress.stop()

    try:
        report = _run(go, connections=workers + 1)
    except CommunityNotFound as err:
        click.echo(f"未知社区 Unknown communities: {err.detail}", err=True)
        raise
    click.echo(
        f"迁移完成 Migration finished (目标版本 target version {report.target}, "
        f"{report.total} 个社区 communities, {workers} workers): "
        f"{len(report.migrated)} 已迁移 migrated · {len(report.current)} 已是最新 already current"
        f" · {len(report.failed)} 失败 failed · {report.seconds:.2f} s"
    )
    if report.failed:
        click.echo("失败的社区（保持原版本）Failed communities (left at their old version):")
        for slug in sorted(report.failed):
            click.echo(f"  {slug}: {report.failed[slug]}")
        sys.exit(1)


class _Progress:
    """A rich progress bar when stderr is a terminal; plain lines otherwise."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.task: Any = None

    def start(self, total: int) -> None:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self.bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self.bar.start()
            self.task = self.bar.add_task("迁移 Migrating", total=total)
        else:
            click.echo(f"迁移 {total} 个社区 Migrating {total} communities", err=True)

    def advance(self, slug: str, outcome: str) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)
        elif outcome != "current":  # thousands of "current" lines would drown the failures
            label = {"migrated": "已迁移 migrated", "failed": "失败 FAILED"}[outcome]
            click.echo(f"  {slug}: {label}", err=True)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _table(headers: list[str], rows: list[list[str]]) -> None:
    """A rich table on a terminal; tab-separated lines (header first) for pipes."""
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(*headers)
        for row in rows:
            table.add_row(*row)
        Console().print(table)
        return
    click.echo("\t".join(headers))
    for row in rows:
        click.echo("\t".join(row))


communities.add_command(migrate)

COMMANDS = [counties, communities, migrate]
