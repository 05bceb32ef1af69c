"""The groups context's root types: every capability's mutations, merged in one place."""

from __future__ import annotations

from strawberry.tools import merge_types

from services.groups.api.conventions import ConventionMutation
from services.groups.api.core import GroupMutation
from services.groups.api.dogs import DogMutation
from services.groups.api.elections import GroupElectionMutation
from services.groups.api.referrals import GroupReferralMutation

GroupsMutation = merge_types("GroupsMutation", (GroupMutation,))
# Referrals (转介): refer a matter to a group; the group accepts, declines, completes.
GroupsMutation = merge_types("GroupsMutation", (GroupsMutation, GroupReferralMutation))
# Dogs, incidents, duties
GroupsMutation = merge_types("GroupsMutation", (GroupsMutation, DogMutation))
# Conventions (自治公约): drafts, the members' vote, adoption
GroupsMutation = merge_types("GroupsMutation", (GroupsMutation, ConventionMutation))
# Elections of the core (骨干选举)
GroupsMutation = merge_types("GroupsMutation", (GroupsMutation, GroupElectionMutation))
