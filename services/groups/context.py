"""What the groups context adds: resident groups (居民自治组织) — the dog owners' association
(养犬自治协会), volunteer teams (义工队) and others — with members and roles, and
`sanshi groups list|members`."""

from services.groups.permissions import OPERATIONS
from services.kernel.registration import Context, FieldsOn

CONTEXT = Context(
    name="groups",
    summary="resident groups (居民自治组织): members, roles, the elected core, conventions",
    mutation="services.groups.api.root:GroupsMutation",
    fields=(
        FieldsOn(
            "services.communities.api:CommunityType", "services.groups.api.core:CommunityGroups"
        ),
        FieldsOn("services.matters.api:MatterType", "services.groups.api.core:MatterFoundedGroups"),
        FieldsOn(
            "services.households.api:HouseholdType",
            "services.groups.api.core:HouseholdGroupMemberships",
        ),
        # Referrals (转介): the matters referred to a group; the group a referral names.
        FieldsOn(
            "services.groups.api.core:GroupType", "services.groups.api.referrals:GroupReferrals"
        ),
        FieldsOn(
            "services.matters.api:ReferralType", "services.groups.api.referrals:ReferralGroupFields"
        ),
        # Dogs, incidents, duties
        FieldsOn("services.groups.api.core:GroupType", "services.groups.api.dogs:GroupDogs"),
        FieldsOn("services.households.api:HouseholdType", "services.groups.api.dogs:HouseholdDogs"),
        # conventions
        FieldsOn(
            "services.groups.api.core:GroupType", "services.groups.api.conventions:GroupConventions"
        ),
        # Elections of the core
        FieldsOn(
            "services.groups.api.core:GroupType", "services.groups.api.elections:GroupElections"
        ),
        FieldsOn(
            "services.groups.api.core:GroupMemberType",
            "services.groups.api.elections:GroupMemberCoreTerm",
        ),
    ),
    commands="services.groups.cli:COMMANDS",
    operations=OPERATIONS,
)
