"""What the communities context adds: the Community entity (federation key), counties, and
creating and archiving communities."""

from services.communities.permissions import OPERATIONS
from services.kernel.registration import Context

CONTEXT = Context(
    name="communities",
    summary="the community registry (社区) and counties (县)",
    query="services.communities.api:CommunityQuery",
    mutation="services.communities.api:CommunityMutation",
    operations=OPERATIONS,
    commands="services.communities.cli:COMMANDS",
)
