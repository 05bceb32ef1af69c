"""The CSV export over several cursor batches: each batch's households are read through the
households context between two fetches of the cursor, in the export's one transaction."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date

import pytest

from services.auth.model import Principal, Role, Scope, ScopeKind
from services.grids.tables import Grid
from services.households.tables import Household
from services.matters import export, handlers
from services.matters.model import Channel
from services.matters.queries import MatterFilter
from tenants.db import statements
from tenants.tx import tenant_tx

_n = itertools.count(1)


async def test_export_reads_places_per_batch_in_one_transaction(
    settings, communities, monkeypatch: pytest.MonkeyPatch
):
    """5 matters in batches of 2: every row has its grid's name and household's address,
    one transaction, one households read per batch, no join on another context's table."""
    a, _ = communities
    cadre = Principal(
        "export-cadre", frozenset({Role.COMMUNITY_CADRE}), Scope(ScopeKind.COMMUNITY, a)
    )
    async with tenant_tx(a):
        code = f"ex{next(_n)}"
        g = (await Grid.insert(Grid(code=code, name="导出网格")).returning(Grid.id).run())[0]["id"]
        homes = [
            (
                await Household.insert(Household(grid_id=g, address=f"导出路{i}号"))
                .returning(Household.id)
                .run()
            )[0]["id"]
            for i in range(5)
        ]
    for i, h in enumerate(homes):
        await handlers.register_request(
            cadre,
            a,
            handlers.RegisterRequestInput(
                household_id=h,
                channel=Channel.PHONE,
                category="street_lighting",
                title=f"导出{i}",
                description="路灯",
                occurred_on=date(2026, 3, 1),
            ),
            settings,
        )
    monkeypatch.setattr(export, "BATCH", 2)
    with statements() as log:
        stream = await export.open_ledger_export(cadre, a, MatterFilter(grid_ids=(g,)))
        body = b"".join([chunk async for chunk in stream]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted(r["住户地址 Household address"] for r in rows) == [
        f"导出路{i}号" for i in range(5)
    ]
    assert {r["网格 Grid"] for r in rows} == {"导出网格"}
    assert [r["标题 Title"] for r in rows] == [f"导出{i}" for i in reversed(range(5))]
    assert sum("FROM households" in s for s in log) == 3, log  # batches of 2, 2 and 1
    assert not any("JOIN grids" in s or "JOIN households" in s for s in log), log
    tenant = [s for s in log if "set_config('search_path'" in s]
    assert len(tenant) == 2, log  # the registry (platform) and the export (tenant)
