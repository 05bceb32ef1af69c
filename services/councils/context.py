"""What the councils context adds: the homeland council (家园理事会), its sessions and votes."""

from services.councils.permissions import OPERATIONS
from services.kernel.registration import Context, FieldsOn

CONTEXT = Context(
    name="councils",
    summary="the homeland council (家园理事会): seats, sessions, votes, decisions",
    mutation="services.councils.api:CouncilMutation",
    fields=(
        FieldsOn(
            "services.communities.api:CommunityType", "services.councils.api:CommunityCouncil"
        ),
        FieldsOn(
            "services.matters.api:MatterType",
            "services.councils.api:MatterCouncilVotes",
            before="referrals",
        ),
    ),
    operations=OPERATIONS,
)
