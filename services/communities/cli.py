"""`sanshi counties` and `sanshi communities`: the registry from a shell."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Any

import click

from services.errors import ConfirmationRequired
from services.kernel.cli import cli_actor, print_table, run
from tenants.cli import migrate

STATUS_LABELS = {"active": "在用 active", "archived": "已归档 archived"}


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

    if run(go):
        click.echo(f"已创建县 Created county: {code} {name_zh}")
    else:
        click.echo(f"县已存在，未做更改 County already exists, nothing changed: {code}")


@counties.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON output for scripts")
def counties_list(as_json: bool) -> None:
    """List counties with their number of communities."""
    from tenants import provisioning

    rows = run(provisioning.list_counties)
    if as_json:
        click.echo(json.dumps([asdict(r) for r in rows], default=str, ensure_ascii=False))
        return
    print_table(
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

    info = run(go)
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

    infos = run(lambda: handlers.list_communities(cli_actor(), county_code))
    if as_json:
        click.echo(json.dumps([asdict(i) for i in infos], default=str, ensure_ascii=False))
        return
    print_table(
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
    info = run(lambda: handlers.access_community_by_slug(actor, slug))
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
    after = run(lambda: handlers.archive_community(actor, slug, confirm_slug=confirm))
    click.echo(f"已归档社区 Archived community: {after.slug} {after.name_zh}")


communities.add_command(migrate)

COMMANDS = [counties, communities]
