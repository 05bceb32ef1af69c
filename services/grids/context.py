"""What the grids context adds: the Grid type, Community.grids and createGrid."""

from services.kernel.registration import Context, FieldsOn

CONTEXT = Context(
    name="grids",
    summary="grids (网格), the units a community is divided into",
    mutation="services.grids.api:GridMutation",
    fields=(
        FieldsOn("services.communities.api:CommunityType", "services.grids.api:CommunityGrids"),
    ),
)
