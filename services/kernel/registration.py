"""How a context declares what it adds to the service: one ``Context`` object per context.

A declaration names the heavy pieces (Strawberry types, click commands, actor modules) by
reference, ``"package.module:attribute"``, resolved only when the schema, the CLI or the
worker is built. So a context's ``context.py`` stays light, importing the list of contexts
(``services.contexts``) loads no GraphQL, no click and no broker, and no context imports
another context's adapter to add fields to its types.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any

from services.auth.permissions import Op


@dataclass(frozen=True)
class FieldsOn:
    """Fields a context adds to a type another context owns (e.g. ``Community.matters``).

    ``fields`` names a ``@strawberry.type`` class whose fields (resolvers taking the owner's
    object as ``root``/``self``) are added to the class ``on`` names. They go at the end of
    the owner's fields, or just before the owner's field ``before`` (its GraphQL name):
    the published SDL lists fields in that order.
    """

    on: str
    fields: str
    before: str | None = None


@dataclass(frozen=True)
class Job:
    """A periodic job the scheduler runs (one scheduler holds the lock; see workers/scheduler).

    ``run`` names an async function of no arguments; ``interval_s`` None means the
    deployment's scheduler interval (``Settings.scheduler_interval_s``).
    """

    name: str
    run: str
    interval_s: float | None = None


@dataclass(frozen=True)
class Context:
    """Everything one context adds: the schema, the CLI, the worker and the scheduler read it.

    - ``query`` / ``mutation``: ``@strawberry.type`` classes merged into the root types;
    - ``fields``: its fields on other contexts' types;
    - ``types``: types the schema must list although no field names them;
    - ``operations``: its rows of the permission matrix (``services.auth.permissions``);
    - ``commands``: a list of click commands/groups added to ``sanshi``;
    - ``routes``: HTTP route handlers (Litestar) beside /graphql, e.g. a printable page;
    - ``actors``: modules whose import declares Dramatiq actors and outbox topics;
    - ``jobs``: periodic jobs;
    - ``on_county_created``: an async function ``(county code, actor)`` run when a county is
      created, and again (it must be idempotent) when its creation is repeated — the
      county-wide data a context needs from day one (a county's default departments).

    Migrations are not per context: every table of every context is created by the
    numbered files of ``tenants/migrations/`` (one ordered history per schema).
    """

    name: str
    summary: str
    query: str | None = None
    mutation: str | None = None
    fields: tuple[FieldsOn, ...] = ()
    types: tuple[str, ...] = ()
    operations: tuple[Op, ...] = ()
    commands: str | None = None
    routes: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    jobs: tuple[Job, ...] = ()
    on_county_created: str | None = None


def resolve(ref: str) -> Any:
    """The object ``"package.module:attribute"`` names (its module imported on first use)."""
    return _resolve(ref)


@cache
def _resolve(ref: str) -> Any:
    module, sep, attribute = ref.partition(":")
    if not sep or not module or not attribute:
        raise ValueError(f"{ref!r} is not a 'package.module:attribute' reference")
    target: Any = importlib.import_module(module)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target
