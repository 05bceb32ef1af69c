"""`sanshi groups list|members` run as a real process against the test database."""

from __future__ import annotations

import json
import secrets
from datetime import date

from services.auth.model import Principal, Role, Scope, ScopeKind
from services.grids.handlers import create_grid
from services.groups import handlers as groups
from services.groups.model import GroupKind, GroupRole
from services.households import handlers as hh
from tests.integration.test_cli_tenants import env, sanshi  # noqa: F401 (env: a fixture)

CADRE = Principal(
    "cli-groups-cadre", frozenset({Role.COMMUNITY_CADRE}), Scope(ScopeKind.COMMUNITY, "alpha")
)


async def test_groups_list_and_members(settings, communities, env):  # noqa: F811
    """The directory and a member list come out as tables and JSON; phones never do."""
    a, _ = communities
    tag = secrets.token_hex(3)
    grid = (await create_grid(CADRE, a, f"cli-{tag}", "命令行网格")).id
    home = await hh.create_household(
        CADRE, a, hh.HouseholdInput(grid, f"犬巷 1 号 {tag}", 2), settings
    )
    person = await hh.add_resident(
        CADRE, a, home.id, hh.ResidentInput("张犬主", "13912345678", f"cli-{tag}"), settings
    )
    group = await groups.register_group(
        CADRE, a, groups.GroupInput(GroupKind.SELF_GOVERNANCE, f"养犬协会{tag}", date(2026, 9, 1))
    )
    gid = group.group.id
    await groups.add_member(
        CADRE, a, gid, groups.MemberInput(home.id, date(2026, 9, 2), person.id, GroupRole.LEADER)
    )

    listed = sanshi(env, "groups", "list", "--community", a, "--json")
    assert listed.returncode == 0, listed.stderr
    mine = [g for g in json.loads(listed.stdout) if g["id"] == gid]
    assert mine and mine[0]["name_zh"] == f"养犬协会{tag}" and mine[0]["member_count"] == 1

    table = sanshi(env, "groups", "list", "--community", a, "--kind", "self_governance")
    assert table.returncode == 0 and f"养犬协会{tag}" in table.stdout and "自治协会" in table.stdout

    members = sanshi(env, "groups", "members", "--community", a, str(gid), "--json")
    assert members.returncode == 0, members.stderr
    assert json.loads(members.stdout) == [
        {
            "member_id": json.loads(members.stdout)[0]["member_id"],
            "household_id": home.id,
            "address": f"犬巷 1 号 {tag}",
            "resident": "张犬主",
            "role": "leader",
            "joined_on": "2026-09-02",
            "left_on": None,
        }
    ]
    plain = sanshi(env, "groups", "members", "--community", a, str(gid))
    assert plain.returncode == 0 and "负责人" in plain.stdout and "13912345678" not in plain.stdout


async def test_groups_bad_input_exits_2(settings, communities, env):  # noqa: F811
    """An unknown kind, a missing group, another community's group: exit 2 with zh/en."""
    a, b = communities
    kind = sanshi(env, "groups", "list", "--community", a, "--kind", "choir")
    assert kind.returncode == 2 and "未知类型" in kind.stderr and "volunteer_team" in kind.stderr
    missing = sanshi(env, "groups", "members", "--community", a, "999999")
    assert missing.returncode == 2 and "GROUP_NOT_FOUND" in missing.stderr
    tag = secrets.token_hex(3)
    grid = (await create_grid(CADRE, a, f"cli2-{tag}", "命令行网格二")).id
    home = await hh.create_household(
        CADRE, a, hh.HouseholdInput(grid, f"合唱巷 {tag}", 1), settings
    )
    group = await groups.register_group(
        CADRE, a, groups.GroupInput(GroupKind.INTEREST, f"合唱团{tag}", date(2026, 9, 1))
    )
    await groups.add_member(CADRE, a, group.group.id, groups.MemberInput(home.id, date(2026, 9, 2)))
    other = sanshi(env, "groups", "members", "--community", b, str(group.group.id), "--json")
    # beta answers from its own schema: not found, or whichever beta group has that id
    if other.returncode == 2:
        assert "GROUP_NOT_FOUND" in other.stderr
    else:
        assert other.returncode == 0 and f"合唱巷 {tag}" not in other.stdout
