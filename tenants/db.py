"""Connection pools per placement, and the Piccolo engine every table is bound to.

Piccolo tables are bound to one engine object, ``ENGINE``. It never opens connections
of its own: a query runs on the connection of the transaction opened by
``tenants.tx.tenant_tx`` / ``platform_tx`` (found through a context variable), and a
query outside any transaction is an error. That is what makes "all tenant data access
goes through one helper" true, and what lets a community live in any database
(placement) while its tables are declared once.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

from services.settings import Settings

DEFAULT_PLACEMENT = "default"
# The role's default search_path: a schema that never holds tables. A query that
# escaped the tenant helper fails with "relation does not exist" instead of reading
# some other community's rows (or public's).
NO_TENANT_SEARCH_PATH = "sanshi_no_tenant"


class IsolationError(RuntimeError):
    """A programming error that would break tenant isolation (never a user error)."""


# When a test sets a list here, every statement run through a transaction is appended to
# it (the list is shared by reference with tasks spawned inside, e.g. GraphQL resolvers).
STATEMENT_LOG: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "sanshi_statement_log", default=None
)


def log_statement(query: str) -> None:
    """Record ``query`` in the active statement log, if a test opened one."""
    log = STATEMENT_LOG.get()
    if log is not None:
        log.append(query)


@contextmanager
def statements() -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block (for query-count tests)."""
    log: list[str] = []
    token = STATEMENT_LOG.set(log)
    try:
        yield log
    finally:
        STATEMENT_LOG.reset(token)


class SerializedConnection:
    """An asyncpg connection whose calls run one at a time.

    graphql-core resolves sibling async fields concurrently; two queries on one
    connection at once raise ``InterfaceError: another operation is in progress``.
    Every call through this proxy takes the transaction's lock first.
    """

    __slots__ = ("_lock", "raw")

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw
        self._lock = asyncio.Lock()

    @property
    def lock(self) -> asyncio.Lock:
        return self._lock

    async def fetch(self, query: str, *args: Any, **kw: Any) -> list[asyncpg.Record]:
        log_statement(query)
        async with self._lock:
            return await self.raw.fetch(query, *args, **kw)

    async def fetchrow(self, query: str, *args: Any, **kw: Any) -> asyncpg.Record | None:
        log_statement(query)
        async with self._lock:
            return await self.raw.fetchrow(query, *args, **kw)

    async def fetchval(self, query: str, *args: Any, **kw: Any) -> Any:
        log_statement(query)
        async with self._lock:
            return await self.raw.fetchval(query, *args, **kw)

    async def execute(self, query: str, *args: Any, **kw: Any) -> str:
        log_statement(query)
        async with self._lock:
            return await self.raw.execute(query, *args, **kw)

    async def executemany(self, query: str, args: Any, **kw: Any) -> None:
        log_statement(query)
        async with self._lock:
            await self.raw.executemany(query, args, **kw)

    async def copy_records_to_table(self, table: str, **kw: Any) -> str:
        async with self._lock:
            return await self.raw.copy_records_to_table(table, **kw)


class SanshiTransaction(PostgresTransaction):
    """The transaction object Piccolo sees as "current" (it only uses ``.connection``)."""

    __slots__ = ("kind", "placement", "raw", "slug")

    def __init__(
        self,
        engine: SanshiEngine,
        raw: asyncpg.Connection,
        *,
        kind: str,
        slug: str | None,
        placement: str,
    ) -> None:
        # Deliberately not calling PostgresTransaction.__init__: nesting is decided
        # by tenants.tx, and the connection is already ours.
        self.engine = engine
        self.raw = raw
        self.connection = SerializedConnection(raw)
        self.kind = kind
        self.slug = slug
        self.placement = placement
        self._savepoint_id = 0
        self._parent = None
        self._committed = False
        self._rolled_back = False

    async def iterate(
        self, query: Any, batch_size: int = 500
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Stream a Piccolo select in batches inside this transaction.

        The safe replacement for Piccolo's ``.batch()``, which opens a connection of its
        own and so would run outside the community's search_path.
        """
        sql, args = query.querystrings[0].compile_string(engine_type="postgres")
        log_statement(sql)
        async with self.connection.lock:
            cursor = await self.raw.cursor(sql, *args)
        while True:
            async with self.connection.lock:
                rows = await cursor.fetch(batch_size)
            if not rows:
                return
            yield await query._process_results(rows)


# Shared by every engine: the transaction the current task is in, if any.
CURRENT_TX: contextvars.ContextVar[SanshiTransaction | None] = contextvars.ContextVar(
    "sanshi_current_tx", default=None
)


class SanshiEngine(PostgresEngine):
    """The Piccolo engine all tables are bound to; it only runs inside our transactions."""

    def __init__(self) -> None:
        # Not calling PostgresEngine.__init__: it connects to the database to check the
        # server version (I/O at import time). Set what Piccolo reads instead.
        self.config = {"database": "sanshi"}
        self.extensions = ()
        self.log_queries = False
        self.log_responses = False
        self.extra_nodes = {}
        self.pool = None
        self.engine_type = "postgres"
        self.min_version_number = 15
        self.query_id = 0
        self.current_transaction = CURRENT_TX  # type: ignore[assignment]  # a subclass

    def _require_tx(self) -> SanshiTransaction:
        tx = CURRENT_TX.get()
        if tx is None:
            raise IsolationError(
                "database access outside tenant_tx()/platform_tx(): every query must run "
                "inside the tenant transaction helper"
            )
        return tx

    async def run_querystring(self, querystring: Any, in_pool: bool = True) -> Any:
        tx = self._require_tx()
        sql, args = querystring.compile_string(engine_type=self.engine_type)
        return await tx.connection.fetch(sql, *args)

    async def run_ddl(self, ddl: str, in_pool: bool = True) -> Any:
        tx = self._require_tx()
        return await tx.connection.fetch(ddl)

    async def batch(self, query: Any, batch_size: int = 100, node: str | None = None) -> Any:
        raise IsolationError(
            "Piccolo's .batch() opens its own connection outside the tenant transaction; "
            "use `tx.iterate(query)` inside tenant_tx() instead"
        )

    def transaction(self, allow_nested: bool = True) -> Any:
        tx = CURRENT_TX.get()
        if tx is not None and allow_nested:
            return _NestedNoop(tx)
        raise IsolationError("open transactions with tenant_tx()/platform_tx(), not the engine")

    async def get_version(self) -> float:
        return 15.0

    async def prep_database(self) -> None:
        return None


class _NestedNoop:
    """What Piccolo internals get when they ask for a transaction inside ours."""

    def __init__(self, tx: SanshiTransaction) -> None:
        self.tx = tx

    async def __aenter__(self) -> SanshiTransaction:
        return self.tx

    async def __aexit__(self, *exc: object) -> bool:
        return False


ENGINE = SanshiEngine()


async def keep_session(conn: asyncpg.Connection) -> None:
    """What a connection needs on its way back to the pool, beyond what asyncpg always does
    (roll back a transaction left open, drop listeners): nothing.

    asyncpg's default reset (``RESET ALL; UNLISTEN *; CLOSE ALL; pg_advisory_unlock_all()``)
    is one more round trip on every release — two or three per request — to wipe session
    state the service never leaves: the search path is transaction-local (``tenants.tx``,
    trap 1 in docs/tenancy.md, tested with this pool and with asyncpg's), nothing LISTENs
    or keeps a cursor past its transaction, and session advisory locks (the scheduler, the
    migrator) are taken on connections of their own, never pooled ones."""


def pool_config(url: str, settings: Settings, **overrides: Any) -> dict[str, Any]:
    """asyncpg pool arguments for one database."""
    cfg: dict[str, Any] = {
        "dsn": url,
        "reset": keep_session,
        "min_size": settings.db_pool_min,
        "max_size": settings.db_pool_max,
        # Recycle connections: each keeps catalog caches for every tenant table it
        # touched, which adds up over thousands of communities.
        "max_queries": settings.db_pool_max_queries,
        "max_inactive_connection_lifetime": settings.db_pool_max_inactive_lifetime,
        "server_settings": {
            "search_path": NO_TENANT_SEARCH_PATH,
            "application_name": "sanshi",
        },
    }
    cfg.update(overrides)
    return cfg


@dataclass
class _RegistryEntry:
    placement: str
    status: str
    loaded_at: float


class Databases:
    """The pools of every database communities are placed in, plus the platform's.

    Created and started by the app, CLI or worker (never at import time) and installed
    as the process's current one with ``install()``.
    """

    REGISTRY_TTL_S = 5.0

    def __init__(self, settings: Settings, **pool_overrides: Any) -> None:
        if not settings.database_url:
            raise IsolationError("Databases needs settings.database_url (start embedded first)")
        self.settings = settings
        self.urls = {DEFAULT_PLACEMENT: settings.database_url, **settings.placements}
        self.pool_overrides = pool_overrides
        self.pools: dict[str, asyncpg.Pool] = {}
        self._registry: dict[str, _RegistryEntry] = {}

    async def start(self) -> Databases:
        for name, url in self.urls.items():
            self.pools[name] = await asyncpg.create_pool(
                **pool_config(url, self.settings, **self.pool_overrides)
            )
        return self

    async def close(self) -> None:
        for pool in self.pools.values():
            await pool.close()
        self.pools.clear()

    def pool(self, placement: str = DEFAULT_PLACEMENT) -> asyncpg.Pool:
        try:
            return self.pools[placement]
        except KeyError:
            raise IsolationError(f"unknown placement {placement!r}") from None

    @property
    def platform_pool(self) -> asyncpg.Pool:
        return self.pool(DEFAULT_PLACEMENT)

    # -- registry cache: which database a community lives in -------------------------
    def forget(self, slug: str) -> None:
        self._registry.pop(slug, None)

    async def lookup(self, slug: str) -> _RegistryEntry | None:
        """Placement and status of a community (cached briefly; misses are not cached)."""
        loop = asyncio.get_running_loop()
        entry = self._registry.get(slug)
        if entry is not None and loop.time() - entry.loaded_at < self.REGISTRY_TTL_S:
            return entry
        async with self.platform_pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT placement, status FROM platform.communities WHERE slug = $1", slug
            )
        if row is None:
            self._registry.pop(slug, None)
            return None
        entry = _RegistryEntry(row["placement"], row["status"], loop.time())
        self._registry[slug] = entry
        return entry


_current: Databases | None = None


def install(dbs: Databases | None) -> None:
    """Make ``dbs`` the process's databases (``None`` to uninstall)."""
    global _current
    _current = dbs


def current() -> Databases:
    if _current is None:
        raise IsolationError("no Databases installed: start them with Databases(...).start()")
    return _current


@asynccontextmanager
async def running(settings: Settings, **pool_overrides: Any) -> AsyncIterator[Databases]:
    """Start pools, install them as current for the block, close them after."""
    dbs = await Databases(settings, **pool_overrides).start()
    previous = _current
    install(dbs)
    try:
        yield dbs
    finally:
        install(previous)
        await dbs.close()
