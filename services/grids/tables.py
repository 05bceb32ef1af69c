"""Tenant tables of the grids context (declared without a schema: search_path decides)."""

from __future__ import annotations

from piccolo.columns import Serial, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.db import ENGINE


class Grid(Table, tablename="grids", db=ENGINE):
    """A grid (网格) of one community; ``code`` is unique within the community."""

    id = Serial(primary_key=True)
    code = Text(unique=True)
    name = Text()
    created_at = Timestamptz(default=TimestamptzNow())
