"""What the households context adds: households (户), residents, staff, and who sees what."""

from services.households.permissions import OPERATIONS
from services.kernel.registration import Context, FieldsOn

CONTEXT = Context(
    name="households",
    summary="households (户), residents (居民) and community staff; masking of sensitive data",
    mutation="services.households.api:HouseholdMutation",
    fields=(
        FieldsOn(
            "services.communities.api:CommunityType",
            "services.households.api:CommunityHouseholds",
        ),
    ),
    operations=OPERATIONS,
)
