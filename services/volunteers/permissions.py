"""Operations of the volunteers context (rows of the permission matrix).

A team's leader (负责人) and core (骨干) manage it because the groups context says so (their
memberships are data, ``services.groups.model.group_access``); a volunteer reads their own
record by who they are. The matrix rows are what token roles may do across the community.
"""

from services.auth.model import Role
from services.auth.permissions import op

_C, _G = Role.COMMUNITY_CADRE, Role.GRID_WORKER

VIEW_VOLUNTEERS = op(
    "view_volunteers",
    {_C, _G},
    "the community's volunteer teams: their volunteers (phones masked but for those who "
    "manage the team), services and visits",
)

OPERATIONS = (VIEW_VOLUNTEERS,)
