"""What the routing context adds: major matters (大事) to county departments — dispatch,
flow-back to the community, dead letters — and where a matter went (Matter.routes)."""

from services.kernel.registration import Context, FieldsOn

CONTEXT = Context(
    name="routing",
    summary="major matters to county departments: tickets, flow-back, dead letters",
    fields=(
        FieldsOn(
            "services.matters.api:MatterType",
            "services.routing.api:MatterRouting",
            before="allowed_transitions",
        ),
    ),
    commands="services.routing.cli:COMMANDS",
    actors=("services.routing.actors",),
)
