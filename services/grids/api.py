"""GraphQL adapter of the grids context (网格): the Grid type, Community.grids, createGrid."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from services.api.kit import loaders
from services.api.kit.errors import error_type
from services.api.kit.results import COMMUNITY_ACT, INPUT, attempt, result
from services.auth.model import Principal
from services.communities.api import CommunityType
from services.grids import handlers, queries
from services.grids.queries import GridRow

GridExistsErrorType = error_type(
    handlers.GridExists, "GridExistsError", "网格编号已存在 / Grid code taken"
)


@strawberry.type(name="Grid", description="网格：社区划分的管理单元 / A grid of a community")
class GridType:
    id: strawberry.ID
    code: str = strawberry.field(description="社区内唯一的编号 / Code, unique in the community")
    name: str

    @classmethod
    def of(cls, row: GridRow) -> GridType:
        return cls(id=strawberry.ID(str(row.id)), code=row.code, name=row.name)


# Every grid of a community, per request (a community has a handful; other contexts' types
# pick theirs out of the list: a matter's grid, a council member's grid).
grids_of_community = loaders.per_slug(queries.list_grids)


async def grid_by_id(info: Info, slug: str, grid_id: int | None) -> GridType | None:
    """The grid ``grid_id`` of community ``slug`` for another context's type (None if none)."""
    if grid_id is None:
        return None
    rows: list[GridRow] = await loaders.loader(info, grids_of_community).load(slug)
    return next((GridType.of(g) for g in rows if g.id == grid_id), None)


async def _grids(root: CommunityType, info: Info) -> list[GridType]:
    rows = await loaders.loader(info, grids_of_community).load(root.slug)
    return [GridType.of(r) for r in rows]


@strawberry.type
class CommunityGrids:
    """The grids context's field on Community."""

    grids = strawberry.field(
        resolver=_grids, description="社区的网格，按编号排序 / Its grids, by code"
    )


@strawberry.input(name="CreateGridInput")
class CreateGridInput:
    code: str = strawberry.field(description="网格编号 / Grid code")
    name: str = strawberry.field(description="网格名称 / Grid name")


CreateGridResult = result(
    "CreateGridResult",
    "新网格或失败原因 / The new grid or why not",
    GridType,
    *COMMUNITY_ACT,
    *INPUT,
    GridExistsErrorType,
)


@strawberry.type
class GridMutation:
    @strawberry.mutation(description="在社区中新增网格 / Add a grid to a community")
    async def create_grid(
        self, info: Info, community: str, input: CreateGridInput
    ) -> CreateGridResult:
        async def act(actor: Principal) -> GridType:
            return GridType.of(await handlers.create_grid(actor, community, input.code, input.name))

        return await attempt(info, CreateGridResult, act)
