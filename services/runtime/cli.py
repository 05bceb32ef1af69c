"""CLI commands of the runtime: `sanshi run`, `sanshi seed-demo`, `sanshi seed-realistic`,
`sanshi embedded ...`."""

from __future__ import annotations

import asyncio
import sys

import click

from services.settings import Settings, SettingsError


def _settings() -> Settings:
    """Settings from the environment; a bad value is a clear bilingual message, exit 2."""
    try:
        return Settings.from_env()
    except SettingsError as err:
        click.echo(f"配置错误 Configuration error: {err}", err=True)
        sys.exit(2)


@click.command("run")
@click.option(
    "--seed/--no-seed",
    default=None,
    help="在空数据库中播种演示县（开发环境默认开启）。Seed the demo county into an empty "
    "database (default: on, except with SANSHI_ENV=production).",
)
def run(seed: bool | None) -> None:
    """启动全部：内置数据库（如需）、迁移、API 与 worker。Start everything: embedded servers
    unless DATABASE_URL/REDIS_URL are set, migrations, the API and one worker; Ctrl-C stops all.
    """
    from services.runtime.run import run_platform

    settings = _settings()
    sys.exit(run_platform(settings, seed=not settings.is_production if seed is None else seed))


@click.command("seed-demo")
def seed_demo() -> None:
    """播种演示县嵊泗县（可重复执行）。Seed the demo county Shengsi (idempotent)."""
    from services.runtime.bootstrap import platform_ready, with_embedded_database
    from services.runtime.demo.county import seed_demo as do_seed

    settings = with_embedded_database(_settings())

    async def main() -> None:
        async with platform_ready(settings):
            report = await do_seed()
        if not report.changed:
            click.echo("演示数据已齐全，无需改动。  Demo data already complete; nothing changed.")
            return
        click.echo(
            f"已播种 Seeded: 县 county {'shengsi' if report.county_created else '-'}; "
            f"社区 communities {', '.join(report.communities_created) or '-'}; "
            f"网格 grids {len(report.grids_created)}"
        )
        for slug in report.skipped:
            click.echo(
                f"跳过 {slug}：该标识已被其他县的社区使用。  "
                f"Skipped {slug}: the slug belongs to a community of another county."
            )

    asyncio.run(main())


@click.command("seed-realistic")
@click.argument("slug")
@click.option(
    "--households",
    default=2000,
    show_default=True,
    type=click.IntRange(1, 20000),
    help="住户数 Households to create.",
)
@click.option(
    "--requests",
    default=400,
    show_default=True,
    type=click.IntRange(0, 5000),
    help="一年中的诉求数 Requests over the year.",
)
@click.option(
    "--seed",
    "rng_seed",
    default=20140301,
    show_default=True,
    type=int,
    help="随机种子（同一种子生成同样的社区）Random seed (same seed, same community).",
)
def seed_realistic(slug: str, households: int, requests: int, rng_seed: int) -> None:
    """为社区播种一年的三事分流数据（已有住户则不动）。Seed community SLUG with a realistic
    year of triage: staff, households, a council of 3 per grid, requests through monthly
    sessions and follow-up; then its resident groups (the dog owners' association, the
    volunteer team, ...). A community that already has households is left as it is.
    """
    from services.runtime.bootstrap import platform_ready, with_embedded_database
    from services.runtime.demo.groups import describe, seed_groups
    from services.runtime.demo.triage import seed_realistic as do_seed
    from services.runtime.demo.volunteers import describe as describe_volunteers
    from services.runtime.demo.volunteers import seed_volunteers

    settings = with_embedded_database(_settings())

    def say(zh: str, en: str) -> None:
        click.echo(f"{zh}  {en}")

    async def main() -> None:
        async with platform_ready(settings, min_size=1, max_size=max(settings.db_pool_max, 5)):
            report = await do_seed(
                slug,
                households=households,
                requests=requests,
                rng_seed=rng_seed,
                settings=settings,
                progress=say,
            )
        if report.skipped:
            click.echo(
                f"社区 {slug} 已有住户，未播种。  Community {slug} already has households; "
                "nothing seeded."
            )
            return
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(report.statuses.items()))
        click.echo(
            f"已播种 {slug}：工作人员 {report.staff}，住户 {report.households}，"
            f"居民 {report.residents}，理事会成员 {report.council}，会议 {report.sessions}，"
            f"诉求 {report.requests}，表决 {report.votes}（{report.seconds:.1f} 秒）\n"
            f"  Seeded {slug}: {report.staff} staff, {report.households} households, "
            f"{report.residents} residents, {report.council} council members, "
            f"{report.sessions} sessions, {report.requests} requests, {report.votes} votes "
            f"({report.seconds:.1f} s)\n  状态 statuses: {statuses}"
        )
        async with platform_ready(settings, min_size=1, max_size=max(settings.db_pool_max, 5)):
            grouped = await seed_groups(slug, settings=settings)
            helped = await seed_volunteers(slug, settings=settings)
        if not grouped.skipped:
            say(*describe(grouped))
        if not helped.skipped:
            say(*describe_volunteers(helped))

    asyncio.run(main())


@click.group("embedded")
def embedded() -> None:
    """内置 PostgreSQL/Redis（开发用）。The embedded PostgreSQL and Redis (development)."""


@embedded.command("status")
def embedded_status() -> None:
    """显示数据目录下内置服务器是否在运行。Show whether embedded servers run under the data dir."""
    from services.runtime import embedded as emb

    data_dir = _settings().data_dir.resolve()
    pg = emb.postgres_pid(data_dir / "pg")
    rd = emb.redis_pid(data_dir / "redis")
    click.echo(
        f"PostgreSQL {data_dir / 'pg'}: {f'运行中 running (pid {pg})' if pg else '未运行 stopped'}"
    )
    click.echo(
        f"Redis {data_dir / 'redis'}: {f'运行中 running (pid {rd})' if rd else '未运行 stopped'}"
    )


@embedded.command("stop")
def embedded_stop() -> None:
    """停止数据目录下遗留的内置服务器。Stop embedded servers left running under the data dir.

    CLI commands run without DATABASE_URL start the embedded PostgreSQL and leave it
    running (so the next command is quick); this stops it.
    """
    from services.runtime import embedded as emb

    data_dir = _settings().data_dir.resolve()
    stopped_pg = emb.stop_postgres(data_dir / "pg")
    stopped_redis = emb.stop_redis(data_dir / "redis")
    click.echo(
        f"PostgreSQL: {'已停止 stopped' if stopped_pg else '未在运行 was not running'}; "
        f"Redis: {'已停止 stopped' if stopped_redis else '未在运行 was not running'}"
    )


COMMANDS = [run, seed_demo, seed_realistic, embedded]
