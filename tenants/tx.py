"""The one way to touch community data: ``async with tenant_tx(slug) as tx: ...``.

Each block is ONE transaction on a pooled connection whose first statement is
``SELECT set_config('search_path', 'c_<slug>', true)`` — transaction-local, so it ends
with the transaction and can never leak to the next borrower of the connection,
whatever the pool does (asyncpg's RESET ALL, PgBouncer transaction mode, RDS Proxy).
This module is the only place that touches search_path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from services.cache import readset
from services.errors import CommunityNotFound
from tenants import db
from tenants.db import CURRENT_TX, ENGINE, IsolationError, SanshiTransaction
from tenants.slugs import PLATFORM_SCHEMA, schema_for, validate_slug

SET_PATH = "SELECT set_config('search_path', $1, true)"
# The same statement when a query's reads are recorded for the response cache: the
# schema's data token comes in the same round trip, before any data is read.
SET_PATH_AND_VERSION = (
    "SELECT set_config('search_path', $1, true), platform.data_version_of($1)::text"
)


class TenantSwitchError(IsolationError):
    """Asked for community B while inside community A's transaction (a programming error)."""


@asynccontextmanager
async def _transaction(
    pool_name: str, search_path: str, *, kind: str, slug: str | None, snapshot: bool = False
) -> AsyncIterator[SanshiTransaction]:
    pool = db.current().pool(pool_name)
    rs = readset.current()
    # A snapshot read: REPEATABLE READ READ ONLY, so every statement sees the data as of the
    # first one (under READ COMMITTED each statement has its own snapshot). Read-only
    # REPEATABLE READ transactions never fail with serialization errors.
    opts: dict[str, Any] = {"isolation": "repeatable_read", "readonly": True} if snapshot else {}
    async with pool.acquire() as raw, raw.transaction(**opts):
        # Logged too: a query-count test should see what each transaction costs.
        if rs is None:
            db.log_statement(SET_PATH)
            await raw.execute(SET_PATH, search_path)
        else:
            # A recorded read: the schema's data token comes with the same statement,
            # before any data is read (services/cache/readset.py says why that order
            # matters).
            db.log_statement(SET_PATH_AND_VERSION)
            row = await raw.fetchrow(SET_PATH_AND_VERSION, search_path)
            rs.note(pool_name, search_path, row[1] if row is not None else None)
        tx = SanshiTransaction(ENGINE, raw, kind=kind, slug=slug, placement=pool_name)
        token = CURRENT_TX.set(tx)
        try:
            yield tx
        finally:
            CURRENT_TX.reset(token)


@asynccontextmanager
async def tenant_tx(
    slug: str, *, include_archived: bool = True, snapshot: bool = False
) -> AsyncIterator[SanshiTransaction]:
    """Run the block in one transaction scoped to community ``slug``.

    - the slug is validated before any SQL (InvalidSlug);
    - an unknown community raises CommunityNotFound;
    - inside ``tenant_tx(slug)`` the same slug re-enters the same transaction, any
      other slug (or platform_tx) raises TenantSwitchError instead of silently
      re-pointing the outer transaction;
    - platform tables stay reachable through their schema-qualified names, so a
      change and its outbox row / registry update commit together;
    - ``snapshot=True``: a read-only transaction whose statements all see one snapshot (a
      page and the rows it shows can never disagree); re-entering an outer transaction
      keeps the outer one's mode.
    """
    validate_slug(slug)
    outer = CURRENT_TX.get()
    if outer is not None:
        if outer.kind == "tenant" and outer.slug == slug:
            yield outer
            return
        raise TenantSwitchError(
            f"tenant_tx({slug!r}) inside {outer.kind} transaction for {outer.slug!r}"
        )
    entry = await db.current().lookup(slug)
    if (
        entry is None
        or entry.status == "provisioning"
        or (entry.status == "archived" and not include_archived)
    ):
        # The registry entry may come from a cache of a few seconds: such an answer is
        # not one to keep for longer.
        readset.refuse("community not found")
        raise CommunityNotFound()
    async with _transaction(
        entry.placement, schema_for(slug), kind="tenant", slug=slug, snapshot=snapshot
    ) as tx:
        yield tx


@asynccontextmanager
async def platform_tx(placement: str = db.DEFAULT_PLACEMENT) -> AsyncIterator[SanshiTransaction]:
    """One transaction on the platform schema (registry, departments, outbox, rollups).

    The registry and county-wide data live in the default database's platform schema;
    every other placement database has a platform schema too, holding only the outbox of
    the communities placed there (a change and its outbox row must share a database).
    """
    outer = CURRENT_TX.get()
    if outer is not None:
        if outer.kind == "platform" and outer.placement == placement:
            yield outer
            return
        raise TenantSwitchError(f"platform_tx() inside {outer.kind} transaction {outer.slug!r}")
    async with _transaction(placement, PLATFORM_SCHEMA, kind="platform", slug=None) as tx:
        yield tx


@asynccontextmanager
async def schema_tx(placement: str, schema: str) -> AsyncIterator[SanshiTransaction]:
    """A transaction on a schema that may not be registered yet (provisioning, migrator).

    Only tenants.provisioning and tenants.migrate use this; ``schema`` must come from
    ``schema_for()`` or be the platform schema.
    """
    if CURRENT_TX.get() is not None:
        raise TenantSwitchError("schema_tx() inside another transaction")
    if schema != PLATFORM_SCHEMA and not schema.startswith("c_"):
        raise IsolationError(f"schema_tx() on {schema!r}")
    slug = schema[2:] if schema.startswith("c_") else None
    if slug is not None:
        validate_slug(slug)
    async with _transaction(
        placement, schema, kind="tenant" if slug else "platform", slug=slug
    ) as tx:
        yield tx
