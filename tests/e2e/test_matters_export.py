"""The ledger's CSV export over HTTP: bearer auth, Chinese headers, BOM, filters, isolation."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from datetime import date

import pytest

from services.auth.model import Principal, Role, Scope, ScopeKind
from services.grids.tables import Grid
from services.households.tables import Household
from services.matters import handlers
from services.matters.model import Channel, MatterKind, MatterStatus
from tenants.tx import tenant_tx
from workers import registry

_n = itertools.count(1)


@pytest.fixture
def major_topic() -> Iterator[None]:
    """`matter.major` is declared in this process (the routing issue declares it later)."""
    registry.load_actor_modules()
    if "matter.major" in registry.topics():
        yield
        return
    spec = registry.ActorSpec("tests.matter_major", lambda **_: None)
    with registry.declared(spec, topic_map={"matter.major": "tests.matter_major"}):
        yield


WORKER = Principal(
    "e2e-export-worker", frozenset({Role.GRID_WORKER}), Scope(ScopeKind.COMMUNITY, "alpha")
)


async def _seed(settings, slug: str) -> tuple[int, list[dict]]:
    """A fresh grid with three matters: a formula-looking title, one major, one plain."""
    async with tenant_tx(slug):
        grid = (await Grid.insert(Grid(code=f"csv{next(_n)}", name="导出网格")).returning(Grid.id))[
            0
        ]
        hid = (
            await Household.insert(Household(grid_id=grid["id"], address="东海路 3 号")).returning(
                Household.id
            )
        )[0]["id"]
    worker = Principal(WORKER.subject, WORKER.roles, Scope(ScopeKind.COMMUNITY, slug))
    made = []
    for category, title in (
        ("street_lighting", "巷口没有路灯，晚上很黑"),
        ("transport", "公交站应东移"),
        ("other", '=HYPERLINK("http://x")'),
    ):
        data = handlers.RegisterRequestInput(
            household_id=hid,
            channel=Channel.HOME_VISIT,
            category=category,
            title=title,
            description='描述，含逗号, and "quotes"',
            occurred_on=date(2026, 3, 2),
        )
        made.append(await handlers.register_request(worker, slug, data, settings))
    async with tenant_tx(slug) as tx:
        bus = await handlers.transition_in_tx(tx, worker, made[1], MatterStatus.AWAITING_COUNCIL)
        await handlers.classify_in_tx(tx, worker, bus, MatterKind.MAJOR, reasoning="交通局办理")
    return grid["id"], made


def _rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), body[:10]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


async def test_export_has_bom_bilingual_header_and_filtered_rows(
    http, token, settings, major_topic
):
    """A cadre exports alpha's ledger for one grid: BOM, 编号 Number header, Chinese labels."""
    grid_id, made = await _seed(settings, "alpha")
    r = await http.get(
        "/communities/alpha/ledger.csv",
        params={"grid": str(grid_id)},
        headers={"Authorization": f"Bearer {token('cadre_a')}"},
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = _rows(r.content)
    header, body = rows[0], rows[1:]
    assert header[0] == "编号 Number" and "状态 Status" in header and "类型 Kind" in header
    assert sorted(row[0] for row in body) == sorted(m.number for m in made)
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    bus = by_number[made[1].number]
    assert bus["类型 Kind"] == "大事" and bus["状态 Status"] == "已归类"
    assert bus["责任方 Responsible party"] == "县级部门"
    assert bus["描述 Description"] == '描述，含逗号, and "quotes"'
    assert by_number[made[2].number]["标题 Title"].startswith("'=")
    assert by_number[made[0].number]["渠道 Channel"] == "入户走访"
    major = await http.get(
        "/communities/alpha/ledger.csv",
        params=[("grid", str(grid_id)), ("kind", "major")],
        headers={"Authorization": f"Bearer {token('cadre_a')}"},
    )
    assert [row[0] for row in _rows(major.content)[1:]] == [made[1].number]
    searched = await http.get(
        "/communities/alpha/ledger.csv",
        params={"grid": str(grid_id), "q": "路灯", "status": "registered"},
        headers={"Authorization": f"Bearer {token('cadre_a')}"},
    )
    assert [row[0] for row in _rows(searched.content)[1:]] == [made[0].number]


async def test_export_refuses_anonymous_foreign_and_unprivileged_callers(http, token):
    """401 without a valid token; beta's cadre 404 like a missing one; 403; bad filter 400."""
    url = "/communities/alpha/ledger.csv"
    assert (await http.get(url)).status_code == 401
    forged = await http.get(url, headers={"Authorization": "Bearer nonsense"})
    assert forged.status_code == 401
    foreign = await http.get(url, headers={"Authorization": f"Bearer {token('cadre_b')}"})
    missing = await http.get(
        "/communities/nosuchplace/ledger.csv",
        headers={"Authorization": f"Bearer {token('cadre_b')}"},
    )
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert foreign.json()["errors"][0]["code"] == "COMMUNITY_NOT_FOUND"
    worker = token(Role.GRID_WORKER, Scope(ScopeKind.COMMUNITY, "alpha"))
    forbidden = await http.get(url, headers={"Authorization": f"Bearer {worker}"})
    assert forbidden.status_code == 403 and forbidden.json()["errors"][0]["code"] == "FORBIDDEN"
    bad = await http.get(
        url, params={"kind": "huge"}, headers={"Authorization": f"Bearer {token('cadre_a')}"}
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "INVALID_INPUT"
    admin = await http.get(
        url, params={"grid": "999999"}, headers={"Authorization": f"Bearer {token('admin')}"}
    )
    assert admin.status_code == 200 and len(_rows(admin.content)) == 1
