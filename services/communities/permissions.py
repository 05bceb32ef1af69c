"""Operations of the communities context: reading a community's records (permission rows)."""

from services.auth.model import Role
from services.auth.permissions import op

_C, _G, _M = Role.COMMUNITY_CADRE, Role.GRID_WORKER, Role.COUNCIL_MEMBER
_A, _L, _R = Role.COUNTY_ADMIN, Role.COUNTY_LEADER, Role.RESIDENT

VIEW_LEDGER = op(
    "view_ledger",
    {_C, _G, _M, _A, _L},
    "read every record of the community: the ledger, households, council sessions",
)
VIEW_OWN_MATTERS = op(
    "view_own_matters", {_R}, "a resident: their own household's requests and records"
)

OPERATIONS = (VIEW_LEDGER, VIEW_OWN_MATTERS)
