"""Use cases of the grids context."""

from __future__ import annotations

import asyncpg

from services import audit
from services.auth.model import Principal, Role, ScopeKind
from services.communities.handlers import access_community_by_slug
from services.errors import CommunityArchived, Forbidden, InvalidInput, TextTooLong
from services.grids.queries import GridRow, grid_of
from services.grids.tables import Grid
from tenants.tx import tenant_tx


class GridExists(InvalidInput):
    code = "GRID_EXISTS"
    zh = "网格编号「{grid_code}」已存在"
    en = "Grid code '{grid_code}' already exists"


def can_manage_grids(actor: Principal, slug: str) -> bool:
    """Community cadres of the community, and county administrators of its county."""
    if actor.scope.kind is ScopeKind.COMMUNITY:
        return actor.scope.id == slug and actor.has(Role.COMMUNITY_CADRE)
    return actor.has(Role.COUNTY_ADMIN)


async def create_grid(actor: Principal, slug: str, code: str, name: str) -> GridRow:
    """Add a grid to a community."""
    info = await access_community_by_slug(actor, slug)
    if not can_manage_grids(actor, slug):
        raise Forbidden()
    if info.status == "archived":
        raise CommunityArchived(slug=slug)
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise InvalidInput(
            field_zh="网格编号和名称不能为空", field_en="grid code and name are required"
        )
    if len(code) > 40:
        raise TextTooLong(field="code", limit=40)
    if len(name) > 100:
        raise TextTooLong(field="name", limit=100)
    async with tenant_tx(slug) as tx:
        try:
            rows = (
                await Grid.insert(Grid(code=code, name=name)).returning(*Grid.all_columns()).run()
            )
        except asyncpg.UniqueViolationError:
            raise GridExists(grid_code=code) from None
        grid = rows[0]
        await audit.record(tx, actor, "grid.create", f"grid:{grid['id']}", after=grid)
    return grid_of(grid)
