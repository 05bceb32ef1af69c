"""GraphQL adapter of the routing context: the ticket vocabulary, and where a major matter
went (``Matter.routes``, ``Matter.departmentUpdates``: the community's copy of its tickets).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, ClassVar

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from services.api.kit import loaders
from services.api.kit.vocabulary import labelled_enum
from services.matters.api import MatterType
from services.routing import queries
from services.routing.model import EventKind, TicketStatus
from services.routing.queries import DepartmentUpdateRow, MatterRouteRow

# --------------------------------------------------------------------------------------
# Vocabulary (the department inbox and the joint meetings use it too)
# --------------------------------------------------------------------------------------


TicketStatusType = labelled_enum(TicketStatus, "TicketStatus", "工单状态 / Where a ticket stands")

TicketEventKindType = labelled_enum(
    EventKind, "TicketEventKind", "工单事件类型 / What happened to a ticket"
)


@strawberry.enum(name="TicketOverdue", description="超过的期限 / Which deadline has passed")
class TicketOverdueType(enum.Enum):
    ACK = strawberry.enum_value("ack", description="签收超期 / Not acknowledged in time")
    RESOLVE = strawberry.enum_value("resolve", description="办理超期 / Not resolved in time")


# --------------------------------------------------------------------------------------
# On Matter: where it went, and every department act (the community's copy)
# --------------------------------------------------------------------------------------
@strawberry.type(
    name="MatterRoute",
    description="事项转办到的部门及其办理情况 / A department a major matter was routed to",
)
class MatterRouteType:
    ticket_id: strawberry.ID
    department_code: str
    department_name_zh: str
    department_name_en: str
    status: TicketStatusType
    commitment: str | None = strawberry.field(description="部门承诺 / The department's commitment")
    commitment_due_on: date | None
    resolve_due_at: datetime | None = strawberry.field(description="办结期限 / Due")
    overdue: TicketOverdueType | None
    supervised: bool = strawberry.field(description="县里督办 / Supervised by the county")
    updated_at: datetime

    @classmethod
    def from_row(cls, r: MatterRouteRow) -> MatterRouteType:
        return cls(
            ticket_id=strawberry.ID(str(r.ticket_id)),
            department_code=r.department_code,
            department_name_zh=r.department_name_zh,
            department_name_en=r.department_name_en,
            status=TicketStatusType(r.status),
            commitment=r.commitment,
            commitment_due_on=r.commitment_due_on,
            resolve_due_at=r.resolve_due_at,
            overdue=None if r.overdue is None else TicketOverdueType(r.overdue),
            supervised=r.supervised,
            updated_at=r.updated_at,
        )


@strawberry.type(
    name="DepartmentUpdate",
    description="部门对事项的每一步办理 / "
    "A department's act on the matter, as the community sees it",
)
class DepartmentUpdateType:
    event_id: strawberry.ID
    ticket_id: strawberry.ID
    department_code: str
    department_name_zh: str
    department_name_en: str
    kind: TicketEventKindType
    actor: str = strawberry.field(description="办理人 / Who acted")
    note: str
    data: JSON
    at: datetime

    @classmethod
    def from_row(cls, r: DepartmentUpdateRow) -> DepartmentUpdateType:
        return cls(
            event_id=strawberry.ID(str(r.event_id)),
            ticket_id=strawberry.ID(str(r.ticket_id)),
            department_code=r.department_code,
            department_name_zh=r.department_name_zh or r.department_code,
            department_name_en=r.department_name_en or r.department_code,
            kind=TicketEventKindType(r.kind),
            actor=r.actor,
            note=r.note,
            data=JSON(r.data),
            at=r.at,
        )


# The matter's routes and updates per (slug, matter id): one snapshot per community.
routing_of_matter = loaders.per_community(
    queries.routing_by_matter, lambda: queries.EMPTY_ROUTING_VIEW
)


def resolve_routes(root: MatterType, info: Info) -> list[MatterRouteType]:
    """Read with the matter when the page prefetched them (one snapshot with the matter's
    own row), else one loader for this field and the next (one snapshot for the two)."""
    return root.one(
        "routing",
        loaders.loader(info, routing_of_matter),
        queries.EMPTY_ROUTING_VIEW,
        lambda view: [MatterRouteType.from_row(r) for r in view.routes],
    )


def resolve_department_updates(root: MatterType, info: Info) -> list[DepartmentUpdateType]:
    return root.one(
        "routing",
        loaders.loader(info, routing_of_matter),
        queries.EMPTY_ROUTING_VIEW,
        lambda view: [DepartmentUpdateType.from_row(r) for r in view.updates],
    )


@strawberry.type
class MatterRouting:
    """The routing context's fields on Matter (read with a matter page when selected)."""

    PREFETCH: ClassVar[dict[str, tuple[str, Any]]] = {
        "routes": ("routing", queries.routing_rows),
        "departmentUpdates": ("routing", queries.routing_rows),
    }

    routes = strawberry.field(
        resolver=resolve_routes,
        description="转办到的县级部门及其办理情况（大事）/ "
        "Where a major matter went, and how it stands",
    )
    department_updates = strawberry.field(
        resolver=resolve_department_updates,
        description="部门的每一步办理，时间顺序 / Every department act on the matter, oldest first",
    )
