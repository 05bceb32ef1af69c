"""The groups context's root types: every capability's mutations, merged in one place."""

from __future__ import annotations

from strawberry.tools import merge_types

from services.groups.api.core import GroupMutation
from services.groups.api.elections import GroupElectionMutation

GroupsMutation = merge_types("GroupsMutation", (GroupMutation, GroupElectionMutation))
