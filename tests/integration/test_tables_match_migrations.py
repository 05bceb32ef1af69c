"""The Piccolo tables and the SQL migrations describe the same columns."""

from __future__ import annotations

import importlib
import pkgutil

from piccolo.table import Table

import services
from tenants import db
from tenants.tx import tenant_tx


def _our_tables() -> list[type[Table]]:
    """Every Piccolo table bound to our engine, after importing every tables module."""
    for mod in pkgutil.walk_packages(services.__path__, "services."):
        if mod.name.endswith(".tables"):
            importlib.import_module(mod.name)
    importlib.import_module("tenants.registry")
    seen, stack = [], list(Table.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls._meta._db is db.ENGINE:
            seen.append(cls)
    return seen


async def test_every_table_matches_its_migrated_columns(communities):
    """Each table's columns exist in the migrated schema (tenant tables checked in a community)."""
    a, _ = communities
    tables = _our_tables()
    assert {t._meta.tablename for t in tables} >= {"grids", "communities", "counties"}
    async with tenant_tx(a) as tx:
        for table in tables:
            schema = table._meta.schema or f"c_{a}"
            rows = await tx.connection.fetch(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = $1 AND table_name = $2",
                schema,
                table._meta.tablename,
            )
            actual = {r["column_name"] for r in rows}
            declared = {c._meta.db_column_name for c in table._meta.columns}
            assert declared <= actual, (table.__name__, declared - actual)
