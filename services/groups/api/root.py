"""The groups context's root types: every capability's mutations, merged in one place."""

from __future__ import annotations

from strawberry.tools import merge_types

from services.groups.api.conventions import ConventionMutation
from services.groups.api.core import GroupMutation

GroupsMutation = merge_types(
    "GroupsMutation",
    (
        GroupMutation,
        # conventions
        ConventionMutation,
    ),
)
