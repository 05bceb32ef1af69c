"""The list of contexts and their declarations: every reference resolves, nothing is missed.

A context declares what it adds in ``services/<context>/context.py``; the schema, the CLI,
the worker and the scheduler read ``services.contexts.CONTEXTS``. These tests make a
declaration that names something missing, a context folder left out of the list, or an
operation declared twice fail here, before any server starts.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import click
import pytest
from litestar.handlers import HTTPRouteHandler
from strawberry.types.base import has_object_definition

from services import contexts
from services.auth.model import Role
from services.kernel.registration import resolve

SERVICES = Path(__file__).resolve().parents[2] / "services"

_C, _G, _M, _R = Role.COMMUNITY_CADRE, Role.GRID_WORKER, Role.COUNCIL_MEMBER, Role.RESIDENT
_A, _L = Role.COUNTY_ADMIN, Role.COUNTY_LEADER

# The role x operation matrix of the contexts of issue 8, written out: a context that
# changes one of these rows changes it here.
MATRIX = {
    "view_ledger": {_C, _G, _M, _A, _L},
    "view_own_matters": {_R},
    "view_circumstances": {_C, _G, _M},
    "view_contacts": {_C, _G},
    "manage_households": {_C, _G},
    "manage_staff": {_C},
    "manage_council": {_C},
    "cast_vote": {_M},
    "decide": {_C},
    "export_ledger": {_C, _A},
    "register_request": {_C, _G, _M, _R},
    "manage_categories": {_C},
    "reclassify": {_C, _G},
    "follow_up": {_C, _G},
    "withdraw": {_C, _G, _R},
    "give_feedback": {_G, _R},
}


def test_every_context_folder_is_in_the_list_once():
    """A folder with a context.py is a context: it is listed, and listed once."""
    folders = sorted(p.parent.name for p in SERVICES.glob("*/context.py"))
    listed = [c.name for c in contexts.CONTEXTS]
    assert sorted(listed) == folders
    assert len(set(listed)) == len(listed)
    for context in contexts.CONTEXTS:
        module = importlib.import_module(f"services.{context.name}.context")
        assert module.CONTEXT is context


def test_graphql_references_resolve_to_strawberry_types():
    """Query and mutation roots and contributed fields name Strawberry types."""
    for context in contexts.CONTEXTS:
        for ref in filter(None, (context.query, context.mutation)):
            assert has_object_definition(resolve(ref)), ref
        for on in context.fields:
            owner, fields = resolve(on.on), resolve(on.fields)
            assert has_object_definition(owner) and has_object_definition(fields), on
            if on.before is not None:
                names = [f.python_name for f in owner.__strawberry_definition__.fields]
                assert on.before in names, on
        for ref in context.types:
            assert resolve(ref) is not None


def test_commands_actors_and_jobs_resolve():
    """CLI references are lists of click commands, actor modules import, jobs are async."""
    for context in contexts.CONTEXTS:
        if context.commands is not None:
            commands = resolve(context.commands)
            assert commands and all(isinstance(c, click.Command) for c in commands)
        for module in context.actors:
            importlib.import_module(module)
        for job in context.jobs:
            assert inspect.iscoroutinefunction(resolve(job.run)), job
        for route in context.routes:
            assert isinstance(resolve(route), HTTPRouteHandler), route
    names = [j.name for j in contexts.jobs()]
    assert "routing.mark_overdue" in names and len(names) == len(set(names))
    assert "services.routing.actors" in contexts.actor_modules()


def test_permission_matrix_is_the_union_of_the_contexts_rows():
    """Every operation is declared by exactly one context; the rows written above are as
    they were (a new context's own rows are pinned by its own tests, not here)."""
    ops = contexts.operations()
    declared = {op.value: set(op.roles) for op in ops}
    assert {v: declared[v] for v in MATRIX if v in declared} == MATRIX
    assert set(MATRIX) <= set(declared)
    assert all(op.doc for op in ops)


def test_a_duplicated_operation_is_refused(monkeypatch):
    """Two contexts declaring the same operation value is a programming error."""
    twice = (*contexts.CONTEXTS, contexts.CONTEXTS[1])
    monkeypatch.setattr(contexts, "CONTEXTS", twice)
    with pytest.raises(ValueError, match="declared twice"):
        contexts.operations()


def test_bad_references_fail_clearly():
    """A malformed or missing reference is an error naming it, not a silent None."""
    with pytest.raises(ValueError, match=r"not a 'package\.module:attribute'"):
        resolve("services.matters.api")
    with pytest.raises(AttributeError):
        resolve("services.matters.api:NoSuchType")
