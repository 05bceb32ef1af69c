"""CSV export of the ledger (台账导出): the filtered ledger, streamed, for Excel and WPS.

UTF-8 with a byte-order mark (Excel otherwise opens Chinese text as mojibake); one header
line, bilingual ("编号 Number"), so the file stays one-header CSV for every other tool.
Rows are streamed from a server-side cursor inside ONE tenant transaction, so an export
of the whole ledger never sits in memory and sees one consistent snapshot. Grid names and
household addresses come through the grids and households contexts' queries in that same
transaction (the grids once, the households of each batch in one statement), not by
joining their tables here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from services import localtime
from services.auth.model import Principal
from services.communities.handlers import community_for
from services.errors import InvalidInput
from services.grids import queries as grid_queries
from services.households import queries as household_queries
from services.matters.model import Channel, MatterKind, MatterStatus, ResponsibleParty
from services.matters.permissions import EXPORT_LEDGER
from services.matters.queries import DateField, MatterFilter, filter_conditions
from tenants.db import log_statement
from tenants.tx import tenant_tx

BOM = "\ufeff"
BATCH = 500


def _label(enum_type: Any) -> Callable[[Any], str]:
    return lambda v: "" if v is None else enum_type(v).label_zh


def _local_time(v: datetime) -> str:
    return v.astimezone(localtime.TIME_ZONE).strftime("%Y-%m-%d %H:%M")


def _text(v: Any) -> str:
    return "" if v is None else str(v)


# (column of the export query, Chinese header, English header, how a value is written).
COLUMNS: Sequence[tuple[str, str, str, Callable[[Any], str]]] = (
    ("number", "编号", "Number", _text),
    ("registered_at", "登记时间", "Registered at", _local_time),
    ("occurred_on", "发生日期", "Occurred on", _text),
    ("grid_name", "网格", "Grid", _text),
    ("address", "住户地址", "Household address", _text),
    ("category_name", "类别", "Category", _text),
    ("title", "标题", "Title", _text),
    ("description", "描述", "Description", _text),
    ("place", "地点", "Place", _text),
    ("channel", "渠道", "Channel", _label(Channel)),
    ("status", "状态", "Status", _label(MatterStatus)),
    ("kind", "类型", "Kind", _label(MatterKind)),
    ("responsible", "责任方", "Responsible party", _label(ResponsibleParty)),
    ("responsible_note", "负责人说明", "Responsible note", _text),
    ("suggested_kind", "建议类型", "Suggested kind", _label(MatterKind)),
)
HEADER = [f"{zh} {en}" for _, zh, en, _ in COLUMNS]

# Cells a spreadsheet would run as a formula (CSV injection): shown as text instead.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """``value`` as a spreadsheet shows it literally (a leading quote defuses formulas)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_lines(rows: Sequence[Sequence[str]]) -> str:
    """Rows as CSV text (CRLF line ends, as RFC 4180 and Excel expect)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def format_row(record: Mapping[str, Any]) -> list[str]:
    """One export row from a record of the export query."""
    return [safe_cell(write(record[key])) for key, _, _, write in COLUMNS]


# -- the filter from the URL ------------------------------------------------------------
def _ints(values: Sequence[str], name: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in values)
    except ValueError:
        raise InvalidInput(
            field_zh=f"参数 {name} 须为编号", field_en=f"{name} must be ids"
        ) from None


def _enums(enum_type: Any, values: Sequence[str], name: str) -> tuple[Any, ...]:
    try:
        return tuple(enum_type(v) for v in values)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_type)
        raise InvalidInput(
            field_zh=f"参数 {name} 须为 {allowed} 之一", field_en=f"{name} must be one of {allowed}"
        ) from None


def _date(values: Sequence[str], name: str) -> date | None:
    if not values:
        return None
    try:
        return date.fromisoformat(values[-1])
    except ValueError:
        raise InvalidInput(
            field_zh=f"参数 {name} 须为日期（YYYY-MM-DD）",
            field_en=f"{name} must be a date (YYYY-MM-DD)",
        ) from None


def filter_from_query(get_all: Callable[[str], Sequence[str]]) -> MatterFilter:
    """The ledger filter from URL parameters (the same filters as GraphQL's matters field).

    ``grid``, ``kind``, ``status``, ``category`` repeat for "any of"; ``dateField`` is
    ``registered`` (default) or ``occurred``; ``from`` / ``to`` are inclusive dates; ``q``
    searches title, description, number and place; ``household`` is a household id.
    """
    household = _ints(get_all("household"), "household")
    date_field = _enums(DateField, get_all("dateField")[-1:], "dateField")
    search = get_all("q")
    return MatterFilter(
        grid_ids=_ints(get_all("grid"), "grid"),
        kinds=_enums(MatterKind, get_all("kind"), "kind"),
        statuses=_enums(MatterStatus, get_all("status"), "status"),
        categories=tuple(get_all("category")),
        date_field=date_field[0] if date_field else DateField.REGISTERED,
        date_from=_date(get_all("from"), "from"),
        date_to=_date(get_all("to"), "to"),
        search=search[-1] if search else None,
        household_id=household[-1] if household else None,
    )


# -- the export ---------------------------------------------------------------------------
def export_query(filt: MatterFilter) -> tuple[str, list[Any]]:
    """The export SQL over this context's own tables (explicit columns, ledger order) and
    its arguments; each row names its grid and household by id (``with_places`` adds
    their name and address)."""
    args: list[Any] = []
    conds = filter_conditions(filt, args)
    where = f"WHERE {' AND '.join(conds)}" if conds else ""
    # Filter matters first, then join: the filter's column names stay unambiguous.
    sql = (
        "SELECT m.number, m.registered_at, m.occurred_on, m.grid_id, m.household_id, "
        "coalesce(c.name_zh, m.category) AS category_name, m.title, m.description, m.place, "
        "m.channel, m.status, m.kind, m.responsible, m.responsible_note, m.suggested_kind "
        "FROM (SELECT id, number, registered_at, occurred_on, grid_id, household_id, "
        "category, title, description, place, channel, status, kind, responsible, "
        f"responsible_note, suggested_kind FROM matters {where}) m "
        "LEFT JOIN categories c ON c.code = m.category "
        "ORDER BY m.registered_at DESC, m.id DESC"
    )
    return sql, args


def with_places(
    records: Sequence[Mapping[str, Any]],
    grid_names: Mapping[int, str],
    addresses: Mapping[int, str],
) -> list[dict[str, Any]]:
    """Export records with their grid's name and household's address (``grid_name``,
    ``address``); a grid or household that is not there (never, with the foreign keys)
    is written empty rather than dropping the matter from the export."""
    return [
        {
            **r,
            "grid_name": grid_names.get(r["grid_id"], ""),
            "address": addresses.get(r["household_id"], ""),
        }
        for r in records
    ]


async def open_ledger_export(
    actor: Principal, slug: str, filt: MatterFilter
) -> AsyncIterator[bytes]:
    """Check access now (so the caller can answer 401/403/404 before any byte is sent),
    then return the stream of the CSV file's bytes.

    Exporting is EXPORT_LEDGER (cadres, county administrators); it reads, so an
    archived community can still be exported.
    """
    await community_for(actor, slug, EXPORT_LEDGER, write=False)
    filt.check()
    return _stream(slug, filt)


async def _stream(slug: str, filt: MatterFilter) -> AsyncIterator[bytes]:
    yield (BOM + csv_lines([HEADER])).encode("utf-8")
    sql, args = export_query(filt)
    async with tenant_tx(slug) as tx:
        grid_names = {g.id: g.name for g in await grid_queries.grids_in(tx.connection)}
        log_statement(sql)
        # A server-side cursor in the tenant transaction (never Piccolo's .batch(), which
        # would leave the community's search_path); the lock serialises use of the
        # connection like every other call on it (the households' read between batches
        # takes it itself: the cursor's portal stays open until the transaction ends).
        async with tx.connection.lock:
            cursor = await tx.raw.cursor(sql, *args)
        while True:
            async with tx.connection.lock:
                records = await cursor.fetch(BATCH)
            if not records:
                break
            households = await household_queries.households_by_id_in(
                tx.connection, {r["household_id"] for r in records}
            )
            addresses = {i: h.address for i, h in households.items()}
            rows = with_places(records, grid_names, addresses)
            yield csv_lines([format_row(r) for r in rows]).encode("utf-8")
