"""Operations of the groups context (rows of the permission matrix).

Roles inside a group (leader 负责人, core 骨干, member) are data, decided by
``services.groups.model.group_access`` from the caller's memberships, not matrix rows.
"""

from services.auth.model import Role
from services.auth.permissions import op

_C, _G, _M, _R = Role.COMMUNITY_CADRE, Role.GRID_WORKER, Role.COUNCIL_MEMBER, Role.RESIDENT
_A, _L = Role.COUNTY_ADMIN, Role.COUNTY_LEADER

VIEW_GROUPS = op(
    "view_groups",
    {_C, _G, _M, _R, _A, _L},
    "the directory of the community's groups: names, kinds, purposes",
)
MANAGE_GROUPS = op(
    "manage_groups",
    {_C},
    "register and dissolve groups; manage every group of the community",
)

# Elections: a paper ballot (纸质选票) is entered for the member who cast it by the staff who
# collected it; casting one's own ballot is a member's right, decided by membership.
RECORD_GROUP_BALLOTS = op(
    "record_group_ballots",
    {_C, _G},
    "record a member's paper ballot in a group's election of its core",
)

OPERATIONS = (VIEW_GROUPS, MANAGE_GROUPS, RECORD_GROUP_BALLOTS)
