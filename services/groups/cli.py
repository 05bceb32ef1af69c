"""`sanshi groups list|members`: a community's resident groups (居民自治组织) and their members,
for an operator checking a rollout or handing a list to a community office."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click
from msgspec.structs import asdict

from services.kernel.cli import cli_actor, print_table, run

if TYPE_CHECKING:
    from services.groups.queries import Page

_YES, _NO = "是 yes", "否 no"


@click.group("groups")
def groups() -> None:
    """居民自治组织 Resident groups: list a community's groups and a group's members."""


async def _all_pages(fetch: Any) -> list[Any]:
    """Every item of a paged read (``fetch(after) -> Page``), page after page."""
    items: list[Any] = []
    after: str | None = None
    while True:
        page: Page = await fetch(after)
        items.extend(page.items)
        if not page.has_next_page:
            return items
        after = page.end_cursor


@groups.command("list")
@click.option("--community", required=True, help="社区 slug, e.g. donghai")
@click.option("--kind", help="类型 only this kind: self_governance, volunteer_team, elders, ...")
@click.option("--all", "include_dissolved", is_flag=True, help="含已解散 include dissolved groups")
@click.option("--json", "as_json", is_flag=True, help="JSON output for scripts")
def groups_list(community: str, kind: str | None, include_dissolved: bool, as_json: bool) -> None:
    """List the community's groups by id, with their current member counts."""
    from services.groups.model import GroupKind
    from services.groups.queries import MAX_PAGE, list_groups

    if kind is not None and kind not in {k.value for k in GroupKind}:
        raise click.BadParameter(
            f"未知类型 unknown kind {kind!r}: " + ", ".join(k.value for k in GroupKind),
            param_hint="--kind",
        )
    wanted = None if kind is None else GroupKind(kind)
    views = run(
        lambda: _all_pages(
            lambda after: list_groups(
                cli_actor(),
                community,
                kind=wanted,
                include_dissolved=include_dissolved,
                first=MAX_PAGE,
                after=after,
            )
        )
    )
    rows = [v.group for v in views]
    if as_json:
        click.echo(json.dumps([asdict(r) for r in rows], default=str, ensure_ascii=False))
        return
    print_table(
        ["id", "类型 Kind", "名称 Name", "成立 Founded", "成员 Members", "解散 Dissolved"],
        [
            [
                str(r.id),
                GroupKind(r.kind).label_zh + " " + r.kind,
                r.name_zh,
                r.founded_on.isoformat(),
                str(r.member_count),
                r.dissolved_on.isoformat() if r.dissolved_on else "",
            ]
            for r in rows
        ],
    )


@groups.command("members")
@click.option("--community", required=True, help="社区 slug, e.g. donghai")
@click.argument("group_id", type=click.IntRange(min=1))
@click.option("--former", is_flag=True, help="含已退出 include members who have left")
@click.option("--json", "as_json", is_flag=True, help="JSON output for scripts")
def groups_members(community: str, group_id: int, former: bool, as_json: bool) -> None:
    """List a group's members: household address, the resident named, role, dates.

    Phones are never printed: a list handed to an office carries names and addresses only.
    """
    from services.groups.model import GroupRole
    from services.groups.queries import MAX_PAGE, members_page

    views = run(
        lambda: _all_pages(
            lambda after: members_page(
                cli_actor(), community, group_id, first=MAX_PAGE, after=after, include_former=former
            )
        )
    )
    records = [
        {
            "member_id": v.member.id,
            "household_id": v.member.household_id,
            "address": v.household.address if v.household else "",
            "resident": v.resident.name if v.resident else "",
            "role": v.member.role,
            "joined_on": v.member.joined_on.isoformat(),
            "left_on": v.member.left_on.isoformat() if v.member.left_on else None,
        }
        for v in views
    ]
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False))
        return
    print_table(
        ["id", "住户 Household", "成员 Resident", "角色 Role", "加入 Joined", "退出 Left"],
        [
            [
                str(r["member_id"]),
                str(r["address"]),
                str(r["resident"]),
                GroupRole(str(r["role"])).label_zh + " " + str(r["role"]),
                str(r["joined_on"]),
                str(r["left_on"] or ""),
            ]
            for r in records
        ],
    )


COMMANDS = [groups]
