"""Read side of the matters context: the ledger (登记造册 / 台账), one matter, and batch loads.

The ledger and a single matter check access themselves (``access_community_by_slug`` plus
the view operations of the permission matrix); the ``*_by_matter`` / ``households_by_id``
batch functions serve DataLoaders whose parent objects were access-checked already. The
``*_in`` functions read inside a transaction the caller holds (the council's, a
handler's). Everything here returns the typed rows of ``services.matters.rows``.
"""

from __future__ import annotations

import enum
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import msgspec

from services import localtime
from services.auth.model import Principal, ScopeKind, can_read_community
from services.auth.permissions import allowed
from services.communities.handlers import access_community_by_slug
from services.communities.permissions import VIEW_LEDGER, VIEW_OWN_MATTERS
from services.errors import CommunityNotFound, Forbidden, InvalidInput
from services.grids import queries as grid_queries
from services.households import queries as household_queries
from services.households.masking import Visibility, visibility_for
from services.households.queries import HouseholdRow
from services.kernel.pagination import check_page_size, decode_cursor, encode_cursor
from services.matters import model
from services.matters.errors import MatterNotFound
from services.matters.model import MatterKind, MatterStatus
from services.matters.rows import (
    CategoryRow,
    CommitmentRow,
    CommunitySettingsRow,
    FeedbackRow,
    MatterRow,
    MatterSettingsRow,
    MatterView,
    NegotiationRow,
    ReferralRow,
    Row,
    RuleRow,
    SheetRow,
    TransitionRow,
    columns_of,
)
from services.matters.tables import Category, CommunitySettings, Matter, SuggestionRuleRow
from tenants.provisioning import CommunityInfo
from tenants.tx import tenant_tx

# Explicit column list for raw SQL on matters (never SELECT *: see docs/tenancy.md, trap 7);
# in MatterRow's field order, so a record builds one positionally.
MATTER_COLUMNS = columns_of(MatterRow)

DEFAULT_PAGE = 50
MAX_PAGE = 200
MAX_SEARCH_LENGTH = 100


class DateField(enum.StrEnum):
    """Which date a ledger date range applies to."""

    REGISTERED = "registered"  # when it was entered into the ledger
    OCCURRED = "occurred"  # when the resident says it happened


@dataclass(frozen=True)
class MatterFilter:
    """Ledger filters; empty tuples and None mean "any"."""

    grid_ids: tuple[int, ...] = ()
    kinds: tuple[MatterKind, ...] = ()
    statuses: tuple[MatterStatus, ...] = ()
    categories: tuple[str, ...] = ()
    date_field: DateField = DateField.REGISTERED
    date_from: date | None = None
    date_to: date | None = None
    search: str | None = None
    household_id: int | None = None

    def check(self) -> None:
        """Refuse filters that cannot mean anything (so a typo is not an empty ledger)."""
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInput(
                field_zh="起始日期晚于结束日期", field_en="the date range starts after it ends"
            )
        if self.search is not None and len(self.search) > MAX_SEARCH_LENGTH:
            raise model.FieldTooLong(field="search", field_zh="搜索词", limit=MAX_SEARCH_LENGTH)


class MatterPage(msgspec.Struct, frozen=True):
    """One page of the ledger, newest first, with the total over all pages.

    ``related`` holds what the caller asked to have fetched with the page (see
    ``fetch_related``: kind of row -> its rows), read in the page's own transaction.
    """

    rows: list[MatterRow]
    total_count: int
    has_next_page: bool
    end_cursor: str | None
    related: dict[str, Any] = {}


# -- SQL for filters ----------------------------------------------------------------------
def _like(text: str) -> str:
    """``text`` as an ILIKE pattern that matches it literally anywhere."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filter_conditions(f: MatterFilter, args: list[Any]) -> list[str]:
    """SQL conditions (with $n placeholders appended to ``args``) for the ledger filters."""

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    conds: list[str] = []
    if f.grid_ids:
        conds.append(f"grid_id = ANY({arg(list(f.grid_ids))}::int[])")
    if f.kinds:
        conds.append(f"kind = ANY({arg([k.value for k in f.kinds])}::text[])")
    if f.statuses:
        conds.append(f"status = ANY({arg([s.value for s in f.statuses])}::text[])")
    if f.categories:
        conds.append(f"category = ANY({arg(list(f.categories))}::text[])")
    if f.household_id is not None:
        conds.append(f"household_id = {arg(f.household_id)}")
    if f.date_field is DateField.OCCURRED:
        day = "occurred_on"
    else:
        # Dates a user types ("registered on 3 March") are local dates.
        day = f"(registered_at AT TIME ZONE '{localtime.TIME_ZONE_NAME}')::date"
    if f.date_from is not None:
        conds.append(f"{day} >= {arg(f.date_from)}")
    if f.date_to is not None:
        conds.append(f"{day} <= {arg(f.date_to)}")
    if f.search and f.search.strip():
        # ILIKE over four columns: a community has thousands of matters, not millions.
        p = arg(_like(f.search.strip()))
        conds.append(
            f"(title ILIKE {p} OR description ILIKE {p} OR number ILIKE {p} OR place ILIKE {p})"
        )
    return conds


def _where(conds: Sequence[str]) -> str:
    return f"WHERE {' AND '.join(conds)}" if conds else ""


# -- access -------------------------------------------------------------------------------
async def resident_household(subject: str) -> int | None:
    """The household of the resident who signs in as ``subject`` (inside a tenant_tx)."""
    return await household_queries.own_household_id(subject)


async def access_matter_in_tx(
    actor: Principal, slug: str, county: str, matter_id: int, *, for_update: bool = False
) -> MatterRow:
    """The matter if ``actor`` may see it, else MatterNotFound (missing looks the same).

    Staff, council members and county users with the ledger permission see every matter
    of the community; a resident sees only their own household's. Runs inside the
    caller's tenant transaction; ``for_update`` locks the row until it ends.
    """
    query = Matter.select().where(Matter.id == matter_id)
    if for_update:
        query = query.lock_rows("UPDATE")
    rows = await query.run()
    if not rows:
        raise MatterNotFound()
    row = MatterRow(**rows[0])
    if allowed(actor, VIEW_LEDGER, slug, county):
        return row
    own = allowed(actor, VIEW_OWN_MATTERS, slug, county)
    if own and await resident_household(actor.subject) == row.household_id:
        return row
    raise MatterNotFound()


async def _community(actor: Principal, slug: str, community: CommunityInfo | None) -> CommunityInfo:
    """The community if ``actor`` may see it (as ``access_community_by_slug``).

    ``community`` is the registry entry the caller already read in this request (the
    GraphQL ``Community`` object a ledger field hangs under): the same pure visibility
    rule is applied to it again, only the platform transaction that would re-read it is
    saved. Anything else (another slug, no entry) reads the registry.
    """
    if community is None or community.slug != slug:
        return await access_community_by_slug(actor, slug)
    if not can_read_community(actor, community.slug, community.county_code):
        raise CommunityNotFound()
    return community


def _own_only(actor: Principal, slug: str, county: str) -> bool:
    """False: the actor sees the whole ledger; True: only their household's matters."""
    if allowed(actor, VIEW_LEDGER, slug, county):
        return False
    if allowed(actor, VIEW_OWN_MATTERS, slug, county):
        return True
    raise Forbidden()


def household_visibility(actor: Principal, slug: str) -> Visibility:
    """What ``actor`` sees of households in community ``slug`` (the households' masking).

    Called only for objects of a community the actor was already allowed to read, so the
    county of a county-scoped actor is the community's county.
    """
    county = actor.scope.id if actor.scope.kind is ScopeKind.COUNTY else ""
    return visibility_for(actor, slug, county)


# -- the ledger ---------------------------------------------------------------------------
async def list_matters(
    actor: Principal,
    slug: str,
    filt: MatterFilter | None = None,
    first: int = DEFAULT_PAGE,
    after: str | None = None,
    *,
    community: CommunityInfo | None = None,
    related: Iterable[str] = (),
    readers: Mapping[str, RelatedReader] | None = None,
) -> MatterPage:
    """One page of the community's ledger (登记造册), newest registration first.

    Staff, council members and county users see every matter; a resident sees only their
    own household's (whatever household filter they send). Order is registered_at desc,
    id desc, so pages are stable while new requests come in; ``totalCount`` counts every
    page of the filtered ledger. ``related`` (see ``fetch_related``) is read in the same
    transaction; ``community`` is the caller's already-checked registry entry, if any.
    """
    filt = filt or MatterFilter()
    info = await _community(actor, slug, community)
    own_only = _own_only(actor, slug, info.county_code)
    check_page_size(first, MAX_PAGE)
    filt.check()
    position = decode_cursor(after, datetime, int) if after else None
    async with tenant_tx(slug, snapshot=True) as tx:
        if own_only:
            own = await resident_household(actor.subject)
            if own is None or filt.household_id not in (None, own):
                return MatterPage([], 0, False, None)
            filt = replace(filt, household_id=own)
        args: list[Any] = []
        conds = filter_conditions(filt, args)
        where = _where(conds)
        n_filter_args = len(args)
        if position is not None:
            conds.append(f"(registered_at, id) < (${len(args) + 1}, ${len(args) + 2})")
            args += list(position)
        args.append(first + 1)
        # The total rides along with the page as an uncorrelated sub-select (planned once,
        # run once): one round trip instead of two. It repeats the filter conditions only
        # (same $n placeholders), not the cursor, so it counts every page.
        records = await tx.connection.fetch(
            f"SELECT {MATTER_COLUMNS}, (SELECT count(*) FROM matters {where}) AS total_count "
            f"FROM matters {_where(conds)} "
            f"ORDER BY registered_at DESC, id DESC LIMIT ${len(args)}",
            *args,
        )
        if records:
            total = records[0]["total_count"]
        else:  # past the last page (or nothing matches): no row carried the total
            total = await tx.connection.fetchval(
                f"SELECT count(*) FROM matters {where}", *args[:n_filter_args]
            )
        # Positionally: the matter's columns, then the total (not a matter field).
        rows = [MatterRow(*r[:-1]) for r in records[:first]]
        has_next = len(records) > first
        extra = await fetch_related(tx, rows, related, readers) if rows else {}
    # The ledger order is (registered_at desc, id desc): the cursor is the last row's key.
    end = encode_cursor(rows[-1].registered_at, rows[-1].id) if rows else None
    return MatterPage(rows, total, has_next, end, extra)


async def get_matter(
    actor: Principal,
    slug: str,
    matter_id: int,
    *,
    community: CommunityInfo | None = None,
    related: Iterable[str] = (),
    readers: Mapping[str, RelatedReader] | None = None,
) -> MatterView | None:
    """The matter with its ``related`` rows (see ``fetch_related``) if ``actor`` may see
    it; None when missing or not visible (the same). One tenant transaction."""
    info = await _community(actor, slug, community)
    try:
        _own_only(actor, slug, info.county_code)
    except Forbidden:
        return None
    async with tenant_tx(slug, snapshot=True) as tx:
        try:
            row = await access_matter_in_tx(actor, slug, info.county_code, matter_id)
        except MatterNotFound:
            return None
        return await view_in(tx, row, related, readers)


async def view_in(
    tx: Any,
    row: MatterRow,
    related: Iterable[str] = (),
    readers: Mapping[str, RelatedReader] | None = None,
) -> MatterView:
    """``row`` with its ``related`` rows, read in the caller's transaction ``tx``: what a
    mutation's result shows of the matter its handler just wrote (``fetch_related``)."""
    wanted = tuple(related)
    extra = await fetch_related(tx, [row], wanted, readers) if wanted else {}
    return MatterView(*msgspec.structs.astuple(row), related=extra)


async def list_categories(
    actor: Principal, slug: str, *, include_inactive: bool = False
) -> list[CategoryRow]:
    """The community's request categories in display order (anyone who sees the community)."""
    await access_community_by_slug(actor, slug)
    async with tenant_tx(slug):
        query = Category.select().order_by(Category.sort).order_by(Category.code)
        if not include_inactive:
            query = query.where(Category.active.eq(True))
        return [CategoryRow(**r) for r in await query.run()]


async def list_suggestion_rules(
    actor: Principal, slug: str, *, include_inactive: bool = False
) -> list[RuleRow]:
    """The community's suggestion rules by category, highest priority first."""
    await access_community_by_slug(actor, slug)
    async with tenant_tx(slug):
        query = SuggestionRuleRow.select().order_by(SuggestionRuleRow.category)
        query = query.order_by(SuggestionRuleRow.priority, ascending=False).order_by(
            SuggestionRuleRow.id
        )
        if not include_inactive:
            query = query.where(SuggestionRuleRow.active.eq(True))
        return [RuleRow(**r) for r in await query.run()]


async def matter_settings(actor: Principal, slug: str) -> MatterSettingsRow:
    """The community's matter settings (number prefix)."""
    await access_community_by_slug(actor, slug)
    async with tenant_tx(slug):
        rows = await CommunitySettings.select(CommunitySettings.matter_prefix).run()
    return MatterSettingsRow(**rows[0])


# -- reads inside the caller's transaction (the council's deliberation) ------------------
_SETTINGS_SQL = f"SELECT {columns_of(CommunitySettingsRow)} FROM community_settings WHERE id = 1"


async def settings_in(connection: Any, *, for_update: bool = False) -> CommunitySettingsRow:
    """The community's settings row, on ``connection`` (the caller's tenant transaction).

    ``for_update`` locks it until that transaction ends: the council takes it as its
    council-wide lock (chair changes, elections, rule changes queue behind one another).
    """
    record = await connection.fetchrow(_SETTINGS_SQL + (" FOR UPDATE" if for_update else ""))
    return CommunitySettingsRow(*record)


async def matter_by_id_in(
    connection: Any, matter_id: int, *, for_update: bool = False
) -> MatterRow | None:
    """One matter, on ``connection`` (no access check: the caller reached it through a row
    of its own, e.g. an agenda item); ``for_update`` locks it until the transaction ends."""
    lock = " FOR UPDATE" if for_update else ""
    record = await connection.fetchrow(
        f"SELECT {MATTER_COLUMNS} FROM matters WHERE id = $1{lock}", matter_id
    )
    return None if record is None else MatterRow(*record)


async def matters_by_id_in(connection: Any, ids: Iterable[int]) -> dict[int, MatterRow]:
    """Matters by id in one statement, on ``connection`` (the council's agenda shows them;
    no access check: the caller reached them through rows of its own)."""
    records = await connection.fetch(
        f"SELECT {MATTER_COLUMNS} FROM matters WHERE id = ANY($1::int[])", sorted(set(ids))
    )
    return {r["id"]: MatterRow(*r) for r in records}


# -- batch loads (for DataLoaders; the caller checked access) ----------------------------
async def households_by_id(slug: str, ids: Iterable[int]) -> dict[int, HouseholdRow]:
    """Household rows by id, one transaction (unmasked: types mask them with the
    households' ``visible_household``)."""
    async with tenant_tx(slug) as tx:
        return await household_queries.households_by_id_in(tx.connection, ids)


# What a matter page can show per matter, each one query for any number of matters: the
# row type, its table, its order.
_BY_MATTER_ROWS: dict[str, tuple[type[Row], str, str]] = {
    "sheets": (SheetRow, "classification_sheets", "version"),
    "history": (TransitionRow, "matter_transitions", "id"),
    "referrals": (ReferralRow, "referrals", "id"),
    "negotiations": (NegotiationRow, "negotiations", "held_on, id"),
    "commitments": (CommitmentRow, "commitments", "id"),
    "feedback": (FeedbackRow, "feedback", "id"),
}
_BY_MATTER_SQL: dict[str, str] = {
    what: f"SELECT {columns_of(row_type)} FROM {table} "
    f"WHERE matter_id = ANY($1::int[]) ORDER BY {order}"
    for what, (row_type, table, order) in _BY_MATTER_ROWS.items()
}
BY_MATTER = frozenset(_BY_MATTER_SQL)


def _grouped(what: str, records: Iterable[Any]) -> dict[int, list[Any]]:
    row_type = _BY_MATTER_ROWS[what][0]
    grouped: dict[int, list[Any]] = defaultdict(list)
    for r in records:
        grouped[r["matter_id"]].append(row_type(*r))
    return grouped


async def rows_by_matter(slug: str, what: str, matter_ids: Iterable[int]) -> dict[int, list[Any]]:
    """Rows of ``what`` (sheets, history, ...: ``BY_MATTER``) grouped by matter id, one
    query; each a row of its type (``SheetRow``, ``TransitionRow``, ...)."""
    async with tenant_tx(slug) as tx:
        records = await tx.connection.fetch(_BY_MATTER_SQL[what], list(set(matter_ids)))
    return _grouped(what, records)


_CATEGORIES_SQL = f"SELECT {columns_of(CategoryRow)} FROM categories ORDER BY sort, code"
# What a matter page can ask to have read with its matters (``fetch_related``):
# "household" -> {household id: row}; "grids", "categories" -> every row of the community;
# each of BY_MATTER -> {matter id: [rows]}. Other contexts read their own rows about these
# matters in the same transaction through a reader they pass in (``readers``): the
# council's votes, where a major matter went (``RelatedReader``).
RELATED = frozenset({"household", "grids", "categories", *BY_MATTER})

# Another context's rows about matters, read on the connection of the caller's tenant
# transaction: (connection, matter ids) -> {matter id: value}.
RelatedReader = Callable[[Any, list[int]], Awaitable[Mapping[int, Any]]]


async def fetch_related(
    tx: Any,
    matters: Sequence[MatterRow],
    related: Iterable[str],
    readers: Mapping[str, RelatedReader] | None = None,
) -> dict[str, Any]:
    """Rows that the fields under these matters will show, read inside the caller's tenant
    transaction: one statement per kind of row, whatever the number of matters.

    For pages whose fields are known up front (the GraphQL ledger and matter fields look at
    the selection): instead of one DataLoader batch per field, each with a transaction of
    its own (BEGIN, set_config, query, COMMIT and a pool round trip), everything rides in
    the transaction that read the matters. Rows are unmasked; the types mask them, exactly
    as they do for rows from the DataLoaders.
    """
    readers = readers or {}
    wanted = set(related)
    unknown = wanted - RELATED - set(readers)
    if unknown:
        raise ValueError(f"unknown related rows: {sorted(unknown)}")
    ids = sorted({m.id for m in matters})
    out: dict[str, Any] = {}
    conn = tx.connection
    if "household" in wanted:
        household_ids = {m.household_id for m in matters}
        out["household"] = await household_queries.households_by_id_in(conn, household_ids)
    if "grids" in wanted:
        out["grids"] = await grid_queries.grids_in(conn)
    if "categories" in wanted:
        out["categories"] = [CategoryRow(*r) for r in await conn.fetch(_CATEGORIES_SQL)]
    for what in sorted(wanted & set(readers)):
        out[what] = await readers[what](conn, ids)
    for what in sorted(wanted & BY_MATTER):
        out[what] = _grouped(what, await conn.fetch(_BY_MATTER_SQL[what], ids))
    return out


async def categories_of(slug: str) -> list[CategoryRow]:
    """Every category of the community, inactive ones too (old matters still name them)."""
    async with tenant_tx(slug) as tx:
        return [CategoryRow(*r) for r in await tx.connection.fetch(_CATEGORIES_SQL)]


def loads_json(value: Any) -> Any:
    """A jsonb value read through raw asyncpg (which returns text for jsonb)."""
    return json.loads(value) if isinstance(value, str) else value


# -- reads inside another context's transaction (routing a major matter) ---------------
# What routing copies of a major matter (大事) into a department's ticket, and what it
# checks first, read inside routing's own tenant transaction (services/routing/handlers.py).
class MatterForRouting(msgspec.Struct, frozen=True):
    """A matter as routing reads it: its ledger fields, status, kind, grid, household, and
    its current classification sheet (None when it has none)."""

    id: int
    number: str
    title: str
    description: str
    category: str
    place: str
    status: str
    kind: str | None
    grid_id: int
    household_id: int
    sheet_version: int | None
    sheet_kind: str | None


_MATTER_FOR_ROUTING_SQL = (
    "SELECT m.id, m.number, m.title, m.description, m.category, m.place, m.status, m.kind, "
    "m.grid_id, m.household_id, s.version AS sheet_version, s.kind AS sheet_kind "
    "FROM matters m LEFT JOIN LATERAL (SELECT version, kind FROM classification_sheets "
    "WHERE matter_id = m.id ORDER BY version DESC LIMIT 1) s ON true WHERE m.id = $1"
)


async def matter_for_routing_in(connection: Any, matter_id: int) -> MatterForRouting | None:
    """Matter ``matter_id`` with its current sheet, read on ``connection`` inside the
    caller's tenant transaction (one statement); None if there is no such matter."""
    record = await connection.fetchrow(_MATTER_FOR_ROUTING_SQL, matter_id)
    return None if record is None else MatterForRouting(**record)


# -- referrals to registered groups (read inside the groups context's transaction) -------
REFERRAL_COLUMNS = columns_of(ReferralRow)


async def referral_in(
    connection: Any, referral_id: int, *, for_update: bool = False
) -> ReferralRow | None:
    """One referral on the caller's connection (no access check: the groups context
    decides who acts on the referrals of its groups); ``for_update`` locks it."""
    lock = " FOR UPDATE" if for_update else ""
    record = await connection.fetchrow(
        f"SELECT {REFERRAL_COLUMNS} FROM referrals WHERE id = $1{lock}", referral_id
    )
    return None if record is None else ReferralRow(*record)


async def referrals_of_group_in(
    connection: Any,
    group_id: int,
    *,
    statuses: Iterable[model.ReferralStatus] = (),
    before_id: int | None = None,
    limit: int = DEFAULT_PAGE,
) -> tuple[list[ReferralRow], int]:
    """The referrals naming registered group ``group_id``, newest first (by id), of
    ``statuses`` (none: any), from just below ``before_id`` (a keyset page), at most
    ``limit``; and how many there are over all pages. On the caller's connection."""
    wanted = sorted(s.value for s in statuses)
    conds: list[str] = ["group_id = $1"]
    args: list[Any] = [group_id]
    if wanted:
        args.append(wanted)
        conds.append(f"status = ANY(${len(args)}::text[])")
    total = await connection.fetchval(
        f"SELECT count(*) FROM referrals WHERE {' AND '.join(conds)}", *args
    )
    if before_id is not None:
        args.append(before_id)
        conds.append(f"id < ${len(args)}")
    args.append(limit)
    records = await connection.fetch(
        f"SELECT {REFERRAL_COLUMNS} FROM referrals WHERE {' AND '.join(conds)} "
        f"ORDER BY id DESC LIMIT ${len(args)}",
        *args,
    )
    return [ReferralRow(*r) for r in records], total
