"""The domain contexts of the service: ONE list, and what the service reads off it.

Each context declares what it adds in its own ``context.py`` (``services.kernel.registration``
says what a declaration holds). The schema (``services.api.schema``), the CLI
(``services.cli``), the worker registry (``workers.registry``) and the scheduler
(``workers.scheduler``) iterate this list. Adding a context: a new folder, and one line
here (docs/architecture.md has the whole checklist).

The order is the order of the contexts' fields in the published SDL — on Query, on
Mutation and on every shared type — so a new context goes at the end.
"""

from __future__ import annotations

from services.auth.context import CONTEXT as auth
from services.auth.permissions import Op
from services.communities.context import CONTEXT as communities
from services.councils.context import CONTEXT as councils
from services.departments.context import CONTEXT as departments
from services.grids.context import CONTEXT as grids
from services.groups.context import CONTEXT as groups
from services.households.context import CONTEXT as households
from services.inbox.context import CONTEXT as inbox
from services.kernel.registration import Context, Job
from services.matters.context import CONTEXT as matters
from services.meetings.context import CONTEXT as meetings
from services.routing.context import CONTEXT as routing
from services.volunteers.context import CONTEXT as volunteers

CONTEXTS: tuple[Context, ...] = (
    auth,
    communities,
    grids,
    households,
    councils,
    matters,
    inbox,
    meetings,
    departments,
    routing,
    groups,
    volunteers,
)


def operations() -> tuple[Op, ...]:
    """The whole permission matrix: every context's operations (each value declared once)."""
    ops = tuple(op for c in CONTEXTS for op in c.operations)
    values = [op.value for op in ops]
    if len(values) != len(set(values)):
        raise ValueError(f"an operation is declared twice: {sorted(values)}")
    return ops


def actor_modules() -> tuple[str, ...]:
    """Modules whose import declares the contexts' Dramatiq actors and outbox topics."""
    return tuple(m for c in CONTEXTS for m in c.actors)


def jobs() -> tuple[Job, ...]:
    """The contexts' periodic jobs."""
    return tuple(j for c in CONTEXTS for j in c.jobs)


def county_created_hooks() -> tuple[str, ...]:
    """References to what each context does when a county is created (in list order)."""
    return tuple(c.on_county_created for c in CONTEXTS if c.on_county_created is not None)


def route_refs() -> tuple[str, ...]:
    """References to the contexts' HTTP route handlers (beside /graphql)."""
    return tuple(r for c in CONTEXTS for r in c.routes)


def command_refs() -> tuple[str, ...]:
    """References to the contexts' lists of CLI commands."""
    return tuple(c.commands for c in CONTEXTS if c.commands is not None)
