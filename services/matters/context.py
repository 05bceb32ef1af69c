"""What the matters context adds: requests and matters (诉求/事项), the ledger (台账), follow-up."""

from services.kernel.registration import Context, FieldsOn
from services.matters.permissions import OPERATIONS

CONTEXT = Context(
    name="matters",
    summary="requests and matters (诉求/事项): the ledger, lifecycle, follow-up, feedback",
    mutation="services.matters.api:MatterMutation",
    fields=(
        FieldsOn("services.communities.api:CommunityType", "services.matters.api:CommunityMatters"),
    ),
    operations=OPERATIONS,
)
