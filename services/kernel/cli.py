"""What every context's CLI commands are written with: the acting principal, running a
coroutine with the databases up, and printing a table (rich on a terminal, TSV in a pipe)."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from services.auth.model import Principal, Role, Scope, ScopeKind
from services.settings import Settings, get_settings

T = TypeVar("T")


def cli_actor() -> Principal:
    """The principal CLI acts are recorded under: a county administrator of every county."""
    return Principal(
        f"cli:{getpass.getuser()}", frozenset({Role.COUNTY_ADMIN}), Scope(ScopeKind.COUNTY, "*")
    )


def cli_settings() -> Settings:
    """The process's settings, with the embedded database when no DATABASE_URL is set."""
    from services.runtime.bootstrap import with_embedded_database

    return with_embedded_database(get_settings())


def run(make: Callable[[], Awaitable[T]], *, connections: int | None = None) -> T:
    """Start pools (platform schema migrated), await ``make()``, close everything."""
    from services.runtime.bootstrap import platform_ready

    settings = cli_settings()
    overrides: dict[str, Any] = {"min_size": 1}
    if connections is not None:
        overrides["max_size"] = max(settings.db_pool_max, connections)

    async def main() -> T:
        async with platform_ready(settings, **overrides):
            return await make()

    return asyncio.run(main())


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    """A rich table on a terminal; tab-separated lines (header first) for pipes."""
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(*headers)
        for row in rows:
            table.add_row(*row)
        Console().print(table)
        return
    click.echo("\t".join(headers))
    for row in rows:
        click.echo("\t".join(row))
