"""`sanshi migrate`: apply the migrations to the platform schema and every community."""

from __future__ import annotations

import sys
from typing import Any

import click

from services.errors import CommunityNotFound
from services.kernel.cli import run
from services.settings import get_settings


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
        report = run(go, connections=workers + 1)
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


COMMANDS = [migrate]
