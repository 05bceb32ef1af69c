"""GraphQL adapter of the grids context (网格): the Grid type and the createGrid mutation."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from services.api.context import require_principal
from services.api.errors import (
    CommunityArchivedErrorType,
    CommunityNotFoundErrorType,
    ForbiddenErrorType,
    InvalidInputErrorType,
    TextTooLongErrorType,
    UnauthenticatedErrorType,
    as_error,
    error_members,
    error_type,
)
from services.errors import SanshiError
from services.grids import handlers

GridExistsErrorType = error_type(
    handlers.GridExists, "GridExistsError", "网格编号已存在 / Grid code taken"
)


@strawberry.type(name="Grid", description="网格：社区划分的管理单元 / A grid of a community")
class GridType:
    id: strawberry.ID
    code: str = strawberry.field(description="社区内唯一的编号 / Code, unique in the community")
    name: str

    @classmethod
    def from_row(cls, row: dict) -> GridType:
        return cls(id=strawberry.ID(str(row["id"])), code=row["code"], name=row["name"])


@strawberry.input(name="CreateGridInput")
class CreateGridInput:
    code: str = strawberry.field(description="网格编号 / Grid code")
    name: str = strawberry.field(description="网格名称 / Grid name")


CreateGridResult = Annotated[
    GridType
    | UnauthenticatedErrorType
    | ForbiddenErrorType
    | CommunityNotFoundErrorType
    | CommunityArchivedErrorType
    | InvalidInputErrorType
    | TextTooLongErrorType
    | GridExistsErrorType,
    strawberry.union("CreateGridResult", description="新网格或失败原因 / The new grid or why not"),
]
CREATE_GRID_ERRORS = error_members(CreateGridResult)


@strawberry.type
class GridMutation:
    @strawberry.mutation(description="在社区中新增网格 / Add a grid to a community")
    async def create_grid(
        self, info: Info, community: str, input: CreateGridInput
    ) -> CreateGridResult:
        try:
            actor = require_principal(info)
            row = await handlers.create_grid(actor, community, input.code, input.name)
        except SanshiError as err:
            return as_error(err, CREATE_GRID_ERRORS)
        return GridType.from_row(row)
