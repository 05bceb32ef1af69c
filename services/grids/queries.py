"""Read side of the grids context: a community's grids as typed rows."""

from __future__ import annotations

from typing import Any

import msgspec

from services.grids.tables import Grid
from tenants.tx import tenant_tx


class GridRow(msgspec.Struct, frozen=True):
    """A grid (网格) of a community."""

    id: int
    code: str
    name: str


_GRIDS_SQL = "SELECT id, code, name FROM grids ORDER BY code"


def grid_of(record: Any) -> GridRow:
    """A grids row (asyncpg record or Piccolo dict) as a GridRow."""
    return GridRow(id=record["id"], code=record["code"], name=record["name"])


async def grids_in(connection: Any) -> list[GridRow]:
    """Every grid of the community whose transaction ``connection`` is in, by code.

    For another context's read that shows grids beside its own rows in ONE transaction (a
    ledger page); the caller checked access to the community.
    """
    return [grid_of(r) for r in await connection.fetch(_GRIDS_SQL)]


async def list_grids(slug: str) -> list[GridRow]:
    """The community's grids ordered by code (the caller checked access)."""
    async with tenant_tx(slug) as tx:
        return await grids_in(tx.connection)


async def grid_ids() -> set[int]:
    """Ids of the community's grids, in the caller's tenant transaction (a few dozen at most)."""
    return {r["id"] for r in await Grid.select(Grid.id).run()}


async def grid_exists(grid_id: int) -> bool:
    """Is ``grid_id`` a grid of the community whose tenant transaction the caller holds?"""
    return bool(await Grid.exists().where(Grid.id == grid_id).run())


async def grid_by_id_in(connection: Any, grid_id: int | None) -> GridRow | None:
    """One grid by id, read on ``connection`` inside the caller's tenant transaction.

    For another context copying a grid's code and name (routing a major matter); None
    when there is no such grid (or no id).
    """
    if grid_id is None:
        return None
    record = await connection.fetchrow("SELECT id, code, name FROM grids WHERE id = $1", grid_id)
    return None if record is None else grid_of(record)


async def grid_by_code_in(connection: Any, code: str) -> GridRow | None:
    """One grid by its code, read on ``connection`` inside the caller's tenant transaction
    (a county routing rule names a grid by code); None when the community has none."""
    record = await connection.fetchrow("SELECT id, code, name FROM grids WHERE code = $1", code)
    return None if record is None else grid_of(record)
